import { LIMITS } from "../validate/limits";
import { anything, describeValue, expandedSize, Failure, numberText, toNumber, toText, Value } from "./values";

/**
 * Terraform's `format`, whose verbs are Go's fmt verbs as cty applies them to Terraform values:
 * `%v` (`%#v` as JSON), `%t`, `%d %b %o %x %X`, `%e %E %f %g %G`, `%s %q`, `%%`, with the flags
 * `-+# 0`, a width and a precision (`%-8s`, `%05.1f`, `%.3s`). An argument that does not suit
 * its verb, a missing argument, or a verb Terraform does not know is an error, as in Terraform.
 */
export function formatString(spec: string, args: readonly Value[]): Value {
  if (/%[-+# 0]*\d*(?:\.\d*)?\[/.test(spec.replace(/%%/g, ""))) return anything(`sgc does not read format's explicit argument indexes (%[n]) in ${JSON.stringify(spec)}`);
  let next = 0;
  let out = "";
  const verbs = /%(?:(%)|([-+# 0]*)(\d*)(?:\.(\d*))?([a-zA-Z]?))/g;
  let last = 0;
  for (let match = verbs.exec(spec); match; match = verbs.exec(spec)) {
    out += spec.slice(last, match.index);
    last = verbs.lastIndex;
    if (match[1]) {
      out += "%";
      continue;
    }
    const [, , flags, widthText, precisionText, verb] = match;
    if (!verb) return new Failure(`format: ${JSON.stringify(match[0])} has no verb`);
    if (next >= args.length) return new Failure(`format: not enough arguments for %${verb}`);
    const value = args[next++];
    const precision = precisionText === undefined ? undefined : Number(precisionText || 0);
    const text = formatOne(verb, flags, precision, value);
    if (text instanceof Failure) return text;
    // A width past any real use would only build a huge string.
    const width = Math.min(Number(widthText || 0), 10_000);
    out += pad(text, width, flags, /[dboxXeEfgG]/.test(verb));
  }
  out += spec.slice(last);
  if (next < args.length) return new Failure(`format: ${args.length - next} arguments too many`);
  return out;
}

/** One argument formatted by its verb, before padding. */
function formatOne(verb: string, flags: string, precision: number | undefined, value: Value): string | Failure {
  const wrong = (why = "") => new Failure(`format: cannot format ${describeValue(value)} with %${verb}${why}`);
  if (value === null && verb !== "v") return wrong(": null cannot be formatted");
  const sign = (n: number, text: string) => (n < 0 || text.startsWith("-") ? text : flags.includes("+") ? `+${text}` : flags.includes(" ") ? ` ${text}` : text);
  switch (verb) {
    case "v":
      if (!flags.includes("#") && typeof value === "string") return value;
      if (!flags.includes("#") && typeof value === "number") return general(value, undefined);
      return jsonText(value) ?? wrong(": the value is too large to write out");
    case "t":
      return typeof value === "boolean" ? String(value) : value === "true" || value === "false" ? value : wrong();
    case "s":
    case "q": {
      const whole = toText(value);
      if (whole === undefined) return wrong();
      const text = precision !== undefined && precision > 0 ? [...whole].slice(0, precision).join("") : whole;
      return verb === "q" ? JSON.stringify(text) : text;
    }
    case "d":
    case "b":
    case "o":
    case "x":
    case "X": {
      const n = toNumber(value);
      if (n === undefined) return wrong();
      if (!Number.isInteger(n)) return wrong(": an integer is required");
      const digits = BigInt(Math.abs(n)).toString(verb === "d" ? 10 : verb === "b" ? 2 : verb === "o" ? 8 : 16);
      const prefix = flags.includes("#") ? { o: "0", x: "0x", X: "0X" }[verb as "o" | "x" | "X"] ?? "" : "";
      const body = prefix + (precision !== undefined ? digits.padStart(Math.min(precision, 1000), "0") : digits);
      return sign(n, `${n < 0 ? "-" : ""}${verb === "X" ? body.toUpperCase() : body}`);
    }
    case "e":
    case "E":
    case "f":
    case "g":
    case "G": {
      const n = toNumber(value);
      if (n === undefined || !Number.isFinite(n)) return wrong();
      const digits = Math.min(precision ?? 6, 100);
      const text = verb === "f" ? fixed(n, digits) : verb === "e" || verb === "E" ? goExponent(n.toExponential(digits)) : general(n, precision);
      return sign(n, verb === "E" || verb === "G" ? text.toUpperCase() : text);
    }
    default:
      return new Failure(`format: %${verb} is not a verb Terraform knows`);
  }
}

/** `%f`: fixed notation, also for numbers JavaScript would write with an exponent. */
function fixed(n: number, digits: number): string {
  if (Math.abs(n) < 1e21) return n.toFixed(digits);
  return `${BigInt(Math.trunc(n))}${digits > 0 ? `.${"0".repeat(digits)}` : ""}`;
}

/**
 * `%g` (and `%v` of a number): exponent notation when the exponent is below -4 or at least the
 * precision (6 when none is given, as Go decides for the shortest form), fixed otherwise, with
 * no trailing zeros. Terraform's numbers are exact decimals: 15 significant digits stand for them.
 */
function general(n: number, precision: number | undefined): string {
  if (n === 0) return "0";
  const significant = precision === undefined ? undefined : Math.min(Math.max(precision, 1), 100);
  const exponential = significant === undefined ? Number(n.toPrecision(15)).toExponential() : n.toExponential(significant - 1);
  const exponent = Number(exponential.slice(exponential.indexOf("e") + 1));
  if (exponent < -4 || exponent >= (significant ?? 6)) return goExponent(exponential.replace(/\.?0+e/, "e"));
  if (significant === undefined) return numberText(n);
  return n.toFixed(Math.max(0, significant - 1 - exponent)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/** JavaScript's exponent (`1.5e+0`) as Go writes it (`1.5e+00`). */
function goExponent(text: string): string {
  return text.replace(/e([+-])(\d)$/, "e$10$2");
}

/** Pads to a width: left-aligned with `-`; with `0`, zeros (after the sign, for numbers). */
function pad(text: string, width: number, flags: string, numeric: boolean): string {
  const length = [...text].length;
  if (length >= width) return text;
  if (flags.includes("-")) return text + " ".repeat(width - length);
  if (!flags.includes("0")) return " ".repeat(width - length) + text;
  const sign = numeric && /^[+\- ]/.test(text) ? text[0] : "";
  return sign + "0".repeat(width - length) + text.slice(sign.length);
}

/** A known value as JSON text, as `jsonencode` and `%#v` write it; undefined when it is too large to write out. */
export function jsonText(value: Value): string | undefined {
  return expandedSize(value, LIMITS.valueSize) > LIMITS.valueSize ? undefined : JSON.stringify(toJson(value));
}

function toJson(v: Value): unknown {
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [k, toJson(x)]));
  return v;
}
