import { isAscii } from "buffer";
import { closeSync, constants, fstatSync, openSync, readSync, Stats } from "fs";
import { compile } from "./compile";
import { Diagnostic, FILE_START } from "./diagnostics";
import { describeKind, detectInputKind, InputKind, NotAnInput } from "./input-kind";
import { Model } from "./model/types";
import { ParsedSource, parseYaml } from "./parse";
import { groupTags, TAGS_PER_RESOURCE_MAX } from "./targets/aws/names";
import { AwsListing, readListing } from "./targets/aws/listing";
import { terraformLocator } from "./targets/aws/policy-input";
import { readSecurity, ReadSecurity } from "./targets/aws/read";
import { readTerraform, TerraformInput, TerraformKind, TerraformProblem } from "./terraform";
import { locateJsonPath, locateOffset, nestingBeyond } from "./terraform/json-path";
import { ValidManifest, validateSource, validateText, ValidationResult } from "./validate";
import { formatBytes, LIMITS, tooLargeMessage } from "./validate/limits";

/** The file name that stands for standard input, as in most command-line tools. */
export const STDIN = "-";

/** How diagnostics and reports name an input: `<stdin>` for standard input, else the path as given. */
export function inputName(file: string): string {
  return file === STDIN ? "<stdin>" : file;
}

/** How deep Terraform's JSON may nest: its plans nest about 20 levels. */
const MAX_JSON_DEPTH = LIMITS.terraformNesting;

/** The outcome of reading an input: its text, or a diagnostic saying why it cannot be read. */
export type ReadResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Reads an input as UTF-8 text: the single entry point through which every command reads
 * what the user gives it, `-` being standard input. Only regular files and pipes
 * (`<(terraform show -json plan)`) are read; a device such as /dev/zero or a directory is
 * refused. The size limit holds while reading, whatever the file system says of the size, and
 * a named pipe that nobody writes to is given up after LIMITS.pipeWriterWaitMs rather than
 * waited on forever. `what` names the inputs the limit is for, in the message.
 */
export function readInput(file: string, maxBytes: number = LIMITS.fileBytes, what = "manifests"): ReadResult {
  const name = inputName(file);
  const fail = (code: string, message: string, hint?: string): ReadResult => ({
    ok: false,
    diagnostics: [{ code, severity: "error", message, file: name, ...FILE_START, ...(hint ? { hint } : {}) }],
  });
  let fd: number;
  try {
    // Non-blocking, so that opening a named pipe with no writer returns at once.
    fd = file === STDIN ? 0 : openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return fail("file-unreadable", unreadable(error));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return fail("file-unreadable", "is a directory, not a file");
    // Standard input may be a terminal, read to its end of file like any stream.
    const stream = file === STDIN && !stat.isFile();
    if (!stat.isFile() && !stat.isFIFO() && !stream) return fail("not-a-file", `is ${describeFileType(stat)}, not a file or a pipe`);
    const hint = what === "manifests" ? "split the manifest into several stacks" : "split the input into several stacks";
    const refuse = (size: string) => fail("too-large", `${size}; sgc reads ${what} of at most ${formatBytes(maxBytes)}`, hint);
    if (stat.size > maxBytes) return refuse(`is ${formatBytes(stat.size)}`);
    const read = readBounded(fd, maxBytes, stat.isFIFO() && file !== STDIN);
    if (read === "too-large") return refuse(`is more than ${formatBytes(maxBytes)}`);
    if (read === "no-writer") return fail("empty-input", `is a pipe that nothing was written to within ${LIMITS.pipeWriterWaitMs / 1000} s`);
    return decodeInput(read, name);
  } catch (error) {
    return fail("file-unreadable", unreadable(error));
  } finally {
    if (file !== STDIN) closeSync(fd);
  }
}

/**
 * Bytes as UTF-8 text. Text in another encoding is refused rather than read with replacement
 * characters: UTF-16 (what Windows PowerShell writes with `>`) by its byte order mark, anything
 * else at its first byte that is not UTF-8.
 */
export function decodeInput(bytes: Buffer, file: string): ReadResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const hint = "save it as UTF-8 (in Windows PowerShell: ... | Out-File -Encoding utf8)";
    return { ok: false, diagnostics: [{ code: "not-utf8", severity: "error", message: "is UTF-16 text; sgc reads UTF-8", file, ...FILE_START, hint }] };
  }
  // ASCII alone (as Terraform writes its JSON) is copied rather than decoded: the same text in
  // half the time, which matters for plans of hundreds of MB.
  if (isAscii(bytes)) return { ok: true, text: bytes.toString("latin1") };
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const text = bytes.toString("utf8");
    const at = text.indexOf("\ufffd");
    const before = text.slice(0, Math.max(0, at));
    const line = before.split(/\r\n|\r|\n/).length;
    const column = before.length - Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r"));
    return { ok: false, diagnostics: [{ code: "not-utf8", severity: "error", message: "is not UTF-8 text: this byte is not UTF-8", file, line, column, hint: "save the file as UTF-8" }] };
  }
}

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a directory, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return `cannot be read (${code ?? "unknown error"})`;
}

function describeFileType(stat: Stats): string {
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Reads a descriptor to its end, or stops once it holds more than `maxBytes`. A pipe is
 * read without blocking: while its writer has nothing to say yet the reader waits a little,
 * and a pipe with no writer at all gets LIMITS.pipeWriterWaitMs to find one.
 */
function readBounded(fd: number, maxBytes: number, pipe: boolean): Buffer | "too-large" | "no-writer" {
  const chunks: Buffer[] = [];
  let total = 0;
  let waitedForWriter = 0;
  let pause = 1;
  let chunk: Buffer | undefined;
  for (;;) {
    // A fresh buffer only after one was filled: waiting on a pipe allocates nothing.
    chunk ??= Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      sleep(pause); // a writer is there but has written nothing yet
      pause = Math.min(pause * 2, 50);
      continue;
    }
    if (n === 0) {
      // End of file; for a pipe that has given nothing yet, perhaps only no writer so far.
      if (!pipe || total > 0) break;
      if (waitedForWriter >= LIMITS.pipeWriterWaitMs) return "no-writer";
      sleep(20);
      waitedForWriter += 20;
      continue;
    }
    pause = 1;
    chunks.push(chunk.subarray(0, n));
    chunk = undefined;
    total += n;
    if (total > maxBytes) return "too-large";
  }
  return Buffer.concat(chunks, total);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Input text parsed, and its kind told by its structure (see input-kind.ts). */
export type ParsedInput =
  | { ok: true; kind: "manifest"; text: string; source?: ParsedSource }
  | { ok: true; kind: Exclude<InputKind, "manifest">; text: string; json: Record<string, unknown> }
  | { ok: false; diagnostics: Diagnostic[]; text: string };

/**
 * Parses any input and tells its kind by structure, the same way for every command. JSON is
 * tried first (fast, and what Terraform writes); anything else is read as YAML, so a manifest
 * in YAML flow style, which starts with `{` like JSON, is a manifest too. Terraform reads
 * JSON only, so Terraform or a plan that is not valid JSON gets the JSON error.
 */
export function parseInput(text: string, file: string): ParsedInput {
  // A byte order mark is no JSON; readers of Terraform get the text without it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let json: unknown;
  let jsonFailure: Error | undefined;
  try {
    json = JSON.parse(body);
  } catch (error) {
    jsonFailure = error as Error;
  }
  if (!jsonFailure) {
    const detected = detectInputKind(json);
    if (!detected.ok) return { ok: false, diagnostics: [notAnInput(detected.reason, file)], text };
    if (detected.kind === "manifest") return { ok: true, kind: "manifest", text };
    return { ok: true, kind: detected.kind, text: body, json: json as Record<string, unknown> };
  }
  if (/\.tf$/i.test(file)) {
    // HCL: sgc reads it beside a plan, never alone.
    const message = "is Terraform's HCL, which sgc reads only beside a plan";
    const hint = "make a plan and give sgc its JSON (terraform plan -out plan.bin && terraform show -json plan.bin > plan.json); sgc reads the .tf files beside it, or those of --config DIR";
    return { ok: false, diagnostics: [{ code: "unknown-input", severity: "error", message, file, ...FILE_START, hint }], text };
  }
  const yaml = parseYaml(text, file);
  if (!yaml.ok) {
    // A limit is why sgc stopped reading, whichever syntax was meant.
    const limited = yaml.diagnostics.some((d) => d.code === "yaml-too-deep" || d.code === "too-large");
    return { ok: false, diagnostics: looksLikeJson(text, file) && !limited ? [jsonError(file, text, jsonFailure)] : yaml.diagnostics, text };
  }
  const detected = detectInputKind(yaml.source.value);
  if (!detected.ok) return { ok: false, diagnostics: [notAnInput(detected.reason, file, yaml.source)], text };
  if (detected.kind === "manifest") return { ok: true, kind: "manifest", text, source: yaml.source };
  const error = jsonError(file, text, jsonFailure);
  return { ok: false, diagnostics: [{ ...error, hint: `this looks like ${describeKind(detected.kind)}, which Terraform writes as JSON` }], text };
}

/**
 * Whether a text that is neither valid JSON nor valid YAML was meant as JSON, to pick the
 * syntax error worth showing: a `.json` file, or one that opens with a quoted key or item.
 */
function looksLikeJson(text: string, file: string): boolean {
  return file.toLowerCase().endsWith(".json") || /^\uFEFF?\s*[[{]\s*("|[[{\]}]|$)/.test(text);
}

function notAnInput(reason: NotAnInput, file: string, source?: ParsedSource): Diagnostic {
  const at = source && reason.path.length > 0 ? source.locate(reason.path) : FILE_START;
  return { code: reason.code, severity: "error", message: reason.message, file, ...at, ...(reason.hint ? { hint: reason.hint } : {}) };
}

/** Reads and validates a manifest file, its policy section included: the first stage of every command that takes manifests only. */
export function loadManifest(path: string): ValidationResult {
  const input = readInput(path);
  if (!input.ok) return input;
  const file = inputName(path);
  const parsed = parseInput(input.text, file);
  if (!parsed.ok) return parsed;
  if (parsed.kind !== "manifest") {
    const message = `this is ${describeKind(parsed.kind)}, not a manifest`;
    return { ok: false, diagnostics: [{ code: "not-a-manifest", severity: "error", message, file, ...FILE_START, hint: "sgc check, flows, diff and graph read Terraform and plans; validate and synth read manifests" }], text: input.text };
  }
  return parsed.source ? validateParsedManifest(parsed.source) : validateManifestText(input.text, file);
}

/** Validates manifest text: YAML, schema, meaning, then the policy section against the rules and packs. */
export function validateManifestText(text: string, file: string): ValidationResult {
  return validateText(text, file, checkPolicySection);
}

/** Validates a parsed manifest as validateManifestText does. */
function validateParsedManifest(source: ParsedSource): ValidationResult {
  return validateSource(source, checkPolicySection);
}

function checkPolicySection(manifest: ValidManifest["manifest"], source: ParsedSource): Diagnostic[] {
  if (!manifest.policy) return [];
  // Loaded only for manifests with a policy section: the packs and rule schemas cost start-up time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolvePolicy } = require("./policies/config") as typeof import("./policies/config");
  const policy = resolvePolicy({ policy: manifest.policy, source });
  return policy.ok ? [] : policy.diagnostics;
}

/** Any input a command reads: a manifest, a Terraform configuration (`cdk.tf.json`), a plan, a state or an AWS CLI listing. */
export type LoadedInput =
  | { kind: "manifest"; file: string; text: string; valid: ValidManifest; model: Model }
  | { kind: TerraformKind; file: string; text: string; terraform: TerraformInput; security: ReadSecurity; priorSecurity?: ReadSecurity }
  | { kind: "aws"; file: string; text: string; listing: AwsListing; security: ReadSecurity };

/** Where a resource of a Terraform input or an AWS listing stands in its text, for findings: by address, or by group and rule id. */
export function locatorOf(input: Exclude<LoadedInput, { kind: "manifest" }>): (address: string) => { file: string; line: number; column: number } | undefined {
  return input.kind === "aws" ? input.listing.locate : terraformLocator(input);
}

/** How to load an input: where a plan's configuration is, when not beside it. */
export interface LoadOptions {
  configDir?: string;
}

/** Loads a manifest, a `cdk.tf.json`, a plan or a state, telling them apart by structure. */
export async function loadAnyInput(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  const read = readInput(file, LIMITS.terraformBytes, "inputs");
  if (!read.ok) return read;
  return loadAnyText(read.text, inputName(file), options);
}

/** The outcome of loading any input: the input, or why it cannot be used. */
export type LoadResult = { ok: true; input: LoadedInput } | { ok: false; diagnostics: Diagnostic[]; text?: string };

/**
 * Loads input text already read (from a file, from standard input, or from git), telling the
 * kinds apart by structure. Terraform inputs go through the Terraform stage (src/terraform),
 * then are read as AWS applies them; a manifest is validated and compiled.
 */
export async function loadAnyText(text: string, file: string, options: LoadOptions = {}): Promise<LoadResult> {
  // Text from git has not been through readInput's check.
  if (text.length > LIMITS.terraformBytes) return { ok: false, diagnostics: [tooLarge(file, text.length, LIMITS.terraformBytes, "inputs")] };
  const parsed = parseInput(text, file);
  if (!parsed.ok) return parsed;
  if (parsed.kind !== "manifest") {
    // A configuration is evaluated whole: per byte, about twice the time and memory of a plan.
    if (parsed.kind === "terraform" && text.length > LIMITS.configurationBytes) return { ok: false, diagnostics: [tooLarge(file, text.length, LIMITS.configurationBytes, "Terraform configurations")], text };
    // Terraform nested deeper than anything real is refused where it gets too deep, before the
    // readers walk it (a manifest's YAML has its own, lower limit).
    const deep = nestingBeyond(parsed.text, MAX_JSON_DEPTH);
    if (deep !== undefined) {
      const message = `the JSON nests more than ${MAX_JSON_DEPTH} levels deep, far more than Terraform writes`;
      return { ok: false, diagnostics: [{ code: "too-deep", severity: "error", message, file, ...locateOffset(parsed.text, deep) }], text: parsed.text };
    }
    if (parsed.kind === "aws") {
      const read = readListing([{ file, text: parsed.text, json: parsed.json }]);
      if (!read.ok) return { ok: false, diagnostics: read.problems.map((p) => ({ code: "aws-shape", severity: "error" as const, message: p.message, file: p.file, line: p.line, column: p.column })), text: parsed.text };
      return { ok: true, input: { kind: "aws", file, text: parsed.text, listing: read.listing, security: read.listing.security } };
    }
    try {
      const read = await readTerraform(parsed.kind, parsed.json, { file, ...(options.configDir ? { configDir: options.configDir } : {}) });
      if (!read.ok) return { ok: false, diagnostics: read.problems.map((p) => problemDiagnostic(p, file, parsed.text)), text: parsed.text };
      // A plan's prior state is read first: its rule resources that the plan destroys still
      // show inline on their groups in the planned values.
      const prior = read.input.prior ? readSecurity(read.input.prior) : undefined;
      const security = readSecurity(read.input.view, prior);
      return { ok: true, input: { kind: parsed.kind, file, text: parsed.text, terraform: read.input, security, ...(prior ? { priorSecurity: prior } : {}) } };
    } catch (error) {
      // A reader that trips on an odd shape fails closed, as an input it cannot read, never as a crash.
      const message = `sgc cannot read this ${describeKind(parsed.kind).replace(/^an? /, "")}: ${(error as Error).message}`;
      return { ok: false, diagnostics: [{ code: "unreadable-input", severity: "error", message, file, ...FILE_START, hint: "sgc expects Terraform's own JSON here; if it is, please report this input" }], text: parsed.text };
    }
  }
  if (text.length > LIMITS.fileBytes) return { ok: false, diagnostics: [tooLarge(file, text.length, LIMITS.fileBytes, "manifests")] };
  const result = parsed.source ? validateParsedManifest(parsed.source) : validateManifestText(text, file);
  if (!result.ok) return result;
  const compiled = compileManifest(result.valid);
  if (!compiled.ok) return { ...compiled, text };
  return { ok: true, input: { kind: "manifest", file, text, valid: result.valid, model: compiled.model } };
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
  const problems = [...tagCountProblems(model, valid), ...adoptedRuleProblems(model, valid)];
  if (problems.length > 0) return { ok: false, diagnostics: problems };
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

/**
 * Rule ids in `adopt.rules` that name no rule of their service: the AWS rule would not be
 * imported, and the rule that was meant would be created beside it, which EC2 refuses.
 */
function adoptedRuleProblems(model: Model, valid: ValidManifest): Diagnostic[] {
  const ids = new Set(model.rules.map((r) => `${r.service}\u0000${r.direction}\u0000${r.id}`));
  return model.services.flatMap((service) =>
    (["ingress", "egress"] as const).flatMap((direction) =>
      Object.keys(service.adopt?.rules[direction] ?? {})
        .filter((id) => !ids.has(`${service.name}\u0000${direction}\u0000${id}`))
        .map((id) => ({
          code: "unknown-rule",
          severity: "error" as const,
          message: `"${service.name}" has no ${direction} rule ${id}`,
          file: valid.source.file,
          ...valid.source.locate([...service.at, "adopt", "rules", direction, id], true),
          hint: "rule ids follow the service, peer and port; after a rename, drop the entry once the first terraform apply has imported the rule",
        })),
    ),
  );
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
  const offset = /position (\d+)/.exec(error.message)?.[1] ?? (/end of JSON input/.test(error.message) ? String(text.length) : undefined);
  let line = 1;
  let column = 1;
  if (offset !== undefined) {
    const before = text.slice(0, Number(offset)).split("\n");
    line = before.length;
    column = before[before.length - 1].length + 1;
  }
  return { code: "json-syntax", severity: "error", message: error.message.replace(/ in JSON at position \d+.*$/, ""), file, line, column };
}
