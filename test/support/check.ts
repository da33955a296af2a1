import { compile } from "../../src/compile";
import { resolvePolicy } from "../../src/policies/config";
import { CheckResult, runPolicies } from "../../src/policies/engine";
import { policyInputFromModel } from "../../src/policies/from-model";
import { Finding } from "../../src/policies/types";
import { loadAnyText, validateManifestText } from "../../src/pipeline";
import { synthesize } from "../../src/targets/aws/synth";
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
export async function checkSynthesized(yaml: string, options: { packs?: string[] } = {}): Promise<CheckResult> {
  const result = validateManifestText(yaml, "services.yaml");
  if (!result.ok) throw new Error("expected a valid manifest");
  const [stack] = synthesize([compile(result.valid.manifest)]);
  return checkTerraformText(stack.json, "cdk.tf.json", options);
}

/**
 * Runs the policies over Terraform JSON text (a cdk.tf.json, a plan or a state) as `sgc check`
 * reads it. A plan's configuration is read from `configDir` when given, else from the file's
 * folder when it exists and holds any.
 */
export async function checkTerraformText(text: string, file: string, options: { packs?: string[]; configDir?: string } = {}): Promise<CheckResult> {
  const loaded = await loadAnyText(text, file, options.configDir ? { configDir: options.configDir } : {});
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`).join("\n"));
  const { input } = loaded;
  if (input.kind === "manifest") throw new Error("expected Terraform input");
  const config = resolvePolicy({ packs: options.packs });
  if (!config.ok) throw new Error(config.diagnostics.map((d) => d.message).join("\n"));
  return runPolicies(policyInputFromTerraform(input.security, input.kind, file, jsonLocator(text, file, input.kind)), config.config, TODAY);
}

/**
 * Findings as comparable tuples: rule, severity, target, message, each once. Terraform has a
 * resource per address family where the manifest has one consumer (the internet is 0.0.0.0/0
 * and ::/0), and findings are per resource, so the same verdict may come twice from Terraform.
 */
export function comparable(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => `${f.rule} | ${f.severity} | ${f.target} | ${f.message}`))].sort();
}
