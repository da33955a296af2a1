import { compareText } from "../../model/order";
import { parsePortItem } from "../../model/ports";
import { PortSpec } from "../../model/types";
import { InputKind, Location, PolicyInput, PolicyWorkload } from "../../policies/types";
import { TAG_SERVICE } from "./names";
import { groupTags, ReadSecurity } from "./read";

/**
 * The policy input of a Terraform configuration or plan. Groups that sgc wrote carry tags
 * with what the manifest knew (tier, tiers, ports, workloads), so the rules say the same of
 * the Terraform as of the manifest; hand-written groups are checked on what they show.
 * `locate` finds a resource's place in the JSON text, for editors and code scanning.
 */
export function policyInputFromTerraform(security: ReadSecurity, kind: InputKind, file: string, locate: (address: string) => Location | undefined): PolicyInput {
  const at = (address: string) => {
    const location = locate(address);
    return { resource: address, ...(location ? { location } : {}) };
  };
  const defaultGroups = security.groups.filter((g) => g.isDefault);
  const groups = security.groups.filter((g) => !g.isDefault && !g.external);
  const defaultTargets = new Set(defaultGroups.map((g) => g.target));
  const tiers = groups.map((g) => groupTags(g).tiers).find((t) => t.length > 0) ?? [];

  const workloads = new Map<string, string[]>();
  for (const group of groups) for (const w of groupTags(group).workloads) workloads.set(w, [...(workloads.get(w) ?? []), group.target]);

  return {
    kind,
    file,
    groups: groups.map((group) => {
      const tags = groupTags(group);
      const ports = tags.ports.map((p) => parsePortText(p)).filter((p): p is PortSpec => p !== undefined);
      return {
        target: group.target,
        name: group.name,
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
        ...at(r.address.replace(/\.(ingress|egress)\[\d+\]$/, "")),
      })),
    prefixLists: security.prefixLists.map((l) => ({ network: l.network, family: l.family, maxEntries: l.maxEntries, entries: l.entries, ...at(l.address) })),
    defaultGroup: {
      managed: defaultGroups.length > 0,
      rules: security.rules.filter((r) => defaultTargets.has(r.service)).length,
      reliedOnBy: [...new Set(security.rules.filter((r) => !defaultTargets.has(r.service) && r.peer.kind === "service" && defaultTargets.has(r.peer.name)).map((r) => r.service))].sort(compareText),
      ...(defaultGroups[0] ? at(defaultGroups[0].address) : {}),
    },
    tiers,
    networks: [...new Set(security.prefixLists.map((l) => l.network))].sort(compareText),
    unreadable: security.unreadable.map((u) => ({ ...u, ...(at(u.address.replace(/\.(ingress|egress)\[\d+\]$/, "")).location ? { location: at(u.address.replace(/\.(ingress|egress)\[\d+\]$/, "")).location } : {}) })),
    workloads: [...workloads.entries()].sort(([a], [b]) => compareText(a, b)).map(([name, members]): PolicyWorkload => ({ name, groups: members.sort(compareText) })),
  };
}

/** Reads `tcp/443`, `udp/8000-8100`, `icmp` or `all` back into a port spec. */
function parsePortText(text: string): PortSpec | undefined {
  const [protocol, range] = text.split("/");
  if (range === undefined) return protocol === "icmp" || protocol === "all" || protocol === "icmpv6" ? ({ protocol } as PortSpec) : undefined;
  const [from, to] = range.split("-").map(Number);
  const parsed = parsePortItem({ from, to: to ?? from, protocol: protocol as "tcp" | "udp" });
  return parsed.ok ? parsed.port : undefined;
}

/**
 * A function that finds where a resource stands in JSON text: the line and column of its
 * name key (`"web__from_lb__tcp_80": {`) in a cdk.tf.json, or of its `"address"` in a plan.
 */
export function jsonLocator(text: string, file: string, kind: InputKind): (address: string) => Location | undefined {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number): Location => {
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
    let offset = -1;
    if (kind === "plan") {
      offset = text.indexOf(`"address":${JSON.stringify(address)}`);
      if (offset < 0) offset = text.indexOf(`"address": ${JSON.stringify(address)}`);
    } else {
      const [type, ...rest] = address.split(".");
      const typeAt = text.indexOf(`${JSON.stringify(type)}:`);
      if (typeAt >= 0) offset = text.indexOf(`${JSON.stringify(rest.join("."))}:`, typeAt);
    }
    return offset >= 0 ? position(offset) : undefined;
  };
}
