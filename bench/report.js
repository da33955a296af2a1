"use strict";
/** Renders benchmark results as the README's Markdown, and judges them against the targets. */

const START = "<!-- bench:start (written by `npm run bench`; do not edit) -->";
const END = "<!-- bench:end -->";

const s = (seconds) => `${seconds.toFixed(2)} s`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The targets of issues #5 and #8, judged on whole-process medians. */
function evaluateTargets(results) {
  const at = (n) => results.sizes.find((r) => r.services === n);
  const targets = [];
  const add = (name, value, limit, shown) => targets.push({ name, value, limit, met: value <= limit, shown });
  add("sgc validate of an example <= 0.3 s", results.example.seconds, 0.3, s(results.example.seconds));
  if (at(1000)) add("sgc check of 1,000 services <= 0.5 s", at(1000).check.seconds, 0.5, s(at(1000).check.seconds));
  if (at(10000)) add("sgc check of 10,000 services <= 3 s", at(10000).check.seconds, 3, s(at(10000).check.seconds));
  if (at(1000)) {
    add("sgc synth of 1,000 services <= 1.5 s", at(1000).synth.seconds, 1.5, s(at(1000).synth.seconds));
    const ratio = at(1000).synth.seconds / at(1000).floor.seconds;
    add("sgc synth of 1,000 services <= 8x the floor", ratio, 8, `${ratio.toFixed(1)}x`);
  }
  if (at(10000)) {
    add("sgc synth of 10,000 services <= 15 s", at(10000).synth.seconds, 15, s(at(10000).synth.seconds));
    add("sgc synth of 10,000 services peak memory <= 1.5 GB", at(10000).synth.peakMb, 1536, `${Math.round(at(10000).synth.peakMb)} MB`);
  }
  if (at(1000) && at(10000)) {
    for (const command of ["validate", "check", "synth"]) {
      const growth = at(10000)[command].seconds / at(1000)[command].seconds;
      add(`10x the services costs at most 12x the time (${command})`, growth, 12, `${growth.toFixed(1)}x`);
    }
  }
  // Terraform and plan input (issue #8): a plan costs little more than its manifest, and
  // 100,000 rules fit in 15 s and 2 GB.
  if (at(1000)?.inputs) {
    const ratio = at(1000).inputs.check.plan.seconds / at(1000).inputs.check.manifest.seconds;
    add("sgc check of the plan of 1,000 services <= 1.5x its manifest", ratio, 1.5, `${ratio.toFixed(2)}x`);
  }
  if (at(10000)?.inputs) {
    const plan = at(10000).inputs.check.plan;
    const rules = at(10000).rules.toLocaleString("en-US");
    add(`sgc check of the plan of 10,000 services (${rules} rules) <= 15 s`, plan.seconds, 15, s(plan.seconds));
    add(`sgc check of the plan of 10,000 services peak memory <= 2 GB`, plan.peakMb, 2048, `${Math.round(plan.peakMb)} MB`);
  }
  if (at(1000)?.inputs && at(10000)?.inputs) {
    for (const command of ["check", "flows"]) {
      for (const [kind, label] of [["terraform", "cdk.tf.json"], ["plan", "plan"]]) {
        const growth = at(10000).inputs[command][kind].seconds / at(1000).inputs[command][kind].seconds;
        add(`10x the services costs at most 12x the time (${command} ${label})`, growth, 12, `${growth.toFixed(1)}x`);
      }
    }
  }
  return targets;
}

/** The results as Markdown: machine, whole processes beside the floor, stages, Terraform inputs, targets. */
function renderTable(results) {
  const m = results.machine;
  const withInputs = results.sizes.filter((r) => r.inputs);
  const lines = [
    `Measured on ${results.date}: ${m.cores} x ${m.cpu}, ${m.memoryGb} GB, Node ${m.node} (${m.platform}).`,
    `Whole processes, median of ${results.sizes.map((r) => r.runs).join("/")} runs after a warm-up; \`sgc validate examples/three-tier.yaml\`: ${s(results.example.seconds)}.`,
    "",
    "| services | rules | validate | check | synth | floor | synth / floor | synth peak memory |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.sizes.map(
      (r) =>
        `| ${r.services.toLocaleString("en-US")} | ${r.rules.toLocaleString("en-US")} | ${s(r.validate.seconds)} | ${s(r.check.seconds)} | ${s(r.synth.seconds)} | ${s(r.floor.seconds)} | ${(r.synth.seconds / r.floor.seconds).toFixed(1)}x | ${Math.round(r.synth.peakMb)} MB |`,
    ),
    "",
    "Stages inside one process (ms):",
    "",
    "| services | parse | validate | compile | policies | synth | write |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.sizes.map((r) => `| ${r.services.toLocaleString("en-US")} | ${["parse", "validate", "compile", "policies", "synth", "write"].map((k) => Math.round(r.stages[k])).join(" | ")} |`),
    "",
    ...(withInputs.length > 0 ? inputTables(withInputs) : []),
    "| target | measured | met |",
    "| --- | ---: | :---: |",
    ...results.targets.map((t) => `| ${t.name} | ${t.shown} | ${t.met ? "yes" : "**no**"} |`),
  ];
  return lines.join("\n");
}

/** The tables of check and flows on the three inputs of each stack, and the stages on its plan. */
function inputTables(rows) {
  return [
    "`check` and `flows` on the three inputs of each stack, run in turn so that they share the machine's ups and",
    "downs: the manifest, its `cdk.tf.json`, and its plan in Terraform's JSON format (as `terraform show -json`",
    "prints it; generated by `bench/plan.js`, which a test checks against a real plan) in a folder with a copy",
    "of the `cdk.tf.json`, where sgc reads a plan's configuration.",
    "",
    "| services | cdk.tf.json | plan | check manifest | check cdk.tf.json | check plan | plan / manifest | flows manifest | flows cdk.tf.json | flows plan | check plan peak memory | flows plan peak memory |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => {
      const { bytes, check, flows } = r.inputs;
      return `| ${r.services.toLocaleString("en-US")} | ${mb(bytes.terraform)} | ${mb(bytes.plan)} | ${s(check.manifest.seconds)} | ${s(check.terraform.seconds)} | ${s(check.plan.seconds)} | ${(check.plan.seconds / check.manifest.seconds).toFixed(2)}x | ${s(flows.manifest.seconds)} | ${s(flows.terraform.seconds)} | ${s(flows.plan.seconds)} | ${Math.round(check.plan.peakMb)} MB | ${Math.round(flows.plan.peakMb)} MB |`;
    }),
    "",
    "Stages of `sgc check` and `sgc flows` on the plan, inside one process (ms):",
    "",
    "| services | read | parse JSON | Terraform | AWS | policies | flows |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.services.toLocaleString("en-US")} | ${["read", "parse", "terraform", "aws", "policies", "flows"].map((k) => Math.round(r.inputs.stages[k])).join(" | ")} |`),
    "",
  ];
}

/** The README with its benchmark section replaced by the given results. */
function withBenchTable(readme, results) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error("README.md has no benchmark markers");
  return `${readme.slice(0, start + START.length)}\n${renderTable(results)}\n${readme.slice(end)}`;
}

module.exports = { evaluateTargets, renderTable, withBenchTable, START, END };
