import { inputName, loadAnyInput, loadManifest, locatorOf } from "../../pipeline";
import { resolvePolicy } from "../../policies/config";
import { runPolicies, today } from "../../policies/engine";
import { CheckFormat } from "../../policies/formats";
import { policyInputFromModel } from "../../policies/from-model";
import { renderReports, ReportContext, summarize } from "../../policies/report";
import { InvalidInput } from "../../policies/sarif";
import { policyInputFromTerraform } from "../../targets/aws/policy-input";
import { ValidManifest } from "../../validate";
import { EXIT, Io, paint, reportDiagnostics } from "../io";

/** The options of `sgc check`. */
export interface CheckOptions {
  format: CheckFormat;
  /** Packs that replace the manifest's `extends`: built-in names, pack files or packages. */
  pack?: string[];
  policy?: string;
  /** Errors only. */
  quiet?: boolean;
  /** Exit 1 when there are more warnings than this. */
  maxWarnings?: number;
  /** Where a plan's configuration (.tf files) is, when not beside the plan. */
  config?: string;
}

/**
 * `sgc check FILE...`: validation plus policies over manifests, `cdk.tf.json` files, plans or states.
 * Exit 2 when an input is invalid (the others are still checked and reported), else 1 on
 * error findings or more warnings than `--max-warnings`, else 0.
 */
export async function checkCommand(files: readonly string[], options: CheckOptions, version: string, io: Io): Promise<number> {
  // The policy section comes from each manifest checked, or from --policy for all (so that
  // Terraform and plans are checked with the manifest's overrides and exceptions).
  let policyFrom: ValidManifest | undefined;
  if (options.policy) {
    const manifest = loadManifest(options.policy);
    if (!manifest.ok) return reportDiagnostics(io, manifest.diagnostics, new Map(manifest.text ? [[inputName(options.policy), manifest.text]] : []));
    policyFrom = manifest.valid;
  }
  const reports: ReportContext[] = [];
  const invalid: InvalidInput[] = [];
  for (const file of files) {
    const checked = await checkOne(file, policyFrom, options, version);
    if (checked.ok) reports.push(checked.report);
    else invalid.push(checked.invalid);
  }
  for (const i of invalid) reportDiagnostics(io, i.diagnostics, new Map(i.text !== undefined ? [[i.file, i.text]] : []));
  // SARIF and JSON carry invalid inputs too: code scanning shows them, machines read them.
  const carriesInvalid = options.format === "sarif" || (options.format === "json" && files.length > 1);
  if (reports.length > 0 || (carriesInvalid && invalid.length > 0)) {
    const text = renderReports(options.format, reports, invalid, version);
    io.out(options.format === "text" ? paint(text, io.color?.out) : text);
  }
  if (invalid.length > 0) return EXIT.invalid;
  const totals = reports.map((r) => summarize(r.result.findings)).reduce((a, b) => ({ errors: a.errors + b.errors, warnings: a.warnings + b.warnings }), { errors: 0, warnings: 0 });
  if (totals.errors > 0) return EXIT.findings;
  if (options.maxWarnings !== undefined && totals.warnings > options.maxWarnings) {
    io.err(`sgc: ${totals.warnings} warnings, more than --max-warnings ${options.maxWarnings}\n`);
    return EXIT.findings;
  }
  return EXIT.ok;
}

/** Checks one input: its report, or why it is invalid. */
async function checkOne(file: string, policyFrom: ValidManifest | undefined, options: CheckOptions, version: string): Promise<{ ok: true; report: ReportContext } | { ok: false; invalid: InvalidInput }> {
  const name = inputName(file);
  const loaded = await loadAnyInput(file, options.config ? { configDir: options.config } : {});
  if (!loaded.ok) return { ok: false, invalid: { file: name, diagnostics: loaded.diagnostics, text: loaded.text } };
  const { input } = loaded;
  const policy = policyFrom ?? (input.kind === "manifest" ? input.valid : undefined);
  const resolved = resolvePolicy({ policy: policy?.manifest.policy, source: policy?.source, packs: options.pack });
  if (!resolved.ok) return { ok: false, invalid: { file: name, diagnostics: resolved.diagnostics, text: input.text } };
  const policyInput =
    input.kind === "manifest"
      ? policyInputFromModel(input.model, input.valid.source)
      : policyInputFromTerraform(input.security, input.kind, name, locatorOf({ ...input, file: name }));
  const result = runPolicies(policyInput, resolved.config, today());
  const sources = new Map([[name, input.text]]);
  if (policy) sources.set(policy.source.file, policy.source.text);
  return { ok: true, report: { file: name, kind: input.kind, config: resolved.config, result, sources, version, quiet: options.quiet } };
}
