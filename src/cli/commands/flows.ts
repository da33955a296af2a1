import { Diagnostic } from "../../diagnostics";
import { endpointKey, evaluate, formatEndpoint } from "../../model/flows";
import { formatPort } from "../../model/ports";
import { Flow } from "../../model/types";
import { inputName, loadAnyInput } from "../../pipeline";
import { EXIT, Io, reportDiagnostics, table } from "../io";

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
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics, sources: new Map(loaded.text ? [[inputName(file), loaded.text]] : []) };
  const { input } = loaded;
  return { ok: true, flows: evaluate(input.kind === "manifest" ? input.model.rules : input.security.rules) };
}

