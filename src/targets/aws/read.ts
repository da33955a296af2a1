import { anyAddress, parseCidr } from "../../model/cidr";
import { RuleLike } from "../../model/flows";
import { Endpoint, Family, PortSpec } from "../../model/types";
import {
  DEFAULT_GROUP_TYPE,
  EGRESS_TYPE,
  GROUP_TYPE,
  INGRESS_TYPE,
  parseReference,
  PREFIX_LIST_TYPE,
  TAG_DESCRIPTION,
  TAG_NETWORK,
  TAG_PORTS,
  TAG_SERVICE,
  TAG_TIER,
  TAG_TIERS,
  TAG_WORKLOADS,
  readWordTags,
  unliteral,
} from "./names";

/**
 * Reads security groups back from Terraform: a synthesized `cdk.tf.json` (references are
 * `${type.name.id}` strings) or a plan from `terraform show -json` (values unknown until apply
 * are recovered from the configuration's references). Hand-written shapes are read too:
 * inline `ingress`/`egress` blocks, `aws_security_group_rule`, the `aws_vpc_security_group_*_rule`
 * resources, `aws_default_security_group` and `aws_ec2_managed_prefix_list`.
 */

/** A resource of a Terraform configuration or plan. */
export interface TerraformResource {
  /** Full address, with module path and index: `module.a.aws_security_group.b[0]`. */
  address: string;
  type: string;
  name: string;
  /** `module.a` or "" for the root module. */
  module: string;
  values: Record<string, unknown>;
  /** Plan only: the configuration's expressions for the resource (references of unknown values). */
  expressions?: Record<string, unknown>;
}

/** A group read from Terraform. */
export interface ReadGroup {
  address: string;
  /** The `sgc:service` tag, else the address: what findings and flows call it. */
  target: string;
  /** The group's name as people know it. */
  name: string;
  description?: string;
  tags: Record<string, string>;
  isDefault: boolean;
  /** A group this input does not manage, known only because rules here are attached to it. */
  external?: boolean;
  /** The attributes whose change replaces the group in AWS, as written (undefined when unknown). */
  forceNew: { name?: string; description?: string; vpcId?: string };
}

/** A rule read back from Terraform, with the address it came from. */
export interface ReadRule extends RuleLike {
  address: string;
  description?: string;
}

/** A managed prefix list read from Terraform. */
export interface ReadPrefixList {
  address: string;
  network: string;
  family: Family;
  maxEntries: number;
  entries: string[];
}

/** Everything about security groups in one Terraform input. */
export interface ReadSecurity {
  groups: ReadGroup[];
  rules: ReadRule[];
  prefixLists: ReadPrefixList[];
  /** Rules sgc could not read (an unknown protocol, a peer it cannot resolve): checks fail closed on them. */
  unreadable: { address: string; reason: string }[];
}

type Json = Record<string, unknown>;

/** Whether parsed JSON is a Terraform plan as `terraform show -json` prints it. */
export function isPlanJson(value: unknown): value is Json {
  return isObject(value) && "planned_values" in value && "format_version" in value;
}

/** Whether parsed JSON looks like a synthesized Terraform configuration (`cdk.tf.json`). */
export function isTerraformJson(value: unknown): value is { resource?: Record<string, Record<string, Json>> } {
  return isObject(value) && ("resource" in value || "terraform" in value || "provider" in value) && !("planned_values" in value);
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The resources of a synthesized Terraform JSON configuration, in a stable order. */
export function resourcesOfTerraformJson(config: { resource?: Record<string, Record<string, Json>> }): TerraformResource[] {
  const out: TerraformResource[] = [];
  const resources = isObject(config.resource) ? config.resource : {};
  for (const type of Object.keys(resources).sort()) {
    const byName = resources[type];
    if (!isObject(byName)) continue;
    for (const name of Object.keys(byName).sort()) {
      const values = byName[name];
      if (isObject(values)) out.push({ address: `${type}.${name}`, type, name, module: "", values });
    }
  }
  return out;
}

/** The managed resources a plan will have, with their configuration expressions attached. */
export function resourcesOfPlan(plan: Json): TerraformResource[] {
  return resourcesOfPlanValues(plan, (plan.planned_values as Json | undefined)?.root_module as Json);
}

/** The managed resources the state had before the plan (`prior_state`); none for a first apply. */
export function resourcesOfPriorState(plan: Json): TerraformResource[] {
  const prior = ((plan.prior_state as Json | undefined)?.values as Json | undefined)?.root_module as Json | undefined;
  return prior ? resourcesOfPlanValues(plan, prior) : [];
}

function resourcesOfPlanValues(plan: Json, rootModule: Json | undefined): TerraformResource[] {
  const expressions = new Map<string, Json>();
  const walkConfig = (module: Json | undefined, prefix: string) => {
    for (const r of (module?.resources as Json[] | undefined) ?? []) expressions.set(`${prefix}${r.address as string}`, (r.expressions as Json) ?? {});
    for (const [name, call] of Object.entries((module?.module_calls as Record<string, Json> | undefined) ?? {})) {
      walkConfig(call.module as Json, `${prefix}module.${name}.`);
    }
  };
  walkConfig((plan.configuration as Json | undefined)?.root_module as Json, "");

  const out: TerraformResource[] = [];
  const walkValues = (module: Json | undefined) => {
    for (const r of (module?.resources as Json[] | undefined) ?? []) {
      if (r.mode !== "managed") continue;
      const address = r.address as string;
      const moduleAddress = address.slice(0, Math.max(0, address.lastIndexOf(`${r.type as string}.`) - 1));
      const configAddress = `${moduleAddress ? `${moduleAddress}.` : ""}${r.type as string}.${r.name as string}`;
      out.push({
        address,
        type: r.type as string,
        name: r.name as string,
        module: moduleAddress,
        values: (r.values as Json) ?? {},
        expressions: expressions.get(configAddress.replace(/\[[^\]]*\]/g, "")) ?? {},
      });
    }
    for (const child of (module?.child_modules as Json[] | undefined) ?? []) walkValues(child);
  };
  walkValues(rootModule);
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** Resolves references from one resource to others: `${type.name.id}` strings and plan configuration references. */
class References {
  private readonly byBase = new Map<string, TerraformResource[]>();
  private readonly byId = new Map<string, TerraformResource>();

  constructor(resources: readonly TerraformResource[]) {
    for (const r of resources) {
      const base = r.address.replace(/\[[^\]]*\]$/, "");
      this.byBase.set(base, [...(this.byBase.get(base) ?? []), r]);
      if (typeof r.values.id === "string") this.byId.set(r.values.id, r);
    }
  }

  /**
   * What the value at `path` of `from` points to, one entry per list element: a resource, or
   * a literal string (an id not managed here). Unknown values are looked up in the plan's
   * configuration expressions.
   */
  resolve(from: TerraformResource, path: (string | number)[]): (TerraformResource | string)[] {
    const value = dig(from.values, path);
    const literal = (v: unknown): TerraformResource | string | undefined => {
      if (typeof v !== "string") return undefined;
      const ref = parseReference(v);
      if (ref) return this.find(from, `${ref.type}.${ref.name}`);
      return this.byId.get(v) ?? v;
    };
    if (value !== undefined && value !== null) {
      const items = Array.isArray(value) ? value : [value];
      const resolved = items.map(literal).filter((x): x is TerraformResource | string => x !== undefined);
      if (resolved.length === items.length && !items.some((i) => i === "" || i === null)) return resolved;
    }
    const expression = digExpression(from.expressions, path);
    const refs = (expression?.references as string[] | undefined) ?? [];
    const out: (TerraformResource | string)[] = [];
    for (const ref of refs) {
      const match = /^((?:module\.[^.]+\.)*)([a-z0-9_]+)\.([a-zA-Z0-9_-]+)(\[[^\]]+\])?/.exec(ref);
      if (!match || match[2] === "var" || match[2] === "local" || match[2] === "each" || match[2] === "count") continue;
      const target = this.find(from, `${match[2]}.${match[3]}`, match[4]);
      if (target && !out.includes(target)) out.push(target);
    }
    return out;
  }

  private find(from: TerraformResource, base: string, index?: string): TerraformResource | undefined {
    const candidates = this.byBase.get(from.module ? `${from.module}.${base}` : base) ?? this.byBase.get(base);
    if (!candidates) return undefined;
    if (index) return candidates.find((c) => c.address.endsWith(index)) ?? candidates[0];
    const ownIndex = /\[[^\]]*\]$/.exec(from.address)?.[0];
    return (ownIndex && candidates.find((c) => c.address.endsWith(ownIndex))) || candidates[0];
  }
}

function dig(values: Json, path: (string | number)[]): unknown {
  let v: unknown = values;
  for (const p of path) v = v === null || v === undefined ? undefined : (v as Record<string | number, unknown>)[p];
  return v;
}

/**
 * The configuration expression at `path`. Nested blocks are lists of expression maps, but an
 * attribute-as-block (a group's inline `ingress`) is one expression whose references cover all
 * its blocks: the walk stops at the first leaf expression it meets.
 */
function digExpression(expressions: Json | undefined, path: (string | number)[]): Json | undefined {
  let v: unknown = expressions;
  for (const p of path) {
    if (isObject(v) && ("references" in v || "constant_value" in v)) break;
    if (Array.isArray(v)) v = v[typeof p === "number" ? p : 0];
    else if (isObject(v)) v = v[p];
    else return undefined;
  }
  if (Array.isArray(v)) v = v[0];
  return isObject(v) ? v : undefined;
}

/**
 * Reads groups, rules and prefix lists out of Terraform resources. Strings of a configuration
 * (`cdk.tf.json`) are template literals (`$${` stands for `${`); a plan's are values already.
 */
export function readSecurity(resources: readonly TerraformResource[], from: "configuration" | "plan" = "configuration"): ReadSecurity {
  const text = from === "configuration" ? unliteral : (s: string) => s;
  const refs = new References(resources);
  const groupsByAddress = new Map<string, ReadGroup>();
  const listsByAddress = new Map<string, ReadPrefixList>();
  for (const r of resources) {
    const tags = Object.fromEntries(Object.entries(stringMap(r.values.tags)).map(([k, v]) => [k, text(v)]));
    if (r.type === GROUP_TYPE || r.type === DEFAULT_GROUP_TYPE) {
      const isDefault = r.type === DEFAULT_GROUP_TYPE;
      const own = typeof r.values.description === "string" && r.values.description !== "Managed by Terraform" ? text(r.values.description) : undefined;
      const sgc = tags[TAG_SERVICE] !== undefined;
      groupsByAddress.set(r.address, {
        address: r.address,
        target: tags[TAG_SERVICE] ?? r.address,
        name: tags[TAG_SERVICE] ?? (typeof r.values.name === "string" ? r.values.name : r.name),
        ...((sgc ? tags[TAG_DESCRIPTION] : own) ? { description: sgc ? tags[TAG_DESCRIPTION] : own } : {}),
        tags,
        isDefault,
        forceNew: {
          ...(typeof r.values.name === "string" ? { name: r.values.name } : {}),
          ...(typeof r.values.description === "string" ? { description: text(r.values.description) } : {}),
          ...(typeof r.values.vpc_id === "string" ? { vpcId: r.values.vpc_id } : {}),
        },
      });
    }
    if (r.type === PREFIX_LIST_TYPE) {
      const family: Family = String(r.values.address_family).toLowerCase() === "ipv6" ? "ipv6" : "ipv4";
      const entries = objects(r.values.entry).map((e) => String(e.cidr));
      const network = tags[TAG_NETWORK] ?? (typeof r.values.name === "string" ? r.values.name : r.address);
      listsByAddress.set(r.address, { address: r.address, network, family, maxEntries: Number(r.values.max_entries ?? entries.length), entries });
    }
  }

  const groupOf = (target: TerraformResource | string | undefined): Endpoint | undefined => {
    if (target === undefined) return undefined;
    if (typeof target === "string") return { kind: "securityGroup", id: target };
    const group = groupsByAddress.get(target.address);
    return group ? { kind: "service", name: group.target } : undefined;
  };
  const listOf = (target: TerraformResource | string): Endpoint | undefined => {
    if (typeof target === "string") return { kind: "prefixList", id: target };
    const list = listsByAddress.get(target.address);
    return list ? { kind: "network", name: list.network, family: list.family } : undefined;
  };

  const rules: ReadRule[] = [];
  const unreadable: ReadSecurity["unreadable"] = [];
  const push = (address: string, direction: "ingress" | "egress", owner: ReadGroup, peers: Endpoint[], port: PortSpec | undefined, description: unknown, protocol: unknown) => {
    if (!port) {
      unreadable.push({ address, reason: `protocol ${JSON.stringify(protocol ?? null)} is not one sgc can check (tcp, udp, icmp, icmpv6 or all)` });
      return;
    }
    if (peers.length === 0) {
      unreadable.push({ address, reason: "its source or destination cannot be resolved" });
      return;
    }
    for (const peer of peers) {
      rules.push({
        address,
        direction,
        service: owner.target,
        peer,
        port: fitPort(port, peer),
        ...(typeof description === "string" && description !== "" ? { description: text(description) } : {}),
      });
    }
  };

  // A rule attached to a group this input does not manage (a literal id, a data source) is
  // still checked: its group stands in under that id or address.
  const ownerOf = (r: TerraformResource): ReadGroup | undefined => {
    const target = refs.resolve(r, ["security_group_id"])[0];
    if (target === undefined) {
      unreadable.push({ address: r.address, reason: "the group it belongs to cannot be resolved" });
      return undefined;
    }
    const key = typeof target === "string" ? target : target.address;
    const known = groupsByAddress.get(key);
    if (known) return known;
    const external: ReadGroup = { address: key, target: key, name: key, tags: {}, isDefault: false, external: true, forceNew: {} };
    groupsByAddress.set(key, external);
    return external;
  };

  for (const r of resources) {
    if (r.type === INGRESS_TYPE || r.type === EGRESS_TYPE) {
      const owner = ownerOf(r);
      if (!owner) continue;
      const peers: Endpoint[] = [];
      for (const key of ["cidr_ipv4", "cidr_ipv6"]) if (typeof r.values[key] === "string") peers.push(...cidrPeers([r.values[key] as string]));
      if (has(r, "prefix_list_id")) peers.push(...refs.resolve(r, ["prefix_list_id"]).map(listOf).filter(defined));
      if (has(r, "referenced_security_group_id")) peers.push(...refs.resolve(r, ["referenced_security_group_id"]).map(groupOf).filter(defined));
      push(r.address, r.type === INGRESS_TYPE ? "ingress" : "egress", owner, peers, portOf(r.values), r.values.description, r.values.ip_protocol);
    } else if (r.type === "aws_security_group_rule") {
      const owner = ownerOf(r);
      if (!owner) continue;
      const direction = r.values.type === "egress" ? "egress" : "ingress";
      push(r.address, direction, owner, blockPeers(r, [], owner, refs, groupOf, listOf, "source_security_group_id"), portOf(r.values), r.values.description, r.values.protocol);
    } else if (r.type === GROUP_TYPE || r.type === DEFAULT_GROUP_TYPE) {
      const owner = groupsByAddress.get(r.address)!;
      for (const direction of ["ingress", "egress"] as const) {
        const value = r.values[direction];
        if (value !== undefined && value !== null && !Array.isArray(value)) {
          unreadable.push({ address: r.address, reason: `its ${direction} is not a list of rules` });
          continue;
        }
        objects(value).forEach((block, i) => {
          push(`${r.address}.${direction}[${i}]`, direction, owner, blockPeers(r, [direction, i], owner, refs, groupOf, listOf, "security_groups"), portOf(block), block.description, block.protocol);
        });
      }
    }
  }

  return { groups: [...groupsByAddress.values()], rules, prefixLists: [...listsByAddress.values()], unreadable };
}

/** Peers of an `aws_security_group_rule` or an inline block: CIDR lists, prefix lists, groups, self. */
function blockPeers(
  r: TerraformResource,
  base: (string | number)[],
  owner: ReadGroup,
  refs: References,
  groupOf: (t: TerraformResource | string | undefined) => Endpoint | undefined,
  listOf: (t: TerraformResource | string) => Endpoint | undefined,
  groupKey: string,
): Endpoint[] {
  const block = (base.length ? dig(r.values, base) : r.values) as Json;
  const peers: Endpoint[] = [];
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  peers.push(...cidrPeers([...strings(block.cidr_blocks), ...strings(block.ipv6_cidr_blocks)]));
  if (has(r, [...base, "prefix_list_ids"])) peers.push(...refs.resolve(r, [...base, "prefix_list_ids"]).map(listOf).filter(defined));
  if (has(r, [...base, groupKey])) peers.push(...refs.resolve(r, [...base, groupKey]).map(groupOf).filter(defined));
  if (block.self === true) peers.push({ kind: "service", name: owner.target });
  return peers;
}

/** Whether an attribute is set, or set to something unknown until apply (in a plan's configuration). */
function has(r: TerraformResource, path: string | (string | number)[]): boolean {
  const p = typeof path === "string" ? [path] : path;
  const value = dig(r.values, p);
  if (Array.isArray(value)) return value.length > 0 || digExpression(r.expressions, p) !== undefined;
  return (value !== undefined && value !== null && value !== "") || (digExpression(r.expressions, p)?.references as unknown[] | undefined)?.length! > 0;
}

/** The objects of a list value; anything else reads as no objects. */
function objects(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function cidrPeers(cidrs: readonly string[]): Endpoint[] {
  const out: Endpoint[] = [];
  for (const text of cidrs) {
    const parsed = parseCidr(text);
    if (!parsed.ok) continue;
    const { family, canonical } = parsed.cidr;
    out.push(canonical === anyAddress(family) ? { kind: "internet", family } : { kind: "cidr", cidr: canonical, family });
  }
  return out;
}

function defined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

function stringMap(value: unknown): Record<string, string> {
  return isObject(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === "string")) as Record<string, string> : {};
}

/** ICMP towards IPv6 peers is ICMPv6, as AWS applies it. */
function fitPort(port: PortSpec, peer: Endpoint): PortSpec {
  const ipv6 = (peer.kind === "internet" || peer.kind === "cidr" || peer.kind === "network") && peer.family === "ipv6";
  if (ipv6 && port.protocol === "icmp") return { protocol: "icmpv6" };
  if (!ipv6 && port.protocol === "icmpv6" && peer.kind !== "service" && peer.kind !== "securityGroup" && peer.kind !== "prefixList") return { protocol: "icmp" };
  return port;
}

const PROTOCOL_NUMBERS: Record<string, PortSpec["protocol"]> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "all", all: "all" };

/** The port spec of a rule's `ip_protocol` or `protocol`, `from_port` and `to_port`. */
export function portOf(values: Json): PortSpec | undefined {
  const raw = String(values.ip_protocol ?? values.protocol ?? "").toLowerCase();
  const protocol = PROTOCOL_NUMBERS[raw] ?? raw;
  if (protocol === "tcp" || protocol === "udp") {
    const from = Number(values.from_port);
    const to = Number(values.to_port);
    if (!Number.isInteger(from) || !Number.isInteger(to)) return undefined;
    if (from <= 0 && (to >= 65535 || to <= 0)) return { protocol, from: 1, to: 65535 };
    return { protocol, from: Math.max(1, from), to };
  }
  if (protocol === "icmp" || protocol === "icmpv6" || protocol === "all") return { protocol };
  return undefined;
}

/** The rules of Terraform resources, ready for the flow evaluator. */
export function readRules(resources: readonly TerraformResource[]): ReadRule[] {
  return readSecurity(resources).rules;
}

/** Group metadata that sgc writes as tags, read back: tier, tiers, ports, workloads. */
export function groupTags(group: ReadGroup): { tier?: string; tiers: string[]; ports: string[]; workloads: string[] } {
  const words = (key: string) => readWordTags(group.tags, key);
  return { tier: group.tags[TAG_TIER], tiers: words(TAG_TIERS), ports: words(TAG_PORTS), workloads: words(TAG_WORKLOADS) };
}
