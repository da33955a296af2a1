import { Diagnostic, sortDiagnostics } from "../diagnostics";
import { ParsedSource, parseYaml, Path } from "../parse";
import { LIMITS } from "./limits";
import { Manifest } from "./manifest";
import { Problem } from "./resolve";
import { checkWithPaths } from "./schema";
import { checkMeaning } from "./semantic";

export type { Manifest } from "./manifest";

/** A manifest that passed every check, with its source for locating things later. */
export interface ValidManifest {
  manifest: Manifest;
  source: ParsedSource;
}

/** The outcome of validation: a valid manifest, or every error found, sorted by position. */
export type ValidationResult = { ok: true; valid: ValidManifest } | { ok: false; diagnostics: Diagnostic[]; text?: string };

/** A further check of a manifest that passed the schema (the policy section, say); located errors. */
export type ExtraCheck = (manifest: Manifest, source: ParsedSource) => Diagnostic[];

/**
 * Parses and validates manifest text: YAML, then the JSON Schema, then meaning. Reports every
 * error at once: where the schema fails, the meaning is still checked for every part the
 * schema accepted, so one run shows what needs fixing.
 */
export function validateText(text: string, file: string, extra?: ExtraCheck): ValidationResult {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return { ok: false, diagnostics: sortDiagnostics(parsed.diagnostics), text };
  return validateSource(parsed.source, extra);
}

/** Validates a manifest already parsed: the schema, then meaning, then `extra`; every error at once. */
export function validateSource(source: ParsedSource, extra?: ExtraCheck): ValidationResult {
  const { file, text } = source;
  const services = (source.value as { services?: unknown } | null)?.services;
  const count = services !== null && typeof services === "object" ? Object.keys(services).length : 0;
  if (count > LIMITS.services) {
    const at = source.locate(["services"], true);
    const message = `the manifest has ${count} services; sgc supports at most ${LIMITS.services} per stack`;
    return { ok: false, diagnostics: [{ code: "too-many-services", severity: "error", message, file, ...at, hint: "split the manifest into several stacks" }], text };
  }
  const schemaErrors = checkWithPaths(source, "manifest");
  const checkable = schemaErrors.length === 0 ? (source.value as Manifest) : schemaValidParts(source.value, schemaErrors.map((e) => e.path));
  let problems: Problem[] = [];
  try {
    problems = checkable ? checkMeaning(checkable) : [];
  } catch {
    problems = []; // the parts the schema refused were too broken to reason about; its errors say why
  }
  const underSchemaError = (path: Path) => schemaErrors.some((e) => e.path.every((segment, i) => path[i] === segment));
  const diagnostics = [
    ...schemaErrors.map((e) => e.diagnostic),
    ...problems.filter((p) => !underSchemaError(p.path)).map((p) => locate(p, source)),
    ...(schemaErrors.length === 0 && extra ? extra(source.value as Manifest, source) : []),
  ];
  if (diagnostics.length > 0) return { ok: false, diagnostics: sortDiagnostics(diagnostics), text };
  return { ok: true, valid: { manifest: source.value as Manifest, source } };
}

/**
 * The manifest with each service, network or workload the schema refused replaced by an
 * empty one (so references to it still resolve), or undefined when the frame itself is broken.
 */
function schemaValidParts(value: unknown, errorPaths: readonly Path[]): Manifest | undefined {
  const isMap = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isMap(value)) return undefined;
  const manifest = structuredClone(value) as Record<string, unknown>;
  const empty: Record<string, unknown> = { services: {}, networks: { cidrs: [] }, workloads: [] };
  for (const path of errorPaths) {
    const [section, name] = path;
    if (section === "services" || section === "networks" || section === "workloads") {
      if (name === undefined || !isMap(manifest[section])) return undefined;
      Object.defineProperty(manifest[section], String(name), { value: structuredClone(empty[section]), enumerable: true, writable: true, configurable: true });
    } else if (section === "tiers" || section === undefined) {
      return undefined;
    } else if (section === "aws") {
      if (!isMap(manifest.aws)) return undefined;
      if (path[1] === "tags") delete (manifest.aws as Record<string, unknown>).tags;
    }
  }
  if (!isMap(manifest.services) || !isMap(manifest.aws)) return undefined;
  return manifest as unknown as Manifest;
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
