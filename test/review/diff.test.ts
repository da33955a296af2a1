import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, relative } from "path";
import { sgc } from "../support/cli";
import { mermaidBlocks, parseMermaid } from "../support/mermaid";
import { ROOT } from "../support/sgc";

/**
 * `sgc diff` on real manifest pairs: each case's Markdown is compared with its golden file
 * (UPDATE_GOLDEN=1 rewrites them after a deliberate change) and the parts reviewers rely on
 * are asserted one by one.
 */

const DIR = join(ROOT, "test", "fixtures", "diff");
const base = relative(process.cwd(), join(DIR, "base.yaml"));
const head = (name: string) => relative(process.cwd(), join(DIR, name, "head.yaml"));

async function review(name: string) {
  const markdown = await sgc("diff", base, head(name));
  const json = await sgc("diff", base, head(name), "--format", "json");
  return { markdown: markdown.out, code: markdown.code, json: JSON.parse(json.out) };
}

const CASES = ["service-added", "consumer-removed", "port-changed", "service-renamed", "description-edited", "network-cidr-added"];

describe("sgc diff of manifest pairs", () => {
  test.each(CASES)("%s matches its golden Markdown", async (name) => {
    const { markdown, code } = await review(name);
    expect(code).toBe(0);
    const golden = join(DIR, name, "expected.md");
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(golden)) writeFileSync(golden, markdown);
    expect(markdown).toBe(readFileSync(golden, "utf8"));
  });

  test("service added: one flow in, no replacement, the new group's quota shown", async () => {
    const { markdown, json } = await review("service-added");
    expect(json.summary).toMatchObject({ flowsAdded: 1, flowsRemoved: 0, groupsReplaced: 0, groupsDestroyed: 0 });
    expect(json.flows.added).toEqual([{ from: "service:api", to: "service:cache", port: "tcp/6379" }]);
    expect(json.created).toEqual([{ address: "aws_security_group.cache", service: "cache" }]);
    expect(markdown).toContain("| cache | from | api | tcp/6379 |");
    expect(markdown).not.toContain("[!WARNING]");
  });

  test("consumer removed: the flow disappears and nothing else changes", async () => {
    const { markdown, json } = await review("consumer-removed");
    expect(json.flows).toEqual({ added: [], removed: [{ from: "network:office:ipv4", to: "service:api", port: "tcp/7500" }] });
    expect(json.replaced).toEqual([]);
    expect(markdown).toMatch(/### Flows removed\n\n\| service \| \| peer \| ports \|\n\| --- \| --- \| --- \| --- \|\n\| api \| from \| office \| tcp\/7500 \|/);
  });

  test("port changed: the old port is removed and the new one added, on the same edge", async () => {
    const { json } = await review("port-changed");
    expect(json.flows.added).toEqual([{ from: "service:api", to: "service:db", port: "tcp/5433" }]);
    expect(json.flows.removed).toEqual([{ from: "service:api", to: "service:db", port: "tcp/5432" }]);
  });

  test("service renamed: the group is replaced, loudly, and --fail-on replace makes it a gate", async () => {
    const { markdown, json } = await review("service-renamed");
    expect(json.replaced).toEqual([{ address: "aws_security_group.db", service: "db", becomes: "aws_security_group.postgres", reason: "service renamed from db to postgres" }]);
    expect(markdown).toContain("> [!WARNING]");
    expect(markdown).toContain("| `aws_security_group.db` | replaced by `aws_security_group.postgres` | service renamed from db to postgres |");
    expect((await sgc("diff", base, head("service-renamed"), "--fail-on", "replace")).code).toBe(1);
    expect((await sgc("diff", base, head("service-added"), "--fail-on", "replace")).code).toBe(0);
  });

  test("description edited: no replacement, no access change", async () => {
    const { markdown, json } = await review("description-edited");
    expect(json.summary).toEqual({ flowsAdded: 0, flowsRemoved: 0, groupsReplaced: 0, groupsDestroyed: 0, newFindings: 0, resolvedFindings: 0, complete: true });
    expect(markdown).toContain("No access changes.");
  });

  test("network CIDR added: the network's new ranges and who they reach", async () => {
    const { markdown, json } = await review("network-cidr-added");
    expect(json.networks).toEqual([{ name: "office", added: ["198.51.100.0/24", "2001:db8::/48"], removed: [], usedBy: ["api"] }]);
    expect(markdown).toContain("| office | 198.51.100.0/24, 2001:db8::/48 | - | api |");
    expect(markdown).toContain("| api | from | office (ipv6 only) | tcp/7500 |");
  });

  test("new findings are reported and --fail-on new-findings gates on new errors", async () => {
    const text = readFileSync(join(DIR, "base.yaml"), "utf8").replace("consumers: [api]", "consumers: [api, web]");
    const headFile = join(ROOT, "test", "fixtures", "diff", "tier-skip.tmp.yaml");
    writeFileSync(headFile, text);
    try {
      const r = await sgc("diff", base, relative(process.cwd(), headFile), "--format", "json", "--fail-on", "new-findings");
      expect(r.code).toBe(1);
      expect(JSON.parse(r.out).findings.new).toEqual([expect.objectContaining({ rule: "tier-chain", severity: "error", target: "db" })]);
    } finally {
      require("fs").rmSync(headFile);
    }
  });

  test("every Mermaid picture is accepted by the real Mermaid parser", async () => {
    const diagrams = (await Promise.all(CASES.map(async (name) => mermaidBlocks((await review(name)).markdown)))).flat();
    expect(diagrams.length).toBeGreaterThanOrEqual(5);
    expect(parseMermaid(diagrams)).toEqual(diagrams.map(() => ({ ok: true, type: "flowchart-v2" })));
  });

  test("the parser used above does reject a broken diagram", () => {
    expect(parseMermaid(["flowchart LR\n  a -->|x| \n"])[0].ok).toBe(false);
  });

  test("the Markdown summary counts what the JSON summary counts", async () => {
    // From nothing to the service-oriented example: many flows, some of them both families of one peer.
    const empty = join(ROOT, "test", "fixtures", "diff", "empty.tmp.yaml");
    writeFileSync(empty, "version: 1\nname: soa\naws:\n  region: us-east-1\n  vpcId: vpc-0a1b2c3d4e5f67890\nservices: {}\n");
    try {
      const soa = join(ROOT, "examples", "service-oriented.yaml");
      const markdown = (await sgc("diff", empty, soa)).out;
      const json = JSON.parse((await sgc("diff", empty, soa, "--format", "json")).out);
      expect(json.summary.flowsAdded).toBe(json.flows.added.length);
      expect(json.summary.flowsAdded).toBeGreaterThan(10);
      expect(markdown).toContain(`**${json.summary.flowsAdded} flows added, ${json.summary.flowsRemoved} removed,`);
    } finally {
      require("fs").rmSync(empty);
    }
  });

  test("usage errors exit 2", async () => {
    expect((await sgc("diff", base)).code).toBe(2);
    expect((await sgc("diff", base, head("service-added"), "--fail-on", "everything")).code).toBe(2);
    expect((await sgc("diff", "--plan", "x.json", base)).code).toBe(2);
  });
});

test("sgc diff of two inputs that are both wrong reports the errors of both, base first, and writes nothing else", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sgc-diff-both-"));
  const baseFile = join(dir, "base.yaml");
  const headFile = join(dir, "head.yaml");
  writeFileSync(baseFile, "version: 1\nname: shop\naws: { region: us-east-1, vpcId: vpc-0a1b2c3d4e5f67890 }\nservices:\n  web: { portz: [443] }\n");
  writeFileSync(headFile, "version: 1\nname: shop\naws: { region: us-east-1, vpcId: vpc-0a1b2c3d4e5f67890 }\nservices:\n  web: { ports: [443], consumers: [nobody] }\n");
  const r = await sgc("diff", baseFile, headFile);
  expect(r.code).toBe(2);
  expect(r.out).toBe("");
  const at = (file: string) => r.err.indexOf(`${file}:5:`);
  expect(at(baseFile)).toBeGreaterThanOrEqual(0);
  expect(at(headFile)).toBeGreaterThan(at(baseFile));
});
