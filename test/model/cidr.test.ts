import { anyAddress, Cidr, compareCidrs, parseCidr } from "../../src/model/cidr";

/** Parses text that must be a valid CIDR, failing the test with the reason otherwise. */
function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`expected ${text} to parse: ${parsed.message}`);
  return parsed.cidr;
}

describe("parseCidr: IPv4", () => {
  test.each([
    // [input, canonical, prefix, address]
    ["10.0.0.0/8", "10.0.0.0/8", 8, 0x0a000000n],
    ["192.168.1.0/24", "192.168.1.0/24", 24, 0xc0a80100n],
    ["255.255.255.255/32", "255.255.255.255/32", 32, 0xffffffffn],
    ["0.0.0.0/0", "0.0.0.0/0", 0, 0n],
    // host bits are cleared
    ["10.1.2.3/8", "10.0.0.0/8", 8, 0x0a000000n],
    ["192.168.1.77/26", "192.168.1.64/26", 26, 0xc0a80140n],
    ["172.31.255.255/12", "172.16.0.0/12", 12, 0xac100000n],
    ["1.2.3.4/0", "0.0.0.0/0", 0, 0n],
    ["203.0.113.9/31", "203.0.113.8/31", 31, 0xcb007108n],
  ])("%s -> %s", (input, canonical, prefix, address) => {
    expect(parseCidr(input)).toEqual({ ok: true, cidr: { family: "ipv4", address, prefix, canonical } });
  });
});

describe("parseCidr: IPv6", () => {
  test.each([
    // [input, canonical]
    ["::/0", "::/0"],
    ["::1/128", "::1/128"],
    ["0:0:0:0:0:0:0:0/128", "::/128"],
    // lowercase, leading zeros of groups dropped
    ["2001:DB8::/32", "2001:db8::/32"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001/128", "2001:db8::1/128"],
    // RFC 5952 4.2.3: the longest run of zero groups is compressed
    ["2001:0:0:1:0:0:0:1/128", "2001:0:0:1::1/128"],
    // RFC 5952 4.2.3: on a tie, the first run
    ["2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128"],
    ["1:0:0:0:1:0:0:0/128", "1::1:0:0:0/128"],
    // RFC 5952 4.2.2: a single zero group is not compressed
    ["2001:db8:0:1:1:1:1:1/128", "2001:db8:0:1:1:1:1:1/128"],
    ["1:2:3:4:5:6:7::/128", "1:2:3:4:5:6:7:0/128"],
    ["::1:2:3:4:5:6:7/128", "0:1:2:3:4:5:6:7/128"],
    // a run at the end or the start
    ["fe80:0:0:0:0:0:0:0/10", "fe80::/10"],
    ["0:0:0:0:0:0:0:1/128", "::1/128"],
    // host bits are cleared
    ["2001:db8::ff00:42:8329/64", "2001:db8::/64"],
    ["2001:db8:abcd:12:ffff:ffff:ffff:ffff/48", "2001:db8:abcd::/48"],
    ["2001:db8::/0", "::/0"],
    ["2001:db8::1/127", "2001:db8::/127"],
  ])("%s -> %s", (input, canonical) => {
    const parsed = parseCidr(input);
    expect(parsed).toMatchObject({ ok: true, cidr: { family: "ipv6", canonical } });
  });

  test("keeps the address as a 128-bit integer with host bits cleared", () => {
    expect(cidr("2001:db8::ff00:42:8329/64")).toEqual({
      family: "ipv6",
      address: 0x20010db8000000000000000000000000n,
      prefix: 64,
      canonical: "2001:db8::/64",
    });
    expect(cidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128").address).toBe((1n << 128n) - 1n);
  });

  test("the canonical spelling parses to itself", () => {
    for (const text of ["2001:db8::1:0:0:1/128", "1:2:3:4:5:6:7:0/128", "2001:0:0:1::1/128", "::/0"]) {
      expect(cidr(cidr(text).canonical).canonical).toBe(text);
    }
  });
});

describe("parseCidr: refused", () => {
  test.each([
    // no prefix length
    ["10.0.0.0", '"10.0.0.0" has no prefix length (for one address write 10.0.0.0/32)'],
    ["2001:db8::1", '"2001:db8::1" has no prefix length (for one address write 2001:db8::1/128)'],
    // bad prefix lengths
    ["10.0.0.0/", '"10.0.0.0/" has an invalid prefix length'],
    ["10.0.0.0/-1", '"10.0.0.0/-1" has an invalid prefix length'],
    ["10.0.0.0/1234", '"10.0.0.0/1234" has an invalid prefix length'],
    ["10.0.0.0/8/8", '"10.0.0.0/8/8" has an invalid prefix length'],
    ["10.0.0.0/ 8", '"10.0.0.0/ 8" has an invalid prefix length'],
    ["10.0.0.0/8.0", '"10.0.0.0/8.0" has an invalid prefix length'],
    ["10.0.0.0/33", '"10.0.0.0/33": an IPv4 prefix length is at most 32'],
    ["10.0.0.0/999", '"10.0.0.0/999": an IPv4 prefix length is at most 32'],
    ["::/129", '"::/129": an IPv6 prefix length is at most 128'],
    // leading-zero octets: some tools read them as octal
    ["010.0.0.0/8", '"010.0.0.0" is not a valid IPv4 address'],
    ["10.0.0.00/32", '"10.0.0.00" is not a valid IPv4 address'],
    ["10.08.0.0/16", '"10.08.0.0" is not a valid IPv4 address'],
    // malformed IPv4
    ["256.0.0.0/8", '"256.0.0.0" is not a valid IPv4 address'],
    ["10.0.0/8", '"10.0.0" is not a valid IPv4 address'],
    ["10.0.0.0.0/8", '"10.0.0.0.0" is not a valid IPv4 address'],
    ["10..0.0/8", '"10..0.0" is not a valid IPv4 address'],
    [" 10.0.0.0/8", '" 10.0.0.0" is not a valid IPv4 address'],
    ["10.0.0.x/8", '"10.0.0.x" is not a valid IPv4 address'],
    ["/8", '"" is not a valid IPv4 address'],
    // malformed IPv6
    ["1::2::3/128", '"1::2::3" is not a valid IPv6 address'],
    ["1:2:3:4:5:6:7:8:9/128", '"1:2:3:4:5:6:7:8:9" is not a valid IPv6 address'],
    ["1:2:3:4:5:6:7/128", '"1:2:3:4:5:6:7" is not a valid IPv6 address'],
    ["1:2:3:4:5:6:7:8::/128", '"1:2:3:4:5:6:7:8::" is not a valid IPv6 address'],
    [":1:2:3:4:5:6:7/128", '":1:2:3:4:5:6:7" is not a valid IPv6 address'],
    ["12345::/16", '"12345::" is not a valid IPv6 address'],
    ["g::/16", '"g::" is not a valid IPv6 address'],
    ["fe80::1%eth0/64", '"fe80::1%eth0" is not a valid IPv6 address'],
    ["::ffff:1.2.3.4/128", '"::ffff:1.2.3.4" is not a valid IPv6 address'],
  ])("%s", (input, message) => {
    expect(parseCidr(input)).toEqual({ ok: false, message });
  });
});

describe("compareCidrs", () => {
  test("orders IPv4 before IPv6, then by address, then by prefix", () => {
    const texts = ["2001:db8::/32", "::/0", "10.0.0.0/16", "10.0.0.0/8", "192.168.0.0/16", "9.255.255.255/32", "0.0.0.0/0", "10.0.0.0/24"];
    const sorted = texts.map(cidr).sort(compareCidrs).map((c) => c.canonical);
    expect(sorted).toEqual([
      "0.0.0.0/0",
      "9.255.255.255/32",
      "10.0.0.0/8",
      "10.0.0.0/16",
      "10.0.0.0/24",
      "192.168.0.0/16",
      "::/0",
      "2001:db8::/32",
    ]);
  });

  test.each([
    ["10.0.0.0/8", "10.0.0.0/8", 0],
    ["10.0.0.0/8", "::/0", -1],
    ["::/0", "255.255.255.255/32", 1],
    ["10.0.0.0/8", "9.0.0.0/8", 1],
    ["10.0.0.0/8", "10.0.0.0/9", -1],
  ])("sign of compare(%s, %s) is %i", (a, b, sign) => {
    expect(Math.sign(compareCidrs(cidr(a), cidr(b)))).toBe(sign);
  });

  test("compares addresses numerically, not as text", () => {
    expect(Math.sign(compareCidrs(cidr("9.0.0.0/8"), cidr("10.0.0.0/8")))).toBe(-1);
    expect(Math.sign(compareCidrs(cidr("2001:db8:9::/48"), cidr("2001:db8:10::/48")))).toBe(-1);
  });
});

describe("anyAddress", () => {
  test.each([
    ["ipv4", "0.0.0.0/0"],
    ["ipv6", "::/0"],
  ] as const)("%s -> %s", (family, text) => {
    expect(anyAddress(family)).toBe(text);
    expect(cidr(text)).toMatchObject({ family, prefix: 0, canonical: text });
  });
});
