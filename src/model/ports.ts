import { PortSpec, Protocol } from "./types";

/** A port item as written in a manifest: 443, "8000-8100", { port, protocol }, { from, to, protocol }, { protocol }. */
export type PortItem = number | string | { port?: number; from?: number; to?: number; protocol?: "tcp" | "udp" | "icmp" | "all"; type?: number; code?: number };

/** A port item understood, or why it cannot be. */
export type ParsedPort = { ok: true; port: PortSpec } | { ok: false; code: string; message: string; hint?: string };

const MAX_PORT = 65535;

/** Reads one port item; the checks mirror what AWS accepts for each protocol. */
export function parsePortItem(item: PortItem): ParsedPort {
  if (typeof item === "number") return range("tcp", item, item);
  if (typeof item === "string") {
    const match = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!match) return { ok: false, code: "invalid-port", message: `"${item}" is not a port or port range`, hint: 'write 443 or "8000-8100"' };
    const from = Number(match[1]);
    return range("tcp", from, match[2] === undefined ? from : Number(match[2]));
  }
  const protocol = item.protocol ?? "tcp";
  const hasNumbers = item.port !== undefined || item.from !== undefined || item.to !== undefined;
  if ((item.type !== undefined || item.code !== undefined) && protocol !== "icmp") {
    return { ok: false, code: "protocol-ports", message: `protocol ${protocol} takes no ICMP type or code`, hint: "type and code go with { protocol: icmp }" };
  }
  if (protocol === "icmp" || protocol === "all") {
    if (hasNumbers) {
      return {
        ok: false,
        code: "protocol-ports",
        message: `protocol ${protocol} takes no port numbers`,
        hint: protocol === "icmp" ? "write { protocol: icmp } alone, or with an ICMP type: { protocol: icmp, type: 8 }" : `write { protocol: ${protocol} } alone`,
      };
    }
    if (protocol === "icmp") return icmp(item.type, item.code);
    return { ok: true, port: { protocol } };
  }
  if (item.port !== undefined) {
    if (item.from !== undefined || item.to !== undefined) {
      return { ok: false, code: "protocol-ports", message: "give either port or from/to, not both" };
    }
    return range(protocol, item.port, item.port);
  }
  if (item.from === undefined || item.to === undefined) {
    return {
      ok: false,
      code: "missing-port",
      message: `protocol ${protocol} needs a port or a from/to range`,
      hint: `write { port: 53, protocol: ${protocol} } or { from: 8000, to: 8100, protocol: ${protocol} }`,
    };
  }
  return range(protocol, item.from, item.to);
}

/**
 * A tcp or udp range. Ports are 1-65535, except that a range may start at 0: AWS's "every port"
 * is 0-65535, and adopted rules keep it exactly. Port 0 alone is no port anything listens on.
 */
function range(protocol: "tcp" | "udp", from: number, to: number): ParsedPort {
  for (const n of [from, to]) {
    const lowest = n === from && to !== 0 ? 0 : 1;
    if (!Number.isInteger(n) || n < lowest || n > MAX_PORT) {
      return { ok: false, code: "out-of-range", message: `port ${n} is outside 1-${MAX_PORT}` };
    }
  }
  if (from > to) {
    return { ok: false, code: "range-order", message: `port range ${from}-${to} runs backwards`, hint: `write "${to}-${from}"` };
  }
  return { ok: true, port: { protocol, from, to } };
}

/** ICMP: every type, one type (every code), or one type and code, as AWS takes them (0-255 each). */
function icmp(type: number | undefined, code: number | undefined): ParsedPort {
  if (type === undefined) {
    if (code !== undefined) return { ok: false, code: "protocol-ports", message: "an ICMP code needs its type", hint: "write { protocol: icmp, type: 3, code: 4 }" };
    return { ok: true, port: { protocol: "icmp" } };
  }
  for (const [what, n] of [["type", type], ["code", code]] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > 255)) return { ok: false, code: "out-of-range", message: `ICMP ${what} ${n} is outside 0-255` };
  }
  return { ok: true, port: { protocol: "icmp", type, ...(code !== undefined ? { code } : {}) } };
}

/** Whether every packet that `inner` allows, `outer` allows too. */
export function covers(outer: PortSpec, inner: PortSpec): boolean {
  if (outer.protocol === "all") return true;
  if (outer.protocol !== inner.protocol) return false;
  if (outer.protocol === "tcp" || outer.protocol === "udp") {
    const i = inner as { from: number; to: number };
    return outer.from <= i.from && i.to <= outer.to;
  }
  if (outer.protocol === "icmp" || outer.protocol === "icmpv6") {
    const i = inner as { type?: number; code?: number };
    if (outer.type === undefined) return true;
    return i.type === outer.type && (outer.code === undefined || i.code === outer.code);
  }
  if (outer.protocol === "ip") return (inner as { number: number }).number === outer.number;
  return true;
}

/** Whether some packet is allowed by both. */
export function overlaps(a: PortSpec, b: PortSpec): boolean {
  return intersect(a, b) !== undefined;
}

/** What both allow, or undefined when nothing. */
export function intersect(a: PortSpec, b: PortSpec): PortSpec | undefined {
  if (a.protocol === "all") return b;
  if (b.protocol === "all") return a;
  if (a.protocol !== b.protocol) return undefined;
  if (a.protocol === "tcp" || a.protocol === "udp") {
    const bb = b as { from: number; to: number };
    const from = Math.max(a.from, bb.from);
    const to = Math.min(a.to, bb.to);
    return from <= to ? { protocol: a.protocol, from, to } : undefined;
  }
  if (covers(a, b)) return b;
  if (covers(b, a)) return a;
  return undefined;
}

/** Whether `port` is covered by the union of `set` (ranges of one protocol may add up). */
export function coveredByUnion(set: readonly PortSpec[], port: PortSpec): boolean {
  if (set.some((s) => covers(s, port))) return true;
  if (port.protocol !== "tcp" && port.protocol !== "udp") return false;
  const merged = mergeRanges(set.filter((s) => s.protocol === port.protocol) as { from: number; to: number }[]);
  return merged.some((r) => r.from <= port.from && port.to <= r.to);
}

/** Sorted, disjoint, maximal ranges covering the same ports (adjacent ranges join). */
export function mergeRanges(ranges: readonly { from: number; to: number }[]): { from: number; to: number }[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from || a.to - b.to);
  const out: { from: number; to: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** `tcp/443`, `tcp/8000-8100`, `udp/53`, `icmp`, `icmp/8` (a type), `icmp/3:4` (type and code), `proto/50`, `all`. */
export function formatPort(port: PortSpec): string {
  if (port.protocol === "tcp" || port.protocol === "udp") {
    return `${port.protocol}/${port.from === port.to ? port.from : `${port.from}-${port.to}`}`;
  }
  if (port.protocol === "icmp" || port.protocol === "icmpv6") {
    if (port.type === undefined) return port.protocol;
    return `${port.protocol}/${port.type}${port.code === undefined ? "" : `:${port.code}`}`;
  }
  if (port.protocol === "ip") return `proto/${port.number}`;
  return port.protocol;
}

/**
 * The same as `formatPort`, spelled for a Terraform resource name, which allows letters, digits,
 * `_` and `-` only: `tcp_443`, `tcp_8000-8100`, `icmp_3-4` (type 3, code 4), `proto_50`.
 */
export function portToken(port: PortSpec): string {
  return formatPort(port).replace("/", "_").replace(":", "-");
}

/** Orders ports by protocol, then range (or ICMP type and code, or protocol number), for stable output. */
export function comparePorts(a: PortSpec, b: PortSpec): number {
  const order: Protocol[] = ["tcp", "udp", "icmp", "icmpv6", "ip", "all"];
  const byProtocol = order.indexOf(a.protocol) - order.indexOf(b.protocol);
  if (byProtocol !== 0) return byProtocol;
  if ((a.protocol === "tcp" || a.protocol === "udp") && (b.protocol === "tcp" || b.protocol === "udp")) {
    return a.from - b.from || a.to - b.to;
  }
  if ((a.protocol === "icmp" || a.protocol === "icmpv6") && (b.protocol === "icmp" || b.protocol === "icmpv6")) {
    return (a.type ?? -1) - (b.type ?? -1) || (a.code ?? -1) - (b.code ?? -1);
  }
  if (a.protocol === "ip" && b.protocol === "ip") return a.number - b.number;
  return 0;
}
