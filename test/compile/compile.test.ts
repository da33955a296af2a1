import { compile, defaultMaxEntries, ruleId } from "../../src/compile";
import { manifestYaml, validManifest } from "../support/sgc";

const model = (services: string, extra = "") => compile(validManifest(manifestYaml(services, extra)));

describe("compile", () => {
  test("a service consumer gives an ingress rule on the service and the matching egress rule on the consumer", () => {
    const m = model("  web:\n    ports: [80, 443]\n    consumers: [{ service: lb, ports: [443] }]\n  lb: {}\n");
    expect(m.rules.map((r) => [r.direction, r.id, r.origin])).toEqual([
      ["egress", "lb__to_web__tcp_443", "derived-egress"],
      ["ingress", "web__from_lb__tcp_443", "consumer"],
    ]);
    expect(m.rules.every((r) => r.at.join(".") === "services.web.consumers.0")).toBe(true);
  });

  test("a consumer without ports gets every port the service serves", () => {
    const m = model("  dns:\n    ports: [53, { port: 53, protocol: udp }]\n    consumers: [app]\n  app: {}\n");
    expect(m.rules.filter((r) => r.direction === "ingress").map((r) => r.id)).toEqual(["dns__from_app__tcp_53", "dns__from_app__udp_53"]);
  });

  test("internet and networks expand per address family; icmp towards IPv6 is icmpv6", () => {
    const m = model(
      "  web:\n    ports: [{ protocol: icmp }]\n    consumers: [internet, office]\n",
      "networks:\n  office: { cidrs: [10.0.0.0/8, \"2001:db8::/32\"] }\n",
    );
    expect(m.rules.map((r) => r.id)).toEqual([
      "web__from_internet_ipv4__icmp",
      "web__from_internet_ipv6__icmpv6",
      "web__from_office_ipv4__icmp",
      "web__from_office_ipv6__icmpv6",
    ]);
  });

  test("peers give an ingress and an egress rule on the group itself", () => {
    const m = model("  db:\n    peers: [\"7000-7001\"]\n");
    expect(m.rules.map((r) => [r.direction, r.id, r.peer])).toEqual([
      ["egress", "db__peer__tcp_7000-7001", { kind: "service", name: "db" }],
      ["ingress", "db__peer__tcp_7000-7001", { kind: "service", name: "db" }],
    ]);
  });

  test("descriptions: the consumer's own, else derived from the peer's name", () => {
    const m = model("  web:\n    ports: [80]\n    consumers: [internet, { cidr: 10.0.0.0/8, description: Partner VPN }]\n");
    expect(Object.fromEntries(m.rules.map((r) => [r.id, r.description]))).toEqual({
      "web__from_cidr_10-0-0-0_8__tcp_80": "Partner VPN",
      "web__from_internet_ipv4__tcp_80": "from internet",
      "web__from_internet_ipv6__tcp_80": "from internet",
    });
  });

  test("networks: entries sorted IPv4 first, descriptions defaulted, max entries per family", () => {
    const m = model("  web: {}\n", "networks:\n  office:\n    description: HQ\n    cidrs: [\"2001:db8::/32\", 10.1.0.0/16, { cidr: 10.0.0.0/16, description: VPN }]\n");
    expect(m.networks[0]).toMatchObject({
      name: "office",
      entries: [
        { cidr: "10.0.0.0/16", family: "ipv4", description: "VPN" },
        { cidr: "10.1.0.0/16", family: "ipv4", description: "HQ" },
        { cidr: "2001:db8::/32", family: "ipv6", description: "HQ" },
      ],
      maxEntries: { ipv4: 5, ipv6: 5 },
    });
  });

  test.each([
    [0, 5],
    [3, 5],
    [4, 10],
    [998, 1000],
    [1000, 1000],
  ])("default max entries for %i CIDRs is %i", (count, expected) => {
    expect(defaultMaxEntries(count)).toBe(expected);
  });

  test("defaults: closed default group, no backend, no tags", () => {
    const m = model("  web: {}\n");
    expect(m.aws).toEqual({ region: "us-east-1", vpcId: "vpc-0a1b2c3d4e5f67890", tags: {}, closeDefaultSecurityGroup: true });
  });

  test("rule ids name kinds apart, so no two peers can collide", () => {
    const port = { protocol: "tcp" as const, from: 80, to: 80 };
    const ids = [
      ruleId({ direction: "ingress", service: "web", peer: { kind: "service", name: "office" }, port }),
      ruleId({ direction: "ingress", service: "web", peer: { kind: "network", name: "office", family: "ipv4" }, port }),
      ruleId({ direction: "ingress", service: "web", peer: { kind: "cidr", cidr: "10.0.0.0/8", family: "ipv4" }, port }),
      ruleId({ direction: "ingress", service: "web", peer: { kind: "prefixList", id: "pl-0123456789abcdef0" }, port }),
      ruleId({ direction: "ingress", service: "web", peer: { kind: "securityGroup", id: "sg-0123456789abcdef0" }, port }),
      ruleId({ direction: "ingress", service: "web", peer: { kind: "service", name: "web" }, port }),
    ];
    expect(ids).toEqual([
      "web__from_office__tcp_80",
      "web__from_office_ipv4__tcp_80",
      "web__from_cidr_10-0-0-0_8__tcp_80",
      "web__from_prefix-list_pl-0123456789abcdef0__tcp_80",
      "web__from_sg_sg-0123456789abcdef0__tcp_80",
      "web__peer__tcp_80",
    ]);
    expect(ids.every((id) => /^[a-zA-Z_][a-zA-Z0-9_-]*$/.test(id))).toBe(true);
  });
});
