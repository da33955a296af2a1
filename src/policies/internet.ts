import { AddressRange, coversPublicSpace, rangesOf, union } from "../model/address-space";
import { Family, PortSpec } from "../model/types";
import { PolicyInput, PolicyRule } from "./types";

/**
 * The internet in disguise. A rule on 0.0.0.0/0 or ::/0 is plainly the internet; so is a
 * named network, or a set of rules on the same group, port and direction, whose addresses
 * together cover every public address (0.0.0.0/1 and 128.0.0.0/1, say). The internet rules
 * below hold both kinds, so that internet-ingress, admin-ports and open-egress judge them alike.
 */

/** A rule that lets the internet in or out; `disguise` says why, when it is not written as the internet. */
export interface InternetRule extends PolicyRule {
  peer: { kind: "internet"; family: Family };
  /** `network everyone covers every public IPv4 address`; absent for a rule on 0.0.0.0/0 or ::/0. */
  disguise?: string;
}

const cache = new WeakMap<PolicyInput, InternetRule[]>();

/** Every rule of the input that lets the internet in or out, spelled as such or in disguise. */
export function internetRules(input: PolicyInput): InternetRule[] {
  let rules = cache.get(input);
  if (!rules) {
    rules = [...input.rules.filter((r): r is InternetRule => r.peer.kind === "internet"), ...disguisedInternet(input)];
    cache.set(input, rules);
  }
  return rules;
}

/** The addresses a rule's peer stands for in one family: a CIDR, a named network's entries, or the whole internet. */
function addressesOf(rule: PolicyRule, input: PolicyInput, networks: Map<string, AddressRange[]>): AddressRange[] | undefined {
  const peer = rule.peer;
  if (peer.kind === "cidr") return rangesOf([peer.cidr], peer.family);
  if (peer.kind !== "network") return undefined;
  const key = `${peer.name}\u0000${peer.family}`;
  let ranges = networks.get(key);
  if (!ranges) {
    const entries = input.prefixLists.filter((l) => l.network === peer.name && l.family === peer.family).flatMap((l) => l.entries);
    ranges = union(rangesOf(entries, peer.family));
    networks.set(key, ranges);
  }
  return ranges;
}

/** Whether a named network alone covers every public address of its family. */
export function networkIsInternet(input: PolicyInput, name: string, family: Family): boolean {
  const entries = input.prefixLists.filter((l) => l.network === name && l.family === family).flatMap((l) => l.entries);
  return entries.length > 0 && coversPublicSpace(rangesOf(entries, family), family);
}

/** Rules written on raw CIDRs or networks that, per group, direction, family and port, add up to the internet. */
function disguisedInternet(input: PolicyInput): InternetRule[] {
  const networks = new Map<string, AddressRange[]>();
  const byGroup = new Map<string, { rule: PolicyRule; ranges: AddressRange[]; family: Family }[]>();
  const plain = new Map<string, PolicyRule[]>();
  for (const rule of input.rules) {
    const key = `${rule.group}\u0000${rule.direction}`;
    if (rule.peer.kind === "internet") {
      plain.set(`${key}\u0000${rule.peer.family}`, [...(plain.get(`${key}\u0000${rule.peer.family}`) ?? []), rule]);
      continue;
    }
    const ranges = addressesOf(rule, input, networks);
    if (!ranges || ranges.length === 0) continue;
    const family = (rule.peer as { family: Family }).family;
    const list = byGroup.get(key) ?? [];
    list.push({ rule, ranges, family });
    byGroup.set(key, list);
  }
  const out: InternetRule[] = [];
  for (const [key, candidates] of byGroup) {
    for (const family of ["ipv4", "ipv6"] as Family[]) {
      const own = candidates.filter((c) => c.family === family);
      // Most groups stop here: all their addresses together are not the internet.
      if (own.length === 0 || !coversPublicSpace(own.flatMap((c) => c.ranges), family)) continue;
      out.push(...coveredPorts(own, plain.get(`${key}\u0000${family}`) ?? [], family));
    }
  }
  return out;
}

/** A protocol and port range, checked one protocol at a time. */
type Segment = { protocol: PortSpec["protocol"]; from?: number; to?: number };

/**
 * The ports on which the candidates' addresses cover the internet, minus those a plain
 * internet rule already allows (that rule speaks for itself). Each protocol's port line is
 * cut where any candidate's range starts or ends, and each piece is judged on its own.
 */
function coveredPorts(candidates: { rule: PolicyRule; ranges: AddressRange[] }[], plain: PolicyRule[], family: Family): InternetRule[] {
  const out: InternetRule[] = [];
  const allows = (port: PortSpec, segment: Segment) =>
    port.protocol === "all" ||
    (port.protocol === segment.protocol &&
      (segment.from === undefined || ((port as { from: number }).from <= segment.from && segment.to! <= (port as { to: number }).to)));
  const emit = (port: PortSpec, unordered: typeof candidates) => {
    // In address order, so the message reads like the address space it covers.
    const covering = [...unordered].sort((a, b) => (a.ranges[0][0] < b.ranges[0][0] ? -1 : a.ranges[0][0] > b.ranges[0][0] ? 1 : 0));
    const peers = [...new Set(covering.map((c) => describePeer(c.rule)))];
    const every = `every public ${family === "ipv4" ? "IPv4" : "IPv6"} address`;
    // A few names say who; a few hundred would bury the finding.
    const named = peers.length > 4 ? [...peers.slice(0, 3), `${peers.length - 3} more`] : peers;
    const disguise = named.length === 1 ? `${named[0]} covers ${every}` : `${named.slice(0, -1).join(", ")} and ${named[named.length - 1]} together cover ${every}`;
    const first = covering[0].rule;
    out.push({ ...first, peer: { kind: "internet", family }, port, description: undefined, disguise });
  };
  const judge = (segment: Segment): typeof candidates | undefined => {
    if (plain.some((r) => allows(r.port, segment))) return undefined;
    const covering = candidates.filter((c) => allows(c.rule.port, segment));
    return covering.length > 0 && coversPublicSpace(covering.flatMap((c) => c.ranges), family) ? covering : undefined;
  };

  // Rules on every protocol that alone add up to the internet: one finding says it all.
  const everything = judge({ protocol: "all" });
  if (everything) {
    emit({ protocol: "all" }, everything);
    return out;
  }
  for (const protocol of ["tcp", "udp"] as const) {
    const cuts = new Set<number>([1, 65536]);
    for (const port of [...candidates.map((c) => c.rule.port), ...plain.map((r) => r.port)]) {
      if (port.protocol === protocol) {
        cuts.add(port.from);
        cuts.add(port.to + 1);
      }
    }
    const points = [...cuts].sort((a, b) => a - b);
    let open: { from: number; to: number; covering: typeof candidates } | undefined;
    const flush = () => {
      if (open) emit({ protocol, from: open.from, to: open.to }, open.covering);
      open = undefined;
    };
    for (let i = 0; i + 1 < points.length; i++) {
      const segment = { protocol, from: points[i], to: points[i + 1] - 1 };
      const covering = judge(segment);
      if (!covering) {
        flush();
      } else if (open && open.to + 1 === segment.from) {
        open.to = segment.to;
        open.covering = [...new Set([...open.covering, ...covering])];
      } else {
        flush();
        open = { ...segment, covering };
      }
    }
    flush();
  }
  const icmp = family === "ipv4" ? "icmp" : "icmpv6";
  const covering = judge({ protocol: icmp });
  if (covering) emit({ protocol: icmp }, covering);
  return out;
}

/** How a disguise names a rule's peer: `network everyone`, `0.0.0.0/1`. */
function describePeer(rule: PolicyRule): string {
  return rule.peer.kind === "network" ? `network ${rule.peer.name}` : rule.peer.kind === "cidr" ? rule.peer.cidr : rule.peer.kind;
}
