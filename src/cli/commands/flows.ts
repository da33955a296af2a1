import { Diagnostic } from "../../diagnostics";
import { endpointKey, evaluate, formatEndpoint, modelFlows } from "../../model/flows";
import { formatPort } from "../../model/ports";
import { Flow } from "../../model/types";
import { inputName, LoadOptions, loadAnyInput } from "../../pipeline";
import { Unreadable } from "../../targets/aws/read";
import { plural } from "../../text";
import { EXIT, Io, reportDiagnostics, table } from "../io";

/**
 * `sgc flows FILE`: the effective allowed flows of a manifest, a synthesized `cdk.tf.json`, a
 * plan or a state. When sgc cannot read part of Terraform, the flows it prints may lack access
 * those parts grant: it lists them, says the answer is incomplete, and exits 1.
 */
export async function flowsCommand(file: string, format: string, io: Io, options: LoadOptions = {}): Promise<number> {
  const flows = await readFlows(file, options);
  if (!flows.ok) return reportDiagnostics(io, flows.diagnostics, flows.sources);
  const complete = flows.unreadable.length === 0;
  if (format === "json") {
    io.out(JSON.stringify({ flows: flows.flows.map(flowJson), complete, unreadable: flows.unreadable.map(unreadableJson) }, null, 2) + "\n");
  } else {
    const rows = flows.flows.map((f) => [formatEndpoint(f.from), "->", formatEndpoint(f.to), formatPort(f.port)]);
    io.out(rows.length === 0 ? "no flows\n" : table(rows));
  }
  if (!complete) io.err(incompleteNotice(flows.unreadable));
  return complete ? EXIT.ok : EXIT.findings;
}

/** A flow as JSON output documents it: endpoint keys, protocol and, for tcp/udp, the port range; for ICMP a type and code when not all. */
export function flowJson(flow: Flow): Record<string, unknown> {
  const port = flow.port;
  const detail =
    port.protocol === "tcp" || port.protocol === "udp"
      ? { fromPort: port.from, toPort: port.to }
      : (port.protocol === "icmp" || port.protocol === "icmpv6") && port.type !== undefined
        ? { icmpType: port.type, ...(port.code !== undefined ? { icmpCode: port.code } : {}) }
        : {};
  return { from: endpointKey(flow.from), to: endpointKey(flow.to), protocol: port.protocol === "ip" ? String(port.number) : port.protocol, ...detail };
}

/** An unreadable value as JSON output documents it. */
export function unreadableJson(u: Unreadable): Record<string, unknown> {
  return { resource: u.address, attribute: u.attribute ?? null, reason: u.reason };
}

/** What sgc says on stderr when the flows it printed are not the whole answer. */
export function incompleteNotice(unreadable: readonly Unreadable[]): string {
  const lines = [`incomplete: sgc could not read ${plural(unreadable.length, "value")}, so the access above may be missing what they allow:`];
  for (const u of unreadable) lines.push(`  ${u.address}${u.attribute ? ` ${u.attribute}` : ""}: ${u.reason}`);
  return lines.join("\n") + "\n";
}

async function readFlows(file: string, options: LoadOptions): Promise<{ ok: true; flows: Flow[]; unreadable: Unreadable[] } | { ok: false; diagnostics: Diagnostic[]; sources?: Map<string, string> }> {
  const loaded = await loadAnyInput(file, options);
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics, sources: new Map(loaded.text ? [[inputName(file), loaded.text]] : []) };
  const { input } = loaded;
  if (input.kind === "manifest") return { ok: true, flows: modelFlows(input.model), unreadable: [] };
  return { ok: true, flows: evaluate(input.security.rules, input.security.reaches), unreadable: input.security.unreadable };
}
