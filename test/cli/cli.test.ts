import { spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { sgc } from "../support/cli";
import { treeOf } from "../support/fuzz";
import { ROOT } from "../support/sgc";

const example = (name: string) => join(ROOT, "examples", `${name}.yaml`);
const tmp = () => mkdtempSync(join(tmpdir(), "sgc-cli-"));

function writeManifest(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const BROKEN = "version: 1\nname: broken\naws:\n  region: us-east-1\n  vpcId: vpc-0a1b2c3d4e5f67890\nservices:\n  web:\n    ports: [80]\n    consumers: [lb]\n";

describe("sgc validate", () => {
  test("a valid manifest: exit 0 and a one-line summary", async () => {
    const r = await sgc("validate", example("three-tier"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/three-tier\.yaml: valid \(4 services, 0 networks\)/);
  });

  test("an invalid manifest: exit 2, file:line:col, the source line and a caret", async () => {
    const file = writeManifest(tmp(), "broken.yaml", BROKEN);
    const r = await sgc("validate", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:9:17: error unknown-name "lb" is not a service or network of this manifest`);
    expect(r.err).toContain("      consumers: [lb]\n                  ^");
    expect(r.err).toMatch(/1 error\n$/);
  });

  test("--format json: the verdict and the diagnostics as data", async () => {
    const good = await sgc("validate", example("three-tier"), "--format", "json");
    expect(good.code).toBe(0);
    expect(JSON.parse(good.out)).toEqual({ version: 1, valid: true, files: [{ file: example("three-tier"), services: 4, networks: 0 }], diagnostics: [] });
    const file = writeManifest(tmp(), "broken.yaml", BROKEN);
    const bad = await sgc("validate", file, "--format", "json");
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.out).diagnostics).toEqual([expect.objectContaining({ code: "unknown-name", file, line: 9, column: 17 })]);
  });

  test("a missing file: exit 2 with a clear message", async () => {
    const r = await sgc("validate", "/nonexistent/services.yaml");
    expect(r.code).toBe(2);
    expect(r.err).toContain("/nonexistent/services.yaml:1:1: error file-unreadable no such file");
  });
});

describe("sgc synth", () => {
  test("writes one stack per manifest and says what it made", async () => {
    const out = tmp();
    const r = await sgc("synth", example("three-tier"), example("web-postgres"), "--out", out);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`three-tier: wrote ${join(out, "stacks", "three-tier", "cdk.tf.json")}`);
    expect(r.out).toContain("4 security groups, 5 ingress rules, 3 egress rules, 0 prefix lists, default group closed");
    const json = JSON.parse(readFileSync(join(out, "stacks", "web-postgres", "cdk.tf.json"), "utf8"));
    expect(Object.keys(json.resource.aws_security_group)).toEqual(["postgres", "web"]);
  });

  test("invalid input writes nothing and leaves an earlier output as it was", async () => {
    const dir = tmp();
    const out = join(dir, "out");
    const good = writeManifest(dir, "good.yaml", readFileSync(example("three-tier"), "utf8"));
    expect((await sgc("synth", good, "--out", out)).code).toBe(0);
    const file = join(out, "stacks", "three-tier", "cdk.tf.json");
    const before = readFileSync(file, "utf8");
    const mtime = statSync(file).mtimeMs;

    // Same stack name, now broken: the earlier output must survive untouched.
    const broken = writeManifest(dir, "good.yaml", readFileSync(example("three-tier"), "utf8").replace("consumers: [app]", "consumers: [ap]"));
    const r = await sgc("synth", broken, "--out", out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/good\.yaml:\d+:\d+: error unknown-name/);
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(statSync(file).mtimeMs).toBe(mtime);

    // One invalid manifest among valid ones: nothing at all is written.
    const fresh = join(dir, "fresh");
    const r2 = await sgc("synth", example("web-postgres"), writeManifest(dir, "broken.yaml", BROKEN), "--out", fresh);
    expect(r2.code).toBe(2);
    expect(existsSync(fresh)).toBe(false);
  });

  test("all stacks or none: when the second stack cannot be written, the first keeps its old file", async () => {
    const dir = tmp();
    const out = join(dir, "out");
    const first = writeManifest(dir, "first.yaml", readFileSync(example("three-tier"), "utf8"));
    expect((await sgc("synth", first, "--out", out)).code).toBe(0);
    const file = join(out, "stacks", "three-tier", "cdk.tf.json");
    writeFileSync(file, "the earlier output\n");
    // The second stack's file cannot be written: a folder stands where it goes.
    mkdirSync(join(out, "stacks", "web-postgres", "cdk.tf.json"), { recursive: true });
    const before = treeOf(out);

    const r = await sgc("synth", first, example("web-postgres"), "--out", out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cdk\.tf\.json:1:1: error cannot-write cannot write the output, so nothing was written/);
    expect(treeOf(out)).toEqual(before);

    // A file where the second stack's folder goes fails as early, and leaves as little.
    const other = join(dir, "other");
    mkdirSync(join(other, "stacks"), { recursive: true });
    writeFileSync(join(other, "stacks", "web-postgres"), "not a folder\n");
    const otherBefore = treeOf(other);
    expect((await sgc("synth", first, example("web-postgres"), "--out", other)).code).toBe(2);
    expect(treeOf(other)).toEqual(otherBefore);
  });

  test("writes nothing where it runs: no ./cdktf.out when --out is elsewhere", async () => {
    const cwd = process.cwd();
    const here = tmp();
    const saved = process.env.CDKTF_OUTDIR;
    process.chdir(here);
    try {
      delete process.env.CDKTF_OUTDIR;
      expect((await sgc("synth", example("three-tier"), "--out", join(tmp(), "out"))).code).toBe(0);
      expect(readdirSync(here)).toEqual([]);
      // cdktf's own setting for where its app writes does not lead sgc astray either.
      process.env.CDKTF_OUTDIR = join(here, "cdktf-outdir");
      expect((await sgc("synth", example("three-tier"), "--out", join(tmp(), "out"))).code).toBe(0);
      expect(readdirSync(here)).toEqual([]);
    } finally {
      process.chdir(cwd);
      if (saved === undefined) delete process.env.CDKTF_OUTDIR;
      else process.env.CDKTF_OUTDIR = saved;
    }
  });

  test("two manifests with the same stack name are refused", async () => {
    const dir = tmp();
    const copy = writeManifest(dir, "copy.yaml", readFileSync(example("three-tier"), "utf8"));
    const r = await sgc("synth", example("three-tier"), copy, "--out", join(dir, "out"));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${copy}:6:7: error duplicate-stack`);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });
});

describe("sgc flows", () => {
  test("reads a manifest and prints the effective flows", async () => {
    const r = await sgc("flows", example("three-tier"));
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^internet \(ipv4\)\s+->\s+lb\s+tcp\/443$/),
        expect.stringMatching(/^app\s+->\s+mysql\s+tcp\/3306$/),
      ]),
    );
  });

  test("gives the same flows from the manifest and from its synthesized cdk.tf.json", async () => {
    const out = tmp();
    await sgc("synth", example("service-oriented"), "--out", out);
    const fromManifest = await sgc("flows", example("service-oriented"), "--format", "json");
    const fromTerraform = await sgc("flows", join(out, "stacks", "soa", "cdk.tf.json"), "--format", "json");
    expect(fromTerraform.code).toBe(0);
    expect(JSON.parse(fromTerraform.out)).toEqual(JSON.parse(fromManifest.out));
    expect(JSON.parse(fromManifest.out).flows).toContainEqual({ from: "service:mysql", to: "service:mysql", protocol: "tcp", fromPort: 1186, toPort: 1186 });
  });

  test("over Terraform, a flow between groups needs the destination's ingress and the source's egress", async () => {
    const out = tmp();
    await sgc("synth", example("three-tier"), "--out", out);
    const file = join(out, "stacks", "three-tier", "cdk.tf.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    delete json.resource.aws_vpc_security_group_egress_rule["app__to_mysql__tcp_3306"];
    writeFileSync(file, JSON.stringify(json));
    const flows = JSON.parse((await sgc("flows", file, "--format", "json")).out).flows;
    expect(flows).not.toContainEqual(expect.objectContaining({ from: "service:app", to: "service:mysql" }));
    expect(flows).toContainEqual(expect.objectContaining({ from: "service:web", to: "service:app" }));
  });

  test("broken JSON is a located error, exit 2", async () => {
    const file = writeManifest(tmp(), "cdk.tf.json", '{\n  "resource": {,\n}');
    const r = await sgc("flows", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cdk\.tf\.json:2:\d+: error json-syntax/);
  });
});

describe("usage", () => {
  test("--help lists the commands; --version prints the package version", async () => {
    const help = await sgc("--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/validate[\s\S]*synth[\s\S]*flows/);
    const version = await sgc("--version");
    expect(version.out.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });

  test("each command's help names every input it reads", async () => {
    const flows = await sgc("flows", "--help");
    expect(flows.code).toBe(0);
    const text = flows.out.replace(/\s+/g, " "); // help text wraps
    expect(text).toContain("flows of a manifest, a cdk.tf.json, a plan or a state");
    expect(text).toContain("terraform show -json");
    for (const command of ["check", "graph"]) expect((await sgc(command, "--help")).out).toMatch(/plan/);
  });

  test("an unknown command, a missing argument or a bad option value is a usage error, exit 2", async () => {
    expect((await sgc("compile", "x.yaml")).code).toBe(2);
    expect((await sgc("synth")).code).toBe(2);
    expect((await sgc("flows", example("three-tier"), "--format", "xml")).code).toBe(2);
    expect((await sgc()).code).toBe(2);
  });
});

describe("the installed binary", () => {
  const bin = join(ROOT, "bin", "sgc.js");

  test("exits 2 on invalid input with no stack trace", () => {
    const file = writeManifest(tmp(), "broken.yaml", "services: [\n");
    const r = spawnSync(process.execPath, [bin, "validate", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: error yaml-/);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  });

  test("synthesizes the bundled example", () => {
    const out = tmp();
    const r = spawnSync(process.execPath, [bin, "synth", example("three-tier"), "--out", out], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(existsSync(join(out, "stacks", "three-tier", "cdk.tf.json"))).toBe(true);
  });
});
