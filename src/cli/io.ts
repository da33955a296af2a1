import { Diagnostic, formatDiagnostic } from "../diagnostics";
import { plural } from "../text";

/** Where a command writes: injectable, so tests run commands in-process and read what they print. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** The real terminal. */
export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit codes, as ESLint has them: clean, findings or a failed query, invalid input or usage. */
export const EXIT = { ok: 0, findings: 1, invalid: 2 } as const;

/** Prints diagnostics to stderr, each with its source line, then a count; returns the exit code for invalid input. */
export function reportDiagnostics(io: Io, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string> = new Map()): number {
  for (const d of diagnostics) io.err(formatDiagnostic(d, sources.get(d.file)) + "\n");
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  io.err(`${plural(errors, "error")}\n`);
  return EXIT.invalid;
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n") + "\n";
}
