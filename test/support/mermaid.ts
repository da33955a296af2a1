import { spawnSync } from "child_process";
import { join } from "path";

/** Parses Mermaid diagrams with the real Mermaid parser, in a child process (Mermaid is ESM and wants a DOM). */
export function parseMermaid(diagrams: readonly string[]): { ok: boolean; type?: string; error?: string }[] {
  const result = spawnSync(process.execPath, [join(__dirname, "mermaid-parse.mjs")], { input: diagrams.join("\u0000"), encoding: "utf8" });
  if (result.status !== 0) throw new Error(`the Mermaid parser did not run:\n${result.stderr}`);
  return result.stdout.trim().split("\n").map((line) => JSON.parse(line));
}

/** The Mermaid blocks of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Renders Mermaid diagrams to SVG with the real Mermaid package (in jsdom, in a child process). */
export function renderMermaid(diagrams: readonly string[]): { ok: boolean; svg?: string; error?: string }[] {
  const result = spawnSync(process.execPath, [join(__dirname, "mermaid-render.mjs")], { input: diagrams.join("\u0000"), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`Mermaid did not run:\n${result.stderr}`);
  return result.stdout.trim().split("\n").map((line) => JSON.parse(line));
}
