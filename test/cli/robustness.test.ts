import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";
import { sgc } from "../support/cli";
import { checkManifest, checkSynthesized, checkTerraformText, comparable } from "../support/check";
import { manifestYaml, ROOT, synth } from "../support/sgc";

/** Inputs that once slipped through or crashed: each now gets a located answer. */

const dir = mkdtempSync(join(tmpdir(), "sgc-robust-"));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("Terraform that sgc did not write", () => {
  const { json } = synth(manifestYaml("  web:\n    description: Web\n    ports: [443]\n    consumers: [internet]\n"));

  test("a rule on a group outside the input is still checked, under the group's id", async () => {
    const tf = structuredClone(json);
    tf.resource.aws_vpc_security_group_ingress_rule["ssh_on_existing"] = { security_group_id: "sg-0123456789abcdef0", cidr_ipv4: "0.0.0.0/0", ip_protocol: "tcp", from_port: 22, to_port: 22 };
    const findings = (await checkTerraformText(JSON.stringify(tf), "cdk.tf.json")).findings;
    expect(findings).toContainEqual(expect.objectContaining({ rule: "internet-ingress", target: "sg-0123456789abcdef0", resource: "aws_vpc_security_group_ingress_rule.ssh_on_existing" }));
    expect(findings.filter((f) => f.rule === "descriptions" && f.target === "sg-0123456789abcdef0").map((f) => f.message)).toEqual([
      "sg-0123456789abcdef0: the rule for tcp/22 from the internet has no description",
    ]);
  });

  test("a rule sgc cannot read fails the check instead of passing silently", async () => {
    const tf = structuredClone(json);
    tf.resource.aws_vpc_security_group_ingress_rule["bogus"] = { security_group_id: "${aws_security_group.web.id}", cidr_ipv4: "0.0.0.0/0", ip_protocol: "bogus" };
    tf.resource.aws_security_group["odd"] = { name: "odd", description: "Odd", ingress: "bad" };
    const findings = (await checkTerraformText(JSON.stringify(tf), "cdk.tf.json")).findings.filter((f) => f.rule === "unreadable-resource");
    expect(findings.map((f) => [f.severity, f.resource, f.message])).toEqual([
      ["error", "aws_security_group.odd", 'aws_security_group.odd ingress cannot be checked: its ingress rules is "bad", which is not what AWS expects'],
      ["error", "aws_vpc_security_group_ingress_rule.bogus", 'aws_vpc_security_group_ingress_rule.bogus protocol cannot be checked: protocol "bogus" is not one AWS accepts (a name such as tcp, or a number 0-255, or -1 for all)'],
    ]);
  });

  test("another IP protocol (ESP is 50) is read as AWS allows it: whole, without ports", async () => {
    const tf = structuredClone(json);
    tf.resource.aws_vpc_security_group_ingress_rule["esp"] = { security_group_id: "${aws_security_group.web.id}", cidr_ipv4: "0.0.0.0/0", ip_protocol: "50", description: "IPsec" };
    const findings = (await checkTerraformText(JSON.stringify(tf), "cdk.tf.json")).findings;
    expect(findings).toContainEqual(expect.objectContaining({ rule: "internet-ingress", resource: "aws_vpc_security_group_ingress_rule.esp", message: "web allows proto/50 from the internet; the internet may reach only tcp/80, tcp/443" }));
  });

  test("a resource body that is not an object is an input error, located, not skipped", async () => {
    const tf = structuredClone(json);
    tf.resource.aws_security_group["null_one"] = null as never;
    const result = await sgc("check", write("null-body.tf.json", JSON.stringify(tf, null, 2)));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/null-body\.tf\.json:\d+:\d+: error terraform-shape aws_security_group\.null_one must be an object/);
    expect(result.out).toBe("");
  });
});

describe("tags stay within AWS's limits", () => {
  test("a long port list is split over sgc:ports, sgc:ports-2, ... and read back whole", async () => {
    const ports = Array.from({ length: 60 }, (_, i) => 10000 + i * 3).join(", ");
    const yaml = manifestYaml(`  web:\n    description: Web\n    ports: [${ports}]\n    consumers: [internet]\n`);
    const tags = synth(yaml).json.resource.aws_security_group.web.tags as Record<string, string>;
    const parts = Object.keys(tags).filter((k) => k.startsWith("sgc:ports")).sort();
    expect(parts).toEqual(["sgc:ports", "sgc:ports-2", "sgc:ports-3"]);
    for (const key of Object.keys(tags)) expect(tags[key].length).toBeLessThanOrEqual(256);
    expect(parts.map((k) => tags[k]).join(" ").split(" ")).toHaveLength(60);
    expect(comparable((await checkSynthesized(yaml)).findings)).toEqual(comparable(checkManifest(yaml).findings));
  });

  test("user tags named like sgc's are refused, and so are too many tags", async () => {
    const reserved = await sgc("validate", write("reserved.yaml", manifestYaml("  web: {}\n").replace("vpcId: vpc-0a1b2c3d4e5f67890", "vpcId: vpc-0a1b2c3d4e5f67890\n  tags: { sgc:team: x }")));
    expect(reserved.code).toBe(2);
    expect(reserved.err).toMatch(/reserved\.yaml:6:\d+: error reserved-tag tag "sgc:team" is set by sgc/);
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`t${i}`, "x"]));
    const workloads = Array.from({ length: 60 }, (_, i) => `  workload-with-a-long-name-${i}: [web]`).join("\n");
    const text = manifestYaml("  web:\n    ports: [443]\n    consumers: [internet]\n").replace("vpcId: vpc-0a1b2c3d4e5f67890", `vpcId: vpc-0a1b2c3d4e5f67890\n  tags: ${JSON.stringify(many)}`) + `workloads:\n${workloads}\n`;
    const tooMany = await sgc("synth", write("many-tags.yaml", text), "--out", join(dir, "out-tags"));
    expect(tooMany.code).toBe(2);
    expect(tooMany.err).toMatch(/error too-many-tags the group of "web" would carry 5\d tags; AWS allows 50/);
    // validate, check and synth agree: what synth refuses does not validate either.
    const validate = await sgc("validate", join(dir, "many-tags.yaml"));
    expect(validate.code).toBe(2);
    expect(validate.err).toMatch(/many-tags\.yaml:\d+:\d+: error too-many-tags/);
    expect((await sgc("check", join(dir, "many-tags.yaml"))).code).toBe(2);
  });
});

describe("odd inputs and calls get located errors, never a stack trace", () => {
  test("an exception whose date does not exist", async () => {
    const text = manifestYaml("  web: {}\n") + 'policy:\n  exceptions:\n    - { rule: wide-cidr, target: web, reason: "Partner VPN until migration", expires: 2099-02-31 }\n';
    const r = await sgc("validate", write("date.yaml", text));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/date\.yaml:10:\d+: error invalid-date "2099-02-31" is not a date/);
  });

  test("SGC_TODAY that is not a date is a usage error", async () => {
    const saved = process.env.SGC_TODAY;
    process.env.SGC_TODAY = "soon";
    try {
      const r = await sgc("check", join(ROOT, "examples", "three-tier.yaml"));
      expect(r.code).toBe(2);
      expect(r.err).toContain('SGC_TODAY must be a date written YYYY-MM-DD, not "soon"');
    } finally {
      if (saved === undefined) delete process.env.SGC_TODAY;
      else process.env.SGC_TODAY = saved;
    }
  });

  test("a manifest written as JSON is a manifest", async () => {
    const file = write("three-tier.json", JSON.stringify(parse(readFileSync(join(ROOT, "examples", "three-tier.yaml"), "utf8"))));
    expect((await sgc("check", file)).code).toBe(0);
    expect((await sgc("flows", file)).out).toContain("mysql");
  });

  test("diff --plan of something that is not a plan; synth into a file", async () => {
    const notPlan = await sgc("diff", "--plan", join(ROOT, "examples", "three-tier.yaml"));
    expect(notPlan.code).toBe(2);
    expect(notPlan.err).toContain("error not-a-plan");
    const out = await sgc("synth", join(ROOT, "examples", "three-tier.yaml"), "--out", write("a-file", ""));
    expect(out.code).toBe(2);
    expect(out.err).toContain("error cannot-write cannot write the output");
  });

  test("check --policy shows the policy manifest's own line under its findings", async () => {
    const manifest = write(
      "policy.yaml",
      manifestYaml("  web:\n    description: Web\n    ports: [443]\n    consumers: [internet]\n") +
        'policy:\n  exceptions:\n    - { rule: wide-cidr, target: web, reason: "Expired long ago, SEC-1", expires: 2020-01-01 }\n',
    );
    const out = join(dir, "out-policy");
    await sgc("synth", manifest, "--out", out);
    const r = await sgc("check", join(out, "stacks", "test", "cdk.tf.json"), "--policy", manifest);
    expect(r.out).toContain(`${manifest}:13:7: warn expired-exception`);
    expect(r.out).toContain('    - { rule: wide-cidr, target: web, reason: "Expired long ago, SEC-1", expires: 2020-01-01 }');
  });
});

describe("review of a changing quota count", () => {
  test("a quota finding whose count changes is neither new nor resolved", async () => {
    const ports = (n: number) => Array.from({ length: n }, (_, i) => 2000 + i).join(", ");
    const yaml = (n: number) => manifestYaml(`  web:\n    description: Web\n    ports: [${ports(n)}]\n    consumers: [app]\n  app: { description: App }\n`);
    const r = await sgc("diff", write("q1.yaml", yaml(61)), write("q2.yaml", yaml(62)), "--format", "json", "--fail-on", "new-findings");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).findings).toEqual({ new: [], resolved: [] });
  });
});
