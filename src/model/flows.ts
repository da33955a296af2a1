import { comparePorts, covers, formatPort, intersect, mergeRanges } from "./ports";
import { Endpoint, Flow, Model, Network, PortSpec, Rule } from "./types";

/**
 * What the evaluator needs of a rule: which group, which direction, which peer, which ports.
 * `owner` is the group as an endpoint when it is not a managed service (a group outside the
 * input, known by its id, that rules here are attached to).
 */
export type RuleLike = Pick<Rule, "direction" | "service" | "peer" | "port"> & { owner?: Endpoint };

/** A stable, unique text key for an endpoint: `service:web`, `network:office:ipv4`, `internet:ipv6`, `cidr:10.0.0.0/8`. */
export function endpointKey(e: Endpoint): string {
  switch (e.kind) {
    case "service":
      return `service:${e.name}`;
    case "network":
      return `network:${e.name}:${e.family}`;
    case "internet":
      return `internet:${e.family}`;
    case "cidr":
      return `cidr:${e.cidr}`;
    case "prefixList":
      return `prefix-list:${e.id}`;
    case "securityGroup":
      return `security-group:${e.id}`;
  }
}

/** A short readable name for an endpoint: `web`, `office (ipv4)`, `internet (ipv6)`, `10.0.0.0/8`. */
export function formatEndpoint(e: Endpoint): string {
  switch (e.kind) {
    case "service":
      return e.name;
    case "network":
      return `${e.name} (${e.family})`;
    case "internet":
      return `internet (${e.family})`;
    case "cidr":
      return e.cidr;
    case "prefixList":
      return e.id;
    case "securityGroup":
      return e.id;
  }
}

/** A stable text key for a flow: `service:web -> service:app tcp/8080`. */
export function flowKey(flow: Flow): string {
  return `${endpointKey(flow.from)} -> ${endpointKey(flow.to)} ${formatPort(flow.port)}`;
}

/**
 * Whether egress from a group to `peer` (a CIDR, the internet, a prefix list) may reach the
 * members of the group `to`: AWS matches a group's egress on the destination's address.
 */
export type EgressReach = (peer: Endpoint, to: string) => boolean;

/** Without knowledge of the VPC's addresses, only the internet (0.0.0.0/0, ::/0) holds every group. */
export const INTERNET_REACHES: EgressReach = (peer) => peer.kind === "internet";

/**
 * Whether egress to `peer` may reach any group, as sgc reads Terraform whose VPC ranges it does
 * not know (a manifest names its VPC by id only): the internet, prefix lists and every range may
 * (AWS lets a VPC use public ranges too, and a /32 may be one of a group's members), a network
 * when it has a CIDR of the peer's family. A manifest's flows are evaluated so: only adopted
 * services rely on it (their derived egress is left out where their own egress already reaches
 * the service); for every other service the derived egress allows exactly what the consumer was
 * granted, so their flows are the same either way.
 */
export function reachesWithoutVpc(networks: readonly Pick<Network, "name" | "entries">[]): EgressReach {
  const byName = new Map(networks.map((n) => [n.name, n]));
  return (peer: Endpoint): boolean => {
    switch (peer.kind) {
      case "internet":
      case "prefixList":
      case "cidr":
        return true;
      case "network": {
        const network = byName.get(peer.name);
        return !network || network.entries.some((e) => e.family === peer.family);
      }
      default:
        return false;
    }
  };
}

/** The flows a compiled manifest allows. */
export function modelFlows(model: Pick<Model, "rules" | "networks">): Flow[] {
  return evaluate(model.rules, reachesWithoutVpc(model.networks));
}

/**
 * The flows a set of rules allows, as AWS applies them. Between two groups (a group and itself
 * included) a flow needs the destination's ingress from the source's group and the source's
 * egress towards the destination: egress naming the destination's group, or egress to a range
 * that holds the destination's addresses (`reaches`); the flow is on the ports both allow. To or
 * from anything else, the one rule suffices.
 */
export function evaluate(rules: readonly RuleLike[], reaches: EgressReach = INTERNET_REACHES): Flow[] {
  const egressToGroups = new Map<string, PortSpec[]>();
  const egressToRanges = new Map<string, RuleLike[]>();
  for (const rule of rules) {
    if (rule.direction !== "egress") continue;
    if (rule.peer.kind === "service" || rule.peer.kind === "securityGroup") {
      const key = `${rule.service}\u0000${rule.peer.kind === "service" ? rule.peer.name : rule.peer.id}`;
      const list = egressToGroups.get(key);
      if (list) list.push(rule.port);
      else egressToGroups.set(key, [rule.port]);
    } else {
      const list = egressToRanges.get(rule.service);
      if (list) list.push(rule);
      else egressToRanges.set(rule.service, [rule]);
    }
  }
  const flows: Flow[] = [];
  for (const rule of rules) {
    const self: Endpoint = rule.owner ?? { kind: "service", name: rule.service };
    if (rule.direction === "ingress") {
      if (rule.peer.kind === "service") {
        const source = rule.peer.name;
        const outs = [...(egressToGroups.get(`${source}\u0000${rule.service}`) ?? [])];
        for (const out of egressToRanges.get(source) ?? []) if (reaches(out.peer, rule.service)) outs.push(out.port);
        for (const out of outs) {
          const port = intersect(rule.port, out);
          if (port) flows.push({ from: rule.peer, to: self, port });
        }
      } else {
        flows.push({ from: rule.peer, to: self, port: rule.port });
      }
    } else if (rule.peer.kind !== "service") {
      flows.push({ from: self, to: rule.peer, port: rule.port });
    }
  }
  return canonicalFlows(flows);
}

/**
 * The same access in one spelling: per pair of endpoints, `all` absorbs everything else and
 * tcp or udp ranges are merged into disjoint maximal ranges; sorted by key.
 */
export function canonicalFlows(flows: readonly Flow[]): Flow[] {
  const byPair = new Map<string, { from: Endpoint; to: Endpoint; ports: PortSpec[] }>();
  for (const flow of flows) {
    const key = `${endpointKey(flow.from)}\u0000${endpointKey(flow.to)}`;
    const entry = byPair.get(key);
    if (entry) entry.ports.push(flow.port);
    else byPair.set(key, { from: flow.from, to: flow.to, ports: [flow.port] });
  }
  const out: Flow[] = [];
  for (const key of [...byPair.keys()].sort()) {
    const { from, to, ports } = byPair.get(key)!;
    for (const port of canonicalPorts(ports)) out.push({ from, to, port });
  }
  return out;
}

/**
 * A set of ports in one spelling: `all` alone, or merged ranges per protocol, then ICMP (all
 * types, or the types and codes not covered by another item), then other protocols.
 */
export function canonicalPorts(ports: readonly PortSpec[]): PortSpec[] {
  if (ports.some((p) => p.protocol === "all")) return [{ protocol: "all" }];
  const out: PortSpec[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    const ranges = ports.filter((p) => p.protocol === protocol) as { from: number; to: number }[];
    for (const r of mergeRanges(ranges)) out.push({ protocol, from: r.from, to: r.to });
  }
  const others = [...new Map(ports.filter((p) => p.protocol !== "tcp" && p.protocol !== "udp").map((p) => [formatPort(p), p])).values()];
  out.push(...others.filter((p) => !others.some((q) => q !== p && covers(q, p))));
  return out.sort(comparePorts);
}

/** Ports in `a` that `b` does not allow; `all` and all of ICMP are taken as wholes (all minus some is not spelled). */
export function subtractPorts(a: readonly PortSpec[], b: readonly PortSpec[]): PortSpec[] {
  const left = canonicalPorts(a);
  const right = canonicalPorts(b);
  const out: PortSpec[] = [];
  for (const port of left) {
    if (port.protocol !== "tcp" && port.protocol !== "udp") {
      if (!right.some((p) => covers(p, port))) out.push(port);
      continue;
    }
    if (right.some((p) => p.protocol === "all")) continue;
    let pieces = [{ from: port.from, to: port.to }];
    for (const r of right) {
      if (r.protocol !== port.protocol) continue;
      pieces = pieces.flatMap((piece) => {
        if (r.to < piece.from || r.from > piece.to) return [piece];
        const rest = [];
        if (r.from > piece.from) rest.push({ from: piece.from, to: r.from - 1 });
        if (r.to < piece.to) rest.push({ from: r.to + 1, to: piece.to });
        return rest;
      });
    }
    for (const piece of pieces) out.push({ protocol: port.protocol, ...piece });
  }
  return out;
}

/** The flows `head` allows that `base` does not (added), and the other way round (removed). */
export function diffFlows(base: readonly Flow[], head: readonly Flow[]): { added: Flow[]; removed: Flow[] } {
  const byPair = (flows: readonly Flow[]) => {
    const map = new Map<string, { from: Endpoint; to: Endpoint; ports: PortSpec[] }>();
    for (const f of flows) {
      const key = `${endpointKey(f.from)}\u0000${endpointKey(f.to)}`;
      const entry = map.get(key) ?? { from: f.from, to: f.to, ports: [] };
      entry.ports.push(f.port);
      map.set(key, entry);
    }
    return map;
  };
  const before = byPair(base);
  const after = byPair(head);
  const added: Flow[] = [];
  const removed: Flow[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    const pair = (a ?? b)!;
    for (const port of subtractPorts(a?.ports ?? [], b?.ports ?? [])) added.push({ from: pair.from, to: pair.to, port });
    for (const port of subtractPorts(b?.ports ?? [], a?.ports ?? [])) removed.push({ from: pair.from, to: pair.to, port });
  }
  return { added: canonicalFlows(added), removed: canonicalFlows(removed) };
}
