import { Expr, formatTraversal, parseExpression, parseTemplateString } from "../../../src/terraform/hcl/syntax";

/** The HCL expression parser, on the shapes Terraform configurations use. */

/** A compact, readable spelling of a syntax tree, so expectations stay short. */
function show(e: Expr): string {
  switch (e.type) {
    case "literal":
      return JSON.stringify(e.value);
    case "constant":
      return `const(${JSON.stringify(e.value)})`;
    case "template":
      return `tpl(${e.parts.map((p) => (p.type === "text" ? JSON.stringify(p.text) : p.type === "interpolation" ? `\${${show(p.expr)}}` : p.type)).join(" ")})`;
    case "tuple":
      return `[${e.items.map(show).join(", ")}]`;
    case "object":
      return `{${e.items.map((i) => `${show(i.key)}=${show(i.value)}`).join(", ")}}`;
    case "traversal":
      return e.steps.length === 0 ? e.root : formatTraversal(e.root, e.steps).replace(/\[\.\.\.\]/g, () => "[?]");
    case "step":
      return `(${show(e.target)})${e.step.type === "attr" ? `.${e.step.name}` : `[${show(e.step.key)}]`}`;
    case "splat":
      return `splat(${show(e.target)}: ${e.steps.map((s) => (s.type === "attr" ? `.${s.name}` : `[${show(s.key)}]`)).join("")})`;
    case "call":
      return `${e.name}(${e.args.map(show).join(", ")}${e.expandFinal ? "..." : ""})`;
    case "unary":
      return `${e.op}(${show(e.operand)})`;
    case "binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "conditional":
      return `(${show(e.condition)} ? ${show(e.then)} : ${show(e.else)})`;
    case "for":
      return `for(${e.keyVar ? `${e.keyVar},` : ""}${e.valueVar} in ${show(e.collection)}: ${e.key ? `${show(e.key)} => ` : ""}${show(e.value)}${e.grouped ? "..." : ""}${e.condition ? ` if ${show(e.condition)}` : ""})${e.object ? "{}" : "[]"}`;
    case "references":
      return `refs(${e.references.join(", ")})`;
    case "invalid":
      return `invalid(${e.message})`;
    case "blocks":
      return "blocks";
  }
}

describe("expressions", () => {
  test.each([
    ["var.create", "var.create"],
    ['aws_security_group.this["db"].id', 'aws_security_group.this["db"].id'],
    ["aws_security_group.svc[each.value.sg].id", "aws_security_group.svc[?].id"],
    ["aws_security_group.this[0].id", "aws_security_group.this[0].id"],
    ["aws_security_group.this.0.id", "aws_security_group.this[0].id"],
    ["aws_security_group.this.*.id", "splat(aws_security_group.this: .id)"],
    ["aws_security_group.this[*].id", "splat(aws_security_group.this: .id)"],
    ["module.net[1].sg_id", "module.net[1].sg_id"],
    ["my-resource.with-dashes.id", "my-resource.with-dashes.id"],
    ["aws_security_group.wëb-ñ1.id", "aws_security_group.wëb-ñ1.id"],
    ["local.数据库_sg", "local.数据库_sg"],
    ["{ for 𝒳 in local.ŝ : 𝒳 => 1 }", "for(𝒳 in local.ŝ: 𝒳 => 1){}"],
    ["_x.y", "_x.y"],
    ["a - b", "(a - b)"],
    ["1 + 2 * 3", "(1 + (2 * 3))"],
    ["!var.a && (var.b || 1 >= 2)", '(!(var.a) && (var.b || (1 >= 2)))'],
    ["-1", "-1"],
    ["x == null ? [] : [x]", "((x == null) ? [] : [x])"],
    ['var.create ? concat(aws_security_group.this.*.id, aws_security_group.this_name_prefix.*.id, [""])[0] : var.security_group_id', '(var.create ? (concat(splat(aws_security_group.this: .id), splat(aws_security_group.this_name_prefix: .id), [""]))[0] : var.security_group_id)'],
    ['lookup(var.rules[count.index], "from_port", 0)', 'lookup(var.rules[?], "from_port", 0)'],
    ["{ for k, v in var.m : k => v.id if v.on }", "for(k,v in var.m: k => v.id if v.on){}"],
    ["[for s in var.services : { name = s.name, port = s.port * 2 }]", 'for(s in var.services: {"name"=s.name, "port"=(s.port * 2)})[]'],
    ["{ for r in var.rules : r.group => r... }", "for(r in var.rules: r.group => r...){}"],
    ['{ "quoted key" = 1, (var.k) = 2, plain: 3 }', '{"quoted key"=1, var.k=2, "plain"=3}'],
    ["{\n  a = 1\n  b = 2\n}", '{"a"=1, "b"=2}'],
    ["merge(var.a, var.b...)", "merge(var.a, var.b...)"],
    ['"${var.prefix}-sg"', 'tpl(${var.prefix} "-sg")'],
    ['"${aws_eip.nat.public_ip}/32"', 'tpl(${aws_eip.nat.public_ip} "/32")'],
    ['"a\\"b\\n"', '"a\\"b\\n"'],
    ['"$${literal}"', '"${literal}"'],
    ["provider::aws::arn_parse(x)", "provider::aws::arn_parse(x)"],
    ["x # a comment\n", "x"],
    ["<<EOT\nhello ${name}\nEOT\n", 'tpl("hello " ${name} "\\n")'],
    ["<<-EOT\n    indented\n    EOT\n", '"indented\\n"'],
  ])("%s", (text, expected) => {
    expect(show(parseExpression(text))).toBe(expected);
  });

  test.each([["a +"], ["(a"], ['"open'], ["a ? b"], ["[for x in y]"], ["%%%"]])("%s does not parse, and says where", (text) => {
    const e = parseExpression(text);
    expect(e.type).toBe("invalid");
  });

  test("deep nesting is refused, not a stack overflow", () => {
    expect(parseExpression("(".repeat(5000) + "1" + ")".repeat(5000)).type).toBe("invalid");
  });
});

describe("JSON-syntax strings are templates", () => {
  test.each([
    ["plain text", '"plain text"'],
    ["${aws_security_group.web.id}", "aws_security_group.web.id"],
    ["${var.x}${var.y}", "tpl(${var.x} ${var.y})"],
    ["$${not an expression}", '"${not an expression}"'],
    ["%{ if var.on }yes%{ else }no%{ endif }", "tpl(if)"],
    ["%{ for s in var.list }${s},%{ endfor }", "tpl(for)"],
    ["${ aws_vpc.main.cidr_block }", "aws_vpc.main.cidr_block"],
    ["${aws_security_group.wëb.id}", "aws_security_group.wëb.id"],
  ])("%s", (text, expected) => {
    expect(show(parseTemplateString(text))).toBe(expected);
  });

  test("a broken interpolation is an invalid expression, not an exception", () => {
    expect(parseTemplateString("${var.").type).toBe("invalid");
  });
});
