import { endpointKey } from "../model/flows";
import { formatPort } from "../model/ports";
import { compareText } from "../model/order";
import { Flow } from "../model/types";
import { Finding } from "../policies/types";
import { plural } from "../text";
import { Review } from "./diff";
import { changedEdgesMermaid, GroupChanges, nodeOf } from "./mermaid";

/** The first line of every review comment, by which CI finds and updates it. */
export const REVIEW_MARKER = "<!-- sgc-review -->";

/**
 * One line: flows added and removed, groups replaced, findings new and resolved. The counts
 * are the JSON summary's (a flow per source, destination, protocol and port range), so the
 * comment and `--format json` never disagree; the tables below group those flows into rows.
 */
export function summaryLine(review: Review): string {
  const parts = [
    ...(review.incomplete.length > 0 ? [`INCOMPLETE (${plural(review.incomplete.length, "value")} unreadable)`] : []),
    `${plural(review.flows.added.length, "flow")} added`,
    `${review.flows.removed.length} removed`,
    `${plural(review.replaced.length, "group")} replaced`,
    `${plural(review.findings.new.length, "new finding")}`,
  ];
  if (review.destroyed.length > 0) parts.splice(3, 0, `${plural(review.destroyed.length, "group")} destroyed`);
  if (review.findings.resolved.length > 0) parts.push(`${review.findings.resolved.length} resolved`);
  if (review.networks.length > 0) parts.push(`${plural(review.networks.length, "network")} changed`);
  return parts.join(", ");
}

/** A flow row from a service's point of view: who reaches it, or what it reaches. */
interface FlowRow {
  service: string;
  arrow: string;
  peer: string;
  ports: string[];
}

/**
 * Flows as rows by service: a flow into a service is listed under that service ("from"),
 * a flow from a service to anything else under the source ("to"). The IPv4 and IPv6 halves
 * of the internet or a network are one row.
 */
export function flowRows(flows: readonly Flow[], dualStack: readonly string[] = []): FlowRow[] {
  const rows = new Map<string, FlowRow & { families: Set<string> }>();
  for (const flow of flows) {
    const inbound = flow.to.kind === "service";
    const service = inbound ? (flow.to as { name: string }).name : flow.from.kind === "service" ? flow.from.name : nodeOf(flow.from).label;
    const peerEndpoint = inbound ? flow.from : flow.to;
    const peer = nodeOf(peerEndpoint).label;
    const arrow = inbound ? "from" : "to";
    const port = formatPort(flow.port).replace("icmpv6", "icmp");
    const key = `${service}\u0000${arrow}\u0000${peer}\u0000${port}`;
    const row = rows.get(key) ?? { service, arrow, peer, ports: [port], families: new Set<string>() };
    if (peerEndpoint.kind === "internet" || peerEndpoint.kind === "network") row.families.add(peerEndpoint.family);
    rows.set(key, row);
  }
  // One row per peer; a peer reached over one address family only says which.
  const merged = new Map<string, FlowRow>();
  for (const row of rows.values()) {
    const peer = row.families.size === 1 && dualStack.includes(row.peer) ? `${row.peer} (${[...row.families][0]} only)` : row.peer;
    const key = `${row.service}\u0000${row.arrow}\u0000${peer}`;
    const into = merged.get(key) ?? { service: row.service, arrow: row.arrow, peer, ports: [] };
    into.ports.push(...row.ports.filter((p) => !into.ports.includes(p)));
    merged.set(key, into);
  }
  return [...merged.values()].sort((a, b) => compareText(a.service, b.service) || compareText(a.arrow, b.arrow) || compareText(a.peer, b.peer));
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function flowTable(flows: readonly Flow[], dualStack: readonly string[]): string[] {
  return ["| service | | peer | ports |", "| --- | --- | --- | --- |", ...flowRows(flows, dualStack).map((r) => `| ${cell(r.service)} | ${r.arrow} | ${cell(r.peer)} | ${r.ports.join(", ")} |`)];
}

function findingLine(f: Finding): string {
  const where = f.location ? ` (${f.location.file}:${f.location.line})` : f.resource ? ` (\`${f.resource}\`)` : "";
  return `- **${f.severity}** \`${f.rule}\` ${cell(f.message)}${where}`;
}

/** The review as a pull-request comment: GitHub-flavoured Markdown with a Mermaid picture. */
export function renderMarkdown(review: Review, title: string): string {
  const lines = [REVIEW_MARKER, `## sgc: access changes in ${title}`, "", `**${summaryLine(review)}**`, ""];
  if (review.replaced.length > 0 || review.destroyed.length > 0) {
    lines.push(
      "> [!WARNING]",
      `> **${plural(review.replaced.length + review.destroyed.length, "security group")} would be replaced or destroyed.** Deleting a group that network interfaces still use fails with \`DependencyViolation\`; replacing one cuts the traffic it allowed until the new group is attached. Move the workloads first, or keep the old name.`,
      "",
    );
  }
  if (review.incomplete.length > 0) {
    lines.push(
      "> [!CAUTION]",
      `> **This review is incomplete: sgc could not read ${plural(review.incomplete.length, "value")}.** The access they grant is not in the flows below, so the change may allow more than this says.`,
      "",
      "| side | resource | attribute | why |",
      "| --- | --- | --- | --- |",
      ...review.incomplete.map((u) => `| ${u.side} | \`${u.address}\` | ${u.attribute ? `\`${cell(u.attribute)}\`` : "-"} | ${cell(u.reason)} |`),
      "",
    );
  } else if (review.flows.added.length + review.flows.removed.length + review.networks.length === 0 && review.replaced.length + review.destroyed.length === 0) {
    lines.push("No access changes.", "");
  }
  if (review.flows.added.length > 0) lines.push("### Flows added", "", ...flowTable(review.flows.added, review.dualStack), "");
  if (review.flows.removed.length > 0) lines.push("### Flows removed", "", ...flowTable(review.flows.removed, review.dualStack), "");
  if (review.networks.length > 0) {
    lines.push("### Networks changed", "", "| network | CIDRs added | CIDRs removed | reaches or is reached by |", "| --- | --- | --- | --- |");
    for (const n of review.networks) lines.push(`| ${cell(n.name)} | ${n.added.join(", ") || "-"} | ${n.removed.join(", ") || "-"} | ${n.usedBy.join(", ") || "-"} |`);
    lines.push("");
  }
  if (review.replaced.length > 0 || review.destroyed.length > 0) {
    lines.push("### Groups replaced or destroyed", "", "| group | what happens | why |", "| --- | --- | --- |");
    for (const r of review.replaced) lines.push(`| \`${r.address}\` | replaced${r.becomes ? ` by \`${r.becomes}\`` : ""} | ${cell(r.reason)} |`);
    for (const d of review.destroyed) lines.push(`| \`${d.address}\` | destroyed | service ${cell(d.service)} removed |`);
    lines.push("");
  }
  if (review.plan) {
    const p = review.plan;
    lines.push(`Terraform plan, access resources: ${p.create} to create, ${p.update} to update, ${p.delete} to destroy, ${p.replace} to replace.`, "");
  }
  if (review.findings.new.length > 0 || review.findings.resolved.length > 0) {
    lines.push("### Policy findings", "");
    if (review.findings.new.length > 0) lines.push("New:", "", ...review.findings.new.map(findingLine), "");
    if (review.findings.resolved.length > 0) lines.push("Resolved:", "", ...review.findings.resolved.map(findingLine), "");
  }
  if (review.quotas.length > 0) {
    lines.push("### Quota headroom", "", "| group | direction | family | rules before | after | limit | left |", "| --- | --- | --- | ---: | ---: | ---: | ---: |");
    // IPv4 and IPv6 counts that moved alike (group references count in both) share a row.
    const rows = new Map<string, { q: (typeof review.quotas)[number]; families: string[] }>();
    for (const q of review.quotas) {
      const key = `${q.target}\u0000${q.direction}\u0000${q.before}\u0000${q.after}`;
      const row = rows.get(key) ?? { q, families: [] };
      row.families.push(q.family);
      rows.set(key, row);
    }
    for (const { q, families } of [...rows.values()].slice(0, 10)) {
      lines.push(`| ${cell(q.target)} | ${q.direction} | ${families.join(", ")} | ${q.before} | ${q.after} | ${q.limit} | ${q.headroom} |`);
    }
    lines.push("");
  }
  if (review.flows.added.length + review.flows.removed.length + review.created.length + review.destroyed.length + review.replaced.length > 0) {
    lines.push("### Changed edges", "", "```mermaid", changedEdgesMermaid(review.flows.added, review.flows.removed, groupChanges(review)), "```", "");
  }
  return lines.join("\n");
}

/** The services whose groups the change creates, destroys or replaces, for the picture. */
function groupChanges(review: Review): GroupChanges {
  return { created: review.created.map((g) => g.service), destroyed: review.destroyed.map((g) => g.service), replaced: review.replaced.map((g) => g.service) };
}

/** The review as JSON, for machines: stable keys, flows with endpoint keys. */
export function renderJson(review: Review): Record<string, unknown> {
  const flow = (f: Flow) => ({ from: endpointKey(f.from), to: endpointKey(f.to), port: formatPort(f.port) });
  const finding = (f: Finding) => ({ rule: f.rule, severity: f.severity, target: f.target, message: f.message, location: f.location ?? null, resource: f.resource ?? null });
  return {
    version: 1,
    summary: {
      flowsAdded: review.flows.added.length,
      flowsRemoved: review.flows.removed.length,
      groupsReplaced: review.replaced.length,
      groupsDestroyed: review.destroyed.length,
      newFindings: review.findings.new.length,
      resolvedFindings: review.findings.resolved.length,
      complete: review.incomplete.length === 0,
    },
    incomplete: review.incomplete.map((u) => ({ side: u.side, resource: u.address, attribute: u.attribute ?? null, reason: u.reason })),
    flows: { added: review.flows.added.map(flow), removed: review.flows.removed.map(flow) },
    networks: review.networks,
    replaced: review.replaced,
    destroyed: review.destroyed,
    created: review.created,
    findings: { new: review.findings.new.map(finding), resolved: review.findings.resolved.map(finding) },
    quotas: review.quotas,
    ...(review.plan ? { plan: review.plan } : {}),
    mermaid: changedEdgesMermaid(review.flows.added, review.flows.removed, groupChanges(review)),
  };
}
