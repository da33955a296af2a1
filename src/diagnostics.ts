import { compareText } from "./model/order";

/** A problem found in user input, located in its source file. Diagnostics are data: they are printed, counted and tested. */
export interface Diagnostic {
  code: string;
  severity: "error" | "warning";
  message: string;
  file: string;
  /** 1-based line; 0 when the problem concerns the whole file. */
  line: number;
  /** 1-based column; 0 when the problem concerns the whole file. */
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

/**
 * Formats a diagnostic as `file:line:col: severity CODE message`, followed, when the source
 * text is given, by the offending line and a caret under the column.
 */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const lines = [`${where}: ${d.severity} ${d.code} ${d.message}`];
  if (source !== undefined && d.line > 0) {
    const text = source.split(/\r?\n/)[d.line - 1];
    if (text !== undefined) {
      const shown = text.replace(/\t/g, " ");
      lines.push(`  ${shown}`);
      lines.push(`  ${" ".repeat(Math.max(0, d.column - 1))}^`);
    }
  }
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join("\n");
}
