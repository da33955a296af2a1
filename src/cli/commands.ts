import { compile } from "../compile";
import { Diagnostic } from "../diagnostics";
import { endpointKey, evaluate, formatEndpoint } from "../model/flows";
import { formatPort } from "../model/ports";
import { Flow, Model } from "../model/types";
import { loadAnyInput, loadManifest } from "../pipeline";
import { ValidManifest } from "../validate";
import { resolvePolicy } from "../policies/config";
import { runPolicies, today } from "../policies/engine";
import { policyInputFromModel } from "../policies/from-model";
import { CheckFormat, renderReport, summarize } from "../policies/report";
import { jsonLocator, policyInputFromTerraform } from "../targets/aws/policy-input";
import { EXIT, Io, reportDiagnostics, table } from "./io";

/** Loads and validates every file; either all are valid, or the diagnostics of all, with their texts for context. */
function loadAll(files: readonly string[]): { ok: true; manifests: ValidManifest[] } | { ok: false; diagnostics: Diagnostic[]; sources: Map<string, string> } {
  const manifests: ValidManifest[] = [];
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const file of files) {
    const result = loadManifest(file);
    if (result.ok) {
      manifests.push(result.valid);
      sources.set(file, result.valid.source.text);
    } else {
      diagnostics.push(...result.diagnostics);
      if (result.text !== undefined) sources.set(file, result.text);
    }
  }
  return diagnostics.length > 0 ? { ok: false, diagnostics, sources } : { ok: true, manifests };
}

/** `sgc validate FILE...`: schema and meaning, nothing else. */
export function validateCommand(files: readonly string[], io: Io): number {
  const loaded = loadAll(files);
  if (!loaded.ok) return reportDiagnostics(io, loaded.diagnostics, loaded.sources);
  for (const { manifest, source } of loaded.manifests) {
    const services = Object.keys(manifest.services).length;
    const networks = Object.keys(manifest.networks ?? {}).length;
    io.out(`${source.file}: valid (${plural(services, "service")}, ${plural(networks, "network")})\n`);
  }
  return EXIT.ok;
}

/** `sgc synth FILE... --out DIR`: one stack per manifest; nothing is written unless every manifest is valid. */
export function synthCommand(files: readonly string[], outDir: string, io: Io): number {
  const loaded = loadAll(files);
  if (!loaded.ok) return reportDiagnostics(io, loaded.diagnostics, loaded.sources);
  const duplicates = duplicateStackNames(loaded.manifests);
  if (duplicates.length > 0) return reportDiagnostics(io, duplicates);
  const models = loaded.manifests.map((m) => compile(m.manifest));
  // Loaded here, not at start-up: cdktf and the provider bindings are the slow part of sgc.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesize, writeStacks } = require("../targets/aws/synth") as typeof import("../targets/aws/synth");
  const written = writeStacks(outDir, synthesize(models));
  models.forEach((model, i) => io.out(`${model.name}: wrote ${written[i]}\n  ${summary(model)}\n`));
  return EXIT.ok;
}

function duplicateStackNames(manifests: readonly ValidManifest[]): Diagnostic[] {
  const seen = new Map<string, string>();
  const out: Diagnostic[] = [];
  for (const { manifest, source } of manifests) {
    const earlier = seen.get(manifest.name);
    if (earlier !== undefined) {
      out.push({
        code: "duplicate-stack",
        severity: "error",
        message: `stack name "${manifest.name}" is also used by ${earlier}; each manifest needs its own name`,
        file: source.file,
        ...source.locate(["name"]),
      });
    } else {
      seen.set(manifest.name, source.file);
    }
  }
  return out;
}

/** One line on what a stack holds: `4 security groups, 9 ingress rules, ...`. */
export function summary(model: Model): string {
  const ingress = model.rules.filter((r) => r.direction === "ingress").length;
  const lists = model.networks.reduce((n, net) => n + Object.keys(net.maxEntries).length, 0);
  return [
    plural(model.services.length, "security group"),
    plural(ingress, "ingress rule"),
    plural(model.rules.length - ingress, "egress rule"),
    plural(lists, "prefix list"),
    model.aws.closeDefaultSecurityGroup ? "default group closed" : "default group left as it is",
  ].join(", ");
}

/** `sgc flows FILE`: the effective allowed flows of a manifest, a synthesized `cdk.tf.json` or a plan. */
export function flowsCommand(file: string, format: string, io: Io): number {
  const flows = readFlows(file);
  if (!flows.ok) return reportDiagnostics(io, flows.diagnostics, flows.sources);
  if (format === "json") {
    io.out(JSON.stringify({ flows: flows.flows.map(flowJson) }, null, 2) + "\n");
  } else {
    const rows = flows.flows.map((f) => [formatEndpoint(f.from), "->", formatEndpoint(f.to), formatPort(f.port)]);
    io.out(rows.length === 0 ? "no flows\n" : table(rows));
  }
  return EXIT.ok;
}

/** A flow as JSON output documents it: endpoint keys, protocol and, for tcp/udp, the port range. */
export function flowJson(flow: Flow): Record<string, unknown> {
  const port = flow.port.protocol === "tcp" || flow.port.protocol === "udp" ? { fromPort: flow.port.from, toPort: flow.port.to } : {};
  return { from: endpointKey(flow.from), to: endpointKey(flow.to), protocol: flow.port.protocol, ...port };
}

function readFlows(file: string): { ok: true; flows: Flow[] } | { ok: false; diagnostics: Diagnostic[]; sources?: Map<string, string> } {
  const loaded = loadAnyInput(file);
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics, sources: new Map(loaded.text ? [[file, loaded.text]] : []) };
  const { input } = loaded;
  return { ok: true, flows: evaluate(input.kind === "manifest" ? input.model.rules : input.security.rules) };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** `sgc check FILE`: validation plus policies over a manifest, a `cdk.tf.json` or a plan; exit 1 on error findings. */
export function checkCommand(file: string, options: { format: CheckFormat; pack?: string; policy?: string }, version: string, io: Io): number {
  const loaded = loadAnyInput(file);
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
  io.out(renderReport(options.format, { file, kind: input.kind, config: resolved.config, result, text: input.text, version }));
  return summarize(result.findings).errors > 0 ? EXIT.findings : EXIT.ok;
}
