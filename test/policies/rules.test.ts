import { RULES } from "../../src/policies/rules";
import { checkManifest } from "../support/check";
import { manifestYaml } from "../support/sgc";

/**
 * Every rule, table-driven: manifests it must accept and manifests it must flag, with the
 * target and the place of the finding. Services start on line 6 unless `extra` adds lines.
 */
interface Invalid {
  yaml: string;
  target: string;
  message: RegExp;
  line?: number;
  column?: number;
}
interface RuleCases {
  valid: string[];
  invalid: Invalid[];
}

const m = manifestYaml;
const office = "networks:\n  office: { cidrs: [203.0.113.0/24] }\n";
// The internet in disguise: halves of each family, and every public IPv4 address around 10.0.0.0/8.
const everyone = 'networks:\n  everyone: { cidrs: [0.0.0.0/1, 128.0.0.0/1, "::/1", "8000::/1"] }\n';
const allButPrivate = "networks:\n  most: { cidrs: [0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2, 128.0.0.0/1] }\n";
const half = "networks:\n  half: { cidrs: [0.0.0.0/1] }\n";

const cases: Record<string, RuleCases> = {
  "internet-ingress": {
    valid: [
      m("  lb:\n    description: LB\n    ports: [80, 443]\n    consumers: [internet]\n"),
      m("  lb:\n    ports: [8443]\n    consumers: [internet]\npolicy:\n  rules:\n    internet-ingress: { ports: [8443] }\n"),
      // Allowing icmp allows it towards both families, as in manifests.
      m("  lb:\n    ports: [443, { protocol: icmp }]\n    consumers: [internet]\npolicy:\n  rules:\n    internet-ingress: { ports: [443, { protocol: icmp }] }\n"),
      // Half the internet is not the internet (wide-cidr speaks of it), nor are halves on different ports.
      m("  db:\n    ports: [5432]\n    consumers: [half]\n", half),
      m("  db:\n    ports: [5432, 5433]\n    consumers: [{ cidr: 0.0.0.0/1, ports: [5432] }, { cidr: 128.0.0.0/1, ports: [5433] }]\n"),
      // Disguised or not, the internet on an allowed port is fine.
      m("  lb:\n    ports: [443]\n    consumers: [everyone]\n", everyone),
    ],
    invalid: [
      { yaml: m("  ssh:\n    ports: [22]\n    consumers: [internet]\n"), target: "ssh", message: /ssh allows tcp\/22 from the internet; the internet may reach only tcp\/80, tcp\/443/, line: 9, column: 17 },
      { yaml: m("  lb:\n    ports: [\"80-90\"]\n    consumers: [internet]\n"), target: "lb", message: /tcp\/80-90 from the internet/ },
      { yaml: m("  lb:\n    ports: [{ protocol: all }]\n    consumers: [{ network: internet, ports: [{ protocol: all }] }]\n"), target: "lb", message: /all traffic from the internet/ },
      { yaml: m("  db:\n    ports: [5432]\n    consumers: [everyone]\n", everyone), target: "db", message: /^db allows tcp\/5432 from the internet \(network everyone covers every public IPv4 address\); the internet may reach only tcp\/80, tcp\/443$/, line: 11, column: 17 },
      { yaml: m("  db:\n    ports: [5432]\n    consumers: [everyone]\n", everyone), target: "db", message: /tcp\/5432 from the internet \(network everyone covers every public IPv6 address\)/ },
      { yaml: m("  db:\n    ports: [5432]\n    consumers: [most]\n", allButPrivate), target: "db", message: /network most covers every public IPv4 address/ },
      {
        yaml: m("  db:\n    ports: [5432]\n    consumers: [half, { cidr: 128.0.0.0/2 }, { cidr: 192.0.0.0/2 }]\n", half),
        target: "db",
        message: /tcp\/5432 from the internet \(network half, 128\.0\.0\.0\/2 and 192\.0\.0\.0\/2 together cover every public IPv4 address\)/,
        line: 11,
        column: 17,
      },
      { yaml: m('  db:\n    ports: ["5000-5999"]\n    consumers: [{ cidr: 0.0.0.0/1 }, { cidr: 128.0.0.0/1, ports: [5432] }]\n'), target: "db", message: /^db allows tcp\/5432 from the internet \(0\.0\.0\.0\/1 and 128\.0\.0\.0\/1 together/ },
      {
        // Eight ranges: the finding names three and counts the rest.
        yaml: m(`  db:\n    ports: [5432]\n    consumers: [${[0, 32, 64, 96, 128, 160, 192, 224].map((a) => `{ cidr: ${a}.0.0.0/3 }`).join(", ")}]\n`),
        target: "db",
        message: /^db allows tcp\/5432 from the internet \(0\.0\.0\.0\/3, 32\.0\.0\.0\/3, 64\.0\.0\.0\/3 and 5 more together cover every public IPv4 address\)/,
      },
    ],
  },
  "admin-ports": {
    valid: [
      m("  admin:\n    ports: [22]\n    consumers: [office]\n", office),
      m("  app:\n    ports: [8080]\n    consumers: [internet]\n"),
      m("  admin:\n    ports: [22]\n    consumers: [half]\n", half),
    ],
    invalid: [
      { yaml: m("  admin:\n    ports: [22]\n    consumers: [internet]\n", office), target: "admin", message: /admin allows tcp\/22 from the internet, which reaches an admin port; admin ports only from office/, line: 11, column: 17 },
      { yaml: m("  admin:\n    ports: [3389]\n    consumers: [{ cidr: 203.0.113.0/24 }]\n", office), target: "admin", message: /tcp\/3389 from 203\.0\.113\.0\/24/ },
      { yaml: m("  admin:\n    ports: [\"20-30\"]\n    consumers: [app]\n  app: {}\n"), target: "admin", message: /tcp\/20-30 from app, which reaches an admin port; admin ports only from an admin network \(none is declared\)/ },
      {
        yaml: m("  admin:\n    ports: [22]\n    consumers: [vpn]\npolicy:\n  rules:\n    admin-ports: { networks: [office] }\n", office + "  vpn: { cidrs: [198.51.100.0/24] }\n"),
        target: "admin",
        message: /from network vpn/,
      },
      // Every network is an admin network by default, but not one that holds the whole internet.
      { yaml: m("  admin:\n    ports: [22]\n    consumers: [everyone]\n", everyone), target: "admin", message: /^admin allows tcp\/22 from the internet \(network everyone covers every public IPv4 address\), which reaches an admin port/, line: 11, column: 17 },
      { yaml: m("  admin:\n    ports: [3389]\n    consumers: [a, b]\n", "networks:\n  a: { cidrs: [\"::/1\"] }\n  b: { cidrs: [\"8000::/1\"] }\n"), target: "admin", message: /tcp\/3389 from the internet \(network a and network b together cover every public IPv6 address\)/ },
    ],
  },
  "wide-cidr": {
    valid: [
      m("  app:\n    ports: [443]\n    consumers: [{ cidr: 10.0.0.0/24, description: Partner }]\n"),
      m("  app:\n    ports: [443]\n    consumers: [{ cidr: \"2001:db8::/64\" }]\n"),
      // Named networks are judged by the public space they hold: private and documentation ranges hold none.
      m("  app:\n    ports: [443]\n    consumers: [corp]\n", "networks:\n  corp: { cidrs: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, \"2001:db8::/32\"] }\n"),
      m("  app:\n    ports: [443]\n    consumers: [isp]\n", "networks:\n  isp: { cidrs: [11.0.0.0/9, \"2a00::/33\"] }\n"),
    ],
    invalid: [
      { yaml: m("  app:\n    ports: [443]\n    consumers: [{ cidr: 10.20.0.0/16, description: Partner }]\n"), target: "app", message: /10\.20\.0\.0\/16, wider than \/24/, line: 9, column: 17 },
      { yaml: m("  app:\n    ports: [443]\n    consumers: [{ cidr: \"2001:db8::/48\" }]\n"), target: "app", message: /wider than \/64/ },
      {
        yaml: m("  app:\n    ports: [443]\n    consumers: [{ cidr: 10.0.0.0/26 }]\npolicy:\n  rules:\n    wide-cidr: { minPrefixLength: { ipv4: 28, ipv6: 64 } }\n"),
        target: "app",
        message: /wider than \/28/,
      },
      { yaml: m("  app:\n    ports: [443]\n    consumers: [half]\n", half), target: "app", message: /^app allows network half, which spans about a \/1 of public IPv4 space \(a \/8 or more is too wide\)/, line: 11, column: 17 },
      { yaml: m("  app:\n    ports: [443]\n    consumers: [isp]\n", "networks:\n  isp: { cidrs: [11.0.0.0/9, 11.128.0.0/9] }\n"), target: "app", message: /network isp, which spans about a \/8 of public IPv4 space/ },
      { yaml: m("  app:\n    ports: [443]\n    consumers: [isp]\n", 'networks:\n  isp: { cidrs: ["2a00::/32"] }\n'), target: "app", message: /a \/32 of public IPv6 space \(a \/32 or more is too wide\)/ },
      {
        yaml: m("  app:\n    ports: [443]\n    consumers: [isp]\npolicy:\n  rules:\n    wide-cidr: { networkPrefixLength: { ipv4: 16 } }\n", "networks:\n  isp: { cidrs: [11.0.0.0/16] }\n"),
        target: "app",
        message: /a \/16 or more is too wide/,
      },
    ],
  },
  "all-traffic-ingress": {
    valid: [m("  db:\n    ports: [5432]\n    consumers: [app]\n  app: {}\n")],
    invalid: [
      { yaml: m("  db:\n    ports: [{ protocol: all }]\n    consumers: [app]\n  app: {}\n"), target: "db", message: /db allows all traffic from app: every protocol/, line: 9, column: 17 },
      { yaml: m("  db:\n    ports: [\"1-65535\"]\n    consumers: [app]\n  app: {}\n"), target: "db", message: /tcp\/1-65535 from app: every port/ },
      { yaml: m("  db:\n    peers: [{ protocol: all }]\n"), target: "db", message: /all traffic among its own members/ },
    ],
  },
  "open-egress": {
    valid: [
      m("  app:\n    egress: [{ to: internet, ports: [443] }]\n"),
      m("  app:\n    egress: [{ cidr: 10.0.0.0/24, ports: [{ protocol: all }] }]\n"),
      m("  app:\n    egress: [{ to: half, ports: [{ protocol: all }] }]\n", half),
      m("  app:\n    egress: [{ to: everyone, ports: [443] }]\n", everyone),
    ],
    invalid: [
      { yaml: m("  app:\n    egress: [{ to: internet, ports: [{ protocol: all }] }]\n"), target: "app", message: /app allows all traffic to the internet/, line: 8, column: 14 },
      { yaml: m("  app:\n    egress: [{ to: internet, ports: [25] }]\n"), target: "app", message: /tcp\/25 to the internet; only tcp\/80, tcp\/443 may go to the internet/ },
      { yaml: m("  app:\n    egress: [{ to: internet, ports: [\"1-65535\"] }]\npolicy:\n  rules:\n    open-egress: { ports: [\"1-65535\"] }\n"), target: "app", message: /tcp\/1-65535 to the internet/ },
      { yaml: m("  app:\n    egress: [{ to: everyone, ports: [{ protocol: all }] }]\n", everyone), target: "app", message: /^app allows all traffic to the internet \(network everyone covers every public IPv4 address\)/, line: 10, column: 14 },
      {
        yaml: m("  app:\n    egress: [{ cidr: 0.0.0.0/1, ports: [25] }, { cidr: 128.0.0.0/1, ports: [25] }]\n"),
        target: "app",
        message: /tcp\/25 to the internet \(0\.0\.0\.0\/1 and 128\.0\.0\.0\/1 together cover every public IPv4 address\)/,
      },
    ],
  },
  "default-sg-closed": {
    valid: [m("  app: {}\n")],
    invalid: [
      {
        yaml: m("  app: {}\n").replace("vpcId: vpc-0a1b2c3d4e5f67890", "vpcId: vpc-0a1b2c3d4e5f67890\n  closeDefaultSecurityGroup: false"),
        target: "default-security-group",
        message: /default security group of vpc-0a1b2c3d4e5f67890 is not managed/,
        line: 6,
        column: 3,
      },
    ],
  },
  "tier-chain": {
    valid: [
      m("  web:\n    tier: web\n    ports: [80]\n    consumers: [lb]\n  lb: { tier: edge }\n", "tiers: [edge, web, app]\n"),
      m("  app:\n    tier: app\n    ports: [80]\n    consumers: [peer, batch]\n  peer: { tier: app }\n  batch: {}\n", "tiers: [edge, web, app]\n"),
    ],
    invalid: [
      {
        yaml: m("  db:\n    tier: data\n    ports: [5432]\n    consumers: [web]\n  web: { tier: web }\n", "tiers: [web, app, data]\n"),
        target: "db",
        message: /db \(data\) is called by web \(web\); callers must be in data or app/,
        line: 11,
        column: 17,
      },
      { yaml: m("  web:\n    tier: web\n    ports: [80]\n    consumers: [app]\n  app: { tier: app }\n", "tiers: [web, app]\n"), target: "web", message: /called by app \(app\)/ },
    ],
  },
  "rule-quota": {
    valid: [m("  web:\n    ports: [\"1000-1059\"]\n    consumers: [{ network: internet, ports: [\"1000-1059\"] }]\n")],
    invalid: [
      {
        yaml: m("  web:\n    ports: [443]\n    consumers: [office, { prefixList: pl-0123456789abcdef0 }]\npolicy:\n  rules:\n    rule-quota: { max: 10, prefixListWeights: { pl-0123456789abcdef0: 8 } }\n", "networks:\n  office: { maxEntries: 5, cidrs: [203.0.113.0/24] }\n"),
        target: "web",
        message: /web has 13 inbound ipv4 rules \(weighted\), over the quota of 10/,
        line: 9,
        column: 3,
      },
      {
        yaml: m(`  web:\n    ports: [${Array.from({ length: 61 }, (_, i) => 2000 + i).join(", ")}]\n    consumers: [app]\n  app: {}\n`),
        target: "app",
        message: /app has 61 outbound ipv4 rules/,
      },
    ],
  },
  "eni-quota": {
    valid: [m("  a: {}\n  b: {}\nworkloads:\n  asg: [a, b]\n")],
    invalid: [
      {
        yaml: m("  a: {}\n  b: {}\n  c: {}\nworkloads:\n  asg: [a, b, c]\npolicy:\n  rules:\n    eni-quota: { groupsPerInterface: 2 }\n"),
        target: "asg",
        message: /workload asg carries 3 groups; a network interface takes at most 2/,
        line: 11,
        column: 3,
      },
      {
        yaml: m("  a: {}\n  b: {}\n  c: {}\nworkloads:\n  asg: [a, b, c]\npolicy:\n  rules:\n    eni-quota: { rulesPerGroup: 400 }\n"),
        target: "asg",
        message: /3 groups x 400 rules per group is over AWS's limit of 1000/,
      },
    ],
  },
  descriptions: {
    valid: [m("  web:\n    description: Web\n    ports: [80]\n    consumers: [internet, { cidr: 10.0.0.0/24, description: Partner }]\n")],
    invalid: [
      { yaml: m("  web:\n    ports: [80]\n    consumers: [internet]\n"), target: "web", message: /^web has no description$/, line: 7, column: 3 },
      { yaml: m("  web:\n    description: Web\n    ports: [80]\n    consumers: [{ securityGroup: sg-0123456789abcdef0 }]\n"), target: "web", message: /the rule for tcp\/80 from group sg-0123456789abcdef0 has no description/ },
    ],
  },
  "unused-service": {
    valid: [m("  web:\n    ports: [80]\n    consumers: [internet]\n  batch: {}\n")],
    invalid: [
      { yaml: m("  web:\n    ports: [80]\n"), target: "web", message: /web serves tcp\/80 but has no consumers/, line: 7, column: 3 },
      { yaml: m("  web:\n    ports: [80]\n    consumers: [internet]\n  db: {}\nworkloads:\n  asg: [web]\n"), target: "db", message: /db is carried by no workload/ },
    ],
  },
  naming: {
    valid: [m("  web-api: {}\n")],
    invalid: [
      { yaml: m("  web--api: {}\n"), target: "web--api", message: /group name "web--api" does not match/, line: 7, column: 3 },
      { yaml: m("  web: {}\npolicy:\n  rules:\n    naming: { pattern: \"^svc-\" }\n"), target: "web", message: /does not match \^svc-/ },
    ],
  },
};

describe("every rule has compliant and non-compliant cases", () => {
  test("the table covers exactly the registered rules", () => {
    expect(Object.keys(cases).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  describe.each(RULES.map((r) => [r.id] as const))("%s", (id) => {
    test.each(cases[id].valid.map((yaml, i) => [i + 1, yaml] as const))("accepts compliant case %i", (_i, yaml) => {
      const findings = checkManifest(yaml).findings.filter((f) => f.rule === id);
      expect(findings).toEqual([]);
    });

    test.each(cases[id].invalid.map((c, i) => [i + 1, c] as const))("flags non-compliant case %i", (_i, c) => {
      const findings = checkManifest(c.yaml).findings.filter((f) => f.rule === id);
      expect(findings.length).toBeGreaterThan(0);
      const match = findings.find((f) => f.target === c.target && c.message.test(f.message));
      expect({ match, findings }).toMatchObject({ match: { rule: id, target: c.target } });
      if (c.line !== undefined) expect(match!.location).toEqual({ file: "services.yaml", line: c.line, column: c.column });
    });
  });
});
