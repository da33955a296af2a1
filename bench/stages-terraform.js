"use strict";
/**
 * Times each stage of `sgc check` and `sgc flows` on one Terraform input (a cdk.tf.json or a
 * plan whose folder holds its configuration) inside one process; prints JSON. The stages are
 * those of src/pipeline.ts: read the file, parse the JSON, the Terraform stage (plan and
 * configuration into a view), the AWS reader, the policies (locations included), the flows.
 */
const { readFileSync } = require("fs");

const file = process.argv[2];
const times = {};
const lap = async (name, fn) => {
  const start = process.hrtime.bigint();
  const value = await fn();
  times[name] = Number(process.hrtime.bigint() - start) / 1e6;
  return value;
};
const { terraformKind } = require("../dist/pipeline");
const { readTerraform } = require("../dist/terraform");
const { readSecurity } = require("../dist/targets/aws/read");
const { jsonLocator, policyInputFromTerraform } = require("../dist/targets/aws/policy-input");
const { resolvePolicy } = require("../dist/policies/config");
const { runPolicies } = require("../dist/policies/engine");
const { evaluate } = require("../dist/model/flows");

(async () => {
  const text = await lap("read", () => readFileSync(file, "utf8"));
  const json = await lap("parse", () => JSON.parse(text));
  const kind = terraformKind(json);
  const read = await lap("terraform", () => readTerraform(kind, json, { file }));
  if (!read.ok) throw new Error(`${file}: ${read.problems.map((p) => p.message).join("; ")}`);
  const security = await lap("aws", () => readSecurity(read.input.view));
  if (security.unreadable.length > 0) throw new Error(`${file}: sgc could not read ${security.unreadable.length} values`);
  const result = await lap("policies", () => {
    const config = resolvePolicy({});
    return runPolicies(policyInputFromTerraform(security, kind, file, jsonLocator(text, file, kind)), config.config, "2026-01-01");
  });
  const flows = await lap("flows", () => evaluate(security.rules, security.reaches));
  process.stdout.write(JSON.stringify({ ...times, kind, bytes: text.length, rules: security.rules.length, findings: result.findings.length, flowCount: flows.length }) + "\n");
})().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
