import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "fs";
import { EventEmitter } from "events";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { exitWhenUnanswered } from "../../src/cli/main";
import { LIMITS } from "../../src/validate/limits";
import { sgc } from "../support/cli";

/**
 * Hostile configurations: huge or deeply nested files, modules that call themselves, trees of
 * calls that grow exponentially, broken links. Each gets a bounded answer and a located error
 * (exit 2), or a resource reported unreadable (exit 1), never a crash, a hang or a silent pass.
 */

/** A configuration folder from files by relative path; returns its root `main.tf.json`. */
function configuration(files: Record<string, string>, root: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "sgc-hostile-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(root));
  return join(dir, "main.tf.json");
}

const GROUP = 'resource "aws_security_group" "g" {\n  name        = "g"\n  description = "g"\n}\n';

describe("what hcl2json is never given", () => {
  test("a .tf file over the size limit is refused before parsing, at the file", async () => {
    const big = `locals {\n${" x = 1\n".repeat(LIMITS.hclBytes / 7 + 1)}}\n`;
    const file = configuration({ "m/main.tf": big }, { module: { m: { source: "./m" } } });
    const r = await sgc("check", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/m\/main\.tf:1:1: error too-large is 2 MiB; sgc reads \.tf files of at most 2 MiB/);
  });

  test("HCL nested deeper than the limit is refused where it gets too deep", async () => {
    const deep = `locals {\n  x = ${"[".repeat(5000)}${"]".repeat(5000)}\n}\n`;
    const file = configuration({ "m/main.tf": deep }, { module: { m: { source: "./m" } } });
    const r = await sgc("check", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`m/main.tf:2:${7 + LIMITS.terraformNesting - 1}: error too-deep the HCL nests more than ${LIMITS.terraformNesting} levels deep`);
  });

  test("so is a module's .tf.json nested too deep", async () => {
    const file = configuration({ "m/main.tf.json": `{"locals": {"x": ${"[".repeat(5000)}${"]".repeat(5000)}}}` }, { module: { m: { source: "./m" } } });
    const r = await sgc("check", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/m\/main\.tf\.json:1:\d+: error too-deep the JSON nests more than 128 levels deep/);
  });

  test("a command whose parser stopped without an answer exits 2 with an internal error, not 0 in silence", async () => {
    const proc = Object.assign(new EventEmitter(), { stderr: { text: "", write: (t: string) => (proc.stderr.text += t) }, code: undefined as number | undefined, exit: (c: number) => (proc.code = c) });
    exitWhenUnanswered(new Promise(() => undefined), proc);
    proc.emit("beforeExit");
    expect(proc.code).toBe(2);
    expect(proc.stderr.text).toMatch(/^sgc: internal error: .*stopped without an answer/);

    const answered = Object.assign(new EventEmitter(), { stderr: { write: () => undefined }, code: undefined as number | undefined, exit: (c: number) => (answered.code = c) });
    const done = Promise.resolve();
    exitWhenUnanswered(done, answered);
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    answered.emit("beforeExit");
    expect(answered.code).toBeUndefined();
  });
});

describe("module trees are bounded", () => {
  test("a module that calls its own folder is a located problem, not an endless expansion", async () => {
    const file = configuration({ "m/main.tf": `${GROUP}module "again" {\n  source = "./"\n}\nmodule "twice" {\n  source = "./"\n}\n` }, { module: { m: { source: "./m" } } });
    const r = await sgc("check", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/m\/main\.tf:5:1: error module-cycle module "again" calls itself \(.*\/m -> .*\/m\)/);
    expect(r.err).toMatch(/m\/main\.tf:8:1: error module-cycle module "twice" calls itself/);
  });

  test("a cycle through two folders is found too", async () => {
    const file = configuration({ "a/main.tf": 'module "b" { source = "../b" }\n', "b/main.tf": 'module "a" { source = "../a" }\n' }, { module: { a: { source: "./a" } } });
    const r = await sgc("check", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/b\/main\.tf:1:1: error module-cycle module "a" calls itself \(.*\/a -> .*\/b -> .*\/a\)/);
  });

  test("a tree of calls that doubles at each level stops at the limit, with a located problem", async () => {
    const files: Record<string, string> = {};
    for (let level = 0; level < 14; level++) files[`l${level}/main.tf`] = level < 13 ? `${GROUP}module "x" { source = "../l${level + 1}" }\nmodule "y" { source = "../l${level + 1}" }\n` : GROUP;
    const r = await sgc("check", configuration(files, { module: { top: { source: "./l0" } } }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`l\\d+/main\\.tf:\\d+:1: error too-many-modules the configuration calls more than ${LIMITS.moduleCalls} modules`));
    expect(r.err.match(/too-many-modules/g)).toHaveLength(1);
  });

  test("a module called twice whose HCL does not parse is reported once", async () => {
    const file = configuration({ "m/main.tf": 'resource "aws_security_group" "x" {\n  name = \n}\n' }, { module: { a: { source: "./m" }, b: { source: "./m" } } });
    const r = await sgc("check", file);
    expect(r.code).toBe(2);
    expect(r.err.match(/m\/main\.tf:2:\d+: error terraform-config/g)).toHaveLength(1);
    expect(r.err).toContain("1 error");
  });
});

describe("files and folders that are not what they seem", () => {
  test("a broken symbolic link among a module's files is a located problem, not a crash or a silent skip", async () => {
    const file = configuration({ "m/main.tf": GROUP }, { module: { m: { source: "./m" } } });
    symlinkSync(join(dirname(file), "nowhere.tf"), join(dirname(file), "m", "rules.tf"));
    const r = await sgc("check", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/m\/rules\.tf:1:1: error unreadable-file is a symbolic link to ".*nowhere\.tf", which does not exist/);
  });

  describe("--config that cannot be the configuration's folder is a usage error", () => {
    const dir = mkdtempSync(join(tmpdir(), "sgc-hostile-"));
    const plan = join(dir, "plan.json");
    writeFileSync(plan, JSON.stringify({ format_version: "1.2", planned_values: { root_module: {} }, configuration: { root_module: {} } }));
    mkdirSync(join(dir, "empty"));
    test.each([
      ["a path that does not exist", join(dir, "missing"), "--config names no folder"],
      ["a file", plan, "--config names a file"],
      ["a folder without configuration files", join(dir, "empty"), "--config names a folder without .tf or .tf.json files"],
    ])("%s", async (_name, config, message) => {
      for (const command of [["flows", plan], ["check", plan], ["graph", plan], ["diff", "--plan", plan]]) {
        const r = await sgc(...command, "--config", config);
        expect(r.code).toBe(2);
        expect(r.err).toContain(`${config}: error config-dir ${message}`);
        expect(r.out).toBe("");
      }
    });
  });
});

describe("count and for_each are expanded within limits", () => {
  const rule = { security_group_id: "${aws_security_group.g[0].id}", cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 22, to_port: 22, description: "SSH" };

  test.each([
    ["a count of a billion", 1e9, "aws_security_group.g has 1,000,000,000 instances; sgc expands at most 100,000 (too many instances)"],
    ["a negative count", -1, "aws_security_group.g cannot be expanded: the count of aws_security_group.g is -1, not a whole number of instances"],
    ["a fractional count", 1.5, "aws_security_group.g cannot be expanded: the count of aws_security_group.g is 1.5, not a whole number of instances"],
    ["a count past any number", "${1e400}", "aws_security_group.g cannot be expanded: the count of aws_security_group.g is Infinity, not a whole number of instances"],
  ])("%s leaves the resource unexpanded and unreadable", async (_name, count, reason) => {
    const file = configuration({}, { resource: { aws_security_group: { g: { count, name: "g", description: "g" } }, aws_vpc_security_group_ingress_rule: { ssh: rule } } });
    const r = await sgc("flows", file, "--format", "json");
    expect(r.code).toBe(1);
    const unreadable = JSON.parse(r.out).unreadable as { resource: string; reason: string }[];
    expect(unreadable).toEqual([
      { resource: "aws_security_group.g", attribute: null, reason },
      { resource: "aws_vpc_security_group_ingress_rule.ssh", attribute: "security_group_id", reason: `the group it belongs to is not known: ${reason}` },
    ]);
  });

  test("a for_each that is an error says which", async () => {
    const file = configuration({}, { resource: { aws_security_group: { g: { for_each: '${{ for i in range(3) : "k" => i }}', name: "g", description: "g" } } } });
    const r = await sgc("flows", file, "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).unreadable).toEqual([{ resource: "aws_security_group.g", attribute: null, reason: 'aws_security_group.g cannot be expanded: duplicate key "k" in a for expression' }]);
  });

  test("a module call with too many instances, by count or for_each, is unreadable", async () => {
    const file = configuration({ "m/main.tf": GROUP }, { module: { many: { source: "./m", count: 200000 }, keyed: { source: "./m", for_each: "${toset([for i in range(3) : tostring(i)])}" } } });
    const r = await sgc("flows", file, "--format", "json");
    expect(r.code).toBe(1);
    const unreadable = JSON.parse(r.out).unreadable as { resource: string; reason: string }[];
    expect(unreadable).toEqual([{ resource: "module.many", attribute: null, reason: "its instances are not known: module.many has 200,000 instances; sgc expands at most 100,000 (too many instances)" }]);
  });

  test("past the limit for all of a configuration, what is left is unexpanded and unreadable", async () => {
    const saved = LIMITS.instances;
    LIMITS.instances = 250;
    try {
      const file = configuration({ "m/main.tf.json": JSON.stringify({ resource: { aws_security_group: { g: { count: 100, name: "g", description: "g" } } } }) }, { module: { m: { source: "./m", count: 3 } }, resource: { aws_security_group: { last: { name: "last", description: "last" } } } });
      const r = await sgc("flows", file, "--format", "json");
      expect(r.code).toBe(1);
      const unreadable = (JSON.parse(r.out).unreadable as { resource: string; reason: string }[]).map((u) => `${u.resource}: ${u.reason}`);
      expect(unreadable).toEqual([
        "module.m[2].aws_security_group.g: module.m[2].aws_security_group.g would take the configuration past 250 resource instances, more than sgc expands (too many instances)",
      ]);
    } finally {
      LIMITS.instances = saved;
    }
  });
});

describe("values that grow exponentially stay bounded", () => {
  /** Forty locals, each twice the one before, and a rule whose attribute reads the last. */
  const doubling = (first: unknown, step: (previous: string) => string, attribute: string, value: string) => {
    const locals: Record<string, unknown> = { x0: first };
    for (let i = 1; i <= 40; i++) locals[`x${i}`] = `\${${step(`local.x${i - 1}`)}}`;
    const rule: Record<string, unknown> = { security_group_id: "${aws_security_group.g.id}", cidr_ipv4: "10.0.0.0/8", ip_protocol: "tcp", from_port: 22, to_port: 22, description: "SSH", [attribute]: value };
    return configuration({}, { locals, resource: { aws_security_group: { g: { name: "g", description: "g" } }, aws_vpc_security_group_ingress_rule: { r: rule } } });
  };
  const TOO_LARGE = "gives a value of more than 1,000,000 characters or elements, more than sgc computes";

  test.each([
    ["a list through concat", ["10.0.0.0/8"], (x: string) => `concat(${x}, ${x})`, "cidr_ipv4", "${local.x40[0]}", `concat() ${TOO_LARGE}`],
    ["nested lists through flatten", ["10.0.0.0/8"], (x: string) => `[${x}, ${x}]`, "cidr_ipv4", "${flatten(local.x40)[0]}", `flatten() ${TOO_LARGE}`],
    ["nested lists through jsonencode", ["10.0.0.0/8"], (x: string) => `[${x}, ${x}]`, "cidr_ipv4", "${jsonencode(local.x40)}", `jsonencode() ${TOO_LARGE}`],
    ["a string through a template", "10.", (x: string) => `"\${${x}}\${${x}}"`, "cidr_ipv4", "${local.x40}", `a string template ${TOO_LARGE}`],
    ["a string through format", "10.", (x: string) => `format("%s%s", ${x}, ${x})`, "cidr_ipv4", "${local.x40}", `format() ${TOO_LARGE}`],
  ])("%s is unknown past the limit, and the rule unreadable", async (_name, first, step, attribute, value, reason) => {
    const r = await sgc("flows", doubling(first, step, attribute, value), "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).unreadable).toEqual([{ resource: "aws_vpc_security_group_ingress_rule.r", attribute, reason: `a CIDR is not known: ${reason}` }]);
  });

  test("a huge shared value is described in a few hundred characters, and compared and searched at once", async () => {
    const r = await sgc("flows", doubling(["10.0.0.0/8"], (x) => `[${x}, ${x}]`, "cidr_ipv4", "${contains([local.x39], local.x40) ? local.x40 : local.x40}"), "--format", "json");
    expect(r.code).toBe(1);
    const [unreadable] = JSON.parse(r.out).unreadable as { reason: string }[];
    expect(unreadable.reason).toMatch(/^a CIDR is \[\[\[.*…/);
    expect(unreadable.reason.length).toBeLessThan(700);
  });

  test("a huge value with something unknown deep inside says why, once", async () => {
    const r = await sgc("flows", doubling(["${aws_security_group.g.id}"], (x) => `[${x}, ${x}]`, "cidr_ipv4", "${local.x40}"), "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).unreadable).toEqual([{ resource: "aws_vpc_security_group_ingress_rule.r", attribute: "cidr_ipv4", reason: "a CIDR is not known: aws_security_group.g.id is known only after apply" }]);
  });
});
