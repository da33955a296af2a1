import { canonicalFlows, canonicalPorts, endpointKey, evaluate, flowKey, formatEndpoint, RuleLike } from "../../src/model/flows";
import { formatPort } from "../../src/model/ports";
import { Endpoint, Flow, PortSpec } from "../../src/model/types";

const tcp = (from: number, to = from): PortSpec => ({ protocol: "tcp", from, to });
const udp = (from: number, to = from): PortSpec => ({ protocol: "udp", from, to });
const icmp: PortSpec = { protocol: "icmp" };
const icmpv6: PortSpec = { protocol: "icmpv6" };
const all: PortSpec = { protocol: "all" };

const service = (name: string): Endpoint => ({ kind: "service", name });
const cidr = (text: string): Endpoint => ({ kind: "cidr", cidr: text, family: text.includes(":") ? "ipv6" : "ipv4" });
const internet: Endpoint = { kind: "internet", family: "ipv4" };
const office: Endpoint = { kind: "network", name: "office", family: "ipv4" };

/** Ingress on `service`'s group from `peer`. */
const ingress = (svc: string, peer: Endpoint, port: PortSpec): RuleLike => ({ direction: "ingress", service: svc, peer, port });
/** Egress on `service`'s group to `peer`. */
const egress = (svc: string, peer: Endpoint, port: PortSpec): RuleLike => ({ direction: "egress", service: svc, peer, port });

/** Flows as `flowKey` strings: easy to read, and exact. */
const keys = (flows: Flow[]) => flows.map(flowKey);

describe("endpointKey and formatEndpoint", () => {
  test.each<[Endpoint, string, string]>([
    [service("web"), "service:web", "web"],
    [{ kind: "network", name: "office", family: "ipv4" }, "network:office:ipv4", "office (ipv4)"],
    [{ kind: "network", name: "office", family: "ipv6" }, "network:office:ipv6", "office (ipv6)"],
    [{ kind: "internet", family: "ipv4" }, "internet:ipv4", "internet (ipv4)"],
    [{ kind: "internet", family: "ipv6" }, "internet:ipv6", "internet (ipv6)"],
    [{ kind: "cidr", cidr: "10.0.0.0/8", family: "ipv4" }, "cidr:10.0.0.0/8", "10.0.0.0/8"],
    [{ kind: "prefixList", id: "pl-0123" }, "prefix-list:pl-0123", "pl-0123"],
    [{ kind: "securityGroup", id: "sg-0abc" }, "security-group:sg-0abc", "sg-0abc"],
  ])("%j -> %s, %s", (endpoint, key, formatted) => {
    expect(endpointKey(endpoint)).toBe(key);
    expect(formatEndpoint(endpoint)).toBe(formatted);
  });

  test("a network's two families have different keys", () => {
    expect(endpointKey({ kind: "network", name: "office", family: "ipv4" })).not.toBe(endpointKey({ kind: "network", name: "office", family: "ipv6" }));
  });
});

describe("flowKey", () => {
  test.each<[Flow, string]>([
    [{ from: service("web"), to: service("app"), port: tcp(8080) }, "service:web -> service:app tcp/8080"],
    [{ from: internet, to: service("lb"), port: tcp(8000, 8100) }, "internet:ipv4 -> service:lb tcp/8000-8100"],
    [{ from: service("app"), to: cidr("10.0.0.0/8"), port: all }, "service:app -> cidr:10.0.0.0/8 all"],
  ])("%s", (flow, key) => {
    expect(flowKey(flow)).toBe(key);
  });
});

describe("evaluate: between managed groups", () => {
  test.each<[string, RuleLike[], string[]]>([
    ["ingress and egress together allow the flow", [ingress("app", service("web"), tcp(8080)), egress("web", service("app"), tcp(8080))], ["service:web -> service:app tcp/8080"]],
    ["ingress alone allows nothing", [ingress("app", service("web"), tcp(8080))], []],
    ["egress alone allows nothing", [egress("web", service("app"), tcp(8080))], []],
    ["egress from another group does not count", [ingress("app", service("web"), tcp(8080)), egress("lb", service("app"), tcp(8080))], []],
    ["egress to another group does not count", [ingress("app", service("web"), tcp(8080)), egress("web", service("db"), tcp(8080))], []],
    [
      "egress in the wrong direction does not count",
      [ingress("app", service("web"), tcp(8080)), egress("app", service("web"), tcp(8080))],
      [],
    ],
    ["the ports are the intersection", [ingress("app", service("web"), tcp(8000, 8100)), egress("web", service("app"), tcp(8050, 9000))], ["service:web -> service:app tcp/8050-8100"]],
    ["disjoint ports allow nothing", [ingress("app", service("web"), tcp(80)), egress("web", service("app"), tcp(443))], []],
    ["another protocol allows nothing", [ingress("dns", service("app"), udp(53)), egress("app", service("dns"), tcp(53))], []],
    ["egress all narrows to the ingress", [ingress("app", service("web"), tcp(8080)), egress("web", service("app"), all)], ["service:web -> service:app tcp/8080"]],
    ["ingress all narrows to the egress", [ingress("app", service("web"), all), egress("web", service("app"), udp(53))], ["service:web -> service:app udp/53"]],
    ["all on both sides is all", [ingress("app", service("web"), all), egress("web", service("app"), all)], ["service:web -> service:app all"]],
    [
      "each ingress meets each egress, and the results merge",
      [
        ingress("app", service("web"), tcp(1, 100)),
        ingress("app", service("web"), tcp(150, 300)),
        egress("web", service("app"), tcp(50, 160)),
        egress("web", service("app"), tcp(250, 400)),
      ],
      ["service:web -> service:app tcp/50-100", "service:web -> service:app tcp/150-160", "service:web -> service:app tcp/250-300"],
    ],
    [
      "both directions between two groups are separate flows",
      [
        ingress("b", service("a"), tcp(80)),
        egress("a", service("b"), tcp(80)),
        ingress("a", service("b"), tcp(5432)),
        egress("b", service("a"), tcp(5432)),
      ],
      ["service:a -> service:b tcp/80", "service:b -> service:a tcp/5432"],
    ],
    ["a group may talk to itself", [ingress("cluster", service("cluster"), tcp(7000)), egress("cluster", service("cluster"), tcp(7000))], ["service:cluster -> service:cluster tcp/7000"]],
  ])("%s", (_name, rules, expected) => {
    expect(keys(evaluate(rules))).toEqual(expected);
  });

  test("the order of the rules does not matter", () => {
    const rules = [
      egress("web", service("app"), tcp(8080)),
      ingress("app", service("web"), tcp(8080)),
      ingress("web", internet, tcp(443)),
      egress("app", cidr("10.0.0.0/8"), udp(53)),
    ];
    expect(evaluate([...rules].reverse())).toEqual(evaluate(rules));
  });
});

describe("evaluate: egress to a range reaches the groups whose addresses it may hold, as AWS matches it", () => {
  const vpcOnly = (peer: Endpoint) => peer.kind === "internet" || (peer.kind === "cidr" && peer.cidr === "10.0.0.0/16");
  test.each<[string, RuleLike[], string[]]>([
    [
      "open egress (0.0.0.0/0 all) reaches a group that admits the source, on the ingress's ports",
      [egress("app", internet, all), ingress("db", service("app"), tcp(5432))],
      ["service:app -> internet:ipv4 all", "service:app -> service:db tcp/5432"],
    ],
    [
      "egress to ::/0 on some ports reaches it on those ports only",
      [egress("app", { kind: "internet", family: "ipv6" }, tcp(5000, 5500)), ingress("db", service("app"), tcp(5432))],
      ["service:app -> internet:ipv6 tcp/5000-5500", "service:app -> service:db tcp/5432"],
    ],
    [
      "members of a group reach each other when its self ingress meets its open egress",
      [ingress("cluster", service("cluster"), all), egress("cluster", internet, all)],
      ["service:cluster -> internet:ipv4 all", "service:cluster -> service:cluster all"],
    ],
    ["a group with no egress reaches nobody, even when admitted", [ingress("db", service("app"), tcp(5432))], []],
    [
      "egress to a range that holds the VPC's addresses reaches the group",
      [egress("app", cidr("10.0.0.0/16"), tcp(1, 65535)), ingress("db", service("app"), tcp(5432))],
      ["service:app -> cidr:10.0.0.0/16 tcp/1-65535", "service:app -> service:db tcp/5432"],
    ],
    [
      "egress to a range elsewhere does not",
      [egress("app", cidr("192.0.2.0/24"), tcp(1, 65535)), ingress("db", service("app"), tcp(5432))],
      ["service:app -> cidr:192.0.2.0/24 tcp/1-65535"],
    ],
    [
      "egress to an outside group reaches only that group",
      [egress("app", { kind: "securityGroup", id: "sg-1" }, all), ingress("db", service("app"), tcp(5432))],
      ["service:app -> security-group:sg-1 all"],
    ],
  ])("%s", (_name, rules, expected) => {
    expect(keys(evaluate(rules, vpcOnly))).toEqual(expected);
  });

  test("without knowledge of the addresses, only the internet holds every group", () => {
    expect(keys(evaluate([egress("app", cidr("10.0.0.0/16"), all), ingress("db", service("app"), tcp(5432))]))).toEqual(["service:app -> cidr:10.0.0.0/16 all"]);
  });
});

describe("evaluate: with external peers", () => {
  test.each<[string, RuleLike[], string[]]>([
    ["ingress from the internet alone", [ingress("lb", internet, tcp(443))], ["internet:ipv4 -> service:lb tcp/443"]],
    ["ingress from a network alone", [ingress("bastion", office, tcp(22))], ["network:office:ipv4 -> service:bastion tcp/22"]],
    ["ingress from a CIDR alone", [ingress("app", cidr("10.0.0.0/8"), tcp(8080))], ["cidr:10.0.0.0/8 -> service:app tcp/8080"]],
    ["ingress from an outside group alone", [ingress("app", { kind: "securityGroup", id: "sg-1" }, tcp(8080))], ["security-group:sg-1 -> service:app tcp/8080"]],
    ["egress to a CIDR alone", [egress("app", cidr("2001:db8::/32"), tcp(443))], ["service:app -> cidr:2001:db8::/32 tcp/443"]],
    ["egress to a prefix list alone", [egress("app", { kind: "prefixList", id: "pl-s3" }, tcp(443))], ["service:app -> prefix-list:pl-s3 tcp/443"]],
    ["egress to the internet alone", [egress("app", { kind: "internet", family: "ipv6" }, all)], ["service:app -> internet:ipv6 all"]],
    [
      "external ports are taken as written, not intersected",
      [ingress("lb", internet, tcp(443)), egress("lb", internet, tcp(80))],
      ["internet:ipv4 -> service:lb tcp/443", "service:lb -> internet:ipv4 tcp/80"],
    ],
  ])("%s", (_name, rules, expected) => {
    expect(keys(evaluate(rules))).toEqual(expected);
  });
});

describe("canonicalFlows", () => {
  const web = service("web");
  const app = service("app");
  const flow = (from: Endpoint, to: Endpoint, port: PortSpec): Flow => ({ from, to, port });

  test.each<[string, Flow[], string[]]>([
    ["nothing", [], []],
    ["adjacent ranges merge", [flow(web, app, tcp(8000, 8049)), flow(web, app, tcp(8050, 8100))], ["service:web -> service:app tcp/8000-8100"]],
    ["overlapping ranges merge", [flow(web, app, tcp(1, 100)), flow(web, app, tcp(50, 200))], ["service:web -> service:app tcp/1-200"]],
    ["duplicates collapse", [flow(web, app, tcp(80)), flow(web, app, tcp(80))], ["service:web -> service:app tcp/80"]],
    ["ranges with a gap stay apart", [flow(web, app, tcp(80)), flow(web, app, tcp(82))], ["service:web -> service:app tcp/80", "service:web -> service:app tcp/82"]],
    ["tcp and udp do not merge", [flow(web, app, tcp(53)), flow(web, app, udp(53))], ["service:web -> service:app tcp/53", "service:web -> service:app udp/53"]],
    [
      "all absorbs everything else",
      [flow(web, app, tcp(80)), flow(web, app, all), flow(web, app, udp(53)), flow(web, app, icmp)],
      ["service:web -> service:app all"],
    ],
    [
      "all absorbs only within its pair",
      [flow(web, app, all), flow(app, web, tcp(80))],
      ["service:app -> service:web tcp/80", "service:web -> service:app all"],
    ],
    [
      "ranges of different pairs do not merge",
      [flow(web, app, tcp(80)), flow(app, web, tcp(81))],
      ["service:app -> service:web tcp/81", "service:web -> service:app tcp/80"],
    ],
    [
      "icmp kinds are kept once each, after tcp and udp",
      [flow(web, app, icmpv6), flow(web, app, icmp), flow(web, app, icmp), flow(web, app, udp(53)), flow(web, app, tcp(443))],
      [
        "service:web -> service:app tcp/443",
        "service:web -> service:app udp/53",
        "service:web -> service:app icmp",
        "service:web -> service:app icmpv6",
      ],
    ],
    [
      "sorted by source, then destination",
      [flow(web, app, tcp(80)), flow(internet, web, tcp(443)), flow(app, cidr("10.0.0.0/8"), tcp(5432)), flow(app, service("db"), tcp(5432))],
      [
        "internet:ipv4 -> service:web tcp/443",
        "service:app -> cidr:10.0.0.0/8 tcp/5432",
        "service:app -> service:db tcp/5432",
        "service:web -> service:app tcp/80",
      ],
    ],
  ])("%s", (_name, flows, expected) => {
    expect(keys(canonicalFlows(flows))).toEqual(expected);
  });

  test("keeps the endpoints as given", () => {
    expect(canonicalFlows([flow(office, app, tcp(22))])).toEqual([{ from: office, to: app, port: tcp(22) }]);
  });
});

describe("canonicalPorts", () => {
  test.each<[PortSpec[], string[]]>([
    [[], []],
    [[tcp(443), tcp(80), tcp(81, 90)], ["tcp/80-90", "tcp/443"]],
    [[icmp, all], ["all"]],
    [[udp(53), tcp(53), icmpv6, icmp], ["tcp/53", "udp/53", "icmp", "icmpv6"]],
  ])("%j -> %j", (ports, expected) => {
    expect(canonicalPorts(ports).map(formatPort)).toEqual(expected);
  });
});
