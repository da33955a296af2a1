import { PortSpec } from "../model/types";
import { formatPort, parsePortItem, PortItem } from "../model/ports";
import { Endpoint } from "../model/types";
import { PolicyRule } from "./types";

/** How findings name a peer: `the internet`, `network office`, `10.0.0.0/8`, `web`. */
export function peerName(peer: Endpoint): string {
  switch (peer.kind) {
    case "service":
      return peer.name;
    case "network":
      return `network ${peer.name}`;
    case "internet":
      return "the internet";
    case "cidr":
      return peer.cidr;
    case "prefixList":
      return `prefix list ${peer.id}`;
    case "securityGroup":
      return `group ${peer.id}`;
  }
}

/**
 * `tcp/22 from the internet` or `all traffic to 10.0.0.0/8`: what a rule allows, in words.
 * The internet in disguise says how it was written: `from the internet (network everyone
 * covers every public IPv4 address)`.
 */
export function ruleSummary(rule: PolicyRule & { disguise?: string }): string {
  const what = rule.port.protocol === "all" ? "all traffic" : formatPort(rule.port);
  const self = rule.peer.kind === "service" && rule.peer.name === rule.group;
  if (self) return `${what} among its own members`;
  return `${what} ${rule.direction === "ingress" ? "from" : "to"} ${peerName(rule.peer)}${rule.disguise ? ` (${rule.disguise})` : ""}`;
}

/**
 * Port items from options, read with the manifest's own syntax (bad items were refused by
 * `validatePortsOption`). As in manifests, `icmp` stands for ICMPv6 too towards IPv6 peers.
 */
export function portsOption(items: readonly PortItem[]): PortSpec[] {
  const out: PortSpec[] = [];
  for (const item of items) {
    const parsed = parsePortItem(item);
    if (!parsed.ok) continue;
    out.push(parsed.port);
    if (parsed.port.protocol === "icmp") out.push({ protocol: "icmpv6" });
  }
  return out;
}

/** Refuses port items in an option that the manifest would refuse: the same message, naming the option. */
export function validatePortsOption(option: string, items: readonly PortItem[] | undefined): { option: string; message: string }[] {
  return (items ?? []).flatMap((item) => {
    const parsed = parsePortItem(item);
    return parsed.ok ? [] : [{ option, message: `${option}: ${parsed.message}` }];
  });
}

/** Whether a tcp/udp port spec spans every port (AWS spells it 0-65535 or 1-65535). */
export function isAllPorts(port: PortSpec): boolean {
  return port.protocol === "all" || ((port.protocol === "tcp" || port.protocol === "udp") && port.from <= 1 && port.to >= 65535);
}

/** JSON Schema of an options list of port items. */
export const PORTS_OPTION_SCHEMA = {
  type: "array",
  items: {
    anyOf: [
      { type: "integer", minimum: 1, maximum: 65535 },
      { type: "string", pattern: "^[0-9]{1,5}(-[0-9]{1,5})?$" },
      {
        type: "object",
        additionalProperties: false,
        properties: {
          port: { type: "integer", minimum: 1, maximum: 65535, description: "one port (with protocol, default tcp)" },
          from: { type: "integer", minimum: 1, maximum: 65535, description: "the first port of a range" },
          to: { type: "integer", minimum: 1, maximum: 65535, description: "the last port of a range" },
          protocol: { enum: ["tcp", "udp", "icmp", "all"], description: "tcp (default), udp, icmp (all types) or all" },
        },
      },
    ],
  },
};
