import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { sgc } from "../support/cli";
import { JSDOM } from "jsdom";
import { loadAnyInput } from "../../src/pipeline";
import { parseMermaid, renderMermaid } from "../support/mermaid";
import { examplePaths, ROOT } from "../support/sgc";

const soa = join(ROOT, "examples", "service-oriented.yaml");
const kitchen = join(ROOT, "test", "fixtures", "kitchen-sink", "manifest.yaml");

describe("sgc graph", () => {
  test("Mermaid: services grouped by tier, networks and the internet as their own nodes, accepted by Mermaid", async () => {
    const r = await sgc("graph", soa);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^flowchart LR\n/);
    expect(r.out).toMatch(/subgraph tier0\["edge"\]\n\s+n\d+\["public-elb"\]\n\s+end/);
    expect(r.out).toMatch(/n\d+\(\("internet \(ingress\)"\)\)/);
    expect(r.out).toMatch(/n\d+\(\("internet \(egress\)"\)\)/);
    expect(r.out).toMatch(/n\d+\(\["office"\]\)/);
    expect(r.out).toMatch(/-->\|"tcp\/1186, tcp\/2202"\|/);
    expect(parseMermaid([r.out])).toEqual([{ ok: true, type: "flowchart-v2" }]);
  });

  test("dot: clusters per tier, labelled edges, the internet in and out, risky edges coloured", async () => {
    const r = await sgc("graph", soa, "--format", "dot");
    expect(r.out).toMatch(/^digraph services \{/);
    expect(r.out).toMatch(/subgraph cluster_3 \{\n\s+label="data";\n\s+n\d+ \[label="mysql", shape=box\];/);
    expect(r.out).toMatch(/\[label="internet \(ingress\)", shape=doublecircle\]/);
    expect(r.out).toMatch(/\[label="internet \(egress\)", shape=doublecircle\]/);
    const risky = await sgc("graph", kitchen, "--format", "dot");
    expect(risky.out).toMatch(/-> n\d+ \[label="[^"]*\(internet-ingress\)", color="#cf222e", penwidth=3\];/);
    expect(risky.out).toContain('label="legend: red = policy error');
  });

  test("a finding marks the edge of the rule it is about, not every inline rule of its group", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sgc-graph-inline-"));
    const file = join(dir, "main.tf.json");
    const inline = (cidr: string, port: number, description?: string) => ({ protocol: port === 0 ? "-1" : "tcp", from_port: port, to_port: port, cidr_blocks: [cidr], ...(description ? { description } : {}) });
    writeFileSync(file, JSON.stringify({ resource: { aws_security_group: { legacy: { name: "legacy", description: "Legacy hosts", ingress: [inline("10.0.1.0/24", 443, "HTTPS from the app subnet")], egress: [inline("0.0.0.0/0", 0)] } } } }));
    const r = await sgc("graph", file, "--format", "dot");
    const edges = [...r.out.matchAll(/^\s+(n\d+) -> (n\d+) \[label="([^"]*)"(.*)\];$/gm)].map((m) => ({ from: m[1], to: m[2], label: m[3], style: m[4] }));
    const node = (label: string) => new RegExp(`(n\\d+) \\[label="${label.replace(/[()]/g, "\\$&")}"`).exec(r.out)![1];
    const ingress = edges.find((e) => e.to === node("aws_security_group.legacy"))!;
    const egress = edges.find((e) => e.to === node("internet (egress)"))!;
    expect(ingress).toMatchObject({ label: "tcp/443", style: "" });
    expect(egress.label).toMatch(/^all \(.*open-egress.*\)$/);
    expect(egress.label).toContain("descriptions");
    expect(egress.style).toContain("color=");
  });

  test("the same picture from the manifest and from its synthesized Terraform", async () => {
    const out = mkdtempSync(join(tmpdir(), "sgc-graph-"));
    await sgc("synth", soa, "--out", out);
    expect((await sgc("graph", join(out, "stacks", "soa", "cdk.tf.json"))).out).toBe((await sgc("graph", soa)).out);
  });
});

/** The rendered SVG as a DOM, with what the tests read: node labels, and edges with their ids and styles. */
function svgOf(svg: string) {
  const document = new JSDOM(svg, { contentType: "image/svg+xml" }).window.document;
  const nodes = [...document.querySelectorAll("g.node")].map((g) => ({ id: g.getAttribute("id") ?? "", classes: g.getAttribute("class") ?? "", text: (g.textContent ?? "").trim() }));
  const edges = [...document.querySelectorAll("path[data-edge='true']")].map((p) => ({ id: p.getAttribute("data-id") ?? "", style: p.getAttribute("style") ?? "" }));
  return { nodes, edges, text: document.documentElement.textContent ?? "" };
}

/** Edges of a Mermaid flowchart outside the legend: [from id, to id]. */
function mermaidEdges(text: string): [string, string][] {
  return [...text.matchAll(/^ {2}(n\d+) -\.?->\|"[^"]*"\| (n\d+)$/gm)].map((m) => [m[1], m[2]]);
}

describe("pictures rendered to SVG by the real Mermaid", () => {
  const cases = [...examplePaths(), kitchen];
  let rendered: { ok: boolean; svg?: string; error?: string }[] = [];
  let texts: string[] = [];
  let diff = "";

  beforeAll(async () => {
    texts = await Promise.all(cases.map(async (file) => (await sgc("graph", file)).out));
    const head = join(ROOT, "test", "fixtures", "diff", "service-added", "head.yaml");
    diff = JSON.parse((await sgc("diff", join(ROOT, "test", "fixtures", "diff", "base.yaml"), head, "--format", "json")).out).mermaid;
    rendered = renderMermaid([...texts, diff]);
  });

  test.each(cases.map((file, i) => [file.split("/").slice(-2).join("/"), i] as const))("%s: every service drawn, the internet in and out apart", async (_name, i) => {
    const result = rendered[i];
    expect(result.error).toBeUndefined();
    const svg = svgOf(result.svg!);
    const loaded = await loadAnyInput(cases[i]);
    if (!loaded.ok || loaded.input.kind !== "manifest") throw new Error("expected a manifest");
    const labels = svg.nodes.map((n) => n.text);
    for (const service of loaded.input.model.services) expect(labels).toContain(service.name);
    // every edge of the picture is drawn (a self-loop as several segments)
    const edges = mermaidEdges(texts[i]);
    expect(edges.length).toBeGreaterThan(0);
    for (const [from, to] of edges) {
      const drawn = from === to ? (e: { id: string }) => e.id.startsWith(`${from}-cyclic-special-`) : (e: { id: string }) => e.id.startsWith(`L_${from}_${to}_`);
      expect({ edge: `${from} -> ${to}`, drawn: svg.edges.some(drawn) }).toEqual({ edge: `${from} -> ${to}`, drawn: true });
    }
    // ingress comes only out of the internet's ingress node, egress goes only into its egress node
    const idOf = (label: string) => new RegExp(`(n\\d+)\\(\\("${label.replace(/[()]/g, "\\$&")}"\\)\\)`).exec(texts[i])?.[1];
    const inbound = idOf("internet (ingress)");
    const outbound = idOf("internet (egress)");
    expect(inbound).toBeDefined();
    expect(labels).toContain("internet (ingress)");
    expect(edges.filter(([, to]) => to === inbound)).toEqual([]);
    expect(edges.filter(([from]) => from === outbound)).toEqual([]);
  });

  test("edges with findings are drawn in their colour, labelled with their rules, with a legend", () => {
    const i = cases.indexOf(kitchen);
    const text = texts[i];
    const svg = svgOf(rendered[i].svg!);
    // the internet's edge into edge carries internet-ingress errors: red and thick
    const [, from, to] = /^ {2}(n\d+) -->\|"[^"]*\(internet-ingress\)"\| (n\d+)$/m.exec(text)!;
    expect(svg.edges.find((e) => e.id.startsWith(`L_${from}_${to}_`))!.style).toContain("stroke:#cf222e");
    // a warning edge is dashed orange
    const [, wFrom, wTo] = /^ {2}(n\d+) -\.->\|"[^"]*\(wide-cidr[^"]*\)"\| (n\d+)$/m.exec(text)!;
    expect(svg.edges.find((e) => e.id.startsWith(`L_${wFrom}_${wTo}_`))!.style).toContain("stroke:#bf8700");
    // an edge without findings keeps Mermaid's own style
    const [, cFrom, cTo] = /^ {2}(n\d+) -->\|"[^"(]*"\| (n\d+)$/m.exec(text)!;
    expect(svg.edges.find((e) => e.id.startsWith(`L_${cFrom}_${cTo}_`))!.style).not.toMatch(/stroke:#(cf222e|bf8700)/);
    expect(svg.text).toContain("policy error");
    expect(svg.text).toContain("policy warning");
    // a clean manifest has no legend
    expect(texts[cases.indexOf(soa)]).not.toContain("legend");
  });

  test("a diff marks the created group, and renders", () => {
    const result = rendered[rendered.length - 1];
    expect(result.error).toBeUndefined();
    const svg = svgOf(result.svg!);
    const created = svg.nodes.filter((n) => n.classes.split(" ").includes("created"));
    expect(created.map((n) => n.text)).toContain("cache");
    expect(svg.text).toContain("group created");
    expect(svg.edges.some((e) => e.style.includes("stroke:#1a7f37"))).toBe(true);
  });
});

describe("sgc diff --base-ref", () => {
  test("reads the base from git; a file new at HEAD is all additions; an unknown ref is an error", async () => {
    const repo = mkdtempSync(join(tmpdir(), "sgc-git-"));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q", "-b", "main");
    const manifest = join(repo, "services.yaml");
    writeFileSync(manifest, readFileSync(join(ROOT, "test", "fixtures", "diff", "base.yaml"), "utf8"));
    git("add", ".");
    git("commit", "-q", "-m", "base");
    writeFileSync(manifest, readFileSync(join(ROOT, "test", "fixtures", "diff", "port-changed", "head.yaml"), "utf8"));

    const r = await sgc("diff", "--base-ref", "main", manifest, "--format", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).flows.removed).toEqual([{ from: "service:api", to: "service:db", port: "tcp/5432" }]);

    const fresh = join(repo, "new.yaml");
    writeFileSync(fresh, readFileSync(join(ROOT, "examples", "three-tier.yaml"), "utf8"));
    const added = JSON.parse((await sgc("diff", "--base-ref", "main", fresh, "--format", "json")).out);
    expect(added.summary.flowsRemoved).toBe(0);
    expect(added.created).toHaveLength(4);

    const bad = await sgc("diff", "--base-ref", "no-such-branch", manifest);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('git has no revision "no-such-branch"');
  });
});
