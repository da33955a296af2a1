import { createHash } from "crypto";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { terraform, writeOfflineOverrides } from "./terraform";

/**
 * Real Terraform plans of *changes*, offline. The base stack is planned against an empty state;
 * a state is fabricated from that plan as if it had been applied (every planned resource exists
 * with its planned values, unknown values filled with deterministic fake ids, references between
 * resources resolved consistently); the head stack is then planned against that state with
 * `-refresh=false`, so Terraform never talks to AWS.
 *
 * Correctness criterion: planning the unchanged base against its own fabricated state reports
 * "No changes" (test/terraform/prior-state.test.ts checks it).
 */

/** The local backend path `writeOfflineOverrides` configures, relative to the stack directory. */
export const OFFLINE_STATE_FILE = "terraform.tfstate";

/** The account id behind every fake ARN and `owner_id`. */
export const FAKE_ACCOUNT_ID = "123456789012";

/** A Terraform state file, format version 4, as `terraform state pull` prints it. */
export interface TerraformState {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, { value: unknown; type: unknown; sensitive?: boolean }>;
  resources: StateResource[];
  check_results: null;
}

/** One resource of a state file (no count or for_each: one instance without an index key). */
export interface StateResource {
  mode: "managed";
  type: string;
  name: string;
  provider: string;
  instances: { schema_version: number; attributes: Record<string, unknown>; sensitive_attributes: unknown[]; dependencies?: string[] }[];
}

/** One resource change of a plan, with the fields the change tests read. */
export interface ResourceChangeJson {
  address: string;
  mode: string;
  type: string;
  name: string;
  index?: unknown;
  provider_name: string;
  action_reason?: string;
  change: {
    actions: string[];
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    after_unknown?: Record<string, unknown>;
    replace_paths?: unknown[][];
  };
}

/** What the change tests read of `terraform show -json plan.bin`. */
export interface ChangePlanJson {
  format_version: string;
  terraform_version: string;
  resource_changes: ResourceChangeJson[];
  output_changes?: Record<string, { actions: string[]; after_unknown?: unknown }>;
  planned_values: {
    outputs?: Record<string, { sensitive?: boolean; value?: unknown }>;
    root_module: { resources?: { address: string; type: string; values: Record<string, unknown> }[]; child_modules?: unknown[] };
  };
  prior_state?: unknown;
  configuration: {
    provider_config?: Record<string, { name: string; full_name?: string; alias?: string }>;
    root_module: {
      resources?: ConfigResource[];
      outputs?: Record<string, { expression?: ConfigExpression; sensitive?: boolean }>;
      module_calls?: Record<string, unknown>;
    };
  };
}

interface ConfigResource {
  address: string;
  mode: string;
  type: string;
  name: string;
  provider_config_key?: string;
  expressions?: Record<string, unknown>;
  count_expression?: unknown;
  for_each_expression?: unknown;
}

interface ConfigExpression {
  constant_value?: unknown;
  references?: string[];
}

/** The result of planning a head configuration against a fabricated prior state. */
export interface ChangePlan {
  /** The plan as `terraform show -json plan.bin` prints it. */
  plan: ChangePlanJson;
  /** The exact JSON text of `terraform show -json plan.bin` (what `sgc check` reads as a plan). */
  planText: string;
  /** The human-readable output of `terraform plan -no-color` ("No changes." and the like). */
  planOutput: string;
}

/**
 * Plans the head stack as a change from the base stack: the base as if applied, then the head
 * planned against it with `-refresh=false`. Neither directory is modified (both are copied).
 */
export function planChange(baseStackDir: string, headStackDir: string): ChangePlan {
  return planAgainstState(headStackDir, priorState(baseStackDir));
}

/** The base stack's fabricated state; fabricated once per base configuration (by content) and process. */
export function priorState(baseStackDir: string): TerraformState {
  const key = configurationKey(baseStackDir);
  let state = fabricated.get(key);
  if (!state) {
    const dir = copyStack(baseStackDir, "sgc-prior-base-");
    writeOfflineOverrides(dir);
    terraform(dir, ["init", "-input=false", "-no-color"]);
    terraform(dir, ["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
    const plan = JSON.parse(terraform(dir, ["show", "-json", "plan.bin"]).stdout) as ChangePlanJson;
    state = stateFromPlan(plan, providerSchemas(dir), key);
    fabricated.set(key, state);
  }
  return state;
}
const fabricated = new Map<string, TerraformState>();

/** Copies the head stack to a fresh directory, puts `state` in as its local state, and plans it. */
export function planAgainstState(headStackDir: string, state: TerraformState): ChangePlan {
  const dir = copyStack(headStackDir, "sgc-prior-head-");
  writeOfflineOverrides(dir);
  writeFileSync(join(dir, OFFLINE_STATE_FILE), JSON.stringify(state, null, 2) + "\n");
  terraform(dir, ["init", "-input=false", "-no-color"]);
  const planned = terraform(dir, ["plan", "-refresh=false", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
  const show = terraform(dir, ["show", "-json", "plan.bin"]);
  return { plan: JSON.parse(show.stdout) as ChangePlanJson, planText: show.stdout, planOutput: planned.stdout };
}

// ---------------------------------------------------------------------------------------------
// Provider schemas

/** The schema of one provider as `terraform providers schema -json` prints it (the parts used). */
export interface ProviderSchema {
  resource_schemas: Record<string, { version: number; block: SchemaBlock }>;
}

interface SchemaBlock {
  attributes?: Record<string, SchemaAttribute>;
  block_types?: Record<string, { nesting_mode: string; block: SchemaBlock; min_items?: number }>;
}

interface SchemaAttribute {
  type?: CtyType;
  nested_type?: { attributes: Record<string, SchemaAttribute>; nesting_mode: string };
  optional?: boolean;
  computed?: boolean;
  required?: boolean;
}

/** A cty type in its JSON form: "string", ["list", "string"], ["object", { ... }] ... */
type CtyType = string | [string, unknown];

let schemaCache: Record<string, ProviderSchema> | undefined;

/** The provider schemas, read once per process from an initialized directory (about 2 s, 13 MB). */
export function providerSchemas(initializedDir: string): Record<string, ProviderSchema> {
  if (!schemaCache) {
    const all = JSON.parse(terraform(initializedDir, ["providers", "schema", "-json"]).stdout) as { provider_schemas: Record<string, ProviderSchema> };
    schemaCache = all.provider_schemas;
  }
  return schemaCache;
}

// ---------------------------------------------------------------------------------------------
// Fabrication

/** The prefix of fake ids and the ARN resource kind, by resource type. */
const ID_KINDS: Record<string, { prefix: string; arn: string }> = {
  aws_security_group: { prefix: "sg-", arn: "security-group" },
  aws_default_security_group: { prefix: "sg-", arn: "security-group" },
  aws_vpc_security_group_ingress_rule: { prefix: "sgr-", arn: "security-group-rule" },
  aws_vpc_security_group_egress_rule: { prefix: "sgr-", arn: "security-group-rule" },
  aws_security_group_rule: { prefix: "sgr-", arn: "security-group-rule" },
  aws_ec2_managed_prefix_list: { prefix: "pl-", arn: "prefix-list" },
};

/** Computed values AWS gives that are not ids, by resource type and attribute. */
const KNOWN_COMPUTED: Record<string, Record<string, unknown>> = {
  aws_default_security_group: { name: "default", description: "default VPC security group", name_prefix: "" },
  aws_security_group: { name_prefix: "" },
  aws_ec2_managed_prefix_list: { version: 1 },
};

interface Fabrication {
  plan: ChangePlanJson;
  schemas: Record<string, ProviderSchema>;
  region: string;
  counters: Map<string, number>;
  ids: Map<string, string>;
  done: Map<string, Record<string, unknown>>;
  inProgress: Set<string>;
  changes: Map<string, ResourceChangeJson>;
  config: Map<string, ConfigResource>;
}

/**
 * A state in which every resource the plan creates exists with its planned values. Pure: the
 * same plan gives the same state. Throws on what it does not support (modules, count, for_each,
 * data sources that are not known at plan time) rather than fabricating something wrong.
 */
export function stateFromPlan(plan: ChangePlanJson, schemas: Record<string, ProviderSchema>, lineageSeed = "sgc"): TerraformState {
  if ((plan.planned_values.root_module.child_modules ?? []).length > 0 || Object.keys(plan.configuration.root_module.module_calls ?? {}).length > 0) {
    throw new Error("prior-state: modules are not supported");
  }
  const changes = plan.resource_changes.filter((c) => c.mode === "managed");
  for (const c of changes) {
    if (c.index !== undefined) throw new Error(`prior-state: ${c.address}: count and for_each instances are not supported`);
    if (c.change.actions.join(",") !== "create") throw new Error(`prior-state: ${c.address}: the base plan must only create (got ${c.change.actions.join(",")})`);
  }
  const region = String(constantOf(plan.configuration.provider_config?.aws, "region") ?? "us-east-1");
  const f: Fabrication = {
    plan,
    schemas,
    region,
    counters: new Map(),
    ids: new Map(),
    done: new Map(),
    inProgress: new Set(),
    changes: new Map(changes.map((c) => [c.address, c])),
    config: new Map((plan.configuration.root_module.resources ?? []).map((r) => [r.address, r])),
  };
  // Ids are numbered in address order, per prefix: sg-00000000000000001, sg-00000000000000002, ...
  const sorted = [...changes].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  for (const c of sorted) f.ids.set(c.address, fakeId(f, c.type));

  const resources: StateResource[] = sorted.map((c) => {
    const config = f.config.get(c.address);
    const schema = resourceSchema(f, c);
    const dependencies = [...new Set(Object.values(config?.expressions ?? {}).flatMap((e) => referencesIn(e)).map((r) => resourceOfReference(r)?.address))]
      .filter((a): a is string => a !== undefined && a !== c.address && f.changes.has(a))
      .sort();
    return {
      mode: "managed",
      type: c.type,
      name: c.name,
      provider: providerAddress(c, config),
      instances: [
        {
          schema_version: schema.version,
          attributes: attributesOf(f, c.address),
          sensitive_attributes: [],
          ...(dependencies.length > 0 ? { dependencies } : {}),
        },
      ],
    };
  });

  const outputs: TerraformState["outputs"] = {};
  for (const [name, output] of Object.entries(plan.planned_values.outputs ?? {})) {
    const unknown = plan.output_changes?.[name]?.after_unknown === true;
    const expression = plan.configuration.root_module.outputs?.[name]?.expression;
    const value = unknown ? resolveExpression(f, expression, `output.${name}`) : output.value;
    if (value === undefined) throw new Error(`prior-state: output ${name}: no value`);
    outputs[name] = { value, type: typeOfValue(value), ...(output.sensitive ? { sensitive: true } : {}) };
  }

  const lineage = createHash("sha256").update(lineageSeed).digest("hex");
  return {
    version: 4,
    terraform_version: "1.11.4",
    serial: 1,
    lineage: `${lineage.slice(0, 8)}-${lineage.slice(8, 12)}-${lineage.slice(12, 16)}-${lineage.slice(16, 20)}-${lineage.slice(20, 32)}`,
    outputs,
    resources,
    check_results: null,
  };
}

function resourceSchema(f: Fabrication, c: ResourceChangeJson): { version: number; block: SchemaBlock } {
  const schema = f.schemas[c.provider_name]?.resource_schemas[c.type];
  if (!schema) throw new Error(`prior-state: no schema for ${c.type} in ${c.provider_name}`);
  return schema;
}

/** `provider["registry.terraform.io/hashicorp/aws"]`, with `.alias` for an aliased provider. */
function providerAddress(c: ResourceChangeJson, config: ConfigResource | undefined): string {
  const alias = config?.provider_config_key?.split(".")[1];
  return `provider[${JSON.stringify(c.provider_name)}]${alias ? `.${alias}` : ""}`;
}

/** The full attribute object of one resource, fabricated once (references first). */
function attributesOf(f: Fabrication, address: string): Record<string, unknown> {
  const existing = f.done.get(address);
  if (existing) return existing;
  if (f.inProgress.has(address)) throw new Error(`prior-state: reference cycle through ${address}`);
  f.inProgress.add(address);
  const c = f.changes.get(address);
  if (!c) throw new Error(`prior-state: reference to ${address}, which the base plan does not create`);
  const { block } = resourceSchema(f, c);
  const after = c.change.after ?? {};
  const unknown = c.change.after_unknown ?? {};
  const expressions = f.config.get(address)?.expressions ?? {};
  const attributes: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(topLevelTypes(block))) {
    const ctx = { f, c, attribute: name };
    if (unknown[name] === true) {
      // An unknown that comes from a reference is the referenced resource's fake value.
      const resolved = referencesIn(expressions[name]).length > 0 ? resolveExpression(f, expressions[name] as ConfigExpression, `${address}.${name}`) : undefined;
      attributes[name] = resolved !== undefined ? resolved : fakeValue(type, ctx);
    } else {
      attributes[name] = fill(type, after[name], unknown[name], ctx);
    }
  }
  f.inProgress.delete(address);
  f.done.set(address, attributes);
  return attributes;
}

/** A type for each top-level attribute and block, blocks as objects (single) or collections of them. */
function topLevelTypes(block: SchemaBlock): Record<string, FillType> {
  const types: Record<string, FillType> = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) types[name] = attributeType(attribute);
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const object: FillType = { kind: "object", attributes: topLevelTypes(nested.block) };
    switch (nested.nesting_mode) {
      case "single":
      case "group":
        types[name] = object;
        break;
      case "map":
        types[name] = { kind: "map", element: object, block: true };
        break;
      default:
        types[name] = { kind: "list", element: object, block: true };
    }
  }
  return types;
}

/** A type the fill walks: a cty type, or a block/nested attribute shaped as one. */
type FillType =
  | { kind: "primitive"; name: string }
  | { kind: "list" | "map"; element: FillType; block?: boolean }
  | { kind: "object"; attributes: Record<string, FillType> }
  | { kind: "tuple"; elements: FillType[] }
  | { kind: "dynamic" };

function attributeType(attribute: SchemaAttribute): FillType {
  if (attribute.nested_type) {
    const object: FillType = { kind: "object", attributes: Object.fromEntries(Object.entries(attribute.nested_type.attributes).map(([k, a]) => [k, attributeType(a)])) };
    const mode = attribute.nested_type.nesting_mode;
    return mode === "single" ? object : mode === "map" ? { kind: "map", element: object } : { kind: "list", element: object };
  }
  return ctyType(attribute.type ?? "dynamic");
}

function ctyType(type: CtyType): FillType {
  if (typeof type === "string") return type === "dynamic" ? { kind: "dynamic" } : { kind: "primitive", name: type };
  const [kind, arg] = type;
  switch (kind) {
    case "list":
    case "set":
      return { kind: "list", element: ctyType(arg as CtyType) };
    case "map":
      return { kind: "map", element: ctyType(arg as CtyType) };
    case "object":
      return { kind: "object", attributes: Object.fromEntries(Object.entries(arg as Record<string, CtyType>).map(([k, t]) => [k, ctyType(t)])) };
    case "tuple":
      return { kind: "tuple", elements: (arg as CtyType[]).map(ctyType) };
    default:
      return { kind: "dynamic" };
  }
}

interface FillContext {
  f: Fabrication;
  c: ResourceChangeJson;
  attribute: string;
}

/** A planned value with the unknowns inside it (per `after_unknown`) filled in. */
function fill(type: FillType, value: unknown, unknown: unknown, ctx: FillContext): unknown {
  if (unknown === true) return fakeValue(type, ctx);
  if (value === undefined || value === null) {
    // Planned values omit nothing that is known; a block collection is empty rather than null in state.
    return "block" in type && type.block ? (type.kind === "map" ? {} : []) : null;
  }
  switch (type.kind) {
    case "list":
      return (value as unknown[]).map((v, i) => fill(type.element, v, (unknown as unknown[] | undefined)?.[i], ctx));
    case "map":
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fill(type.element, v, (unknown as Record<string, unknown> | undefined)?.[k], ctx)]));
    case "object":
      return Object.fromEntries(
        Object.entries(type.attributes).map(([k, t]) => [k, fill(t, (value as Record<string, unknown>)[k], (unknown as Record<string, unknown> | undefined)?.[k], ctx)]),
      );
    case "tuple":
      return (value as unknown[]).map((v, i) => fill(type.elements[i] ?? { kind: "dynamic" }, v, (unknown as unknown[] | undefined)?.[i], ctx));
    default:
      return value;
  }
}

/** A deterministic stand-in for a value known only after apply. */
function fakeValue(type: FillType, ctx: FillContext): unknown {
  const { f, c, attribute } = ctx;
  const known = KNOWN_COMPUTED[c.type];
  if (known && attribute in known) return known[attribute];
  switch (type.kind) {
    case "primitive":
      if (type.name === "string") {
        const id = f.ids.get(c.address)!;
        if (attribute === "id" || attribute === "security_group_rule_id") return id;
        if (attribute === "arn") return `arn:aws:${ID_KINDS[c.type] ? "ec2" : "fake"}:${f.region}:${FAKE_ACCOUNT_ID}:${ID_KINDS[c.type]?.arn ?? c.type}/${id}`;
        if (attribute === "owner_id") return FAKE_ACCOUNT_ID;
        return `fake-${attribute}`;
      }
      if (type.name === "number") return 0;
      if (type.name === "bool") return false;
      return null;
    case "list":
    case "tuple":
      return [];
    case "map":
      return {};
    default:
      return null;
  }
}

function fakeId(f: Fabrication, type: string): string {
  const prefix = ID_KINDS[type]?.prefix ?? `${type.replace(/^aws_/, "").replace(/_/g, "-")}-`;
  const n = (f.counters.get(prefix) ?? 0) + 1;
  f.counters.set(prefix, n);
  return `${prefix}${String(n).padStart(17, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// References

/** Every reference an expression (or a nested block of expressions) makes. */
function referencesIn(expression: unknown): string[] {
  if (Array.isArray(expression)) return expression.flatMap(referencesIn);
  if (!expression || typeof expression !== "object") return [];
  const e = expression as Record<string, unknown>;
  if (Array.isArray(e.references)) return e.references as string[];
  return Object.values(e).flatMap(referencesIn);
}

/** "aws_security_group.web.id" -> the resource address and the attribute path after it. */
function resourceOfReference(reference: string): { address: string; path: string[] } | undefined {
  const parts = reference.split(".");
  if (["var", "local", "module", "data", "path", "terraform", "count", "each", "self"].includes(parts[0])) return undefined;
  if (parts.length < 2) return undefined;
  return { address: `${parts[0]}.${parts[1]}`, path: parts.slice(2) };
}

/** The value of a reference to another planned resource's attribute (nested paths by dots). */
function valueOfReference(f: Fabrication, reference: string, where: string): unknown {
  const target = resourceOfReference(reference);
  if (!target || !f.changes.has(target.address)) throw new Error(`prior-state: ${where}: cannot resolve reference ${reference}`);
  let value: unknown = attributesOf(f, target.address);
  for (const step of target.path) {
    if (value === null || typeof value !== "object") throw new Error(`prior-state: ${where}: ${reference} does not lead to a value`);
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/**
 * Evaluates an expression whose value was unknown at plan time. A JSON configuration's
 * expression is its template text: "${aws_security_group.web.id}" is the referenced value
 * itself, and a longer template has each "${reference}" replaced. Without the text (HCL),
 * the most specific reference (the first Terraform lists) is the value.
 */
function resolveExpression(f: Fabrication, expression: ConfigExpression | undefined, where: string): unknown {
  const references = expression?.references ?? [];
  if (references.length === 0) return undefined;
  const text = expression?.constant_value;
  if (typeof text === "string") {
    const whole = /^\$\{\s*([A-Za-z0-9_.-]+)\s*\}$/.exec(text);
    if (whole) return valueOfReference(f, whole[1], where);
    if (/\$\{/.test(text.replace(/\$\$\{/g, ""))) {
      return text.replace(/(\$?)\$\{\s*([A-Za-z0-9_.-]+)\s*\}/g, (all, escape: string, reference: string) => (escape ? all.slice(1) : String(valueOfReference(f, reference, where))));
    }
  }
  return valueOfReference(f, references[0], where);
}

function constantOf(config: unknown, key: string): unknown {
  const expressions = (config as { expressions?: Record<string, ConfigExpression> } | undefined)?.expressions;
  return expressions?.[key]?.constant_value;
}

/** The cty type (JSON form) of an output value. */
function typeOfValue(value: unknown): unknown {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(typeOfValue)];
  if (value && typeof value === "object") return ["object", Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeOfValue(v)]))];
  return "dynamic";
}

// ---------------------------------------------------------------------------------------------
// Files

/** Copies a stack's files (not its state, plans, lock file or .terraform) into a fresh temp dir. */
function copyStack(stackDir: string, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const file of stackFiles(stackDir)) copyFileSync(join(stackDir, file), join(dir, file));
  return dir;
}

function stackFiles(stackDir: string): string[] {
  return readdirSync(stackDir)
    .filter((file) => statSync(join(stackDir, file)).isFile())
    .filter((file) => !/^terraform\.tfstate/.test(file) && file !== ".terraform.lock.hcl" && !file.endsWith(".bin") && file !== "offline_override.tf.json")
    .sort();
}

/** What identifies a base configuration: the content of its files. */
function configurationKey(stackDir: string): string {
  const hash = createHash("sha256");
  for (const file of stackFiles(stackDir)) hash.update(file).update("\0").update(readFileSync(join(stackDir, file))).update("\0");
  return hash.digest("hex");
}
