/**
 * Values as sgc evaluates Terraform: known data, plus what Terraform itself only knows after
 * apply. An unknown attribute of a resource instance stays a `Ref` to that instance, so that a
 * rule whose group id is unknown still names its group; anything sgc cannot compute exactly is
 * an `Unknown` that keeps the values it may be (its candidates) and why it is unknown.
 */

/** An object or map value; a `Map`, so that user-given keys such as `constructor` are plain keys. */
export type ObjectValue = Map<string, Value>;

/** Any value an expression can have. */
export type Value = null | boolean | number | string | Value[] | ObjectValue | Ref | Unknown | Lazy | Failure;

/** An attribute of a resource instance that is known only after apply: `aws_security_group.web.id`. */
export class Ref {
  constructor(
    /** The instance's full address, `module.a.aws_security_group.b[0]`. */
    readonly address: string,
    /** The attribute path inside the instance, `["id"]`. */
    readonly path: readonly (string | number)[],
  ) {}

  /** `aws_security_group.web.id`. */
  toString(): string {
    return `${this.address}${this.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
  }
}

/**
 * A value sgc cannot compute exactly. `candidates` lists every value it may be (a conditional
 * whose condition is unknown may be either branch); undefined means it may be anything.
 * `reasons` say why, in words a user can act on.
 */
export class Unknown {
  constructor(
    readonly candidates: readonly Value[] | undefined,
    readonly reasons: readonly string[],
  ) {}
}

/** An evaluation error (an index out of range, a missing attribute): `try` and `can` catch it. */
export class Failure {
  constructor(readonly message: string) {}
}

/**
 * An object whose attributes are computed on demand: a resource instance (its attributes are
 * its values, or its configuration's expressions) or a module instance (its outputs).
 */
export abstract class Lazy {
  /** What it stands for, for messages: `aws_security_group.web`, `module.sg`. */
  abstract readonly label: string;
  /** The attribute `name`. */
  abstract get(name: string): Value;
  /** Its attribute names, when they can be listed. */
  abstract keys(): string[] | undefined;
}

const unordered = new WeakSet<Value[]>();

/**
 * Marks a list as a set whose order is not known: Terraform orders a set by its elements, and
 * an element known only after apply may land anywhere, so an index into it may be any element.
 */
export function markUnordered(list: Value[]): Value[] {
  unordered.add(list);
  return list;
}

/** Whether a list is a set whose order is not known. */
export function isUnordered(list: Value[]): boolean {
  return unordered.has(list);
}

const sets = new WeakSet<Value[]>();

/**
 * Values as a Terraform set: duplicates removed, strings in lexical and numbers in numeric order;
 * with other elements, or elements known only after apply, an order sgc does not know.
 */
export function toSet(values: readonly Value[]): Value[] {
  const distinct = dedupe(values);
  let set: Value[];
  if (distinct.every((v) => typeof v === "string")) set = (distinct as string[]).sort();
  else if (distinct.every((v) => typeof v === "number")) set = (distinct as number[]).sort((a, b) => a - b);
  // Other elements are ordered by a hash of their value: an order sgc does not know either.
  else set = distinct.length > 1 ? markUnordered(distinct) : distinct;
  sets.add(set);
  return set;
}

/** Whether a list is a set (made by `toset`, the set functions and set types): its elements are also its keys. */
export function isSet(list: Value[]): boolean {
  return sets.has(list);
}

/** Whether a value is known all the way down (no Ref, Unknown, Lazy or Failure inside). */
export function isWhollyKnown(value: Value): boolean {
  // Values may share parts (`[local.x, local.x]`, doubled forty times): each part is looked at once.
  const seen = new Set<Value[] | ObjectValue>();
  const known = (v: Value): boolean => {
    if (v === null || typeof v !== "object") return true;
    if (!Array.isArray(v) && !(v instanceof Map)) return false;
    if (seen.has(v)) return true;
    seen.add(v);
    for (const item of Array.isArray(v) ? v : v.values()) if (!known(item)) return false;
    return true;
  };
  return known(value);
}

/** Whether a value is unknown at its top level: a Ref or an Unknown. */
export function isUnknown(value: Value): value is Ref | Unknown {
  return value instanceof Ref || value instanceof Unknown;
}

/** Converts parsed JSON into a value: objects become maps. */
export function fromJson(json: unknown): Value {
  if (json === null || json === undefined) return null;
  if (typeof json === "string" || typeof json === "number" || typeof json === "boolean") return json;
  if (Array.isArray(json)) return json.map(fromJson);
  if (typeof json === "object") {
    const map: ObjectValue = new Map();
    for (const key of Object.keys(json)) map.set(key, fromJson((json as Record<string, unknown>)[key]));
    return map;
  }
  return null;
}

/** The most candidates an unknown value keeps before it gives up and may be anything. */
export const MAX_CANDIDATES = 64;

/** An unknown value that may be any of `values` (themselves possibly unknown), flattened. */
export function oneOf(values: readonly Value[], reason: string | readonly string[]): Value {
  const flat: Value[] = [];
  const reasons: string[] = (typeof reason === "string" ? [reason] : [...reason]).filter(Boolean);
  for (const v of values) {
    if (v instanceof Unknown) {
      if (v.candidates === undefined) return new Unknown(undefined, [...reasons, ...v.reasons]);
      appendAll(flat, v.candidates);
      appendAll(reasons, v.reasons);
    } else flat.push(v);
  }
  const distinct = dedupe(flat);
  if (distinct.length === 1) return distinct[0];
  if (distinct.length > MAX_CANDIDATES) return new Unknown(undefined, [...reasons, `more than ${MAX_CANDIDATES} possible values`]);
  return new Unknown(distinct, [...new Set(reasons)]);
}

/** An unknown value with candidates, each passed through `fn`: still unknown, for the same reasons. */
export function mapCandidates(value: Unknown, fn: (candidate: Value) => Value): Value {
  return value.candidates ? oneOf(value.candidates.map(fn), value.reasons) : value;
}

/** An unknown value that may be anything, with the reasons of the unknown values it came from. */
export function anything(reason: string | undefined, from: readonly Value[] = []): Unknown {
  const reasons = new Set<string>(reason ? [reason] : []);
  for (const v of from) for (const r of reasonsOf(v)) reasons.add(r);
  return new Unknown(undefined, [...reasons]);
}

/** Why a value is not known, as sentences: `aws_vpc.main.ipv6_cidr_block is known only after apply`. */
export function reasonsOf(value: Value): string[] {
  const reasons = new Set<string>();
  const seen = new Set<Value[] | ObjectValue>();
  const visit = (v: Value): void => {
    if (v instanceof Ref) reasons.add(`${v.toString()} is known only after apply`);
    else if (v instanceof Unknown) for (const r of v.reasons) reasons.add(r);
    else if (v instanceof Failure) reasons.add(v.message);
    else if (Array.isArray(v) || v instanceof Map) {
      // Shared parts are visited once: a value doubled forty times is not walked 2^40 times.
      if (seen.has(v)) return;
      seen.add(v);
      for (const item of Array.isArray(v) ? v : v.values()) visit(item);
    }
  };
  visit(value);
  return [...reasons];
}

/** Removes duplicate values (equal by content, Refs by what they point at). */
export function dedupe(values: readonly Value[]): Value[] {
  const seen = new Set<string>();
  const out: Value[] = [];
  for (const v of values) {
    const key = valueKey(v);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}

/** The longest text key `valueKey` builds; a larger value is keyed by its identity instead. */
const MAX_KEY_LENGTH = 100_000;

const identities = new WeakMap<object, number>();
let lastIdentity = 0;

/**
 * A text key that is equal for equal values. A value whose key would pass MAX_KEY_LENGTH (a list
 * doubled forty times) is keyed by its identity: equal to itself only, which is all that
 * deduplicating candidates needs, at a bounded cost.
 */
export function valueKey(value: Value): string {
  let budget = MAX_KEY_LENGTH;
  const key = (v: Value): string => {
    const text = keyOf(v, key);
    budget -= text.length;
    if (budget < 0) throw KEY_TOO_LONG;
    return text;
  };
  try {
    return key(value);
  } catch (error) {
    if (error !== KEY_TOO_LONG || value === null || typeof value !== "object") throw error;
    let id = identities.get(value);
    if (id === undefined) identities.set(value, (id = ++lastIdentity));
    return `identity:${id}`;
  }
}

const KEY_TOO_LONG = new Error("key too long");

/** One value's key, with `key` for its parts. */
function keyOf(value: Value, key: (v: Value) => string): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(key).join(",")}]`;
  if (value instanceof Map) return `{${[...value.entries()].map(([k, v]) => `${JSON.stringify(k)}:${key(v)}`).join(",")}}`;
  if (value instanceof Ref) return `ref:${value.toString()}`;
  if (value instanceof Lazy) return `lazy:${value.label}`;
  if (value instanceof Failure) return `failure:${value.message}`;
  return `unknown:${value.candidates ? value.candidates.map(key).join("|") : "*"}`;
}

/** The longest description of a value in a message. */
const MAX_DESCRIPTION = 300;

/** A value in words, for messages: `"sg-123"`, `aws_security_group.web.id`, `[2 items]`; long ones are cut. */
export function describeValue(value: Value): string {
  let left = MAX_DESCRIPTION;
  const describe = (v: Value): string => {
    if (left <= 0) return "…";
    const text = describeOne(v, describe);
    left -= text.length;
    return text;
  };
  const text = describe(value);
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}

function describeOne(value: Value, describe: (v: Value) => string): string {
  if (typeof value === "number") return numberText(value);
  if (value === null || typeof value !== "object") return JSON.stringify(typeof value === "string" && value.length > MAX_DESCRIPTION ? `${value.slice(0, MAX_DESCRIPTION)}…` : value);
  if (value instanceof Ref) return value.toString();
  if (value instanceof Lazy) return value.label;
  if (value instanceof Failure) return `an error (${value.message})`;
  if (value instanceof Unknown) return value.candidates ? `one of ${listed(value.candidates, describe)}` : "a value unknown until apply";
  if (Array.isArray(value)) return `[${listed(value, describe)}]`;
  return `{${listed([...value.keys()], (k) => k as string)}}`;
}

/** Items described one by one, stopping once the description is long enough. */
function listed<T>(items: readonly T[], describe: (item: T) => string): string {
  const parts: string[] = [];
  let length = 0;
  for (const item of items) {
    if (length > MAX_DESCRIPTION) {
      parts.push(`… ${items.length - parts.length} more`);
      break;
    }
    const text = describe(item);
    parts.push(text);
    length += text.length + 2;
  }
  return parts.join(", ");
}

/**
 * How many values a value holds when written out (a list of two lists of one string is 5),
 * counted up to `limit` and no further: shared parts count each time, as JSON would write
 * them, so a value doubled forty times is known to be too large at once.
 */
export function expandedSize(value: Value, limit: number): number {
  let count = 0;
  const visit = (v: Value): void => {
    if (++count > limit) return;
    if (Array.isArray(v)) for (const item of v) {
      if (count > limit) return;
      visit(item);
    }
    else if (v instanceof Map) for (const item of v.values()) {
      if (count > limit) return;
      visit(item);
    }
  };
  visit(value);
  return Math.min(count, limit + 1);
}

/** Appends items one by one: `push(...items)` passes them as arguments and overflows the stack past about 100,000. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The type name Terraform would give, for messages and type functions. */
export function typeName(value: Value): string {
  if (value === null) return "null";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "list";
  if (value instanceof Map || value instanceof Lazy) return "object";
  return "unknown";
}

/** The (key, value) pairs of a collection; undefined when it is not a known collection. */
export function entries(value: Value): [Value, Value][] | undefined {
  // Terraform iterates a set (in `for`, `dynamic` blocks) with each element as its own key.
  if (Array.isArray(value)) return isSet(value) ? value.map((v) => [v, v]) : value.map((v, i) => [i, v]);
  if (value instanceof Map) return [...value.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (value instanceof Lazy) {
    const keys = value.keys();
    return keys?.map((k) => [k, value.get(k)]);
  }
  return undefined;
}


/**
 * Applies `fn` to arguments that may be unknown: an argument with candidates is tried with each
 * of them (the result may be any of the outcomes); an argument that may be anything, or a Ref,
 * makes the result unknown, with its reasons. `fn` sees known values only (Lazy objects aside).
 */
export function lift(args: readonly Value[], fn: (args: Value[]) => Value): Value {
  for (const a of args) if (a instanceof Failure) return a;
  const opaque = args.filter((a) => a instanceof Ref || (a instanceof Unknown && a.candidates === undefined));
  if (opaque.length > 0) return anything(undefined, opaque);
  const choices = args.map((a) => (a instanceof Unknown ? a.candidates! : [a]));
  const combinations = choices.reduce((n, c) => n * c.length, 1);
  if (combinations === 1) return fn(args as Value[]);
  if (combinations > MAX_CANDIDATES) return anything(`more than ${MAX_CANDIDATES} possible values`, args as Value[]);
  const results: Value[] = [];
  const pick = (i: number, chosen: Value[]) => {
    if (i === choices.length) {
      results.push(lift(chosen, fn));
      return;
    }
    for (const c of choices[i]) pick(i + 1, [...chosen, c]);
  };
  pick(0, []);
  return oneOf(results, "");
}


/** A number, or a string that spells one, as Terraform converts them. */
export function toNumber(value: Value): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A primitive as text, as templates and string conversion write it. */
export function toText(value: Value): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return numberText(value);
  if (typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * A number as Terraform writes it in a string: whole numbers exactly (`1000000000000000000000`,
 * never `1e+21`), others to 15 significant digits (`0.1 + 0.2` is `0.3`), without an exponent.
 */
export function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return BigInt(n).toString();
  const rounded = Number(n.toPrecision(15));
  const text = String(rounded);
  const exponent = /e([+-]\d+)$/.exec(text);
  if (!exponent) return text;
  // Only tiny fractions get here (JavaScript writes 1e-7 and below with an exponent).
  const digits = Math.min(100, 15 - Number(exponent[1]));
  return rounded.toFixed(digits).replace(/\.?0+$/, "");
}
