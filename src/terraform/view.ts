import { formatModule, formatResource, InstanceKey, moduleConfigKey, ModuleStep, parseResourceAddress } from "./address";
import { ConfigModule, ConfigResource, locateResource, ModuleCall } from "./configuration";
import { evaluate, Scope } from "./evaluate";
import { Expr } from "./hcl/syntax";
import { convert, forEachKeys } from "./types";
import { LIMITS } from "../validate/limits";
import { anything, describeValue, Failure, fromJson, isUnknown, isWhollyKnown, Lazy, mapCandidates, ObjectValue, reasonsOf, Ref, toNumber, Unknown, Value, valueKey } from "./values";

/**
 * Terraform's view of one version of the infrastructure: resource instances with exact
 * addresses and instance keys, and, for each attribute, its value. A value comes from what
 * Terraform knows (a plan's planned values, a state); where Terraform knows it only after apply,
 * from the configuration's expression, evaluated through locals, variables and module outputs;
 * where there is no expression (a group's `id`), it is a `Ref` to that instance's attribute.
 */

type Json = Record<string, unknown>;

/** One resource instance. */
export interface Instance {
  address: string;
  module: ModuleStep[];
  moduleAddress: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  key?: number | string;
  /** What Terraform knows of it (planned values or state); absent for a configuration alone. */
  values?: Json;
  /** A plan's `after_unknown`: `true` where a value is known only after apply. */
  unknown?: unknown;
  /** Why the instances of a resource could not be listed (an unknown `count`). */
  unexpanded?: string;
}

/** Whether a path of a value is known, unknown, or known only in part (a list with unknown elements). */
type Knowledge = "known" | "unknown" | "partial";

/** What the view is built from. */
export interface ViewSource {
  /** The instances Terraform knows; undefined to expand them from the configuration. */
  instances?: Instance[];
  /** The root module's configuration, when there is one. */
  root?: ConfigModule;
  /** Values of the root module's variables (a plan's `variables`). */
  variables?: Map<string, unknown>;
  /**
   * Values some root variables are given where Terraform finds them on its own (tfvars files,
   * the environment): the others keep their default, or are unknown.
   */
  assigned?: Map<string, Value>;
}

/** Resource instances and the values of their attributes. */
export class TerraformView {
  private readonly byResource = new Map<string, Instance[]>();
  private readonly moduleKeys = new Map<string, Set<string>>();
  private readonly memo = new Map<string, Value>();
  private readonly inProgress = new Set<string>();
  private readonly configs = new Map<string, ConfigModule | undefined>();
  private readonly list: Instance[];

  constructor(private readonly source: ViewSource) {
    this.list = source.instances ?? [];
    for (const i of this.list) this.index(i);
    if (!source.instances && source.root) this.expand([], source.root);
  }

  /** Parts of a configuration whose resources could not be listed (a module not found, an unknown count). */
  readonly gaps: { address: string; reason: string }[] = [];

  /** Every resource instance, in address order. */
  instances(): Instance[] {
    return [...this.list].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  private index(i: Instance): void {
    const id = resourceId(i.moduleAddress, i.mode, i.type, i.name);
    const known = this.byResource.get(id);
    if (known) known.push(i);
    else this.byResource.set(id, [i]);
    for (let n = 1; n <= i.module.length; n++) {
      const parent = formatModule(i.module.slice(0, n - 1));
      const call = `${parent}\u0000${i.module[n - 1].name}`;
      const keys = this.moduleKeys.get(call) ?? new Set<string>();
      keys.add(JSON.stringify(i.module[n - 1].key ?? null));
      this.moduleKeys.set(call, keys);
    }
  }

  /** The configuration of the module an instance path is in, when there is one. */
  config(path: readonly ModuleStep[]): ConfigModule | undefined {
    const key = moduleConfigKey(path);
    if (this.configs.has(key)) return this.configs.get(key);
    let module = this.source.root;
    for (const step of path) module = module?.calls.get(step.name)?.module;
    this.configs.set(key, module);
    return module;
  }

  private readonly resourceConfigs = new Map<Instance, ConfigResource | undefined>();

  /** An instance's resource configuration, when there is one. */
  resourceConfig(instance: Instance): ConfigResource | undefined {
    // Asked for each attribute read and each reference to the instance: looked up once.
    let config = this.resourceConfigs.get(instance);
    if (config === undefined && !this.resourceConfigs.has(instance)) {
      config = this.config(instance.module)?.resources.get(`${instance.mode === "data" ? "data." : ""}${instance.type}.${instance.name}`);
      this.resourceConfigs.set(instance, config);
    }
    return config;
  }

  private readonly declarations = new Map<ConfigResource, { file: string; line: number; column: number } | undefined>();

  /** Where the configuration's files declare the resource of an instance address; undefined when sgc did not read it from files. */
  declaration(address: string): { file: string; line: number; column: number } | undefined {
    const parsed = parseResourceAddress(address);
    const resource = parsed && this.config(parsed.module)?.resources.get(`${parsed.mode === "data" ? "data." : ""}${parsed.type}.${parsed.name}`);
    if (!resource) return undefined;
    if (!this.declarations.has(resource)) this.declarations.set(resource, locateResource(resource));
    return this.declarations.get(resource);
  }

  /**
   * The value of an attribute of an instance: known from Terraform, else its configuration's
   * expression evaluated, else a Ref to it (known only after apply). An attribute the
   * configuration does not set is null, unless the provider computes it (`computed`: an id, a
   * generated name), which is then known only after apply.
   */
  attribute(instance: Instance, path: readonly (string | number)[], computed = false): Value {
    let knowledge: Knowledge = "unknown";
    if (instance.values) {
      knowledge = knowledgeAt(instance.unknown, path);
      if (knowledge === "known") return fromJson(dig(instance.values, path) ?? null);
    }
    const config = this.resourceConfig(instance);
    const expr = config?.attribute(String(path[0]));
    const detailed = this.config(instance.module)?.detail === "full";
    if (expr && (detailed || knowledge === "unknown")) {
      // Memoized, which also turns a cycle of references (that Terraform would refuse) into an error.
      let value = this.memoized(`attr\u0000${instance.address}\u0000${String(path[0])}`, () => this.evaluateIn(instance, expr));
      for (const p of path.slice(1)) value = stepInto(value, p);
      // What the plan knows always wins: the configuration only fills in what it does not know.
      return knowledge === "partial" ? fill(dig(instance.values, path), subMask(instance.unknown, path), value) : value;
    }
    if (instance.values && knowledge === "partial") {
      // The plan's configuration keeps no per-element expressions: the unknown parts of a list
      // of blocks may be anything its expression refers to.
      const candidates = expr ? this.evaluateIn(instance, expr) : undefined;
      return withUnknowns(dig(instance.values, path), subMask(instance.unknown, path), [...path], instance.address, candidates);
    }
    if (instance.unexpanded) return anything(instance.unexpanded);
    // An attribute the configuration does not set is null, unless the provider computes it;
    // a plan shows an optional and computed attribute (a rule's source group) as unknown even so.
    if (!computed && config && !expr && (!instance.values || knowledge === "unknown")) return null;
    return new Ref(instance.address, path);
  }

  /** Evaluates an expression in an instance's scope (`count.index`, `each.key`, `each.value`). */
  evaluateIn(instance: Instance, expr: Expr): Value {
    return evaluate(expr, this.instanceScope(instance));
  }

  private instanceScope(instance: Instance): Scope {
    const module = this.moduleScope(instance.module);
    const config = this.resourceConfig(instance);
    return {
      reference: (root, steps, evaluateKey) => {
        if (root === "count" && steps[0]?.type === "attr" && steps[0].name === "index") {
          return { value: typeof instance.key === "number" ? instance.key : new Failure("count.index outside a resource with count"), used: 1 };
        }
        if (root === "each" && steps[0]?.type === "attr") {
          if (steps[0].name === "key") return { value: typeof instance.key === "string" ? instance.key : new Failure("each.key outside a resource with for_each"), used: 1 };
          if (steps[0].name === "value") return { value: this.eachValue(instance.module, config, instance.key, `${instance.moduleAddress}\u0000${instance.mode === "data" ? "data." : ""}${instance.type}.${instance.name}`), used: 1 };
        }
        if (root === "self") return { value: this.instanceObject(instance), used: 0 };
        return module.reference(root, steps, evaluateKey);
      },
    };
  }

  /** `each.value` of one instance of a resource or module call with `for_each`. */
  private eachValue(path: readonly ModuleStep[], holder: { forEach?: Expr } | undefined, key: InstanceKey, memoKey: string): Value {
    if (typeof key !== "string") return new Failure("each.value outside a for_each");
    if (!holder?.forEach) return anything(`the for_each of ${memoKey.replace("\u0000", ".")} is not in the configuration`);
    const all = this.memoized(`each\u0000${memoKey}`, () => evaluate(holder.forEach!, this.moduleScope(path)));
    const pairs = forEachKeys(all);
    if (!pairs) return all instanceof Failure ? all : anything(`the for_each value is not known`, [all]);
    const found = pairs.find((p) => p.key === key);
    return found ? found.value : new Failure(`the for_each value has no key ${JSON.stringify(key)}`);
  }

  private readonly moduleScopes = new Map<string, Scope>();

  /** The scope of a module instance: its variables, locals, resources and module calls. */
  moduleScope(path: readonly ModuleStep[]): Scope {
    const address = formatModule(path);
    const known = this.moduleScopes.get(address);
    if (known) return known;
    const config = this.config(path);
    const scope: Scope = {
      reference: (root, steps) => {
        const name = steps[0]?.type === "attr" ? steps[0].name : undefined;
        switch (root) {
          case "var":
            return name === undefined ? undefined : { value: this.variable(path, name), used: 1 };
          case "local":
            return name === undefined ? undefined : { value: this.local(path, name), used: 1 };
          case "module":
            return name === undefined ? undefined : { value: this.moduleCall(path, name), used: 1 };
          case "path":
            return { value: name === "module" ? config?.dir ?? "." : name === "root" ? this.source.root?.dir ?? "." : ".", used: 1 };
          case "terraform":
            // The workspace is chosen where Terraform runs, so sgc reads for any of them.
            return { value: anything(name === "workspace" ? "terraform.workspace is chosen when Terraform runs, not by the configuration" : `terraform.${name} is not known to sgc`), used: 1 };
          case "data": {
            const type = name;
            const label = steps[1]?.type === "attr" ? steps[1].name : undefined;
            if (type === undefined || label === undefined) return undefined;
            return { value: this.resourceValue(path, "data", type, label), used: 2 };
          }
          case "count":
          case "each":
          case "self":
            return { value: new Failure(`${root} is not available here`), used: 0 };
          default:
            if (name === undefined) return undefined;
            if (config && !config.resources.has(`${root}.${name}`) && !this.byResource.has(resourceId(address, "managed", root, name))) {
              return { value: new Failure(`${root}.${name} is not declared in ${address || "the root module"}`), used: 1 };
            }
            return { value: this.resourceValue(path, "managed", root, name), used: 1 };
        }
      },
    };
    this.moduleScopes.set(address, scope);
    return scope;
  }

  private memoized(key: string, compute: () => Value): Value {
    if (this.memo.has(key)) return this.memo.get(key)!;
    if (this.inProgress.has(key)) return new Failure(`a cycle of references through ${key.split("\u0000").filter(Boolean).join(" ")}`);
    if (this.inProgress.size > 300) return new Failure("references nest more than 300 deep");
    this.inProgress.add(key);
    try {
      const value = compute();
      this.memo.set(key, value);
      return value;
    } finally {
      this.inProgress.delete(key);
    }
  }

  /** `var.name` in a module instance: the root's variable values, or the module call's argument. */
  variable(path: readonly ModuleStep[], name: string): Value {
    return this.memoized(`var\u0000${formatModule(path)}\u0000${name}`, () => {
      const config = this.config(path);
      const declared = config?.variables.get(name);
      const fallback = (): Value => {
        if (declared?.default) return evaluate(declared.default, EMPTY_SCOPE);
        if (config && !declared && config.detail === "full") return new Failure(`var.${name} is not declared`);
        return declared ? null : anything(`var.${name} has no value sgc can see`);
      };
      let value: Value;
      if (path.length === 0) {
        const given = this.source.variables;
        const assigned = this.source.assigned;
        if (given?.has(name)) value = fromJson(given.get(name));
        else if (assigned?.has(name)) value = assigned.get(name)!;
        else if (given || declared?.default) value = fallback();
        else value = anything(`var.${name} is set when Terraform runs, and sgc does not know its value`);
      } else {
        const parentPath = path.slice(0, -1);
        const step = path[path.length - 1];
        const call = this.config(parentPath)?.calls.get(step.name);
        const arg = call?.args.get(name);
        value = arg ? evaluate(arg, this.callScope(parentPath, call!, step.key)) : call ? fallback() : anything(`module ${formatModule(path)} is not in the configuration`);
        if (value === null && declared?.nonNullable) value = fallback();
      }
      return convert(value, declared?.type);
    });
  }

  /** The scope a module call's arguments are evaluated in: its parent's, with `count`/`each` of one instance. */
  private callScope(parentPath: readonly ModuleStep[], call: ModuleCall, key: InstanceKey): Scope {
    const parent = this.moduleScope(parentPath);
    return {
      reference: (root, steps, evaluateKey) => {
        if (root === "count" && steps[0]?.type === "attr" && steps[0].name === "index") return { value: typeof key === "number" ? key : new Failure("count.index outside a module with count"), used: 1 };
        if (root === "each" && steps[0]?.type === "attr") {
          if (steps[0].name === "key") return { value: typeof key === "string" ? key : new Failure("each.key outside a module with for_each"), used: 1 };
          if (steps[0].name === "value") return { value: this.eachValue(parentPath, call, key, `${formatModule(parentPath)}\u0000module.${call.name}`), used: 1 };
        }
        return parent.reference(root, steps, evaluateKey);
      },
    };
  }

  /** `local.name` in a module instance; a plan's configuration has no locals. */
  local(path: readonly ModuleStep[], name: string): Value {
    return this.memoized(`local\u0000${formatModule(path)}\u0000${name}`, () => {
      const config = this.config(path);
      if (!config) return anything(`local.${name} of ${formatModule(path) || "the root module"}: sgc has no configuration for this module`);
      if (!config.locals) {
        return anything(`local.${name} is defined only in the configuration's .tf files, which sgc did not read (pass --config DIR, the folder where terraform plan ran)`);
      }
      const expr = config.locals.get(name);
      return expr ? evaluate(expr, this.moduleScope(path)) : new Failure(`local.${name} is not declared`);
    });
  }

  /** `module.name`: one module instance's outputs, or a list or map of them under count or for_each. */
  moduleCall(path: readonly ModuleStep[], name: string): Value {
    return this.memoized(`module\u0000${formatModule(path)}\u0000${name}`, () => {
      const call = this.config(path)?.calls.get(name);
      const seen = [...(this.moduleKeys.get(`${formatModule(path)}\u0000${name}`) ?? [])].map((k) => JSON.parse(k) as number | string | null);
      const object = (key: InstanceKey) => new ModuleObject(this, [...path, { name, ...(key !== undefined ? { key } : {}) }], call);
      const keys = this.callKeys(path, call, seen);
      if (keys instanceof Unknown || keys instanceof Failure) return keys;
      if (keys === "single") return object(undefined);
      if (keys.kind === "count") return keys.keys.map((k) => object(k));
      return new Map(keys.keys.map((k) => [k, object(k)] as [string, Value]));
    });
  }

  /** The instance keys of a module call: from its count or for_each, else from the instances seen. */
  private callKeys(path: readonly ModuleStep[], call: ModuleCall | undefined, seen: (number | string | null)[]): "single" | { kind: "count"; keys: number[] } | { kind: "for_each"; keys: string[] } | Unknown | Failure {
    const evaluated = (expr: Expr | undefined) => (expr ? evaluate(expr, this.moduleScope(path)) : undefined);
    const label = () => `${formatModule(path) ? `${formatModule(path)}.` : ""}module.${call!.name}`;
    if (call?.count) {
      const n = instanceCount(evaluated(call.count) as Value, label());
      if (typeof n === "number") return { kind: "count", keys: Array.from({ length: n }, (_, i) => i) };
      if (n instanceof Failure || seen.length === 0) return n;
    } else if (call?.forEach) {
      const pairs = forEachKeys(evaluated(call.forEach) as Value);
      if (pairs && pairs.length > LIMITS.instancesPerResource) return tooMany(label(), pairs.length);
      if (pairs) return { kind: "for_each", keys: pairs.map((p) => p.key) };
    } else if (call) return "single";
    if (seen.length > 0 && seen.every((k) => typeof k === "number")) return { kind: "count", keys: (seen as number[]).sort((a, b) => a - b) };
    if (seen.length > 0 && seen.every((k) => typeof k === "string")) return { kind: "for_each", keys: (seen as string[]).sort() };
    if (seen.length === 1 && seen[0] === null) return "single";
    return call ? anything(`the instances of module.${call.name} are not known`) : new Failure(`module "${formatModule(path)}" has no call to this module`);
  }

  /** A resource as an expression sees it: one instance, a list (count) or a map (for_each). */
  resourceValue(path: readonly ModuleStep[], mode: "managed" | "data", type: string, name: string): Value {
    const address = formatModule(path);
    const instances = this.byResource.get(resourceId(address, mode, type, name)) ?? [];
    const config = this.config(path)?.resources.get(`${mode === "data" ? "data." : ""}${type}.${name}`);
    const label = `${address ? `${address}.` : ""}${mode === "data" ? "data." : ""}${type}.${name}`;
    const unexpanded = instances.find((i) => i.unexpanded);
    if (unexpanded) return anything(unexpanded.unexpanded);
    const keyed = config ? (config.count ? "count" : config.forEach ? "for_each" : "single") : instances.some((i) => typeof i.key === "number") ? "count" : instances.some((i) => typeof i.key === "string") ? "for_each" : "single";
    if (keyed === "count") return instances.filter((i) => typeof i.key === "number").sort((a, b) => (a.key as number) - (b.key as number)).map((i) => this.instanceObject(i));
    if (keyed === "for_each") return new Map(instances.filter((i) => typeof i.key === "string").map((i) => [i.key as string, this.instanceObject(i)] as [string, Value]));
    const single = instances.find((i) => i.key === undefined);
    if (single) return this.instanceObject(single);
    if (mode === "data") return anything(`${label} was not read`);
    return new Failure(`${label} has no instance`);
  }

  private readonly objects = new Map<string, InstanceObject>();

  /** The Lazy object an expression sees for an instance. */
  instanceObject(instance: Instance): InstanceObject {
    let object = this.objects.get(instance.address);
    if (!object) this.objects.set(instance.address, (object = new InstanceObject(this, instance)));
    return object;
  }

  /** Resource instances listed so far from the configuration, against LIMITS.instances. */
  private expanded = 0;

  /** Lists a configuration's instances by evaluating `count` and `for_each` (when there is no plan or state). */
  private expand(path: ModuleStep[], config: ConfigModule): void {
    const moduleAddress = formatModule(path);
    const scope = this.moduleScope(path);
    for (const resource of config.resources.values()) {
      const base = { module: path, moduleAddress, mode: resource.mode, type: resource.type, name: resource.name };
      const add = (key: InstanceKey, unexpanded?: string) => {
        const instance: Instance = { ...base, address: formatResource({ ...base, ...(key !== undefined ? { key } : {}) }), ...(key !== undefined ? { key } : {}), ...(unexpanded ? { unexpanded } : {}) };
        this.list.push(instance);
        this.index(instance);
      };
      const label = `${moduleAddress ? `${moduleAddress}.` : ""}${resource.mode === "data" ? "data." : ""}${resource.type}.${resource.name}`;
      // Instances past the limit for all of the configuration leave the resource unexpanded, as unreadable.
      const overall = (n: number) => (this.expanded + n > LIMITS.instances ? `${label} would take the configuration past ${LIMITS.instances.toLocaleString("en-US")} resource instances, more than sgc expands (too many instances)` : undefined);
      let keys: InstanceKey[] | undefined;
      let reason: string | undefined;
      if (resource.count) {
        const n = instanceCount(evaluate(resource.count, scope), label);
        if (typeof n === "number") keys = Array.from({ length: n }, (_, i) => i);
        else reason = n instanceof Failure ? `${label} cannot be expanded: ${n.message}` : n.reasons.join("; ");
      } else if (resource.forEach) {
        const value = evaluate(resource.forEach, scope);
        const pairs = forEachKeys(value);
        if (!pairs) reason = value instanceof Failure ? `${label} cannot be expanded: ${value.message}` : `the for_each of ${label} is not known, so neither are its instances${because(value)}`;
        else if (pairs.length > LIMITS.instancesPerResource) reason = tooMany(label, pairs.length).reasons.join("; ");
        else keys = pairs.map((p) => p.key);
      } else keys = [undefined];
      reason ??= overall(keys!.length);
      if (reason !== undefined) {
        add(undefined, reason);
        continue;
      }
      this.expanded += keys!.length;
      for (const key of keys!) add(key);
    }
    for (const call of config.calls.values()) {
      const address = `${moduleAddress ? `${moduleAddress}.` : ""}module.${call.name}`;
      if (!call.module) {
        this.gaps.push({ address, reason: `its resources are not known: ${call.missing ?? "sgc did not find the module"}` });
        continue;
      }
      const keys = this.callKeys(path, call, []);
      if (keys instanceof Unknown || keys instanceof Failure) {
        this.gaps.push({ address, reason: `its instances are not known: ${keys instanceof Failure ? keys.message : keys.reasons.join("; ")}` });
        continue;
      }
      const list: InstanceKey[] = keys === "single" ? [undefined] : keys.keys;
      for (const key of list) {
        if (this.expanded >= LIMITS.instances) {
          this.gaps.push({ address, reason: `its instances would take the configuration past ${LIMITS.instances.toLocaleString("en-US")} resource instances, more than sgc expands (too many instances)` });
          break;
        }
        this.expand([...path, { name: call.name, ...(key !== undefined ? { key } : {}) }], call.module);
      }
    }
  }
}

/** A `count` as a number of instances, or why it is not one: not known, not a whole number, or more than sgc expands. */
function instanceCount(value: Value, label: string): number | Unknown | Failure {
  if (value instanceof Failure) return value;
  const n = toNumber(value);
  if (n === undefined) return anything(`the count of ${label} is not known, so neither are its instances`, [value]);
  if (!Number.isInteger(n) || n < 0) return new Failure(`the count of ${label} is ${describeValue(value)}, not a whole number of instances`);
  return n > LIMITS.instancesPerResource ? tooMany(label, n) : n;
}

/** Too many instances to list, as an unknown value that says so. */
function tooMany(label: string, n: number): Unknown {
  return anything(`${label} has ${n.toLocaleString("en-US")} instances; sgc expands at most ${LIMITS.instancesPerResource.toLocaleString("en-US")} (too many instances)`);
}

/** A scope with nothing in it, for constants (a variable's default). */
export const EMPTY_SCOPE: Scope = { reference: () => undefined };

/** Why a value is not known, as the end of a sentence: `: terraform.workspace is ...`. */
function because(value: Value): string {
  const reasons = [...new Set(reasonsOf(value))].slice(0, 3);
  return reasons.length > 0 ? `: ${reasons.join("; ")}` : "";
}

function resourceId(moduleAddress: string, mode: string, type: string, name: string): string {
  return `${moduleAddress}\u0000${mode}\u0000${type}\u0000${name}`;
}

/** A resource instance seen from an expression: its attributes, known or not. */
export class InstanceObject extends Lazy {
  readonly label: string;

  constructor(
    private readonly view: TerraformView,
    readonly instance: Instance,
  ) {
    super();
    this.label = instance.address;
  }

  get(name: string): Value {
    // Seen from another resource, an attribute the configuration does not set may be computed.
    return this.view.attribute(this.instance, [name], true);
  }

  keys(): string[] | undefined {
    return undefined;
  }
}

/** A module instance seen from an expression: its outputs. */
class ModuleObject extends Lazy {
  readonly label: string;

  constructor(
    private readonly view: TerraformView,
    private readonly path: ModuleStep[],
    private readonly call: ModuleCall | undefined,
  ) {
    super();
    this.label = formatModule(path);
  }

  get(name: string): Value {
    if (this.call?.missing) return anything(this.call.missing);
    const config = this.view.config(this.path);
    const expr = config?.outputs.get(name);
    if (!expr) return config ? new Failure(`${this.label} has no output "${name}"`) : anything(`${this.label}.${name}: sgc has no configuration for this module`);
    return evaluate(expr, this.view.moduleScope(this.path));
  }

  keys(): string[] | undefined {
    const config = this.view.config(this.path);
    return config ? [...config.outputs.keys()].sort() : undefined;
  }
}

/** A JSON object's own member: keys come from what users write, and `constructor` is no member. */
function member(o: unknown, key: string | number): unknown {
  return o !== null && typeof o === "object" && Object.hasOwn(o, key) ? (o as Record<string | number, unknown>)[key] : undefined;
}

function dig(values: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = values;
  for (const p of path) v = member(v, p);
  return v;
}

function subMask(mask: unknown, path: readonly (string | number)[]): unknown {
  let m = mask;
  for (const p of path) {
    if (m === true) return true;
    m = member(m, p);
  }
  return m;
}

/** Whether the value at `path` is known, given a plan's `after_unknown` mask. */
function knowledgeAt(mask: unknown, path: readonly (string | number)[]): Knowledge {
  const m = subMask(mask, path);
  if (m === true) return "unknown";
  return containsTrue(m) ? "partial" : "known";
}

function containsTrue(m: unknown): boolean {
  if (m === true) return true;
  if (m === null || typeof m !== "object") return false;
  return Object.values(m as Record<string, unknown>).some(containsTrue);
}

/** Known JSON with its unknown parts (by the mask) replaced by what they may be. */
function withUnknowns(value: unknown, mask: unknown, path: (string | number)[], address: string, candidates: Value | undefined): Value {
  if (mask === true) {
    if (candidates === undefined) return new Ref(address, path);
    return candidates instanceof Unknown ? candidates : new Unknown([candidates], []);
  }
  if (Array.isArray(value)) return value.map((v, i) => withUnknowns(v, Array.isArray(mask) ? mask[i] : undefined, [...path, i], address, candidates));
  if (value !== null && typeof value === "object") {
    const out: ObjectValue = new Map();
    const m = (mask ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(value), ...Object.keys(m).filter((k) => m[k] === true)])) {
      out.set(key, withUnknowns(member(value, key), member(m, key), [...path, key], address, candidates));
    }
    return out;
  }
  return fromJson(value ?? null);
}

/**
 * A value the plan knows in part, completed from the configuration's evaluation: every known
 * leaf is the plan's, and only the leaves it marks unknown come from `evaluated`. A set of
 * blocks (inline rules) is listed in the plan in its own order, not the configuration's, so a
 * block with unknown leaves takes them from the configuration's blocks that agree with what the
 * plan knows of it; none agreeing, or several that disagree, leave them unknown.
 */
function fill(known: unknown, mask: unknown, evaluated: Value): Value {
  if (mask === true) return evaluated;
  if (!containsTrue(mask)) return fromJson(known ?? null);
  if (Array.isArray(known)) {
    const masks = Array.isArray(mask) ? mask : [];
    const blocks = Array.isArray(evaluated) ? evaluated : undefined;
    return known.map((element, i) => {
      const m = masks[i];
      if (!containsTrue(m)) return fromJson(element ?? null);
      if (element !== null && typeof element === "object" && !Array.isArray(element)) {
        if (!blocks) return fill(element, m, leafOf(evaluated));
        const agreeing = blocks.filter((b) => b instanceof Map && agrees(element as Record<string, unknown>, m as Record<string, unknown>, b));
        if (agreeing.length === 0) return fill(element, m, anything("sgc's reading of the configuration matches none of the blocks the plan lists"));
        return fill(element, m, agreeing.length === 1 ? agreeing[0] : new Unknown(agreeing, ["several blocks of the configuration match this one"]));
      }
      return fill(element, m, blocks && blocks.length === known.length ? blocks[i] : leafOf(evaluated));
    });
  }
  if (known !== null && typeof known === "object") {
    const m = (mask ?? {}) as Record<string, unknown>;
    const out: ObjectValue = new Map();
    for (const key of new Set([...Object.keys(known), ...Object.keys(m).filter((k) => m[k] === true)])) {
      const inner = evaluated instanceof Map ? evaluated.get(key) ?? null : evaluated instanceof Unknown && evaluated.candidates ? mapCandidates(evaluated, (c) => (c instanceof Map ? c.get(key) ?? null : anything(undefined))) : leafOf(evaluated);
      out.set(key, fill(member(known, key), member(m, key), inner));
    }
    return out;
  }
  return fromJson(known ?? null);
}

/** What an evaluation that is not the expected structure says of each of its parts. */
function leafOf(evaluated: Value): Value {
  return evaluated instanceof Unknown || evaluated instanceof Ref || evaluated instanceof Failure ? evaluated : anything("sgc's reading of the configuration does not have the plan's shape");
}

/**
 * Whether a block of the configuration agrees with what the plan knows of a block: each known
 * attribute equal, where the configuration's value is known. Empty values (null, "", [], false)
 * are alike, as providers fill unset attributes with them; protocols compare by their number.
 */
function agrees(known: Record<string, unknown>, mask: Record<string, unknown> | undefined, block: ObjectValue): boolean {
  for (const [key, value] of Object.entries(known)) {
    if (containsTrue(mask?.[key])) continue;
    const mine = block.get(key) ?? null;
    if (!isWhollyKnown(mine)) continue;
    if (normalized(fromJson(value ?? null), key) !== normalized(mine, key)) return false;
  }
  return true;
}

const PROTOCOL_ALIASES = new Map([["tcp", "6"], ["udp", "17"], ["icmp", "1"], ["icmpv6", "58"], ["all", "-1"]]);

function normalized(value: Value, key: string): string {
  if (value === null || value === "" || value === false || (Array.isArray(value) && value.length === 0)) return "empty";
  if (key === "protocol" && (typeof value === "string" || typeof value === "number")) {
    const text = String(value).trim().toLowerCase();
    // EC2 reads a protocol number as a number: "006" is 6.
    return PROTOCOL_ALIASES.get(text) ?? (/^-?\d+$/.test(text) ? String(Number(text)) : text);
  }
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return valueKey([...(value as string[])].sort());
  return valueKey(value);
}

/** One more step into a value (an attribute or an index). */
function stepInto(value: Value, p: string | number): Value {
  if (value instanceof Failure || isUnknown(value)) {
    if (value instanceof Ref) return new Ref(value.address, [...value.path, p]);
    return value;
  }
  if (Array.isArray(value)) return typeof p === "number" ? value[p] ?? new Failure(`index ${p} is out of range`) : new Failure(`cannot read "${p}" of a list`);
  if (value instanceof Map) return value.get(String(p)) ?? new Failure(`there is no attribute "${p}"`);
  if (value instanceof Lazy) return value.get(String(p));
  return new Failure(`cannot read "${p}" of ${String(value)}`);
}
