import { ErrorObject } from "ajv";
import { Diagnostic } from "../diagnostics";
import { ParsedSource, Path } from "../parse";
import { didYouMean } from "./suggest";
import { validatorFor } from "./validators";

/** The characters AWS accepts in security group, rule and prefix list entry descriptions. */
export const AWS_DESCRIPTION_CHARS = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;

/** Checks the parsed document against the manifest schema; every error, located, with a suggestion where one is clear. */
export function checkSchema(source: ParsedSource): Diagnostic[] {
  return checkAgainstSchema(source, "manifest");
}

/** Checks a parsed document against a registered schema (`manifest`, `policy-pack`). */
export function checkAgainstSchema(source: ParsedSource, schema: string): Diagnostic[] {
  return checkWithPaths(source, schema).map((e) => e.diagnostic);
}

/** Like `checkAgainstSchema`, with the path of the value each error is about. */
export function checkWithPaths(source: ParsedSource, schema: string): { diagnostic: Diagnostic; path: Path }[] {
  const validate = validatorFor(schema);
  if (validate(source.value)) return [];
  return reduce([...(validate.errors ?? [])]).map((error) => ({ diagnostic: toDiagnostic(error, source, []), path: pathOf(error.instancePath) }));
}

/** Turns ajv errors on the value at `base` (a path into `source`) into located diagnostics. */
export function schemaDiagnostics(errors: readonly ErrorObject[], source: ParsedSource, base: Path = []): Diagnostic[] {
  return reduce([...errors]).map((error) => toDiagnostic(error, source, base));
}

/**
 * Collapses `anyOf` failures: when the value has the type of one branch, that branch's own
 * errors are the useful ones; otherwise one message says what the value may be.
 */
function reduce(errors: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword === "propertyNames") continue; // its inner error carries the name already
    if (error.keyword !== "anyOf") {
      out.push(error);
      continue;
    }
    const path = error.instancePath;
    const branches: ErrorObject[] = [];
    while (out.length > 0 && isUnder(out[out.length - 1].instancePath, path)) branches.unshift(out.pop()!);
    const relevant = branches.filter((e) => !(e.keyword === "type" && e.instancePath === path));
    out.push(...(relevant.length > 0 ? relevant : [error]));
  }
  return dedupe(out);
}

function isUnder(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent + "/");
}

function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}|${(e as { propertyName?: string }).propertyName ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function pathOf(instancePath: string): Path {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

type SchemaLike = { description?: string; minimum?: number; maximum?: number; properties?: Record<string, unknown> };

function toDiagnostic(error: ErrorObject, source: ParsedSource, base: Path): Diagnostic {
  const path = [...base, ...pathOf(error.instancePath)];
  const parent = (error.parentSchema ?? {}) as SchemaLike;
  const propertyName = (error as { propertyName?: string }).propertyName;
  const field = fieldName(path);
  const make = (code: string, message: string, at: Path = path, key = false, hint?: string): Diagnostic => ({
    code,
    severity: "error",
    message,
    file: source.file,
    ...source.locate(at, key),
    ...(hint ? { hint } : {}),
  });

  if (propertyName !== undefined) {
    return make("invalid-name", `"${propertyName}" is not a valid name: must be ${describe(parent, "a name")}`, [...path, propertyName], true);
  }
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const hint = didYouMean(key, allowed) ?? (allowed.length > 0 ? `allowed keys here: ${allowed.join(", ")}` : undefined);
      return make("unknown-key", `unknown key "${key}"`, [...path, key], true, hint);
    }
    case "required": {
      const key = (error.params as { missingProperty: string }).missingProperty;
      return make("missing-key", `missing required key "${key}" in ${describePath(path)}`);
    }
    case "type":
      return make("wrong-type", `${field} must be ${article((error.params as { type: string }).type)}, not ${typeName(error.data)}`);
    case "const":
      return make("invalid-value", `${field} must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`);
    case "enum": {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      return make("invalid-value", `${field} must be one of ${allowed.join(", ")}`, path, false, didYouMean(String(error.data), allowed));
    }
    case "pattern":
      return patternDiagnostic(String(error.data), field, parent, path, make);
    case "minimum":
    case "maximum":
      return make("out-of-range", `${field} must be between ${parent.minimum} and ${parent.maximum}, not ${error.data}`);
    case "minItems":
      return make("empty", `${field} must not be empty`);
    case "minProperties":
      return make("empty", `${field} must not be empty`);
    case "maxProperties":
      return make("too-many", `${field} may have at most ${(error.params as { limit: number }).limit} entries`);
    case "minLength":
      return make("too-short", `${field} must be at least ${(error.params as { limit: number }).limit} characters long`);
    case "maxLength":
      return make("too-long", `${field} must be at most ${(error.params as { limit: number }).limit} characters long`);
    case "uniqueItems": {
      const { i, j } = error.params as { i: number; j: number };
      return make("duplicate-item", `${field} lists the same item twice (items ${j + 1} and ${i + 1})`, [...path, Math.max(i, j)]);
    }
    case "anyOf":
      return make("invalid-value", `${field} must be ${describe(parent, "something else")}, not ${typeName(error.data)}`);
    default:
      return make("invalid-value", `${field} ${error.message ?? "is invalid"}`);
  }
}

function patternDiagnostic(
  value: string,
  field: string,
  parent: SchemaLike,
  path: Path,
  make: (code: string, message: string, at?: Path, key?: boolean, hint?: string) => Diagnostic,
): Diagnostic {
  if (field === "description" || parent.description?.startsWith("a description")) {
    const bad = [...value].find((ch) => !AWS_DESCRIPTION_CHARS.test(ch)) ?? "?";
    return make(
      "description-chars",
      `description contains ${JSON.stringify(bad)}, which AWS does not accept in descriptions`,
      path,
      false,
      "use letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
    );
  }
  if (/^\d+:\d+$/.test(value)) {
    const [a, b] = value.split(":");
    return make("invalid-value", `"${value}" is not a port range`, path, false, `write ranges with a dash: "${a}-${b}"`);
  }
  return make("invalid-value", `${field} "${value}" must be ${describe(parent, "of the expected form")}`);
}

/** How a message names the value at a path: its key, or `ports item 3` for a list item. */
function fieldName(path: Path): string {
  const last = path[path.length - 1];
  if (last === undefined) return "the manifest";
  if (typeof last === "number") return `${String(path[path.length - 2] ?? "list")} item ${last + 1}`;
  return last;
}

function describe(schema: SchemaLike, fallback: string): string {
  return schema.description ?? fallback;
}

function describePath(path: Path): string {
  return path.length === 0 ? "the manifest" : path.join(".");
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
