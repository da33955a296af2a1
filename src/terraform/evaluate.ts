import { LIMITS } from "../validate/limits";
import { callFunction, tooLargeValue } from "./functions";
import { Expr, formatTraversal, parseExpression, Step, TemplatePart } from "./hcl/syntax";
import { anything, appendAll, describeValue, entries, fromJson, Failure, isUnknown, isUnordered, Lazy, lift, mapCandidates, markUnordered, ObjectValue, oneOf, reasonsOf, Ref, toNumber, toText, Unknown, Value } from "./values";

/**
 * Evaluates expressions the way Terraform would, as far as the input allows: known values are
 * computed exactly; what Terraform knows only after apply stays a `Ref`, or an `Unknown` that
 * keeps its candidates (a conditional on an unknown condition may be either branch) so that
 * sgc can still tell which group a rule belongs to, or say exactly why it cannot.
 */

/** Where names are looked up: a module instance, a resource instance (`each`, `count`), a `for` body. */
export interface Scope {
  /**
   * The value of a root name (`var`, `local`, `module`, `aws_instance`, ...) and the steps after
   * it that it consumed (`var.x` consumes `.x`); undefined when the name means nothing here.
   */
  reference(root: string, steps: readonly Step[], evaluateKey: (expr: Expr) => Value): { value: Value; used: number } | undefined;
}

/** A scope with local names (a `for` variable, a `dynamic` block's iterator) over another. */
export class Frame implements Scope {
  constructor(
    private readonly vars: ReadonlyMap<string, Value>,
    private readonly parent: Scope,
  ) {}

  reference(root: string, steps: readonly Step[], evaluateKey: (expr: Expr) => Value): { value: Value; used: number } | undefined {
    if (this.vars.has(root)) return { value: this.vars.get(root)!, used: 0 };
    return this.parent.reference(root, steps, evaluateKey);
  }
}

/** Evaluates an expression in a scope. */
export function evaluate(expr: Expr, scope: Scope): Value {
  switch (expr.type) {
    case "literal":
      return expr.value;
    case "constant":
      return fromJson(expr.value);
    case "template":
      return template(expr.parts, scope);
    case "tuple":
      return expr.items.map((item) => evaluate(item, scope));
    case "object": {
      const map: ObjectValue = new Map();
      for (const item of expr.items) {
        const key = evaluate(item.key, scope);
        if (typeof key === "string" || typeof key === "number" || typeof key === "boolean") map.set(String(key), evaluate(item.value, scope));
        else if (key instanceof Failure) return key;
        else return anything(`an object key is not known (${describeValue(key)})`, [key]);
      }
      return map;
    }
    case "traversal":
      return traversal(expr.root, expr.steps, scope);
    case "step":
      return applySteps(evaluate(expr.target, scope), [expr.step], scope);
    case "splat":
      return splat(evaluate(expr.target, scope), expr.steps, scope);
    case "call": {
      const args = expr.args.map((a) => evaluate(a, scope));
      if (expr.expandFinal && args.length > 0) {
        const last = args.pop()!;
        if (Array.isArray(last)) appendAll(args, last);
        else return last instanceof Failure ? last : anything(`the arguments of ${expr.name} are not known`, [last]);
      }
      return callFunction(expr.name, args);
    }
    case "unary":
      return lift([evaluate(expr.operand, scope)], ([v]) => {
        if (expr.op === "!") return typeof v === "boolean" ? !v : new Failure(`! needs a bool, not ${describeValue(v)}`);
        const n = toNumber(v);
        return n === undefined ? new Failure(`- needs a number, not ${describeValue(v)}`) : -n;
      });
    case "binary":
      return binary(expr.op, evaluate(expr.left, scope), evaluate(expr.right, scope));
    case "conditional": {
      const condition = evaluate(expr.condition, scope);
      if (condition === true) return evaluate(expr.then, scope);
      if (condition === false) return evaluate(expr.else, scope);
      if (condition instanceof Failure) return condition;
      if (isUnknown(condition)) {
        return oneOf([evaluate(expr.then, scope), evaluate(expr.else, scope)], `a condition is not known (${reasonsOf(condition).join("; ") || describeValue(condition)})`);
      }
      return new Failure(`a condition must be a bool, not ${describeValue(condition)}`);
    }
    case "for":
      return forExpression(expr, scope);
    case "references":
      return references(expr.references, scope);
    case "invalid":
      return anything(`sgc cannot read the expression: ${expr.message}`);
    case "blocks": {
      const out: Value[] = expr.static.map((b) => evaluate(b, scope));
      for (const dynamic of expr.dynamic) {
        const collection = evaluate(dynamic.forEach, scope);
        const items = entries(collection);
        if (items === undefined) return collection instanceof Failure ? collection : anything(`the for_each of dynamic "${dynamic.iterator}" blocks is not known`, [collection]);
        for (const [key, value] of items) {
          const iterator: ObjectValue = new Map([
            ["key", key],
            ["value", value],
          ]);
          out.push(evaluate(dynamic.content, new Frame(new Map([[dynamic.iterator, iterator]]), scope)));
        }
      }
      return out;
    }
  }
}

/** A root name and its steps: the scope resolves the name, the remaining steps apply to its value. */
function traversal(root: string, steps: readonly Step[], scope: Scope): Value {
  const evaluateKey = (e: Expr) => evaluate(e, scope);
  const found = scope.reference(root, steps, evaluateKey);
  if (!found) return new Failure(`${formatTraversal(root, steps)}: "${root}" is not declared here`);
  return applySteps(found.value, steps.slice(found.used), scope);
}

/** Applies attribute and index steps to a value. */
export function applySteps(value: Value, steps: readonly Step[], scope: Scope): Value {
  let v = value;
  for (const step of steps) {
    if (step.type === "attr") v = getAttribute(v, step.name);
    else v = index(v, evaluate(step.key, scope));
  }
  return v;
}

/** `value.name`. */
export function getAttribute(value: Value, name: string): Value {
  if (value instanceof Failure) return value;
  if (value instanceof Map) return value.has(name) ? value.get(name)! : new Failure(`there is no attribute "${name}"`);
  if (value instanceof Lazy) return value.get(name);
  if (value instanceof Ref) return new Ref(value.address, [...value.path, name]);
  if (value instanceof Unknown) return mapCandidates(value, (c) => getAttribute(c, name));
  if (value === null) return new Failure(`cannot read "${name}" of null`);
  return new Failure(`cannot read "${name}" of ${describeValue(value)}`);
}

/** `value[key]`: an element of a list, a value of a map. An unknown key may select any of them. */
export function index(value: Value, key: Value): Value {
  if (value instanceof Failure) return value;
  if (key instanceof Failure) return key;
  if (isUnknown(key)) {
    const why = `the key is not known (${reasonsOf(key).join("; ")})`;
    if (Array.isArray(value)) return value.length === 0 ? new Failure("index into an empty list") : oneOf(value, why);
    if (value instanceof Map) return value.size === 0 ? new Failure("index into an empty map") : oneOf([...value.values()], why);
    if (value instanceof Lazy) {
      const keys = value.keys();
      if (keys) return oneOf(keys.map((k) => value.get(k)), why);
    }
    return anything(why, [value]);
  }
  if (Array.isArray(value)) {
    const n = toNumber(key);
    if (n === undefined || !Number.isInteger(n)) return new Failure(`a list index must be a whole number, not ${describeValue(key)}`);
    if (n < 0 || n >= value.length) return new Failure(`index ${n} is out of range (the list has ${value.length} elements)`);
    return isUnordered(value) ? oneOf(value, "the order of a set with values known only after apply is not known") : value[n];
  }
  if (value instanceof Map) {
    const k = typeof key === "number" || typeof key === "boolean" ? String(key) : key;
    if (typeof k !== "string") return new Failure(`a map key must be a string, not ${describeValue(key)}`);
    return value.has(k) ? value.get(k)! : new Failure(`there is no key ${JSON.stringify(k)}`);
  }
  if (value instanceof Lazy) return typeof key === "string" ? value.get(key) : new Failure(`cannot index ${value.label} with ${describeValue(key)}`);
  if (value instanceof Ref) return new Ref(value.address, [...value.path, typeof key === "number" ? key : String(key)]);
  if (value instanceof Unknown) return mapCandidates(value, (c) => index(c, key));
  return new Failure(`cannot index ${describeValue(value)}`);
}

/** `value[*].steps` and `value.*.steps`: the steps applied to each element; null is no element, a single value one. */
function splat(value: Value, steps: readonly Step[], scope: Scope): Value {
  if (value instanceof Failure) return value;
  if (value === null) return [];
  if (value instanceof Unknown) return mapCandidates(value, (c) => splat(c, steps, scope));
  if (value instanceof Ref) return anything(undefined, [value]);
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => applySteps(item, steps, scope));
}

function template(parts: readonly TemplatePart[], scope: Scope): Value {
  let text = "";
  const unknowns: Value[] = [];
  for (const part of parts) {
    let piece: Value;
    if (part.type === "text") piece = part.text;
    else if (part.type === "interpolation") piece = evaluate(part.expr, scope);
    else if (part.type === "if") {
      const condition = evaluate(part.condition, scope);
      if (typeof condition !== "boolean") piece = condition instanceof Failure ? condition : anything(`the condition ${describeValue(condition)} is not known`, [condition]);
      else piece = template(condition ? part.then : part.else, scope);
    } else {
      const items = entries(evaluate(part.collection, scope));
      if (items === undefined) piece = anything("the collection of a template for loop is not known");
      else {
        piece = "";
        for (const [key, value] of items) {
          const vars = new Map<string, Value>([[part.valueVar, value]]);
          if (part.keyVar) vars.set(part.keyVar, key);
          const body = template(part.body, new Frame(vars, scope));
          if (typeof body !== "string") {
            piece = body;
            break;
          }
          if (piece.length + body.length > LIMITS.valueSize) {
            piece = tooLargeValue("a template for loop");
            break;
          }
          piece += body;
        }
      }
    }
    if (piece instanceof Failure) return piece;
    const s = toText(piece);
    if (s === undefined) {
      if (isUnknown(piece) || piece instanceof Lazy) unknowns.push(piece);
      else return new Failure(`cannot put ${describeValue(piece)} into a string`);
    } else if (text.length + s.length > LIMITS.valueSize) return tooLargeValue("a string template");
    else text += s;
  }
  return unknowns.length > 0 ? anything(undefined, unknowns) : text;
}

function forExpression(expr: Extract<Expr, { type: "for" }>, scope: Scope): Value {
  const collection = evaluate(expr.collection, scope);
  const items = entries(collection);
  if (items === undefined) {
    if (collection instanceof Failure) return collection;
    return anything(`the collection of a for expression is not known (${describeValue(collection)})`, [collection]);
  }
  const list: Value[] = [];
  const map: ObjectValue = new Map();
  const groups = new Map<string, Value[]>();
  for (const [key, value] of items) {
    const vars = new Map<string, Value>([[expr.valueVar, value]]);
    if (expr.keyVar) vars.set(expr.keyVar, key);
    const frame = new Frame(vars, scope);
    if (expr.condition) {
      const keep = evaluate(expr.condition, frame);
      if (keep === false) continue;
      if (keep !== true) return keep instanceof Failure ? keep : anything(`the condition of a for expression is not known (${describeValue(keep)})`, [keep]);
    }
    const v = evaluate(expr.value, frame);
    if (!expr.object) {
      list.push(v);
      continue;
    }
    const k = evaluate(expr.key!, frame);
    const text = toText(k);
    if (text === undefined) return k instanceof Failure ? k : anything(`a key of a for expression is not known (${describeValue(k)})`, [k]);
    if (expr.grouped) groups.set(text, [...(groups.get(text) ?? []), v]);
    else if (map.has(text)) return new Failure(`duplicate key ${JSON.stringify(text)} in a for expression`);
    else map.set(text, v);
  }
  // A list made from a set in an order sgc does not know is in an order sgc does not know.
  if (!expr.object) return Array.isArray(collection) && isUnordered(collection) ? markUnordered(list) : list;
  if (expr.grouped) for (const [k, vs] of groups) map.set(k, vs);
  return map;
}

/**
 * What a plan keeps of an expression: the references it makes, not how it combines them. The
 * value may be any of the things referred to (a reference to a whole `count` or `for_each`
 * resource stands for each of its instances). References Terraform lists along with a longer
 * one (`a.b[0]` and `a.b` beside `a.b[0].id`), and `count`/`each`, add nothing.
 */
const referenceSyntax = new Map<string, Expr>();

function references(refs: readonly string[], scope: Scope): Value {
  const meaningful = refs.filter((r) => !/^(count|each)(\.|$)/.test(r) && !refs.some((other) => other !== r && (other.startsWith(`${r}.`) || other.startsWith(`${r}[`))));
  if (meaningful.length === 0) return anything("the plan does not say what this value is");
  const values: Value[] = [];
  for (const ref of meaningful) {
    let syntax = referenceSyntax.get(ref);
    if (!syntax) referenceSyntax.set(ref, (syntax = parseExpression(ref)));
    const value = evaluate(syntax, scope);
    if (Array.isArray(value) && value.every((v) => v instanceof Lazy)) appendAll(values, value);
    else if (value instanceof Map && [...value.values()].every((v) => v instanceof Lazy)) appendAll(values, value.values());
    else values.push(value);
  }
  return oneOf(values, `the plan keeps only what the expression refers to (${meaningful.join(", ")})`);
}

function binary(op: string, left: Value, right: Value): Value {
  if (op === "&&" && left === false) return false;
  if (op === "||" && left === true) return true;
  // An id known only after apply is never null: that much Terraform knows too.
  if ((op === "==" || op === "!=") && ((left instanceof Ref && right === null) || (right instanceof Ref && left === null))) return op === "!=";
  return lift([left, right], ([a, b]) => {
    switch (op) {
      case "==":
        return equal(a, b);
      case "!=": {
        const eq = equal(a, b);
        return typeof eq === "boolean" ? !eq : eq;
      }
      case "&&":
      case "||":
        if (typeof a !== "boolean" || typeof b !== "boolean") return new Failure(`${op} needs bools`);
        return op === "&&" ? a && b : a || b;
      default: {
        const x = toNumber(a);
        const y = toNumber(b);
        if (x === undefined || y === undefined) return new Failure(`${op} needs numbers, not ${describeValue(a)} and ${describeValue(b)}`);
        switch (op) {
          case "<":
            return x < y;
          case "<=":
            return x <= y;
          case ">":
            return x > y;
          case ">=":
            return x >= y;
          case "+":
            return x + y;
          case "-":
            return x - y;
          case "*":
            return x * y;
          case "/":
            return y === 0 ? new Failure("division by zero") : x / y;
          default:
            return y === 0 ? new Failure("division by zero") : x % y;
        }
      }
    }
  });
}

/** Terraform's `==`: equal type and content; unknown when either side is. */
/**
 * Terraform's `==`: equal type and content; unknown when either side is. Collections compare by
 * type too (a list is never equal to the tuple `[]`), and sgc does not track list, set and tuple
 * types apart, so two collections may or may not be equal: both answers stay possible.
 */
function equal(a: Value, b: Value): Value {
  if (isUnknown(a) || isUnknown(b) || a instanceof Lazy || b instanceof Lazy) return anything(undefined, [a, b]);
  if (a === null || b === null) return a === b;
  if (typeof a !== "object" || typeof b !== "object") return a === b;
  return new Unknown([true, false], ["sgc does not tell lists, sets and tuples apart, as == does"]);
}

