import { formatPort } from "../model/ports";
import { compareText } from "../model/order";
import { Endpoint, Flow } from "../model/types";

/** A node of a picture: an endpoint without its address family (a network is one node, whatever its families). */
interface Node {
  key: string;
  /** The endpoint's name (`internet` for both internet nodes). */
  label: string;
  kind: Endpoint["kind"];
}

/**
 * The node an endpoint is drawn as. With a side, the internet is two nodes: where ingress comes
 * from and where egress goes to. One node for both would pull every internet edge across the
 * whole picture, through the services in between.
 */
export function nodeOf(e: Endpoint, side?: "from" | "to"): Node {
  switch (e.kind) {
    case "service":
      return { key: `service:${e.name}`, label: e.name, kind: e.kind };
    case "network":
      return { key: `network:${e.name}`, label: e.name, kind: e.kind };
    case "internet":
      return { key: side === undefined ? "internet" : side === "from" ? "internet:in" : "internet:out", label: "internet", kind: e.kind };
    case "cidr":
      return { key: `cidr:${e.cidr}`, label: e.cidr, kind: e.kind };
    case "prefixList":
      return { key: `prefix-list:${e.id}`, label: e.id, kind: e.kind };
    case "securityGroup":
      return { key: `security-group:${e.id}`, label: e.id, kind: e.kind };
  }
}

/** What a node says in a picture: its name, and for the internet which way it faces. */
function caption(node: Node): string {
  if (node.key === "internet:in") return "internet (ingress)";
  if (node.key === "internet:out") return "internet (egress)";
  return node.label;
}

/** The node of a service, by name. */
function serviceNode(name: string): Node {
  return nodeOf({ kind: "service", name });
}

/** An edge: one pair of nodes and the ports between them, merged across address families. */
export interface Edge {
  from: Node;
  to: Node;
  ports: string[];
}

/** The key of the edge between two endpoints, as `edgesOf` draws it (the internet split by side). */
export function edgeKey(from: Endpoint, to: Endpoint): string {
  return `${nodeOf(from, "from").key}\u0000${nodeOf(to, "to").key}`;
}

/** Flows as edges between nodes, one per pair, ports listed once, in a stable order. */
export function edgesOf(flows: readonly Flow[]): Edge[] {
  const edges = new Map<string, Edge>();
  for (const flow of flows) {
    const from = nodeOf(flow.from, "from");
    const to = nodeOf(flow.to, "to");
    const key = `${from.key}\u0000${to.key}`;
    const edge = edges.get(key) ?? { from, to, ports: [] };
    const port = formatPort(flow.port).replace("icmpv6", "icmp");
    if (!edge.ports.includes(port)) edge.ports.push(port);
    edges.set(key, edge);
  }
  return [...edges.values()].sort((a, b) => compareText(a.from.key, b.from.key) || compareText(a.to.key, b.to.key));
}

/**
 * Text as Mermaid reads it in a quoted label. Mermaid has no backslash escapes: a quote is the
 * entity `#quot;`, as in the addresses of `for_each` groups (`aws_security_group.svc["db"]`).
 */
function mermaidText(text: string): string {
  return `"${text.replace(/"/g, "#quot;")}"`;
}

/** Mermaid shapes: services as boxes, the internet as a circle, networks as stadiums, raw addresses as hexagons. */
function mermaidNode(id: string, node: Node): string {
  const label = mermaidText(caption(node));
  switch (node.kind) {
    case "service":
      return `${id}[${label}]`;
    case "internet":
      return `${id}((${label}))`;
    case "network":
      return `${id}([${label}])`;
    default:
      return `${id}{{${label}}}`;
  }
}

/** Node ids that Mermaid and Graphviz accept whatever the names: n0, n1, ... in key order. */
function nodeIds(nodes: Iterable<Node>): Map<string, string> {
  const keys = [...new Set([...nodes].map((n) => n.key))].sort(compareText);
  return new Map(keys.map((key, i) => [key, `n${i}`]));
}

/** Distinct nodes in key order. */
function distinct(nodes: readonly Node[]): Node[] {
  return [...new Map(nodes.map((n) => [n.key, n])).values()].sort((a, b) => compareText(a.key, b.key));
}

/** Edge colours, shared by pictures and legends. */
const STYLE = {
  allowed: "stroke:#57606a,stroke-width:1px",
  warn: "stroke:#bf8700,stroke-width:2px,stroke-dasharray:6 3",
  error: "stroke:#cf222e,stroke-width:3px",
  added: "stroke:#1a7f37,stroke-width:2px",
  removed: "stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5",
};

/** Node classes for groups a change creates, destroys or replaces. */
const GROUP_CLASSES = [
  "  classDef created fill:#dafbe1,stroke:#1a7f37,stroke-width:2px",
  "  classDef destroyed fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5",
  "  classDef replaced fill:#fff8c5,stroke:#bf8700,stroke-width:2px",
];

/**
 * A legend: a small edge per style, drawn with its own link style, in a subgraph of its own.
 * `first` is the index the legend's links start at (Mermaid numbers links in order).
 */
function legend(entries: readonly { text: string; style: string; dashed?: boolean }[], first: number, nodes: readonly { text: string; className: string }[] = []): { lines: string[]; styles: string[] } {
  const lines = ["  subgraph legend[\"legend\"]", "    direction LR"];
  const styles: string[] = [];
  entries.forEach((entry, i) => {
    lines.push(`    lg${i}a@{ shape: sm-circ }`, `    lg${i}b@{ shape: sm-circ }`, `    lg${i}a ${entry.dashed ? "-.->" : "-->"}|${mermaidText(entry.text)}| lg${i}b`);
    styles.push(`  linkStyle ${first + i} ${entry.style}`);
  });
  nodes.forEach((node, i) => lines.push(`    lgn${i}[${mermaidText(node.text)}]:::${node.className}`));
  lines.push("  end");
  return { lines, styles };
}

/** Groups a change creates, destroys or replaces, by service name. */
export interface GroupChanges {
  created: readonly string[];
  destroyed: readonly string[];
  replaced: readonly string[];
}

/**
 * A Mermaid flowchart of a change: added edges solid and green, removed edges dashed and red,
 * groups created, destroyed or replaced marked (drawn even when no changed edge touches them),
 * and a legend.
 */
export function changedEdgesMermaid(added: readonly Flow[], removed: readonly Flow[], groups: GroupChanges = { created: [], destroyed: [], replaced: [] }): string {
  const addedEdges = edgesOf(added);
  const removedEdges = edgesOf(removed);
  const marked = new Map<string, string>();
  for (const [className, names] of [["replaced", groups.replaced], ["destroyed", groups.destroyed], ["created", groups.created]] as const) {
    for (const name of names) marked.set(serviceNode(name).key, className);
  }
  const nodes = distinct([...[...addedEdges, ...removedEdges].flatMap((e) => [e.from, e.to]), ...[...groups.created, ...groups.destroyed, ...groups.replaced].map(serviceNode)]);
  const ids = nodeIds(nodes);
  const lines = ["flowchart LR"];
  for (const node of nodes) {
    const className = marked.get(node.key);
    lines.push(`  ${mermaidNode(ids.get(node.key)!, node)}${className ? `:::${className}` : ""}`);
  }
  const styles: string[] = [];
  let index = 0;
  for (const edge of addedEdges) {
    lines.push(`  ${ids.get(edge.from.key)} -->|${mermaidText(`+ ${edge.ports.join(", ")}`)}| ${ids.get(edge.to.key)}`);
    styles.push(`  linkStyle ${index++} ${STYLE.added}`);
  }
  for (const edge of removedEdges) {
    lines.push(`  ${ids.get(edge.from.key)} -.->|${mermaidText(`- ${edge.ports.join(", ")}`)}| ${ids.get(edge.to.key)}`);
    styles.push(`  linkStyle ${index++} ${STYLE.removed}`);
  }
  const used = new Set(marked.values());
  const key = legend(
    [
      ...(addedEdges.length > 0 ? [{ text: "flow added", style: STYLE.added }] : []),
      ...(removedEdges.length > 0 ? [{ text: "flow removed", style: STYLE.removed, dashed: true }] : []),
    ],
    index,
    [
      ...(used.has("created") ? [{ text: "group created", className: "created" }] : []),
      ...(used.has("destroyed") ? [{ text: "group destroyed", className: "destroyed" }] : []),
      ...(used.has("replaced") ? [{ text: "group replaced", className: "replaced" }] : []),
    ],
  );
  return [...lines, ...key.lines, ...GROUP_CLASSES, ...styles, ...key.styles].join("\n");
}

/** What the whole-graph pictures draw: the flows, every service (with its tier), and the edges policies flag. */
export interface ServiceGraph {
  flows: readonly Flow[];
  /** Every service, drawn even when no flow touches it. */
  services: readonly string[];
  tierOf: (service: string) => string | undefined;
  tiers: readonly string[];
  /** Edges with policy findings, by `edgeKey`: the worst severity and the rules. */
  findings?: ReadonlyMap<string, { severity: "error" | "warn"; rules: string[] }>;
}

/** The nodes and edges of a whole graph, and each edge's label and finding. */
function layout(graph: ServiceGraph) {
  const edges = edgesOf(graph.flows).map((edge) => {
    const finding = graph.findings?.get(`${edge.from.key}\u0000${edge.to.key}`);
    const label = `${edge.ports.join(", ")}${finding ? ` (${finding.rules.join(", ")})` : ""}`;
    return { edge, finding, label };
  });
  const nodes = distinct([...edges.flatMap(({ edge }) => [edge.from, edge.to]), ...graph.services.map(serviceNode)]);
  const ids = nodeIds(nodes);
  const inTier = (tier: string) => nodes.filter((n) => n.kind === "service" && graph.tierOf(n.label) === tier);
  const outside = nodes.filter((n) => !(n.kind === "service" && graph.tiers.includes(graph.tierOf(n.label) ?? "")));
  return { edges, ids, inTier, outside };
}

/**
 * The whole service graph as Mermaid: every service, grouped by tier; networks and the internet
 * (one node for ingress, one for egress) as their own nodes; edges with policy findings drawn in
 * the finding's colour and labelled with its rules, with a legend.
 */
export function graphMermaid(graph: ServiceGraph): string {
  const { edges, ids, inTier, outside } = layout(graph);
  const lines = ["flowchart LR"];
  graph.tiers.forEach((tier, i) => {
    const members = inTier(tier);
    if (members.length === 0) return;
    lines.push(`  subgraph tier${i}[${mermaidText(tier)}]`);
    for (const n of members) lines.push(`    ${mermaidNode(ids.get(n.key)!, n)}`);
    lines.push("  end");
  });
  for (const n of outside) lines.push(`  ${mermaidNode(ids.get(n.key)!, n)}`);
  const styles: string[] = [];
  edges.forEach(({ edge, finding, label }, i) => {
    lines.push(`  ${ids.get(edge.from.key)} ${finding?.severity === "warn" ? "-.->" : "-->"}|${mermaidText(label)}| ${ids.get(edge.to.key)}`);
    if (finding) styles.push(`  linkStyle ${i} ${STYLE[finding.severity]}`);
  });
  const severities = new Set(edges.flatMap(({ finding }) => (finding ? [finding.severity] : [])));
  if (severities.size === 0) return [...lines, ...styles].join("\n");
  const key = legend(
    [
      { text: "allowed", style: STYLE.allowed },
      ...(severities.has("warn") ? [{ text: "policy warning", style: STYLE.warn, dashed: true }] : []),
      ...(severities.has("error") ? [{ text: "policy error", style: STYLE.error }] : []),
    ],
    edges.length,
  );
  return [...lines, ...key.lines, ...styles, ...key.styles].join("\n");
}

/** The whole service graph as Graphviz dot, with the same nodes, grouping and edge styles, and the legend as a label. */
export function graphDot(graph: ServiceGraph): string {
  const { edges, ids, inTier, outside } = layout(graph);
  const shape = (n: Node) => (n.kind === "service" ? "box" : n.kind === "internet" ? "doublecircle" : n.kind === "network" ? "ellipse" : "hexagon");
  const node = (n: Node) => `${ids.get(n.key)} [label=${JSON.stringify(caption(n))}, shape=${shape(n)}];`;
  const lines = ["digraph services {", "  rankdir=LR;"];
  graph.tiers.forEach((tier, i) => {
    const members = inTier(tier);
    if (members.length === 0) return;
    lines.push(`  subgraph cluster_${i} {`, `    label=${JSON.stringify(tier)};`, ...members.map((n) => `    ${node(n)}`), "  }");
  });
  for (const n of outside) lines.push(`  ${node(n)}`);
  for (const { edge, finding, label } of edges) {
    const style = finding?.severity === "error" ? ", color=\"#cf222e\", penwidth=3" : finding?.severity === "warn" ? ", color=\"#bf8700\", style=dashed, penwidth=2" : "";
    lines.push(`  ${ids.get(edge.from.key)} -> ${ids.get(edge.to.key)} [label=${JSON.stringify(label)}${style}];`);
  }
  if (edges.some((e) => e.finding)) lines.push('  label="legend: red = policy error, orange dashed = policy warning (rules in parentheses)";', "  labelloc=b;");
  lines.push("}");
  return lines.join("\n");
}
