import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { pathToFileURL } from "url";
import { packageInfo } from "../../src/package";
import { RULES } from "../../src/policies/rules";
import { NON_RULE_FINDINGS } from "../../src/policies/sarif";
import { sgc } from "../support/cli";
import { sarifErrors } from "../support/sarif";
import { ROOT } from "../support/sgc";

/**
 * SARIF as GitHub code scanning reads it: alerts ranked by `security-severity` (rules tagged
 * `security`), linked by `helpUri` to the shipped docs, with the full help, and placed by
 * repository-relative paths with start and end positions. Invalid input is reported too.
 */

interface Sarif {
  runs: {
    tool: { driver: { version: string; rules: Descriptor[] } };
    originalUriBaseIds: Record<string, { uri: string }>;
    invocations: { executionSuccessful: boolean }[];
    results: Result[];
  }[];
}
interface Descriptor {
  id: string;
  helpUri: string;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string };
  properties: { tags: string[]; precision: string; "security-severity": string };
}
interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: Record<string, number> } }[];
}

// A repository (a folder with .git) with the manifest in a subfolder, as code scanning sees it.
const repo = mkdtempSync(join(tmpdir(), "sgc-sarif-"));
mkdirSync(join(repo, ".git"));
mkdirSync(join(repo, "infra"));
const header = "version: 1\nname: shop\naws:\n  region: us-east-1\n  vpcId: vpc-0a1b2c3d4e5f67890\n";
const manifest = join(repo, "infra", "services.yaml");
writeFileSync(
  manifest,
  `${header}services:\n  admin:\n    description: Admin hosts\n    ports: [22]\n    consumers: [internet]\n  app:\n    description: App\n    ports: [443]\n    consumers:\n      - { cidr: 10.20.0.0/16, description: Partner }\n`,
);
const broken = join(repo, "infra", "broken.yaml");
writeFileSync(broken, `${header}services:\n  web:\n    ports: [80]\n    consumers: [lb]\n  api:\n    ports: [80]\n    egres: []\n`);

async function sarifOf(...args: string[]): Promise<{ code: number; sarif: Sarif }> {
  const r = await sgc("check", ...args, "--format", "sarif");
  return { code: r.code, sarif: JSON.parse(r.out) as Sarif };
}

describe("SARIF for GitHub code scanning", () => {
  test("every rule links its shipped doc page, carries it as help, and is ranked and tagged", async () => {
    const { sarif } = await sarifOf(manifest);
    expect(sarifErrors(sarif)).toEqual([]);
    const { version } = packageInfo();
    const rules = sarif.runs[0].tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual([...RULES.map((r) => r.id), ...Object.keys(NON_RULE_FINDINGS)]);
    for (const rule of rules) {
      const page = join(ROOT, "docs", "rules", `${rule.id}.md`);
      expect(existsSync(page)).toBe(true);
      expect(rule.helpUri).toBe(`https://unpkg.com/@service-graph/sgc@${version}/docs/rules/${rule.id}.md`);
      expect(rule.help.markdown).toBe(readFileSync(page, "utf8"));
      expect(rule.help.text).toBe(readFileSync(page, "utf8"));
      expect(rule.properties.tags).toContain("security");
      expect(["very-high", "high", "medium", "low"]).toContain(rule.properties.precision);
      expect(rule.properties["security-severity"]).toMatch(/^\d{1,2}\.\d$/);
      expect(Number(rule.properties["security-severity"])).toBeGreaterThan(0);
      expect(Number(rule.properties["security-severity"])).toBeLessThanOrEqual(10);
    }
    // ranked by what is at stake: SSH from the internet above a missing description
    const score = (id: string) => Number(rules.find((r) => r.id === id)!.properties["security-severity"]);
    expect(score("admin-ports")).toBeGreaterThanOrEqual(7);
    expect(score("internet-ingress")).toBeGreaterThanOrEqual(7);
    expect(score("descriptions")).toBeLessThan(4);
  });

  test("the score follows the severity the packs give a rule", async () => {
    const recommended = (await sarifOf(manifest)).sarif.runs[0].tool.driver.rules.find((r) => r.id === "wide-cidr")!;
    const strict = (await sarifOf(manifest, "--pack", "strict")).sarif.runs[0].tool.driver.rules.find((r) => r.id === "wide-cidr")!;
    expect(recommended.defaultConfiguration.level).toBe("warning");
    expect(strict.defaultConfiguration.level).toBe("error");
    expect(Number(strict.properties["security-severity"])).toBeGreaterThan(Number(recommended.properties["security-severity"]));
  });

  test("results have repository-relative paths with a base id, and start and end positions", async () => {
    const { code, sarif } = await sarifOf(manifest);
    expect(code).toBe(1);
    const run = sarif.runs[0];
    expect(run.originalUriBaseIds["%SRCROOT%"].uri).toBe(pathToFileURL(repo).href + "/");
    const find = (rule: string) => run.results.find((r) => r.ruleId === rule)!;
    const ssh = find("admin-ports");
    expect(ssh.level).toBe("error");
    expect(ssh.locations[0].physicalLocation.artifactLocation).toEqual({ uri: "infra/services.yaml", uriBaseId: "%SRCROOT%" });
    // `consumers: [internet]` on line 10: the region is the word internet
    expect(ssh.locations[0].physicalLocation.region).toEqual({ startLine: 10, startColumn: 17, endLine: 10, endColumn: 25 });
    // a flow map item spans from { to }
    const wide = find("wide-cidr");
    expect(wide.locations[0].physicalLocation.region).toEqual({ startLine: 15, startColumn: 9, endLine: 15, endColumn: 53 });
    expect(run.tool.driver.rules[wide.ruleIndex].id).toBe("wide-cidr");
  });

  test("findings on synthesized Terraform point at the resource, relative to the repository", async () => {
    const out = join(repo, "cdktf.out");
    await sgc("synth", manifest, "--out", out);
    const { sarif } = await sarifOf(join(out, "stacks", "shop", "cdk.tf.json"));
    expect(sarifErrors(sarif)).toEqual([]);
    const ssh = sarif.runs[0].results.find((r) => r.ruleId === "admin-ports")!;
    const location = ssh.locations[0].physicalLocation;
    expect(location.artifactLocation.uri).toBe("cdktf.out/stacks/shop/cdk.tf.json");
    const line = readFileSync(join(out, "stacks", "shop", "cdk.tf.json"), "utf8").split("\n")[location.region!.startLine - 1];
    expect(line.slice(location.region!.startColumn - 1, location.region!.endColumn - 1)).toBe('"admin__from_internet_ipv4__tcp_22"');
  });

  test("invalid input is reported as results, not as an empty file: exit 2 and a valid log", async () => {
    const { code, sarif } = await sarifOf(broken);
    expect(code).toBe(2);
    expect(sarifErrors(sarif)).toEqual([]);
    const run = sarif.runs[0];
    expect(run.invocations[0].executionSuccessful).toBe(false);
    const results = run.results;
    expect(results.map((r) => r.ruleId)).toEqual(["invalid-input", "invalid-input"]);
    expect(results.map((r) => r.message.text)).toEqual([expect.stringMatching(/^unknown-name: "lb" is not a service/), expect.stringMatching(/^unknown-key: unknown key "egres"/)]);
    expect(results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "infra/broken.yaml", uriBaseId: "%SRCROOT%" },
      region: { startLine: 9, startColumn: 17, endLine: 9, endColumn: 19 },
    });
    expect(run.tool.driver.rules[results[0].ruleIndex].id).toBe("invalid-input");
  });

  test("several inputs, one of them invalid: one run with the findings of the valid ones and the errors of the other", async () => {
    const { code, sarif } = await sarifOf(manifest, broken);
    expect(code).toBe(2);
    expect(sarif.runs).toHaveLength(1);
    const files = new Set(sarif.runs[0].results.map((r) => r.locations[0].physicalLocation.artifactLocation.uri));
    expect([...files].sort()).toEqual(["infra/broken.yaml", "infra/services.yaml"]);
  });
});
