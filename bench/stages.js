"use strict";
/** Times each stage of sgc inside one process for one manifest; prints JSON. */
const { readFileSync, mkdtempSync } = require("fs");
const { tmpdir } = require("os");
const { join } = require("path");

const file = process.argv[2];
const times = {};
const lap = (name, fn) => {
  const start = process.hrtime.bigint();
  const value = fn();
  times[name] = Number(process.hrtime.bigint() - start) / 1e6;
  return value;
};
const { parseYaml } = require("../dist/parse");
const { checkSchema } = require("../dist/validate/schema");
const { checkMeaning } = require("../dist/validate/semantic");
const { compile } = require("../dist/compile");
const { resolvePolicy } = require("../dist/policies/config");
const { runPolicies } = require("../dist/policies/engine");
const { policyInputFromModel } = require("../dist/policies/from-model");

const text = readFileSync(file, "utf8");
const parsed = lap("parse", () => parseYaml(text, file));
lap("validate", () => {
  if (checkSchema(parsed.source).length > 0 || checkMeaning(parsed.source.value).length > 0) throw new Error(`${file} is invalid`);
});
const model = lap("compile", () => compile(parsed.source.value));
lap("policies", () => {
  const config = resolvePolicy({});
  return runPolicies(policyInputFromModel(model, parsed.source), config.config, "2026-01-01");
});
const synth = require("../dist/targets/aws/synth");
const stacks = lap("synth", () => synth.synthesize([model]));
lap("write", () => synth.writeStacks(mkdtempSync(join(tmpdir(), "sgc-stages-")), stacks));
process.stdout.write(JSON.stringify({ ...times, rules: model.rules.length, bytes: stacks[0].json.length }) + "\n");
