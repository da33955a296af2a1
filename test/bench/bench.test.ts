import { readFileSync } from "fs";
import { join } from "path";
import { validateText } from "../../src/validate";
import { ROOT } from "../support/sgc";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateManifest } = require("../../bench/generate") as { generateManifest(count: number): string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderTable, evaluateTargets } = require("../../bench/report") as {
  renderTable(results: unknown): string;
  evaluateTargets(results: unknown): { name: string; met: boolean }[];
};

/** The benchmark's inputs are deterministic and valid, and the README shows what it last printed. */
describe("benchmark", () => {
  test("generated manifests are deterministic and valid, with four tiers and an office network", () => {
    const text = generateManifest(200);
    expect(generateManifest(200)).toBe(text);
    const result = validateText(text, "bench.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.valid.manifest.services)).toHaveLength(200);
    expect(result.valid.manifest.tiers).toEqual(["edge", "web", "app", "data"]);
    expect(Object.keys(result.valid.manifest.networks ?? {})).toEqual(["office"]);
  });

  test("the README's performance table is the one bench/results.json renders", () => {
    const results = JSON.parse(readFileSync(join(ROOT, "bench", "results.json"), "utf8"));
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(renderTable(results));
  });

  test("targets are judged from the measurements, not copied", () => {
    const results = JSON.parse(readFileSync(join(ROOT, "bench", "results.json"), "utf8"));
    const slower = { ...results, sizes: results.sizes.map((r: { synth: { seconds: number } }) => ({ ...r, synth: { ...r.synth, seconds: r.synth.seconds * 100 } })) };
    expect(evaluateTargets(slower).filter((t) => !t.met).map((t) => t.name)).toEqual(
      expect.arrayContaining(["sgc synth of 1,000 services <= 1.5 s", "sgc synth of 10,000 services <= 15 s"]),
    );
    // Plans: twice as slow as the manifest, and twice the memory allowed.
    type Inputs = { check: { manifest: { seconds: number }; plan: { seconds: number; peakMb: number } } };
    const heavierPlans = {
      ...results,
      sizes: results.sizes.map((r: { inputs: Inputs }) => ({
        ...r,
        inputs: { ...r.inputs, check: { ...r.inputs.check, plan: { seconds: r.inputs.check.manifest.seconds * 2, peakMb: 4096 } } },
      })),
    };
    const missed = evaluateTargets(heavierPlans).filter((t) => !t.met).map((t) => t.name);
    expect(missed).toEqual(expect.arrayContaining(["sgc check of the plan of 1,000 services <= 1.5x its manifest", "sgc check of the plan of 10,000 services peak memory <= 2 GB"]));
    expect(evaluateTargets(results).filter((t) => t.name.includes("plan")).length).toBeGreaterThanOrEqual(5);
  });
});
