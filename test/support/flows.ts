import { evaluate } from "../../src/model/flows";
import { readSecurity } from "../../src/targets/aws/read";
import { viewOfConfigurationJson } from "../../src/terraform";
import { Manifest } from "../../src/validate/manifest";

/**
 * An independent oracle for the central claim: the flows a manifest declares, computed straight
 * from the spec's words (not by the compiler), and the flows the evaluator reads out of a
 * synthesized cdk.tf.json, both as a normal form that compares exactly.
 */

export type Atom = { from: string; to: string; protocol: string; from_port?: number; to_port?: number };

export function familyOf(cidr: string): "ipv4" | "ipv6" {
  return cidr.includes(":") ? "ipv6" : "ipv4";
}

/** Port items as (protocol, from, to) triples, in the manifest's own words. */
function items(ports: unknown[]): { protocol: string; from?: number; to?: number }[] {
  return ports.map((p) => {
    if (typeof p === "number") return { protocol: "tcp", from: p, to: p };
    if (typeof p === "string") {
      const [a, b] = p.split("-").map(Number);
      return { protocol: "tcp", from: a, to: b ?? a };
    }
    const o = p as { port?: number; from?: number; to?: number; protocol?: string };
    const protocol = o.protocol ?? "tcp";
    if (protocol === "icmp" || protocol === "all") return { protocol };
    return { protocol, from: o.port ?? o.from, to: o.port ?? o.to };
  });
}

/** The endpoints a consumer or egress entry names, as `sgc flows --format json` spells them. */
function endpoints(manifest: Manifest, entry: unknown): string[] {
  const o: Record<string, string> = typeof entry === "string" ? { name: entry } : (entry as Record<string, string>);
  const name = o.name ?? o.service ?? o.network ?? o.to;
  if (name === "internet") return ["internet:ipv4", "internet:ipv6"];
  if (name !== undefined && Object.hasOwn(manifest.services, name)) return [`service:${name}`];
  if (name !== undefined) {
    const families = new Set(manifest.networks![name].cidrs.map((c) => familyOf(typeof c === "string" ? c : c.cidr)));
    return ["ipv4", "ipv6"].filter((f) => families.has(f as "ipv4")).map((f) => `network:${name}:${f}`);
  }
  if (o.cidr) return [`cidr:${o.cidr}`];
  if (o.prefixList) return [`prefix-list:${o.prefixList}`];
  return [`security-group:${o.securityGroup}`];
}

/** The declared flows of a manifest, straight from the spec's words. */
export function declaredFlows(manifest: Manifest): Atom[] {
  const atoms: Atom[] = [];
  const push = (from: string, to: string, port: { protocol: string; from?: number; to?: number }) => {
    const ipv6 = /:ipv6$/.test(from) || /:ipv6$/.test(to) || /^cidr:.*:/.test(from) || /^cidr:.*:/.test(to);
    const protocol = port.protocol === "icmp" && ipv6 ? "icmpv6" : port.protocol;
    atoms.push({ from, to, protocol, from_port: port.from, to_port: port.to });
  };
  for (const [name, service] of Object.entries(manifest.services)) {
    const self = `service:${name}`;
    for (const consumer of service.consumers ?? []) {
      const ports = items((typeof consumer === "object" && consumer.ports) || service.ports!);
      for (const from of endpoints(manifest, consumer)) for (const port of ports) push(from, self, port);
    }
    for (const port of items(service.peers ?? [])) push(self, self, port);
    for (const entry of service.egress ?? []) {
      for (const to of endpoints(manifest, entry)) for (const port of items(entry.ports)) push(self, to, port);
    }
  }
  return atoms;
}

/** Access as a set of strings, one per (from, to, protocol, port), with `all` absorbing the rest: an independent normal form. */
export function accessSet(atoms: Atom[]): Set<string> {
  const out = new Set<string>();
  const all = new Set(atoms.filter((a) => a.protocol === "all").map((a) => `${a.from}>${a.to}`));
  for (const a of atoms) {
    const pair = `${a.from}>${a.to}`;
    if (all.has(pair)) {
      out.add(`${pair} all`);
      continue;
    }
    if (a.from_port === undefined) out.add(`${pair} ${a.protocol}`);
    else for (let p = a.from_port; p <= a.to_port!; p++) out.add(`${pair} ${a.protocol}/${p}`);
  }
  return out;
}

export function flowsOfTerraform(json: unknown): Atom[] {
  const security = readSecurity(viewOfConfigurationJson(json, "cdk.tf.json").view);
  if (security.unreadable.length > 0) throw new Error(`unreadable Terraform: ${JSON.stringify(security.unreadable)}`);
  return evaluate(security.rules, security.reaches).map((f) => {
    const key = (e: typeof f.from) =>
      e.kind === "service"
        ? `service:${e.name}`
        : e.kind === "network"
          ? `network:${e.name}:${e.family}`
          : e.kind === "internet"
            ? `internet:${e.family}`
            : e.kind === "cidr"
              ? `cidr:${e.cidr}`
              : e.kind === "prefixList"
                ? `prefix-list:${e.id}`
                : `security-group:${e.id}`;
    const port = f.port.protocol === "tcp" || f.port.protocol === "udp" ? { from_port: f.port.from, to_port: f.port.to } : {};
    return { from: key(f.from), to: key(f.to), protocol: f.port.protocol, ...port };
  });
}

