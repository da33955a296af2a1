import { evaluate, Scope } from "../../src/terraform/evaluate";
import { parseExpression } from "../../src/terraform/hcl/syntax";
import { describeValue, fromJson, Failure, Ref, Unknown, Value } from "../../src/terraform/values";

/**
 * The evaluator: exact where values are known, and where they are not, a Ref that keeps the
 * instance it points at, or an Unknown that keeps what it may be and why.
 */

/** A scope of variables given as JSON, and resources whose `id` is known only after apply. */
function scope(vars: Record<string, unknown>, resources: Record<string, string[] | "single"> = {}): Scope {
  return {
    reference(root, steps) {
      const name = steps[0]?.type === "attr" ? steps[0].name : undefined;
      if (root === "var" && name !== undefined) return { value: name in vars ? fromJson(vars[name]) : new Failure(`no var.${name}`), used: 1 };
      const instances = name !== undefined ? resources[`${root}.${name}`] : undefined;
      if (instances === undefined) return undefined;
      const object = (address: string): Value => new Map([["id", new Ref(address, ["id"])]]);
      if (instances === "single") return { value: object(`${root}.${name}`), used: 1 };
      return { value: instances.map((key) => object(`${root}.${name}[${key}]`)), used: 1 };
    },
  };
}

const run = (text: string, vars: Record<string, unknown> = {}, resources: Record<string, string[] | "single"> = {}) => evaluate(parseExpression(text), scope(vars, resources));
const show = (v: Value) => describeValue(v);

describe("known values are computed exactly", () => {
  test.each([
    ["1 + 2 * 3", 7],
    ['"${var.a}-${var.b}"', "x-y"],
    ["var.n > 2 ? \"big\" : \"small\"", "small"],
    ["length(var.list)", 3],
    ['join(",", var.list)', "a,b,c"],
    ['lookup(var.map, "k", "default")', "v"],
    ['lookup(var.map, "missing", "default")', "default"],
    ["element(var.list, 4)", "b"],
    ['cidrsubnet("10.0.0.0/16", 8, 3)', "10.0.3.0/24"],
    ['cidrhost("10.0.1.0/24", 5)', "10.0.1.5"],
    ['cidrsubnet("2001:db8::/56", 8, 1)', "2001:db8:0:1::/64"],
    ['format("%s-%03d", "web", 7)', "web-007"],
    ['coalesce("", null, "x")', "x"],
    ["one([])", null],
    ['try(var.map.missing, "fallback")', "fallback"],
    ["can(var.map.missing)", false],
  ])("%s", (text, expected) => {
    expect(run(text, { a: "x", b: "y", n: 1, list: ["a", "b", "c"], map: { k: "v" } })).toEqual(expected);
  });

  test("for expressions build lists and maps, with conditions and grouping", () => {
    const vars = { services: [{ name: "web", port: 443 }, { name: "db", port: 5432 }, { name: "web", port: 80 }] };
    expect(run("[for s in var.services : s.port if s.port > 100]", vars)).toEqual([443, 5432]);
    expect(run("{ for s in var.services : s.name => s.port... }", vars)).toEqual(new Map([["web", [443, 80]], ["db", [5432]]]));
  });

  test("a missing attribute is an error that try() catches and a plain reference reports", () => {
    expect(run("var.map.missing", { map: {} })).toBeInstanceOf(Failure);
  });
});

describe("values known only after apply keep their identity", () => {
  const resources = { "aws_security_group.this": ["0"], "aws_security_group.this_name_prefix": [], "aws_security_group.web": "single" as const };

  test("the create toggle of count selects the one group that exists", () => {
    const v = run('var.create ? concat(aws_security_group.this.*.id, aws_security_group.this_name_prefix.*.id, [""])[0] : var.security_group_id', { create: true, security_group_id: null }, resources);
    expect(v).toEqual(new Ref("aws_security_group.this[0]", ["id"]));
  });

  test("a condition that is not known may be either branch, and says so", () => {
    const v = run("aws_security_group.web.id == null ? var.fallback : aws_security_group.web.id", { fallback: "sg-0123" }, resources);
    // An id known only after apply is never null, which Terraform knows too.
    expect(v).toEqual(new Ref("aws_security_group.web", ["id"]));
    const either = run("var.flag ? aws_security_group.web.id : var.fallback", { fallback: "sg-0123", flag: null }, resources);
    expect(either).toBeInstanceOf(Failure);
  });

  test("an unknown index may select any element: candidates, never the first one", () => {
    const v = run("[aws_security_group.web.id, var.other][var.i]", { other: "sg-9", i: "not-a-number" }, resources);
    expect(v).toBeInstanceOf(Failure);
    const u = run("[aws_security_group.web.id, var.other][length(aws_security_group.web.id)]", { other: "sg-9" }, resources);
    expect(u).toBeInstanceOf(Unknown);
    expect((u as Unknown).candidates).toEqual([new Ref("aws_security_group.web", ["id"]), "sg-9"]);
  });

  test("a string built from a value known only after apply may be anything, and names what it waits for", () => {
    const v = run('"${aws_security_group.web.id}/32"', {}, resources);
    expect(v).toBeInstanceOf(Unknown);
    expect((v as Unknown).candidates).toBeUndefined();
    expect((v as Unknown).reasons).toEqual(["aws_security_group.web.id is known only after apply"]);
  });

  test("lists keep unknown elements in place", () => {
    expect(show(run('concat([aws_security_group.web.id], ["sg-1"])', {}, resources))).toBe('[aws_security_group.web.id, "sg-1"]');
    expect(show(run('lookup({ a = aws_security_group.web.id }, "a")', {}, resources))).toBe("aws_security_group.web.id");
  });

  test("a function sgc does not know gives a value that may be anything, naming the function", () => {
    const v = run("base64sha256(var.a)", { a: "x" });
    expect(v).toBeInstanceOf(Unknown);
    expect((v as Unknown).reasons[0]).toMatch(/does not evaluate the function base64sha256/);
  });
});
