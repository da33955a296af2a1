import { readFileSync, statSync } from "fs";
import { compile } from "./compile";
import { Diagnostic } from "./diagnostics";
import { Model } from "./model/types";
import { groupTags, TAGS_PER_RESOURCE_MAX } from "./targets/aws/names";
import { isPlanJson, isTerraformJson, readSecurity, ReadSecurity, resourcesOfPlan, resourcesOfTerraformJson } from "./targets/aws/read";
import { ValidManifest, validateText, ValidationResult } from "./validate";
import { formatBytes, LIMITS } from "./validate/limits";

/** The file name that stands for standard input, as in most command-line tools. */
export const STDIN = "-";

/** How diagnostics and reports name an input: `<stdin>` for standard input, else the path as given. */
export function inputName(file: string): string {
  return file === STDIN ? "<stdin>" : file;
}

/** Reads a file (or standard input, for `-`) as UTF-8 text, or a diagnostic saying why it cannot be read. */
export function readInput(file: string): { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] } {
  try {
    const size = file === STDIN ? 0 : statSync(file).size;
    if (size > LIMITS.fileBytes) {
      const message = `is ${formatBytes(size)}; sgc reads files of at most ${formatBytes(LIMITS.fileBytes)}`;
      return { ok: false, diagnostics: [{ code: "too-large", severity: "error", message, file, line: 0, column: 0, hint: "split the manifest into several stacks" }] };
    }
    return { ok: true, text: readFileSync(file === STDIN ? 0 : file, "utf8") };
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
  return validateManifestText(input.text, inputName(file));
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

/** Any input a command reads: a manifest, a synthesized Terraform configuration, or a plan. */
export type LoadedInput =
  | { kind: "manifest"; file: string; text: string; valid: ValidManifest; model: Model }
  | { kind: "terraform" | "plan"; file: string; text: string; security: ReadSecurity };

/** Loads a manifest, a `cdk.tf.json` or a `terraform show -json` plan, telling them apart by content. */
export function loadAnyInput(file: string): LoadResult {
  const read = readInput(file);
  if (!read.ok) return read;
  return loadAnyText(read.text, inputName(file));
}

/** The outcome of loading any input: the input, or why it cannot be used. */
export type LoadResult = { ok: true; input: LoadedInput } | { ok: false; diagnostics: Diagnostic[]; text?: string };

/** Loads input text already read (from a file, or from git), telling the kinds apart by content. */
export function loadAnyText(text: string, file: string): LoadResult {
  if (/^\s*[{[]/.test(text)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { ok: false, diagnostics: [jsonError(file, text, error as Error)], text };
    }
    if (isPlanJson(json)) return { ok: true, input: { kind: "plan", file, text, security: readSecurity(resourcesOfPlan(json), "plan") } };
    if (isTerraformJson(json)) return { ok: true, input: { kind: "terraform", file, text, security: readSecurity(resourcesOfTerraformJson(json)) } };
    // JSON is YAML: a manifest written as JSON goes through the manifest path below.
    const isManifest = json !== null && typeof json === "object" && "services" in json && "version" in json;
    if (!isManifest) return {
      ok: false,
      diagnostics: [{ code: "unknown-input", severity: "error", message: "JSON input is neither a manifest, a synthesized Terraform configuration (cdk.tf.json) nor a plan from terraform show -json", file, line: 1, column: 1 }],
      text,
    };
  }
  const result = validateManifestText(text, file);
  if (!result.ok) return result;
  const compiled = compileManifest(result.valid);
  if (!compiled.ok) return { ...compiled, text };
  return { ok: true, input: { kind: "manifest", file, text, valid: result.valid, model: compiled.model } };
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
