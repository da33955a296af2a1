import { formatAddress, formatCidr, parseCidr } from "../model/cidr";
import { LIMITS } from "../validate/limits";
import { formatString, jsonText } from "./format";
import { anything, appendAll, dedupe, expandedSize, describeValue, Failure, isSet, isUnknown, isUnordered, isWhollyKnown, Lazy, lift, markUnordered, ObjectValue, oneOf, Ref, toNumber, toSet, toText, Unknown, Value, valueKey } from "./values";

/**
 * Terraform's built-in functions, as far as security groups need them. Functions that pick
 * among their arguments (`concat`, `lookup`, `element`, `coalesce`, `try`, ...) work on lists
 * and maps whose elements are unknown, so a group id chosen through them keeps its identity;
 * functions that compute new text or numbers need known arguments. A function sgc does not
 * know gives a value that may be anything, with a reason that names it.
 */

type Fn = (args: Value[]) => Value;

/** Calls a function by name. */
export function callFunction(name: string, args: Value[]): Value {
  const fn = FUNCTIONS.get(name.replace(/^core::/, ""));
  if (!fn) return anything(`sgc does not evaluate the function ${name}()`, args);
  for (const a of args) if (a instanceof Failure && name !== "try" && name !== "can") return a;
  let result: Value;
  try {
    result = fn(args);
  } catch (error) {
    // A string or list past what JavaScript can hold; anything else is a bug, to be reported as one.
    if (error instanceof RangeError) return tooLargeValue(`${name}()`);
    throw error;
  }
  if ((typeof result === "string" || Array.isArray(result)) && result.length > LIMITS.valueSize) return tooLargeValue(`${name}()`);
  return result;
}

/** A value too large to compute, as unknown, saying so. */
export function tooLargeValue(what: string): Unknown {
  return anything(`${what} gives a value of more than ${LIMITS.valueSize.toLocaleString("en-US")} characters or elements, more than sgc computes`);
}

/** A function of known values only: unknown arguments are handled by `lift`. */
function known(fn: Fn): Fn {
  return (args) => lift(args, (a) => (a.every(isWhollyKnown) ? fn(a) : anything(undefined, a)));
}

/** A function that inspects only the top of its arguments (a list, not its elements). */
function shallow(fn: Fn): Fn {
  return (args) => lift(args, fn);
}

const list = (v: Value, what: string): Value[] | Failure => (Array.isArray(v) ? v : new Failure(`${what} needs a list, not ${describeValue(v)}`));
const map = (v: Value, what: string): ObjectValue | Failure => (v instanceof Map ? v : new Failure(`${what} needs a map, not ${describeValue(v)}`));
const str = (v: Value, what: string): string | Failure => toText(v) ?? new Failure(`${what} needs a string, not ${describeValue(v)}`);
const num = (v: Value, what: string): number | Failure => toNumber(v) ?? new Failure(`${what} needs a number, not ${describeValue(v)}`);

function fail(...values: unknown[]): Failure | undefined {
  return values.find((v): v is Failure => v instanceof Failure);
}

const FUNCTIONS = new Map<string, Fn>([
  // Collections: these keep unknown elements as they are.
  [
    "concat",
    shallow((args) => {
      const out: Value[] = [];
      for (const a of args) {
        const l = list(a, "concat");
        if (l instanceof Failure) return l;
        if (out.length + l.length > LIMITS.valueSize) return tooLargeValue("concat()");
        appendAll(out, l);
      }
      return out;
    }),
  ],
  [
    "element",
    (args) => {
      const [l, i] = args;
      if (isUnknown(i) && Array.isArray(l)) return l.length === 0 ? new Failure("element of an empty list") : oneOf(l, `the index ${describeValue(i)} is not known`);
      return lift([l, i], ([items, n]) => {
        const xs = list(items, "element");
        const k = num(n, "element");
        if (xs instanceof Failure || k instanceof Failure) return fail(xs, k)!;
        if (xs.length === 0) return new Failure("element of an empty list");
        if (k < 0) return new Failure("element: a negative index");
        if (isUnordered(xs)) return oneOf(xs, "the order of a set with values known only after apply is not known");
        return xs[Math.floor(k) % xs.length];
      });
    },
  ],
  [
    "lookup",
    (args) => {
      const [m, key, fallback] = args;
      if (isUnknown(key) && m instanceof Map) return oneOf([...m.values(), ...(args.length > 2 ? [fallback] : [])], `the key ${describeValue(key)} is not known`);
      return lift([m, key], ([mm, k]) => {
        const k2 = str(k, "lookup");
        if (k2 instanceof Failure) return k2;
        if (mm instanceof Lazy) return mm.get(k2);
        const o = map(mm, "lookup");
        if (o instanceof Failure) return o;
        if (o.has(k2)) return o.get(k2)!;
        return args.length > 2 ? fallback : new Failure(`lookup: no key ${JSON.stringify(k2)} and no default`);
      });
    },
  ],
  [
    "merge",
    shallow((args) => {
      const out: ObjectValue = new Map();
      for (const a of args) {
        if (a === null) continue;
        const o = map(a, "merge");
        if (o instanceof Failure) return o;
        for (const [k, v] of o) out.set(k, v);
      }
      return out;
    }),
  ],
  [
    "flatten",
    (args) => {
      const flat = (v: Value): Value => {
        if (!Array.isArray(v)) return v instanceof Unknown || v instanceof Ref ? anything("flatten of a list that is not known", [v]) : [v];
        // Written out, a list of shared lists may be far larger than it looks.
        if (expandedSize(v, LIMITS.valueSize) > LIMITS.valueSize) return tooLargeValue("flatten()");
        const out: Value[] = [];
        const into = (list: Value[]): Value | undefined => {
          for (const x of list) {
            if (Array.isArray(x)) {
              const stop = into(x);
              if (stop !== undefined) return stop;
            } else if (x instanceof Unknown && x.candidates === undefined) return anything(undefined, [x]);
            else out.push(x);
          }
          return undefined;
        };
        return into(v) ?? out;
      };
      return lift(args.slice(0, 1), ([v]) => flat(v));
    },
  ],
  ["keys", shallow(([m]) => (m instanceof Map ? [...m.keys()].sort() : m instanceof Lazy && m.keys() ? m.keys()!.sort() : new Failure("keys needs a map")))],
  [
    "values",
    shallow(([m]) => {
      if (m instanceof Lazy && m.keys()) return m.keys()!.sort().map((k) => m.get(k));
      const o = map(m, "values");
      return o instanceof Failure ? o : [...o.keys()].sort().map((k) => o.get(k)!);
    }),
  ],
  [
    "length",
    shallow(([v]) => {
      if (Array.isArray(v)) return v.length;
      if (v instanceof Map) return v.size;
      if (typeof v === "string") return [...v].length;
      if (v instanceof Lazy) return v.keys()?.length ?? anything(`the length of ${v.label} is not known`);
      return new Failure(`length of ${describeValue(v)}`);
    }),
  ],
  // A list of a set's elements, in the set's order (which sgc may not know).
  ["tolist", shallow(([v]) => (Array.isArray(v) ? (isSet(v) ? (isUnordered(v) ? markUnordered([...v]) : [...v]) : v) : v === null ? null : new Failure(`tolist of ${describeValue(v)}`)))],
  ["toset", shallow(([v]) => (Array.isArray(v) ? toSet(v) : v === null ? null : new Failure(`toset of ${describeValue(v)}`)))],
  ["tomap", shallow(([v]) => (v instanceof Map || v === null ? v : new Failure(`tomap of ${describeValue(v)}`)))],
  [
    "coalesce",
    (args) => {
      const rest: Value[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (a === null || a === "") continue;
        // An attribute known only after apply (an id, an address) is not empty.
        if (a instanceof Ref) return rest.length ? oneOf([...rest, a], "") : a;
        if (a instanceof Unknown) {
          rest.push(a);
          continue;
        }
        return rest.length ? oneOf([...rest, a], "coalesce of values not known") : a;
      }
      return rest.length ? oneOf(rest, "coalesce of values not known") : new Failure("coalesce: every argument is null or empty");
    },
  ],
  [
    "coalescelist",
    shallow((args) => {
      for (const a of args) {
        const l = list(a, "coalescelist");
        if (l instanceof Failure) return l;
        if (l.length > 0) return l;
      }
      return new Failure("coalescelist: every list is empty");
    }),
  ],
  [
    "one",
    shallow(([v]) => {
      const l = list(v, "one");
      if (l instanceof Failure) return l;
      if (l.length > 1) return new Failure("one: the list has more than one element");
      return l.length === 0 ? null : l[0];
    }),
  ],
  [
    "try",
    (args) => {
      const possible: Value[] = [];
      for (const a of args) {
        if (a instanceof Failure) continue;
        if (a instanceof Unknown && a.candidates === undefined) return possible.length ? oneOf([...possible, a], "") : a;
        return possible.length ? oneOf([...possible, a], "") : a;
      }
      return possible.length ? oneOf(possible, "") : new Failure("try: every argument failed");
    },
  ],
  ["can", ([v]) => (v instanceof Failure ? false : v instanceof Unknown ? anything(undefined, [v]) : true)],
  [
    "compact",
    shallow(([v]) => {
      const l = list(v, "compact");
      return l instanceof Failure ? l : l.filter((x) => x !== null && x !== "");
    }),
  ],
  ["distinct", shallow(([v]) => (Array.isArray(v) ? dedupe(v) : new Failure("distinct needs a list")))],
  [
    "slice",
    shallow(([v, a, b]) => {
      const l = list(v, "slice");
      const from = num(a, "slice");
      const to = num(b, "slice");
      if (l instanceof Failure || from instanceof Failure || to instanceof Failure) return fail(l, from, to)!;
      return from < 0 || to > l.length || from > to ? new Failure("slice: indexes out of range") : l.slice(from, to);
    }),
  ],
  ["reverse", shallow(([v]) => (Array.isArray(v) ? [...v].reverse() : new Failure("reverse needs a list")))],
  [
    "zipmap",
    shallow(([k, v]) => {
      const ks = list(k, "zipmap");
      const vs = list(v, "zipmap");
      if (ks instanceof Failure || vs instanceof Failure) return fail(ks, vs)!;
      if (ks.length !== vs.length) return new Failure("zipmap: lists of different lengths");
      const out: ObjectValue = new Map();
      for (let i = 0; i < ks.length; i++) {
        const key = toText(ks[i]);
        if (key === undefined) return isUnknown(ks[i]) ? anything(undefined, [ks[i]]) : new Failure("zipmap: keys must be strings");
        out.set(key, vs[i]);
      }
      return out;
    }),
  ],
  [
    "setunion",
    shallow((args) => {
      const out: Value[] = [];
      for (const a of args) {
        const l = list(a, "setunion");
        if (l instanceof Failure) return l;
        if (out.length + l.length > LIMITS.valueSize) return tooLargeValue("setunion()");
        appendAll(out, l);
      }
      return toSet(out);
    }),
  ],
  // Computations: these need known arguments.
  ["contains", known(([l, v]) => (Array.isArray(l) ? l.some((x) => valueKey(x) === valueKey(v)) : new Failure("contains needs a list")))],
  [
    "range",
    known((args) => {
      const ns = args.map((a) => toNumber(a));
      if (ns.some((n) => n === undefined)) return new Failure("range needs numbers");
      const [start, end, step] = ns.length === 1 ? [0, ns[0]!, 1] : [ns[0]!, ns[1]!, ns[2] ?? (ns[0]! <= ns[1]! ? 1 : -1)];
      if (step === 0 || Math.abs((end - start) / step) > 1024) return new Failure("range: too many elements");
      const out: number[] = [];
      for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
      return out;
    }),
  ],
  ["sort", known(([l]) => (Array.isArray(l) && l.every((x) => toText(x) !== undefined) ? l.map((x) => toText(x)!).sort() : new Failure("sort needs a list of strings")))],
  ["setsubtract", known(([a, b]) => (Array.isArray(a) && Array.isArray(b) ? toSet(a.filter((x) => !b.some((y) => valueKey(x) === valueKey(y)))) : new Failure("setsubtract needs sets")))],
  ["setintersection", known(([a, ...rest]) => (Array.isArray(a) && rest.every(Array.isArray) ? toSet(a.filter((x) => rest.every((r) => (r as Value[]).some((y) => valueKey(x) === valueKey(y))))) : new Failure("setintersection needs sets")))],
  ["alltrue", known(([l]) => (Array.isArray(l) ? l.every((x) => x === true || x === "true") : new Failure("alltrue needs a list")))],
  ["anytrue", known(([l]) => (Array.isArray(l) ? l.some((x) => x === true || x === "true") : new Failure("anytrue needs a list")))],
  ["sum", known(([l]) => (Array.isArray(l) && l.every((x) => toNumber(x) !== undefined) ? l.reduce<number>((s, x) => s + toNumber(x)!, 0) : new Failure("sum needs numbers")))],
  ["min", known((args) => (args.every((x) => toNumber(x) !== undefined) && args.length > 0 ? Math.min(...args.map((x) => toNumber(x)!)) : new Failure("min needs numbers")))],
  ["max", known((args) => (args.every((x) => toNumber(x) !== undefined) && args.length > 0 ? Math.max(...args.map((x) => toNumber(x)!)) : new Failure("max needs numbers")))],
  ["abs", known(([n]) => ifNumber(n, Math.abs))],
  ["ceil", known(([n]) => ifNumber(n, Math.ceil))],
  ["floor", known(([n]) => ifNumber(n, Math.floor))],
  ["parseint", known(([s, b]) => (typeof s === "string" && typeof b === "number" && /^[0-9a-zA-Z-]+$/.test(s) ? parseInt(s, b) : new Failure("parseint")))],
  ["tostring", known(([v]) => (v === null ? null : toText(v) ?? new Failure(`tostring of ${describeValue(v)}`)))],
  ["tonumber", known(([v]) => (v === null ? null : toNumber(v) ?? new Failure(`tonumber of ${describeValue(v)}`)))],
  ["tobool", known(([v]) => (v === null || typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : new Failure(`tobool of ${describeValue(v)}`)))],
  [
    "join",
    known(([sep, ...lists]) => {
      const s = str(sep, "join");
      if (s instanceof Failure) return s;
      const parts: string[] = [];
      for (const l of lists) {
        if (!Array.isArray(l)) return new Failure("join needs lists");
        for (const x of l) {
          const t = toText(x);
          if (t === undefined) return new Failure("join needs strings");
          parts.push(t);
        }
      }
      return parts.join(s);
    }),
  ],
  ["split", known(([sep, s]) => (typeof sep === "string" && toText(s) !== undefined ? (toText(s) === "" ? [""] : toText(s)!.split(sep)) : new Failure("split needs strings")))],
  ["format", known(([f, ...rest]) => (typeof f === "string" ? formatString(f, rest) : new Failure("format needs a format string")))],
  ["lower", known(([s]) => ifText(s, (t) => t.toLowerCase()))],
  ["upper", known(([s]) => ifText(s, (t) => t.toUpperCase()))],
  ["trimspace", known(([s]) => ifText(s, (t) => t.trim()))],
  ["trimprefix", known(([s, p]) => ifText(s, (t) => (typeof p === "string" && t.startsWith(p) ? t.slice(p.length) : t)))],
  ["trimsuffix", known(([s, p]) => ifText(s, (t) => (typeof p === "string" && p !== "" && t.endsWith(p) ? t.slice(0, -p.length) : t)))],
  ["startswith", known(([s, p]) => (typeof s === "string" && typeof p === "string" ? s.startsWith(p) : new Failure("startswith needs strings")))],
  ["endswith", known(([s, p]) => (typeof s === "string" && typeof p === "string" ? s.endsWith(p) : new Failure("endswith needs strings")))],
  ["strcontains", known(([s, p]) => (typeof s === "string" && typeof p === "string" ? s.includes(p) : new Failure("strcontains needs strings")))],
  ["replace", known(([s, a, b]) => (typeof s === "string" && typeof a === "string" && typeof b === "string" ? replace(s, a, b) : new Failure("replace needs strings")))],
  ["substr", known(([s, o, l]) => (typeof s === "string" && typeof o === "number" && typeof l === "number" ? [...s].slice(o, l < 0 ? undefined : o + l).join("") : new Failure("substr")))],
  ["cidrsubnet", known(([p, bits, n]) => cidrsubnet(p, bits, n))],
  [
    "cidrsubnets",
    known(([p, ...bits]) => {
      const parsed = typeof p === "string" ? parseCidr(p) : undefined;
      if (!parsed?.ok) return new Failure(`cidrsubnets: ${describeValue(p)} is not a CIDR`);
      const out: string[] = [];
      let next = parsed.cidr.address;
      const width = parsed.cidr.family === "ipv4" ? 32 : 128;
      for (const b of bits) {
        const extra = wholeNumber(b);
        if (extra === undefined) return new Failure(`cidrsubnets needs whole numbers, not ${describeValue(b)}`);
        const prefix = parsed.cidr.prefix + extra;
        if (extra < 1 || prefix > width) return new Failure(`cidrsubnets: ${extra} more bits do not fit in ${p}`);
        const size = 1n << BigInt(width - prefix);
        next = ((next + size - 1n) / size) * size;
        if (next >> BigInt(width - parsed.cidr.prefix) !== parsed.cidr.address >> BigInt(width - parsed.cidr.prefix)) return new Failure(`cidrsubnets: not enough room in ${p}`);
        out.push(formatCidr(parsed.cidr.family, next, prefix));
        next += size;
      }
      return out;
    }),
  ],
  [
    "cidrhost",
    known(([p, n]) => {
      const parsed = typeof p === "string" ? parseCidr(p) : undefined;
      const number = wholeNumber(n);
      if (!parsed?.ok || number === undefined) return new Failure(`cidrhost needs a CIDR and a whole number, not ${describeValue(p)} and ${describeValue(n)}`);
      const width = parsed.cidr.family === "ipv4" ? 32 : 128;
      const size = 1n << BigInt(width - parsed.cidr.prefix);
      const host = BigInt(number);
      if (host >= size || -host > size) return new Failure(`cidrhost: host number ${number} is out of range for ${p}`);
      return formatAddress(parsed.cidr.family, parsed.cidr.address + (host >= 0n ? host : size + host));
    }),
  ],
  ["jsonencode", known(([v]) => jsonText(v) ?? tooLargeValue("jsonencode()"))],
]);

function ifNumber(n: Value, fn: (x: number) => number): Value {
  const x = toNumber(n);
  return x === undefined ? new Failure("needs a number") : fn(x);
}

function ifText(s: Value, fn: (t: string) => string): Value {
  const t = toText(s);
  return t === undefined ? new Failure("needs a string") : fn(t);
}

/**
 * A group that repeats and holds a repetition itself (`(a+)+`, `(\w*)*`): JavaScript's regular
 * expressions can take exponential time on it, where Terraform's (RE2) take linear time.
 */
const NESTED_REPETITION = /\((?:[^()\\]|\\.)*[*+}](?:[^()\\]|\\.)*\)[*+{]/;

function replace(s: string, search: string, replacement: string): Value {
  const regex = /^\/(.*)\/$/s.exec(search);
  if (!regex) return s.split(search).join(replacement);
  if (NESTED_REPETITION.test(regex[1]) || /\\[1-9]/.test(regex[1])) return anything(`sgc does not evaluate the regular expression ${search}, which could take it exponential time`);
  try {
    return s.replace(new RegExp(regex[1], "g"), replacement.replace(/\$\{(\w+)\}/g, "$<$1>"));
  } catch {
    return new Failure(`replace: ${search} is not a regular expression sgc can read`);
  }
}

function cidrsubnet(p: Value, bitsValue: Value, netnum: Value): Value {
  const parsed = typeof p === "string" ? parseCidr(p) : undefined;
  // Terraform converts numeric strings (a variable typed string, a split) to numbers.
  const bits = wholeNumber(bitsValue);
  const n = wholeNumber(netnum);
  if (!parsed?.ok || bits === undefined || n === undefined) return new Failure(`cidrsubnet needs a CIDR and two whole numbers, not ${[p, bitsValue, netnum].map(describeValue).join(", ")}`);
  const width = parsed.cidr.family === "ipv4" ? 32 : 128;
  const prefix = parsed.cidr.prefix + bits;
  if (bits < 0 || prefix > width) return new Failure(`cidrsubnet: ${bits} more bits do not fit in ${p}`);
  if (n < 0 || BigInt(n) >= 1n << BigInt(bits)) return new Failure(`cidrsubnet: ${n} does not fit in ${bits} bits`);
  return formatCidr(parsed.cidr.family, parsed.cidr.address + (BigInt(n) << BigInt(width - prefix)), prefix);
}

/** A whole number, or a string that spells one (Terraform converts them); undefined otherwise. */
function wholeNumber(v: Value): number | undefined {
  const n = toNumber(v);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

