import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { sgc } from "../support/cli";

/**
 * Terraform's own semantics where a shortcut would make sgc see less access than there is:
 * the workspace, set types, type conversion of module inputs, a configuration folder read
 * whole with its variable files and overrides, ranges a VPC may use, rule resources a plan
 * destroys, and configuration files that are not the ones a plan was made from. Without
 * Terraform: each case is a folder of JSON syntax (or a hand-written plan) read in process.
 */

const root = mkdtempSync(join(tmpdir(), "sgc-tf-semantics-"));
let n = 0;
/** A fresh folder with the given files (objects are written as JSON). */
const folder = (files: Record<string, unknown>): string => {
  const dir = join(root, `case-${n++}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
  return dir;
};

type FlowsJson = { flows: { from: string; to: string; protocol: string; fromPort?: number; toPort?: number }[]; complete: boolean; unreadable: { resource: string; attribute?: string; reason: string }[] };
const flowsOf = async (file: string, ...args: string[]) => {
  const r = await sgc("flows", file, "--format", "json", ...args);
  return { code: r.code, err: r.err, ...(r.out ? (JSON.parse(r.out) as FlowsJson) : { flows: [], complete: false, unreadable: [] }) };
};
const edges = (flows: FlowsJson["flows"]) => flows.map((f) => `${f.from} -> ${f.to} ${f.protocol}${f.fromPort !== undefined ? `/${f.fromPort}-${f.toPort}` : ""}`).sort();

const VPC = "vpc-0a1b2c3d4e5f67890";
const group = (name: string) => ({ name, description: `${name} hosts`, vpc_id: VPC });
const ingressRule = (target: string, cidr: string, port: number, extra: Record<string, unknown> = {}) => ({
  security_group_id: `\${aws_security_group.${target}.id}`,
  cidr_ipv4: cidr,
  ip_protocol: "tcp",
  from_port: port,
  to_port: port,
  description: `tcp/${port}`,
  ...extra,
});

describe("the workspace is chosen when Terraform runs", () => {
  test("a rule that exists only in some workspace is not read as absent: unreadable, exit 1", async () => {
    const dir = folder({
      "main.tf.json": {
        resource: {
          aws_security_group: { bastion: group("bastion") },
          aws_vpc_security_group_ingress_rule: { ssh: ingressRule("bastion", "0.0.0.0/0", 22, { count: '${terraform.workspace == "default" ? 0 : 1}' }) },
        },
      },
    });
    const r = await flowsOf(join(dir, "main.tf.json"));
    expect(r.code).toBe(1);
    expect(r.complete).toBe(false);
    expect(r.unreadable.map((u) => u.resource)).toEqual(["aws_vpc_security_group_ingress_rule.ssh"]);
    expect(r.unreadable[0].reason).toMatch(/terraform\.workspace is chosen when Terraform runs/);
  });
});

describe("a module's inputs are converted to their declared types, as Terraform converts them", () => {
  const call = (args: Record<string, unknown>, variable: Record<string, unknown>, rule: Record<string, unknown>) =>
    folder({
      "main.tf.json": {
        resource: { aws_security_group: { bastion: group("bastion"), db: group("db") } },
        module: { rules: { source: "./rules", ...args } },
      },
      "rules/main.tf.json": { variable: { x: variable }, resource: { aws_vpc_security_group_ingress_rule: { r: rule } } },
    });

  test("set(string): its order is not the caller's, so an index into it is not pinned on one group", async () => {
    const dir = call(
      { x: ["${aws_security_group.db.id}", "${aws_security_group.bastion.id}"] },
      { type: "set(string)" },
      { security_group_id: "${tolist(var.x)[0]}", cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 22, to_port: 22 },
    );
    const r = await flowsOf(join(dir, "main.tf.json"));
    expect(r.code).toBe(1);
    expect(r.flows).toEqual([]);
    expect(r.unreadable).toHaveLength(1);
    expect(r.unreadable[0]).toMatchObject({ resource: "module.rules.aws_vpc_security_group_ingress_rule.r" });
    expect(r.unreadable[0].reason).toMatch(/aws_security_group\.bastion\.id/);
    expect(r.unreadable[0].reason).toMatch(/aws_security_group\.db\.id/);
  });

  test("set(string) of known strings: sorted and without duplicates, as Terraform orders it", async () => {
    const dir = folder({
      "main.tf.json": { resource: { aws_security_group: { db: group("db") } }, module: { rules: { source: "./rules", x: ["10.2.0.0/16", "10.1.0.0/16", "10.2.0.0/16"], sg: "${aws_security_group.db.id}" } } },
      "rules/main.tf.json": {
        variable: { x: { type: "set(string)" }, sg: { type: "string" } },
        resource: { aws_vpc_security_group_ingress_rule: { r: { security_group_id: "${var.sg}", cidr_ipv4: "${tolist(var.x)[0]}", ip_protocol: "tcp", from_port: 5432, to_port: 5432 } } },
      },
    });
    const main = join(dir, "main.tf.json");
    const r = await flowsOf(main);
    expect(r.code).toBe(0);
    expect(edges(r.flows)).toEqual(["cidr:10.1.0.0/16 -> service:aws_security_group.db tcp/5432-5432"]);
  });

  test("an object type drops attributes it does not declare: a rule that reads one is unreadable, not guessed", async () => {
    const dir = folder({
      "main.tf.json": { resource: { aws_security_group: { db: group("db") } }, module: { rules: { source: "./rules", x: { cidr: "10.0.0.0/8", extra: "0.0.0.0/0" }, sg: "${aws_security_group.db.id}" } } },
      "rules/main.tf.json": {
        variable: { x: { type: "object({cidr = string})" }, sg: { type: "string" } },
        resource: { aws_vpc_security_group_ingress_rule: { r: { security_group_id: "${var.sg}", cidr_ipv4: "${var.x.extra}", ip_protocol: "tcp", from_port: 22, to_port: 22 } } },
      },
    });
    const r = await flowsOf(join(dir, "main.tf.json"));
    expect(r.code).toBe(1);
    expect(r.flows).toEqual([]);
    expect(r.unreadable.map((u) => u.resource)).toEqual(["module.rules.aws_vpc_security_group_ingress_rule.r"]);
  });

  test("nullable = false: a null argument takes the variable's default", async () => {
    const dir = folder({
      "main.tf.json": { resource: { aws_security_group: { db: group("db") } }, module: { rules: { source: "./rules", cidr: null, sg: "${aws_security_group.db.id}" } } },
      "rules/main.tf.json": {
        variable: { cidr: { type: "string", default: "10.9.0.0/16", nullable: false }, sg: { type: "string" } },
        resource: { aws_vpc_security_group_ingress_rule: { r: { security_group_id: "${var.sg}", cidr_ipv4: "${var.cidr}", ip_protocol: "tcp", from_port: 5432, to_port: 5432 } } },
      },
    });
    const r = await flowsOf(join(dir, "main.tf.json"));
    expect(r.code).toBe(0);
    expect(edges(r.flows)).toEqual(["cidr:10.9.0.0/16 -> service:aws_security_group.db tcp/5432-5432"]);
  });
});

describe("a configuration is its whole folder, as Terraform reads it", () => {
  const config = {
    variable: { admin_cidr: { type: "string" }, web_port: { type: "number", default: 80 } },
    resource: {
      aws_security_group: { bastion: group("bastion"), web: group("web") },
      aws_vpc_security_group_ingress_rule: {
        ssh: ingressRule("bastion", "${var.admin_cidr}", 22),
        web: { ...ingressRule("web", "0.0.0.0/0", 0), from_port: "${var.web_port}", to_port: "${var.web_port}" },
      },
    },
  };

  test("terraform.tfvars and *.auto.tfvars(.json) give root variables their values, later files winning", async () => {
    const dir = folder({
      "main.tf.json": config,
      "terraform.tfvars": 'admin_cidr = "0.0.0.0/0"\nweb_port = 8080\n',
      "b.auto.tfvars.json": { web_port: 443 },
      "a.auto.tfvars": "web_port = 8443\n",
    });
    const r = await flowsOf(join(dir, "main.tf.json"));
    expect(r.code).toBe(0);
    expect(edges(r.flows)).toEqual(["internet:ipv4 -> service:aws_security_group.bastion tcp/22-22", "internet:ipv4 -> service:aws_security_group.web tcp/443-443"]);
  });

  test("TF_VAR_ in the environment gives a value too, below the variable files", async () => {
    const dir = folder({ "main.tf.json": config });
    process.env.TF_VAR_admin_cidr = "203.0.113.0/24";
    process.env.TF_VAR_web_port = "8080";
    try {
      const r = await flowsOf(join(dir, "main.tf.json"));
      expect(r.code).toBe(0);
      expect(edges(r.flows)).toEqual(["cidr:203.0.113.0/24 -> service:aws_security_group.bastion tcp/22-22", "internet:ipv4 -> service:aws_security_group.web tcp/8080-8080"]);
    } finally {
      delete process.env.TF_VAR_admin_cidr;
      delete process.env.TF_VAR_web_port;
    }
  });

  test("a variable with no value anywhere sgc can see stays unknown: the rule is unreadable", async () => {
    const dir = folder({ "main.tf.json": config });
    const r = await flowsOf(join(dir, "main.tf.json"));
    expect(r.code).toBe(1);
    expect(r.unreadable.map((u) => `${u.resource} ${u.attribute}`)).toEqual(["aws_vpc_security_group_ingress_rule.ssh cidr_ipv4"]);
  });

  test("another file of the folder, and an override file, are part of the configuration", async () => {
    const dir = folder({
      "main.tf.json": { resource: { aws_security_group: { db: group("db") }, aws_vpc_security_group_ingress_rule: { pg: ingressRule("db", "10.0.0.0/8", 5432) } } },
      "extra.tf.json": { resource: { aws_vpc_security_group_ingress_rule: { ssh: ingressRule("db", "0.0.0.0/0", 22) } } },
      "main_override.tf.json": { resource: { aws_vpc_security_group_ingress_rule: { pg: { cidr_ipv4: "0.0.0.0/0" } } } },
    });
    const r = await flowsOf(join(dir, "main.tf.json"));
    expect(r.code).toBe(0);
    expect(edges(r.flows)).toEqual(["internet:ipv4 -> service:aws_security_group.db tcp/22-22", "internet:ipv4 -> service:aws_security_group.db tcp/5432-5432"]);
  });

  test("a block type in an override replaces all the original's blocks of that type, dynamic ones included", async () => {
    const inline = (port: number, cidr: string) => ({ protocol: "tcp", from_port: port, to_port: port, cidr_blocks: [cidr], description: `tcp/${port}`, ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false });
    const dir = folder({
      "main.tf.json": {
        resource: {
          aws_security_group: {
            web: {
              ...group("web"),
              ingress: [inline(22, "0.0.0.0/0")],
              dynamic: { ingress: { for_each: "${[3389]}", content: { protocol: "tcp", from_port: "${ingress.value}", to_port: "${ingress.value}", cidr_blocks: ["0.0.0.0/0"] } } },
            },
          },
        },
      },
      "override.tf.json": { resource: { aws_security_group: { web: { dynamic: { ingress: { for_each: "${[443]}", content: { protocol: "tcp", from_port: "${ingress.value}", to_port: "${ingress.value}", cidr_blocks: ["0.0.0.0/0"] } } } } } } },
    });
    const r = await flowsOf(join(dir, "main.tf.json"));
    expect(r.code).toBe(0);
    expect(edges(r.flows)).toEqual(["internet:ipv4 -> service:aws_security_group.web tcp/443-443"]);
  });
});

test("egress to a public range reaches a group in a VPC whose ranges are not known: AWS lets a VPC use any range", async () => {
  const dir = folder({
    "main.tf.json": {
      resource: {
        aws_security_group: { app: group("app"), db: group("db") },
        aws_vpc_security_group_egress_rule: { out: { security_group_id: "${aws_security_group.app.id}", cidr_ipv4: "30.0.0.0/8", ip_protocol: "-1" } },
        aws_vpc_security_group_ingress_rule: { pg: { security_group_id: "${aws_security_group.db.id}", referenced_security_group_id: "${aws_security_group.app.id}", ip_protocol: "tcp", from_port: 5432, to_port: 5432 } },
      },
    },
  });
  const r = await flowsOf(join(dir, "main.tf.json"));
  expect(edges(r.flows)).toContain("service:aws_security_group.app -> service:aws_security_group.db tcp/5432-5432");
});

describe("a plan against its prior state", () => {
  // AWS lists the rules of every rule resource inline on its group too, and a plan keeps a
  // group's inline rules that the configuration does not set as they were: the mirror of a rule
  // resource the plan destroys is still there, and goes when the resource does.
  const mirror = { cidr_blocks: ["0.0.0.0/0"], description: "SSH", from_port: 22, ipv6_cidr_blocks: [], prefix_list_ids: [], protocol: "tcp", security_groups: [], self: false, to_port: 22 };
  const groupValues = { id: "sg-0123456789abcdef0", name: "db", description: "db hosts", vpc_id: VPC, ingress: [mirror], egress: [], tags: null, name_prefix: "", revoke_rules_on_delete: false, timeouts: null };
  const ruleValues = { id: "sgrule-1", type: "ingress", security_group_id: "sg-0123456789abcdef0", protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: null, prefix_list_ids: null, source_security_group_id: null, self: false, description: "SSH" };
  const groupResource = (values: unknown) => ({ address: "aws_security_group.db", mode: "managed", type: "aws_security_group", name: "db", provider_name: "registry.terraform.io/hashicorp/aws", schema_version: 1, values });
  const ruleResource = { address: "aws_security_group_rule.ssh", mode: "managed", type: "aws_security_group_rule", name: "ssh", provider_name: "registry.terraform.io/hashicorp/aws", schema_version: 2, values: ruleValues };
  const plan = {
    format_version: "1.2",
    terraform_version: "1.11.4",
    planned_values: { root_module: { resources: [groupResource(groupValues)] } },
    resource_changes: [
      { ...groupResource(undefined), change: { actions: ["no-op"], before: groupValues, after: groupValues, after_unknown: {} } },
      { address: "aws_security_group_rule.ssh", mode: "managed", type: "aws_security_group_rule", name: "ssh", change: { actions: ["delete"], before: ruleValues, after: null, after_unknown: {} } },
    ],
    prior_state: { format_version: "1.0", values: { root_module: { resources: [groupResource(groupValues), ruleResource] } } },
    configuration: { root_module: { resources: [{ address: "aws_security_group.db", mode: "managed", type: "aws_security_group", name: "db", expressions: { name: { constant_value: "db" }, description: { constant_value: "db hosts" }, vpc_id: { constant_value: VPC } } }] } },
  };

  test("the mirror of a destroyed rule resource is not access after apply: no flow, and diff --plan removes it", async () => {
    const file = join(folder({ "plan.json": plan }), "plan.json");
    const r = await flowsOf(file);
    expect(r.code).toBe(0);
    expect(r.flows).toEqual([]);
    const diff = await sgc("diff", "--plan", file, "--format", "json");
    expect(JSON.parse(diff.out).flows).toEqual({ added: [], removed: [{ from: "internet:ipv4", to: "service:aws_security_group.db", port: "tcp/22" }] });
  });

  test("a rule AWS holds that no resource manages stays: it is still access after apply", async () => {
    const withoutResource = { ...plan, resource_changes: [plan.resource_changes[0]], prior_state: { format_version: "1.0", values: { root_module: { resources: [groupResource(groupValues)] } } } };
    const file = join(folder({ "plan.json": withoutResource }), "plan.json");
    const r = await flowsOf(file);
    expect(edges(r.flows)).toEqual(["internet:ipv4 -> service:aws_security_group.db tcp/22-22"]);
  });
});

describe("configuration files beside a plan must be the ones it was made from", () => {
  const plan = (sourceRef: string) => ({
    format_version: "1.2",
    terraform_version: "1.11.4",
    planned_values: {
      root_module: {
        resources: [
          { address: "aws_security_group.a", mode: "managed", type: "aws_security_group", name: "a", values: { name: "a", description: "a hosts", vpc_id: VPC } },
          { address: "aws_security_group.b", mode: "managed", type: "aws_security_group", name: "b", values: { name: "b", description: "b hosts", vpc_id: VPC } },
          { address: "aws_vpc_security_group_ingress_rule.r", mode: "managed", type: "aws_vpc_security_group_ingress_rule", name: "r", values: { cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 22, to_port: 22 } },
        ],
      },
    },
    resource_changes: [
      ...["a", "b"].map((name) => ({ address: `aws_security_group.${name}`, mode: "managed", type: "aws_security_group", name, change: { actions: ["create"], before: null, after: { name }, after_unknown: { id: true } } })),
      { address: "aws_vpc_security_group_ingress_rule.r", mode: "managed", type: "aws_vpc_security_group_ingress_rule", name: "r", change: { actions: ["create"], before: null, after: { cidr_ipv4: "0.0.0.0/0" }, after_unknown: { security_group_id: true, id: true } } },
    ],
    configuration: {
      root_module: {
        resources: [
          { address: "aws_security_group.a", mode: "managed", type: "aws_security_group", name: "a", expressions: { name: { constant_value: "a" } } },
          { address: "aws_security_group.b", mode: "managed", type: "aws_security_group", name: "b", expressions: { name: { constant_value: "b" } } },
          { address: "aws_vpc_security_group_ingress_rule.r", mode: "managed", type: "aws_vpc_security_group_ingress_rule", name: "r", expressions: { security_group_id: { references: [`local.${sourceRef}`] }, cidr_ipv4: { constant_value: "0.0.0.0/0" } } },
        ],
      },
    },
  });
  const files = (local: string, cidr = "0.0.0.0/0") => ({
    "main.tf.json": {
      locals: { target: "${aws_security_group.a.id}", other: "${aws_security_group.b.id}" },
      resource: {
        aws_security_group: { a: { name: "a" }, b: { name: "b" } },
        aws_vpc_security_group_ingress_rule: { r: { security_group_id: `\${local.${local}}`, cidr_ipv4: cidr, ip_protocol: "tcp", from_port: 22, to_port: 22 } },
      },
    },
  });

  test("the same files: read, the rule on the group the local names", async () => {
    const dir = folder({ "plan.json": plan("target"), ...files("target") });
    const r = await flowsOf(join(dir, "plan.json"));
    expect(r.code).toBe(0);
    expect(edges(r.flows)).toEqual(["internet:ipv4 -> service:aws_security_group.a tcp/22-22"]);
  });

  test("files edited after planning (another local): refused, saying what differs", async () => {
    const dir = folder({ "plan.json": plan("target"), ...files("other") });
    const r = await sgc("flows", join(dir, "plan.json"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("does not hold the configuration this plan was made from");
    expect(r.err).toContain("aws_vpc_security_group_ingress_rule.r.security_group_id");
    expect(r.err).toContain("local.target");
  });

  test("files edited after planning (another constant): refused", async () => {
    const dir = folder({ "plan.json": plan("target"), ...files("target", "10.0.0.0/8") });
    const r = await sgc("flows", join(dir, "plan.json"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cidr_ipv4 in the root module is "10\.0\.0\.0\/8", the plan's "0\.0\.0\.0\/0"/);
  });
});
