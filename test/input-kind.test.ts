import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse, stringify } from "yaml";
import { detectInputKind } from "../src/input-kind";
import { parseInput } from "../src/pipeline";
import { sgc } from "./support/cli";
import { ROOT } from "./support/sgc";

/** One detector tells every command what an input is, by its structure. */

describe("detectInputKind", () => {
  test.each([
    ["a manifest", { version: 1, name: "a", aws: {}, services: {} }, "manifest"],
    ["a manifest with a stray Terraform key", { version: 1, services: {}, provider: { aws: {} } }, "manifest"],
    ["a manifest missing its version", { name: "a", services: {} }, "manifest"],
    ["a manifest missing its services", { version: 1, name: "a" }, "manifest"],
    ["a synthesized cdk.tf.json", { "//": {}, terraform: {}, provider: {}, resource: {} }, "terraform"],
    ["a configuration with resources only", { resource: { aws_security_group: {} } }, "terraform"],
    ["a configuration with a provider only", { provider: { aws: [{ region: "us-east-1" }] } }, "terraform"],
    ["a plan", { format_version: "1.2", terraform_version: "1.11.4", planned_values: {}, configuration: {} }, "plan"],
    ["a plan that also has a resource key", { format_version: "1.2", planned_values: {}, resource: {} }, "plan"],
  ])("%s", (_name, value, kind) => {
    expect(detectInputKind(value)).toEqual({ ok: true, kind });
  });

  test.each([
    ["null (an empty file)", null, "empty-input", /empty/],
    ["a list", [1, 2], "unknown-input", /is a list, not a map/],
    ["a string", "version: 1", "unknown-input", /is a string, not a map/],
    ["a number", 1, "unknown-input", /is a number, not a map/],
    ["a map of nothing sgc knows", { hello: "world" }, "unknown-input", /manifest \(version and services\)/],
    // Keys are own keys: a map does not have "constructor" because every object has one.
    ["a map whose only key names an object property", JSON.parse('{"__proto__": {"services": {}}, "constructor": 1}'), "unknown-input", /has none of the top-level keys/],
  ])("%s is none, with a reason at the start of the input", (_name, value, code, message) => {
    const detected = detectInputKind(value);
    expect(detected).toMatchObject({ ok: false, reason: { code, path: [] } });
    if (!detected.ok) expect(detected.reason.message).toMatch(message);
  });
});

describe("parseInput: JSON first, then YAML, whatever the first character", () => {
  test.each([
    ["a YAML manifest", "version: 1\nservices: {}\n", "manifest"],
    ["a YAML flow-style manifest", "{ version: 1, services: {} }\n", "manifest"],
    ["a JSON manifest", '{"version": 1, "services": {}}', "manifest"],
    ["a JSON manifest with a byte order mark", '\uFEFF{"version": 1, "services": {}}', "manifest"],
    ["Terraform JSON", '{"resource": {}}', "terraform"],
    ["Terraform JSON with a byte order mark", '\uFEFF{"resource": {}}', "terraform"],
    ["a plan", '{"format_version": "1.2", "planned_values": {}}', "plan"],
  ])("%s", (_name, text, kind) => {
    expect(parseInput(text, "input")).toMatchObject({ ok: true, kind });
  });

  test.each([
    ["broken JSON in a .json file gets the JSON error, at its place", "x.json", '{\n  "resource": {,\n}', "json-syntax", 2, 16],
    ["broken JSON that opens with a quoted key gets the JSON error", "x", '{"resource": {,}}', "json-syntax", 1, 15],
    ["broken flow-style YAML gets the YAML error", "x.yaml", "{ version: 1, services: {\n", "yaml-bad-indent", 2, 1],
    ["Terraform written as YAML is not Terraform: Terraform reads JSON only", "x", "resource: {}\n", "json-syntax", 1, 1],
    ["an empty file", "x.yaml", "", "empty-input", 1, 1],
    ["a comment only", "x.yaml", "# nothing here\n", "empty-input", 1, 1],
    ["a YAML list", "x.yaml", "- a\n- b\n", "unknown-input", 1, 1],
  ])("%s", (_name, file, text, code, line, column) => {
    const parsed = parseInput(text, file);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.diagnostics[0]).toEqual(expect.objectContaining({ code, file, line, column }));
  });
});

describe("every command agrees on what a file is", () => {
  const dir = mkdtempSync(join(tmpdir(), "sgc-kind-"));
  const example = parse(readFileSync(join(ROOT, "examples", "three-tier.yaml"), "utf8")) as Record<string, unknown>;
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  test("a YAML manifest in flow style (it starts with {) is a manifest for every command", async () => {
    const file = write("flow.yaml", stringify(example, { collectionStyle: "flow" }));
    expect(readFileSync(file, "utf8").startsWith("{")).toBe(true);
    const block = join(ROOT, "examples", "three-tier.yaml");
    for (const argv of [["validate"], ["check"], ["flows"], ["graph"], ["synth", "--out", join(dir, "out")]]) {
      const r = await sgc(argv[0], file, ...argv.slice(1));
      expect({ argv, code: r.code, err: r.err }).toEqual({ argv, code: 0, err: "" });
    }
    expect((await sgc("flows", file)).out).toBe((await sgc("flows", block)).out);
    const diff = await sgc("diff", block, file, "--format", "json");
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.out).summary).toMatchObject({ flowsAdded: 0, flowsRemoved: 0 });
  });

  test("a JSON manifest with a stray provider key is refused by every command, at that key", async () => {
    const file = write("stray.json", JSON.stringify({ ...example, provider: { aws: {} } }, null, 2));
    const line = readFileSync(file, "utf8").split("\n").findIndex((l) => l.includes('"provider"')) + 1;
    for (const argv of [["validate"], ["check"], ["flows"], ["graph"], ["synth", "--out", join(dir, "stray-out")]]) {
      const r = await sgc(argv[0], file, ...argv.slice(1));
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toContain(`${file}:${line}:3: error unknown-key unknown key "provider"`);
      expect(r.out).not.toContain("no flows");
    }
    expect((await sgc("diff", file, join(ROOT, "examples", "three-tier.yaml"))).code).toBe(2);
  });

  test("Terraform given to validate or synth is named for what it is", async () => {
    const out = join(dir, "tf");
    await sgc("synth", join(ROOT, "examples", "three-tier.yaml"), "--out", out);
    const tf = join(out, "stacks", "three-tier", "cdk.tf.json");
    for (const command of ["validate", "synth"]) {
      const r = await sgc(command, tf);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${tf}:1:1: error not-a-manifest this is a Terraform configuration, not a manifest`);
    }
    expect((await sgc("check", join(ROOT, "examples", "three-tier.yaml"), "--policy", tf)).err).toContain("error not-a-manifest");
  });
});
