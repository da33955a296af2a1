import { formatPort } from "../model/ports";
import { compareText } from "../model/order";
import { Endpoint, Flow } from "../model/types";

/** A node of a picture: an endpoint without its address family (internet and networks are one node each). */
interface Node {
  key: string;
  label: string;
  kind: Endpoint["kind"];
}

/** The node an endpoint is drawn as. */
export function nodeOf(e: Endpoint): Node {
  switch (e.kind) {
    case "service":
      return { key: `service:${e.name}`, label: e.name, kind: e.kind };
    case "network":
      return { key: `network:${e.name}`, label: e.name, kind: e.kind };
    case "internet":
      return { key: "internet", label: "internet", kind: e.kind };
    case "cidr":
      return { key: `cidr:${e.cidr}`, label: e.cidr, kind: e.kind };
    case "prefixList":
      return { key: `prefix-list:${e.id}`, label: e.id, kind: e.kind };
    case "securityGroup":
      return { key: `security-group:${e.id}`, label: e.id, kind: e.kind };
  }
}

/** An edge: one pair of nodes and the ports between them, merged across address families. */
export interface Edge {
  from: Node;
  to: Node;
  ports: string[];
}

/** Flows as edges between nodes, one per pair, ports listed once, in a stable order. */
export function edgesOf(flows: readonly Flow[]): Edge[] {
  const edges = new Map<string, Edge>();
  for (const flow of flows) {
    const from = nodeOf(flow.from);
    const to = nodeOf(flow.to);
    const key = `${from.key}\u0000${to.key}`;
    const edge = edges.get(key) ?? { from, to, ports: [] };
    const port = formatPort(flow.port).replace("icmpv6", "icmp");
    if (!edge.ports.includes(port)) edge.ports.push(port);
    edges.set(key, edge);
  }
  return [...edges.values()].sort((a, b) => compareText(a.from.key, b.from.key) || compareText(a.to.key, b.to.key));
}

/** Mermaid shapes: services as boxes, the internet as a circle, networks as stadiums, raw addresses as hexagons. */
function mermaidNode(id: string, node: Node): string {
  const label = JSON.stringify(node.label);
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

/** A Mermaid flowchart of changed edges: added drawn solid and green, removed dashed and red. */
export function changedEdgesMermaid(added: readonly Flow[], removed: readonly Flow[]): string {
  const addedEdges = edgesOf(added);
  const removedEdges = edgesOf(removed);
  const nodes = [...addedEdges, ...removedEdges].flatMap((e) => [e.from, e.to]);
  const ids = nodeIds(nodes);
  const lines = ["flowchart LR"];
  const declared = new Set<string>();
  for (const node of nodes.sort((a, b) => compareText(a.key, b.key))) {
    if (declared.has(node.key)) continue;
    declared.add(node.key);
    lines.push(`  ${mermaidNode(ids.get(node.key)!, node)}`);
  }
  const styles: string[] = [];
  let index = 0;
  for (const edge of addedEdges) {
    lines.push(`  ${ids.get(edge.from.key)} -->|${JSON.stringify(`+ ${edge.ports.join(", ")}`)}| ${ids.get(edge.to.key)}`);
    styles.push(`  linkStyle ${index++} stroke:#1a7f37,stroke-width:2px`);
  }
  for (const edge of removedEdges) {
    lines.push(`  ${ids.get(edge.from.key)} -.->|${JSON.stringify(`- ${edge.ports.join(", ")}`)}| ${ids.get(edge.to.key)}`);
    styles.push(`  linkStyle ${index++} stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5`);
  }
  return [...lines, ...styles].join("\n");
}

/** The whole service graph as Mermaid: services grouped by tier, networks and the internet as their own nodes. */
export function graphMermaid(flows: readonly Flow[], tierOf: (service: string) => string | undefined, tiers: readonly string[]): string {
  const edges = edgesOf(flows);
  const nodes = edges.flatMap((e) => [e.from, e.to]);
  const ids = nodeIds(nodes);
  const unique = [...new Map(nodes.map((n) => [n.key, n])).values()].sort((a, b) => compareText(a.key, b.key));
  const lines = ["flowchart LR"];
  const inTier = (tier: string) => unique.filter((n) => n.kind === "service" && tierOf(n.label) === tier);
  tiers.forEach((tier, i) => {
    const members = inTier(tier);
    if (members.length === 0) return;
    lines.push(`  subgraph tier${i}[${JSON.stringify(tier)}]`);
    for (const n of members) lines.push(`    ${mermaidNode(ids.get(n.key)!, n)}`);
    lines.push("  end");
  });
  for (const n of unique) {
    if (n.kind === "service" && tiers.includes(tierOf(n.label) ?? "")) continue;
    lines.push(`  ${mermaidNode(ids.get(n.key)!, n)}`);
  }
  for (const e of edges) lines.push(`  ${ids.get(e.from.key)} -->|${JSON.stringify(e.ports.join(", "))}| ${ids.get(e.to.key)}`);
  return lines.join("\n");
}

/** The whole service graph as Graphviz dot, with the same grouping and shapes. */
export function graphDot(flows: readonly Flow[], tierOf: (service: string) => string | undefined, tiers: readonly string[]): string {
  const edges = edgesOf(flows);
  const nodes = edges.flatMap((e) => [e.from, e.to]);
  const ids = nodeIds(nodes);
  const unique = [...new Map(nodes.map((n) => [n.key, n])).values()].sort((a, b) => compareText(a.key, b.key));
  const shape = (n: Node) => (n.kind === "service" ? "box" : n.kind === "internet" ? "doublecircle" : n.kind === "network" ? "ellipse" : "hexagon");
  const node = (n: Node) => `${ids.get(n.key)} [label=${JSON.stringify(n.label)}, shape=${shape(n)}];`;
  const lines = ["digraph services {", "  rankdir=LR;"];
  tiers.forEach((tier, i) => {
    const members = unique.filter((n) => n.kind === "service" && tierOf(n.label) === tier);
    if (members.length === 0) return;
    lines.push(`  subgraph cluster_${i} {`, `    label=${JSON.stringify(tier)};`, ...members.map((n) => `    ${node(n)}`), "  }");
  });
  for (const n of unique) if (!(n.kind === "service" && tiers.includes(tierOf(n.label) ?? ""))) lines.push(`  ${node(n)}`);
  for (const e of edges) lines.push(`  ${ids.get(e.from.key)} -> ${ids.get(e.to.key)} [label=${JSON.stringify(e.ports.join(", "))}];`);
  lines.push("}");
  return lines.join("\n");
}
