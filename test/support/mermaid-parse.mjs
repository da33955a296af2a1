// Parses Mermaid text with the real Mermaid parser (the npm package, in a jsdom window):
// reads one diagram per NUL-separated chunk on stdin, prints one JSON line per diagram.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

let input = "";
for await (const chunk of process.stdin) input += chunk;
for (const text of input.split("\u0000").filter((t) => t.trim() !== "")) {
  try {
    const result = await mermaid.parse(text);
    process.stdout.write(JSON.stringify({ ok: true, type: result.diagramType }) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(error.message).split("\n").slice(0, 3).join(" ") }) + "\n");
  }
}
