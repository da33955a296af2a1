/**
 * The schema sgc itself validates with, made from the schema editors read (schemas/): the
 * editor-only keywords dropped, and rule ids, rule settings and pack references left to the
 * policy resolver, which reports them with its own codes (`unknown-rule`, `unknown-pack`,
 * `invalid-option`) and suggestions. The editor's schema refuses the same things, generated
 * from the same rules (see ./schema.ts); a test holds the two to the same verdicts.
 */

type Schema = Record<string, unknown>;

/** Keywords that only editors read (yaml-language-server, VS Code). */
export const EDITOR_KEYWORDS = ["markdownDescription", "defaultSnippets", "enumDescriptions", "markdownEnumDescriptions", "examples"];

/** The validation schema for a schema as shipped to editors. */
export function forValidation(schema: Schema): Schema {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).filter(([key]) => !EDITOR_KEYWORDS.includes(key)).map(([key, v]) => [key, strip(v)]));
  };
  const out = strip(schema) as Schema;
  const definitions = out.definitions as Record<string, Schema> | undefined;
  if (definitions?.packReference) definitions.packReference = { type: "string", minLength: 1 };
  if (definitions?.ruleSettings) definitions.ruleSettings = { type: "object" };
  const exception = definitions?.exception as { properties?: Record<string, Schema> } | undefined;
  if (exception?.properties) {
    exception.properties.rule = { type: "string", pattern: "^[a-z][a-z0-9-]*$" };
    exception.properties.expires = { type: "string", pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" };
  }
  return out;
}
