import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";
import { sgc } from "../support/cli";
import { LISTING_ACCOUNT as ACCOUNT, listedGroup, listedPermission as permission } from "../support/listing";

/*
 * `sgc import` from the AWS CLI's listing, case by case: what a manifest cannot say fails, at its
 * place in the source, and writes nothing; what allows nothing is left out and said; names are
 * readable, valid and unique; the output is the same whatever the order of the listing.
 */

const VPC = "vpc-0a1b2c3d4e5f67890";
const A = "sg-0000000000000000a";
const B = "sg-0000000000000000b";

/** A group whose ARN shows the region, eu-west-1. */
const group = (id: string, name: string, ingress: unknown[], egress: unknown[], extra: Record<string, unknown> = {}) =>
  listedGroup(id, name, ingress, egress, { SecurityGroupArn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/${id}`, ...extra });
const from = (id: string) => ({ UserIdGroupPairs: [{ GroupId: id, UserId: ACCOUNT }] });
const OPEN = permission("-1", undefined, undefined, { IpRanges: [{ CidrIp: "0.0.0.0/0" }] });

/** Writes the documents as files and runs sgc import over them, to an --out file in the same folder. */
async function importing(documents: Record<string, unknown>, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "sgc-import-"));
  const files = Object.entries(documents).map(([name, json]) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(json, null, 2));
    return file;
  });
  const out = join(dir, "services.yaml");
  const result = await sgc("import", ...files, "--out", out, "--name", "shop", ...args);
  const text = existsSync(out) ? readFileSync(out, "utf8") : undefined;
  return { ...result, dir, files, out, text, manifest: text === undefined ? undefined : (parse(text) as { aws: Record<string, unknown>; networks?: Record<string, unknown>; services: Record<string, Record<string, unknown>> }) };
}

describe("sgc import: what a manifest cannot say fails, located, and nothing is written", () => {
  test.each<[string, unknown[], string, RegExp]>([
    ["an IP protocol other than tcp, udp, icmp and all", [group(A, "vpn", [permission("50", undefined, undefined, { IpRanges: [{ CidrIp: "10.0.0.0/8" }] })], [])], "10:13", /a manifest has no IP protocol 50/],
    ["ICMPv6 between two groups", [group(A, "a", [permission("icmpv6", -1, -1, from(B))], [OPEN]), group(B, "b", [], [OPEN])], "15:13", /ICMPv6 only towards IPv6 addresses/],
    ["two rules for one peer on overlapping ports", [group(A, "a", [permission("tcp", 80, 90, { IpRanges: [{ CidrIp: "10.0.0.0/8" }] }), permission("tcp", 85, 85, { IpRanges: [{ CidrIp: "10.0.0.0/8" }] })], [])], "24:13", /overlaps tcp\/80-90 of another rule for the same peer/],
    ["ingress from a group whose egress lets only part of it through", [group(A, "a", [permission("-1", undefined, undefined, from(B))], []), group(B, "b", [], [permission("tcp", 443, 443, { IpRanges: [{ CidrIp: "10.0.0.0/8" }] })])], "13:13", /b \(sg-0000000000000000b\)'s egress lets it through on tcp\/443 only/],
  ])("%s", async (_name, groups, at, message) => {
    const result = await importing({ "groups.json": { SecurityGroups: groups } });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(new RegExp(`groups\\.json:${at}: error cannot-express `));
    expect(result.err).toMatch(message);
    expect(result.text).toBeUndefined();
  });

  test("from a Terraform state, at the resource's place in the state", async () => {
    const state = JSON.parse(readFileSync(join(__dirname, "..", "..", "examples", "adopt", "terraform", "state.json"), "utf8")) as { values: { root_module: { resources: { address: string; values: Record<string, unknown> }[] } } };
    const rule = state.values.root_module.resources.find((r) => r.address === 'aws_vpc_security_group_ingress_rule.app_ssh_from_office["203.0.113.0/24"]')!;
    Object.assign(rule.values, { ip_protocol: "50", from_port: null, to_port: null });
    const result = await importing({ "state.json": state });
    expect(result.code).toBe(2);
    const line = JSON.stringify(state, null, 2).split("\n").findIndex((l) => l.includes(`"address": ${JSON.stringify(rule.address)}`)) + 1;
    expect(result.err).toMatch(new RegExp(`state\\.json:${line}:\\d+: error cannot-express the ingress rule of app \\(sg-\\w+\\) from 203\\.0\\.113\\.0/24 on proto/50: a manifest has no IP protocol 50`));
    expect(result.text).toBeUndefined();
  });

  test("a rule on a group the listing does not show", async () => {
    const result = await importing({
      "groups.json": { SecurityGroups: [group(A, "a", [], [OPEN])] },
      "rules.json": { SecurityGroupRules: [{ SecurityGroupRuleId: "sgr-0000000000000000c", GroupId: B, GroupOwnerId: ACCOUNT, IsEgress: false, IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIpv4: "10.0.0.0/8", Tags: [] }] },
    });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/rules\.json:3:5: error cannot-express the ingress rule of sg-0000000000000000b from 10\.0\.0\.0\/8 on tcp\/22 is on a group the input does not manage/);
  });

  test("a source that does not show its region needs --region", async () => {
    const groups = [group(A, "a", [], [], { SecurityGroupArn: undefined })];
    const without = await importing({ "groups.json": { SecurityGroups: groups } });
    expect(without.code).toBe(2);
    expect(without.err).toMatch(/error no-region the input does not show the region/);
    const given = await importing({ "groups.json": { SecurityGroups: groups } }, "--region", "eu-central-1");
    expect(given.code).toBe(0);
    expect(given.manifest!.aws.region).toBe("eu-central-1");
  });

  test("a plan that only creates groups shows no ARN: its provider's region is the region", async () => {
    const VPC_ID = "vpc-0a1b2c3d4e5f67890";
    const values = { name: "web", description: "web hosts", vpc_id: VPC_ID, ingress: [], egress: [], tags: null };
    const plan = (region?: string) => ({
      format_version: "1.2",
      terraform_version: "1.11.4",
      planned_values: { root_module: { resources: [{ address: "aws_security_group.web", mode: "managed", type: "aws_security_group", name: "web", values }] } },
      resource_changes: [{ address: "aws_security_group.web", mode: "managed", type: "aws_security_group", name: "web", change: { actions: ["create"], before: null, after: values, after_unknown: { id: true, arn: true, owner_id: true } } }],
      configuration: {
        ...(region ? { provider_config: { aws: { name: "aws", full_name: "registry.terraform.io/hashicorp/aws", expressions: { region: { constant_value: region } } } } } : {}),
        root_module: { resources: [{ address: "aws_security_group.web", mode: "managed", type: "aws_security_group", name: "web", expressions: { name: { constant_value: "web" } } }] },
      },
    });
    const given = await importing({ "plan.json": plan("ap-southeast-2") });
    expect(given.err).not.toMatch(/no-region/);
    expect(given.manifest!.aws.region).toBe("ap-southeast-2");
    const without = await importing({ "plan.json": plan() });
    expect(without.code).toBe(2);
    expect(without.err).toMatch(/error no-region the input does not show the region/);
  });

  test("a manifest or a configuration is no source", async () => {
    const result = await sgc("import", join(__dirname, "..", "..", "examples", "three-tier.yaml"));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/three-tier\.yaml:1:1: error not-a-source this is a manifest/);
  });
});

describe("sgc import: what allows nothing is left out, and said", () => {
  test("ingress from a group with no egress towards it, and egress no ingress answers", async () => {
    const result = await importing({ "groups.json": { SecurityGroups: [group(A, "a", [permission("tcp", 22, 22, from(B))], [permission("tcp", 5432, 5432, from(B))]), group(B, "b", [], [])] } });
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/groups\.json:\d+:\d+: warn allows-nothing the ingress rule of a \(sg-0000000000000000a\) from b \(sg-0000000000000000b\) on tcp\/22 allows nothing/);
    expect(result.err).toMatch(/warn left-unmanaged the egress rule of a \(sg-0000000000000000a\) to b \(sg-0000000000000000b\) on tcp\/5432 is not one a manifest derives/);
    expect(result.manifest!.services.a.consumers).toBeUndefined();
    const diff = await sgc("diff", result.files[0], result.out, "--format", "json", "--fail-on", "drift");
    expect(diff.code).toBe(0);
  });

  test("without describe-security-group-rules, every rule is named as one Terraform would create again", async () => {
    const result = await importing({ "groups.json": { SecurityGroups: [group(A, "a", [permission("tcp", 443, 443, { IpRanges: [{ CidrIp: "0.0.0.0/0" }] })], [OPEN])] } });
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/warn no-rule-ids 2 rules of a \(sg-0000000000000000a\) have no AWS rule id \(describe-security-groups does not give rule ids\)/);
    expect(result.err).toMatch(/hint: add the output of aws ec2 describe-security-group-rules --output json as another source/);
    expect(result.manifest!.services.a.adopt).toEqual({ securityGroup: A, name: "a", description: "a group" });
  });
});

describe("sgc import: names, VPCs and the default group", () => {
  const twoVpcs = [
    group("sg-00000000000000001", "default", [], [OPEN], { Description: "default VPC security group" }),
    group("sg-00000000000000002", "default", [], [OPEN], { Description: "default VPC security group", VpcId: "vpc-0fedcba9876543210" }),
    group("sg-00000000000000003", "Web Servers", [], []),
    group("sg-00000000000000004", "launch-wizard-1", [], [], { Tags: [{ Key: "Name", Value: "Bastion Host" }] }),
    group("sg-00000000000000005", "123", [], []),
    group("sg-00000000000000006", "shop-db", [], []),
    group("sg-00000000000000007", "web", [], [], { VpcId: "vpc-0fedcba9876543210", Tags: [{ Key: "Name", Value: "Web Servers" }] }),
  ];

  test("services are named from the Name tag or the group name, valid and unique; the stack's prefix goes", async () => {
    const result = await importing({ "groups.json": { SecurityGroups: twoVpcs } });
    expect(result.code).toBe(0);
    const names = Object.fromEntries(Object.entries(result.manifest!.services).map(([name, s]) => [(s.adopt as { securityGroup: string }).securityGroup, name]));
    expect(names).toEqual({
      "sg-00000000000000001": "default",
      "sg-00000000000000002": "default-2",
      "sg-00000000000000003": "web-servers",
      "sg-00000000000000004": "bastion-host",
      "sg-00000000000000005": "group-123",
      "sg-00000000000000006": "db",
      "sg-00000000000000007": "web-servers-2",
    });
    // Each keeps its AWS name, which AWS cannot change in place.
    expect(result.manifest!.services["web-servers"].adopt).toMatchObject({ name: "Web Servers", description: "Web Servers group" });
    expect(result.manifest!.services["bastion-host"].adopt).toMatchObject({ name: "launch-wizard-1", tags: { Name: "Bastion Host" } });
  });

  test("the VPC of most groups is aws.vpcId; a group in another keeps its own, and every default group is adopted", async () => {
    const { manifest } = await importing({ "groups.json": { SecurityGroups: twoVpcs } });
    expect(manifest!.aws).toEqual({ region: "eu-west-1", vpcId: VPC });
    expect(manifest!.services["web-servers-2"].adopt).toMatchObject({ vpcId: "vpc-0fedcba9876543210" });
    expect(manifest!.services.default.adopt).toEqual({ securityGroup: "sg-00000000000000001", default: true });
    expect(manifest!.services["default-2"].adopt).toEqual({ securityGroup: "sg-00000000000000002", vpcId: "vpc-0fedcba9876543210", default: true });
    // Nothing else closes a default group that a service adopts.
    expect(manifest!.aws.closeDefaultSecurityGroup).toBeUndefined();
  });

  test("without the VPC's default group in the source, sgc is told to leave it alone, and says why", async () => {
    const { manifest, text } = await importing({ "groups.json": { SecurityGroups: [group(A, "a", [], [])] } });
    expect(manifest!.aws.closeDefaultSecurityGroup).toBe(false);
    expect(text).toMatch(/# The input does not show this VPC's default group: sgc leaves it as it is \(true would remove its rules\)\.\n {2}closeDefaultSecurityGroup: false/);
  });

  test("the same groups in any order give the same manifest, byte for byte", async () => {
    const forward = await importing({ "groups.json": { SecurityGroups: twoVpcs } });
    const backward = await importing({ "groups.json": { SecurityGroups: [...twoVpcs].reverse() } });
    const body = (t: string) => t.split("\n").filter((l) => !l.startsWith("# Imported by")).join("\n");
    expect(body(backward.text!)).toBe(body(forward.text!));
  });
});

describe("sgc import: the manifest it writes", () => {
  test("open egress is imported as it is, with a comment; a repeated CIDR set is a network without a prefix list", async () => {
    const office = { IpRanges: [{ CidrIp: "203.0.113.0/24", Description: "office" }, { CidrIp: "198.51.100.10/32", Description: "office" }] };
    const { manifest, text, code } = await importing({
      "groups.json": { SecurityGroups: [group(A, "a", [permission("tcp", 22, 22, office)], [OPEN]), group(B, "b", [permission("tcp", 5432, 5432, office), permission("tcp", 5432, 5432, from(A))], [])] },
    });
    expect(code).toBe(0);
    expect(text).toMatch(/ {6}# Open egress, imported as it is so that adoption changes nothing; tighten it in a reviewed change\.\n {6}- \{to: internet, family: ipv4, ports: \[\{protocol: all\}\]\}/);
    expect(manifest!.networks).toEqual({ office: { description: "office", prefixList: false, cidrs: ["198.51.100.10/32", "203.0.113.0/24"] } });
    expect(manifest!.services.a.consumers).toEqual(["office"]);
    // a's open egress reaches b: the consumer needs no egress rule of its own.
    expect(manifest!.services.b.consumers).toEqual(["a", "office"]);
  });
});

describe("the README's walk-throughs (Adopting existing groups)", () => {
  const ROOT = join(__dirname, "..", "..");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = (from: string, to: string) => readme.slice(readme.indexOf(from), readme.indexOf(to, readme.indexOf(from)));
  const walkThroughs = section("### Walk-through: console-made groups", "## Editor support");
  const console_ = section("### Walk-through: console-made groups", "### Walk-through: hand-written Terraform");

  /**
   * Runs the commands of the walk-throughs' shell blocks in order, as a user would from the
   * repository: files under examples/ are the repository's, the others are made in a fresh
   * folder. Blocks that call AWS are left out; `cd … && terraform …` is run by adopt.test.ts.
   */
  async function runWalkThroughs() {
    const dir = mkdtempSync(join(tmpdir(), "sgc-readme-"));
    const path = (a: string) => (a.startsWith("examples/") ? join(ROOT, a) : join(dir, a));
    const ran: { command: string; comment: string; code: number; out: string; err: string }[] = [];
    for (const [, block] of walkThroughs.matchAll(/```sh\n([\s\S]*?)```/g)) {
      if (/^aws /m.test(block)) continue;
      for (const line of block.split("\n").filter((l) => l.trim() !== "")) {
        const [command, comment = ""] = line.split(/\s+#\s*/);
        const words = command.trim().split(/\s+/);
        if (words[0] === "cd") {
          expect(existsSync(path(words[1]))).toBe(true);
          continue;
        }
        if (words[0] === "jq") {
          // jq -s add A B > OUT: the listings merged into one document.
          expect(words.slice(0, 3)).toEqual(["jq", "-s", "add"]);
          const [inputs, out] = [words.slice(3, words.indexOf(">")), words[words.indexOf(">") + 1]];
          writeFileSync(path(out), JSON.stringify(Object.assign({}, ...inputs.map((f) => JSON.parse(readFileSync(path(f), "utf8")) as object))));
          ran.push({ command, comment, code: 0, out: "", err: "" });
          continue;
        }
        expect(words.slice(0, 2)).toEqual(["npx", "sgc"]);
        const args = words.slice(2).map((a, k, all) => (/^[\w./-]+\.(json|yaml)$/.test(a) && all[k - 1] !== "--name" ? path(a) : a));
        if (args[0] === "synth") args.push("--out", join(dir, "cdktf.out"));
        ran.push({ command, comment, ...(await sgc(...args)) });
      }
    }
    return ran;
  }

  test("every command works as shown, and says what the README says it does", async () => {
    const ran = await runWalkThroughs();
    expect(ran.filter((r) => r.command.startsWith("npx sgc import")).length).toBe(3);
    expect(ran.filter((r) => r.command.startsWith("npx sgc diff")).length).toBe(3);
    for (const r of ran) {
      expect({ command: r.command, code: r.code, err: r.code === 0 ? "" : r.err }).toEqual({ command: r.command, code: 0, err: "" });
      if (/0 flows added, 0 removed/.test(r.comment)) expect(r.out).toContain(`**${r.comment.replace(/^# /, "")}`);
    }
    // The Terraform walk-through's first import: four rules without an AWS rule id, the second none.
    const terraform = ran.filter((r) => r.command.includes("examples/adopt/terraform/state.json --name"));
    expect(walkThroughs).toContain("sgc warns that four rules have no AWS rule id");
    expect(terraform.map((r) => /(\d+) rules without an AWS rule id/.exec(r.err)?.[1])).toEqual(["4", undefined]);
    expect(ran.find((r) => r.command.startsWith("npx sgc synth"))!.out).toMatch(/31 imports of existing groups and rules/);
  });

  test("the manifest it shows is what sgc import writes for the bundled listing, line for line", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "sgc-readme-")), "console.yaml");
    const imported = await sgc("import", join(ROOT, "examples/adopt/console/groups.json"), join(ROOT, "examples/adopt/console/rules.json"), "--name", "console", "--out", out);
    expect(imported.code).toBe(0);
    expect(console_).toContain("npx sgc import examples/adopt/console/groups.json examples/adopt/console/rules.json --name console --out console.yaml");
    const shown = /```yaml\n([\s\S]*?)```/.exec(console_)![1];
    expect(readFileSync(out, "utf8")).toContain(shown);
  });
});

test("an imported manifest and the Terraform it synthesizes get the same findings (the bundled console listing)", async () => {
  const ROOT = join(__dirname, "..", "..");
  const dir = mkdtempSync(join(tmpdir(), "sgc-import-findings-"));
  const manifest = join(dir, "console.yaml");
  const imported = await sgc("import", join(ROOT, "examples/adopt/console/groups.json"), join(ROOT, "examples/adopt/console/rules.json"), "--name", "console", "--out", manifest);
  expect(imported.code).toBe(0);
  expect((await sgc("synth", manifest, "--out", join(dir, "out"))).code).toBe(0);
  const findings = async (file: string) => {
    const report = JSON.parse((await sgc("check", file, "--format", "json")).out) as { findings: { rule: string; target: string; message: string }[] };
    // One finding per place: the manifest has one per rule written, the Terraform one per resource (IPv4 and IPv6 apart).
    return [...new Set(report.findings.map((f) => `${f.rule} ${f.target}: ${f.message}`))].sort();
  };
  const fromManifest = await findings(manifest);
  expect(fromManifest.length).toBeGreaterThan(0);
  // Adopted groups keep their AWS description, on both sides; a network without a prefix list is its ranges, on both sides.
  expect(fromManifest.filter((f) => f.startsWith("descriptions"))).toEqual([]);
  expect(fromManifest.filter((f) => f.startsWith("admin-ports")).every((f) => f.endsWith("admin ports only from an admin network (none is declared)"))).toBe(true);
  expect(await findings(join(dir, "out", "stacks", "console", "cdk.tf.json"))).toEqual(fromManifest);
});
