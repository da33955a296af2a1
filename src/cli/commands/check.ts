import { loadAnyInput, loadManifest } from "../../pipeline";
import { resolvePolicy } from "../../policies/config";
import { runPolicies, today } from "../../policies/engine";
import { CheckFormat } from "../../policies/formats";
import { policyInputFromModel } from "../../policies/from-model";
import { renderReport, summarize } from "../../policies/report";
import { jsonLocator, policyInputFromTerraform } from "../../targets/aws/policy-input";
import { EXIT, Io, reportDiagnostics } from "../io";

/** `sgc check FILE`: validation plus policies over a manifest, a `cdk.tf.json` or a plan; exit 1 on error findings. */
export async function checkCommand(file: string, options: { format: CheckFormat; pack?: string; policy?: string; config?: string }, version: string, io: Io): Promise<number> {
  const loaded = await loadAnyInput(file, { ...(options.config ? { configDir: options.config } : {}) });
  if (!loaded.ok) return reportDiagnostics(io, loaded.diagnostics, new Map(loaded.text ? [[file, loaded.text]] : []));
  const { input } = loaded;
  // The policy section comes from the manifest checked, or from --policy (so that Terraform
  // and plans are checked with the manifest's overrides and exceptions).
  let policyFrom = input.kind === "manifest" ? input.valid : undefined;
  if (options.policy) {
    const manifest = loadManifest(options.policy);
    if (!manifest.ok) return reportDiagnostics(io, manifest.diagnostics, new Map(manifest.text ? [[options.policy, manifest.text]] : []));
    policyFrom = manifest.valid;
  }
  const packs = options.pack ? [options.pack] : undefined;
  const resolved = resolvePolicy({ policy: policyFrom?.manifest.policy, source: policyFrom?.source, packs });
  if (!resolved.ok) return reportDiagnostics(io, resolved.diagnostics, new Map([[file, input.text]]));
  const policyInput =
    input.kind === "manifest"
      ? policyInputFromModel(input.model, input.valid.source)
      : policyInputFromTerraform(input.security, input.kind, file, jsonLocator(input.text, file, input.kind));
  const result = runPolicies(policyInput, resolved.config, today());
  const texts = new Map([[file, input.text]]);
  if (policyFrom) texts.set(policyFrom.source.file, policyFrom.source.text);
  io.out(renderReport(options.format, { file, kind: input.kind, config: resolved.config, result, sources: texts, version }));
  return summarize(result.findings).errors > 0 ? EXIT.findings : EXIT.ok;
}
