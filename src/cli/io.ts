import { renameSync, rmSync, writeFileSync } from "fs";
import { Diagnostic, formatDiagnostic } from "../diagnostics";
import { plural } from "../text";

/** Where a command writes: injectable, so tests run commands in-process and read what they print. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether each stream takes colour; no colour when absent. */
  color?: { out: boolean; err: boolean };
}

/**
 * Whether a stream gets colour, as most command-line tools decide: FORCE_COLOR (non-empty and
 * not "0") turns it on even in a pipe, FORCE_COLOR=0 or any non-empty NO_COLOR turns it off,
 * and otherwise a terminal gets colour and a pipe or file does not.
 */
export function wantsColor(isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return isTTY === true;
}

/** The real terminal. */
export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  get color() {
    return { out: wantsColor(process.stdout.isTTY), err: wantsColor(process.stderr.isTTY) };
  },
};

/** Exit codes, as ESLint has them: clean, findings or a failed query, invalid input or usage. */
export const EXIT = { ok: 0, findings: 1, invalid: 2 } as const;

const SGR = { reset: "\u001b[0m", bold: "\u001b[1m", dim: "\u001b[2m", red: "\u001b[31m", green: "\u001b[32m", yellow: "\u001b[33m", blue: "\u001b[34m", cyan: "\u001b[36m" };
const SEVERITY_COLOR: Record<string, string> = { error: SGR.red, warning: SGR.yellow, note: SGR.blue };

/**
 * Colours diagnostic-style text for a terminal: the place in bold, the severity in its colour,
 * the code dimmed, hints in cyan and the count line by its worst severity. Lines are matched by
 * their shape (`file:line:col: severity CODE message`), so every command's output is coloured
 * the same way and text without that shape passes through unchanged.
 */
export function paint(text: string, enabled: boolean | undefined): string {
  if (!enabled) return text;
  return text
    .split("\n")
    .map((line) => {
      const diagnostic = /^(\S[^\n]*?): (error|warning|note) (\S+)( .*)?$/.exec(line);
      if (diagnostic) {
        const [, where, severity, code, rest = ""] = diagnostic;
        return `${SGR.bold}${where}${SGR.reset}: ${SEVERITY_COLOR[severity]}${severity}${SGR.reset} ${SGR.dim}${code}${SGR.reset}${rest}`;
      }
      if (/^ +\^$/.test(line)) return `${SGR.green}${line}${SGR.reset}`;
      if (/^ {2}hint: /.test(line)) return `${SGR.cyan}${line}${SGR.reset}`;
      const count = /^(?:\S+: )?(\d+) errors?(?:, (\d+) warnings?)?/.exec(line);
      if (count) return `${Number(count[1]) > 0 ? SGR.red : Number(count[2] ?? 0) > 0 ? SGR.yellow : SGR.green}${SGR.bold}${line}${SGR.reset}`;
      return line;
    })
    .join("\n");
}

/** Prints diagnostics to stderr, each with its source line, then a count; returns the exit code for invalid input. */
export function reportDiagnostics(io: Io, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string> = new Map()): number {
  for (const d of diagnostics) io.err(paint(formatDiagnostic(d, sources.get(d.file)), io.color?.err) + "\n");
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  io.err(paint(`${plural(errors, "error")}`, io.color?.err) + "\n");
  return EXIT.invalid;
}

/**
 * Runs a command whose report goes to stdout, or with `--output FILE` to that file. The file is
 * written only when the command produced a report (invalid input writes none), in one rename, so
 * an earlier file stays whole until the new one replaces it. Diagnostics still go to stderr.
 */
export async function withOutputFile(io: Io, file: string | undefined, command: (io: Io) => number | Promise<number>): Promise<number> {
  if (file === undefined) return command(io);
  let report = "";
  const code = await command({ out: (text) => (report += text), err: io.err, color: { out: false, err: io.color?.err ?? false } });
  if (report === "") return code;
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, report);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    const message = `cannot write the report: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    return reportDiagnostics(io, [{ code: "cannot-write", severity: "error", message, file, line: 0, column: 0 }]);
  }
  return code;
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n") + "\n";
}
