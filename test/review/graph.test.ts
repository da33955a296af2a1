import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { sgc } from "../support/cli";
import { parseMermaid } from "../support/mermaid";
import { ROOT } from "../support/sgc";

const soa = join(ROOT, "examples", "service-oriented.yaml");

describe("sgc graph", () => {
  test("Mermaid: services grouped by tier, networks and the internet as their own nodes, accepted by Mermaid", async () => {
    const r = await sgc("graph", soa);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^flowchart LR\n/);
    expect(r.out).toMatch(/subgraph tier0\["edge"\]\n\s+n\d+\["public-elb"\]\n\s+end/);
    expect(r.out).toMatch(/n\d+\(\("internet"\)\)/);
    expect(r.out).toMatch(/n\d+\(\["office"\]\)/);
    expect(r.out).toMatch(/-->\|"tcp\/1186, tcp\/2202"\|/);
    expect(parseMermaid([r.out])).toEqual([{ ok: true, type: "flowchart-v2" }]);
  });

  test("dot: clusters per tier and labelled edges", async () => {
    const r = await sgc("graph", soa, "--format", "dot");
    expect(r.out).toMatch(/^digraph services \{/);
    expect(r.out).toMatch(/subgraph cluster_3 \{\n\s+label="data";\n\s+n\d+ \[label="mysql", shape=box\];/);
    expect(r.out).toMatch(/\[label="internet", shape=doublecircle\]/);
  });

  test("the same picture from the manifest and from its synthesized Terraform", async () => {
    const out = mkdtempSync(join(tmpdir(), "sgc-graph-"));
    await sgc("synth", soa, "--out", out);
    expect((await sgc("graph", join(out, "stacks", "soa", "cdk.tf.json"))).out).toBe((await sgc("graph", soa)).out);
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
