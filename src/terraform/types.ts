import { Expr } from "./hcl/syntax";
import { entries, isUnknown, Lazy, ObjectValue, toNumber, toSet, toText, Value } from "./values";

/**
 * Variable type constraints, applied as Terraform applies them to a module's inputs: an object
 * type fills attributes the caller left out (with `optional`'s default, else null), so that
 * `each.value.cidr_blocks` reads as Terraform would read it instead of failing.
 */
export function convert(value: Value, type: Expr | undefined): Value {
  if (!type || value === null || isUnknown(value) || value instanceof Lazy) return value;
  if (type.type === "traversal" && type.steps.length === 0) {
    switch (type.root) {
      case "string":
        return toText(value) ?? value;
      case "number":
        return toNumber(value) ?? value;
      case "bool":
        return value === "true" ? true : value === "false" ? false : value;
      default:
        return value;
    }
  }
  if (type.type !== "call") return value;
  const [arg] = type.args;
  switch (type.name) {
    case "list":
      return Array.isArray(value) ? value.map((v) => convert(v, arg)) : value;
    case "set":
      return Array.isArray(value) ? toSet(value.map((v) => convert(v, arg))) : value;
    case "map":
      if (!(value instanceof Map)) return value;
      return new Map([...value.entries()].map(([k, v]) => [k, convert(v, arg)]));
    case "tuple":
      if (!Array.isArray(value) || arg?.type !== "tuple") return value;
      return value.map((v, i) => convert(v, (arg as Extract<Expr, { type: "tuple" }>).items[i]));
    case "object": {
      if (!(value instanceof Map) || arg?.type !== "object") return value;
      const out: ObjectValue = new Map();
      for (const item of arg.items) {
        if (item.key.type !== "literal" || typeof item.key.value !== "string") continue;
        const name = item.key.value;
        const attrType = item.value;
        const optional = attrType.type === "call" && attrType.name === "optional";
        const inner = optional ? (attrType as Extract<Expr, { type: "call" }>).args[0] : attrType;
        const given = value.get(name);
        if (given !== undefined && given !== null) out.set(name, convert(given, inner));
        else if (optional && (attrType as Extract<Expr, { type: "call" }>).args[1]) out.set(name, constantOf((attrType as Extract<Expr, { type: "call" }>).args[1]));
        else out.set(name, null);
      }
      // Attributes the type does not declare are dropped by Terraform; keep them for lookups.
      for (const [k, v] of value) if (!out.has(k)) out.set(k, v);
      return out;
    }
    default:
      return value;
  }
}

/** The value of a constant expression in a type constraint (an `optional` default). */
function constantOf(expr: Expr): Value {
  switch (expr.type) {
    case "literal":
      return expr.value;
    case "tuple":
      return expr.items.map(constantOf);
    case "object": {
      const out: ObjectValue = new Map();
      for (const item of expr.items) if (item.key.type === "literal") out.set(String(item.key.value), constantOf(item.value));
      return out;
    }
    default:
      return null;
  }
}

/** The instance keys of a `for_each` value: a map's keys, or a set's elements (strings). */
export function forEachKeys(value: Value): { key: string; value: Value }[] | undefined {
  if (value instanceof Map) return [...value.entries()].map(([key, v]) => ({ key, value: v }));
  if (Array.isArray(value)) {
    const out: { key: string; value: Value }[] = [];
    for (const v of value) {
      const key = toText(v);
      if (key === undefined) return undefined;
      out.push({ key, value: v });
    }
    return out;
  }
  const pairs = entries(value);
  return pairs?.every(([k]) => typeof k === "string") ? pairs.map(([k, v]) => ({ key: k as string, value: v })) : undefined;
}
