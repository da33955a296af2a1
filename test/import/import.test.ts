import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";
import { sgc } from "../support/cli";

/*
 * `sgc import` from the AWS CLI's listing, case by case: what a manifest cannot say fails, at its
 * place in the source, and writes nothing; what allows nothing is left out and said; names are
 * readable, valid and unique; the output is the same whatever the order of the listing.
 */

const ACCOUNT = "123456789012";
const VPC = "vpc-0a1b2c3d4e5f67890";
const A = "sg-0000000000000000a";
const B = "sg-0000000000000000b";

const permission = (protocol: string, from: number | undefined, to: number | undefined, peers: Record<string, unknown[]>) => ({
  ...(from !== undefined ? { FromPort: from } : {}),
  IpProtocol: protocol,
  IpRanges: [],
  Ipv6Ranges: [],
  PrefixListIds: [],
  ...(to !== undefined ? { ToPort: to } : {}),
  UserIdGroupPairs: [],
  ...peers,
});
const group = (id: string, name: string, ingress: unknown[], egress: unknown[], extra: Record<string, unknown> = {}) => ({
  Description: `${name} group`,
  GroupName: name,
  IpPermissions: ingress,
  OwnerId: ACCOUNT,
  GroupId: id,
  IpPermissionsEgress: egress,
  VpcId: VPC,
  SecurityGroupArn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/${id}`,
  ...extra,
});
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

describe("the README's walk-through", () => {
  const ROOT = join(__dirname, "..", "..");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Walk-through: console-made groups"), readme.indexOf("### Walk-through: hand-written Terraform"));

  test("the manifest it shows is what sgc import writes for the bundled listing, line for line", async () => {
    const command = /```sh\n(npx sgc import [^\n]*)\n```/.exec(section)![1];
    expect(command).toBe("npx sgc import examples/adopt/console/groups.json examples/adopt/console/rules.json --name console --out console.yaml");
    const out = join(mkdtempSync(join(tmpdir(), "sgc-readme-")), "console.yaml");
    const args = command.split(" ").slice(2).map((a) => (a === "console.yaml" ? out : a.startsWith("examples/") ? join(ROOT, a) : a));
    expect((await sgc(...args)).code).toBe(0);
    const shown = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const written = readFileSync(out, "utf8");
    expect(written).toContain(shown);
  });

  test("the diff it shows is what sgc diff says", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "sgc-readme-")), "console.yaml");
    await sgc("import", join(ROOT, "examples/adopt/console/groups.json"), join(ROOT, "examples/adopt/console/rules.json"), "--name", "console", "--out", out);
    const diff = await sgc("diff", join(ROOT, "examples/adopt/console/groups.json"), out);
    expect(section).toContain("# 0 flows added, 0 removed, 0 groups replaced");
    expect(diff.out).toContain("**0 flows added, 0 removed, 0 groups replaced");
  });
});
