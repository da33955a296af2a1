import type Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import { readFileSync } from "fs";
import { join } from "path";
import { RULES } from "../policies/rules";
import { RuleDefinition } from "../policies/types";
import { forValidation } from "../policies/validation-schema";

/** Where the JSON Schemas live: `schemas/` at the package root, shared by editors and ajv. */
export const SCHEMAS_DIR = join(__dirname, "..", "..", "schemas");

/** A new ajv with sgc's settings: every error, with the schema that raised it, strict schemas. */
export function newAjv(code?: { source: boolean }): Ajv {
  // Loaded on demand: with the validators generated at build time, commands never need ajv itself.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: AjvClass } = require("ajv") as typeof import("ajv");
  return new AjvClass({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, ...(code ? { code } : {}) });
}

/** The settings schema of a rule in a pack or a manifest: its options plus `severity`, closed to unknown keys. */
export function ruleSettingsSchema(rule: RuleDefinition<never>): Record<string, unknown> {
  return { type: "object", additionalProperties: false, properties: { severity: { enum: ["off", "warn", "error"] }, ...rule.optionsSchema } };
}

/**
 * Every schema sgc validates with, by name: the manifest, policy packs, and each rule's
 * settings. The rules' option schemas live with the rules; they are gathered here so that the
 * build compiles every validator in one place.
 */
export function schemaRegistry(): Record<string, Record<string, unknown>> {
  const read = (file: string) => forValidation(JSON.parse(readFileSync(join(SCHEMAS_DIR, file), "utf8")) as Record<string, unknown>);
  return {
    manifest: read("manifest.schema.json"),
    "policy-pack": read("policy-pack.schema.json"),
    ...Object.fromEntries(RULES.map((rule) => [`rule:${rule.id}`, ruleSettingsSchema(rule)])),
  };
}

let generated: Record<string, ValidateFunction> | null | undefined;
const compiled = new Map<string, ValidateFunction>();
let ajv: Ajv | undefined;
let registry: Record<string, Record<string, unknown>> | undefined;

/**
 * The validator for a registered schema: the one generated at build time when present,
 * else compiled now (once per process).
 */
export function validatorFor(name: string): ValidateFunction {
  if (generated === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      generated = require("../generated/validators") as Record<string, ValidateFunction>;
    } catch {
      generated = null;
    }
  }
  const ready = generated?.[name] ?? compiled.get(name);
  if (ready) return ready;
  registry ??= schemaRegistry();
  const schema = registry[name];
  if (!schema) throw new Error(`no schema named ${name}`);
  ajv ??= newAjv();
  const validate = ajv.compile(schema);
  compiled.set(name, validate);
  return validate;
}

/** Drops the generated validators, so tests can compare them with freshly compiled ones. */
export function compileAtRuntime<T>(fn: () => T): T {
  const saved = generated;
  generated = null;
  compiled.clear();
  try {
    return fn();
  } finally {
    generated = saved;
    compiled.clear();
  }
}
