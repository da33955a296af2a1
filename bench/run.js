"use strict";
/**
 * `npm run bench`: times whole sgc processes (validate, check, synth) on deterministic
 * synthetic manifests of 100 to 10,000 services, beside the floor (a fresh Node process that
 * reads, serializes and writes the same cdk.tf.json), and each stage inside one process. Then
 * `check` and `flows` on the three inputs of each stack: the manifest, its cdk.tf.json, and a
 * plan of it in Terraform's JSON format (bench/plan.js) lying beside a copy of the cdk.tf.json,
 * where sgc finds a plan's configuration. Prints a table and the targets, saves
 * bench/results.json and updates the README's table. Exits 1 when a target is missed.
 */
const { spawnSync } = require("child_process");
const { cpus, totalmem, tmpdir } = require("os");
const { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } = require("fs");
const { join } = require("path");
const { generateManifest } = require("./generate");
const { writePlan } = require("./plan");
const { renderTable, evaluateTargets, withBenchTable } = require("./report");

const ROOT = join(__dirname, "..");
// A folder of its own, so that two benches on one machine (two worktrees) do not share files.
const WORK = mkdtempSync(join(tmpdir(), "sgc-bench-"));
const SIZES = [100, 1000, 5000, 10000];
const runsFor = (size) => (size >= 5000 ? 3 : 5);

/** Runs a command of bench/child.js once: wall seconds, peak RSS in MB, exit code and output. */
function once(args) {
  const rssFile = join(WORK, "rss");
  rmSync(rssFile, { force: true });
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [join(__dirname, "child.js"), ...args], {
    env: { ...process.env, SGC_BENCH_RSS: rssFile },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status === 2 || result.status === null) throw new Error(`sgc ${args.join(" ")} failed:\n${result.stderr}`);
  const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, "utf8")) / 1024 : NaN;
  return { seconds, rss, status: result.status, stdout: result.stdout };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time and peak memory over `runs` runs, after one warm-up run for the file cache. */
function measure(args, runs) {
  const { seen: _seen, ...result } = measureTogether([args], runs)[0];
  return result;
}

/**
 * Measures several commands in turn, run by run (A B C A B C ...), so that what they are
 * compared on (the plan against its manifest) shares the machine's ups and downs. Each one's
 * warm-up exit code and output are returned as `seen`, for checking what was measured.
 */
function measureTogether(commands, runs) {
  const seen = commands.map((args) => once(args));
  const samples = commands.map(() => []);
  for (let run = 0; run < runs; run++) commands.forEach((args, k) => samples[k].push(once(args)));
  return samples.map((s, k) => ({
    seconds: median(s.map((x) => x.seconds)),
    peakMb: Math.max(...s.map((x) => x.rss)),
    runs,
    seen: { status: seen[k].status, stdout: seen[k].stdout },
  }));
}

/** Runs a stage timer of bench/ on one input and returns what it prints. */
function stagesOf(script, input) {
  const result = spawnSync(process.execPath, [join(__dirname, script), input], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

/**
 * check and flows on the manifest, its cdk.tf.json and its plan. The three must give the same
 * flows and the same verdict, or the bench would time a reader that gave up on something.
 */
function measureInputs(size, manifest, stack, runs) {
  const dir = join(WORK, `plan-${size}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(stack, join(dir, "cdk.tf.json"));
  const plan = join(dir, "plan.json");
  writePlan(plan, JSON.parse(readFileSync(stack, "utf8")));
  const inputs = { manifest, terraform: stack, plan };
  const out = { bytes: { terraform: statSync(stack).size, plan: statSync(plan).size }, check: {}, flows: {} };
  for (const command of ["check", "flows"]) {
    const kinds = Object.keys(inputs);
    const measured = measureTogether(kinds.map((kind) => [command, inputs[kind]]), runs);
    const seen = {};
    kinds.forEach((kind, k) => {
      const { seen: warm, ...result } = measured[k];
      seen[kind] = warm;
      out[command][kind] = result;
    });
    for (const kind of ["terraform", "plan"]) {
      const same = command === "flows" ? seen[kind].stdout === seen.manifest.stdout : seen[kind].status === seen.manifest.status;
      if (!same) throw new Error(`sgc ${command} reads the ${kind} of ${size} services differently from its manifest`);
    }
  }
  out.stages = stagesOf("stages-terraform.js", plan);
  return out;
}

function main() {
  const results = {
    date: new Date().toISOString().slice(0, 10),
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
    example: measure(["validate", join(ROOT, "examples", "three-tier.yaml")], 10),
    sizes: [],
  };
  for (const size of SIZES) {
    const manifest = join(WORK, `services-${size}.yaml`);
    writeFileSync(manifest, generateManifest(size));
    const out = join(WORK, `out-${size}`);
    const runs = runsFor(size);
    const row = { services: size, runs };
    row.validate = measure(["validate", manifest], runs);
    row.synth = measure(["synth", manifest, "--out", out], runs);
    const stack = join(out, "stacks", `bench-${size}`, "cdk.tf.json");
    row.floor = measure(["--floor", stack, join(WORK, "floor.json")], runs);
    row.stages = stagesOf("stages.js", manifest);
    row.rules = row.stages.rules;
    row.inputs = measureInputs(size, manifest, stack, runs);
    row.check = row.inputs.check.manifest;
    results.sizes.push(row);
    process.stderr.write(`measured ${size} services\n`);
  }
  results.targets = evaluateTargets(results);
  writeFileSync(join(__dirname, "results.json"), JSON.stringify(results, null, 2) + "\n");
  const readme = join(ROOT, "README.md");
  writeFileSync(readme, withBenchTable(readFileSync(readme, "utf8"), results));
  process.stdout.write(renderTable(results) + "\n");
  const missed = results.targets.filter((t) => !t.met);
  process.stdout.write(missed.length === 0 ? "\nEvery target met.\n" : `\n${missed.length} target(s) missed.\n`);
  process.exitCode = missed.length === 0 ? 0 : 1;
}

try {
  main();
} finally {
  rmSync(WORK, { recursive: true, force: true });
}
