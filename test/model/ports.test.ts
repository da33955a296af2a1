import {
  comparePorts,
  coveredByUnion,
  covers,
  formatPort,
  intersect,
  mergeRanges,
  overlaps,
  parsePortItem,
  PortItem,
  portToken,
} from "../../src/model/ports";
import { PortSpec } from "../../src/model/types";

const tcp = (from: number, to = from): PortSpec => ({ protocol: "tcp", from, to });
const udp = (from: number, to = from): PortSpec => ({ protocol: "udp", from, to });
const icmp: PortSpec = { protocol: "icmp" };
const icmpv6: PortSpec = { protocol: "icmpv6" };
const all: PortSpec = { protocol: "all" };

describe("parsePortItem: valid", () => {
  test.each<[string, PortItem, PortSpec]>([
    ["a number is one tcp port", 443, tcp(443)],
    ["the lowest port", 1, tcp(1)],
    ["the highest port", 65535, tcp(65535)],
    ["a numeric string", "443", tcp(443)],
    ["a range string", "8000-8100", tcp(8000, 8100)],
    ["a range of one port", "22-22", tcp(22)],
    ["the full range", "1-65535", tcp(1, 65535)],
    ["{ port } defaults to tcp", { port: 80 }, tcp(80)],
    ["{ port, protocol: tcp }", { port: 80, protocol: "tcp" }, tcp(80)],
    ["{ port, protocol: udp }", { port: 53, protocol: "udp" }, udp(53)],
    ["{ from, to } defaults to tcp", { from: 8000, to: 8100 }, tcp(8000, 8100)],
    ["{ from, to, protocol: udp }", { from: 60000, to: 61000, protocol: "udp" }, udp(60000, 61000)],
    ["{ protocol: icmp }", { protocol: "icmp" }, icmp],
    ["{ protocol: all }", { protocol: "all" }, all],
    ["a range may start at 0, as AWS writes every port", "0-65535", tcp(0, 65535)],
    ["{ from: 0 } starts a range", { from: 0, to: 10 }, tcp(0, 10)],
    ["{ protocol: icmp, type } is one type, every code", { protocol: "icmp", type: 8 }, { protocol: "icmp", type: 8 }],
    ["{ protocol: icmp, type, code } is one type and code", { protocol: "icmp", type: 3, code: 4 }, { protocol: "icmp", type: 3, code: 4 }],
  ])("%s", (_name, item, port) => {
    expect(parsePortItem(item)).toEqual({ ok: true, port });
  });
});

describe("parsePortItem: invalid", () => {
  test.each<[string, PortItem, { code: string; message: string; hint?: string }]>([
    ["a word", "https", { code: "invalid-port", message: '"https" is not a port or port range', hint: 'write 443 or "8000-8100"' }],
    ["an empty string", "", { code: "invalid-port", message: '"" is not a port or port range', hint: 'write 443 or "8000-8100"' }],
    ["an open range", "8000-", { code: "invalid-port", message: '"8000-" is not a port or port range', hint: 'write 443 or "8000-8100"' }],
    ["a spaced range", "8000 - 8100", { code: "invalid-port", message: '"8000 - 8100" is not a port or port range', hint: 'write 443 or "8000-8100"' }],
    ["a negative string", "-1", { code: "invalid-port", message: '"-1" is not a port or port range', hint: 'write 443 or "8000-8100"' }],
    ["a protocol prefix", "tcp/443", { code: "invalid-port", message: '"tcp/443" is not a port or port range', hint: 'write 443 or "8000-8100"' }],
    ["port 0", 0, { code: "out-of-range", message: "port 0 is outside 1-65535" }],
    ["a port above 65535", 65536, { code: "out-of-range", message: "port 65536 is outside 1-65535" }],
    ["a negative port", -22, { code: "out-of-range", message: "port -22 is outside 1-65535" }],
    ["a fractional port", 80.5, { code: "out-of-range", message: "port 80.5 is outside 1-65535" }],
    ["a string port 0", "0", { code: "out-of-range", message: "port 0 is outside 1-65535" }],
    ["a string range ending past 65535", "65000-70000", { code: "out-of-range", message: "port 70000 is outside 1-65535" }],
    ["{ port: 0 }", { port: 0, protocol: "udp" }, { code: "out-of-range", message: "port 0 is outside 1-65535" }],
    ["a range of port 0 alone", "0-0", { code: "out-of-range", message: "port 0 is outside 1-65535" }],
    ["{ from: 0, to: 0 }", { from: 0, to: 0, protocol: "udp" }, { code: "out-of-range", message: "port 0 is outside 1-65535" }],
    ["an ICMP type above 255", { protocol: "icmp", type: 256 }, { code: "out-of-range", message: "ICMP type 256 is outside 0-255" }],
    ["an ICMP code without its type", { protocol: "icmp", code: 4 }, { code: "protocol-ports", message: "an ICMP code needs its type", hint: "write { protocol: icmp, type: 3, code: 4 }" }],
    ["a type on tcp", { port: 80, type: 8 }, { code: "protocol-ports", message: "protocol tcp takes no ICMP type or code", hint: "type and code go with { protocol: icmp }" }],
    ["a backwards string range", "8100-8000", { code: "range-order", message: "port range 8100-8000 runs backwards", hint: 'write "8000-8100"' }],
    ["a range backwards by one", "81-80", { code: "range-order", message: "port range 81-80 runs backwards", hint: 'write "80-81"' }],
    [
      "a backwards from/to",
      { from: 100, to: 50, protocol: "udp" },
      { code: "range-order", message: "port range 100-50 runs backwards", hint: 'write "50-100"' },
    ],
    [
      "icmp with a port",
      { protocol: "icmp", port: 8 },
      { code: "protocol-ports", message: "protocol icmp takes no port numbers", hint: "write { protocol: icmp } alone, or with an ICMP type: { protocol: icmp, type: 8 }" },
    ],
    [
      "all with a range",
      { protocol: "all", from: 1, to: 65535 },
      { code: "protocol-ports", message: "protocol all takes no port numbers", hint: "write { protocol: all } alone" },
    ],
    [
      "all with only `to`",
      { protocol: "all", to: 10 },
      { code: "protocol-ports", message: "protocol all takes no port numbers", hint: "write { protocol: all } alone" },
    ],
    ["both port and from/to", { port: 80, from: 80, to: 90 }, { code: "protocol-ports", message: "give either port or from/to, not both" }],
    ["both port and to", { port: 80, to: 90, protocol: "udp" }, { code: "protocol-ports", message: "give either port or from/to, not both" }],
    [
      "udp without a port",
      { protocol: "udp" },
      {
        code: "missing-port",
        message: "protocol udp needs a port or a from/to range",
        hint: "write { port: 53, protocol: udp } or { from: 8000, to: 8100, protocol: udp }",
      },
    ],
    [
      "an empty object",
      {},
      {
        code: "missing-port",
        message: "protocol tcp needs a port or a from/to range",
        hint: "write { port: 53, protocol: tcp } or { from: 8000, to: 8100, protocol: tcp }",
      },
    ],
    [
      "from without to",
      { from: 8000, protocol: "tcp" },
      {
        code: "missing-port",
        message: "protocol tcp needs a port or a from/to range",
        hint: "write { port: 53, protocol: tcp } or { from: 8000, to: 8100, protocol: tcp }",
      },
    ],
  ])("%s", (_name, item, error) => {
    expect(parsePortItem(item)).toEqual({ ok: false, ...error });
  });
});

describe("covers", () => {
  test.each<[string, PortSpec, PortSpec, boolean]>([
    ["a range covers a port inside it", tcp(8000, 8100), tcp(8080), true],
    ["a range covers itself", tcp(8000, 8100), tcp(8000, 8100), true],
    ["a range covers its ends", tcp(8000, 8100), tcp(8100), true],
    ["a range does not cover a range sticking out", tcp(8000, 8100), tcp(8050, 8101), false],
    ["a range does not cover a port below it", tcp(8000, 8100), tcp(7999), false],
    ["tcp does not cover udp", tcp(1, 65535), udp(53), false],
    ["udp covers udp", udp(1, 1024), udp(53), true],
    ["all covers tcp", all, tcp(443), true],
    ["all covers icmp", all, icmp, true],
    ["all covers all", all, all, true],
    ["tcp does not cover all", tcp(1, 65535), all, false],
    ["icmp covers icmp", icmp, icmp, true],
    ["icmp does not cover icmpv6", icmp, icmpv6, false],
    ["icmp does not cover tcp", icmp, tcp(1), false],
  ])("%s", (_name, outer, inner, expected) => {
    expect(covers(outer, inner)).toBe(expected);
  });
});

describe("intersect and overlaps", () => {
  test.each<[string, PortSpec, PortSpec, PortSpec | undefined]>([
    ["overlapping ranges", tcp(1, 100), tcp(50, 200), tcp(50, 100)],
    ["a range and a port inside it", tcp(8000, 8100), tcp(8080), tcp(8080)],
    ["ranges sharing one end", tcp(1, 100), tcp(100, 200), tcp(100)],
    ["adjacent ranges", tcp(1, 99), tcp(100, 200), undefined],
    ["disjoint ranges", tcp(1, 10), tcp(20, 30), undefined],
    ["tcp and udp", tcp(53), udp(53), undefined],
    ["udp ranges", udp(1, 100), udp(50, 60), udp(50, 60)],
    ["all and tcp", all, tcp(443), tcp(443)],
    ["tcp and all", tcp(443), all, tcp(443)],
    ["all and icmp", all, icmp, icmp],
    ["all and all", all, all, all],
    ["icmp and icmp", icmp, icmp, icmp],
    ["icmp and icmpv6", icmp, icmpv6, undefined],
    ["icmp and tcp", icmp, tcp(1, 65535), undefined],
  ])("%s", (_name, a, b, expected) => {
    expect(intersect(a, b)).toEqual(expected);
    expect(intersect(b, a)).toEqual(expected);
    expect(overlaps(a, b)).toBe(expected !== undefined);
  });
});

describe("coveredByUnion", () => {
  test.each<[string, PortSpec[], PortSpec, boolean]>([
    ["one range covering it", [tcp(1, 1024)], tcp(443), true],
    ["adjacent ranges adding up", [tcp(8000, 8049), tcp(8050, 8100)], tcp(8000, 8100), true],
    ["overlapping ranges adding up, listed out of order", [tcp(8060, 8100), tcp(8000, 8070)], tcp(8010, 8090), true],
    ["ranges with a gap", [tcp(8000, 8049), tcp(8051, 8100)], tcp(8000, 8100), false],
    ["ranges of another protocol do not add up", [tcp(8000, 8049), udp(8050, 8100)], tcp(8000, 8100), false],
    ["udp ranges adding up", [udp(1, 10), udp(11, 20)], udp(5, 15), true],
    ["all covers anything", [tcp(22), all], udp(53), true],
    ["icmp in the set", [icmp], icmp, true],
    ["icmp not in the set", [tcp(1, 65535)], icmp, false],
    ["all is not the sum of its parts", [tcp(1, 65535), udp(1, 65535), icmp, icmpv6], all, false],
    ["an empty set", [], tcp(80), false],
  ])("%s", (_name, set, port, expected) => {
    expect(coveredByUnion(set, port)).toBe(expected);
  });
});

describe("mergeRanges", () => {
  test.each<[string, { from: number; to: number }[], { from: number; to: number }[]]>([
    ["nothing", [], []],
    ["one range", [{ from: 80, to: 80 }], [{ from: 80, to: 80 }]],
    ["adjacent ranges join", [{ from: 1, to: 5 }, { from: 6, to: 10 }], [{ from: 1, to: 10 }]],
    ["overlapping ranges join", [{ from: 1, to: 50 }, { from: 20, to: 80 }], [{ from: 1, to: 80 }]],
    ["a contained range disappears", [{ from: 1, to: 100 }, { from: 20, to: 30 }], [{ from: 1, to: 100 }]],
    ["a gap of one port keeps them apart", [{ from: 1, to: 5 }, { from: 7, to: 10 }], [{ from: 1, to: 5 }, { from: 7, to: 10 }]],
    [
      "unsorted input comes out sorted",
      [{ from: 443, to: 443 }, { from: 22, to: 22 }, { from: 80, to: 80 }, { from: 81, to: 90 }],
      [{ from: 22, to: 22 }, { from: 80, to: 90 }, { from: 443, to: 443 }],
    ],
    ["duplicates collapse", [{ from: 53, to: 53 }, { from: 53, to: 53 }], [{ from: 53, to: 53 }]],
  ])("%s", (_name, input, expected) => {
    expect(mergeRanges(input)).toEqual(expected);
  });

  test("does not change its input", () => {
    const input = [{ from: 6, to: 10 }, { from: 1, to: 5 }];
    mergeRanges(input);
    expect(input).toEqual([{ from: 6, to: 10 }, { from: 1, to: 5 }]);
  });
});

describe("formatPort and portToken", () => {
  test.each<[PortSpec, string, string]>([
    [tcp(443), "tcp/443", "tcp_443"],
    [tcp(8000, 8100), "tcp/8000-8100", "tcp_8000-8100"],
    [udp(53), "udp/53", "udp_53"],
    [udp(60000, 61000), "udp/60000-61000", "udp_60000-61000"],
    [icmp, "icmp", "icmp"],
    [icmpv6, "icmpv6", "icmpv6"],
    [all, "all", "all"],
    [{ protocol: "icmp", type: 3 }, "icmp/3", "icmp_3"],
    [{ protocol: "icmp", type: 3, code: 4 }, "icmp/3:4", "icmp_3-4"],
    [{ protocol: "icmpv6", type: 128, code: 0 }, "icmpv6/128:0", "icmpv6_128-0"],
    [{ protocol: "ip", number: 50 }, "proto/50", "proto_50"],
  ])("%j -> %s, %s", (port, formatted, token) => {
    expect(formatPort(port)).toBe(formatted);
    expect(portToken(port)).toBe(token);
    // A token is part of a Terraform resource name, which takes letters, digits, _ and - only.
    expect(token).toMatch(/^[a-z][a-z0-9_-]*$/);
  });
});

describe("comparePorts", () => {
  test("orders by protocol (tcp, udp, icmp, icmpv6, all), then from, then to", () => {
    const ports = [all, udp(53), icmpv6, tcp(443), tcp(80, 90), icmp, tcp(80), udp(1, 100), tcp(1000)];
    expect([...ports].sort(comparePorts).map(formatPort)).toEqual([
      "tcp/80",
      "tcp/80-90",
      "tcp/443",
      "tcp/1000",
      "udp/1-100",
      "udp/53",
      "icmp",
      "icmpv6",
      "all",
    ]);
  });

  test.each<[PortSpec, PortSpec]>([
    [tcp(443), tcp(443)],
    [icmp, icmp],
    [all, all],
  ])("%j equals itself", (a, b) => {
    expect(comparePorts(a, b)).toBe(0);
  });
});
