import { existsSync, statSync } from "fs";
import { dirname, join } from "path";
import { formatModule, parseResourceAddress } from "./address";
import { compareConfigurations } from "./compare";
import { ConfigModule, ConfigProblem, configDirProblem, configurationFiles, moduleFromJsonSyntax, moduleFromPlan, planVariables, readConfiguration } from "./configuration";
import { rootVariableValues } from "./variables";
import { Instance, TerraformView } from "./view";

/**
 * The Terraform stage: what Terraform itself means by a configuration (`cdk.tf.json`, `.tf`
 * files), a plan (`terraform show -json PLANFILE`) and a state (`terraform show -json`), read
 * into views of resource instances with exact addresses, whose attribute values are known or
 * resolved through the configuration. It knows nothing of AWS; src/targets/aws reads the views.
 */

/** The kinds of Terraform input. */
export type TerraformKind = "terraform" | "plan" | "state";

/** One resource change of a plan, as reviews read it. */
export interface ResourceChange {
  address: string;
  type: string;
  mode: string;
  actions: string[];
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  replacePaths: string[];
  actionReason?: string;
}

/** A Terraform input read: the version it describes, and for a plan what it changes from. */
export interface TerraformInput {
  kind: TerraformKind;
  /** The configuration's instances, the plan's planned values, or the state. */
  view: TerraformView;
  /** A plan's prior state (empty for a first apply). */
  prior?: TerraformView;
  changes?: ResourceChange[];
  /** Where the configuration's expressions came from. */
  configuration: { dir?: string; detail: "full" | "references" | "none" };
}

/** A problem with the input: at a JSON path of the input file, or at a place in a configuration file. */
export type TerraformProblem = ConfigProblem;

/** Options for reading a Terraform input. */
export interface ReadOptions {
  /** The input file (for messages and to find the configuration beside a plan). */
  file: string;
  /** Where the plan's configuration (.tf files) is; by default the plan file's folder, when it holds any. */
  configDir?: string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Reads a Terraform input of a known kind. */
export async function readTerraform(kind: TerraformKind, json: Json, options: ReadOptions): Promise<{ ok: true; input: TerraformInput } | { ok: false; problems: TerraformProblem[] }> {
  const problems: TerraformProblem[] = [];
  const problem = (path: (string | number)[], message: string) => problems.push({ file: options.file, path, message });
  if (kind === "terraform") {
    const dir = dirname(options.file);
    // Terraform reads the whole folder, override files included, and its variable files.
    const { root, problems: configProblems } = await readConfiguration(dir, [{ file: options.file, json }]);
    problems.push(...configProblems);
    const assigned = await rootVariableValues(dir, root);
    problems.push(...assigned.problems);
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, input: { kind, view: new TerraformView({ root, assigned: assigned.values }), configuration: { dir, detail: "full" } } };
  }
  if (kind === "state") {
    const values = json.values;
    if (values !== undefined && !isObject(values)) problem(["values"], "a state's values must be an object");
    const instances = isObject(values) ? moduleInstances(values.root_module, ["values", "root_module"], problem) : [];
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, input: { kind, view: new TerraformView({ instances }), configuration: { detail: "none" } } };
  }

  const planned = isObject(json.planned_values) ? json.planned_values : (problem(["planned_values"], "a plan's planned_values must be an object"), {});
  const unknowns = new Map<string, unknown>();
  const changes = resourceChanges(json.resource_changes, problem);
  for (const c of changes) unknowns.set(c.address, c.unknown);
  const instances = moduleInstances((planned as Json).root_module, ["planned_values", "root_module"], problem, unknowns);
  let priorInstances: Instance[] = [];
  if (json.prior_state !== undefined && json.prior_state !== null) {
    if (!isObject(json.prior_state)) problem(["prior_state"], "a plan's prior_state must be an object");
    else if (json.prior_state.values !== undefined && !isObject(json.prior_state.values)) problem(["prior_state", "values"], "prior_state.values must be an object");
    else if (isObject(json.prior_state.values)) priorInstances = moduleInstances(json.prior_state.values.root_module, ["prior_state", "values", "root_module"], problem);
  }
  // Data sources are read while planning: their values are in the prior state.
  const plannedAddresses = new Set(instances.map((i) => i.address));
  for (const i of priorInstances) if (i.mode === "data" && !plannedAddresses.has(i.address)) instances.push(i);
  if (json.configuration !== undefined && !isObject(json.configuration)) problem(["configuration"], "a plan's configuration must be an object");
  if (json.variables !== undefined && !isObject(json.variables)) problem(["variables"], "a plan's variables must be an object");
  if (problems.length > 0) return { ok: false, problems };

  const fromPlan = moduleFromPlan(isObject(json.configuration) ? json.configuration.root_module : undefined);
  const dir = options.configDir ?? defaultConfigDir(options.file);
  let root: ConfigModule = fromPlan;
  const unusable = options.configDir !== undefined ? configDirProblem(options.configDir) : undefined;
  if (unusable) return { ok: false, problems: [{ code: "config-dir", file: options.configDir!, line: 0, column: 0, message: unusable }] };
  if (dir !== undefined) {
    const read = await readConfiguration(dir);
    problems.push(...read.problems);
    const mismatch = compareConfigurations(fromPlan, read.root);
    if (mismatch) problems.push({ file: options.configDir ? dir : options.file, line: 1, column: 1, message: `${dir} does not hold the configuration this plan was made from: ${mismatch} (pass --config DIR with the folder where terraform plan ran)` });
    if (problems.length > 0) return { ok: false, problems };
    root = withPlanModules(read.root, fromPlan);
  }
  const variables = planVariables(json);
  const view = new TerraformView({ instances, root, variables });
  const prior = new TerraformView({ instances: priorInstances, root, variables });
  return { ok: true, input: { kind, view, prior, changes: changes.map((c) => c.change), configuration: { ...(dir !== undefined ? { dir } : {}), detail: dir !== undefined ? "full" : "references" } } };
}

/** The plan file's folder, when it holds configuration files. */
function defaultConfigDir(file: string): string | undefined {
  const dir = dirname(file);
  if (file === "-" || !existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  return configurationFiles(dir).some((f) => join(dir, f) !== file && !f.endsWith("_override.tf.json")) ? dir : undefined;
}

/** The configuration from files, with the plan's version of each module whose files were not found. */
function withPlanModules(files: ConfigModule, plan: ConfigModule): ConfigModule {
  for (const [name, call] of files.calls) {
    const planned = plan.calls.get(name);
    if (!call.module && planned?.module) {
      call.module = planned.module;
      delete call.missing;
    } else if (call.module && planned?.module) withPlanModules(call.module, planned.module);
  }
  return files;
}

/** A plan's resource changes, checked for shape, with each one's `after_unknown`. */
function resourceChanges(value: unknown, problem: (path: (string | number)[], message: string) => void): { address: string; unknown: unknown; change: ResourceChange }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problem(["resource_changes"], "a plan's resource_changes must be an array");
    return [];
  }
  const out: { address: string; unknown: unknown; change: ResourceChange }[] = [];
  value.forEach((c, n) => {
    const at = ["resource_changes", n];
    if (!isObject(c) || typeof c.address !== "string" || typeof c.type !== "string") {
      problem(at, "each resource change must be an object with an address and a type");
      return;
    }
    const change = c.change;
    if (!isObject(change) || !Array.isArray(change.actions) || !change.actions.every((a) => typeof a === "string")) {
      problem([...at, "change"], "a resource change needs a change object with a list of actions");
      return;
    }
    for (const key of ["before", "after"] as const) {
      if (change[key] !== undefined && change[key] !== null && !isObject(change[key])) problem([...at, "change", key], `change.${key} must be an object or null`);
    }
    const replacePaths = Array.isArray(change.replace_paths) ? change.replace_paths.map((p) => (Array.isArray(p) ? p.join(".") : String(p))) : [];
    out.push({
      address: c.address,
      unknown: change.after_unknown,
      change: {
        address: c.address,
        type: c.type,
        mode: typeof c.mode === "string" ? c.mode : "managed",
        actions: change.actions as string[],
        before: isObject(change.before) ? change.before : null,
        after: isObject(change.after) ? change.after : null,
        replacePaths,
        ...(typeof c.action_reason === "string" ? { actionReason: c.action_reason } : {}),
      },
    });
  });
  return out;
}

/** The resource instances of a module tree of planned values or a state, checked for shape. */
function moduleInstances(module: unknown, at: (string | number)[], problem: (path: (string | number)[], message: string) => void, unknowns?: Map<string, unknown>): Instance[] {
  const out: Instance[] = [];
  const walk = (m: unknown, path: (string | number)[], depth: number) => {
    if (m === undefined || m === null) return;
    if (!isObject(m)) return problem(path, "a module must be an object");
    if (depth > 64) return problem(path, "modules nest too deeply");
    if (m.resources !== undefined) {
      if (!Array.isArray(m.resources)) problem([...path, "resources"], "resources must be an array");
      else {
        m.resources.forEach((r, n) => {
          const rAt = [...path, "resources", n];
          if (!isObject(r)) return problem(rAt, "each resource must be an object");
          if (typeof r.address !== "string") return problem(rAt, "a resource needs its address");
          const parsed = parseResourceAddress(r.address);
          if (!parsed) return problem([...rAt, "address"], `${JSON.stringify(r.address)} is not a resource address`);
          if (r.values !== undefined && r.values !== null && !isObject(r.values)) return problem([...rAt, "values"], "a resource's values must be an object");
          out.push({
            address: r.address,
            module: parsed.module,
            moduleAddress: formatModule(parsed.module),
            mode: parsed.mode,
            type: parsed.type,
            name: parsed.name,
            ...(parsed.key !== undefined ? { key: parsed.key } : {}),
            values: isObject(r.values) ? r.values : {},
            ...(unknowns?.get(r.address) !== undefined ? { unknown: unknowns.get(r.address) } : {}),
          });
        });
      }
    }
    if (m.child_modules !== undefined) {
      if (!Array.isArray(m.child_modules)) problem([...path, "child_modules"], "child_modules must be an array");
      else m.child_modules.forEach((c, n) => walk(c, [...path, "child_modules", n], depth + 1));
    }
  };
  walk(module, at, 0);
  return out;
}

/**
 * A view of one JSON-syntax configuration document on its own, synchronously: module calls
 * are not followed (what they output is unknown). For tests and callers that hold one document.
 */
export function viewOfConfigurationJson(json: unknown, file: string): { view: TerraformView; problems: TerraformProblem[] } {
  const { module, problems } = moduleFromJsonSyntax([{ file, json }], "", dirname(file));
  return { view: new TerraformView({ root: module }), problems };
}

export { TerraformView } from "./view";
export type { Instance } from "./view";
