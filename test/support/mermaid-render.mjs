// Renders Mermaid text to SVG with the real Mermaid package, in a jsdom window (no browser):
// reads one diagram per NUL-separated chunk on stdin, prints one JSON line per diagram. jsdom
// does no layout, so text is measured as 8 px a character; the SVG's structure (nodes, edges,
// labels, styles) is Mermaid's own.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
for (const name of ["window", "document", "navigator", "Element", "HTMLElement", "SVGElement", "DOMParser", "XMLSerializer", "CSSStyleSheet", "getComputedStyle"]) {
  if (!(name in globalThis) || name === "window" || name === "document") {
    Object.defineProperty(globalThis, name, { value: name === "window" ? dom.window : dom.window[name], configurable: true, writable: true });
  }
}
const measure = (element) => {
  const lines = (element.textContent ?? "").split("\n");
  return { width: Math.max(1, ...lines.map((l) => l.length * 8)), height: 16 * Math.max(1, lines.length) };
};
dom.window.SVGElement.prototype.getBBox = function () {
  return { x: 0, y: 0, ...measure(this) };
};
dom.window.SVGElement.prototype.getComputedTextLength = function () {
  return measure(this).width;
};
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", flowchart: { htmlLabels: false } });

let input = "";
for await (const chunk of process.stdin) input += chunk;
let n = 0;
for (const text of input.split("\u0000").filter((t) => t.trim() !== "")) {
  try {
    const { svg } = await mermaid.render(`diagram${n++}`, text);
    process.stdout.write(JSON.stringify({ ok: true, svg }) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(error?.message ?? error).split("\n").slice(0, 3).join(" ") }) + "\n");
  }
}
