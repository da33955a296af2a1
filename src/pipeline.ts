import { statSync } from "fs";
import { compile } from "./compile";
import { Diagnostic } from "./diagnostics";
import { Model } from "./model/types";
import { groupTags, TAGS_PER_RESOURCE_MAX } from "./targets/aws/names";
import { readSecurity, ReadSecurity } from "./targets/aws/read";
import { readTerraform, TerraformInput, TerraformKind, TerraformProblem } from "./terraform";
import { locateJsonPath } from "./terraform/json-path";
import { readText } from "./text";
import { ValidManifest, validateText, ValidationResult } from "./validate";
import { LIMITS, tooLargeMessage } from "./validate/limits";

/**
 * Reads a file as UTF-8 text, refusing one over `limit` bytes (`what` names the files the limit
 * is for, in the message), or a diagnostic saying why it cannot be read.
 */
export function readInput(file: string, limit = LIMITS.fileBytes, what = "manifests"): { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] } {
  try {
    const size = statSync(file).size;
    if (size > limit) return { ok: false, diagnostics: [tooLarge(file, size, limit, what)] };
    return { ok: true, text: readText(file) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a file" : code === "EACCES" ? "permission denied" : `cannot be read (${code ?? "unknown error"})`;
    return { ok: false, diagnostics: [{ code: "file-unreadable", severity: "error", message, file, line: 0, column: 0 }] };
  }
}

/** Reads and validates a manifest file, its policy section included: the first stage of every command. */
export function loadManifest(file: string): ValidationResult {
  const input = readInput(file);
  if (!input.ok) return input;
  return validateManifestText(input.text, file);
}

/** Validates manifest text: YAML, schema, meaning, then the policy section against the rules and packs. */
export function validateManifestText(text: string, file: string): ValidationResult {
  return validateText(text, file, (manifest, source) => {
    if (!manifest.policy) return [];
    // Loaded only for manifests with a policy section: the packs and rule schemas cost start-up time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { resolvePolicy } = require("./policies/config") as typeof import("./policies/config");
    const policy = resolvePolicy({ policy: manifest.policy, source });
    return policy.ok ? [] : policy.diagnostics;
  });
}

/** Any input a command reads: a manifest, a Terraform configuration (`cdk.tf.json`), a plan or a state. */
export type LoadedInput =
  | { kind: "manifest"; file: string; text: string; valid: ValidManifest; model: Model }
  | { kind: TerraformKind; file: string; text: string; terraform: TerraformInput; security: ReadSecurity };

/** How to load an input: where a plan's configuration is, when not beside it. */
export interface LoadOptions {
  configDir?: string;
}

/** Loads a manifest, a `cdk.tf.json`, a plan or a state, telling them apart by content. */
export async function loadAnyInput(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  const read = readInput(file, LIMITS.terraformBytes, "inputs");
  if (!read.ok) return read;
  return loadAnyText(read.text, file, options);
}

/** The outcome of loading any input: the input, or why it cannot be used. */
export type LoadResult = { ok: true; input: LoadedInput } | { ok: false; diagnostics: Diagnostic[]; text?: string };

/** Loads input text already read (from a file, or from git), telling the kinds apart by content. */
export async function loadAnyText(text: string, file: string, options: LoadOptions = {}): Promise<LoadResult> {
  if (/^\s*[{[]/.test(text)) {
    // Text from git has not been through readInput's check.
    if (text.length > LIMITS.terraformBytes) return { ok: false, diagnostics: [tooLarge(file, text.length, LIMITS.terraformBytes, "inputs")] };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { ok: false, diagnostics: [jsonError(file, text, error as Error)], text };
    }
    const kind = terraformKind(json);
    if (kind) {
      // A configuration is evaluated whole: per byte, about twice the time and memory of a plan.
      if (kind === "terraform" && text.length > LIMITS.configurationBytes) return { ok: false, diagnostics: [tooLarge(file, text.length, LIMITS.configurationBytes, "Terraform configurations")] };
      const read = await readTerraform(kind, json as Record<string, unknown>, { file, ...(options.configDir ? { configDir: options.configDir } : {}) });
      if (!read.ok) return { ok: false, diagnostics: read.problems.map((p) => problemDiagnostic(p, file, text)), text };
      return { ok: true, input: { kind, file, text, terraform: read.input, security: readSecurity(read.input.view) } };
    }
    // JSON is YAML: a manifest written as JSON goes through the manifest path below.
    const isManifest = json !== null && typeof json === "object" && "services" in json && "version" in json;
    if (!isManifest) return {
      ok: false,
      diagnostics: [{ code: "unknown-input", severity: "error", message: "JSON input is neither a manifest, a Terraform configuration (cdk.tf.json), a plan nor a state from terraform show -json", file, line: 1, column: 1 }],
      text,
    };
  }
  if (text.length > LIMITS.fileBytes) return { ok: false, diagnostics: [tooLarge(file, text.length, LIMITS.fileBytes, "manifests")] };
  const result = validateManifestText(text, file);
  if (!result.ok) return result;
  const compiled = compileManifest(result.valid);
  if (!compiled.ok) return { ...compiled, text };
  return { ok: true, input: { kind: "manifest", file, text, valid: result.valid, model: compiled.model } };
}

/**
 * Which Terraform input parsed JSON is, by its structure: a plan has planned values; a state
 * (`terraform show -json` of a state) has a format version and values, or nothing else at all
 * (an empty state); a configuration has Terraform's top-level blocks and no manifest keys.
 */
export function terraformKind(json: unknown): TerraformKind | undefined {
  if (json === null || typeof json !== "object") return undefined;
  if (Array.isArray(json)) return json.length > 0 && json.every((j) => terraformKind(j) === "terraform") ? "terraform" : undefined;
  const keys = Object.keys(json);
  if ("services" in json || "version" in json) return undefined;
  if ("planned_values" in json || "resource_changes" in json) return "plan";
  if ("format_version" in json && ("values" in json || keys.every((k) => k === "format_version" || k === "terraform_version"))) return "state";
  const blocks = ["resource", "data", "module", "provider", "terraform", "variable", "output", "locals", "moved", "import", "check", "removed", "//"];
  return keys.length > 0 && keys.every((k) => blocks.includes(k)) ? "terraform" : undefined;
}

/** A problem of Terraform input as a diagnostic, located in the input's text when it has a JSON path. */
function problemDiagnostic(p: TerraformProblem, file: string, text: string): Diagnostic {
  const where = p.path && p.file === file ? locateJsonPath(text, p.path) : { line: p.line ?? 1, column: p.column ?? 1 };
  return { code: p.code ?? (p.path ? "terraform-shape" : "terraform-config"), severity: "error", message: p.message, file: p.file, ...where };
}

function tooLarge(file: string, size: number, limit: number, what: string): Diagnostic {
  return { code: "too-large", severity: "error", message: tooLargeMessage(size, limit, what), file, line: 1, column: 1, hint: "split the input into several stacks" };
}

/** Compiles a valid manifest, refusing one whose rules pass the limit before anything heavier runs. */
export function compileManifest(valid: ValidManifest): { ok: true; model: Model } | { ok: false; diagnostics: Diagnostic[] } {
  const model = compile(valid.manifest);
  const tooManyTags = tagCountProblems(model, valid);
  if (tooManyTags.length > 0) return { ok: false, diagnostics: tooManyTags };
  if (model.rules.length <= LIMITS.rules) return { ok: true, model };
  return {
    ok: false,
    diagnostics: [
      {
        code: "too-many-rules",
        severity: "error",
        message: `the manifest compiles to ${model.rules.length} rules; sgc supports at most ${LIMITS.rules} per stack`,
        file: valid.source.file,
        ...valid.source.locate(["services"], true),
        hint: "split the manifest into several stacks",
      },
    ],
  };
}

/** Groups whose tags (the user's and sgc's) would pass AWS's 50 a resource. */
function tagCountProblems(model: Model, valid: ValidManifest): Diagnostic[] {
  return model.services.flatMap((service) => {
    const workloads = model.workloads.filter((w) => w.services.includes(service.name)).map((w) => w.name);
    const count = Object.keys(groupTags(model, service, workloads)).length;
    if (count <= TAGS_PER_RESOURCE_MAX) return [];
    return [
      {
        code: "too-many-tags",
        severity: "error" as const,
        message: `the group of "${service.name}" would carry ${count} tags; AWS allows ${TAGS_PER_RESOURCE_MAX}`,
        file: valid.source.file,
        ...valid.source.locate(service.at, true),
        hint: "use fewer aws.tags, or fewer port items or workloads for this service",
      },
    ];
  });
}

/** A JSON syntax error, located when the parser says where. */
export function jsonError(file: string, text: string, error: Error): Diagnostic {
  const offset = /position (\d+)/.exec(error.message);
  let line = 1;
  let column = 1;
  if (offset) {
    const before = text.slice(0, Number(offset[1])).split("\n");
    line = before.length;
    column = before[before.length - 1].length + 1;
  }
  return { code: "json-syntax", severity: "error", message: error.message.replace(/ in JSON at position \d+.*$/, ""), file, line, column };
}
