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

  describe("numbers become text and text numbers as Terraform converts them", () => {
    test.each([
      ['cidrsubnet("10.0.0.0/16", "8", "3")', "10.0.3.0/24"],
      ['cidrhost("10.0.1.0/24", "5")', "10.0.1.5"],
      ['cidrsubnets("10.0.0.0/16", "8", 4)', ["10.0.0.0/24", "10.0.16.0/20"]],
      ['"n=${0.1 + 0.2}"', "n=0.3"],
      ['"n=${1000000 * 1000000 * 1000000 * 1000}"', "n=1000000000000000000000"],
      ['"n=${1 / 3}"', "n=0.333333333333333"],
      ['"n=${3 / 2}"', "n=1.5"],
      ["tostring(0.0000001)", "0.0000001"],
      ['format("%.2f", 3.14159)', "3.14"],
      ['format("%6.1f|%-4d|%04d", 2.26, 7, -7)', "   2.3|7   |-007"],
      ['format("%e %g %g %g", 123456, 1234567, 123456, 0.00001)', "1.234560e+05 1.234567e+06 123456 1e-05"],
      ['format("%.3g %.3s %t %x %#o", 3.14159, "hello", true, 255, 8)', "3.14 hel true ff 010"],
      ['format("%v %v %v %#v", "a", 1.5, [1, "b"], "c")', 'a 1.5 [1,"b"] "c"'],
      ['format("%d", "42")', "42"],
      ['format("100%%")', "100%"],
    ])("%s", (text, expected) => {
      expect(run(text)).toEqual(expected);
    });

    test.each([
      ['cidrsubnet("10.0.0.0/16", 8, 1.5)'],
      ['cidrsubnet("10.0.0.0/30", -2, 0)'],
      ['cidrsubnets("10.0.0.0/30", 8)'],
      ['cidrsubnets("10.0.0.0/24", 1, 1, 1)'],
      ['cidrhost("10.0.0.0/24", "1e400")'],
      ['format("%d", 1.5)'],
      ['format("%s %s", "a")'],
      ['format("%s", "a", "b")'],
      ['format("%s", null)'],
      ['format("%z", 1)'],
    ])("%s is an error, as in Terraform, never a crash", (text) => {
      expect(run(text)).toBeInstanceOf(Failure);
    });
  });

  test("for expressions build lists and maps, with conditions and grouping", () => {
    const vars = { services: [{ name: "web", port: 443 }, { name: "db", port: 5432 }, { name: "web", port: 80 }] };
    expect(run("[for s in var.services : s.port if s.port > 100]", vars)).toEqual([443, 5432]);
    expect(run("{ for s in var.services : s.name => s.port... }", vars)).toEqual(new Map([["web", [443, 80]], ["db", [5432]]]));
  });

  test("replace() with a regular expression that backtracks exponentially in JavaScript is unknown, not a hang", () => {
    expect(run('replace("${join("", [for i in range(40) : "a"])}!", "/(a+)+$/", "x")')).toBeInstanceOf(Unknown);
    expect(run('replace("web-01", "/[0-9]+$/", "x")')).toBe("web-x");
  });

  test("a set is iterated with each element as its key, as Terraform does; a list by index", () => {
    expect(run('[for k, v in toset(["b", "a", "b"]) : "${k}=${v}"]')).toEqual(["a=a", "b=b"]);
    expect(run("[for k, v in toset([8081, 8080]) : k]")).toEqual([8080, 8081]);
    expect(run('[for k, v in tolist(toset(["b", "a"])) : k]')).toEqual([0, 1]);
    expect(run('[for k, v in ["b", "a"] : k]')).toEqual([0, 1]);
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
