import { createHash } from "crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { basename, join, relative } from "path";
import { terraform, terraformAsync, writeOfflineOverrides } from "./terraform";

/**
 * Real Terraform plans of *changes*, offline. The base stack is planned against an empty state;
 * a state is fabricated from that plan as if it had been applied (every planned resource
 * instance exists with its planned values, in its module and under its count index or for_each
 * key; values unknown until apply filled with deterministic fake ids and addresses); the head
 * stack is then planned against that state with `-refresh=false`, so Terraform never talks to
 * AWS.
 *
 * A configured value that is unknown at plan time (a rule's `security_group_id = local.x`, a CIDR
 * built from an EIP's address) is computed from other resources' unknowns. Where the
 * configuration's JSON gives its template text (a JSON configuration such as cdk.tf.json), the
 * fabrication evaluates it; elsewhere (HCL: the plan holds no expression text, and no locals)
 * it guesses (the value of the first resource attribute the expression refers to) or puts a
 * stand-in, and lets Terraform evaluate: the configuration is planned against the state, every
 * value Terraform plans differently is taken over, and so on until Terraform plans no change
 * (`planAgainstOwnState`; a round per level of such values, usually one).
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

/** One resource of a state file: in a module instance (`module`) or the root, with one instance per count index or for_each key. */
export interface StateResource {
  /** The module instance, e.g. `module.web` or `module.svc["a"]`; absent at the root. */
  module?: string;
  mode: "managed";
  type: string;
  name: string;
  provider: string;
  instances: StateInstance[];
}

/** One instance of a state resource; `index_key` is the count index (a number) or the for_each key (a string). */
export interface StateInstance {
  index_key?: number | string;
  schema_version: number;
  attributes: Record<string, unknown>;
  sensitive_attributes: unknown[];
  dependencies?: string[];
}

/** One resource change of a plan, with the fields the change tests read. */
export interface ResourceChangeJson {
  address: string;
  module_address?: string;
  mode: string;
  type: string;
  name: string;
  index?: number | string;
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

/** A module of the plan's `configuration`: its resources, outputs and the modules it calls. */
export interface ConfigModule {
  resources?: ConfigResource[];
  outputs?: Record<string, { expression?: ConfigExpression; sensitive?: boolean }>;
  module_calls?: Record<string, { source?: string; module?: ConfigModule }>;
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
    root_module: ConfigModule;
  };
}

/** A resource of the plan's configuration; its `address` is relative to its module. */
export interface ConfigResource {
  address: string;
  mode: string;
  type: string;
  name: string;
  provider_config_key?: string;
  expressions?: Record<string, unknown>;
  count_expression?: unknown;
  for_each_expression?: unknown;
}

/** One expression of the plan's configuration. */
export interface ConfigExpression {
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

/** A configuration planned against its own fabricated state: the state, and Terraform's plan of no change. */
export interface SettledPlan extends ChangePlan {
  state: TerraformState;
  /** Where the plan ran: a copy of the configuration, initialized, holding the state and plan.json. */
  dir: string;
  /** How many plans it took until Terraform planned no change (1 when the fabrication was exact). */
  rounds: number;
}

/**
 * Plans the head stack as a change from the base stack: the base as if applied, then the head
 * planned against it with `-refresh=false`. Neither directory is modified (both are copied).
 */
export function planChange(baseStackDir: string, headStackDir: string): ChangePlan {
  return planAgainstState(headStackDir, priorState(baseStackDir));
}

/**
 * The base stack's fabricated state; fabricated once per base configuration (by content) and
 * process. The base must be one whose unknown values the fabrication evaluates itself (a JSON
 * configuration); for HCL, `planAgainstOwnState` lets Terraform evaluate them.
 */
export function priorState(baseStackDir: string): TerraformState {
  const key = configurationKey(baseStackDir);
  let state = fabricated.get(key);
  if (!state) {
    const dir = copyStack(baseStackDir, "sgc-prior-base-");
    writeOfflineOverrides(dir);
    terraform(dir, ["init", "-input=false", "-no-color"]);
    terraform(dir, ["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
    const plan = JSON.parse(terraform(dir, ["show", "-json", "plan.bin"]).stdout) as ChangePlanJson;
    const fabrication = fabricateState(plan, providerSchemas(dir), key);
    if (fabrication.standIns.length > 0) {
      throw new Error(`prior-state: only Terraform can evaluate ${fabrication.standIns.join(", ")}; plan the base with planAgainstOwnState`);
    }
    state = fabrication.state;
    fabricated.set(key, state);
  }
  return state;
}
const fabricated = new Map<string, TerraformState>();

/**
 * Plans an initialized configuration against the state fabricated from its own fresh plan,
 * taking over what Terraform plans differently until it plans no change (a round per level of
 * values only Terraform can evaluate, usually one), in a copy of `dir` with its `.terraform`, so
 * no second init. The last plan is the configuration as it plans once applied: every id known.
 */
export async function planAgainstOwnState(initializedDir: string, freshPlan: ChangePlanJson, lineageSeed = initializedDir): Promise<SettledPlan> {
  const dir = mkdtempSync(join(tmpdir(), "sgc-prior-own-"));
  // Everything but the plan and state: the configuration, the offline overrides, and what init wrote.
  cpSync(initializedDir, dir, { recursive: true, filter: (src) => relative(initializedDir, src).startsWith(".terraform") || !PLAN_OUTPUTS.has(basename(src)) });
  let state = fabricateState(freshPlan, await providerSchemasAsync(dir), lineageSeed).state;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    writeFileSync(join(dir, OFFLINE_STATE_FILE), JSON.stringify(state, null, 2) + "\n");
    const planned = await terraformAsync(dir, ["plan", "-refresh=false", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
    const show = await terraformAsync(dir, ["show", "-json", "plan.bin"]);
    const plan = JSON.parse(show.stdout) as ChangePlanJson;
    if (plansNoChange(plan)) return { plan, planText: show.stdout, planOutput: planned.stdout, state, dir, rounds: round };
    state = takeOverPlannedValues(state, plan);
  }
  throw new Error(`prior-state: the fabricated state of ${dir} still changes after ${MAX_ROUNDS} plans`);
}

/** At most this many plans before a fabricated state must have settled. */
const MAX_ROUNDS = 5;

/** Whether a plan changes no resource and no output. */
export function plansNoChange(plan: ChangePlanJson): boolean {
  const noOp = (actions: string[]) => actions.join(",") === "no-op";
  return plan.resource_changes.every((c) => noOp(c.change.actions)) && Object.values(plan.output_changes ?? {}).every((o) => noOp(o.actions));
}

/**
 * The state with every known value that a plan against it changes taken from the plan: the
 * stand-ins the fabrication put where Terraform would have evaluated an expression. Throws when
 * the plan changes nothing it can take (a create, or only values unknown even now).
 */
function takeOverPlannedValues(state: TerraformState, plan: ChangePlanJson): TerraformState {
  const next = JSON.parse(JSON.stringify(state)) as TerraformState;
  const unsettled: string[] = [];
  let taken = 0;
  for (const c of plan.resource_changes) {
    if (c.mode !== "managed" || c.change.actions.join(",") === "no-op") continue;
    const instance = next.resources
      .find((r) => (r.module ?? "") === (c.module_address ?? "") && r.type === c.type && r.name === c.name)
      ?.instances.find((i) => i.index_key === c.index);
    if (!instance || !c.change.after) {
      unsettled.push(`${c.address} (${c.change.actions.join(",")})`);
      continue;
    }
    let own = 0;
    for (const [key, value] of Object.entries(c.change.after)) {
      if (hasUnknown(c.change.after_unknown?.[key])) continue;
      if (JSON.stringify(instance.attributes[key]) === JSON.stringify(value)) continue;
      instance.attributes[key] = value;
      own++;
    }
    if (own === 0) unsettled.push(`${c.address} (${c.change.actions.join(",")})`);
    taken += own;
  }
  for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
    if (change.actions.join(",") === "no-op") continue;
    const value = plan.planned_values.outputs?.[name]?.value;
    if (hasUnknown(change.after_unknown) || value === undefined) {
      unsettled.push(`output.${name}`);
      continue;
    }
    next.outputs[name] = { value, type: typeOfValue(value), ...(plan.planned_values.outputs?.[name]?.sensitive ? { sensitive: true } : {}) };
    taken++;
  }
  if (taken === 0) throw new Error(`prior-state: the fabricated state does not settle; Terraform still plans: ${unsettled.join(", ")}`);
  return next;
}

/** Whether an `after_unknown` value marks anything unknown. */
function hasUnknown(unknown: unknown): boolean {
  if (unknown === true) return true;
  if (Array.isArray(unknown)) return unknown.some(hasUnknown);
  if (unknown && typeof unknown === "object") return Object.values(unknown).some(hasUnknown);
  return false;
}

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

const SCHEMA_COMMAND = ["providers", "schema", "-json"];

/** The provider schemas, read once per process from an initialized directory (about 3 s, 13 MB). */
export function providerSchemas(initializedDir: string): Record<string, ProviderSchema> {
  schemaCache ??= (JSON.parse(terraform(initializedDir, SCHEMA_COMMAND).stdout) as { provider_schemas: Record<string, ProviderSchema> }).provider_schemas;
  return schemaCache;
}

/** `providerSchemas` without blocking; read once per process too. */
async function providerSchemasAsync(initializedDir: string): Promise<Record<string, ProviderSchema>> {
  schemaPromise ??= terraformAsync(initializedDir, SCHEMA_COMMAND).then((run) => (JSON.parse(run.stdout) as { provider_schemas: Record<string, ProviderSchema> }).provider_schemas);
  return (schemaCache ??= await schemaPromise);
}
let schemaPromise: Promise<Record<string, ProviderSchema>> | undefined;

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
  aws_vpc: { prefix: "vpc-", arn: "vpc" },
  aws_eip: { prefix: "eipalloc-", arn: "elastic-ip" },
};

/** Computed values AWS gives that are not ids, by resource type and attribute. */
const KNOWN_COMPUTED: Record<string, Record<string, unknown>> = {
  aws_default_security_group: { name: "default", description: "default VPC security group", name_prefix: "" },
  aws_security_group: { name_prefix: "" },
  aws_ec2_managed_prefix_list: { version: 1 },
};

/**
 * Computed values that rules read, made to look like AWS's: a group's generated name, an EIP's
 * public address, a VPC's Amazon-provided IPv6 block (from the documentation ranges), and no
 * source group on a rule that names none.
 */
const LOOKALIKES: Record<string, Record<string, (ctx: FillContext, n: number) => unknown>> = {
  aws_security_group: {
    // Terraform's generated names: the prefix (or "terraform-"), a timestamp and a counter.
    name: ({ c }, n) => `${typeof c.change.after?.name_prefix === "string" ? c.change.after.name_prefix : "terraform-"}202601010000000000${n.toString(16).padStart(8, "0")}`,
  },
  aws_security_group_rule: { source_security_group_id: () => null },
  aws_vpc: { ipv6_cidr_block: ({ c }, n) => (c.change.after?.assign_generated_ipv6_cidr_block === true ? `2001:db8:${n.toString(16)}00::/56` : "") },
  aws_eip: {
    public_ip: (_ctx, n) => `192.0.2.${n}`,
    public_dns: (_ctx, n) => `ec2-192-0-2-${n}.compute-1.amazonaws.com`,
    allocation_id: ({ f, c }) => f.ids.get(c.address),
  },
};

interface Fabrication {
  plan: ChangePlanJson;
  schemas: Record<string, ProviderSchema>;
  region: string;
  counters: Map<string, number>;
  ids: Map<string, string>;
  /** The number in each instance's fake id, for values numbered alike (sg-...3 and its name). */
  numbers: Map<string, number>;
  done: Map<string, Record<string, unknown>>;
  inProgress: Set<string>;
  changes: Map<string, ResourceChangeJson>;
  /** Configuration resources by module path (without instance keys) and address: `module.web.aws_security_group.this`. */
  config: Map<string, ConfigResource>;
  standIns: string[];
}

/** A fabricated state, and where it holds stand-ins for values only Terraform can evaluate. */
export interface FabricatedState {
  state: TerraformState;
  /** `address.attribute` of every configured value that was unknown and could not be evaluated here (guessed or stood in for). */
  standIns: string[];
}

/**
 * A state in which every resource instance the plan creates exists with its planned values.
 * Pure: the same plan gives the same state. Throws on what it does not support (a plan that
 * does more than create) rather than fabricating something wrong.
 */
export function stateFromPlan(plan: ChangePlanJson, schemas: Record<string, ProviderSchema>, lineageSeed = "sgc"): TerraformState {
  return fabricateState(plan, schemas, lineageSeed).state;
}

/** `stateFromPlan`, with the list of guesses and stand-ins that Terraform still has to evaluate (see `planAgainstOwnState`). */
export function fabricateState(plan: ChangePlanJson, schemas: Record<string, ProviderSchema>, lineageSeed = "sgc"): FabricatedState {
  const changes = plan.resource_changes.filter((c) => c.mode === "managed");
  for (const c of changes) {
    if (c.change.actions.join(",") !== "create") throw new Error(`prior-state: ${c.address}: the base plan must only create (got ${c.change.actions.join(",")})`);
  }
  const region = String(constantOf(plan.configuration.provider_config?.aws, "region") ?? "us-east-1");
  const f: Fabrication = {
    plan,
    schemas,
    region,
    counters: new Map(),
    ids: new Map(),
    numbers: new Map(),
    done: new Map(),
    inProgress: new Set(),
    changes: new Map(changes.map((c) => [c.address, c])),
    config: configResources(plan.configuration.root_module),
    standIns: [],
  };
  // Ids are numbered in address order, per prefix: sg-00000000000000001, sg-00000000000000002, ...
  const sorted = [...changes].sort((a, b) => compareAddresses(a.address, b.address));
  for (const c of sorted) {
    const { id, n } = fakeId(f, c.type);
    f.ids.set(c.address, id);
    f.numbers.set(c.address, n);
  }

  // One state resource per module instance, type and name; one instance per index.
  const byResource = new Map<string, ResourceChangeJson[]>();
  for (const c of sorted) {
    const key = `${c.module_address ?? ""}\u0000${c.type}\u0000${c.name}`;
    byResource.set(key, [...(byResource.get(key) ?? []), c]);
  }
  const resources: StateResource[] = [...byResource.values()].map((instances) => {
    const first = instances[0];
    const config = f.config.get(configAddress(first));
    const schema = resourceSchema(f, first);
    const modulePath = first.module_address ? `${stripKeys(first.module_address)}.` : "";
    const created = new Set([...f.changes.values()].map(configAddress));
    const dependencies = [...new Set(Object.values(config?.expressions ?? {}).flatMap((e) => referencesIn(e)).map((r) => resourceOfReference(r)?.address))]
      .filter((a): a is string => a !== undefined)
      .map((a) => `${modulePath}${a}`)
      .filter((a) => a !== configAddress(first) && created.has(a))
      .sort();
    return {
      ...(first.module_address ? { module: first.module_address } : {}),
      mode: "managed",
      type: first.type,
      name: first.name,
      provider: providerAddress(first, config),
      instances: instances
        .sort((a, b) => compareKeys(a.index, b.index))
        .map((c) => ({
          ...(c.index !== undefined ? { index_key: c.index } : {}),
          schema_version: schema.version,
          attributes: attributesOf(f, c.address),
          sensitive_attributes: [],
          ...(dependencies.length > 0 ? { dependencies } : {}),
        })),
    };
  });

  const outputs: TerraformState["outputs"] = {};
  for (const [name, output] of Object.entries(plan.planned_values.outputs ?? {})) {
    let value = output.value;
    if (hasUnknown(plan.output_changes?.[name]?.after_unknown)) {
      value = evaluateTemplate(f, "", plan.configuration.root_module.outputs?.[name]?.expression);
      if (value === undefined) {
        // Left out: the settling plans add it once Terraform knows it.
        f.standIns.push(`output.${name}`);
        continue;
      }
    }
    if (value === undefined) throw new Error(`prior-state: output ${name}: no value`);
    outputs[name] = { value, type: typeOfValue(value), ...(output.sensitive ? { sensitive: true } : {}) };
  }

  const lineage = createHash("sha256").update(lineageSeed).digest("hex");
  return {
    state: {
      version: 4,
      terraform_version: "1.11.4",
      serial: 1,
      lineage: `${lineage.slice(0, 8)}-${lineage.slice(8, 12)}-${lineage.slice(12, 16)}-${lineage.slice(16, 20)}-${lineage.slice(20, 32)}`,
      outputs,
      resources,
      check_results: null,
    },
    standIns: f.standIns,
  };
}

/** Every resource of a configuration, keyed by its module path and address (`module.a.module.b.aws_x.y`). */
function configResources(root: ConfigModule): Map<string, ConfigResource> {
  const out = new Map<string, ConfigResource>();
  const walk = (module: ConfigModule | undefined, prefix: string) => {
    for (const r of module?.resources ?? []) out.set(`${prefix}${r.address}`, r);
    for (const [name, call] of Object.entries(module?.module_calls ?? {})) walk(call.module, `${prefix}module.${name}.`);
  };
  walk(root, "");
  return out;
}

/** The configuration address of a resource instance: its module path without instance keys, type and name. */
function configAddress(c: ResourceChangeJson): string {
  return `${c.module_address ? `${stripKeys(c.module_address)}.` : ""}${c.type}.${c.name}`;
}

/** `module.a["x"].module.b[0]` -> `module.a.module.b`. */
function stripKeys(moduleAddress: string): string {
  return moduleAddress.replace(/\[(?:"(?:[^"\\]|\\.)*"|\d+)\]/g, "");
}

function compareAddresses(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Count indexes in numeric order, for_each keys in text order. */
function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return compareAddresses(String(a), String(b));
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

/** The full attribute object of one resource instance, fabricated once (references first). */
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
  const expressions = f.config.get(configAddress(c))?.expressions ?? {};
  const attributes: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(topLevelTypes(block))) {
    const ctx = { f, c, attribute: name };
    const configured = name in expressions;
    if (configured && hasUnknown(unknown[name])) {
      // A configured value unknown until apply comes from other resources' unknowns: evaluated
      // here when the configuration gives its text; else guessed (the value it refers to,
      // right for `x = aws_y.z.id`) or stood in for, and Terraform corrects it while settling.
      const expression = expressions[name] as ConfigExpression;
      const evaluated = unknown[name] === true ? evaluateTemplate(f, c.module_address ?? "", expression) : undefined;
      if (evaluated !== undefined) {
        attributes[name] = evaluated;
        continue;
      }
      f.standIns.push(`${address}.${name}`);
      const guessed = unknown[name] === true ? guessFromReference(f, c.module_address ?? "", expression, type) : undefined;
      attributes[name] = guessed !== undefined ? guessed : fill(type, after[name], unknown[name], ctx);
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
  const lookalike = LOOKALIKES[c.type]?.[attribute];
  if (lookalike) return lookalike(ctx, f.numbers.get(c.address) ?? 0);
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

function fakeId(f: Fabrication, type: string): { id: string; n: number } {
  const prefix = ID_KINDS[type]?.prefix ?? `${type.replace(/^aws_/, "").replace(/_/g, "-")}-`;
  const n = (f.counters.get(prefix) ?? 0) + 1;
  f.counters.set(prefix, n);
  return { id: `${prefix}${String(n).padStart(17, "0")}`, n };
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

/** "aws_security_group.web.id" -> the resource address and the attribute path after it (module-relative). */
function resourceOfReference(reference: string): { address: string; path: string[] } | undefined {
  const parts = reference.split(".");
  if (["var", "local", "module", "data", "path", "terraform", "count", "each", "self"].includes(parts[0])) return undefined;
  if (parts.length < 2 || /\[/.test(parts[1])) return undefined;
  return { address: `${parts[0]}.${parts[1]}`, path: parts.slice(2) };
}

/** The value of a reference to another planned resource's attribute, or undefined when it is not one this fabrication can follow. */
function valueOfReference(f: Fabrication, moduleAddress: string, reference: string): unknown {
  const target = resourceOfReference(reference);
  const address = target && `${moduleAddress ? `${moduleAddress}.` : ""}${target.address}`;
  if (!target || !address || !f.changes.has(address)) return undefined;
  let value: unknown = attributesOf(f, address);
  for (const step of target.path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/**
 * Evaluates an expression whose value was unknown at plan time, when the configuration gives
 * its text: a JSON configuration's expression is its template, "${aws_security_group.web.id}"
 * is the referenced value itself, and a longer template has each "${reference}" replaced.
 * Undefined for HCL (no text) and for anything but plain references to resources.
 */
function evaluateTemplate(f: Fabrication, moduleAddress: string, expression: ConfigExpression | undefined): unknown {
  const text = expression?.constant_value;
  if (typeof text !== "string" || (expression?.references ?? []).length === 0) return undefined;
  const whole = /^\$\{\s*([A-Za-z0-9_.-]+)\s*\}$/.exec(text);
  if (whole) return valueOfReference(f, moduleAddress, whole[1]);
  if (!/\$\{/.test(text.replace(/\$\$\{/g, ""))) return undefined;
  let complete = true;
  const replaced = text.replace(/(\$?)\$\{\s*([^}]*?)\s*\}/g, (all, escape: string, reference: string) => {
    if (escape) return all.slice(1);
    const value = /^[A-Za-z0-9_.-]+$/.test(reference) ? valueOfReference(f, moduleAddress, reference) : undefined;
    if (value === undefined || (typeof value === "object" && value !== null)) complete = false;
    return String(value);
  });
  return complete ? replaced : undefined;
}

/**
 * HCL's expressions come without their text: the value of the first resource attribute an
 * expression refers to (`aws_vpc.main.id`, `aws_security_group.tier["db"].id`), as the
 * attribute's type wants it. Only a guess: `"${aws_eip.nat.public_ip}/32"` has the same references.
 */
function guessFromReference(f: Fabrication, moduleAddress: string, expression: ConfigExpression | undefined, type: FillType): unknown {
  const match = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(\[(?:"[^"]*"|\d+)\])?((?:\.[A-Za-z0-9_-]+)+)$/.exec(expression?.references?.[0] ?? "");
  if (!match || ["var", "local", "module", "data", "path", "terraform", "count", "each", "self"].includes(match[1])) return undefined;
  const address = `${moduleAddress ? `${moduleAddress}.` : ""}${match[1]}.${match[2]}${match[3] ?? ""}`;
  if (!f.changes.has(address)) return undefined;
  let value: unknown = attributesOf(f, address);
  for (const step of match[4].slice(1).split(".")) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[step] : undefined;
  if (typeof value !== "string") return undefined;
  if (type.kind === "primitive" && type.name === "string") return value;
  if (type.kind === "list" && type.element.kind === "primitive" && type.element.name === "string") return [value];
  return undefined;
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

/** What Terraform writes into a stack directory; never copied as part of the configuration. */
const RUN_OUTPUTS = new Set([".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup", "plan.bin", "plan.json", "offline_override.tf.json"]);

/** What a plan leaves in a stack directory. */
const PLAN_OUTPUTS = new Set(["terraform.tfstate", "terraform.tfstate.backup", "plan.bin", "plan.json"]);

/** Copies a stack's configuration (with its module folders, without Terraform's own files) into a fresh temp dir. */
function copyStack(stackDir: string, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(stackDir, dir, { recursive: true, filter: (src) => src === stackDir || !RUN_OUTPUTS.has(basename(src)) });
  return dir;
}

/** The configuration files of a stack, module folders included, as paths relative to it (sorted). */
function stackFiles(stackDir: string, sub = ""): string[] {
  return readdirSync(join(stackDir, sub))
    .filter((name) => !RUN_OUTPUTS.has(name))
    .sort()
    .flatMap((name) => (statSync(join(stackDir, sub, name)).isDirectory() ? stackFiles(stackDir, join(sub, name)) : [join(sub, name)]));
}

/** What identifies a configuration: the content of its files, module folders included. */
export function configurationKey(stackDir: string): string {
  const hash = createHash("sha256");
  for (const file of stackFiles(stackDir)) hash.update(file).update("\0").update(readFileSync(join(stackDir, file))).update("\0");
  return hash.digest("hex");
}
