import { ConfigModule } from "./configuration";
import { Expr, Step, TemplatePart } from "./hcl/syntax";

/**
 * Whether configuration files are the ones a plan was made from. A plan keeps of its
 * configuration only which objects each expression refers to and its constants; files read
 * beside it supply the rest (locals, the expressions themselves). Files edited after planning
 * would make sgc evaluate what the plan never held, so the two are compared: the resources and
 * module calls each module declares, what each attribute and module argument refers to, and
 * each constant. The comparison is lenient where the two forms differ in shape only (a plan
 * lists no `dynamic` blocks; `null` and an absent value are alike), so it never refuses the
 * files a plan was made from.
 */
export function compareConfigurations(plan: ConfigModule, files: ConfigModule): string | undefined {
  const where = (m: ConfigModule) => (m.key ? `module ${m.key}` : "the root module");
  for (const id of plan.resources.keys()) if (!files.resources.has(id)) return `${where(plan)} of the plan has ${id}, which the files do not`;
  for (const id of files.resources.keys()) if (!plan.resources.has(id)) return `${where(files)} in the files has ${id}, which the plan does not`;
  for (const [id, planned] of plan.resources) {
    const written = files.resources.get(id)!;
    for (const name of planned.attributeNames?.() ?? []) {
      const difference = compareExpressions(planned.attribute(name), written.attribute(name));
      if (difference) return `${id}.${name} in ${where(files)} ${difference}`;
    }
  }
  for (const [name, call] of plan.calls) {
    const other = files.calls.get(name);
    if (!other) return `${where(plan)} of the plan calls module ${name}, which the files do not`;
    for (const [arg, expr] of call.args) {
      const difference = compareExpressions(expr, other.args.get(arg));
      if (difference) return `the argument ${arg} of module ${name} in ${where(files)} ${difference}`;
    }
    if (call.module && other.module) {
      const inner = compareConfigurations(call.module, other.module);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** How an expression of the files differs from the plan's account of it, if it does. */
function compareExpressions(planned: Expr | undefined, written: Expr | undefined): string | undefined {
  if (planned === undefined) return undefined;
  const plannedConstant = constantOf(planned);
  const writtenConstant = written === undefined ? null : constantOf(written);
  if (plannedConstant !== undefined && writtenConstant !== undefined) {
    return sameConstant(plannedConstant, writtenConstant) ? undefined : `is ${JSON.stringify(writtenConstant)}, the plan's ${JSON.stringify(plannedConstant)}`;
  }
  const wanted = rootsOf(planned);
  const found = written === undefined ? new Set<string>() : rootsOf(written);
  const missing = [...wanted].filter((r) => !found.has(r));
  if (missing.length > 0) return `does not refer to ${missing.join(", ")}, as the plan's does`;
  // A plan lists no dynamic blocks, so only what blocks refer to beyond it cannot be judged.
  if (written !== undefined && written.type !== "blocks") {
    const extra = [...found].filter((r) => !wanted.has(r));
    if (extra.length > 0) return `refers to ${extra.join(", ")}, which the plan's does not`;
  }
  return undefined;
}

/** Objects whose references are not about which configuration this is. */
const CONTEXTUAL = new Set(["each", "count", "self", "path", "terraform"]);

/**
 * The objects an expression refers to, by their first steps: `aws_security_group.web`,
 * `data.aws_vpc.main`, `var.x`, `local.y`, `module.m`. Names a `for` or a `dynamic` block binds
 * are its own, not references.
 */
function rootsOf(expr: Expr): Set<string> {
  const roots = new Set<string>();
  const visit = (e: Expr, bound: ReadonlySet<string>): void => {
    switch (e.type) {
      case "references":
        for (const r of e.references) addRoot(r.split(/[.[]/), bound);
        return;
      case "traversal":
        addRoot([e.root, ...e.steps.map(stepName)], bound);
        for (const s of e.steps) if (s.type === "index") visit(s.key, bound);
        return;
      case "template":
        return visitParts(e.parts, bound);
      case "tuple":
        return e.items.forEach((i) => visit(i, bound));
      case "object":
        return e.items.forEach((i) => (visit(i.key, bound), visit(i.value, bound)));
      case "step":
        visit(e.target, bound);
        if (e.step.type === "index") visit(e.step.key, bound);
        return;
      case "splat":
        return visit(e.target, bound);
      case "call":
        return e.args.forEach((a) => visit(a, bound));
      case "unary":
        return visit(e.operand, bound);
      case "binary":
        return (visit(e.left, bound), visit(e.right, bound));
      case "conditional":
        return (visit(e.condition, bound), visit(e.then, bound), visit(e.else, bound));
      case "for": {
        visit(e.collection, bound);
        const inner = new Set([...bound, e.valueVar, ...(e.keyVar ? [e.keyVar] : [])]);
        for (const part of [e.key, e.value, e.condition]) if (part) visit(part, inner);
        return;
      }
      case "blocks":
        e.static.forEach((b) => visit(b, bound));
        for (const d of e.dynamic) {
          visit(d.forEach, bound);
          visit(d.content, new Set([...bound, d.iterator]));
        }
        return;
      default:
        return;
    }
  };
  const visitParts = (parts: TemplatePart[], bound: ReadonlySet<string>): void => {
    for (const p of parts) {
      if (p.type === "interpolation") visit(p.expr, bound);
      else if (p.type === "if") (visit(p.condition, bound), visitParts(p.then, bound), visitParts(p.else, bound));
      else if (p.type === "for") (visit(p.collection, bound), visitParts(p.body, new Set([...bound, p.valueVar, ...(p.keyVar ? [p.keyVar] : [])])));
    }
  };
  const addRoot = (segments: (string | undefined)[], bound: ReadonlySet<string>): void => {
    const [root] = segments;
    if (root === undefined || bound.has(root) || CONTEXTUAL.has(root)) return;
    const length = root === "data" ? 3 : 2;
    if (segments.length < length || segments.slice(0, length).some((s) => !s)) return;
    roots.add(segments.slice(0, length).join("."));
  };
  visit(expr, new Set());
  return roots;
}

function stepName(step: Step): string | undefined {
  return step.type === "attr" ? step.name : undefined;
}

/** The value of an expression written as a constant, or undefined when it computes anything. */
function constantOf(e: Expr): unknown {
  switch (e.type) {
    case "literal":
    case "constant":
      return e.value;
    case "template":
      return e.parts.every((p) => p.type === "text") ? e.parts.map((p) => (p.type === "text" ? p.text : "")).join("") : undefined;
    case "tuple": {
      const items = e.items.map(constantOf);
      return items.some((i) => i === undefined) ? undefined : items;
    }
    case "object": {
      // No prototype: "__proto__" is a key like any other, as in the plan's JSON.
      const out = Object.create(null) as Record<string, unknown>;
      for (const item of e.items) {
        const key = constantOf(item.key);
        const value = constantOf(item.value);
        if (typeof key !== "string" || value === undefined) return undefined;
        out[key] = value;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/**
 * Whether two constants are alike as Terraform would take them: `null` and absent are, a number
 * and the string that spells it (a plan may keep either, by the attribute's type), and a block
 * and a list of that one block.
 */
function sameConstant(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return true;
  // One nested block: JSON syntax and hcl2json write a list of one, a plan the block itself.
  if (Array.isArray(a) && a.length === 1 && isRecord(b)) return sameConstant(a[0], b);
  if (Array.isArray(b) && b.length === 1 && isRecord(a)) return sameConstant(a, b[0]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameConstant(x, b[i]));
  if (isRecord(a) && isRecord(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => sameConstant(a[k] ?? null, b[k] ?? null));
  if (isRecord(a) || isRecord(b) || Array.isArray(a) || Array.isArray(b)) return false;
  return String(a) === String(b);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
