"use strict";
/**
 * Plans in Terraform's JSON format without running Terraform: what `terraform show -json` prints
 * for a fresh plan (no prior state) of a stack sgc synthesized, as Terraform 1.11 with
 * hashicorp/aws 5.100.0 prints it, byte for byte in layout: compact, keys in Terraform's order,
 * every resource in planned_values, resource_changes and configuration. Planning 100,000 rules
 * with real Terraform takes far longer than the bench may, so the bench plans with this, and
 * test/bench/plan-generator.test.ts checks it against one real plan.
 *
 * It covers exactly the resource types and shapes sgc synthesizes and throws on anything else,
 * so a change to synthesis that the generator does not know cannot pass unnoticed.
 */
const { closeSync, openSync, writeSync } = require("fs");

const FORMAT_VERSION = "1.2";
const TERRAFORM_VERSION = "1.11.4";
const PROVIDER_NAME = "registry.terraform.io/hashicorp/aws";

/**
 * What the provider's schema says of each resource type, as far as a plan shows it:
 * `computed` attributes are known only after apply; `optionalComputed` ones are too unless the
 * configuration sets them; `nulls` are null unless set; `defaults` have a value unless set;
 * `blocks` are nested block types (null when absent); `sensitive` is the part of
 * `after_sensitive` the provider always adds.
 */
const SCHEMAS = {
  aws_security_group: {
    schemaVersion: 1,
    computed: ["arn", "id", "owner_id"],
    optionalComputed: ["egress", "ingress", "name", "name_prefix", "vpc_id"],
    nulls: [],
    defaults: { description: "Managed by Terraform", revoke_rules_on_delete: false },
    blocks: ["timeouts"],
    sensitive: { egress: [], ingress: [] },
  },
  aws_default_security_group: {
    schemaVersion: 1,
    computed: ["arn", "description", "id", "name", "name_prefix", "owner_id"],
    optionalComputed: ["egress", "ingress", "vpc_id"],
    nulls: [],
    defaults: { revoke_rules_on_delete: false },
    blocks: [],
    sensitive: { egress: [], ingress: [] },
  },
  aws_ec2_managed_prefix_list: {
    schemaVersion: 0,
    computed: ["arn", "id", "owner_id", "version"],
    optionalComputed: [],
    nulls: ["address_family", "max_entries", "name"],
    defaults: {},
    blocks: ["entry"],
    entry: ["cidr", "description"],
    sensitive: {},
  },
  aws_vpc_security_group_ingress_rule: ruleSchema(),
  aws_vpc_security_group_egress_rule: ruleSchema(),
};

function ruleSchema() {
  return {
    schemaVersion: 0,
    computed: ["arn", "id", "security_group_rule_id"],
    optionalComputed: [],
    nulls: ["cidr_ipv4", "cidr_ipv6", "description", "from_port", "ip_protocol", "prefix_list_id", "referenced_security_group_id", "security_group_id", "to_port"],
    defaults: {},
    blocks: [],
    sensitive: {},
  };
}

/** Go's encoding/json escapes these; Terraform's JSON output is Go's. */
const GO_ESCAPES = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };

/** Compact JSON as Terraform writes it. */
function json(value) {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

/** An object with its keys sorted, as Go writes a map (and Terraform a cty object). */
function sorted(object) {
  const out = {};
  for (const key of Object.keys(object).sort()) out[key] = object[key];
  return out;
}

const REFERENCE = /^\$\{([a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)\.([a-z_]+)\}$/;

/** What a JSON-syntax string refers to: the resource and attribute of a `${type.name.attr}` template; null for a literal. */
function referenceOf(value, where) {
  if (typeof value !== "string" || !/(^|[^$])\$\{|(^|[^%])%\{/.test(value)) return null;
  const match = REFERENCE.exec(value);
  if (!match || match[2] !== "id") throw new Error(`bench/plan.js: ${where} is ${JSON.stringify(value)}; only \${type.name.id} references are covered`);
  return { resource: match[1], attribute: match[2] };
}

/** A literal string as Terraform evaluates it: `$${` and `%%{` are escapes. */
function literal(value) {
  if (typeof value === "string") return value.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
  if (Array.isArray(value)) return value.map(literal);
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value)) out[key] = literal(value[key]);
    return out;
  }
  return value;
}

/** The mask of a known value: `{}` for objects and maps, one per element for lists, else false-y (left out). */
function knownMask(value) {
  if (Array.isArray(value)) return value.map((v) => knownMask(v) ?? false);
  if (value !== null && typeof value === "object") return {};
  return undefined;
}

/** The resources of a synthesized configuration, sorted by address as Terraform lists them. */
function resourcesOf(config) {
  if (config.data || config.module || config.locals) throw new Error("bench/plan.js covers configurations of resources, outputs and providers only");
  const out = [];
  for (const [type, byName] of Object.entries(config.resource ?? {})) {
    const schema = SCHEMAS[type];
    if (!schema) throw new Error(`bench/plan.js does not know the schema of ${type}`);
    for (const [name, body] of Object.entries(byName)) {
      for (const key of ["count", "for_each", "provider", "depends_on", "lifecycle", "dynamic"]) if (key in body) throw new Error(`bench/plan.js: ${type}.${name} uses ${key}, which it does not cover`);
      out.push({ address: `${type}.${name}`, type, name, body, schema });
    }
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** A resource's planned change: `after`, `after_unknown` and `after_sensitive`, as Terraform plans a create. */
function plannedChange(resource) {
  const { body, schema, address } = resource;
  const after = {};
  const unknown = {};
  const sensitive = { ...schema.sensitive };
  const configured = Object.keys(body).filter((k) => k !== "//");
  const listed = new Set([...schema.optionalComputed, ...schema.nulls, ...Object.keys(schema.defaults), ...schema.blocks, "tags"]);
  const unlisted = configured.filter((name) => !listed.has(name));
  if (unlisted.length > 0) throw new Error(`bench/plan.js: ${address} sets ${unlisted.join(", ")}, which its schema table does not list`);
  for (const name of schema.computed) unknown[name] = true;
  for (const name of configured) {
    const value = body[name];
    if (name === "tags") continue;
    if (schema.blocks.includes(name)) {
      if (!Array.isArray(value) || name !== "entry") throw new Error(`bench/plan.js: ${address}.${name} is not a list of entries`);
      const entries = value.map((e) => sorted(Object.fromEntries(schema.entry.map((k) => [k, e[k] === undefined ? null : literal(e[k])]))));
      after[name] = entries;
      unknown[name] = knownMask(entries);
      sensitive[name] = knownMask(entries);
    } else if (referenceOf(value, `${address}.${name}`)) unknown[name] = true;
    else {
      after[name] = literal(value);
      const mask = knownMask(value);
      if (mask !== undefined) unknown[name] = mask;
    }
  }
  for (const name of schema.optionalComputed) if (!configured.includes(name)) unknown[name] = true;
  for (const name of schema.nulls) if (!configured.includes(name)) after[name] = null;
  for (const [name, value] of Object.entries(schema.defaults)) if (!configured.includes(name)) after[name] = value;
  for (const name of schema.blocks) if (!configured.includes(name)) after[name] = null;
  // Tags: the provider merges its default tags (none here) into tags_all, known at plan time.
  if (body.tags === undefined) throw new Error(`bench/plan.js: ${address} has no tags, which it does not cover`);
  const tags = sorted(literal(body.tags));
  after.tags = tags;
  after.tags_all = tags;
  unknown.tags = {};
  unknown.tags_all = {};
  sensitive.tags = {};
  sensitive.tags_all = {};
  return { after: sorted(after), unknown: sorted(unknown), sensitive: sorted(sensitive) };
}

/** An expression of the plan's configuration: the JSON value as written, and what it refers to. */
function expression(value, where) {
  const reference = referenceOf(value, where);
  if (!reference) return { constant_value: value };
  return { constant_value: value, references: [`${reference.resource}.${reference.attribute}`, reference.resource] };
}

/** A resource as the plan's configuration shows it. */
function configurationResource(resource) {
  const expressions = {};
  for (const name of Object.keys(resource.body).sort()) {
    if (name === "//") continue;
    const value = resource.body[name];
    expressions[name] = resource.schema.blocks.includes(name)
      ? value.map((block) => sorted(Object.fromEntries(Object.keys(block).map((k) => [k, expression(block[k], `${resource.address}.${name}.${k}`)]))))
      : expression(value, `${resource.address}.${name}`);
  }
  return { address: resource.address, mode: "managed", type: resource.type, name: resource.name, provider_config_key: "aws", expressions, schema_version: resource.schema.schemaVersion };
}

/** The outputs of the configuration, each an `${type.name.id}` reference (what sgc writes). */
function outputsOf(config) {
  const outputs = sorted(config.output ?? {});
  for (const [name, output] of Object.entries(outputs)) {
    if (!referenceOf(output.value, `output ${name}`)) throw new Error(`bench/plan.js: output ${name} is known at plan time, which it does not cover`);
    for (const key of Object.keys(output)) if (!["value", "description", "//"].includes(key)) throw new Error(`bench/plan.js: output ${name} sets ${key}, which it does not cover`);
  }
  return outputs;
}

/** The provider configuration: one `aws` provider block. */
function providerConfig(config) {
  const blocks = [].concat(config.provider?.aws ?? []);
  if (blocks.length !== 1 || Object.keys(config.provider).length !== 1 || "alias" in blocks[0]) throw new Error("bench/plan.js covers one aws provider block");
  const version = config.terraform?.required_providers?.aws?.version;
  const expressions = {};
  for (const key of Object.keys(blocks[0]).sort()) expressions[key] = expression(blocks[0][key], `provider.aws.${key}`);
  return { aws: { name: "aws", full_name: PROVIDER_NAME, ...(version ? { version_constraint: version } : {}), expressions } };
}

/** The root variables' values: Terraform lists `variables` only when the root module declares some. */
function variablesOf(config) {
  const out = {};
  for (const [name, v] of Object.entries(config.variable ?? {})) {
    if (v.default === undefined) throw new Error(`bench/plan.js: variable ${name} has no default, so a plan would need its value`);
    out[name] = { value: v.default };
  }
  return Object.keys(out).length > 0 ? sorted(out) : undefined;
}

/**
 * The plan's text, in pieces: `terraform show -json` of a fresh plan of the configuration (a
 * parsed cdk.tf.json), compact, with a final newline. `timestamp` is when it was planned.
 */
function* planChunks(config, { timestamp = "2026-01-01T00:00:00Z" } = {}) {
  const resources = resourcesOf(config);
  const outputs = outputsOf(config);
  const variables = variablesOf(config);
  const provider = providerConfig(config);
  const list = (items, render) => {
    let first = true;
    return (function* () {
      for (const item of items) {
        yield (first ? "" : ",") + render(item);
        first = false;
      }
    })();
  };
  yield `{"format_version":${json(FORMAT_VERSION)},"terraform_version":${json(TERRAFORM_VERSION)}`;
  if (variables) yield `,"variables":${json(variables)}`;
  yield `,"planned_values":{"outputs":${json(Object.fromEntries(Object.keys(outputs).map((name) => [name, { sensitive: false }])))},"root_module":{"resources":[`;
  yield* list(resources, (r) => {
    const change = plannedChange(r);
    return json({ address: r.address, mode: "managed", type: r.type, name: r.name, provider_name: PROVIDER_NAME, schema_version: r.schema.schemaVersion, values: change.after, sensitive_values: change.sensitive });
  });
  yield `]}},"resource_changes":[`;
  yield* list(resources, (r) => {
    const change = plannedChange(r);
    return json({
      address: r.address,
      mode: "managed",
      type: r.type,
      name: r.name,
      provider_name: PROVIDER_NAME,
      change: { actions: ["create"], before: null, after: change.after, after_unknown: change.unknown, before_sensitive: false, after_sensitive: change.sensitive },
    });
  });
  const outputChanges = Object.fromEntries(Object.keys(outputs).map((name) => [name, { actions: ["create"], before: null, after_unknown: true, before_sensitive: false, after_sensitive: false }]));
  yield `],"output_changes":${json(outputChanges)}`;
  const configOutputs = Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, { expression: expression(o.value, `output ${name}`), ...(o.description !== undefined ? { description: o.description } : {}) }]));
  yield `,"configuration":{"provider_config":${json(provider)},"root_module":{"outputs":${json(configOutputs)},"resources":[`;
  yield* list(resources, (r) => json(configurationResource(r)));
  yield "]}}";
  // Every attribute another resource or an output refers to, once, in the order first met.
  const relevant = new Map();
  const note = (value) => {
    const reference = referenceOf(value, "reference");
    if (reference) relevant.set(`${reference.resource}.${reference.attribute}`, { resource: reference.resource, attribute: [reference.attribute] });
  };
  for (const r of resources) for (const [name, value] of Object.entries(r.body)) if (name !== "//" && name !== "tags") note(value);
  for (const o of Object.values(outputs)) note(o.value);
  yield `,"relevant_attributes":${json([...relevant.values()])}`;
  yield `,"timestamp":${json(timestamp)},"applyable":true,"complete":true,"errored":false}\n`;
}

/** The whole plan as text (for tests and small stacks). */
function generatePlan(config, options) {
  return [...planChunks(config, options)].join("");
}

/** Writes the plan to a file in pieces, so a plan of hundreds of megabytes never becomes one string. */
function writePlan(file, config, options) {
  const fd = openSync(file, "w");
  let buffer = [];
  let size = 0;
  const flush = () => {
    writeSync(fd, buffer.join(""));
    buffer = [];
    size = 0;
  };
  try {
    for (const chunk of planChunks(config, options)) {
      buffer.push(chunk);
      size += chunk.length;
      if (size >= 1 << 20) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
}

module.exports = { generatePlan, writePlan, TERRAFORM_VERSION };

if (require.main === module) {
  // node bench/plan.js cdk.tf.json > plan.json
  const config = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
  for (const chunk of planChunks(config)) process.stdout.write(chunk);
}
