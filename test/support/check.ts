import { compile } from "../../src/compile";
import { resolvePolicy } from "../../src/policies/config";
import { CheckResult, runPolicies } from "../../src/policies/engine";
import { policyInputFromModel } from "../../src/policies/from-model";
import { Finding } from "../../src/policies/types";
import { validateManifestText } from "../../src/pipeline";
import { synthesize } from "../../src/targets/aws/synth";
import { readSecurity, resourcesOfTerraformJson, resourcesOfPlan } from "../../src/targets/aws/read";
import { jsonLocator, policyInputFromTerraform } from "../../src/targets/aws/policy-input";

/** A fixed "today" for exceptions, so tests do not age. */
export const TODAY = "2026-06-01";

/** Validates a manifest (policy section included) and runs the policies over it, as `sgc check` does. */
export function checkManifest(yaml: string, options: { today?: string; packs?: string[]; file?: string } = {}): CheckResult {
  const file = options.file ?? "services.yaml";
  const result = validateManifestText(yaml, file);
  if (!result.ok) throw new Error(`expected a valid manifest:\n${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join("\n")}`);
  const config = resolvePolicy({ policy: result.valid.manifest.policy, source: result.valid.source, packs: options.packs });
  if (!config.ok) throw new Error(config.diagnostics.map((d) => d.message).join("\n"));
  return runPolicies(policyInputFromModel(compile(result.valid.manifest), result.valid.source), config.config, options.today ?? TODAY);
}

/** Synthesizes a manifest and runs the policies over its `cdk.tf.json`, with the default packs. */
export function checkSynthesized(yaml: string, options: { packs?: string[] } = {}): CheckResult {
  const result = validateManifestText(yaml, "services.yaml");
  if (!result.ok) throw new Error("expected a valid manifest");
  const [stack] = synthesize([compile(result.valid.manifest)]);
  return checkTerraformText(stack.json, "cdk.tf.json", options);
}

/** Runs the policies over Terraform JSON text: a cdk.tf.json or a plan. */
export function checkTerraformText(text: string, file: string, options: { packs?: string[] } = {}): CheckResult {
  const json = JSON.parse(text);
  const kind = "planned_values" in json ? "plan" : "terraform";
  const security = kind === "plan" ? readSecurity(resourcesOfPlan(json), "plan") : readSecurity(resourcesOfTerraformJson(json));
  const config = resolvePolicy({ packs: options.packs });
  if (!config.ok) throw new Error(config.diagnostics.map((d) => d.message).join("\n"));
  return runPolicies(policyInputFromTerraform(security, kind, file, jsonLocator(text, file, kind)), config.config, TODAY);
}

/** Findings as comparable tuples: rule, severity, target, message. */
export function comparable(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.rule} | ${f.severity} | ${f.target} | ${f.message}`).sort();
}
