import { compile } from "../compile";
import { Diagnostic } from "../diagnostics";
import { endpointKey, evaluate, formatEndpoint } from "../model/flows";
import { formatPort } from "../model/ports";
import { Flow, Model } from "../model/types";
import { loadManifest, readInput } from "../pipeline";
import { isTerraformJson, readRules, resourcesOfTerraformJson } from "../targets/aws/read";
import { ValidManifest } from "../validate";
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

/** `sgc flows FILE`: the effective allowed flows of a manifest or a synthesized `cdk.tf.json`. */
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
  const input = readInput(file);
  if (!input.ok) return input;
  if (/^\s*\{/.test(input.text)) {
    let json: unknown;
    try {
      json = JSON.parse(input.text);
    } catch (error) {
      return { ok: false, diagnostics: [jsonError(file, input.text, error as Error)] };
    }
    if (!isTerraformJson(json)) {
      return {
        ok: false,
        diagnostics: [{ code: "unknown-input", severity: "error", message: "JSON input is not a synthesized Terraform configuration (cdk.tf.json)", file, line: 1, column: 1 }],
      };
    }
    return { ok: true, flows: evaluate(readRules(resourcesOfTerraformJson(json))) };
  }
  const loaded = loadManifest(file);
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics, sources: new Map(loaded.text ? [[file, loaded.text]] : []) };
  return { ok: true, flows: evaluate(compile(loaded.valid.manifest).rules) };
}

/** A JSON syntax error, located when the parser says where. */
export function jsonError(file: string, text: string, error: Error): Diagnostic {
  const offset = /position (\d+)/.exec(error.message);
  let line = 1;
  let column = 1;
  if (offset) {
    const before = text.slice(0, Number(offset[1])).split("\n");
    line = before.length;
    column = before[before.length - 1].length + 1;
  }
  return { code: "json-syntax", severity: "error", message: error.message.replace(/ in JSON at position \d+.*$/, ""), file, line, column };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
