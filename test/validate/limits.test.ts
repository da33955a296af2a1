import { existsSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { sgc } from "../support/cli";
import { LIMITS } from "../../src/validate/limits";
import { manifestYaml } from "../support/sgc";

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
  expect(r.err).toContain(`${file}:1:1: error too-large is 3 KiB; sgc reads files of at most 1 KiB`);
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

test("the limits are well above the benchmarked sizes", () => {
  expect(LIMITS.services).toBeGreaterThanOrEqual(10_000);
  expect(LIMITS.rules).toBeGreaterThanOrEqual(50_000);
});
