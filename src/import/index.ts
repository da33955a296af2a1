import { Diagnostic } from "../diagnostics";
import { ruleId } from "../compile";
import { anyAddress, compareCidrs, parseCidr } from "../model/cidr";
import { endpointKey, reachesWithoutVpc } from "../model/flows";
import { compareText } from "../model/order";
import { comparePorts, coveredByUnion, covers, formatPort, intersect, overlaps, PortItem } from "../model/ports";
import { Endpoint, Family, PortSpec } from "../model/types";
import { Deployed, DeployedGroup, DeployedRule, Place } from "../targets/aws/deployed";
import { TAG_SERVICE } from "../targets/aws/names";
import { AdoptSpec, ConsumerSpec, EgressSpec, Manifest, NetworkSpec, ServiceSpec } from "../validate/manifest";
import { Names, slug } from "./names";

/**
 * `sgc import`: what is deployed (a state, a plan, the AWS CLI's listing) as a manifest that
 * allows exactly the same, and that adopts the existing groups and rules instead of replacing
 * them. Each group becomes a service; references between groups become consumers (whose egress
 * is derived); other sources and destinations become consumers and egress entries as they are;
 * CIDR sets used in several places become networks without a prefix list, so every AWS rule
 * stays the rule it is. Where the manifest cannot say what the source allows, import fails
 * with the reason, located in the source; rules that allow nothing are left out, reported.
 */

/** How to import: the stack's name, and the region when the input does not show it. */
export interface ImportOptions {
  name: string;
  region?: string;
}

/** A YAML comment to write above a node of the manifest. */
export interface ManifestComment {
  path: (string | number)[];
  text: string;
}

/** What import counts, for its summary line. */
export interface ImportSummary {
  services: number;
  networks: number;
  /** Groups and rules the first plan imports. */
  imported: { groups: number; rules: number };
  /** Rules that exist but that the input gives no id for: Terraform would try to create them. */
  withoutIds: number;
  /** Rules the first plan creates although they do not exist (derived egress the source reaches otherwise, or what a plan creates). */
  created: number;
}

/** A manifest imported: the manifest, comments to write with it, what to tell the user. */
export interface Imported {
  manifest: Manifest;
  comments: ManifestComment[];
  warnings: Diagnostic[];
  summary: ImportSummary;
}

/** Imports what is deployed, or says (located) why the manifest cannot hold it. */
export function importDeployed(deployed: Deployed, options: ImportOptions): { ok: true; imported: Imported } | { ok: false; diagnostics: Diagnostic[] } {
  return new Importer(deployed, options).run();
}

/** A source rule as the manifest will hold it. */
interface Kept {
  rule: DeployedRule;
  /** The peer as the manifest names it. */
  peer: Endpoint;
  /** The port as the manifest spells it (icmp towards IPv6 is written icmp). */
  item: PortSpec;
  /** The port as sgc compiles it for this peer (the rule's own). */
  port: PortSpec;
}

/**
 * A consumer or egress entry being built: its peer and port items (`kept`, one rule each), and
 * every rule it stands for (`all`: each CIDR of a network, both halves of the internet).
 */
interface Entry {
  peer: Endpoint;
  kept: Kept[];
  all?: Kept[];
  /** The network whose CIDRs the entry stands for. */
  network?: string;
  /** The internet or a network in one address family only. */
  family?: Family;
}

const OPEN_EGRESS_COMMENT = " Open egress, imported as it is so that adoption changes nothing; tighten it in a reviewed change.";

class Importer {
  private readonly errors: Diagnostic[] = [];
  private readonly warnings: Diagnostic[] = [];
  private readonly comments: ManifestComment[] = [];
  private readonly groups: DeployedGroup[];
  /** Service name by the group's target. */
  private readonly serviceOf = new Map<string, string>();
  private readonly names = new Names();
  private readonly mayReach = reachesWithoutVpc([]);
  private created = 0;

  constructor(
    private readonly deployed: Deployed,
    private readonly options: ImportOptions,
  ) {
    this.groups = deployed.groups;
  }

  run(): { ok: true; imported: Imported } | { ok: false; diagnostics: Diagnostic[] } {
    const { security } = this.deployed;
    for (const u of security.unreadable) {
      this.error("unreadable", this.placeOf(u.address), `sgc cannot read ${u.address}${u.attribute ? ` (${u.attribute})` : ""}: ${u.reason}; it cannot import what that allows`);
    }
    if (this.groups.length === 0) this.error("nothing-to-import", undefined, "the input holds no security groups");
    const vpcs = this.vpcs();
    const region = this.options.region ?? this.deployed.region;
    if (region === undefined) this.error("no-region", undefined, "the input does not show the region", "give it: sgc import ... --region us-east-1");
    if (this.errors.length > 0) return { ok: false, diagnostics: this.errors };

    this.nameServices();
    const kept = this.keepRules();
    if (this.errors.length > 0) return { ok: false, diagnostics: this.errors };

    const services: Record<string, ServiceSpec> = {};
    const networks = this.networks(kept);
    const sorted = [...this.groups].sort((a, b) => compareText(this.serviceOf.get(a.group.target)!, this.serviceOf.get(b.group.target)!));
    for (const g of sorted) services[this.serviceOf.get(g.group.target)!] = this.service(g, kept, networks, vpcs.main);
    if (this.errors.length > 0) return { ok: false, diagnostics: this.errors };

    const mainDefault = this.groups.some((g) => g.group.isDefault && this.vpcOf(g) === vpcs.main);
    if (!mainDefault) this.comments.push({ path: ["aws", "closeDefaultSecurityGroup"], text: " The input does not show this VPC's default group: sgc leaves it as it is (true would remove its rules)." });
    const manifest: Manifest = {
      version: 1,
      name: this.options.name,
      aws: { region: region!, vpcId: vpcs.main, ...(mainDefault ? {} : { closeDefaultSecurityGroup: false }) },
      ...(networks.specs.size > 0 ? { networks: Object.fromEntries([...networks.specs].sort(([a], [b]) => compareText(a, b))) } : {}),
      services,
    };
    const rules = Object.values(services).reduce((n, s) => n + Object.keys(s.adopt?.rules?.ingress ?? {}).length + Object.keys(s.adopt?.rules?.egress ?? {}).length, 0);
    return {
      ok: true,
      imported: {
        manifest,
        comments: this.comments,
        warnings: this.warnings,
        summary: {
          services: sorted.length,
          networks: networks.specs.size,
          imported: { groups: sorted.filter((g) => g.id && g.exists).length, rules },
          withoutIds: this.withoutIds,
          created: this.created,
        },
      },
    };
  }

  private withoutIds = 0;

  // --- Messages -----------------------------------------------------------------------------

  private placeOf(address: string): Place | undefined {
    return this.deployed.rules.find((r) => r.rule.address === address)?.at() ?? this.groups.find((g) => g.group.address === address)?.at();
  }

  private diagnostic(severity: "error" | "warn", code: string, at: Place | undefined, message: string, hint?: string): Diagnostic {
    const where = at ?? { file: this.deployed.file, line: 1, column: 1 };
    return { code, severity, message, ...where, ...(hint ? { hint } : {}) };
  }

  private error(code: string, at: Place | undefined, message: string, hint?: string): void {
    this.errors.push(this.diagnostic("error", code, at, message, hint));
  }

  private warn(code: string, at: Place | undefined, message: string, hint?: string): void {
    this.warnings.push(this.diagnostic("warn", code, at, message, hint));
  }

  /** A rule in words, for messages: `the ingress rule of web from 10.0.0.0/8 on tcp/22`. */
  private describeRule(r: DeployedRule): string {
    const peer = r.rule.peer.kind === "service" ? this.groupName(r.rule.peer.name) : formatEndpointPlain(r.rule.peer);
    return `the ${r.rule.direction} rule of ${this.groupName(r.rule.service)} ${r.rule.direction === "ingress" ? "from" : "to"} ${peer} on ${formatPort(r.rule.port)}`;
  }

  private groupName(target: string): string {
    const g = this.groups.find((d) => d.group.target === target);
    return g ? (g.id && g.group.name !== g.id ? `${g.group.name} (${g.id})` : g.group.name) : target;
  }

  // --- Groups -------------------------------------------------------------------------------

  private vpcOf(g: DeployedGroup): string | undefined {
    return g.group.forceNew.vpcId;
  }

  /** The VPC most groups are in becomes `aws.vpcId`; groups in other VPCs keep theirs in `adopt.vpcId`. */
  private vpcs(): { main: string } {
    const counts = new Map<string, number>();
    for (const g of this.groups) {
      const vpc = this.vpcOf(g);
      if (vpc === undefined || !/^vpc-[0-9a-f]+$/.test(vpc)) {
        this.error("unknown-vpc", g.at(), `the VPC of ${g.group.address} is not known${g.exists ? "" : " until apply"}`, "import from the state once it is applied");
        continue;
      }
      counts.set(vpc, (counts.get(vpc) ?? 0) + 1);
    }
    const main = [...counts].sort(([a, m], [b, n]) => n - m || compareText(a, b))[0]?.[0] ?? "vpc-00000000";
    return { main };
  }

  /**
   * Each group's service name: its sgc:service tag, its Name tag, its AWS name (or name prefix),
   * else its address; valid and unique. A name that starts with the stack's name and a dash
   * (`shop-db` in stack `shop`) drops it: sgc names groups `<stack>-<service>` itself.
   */
  private nameServices(): void {
    const prefix = `${this.options.name}-`;
    const unprefixed = (name: string) => (name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : name);
    const wanted = (g: DeployedGroup): string => unprefixed(this.wantedName(g));
    const order = [...this.groups].sort((a, b) => compareText(a.group.address, b.group.address));
    // Groups with the sgc:service tag first: they keep the name they were made with.
    for (const g of order.filter((d) => d.group.tags[TAG_SERVICE])) this.serviceOf.set(g.group.target, this.names.claim(wanted(g)));
    for (const g of order.filter((d) => !d.group.tags[TAG_SERVICE])) this.serviceOf.set(g.group.target, this.names.claim(wanted(g)));
  }

  private wantedName(g: DeployedGroup): string {
    const tags = g.group.tags;
    if (tags[TAG_SERVICE] && /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(tags[TAG_SERVICE])) return tags[TAG_SERVICE];
    if (g.group.isDefault) return "default";
    if (tags.Name?.trim()) return slug(tags.Name, "group");
    if (g.group.naming === "name" || g.group.naming === "prefix") return slug(g.group.name, "group");
    // A name Terraform made up says nothing: the resource's own name does (module.web.aws_security_group.this -> web).
    const parts = g.group.address.replace(/\[[^\]]*\]/g, "").split(".");
    const resource = parts[parts.length - 1];
    const module = parts.length > 2 ? parts[parts.length - 3] : undefined;
    return slug(["this", "main", "default", "sg"].includes(resource) && module ? module : resource, "group");
  }


  // --- Rules --------------------------------------------------------------------------------

  /** The peer as the manifest names it, or why it cannot. */
  private manifestPeer(r: DeployedRule): Endpoint | string {
    const peer = r.rule.peer;
    switch (peer.kind) {
      case "service": {
        const service = this.serviceOf.get(peer.name);
        if (service !== undefined) return { kind: "service", name: service };
        return `it refers to ${peer.name}, a group the input does not list`;
      }
      case "securityGroup":
        return /^(\d{12}\/)?sg-[0-9a-f]+$/.test(peer.id) ? peer : `it refers to ${peer.id}, which has no id yet`;
      case "network": {
        const list = this.deployed.security.prefixLists.find((l) => l.network === peer.name && l.family === peer.family);
        if (list?.id) return { kind: "prefixList", id: list.id };
        return `it refers to the prefix list ${list?.address ?? peer.name}, whose id is not known until apply`;
      }
      default:
        return peer;
    }
  }

  /** The rule's port as a manifest writes it, or why it cannot. */
  private manifestPort(port: PortSpec, peer: Endpoint): PortSpec | string {
    const ipv6 = "family" in peer && peer.family === "ipv6";
    switch (port.protocol) {
      case "tcp":
      case "udp":
        return port.to === 0 ? `a manifest has no ${port.protocol} port 0 alone` : port;
      case "icmpv6":
        if (!ipv6) return "a manifest writes ICMPv6 only towards IPv6 addresses (its icmp is ICMP between groups)";
        return { ...port, protocol: "icmp" };
      case "icmp":
        return port;
      case "ip":
        return `a manifest has no IP protocol ${port.number} (only tcp, udp, icmp and all)`;
      case "all":
        return port;
    }
  }

  /**
   * Every rule the manifest keeps, as it keeps it. Between two imported groups a flow needs the
   * destination's ingress and the source's egress, so those rules are taken in pairs: an ingress
   * rule becomes a consumer when the source's egress allows all of it (an egress rule on the same
   * ports, adopted as its derived egress, or egress to a range that reaches the group); one the
   * egress allows nothing of is left out (it allows nothing); one it allows in part cannot be said.
   */
  private keepRules(): Kept[] {
    const { security } = this.deployed;
    const imported = new Set(this.groups.map((g) => g.group.target));
    const kept: Kept[] = [];
    const keep = (r: DeployedRule, peer: Endpoint): Kept | undefined => {
      const item = this.manifestPort(r.rule.port, peer);
      if (typeof item === "string") {
        this.error("cannot-express", r.at(), `${this.describeRule(r)}: ${item}`, "change the rule in AWS first, or keep that group out of the manifest");
        return undefined;
      }
      return { rule: r, peer, item, port: r.rule.port };
    };
    const rules = this.deployed.rules.filter((r) => imported.has(r.rule.service));
    for (const r of this.deployed.rules.filter((d) => !imported.has(d.rule.service))) {
      this.error("cannot-express", r.at(), `${this.describeRule(r)} is on a group the input does not manage, and a manifest holds rules of its own groups only`, "import that group too, or leave the rule where it is managed");
    }
    const toGroups = rules.filter((r) => r.rule.peer.kind === "service");
    for (const r of rules.filter((d) => d.rule.peer.kind !== "service")) {
      const peer = this.manifestPeer(r);
      if (typeof peer === "string") this.error("cannot-express", r.at(), `${this.describeRule(r)}: ${peer}`);
      else {
        const k = keep(r, peer);
        if (k) kept.push(k);
      }
    }
    // Ingress from and egress to imported groups, by ordered pair (source group -> destination group).
    const pairs = new Map<string, { from: string; to: string; ingress: DeployedRule[]; egress: DeployedRule[] }>();
    const pairOf = (from: string, to: string) => {
      const key = `${from}\u0000${to}`;
      let pair = pairs.get(key);
      if (!pair) pairs.set(key, (pair = { from, to, ingress: [], egress: [] }));
      return pair;
    };
    for (const r of toGroups) {
      const peer = this.manifestPeer(r);
      if (typeof peer === "string") {
        this.error("cannot-express", r.at(), `${this.describeRule(r)}: ${peer}`);
        continue;
      }
      const other = (r.rule.peer as { name: string }).name;
      if (r.rule.direction === "ingress") pairOf(other, r.rule.service).ingress.push(r);
      else pairOf(r.rule.service, other).egress.push(r);
    }
    const ranges = new Map<string, DeployedRule[]>();
    for (const r of rules) {
      if (r.rule.direction === "egress" && r.rule.peer.kind !== "service" && r.rule.peer.kind !== "securityGroup") ranges.set(r.rule.service, [...(ranges.get(r.rule.service) ?? []), r]);
    }
    for (const pair of [...pairs.values()].sort((a, b) => compareText(`${a.from}\u0000${a.to}`, `${b.from}\u0000${b.to}`))) {
      const reaching = (ranges.get(pair.from) ?? []).filter((r) => security.reaches(r.rule.peer, pair.to));
      const mayReach = (ranges.get(pair.from) ?? []).filter((r) => { const p = this.manifestPeer(r); return typeof p !== "string" && this.mayReach(p, ""); });
      const allowed = [...pair.egress, ...reaching].map((r) => r.rule.port);
      const used = new Set<DeployedRule>();
      for (const i of pair.ingress) {
        const part = allowed.map((p) => intersect(i.rule.port, p)).filter((p): p is PortSpec => p !== undefined);
        if (part.length === 0) {
          this.warn("allows-nothing", i.at(), `${this.describeRule(i)} allows nothing: ${this.groupName(pair.from)} has no egress that reaches ${this.groupName(pair.to)}; the manifest leaves it out (it stays in AWS, unmanaged)`);
          continue;
        }
        if (!coveredByUnion(allowed, i.rule.port)) {
          this.error(
            "cannot-express",
            i.at(),
            `${this.describeRule(i)}: ${this.groupName(pair.from)}'s egress lets it through on ${part.map(formatPort).join(", ")} only, and a manifest gives a consumer egress on exactly the ports it is granted`,
            "make the ingress rule and the egress rule allow the same ports in AWS first",
          );
          continue;
        }
        const k = keep(i, this.manifestPeer(i) as Endpoint);
        if (!k) continue;
        kept.push(k);
        const twin = pair.egress.find((e) => !used.has(e) && formatPort(e.rule.port) === formatPort(i.rule.port));
        if (twin) {
          used.add(twin);
          const t = keep(twin, this.manifestPeer(twin) as Endpoint);
          if (t) kept.push(t);
        } else if (!coveredByUnion(mayReach.map((r) => r.rule.port), i.rule.port)) {
          // AWS lets it through (the egress reaches the group), but sgc cannot tell so without the VPC's ranges: the derived rule is created.
          this.created++;
          this.warn(
            "creates-rule",
            i.at(),
            `adoption creates the egress rule of ${this.groupName(pair.from)} to ${this.groupName(pair.to)} on ${formatPort(i.rule.port)}: it allows nothing new (${this.groupName(pair.from)}'s egress reaches ${this.groupName(pair.to)} already), but a manifest derives it`,
          );
        }
      }
      for (const e of pair.egress.filter((d) => !used.has(d))) {
        this.warn("left-unmanaged", e.at(), `${this.describeRule(e)} is not one a manifest derives (no ingress rule of ${this.groupName(pair.to)} on the same ports): the manifest leaves it out, and it stays in AWS, unmanaged`);
      }
    }
    return kept;
  }

  // --- Networks -------------------------------------------------------------------------------

  /**
   * CIDR sets used in several places become networks: two or more CIDRs that a service allows
   * (or reaches) on the same ports, the same set in two places or more. They have no prefix list
   * (`prefixList: false`): each CIDR keeps its own rule, as in AWS.
   */
  private networks(kept: Kept[]): { specs: Map<string, NetworkSpec>; of: Map<string, string> } {
    const sets = new Map<string, { cidrs: string[]; places: number }>();
    for (const entries of this.cidrSets(kept).values()) {
      for (const cidrs of entries) {
        const key = cidrs.join(" ");
        const seen = sets.get(key) ?? { cidrs, places: 0 };
        seen.places++;
        sets.set(key, seen);
      }
    }
    const specs = new Map<string, NetworkSpec>();
    const of = new Map<string, string>();
    let n = 0;
    for (const [key, { cidrs, places }] of [...sets].sort(([a], [b]) => compareText(a, b))) {
      if (places < 2 || cidrs.length < 2) continue;
      const descriptions = cidrs.map((c) => commonest(kept.filter((k) => k.peer.kind === "cidr" && k.peer.cidr === c).map((k) => k.rule.rule.description)));
      const shared = descriptions.every((d) => d !== undefined && d === descriptions[0]) ? descriptions[0] : undefined;
      const name = this.names.claim(shared ? slug(shared, "network") : `network-${++n}`);
      specs.set(name, { ...(shared ? { description: validDescription(shared) } : {}), prefixList: false, cidrs: cidrs.map((cidr, i) => (descriptions[i] && !shared ? { cidr, description: validDescription(descriptions[i]!) ?? "" } : cidr)) });
      of.set(key, name);
    }
    return { specs, of };
  }

  /** Per service and direction, the CIDR sets that share one port list. */
  private cidrSets(kept: Kept[]): Map<string, string[][]> {
    const out = new Map<string, string[][]>();
    for (const [place, entries] of this.entriesByPlace(kept)) {
      const byPorts = new Map<string, string[]>();
      for (const e of entries) {
        if (e.peer.kind !== "cidr") continue;
        const ports = portsKey(e.kept.map((k) => k.item));
        byPorts.set(ports, [...(byPorts.get(ports) ?? []), e.peer.cidr]);
      }
      out.set(place, [...byPorts.values()].map((cidrs) => sortCidrs(cidrs)));
    }
    return out;
  }

  /** Kept rules that are not between two groups, by service and direction, one entry per peer. */
  private entriesByPlace(kept: Kept[]): Map<string, Entry[]> {
    const out = new Map<string, Map<string, Entry>>();
    for (const k of kept) {
      const place = `${k.rule.rule.service}\u0000${k.rule.rule.direction}`;
      const entries = out.get(place) ?? new Map<string, Entry>();
      const key = endpointKey(k.peer);
      const entry = entries.get(key) ?? { peer: k.peer, kept: [] };
      entry.kept.push(k);
      entries.set(key, entry);
      out.set(place, entries);
    }
    return new Map([...out].map(([place, entries]) => [place, [...entries.values()]]));
  }

  // --- Services -------------------------------------------------------------------------------

  private service(g: DeployedGroup, kept: Kept[], networks: { of: Map<string, string> }, mainVpc: string): ServiceSpec {
    const name = this.serviceOf.get(g.group.target)!;
    const own = kept.filter((k) => k.rule.rule.service === g.group.target);
    const ingress = own.filter((k) => k.rule.rule.direction === "ingress");
    const egress = own.filter((k) => k.rule.rule.direction === "egress");
    const peers = ingress.filter((k) => k.peer.kind === "service" && k.peer.name === name);
    const ports = servicePorts(ingress.filter((k) => !peers.includes(k)).map((k) => k.item));
    const spec: ServiceSpec = {};
    if (ports.length > 0) spec.ports = ports.map(portItem);

    const consumers = this.entries(ingress.filter((k) => !peers.includes(k)), networks, name, "ingress");
    if (consumers.length > 0) spec.consumers = consumers.map((e, index) => this.consumerSpec(e, ports, name, index));
    if (peers.length > 0) {
      this.checkDistinct(peers);
      spec.peers = peers.map((k) => portItem(k.item));
    }
    const out = this.entries(egress.filter((k) => k.peer.kind !== "service"), networks, name, "egress");
    if (out.length > 0) {
      spec.egress = out.map((e, index) => {
        const entry = this.egressSpec(e, name, index);
        if (e.peer.kind === "internet" && e.kept.some((k) => k.item.protocol === "all" || (k.item.protocol === "tcp" && k.item.from <= 1 && k.item.to === 65535))) {
          this.comments.push({ path: ["services", name, "egress", index], text: OPEN_EGRESS_COMMENT });
        }
        return entry;
      });
    }
    spec.adopt = this.adopt(g, own, name, mainVpc);
    return spec;
  }

  /** Entries by peer: the CIDRs of a network become one entry naming it, the internet over both families with the same ports one entry. */
  private entries(kept: Kept[], networks: { of: Map<string, string> }, service: string, direction: "ingress" | "egress"): Entry[] {
    const byPeer = this.entriesByPlace(kept).get(`${this.targetOf(service)}\u0000${direction}`) ?? [];
    const out: Entry[] = [];
    const byPorts = new Map<string, Entry[]>();
    for (const e of byPeer) {
      if (e.peer.kind !== "cidr") continue;
      const key = portsKey(e.kept.map((k) => k.item));
      byPorts.set(key, [...(byPorts.get(key) ?? []), e]);
    }
    const inNetwork = new Set<Entry>();
    for (const group of byPorts.values()) {
      const network = networks.of.get(sortCidrs(group.map((e) => (e.peer as { cidr: string }).cidr)).join(" "));
      if (network === undefined) continue;
      for (const e of group) inNetwork.add(e);
      // Every CIDR of the network has the same ports: the first one's stand for the entry.
      out.push({ peer: group[0].peer, kept: group[0].kept, all: group.flatMap((e) => e.kept), network });
    }
    const internet = byPeer.filter((e) => e.peer.kind === "internet");
    const [v4, v6] = internet;
    if (v4 && v6 && portsKey(v4.kept.map((k) => k.item)) === portsKey(v6.kept.map((k) => k.item)) && descriptionOf(v4.kept) === descriptionOf(v6.kept)) {
      out.push({ peer: v4.peer, kept: v4.kept, all: [...v4.kept, ...v6.kept] });
    } else {
      for (const e of internet) out.push({ ...e, family: (e.peer as { family: Family }).family });
    }
    for (const e of byPeer) if (e.peer.kind !== "internet" && !inNetwork.has(e)) out.push(e);
    for (const e of out) this.checkDistinct(e.kept);
    return out.sort((a, b) => compareText(entryKey(a), entryKey(b)));
  }

  private targetOf(service: string): string {
    for (const [target, name] of this.serviceOf) if (name === service) return target;
    return service;
  }

  /** A manifest lists each port once per entry: two rules for one peer on overlapping ports cannot be said. */
  private checkDistinct(kept: Kept[]): void {
    for (let i = 0; i < kept.length; i++) {
      for (let j = 0; j < i; j++) {
        if (!overlaps(kept[i].item, kept[j].item)) continue;
        this.error("cannot-express", kept[i].rule.at(), `${this.describeRule(kept[i].rule)} overlaps ${formatPort(kept[j].item)} of another rule for the same peer, and a manifest lists each port once per peer`, "merge the two rules in AWS first");
        return;
      }
    }
  }

  private consumerSpec(e: Entry, servicePorts: PortSpec[], service: string, index: number): ConsumerSpec {
    const items = [...e.kept].sort((a, b) => comparePorts(a.item, b.item)).map((k) => k.item);
    const all = samePorts(items, servicePorts);
    const description = this.description(entryRules(e), e, "from");
    const ports = all ? {} : { ports: items.map(portItem) };
    const family = e.family ? { family: e.family } : {};
    if (e.network !== undefined) return all && description === undefined ? e.network : { network: e.network, ...ports };
    switch (e.peer.kind) {
      case "service":
        return all && description === undefined ? e.peer.name : { service: e.peer.name, ...ports, ...(description !== undefined ? { description } : {}) };
      case "internet":
      case "network": {
        const name = e.network ?? "internet";
        return all && description === undefined && !family.family ? name : { network: name, ...family, ...ports, ...(description !== undefined ? { description } : {}) };
      }
      case "cidr":
        return { cidr: e.peer.cidr, ...ports, ...(description !== undefined ? { description } : {}) };
      case "prefixList":
        this.nameList(e.peer.id, ["services", service, "consumers", index]);
        return { prefixList: e.peer.id, ...ports, ...(description !== undefined ? { description } : {}) };
      case "securityGroup":
        return { securityGroup: e.peer.id, ...ports, ...(description !== undefined ? { description } : {}) };
    }
  }

  private egressSpec(e: Entry, service: string, index: number): EgressSpec {
    const items = [...e.kept].sort((a, b) => comparePorts(a.item, b.item)).map((k) => portItem(k.item));
    const description = this.description(entryRules(e), e, "to");
    if (e.peer.kind === "prefixList") this.nameList(e.peer.id, ["services", service, "egress", index]);
    const rest = { ports: items, ...(description !== undefined ? { description } : {}) };
    if (e.network !== undefined) return { to: e.network, ports: items };
    switch (e.peer.kind) {
      case "internet":
      case "network":
        return { to: e.network ?? "internet", ...(e.family ? { family: e.family } : {}), ...rest };
      case "cidr":
        return { cidr: e.peer.cidr, ...rest };
      case "prefixList":
        return { prefixList: e.peer.id, ...rest };
      default:
        return { securityGroup: (e.peer as { id: string }).id, ...rest };
    }
  }

  /** A comment naming a prefix list the listing describes (`pl-63a5400a: com.amazonaws.us-east-1.s3`). */
  private nameList(id: string, path: (string | number)[]): void {
    const name = this.deployed.prefixListNames.get(id);
    if (name !== undefined && name !== id) this.comments.push({ path, text: ` ${id}: ${name}` });
  }

  /**
   * The description an entry gives its rules: theirs, when they all have the same one (unless it
   * is the one sgc would give anyway). Rules of one entry with different descriptions keep the
   * commonest; the others change in place (a description is no access).
   */
  private description(rules: DeployedRule[], e: Entry, direction: "from" | "to"): string | undefined {
    const texts = rules.map((r) => r.rule.description);
    const chosen = commonest(texts);
    const named = e.peer.kind === "service" || e.peer.kind === "internet" || e.network !== undefined;
    if (e.network !== undefined) return undefined; // each CIDR of a network keeps its own description (in the network)
    for (const r of rules.filter((d) => d.rule.description !== chosen)) {
      const now = chosen === undefined ? "none" : JSON.stringify(chosen);
      this.warn("description-changes", r.at(), `the description of ${this.describeRule(r)} changes in place from ${JSON.stringify(r.rule.description ?? "")} to ${now}: a manifest gives one description to all the rules of one ${direction === "from" ? "consumer" : "egress entry"} (a description is no access)`);
    }
    if (chosen === undefined) return undefined;
    const label = e.peer.kind === "service" ? e.peer.name : "internet";
    if (named && chosen === `${direction} ${label}`) return undefined;
    return validDescription(chosen);
  }

  /** The adoption record: the ids to import, and the attributes AWS cannot change in place. */
  private adopt(g: DeployedGroup, own: Kept[], service: string, mainVpc: string): AdoptSpec {
    const rules: { ingress: Record<string, string>; egress: Record<string, string> } = { ingress: {}, egress: {} };
    for (const k of own) {
      const r = k.rule;
      const id = ruleId({ direction: r.rule.direction, service, peer: k.peer, port: k.port });
      if (r.id) {
        rules[r.rule.direction][id] = r.id;
      } else if (r.exists) {
        this.withoutIds++;
      }
    }
    const missing = own.filter((k) => !k.rule.id && k.rule.exists);
    if (missing.length > 0) {
      const reason = missing[0].rule.noId ?? "the input gives no rule ids";
      this.warn(
        "no-rule-ids",
        missing[0].rule.at(),
        `${missing.length} rule${missing.length === 1 ? "" : "s"} of ${this.groupName(g.group.target)} ${missing.length === 1 ? "has" : "have"} no AWS rule id (${reason}): terraform apply would create ${missing.length === 1 ? "it" : "them"} anew beside the existing ${missing.length === 1 ? "one" : "ones"}, which EC2 refuses as duplicates`,
        "add the output of aws ec2 describe-security-group-rules --output json as another source, so that sgc synth imports every rule",
      );
    }
    const vpc = this.vpcOf(g);
    const { name, description } = g.group.forceNew;
    const tags = Object.fromEntries(Object.entries(g.group.tags).filter(([k]) => !k.startsWith("sgc:") && !k.startsWith("aws:")));
    const defaultName = `${this.options.name}-${service}`;
    return {
      ...(g.id && g.exists ? { securityGroup: g.id } : {}),
      ...(this.deployed.kind !== "aws" ? { address: g.group.address } : {}),
      ...(!g.group.isDefault && name !== undefined && name !== defaultName ? { name } : {}),
      ...(!g.group.isDefault && description !== undefined && !(name === defaultName && description === `sgc service ${service}`) ? { description } : {}),
      ...(vpc !== undefined && vpc !== mainVpc ? { vpcId: vpc } : {}),
      ...(g.group.isDefault ? { default: true } : {}),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
      ...(Object.keys(rules.ingress).length + Object.keys(rules.egress).length > 0
        ? { rules: { ...(Object.keys(rules.ingress).length > 0 ? { ingress: sortedRecord(rules.ingress) } : {}), ...(Object.keys(rules.egress).length > 0 ? { egress: sortedRecord(rules.egress) } : {}) } }
        : {}),
    };
  }
}

/** The rules an entry stands for (every CIDR of a network, both families of the internet). */
function entryRules(e: Entry): DeployedRule[] {
  return (e.all ?? e.kept).map((k) => k.rule);
}

/** How entries are ordered: services first, then the internet, networks, CIDRs, prefix lists and outside groups, each by name. */
function entryKey(e: Entry): string {
  const rank = e.network !== undefined ? 2 : ["service", "internet", "network", "cidr", "prefixList", "securityGroup"].indexOf(e.peer.kind);
  return `${rank} ${e.network !== undefined ? `network:${e.network}` : endpointKey(e.peer)}`;
}

/** The most common of some values (undefined counts too); ties go to the first in text order. */
function commonest<T extends string | undefined>(values: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort(([a, m], [b, n]) => n - m || compareText(a ?? "", b ?? ""))[0][0];
}

function descriptionOf(kept: Kept[]): string | undefined {
  return commonest(kept.map((k) => k.rule.rule.description));
}

/** A description the manifest accepts (AWS's own characters, at most 255), else none. */
function validDescription(text: string): string | undefined {
  return text.length <= 255 && /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/.test(text) ? text : undefined;
}

function sortCidrs(cidrs: string[]): string[] {
  const parsed = cidrs.map((c) => parseCidr(c)).filter((p): p is Extract<typeof p, { ok: true }> => p.ok);
  return parsed.sort((a, b) => compareCidrs(a.cidr, b.cidr)).map((p) => p.cidr.canonical);
}

function portsKey(ports: PortSpec[]): string {
  return [...ports].sort(comparePorts).map(formatPort).join(" ");
}

function samePorts(a: PortSpec[], b: PortSpec[]): boolean {
  return portsKey(a) === portsKey(b);
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}

/** A peer in words, without a family for the internet's halves: `0.0.0.0/0`. */
function formatEndpointPlain(peer: Endpoint): string {
  switch (peer.kind) {
    case "internet":
      return anyAddress(peer.family);
    case "cidr":
      return peer.cidr;
    case "network":
      return `${peer.name} (${peer.family})`;
    case "prefixList":
    case "securityGroup":
      return peer.id;
    case "service":
      return peer.name;
  }
}

/**
 * The ports a service serves: every port a consumer is granted, as items that do not overlap.
 * Overlapping ranges are joined; `all` stands for everything; ICMP of every type for its types.
 */
function servicePorts(items: PortSpec[]): PortSpec[] {
  if (items.some((p) => p.protocol === "all")) return [{ protocol: "all" }];
  const out: PortSpec[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    const ranges = items.filter((p) => p.protocol === protocol) as { from: number; to: number }[];
    const distinct = [...new Map(ranges.map((r) => [`${r.from}-${r.to}`, r])).values()];
    // Join only what overlaps (items may not overlap); keep adjacent items apart, as written.
    const joined: { from: number; to: number }[] = [];
    for (const r of distinct.sort((a, b) => a.from - b.from || a.to - b.to)) {
      const last = joined[joined.length - 1];
      if (last && r.from <= last.to) last.to = Math.max(last.to, r.to);
      else joined.push({ ...r });
    }
    for (const r of joined) out.push({ protocol, from: r.from, to: r.to });
  }
  const icmp = items.filter((p) => p.protocol === "icmp") as { protocol: "icmp"; type?: number; code?: number }[];
  if (icmp.some((p) => p.type === undefined)) out.push({ protocol: "icmp" });
  else {
    const distinct = [...new Map(icmp.map((p) => [formatPort(p), p])).values()];
    for (const p of distinct) if (!distinct.some((q) => q !== p && covers(q, p))) out.push(p);
  }
  return out.sort(comparePorts);
}

/** A port as a manifest writes it: `443`, `"0-65535"`, `{ port: 53, protocol: udp }`, `{ protocol: icmp, type: 8 }`. */
function portItem(port: PortSpec): PortItem {
  switch (port.protocol) {
    case "tcp":
      return port.from === port.to ? port.from : `${port.from}-${port.to}`;
    case "udp":
      return port.from === port.to ? { port: port.from, protocol: "udp" } : { from: port.from, to: port.to, protocol: "udp" };
    case "icmp":
    case "icmpv6":
      return { protocol: "icmp", ...(port.type !== undefined ? { type: port.type } : {}), ...(port.code !== undefined ? { code: port.code } : {}) };
    default:
      return { protocol: "all" };
  }
}
