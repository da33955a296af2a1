import { compareText } from "../../model/order";
import { parsePortItem } from "../../model/ports";
import { PortSpec } from "../../model/types";
import { InputKind, Location, PolicyDefaultGroup, PolicyInput, PolicyWorkload } from "../../policies/types";
import { TAG_SERVICE } from "./names";
import { groupTags, ReadSecurity } from "./read";

/**
 * The policy input of a Terraform configuration, plan or state. Groups that sgc wrote carry
 * tags with what the manifest knew (tier, tiers, ports, workloads), so the rules say the same of
 * the Terraform as of the manifest; hand-written groups are checked on what they show.
 * `locate` finds a resource's place in the JSON text, for editors and code scanning.
 */
export function policyInputFromTerraform(security: ReadSecurity, kind: InputKind, file: string, locate: (address: string) => Location | undefined): PolicyInput {
  const at = (address: string) => {
    const location = locate(address);
    return { resource: address, ...(location ? { location } : {}) };
  };
  const defaultGroups = security.groups.filter((g) => g.isDefault && !g.external);
  const groups = security.groups.filter((g) => !g.isDefault && !g.external);
  const defaultTargets = new Set(security.groups.filter((g) => g.isDefault).map((g) => g.target));
  const tiers = groups.map((g) => groupTags(g).tiers).find((t) => t.length > 0) ?? [];

  const workloads = new Map<string, string[]>();
  for (const group of groups) for (const w of groupTags(group).workloads) workloads.set(w, [...(workloads.get(w) ?? []), group.target]);

  // One default group per VPC the input knows: those it declares and those its groups are in.
  const vpcs = new Set<string>([...security.vpcs.filter((v) => v.address !== undefined).map((v) => v.key), ...groups.map((g) => g.vpc).filter((v): v is string => v !== undefined), ...defaultGroups.map((g) => g.vpc).filter((v): v is string => v !== undefined)]);
  const vpcLabel = (key: string) => {
    const vpc = security.vpcs.find((v) => v.key === key);
    return vpc?.address ?? key;
  };
  const perVpc: PolicyDefaultGroup[] = [...vpcs].sort(compareText).flatMap((vpc): PolicyDefaultGroup[] => {
    const managing = defaultGroups.filter((g) => g.vpc === vpc);
    const users = security.defaultGroupUsers.get(vpc) ?? [];
    if (managing.length === 0) {
      const declared = security.vpcs.find((v) => v.key === vpc)?.address;
      return [{ vpc: vpcLabel(vpc), managed: false, rules: 0, reliedOnBy: users, ...(declared ? at(declared) : {}) }];
    }
    return managing.map((g) => ({ vpc: vpcLabel(vpc), managed: true, rules: security.rules.filter((r) => r.service === g.target).length, reliedOnBy: users, ...at(g.address) }));
  });
  // A default group whose VPC is not known is still checked for rules.
  for (const g of defaultGroups.filter((d) => d.vpc === undefined)) {
    perVpc.push({ vpc: g.address, managed: true, rules: security.rules.filter((r) => r.service === g.target).length, reliedOnBy: [], ...at(g.address) });
  }

  return {
    kind,
    file,
    groups: groups.map((group) => {
      const tags = groupTags(group);
      const ports = tags.ports.map((p) => parsePortText(p)).filter((p): p is PortSpec => p !== undefined);
      return {
        target: group.target,
        name: group.name,
        naming: group.naming,
        ...(group.description ? { description: group.description } : {}),
        ...(tags.tier ? { tier: tags.tier } : {}),
        ...(tags.ports.length > 0 ? { ports } : {}),
        ...(group.tags[TAG_SERVICE] !== undefined ? { workloads: tags.workloads } : {}),
        ...at(group.address),
      };
    }),
    rules: security.rules
      .filter((r) => !defaultTargets.has(r.service))
      .map((r) => ({
        group: r.service,
        direction: r.direction,
        peer: r.peer,
        port: r.port,
        ...(r.description ? { description: r.description } : {}),
        ...at(r.address),
      })),
    prefixLists: security.prefixLists.map((l) => ({ network: l.network, family: l.family, maxEntries: l.maxEntries, entries: l.entries, ...at(l.address) })),
    defaultGroups: perVpc,
    tiers,
    networks: [...new Set(security.prefixLists.map((l) => l.network))].sort(compareText),
    unreadable: security.unreadable.map((u) => ({ ...u, ...(locate(u.address) ? { location: locate(u.address)! } : {}) })),
    workloads: [...workloads.entries()].sort(([a], [b]) => compareText(a, b)).map(([name, members]): PolicyWorkload => ({ name, groups: members.sort(compareText) })),
  };
}

/** Reads `tcp/443`, `udp/8000-8100`, `icmp`, `icmp/8`, `icmp/3:4` or `all` back into a port spec. */
function parsePortText(text: string): PortSpec | undefined {
  const [protocol, range] = text.split("/");
  if (range === undefined) return protocol === "icmp" || protocol === "all" || protocol === "icmpv6" ? ({ protocol } as PortSpec) : undefined;
  if (protocol === "icmp") {
    const [type, code] = range.split(":").map(Number);
    const parsed = parsePortItem({ protocol: "icmp", type, ...(code !== undefined ? { code } : {}) });
    return parsed.ok ? parsed.port : undefined;
  }
  const [from, to] = range.split("-").map(Number);
  const parsed = parsePortItem({ from, to: to ?? from, protocol: protocol as "tcp" | "udp" });
  return parsed.ok ? parsed.port : undefined;
}

/**
 * A function that finds where a resource stands in JSON text: the line and column of its
 * name key (`"web__from_lb__tcp_80": {`) in a cdk.tf.json, or of its `"address"` in a plan or
 * state. The text is indexed once, on the first lookup, so finding every resource is linear.
 */
export function jsonLocator(text: string, file: string, kind: InputKind): (address: string) => Location | undefined {
  let lineStarts: number[] | undefined;
  let offsets: Map<string, number> | undefined;
  const position = (offset: number): Location => {
    lineStarts ??= lineStartsOf(text);
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  return (address) => {
    offsets ??= kind === "terraform" ? configurationOffsets(text) : addressOffsets(text);
    const offset = offsets.get(address);
    return offset === undefined ? undefined : position(offset);
  };
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** The first offset of each `"address": "..."` in a plan or state. */
function addressOffsets(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const pattern = /"address":\s*("(?:[^"\\]|\\.)*")/g;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    try {
      const address = JSON.parse(m[1]) as string;
      if (!out.has(address)) out.set(address, m.index);
    } catch {
      // Not an address sgc reads.
    }
  }
  return out;
}

/**
 * The offset of each resource's name key in a JSON configuration: `"type": { ... "name": {`.
 * Found by walking the `resource` object's keys two levels deep, without parsing values.
 */
function configurationOffsets(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return out;
  }
  const resources = (json as { resource?: unknown }).resource;
  if (resources === null || typeof resources !== "object" || Array.isArray(resources)) return out;
  const resourceAt = text.indexOf('"resource"');
  for (const type of Object.keys(resources)) {
    const typeAt = text.indexOf(`${JSON.stringify(type)}:`, resourceAt);
    if (typeAt < 0) continue;
    const names = (resources as Record<string, unknown>)[type];
    if (names === null || typeof names !== "object" || Array.isArray(names)) continue;
    let from = typeAt;
    for (const name of Object.keys(names)) {
      const at = text.indexOf(`${JSON.stringify(name)}:`, from);
      if (at < 0) continue;
      out.set(`${type}.${name}`, at);
      from = at;
    }
  }
  return out;
}
