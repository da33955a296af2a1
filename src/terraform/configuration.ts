import { Dirent, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "fs";
import { join, resolve } from "path";
import { readText } from "../text";
import { LIMITS, tooLargeMessage } from "../validate/limits";
import { hclNestingBeyond } from "./hcl/nesting";
import { Expr, parseExpression, parseTemplateString } from "./hcl/syntax";
import { locateJsonPath, locateOffset, nestingBeyond } from "./json-path";
import { appendAll, Value } from "./values";

/**
 * A Terraform configuration, module by module: resources with their `count`/`for_each` and
 * attribute expressions, locals, variables, outputs and module calls. It is read from any of
 * the three places Terraform keeps one: JSON syntax (`cdk.tf.json`, `*.tf.json`), `.tf` files
 * (turned into JSON syntax by @cdktf/hcl2json), or a plan's `configuration`, which keeps only
 * the references of each expression and no locals at all.
 */

/** A resource or data block. */
export interface ConfigResource {
  mode: "managed" | "data";
  type: string;
  name: string;
  count?: Expr;
  forEach?: Expr;
  /** The file that declares it, when read from files. */
  file?: string;
  /** The expression of a top-level attribute or nested block type; undefined when not set. */
  attribute(name: string): Expr | undefined;
  /** The attributes and block types set, when the source lists them (a plan's configuration). */
  attributeNames?(): string[];
  /**
   * An attribute as its source holds it, before parsing: JSON syntax's value, or a plan's
   * expression object (`{ constant_value }`, `{ references }`).
   */
  raw?(name: string): unknown;
}

/** A `module` block: where its module comes from, how many instances, what it passes in. */
export interface ModuleCall {
  name: string;
  source?: string;
  count?: Expr;
  forEach?: Expr;
  args: Map<string, Expr>;
  /** The called module's configuration, when sgc found it. */
  module?: ConfigModule;
  /** Why the called module's configuration is missing. */
  missing?: string;
}

/** A variable: its default and type constraint, when given. */
export interface ConfigVariable {
  default?: Expr;
  type?: Expr;
  /** `nullable = false`: a null argument takes the default instead. */
  nonNullable?: boolean;
}

/** One module's configuration. */
export interface ConfigModule {
  /** Call names from the root, joined by dots: "" for the root, `net.sg` for a module in a module. */
  key: string;
  /** The folder its files are in, when read from files. */
  dir?: string;
  /** `full` when every expression is known; `references` for a plan's configuration. */
  detail: "full" | "references";
  /** Keyed `aws_security_group.web` or `data.aws_vpc.main`. */
  resources: Map<string, ConfigResource>;
  /** Undefined when the source has no locals (a plan's configuration). */
  locals?: Map<string, Expr>;
  variables: Map<string, ConfigVariable>;
  outputs: Map<string, Expr>;
  calls: Map<string, ModuleCall>;
}

/** A problem in configuration files: located by line and column, or by a JSON path in the file. */
export interface ConfigProblem {
  /** A diagnostic code, when not the usual one for where the problem is. */
  code?: string;
  file: string;
  line?: number;
  column?: number;
  path?: (string | number)[];
  message: string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The keys of an object that are not Terraform JSON comments ("//"). */
function ownKeys(o: Json): string[] {
  return Object.keys(o).filter((k) => k !== "//");
}

/**
 * Walks a block type's value in JSON syntax, where each label level is an object keyed by the
 * label, and any level may instead be an array of such objects (all layouts Terraform accepts).
 * Anything else where a block belongs is reported, never skipped.
 */
export function walkLabels(
  value: unknown,
  labels: number,
  visit: (labels: string[], body: Json) => void,
  problem: (path: (string | number)[], message: string) => void = () => undefined,
  at: (string | number)[] = [],
  names: string[] = [],
): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, n) => walkLabels(item, labels, visit, problem, [...at, n], names));
    return;
  }
  if (!isObject(value)) {
    problem(at, `${names.length ? names.join(".") : "this block"} must be an object${labels > 0 ? " keyed by name" : ""} (or an array of them), not ${value === null ? "null" : typeof value}`);
    return;
  }
  if (labels === 0) {
    visit(names, value);
    return;
  }
  for (const key of ownKeys(value)) walkLabels(value[key], labels - 1, visit, problem, [...at, key], [...names, key]);
}

/** An expression from a JSON-syntax value: strings are templates, arrays tuples, objects objects. */
export function jsonToExpr(value: unknown): Expr {
  if (typeof value === "string") return parseTemplateString(value);
  if (value === null || typeof value === "number" || typeof value === "boolean") return { type: "literal", value };
  if (Array.isArray(value)) return { type: "tuple", items: value.map(jsonToExpr) };
  if (isObject(value)) return { type: "object", items: ownKeys(value).map((k) => ({ key: { type: "literal", value: k }, value: jsonToExpr(value[k]) })) };
  return { type: "literal", value: null };
}

/** Meta-arguments of a resource block, which are not attributes. */
const RESOURCE_META = new Set(["count", "for_each", "provider", "depends_on", "lifecycle", "connection", "provisioner", "dynamic"]);

/** A resource whose body is JSON syntax; attribute expressions are built when first asked for. */
class JsonResource implements ConfigResource {
  readonly count?: Expr;
  readonly forEach?: Expr;
  private readonly cache = new Map<string, Expr | undefined>();

  constructor(
    readonly mode: "managed" | "data",
    readonly type: string,
    readonly name: string,
    private readonly body: Json,
    readonly file?: string,
  ) {
    if (body.count !== undefined) this.count = jsonToExpr(body.count);
    if (body.for_each !== undefined) this.forEach = jsonToExpr(body.for_each);
  }

  raw(name: string): unknown {
    return RESOURCE_META.has(name) ? undefined : this.body[name];
  }

  attribute(name: string): Expr | undefined {
    if (this.cache.has(name)) return this.cache.get(name);
    const expr = RESOURCE_META.has(name) ? undefined : blockOrAttribute(this.body, name);
    this.cache.set(name, expr);
    return expr;
  }
}

/**
 * A body's attribute, or its nested blocks of a type together with those `dynamic` blocks of
 * that type generate (as a list of objects).
 */
function blockOrAttribute(body: Json, name: string): Expr | undefined {
  // The name comes from expressions users write: `constructor` is no attribute.
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  const dynamics: { iterator: string; forEach: Expr; content: Expr }[] = [];
  walkLabels(body.dynamic, 1, ([type], spec) => {
    if (type !== name) return;
    const iterator = typeof spec.iterator === "string" ? iteratorName(spec.iterator) : name;
    const content = Array.isArray(spec.content) ? spec.content[0] : spec.content;
    dynamics.push({ iterator, forEach: jsonToExpr(spec.for_each ?? null), content: nestedBody(isObject(content) ? content : {}) });
  });
  if (dynamics.length === 0) return value === undefined ? undefined : jsonToExpr(value);
  const statics = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return { type: "blocks", static: statics.map((b) => (isObject(b) ? nestedBody(b) : jsonToExpr(b))), dynamic: dynamics };
}

/**
 * A `dynamic` block's iterator name. JSON syntax writes it bare (`"r"`); @cdktf/hcl2json turns
 * HCL's `iterator = r` into the template `"${r}"`, which names the same iterator.
 */
function iteratorName(text: string): string {
  return /^\$\{\s*([^\s{}]+)\s*\}$/.exec(text)?.[1] ?? text;
}

/** A nested block's body as an object expression, its own `dynamic` blocks expanded. */
function nestedBody(body: Json): Expr {
  const keys = new Set(ownKeys(body).filter((k) => k !== "dynamic"));
  walkLabels(body.dynamic, 1, ([type]) => keys.add(type));
  return { type: "object", items: [...keys].sort().map((k) => ({ key: { type: "literal", value: k }, value: blockOrAttribute(body, k)! })) };
}

/** A resource from a plan's configuration: constants, reference lists, nested block lists. */
class PlanResource implements ConfigResource {
  readonly count?: Expr;
  readonly forEach?: Expr;

  constructor(
    readonly mode: "managed" | "data",
    readonly type: string,
    readonly name: string,
    private readonly expressions: Json,
    json: Json,
  ) {
    if (json.count_expression !== undefined) this.count = planExpr(json.count_expression);
    if (json.for_each_expression !== undefined) this.forEach = planExpr(json.for_each_expression);
  }

  attribute(name: string): Expr | undefined {
    const e = this.expressions[name];
    return e === undefined ? undefined : planExpr(e);
  }

  attributeNames(): string[] {
    return ownKeys(this.expressions).filter((name) => !RESOURCE_META.has(name));
  }

  raw(name: string): unknown {
    return this.expressions[name];
  }
}

/** An expression of a plan's configuration: `constant_value`, `references`, or nested blocks. */
export function planExpr(e: unknown): Expr {
  if (Array.isArray(e)) return { type: "tuple", items: e.map((block) => (isObject(block) ? { type: "object", items: ownKeys(block).map((k) => ({ key: { type: "literal", value: k }, value: planExpr(block[k]) })) } : planExpr(block))) };
  if (!isObject(e)) return { type: "constant", value: null };
  if ("constant_value" in e) return constantExpr(e.constant_value);
  if (Array.isArray(e.references)) return { type: "references", references: e.references.filter((r): r is string => typeof r === "string") };
  // An object of expressions: a single nested block.
  const keys = ownKeys(e);
  if (keys.length === 0) return { type: "constant", value: null };
  return { type: "object", items: keys.map((k) => ({ key: { type: "literal", value: k }, value: planExpr(e[k]) })) };
}

/**
 * A plan's constant value. A plan made from JSON syntax (a `cdk.tf.json`) reports its template
 * strings as constants, `"${aws_security_group.web.id}"` included: those are read as templates.
 */
function constantExpr(value: unknown): Expr {
  if (typeof value === "string") return value.includes("${") || value.includes("%{") ? parseTemplateString(value) : { type: "literal", value };
  if (Array.isArray(value)) return value.some(hasTemplate) ? { type: "tuple", items: value.map(constantExpr) } : { type: "constant", value };
  if (isObject(value) && hasTemplate(value)) return { type: "object", items: Object.keys(value).map((k) => ({ key: { type: "literal", value: k }, value: constantExpr(value[k]) })) };
  return { type: "constant", value };
}

function hasTemplate(value: unknown): boolean {
  if (typeof value === "string") return value.includes("${") || value.includes("%{");
  if (Array.isArray(value)) return value.some(hasTemplate);
  return isObject(value) && Object.values(value).some(hasTemplate);
}

/** An empty module configuration. */
function emptyModule(key: string, detail: "full" | "references", dir?: string): ConfigModule {
  return { key, ...(dir ? { dir } : {}), detail, resources: new Map(), ...(detail === "full" ? { locals: new Map() } : {}), variables: new Map(), outputs: new Map(), calls: new Map() };
}

/**
 * One module from JSON-syntax documents (one per file). Files named `*_override.tf(.json)`
 * come last and replace, attribute by attribute, what the others declare, as Terraform merges
 * them.
 */
export function moduleFromJsonSyntax(documents: readonly { file: string; json: unknown }[], key: string, dir?: string): { module: ConfigModule; problems: ConfigProblem[] } {
  const module = emptyModule(key, "full", dir);
  const problems: ConfigProblem[] = [];
  const ordered = [...documents].sort((a, b) => Number(isOverride(a.file)) - Number(isOverride(b.file)));
  const resourceBodies = new Map<string, { mode: "managed" | "data"; type: string; name: string; body: Json; file: string }>();
  const callBodies = new Map<string, Json>();
  for (const document of ordered) {
    const { file } = document;
    // A file may hold one object, or (as Terraform's JSON syntax allows) an array of them.
    const parts: { json: Json; at: (string | number)[] }[] = [];
    if (isObject(document.json)) parts.push({ json: document.json, at: [] });
    else if (Array.isArray(document.json)) document.json.forEach((j, n) => (isObject(j) ? parts.push({ json: j, at: [n] }) : problems.push({ file, path: [n], message: "a Terraform configuration must be an object" })));
    else problems.push({ file, line: 1, column: 1, message: "a Terraform configuration must be an object" });
    for (const { json, at } of parts) readDocument(json, at, file);
  }

  function readDocument(json: Json, at: (string | number)[], file: string): void {
    const override = isOverride(file);
    const problem = (path: (string | number)[], message: string) => problems.push({ file, path, message });
    for (const mode of ["resource", "data"] as const) {
      walkLabels(
        json[mode],
        2,
        ([type, name], body) => {
          const id = `${mode === "data" ? "data." : ""}${type}.${name}`;
          const known = resourceBodies.get(id);
          if (known && !override) problems.push({ file, path: [...at, mode, type, name], message: `${id} is declared twice` });
          resourceBodies.set(id, { mode: mode === "data" ? "data" : "managed", type, name, body: known && override ? mergeOverride(known.body, body) : body, file: known?.file ?? file });
        },
        problem,
        [...at, mode],
      );
    }
    walkLabels(json.module, 1, ([name], body) => callBodies.set(name, override ? { ...(callBodies.get(name) ?? {}), ...body } : body), problem, [...at, "module"]);
    walkLabels(json.variable, 1, ([name], body) => {
      const was = module.variables.get(name);
      module.variables.set(name, {
        ...(was ?? {}),
        ...(body.default !== undefined ? { default: { type: "constant", value: body.default } as Expr } : {}),
        ...(typeof body.type === "string" ? { type: parseTypeConstraint(body.type) } : {}),
        ...(body.nullable === false ? { nonNullable: true } : {}),
      });
    }, problem, [...at, "variable"]);
    walkLabels(json.output, 1, ([name], body) => {
      if (body.value !== undefined) module.outputs.set(name, jsonToExpr(body.value));
    }, problem, [...at, "output"]);
    walkLabels(json.locals, 0, (_labels, body) => {
      for (const name of ownKeys(body)) module.locals!.set(name, jsonToExpr(body[name]));
    }, problem, [...at, "locals"]);
  }
  for (const [id, r] of resourceBodies) module.resources.set(id, new JsonResource(r.mode, r.type, r.name, r.body, r.file));
  for (const [name, body] of callBodies) {
    const args = new Map<string, Expr>();
    for (const k of ownKeys(body)) if (!["source", "version", "count", "for_each", "providers", "depends_on"].includes(k)) args.set(k, jsonToExpr(body[k]));
    module.calls.set(name, {
      name,
      ...(typeof body.source === "string" ? { source: body.source } : {}),
      ...(body.count !== undefined ? { count: jsonToExpr(body.count) } : {}),
      ...(body.for_each !== undefined ? { forEach: jsonToExpr(body.for_each) } : {}),
      args,
    });
  }
  return { module, problems };
}

/**
 * A resource body with an override file's body merged in, as Terraform merges them: each
 * attribute of the override replaces the original's, and a block type the override has, written
 * out or as `dynamic` blocks, replaces all the original's blocks of that type, dynamic or not.
 */
function mergeOverride(base: Json, override: Json): Json {
  const replaced = new Set(ownKeys(override).filter((k) => k !== "dynamic"));
  walkLabels(override.dynamic, 1, ([type]) => replaced.add(type));
  const out: Json = {};
  for (const k of ownKeys(base)) if (k !== "dynamic" && !replaced.has(k)) out[k] = base[k];
  for (const k of ownKeys(override)) if (k !== "dynamic") out[k] = override[k];
  const dynamic: Json[] = [];
  walkLabels(base.dynamic, 1, ([type], spec) => (replaced.has(type) ? undefined : dynamic.push({ [type]: spec })));
  walkLabels(override.dynamic, 1, ([type], spec) => dynamic.push({ [type]: spec }));
  if (dynamic.length > 0) out.dynamic = dynamic;
  return out;
}

function isOverride(file: string): boolean {
  return /(^|[\\/])(override|[^\\/]*_override)\.tf(\.json)?$/.test(file);
}

/** A type constraint as written in JSON syntax (`"${list(string)}"` or `"list(string)"`). */
function parseTypeConstraint(text: string): Expr {
  const inner = /^\$\{([\s\S]*)\}$/.exec(text);
  return parseExpression(inner ? inner[1] : text);
}

/** The module tree of a plan's `configuration`, with reference-only expressions and no locals. */
export function moduleFromPlan(json: unknown, key = ""): ConfigModule {
  const module = emptyModule(key, "references");
  if (!isObject(json)) return module;
  for (const r of Array.isArray(json.resources) ? json.resources : []) {
    if (!isObject(r) || typeof r.type !== "string" || typeof r.name !== "string") continue;
    const mode = r.mode === "data" ? "data" : "managed";
    module.resources.set(`${mode === "data" ? "data." : ""}${r.type}.${r.name}`, new PlanResource(mode, r.type, r.name, isObject(r.expressions) ? r.expressions : {}, r));
  }
  for (const [name, v] of Object.entries(isObject(json.variables) ? json.variables : {})) {
    module.variables.set(name, isObject(v) && "default" in v ? { default: { type: "constant", value: v.default } } : {});
  }
  for (const [name, o] of Object.entries(isObject(json.outputs) ? json.outputs : {})) {
    if (isObject(o) && o.expression !== undefined) module.outputs.set(name, planExpr(o.expression));
  }
  for (const [name, call] of Object.entries(isObject(json.module_calls) ? json.module_calls : {})) {
    if (!isObject(call)) continue;
    const args = new Map<string, Expr>();
    for (const [k, e] of Object.entries(isObject(call.expressions) ? call.expressions : {})) args.set(k, planExpr(e));
    module.calls.set(name, {
      name,
      ...(typeof call.source === "string" ? { source: call.source } : {}),
      ...(call.count_expression !== undefined ? { count: planExpr(call.count_expression) } : {}),
      ...(call.for_each_expression !== undefined ? { forEach: planExpr(call.for_each_expression) } : {}),
      args,
      module: moduleFromPlan(call.module, key ? `${key}.${name}` : name),
    });
  }
  return module;
}

/**
 * The `.tf` and `.tf.json` files of a folder, sorted: regular files, and symbolic links that do
 * not lead to a folder (a broken link is listed, so that reading it reports it).
 */
export function configurationFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const isFile = (entry: Dirent) => {
    if (!entry.isSymbolicLink()) return entry.isFile();
    try {
      return !statSync(join(dir, entry.name)).isDirectory();
    } catch {
      return true;
    }
  };
  return entries
    .filter((e) => /\.tf(\.json)?$/.test(e.name) && isFile(e))
    .map((e) => e.name)
    .sort();
}

/** Why `--config DIR` cannot be a configuration's folder; undefined when it can. */
export function configDirProblem(dir: string): string | undefined {
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    return "--config names no folder: there is nothing at this path";
  }
  if (!stats.isDirectory()) return "--config names a file; give the folder that holds the configuration's .tf files";
  if (configurationFiles(dir).length === 0) return "--config names a folder without .tf or .tf.json files; give the folder where terraform plan ran";
  return undefined;
}

/** Where `terraform init` put each module: `.terraform/modules/modules.json`, by call path. */
function installedModules(rootDir: string): Map<string, string> {
  const file = join(rootDir, ".terraform", "modules", "modules.json");
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as { Modules?: { Key?: unknown; Dir?: unknown }[] };
    for (const m of json.Modules ?? []) if (typeof m.Key === "string" && typeof m.Dir === "string") out.set(m.Key, resolve(rootDir, m.Dir));
  } catch {
    // An unreadable modules.json only means local paths are all sgc can follow.
  }
  return out;
}

/**
 * Reads a configuration from files: the root folder (or the documents given for it, such as a
 * `cdk.tf.json` read already) and, following module calls, each module it calls, from local
 * paths or from where `terraform init` installed it. `.tf` files go through @cdktf/hcl2json
 * (loaded only when there is one, as it is large); `.tf.json` files are JSON syntax already.
 * Each folder is read and parsed once, however often it is called, so its problems are
 * reported once; a module that calls itself (through any cycle of folders) is a problem, and
 * so is a tree of more than LIMITS.moduleCalls module calls.
 */
export async function readConfiguration(rootDir: string, rootDocuments?: { file: string; json: unknown }[]): Promise<{ root: ConfigModule; problems: ConfigProblem[] }> {
  const installed = installedModules(rootDir);
  const problems: ConfigProblem[] = [];
  const folders = new Map<string, Promise<{ file: string; json: unknown }[]>>();
  // Files given already parsed stand for themselves; the folder's other files are read.
  const given = new Set((rootDocuments ?? []).map((d) => resolve(d.file)));
  const documentsOf = (dir: string) => {
    let documents = folders.get(dir);
    if (!documents) folders.set(dir, (documents = readFolder(dir, problems, given)));
    return documents;
  };
  let calls = 0;
  const read = async (dir: string, key: string, ancestors: readonly string[], parsed?: { file: string; json: unknown }[]): Promise<ConfigModule> => {
    const documents = [...(parsed ?? []), ...(await documentsOf(dir))];
    const { module, problems: own } = moduleFromJsonSyntax(documents, key, dir);
    appendAll(problems, own);
    const chain = [...ancestors, dir];
    for (const call of module.calls.values()) {
      const childKey = key ? `${key}.${call.name}` : call.name;
      const childDir = installed.get(childKey) ?? (call.source && /^\.\.?([\\/]|$)/.test(call.source) ? resolve(dir, call.source) : undefined);
      const where = () => locateModuleCall(documents, call.name);
      if (childDir && chain.includes(childDir)) {
        call.missing = `module "${childKey}" calls ${JSON.stringify(call.source)}, a module that is calling it already`;
        const cycle = [...chain.slice(chain.indexOf(childDir)), childDir];
        problems.push({ code: "module-cycle", ...where(), message: `module "${call.name}" calls itself (${cycle.join(" -> ")}), which Terraform cannot expand` });
      } else if (ancestors.length >= 32) call.missing = "modules nest more than 32 deep";
      else if (!childDir || configurationFiles(childDir).length === 0) {
        call.missing = `module "${childKey}" comes from ${JSON.stringify(call.source ?? "?")}, which sgc did not find on disk (run terraform init in ${rootDir}, or pass --config)`;
      } else if (++calls > LIMITS.moduleCalls) {
        call.missing = `the configuration calls more than ${LIMITS.moduleCalls} modules`;
        if (calls === LIMITS.moduleCalls + 1) problems.push({ code: "too-many-modules", ...where(), message: `the configuration calls more than ${LIMITS.moduleCalls} modules (counting each call in each module that calls it); sgc reads at most ${LIMITS.moduleCalls}` });
      } else call.module = await read(childDir, childKey, chain);
    }
    return module;
  };
  const root = await read(resolve(rootDir), "", [], rootDocuments);
  // A folder called from several places is read once, but its problems come up at each call.
  const distinct = new Map(problems.map((p) => [JSON.stringify(p), p]));
  return { root, problems: [...distinct.values()] };
}

/** The configuration files of one folder, as JSON-syntax documents; what cannot be read goes to `problems`. */
async function readFolder(dir: string, problems: ConfigProblem[], skip: ReadonlySet<string>): Promise<{ file: string; json: unknown }[]> {
  const documents: { file: string; json: unknown }[] = [];
  for (const name of configurationFiles(dir)) {
    if (skip.has(resolve(dir, name))) continue;
    const document = await readConfigurationFile(join(dir, name));
    if ("problem" in document) problems.push(document.problem);
    else documents.push(document);
  }
  return documents;
}

/** Where a module block is declared among a module's documents, for messages: its file, line and column. */
function locateModuleCall(documents: readonly { file: string; json: unknown }[], name: string): { file: string; line: number; column: number } {
  for (const { file, json } of documents) {
    let declared = false;
    walkLabels(isObject(json) ? json.module : undefined, 1, ([label]) => (declared ||= label === name));
    if (Array.isArray(json)) for (const part of json) if (isObject(part)) walkLabels(part.module, 1, ([label]) => (declared ||= label === name));
    if (!declared) continue;
    try {
      const text = readText(file);
      return { file, ...locateBlock(file, text, "module", [name]) };
    } catch {
      return { file, line: 1, column: 1 };
    }
  }
  return { file: documents[0]?.file ?? "", line: 1, column: 1 };
}

/**
 * One configuration file as a JSON-syntax document, or the located problem that keeps sgc from
 * reading it: too large, nested too deep (both checked before any parser sees the text, as
 * hcl2json can crash or stop answering on such input), or not valid JSON or HCL.
 */
export async function readConfigurationFile(file: string): Promise<{ file: string; json: unknown } | { problem: ConfigProblem }> {
  const hcl = !file.endsWith(".json");
  const limit = hcl ? LIMITS.hclBytes : LIMITS.configurationBytes;
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > limit) return { problem: { code: "too-large", file, line: 1, column: 1, message: tooLargeMessage(size, limit, hcl ? ".tf files" : "Terraform configurations") } };
    text = readText(file);
  } catch (error) {
    return { problem: { code: "unreadable-file", file, line: 1, column: 1, message: unreadableFile(file, error as NodeJS.ErrnoException) } };
  }
  const deep = hcl ? hclNestingBeyond(text, LIMITS.terraformNesting) : nestingBeyond(text, LIMITS.terraformNesting);
  if (deep !== undefined) {
    return { problem: { code: "too-deep", file, ...locateOffset(text, deep), message: `the ${hcl ? "HCL" : "JSON"} nests more than ${LIMITS.terraformNesting} levels deep, far more than any real configuration` } };
  }
  if (!hcl) {
    try {
      return { file, json: JSON.parse(text) };
    } catch (error) {
      return { problem: { file, line: 1, column: 1, message: `is not valid JSON: ${(error as Error).message}` } };
    }
  }
  try {
    return { file, json: await parseHcl(file, text) };
  } catch (error) {
    return { problem: hclProblem(file, error as Error) };
  }
}

/** Why a configuration file cannot be read, in words: a broken link says where it leads. */
function unreadableFile(file: string, error: NodeJS.ErrnoException): string {
  try {
    if (lstatSync(file).isSymbolicLink()) return `is a symbolic link to ${JSON.stringify(readlinkSync(file))}, which ${error.code === "ELOOP" ? "is a loop of links" : "does not exist"}`;
  } catch {
    // Gone while sgc looked: the error below says so.
  }
  return `cannot be read: ${error.code ?? error.message}`;
}

/**
 * Where a resource is declared in its file, for findings: the `resource "type" "name"` of a
 * .tf file, or the body in a .tf.json file; undefined when the file cannot be read.
 */
export function locateResource(resource: ConfigResource): { file: string; line: number; column: number } | undefined {
  if (!resource.file) return undefined;
  let text: string;
  try {
    text = readText(resource.file);
  } catch {
    return undefined;
  }
  return { file: resource.file, ...locateBlock(resource.file, text, resource.mode === "data" ? "data" : "resource", [resource.type, resource.name]) };
}

/** Where a block (`resource "type" "name"`, `module "name"`) starts in a file's text: HCL, or JSON syntax; the file's start when not found. */
function locateBlock(file: string, text: string, block: string, labels: string[]): { line: number; column: number } {
  if (file.endsWith(".json")) return locateJsonPath(text, [block, ...labels]);
  const quoted = (s: string) => `"${s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`;
  const at = text.search(new RegExp(`${block}\\s+${labels.map(quoted).join("\\s+")}`, "u"));
  return at < 0 ? { line: 1, column: 1 } : locateOffset(text, at);
}

/** Parses one `.tf` file into JSON syntax with @cdktf/hcl2json. */
async function parseHcl(file: string, text: string): Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require("@cdktf/hcl2json") as { parse(file: string, text: string): Promise<unknown> };
  return parse(file, text);
}

/** hcl2json's error (`parse config: [main.tf:2,7-3,1: Invalid expression; ...]`), located. */
function hclProblem(file: string, error: Error): ConfigProblem {
  const match = /:(\d+),(\d+)(?:-\d+(?:,\d+)?)?: ([^\]]*)/.exec(error.message);
  return match ? { file, line: Number(match[1]), column: Number(match[2]), message: match[3].trim() } : { file, line: 1, column: 1, message: error.message };
}

/** The values of a plan's root variables (`variables.<name>.value`). */
export function planVariables(plan: Json): Map<string, Value> {
  const out = new Map<string, Value>();
  if (!isObject(plan.variables)) return out;
  for (const [name, v] of Object.entries(plan.variables)) if (isObject(v) && "value" in v) out.set(name, v.value as Value);
  return out;
}
