/**
 * How deep HCL nests, measured before @cdktf/hcl2json sees a file: its parser (Go, compiled to
 * WebAssembly) recurses on nesting and can crash or stop answering on a file nested thousands
 * deep, so sgc refuses such a file with a located error instead. The scan is one pass and
 * rough on purpose: it knows comments, quoted strings with their `${...}` and `%{...}`
 * interpolations (whose expressions nest too), and heredocs, which is all it takes to count
 * brackets as HCL's own lexer would.
 */

import { IDENTIFIER } from "./syntax";

const HEREDOC = new RegExp(`^<<-?(${IDENTIFIER})\\r?\\n`, "u");

/** What the scan is inside: a bracket, an interpolation, or a quoted string. */
type Open = "(" | "[" | "{" | "${" | '"';

const CLOSERS: Record<string, Open> = { ")": "(", "]": "[", "}": "{" };

/**
 * The offset where HCL text first nests deeper than `limit` (brackets, braces, parentheses,
 * strings and the interpolations in them); undefined when it never does.
 */
export function hclNestingBeyond(text: string, limit: number): number | undefined {
  const stack: Open[] = [];
  const open = (what: Open): boolean => {
    stack.push(what);
    return stack.length > limit;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (top === '"') {
      // Inside a quoted string: escapes, interpolations, and the closing quote.
      if (c === "\\") i += 2;
      else if ((c === "$" || c === "%") && text[i + 1] === "{") {
        if (text[i - 1] === c) i += 2; // `$${` and `%%{` are literal text
        else if (open("${")) return i;
        else i += 2;
      } else {
        if (c === '"') stack.pop();
        i++;
      }
      continue;
    }
    if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "<" && text[i + 1] === "<") {
      i = afterHeredoc(text, i);
    } else if (c === '"' || c === "(" || c === "[" || c === "{") {
      if (open(c)) return i;
      i++;
    } else if (c === ")" || c === "]" || c === "}") {
      // `}` also closes an interpolation; a closer that matches nothing is left to the parser.
      if (top !== undefined && (CLOSERS[c] === top || (c === "}" && top === "${"))) stack.pop();
      i++;
    } else i++;
  }
  return undefined;
}

/** The offset just past a heredoc that starts at `at` (`<<EOT` or `<<-EOT`), or past `<<` when it is none. */
function afterHeredoc(text: string, at: number): number {
  const head = HEREDOC.exec(text.slice(at, at + 300));
  if (!head) return at + 2;
  let line = at + head[0].length;
  while (line < text.length) {
    const end = text.indexOf("\n", line);
    const stop = end < 0 ? text.length : end;
    if (text.slice(line, stop).trim() === head[1]) return stop;
    line = stop + 1;
  }
  return text.length;
}
