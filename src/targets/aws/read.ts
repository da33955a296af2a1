import { anyAddress, parseCidr } from "../../model/cidr";
import { RuleLike } from "../../model/flows";
import { Endpoint, PortSpec } from "../../model/types";
import { EGRESS_TYPE, GROUP_TYPE, INGRESS_TYPE, parseReference, PREFIX_LIST_TYPE, TAG_NETWORK, TAG_SERVICE } from "./names";

/** A resource of a Terraform configuration: its address, type and attribute values. */
export interface TerraformResource {
  address: string;
  type: string;
  name: string;
  values: Record<string, unknown>;
}

/** A rule read back from Terraform, with the address it came from. */
export interface ReadRule extends RuleLike {
  address: string;
}

/** Whether parsed JSON looks like a synthesized Terraform configuration (`cdk.tf.json`). */
export function isTerraformJson(value: unknown): value is { resource?: Record<string, Record<string, Record<string, unknown>>> } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return ("resource" in v || "terraform" in v || "provider" in v) && !("planned_values" in v);
}

/** The resources of a synthesized Terraform JSON configuration, in a stable order. */
export function resourcesOfTerraformJson(config: { resource?: Record<string, Record<string, Record<string, unknown>>> }): TerraformResource[] {
  const out: TerraformResource[] = [];
  for (const type of Object.keys(config.resource ?? {}).sort()) {
    for (const name of Object.keys(config.resource![type]).sort()) {
      out.push({ address: `${type}.${name}`, type, name, values: config.resource![type][name] });
    }
  }
  return out;
}

/**
 * Reads the security-group rules of Terraform resources back into neutral rules. A group is
 * named by its `sgc:service` tag (else its resource name); a managed prefix list stands for
 * its network (`sgc:network` tag, else its resource name) in its address family.
 */
export function readRules(resources: readonly TerraformResource[]): ReadRule[] {
  const groups = new Map<string, string>();
  const lists = new Map<string, Endpoint>();
  for (const r of resources) {
    const tags = (r.values.tags ?? {}) as Record<string, string>;
    if (r.type === GROUP_TYPE) groups.set(r.name, tags[TAG_SERVICE] ?? r.name);
    if (r.type === PREFIX_LIST_TYPE) {
      const family = String(r.values.address_family).toLowerCase() === "ipv6" ? "ipv6" : "ipv4";
      lists.set(r.name, { kind: "network", name: tags[TAG_NETWORK] ?? r.name, family });
    }
  }
  const rules: ReadRule[] = [];
  for (const r of resources) {
    if (r.type !== INGRESS_TYPE && r.type !== EGRESS_TYPE) continue;
    const owner = parseReference(r.values.security_group_id);
    if (!owner || owner.type !== GROUP_TYPE || !groups.has(owner.name)) continue;
    const peer = peerOf(r.values, groups, lists);
    const port = portOf(r.values);
    if (!peer || !port) continue;
    rules.push({ address: r.address, direction: r.type === INGRESS_TYPE ? "ingress" : "egress", service: groups.get(owner.name)!, peer, port });
  }
  return rules;
}

function peerOf(values: Record<string, unknown>, groups: Map<string, string>, lists: Map<string, Endpoint>): Endpoint | undefined {
  const cidr = (values.cidr_ipv4 ?? values.cidr_ipv6) as string | undefined;
  if (typeof cidr === "string") {
    const parsed = parseCidr(cidr);
    if (!parsed.ok) return undefined;
    const { family, canonical } = parsed.cidr;
    return canonical === anyAddress(family) ? { kind: "internet", family } : { kind: "cidr", cidr: canonical, family };
  }
  const list = values.prefix_list_id;
  if (typeof list === "string") {
    const ref = parseReference(list);
    if (ref) return ref.type === PREFIX_LIST_TYPE ? lists.get(ref.name) : undefined;
    return { kind: "prefixList", id: list };
  }
  const group = values.referenced_security_group_id;
  if (typeof group === "string") {
    const ref = parseReference(group);
    if (ref) return ref.type === GROUP_TYPE && groups.has(ref.name) ? { kind: "service", name: groups.get(ref.name)! } : undefined;
    return { kind: "securityGroup", id: group };
  }
  return undefined;
}

const PROTOCOL_NUMBERS: Record<string, PortSpec["protocol"]> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "all", all: "all" };

/** The port spec of a rule's `ip_protocol`, `from_port` and `to_port`. */
export function portOf(values: Record<string, unknown>): PortSpec | undefined {
  const raw = String(values.ip_protocol ?? values.protocol ?? "").toLowerCase();
  const protocol = PROTOCOL_NUMBERS[raw] ?? raw;
  if (protocol === "tcp" || protocol === "udp") {
    const from = Number(values.from_port);
    const to = Number(values.to_port);
    if (!Number.isInteger(from) || !Number.isInteger(to)) return undefined;
    if ((from === 0 || from === -1) && (to === 65535 || to === -1 || to === 0)) return { protocol, from: 1, to: 65535 };
    return { protocol, from, to };
  }
  if (protocol === "icmp" || protocol === "icmpv6" || protocol === "all") return { protocol };
  return undefined;
}
