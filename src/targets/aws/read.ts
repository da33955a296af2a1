import { anyAddress, cidrsOverlap, parseCidr } from "../../model/cidr";
import { EgressReach, RuleLike } from "../../model/flows";
import { Endpoint, Family, PortSpec } from "../../model/types";
import { Instance, InstanceObject, TerraformView } from "../../terraform/view";
import { appendAll, describeValue, Failure, Lazy, Ref, reasonsOf, Unknown, Value } from "../../terraform/values";
import { DEFAULT_GROUP_TYPE, EGRESS_TYPE, GROUP_TYPE, INGRESS_TYPE, PREFIX_LIST_TYPE, readWordTags, TAG_DESCRIPTION, TAG_NETWORK, TAG_PORTS, TAG_SERVICE, TAG_TIER, TAG_TIERS, TAG_WORKLOADS } from "./names";

/**
 * Security groups as AWS applies them, read from Terraform's view of a configuration, a plan or
 * a state (src/terraform knows Terraform; this file knows only AWS). Every resource shape that
 * grants access is read: inline `ingress`/`egress` of `aws_security_group` and
 * `aws_default_security_group`, `aws_security_group_rule`, the `aws_vpc_security_group_*_rule`
 * resources, and managed prefix lists with their entries. A value sgc cannot resolve is never
 * dropped: each one becomes an unreadable entry on its resource, naming the attribute and why.
 */

/** The resource type of the older, one-rule-many-sources rule resource. */
export const LEGACY_RULE_TYPE = "aws_security_group_rule";
const PREFIX_LIST_ENTRY_TYPE = "aws_ec2_managed_prefix_list_entry";
const VPC_TYPE = "aws_vpc";
const VPC_CIDR_ASSOCIATION_TYPES = new Set(["aws_vpc_ipv4_cidr_block_association", "aws_vpc_ipv6_cidr_block_association"]);

/** Resource types that grant access or hold addresses rules use. */
const ACCESS_TYPES = new Set([GROUP_TYPE, DEFAULT_GROUP_TYPE, INGRESS_TYPE, EGRESS_TYPE, LEGACY_RULE_TYPE, PREFIX_LIST_TYPE, PREFIX_LIST_ENTRY_TYPE]);

/** The key of the VPC a group without `vpc_id` is in. */
export const DEFAULT_VPC = "the default VPC";

/** A group read from Terraform. */
export interface ReadGroup {
  address: string;
  /** Its AWS id (`sg-…`), where the input knows it (a state, a plan of what exists, an AWS listing). */
  id?: string;
  /** The `sgc:service` tag, else the address: what findings and flows call it. */
  target: string;
  /** The group's name as people know it: its name, its name prefix, or its address when it has neither. */
  name: string;
  /** How the group's AWS name is given. */
  naming: "name" | "prefix" | "generated" | "unknown";
  description?: string;
  tags: Record<string, string>;
  isDefault: boolean;
  /** A group this input does not manage, known only because rules here are attached to it. */
  external?: boolean;
  /** The VPC it is in (an `aws_vpc` address, a VPC id, or DEFAULT_VPC); undefined when not known. */
  vpc?: string;
  /** The attributes whose change replaces the group in AWS, as written (undefined when unknown). */
  forceNew: { name?: string; description?: string; vpcId?: string };
}

/** A rule read back from Terraform, with the address it came from. */
export interface ReadRule extends RuleLike {
  address: string;
  description?: string;
  /** Inline on the group, or a rule resource of its own. */
  inline: boolean;
}

/** A managed prefix list read from Terraform. */
export interface ReadPrefixList {
  address: string;
  /** Its AWS id (`pl-…`), where the input knows it. */
  id?: string;
  network: string;
  family: Family;
  maxEntries: number;
  entries: string[];
}

/** A VPC the input knows, with its address ranges where known. */
export interface ReadVpc {
  key: string;
  /** Its resource address, when the input has one. */
  address?: string;
  /** The VPC's CIDRs per family; a family is absent when its ranges are not known. */
  cidrs: Partial<Record<Family, string[]>>;
}

/** Something sgc could not read, on one resource and attribute. */
export interface Unreadable {
  address: string;
  /** The attribute (path) that could not be read, when it is one attribute. */
  attribute?: string;
  reason: string;
}

/** Everything about security groups in one Terraform input. */
export interface ReadSecurity {
  groups: ReadGroup[];
  rules: ReadRule[];
  prefixLists: ReadPrefixList[];
  vpcs: ReadVpc[];
  /** Rules whose peer is a VPC's default group, by VPC key. */
  defaultGroupUsers: Map<string, string[]>;
  /** Values sgc could not read: checks fail closed on each, and flows say they are incomplete. */
  unreadable: Unreadable[];
  /** Whether egress to a range may reach a group's members, from what the input knows of its VPC. */
  reaches: EgressReach;
}


/**
 * Reads the groups, rules, prefix lists and VPCs of one Terraform view. For a plan's planned
 * view, `prior` is what its prior state holds: the rules that separate rule resources made
 * there, and that the plan destroys, still show inline on their groups until apply.
 */
export function readSecurity(view: TerraformView, prior?: ReadSecurity): ReadSecurity {
  return new Reader(view, prior?.rules.filter((r) => !r.inline) ?? []).read();
}

type GroupRef = { kind: "group"; group: ReadGroup } | { kind: "external"; id: string } | { kind: "vpc-default"; vpc: string };

class Reader {
  private readonly groups = new Map<string, ReadGroup>();
  private readonly lists = new Map<string, ReadPrefixList>();
  private readonly vpcs = new Map<string, ReadVpc>();
  private readonly byId = new Map<string, Instance>();
  private instances: Instance[];
  private readonly rules: ReadRule[] = [];
  private readonly unreadable: Unreadable[] = [];
  private readonly defaultGroupUsers = new Map<string, Set<string>>();

  constructor(
    private readonly view: TerraformView,
    private readonly priorSeparate: readonly ReadRule[],
  ) {
    this.instances = view.instances();
  }

  read(): ReadSecurity {
    for (const gap of this.view.gaps) this.fail(gap.address, undefined, gap.reason);
    for (const i of this.instances) {
      if (i.unexpanded && ACCESS_TYPES.has(i.type)) this.fail(i.address, undefined, i.unexpanded);
    }
    this.instances = this.instances.filter((i) => !i.unexpanded);
    for (const i of this.instances) {
      const id = i.values?.id;
      if (typeof id === "string" && id !== "") this.byId.set(id, i);
    }
    for (const i of this.instances) if (i.type === VPC_TYPE) this.addVpc(i);
    for (const i of this.instances) if (VPC_CIDR_ASSOCIATION_TYPES.has(i.type) && i.mode === "managed") this.addVpcCidr(i);
    for (const i of this.instances) if (i.mode === "managed" && (i.type === GROUP_TYPE || i.type === DEFAULT_GROUP_TYPE)) this.addGroup(i);
    for (const i of this.instances) if (i.mode === "managed" && i.type === PREFIX_LIST_TYPE) this.addPrefixList(i);
    for (const i of this.instances) if (i.mode === "managed" && i.type === PREFIX_LIST_ENTRY_TYPE) this.addPrefixListEntry(i);
    for (const i of this.instances) {
      if (i.mode !== "managed") continue;
      if (i.type === INGRESS_TYPE || i.type === EGRESS_TYPE) this.readVpcRule(i);
      else if (i.type === LEGACY_RULE_TYPE) this.readLegacyRule(i);
      else if (i.type === GROUP_TYPE || i.type === DEFAULT_GROUP_TYPE) this.readInlineRules(i);
    }
    return {
      groups: [...this.groups.values()],
      rules: withoutMirrors(this.rules, this.priorSeparate),
      prefixLists: [...this.lists.values()],
      vpcs: [...this.vpcs.values()],
      defaultGroupUsers: new Map([...this.defaultGroupUsers].map(([vpc, users]) => [vpc, [...users].sort()])),
      unreadable: this.unreadable,
      reaches: (peer, to) => this.reaches(peer, to),
    };
  }

  private attr(i: Instance, ...path: (string | number)[]): Value {
    return this.view.attribute(i, path);
  }

  /** An attribute the provider computes when the configuration leaves it out. */
  private computed(i: Instance, name: string): Value {
    return this.view.attribute(i, [name], true);
  }

  private fail(address: string, attribute: string | undefined, reason: string): void {
    this.unreadable.push({ address, ...(attribute ? { attribute } : {}), reason });
  }

  // --- VPCs ---------------------------------------------------------------------------------

  private addVpc(i: Instance): void {
    const key = i.mode === "data" ? (typeof i.values?.id === "string" ? i.values.id : i.address) : i.address;
    const cidrs: ReadVpc["cidrs"] = {};
    const v4 = this.attr(i, "cidr_block");
    if (typeof v4 === "string" && parseCidr(v4).ok) cidrs.ipv4 = [v4];
    const v6 = this.computed(i, "ipv6_cidr_block");
    if (typeof v6 === "string" && parseCidr(v6).ok) cidrs.ipv6 = [v6];
    else if (v6 === "" || v6 === null) cidrs.ipv6 = [];
    this.vpcs.set(key, { key, ...(i.mode === "managed" ? { address: i.address } : {}), cidrs });
  }

  private addVpcCidr(i: Instance): void {
    const vpc = this.vpcKey(this.attr(i, "vpc_id"));
    const known = vpc && this.vpcs.get(vpc);
    if (!known) return;
    const family: Family = i.type.includes("ipv6") ? "ipv6" : "ipv4";
    const cidr = this.attr(i, family === "ipv6" ? "ipv6_cidr_block" : "cidr_block");
    if (typeof cidr === "string" && parseCidr(cidr).ok) {
      if (known.cidrs[family]) known.cidrs[family]!.push(cidr);
    } else delete known.cidrs[family];
  }

  /** The VPC a `vpc_id` value names; DEFAULT_VPC for none; undefined when it cannot be told. */
  private vpcKey(value: Value): string | undefined {
    if (value === null || value === "") return DEFAULT_VPC;
    if (typeof value === "string") {
      const owner = this.byId.get(value);
      return owner && owner.type === VPC_TYPE && owner.mode === "managed" ? owner.address : value;
    }
    if (value instanceof Ref && value.path.join(".") === "id") return value.address;
    if (value instanceof InstanceObject && value.instance.type === VPC_TYPE) return value.instance.address;
    if (value instanceof Unknown && value.candidates) {
      const keys = new Set(value.candidates.map((c) => this.vpcKey(c)));
      return keys.size === 1 ? [...keys][0] : undefined;
    }
    return undefined;
  }

  private byTarget?: Map<string, ReadGroup>;
  private byNetwork?: Map<string, ReadPrefixList>;

  /** Whether egress from a group to `peer` may reach the members of group `to`. */
  private reaches(peer: Endpoint, to: string): boolean {
    if (peer.kind === "internet" || peer.kind === "prefixList") return true;
    if (peer.kind === "network") {
      this.byNetwork ??= new Map([...this.lists.values()].map((l) => [`${l.network}\u0000${l.family}`, l]));
      const list = this.byNetwork.get(`${peer.name}\u0000${peer.family}`);
      return !list || list.entries.some((cidr) => this.reaches({ kind: "cidr", cidr, family: peer.family }, to));
    }
    if (peer.kind !== "cidr") return false;
    const range = parseCidr(peer.cidr);
    if (!range.ok) return true;
    this.byTarget ??= new Map([...this.groups.values()].map((g) => [g.target, g]));
    const group = this.byTarget.get(to);
    const known = group?.vpc !== undefined ? this.vpcs.get(group.vpc)?.cidrs[peer.family] : undefined;
    if (known) {
      return known.some((c) => {
        const vpc = parseCidr(c);
        return vpc.ok && cidrsOverlap(range.cidr, vpc.cidr);
      });
    }
    // Where the VPC's ranges are not known, any range may hold it: AWS lets a VPC use public
    // ranges as well as private ones, and a /32 may be one of its members.
    return true;
  }

  // --- Groups and prefix lists ----------------------------------------------------------------

  private addGroup(i: Instance): void {
    const isDefault = i.type === DEFAULT_GROUP_TYPE;
    const tags = stringMap(this.attr(i, "tags"));
    const name = this.computed(i, "name");
    const prefix = isDefault ? null : this.computed(i, "name_prefix");
    const description = this.attr(i, "description");
    const vpcId = this.attr(i, "vpc_id");
    const service = tags[TAG_SERVICE];
    const own = typeof description === "string" && description !== "Managed by Terraform" ? description : undefined;
    const configured = (attribute: string) => this.view.resourceConfig(i)?.attribute(attribute) !== undefined;
    // A group named by name_prefix is judged by the prefix its authors chose; one with neither
    // name nor prefix gets a name Terraform makes up.
    const naming: ReadGroup["naming"] =
      service || isDefault
        ? "name"
        : typeof prefix === "string" && prefix !== ""
          ? "prefix"
          : typeof name === "string" && name !== ""
            ? "name"
            : !configured("name") && !configured("name_prefix")
              ? "generated"
              : "unknown";
    const shownName = service ?? (naming === "prefix" ? (prefix as string).replace(/[-_.]+$/, "") : naming === "name" ? (name as string) : i.address);
    const vpc = this.vpcKey(vpcId);
    const id = i.values?.id;
    const group: ReadGroup = {
      address: i.address,
      ...(typeof id === "string" && id !== "" ? { id } : {}),
      target: service ?? i.address,
      name: shownName,
      naming,
      ...((service ? tags[TAG_DESCRIPTION] : own) ? { description: service ? tags[TAG_DESCRIPTION] : own } : {}),
      tags,
      isDefault,
      ...(vpc !== undefined ? { vpc } : {}),
      forceNew: {
        ...(typeof name === "string" ? { name } : {}),
        ...(typeof description === "string" ? { description } : {}),
        ...(typeof vpcId === "string" ? { vpcId } : {}),
      },
    };
    this.groups.set(i.address, group);
  }

  private addPrefixList(i: Instance): void {
    const tags = stringMap(this.attr(i, "tags"));
    const family: Family = String(this.attr(i, "address_family")).toLowerCase() === "ipv6" ? "ipv6" : "ipv4";
    const entries: string[] = [];
    const entryValue = this.attr(i, "entry");
    if (Array.isArray(entryValue)) {
      entryValue.forEach((e, n) => {
        const cidr = e instanceof Map ? e.get("cidr") : undefined;
        if (typeof cidr === "string") entries.push(cidr);
        else this.fail(i.address, `entry[${n}].cidr`, unknownReason(cidr ?? null, "the CIDR of an entry"));
      });
    } else if (entryValue !== null) this.fail(i.address, "entry", unknownReason(entryValue, "its entries"));
    const name = this.attr(i, "name");
    const network = tags[TAG_NETWORK] ?? (typeof name === "string" ? name : i.address);
    const max = this.attr(i, "max_entries");
    const id = i.values?.id;
    this.lists.set(i.address, { address: i.address, ...(typeof id === "string" && id !== "" ? { id } : {}), network, family, maxEntries: typeof max === "number" ? max : entries.length, entries });
  }

  private addPrefixListEntry(i: Instance): void {
    const list = this.prefixListOf(this.attr(i, "prefix_list_id"));
    const cidr = this.attr(i, "cidr");
    if (list === undefined) {
      this.fail(i.address, "prefix_list_id", "the prefix list it belongs to is not one this input manages");
      return;
    }
    if (typeof cidr === "string") list.entries.push(cidr);
    else this.fail(i.address, "cidr", unknownReason(cidr, "its CIDR"));
  }

  private prefixListOf(value: Value): ReadPrefixList | undefined {
    if (typeof value === "string") {
      const owner = this.byId.get(value);
      return owner ? this.lists.get(owner.address) : undefined;
    }
    if (value instanceof Ref && value.path.join(".") === "id") return this.lists.get(value.address);
    if (value instanceof InstanceObject) return this.lists.get(value.instance.address);
    return undefined;
  }

  // --- Rules --------------------------------------------------------------------------------

  /** The group a `security_group_id` value names. */
  private ownerOf(i: Instance): ReadGroup | undefined {
    const resolved = this.groupRef(this.attr(i, "security_group_id"));
    if (typeof resolved === "string") {
      this.fail(i.address, "security_group_id", `the group it belongs to ${resolved}`);
      return undefined;
    }
    if (resolved === null) {
      this.fail(i.address, "security_group_id", "it names no group");
      return undefined;
    }
    if (resolved.kind === "group") return resolved.group;
    const id = resolved.kind === "external" ? resolved.id : `the default security group of ${resolved.vpc}`;
    const known = this.groups.get(id);
    if (known) return known;
    const external: ReadGroup = { address: id, target: id, name: id, naming: "unknown", tags: {}, isDefault: resolved.kind === "vpc-default", external: true, ...(resolved.kind === "vpc-default" ? { vpc: resolved.vpc } : {}), forceNew: {} };
    this.groups.set(id, external);
    return external;
  }

  /**
   * The group a value names: a group of this input, a group outside it, or the default group of
   * a VPC; null for no value; a string that says why not (it completes "the group ... ").
   */
  private groupRef(value: Value): GroupRef | null | string {
    if (value === null) return null;
    if (typeof value === "string") {
      if (value === "") return "is an empty id";
      const owner = this.byId.get(value);
      if (owner && this.groups.has(owner.address)) return { kind: "group", group: this.groups.get(owner.address)! };
      return { kind: "external", id: value };
    }
    if (value instanceof Ref || value instanceof InstanceObject) {
      const address = value instanceof Ref ? value.address : value.instance.address;
      const path = value instanceof Ref ? value.path.join(".") : "id";
      const group = this.groups.get(address);
      if (group && path === "id") return { kind: "group", group };
      if (this.vpcs.get(address) && path === "default_security_group_id") {
        const managed = [...this.groups.values()].find((g) => g.isDefault && !g.external && g.vpc === address);
        return managed ? { kind: "group", group: managed } : { kind: "vpc-default", vpc: address };
      }
      if (value instanceof Ref) return `is ${value.toString()}, which is not a security group's id and is known only after apply`;
      return `is ${value.label}, which is not a security group`;
    }
    if (value instanceof Unknown) {
      if (!value.candidates) return `is not known: ${value.reasons.join("; ") || "it is known only after apply"}`;
      const resolved = value.candidates.map((c) => this.groupRef(c));
      const keys = new Set(resolved.map((r) => (r === null ? "null" : typeof r === "string" ? `?${r}` : r.kind === "group" ? r.group.address : r.kind === "external" ? r.id : `default:${r.vpc}`)));
      const first = resolved[0];
      if (keys.size === 1 && first !== null && typeof first !== "string") return first;
      return `may be any of ${value.candidates.map(describeValue).join(", ")}, and sgc will not guess which: ${value.reasons.join("; ") || "the input does not say"}`;
    }
    if (value instanceof Failure) return `cannot be evaluated: ${value.message}`;
    return `is ${describeValue(value)}, not a group id`;
  }

  private groupEndpoint(ref: GroupRef, owner: ReadGroup): Endpoint {
    if (ref.kind === "group") {
      if (ref.group.isDefault && ref.group.vpc !== undefined && ref.group !== owner) this.useDefault(ref.group.vpc, owner.target);
      return { kind: "service", name: ref.group.target };
    }
    if (ref.kind === "vpc-default") {
      this.useDefault(ref.vpc, owner.target);
      return { kind: "securityGroup", id: `the default security group of ${ref.vpc}` };
    }
    return { kind: "securityGroup", id: ref.id };
  }

  private useDefault(vpc: string, user: string): void {
    const users = this.defaultGroupUsers.get(vpc) ?? new Set<string>();
    users.add(user);
    this.defaultGroupUsers.set(vpc, users);
  }

  /** `aws_vpc_security_group_ingress_rule` and `_egress_rule`: one source each. */
  private readVpcRule(i: Instance): void {
    const owner = this.ownerOf(i);
    const port = this.portOf(i.address, "", this.attr(i, "ip_protocol"), this.attr(i, "from_port"), this.attr(i, "to_port"));
    const peers: Endpoint[] = [];
    for (const [attribute, family] of [["cidr_ipv4", "ipv4"], ["cidr_ipv6", "ipv6"]] as const) {
      const value = this.attr(i, attribute);
      if (value !== null) appendAll(peers, this.cidrPeers(i.address, attribute, [value], family));
    }
    const list = this.attr(i, "prefix_list_id");
    if (list !== null) appendAll(peers, this.listPeers(i.address, "prefix_list_id", [list]));
    const group = this.attr(i, "referenced_security_group_id");
    if (group !== null && owner) appendAll(peers, this.groupPeers(i.address, "referenced_security_group_id", [group], owner));
    this.push(i.address, i.type === INGRESS_TYPE ? "ingress" : "egress", owner, peers, port, this.attr(i, "description"), false);
  }

  /** `aws_security_group_rule`: CIDR lists, prefix lists, one source group, or self. */
  private readLegacyRule(i: Instance): void {
    const owner = this.ownerOf(i);
    const type = this.attr(i, "type");
    if (type !== "ingress" && type !== "egress") {
      this.fail(i.address, "type", typeof type === "string" ? `type ${JSON.stringify(type)} is neither ingress nor egress` : unknownReason(type, "its direction"));
      return;
    }
    const port = this.portOf(i.address, "", this.attr(i, "protocol"), this.attr(i, "from_port"), this.attr(i, "to_port"));
    const block = new Map<string, Value>(["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "source_security_group_id", "self"].map((k) => [k, this.attr(i, k)]));
    const peers = owner ? this.blockPeers(i.address, "", block, owner, "source_security_group_id") : [];
    this.push(i.address, type, owner, peers, port, this.attr(i, "description"), false);
  }

  /** Inline `ingress` and `egress` blocks of a group (and of a VPC's default group). */
  private readInlineRules(i: Instance): void {
    const owner = this.groups.get(i.address)!;
    const config = this.view.resourceConfig(i);
    for (const direction of ["ingress", "egress"] as const) {
      const value = this.computed(i, direction);
      if (Array.isArray(value)) {
        value.forEach((block, n) => {
          const at = `${direction}[${n}]`;
          if (!(block instanceof Map)) {
            this.fail(i.address, at, unknownReason(block, `its ${direction} rule`));
            return;
          }
          const port = this.portOf(i.address, `${at}.`, block.get("protocol") ?? null, block.get("from_port") ?? null, block.get("to_port") ?? null);
          const peers = this.blockPeers(i.address, `${at}.`, block, owner, "security_groups");
          this.push(i.address, direction, owner, peers, port, block.get("description") ?? null, true);
        });
      } else if (value instanceof Map) {
        this.fail(i.address, direction, `its ${direction} is one object, not a list of rules`);
      } else if (value !== null) {
        // Inline rules that the configuration does not set are not managed here: a new group has
        // none (the provider removes AWS's default egress), and a plan's configuration, which
        // keeps no trace of `dynamic` blocks, is read only where the .tf files confirm it.
        const unmanaged = value instanceof Ref && config !== undefined && this.view.config(i.module)?.detail === "full" && config.attribute(direction) === undefined;
        if (!unmanaged) {
          const hint = this.view.config(i.module)?.detail === "full" ? "" : " (a plan's JSON keeps no dynamic blocks: pass --config DIR with the configuration's .tf files)";
          this.fail(i.address, direction, `${unknownReason(value, `its ${direction} rules`)}${hint}`);
        }
      }
    }
  }

  /** The peers of a block with CIDR lists, prefix lists, groups and `self`. */
  private blockPeers(address: string, prefix: string, block: Map<string, Value>, owner: ReadGroup, groupKey: string): Endpoint[] {
    const peers: Endpoint[] = [];
    const list = (key: string, each: (items: Value[]) => Endpoint[]) => {
      const value = block.get(key) ?? null;
      if (value === null) return;
      if (Array.isArray(value)) appendAll(peers, each(value));
      else if (key === "source_security_group_id") appendAll(peers, each([value]));
      else this.fail(address, `${prefix}${key}`, unknownReason(value, key));
    };
    list("cidr_blocks", (items) => this.cidrPeers(address, `${prefix}cidr_blocks`, items, "ipv4"));
    list("ipv6_cidr_blocks", (items) => this.cidrPeers(address, `${prefix}ipv6_cidr_blocks`, items, "ipv6"));
    list("prefix_list_ids", (items) => this.listPeers(address, `${prefix}prefix_list_ids`, items));
    list(groupKey, (items) => this.groupPeers(address, `${prefix}${groupKey}`, items, owner));
    const self = block.get("self") ?? null;
    if (self === true) peers.push({ kind: "service", name: owner.target });
    else if (self !== false && self !== null) this.fail(address, `${prefix}self`, unknownReason(self, "self"));
    return peers;
  }

  private cidrPeers(address: string, attribute: string, items: Value[], expected: Family): Endpoint[] {
    const out: Endpoint[] = [];
    items.forEach((item, n) => {
      const at = items.length > 1 || attribute.endsWith("blocks") ? `${attribute}[${n}]` : attribute;
      if (typeof item !== "string") {
        this.fail(address, at, unknownReason(item, "a CIDR"));
        return;
      }
      const parsed = parseCidr(item);
      if (!parsed.ok) {
        this.fail(address, at, `${JSON.stringify(item)} is not a CIDR AWS accepts`);
        return;
      }
      if (parsed.cidr.family !== expected) {
        this.fail(address, at, `${item} is not an ${expected === "ipv4" ? "IPv4" : "IPv6"} range`);
        return;
      }
      const { family, canonical } = parsed.cidr;
      out.push(canonical === anyAddress(family) ? { kind: "internet", family } : { kind: "cidr", cidr: canonical, family });
    });
    return out;
  }

  private listPeers(address: string, attribute: string, items: Value[]): Endpoint[] {
    const out: Endpoint[] = [];
    items.forEach((item, n) => {
      const at = attribute.endsWith("ids") ? `${attribute}[${n}]` : attribute;
      if (typeof item === "string" && !this.prefixListOf(item)) {
        out.push({ kind: "prefixList", id: item });
        return;
      }
      const list = this.prefixListOf(item) ?? (item instanceof Unknown && item.candidates ? this.onlyList(item.candidates) : undefined);
      if (list) out.push({ kind: "network", name: list.network, family: list.family });
      else this.fail(address, at, unknownReason(item, "the prefix list"));
    });
    return out;
  }

  private onlyList(candidates: readonly Value[]): ReadPrefixList | undefined {
    const lists = new Set(candidates.map((c) => this.prefixListOf(c)));
    return lists.size === 1 ? [...lists][0] : undefined;
  }

  private groupPeers(address: string, attribute: string, items: Value[], owner: ReadGroup): Endpoint[] {
    const out: Endpoint[] = [];
    items.forEach((item, n) => {
      const at = attribute.endsWith("groups") ? `${attribute}[${n}]` : attribute;
      const ref = this.groupRef(item);
      if (ref === null) return;
      if (typeof ref === "string") this.fail(address, at, `the group ${ref}`);
      else out.push(this.groupEndpoint(ref, owner));
    });
    return out;
  }

  /** The protocol and ports of a rule, as AWS reads them; undefined (with a reason recorded) when unreadable or invalid. */
  private portOf(address: string, prefix: string, protocol: Value, from: Value, to: Value): PortSpec | undefined {
    const parsed = readPort(protocol, from, to);
    if (typeof parsed === "string") {
      this.fail(address, `${prefix}protocol`, parsed);
      return undefined;
    }
    return parsed;
  }

  private push(address: string, direction: "ingress" | "egress", owner: ReadGroup | undefined, peers: Endpoint[], port: PortSpec | undefined, description: Value, inline: boolean): void {
    if (!owner || !port) return;
    for (const peer of peers) {
      this.rules.push({
        address,
        direction,
        service: owner.target,
        ...(owner.external ? { owner: { kind: "securityGroup", id: owner.target } as Endpoint } : {}),
        peer,
        port: fitPort(port, peer),
        ...(typeof description === "string" && description !== "" ? { description } : {}),
        inline,
      });
    }
  }
}

/** Why a value is not what was needed, in words: `its CIDR is aws_eip.nat.public_ip, known only after apply`. */
function unknownReason(value: Value, what: string): string {
  if (value instanceof Ref) return `${what} is ${value.toString()}, known only after apply`;
  if (value instanceof Unknown) {
    const reasons = value.reasons.filter(Boolean);
    if (value.candidates) return `${what} may be any of ${value.candidates.map(describeValue).join(", ")}${reasons.length ? ` (${reasons.join("; ")})` : ""}`;
    return `${what} is not known${reasons.length ? `: ${reasons.join("; ")}` : " until apply"}`;
  }
  if (value instanceof Failure) return `${what} cannot be evaluated: ${value.message}`;
  if (value instanceof Lazy) return `${what} is ${value.label}, not a value`;
  const reasons = reasonsOf(value);
  if (reasons.length > 0) return `${what} is not known: ${reasons.join("; ")}`;
  return `${what} is ${describeValue(value)}, which is not what AWS expects`;
}

/** IP protocol names AWS accepts besides tcp, udp, icmp and icmpv6, by number; a Map, so that `constructor` is no name. */
const PROTOCOL_NAMES = new Map<string, number>([["ah", 51], ["esp", 50], ["gre", 47], ["ipv6", 41], ["igmp", 2], ["sctp", 132], ["egp", 8], ["pim", 103], ["vrrp", 112]]);

/** The protocols whose ports (or ICMP type and code) AWS reads, by name and by number. */
const PORTED_PROTOCOLS = new Map<string, "tcp" | "udp" | "icmp" | "icmpv6">([["tcp", "tcp"], ["udp", "udp"], ["icmp", "icmp"], ["icmpv6", "icmpv6"], ["ipv6-icmp", "icmpv6"]]);
const PORTED_NUMBERS = new Map<number, "tcp" | "udp" | "icmp" | "icmpv6">([[6, "tcp"], [17, "udp"], [1, "icmp"], [58, "icmpv6"]]);

/**
 * A protocol as AWS parses it: a name, or a number (EC2 reads `"006"` as 6, which is tcp);
 * undefined when it is neither.
 */
function parseProtocol(raw: string): "tcp" | "udp" | "icmp" | "icmpv6" | "all" | { number: number } | undefined {
  if (raw === "all") return "all";
  if (/^-?\d{1,5}$/.test(raw)) {
    const number = Number(raw);
    if (number === -1) return "all";
    if (number < 0 || number > 255) return undefined;
    return PORTED_NUMBERS.get(number) ?? { number };
  }
  const named = PORTED_PROTOCOLS.get(raw);
  if (named) return named;
  const number = PROTOCOL_NAMES.get(raw);
  return number === undefined ? undefined : { number };
}

/**
 * A rule's protocol and ports as AWS reads them, or why they are not valid: `-1`/`all` is every
 * protocol; tcp and udp take a range within 0-65535 (tcp 0-0 is port 0 alone, and EC2 refuses
 * -1); ICMP's from and to ports are its type and code (-1 for all); any other protocol number
 * is allowed whole.
 */
export function readPort(protocolValue: Value, fromValue: Value, toValue: Value): PortSpec | string {
  if (typeof protocolValue !== "string" && typeof protocolValue !== "number") return unknownReason(protocolValue, "the protocol");
  const protocol = parseProtocol(String(protocolValue).trim().toLowerCase());
  if (protocol === undefined) return `protocol ${JSON.stringify(protocolValue)} is not one AWS accepts (a name such as tcp, or a number 0-255, or -1 for all)`;
  if (protocol === "all") return { protocol: "all" };
  if (typeof protocol === "object") return { protocol: "ip", number: protocol.number };
  const from = fromValue === null ? undefined : typeof fromValue === "number" ? fromValue : typeof fromValue === "string" && /^-?\d+$/.test(fromValue) ? Number(fromValue) : NaN;
  const to = toValue === null ? undefined : typeof toValue === "number" ? toValue : typeof toValue === "string" && /^-?\d+$/.test(toValue) ? Number(toValue) : NaN;
  if (Number.isNaN(from)) return unknownReason(fromValue, "from_port");
  if (Number.isNaN(to)) return unknownReason(toValue, "to_port");
  if (protocol === "icmp" || protocol === "icmpv6") {
    if (from === undefined || from === -1) return { protocol };
    if (!Number.isInteger(from) || from < 0 || from > 255) return `ICMP type ${from} is not one AWS accepts (0-255, or -1 for all)`;
    if (to === undefined || to === -1) return { protocol, type: from };
    if (!Number.isInteger(to) || to < 0 || to > 255) return `ICMP code ${to} is not one AWS accepts (0-255, or -1 for all)`;
    return { protocol, type: from, code: to };
  }
  if (from === undefined || to === undefined) return `${protocol} needs from_port and to_port`;
  if (from === -1 || to === -1) return `EC2 refuses ${protocol} with port -1: give a range within 0-65535`;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535) return `ports ${from}-${to} are outside 0-65535`;
  if (from > to) return `the port range ${from}-${to} runs backwards, which EC2 refuses`;
  return { protocol, from, to };
}

/** ICMP towards IPv6 peers is ICMPv6, as sgc compiles it; and the other way round. */
export function fitPort(port: PortSpec, peer: Endpoint): PortSpec {
  const ipv6 = (peer.kind === "internet" || peer.kind === "cidr" || peer.kind === "network") && peer.family === "ipv6";
  const ipv4 = (peer.kind === "internet" || peer.kind === "cidr" || peer.kind === "network") && peer.family === "ipv4";
  if (ipv6 && port.protocol === "icmp") return { ...port, protocol: "icmpv6" };
  if (ipv4 && port.protocol === "icmpv6") return { ...port, protocol: "icmp" };
  return port;
}

/**
 * Rules without their mirrors: a state (and a plan against one) lists, inline on a group, the
 * rules that `aws_security_group_rule` and the VPC rule resources created on it. One AWS rule
 * is counted once, under the resource that manages it; a mirror of a rule resource of the prior
 * state that the plan no longer has goes with it.
 */
function withoutMirrors(rules: ReadRule[], priorSeparate: readonly ReadRule[]): ReadRule[] {
  const key = (r: ReadRule) => `${r.service}\u0000${r.direction}\u0000${JSON.stringify(r.peer)}\u0000${JSON.stringify(r.port)}`;
  // Only groups with inline rules can have mirrors: the keys of other groups' rules are not needed.
  const withInline = new Set(rules.filter((r) => r.inline).map((r) => r.service));
  if (withInline.size === 0) return rules;
  const separate = new Set([...rules, ...priorSeparate].filter((r) => !r.inline && withInline.has(r.service)).map(key));
  return rules.filter((r) => !r.inline || !separate.has(key(r)));
}

function stringMap(value: Value): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(value instanceof Map)) return out;
  for (const [k, v] of value) if (typeof v === "string") out[k] = v;
  return out;
}

/** Group metadata that sgc writes as tags, read back: tier, tiers, ports, workloads. */
export function groupTags(group: ReadGroup): { tier?: string; tiers: string[]; ports: string[]; workloads: string[] } {
  const words = (key: string) => readWordTags(group.tags, key);
  return { tier: group.tags[TAG_TIER], tiers: words(TAG_TIERS), ports: words(TAG_PORTS), workloads: words(TAG_WORKLOADS) };
}
