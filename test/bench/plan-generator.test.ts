import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { compile } from "../../src/compile";
import { evaluate } from "../../src/model/flows";
import { loadAnyInput } from "../../src/pipeline";
import { synthesize, writeStacks } from "../../src/targets/aws/synth";
import { sgc } from "../support/cli";
import { manifestYaml, validManifest } from "../support/sgc";
import { describeWithTerraform, planOffline } from "../support/terraform";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateManifest } = require("../../bench/generate") as { generateManifest(count: number): string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generatePlan } = require("../../bench/plan") as { generatePlan(config: unknown): string };

type Json = Record<string, unknown>;
interface Change {
  address: string;
  change: { actions: string[]; after: Json; after_unknown: Json };
}

/**
 * The bench times sgc on plans that bench/plan.js writes, as planning 100,000 rules with real
 * Terraform would take far too long. Here one small bench stack is planned for real (offline)
 * and generated: the two must be the same plan, and sgc must read them to the same answer.
 */
describeWithTerraform("the bench's plan generator, against a real plan", () => {
  // Eight services give every shape the bench has: internet and office ingress, group
  // references both ways, the office prefix list and the closed default group.
  const model = compile(validManifest(generateManifest(8), "bench-8.yaml"));
  const root = mkdtempSync(join(tmpdir(), "sgc-plan-generator-"));
  let stackDir: string;
  let realFile: string;
  let planText: string;
  let realChanges: Change[];
  let real: Json;
  const generatedDir = join(root, "generated");
  const generatedFile = join(generatedDir, "plan.json");
  let generatedText: string;
  let generated: Json & { resource_changes: Change[] };

  beforeAll(() => {
    const [stack] = writeStacks(join(root, "out"), synthesize([model]));
    stackDir = join(stack, "..");
    const planned = planOffline(stackDir);
    planText = planned.planText;
    real = planned.plan as unknown as Json;
    realChanges = real.resource_changes as Change[];
    realFile = join(stackDir, "plan.json");
    writeFileSync(realFile, planText);
    // As the bench lays it out: the plan beside a copy of the stack's cdk.tf.json.
    mkdirSync(generatedDir);
    copyFileSync(stack, join(generatedDir, "cdk.tf.json"));
    generatedText = generatePlan(JSON.parse(readFileSync(stack, "utf8")));
    writeFileSync(generatedFile, generatedText);
    generated = JSON.parse(generatedText) as Json & { resource_changes: Change[] };
  });

  test("has the real plan's resource addresses, actions and unknown attributes", () => {
    expect(generated.resource_changes.map((c) => c.address)).toEqual(realChanges.map((c) => c.address));
    expect(generated.resource_changes.map((c) => c.change.actions)).toEqual(realChanges.map((c) => c.change.actions));
    const unknownKeys = (changes: Change[]) => changes.map((c) => [c.address, Object.keys(c.change.after_unknown)]);
    expect(unknownKeys(generated.resource_changes)).toEqual(unknownKeys(realChanges));
  });

  test("is the real plan, but for the time it was made and the test-only provider settings", () => {
    const realJson = real;
    expect(Object.keys(generated)).toEqual(Object.keys(realJson));
    for (const key of ["format_version", "terraform_version", "planned_values", "resource_changes", "output_changes", "applyable", "complete", "errored"]) {
      expect([key, generated[key]]).toEqual([key, realJson[key]]);
    }
    const configuration = (plan: Json) => plan.configuration as { provider_config: { aws: Json }; root_module: Json };
    expect(configuration(generated).root_module).toEqual(configuration(realJson).root_module);
    const { expressions: _real, ...realProvider } = configuration(realJson).provider_config.aws;
    const { expressions: _generated, ...generatedProvider } = configuration(generated).provider_config.aws;
    expect(generatedProvider).toEqual(realProvider);
    const sortedJson = (items: unknown) => (items as unknown[]).map((i) => JSON.stringify(i)).sort();
    expect(sortedJson(generated.relevant_attributes)).toEqual(sortedJson(realJson.relevant_attributes));
    // Compact like Terraform's: within a few hundred bytes (the provider settings) of the real one.
    expect(Math.abs(generatedText.length - planText.length)).toBeLessThan(400);
  });

  test("sgc reads it to the same flows and findings as the real plan, and as the manifest", async () => {
    const [fromReal, fromGenerated] = await Promise.all([loadAnyInput(realFile), loadAnyInput(generatedFile)]);
    if (!fromReal.ok || fromReal.input.kind !== "plan" || !fromGenerated.ok || fromGenerated.input.kind !== "plan") throw new Error("expected two plans");
    // Both read their configuration from the plan's folder.
    expect(fromGenerated.input.terraform.configuration).toEqual({ dir: generatedDir, detail: "full" });
    expect(fromReal.input.terraform.configuration).toEqual({ dir: stackDir, detail: "full" });
    expect(fromGenerated.input.security.unreadable).toEqual([]);
    expect(fromReal.input.security.unreadable).toEqual([]);
    const flows = evaluate(fromGenerated.input.security.rules, fromGenerated.input.security.reaches);
    expect(flows).toEqual(evaluate(fromReal.input.security.rules, fromReal.input.security.reaches));
    expect(flows).toEqual(evaluate(model.rules));

    const [flowsReal, flowsGenerated] = [await sgc("flows", realFile, "--format", "json"), await sgc("flows", generatedFile, "--format", "json")];
    expect(flowsGenerated).toEqual(flowsReal);
    expect(flowsGenerated.code).toBe(0);

    // A policy that the bench stack breaks, so that there are findings to compare: internet
    // ingress only on 80 (it opens 443, over IPv4 and IPv6) and at most 5 rules a group.
    const policy = join(root, "policy.yaml");
    writeFileSync(policy, manifestYaml("  x: {}\n", "policy:\n  rules:\n    internet-ingress: { ports: [80] }\n    rule-quota: { max: 5 }\n"));
    const findings = async (file: string) => {
      const r = await sgc("check", file, "--format", "json", "--policy", policy);
      const report = JSON.parse(r.out) as { findings: Json[]; quotas: unknown };
      return { code: r.code, findings: report.findings.map(({ location: _location, ...f }) => f), quotas: report.quotas };
    };
    const [checkReal, checkGenerated] = [await findings(realFile), await findings(generatedFile)];
    expect(checkGenerated).toEqual(checkReal);
    expect(checkGenerated.code).toBe(1);
    const rules = new Set(checkGenerated.findings.map((f) => f.rule));
    expect(rules).toEqual(new Set(["internet-ingress", "rule-quota"]));
  });
});
