import Ajv from "ajv";
import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { validateManifestText } from "../../src/pipeline";
import { generatedSchemas } from "../../src/policies/schema";
import { EDITOR_KEYWORDS } from "../../src/policies/validation-schema";
import { RULES } from "../../src/policies/rules";
import { manifestYaml, ROOT } from "../support/sgc";

/**
 * The JSON Schemas are for people too: in an editor (yaml-language-server), every key hovers
 * with a description and an example, snippets insert valid items, enums say what each value
 * means, and the policy section refuses what `sgc check` refuses.
 */

type Schema = Record<string, unknown>;
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, "schemas", file), "utf8")) as Schema;
const manifestSchema = read("manifest.schema.json");
const packSchema = read("policy-pack.schema.json");

/** The editor's view: the whole schema, editor keywords known, nothing relaxed. */
function editorAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addVocabulary(EDITOR_KEYWORDS.filter((k) => k !== "examples"));
  ajv.addSchema(manifestSchema, "manifest");
  ajv.addSchema(packSchema, "pack");
  return ajv;
}

/** Follows a local $ref (`#/definitions/x`) in a schema. */
function deref(root: Schema, node: Schema): Schema {
  const ref = node.$ref as string | undefined;
  if (!ref) return node;
  return ref.slice(2).split("/").reduce((at: Schema, key) => at[key] as Schema, root);
}

/** Every key a YAML file can hold under the schema: each `properties` entry and each map's entries, with a readable path. */
function keys(root: Schema): { path: string; node: Schema }[] {
  const out: { path: string; node: Schema }[] = [];
  const seen = new Set<Schema>();
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== "object" || seen.has(node as Schema)) return;
    seen.add(node as Schema);
    const schema = node as Schema;
    for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      out.push({ path: `${path}.${key}`, node: sub });
      walk(sub, `${path}.${key}`);
      walk(deref(root, sub), `${path}.${key}`);
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
      out.push({ path: `${path}.*`, node: schema.additionalProperties as Schema });
      walk(schema.additionalProperties, `${path}.*`);
      walk(deref(root, schema.additionalProperties as Schema), `${path}.*`);
    }
    for (const k of ["items", "propertyNames"]) {
      if (schema[k]) {
        walk(schema[k], `${path}[]`);
        walk(deref(root, schema[k] as Schema), `${path}[]`);
      }
    }
    for (const branch of (schema.anyOf ?? []) as Schema[]) {
      walk(branch, path);
      walk(deref(root, branch), path);
    }
  };
  walk(root, "");
  return out;
}

/** A snippet body as the editor inserts it: placeholders replaced by their defaults, `^` values unquoted. */
function expand(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(expand);
  if (body !== null && typeof body === "object") return Object.fromEntries(Object.entries(body).map(([k, v]) => [expand(k) as string, expand(v)]));
  if (typeof body !== "string") return body;
  const text = body.replace(/\$\{\d+:([^}]*)\}/g, "$1").replace(/\$\{\d+\|([^,|]*)[^}]*\|\}/g, "$1");
  return text.startsWith("^") ? parse(text.slice(1)) : text;
}

describe.each([
  ["manifest", manifestSchema],
  ["policy pack", packSchema],
])("the %s schema for people", (_name, schema) => {
  const all = keys(schema);

  test("has many keys to check (the walk reaches nested ones)", () => {
    expect(all.length).toBeGreaterThan(_name === "manifest" ? 80 : 30);
  });

  test("every key has a description and a Markdown description with a YAML example that parses", () => {
    const missing: string[] = [];
    for (const { path, node } of all) {
      const description = node.description ?? deref(schema, node).description;
      const markdown = (node.markdownDescription ?? deref(schema, node).markdownDescription) as string | undefined;
      if (typeof description !== "string" || description.length < 5) missing.push(`${path}: description`);
      const example = /```yaml\n([\s\S]*?)\n```/.exec(markdown ?? "");
      if (!example) missing.push(`${path}: markdownDescription with an example`);
      else expect(() => parse(example[1])).not.toThrow();
    }
    expect(missing).toEqual([]);
  });

  test("every enum says what each value means", () => {
    const enums: { path: string; node: Schema }[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== "object") return;
      const s = node as Schema;
      if (Array.isArray(s.enum)) enums.push({ path, node: s });
      for (const [k, v] of Object.entries(s)) if (!["enum", "defaultSnippets", "examples"].includes(k)) walk(v, `${path}/${k}`);
    };
    walk(schema, "");
    expect(enums.length).toBeGreaterThan(2);
    for (const { path, node } of enums) {
      expect({ path, count: (node.enumDescriptions as unknown[] | undefined)?.length }).toEqual({ path, count: (node.enum as unknown[]).length });
    }
  });
});

describe("snippets", () => {
  const ajv = editorAjv();
  test.each(["service", "consumer", "port", "ports", "egress", "exception"])("the %s snippets insert valid items", (definition) => {
    const node = (manifestSchema.definitions as Record<string, Schema>)[definition];
    const snippets = node.defaultSnippets as { label: string; body: unknown }[];
    expect(snippets.length).toBeGreaterThan(0);
    const validate = ajv.getSchema(`manifest#/definitions/${definition}`)!;
    for (const snippet of snippets) {
      const body = expand(snippet.body);
      expect({ label: snippet.label, body, valid: validate(body), errors: validate.errors ?? null }).toMatchObject({ label: snippet.label, valid: true });
    }
  });

  test("the services snippet inserts a valid service under a name", () => {
    const snippet = (manifestSchema.properties as Record<string, Schema>).services.defaultSnippets as { body: unknown }[];
    const validate = ajv.getSchema("manifest#/properties/services")!;
    expect(validate(expand(snippet[0].body))).toBe(true);
  });
});

describe("the policy section is generated from the rules, so the editor refuses what sgc refuses", () => {
  test("the schema files are up to date with the rules and packs (run `npm run docs` after changing them)", () => {
    for (const [file, text] of generatedSchemas()) expect({ file, text: readFileSync(join(ROOT, "schemas", file), "utf8") }).toEqual({ file, text });
  });

  test("every rule id and each of its options is a key of policy.rules", () => {
    const rules = ((manifestSchema.definitions as Record<string, Schema>).ruleSettings.properties ?? {}) as Record<string, { anyOf: Schema[] }>;
    expect(Object.keys(rules)).toEqual(RULES.map((r) => r.id));
    for (const rule of RULES) {
      const settings = rules[rule.id].anyOf[1].properties as Record<string, unknown>;
      expect(Object.keys(settings).sort()).toEqual(["severity", ...Object.keys(rule.optionsSchema)].sort());
    }
  });

  const ajv = editorAjv();
  const editor = ajv.getSchema("manifest")!;
  const withPolicy = (policy: string) => manifestYaml("  web: { ports: [443], consumers: [internet] }\n") + `policy:\n${policy}`;
  const cases: [string, string, boolean][] = [
    ["the packs, overrides and an exception", '  extends: [strict]\n  rules:\n    internet-ingress: { ports: [443] }\n    naming: off\n    wide-cidr: { minPrefixLength: { ipv4: 28 } }\n  exceptions:\n    - { rule: naming, target: web, reason: "Legacy name until SEC-1", expires: 2027-03-31 }\n', true],
    ["extends: []", "  extends: []\n", true],
    ["an unknown rule id", "  rules:\n    internet-ingres: off\n", false],
    ["an unknown option", "  rules:\n    internet-ingress: { prots: [443] }\n", false],
    ["an option out of range", "  rules:\n    eni-quota: { groupsPerInterface: 17 }\n", false],
    ["an option of the wrong type", "  rules:\n    rule-quota: { max: many }\n", false],
    ["a bad severity", "  rules:\n    naming: loud\n", false],
    ["an unknown built-in pack", "  extends: [recomended]\n", false],
    ["an exception for an unknown rule", '  exceptions:\n    - { rule: wide-cidrs, target: web, reason: "Partner VPN migration", expires: 2027-01-01 }\n', false],
    ["an exception without an expiry", '  exceptions:\n    - { rule: wide-cidr, target: web, reason: "Partner VPN migration" }\n', false],
    ["a short reason", "  exceptions:\n    - { rule: wide-cidr, target: web, reason: later, expires: 2027-01-01 }\n", false],
    ["an unknown policy key", "  rule: {}\n", false],
  ];
  test.each(cases)("%s: the editor and sgc agree", (_name, policy, valid) => {
    const text = withPolicy(policy);
    const cli = validateManifestText(text, "services.yaml");
    const inEditor = editor(parse(text));
    expect({ cli: cli.ok, editor: inEditor }).toEqual({ cli: valid, editor: valid });
  });
});

describe("the schema's identity", () => {
  test("$id names where the published package serves it, and the examples' modeline resolves in this repository", () => {
    expect(manifestSchema.$id).toBe("https://unpkg.com/@service-graph/sgc/schemas/manifest.schema.json");
    for (const example of ["three-tier", "service-oriented", "web-postgres"]) {
      const first = readFileSync(join(ROOT, "examples", `${example}.yaml`), "utf8").split("\n")[0];
      expect(first).toBe("# yaml-language-server: $schema=../schemas/manifest.schema.json");
    }
  });
});
