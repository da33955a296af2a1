import fc from "fast-check";
import { readFileSync } from "fs";
import { basename, join } from "path";
import { parse } from "yaml";
import { examplePaths, ROOT } from "../support/sgc";
import { checkContract, FuzzInput, inputArbitrary, Seed, workspace, Workspace } from "../support/fuzz";

/**
 * Property-based fuzzing of every command over mutated bundled examples: odd names (object
 * property names among them), deleted, duplicated and retyped keys, huge and negative numbers,
 * unicode, anchors, merge keys, tags, deep nesting and truncation, written as YAML, YAML flow
 * style or JSON. The seed is fixed so CI runs the same inputs every time; every counterexample
 * ever found is pinned in counterexamples.test.ts.
 */

const SEED = Number(process.env.SGC_FUZZ_SEED ?? 20261122);
const RUNS = Number(process.env.SGC_FUZZ_RUNS ?? 150);

const seeds: Seed[] = [...examplePaths(), join(ROOT, "test", "fixtures", "kitchen-sink", "manifest.yaml")].map((file) => {
  const text = readFileSync(file, "utf8");
  return { name: basename(file), text, value: parse(text) };
});

let ws: Workspace;
beforeAll(async () => {
  ws = await workspace(join(ROOT, "examples", "three-tier.yaml"));
});

const extension = (input: FuzzInput) => (input.syntax === "json" ? ".json" : ".yaml");

test("every command keeps its contract on mutated examples", async () => {
  await fc.assert(
    fc.asyncProperty(inputArbitrary(seeds), async (input) => {
      const problems = await checkContract(ws, { text: input.text, extension: extension(input) });
      if (problems.length > 0) throw new Error(`${problems.join("\n")}\ninput (${input.seed}, ${input.syntax}): ${JSON.stringify(input.text.slice(0, 2000))}`);
    }),
    { seed: SEED, numRuns: RUNS },
  );
});
