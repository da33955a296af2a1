import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { sgc } from "../support/cli";
import { RULES } from "../../src/policies/rules";
import { validateSarif } from "../support/sarif";
import { ROOT } from "../support/sgc";

const dir = mkdtempSync(join(tmpdir(), "sgc-check-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const header = "version: 1\nname: shop\naws:\n  region: us-east-1\n  vpcId: vpc-0a1b2c3d4e5f67890\n";
const risky = file(
  "risky.yaml",
  `${header}networks:\n  office: { cidrs: [203.0.113.0/24] }\nservices:\n  admin:\n    description: Admin hosts\n    ports: [22]\n    consumers: [internet]\n  app:\n    description: App\n    ports: [443]\n    consumers: [{ cidr: 10.20.0.0/16, description: Partner }]\npolicy:\n  exceptions:\n    - { rule: wide-cidr, target: app, reason: "Partner VPN until migration", expires: 2099-01-01 }\n`,
);
const example = join(ROOT, "examples", "service-oriented.yaml");

describe("sgc check", () => {
  test("a clean manifest: exit 0", async () => {
    const r = await sgc("check", example);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^0 errors, 0 warnings$/m);
    expect(r.out).toMatch(/rule quota headroom \(tightest first\): graphite inbound ipv4 7\/60 \(53 left\)/);
  });

  test("error findings: exit 1, each at file:line:col with the source line; excepted findings do not count", async () => {
    const r = await sgc("check", risky);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${risky}:12:17: error internet-ingress admin allows tcp/22 from the internet`);
    expect(r.out).toContain("      consumers: [internet]\n                  ^");
    expect(r.out).toContain(`${risky}:16:17: note wide-cidr app allows 10.20.0.0/16, wider than /24; prefer a group reference or a named network (excepted until 2099-01-01: Partner VPN until migration)`);
    expect(r.out).toMatch(/^2 errors, 0 warnings, 1 suppressed by exceptions$/m);
  });

  test("only warnings: exit 0; text, Markdown and JSON call the severity by one word", async () => {
    const warn = file("warn.yaml", `${header}services:\n  web:\n    ports: [443]\n    consumers: [internet]\n`);
    const r = await sgc("check", warn);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: warn descriptions web has no description/);
    const json = JSON.parse((await sgc("check", warn, "--format", "json")).out);
    expect([...new Set(json.findings.map((f: { severity: string }) => f.severity))]).toEqual(["warn"]);
    expect((await sgc("check", warn, "--format", "markdown")).out).toContain("| warn | `descriptions` |");
    expect(r.out).not.toMatch(/ warning /);
  });

  test("invalid input: exit 2 and no report", async () => {
    const bad = file("bad.yaml", `${header}services:\n  web:\n    ports: [443]\n    consumers: [lb]\n`);
    const r = await sgc("check", bad);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/bad\.yaml:9:17: error unknown-name/);
  });

  test("--pack strict turns warnings into errors", async () => {
    const warn = file("warn2.yaml", `${header}services:\n  web:\n    ports: [443]\n    consumers: [internet]\n`);
    expect((await sgc("check", warn, "--pack", "strict")).code).toBe(1);
    expect((await sgc("check", warn, "--pack", "nope")).code).toBe(2);
  });

  test("--policy applies a manifest's overrides and exceptions to its synthesized Terraform", async () => {
    const out = mkdtempSync(join(tmpdir(), "sgc-check-policy-"));
    await sgc("synth", risky, "--out", out);
    const tf = join(out, "stacks", "shop", "cdk.tf.json");
    const without = JSON.parse((await sgc("check", tf, "--format", "json")).out);
    const withPolicy = JSON.parse((await sgc("check", tf, "--policy", risky, "--format", "json")).out);
    // Findings are per resource: SSH from the internet is two rules in Terraform (0.0.0.0/0 and ::/0), each an admin-ports and an internet-ingress error.
    expect(without.summary).toEqual({ errors: 4, warnings: 1, suppressed: 0 });
    expect(withPolicy.summary).toEqual({ errors: 4, warnings: 0, suppressed: 1 });
    expect(withPolicy.findings.find((f: { rule: string }) => f.rule === "wide-cidr").suppressedBy.reason).toBe("Partner VPN until migration");
  });

  test("--format json is the documented, stable shape", async () => {
    const r = await sgc("check", risky, "--format", "json");
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(["version", "input", "packs", "summary", "findings", "quotas"]);
    expect(json).toMatchObject({ version: 1, input: { file: risky, kind: "manifest" }, packs: ["recommended"], summary: { errors: 2, warnings: 0, suppressed: 1 } });
    expect(json.findings[0]).toEqual({
      rule: "admin-ports",
      severity: "error",
      target: "admin",
      message: "admin allows tcp/22 from the internet, which reaches an admin port; admin ports only from office",
      location: { file: risky, line: 12, column: 17 },
      resource: null,
      suppressedBy: null,
    });
    expect(json.findings.find((f: { rule: string }) => f.rule === "wide-cidr").suppressedBy).toEqual({ reason: "Partner VPN until migration", expires: "2099-01-01" });
    expect(json.quotas.rules[0]).toEqual({ target: "admin", direction: "ingress", family: "ipv4", used: 1, limit: 60, headroom: 59 });
  });

  test("--format sarif is valid SARIF 2.1.0 with every rule's help and manifest locations", async () => {
    const r = await sgc("check", risky, "--format", "sarif");
    const sarif = JSON.parse(r.out);
    expect(validateSarif(sarif) ? [] : validateSarif.errors).toEqual([]);
    const driver = sarif.runs[0].tool.driver;
    for (const rule of RULES) {
      expect(driver.rules).toContainEqual(expect.objectContaining({ id: rule.id, shortDescription: { text: rule.title }, help: expect.objectContaining({ text: expect.stringContaining(rule.rationale) }) }));
    }
    const result = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === "internet-ingress");
    // `consumers: [internet]`: the region spans the word internet
    expect(result.locations[0].physicalLocation.region).toEqual({ startLine: 12, startColumn: 17, endLine: 12, endColumn: 25 });
    expect(driver.rules[result.ruleIndex].id).toBe("internet-ingress");
    expect(sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === "wide-cidr").suppressions).toHaveLength(1);
  });

  test("--format markdown: a summary line and a table of findings", async () => {
    const r = await sgc("check", risky, "--format", "markdown");
    expect(r.out).toMatch(/^### :x: sgc check: 2 errors, 0 warnings, 1 suppressed$/m);
    expect(r.out).toContain("| error | `admin-ports` | admin |");
  });

  test("the same findings from the manifest and from its synthesized cdk.tf.json, with resource addresses", async () => {
    const out = mkdtempSync(join(tmpdir(), "sgc-check-out-"));
    const kitchen = join(ROOT, "test", "fixtures", "kitchen-sink", "manifest.yaml");
    await sgc("synth", kitchen, "--out", out);
    const tf = join(out, "stacks", "kitchen-sink", "cdk.tf.json");
    const fromManifest = JSON.parse((await sgc("check", kitchen, "--format", "json")).out);
    const fromTerraform = JSON.parse((await sgc("check", tf, "--format", "json")).out);
    const key = (f: { rule: string; target: string; message: string }) => `${f.rule}|${f.target}|${f.message}`;
    // The same verdicts; Terraform may give one twice, once per resource (IPv4 and IPv6 rules).
    expect([...new Set(fromTerraform.findings.map(key))].sort()).toEqual([...new Set(fromManifest.findings.map(key))].sort());
    expect(fromTerraform.input.kind).toBe("terraform");
    const peer = fromTerraform.findings.find((f: { rule: string }) => f.rule === "all-traffic-ingress");
    expect(peer.resource).toBe("aws_vpc_security_group_ingress_rule.db__peer__all");
    const text = readFileSync(tf, "utf8").split("\n")[peer.location.line - 1];
    expect(text.trim()).toBe('"db__peer__all": {');
  });
});
