import { Diagnostic, sortDiagnostics } from "../diagnostics";
import { ParsedSource, parseYaml } from "../parse";
import { LIMITS } from "./limits";
import { Manifest } from "./manifest";
import { Problem } from "./resolve";
import { checkSchema } from "./schema";
import { checkMeaning } from "./semantic";

export type { Manifest } from "./manifest";

/** A manifest that passed every check, with its source for locating things later. */
export interface ValidManifest {
  manifest: Manifest;
  source: ParsedSource;
}

/** The outcome of validation: a valid manifest, or every error found, sorted by position. */
export type ValidationResult = { ok: true; valid: ValidManifest } | { ok: false; diagnostics: Diagnostic[]; text?: string };

/** Parses and validates manifest text: YAML, then the JSON Schema, then meaning. Reports every error at once. */
export function validateText(text: string, file: string): ValidationResult {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return { ok: false, diagnostics: sortDiagnostics(parsed.diagnostics), text };
  const { source } = parsed;
  const services = (source.value as { services?: unknown } | null)?.services;
  const count = services !== null && typeof services === "object" ? Object.keys(services).length : 0;
  if (count > LIMITS.services) {
    const at = source.locate(["services"], true);
    const message = `the manifest has ${count} services; sgc supports at most ${LIMITS.services} per stack`;
    return { ok: false, diagnostics: [{ code: "too-many-services", severity: "error", message, file, ...at, hint: "split the manifest into several stacks" }], text };
  }
  const schemaErrors = checkSchema(source);
  if (schemaErrors.length > 0) return { ok: false, diagnostics: sortDiagnostics(schemaErrors), text };
  const manifest = source.value as Manifest;
  const problems = checkMeaning(manifest);
  if (problems.length > 0) return { ok: false, diagnostics: sortDiagnostics(problems.map((p) => locate(p, source))), text };
  return { ok: true, valid: { manifest, source } };
}

/** Turns a problem found at a manifest path into a diagnostic at its place in the text. */
export function locate(problem: Problem, source: ParsedSource): Diagnostic {
  return {
    code: problem.code,
    severity: "error",
    message: problem.message,
    file: source.file,
    ...source.locate(problem.path, problem.key),
    ...(problem.hint ? { hint: problem.hint } : {}),
  };
}
