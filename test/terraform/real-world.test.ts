import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { canonicalFlows } from "../../src/model/flows";
import { formatPort } from "../../src/model/ports";
import { ruleById } from "../../src/policies/rules";
import { sgc } from "../support/cli";
import { Expected, expectedOf, flowOf, jsonOfFlow, mentionsAttribute } from "../support/expected";
import { FixturePlan, planTerraformFixture, TERRAFORM_FIXTURES_DIR, terraformFixtures } from "../support/hcl";
import { ChangePlanJson } from "../support/prior-state";
import { describeWithTerraform } from "../support/terraform";

/*
 * Terraform as teams write it (test/fixtures/terraform/): each fixture planned offline with real
 * Terraform twice, fresh (every id unknown until apply) and against its own prior state (every
 * id known), and read by sgc as a user would: `sgc check`, `flows`, `graph` and `diff --plan`
 * on the plan JSON, with the configuration beside it. What each must say is in the fixture's
 * expected.json (expected-prior.json for the prior plan where it differs), written by hand
 * from what AWS would allow.
 */

const FIXTURES = [
  "child-module-vars",
  "dynamic-blocks",
  "for-each-groups",
  "json-layouts",
  "module-output-source",
  "module-toggles",
  "name-prefix",
  "open-egress-reference",
  "protocols",
  "several-vpcs",
  "unknown-sources",
];
const VARIANTS = ["fresh", "prior"] as const;
type Variant = (typeof VARIANTS)[number];

/** Every plan this file reads, planned once (several at a time) before the tests. */
const planned = new Map<string, FixturePlan>();
const plan = (name: string, variant: Variant): FixturePlan => planned.get(`${name}/${variant}`)!;

/** The configuration file of a fixture: main.tf, or main.tf.json. */
function mainFile(name: string): string {
  const hcl = join(TERRAFORM_FIXTURES_DIR, name, "main.tf");
  return existsSync(hcl) ? hcl : `${hcl}.json`;
}

/** Every resource address a plan has. */
const addresses = (p: FixturePlan) => (p.planJson as ChangePlanJson).resource_changes.map((c) => c.address);

const isComplete = (e: Expected) => e.unreadable.length === 0;

/** `sgc check` exits 1 on error findings: an unreadable resource, or a rule whose default severity is error. */
const checkExit = (e: Expected) => (!isComplete(e) || e.findings.some((f) => ruleById(f.rule)?.defaults.severity === "error") ? 1 : 0);

interface CheckFinding {
  rule: string;
  resource: string | null;
  message: string;
  suppressedBy: unknown;
}

describeWithTerraform("Terraform as teams write it: fixtures planned fresh and against their prior state (offline)", () => {
  beforeAll(async () => {
    const runs = FIXTURES.flatMap((name) => VARIANTS.map(async (variant) => planned.set(`${name}/${variant}`, await planTerraformFixture(name, variant))));
    await Promise.all(runs);
  }, 1_200_000);

  test("the fixture set", () => {
    expect(terraformFixtures()).toEqual(FIXTURES);
  });

  // These hold now: they check the fixtures and their hand-written expectations, not sgc.
  describe.each(FIXTURES)("%s: the fixture", (name) => {
    test("plans offline: valid, only creates, no data sources, provider pinned, documented at the top", () => {
      const fresh = plan(name, "fresh");
      expect(fresh.validate).toContain("The configuration is valid");
      const p = fresh.planJson as ChangePlanJson & { errored: boolean; complete: boolean };
      expect(p.errored).toBe(false);
      expect(p.complete).toBe(true);
      for (const c of p.resource_changes) {
        expect(c.mode).toBe("managed");
        expect(c.change.actions).toEqual(["create"]);
      }
      const opening = mainFile(name).endsWith(".json") ? /^\{\s*"\/\/": "Pattern: / : /^# Pattern: /;
      expect(readFileSync(mainFile(name), "utf8")).toMatch(opening);
    });

    test("against its prior state: Terraform plans no change, and every value is known", () => {
      const prior = plan(name, "prior");
      expect(prior.settled!.planOutput).toContain("No changes.");
      expect(addresses(prior).sort()).toEqual(addresses(plan(name, "fresh")).sort());
      for (const c of (prior.planJson as ChangePlanJson).resource_changes) {
        expect(c.change.actions).toEqual(["no-op"]);
        expect(Object.entries(c.change.after_unknown ?? {}).filter(([, unknown]) => JSON.stringify(unknown).includes("true"))).toEqual([]);
      }
    });

    test.each(VARIANTS)("the %s expectation is well-formed: canonical flows, sorted findings, only addresses the plan has", (variant) => {
      const expected = expectedOf(name, variant);
      const have = new Set(addresses(plan(name, variant)));
      const flows = expected.flows.map(flowOf);
      expect(canonicalFlows(flows).map(jsonOfFlow)).toEqual(expected.flows);
      for (const flow of expected.flows) {
        for (const key of [flow.from, flow.to]) {
          if (key.startsWith("service:")) expect(have).toContain(key.slice("service:".length));
        }
      }
      const findings = expected.findings.map((f) => `${f.rule} ${f.resource}`);
      expect(findings).toEqual([...new Set(findings)].sort());
      for (const f of expected.findings) {
        expect(ruleById(f.rule)).toBeDefined();
        expect(have).toContain(f.resource);
      }
      for (const u of expected.unreadable) expect(have).toContain(u.resource);
    });
  });

  // These exercise sgc; they fail until the reader resolves Terraform as Terraform does (issue 8).
  describe.each(FIXTURES)("%s: sgc on the plan", (name) => {
    describe.each(VARIANTS)("%s", (variant) => {
      const expected = () => expectedOf(name, variant);

      test("check: exactly the expected findings (rule and resource), one unreadable-resource per unknown source", async () => {
        const { code, out } = await sgc("check", plan(name, variant).planFile, "--format", "json");
        const findings = (JSON.parse(out) as { findings: CheckFinding[] }).findings.filter((f) => !f.suppressedBy);
        const unreadable = findings.filter((f) => f.rule === "unreadable-resource");
        const others = findings.filter((f) => f.rule !== "unreadable-resource");
        expect([...new Set(others.map((f) => `${f.rule} ${f.resource}`))].sort()).toEqual(expected().findings.map((f) => `${f.rule} ${f.resource}`));
        expect(unreadable.map((f) => f.resource).sort()).toEqual(expected().unreadable.map((u) => u.resource).sort());
        // Each unknown source is its own finding, and says which attribute it is.
        const left = [...unreadable];
        const unnamed = expected().unreadable.filter((u) => {
          const at = left.findIndex((f) => f.resource === u.resource && mentionsAttribute(f.message, u.attribute));
          if (at >= 0) left.splice(at, 1);
          return at < 0;
        });
        expect(unnamed).toEqual([]);
        expect(code).toBe(checkExit(expected()));
      });

      test("flows: exactly the expected flows; an incomplete answer says so and exits 1", async () => {
        const { code, out, err } = await sgc("flows", plan(name, variant).planFile, "--format", "json");
        expect((JSON.parse(out) as { flows: unknown[] }).flows).toEqual(expected().flows);
        if (isComplete(expected())) {
          expect(code).toBe(0);
        } else {
          expect(code).toBe(1);
          expect(out + err).toMatch(/incomplete/i);
        }
      });

      test("graph: draws the plan, or says the answer is incomplete and exits 1", async () => {
        const { code, out, err } = await sgc("graph", plan(name, variant).planFile);
        if (isComplete(expected())) {
          expect(code).toBe(0);
        } else {
          expect(code).toBe(1);
          expect(out + err).toMatch(/incomplete/i);
        }
      });

      test("diff --plan: the access the plan grants (everything when fresh, nothing against its own state)", async () => {
        const file = plan(name, variant).planFile;
        const json = await sgc("diff", "--plan", file, "--format", "json");
        const markdown = await sgc("diff", "--plan", file);
        const added = variant === "fresh" ? expected().flows.map(flowOf).map((f) => ({ from: jsonOfFlow(f).from, to: jsonOfFlow(f).to, port: formatPort(f.port) })) : [];
        expect((JSON.parse(json.out) as { flows: unknown }).flows).toEqual({ added, removed: [] });
        if (isComplete(expected())) {
          expect([json.code, markdown.code]).toEqual([0, 0]);
          if (variant === "prior") expect(markdown.out).toContain("No access changes.");
        } else {
          expect([json.code, markdown.code]).toEqual([1, 1]);
          expect(markdown.out + markdown.err).toMatch(/incomplete/i);
          expect(markdown.out).not.toContain("No access changes");
        }
      });
    });
  });

  describe("json-layouts: the JSON configuration itself, as sgc check and flows read a cdk.tf.json", () => {
    test("the same findings and flows as its plan", async () => {
      const expected = expectedOf("json-layouts", "fresh");
      const file = mainFile("json-layouts");
      const check = await sgc("check", file, "--format", "json");
      const findings = (JSON.parse(check.out) as { findings: CheckFinding[] }).findings;
      expect([...new Set(findings.map((f) => `${f.rule} ${f.resource}`))].sort()).toEqual(expected.findings.map((f) => `${f.rule} ${f.resource}`));
      expect(check.code).toBe(1);
      const flows = await sgc("flows", file, "--format", "json");
      expect((JSON.parse(flows.out) as { flows: unknown[] }).flows).toEqual(expected.flows);
    });
  });
});
