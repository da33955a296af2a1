import { coversPublicSpace, publicAddressCount, rangesOf, union } from "../../src/model/address-space";
import { Family } from "../../src/model/types";

/** Addresses judged as sets: what a list of CIDRs covers, however it is written. */

const covers = (cidrs: string[], family: Family) => coversPublicSpace(rangesOf(cidrs, family), family);

describe("coversPublicSpace: the internet, however it is spelled", () => {
  test.each([
    ["0.0.0.0/0", ["0.0.0.0/0"], "ipv4"],
    ["two halves", ["0.0.0.0/1", "128.0.0.0/1"], "ipv4"],
    ["halves given twice and out of order", ["128.0.0.0/1", "0.0.0.0/1", "128.0.0.0/2"], "ipv4"],
    ["every public address around 10.0.0.0/8", ["0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1"], "ipv4"],
    ["::/0", ["::/0"], "ipv6"],
    ["IPv6 halves", ["::/1", "8000::/1"], "ipv6"],
    ["global unicast alone", ["2000::/3"], "ipv6"],
  ])("%s covers it", (_name, cidrs, family) => {
    expect(covers(cidrs, family as Family)).toBe(true);
  });

  test.each([
    ["one half", ["0.0.0.0/1"], "ipv4"],
    ["all but one public /8 (126.0.0.0/8; 127.0.0.0/8 is loopback)", ["0.0.0.0/2", "64.0.0.0/3", "96.0.0.0/4", "112.0.0.0/5", "120.0.0.0/6", "124.0.0.0/7", "127.0.0.0/8", "128.0.0.0/1"], "ipv4"],
    ["private space", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], "ipv4"],
    ["nothing", [], "ipv4"],
    ["IPv4 halves, asked about IPv6", ["0.0.0.0/1", "128.0.0.0/1"], "ipv6"],
    ["unique local and link-local IPv6", ["fc00::/7", "fe80::/10"], "ipv6"],
    ["half of global unicast", ["2000::/4"], "ipv6"],
  ])("%s does not", (_name, cidrs, family) => {
    expect(covers(cidrs, family as Family)).toBe(false);
  });
});

describe("publicAddressCount", () => {
  test.each([
    [["10.0.0.0/8"], "ipv4", 0n],
    [["203.0.113.0/24"], "ipv4", 0n],
    [["11.0.0.0/8"], "ipv4", 1n << 24n],
    [["11.0.0.0/9", "11.0.0.0/9", "11.128.0.0/9"], "ipv4", 1n << 24n],
    [["8.8.8.8/32", "10.0.0.0/7"], "ipv4", 1n + (1n << 24n)],
    [["2001:db8::/32"], "ipv6", 0n],
    [["2a00::/32"], "ipv6", 1n << 96n],
  ])("%j (%s) holds %s public addresses", (cidrs, family, count) => {
    expect(publicAddressCount(rangesOf(cidrs, family as Family), family as Family)).toBe(count);
  });
});

test("union merges overlapping and adjacent ranges", () => {
  expect(union([[5n, 9n], [1n, 3n], [4n, 4n], [20n, 30n], [25n, 26n]])).toEqual([
    [1n, 9n],
    [20n, 30n],
  ]);
});
