import { Cidr, parseCidr } from "./cidr";
import { Family } from "./types";

/**
 * Addresses as sets, so that policies judge a network or a set of CIDRs by what it covers
 * rather than by how it is written: 0.0.0.0/1 and 128.0.0.0/1 together are the internet.
 */

/** An inclusive range of addresses. */
export type AddressRange = readonly [first: bigint, last: bigint];

/** How many bits an address of a family has. */
export function familyBits(family: Family): number {
  return family === "ipv4" ? 32 : 128;
}

/** The addresses a CIDR block covers. */
export function rangeOf(cidr: Pick<Cidr, "family" | "address" | "prefix">): AddressRange {
  const hostBits = BigInt(familyBits(cidr.family) - cidr.prefix);
  return [cidr.address, cidr.address + (1n << hostBits) - 1n];
}

/** The ranges of the CIDRs of one family, as text; CIDRs that do not parse or are of the other family are left out. */
export function rangesOf(cidrs: Iterable<string>, family: Family): AddressRange[] {
  const out: AddressRange[] = [];
  for (const text of cidrs) {
    const parsed = parseCidr(text);
    if (parsed.ok && parsed.cidr.family === family) out.push(rangeOf(parsed.cidr));
  }
  return out;
}

/** Ranges merged into the fewest disjoint ranges, in order. */
export function union(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [first, last] of sorted) {
    const top = out[out.length - 1];
    if (top && first <= top[1] + 1n) {
      if (last > top[1]) top[1] = last;
    } else {
      out.push([first, last]);
    }
  }
  return out;
}

/** `a` with every address of `b` taken out. */
function subtract(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  let pieces = union(a);
  for (const [first, last] of union(b)) {
    pieces = pieces.flatMap(([from, to]): AddressRange[] => {
      if (last < from || first > to) return [[from, to]];
      const rest: AddressRange[] = [];
      if (first > from) rest.push([from, first - 1n]);
      if (last < to) rest.push([last + 1n, to]);
      return rest;
    });
  }
  return pieces;
}

function intersect(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  const left = union(a);
  const right = union(b);
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const first = left[i][0] > right[j][0] ? left[i][0] : right[j][0];
    const last = left[i][1] < right[j][1] ? left[i][1] : right[j][1];
    if (first <= last) out.push([first, last]);
    if (left[i][1] < right[j][1]) i++;
    else j++;
  }
  return out;
}

/**
 * Addresses that are not public: private, shared, loopback, link-local, documentation,
 * benchmarking, multicast and reserved space (IANA's special-purpose registries). For IPv6,
 * public space is global unicast (2000::/3) less its documentation prefixes.
 */
const NOT_PUBLIC_IPV4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];
const GLOBAL_UNICAST_IPV6 = ["2000::/3"];
const NOT_PUBLIC_IPV6 = ["2001:db8::/32", "3fff::/20"];

const PUBLIC: Record<Family, AddressRange[]> = {
  ipv4: subtract([[0n, (1n << 32n) - 1n]], rangesOf(NOT_PUBLIC_IPV4, "ipv4")),
  ipv6: subtract(rangesOf(GLOBAL_UNICAST_IPV6, "ipv6"), rangesOf(NOT_PUBLIC_IPV6, "ipv6")),
};

/** Whether the ranges together hold every public address of the family: the internet, however it is spelled. */
export function coversPublicSpace(ranges: readonly AddressRange[], family: Family): boolean {
  return subtract(PUBLIC[family], ranges).length === 0;
}

/** How many public addresses the ranges hold together. */
export function publicAddressCount(ranges: readonly AddressRange[], family: Family): bigint {
  return intersect(ranges, PUBLIC[family]).reduce((n, [first, last]) => n + (last - first + 1n), 0n);
}
