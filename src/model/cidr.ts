import { Family } from "./types";

/** A CIDR block read from text. */
export interface Cidr {
  family: Family;
  /** The address as a big integer (128 bits for IPv6). */
  address: bigint;
  prefix: number;
  /** The canonical spelling: host bits cleared; IPv6 lowercase and compressed (RFC 5952). */
  canonical: string;
}

/** A CIDR block understood, or why it cannot be. */
export type ParsedCidr = { ok: true; cidr: Cidr } | { ok: false; message: string };

/** Parses an IPv4 or IPv6 CIDR block and computes its canonical spelling. */
export function parseCidr(text: string): ParsedCidr {
  const slash = text.indexOf("/");
  if (slash < 0) return { ok: false, message: `"${text}" has no prefix length (for one address write ${text}/${text.includes(":") ? 128 : 32})` };
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return { ok: false, message: `"${text}" has an invalid prefix length` };
  const prefix = Number(prefixText);
  const family: Family = addressText.includes(":") ? "ipv6" : "ipv4";
  const bits = family === "ipv4" ? 32 : 128;
  if (prefix > bits) return { ok: false, message: `"${text}": an ${family === "ipv4" ? "IPv4" : "IPv6"} prefix length is at most ${bits}` };
  const address = family === "ipv4" ? parseIpv4(addressText) : parseIpv6(addressText);
  if (address === undefined) return { ok: false, message: `"${addressText}" is not a valid ${family === "ipv4" ? "IPv4" : "IPv6"} address` };
  const hostBits = BigInt(bits - prefix);
  const network = (address >> hostBits) << hostBits;
  const canonical = `${family === "ipv4" ? formatIpv4(network) : formatIpv6(network)}/${prefix}`;
  return { ok: true, cidr: { family, address: network, prefix, canonical } };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Leading zeros are refused: some tools read them as octal.
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join(".");
}

function formatIpv6(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((value >> shift) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** An address and prefix length written as a CIDR: `10.0.1.0/24`, `2001:db8::/64`. */
export function formatCidr(family: Family, address: bigint, prefix: number): string {
  return `${formatAddress(family, address)}/${prefix}`;
}

/** An address written out: `10.0.1.7`, `2001:db8::7`. */
export function formatAddress(family: Family, address: bigint): string {
  return family === "ipv4" ? formatIpv4(address) : formatIpv6(address);
}

/** Orders CIDRs: IPv4 before IPv6, then by address, then by prefix. */
export function compareCidrs(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family === "ipv4" ? -1 : 1;
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.prefix - b.prefix;
}

/** The CIDR that matches every address of a family. */
export function anyAddress(family: Family): string {
  return family === "ipv4" ? "0.0.0.0/0" : "::/0";
}

/** Whether two blocks share an address. */
export function cidrsOverlap(a: Pick<Cidr, "family" | "address" | "prefix">, b: Pick<Cidr, "family" | "address" | "prefix">): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === "ipv4" ? 32 : 128;
  const shift = BigInt(bits - Math.min(a.prefix, b.prefix));
  return a.address >> shift === b.address >> shift;
}
