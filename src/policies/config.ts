import { existsSync, readdirSync, readFileSync } from "fs";
import { basename, dirname, join, resolve } from "path";
import { Diagnostic } from "../diagnostics";
import { ParsedSource, parseYaml, Path } from "../parse";
import { checkAgainstSchema, schemaDiagnostics } from "../validate/schema";
import { validatorFor } from "../validate/validators";
import { PolicySpec } from "../validate/manifest";
import { didYouMean } from "../validate/suggest";
import { RULES, ruleById } from "./rules";
import { Location, Severity } from "./types";

/** Where the built-in packs live: `policies/` at the package root. */
export const PACKS_DIR = join(__dirname, "..", "..", "policies");

/** The pack a manifest without `policy.extends` gets. */
export const DEFAULT_PACKS = ["recommended"];

/** A rule's effective severity and options. */
export interface RuleSetting {
  severity: Severity;
  options: Record<string, unknown>;
}

/** An exception from the manifest: one rule, one target, a reason, an expiry date. */
export interface PolicyException {
  rule: string;
  target: string;
  reason: string;
  /** Inclusive, `YYYY-MM-DD`. */
  expires: string;
  location?: Location;
}

/** The effective policy: packs applied in order, then the manifest's overrides. */
export interface PolicyConfig {
  packs: string[];
  rules: Map<string, RuleSetting>;
  exceptions: PolicyException[];
}

/** The outcome of resolving the policy: the config, or every located error in packs and manifest. */
export type ConfigResult = { ok: true; config: PolicyConfig } | { ok: false; diagnostics: Diagnostic[] };

/** The names of the built-in packs. */
export function packNames(): string[] {
  return readdirSync(PACKS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/** What an `extends` entry or `--pack` names: a built-in pack, a pack file, or a pack in an npm package. */
export type PackReference = { kind: "builtin"; name: string } | { kind: "path"; path: string } | { kind: "package"; name: string; file?: string };

/** A built-in pack's name. */
export const PACK_NAME_PATTERN = "^[a-z][a-z0-9-]*$";
/** A pack file: a path that starts with ./, ../ or / (or a drive letter), or ends in .yaml or .yml. */
export const PACK_PATH_PATTERN = "^(\\.{1,2}[/\\\\]|/|[A-Za-z]:[/\\\\]).*|.*\\.ya?ml$";
/** A pack in an npm package: a scoped package or one named sgc-policy-*, optionally with a file inside it. */
export const PACK_PACKAGE_PATTERN = "^(@[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*|sgc-policy-[a-z0-9][a-z0-9._-]*)(/[^\\s]+\\.ya?ml)?$";

/** Reads an `extends` entry or `--pack` value; undefined when it is none of the three forms. */
export function packReference(spec: string): PackReference | undefined {
  const pkg = new RegExp(PACK_PACKAGE_PATTERN).exec(spec);
  if (pkg) return { kind: "package", name: pkg[1], ...(pkg[2] ? { file: pkg[2].slice(1) } : {}) };
  if (new RegExp(PACK_PATH_PATTERN).test(spec)) return { kind: "path", path: spec };
  if (new RegExp(PACK_NAME_PATTERN).test(spec)) return { kind: "builtin", name: spec };
  return undefined;
}

/** The file a pack reference points to, resolved from `baseDir`, or why it cannot be found (with a hint). */
export function packFile(ref: PackReference, baseDir: string): { ok: true; file: string } | { ok: false; message: string; hint?: string } {
  switch (ref.kind) {
    case "builtin": {
      const file = join(PACKS_DIR, `${ref.name}.yaml`);
      if (existsSync(file)) return { ok: true, file };
      return { ok: false, message: `there is no policy pack "${ref.name}"`, hint: didYouMean(ref.name, packNames()) ?? `packs: ${packNames().join(", ")}; or a file (./org.yaml) or a package (@org/sgc-policy)` };
    }
    case "path": {
      const file = resolve(baseDir, ref.path);
      return existsSync(file) ? { ok: true, file } : { ok: false, message: `there is no pack file ${ref.path} (looked for ${file})` };
    }
    case "package": {
      let manifest: string;
      try {
        manifest = require.resolve(`${ref.name}/package.json`, { paths: [baseDir] });
      } catch {
        return { ok: false, message: `package ${ref.name} is not installed (looked from ${baseDir})`, hint: `npm install --save-dev ${ref.name}` };
      }
      const root = dirname(manifest);
      const main = (JSON.parse(readFileSync(manifest, "utf8")) as { main?: string }).main;
      const inside = ref.file ?? main;
      if (!inside || !/\.ya?ml$/.test(inside)) {
        return { ok: false, message: `package ${ref.name} names no pack`, hint: 'set its package.json "main" to a .yaml pack file, or name the file: package/pack.yaml' };
      }
      const file = resolve(root, inside);
      return existsSync(file) ? { ok: true, file } : { ok: false, message: `package ${ref.name} has no file ${inside}` };
    }
  }
}

/**
 * Resolves the effective policy: each rule's defaults, then the packs (`packs`, else the
 * manifest's `extends`, else `recommended`) with what they extend, then the manifest's `rules`.
 * Packs are built-in names, pack files (relative to the file that names them; `--pack` paths
 * to the working directory) or packages. Unknown packs, unknown rules and bad options are
 * errors located where they are written.
 */
export function resolvePolicy(options: { policy?: PolicySpec; source?: ParsedSource; packs?: string[] }): ConfigResult {
  const { policy, source } = options;
  const diagnostics: Diagnostic[] = [];
  const rules = new Map<string, RuleSetting>(RULES.map((r) => [r.id, { severity: r.defaults.severity, options: { ...(r.defaults.options as object) } }]));
  const applied: string[] = [];
  const appliedFiles = new Set<string>();
  const dirOf = (file: string | undefined) => (file === undefined || file.startsWith("<") ? process.cwd() : dirname(resolve(file)));

  const applyPack = (spec: string, from: { source?: ParsedSource; path: Path; baseDir: string }, chain: string[]) => {
    const ref = packReference(spec);
    if (!ref) {
      diagnostics.push(at(from, "unknown-pack", `"${spec}" is not a policy pack`, didYouMean(spec, packNames()) ?? `packs: ${packNames().join(", ")}; or a file (./org.yaml) or a package (@org/sgc-policy)`));
      return;
    }
    const found = packFile(ref, from.baseDir);
    if (!found.ok) {
      diagnostics.push(at(from, "unknown-pack", found.message, found.hint));
      return;
    }
    const { file } = found;
    if (chain.includes(file)) {
      diagnostics.push(at(from, "pack-cycle", `pack "${spec}" extends itself through ${[...chain.map((f) => basename(f)), basename(file)].join(" -> ")}`));
      return;
    }
    if (appliedFiles.has(file)) return;
    const parsed = parseYaml(readFileSync(file, "utf8"), file);
    if (!parsed.ok) {
      diagnostics.push(...parsed.diagnostics);
      return;
    }
    const schemaErrors = checkAgainstSchema(parsed.source, "policy-pack");
    if (schemaErrors.length > 0) {
      diagnostics.push(...schemaErrors);
      return;
    }
    const pack = parsed.source.value as { name: string; extends?: string[]; rules: Record<string, unknown> };
    if (ref.kind === "builtin" && pack.name !== ref.name) diagnostics.push(at({ source: parsed.source, path: ["name"] }, "pack-name", `pack file ${ref.name}.yaml is named "${pack.name}"`));
    (pack.extends ?? []).forEach((parent, i) => applyPack(parent, { source: parsed.source, path: ["extends", i], baseDir: dirname(file) }, [...chain, file]));
    applyRules(pack.rules, parsed.source, ["rules"], rules, diagnostics);
    appliedFiles.add(file);
    applied.push(ref.kind === "builtin" ? ref.name : spec);
  };

  const command = { path: [] as Path, baseDir: process.cwd() };
  if (options.packs) options.packs.forEach((name) => applyPack(name, command, []));
  else if (policy?.extends) policy.extends.forEach((name, i) => applyPack(name, { source, path: ["policy", "extends", i], baseDir: dirOf(source?.file) }, []));
  else DEFAULT_PACKS.forEach((name) => applyPack(name, command, []));

  if (policy?.rules) applyRules(policy.rules, source, ["policy", "rules"], rules, diagnostics);

  const exceptions: PolicyException[] = [];
  (policy?.exceptions ?? []).forEach((exception, i) => {
    const path = ["policy", "exceptions", i];
    if (!ruleById(exception.rule)) {
      diagnostics.push(at({ source, path: [...path, "rule"] }, "unknown-rule", `there is no rule "${exception.rule}"`, didYouMean(exception.rule, RULES.map((r) => r.id))));
      return;
    }
    if (!isDate(exception.expires)) {
      diagnostics.push(at({ source, path: [...path, "expires"] }, "invalid-date", `"${exception.expires}" is not a date`, "write a real date as YYYY-MM-DD"));
      return;
    }
    exceptions.push({ ...exception, location: source && { file: source.file, ...source.locate(path) } });
  });

  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, config: { packs: applied, rules, exceptions } };
}

/** Applies a `rules:` map (from a pack or the manifest) onto the settings, validating each entry. */
function applyRules(entries: Record<string, unknown>, source: ParsedSource | undefined, base: Path, rules: Map<string, RuleSetting>, diagnostics: Diagnostic[]): void {
  for (const [id, entry] of Object.entries(entries)) {
    const rule = ruleById(id);
    if (!rule) {
      diagnostics.push(at({ source, path: [...base, id], key: true }, "unknown-rule", `there is no rule "${id}"`, didYouMean(id, RULES.map((r) => r.id))));
      continue;
    }
    const settings = typeof entry === "string" ? { severity: entry } : (entry as Record<string, unknown>);
    const validate = validatorFor(`rule:${rule.id}`);
    if (!validate(settings)) {
      if (source) diagnostics.push(...schemaDiagnostics(validate.errors ?? [], source, [...base, id]));
      continue;
    }
    const { severity, ...options } = settings as { severity?: Severity } & Record<string, unknown>;
    const current = rules.get(id)!;
    const merged = mergeOptions(current.options, options);
    const problems = rule.validateOptions?.(merged as never) ?? [];
    for (const problem of problems) diagnostics.push(at({ source, path: [...base, id, problem.option] }, "invalid-option", problem.message));
    if (problems.length > 0) continue;
    rules.set(id, { severity: severity ?? current.severity, options: merged });
  }
}

function at(where: { source?: ParsedSource; path: Path; key?: boolean }, code: string, message: string, hint?: string): Diagnostic {
  const position = where.source ? where.source.locate(where.path, where.key) : { line: 0, column: 0 };
  return { code, severity: "error", message, file: where.source?.file ?? "(command line)", ...position, ...(hint ? { hint } : {}) };
}

/** Whether text is a real calendar date written YYYY-MM-DD. */
export function isDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** Options over options: maps merge key by key (so `{ ipv4: 28 }` keeps the default ipv6), anything else replaces. */
export function mergeOptions(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const before = Object.hasOwn(base, key) ? base[key] : undefined;
    const bothMaps = [before, value].every((v) => v !== null && typeof v === "object" && !Array.isArray(v));
    // Defined, not assigned: a key named __proto__ is a key like any other.
    Object.defineProperty(out, key, { value: bothMaps ? mergeOptions(before as Record<string, unknown>, value as Record<string, unknown>) : value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
