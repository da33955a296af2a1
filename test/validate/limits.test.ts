import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { sgc } from "../support/cli";
import { LIMITS } from "../../src/validate/limits";
import { loadAnyText } from "../../src/pipeline";
import { manifestYaml, ROOT } from "../support/sgc";

/** Inputs past the documented limits are refused with a clear error before any heavy work. */

const dir = mkdtempSync(join(tmpdir(), "sgc-limits-"));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

function withLimits<T>(limits: Partial<typeof LIMITS>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...LIMITS };
  Object.assign(LIMITS, limits);
  return fn().finally(() => Object.assign(LIMITS, saved));
}

test("a file over the size limit is refused before it is read", async () => {
  const file = write("big.yaml", manifestYaml("  web: {}\n") + "#".repeat(2048));
  const r = await withLimits({ fileBytes: 1024 }, () => sgc("validate", file));
  expect(r.code).toBe(2);
  expect(r.err).toContain(`${file}:1:1: error too-large is 3 KiB; sgc reads manifests of at most 1 KiB`);
});

describe("Terraform inputs over the size limits are refused before the work that needs memory", () => {
  // Each file would fail later in a way of its own if sgc read it that far: only the size is reported.
  const plan = write("plan.json", `{"format_version":"1.2","planned_values":{"root_module":{"resources":[null]}}, "x": "${"#".repeat(2048)}"`);

  test.each(["check", "flows", "graph"])("sgc %s of a plan over the limit: refused before it is read", async (command) => {
    const r = await withLimits({ terraformBytes: 1024 }, () => sgc(command, plan));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${plan}:1:1: error too-large is 3 KiB; sgc reads inputs of at most 1 KiB\n  hint: split the input into several stacks\n1 error\n`);
  });

  test("a configuration over its lower limit: refused after parsing, before it is evaluated", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sgc-limits-config-"));
    const file = join(dir, "cdk.tf.json");
    writeFileSync(file, JSON.stringify({ resource: { aws_security_group: { web: 5 } }, "//": "#".repeat(2048) }));
    for (const command of ["check", "flows"]) {
      const r = await withLimits({ configurationBytes: 1024 }, () => sgc(command, file));
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${file}:1:1: error too-large is 3 KiB; sgc reads Terraform configurations of at most 1 KiB`);
      expect(r.err).not.toContain("terraform-shape");
    }
    // Under the limit, the same file is read, and its mistake reported.
    expect((await sgc("check", file)).err).toContain("terraform-shape");
  });

  test("a configuration file beside a plan over the limit: refused, named", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sgc-limits-plan-"));
    const small = join(dir, "plan.json");
    writeFileSync(small, JSON.stringify({ format_version: "1.2", planned_values: { root_module: {} }, configuration: { root_module: {} } }));
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ "//": "#".repeat(2048) }));
    const r = await withLimits({ configurationBytes: 1024 }, () => sgc("check", small));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${join(dir, "main.tf.json")}:1:1: error too-large is 3 KiB; sgc reads Terraform configurations of at most 1 KiB`);
  });

  test("text that did not come from a file (a git base) is held to the same limit", async () => {
    const text = readFileSync(plan, "utf8");
    const loaded = await withLimits({ terraformBytes: 1024 }, () => loadAnyText(text, "origin/main:plan.json"));
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["too-large is 3 KiB; sgc reads inputs of at most 1 KiB"]);
  });
});

test("too many services is refused, located at services, before schema validation", async () => {
  const file = write("many.yaml", manifestYaml("  a: {}\n  b: {}\n  c: { nonsense: true }\n"));
  const r = await withLimits({ services: 2 }, () => sgc("validate", file));
  expect(r.code).toBe(2);
  expect(r.err).toContain(`${file}:6:1: error too-many-services the manifest has 3 services; sgc supports at most 2 per stack`);
  expect(r.err).not.toContain("unknown-key");
});

test("too many rules is refused before synthesis, and nothing is written", async () => {
  const file = write("rules.yaml", manifestYaml("  web:\n    ports: [80, 443]\n    consumers: [internet]\n"));
  const out = join(dir, "out");
  const r = await withLimits({ rules: 3 }, () => sgc("synth", file, "--out", out));
  expect(r.code).toBe(2);
  expect(r.err).toContain("error too-many-rules the manifest compiles to 4 rules; sgc supports at most 3 per stack");
  expect(existsSync(out)).toBe(false);
  const check = await withLimits({ rules: 3 }, () => sgc("check", file));
  expect(check.code).toBe(2);
});

test("the limits are well above the benchmarked sizes, and files within them fit in a string", () => {
  expect(LIMITS.services).toBeGreaterThanOrEqual(10_000);
  expect(LIMITS.rules).toBeGreaterThanOrEqual(50_000);
  // The largest stack the bench measures: its plan and its cdk.tf.json, with a fifth to spare.
  const results = JSON.parse(readFileSync(join(ROOT, "bench", "results.json"), "utf8")) as { sizes: { services: number; inputs: { bytes: { plan: number; terraform: number } } }[] };
  const largest = results.sizes.find((r) => r.services === 10_000)!.inputs.bytes;
  expect(LIMITS.terraformBytes).toBeGreaterThan(largest.plan * 1.2);
  expect(LIMITS.configurationBytes).toBeGreaterThan(largest.terraform * 1.2);
  // V8's longest string (2^29 - 24 characters on 64-bit): sgc reads a file whole.
  expect(LIMITS.terraformBytes).toBeLessThan(2 ** 29 - 24);
  expect(LIMITS.configurationBytes).toBeLessThanOrEqual(LIMITS.terraformBytes);
});
