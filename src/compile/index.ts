import { reachesWithoutVpc } from "../model/flows";
import { compareText } from "../model/order";
import { comparePorts, coveredByUnion, portToken } from "../model/ports";
import { Adoption, Endpoint, Family, Model, Network, PortSpec, Rule, Service, SourcePath } from "../model/types";
import { AdoptSpec, Manifest } from "../validate/manifest";
import { networkEntries, parsePorts, Problem, resolvePeer } from "../validate/resolve";

/** Default max entries of a prefix list: room for two more CIDRs, rounded up to a multiple of 5, so small edits keep it. */
export function defaultMaxEntries(count: number): number {
  return Math.min(1000, Math.ceil((count + 2) / 5) * 5);
}

/**
 * Compiles a validated manifest into the provider-neutral model: each consumer becomes an
 * ingress rule on the service (and, for a service consumer, the matching egress rule on the
 * consumer), each peer port a rule pair on the group itself, each egress entry an egress rule.
 */
export function compile(manifest: Manifest): Model {
  const problems: Problem[] = [];
  const rules: Rule[] = [];
  const add = (rule: Omit<Rule, "id">) => rules.push({ ...rule, id: ruleId(rule) });

  const services: Service[] = Object.keys(manifest.services)
    .sort()
    .map((name) => {
      const spec = manifest.services[name];
      const at = ["services", name];
      const ports = spec.ports ? parsePorts(spec.ports, [...at, "ports"], problems) : [];
      spec.consumers?.forEach((consumer, index) => {
        const path = [...at, "consumers", index];
        const resolved = resolvePeer(manifest, name, consumer, path, "consumer", problems);
        if (!resolved) return;
        for (const peer of resolved.endpoints) {
          for (const port of resolved.ports ?? ports) {
            const spelled = forPeer(port, peer);
            add({ direction: "ingress", service: name, peer, port: spelled, description: resolved.description ?? describe("from", peer, resolved.network), origin: "consumer", at: path });
            if (peer.kind === "service") {
              // Egress is derived: the consumer may reach the service on exactly the ports it was granted.
              add({ direction: "egress", service: peer.name, peer: { kind: "service", name }, port: spelled, description: `to ${name}`, origin: "derived-egress", at: path });
            }
          }
        }
      });
      if (spec.peers) {
        const self: Endpoint = { kind: "service", name };
        for (const port of parsePorts(spec.peers, [...at, "peers"], problems)) {
          const description = `between ${name} members`;
          add({ direction: "ingress", service: name, peer: self, port, description, origin: "peer", at: [...at, "peers"] });
          add({ direction: "egress", service: name, peer: self, port, description, origin: "peer", at: [...at, "peers"] });
        }
      }
      spec.egress?.forEach((entry, index) => {
        const path = [...at, "egress", index];
        const resolved = resolvePeer(manifest, name, entry, path, "egress", problems);
        if (!resolved) return;
        for (const peer of resolved.endpoints) {
          for (const port of resolved.ports ?? []) {
            add({ direction: "egress", service: name, peer, port: forPeer(port, peer), description: resolved.description ?? describe("to", peer, resolved.network), origin: "egress", at: path });
          }
        }
      });
      return { name, description: spec.description, tier: spec.tier, ports: [...ports].sort(comparePorts), at, ...(spec.adopt ? { adopt: adoption(spec.adopt) } : {}) };
    });

  const networks: Network[] = Object.keys(manifest.networks ?? {})
    .sort()
    .map((name) => {
      const spec = manifest.networks![name];
      const entries = networkEntries(manifest, name, problems).map((e) => ({
        cidr: e.cidr,
        family: e.family,
        description: e.description ?? spec.description ?? name,
      }));
      const maxEntries: Partial<Record<Family, number>> = {};
      for (const family of ["ipv4", "ipv6"] as Family[]) {
        const count = entries.filter((e) => e.family === family).length;
        if (count > 0 && spec.prefixList !== false) maxEntries[family] = spec.maxEntries ?? defaultMaxEntries(count);
      }
      return { name, description: spec.description, entries, maxEntries, ...(spec.prefixList === false ? { prefixList: false as const } : {}), at: ["networks", name] };
    });

  if (problems.length > 0) {
    throw new Error(`compile() was given an invalid manifest: ${problems.map((p) => `${p.path.join(".")}: ${p.message}`).join("; ")}`);
  }
  rules.sort((a, b) => compareText(a.direction, b.direction) || compareText(a.id, b.id));
  assertUnique(rules);

  const aws = manifest.aws;
  // A service that adopts the VPC's default group manages it; sgc does not also close it.
  const adoptsDefault = services.some((s) => s.adopt?.default && (s.adopt.vpcId ?? aws.vpcId) === aws.vpcId);
  return {
    name: manifest.name,
    aws: {
      region: aws.region,
      vpcId: aws.vpcId,
      tags: aws.tags ?? {},
      closeDefaultSecurityGroup: aws.closeDefaultSecurityGroup ?? !adoptsDefault,
      ...(aws.backend ? { backend: { ...aws.backend.s3, encrypt: aws.backend.s3.encrypt ?? true } } : {}),
    },
    tiers: manifest.tiers ?? [],
    services,
    networks,
    workloads: Object.keys(manifest.workloads ?? {})
      .sort()
      .map((name) => ({ name, services: [...manifest.workloads![name]].sort(), at: ["workloads", name] as SourcePath })),
    rules: adoptRules(rules, services, networks),
  };
}

function adoption(spec: AdoptSpec): Adoption {
  return {
    ...(spec.securityGroup !== undefined ? { securityGroup: spec.securityGroup } : {}),
    ...(spec.address !== undefined ? { address: spec.address } : {}),
    ...(spec.name !== undefined ? { name: spec.name } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.vpcId !== undefined ? { vpcId: spec.vpcId } : {}),
    default: spec.default === true,
    tags: spec.tags ?? {},
    rules: { ingress: spec.rules?.ingress ?? {}, egress: spec.rules?.egress ?? {} },
  };
}

/**
 * The rules of adopted services as they stand in AWS: each rule listed in `adopt.rules` takes
 * over that AWS rule (synth imports it). And an adopted service's own egress may already allow
 * what a consumer or peer derives (a console group's egress to 0.0.0.0/0 allows everything):
 * such a derived egress rule is left out unless it exists in AWS, so adoption creates none,
 * and the flows are the same, as AWS reaches a group through egress to a range that holds it.
 * When that egress is later narrowed, the derived rule comes back by itself. Services that
 * adopt nothing keep every derived rule: their output does not change.
 */
function adoptRules(rules: Rule[], services: readonly Service[], networks: readonly Network[]): Rule[] {
  const adopted = new Map(services.filter((s) => s.adopt).map((s) => [s.name, s.adopt!]));
  if (adopted.size === 0) return rules;
  const reaches = reachesWithoutVpc(networks);
  const reaching = new Map<string, PortSpec[]>();
  for (const rule of rules) {
    if (rule.direction === "egress" && rule.origin === "egress" && adopted.has(rule.service) && reaches(rule.peer, "")) {
      reaching.set(rule.service, [...(reaching.get(rule.service) ?? []), rule.port]);
    }
  }
  return rules.flatMap((rule) => {
    const adopt = adopted.get(rule.service);
    if (!adopt) return [rule];
    const importId = adopt.rules[rule.direction][rule.id];
    if (importId !== undefined) return [{ ...rule, importId }];
    const derived = rule.direction === "egress" && (rule.origin === "derived-egress" || rule.origin === "peer");
    return derived && coveredByUnion(reaching.get(rule.service) ?? [], rule.port) ? [] : [rule];
  });
}

/** ICMP towards an IPv6 address is ICMPv6. */
function forPeer(port: PortSpec, peer: Endpoint): PortSpec {
  const ipv6 = (peer.kind === "internet" || peer.kind === "network" || peer.kind === "cidr") && peer.family === "ipv6";
  return port.protocol === "icmp" && ipv6 ? { ...port, protocol: "icmpv6" } : port;
}

/**
 * A rule description derived from a named peer (`from web`, `to internet`); none for raw
 * addresses and ids. A CIDR of a network without a prefix list is described by its own entry's
 * description, else by the network's name.
 */
function describe(direction: "from" | "to", peer: Endpoint, network?: { name: string; descriptions: Map<string, string> }): string | undefined {
  if (network && peer.kind === "cidr") return network.descriptions.get(peer.cidr) ?? `${direction} ${network.name}`;
  switch (peer.kind) {
    case "service":
    case "network":
      return `${direction} ${peer.name}`;
    case "internet":
      return `${direction} internet`;
    default:
      return undefined;
  }
}

/** The part of a rule id that names its peer; never contains `__` and never collides across kinds. */
function peerToken(peer: Endpoint): string {
  switch (peer.kind) {
    case "service":
      return peer.name; // service names have no underscore, so no other token can equal one
    case "network":
      return `${peer.name}_${peer.family}`;
    case "internet":
      return `internet_${peer.family}`;
    case "cidr":
      return `cidr_${peer.cidr.replace(/[.:]/g, "-").replace("/", "_")}`;
    case "prefixList":
      return `prefix-list_${peer.id}`;
    case "securityGroup":
      return `sg_${peer.id.replace("/", "_")}`;
  }
}

/**
 * A rule's id, derived from names only (never list positions), so reordering or adding entries
 * leaves every other rule as it was: `mysql__from_app__tcp_3306`, `app__to_mysql__tcp_3306`,
 * `mysql__peer__tcp_1186`.
 */
export function ruleId(rule: Pick<Rule, "direction" | "service" | "peer" | "port">): string {
  const isSelf = rule.peer.kind === "service" && rule.peer.name === rule.service;
  const middle = isSelf ? "peer" : `${rule.direction === "ingress" ? "from" : "to"}_${peerToken(rule.peer)}`;
  return `${rule.service}__${middle}__${portToken(rule.port)}`;
}

function assertUnique(rules: Rule[]): void {
  for (let i = 1; i < rules.length; i++) {
    const [a, b] = [rules[i - 1], rules[i]];
    if (a.direction === b.direction && a.id === b.id) throw new Error(`two ${a.direction} rules share the id ${a.id}`);
  }
}
