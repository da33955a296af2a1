import AjvDraft04 from "ajv-draft-04";
import { readFileSync } from "fs";

/** The official SARIF 2.1.0 schema (draft-04), as Microsoft ships it for validating SARIF in tests. */
export const validateSarif = new AjvDraft04({
  allErrors: true,
  strict: false,
  unicodeRegExp: false, // the schema has a pattern that is invalid with the u flag
  formats: {
    uri: /^[a-z][a-z0-9+.-]*:[^\s]*$/i,
    "uri-reference": /^[^\s]*$/,
    "date-time": (text: string) => !Number.isNaN(Date.parse(text)),
  },
}).compile(JSON.parse(readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8")));

/** The schema's errors for a SARIF log, or none. */
export function sarifErrors(log: unknown): unknown[] {
  return validateSarif(log) ? [] : [...(validateSarif.errors ?? [])];
}
