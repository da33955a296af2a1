import { existsSync, readdirSync, readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { packNames, resolvePolicy } from "../../src/policies/config";
import { ruleTable, withRuleTable } from "../../src/policies/docs";
import { RULES } from "../../src/policies/rules";
import { NON_RULE_FINDINGS } from "../../src/policies/sarif";
import { ROOT } from "../support/sgc";

/** A rule's text lives with the rule; docs and packs must agree with it. */

describe("every rule is documented", () => {
  test.each(RULES.map((r) => [r.id, r] as const))("%s has a doc page that matches its metadata", (id, rule) => {
    const file = join(ROOT, "docs", "rules", `${id}.md`);
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toBe(`# ${id}: ${rule.title}`);
    expect(text).toContain(rule.rationale);
    expect(text).toContain(`Default severity: \`${rule.defaults.severity}\``);
    for (const option of Object.keys(rule.optionsSchema)) expect(text).toContain(`| \`${option}\``);
    if (Object.keys(rule.optionsSchema).length === 0) expect(text).toContain("This rule has no options.");
  });

  test("no doc page describes a rule that does not exist; the engine's own findings have pages too", () => {
    const pages = readdirSync(join(ROOT, "docs", "rules")).map((f) => f.replace(/\.md$/, ""));
    expect(pages.sort()).toEqual([...RULES.map((r) => r.id), ...Object.keys(NON_RULE_FINDINGS)].sort());
    for (const [id, finding] of Object.entries(NON_RULE_FINDINGS)) {
      const text = readFileSync(join(ROOT, "docs", "rules", `${id}.md`), "utf8");
      expect(text.split("\n")[0]).toBe(`# ${id}: ${finding.title}`);
      expect(text).toContain(finding.rationale);
    }
  });

  test("rule metadata is complete: an id, a title, a rationale, a default severity", () => {
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(rule.title.length).toBeGreaterThan(5);
      expect(rule.rationale.length).toBeGreaterThan(20);
      expect(["off", "warn", "error"]).toContain(rule.defaults.severity);
    }
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  test("the README's rule table is the one generated from the rules (run `npm run docs` after changing a rule)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(ruleTable());
    expect(withRuleTable(readme)).toBe(readme);
  });
});

describe("packs", () => {
  test("the built-in packs are recommended and strict", () => {
    expect(packNames()).toEqual(["recommended", "strict"]);
  });

  test.each(["recommended", "strict"])("%s loads, names only known rules, and sets every rule", (name) => {
    const result = resolvePolicy({ packs: [name] });
    expect(result.ok).toBe(true);
    const pack = parse(readFileSync(join(ROOT, "policies", `${name}.yaml`), "utf8")) as { rules: Record<string, unknown> };
    for (const id of Object.keys(pack.rules)) expect(RULES.map((r) => r.id)).toContain(id);
  });

  test("recommended has at least the rules the spec lists", () => {
    const pack = parse(readFileSync(join(ROOT, "policies", "recommended.yaml"), "utf8")) as { rules: Record<string, unknown> };
    expect(Object.keys(pack.rules).sort()).toEqual(
      ["internet-ingress", "admin-ports", "wide-cidr", "all-traffic-ingress", "open-egress", "default-sg-closed", "tier-chain", "rule-quota", "eni-quota", "descriptions", "unused-service", "naming"].sort(),
    );
  });
});
