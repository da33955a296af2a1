import { compareText } from "./model/order";

/** A problem found in user input, located in its source file. Diagnostics are data: they are printed, counted and tested. */
export interface Diagnostic {
  code: string;
  /** The one word for each severity, as packs and JSON reports spell it. */
  severity: "error" | "warn";
  message: string;
  file: string;
  /** 1-based line; 1 (with column 1) when the problem concerns the whole file; 0 only for what is no file (the command line). */
  line: number;
  /** 1-based column. */
  column: number;
  /** A suggested fix, printed under the message. */
  hint?: string;
}

/** A source position, 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** Thrown for user input that cannot be processed; carries located diagnostics, never a stack trace for the user. */
export class InputError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
    this.name = "InputError";
  }
}

/** Orders diagnostics by file, then position, then code, so output is stable. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareText(a.file, b.file) || a.line - b.line || a.column - b.column || compareText(a.code, b.code) || compareText(a.message, b.message),
  );
}

/** The position of a problem that concerns a whole file: its first character, so editors and CI can still jump to it. */
export const FILE_START: Position = { line: 1, column: 1 };

/** The width diagnostics are cut to: the terminal's, or 120 columns when the output is no terminal. */
export function terminalWidth(): number {
  return process.stderr.columns || process.stdout.columns || 120;
}

/**
 * Formats a diagnostic as `file:line:col: severity CODE message`, followed, when the source
 * text is given, by the offending line and a caret under the column. Whatever the input
 * holds, a diagnostic stays on its own lines and within reach of the terminal's width:
 * control characters are escaped (a newline in a value prints as `\n`) and long echoes of
 * the input are cut, in the message and in the source line.
 */
export function formatDiagnostic(d: Diagnostic, source?: string, width = terminalWidth()): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const lines = [`${where}: ${d.severity} ${d.code} ${shortened(d.message, width)}`];
  if (source !== undefined && d.line > 0) {
    const text = lineOf(source, d.line);
    if (text !== undefined) lines.push(...sourceExcerpt(text, d.column, width));
  }
  if (d.hint) lines.push(`  hint: ${shortened(d.hint, width)}`);
  return lines.join("\n");
}

const NAMED_ESCAPES = new Map([
  ["\n", "\\n"],
  ["\r", "\\r"],
  ["\t", "\\t"],
]);

/** Control characters as escapes (`\n`, `\u001b`), so echoed input can neither split a line nor drive the terminal. */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => NAMED_ESCAPES.get(c) ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A message with control characters escaped and every run of text too long for the terminal
 * (a huge value echoed back) cut in its middle; the message as a whole stays within a few lines.
 */
function shortened(message: string, width: number): string {
  const run = Math.max(24, width - 40);
  const cut = escapeControls(message).replace(new RegExp(`\\S{${run + 1},}`, "g"), (long) => elide(long, run));
  return cut.length > 3 * width ? elide(cut, 3 * width) : cut;
}

/** Text cut to `max` characters, keeping its start and its end around an ellipsis. */
function elide(text: string, max: number): string {
  const tail = Math.floor((max - 1) / 3);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/** The source line and the caret under `column`, as a window of the line when the line is wider than the terminal. */
function sourceExcerpt(line: string, column: number, width: number): string[] {
  const shown = escapeControls(line.replace(/\t/g, " "));
  const room = Math.max(20, width - 4);
  // Columns count characters of the line as written; escapes before the caret widen it.
  const caret = escapeControls(line.slice(0, Math.max(0, column - 1)).replace(/\t/g, " ")).length;
  if (shown.length <= room) return [`  ${shown}`, `  ${" ".repeat(caret)}^`];
  const start = Math.max(0, Math.min(caret - Math.floor(room / 2), shown.length - room));
  const end = Math.min(shown.length, start + room);
  const left = start > 0 ? "…" : "";
  const window = `${left}${shown.slice(start + left.length, end - (end < shown.length ? 1 : 0))}${end < shown.length ? "…" : ""}`;
  return [`  ${window}`, `  ${" ".repeat(caret - start)}^`];
}

/** Line starts of the last source looked at: diagnostics come in runs over the same text. */
let lineIndex: { source: string; starts: number[] } | undefined;

/** The text of a 1-based line; CRLF, CR and LF all end lines, as for the parser. */
function lineOf(source: string, line: number): string | undefined {
  if (lineIndex?.source !== source) {
    const starts = [0];
    for (let i = 0; i < source.length; i++) {
      const c = source.charCodeAt(i);
      if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
    }
    lineIndex = { source, starts };
  }
  const start = lineIndex.starts[line - 1];
  if (start === undefined) return undefined;
  const next = lineIndex.starts[line];
  return source.slice(start, next === undefined ? source.length : next).replace(/\r?\n$|\r$/, "");
}
