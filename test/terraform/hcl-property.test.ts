import fc from "fast-check";
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { canonicalFlows, evaluate } from "../../src/model/flows";
import { sgc } from "../support/cli";
import { flowOf, FlowJson, jsonOfFlow } from "../support/expected";
import { directRules, HclConfiguration, RuleSet, ruleSetArbitrary, StyleInstance, writeConfiguration } from "../support/hcl-rules";
import { describeWithTerraform, planOfflineAsync } from "../support/terraform";

/*
 * The property of issue 8: the same rules give the same flows however they are written. A
 * handful of random rule sets (fixed seed), each written in every hand-written style (inline
 * blocks, aws_security_group_rule, the VPC rule resources; directly, through locals, through a
 * child module's variables), all in ONE configuration planned once with real Terraform. For
 * each module instance, the flows sgc reads from the plan must equal the flows of the same
 * rules written directly, as the evaluator computes them.
 */

const SEED = 8;
const SETS = 6;

/** The rule sets: fixed, and at least one of each kind (acyclic sets are also written inline). */
const sets: RuleSet[] = fc.sample(ruleSetArbitrary, { seed: SEED, numRuns: SETS });

/** The flows of the direct form, as `sgc flows --format json` prints them (groups named g0, g1, ...). */
function directFlows(set: RuleSet): FlowJson[] {
  return evaluate(directRules(set).map((r) => ({ direction: r.direction, service: r.group, peer: r.peer, port: r.port }))).map(jsonOfFlow);
}

/** The flows of one module instance, its groups renamed g0, g1, ... as in the direct form, in canonical order. */
function instanceFlows(all: readonly FlowJson[], instance: StyleInstance): FlowJson[] {
  const names = new Map(instance.groups.map((address, g) => [`service:${address}`, `service:g${g}`]));
  const mine = all.filter((f) => names.has(f.from) || names.has(f.to));
  return canonicalFlows(mine.map((f) => flowOf({ ...f, from: names.get(f.from) ?? f.from, to: names.get(f.to) ?? f.to }))).map(jsonOfFlow);
}

function writeFiles(root: string, configuration: HclConfiguration): void {
  for (const [path, text] of Object.entries(configuration.files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describeWithTerraform("the same rules, however they are written in HCL, give the same flows (one real plan)", () => {
  const configuration = writeConfiguration(sets);
  let flows: FlowJson[] = [];
  let code = -1;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "sgc-hcl-property-"));
    writeFiles(dir, configuration);
    const { planText } = await planOfflineAsync(dir);
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, planText);
    const run = await sgc("flows", planFile, "--format", "json");
    code = run.code;
    flows = (JSON.parse(run.out) as { flows: FlowJson[] }).flows;
  }, 600_000);

  test("the sample has sets of both kinds, and every set in every style it allows", () => {
    expect(sets.some((s) => s.acyclic)).toBe(true);
    expect(sets.some((s) => !s.acyclic)).toBe(true);
    expect(configuration.instances.length).toBe(sets.reduce((n, s) => n + (s.acyclic ? 9 : 6), 0));
  });

  test("sgc reads the whole plan: exit 0, and every flow belongs to one module instance", () => {
    expect(code).toBe(0);
    const owned = configuration.instances.flatMap((instance) => flows.filter((f) => [f.from, f.to].some((key) => instance.groups.some((g) => key === `service:${g}`))));
    expect(owned.length).toBe(flows.length);
  });

  test.each(configuration.instances.map((i) => [i.module, i] as const))("%s: the flows of the rules written directly", (_module, instance) => {
    expect(instanceFlows(flows, instance)).toEqual(directFlows(sets[instance.set]));
  });
});
