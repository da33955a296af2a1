/**
 * HCL expressions and templates, parsed into a small syntax tree. Terraform configuration
 * reaches sgc as JSON (a `cdk.tf.json`, a `*.tf.json`, or `.tf` files turned into JSON by
 * @cdktf/hcl2json), where every string is a template and `${...}` holds an expression; this
 * module parses those strings. It follows the HCL native syntax specification: identifiers may
 * contain dashes, `.*` and `[*]` splats, `for` expressions, template directives, heredocs.
 */

/** A literal value. */
export type LiteralValue = null | boolean | number | string;

/** One piece of a template. */
export type TemplatePart =
  | { type: "text"; text: string }
  | { type: "interpolation"; expr: Expr }
  | { type: "if"; condition: Expr; then: TemplatePart[]; else: TemplatePart[] }
  | { type: "for"; keyVar?: string; valueVar: string; collection: Expr; body: TemplatePart[] };

/** A traversal step after a root name or an expression: `.name` or `[key]`. */
export type Step = { type: "attr"; name: string } | { type: "index"; key: Expr };

/** An expression. */
export type Expr =
  | { type: "literal"; value: LiteralValue }
  /** A constant value as parsed JSON (a plan's `constant_value`, a variable's default). */
  | { type: "constant"; value: unknown }
  | { type: "template"; parts: TemplatePart[] }
  | { type: "tuple"; items: Expr[] }
  | { type: "object"; items: { key: Expr; value: Expr }[] }
  /** A root name (`var`, `local`, `aws_instance`, a `for` variable) and the static steps that follow it. */
  | { type: "traversal"; root: string; steps: Step[] }
  | { type: "step"; target: Expr; step: Step }
  /** `target.*.steps` or `target[*].steps`: `each` applied to every element. */
  | { type: "splat"; target: Expr; steps: Step[] }
  | { type: "call"; name: string; args: Expr[]; expandFinal: boolean }
  | { type: "unary"; op: "!" | "-"; operand: Expr }
  | { type: "binary"; op: BinaryOp; left: Expr; right: Expr }
  | { type: "conditional"; condition: Expr; then: Expr; else: Expr }
  | { type: "for"; keyVar?: string; valueVar: string; collection: Expr; key?: Expr; value: Expr; condition?: Expr; grouped: boolean; object: boolean }
  /** What a plan's configuration keeps of an expression: only the references it makes. */
  | { type: "references"; references: string[] }
  /** Text that does not parse: it evaluates to an unknown value that says so. */
  | { type: "invalid"; message: string }
  /** Nested blocks of one type: those written out, then those a `dynamic` block generates. */
  | { type: "blocks"; static: Expr[]; dynamic: { iterator: string; forEach: Expr; content: Expr }[] };

/** The binary operators, loosest first by the table below. */
export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%";

const PRECEDENCE: Record<BinaryOp, number> = { "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6 };
const OPERATORS: BinaryOp[] = ["||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%"];

/** A parse error, with the offset where it happened. */
export class HclSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses a whole expression (the text inside `${...}`, or a bare HCL expression). */
export function parseExpression(text: string): Expr {
  try {
    const parser = new Parser(text);
    const expr = parser.expression();
    parser.skipSpace();
    if (!parser.atEnd()) parser.fail(`unexpected ${JSON.stringify(text.slice(parser.pos, parser.pos + 10))}`);
    return expr;
  } catch (error) {
    if (error instanceof HclSyntaxError) return { type: "invalid", message: `${error.message} in ${JSON.stringify(clip(text))}` };
    throw error;
  }
}

/**
 * An identifier, as Terraform allows them: a Unicode letter or `_`, then letters, digits,
 * combining marks, `_` and `-` (`aws_security_group.wëb-1`).
 */
export const IDENTIFIER = "[\\p{L}_][\\p{L}\\p{N}\\p{M}_-]*";

const SIMPLE_TRAVERSAL = new RegExp(`^\\$\\{(${IDENTIFIER}(?:\\.${IDENTIFIER})+)\\}$`, "u");

/**
 * Parses a string of Terraform's JSON syntax: a template whose `${...}` parts are expressions.
 * A string that is one interpolation and nothing else is that expression's value, not a string.
 * Plain strings and simple references (`${aws_security_group.web.id}`) take a fast path, which
 * matters at 100,000 rules.
 */
export function parseTemplateString(text: string): Expr {
  if (!text.includes("${") && !text.includes("%{")) return { type: "literal", value: text };
  const simple = SIMPLE_TRAVERSAL.exec(text);
  if (simple) {
    const [root, ...names] = simple[1].split(".");
    return { type: "traversal", root, steps: names.map((name) => ({ type: "attr", name })) };
  }
  try {
    const parser = new Parser(text);
    const parts = parser.templateParts("raw");
    return templateExpr(parts);
  } catch (error) {
    if (error instanceof HclSyntaxError) return { type: "invalid", message: `${error.message} in ${JSON.stringify(clip(text))}` };
    throw error;
  }
}

function templateExpr(parts: TemplatePart[]): Expr {
  if (parts.length === 0) return { type: "literal", value: "" };
  if (parts.length === 1 && parts[0].type === "text") return { type: "literal", value: parts[0].text };
  if (parts.length === 1 && parts[0].type === "interpolation") return parts[0].expr;
  return { type: "template", parts };
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The text of a reference as Terraform prints it: `aws_security_group.web.id`, `module.a["k"].out`. */
export function formatTraversal(root: string, steps: readonly Step[]): string {
  let out = root;
  for (const step of steps) {
    if (step.type === "attr") out += `.${step.name}`;
    else if (step.key.type === "literal") out += `[${JSON.stringify(step.key.value)}]`;
    else out += "[...]";
  }
  return out;
}

const NAME_AT = new RegExp(IDENTIFIER, "uy");
const NAME_PART_AT = /[\p{L}\p{N}\p{M}_-]/uy;

/** The length of the identifier at `pos` in `text`; 0 when there is none. */
function nameLengthAt(text: string, pos: number): number {
  NAME_AT.lastIndex = pos;
  return NAME_AT.exec(text)?.[0].length ?? 0;
}

/** A scannerless recursive-descent parser over the text. */
class Parser {
  pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(message: string): never {
    throw new HclSyntaxError(message, this.pos);
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? "";
  }

  private startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  /** Skips whitespace, newlines and comments. */
  skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.pos++;
      else if (c === "#" || this.startsWith("//")) {
        while (!this.atEnd() && this.peek() !== "\n") this.pos++;
      } else if (this.startsWith("/*")) {
        const end = this.text.indexOf("*/", this.pos + 2);
        if (end < 0) this.fail("unterminated comment");
        this.pos = end + 2;
      } else return;
    }
  }

  private expect(s: string): void {
    this.skipSpace();
    if (!this.startsWith(s)) this.fail(`expected ${JSON.stringify(s)}`);
    this.pos += s.length;
  }

  private accept(s: string): boolean {
    this.skipSpace();
    if (!this.startsWith(s)) return false;
    this.pos += s.length;
    return true;
  }

  private identifier(): string {
    this.skipSpace();
    const length = nameLengthAt(this.text, this.pos);
    if (length === 0) this.fail("expected a name");
    this.pos += length;
    return this.text.slice(this.pos - length, this.pos);
  }

  private isIdentifierAhead(): boolean {
    this.skipSpace();
    return this.nameAhead();
  }

  /** Whether an identifier starts `offset` code units ahead. */
  private nameAhead(offset = 0): boolean {
    return nameLengthAt(this.text, this.pos + offset) > 0;
  }

  private keywordAhead(word: string): boolean {
    this.skipSpace();
    if (!this.startsWith(word)) return false;
    NAME_PART_AT.lastIndex = this.pos + word.length;
    return !NAME_PART_AT.test(this.text);
  }

  expression(): Expr {
    if (++this.depth > 200) this.fail("expression nested too deeply");
    try {
      const condition = this.binary(1);
      if (!this.accept("?")) return condition;
      const then = this.expression();
      this.expect(":");
      const otherwise = this.expression();
      return { type: "conditional", condition, then, else: otherwise };
    } finally {
      this.depth--;
    }
  }

  private binary(minPrecedence: number): Expr {
    let left = this.unary();
    for (;;) {
      this.skipSpace();
      const op = OPERATORS.find((o) => this.startsWith(o));
      if (!op || PRECEDENCE[op] < minPrecedence || this.startsWith("<<")) return left;
      this.pos += op.length;
      const right = this.binary(PRECEDENCE[op] + 1);
      left = { type: "binary", op, left, right };
    }
  }

  private unary(): Expr {
    this.skipSpace();
    if (this.peek() === "!" && this.peek(1) !== "=") {
      this.pos++;
      return { type: "unary", op: "!", operand: this.unary() };
    }
    if (this.peek() === "-") {
      this.pos++;
      const operand = this.unary();
      if (operand.type === "literal" && typeof operand.value === "number") return { type: "literal", value: -operand.value };
      return { type: "unary", op: "-", operand };
    }
    return this.postfix(this.primary());
  }

  private primary(): Expr {
    this.skipSpace();
    const c = this.peek();
    if (c === "") this.fail("expected an expression, found the end");
    if (/[0-9]/.test(c)) return this.number();
    if (c === '"') {
      this.pos++;
      return templateExpr(this.templateParts("quoted"));
    }
    if (this.startsWith("<<")) return this.heredoc();
    if (c === "(") {
      this.pos++;
      const inner = this.expression();
      this.expect(")");
      return inner;
    }
    if (c === "[") {
      this.pos++;
      if (this.keywordAhead("for")) return this.forExpression(false);
      const items: Expr[] = [];
      while (!this.accept("]")) {
        items.push(this.expression());
        if (!this.accept(",")) {
          this.expect("]");
          break;
        }
      }
      return { type: "tuple", items };
    }
    if (c === "{") {
      this.pos++;
      if (this.keywordAhead("for")) {
        const save = this.pos;
        this.pos += 3;
        const isFor = this.isIdentifierAhead();
        this.pos = save;
        if (isFor) return this.forExpression(true);
      }
      return this.objectBody();
    }
    if (this.nameAhead()) {
      const name = this.identifier();
      if (name === "true") return { type: "literal", value: true };
      if (name === "false") return { type: "literal", value: false };
      if (name === "null") return { type: "literal", value: null };
      let fullName = name;
      while (this.startsWith("::")) {
        this.pos += 2;
        fullName += `::${this.identifier()}`;
      }
      this.skipSpace();
      if (this.peek() === "(") return this.call(fullName);
      return { type: "traversal", root: name, steps: [] };
    }
    this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  private number(): Expr {
    const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) this.fail("expected a number");
    this.pos += match[0].length;
    return { type: "literal", value: Number(match[0]) };
  }

  private call(name: string): Expr {
    this.expect("(");
    const args: Expr[] = [];
    let expandFinal = false;
    while (!this.accept(")")) {
      args.push(this.expression());
      if (this.accept("...")) expandFinal = true;
      if (!this.accept(",")) {
        this.expect(")");
        break;
      }
    }
    return { type: "call", name, args, expandFinal };
  }

  private objectBody(): Expr {
    const items: { key: Expr; value: Expr }[] = [];
    for (;;) {
      if (this.accept("}")) return { type: "object", items };
      let key: Expr;
      this.skipSpace();
      if (this.nameAhead()) {
        const save = this.pos;
        const name = this.identifier();
        this.skipSpace();
        if ((this.peek() === "=" && this.peek(1) !== "=") || this.peek() === ":") key = { type: "literal", value: name };
        else {
          this.pos = save;
          key = this.expression();
        }
      } else key = this.expression();
      this.skipSpace();
      if (this.peek() === "=" && this.peek(1) !== "=") this.pos++;
      else this.expect(":");
      const value = this.expression();
      items.push({ key, value });
      this.accept(",");
    }
  }

  /** `k, v in collection` (or `v in collection`): the head of a `for` expression or directive. */
  private forHead(): { keyVar?: string; valueVar: string; collection: Expr } {
    let keyVar: string | undefined;
    let valueVar = this.identifier();
    if (this.accept(",")) {
      keyVar = valueVar;
      valueVar = this.identifier();
    }
    this.expect("in");
    return { ...(keyVar !== undefined ? { keyVar } : {}), valueVar, collection: this.expression() };
  }

  private forExpression(object: boolean): Expr {
    this.expect("for");
    const { keyVar, valueVar, collection } = this.forHead();
    this.expect(":");
    let key: Expr | undefined;
    let value = this.expression();
    let grouped = false;
    if (object) {
      this.expect("=>");
      key = value;
      value = this.expression();
      grouped = this.accept("...");
    }
    let condition: Expr | undefined;
    if (this.keywordAhead("if")) {
      this.pos += 2;
      condition = this.expression();
    }
    this.expect(object ? "}" : "]");
    return { type: "for", ...(keyVar !== undefined ? { keyVar } : {}), valueVar, collection, ...(key ? { key } : {}), value, ...(condition ? { condition } : {}), grouped, object };
  }

  /** Traversal steps, splats and indexes after a term. */
  private postfix(term: Expr): Expr {
    let expr = term;
    for (;;) {
      this.skipSpace();
      if (this.startsWith(".*")) {
        this.pos += 2;
        expr = { type: "splat", target: expr, steps: this.splatSteps(false) };
      } else if (this.startsWith("[*]")) {
        this.pos += 3;
        expr = { type: "splat", target: expr, steps: this.splatSteps(true) };
      } else if (this.peek() === "." && /[0-9]/.test(this.peek(1))) {
        this.pos++;
        const match = /^[0-9]+/.exec(this.text.slice(this.pos))!;
        this.pos += match[0].length;
        expr = withStep(expr, { type: "index", key: { type: "literal", value: Number(match[0]) } });
      } else if (this.peek() === "." && this.nameAhead(1)) {
        this.pos++;
        expr = withStep(expr, { type: "attr", name: this.identifier() });
      } else if (this.peek() === "[") {
        this.pos++;
        const key = this.expression();
        this.expect("]");
        expr = withStep(expr, { type: "index", key });
      } else return expr;
    }
  }

  /** The steps a splat applies to each element: attributes (and, for `[*]`, indexes) that follow it. */
  private splatSteps(full: boolean): Step[] {
    const steps: Step[] = [];
    for (;;) {
      this.skipSpace();
      if (this.peek() === "." && this.nameAhead(1)) {
        this.pos++;
        steps.push({ type: "attr", name: this.identifier() });
      } else if (full && this.peek() === "[" && !this.startsWith("[*]")) {
        this.pos++;
        const key = this.expression();
        this.expect("]");
        steps.push({ type: "index", key });
      } else return steps;
    }
  }

  private heredoc(): Expr {
    const match = new RegExp(`^<<(-?)(${IDENTIFIER})\\r?\\n`, "u").exec(this.text.slice(this.pos, this.pos + 200));
    if (!match) this.fail("malformed heredoc");
    this.pos += match[0].length;
    const marker = match[2];
    const lines: string[] = [];
    for (;;) {
      if (this.atEnd()) this.fail(`heredoc without its closing ${marker}`);
      const end = this.text.indexOf("\n", this.pos);
      const line = this.text.slice(this.pos, end < 0 ? this.text.length : end).replace(/\r$/, "");
      this.pos = end < 0 ? this.text.length : end + 1;
      if (line.trim() === marker) break;
      lines.push(line);
    }
    let body = lines.map((l) => `${l}\n`);
    if (match[1] === "-") {
      const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)![0].length));
      if (Number.isFinite(indent)) body = lines.map((l) => `${l.slice(indent)}\n`);
    }
    const inner = new Parser(body.join(""));
    return templateExpr(inner.templateParts("raw"));
  }

  /**
   * Template parts up to the end of the text (`raw`: a JSON-syntax string, no escapes) or up to
   * the closing quote (`quoted`: an HCL string literal, with backslash escapes).
   */
  templateParts(mode: "raw" | "quoted", stopAt: string[] = []): TemplatePart[] {
    const parts: TemplatePart[] = [];
    let text = "";
    const flush = () => {
      if (text) parts.push({ type: "text", text });
      text = "";
    };
    for (;;) {
      if (this.atEnd()) {
        if (mode === "quoted") this.fail("unterminated string");
        flush();
        if (stopAt.length > 0) this.fail(`expected %{ ${stopAt.join(" or ")} }`);
        return parts;
      }
      const c = this.peek();
      if (mode === "quoted" && c === '"' && stopAt.length === 0) {
        this.pos++;
        flush();
        return parts;
      }
      if (this.startsWith("$${") || this.startsWith("%%{")) {
        text += `${c}{`;
        this.pos += 3;
        continue;
      }
      if (this.startsWith("${")) {
        this.pos += 2;
        const stripBefore = this.accept("~");
        if (stripBefore) text = text.replace(/\s+$/, "");
        flush();
        const expr = this.expression();
        const stripAfter = this.accept("~");
        this.expect("}");
        parts.push({ type: "interpolation", expr });
        if (stripAfter) this.skipTemplateSpace();
        continue;
      }
      if (this.startsWith("%{")) {
        const save = this.pos;
        this.pos += 2;
        if (this.accept("~")) text = text.replace(/\s+$/, "");
        const word = this.identifier();
        if (stopAt.includes(word)) {
          this.pos = save;
          flush();
          return parts;
        }
        flush();
        parts.push(this.directive(word, mode));
        continue;
      }
      if (mode === "quoted" && c === "\\") {
        text += this.escape();
        continue;
      }
      text += c;
      this.pos++;
    }
  }

  private skipTemplateSpace(): void {
    while (/\s/.test(this.peek())) this.pos++;
  }

  /** Closes a directive tag: optional strip marker, then `}`. */
  private endTag(): void {
    const strip = this.accept("~");
    this.expect("}");
    if (strip) this.skipTemplateSpace();
  }

  /** Reads the next directive tag `%{ word }`, which must be one of `words`. */
  private tag(words: string[]): string {
    this.expect("%{");
    this.accept("~");
    const word = this.identifier();
    if (!words.includes(word)) this.fail(`expected %{ ${words.join(" or ")} }`);
    this.endTag();
    return word;
  }

  private directive(word: string, mode: "raw" | "quoted"): TemplatePart {
    if (word === "if") {
      const condition = this.expression();
      this.endTag();
      const then = this.templateParts(mode, ["else", "endif"]);
      let otherwise: TemplatePart[] = [];
      if (this.tag(["else", "endif"]) === "else") {
        otherwise = this.templateParts(mode, ["endif"]);
        this.tag(["endif"]);
      }
      return { type: "if", condition, then, else: otherwise };
    }
    if (word === "for") {
      const { keyVar, valueVar, collection } = this.forHead();
      this.endTag();
      const body = this.templateParts(mode, ["endfor"]);
      this.tag(["endfor"]);
      return { type: "for", ...(keyVar !== undefined ? { keyVar } : {}), valueVar, collection, body };
    }
    this.fail(`unknown template directive %{ ${word} }`);
  }

  private escape(): string {
    const next = this.peek(1);
    this.pos += 2;
    switch (next) {
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "u":
      case "U": {
        const length = next === "u" ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + length);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== length) this.fail("malformed unicode escape");
        this.pos += length;
        return String.fromCodePoint(parseInt(hex, 16));
      }
      default:
        this.fail(`unknown escape \\${next}`);
    }
  }
}

/** Appends a static step to a traversal, or wraps any other expression. */
function withStep(expr: Expr, step: Step): Expr {
  if (expr.type === "traversal") return { type: "traversal", root: expr.root, steps: [...expr.steps, step] };
  return { type: "step", target: expr, step };
}
