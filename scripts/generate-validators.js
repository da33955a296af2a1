"use strict";
/**
 * Compiles the JSON Schemas that sgc validates with into standalone JavaScript at build time
 * (dist/generated/validators.js), so no command pays ajv's compile time at start-up. The
 * runtime falls back to compiling the same schemas when the generated file is absent (as when
 * tests run from TypeScript sources), so both paths validate alike.
 */
const { mkdirSync, writeFileSync } = require("fs");
const { join } = require("path");
const standalone = require("ajv/dist/standalone").default;
const { schemaRegistry, newAjv } = require("../dist/validate/validators");

const ajv = newAjv({ source: true });
const names = {};
for (const [name, schema] of Object.entries(schemaRegistry())) {
  ajv.addSchema(schema, name);
  names[name] = name;
}
const code = standalone(ajv, names);
const out = join(__dirname, "..", "dist", "generated");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "validators.js"), code);
