import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { sgc } from "../support/cli";
import { renderMermaid } from "../support/mermaid";

/**
 * Terraform inputs as sgc reads them, without Terraform: layouts the JSON syntax allows, what
 * sgc cannot read (it says so, per resource and attribute, and exits 1), and malformed input
 * (a located error, exit 2, never an internal error).
 */

const dir = mkdtempSync(join(tmpdir(), "sgc-tf-inputs-"));
let n = 0;
// A folder each: Terraform, and so sgc, reads every configuration file in a configuration's folder.
const write = (json: unknown, name = "main.tf.json") => {
  const folder = join(dir, `input-${n++}`);
  mkdirSync(folder);
  const file = join(folder, name);
  writeFileSync(file, typeof json === "string" ? json : JSON.stringify(json, null, 2));
  return file;
};

const VPC = "vpc-0a1b2c3d4e5f67890";
const group = (name: string, extra: Record<string, unknown> = {}) => ({ name, description: `${name} hosts`, vpc_id: VPC, ...extra });
const sshFromAnywhere = { security_group_id: "${aws_security_group.bastion.id}", cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 22, to_port: 22, description: "SSH" };

describe("every layout Terraform's JSON syntax accepts is read, so an open rule is never skipped", () => {
  test.each([
    ["resource bodies as arrays of objects", { resource: { aws_security_group: { bastion: [group("bastion")] }, aws_vpc_security_group_ingress_rule: { ssh: [sshFromAnywhere] } } }],
    ["resource as an array of objects", { resource: [{ aws_security_group: { bastion: group("bastion") } }, { aws_vpc_security_group_ingress_rule: { ssh: sshFromAnywhere } }] }],
    ["a resource type as an array of objects", { resource: { aws_security_group: [{ bastion: group("bastion") }], aws_vpc_security_group_ingress_rule: [{ ssh: sshFromAnywhere }] } }],
    ["the whole file as an array of objects", [{ resource: { aws_security_group: { bastion: group("bastion") } } }, { resource: { aws_vpc_security_group_ingress_rule: { ssh: sshFromAnywhere } } }]],
  ])("%s", async (_name, json) => {
    const r = await sgc("check", write(json), "--format", "json");
    expect(r.err).toBe("");
    const findings = JSON.parse(r.out).findings as { rule: string; resource: string }[];
    expect(findings).toContainEqual(expect.objectContaining({ rule: "admin-ports", resource: "aws_vpc_security_group_ingress_rule.ssh" }));
    expect(findings).toContainEqual(expect.objectContaining({ rule: "internet-ingress", resource: "aws_vpc_security_group_ingress_rule.ssh" }));
    expect(r.code).toBe(1);
  });
});

describe("what sgc cannot read, it says, per resource and attribute", () => {
  // A rule with a known IPv4 source and an IPv6 source known only after apply, and one whose
  // CIDR is built from an Elastic IP.
  const config = {
    resource: {
      aws_vpc: { main: { cidr_block: "10.0.0.0/16", assign_generated_ipv6_cidr_block: true } },
      aws_eip: { nat: { domain: "vpc" } },
      aws_security_group: { app: group("app", { vpc_id: "${aws_vpc.main.id}" }) },
      aws_security_group_rule: {
        https: { type: "ingress", security_group_id: "${aws_security_group.app.id}", protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["10.1.0.0/16"], ipv6_cidr_blocks: ["${aws_vpc.main.ipv6_cidr_block}"], description: "HTTPS" },
      },
      aws_vpc_security_group_egress_rule: {
        to_nat: { security_group_id: "${aws_security_group.app.id}", cidr_ipv4: "${aws_eip.nat.public_ip}/32", ip_protocol: "tcp", from_port: 443, to_port: 443, description: "NAT" },
      },
    },
  };

  test("check: one unreadable-resource finding per unknown source, next to what it could read", async () => {
    const r = await sgc("check", write(config), "--format", "json");
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.out).findings as { rule: string; resource: string; message: string }[];
    const unreadable = findings.filter((f) => f.rule === "unreadable-resource").map((f) => [f.resource, f.message]);
    expect(unreadable).toEqual([
      ["aws_security_group_rule.https", "aws_security_group_rule.https ipv6_cidr_blocks[0] cannot be checked: a CIDR is aws_vpc.main.ipv6_cidr_block, known only after apply"],
      ["aws_vpc_security_group_egress_rule.to_nat", "aws_vpc_security_group_egress_rule.to_nat cidr_ipv4 cannot be checked: a CIDR is not known: aws_eip.nat.public_ip is known only after apply"],
    ]);
  });

  test("flows: what it could read, then that the answer is incomplete; exit 1", async () => {
    const text = await sgc("flows", write(config));
    expect(text.code).toBe(1);
    expect(text.out).toContain("10.1.0.0/16  ->  aws_security_group.app  tcp/443");
    expect(text.err).toMatch(/^incomplete: sgc could not read 2 values/);
    expect(text.err).toContain("aws_security_group_rule.https ipv6_cidr_blocks[0]: a CIDR is aws_vpc.main.ipv6_cidr_block, known only after apply");
    const json = await sgc("flows", write(config), "--format", "json");
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out);
    expect(parsed.complete).toBe(false);
    expect(parsed.unreadable.map((u: { resource: string; attribute: string }) => `${u.resource} ${u.attribute}`)).toEqual(["aws_security_group_rule.https ipv6_cidr_blocks[0]", "aws_vpc_security_group_egress_rule.to_nat cidr_ipv4"]);
  });

  test("graph: the picture of what it could read, and exit 1 with the list", async () => {
    const r = await sgc("graph", write(config));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^flowchart LR/);
    expect(r.err).toMatch(/^incomplete:/);
  });

  test("diff: never 'No access changes' while something could not be read", async () => {
    const same = write(config);
    const r = await sgc("diff", same, same);
    expect(r.code).toBe(1);
    expect(r.out).not.toContain("No access changes");
    expect(r.out).toContain("This review is incomplete");
    const json = JSON.parse((await sgc("diff", same, same, "--format", "json")).out);
    expect(json.summary.complete).toBe(false);
    expect(json.incomplete).toHaveLength(4);
  });

  test("a rule on one instance of several, chosen by a key sgc cannot know, is not pinned on the first one", async () => {
    const json = {
      variable: { which: {} },
      resource: {
        aws_security_group: { svc: { for_each: { web: {}, db: {} }, name: "${each.key}", description: "svc", vpc_id: VPC } },
        aws_vpc_security_group_ingress_rule: { ssh: { ...sshFromAnywhere, security_group_id: "${aws_security_group.svc[var.which].id}" } },
      },
    };
    const r = await sgc("check", write(json), "--format", "json");
    const findings = JSON.parse(r.out).findings as { rule: string; resource: string; message: string }[];
    const unreadable = findings.filter((f) => f.rule === "unreadable-resource");
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0].message).toBe(
      'aws_vpc_security_group_ingress_rule.ssh security_group_id cannot be checked: the group it belongs to may be any of aws_security_group.svc["web"].id, aws_security_group.svc["db"].id, and sgc will not guess which: the key is not known (var.which is set when Terraform runs, and sgc does not know its value)',
    );
    expect(findings.filter((f) => f.rule === "admin-ports")).toEqual([]);
  });
});

describe("protocols and ports as AWS reads them", () => {
  const rule = (protocol: unknown, from: unknown, to: unknown) => ({
    resource: {
      aws_security_group: { app: group("app") },
      aws_security_group_rule: { r: { type: "ingress", security_group_id: "${aws_security_group.app.id}", protocol, from_port: from, to_port: to, cidr_blocks: ["10.0.0.0/8"], description: "r" } },
    },
  });
  const flows = async (protocol: unknown, from: unknown, to: unknown) => {
    const r = await sgc("flows", write(rule(protocol, from, to)), "--format", "json");
    return { code: r.code, ...JSON.parse(r.out) } as { code: number; flows: Record<string, unknown>[]; unreadable: { reason: string }[] };
  };

  test.each([
    ["tcp", 0, 0, { protocol: "tcp", fromPort: 0, toPort: 0 }],
    ["tcp", 0, 65535, { protocol: "tcp", fromPort: 0, toPort: 65535 }],
    ["6", 22, 22, { protocol: "tcp", fromPort: 22, toPort: 22 }],
    ["17", 53, 53, { protocol: "udp", fromPort: 53, toPort: 53 }],
    ["-1", 0, 0, { protocol: "all" }],
    ["all", 0, 0, { protocol: "all" }],
    ["icmp", -1, -1, { protocol: "icmp" }],
    ["icmp", 8, 0, { protocol: "icmp", icmpType: 8, icmpCode: 0 }],
    ["icmp", 3, -1, { protocol: "icmp", icmpType: 3 }],
    ["50", 0, 0, { protocol: "50" }],
    ["esp", 0, 0, { protocol: "50" }],
  ])("%s %s-%s", async (protocol, from, to, expected) => {
    const r = await flows(protocol, from, to);
    expect(r.code).toBe(0);
    expect(r.flows).toEqual([{ from: "cidr:10.0.0.0/8", to: "service:aws_security_group.app", ...expected }]);
  });

  test.each([
    ["tcp", -1, -1, /EC2 refuses tcp with port -1/],
    ["tcp", 443, 80, /runs backwards/],
    ["tcp", 0, 70000, /outside 0-65535/],
    ["bogus", 0, 0, /not one AWS accepts/],
    ["icmp", 300, 0, /ICMP type 300/],
  ])("%s %s-%s is not a rule EC2 takes: unreadable, never read as something else", async (protocol, from, to, reason) => {
    const r = await flows(protocol, from, to);
    expect(r.code).toBe(1);
    expect(r.flows).toEqual([]);
    expect(r.unreadable[0].reason).toMatch(reason);
  });
});

describe("malformed Terraform JSON: a located error, exit 2, nothing else", () => {
  const plan = (patch: Record<string, unknown>) => ({ format_version: "1.2", terraform_version: "1.11.4", planned_values: { root_module: {} }, resource_changes: [], ...patch });
  test.each([
    ["resources holding null", plan({ planned_values: { root_module: { resources: [null] } } }), /each resource must be an object/, "null"],
    ["a number where a module belongs", plan({ planned_values: { root_module: 5 } }), /a module must be an object/, "5"],
    ["resource_changes not a list", plan({ resource_changes: { a: 1 } }), /resource_changes must be an array/, "{"],
    ["a change without actions", plan({ resource_changes: [{ address: "aws_security_group.a", type: "aws_security_group", change: {} }] }), /a list of actions/, "{}"],
    ["an address that is not one", plan({ planned_values: { root_module: { resources: [{ address: "not an address", type: "x", name: "y", values: {} }] } } }), /is not a resource address/, '"not an address"'],
    ["values that are a string", plan({ planned_values: { root_module: { resources: [{ address: "aws_security_group.a", mode: "managed", type: "aws_security_group", name: "a", values: "x" }] } } }), /values must be an object/, '"x"'],
    ["a state whose values are a list", { format_version: "1.0", values: [] }, /a state's values must be an object/, "[]"],
    ["a configuration whose resource body is a number", { resource: { aws_security_group: { a: 5 } } }, /aws_security_group\.a must be an object/, "5"],
  ])("%s", async (_name, json, message, at) => {
    const text = JSON.stringify(json, null, 2);
    const file = write(text, `malformed-${n++}.json`);
    for (const command of ["check", "flows", "graph", "diff"]) {
      const r = command === "diff" ? await sgc("diff", file, file) : await sgc(command, file);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).not.toMatch(/internal error/);
      expect(r.err).toMatch(message);
      const match = /:(\d+):(\d+): error terraform-shape /.exec(r.err);
      expect(match).not.toBeNull();
      const line = text.split("\n")[Number(match![1]) - 1];
      expect(line.slice(Number(match![2]) - 1).startsWith(at)).toBe(true);
    }
  });
});

describe("a state from terraform show -json", () => {
  const state = {
    format_version: "1.0",
    terraform_version: "1.11.4",
    values: {
      root_module: {
        resources: [
          { address: "aws_security_group.web", mode: "managed", type: "aws_security_group", name: "web", values: { id: "sg-0aaaaaaaaaaaaaaa1", name: "web", description: "Web", vpc_id: VPC, ingress: [], egress: [{ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false, description: "" }] } },
          { address: "aws_security_group.db", mode: "managed", type: "aws_security_group", name: "db", values: { id: "sg-0bbbbbbbbbbbbbbb2", name: "db", description: "DB", vpc_id: VPC, ingress: [{ protocol: "tcp", from_port: 5432, to_port: 5432, cidr_blocks: [], ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: ["sg-0aaaaaaaaaaaaaaa1"], self: false, description: "from web" }], egress: [] } },
        ],
      },
    },
  };

  test("is a fourth input: flows resolve ids to the groups that have them, and open egress reaches them", async () => {
    const r = await sgc("flows", write(state, "state.json"), "--format", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).flows).toEqual([
      { from: "service:aws_security_group.web", to: "internet:ipv4", protocol: "all" },
      { from: "service:aws_security_group.web", to: "service:aws_security_group.db", protocol: "tcp", fromPort: 5432, toPort: 5432 },
    ]);
    const check = JSON.parse((await sgc("check", write(state, "state2.json"), "--format", "json")).out);
    expect(check.input.kind).toBe("state");
    expect(check.findings.map((f: { rule: string; resource: string }) => `${f.rule} ${f.resource}`)).toContain("open-egress aws_security_group.web");
  });

  test("an empty state is read as no groups at all", async () => {
    const r = await sgc("flows", write({ format_version: "1.0" }, "empty-state.json"));
    expect(r.code).toBe(0);
    expect(r.out).toBe("no flows\n");
  });
});

describe("hostile Terraform: refused or reported, never a crash", () => {
  test("JSON nested deeper than any Terraform is refused where it gets too deep", async () => {
    const text = `{"resource":{"aws_security_group":{"g":{"tags":${"[".repeat(100000)}${"]".repeat(100000)}}}}}`;
    const r = await sgc("check", write(text, "deep.json"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/deep\.json:1:\d+: error too-deep the JSON nests more than 128 levels deep, far more than Terraform writes/);
  });

  test("a cycle of references, and a chain deeper than any real one, make values unreadable", async () => {
    const locals = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`a${i}`, `\${local.a${i + 1}}`]));
    const json = {
      locals: { ...locals, a2000: "10.0.0.0/8" },
      resource: {
        aws_security_group: { g: group("g") },
        aws_vpc_security_group_ingress_rule: {
          cycle: { security_group_id: "${aws_security_group.g.id}", cidr_ipv4: "${aws_vpc_security_group_ingress_rule.cycle.cidr_ipv4}", ip_protocol: "tcp", from_port: 1, to_port: 2 },
          chain: { security_group_id: "${aws_security_group.g.id}", cidr_ipv4: "${local.a0}", ip_protocol: "tcp", from_port: 1, to_port: 2 },
        },
      },
    };
    const r = await sgc("flows", write(json), "--format", "json");
    expect(r.code).toBe(1);
    const reasons = JSON.parse(r.out).unreadable.map((u: { resource: string; reason: string }) => `${u.resource}: ${u.reason}`);
    expect(reasons).toEqual([
      "aws_vpc_security_group_ingress_rule.chain: a CIDR cannot be evaluated: references nest more than 300 deep",
      "aws_vpc_security_group_ingress_rule.cycle: a CIDR cannot be evaluated: a cycle of references through attr aws_vpc_security_group_ingress_rule.cycle cidr_ipv4",
    ]);
  });
});

test("the graph of for_each groups draws their quoted addresses as Mermaid reads them", async () => {
  const json = {
    resource: {
      aws_security_group: { svc: { for_each: { web: {}, db: {} }, name: "${each.key}", description: "svc", vpc_id: VPC } },
      aws_vpc_security_group_ingress_rule: { https: { security_group_id: '${aws_security_group.svc["web"].id}', cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 443, to_port: 443, description: "HTTPS" } },
    },
  };
  const r = await sgc("graph", write(json));
  expect(r.code).toBe(0);
  expect(r.out).toContain("aws_security_group.svc[#quot;web#quot;]");
  const [rendered] = renderMermaid([r.out]);
  expect(rendered.error).toBeUndefined();
  expect(rendered.svg).toContain('aws_security_group.svc["web"]');
});

