import { readFileSync } from "fs";
import { Diagnostic } from "./diagnostics";
import { validateText, ValidationResult } from "./validate";

/** Reads a file as UTF-8 text, or a diagnostic saying why it cannot be read. */
export function readInput(file: string): { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] } {
  try {
    return { ok: true, text: readFileSync(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a file" : code === "EACCES" ? "permission denied" : `cannot be read (${code ?? "unknown error"})`;
    return { ok: false, diagnostics: [{ code: "file-unreadable", severity: "error", message, file, line: 0, column: 0 }] };
  }
}

/** Reads and validates a manifest file: the first stage of every command. */
export function loadManifest(file: string): ValidationResult {
  const input = readInput(file);
  if (!input.ok) return input;
  return validateText(input.text, file);
}
