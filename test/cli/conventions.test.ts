import { spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { paint, wantsColor } from "../../src/cli/io";
import { run } from "../../src/cli/main";
import { sgc } from "../support/cli";
import { ROOT } from "../support/sgc";

/** What linters have taught users to expect from a command line, each convention tested. */

const dir = mkdtempSync(join(tmpdir(), "sgc-conventions-"));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
};
const header = (name: string) => `version: 1\nname: ${name}\naws:\n  region: us-east-1\n  vpcId: vpc-0a1b2c3d4e5f67890\n`;
// a warning (no description) and nothing else
const warning = write("stacks/a/warn.yaml", `${header("warn")}services:\n  web:\n    ports: [443]\n    consumers: [internet]\n`);
// an error (SSH from the internet)
const error = write("stacks/b/error.yaml", `${header("err")}services:\n  admin:\n    description: Admin\n    ports: [22]\n    consumers: [internet]\n`);
const invalid = write("invalid.yaml", `${header("bad")}services:\n  web:\n    ports: [443]\n    consumers: [lb]\n`);
const BIN = join(ROOT, "bin", "sgc.js");

/** The real binary, for what only a process has: standard input, a terminal, the environment. */
function binary(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const env = { ...process.env, NO_COLOR: "", FORCE_COLOR: "", ...options.env };
  return spawnSync(process.execPath, [BIN, ...args], { cwd: dir, input: options.input ?? "", encoding: "utf8", env });
}

describe("- reads standard input", () => {
  test("check, validate and flows read a manifest from stdin, named <stdin> in diagnostics", () => {
    const text = readFileSync(error, "utf8");
    const check = binary(["check", "-"], { input: text });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("<stdin>:10:17: error admin-ports");
    expect(check.stdout).toContain("      consumers: [internet]\n                  ^");
    expect(binary(["validate", "-"], { input: text }).stdout).toContain("<stdin>: valid (1 service, 0 networks)");
    const bad = binary(["validate", "-"], { input: readFileSync(invalid, "utf8") });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('<stdin>:9:17: error unknown-name "lb"');
    expect(binary(["flows", "-", "--format", "json"], { input: text }).stdout).toContain('"to": "service:admin"');
  });

  test("a plan from terraform show -json, piped", async () => {
    const out = join(dir, "out");
    await sgc("synth", error, "--out", out);
    const r = binary(["check", "-", "--format", "json"], { input: readFileSync(join(out, "stacks", "err", "cdk.tf.json"), "utf8") });
    expect(JSON.parse(r.stdout).input).toEqual({ file: "<stdin>", kind: "terraform" });
  });

  test("- may be given once", async () => {
    const r = await sgc("check", "-", "-");
    expect(r.code).toBe(2);
    expect(r.err).toContain("- (standard input) can be given only once");
  });
});

describe("--output FILE", () => {
  test("writes the report to the file, not stdout", async () => {
    const target = join(dir, "report.json");
    const r = await sgc("check", error, "--format", "json", "--output", target);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(JSON.parse(readFileSync(target, "utf8")).summary.errors).toBe(2);
    const graph = join(dir, "graph.mmd");
    expect((await sgc("graph", error, "--output", graph)).code).toBe(0);
    expect(readFileSync(graph, "utf8")).toMatch(/^flowchart LR/);
  });

  test("invalid input writes no file (text formats), and leaves an earlier one as it was", async () => {
    const target = join(dir, "none.txt");
    const r = await sgc("check", invalid, "--output", target);
    expect(r.code).toBe(2);
    expect(existsSync(target)).toBe(false);
    const earlier = join(dir, "earlier.json");
    writeFileSync(earlier, "{}");
    await sgc("validate", invalid, "--output", earlier);
    expect(readFileSync(earlier, "utf8")).toBe(JSON.stringify({}));
  });

  test("an unwritable path is an error with exit 2", async () => {
    const r = await sgc("check", error, "--output", join(dir, "no", "such", "dir", "x.txt"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error cannot-write cannot write the report: ENOENT/);
  });
});

describe("several files and globs", () => {
  test("check takes several files: each file's findings, a summary per file, the worst exit code", async () => {
    const r = await sgc("check", warning, error);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${warning}: 0 errors, 1 warning`);
    expect(r.out).toContain(`${error}: 2 errors, 0 warnings`);
  });

  test("a quoted glob is expanded by sgc, in name order; one that matches nothing is a usage error", async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await sgc("check", "stacks/**/*.yaml", "--format", "json");
      const json = JSON.parse(r.out);
      expect(json.reports.map((x: { input: { file: string } }) => x.input.file)).toEqual(["stacks/a/warn.yaml", "stacks/b/error.yaml"]);
      expect(json.summary).toEqual({ errors: 2, warnings: 1, suppressed: 0, files: 2, invalidFiles: 0 });
      const none = await sgc("check", "nowhere/*.yaml");
      expect(none.code).toBe(2);
      expect(none.err).toContain("sgc: no files match nowhere/*.yaml");
    } finally {
      process.chdir(cwd);
    }
  });

  test("an invalid file among valid ones: the others are still checked, the exit code is 2, JSON lists it", async () => {
    const r = await sgc("check", warning, invalid, "--format", "json");
    expect(r.code).toBe(2);
    const json = JSON.parse(r.out);
    expect(json.reports).toHaveLength(1);
    expect(json.invalid).toEqual([{ file: invalid, diagnostics: [expect.objectContaining({ code: "unknown-name", line: 9, column: 17 })] }]);
    expect(r.err).toContain(`${invalid}:9:17: error unknown-name`);
  });
});

describe("colour", () => {
  test("only on a terminal; NO_COLOR turns it off and FORCE_COLOR on", () => {
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(false, {})).toBe(false);
    expect(wantsColor(true, { NO_COLOR: "1" })).toBe(false);
    expect(wantsColor(false, { FORCE_COLOR: "1" })).toBe(true);
    expect(wantsColor(true, { FORCE_COLOR: "0" })).toBe(false);
    expect(wantsColor(true, { TERM: "dumb" })).toBe(false);
  });

  test("severities, places and counts are coloured; other text is not", () => {
    const text = "a.yaml:3:4: error unknown-name nope\n  consumers: [x]\n              ^\n  hint: did you mean\n1 error\n";
    const painted = paint(text, true);
    expect(painted).toContain("\u001b[1ma.yaml:3:4\u001b[0m: \u001b[31merror\u001b[0m \u001b[2munknown-name\u001b[0m nope");
    expect(painted).toContain("\n  consumers: [x]\n");
    expect(painted).toContain("\u001b[36m  hint: did you mean\u001b[0m");
    expect(paint(text, false)).toBe(text);
  });

  test("the binary colours a terminal's output, and not a pipe's", () => {
    const piped = binary(["check", error]);
    expect(piped.stdout).not.toContain("\u001b[");
    expect(binary(["check", error], { env: { FORCE_COLOR: "1" } }).stdout).toContain("\u001b[31merror\u001b[0m");
    expect(binary(["check", error], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }).stdout).toContain("\u001b[31m");
    // a real terminal, through script(1) where it exists
    const script = spawnSync("script", ["-qec", `${process.execPath} ${BIN} check ${error}`, "/dev/null"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "" } });
    if (!script.error) expect(script.stdout).toContain("\u001b[31merror\u001b[0m");
    const noColor = spawnSync("script", ["-qec", `${process.execPath} ${BIN} check ${error}`, "/dev/null"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "" } });
    if (!noColor.error) expect(noColor.stdout).not.toContain("\u001b[31m");
  });
});

describe("--quiet and --max-warnings", () => {
  test("--quiet reports errors only", async () => {
    const loud = await sgc("check", warning, error);
    const quiet = await sgc("check", warning, error, "--quiet");
    expect(loud.out).toContain("warn descriptions");
    expect(quiet.out).not.toContain("warn descriptions");
    expect(quiet.out).toContain("error admin-ports");
    expect(quiet.out).not.toContain("headroom");
    expect(quiet.code).toBe(1);
    expect((await sgc("validate", warning, "--quiet")).out).toBe("");
  });

  test("--max-warnings N: exit 1 with more than N warnings, 0 otherwise", async () => {
    expect((await sgc("check", warning)).code).toBe(0);
    expect((await sgc("check", warning, "--max-warnings", "1")).code).toBe(0);
    const over = await sgc("check", warning, "--max-warnings", "0");
    expect(over.code).toBe(1);
    expect(over.err).toContain("sgc: 1 warnings, more than --max-warnings 0");
    expect((await sgc("check", warning, "--max-warnings", "-1")).code).toBe(2);
  });
});

describe("packs of your own", () => {
  const org = write("policies/org.yaml", "name: org\ndescription: Ours\nextends: [recommended]\nrules:\n  descriptions: error\n");

  test("--pack ./org.yaml: a pack file, relative to the working directory", async () => {
    expect((await sgc("check", warning)).code).toBe(0);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await sgc("check", warning, "--pack", "./policies/org.yaml", "--format", "json");
      expect(r.code).toBe(1);
      expect(JSON.parse(r.out).packs).toEqual(["recommended", "./policies/org.yaml"]);
    } finally {
      process.chdir(cwd);
    }
    expect((await sgc("check", warning, "--pack", org)).code).toBe(1);
  });

  test("extends of a path (relative to the manifest) and of a package (from node_modules)", async () => {
    const byPath = write("stacks/c/path.yaml", `${header("path")}services:\n  web:\n    ports: [443]\n    consumers: [internet]\npolicy:\n  extends: [../../policies/org.yaml]\n`);
    expect((await sgc("check", byPath)).code).toBe(1);
    write("node_modules/@acme/sgc-policy/package.json", JSON.stringify({ name: "@acme/sgc-policy", version: "1.0.0", main: "pack.yaml" }));
    write("node_modules/@acme/sgc-policy/pack.yaml", "name: acme\ndescription: Acme\nextends: [strict]\nrules: {}\n");
    write("node_modules/@acme/sgc-policy/loose.yaml", "name: loose\ndescription: Loose\nrules:\n  internet-ingress: off\n  descriptions: off\n");
    const byPackage = write("stacks/d/package.yaml", `${header("pkg")}services:\n  web:\n    ports: [443]\n    consumers: [internet]\npolicy:\n  extends: ["@acme/sgc-policy"]\n`);
    const r = await sgc("check", byPackage, "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).packs).toEqual(["recommended", "strict", "@acme/sgc-policy"]);
    const file = write("stacks/e/file.yaml", `${header("file")}services:\n  admin:\n    ports: [22]\n    consumers: [internet]\npolicy:\n  extends: [recommended, "@acme/sgc-policy/loose.yaml"]\n`);
    expect(JSON.parse((await sgc("check", file, "--format", "json")).out).summary.warnings).toBe(0);
  });

  test("a pack that cannot be found is an input error where it is named", async () => {
    const missing = write("stacks/f/missing.yaml", `${header("missing")}services:\n  web: {}\npolicy:\n  extends: ["./nope.yaml", "@acme/not-installed"]\n`);
    const r = await sgc("check", missing);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing\.yaml:9:13: error unknown-pack there is no pack file \.\/nope\.yaml/);
    expect(r.err).toMatch(/missing\.yaml:9:28: error unknown-pack package @acme\/not-installed is not installed/);
    expect(r.err).toContain("hint: npm install --save-dev @acme/not-installed");
  });
});

describe("--help", () => {
  const help = async (...argv: string[]) => {
    let out = "";
    const code = await run([...argv, "--help"], { out: (t) => (out += t), err: (t) => (out += t) });
    return { code, out };
  };

  test.each([[], ["init"], ["validate"], ["check"], ["synth"], ["flows"], ["diff"], ["graph"], ["cdktf-app"]])("sgc %s --help: usage, examples and exit codes", async (...command) => {
    const r = await help(...command.filter(Boolean));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: sgc/);
    expect(r.out).toContain("Examples:\n  ");
    expect(r.out).toContain("Exit codes:\n  0  success");
    expect(r.out).toContain("2  invalid input or usage");
  });
});

describe("sgc synth --format json", () => {
  test("says where each stack and its state are", async () => {
    const out = join(dir, "synth-out");
    const r = await sgc("synth", error, "--out", out, "--format", "json");
    const stack = JSON.parse(r.out).stacks[0];
    expect(stack).toMatchObject({ name: "err", manifest: error, file: join(out, "stacks", "err", "cdk.tf.json"), directory: join(out, "stacks", "err") });
    expect(stack.state.backend).toBe("local");
    // relative to the stack folder, it is the file beside the manifest
    expect(join(stack.directory, stack.state.path)).toBe(join(dir, "stacks", "b", "terraform.err.tfstate"));
    const json = JSON.parse(readFileSync(stack.file, "utf8"));
    expect(json.terraform.backend).toEqual({ local: { path: stack.state.path } });
  });
});
