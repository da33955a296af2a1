import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { detectInputKind } from "../../../src/input-kind";
import { evaluate, flowKey } from "../../../src/model/flows";
import { readListing } from "../../../src/targets/aws/listing";
import { sgc } from "../../support/cli";
import { LISTING_ACCOUNT as ACCOUNT, listedGroup as group, listedPermission as permission } from "../../support/listing";

/*
 * The AWS CLI's listing read as AWS applies it, in its exact JSON shape: one rule per peer of a
 * permission, -1 for every protocol (no ports), account ids on referenced groups, IPv6 ranges,
 * prefix lists, the default group; rule ids from describe-security-group-rules; and problems of
 * shape located in the file.
 */

const WEB = "sg-0000000000000000a";
const DB = "sg-0000000000000000b";
const DEFAULT = "sg-0000000000000000d";
const groups = [
  group(DEFAULT, "default", [permission("-1", undefined, undefined, { UserIdGroupPairs: [{ GroupId: DEFAULT, UserId: ACCOUNT }] })], [permission("-1", undefined, undefined, { IpRanges: [{ CidrIp: "0.0.0.0/0" }] })]),
  group(
    WEB,
    "Web Servers",
    [
      permission("tcp", 443, 443, { IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [{ CidrIpv6: "::/0", Description: "HTTPS over IPv6" }] }),
      permission("icmpv6", -1, -1, { Ipv6Ranges: [{ CidrIpv6: "2001:db8::/32" }] }),
      permission("tcp", 9100, 9100, { UserIdGroupPairs: [{ GroupId: "sg-07788990a1b2c3d4e", UserId: "210987654321", VpcId: "vpc-0fedcba9876543210", VpcPeeringConnectionId: "pcx-0123456789abcdef0", PeeringStatus: "active" }] }),
    ],
    [permission("-1", undefined, undefined, { IpRanges: [{ CidrIp: "0.0.0.0/0" }] }), permission("tcp", 443, 443, { PrefixListIds: [{ PrefixListId: "pl-63a5400a" }] })],
    { Tags: [{ Key: "Name", Value: "web" }] },
  ),
  group(DB, "db", [permission("tcp", 5432, 5432, { UserIdGroupPairs: [{ GroupId: WEB, UserId: ACCOUNT }, { GroupId: "sg-0fedcba9876543210", UserId: ACCOUNT }] })], []),
];

function read(json: Record<string, unknown>, file = "groups.json") {
  const result = readListing([{ file, text: JSON.stringify(json, null, 2), json }]);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.listing;
}

describe("the AWS CLI listing", () => {
  test("is an input kind of its own, by its top-level keys", () => {
    for (const key of ["SecurityGroups", "SecurityGroupRules", "PrefixLists", "Entries"]) expect(detectInputKind({ [key]: [] })).toEqual({ ok: true, kind: "aws" });
  });

  test("reads one rule per peer, as AWS applies them", () => {
    const listing = read({ SecurityGroups: groups });
    const flows = evaluate(listing.security.rules, listing.security.reaches).map(flowKey);
    expect(flows).toEqual(
      [
        `internet:ipv4 -> service:${WEB} tcp/443`,
        `internet:ipv6 -> service:${WEB} tcp/443`,
        `cidr:2001:db8::/32 -> service:${WEB} icmpv6`,
        // another account's group, through peering: ACCOUNT/sg-...
        `security-group:210987654321/sg-07788990a1b2c3d4e -> service:${WEB} tcp/9100`,
        `security-group:sg-0fedcba9876543210 -> service:${DB} tcp/5432`,
        `service:${DEFAULT} -> internet:ipv4 all`,
        `service:${DEFAULT} -> service:${DEFAULT} all`,
        `service:${WEB} -> internet:ipv4 all`,
        `service:${WEB} -> prefix-list:pl-63a5400a tcp/443`,
        // web's open egress reaches db; db has no egress at all
        `service:${WEB} -> service:${DB} tcp/5432`,
      ].sort(),
    );
    expect(flows).toEqual([...flows].sort());
    const web = listing.security.groups.find((g) => g.id === WEB)!;
    expect(web).toMatchObject({ target: WEB, name: "Web Servers", isDefault: false, vpc: "vpc-0a1b2c3d4e5f67890", forceNew: { name: "Web Servers", description: "Web Servers group", vpcId: "vpc-0a1b2c3d4e5f67890" } });
    expect(listing.security.groups.find((g) => g.id === DEFAULT)!.isDefault).toBe(true);
    expect(listing.rules.find((r) => r.rule.peer.kind === "internet" && r.rule.peer.family === "ipv6")!.rule.description).toBe("HTTPS over IPv6");
  });

  test("gives each rule the id describe-security-group-rules lists for it", () => {
    const rules = [
      { SecurityGroupRuleId: "sgr-00000000000000001", GroupId: WEB, GroupOwnerId: ACCOUNT, IsEgress: false, IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIpv6: "::/0", Tags: [] },
      { SecurityGroupRuleId: "sgr-00000000000000002", GroupId: DB, GroupOwnerId: ACCOUNT, IsEgress: false, IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, ReferencedGroupInfo: { GroupId: WEB, UserId: ACCOUNT }, Tags: [] },
      { SecurityGroupRuleId: "sgr-00000000000000003", GroupId: DEFAULT, GroupOwnerId: ACCOUNT, IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0", Tags: [] },
    ];
    const listing = read({ SecurityGroups: groups, SecurityGroupRules: rules });
    const ids = listing.rules.filter((r) => r.ruleId).map((r) => [r.ruleId, r.groupId, r.rule.direction, flowKey({ from: r.rule.peer, to: r.rule.peer, port: r.rule.port }).split(" ").pop()]);
    expect(ids).toEqual([
      ["sgr-00000000000000003", DEFAULT, "egress", "all"],
      ["sgr-00000000000000001", WEB, "ingress", "tcp/443"],
      ["sgr-00000000000000002", DB, "ingress", "tcp/5432"],
    ]);
    expect(listing.security.unreadable).toEqual([]);
    // A rule's address is its id once known, so that findings name it.
    expect(listing.rules.find((r) => r.ruleId === "sgr-00000000000000002")!.rule.address).toBe("sgr-00000000000000002");
  });

  test("a rule only describe-security-group-rules knows, on a listed group, means the listings differ: read, and reported", () => {
    const listing = read({
      SecurityGroups: groups,
      SecurityGroupRules: [{ SecurityGroupRuleId: "sgr-0000000000000000f", GroupId: DB, GroupOwnerId: ACCOUNT, IsEgress: false, IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIpv4: "10.0.0.0/8", Tags: [] }],
    });
    expect(evaluate(listing.security.rules, listing.security.reaches).map(flowKey)).toContain(`cidr:10.0.0.0/8 -> service:${DB} tcp/22`);
    expect(listing.security.unreadable).toEqual([{ address: "sgr-0000000000000000f", reason: expect.stringMatching(/describe-security-groups does not show it on sg-0000000000000000b/) }]);
  });

  test("describe-security-group-rules alone: the groups are known by id", () => {
    const listing = read({ SecurityGroupRules: [{ SecurityGroupRuleId: "sgr-00000000000000001", GroupId: DB, GroupOwnerId: ACCOUNT, IsEgress: false, IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, ReferencedGroupInfo: { GroupId: WEB, UserId: ACCOUNT }, Tags: [] }] });
    expect(evaluate(listing.security.rules, listing.security.reaches).map(flowKey)).toEqual([`security-group:${WEB} -> security-group:${DB} tcp/5432`]);
  });

  test("what AWS would refuse or sgc cannot read is unreadable, never something else", () => {
    const listing = read({ SecurityGroups: [group(WEB, "web", [permission("tcp", -1, -1, { IpRanges: [{ CidrIp: "10.0.0.0/8" }] }), permission("udp", 53, 53, { IpRanges: [{ CidrIp: "not-a-cidr" }] })], [])] });
    expect(listing.security.rules).toEqual([]);
    expect(listing.security.unreadable.map((u) => u.reason)).toEqual(["EC2 refuses tcp with port -1: give a range within 0-65535", '"not-a-cidr" is not an IPv4 CIDR']);
  });

  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ["SecurityGroups that is not a list", { SecurityGroups: {} }, "2:21", /SecurityGroups must be a list/],
    ["a group without its id", { SecurityGroups: [{ GroupName: "web" }] }, "3:5", /GroupId is missing/],
    ["a rule whose IsEgress is not a boolean", { SecurityGroupRules: [{ SecurityGroupRuleId: "sgr-00000000000000001", GroupId: WEB, IsEgress: "no" }] }, "6:19", /IsEgress must be true or false/],
    ["prefix lists alone", { PrefixLists: [] }, "1:1", /no security groups/],
  ])("%s is an input error at its place", async (_name, json, at, message) => {
    const file = join(mkdtempSync(join(tmpdir(), "sgc-listing-")), "groups.json");
    writeFileSync(file, JSON.stringify(json, null, 2));
    const result = await sgc("flows", file);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(new RegExp(`groups\\.json:${at}: error aws-shape`));
    expect(result.err).toMatch(message);
  });

  test("get-managed-prefix-list-entries output is tied to its list by the file's name", () => {
    const entries = { Entries: [{ Cidr: "52.216.0.0/15" }] };
    const named = readListing([
      { file: "groups.json", text: "{}", json: { SecurityGroups: groups } },
      { file: "lists.json", text: "{}", json: { PrefixLists: [{ PrefixListId: "pl-63a5400a", PrefixListName: "com.amazonaws.us-east-1.s3", OwnerId: "AWS", MaxEntries: 0, Version: 1 }] } },
      { file: "pl-63a5400a.json", text: "{}", json: entries },
    ]);
    expect(named.ok && named.listing.prefixLists).toEqual([{ id: "pl-63a5400a", name: "com.amazonaws.us-east-1.s3", ownerId: "AWS", maxEntries: 0, entries: [{ cidr: "52.216.0.0/15" }] }]);
    const unnamed = readListing([
      { file: "groups.json", text: "{}", json: { SecurityGroups: groups } },
      { file: "entries.json", text: JSON.stringify(entries), json: entries },
    ]);
    expect(!unnamed.ok && unnamed.problems.map((p) => p.message)).toEqual([expect.stringMatching(/name the file after the list \(pl-0123456789abcdef0\.json\)/)]);
  });

  test("check, flows and graph read it like any input, and findings point into the listing", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sgc-listing-")), "groups.json");
    writeFileSync(file, JSON.stringify({ SecurityGroups: groups }, null, 2));
    const check = await sgc("check", file, "--format", "json");
    const report = JSON.parse(check.out) as { input: { kind: string }; findings: { rule: string; resource: string; location: { line: number } | null }[] };
    expect(report.input.kind).toBe("aws");
    const defaultClosed = report.findings.find((f) => f.rule === "default-sg-closed")!;
    expect(defaultClosed.resource).toBe(DEFAULT);
    expect(defaultClosed.location!.line).toBe(3);
    expect((await sgc("flows", file)).code).toBe(0);
    expect((await sgc("graph", file)).out).toMatch(/^flowchart/m);
  });
});
