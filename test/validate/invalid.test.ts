import { validateText } from "../../src/validate";
import { manifestYaml } from "../support/sgc";

/**
 * Invalid manifests, each with the diagnostic it must produce: code, line and column (1-based),
 * and, where a fix is clear, the hint. The header from `manifestYaml` takes lines 1-5, so
 * services start on line 6 and the first service's body on line 7.
 */
interface Case {
  name: string;
  yaml: string;
  code: string;
  line: number;
  column: number;
  message?: RegExp;
  hint?: RegExp;
}

const header = (services: string, extra = "") => manifestYaml(services, extra);

const cases: Case[] = [
  // YAML syntax
  { name: "duplicate key", yaml: "version: 1\nname: a\nname: b\n", code: "yaml-duplicate-key", line: 3, column: 1 },
  { name: "tab indentation", yaml: "version: 1\naws:\n\tregion: us-east-1\n", code: "yaml-tab-as-indent", line: 3, column: 1 },
  { name: "two documents", yaml: "version: 1\n---\nversion: 1\n", code: "yaml-multiple-docs", line: 2, column: 1 },
  { name: "unclosed flow sequence", yaml: "version: 1\ntiers: [a, b\n", code: "yaml-bad-indent", line: 3, column: 1 },
  { name: "YAML 1.1 directive", yaml: "%YAML 1.1\n---\nversion: 1\n", code: "yaml-version", line: 1, column: 1, hint: /octal/ },
  {
    name: "alias bomb",
    yaml: "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
    code: "yaml-alias-limit",
    line: 2,
    column: 8,
  },

  // Schema
  { name: "unknown top-level key", yaml: header("  web: {}\n", "tier: [a]\n"), code: "unknown-key", line: 6, column: 1, hint: /did you mean "tiers"/ },
  { name: "typo in a service key", yaml: header("  web:\n    consumer: [internet]\n"), code: "unknown-key", line: 8, column: 5, hint: /did you mean "consumers"/ },
  { name: "typo in a consumer object", yaml: header("  web:\n    ports: [80]\n    consumers: [{ servce: api }]\n  api: {}\n"), code: "unknown-key", line: 9, column: 19, hint: /"service"/ },
  { name: "missing vpcId", yaml: "version: 1\nname: test\naws:\n  region: us-east-1\nservices: {}\n", code: "missing-key", line: 4, column: 3, message: /"vpcId"/ },
  { name: "wrong version", yaml: manifestYaml("  web: {}\n").replace("version: 1", "version: 2"), code: "invalid-value", line: 1, column: 10 },
  { name: "bad stack name", yaml: manifestYaml("  web: {}\n").replace("name: test", "name: Test_Stack"), code: "invalid-value", line: 2, column: 7 },
  { name: "bad service name", yaml: header("  Web_Server: {}\n"), code: "invalid-name", line: 7, column: 3 },
  { name: "port out of range", yaml: header("  web:\n    ports: [70000]\n"), code: "out-of-range", line: 8, column: 13, message: /between 1 and 65535/ },
  { name: "colon is not a range", yaml: header("  web:\n    ports: [\"22:22\"]\n"), code: "invalid-value", line: 8, column: 13, hint: /"22-22"/ },
  { name: "unknown protocol", yaml: header("  web:\n    ports: [{ port: 53, protocol: udpp }]\n"), code: "invalid-value", line: 8, column: 35, hint: /did you mean "udp"/ },
  { name: "ports of the wrong type", yaml: header("  web:\n    ports: [true]\n"), code: "invalid-value", line: 8, column: 13, message: /must be a port/ },
  { name: "empty ports", yaml: header("  web:\n    ports: []\n"), code: "empty", line: 8, column: 12 },
  { name: "description with characters AWS refuses", yaml: header("  web:\n    description: Café servers\n"), code: "description-chars", line: 8, column: 18, message: /"é"/ },
  { name: "non-boolean closeDefaultSecurityGroup", yaml: manifestYaml("  web: {}\n").replace("vpcId: vpc-0a1b2c3d4e5f67890", "vpcId: vpc-0a1b2c3d4e5f67890\n  closeDefaultSecurityGroup: no"), code: "wrong-type", line: 6, column: 30 },
  { name: "exception reason too short", yaml: header("  web: {}\n", "policy:\n  exceptions:\n    - { rule: wide-cidr, target: web, reason: later, expires: 2027-01-01 }\n"), code: "too-short", line: 8, column: 47 },

  // Meaning
  { name: "consumer that names nothing", yaml: header("  web:\n    ports: [80]\n    consumers: [lb]\n  lbb: {}\n"), code: "unknown-name", line: 9, column: 17, hint: /did you mean "lbb"/ },
  { name: "a name that is a service and a network", yaml: header("  office: {}\n", "networks:\n  office: { cidrs: [10.0.0.0/8] }\n"), code: "ambiguous-name", line: 9, column: 3 },
  { name: "a network named internet", yaml: header("  web: {}\n", "networks:\n  internet: { cidrs: [10.0.0.0/8] }\n"), code: "reserved-name", line: 7, column: 3 },
  { name: "consumer port the service does not serve", yaml: header("  web:\n    ports: [80]\n    consumers: [{ network: internet, ports: [443] }]\n"), code: "port-not-served", line: 9, column: 46 },
  { name: "consumer range wider than the service's", yaml: header("  web:\n    ports: [\"8080-8081\"]\n    consumers: [{ network: internet, ports: [\"8080-8090\"] }]\n"), code: "port-not-served", line: 9, column: 46 },
  { name: "non-canonical CIDR", yaml: header("  web:\n    ports: [80]\n    consumers: [{ cidr: 10.0.0.1/24 }]\n"), code: "cidr-not-canonical", line: 9, column: 25, hint: /did you mean "10.0.0.0\/24"/ },
  { name: "non-canonical IPv6 CIDR", yaml: header("  web: {}\n", "networks:\n  office: { cidrs: [\"2001:DB8::/32\"] }\n"), code: "cidr-not-canonical", line: 7, column: 21, hint: /"2001:db8::\/32"/ },
  { name: "the internet written as a raw CIDR", yaml: header("  web:\n    ports: [80]\n    consumers: [{ cidr: 0.0.0.0/0 }]\n"), code: "cidr-is-internet", line: 9, column: 25, hint: /internet/ },
  { name: "a network that is the whole IPv6 internet", yaml: header("  web: {}\n", "networks:\n  everyone: { cidrs: [\"::/0\"] }\n"), code: "cidr-is-internet", line: 7, column: 23 },
  { name: "invalid IPv4 address", yaml: header("  web:\n    ports: [80]\n    consumers: [{ cidr: 10.0.0.256/32 }]\n"), code: "invalid-cidr", line: 9, column: 25 },
  { name: "unknown tier", yaml: header("  web:\n    tier: wbe\n", "tiers: [edge, web]\n"), code: "unknown-tier", line: 9, column: 11, hint: /did you mean "web"/ },
  { name: "tier without tiers", yaml: header("  web:\n    tier: web\n"), code: "unknown-tier", line: 8, column: 11 },
  { name: "workload with an unknown service", yaml: header("  web: {}\n", "workloads:\n  asg: [web, wbe]\n").replace(/(workloads:\n  asg: \[web, wbe\]\n)(services:\n  web: \{\}\n)/, "$2$1"), code: "unknown-name", line: 9, column: 14, hint: /"web"/ },
  { name: "range that runs backwards", yaml: header("  web:\n    ports: [\"90-80\"]\n"), code: "range-order", line: 8, column: 13, hint: /"80-90"/ },
  { name: "icmp with a port", yaml: header("  web:\n    ports: [{ protocol: icmp, port: 8 }]\n"), code: "protocol-ports", line: 8, column: 13 },
  { name: "udp without a port", yaml: header("  web:\n    ports: [{ protocol: udp }]\n"), code: "missing-port", line: 8, column: 13 },
  { name: "overlapping ports", yaml: header("  web:\n    ports: [80, \"79-81\"]\n"), code: "duplicate-port", line: 8, column: 17 },
  { name: "a service that consumes itself", yaml: header("  web:\n    ports: [80]\n    consumers: [web]\n"), code: "self-consumer", line: 9, column: 17, hint: /peers/ },
  { name: "the same consumer twice", yaml: header("  web:\n    ports: [80]\n    consumers: [internet, { network: internet, ports: [80] }]\n"), code: "duplicate-consumer", line: 9, column: 27 },
  { name: "egress to a service", yaml: header("  web:\n    egress: [{ to: db, ports: [5432] }]\n  db: { ports: [5432] }\n"), code: "derived-egress", line: 8, column: 20, hint: /consumers of "db"/ },
  { name: "consumer object naming two kinds", yaml: header("  web:\n    ports: [80]\n    consumers: [{ cidr: 10.0.0.0/8, prefixList: pl-0123456789abcdef0 }]\n"), code: "peer-kind", line: 9, column: 17 },
  { name: "consumers but no ports", yaml: header("  web:\n    consumers: [internet]\n"), code: "no-ports", line: 8, column: 5 },
  { name: "maxEntries below the entry count", yaml: header("  web: {}\n", "networks:\n  office: { maxEntries: 1, cidrs: [10.0.0.0/8, 10.1.0.0/16] }\n"), code: "max-entries", line: 7, column: 25 },
  { name: "service named where a network is required", yaml: header("  web:\n    ports: [80]\n    consumers: [{ network: db }]\n  db: {}\n"), code: "wrong-kind", line: 9, column: 28 },
];

describe("invalid manifests are rejected with a located diagnostic", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const result = validateText(c.yaml, "services.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const found = result.diagnostics.find((d) => d.code === c.code);
    expect({ found: found && { code: found.code, line: found.line, column: found.column }, all: result.diagnostics }).toMatchObject({
      found: { code: c.code, line: c.line, column: c.column },
    });
    expect(found!.file).toBe("services.yaml");
    expect(found!.severity).toBe("error");
    if (c.message) expect(found!.message).toMatch(c.message);
    if (c.hint) expect(found!.hint).toMatch(c.hint);
  });

  test("every error is reported at once, in source order", () => {
    const yaml = header("  web:\n    ports: [80]\n    consumers: [lb, { cidr: 10.0.0.1/8 }]\n    tier: nope\n");
    const result = validateText(yaml, "m.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["unknown-name", 9],
      ["cidr-not-canonical", 9],
      ["unknown-tier", 10],
    ]);
  });

  test("schema errors are reported together across the document", () => {
    const yaml = header("  web:\n    prots: [80]\n  api:\n    ports: [0]\n");
    const result = validateText(yaml, "m.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => d.code)).toEqual(["unknown-key", "out-of-range"]);
  });
});

describe("valid YAML 1.2 reads as YAML 1.2", () => {
  test("no, on and 0755 are not booleans or octal", () => {
    const result = validateText(header("  web:\n    description: no\n"), "m.yaml");
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.valid.manifest.services.web.description).toBe("no");
  });
});
