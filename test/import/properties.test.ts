import fc from "fast-check";
import { parse } from "yaml";
import { importDeployed } from "../../src/import";
import { manifestYaml } from "../../src/import/yaml";
import { evaluate, flowKey } from "../../src/model/flows";
import { Endpoint, Flow } from "../../src/model/types";
import { compileManifest, validateManifestText } from "../../src/pipeline";
import { deployedOfListing } from "../../src/targets/aws/deployed";
import { readListing } from "../../src/targets/aws/listing";
import { readSecurity } from "../../src/targets/aws/read";
import { synthesize } from "../../src/targets/aws/synth";
import { viewOfConfigurationJson } from "../../src/terraform";
import { ruleListOf } from "../support/aws-world";

/*
 * The claim of import, over random rule sets written as the AWS CLI lists them: import, then
 * synth, then read the synthesized Terraform back gives the source's flows, exactly. The flows
 * of the source are read from the listing; those of the output from cdk.tf.json, by the
 * Terraform reader, which knows nothing of import. Groups are matched by the ids the manifest
 * records (adopt.securityGroup). Rule sets are what a manifest can say: group-to-group ingress
 * comes with the source's egress (open, a twin rule, or every protocol to a range, which may
 * hold any group's addresses) or with none, and one peer's rules never overlap. What a manifest cannot say is in import.test.ts.
 */

const ACCOUNT = "123456789012";
const VPC = "vpc-0a1b2c3d4e5f67890";
const groupId = (n: number) => `sg-0${String(n).padStart(16, "0")}`;

type Peer = { kind: "v4"; cidr: string } | { kind: "v6"; cidr: string } | { kind: "pl"; id: string } | { kind: "sg"; id: string; user: string } | { kind: "group"; index: number };
type Port = { IpProtocol: string; FromPort?: number; ToPort?: number };

/** Port items of one peer that never overlap: some of these, or one that covers a whole protocol. */
const SLOTS: Port[] = [
  { IpProtocol: "tcp", FromPort: 22, ToPort: 22 },
  { IpProtocol: "tcp", FromPort: 443, ToPort: 443 },
  { IpProtocol: "tcp", FromPort: 8000, ToPort: 8100 },
  { IpProtocol: "udp", FromPort: 53, ToPort: 53 },
  { IpProtocol: "icmp", FromPort: 8, ToPort: -1 },
];
const WHOLE: Port[][] = [[{ IpProtocol: "-1" }], [{ IpProtocol: "tcp", FromPort: 0, ToPort: 65535 }], [{ IpProtocol: "icmp", FromPort: -1, ToPort: -1 }, { IpProtocol: "tcp", FromPort: 22, ToPort: 22 }]];
const ports: fc.Arbitrary<Port[]> = fc.oneof({ weight: 4, arbitrary: fc.subarray(SLOTS, { minLength: 1 }) }, { weight: 1, arbitrary: fc.constantFrom(...WHOLE) });

const CIDRS: Peer[] = [
  { kind: "v4", cidr: "0.0.0.0/0" },
  { kind: "v6", cidr: "::/0" },
  { kind: "v4", cidr: "10.1.0.0/16" },
  { kind: "v4", cidr: "203.0.113.0/24" },
  { kind: "v4", cidr: "198.51.100.10/32" },
  { kind: "v6", cidr: "2001:db8:1::/48" },
];
const OUTSIDE: Peer[] = [
  { kind: "pl", id: "pl-63a5400a" },
  { kind: "sg", id: "sg-0fedcba9876543210", user: ACCOUNT },
  { kind: "sg", id: "sg-07788990a1b2c3d4e", user: "210987654321" },
];

interface GroupSpec {
  name: string;
  isDefault: boolean;
  openEgress: boolean;
  ingress: { peer: Peer; ports: Port[] }[];
  egress: { peer: Peer; ports: Port[] }[];
  /** Whether a group that reaches this one without open egress gets the twin egress rule (else its ingress allows nothing). */
  twins: boolean;
}

const NAMES = ["web", "Web Servers", "launch-wizard-1", "db", "app", "db", "reporting"];

const listing: fc.Arbitrary<GroupSpec[]> = fc.integer({ min: 1, max: 4 }).chain((count) =>
  fc.tuple(
    ...Array.from({ length: count }, (_, i) =>
      fc.record({
        name: fc.constantFrom(...NAMES),
        isDefault: fc.constant(i === 0).chain((first) => (first ? fc.boolean() : fc.constant(false))),
        openEgress: fc.boolean(),
        twins: fc.boolean(),
        ingress: fc.uniqueArray(fc.record({ peer: fc.constantFrom<Peer>(...CIDRS, ...OUTSIDE, ...Array.from({ length: count }, (_, j) => ({ kind: "group" as const, index: j }))), ports }), { maxLength: 4, selector: (e) => JSON.stringify(e.peer) }),
        // Egress to a range may hold a group's addresses (sgc does not know the VPC's ranges): on
        // some ports only, it would let some ports of an ingress rule through and not others, which
        // a manifest cannot say. So a range gets every protocol; groups outside any ports.
        egress: fc.uniqueArray(
          fc.oneof(fc.record({ peer: fc.constantFrom<Peer>(OUTSIDE[1], OUTSIDE[2]), ports }), fc.record({ peer: fc.constantFrom<Peer>(CIDRS[3], CIDRS[4]), ports: fc.constant<Port[]>(WHOLE[0]) })),
          { maxLength: 2, selector: (e) => JSON.stringify(e.peer) },
        ),
      }),
    ),
  ),
);

/** The rule sets as `describe-security-groups` lists them: one permission per protocol and ports. */
function securityGroups(specs: GroupSpec[]): Record<string, unknown>[] {
  const rules: { group: number; egress: boolean; peer: Peer; port: Port }[] = [];
  specs.forEach((g, i) => {
    for (const e of g.ingress) for (const port of e.ports) rules.push({ group: i, egress: false, peer: e.peer, port });
    for (const e of g.egress) for (const port of e.ports) rules.push({ group: i, egress: true, peer: e.peer, port });
    if (g.openEgress) rules.push({ group: i, egress: true, peer: { kind: "v4", cidr: "0.0.0.0/0" }, port: { IpProtocol: "-1" } });
  });
  // A group reached from another that has no open egress gets the twin egress rule there, when it wants.
  specs.forEach((g, i) => {
    for (const e of g.ingress) {
      if (e.peer.kind !== "group" || specs[e.peer.index].openEgress || !g.twins) continue;
      for (const port of e.ports) rules.push({ group: e.peer.index, egress: true, peer: { kind: "group", index: i }, port });
    }
  });
  return specs.map((g, i) => {
    const permissions = (egress: boolean) => {
      type Lists = "IpRanges" | "Ipv6Ranges" | "PrefixListIds" | "UserIdGroupPairs";
      const byPort = new Map<string, Port & Record<Lists, unknown[]>>();
      for (const r of rules.filter((x) => x.group === i && x.egress === egress)) {
        const key = JSON.stringify(r.port);
        const p: Port & Record<Lists, unknown[]> = byPort.get(key) ?? { ...r.port, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
        const peer = r.peer;
        if (peer.kind === "v4") p.IpRanges.push({ CidrIp: peer.cidr });
        else if (peer.kind === "v6") p.Ipv6Ranges.push({ CidrIpv6: peer.cidr });
        else if (peer.kind === "pl") p.PrefixListIds.push({ PrefixListId: peer.id });
        else if (peer.kind === "sg") p.UserIdGroupPairs.push({ GroupId: peer.id, UserId: peer.user });
        else p.UserIdGroupPairs.push({ GroupId: groupId(peer.index), UserId: ACCOUNT });
        // AWS keeps one rule per peer: the same peer twice on one permission is one rule.
        for (const list of ["IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"] as const) p[list] = [...new Map(p[list].map((x) => [JSON.stringify(x), x])).values()];
        byPort.set(key, p);
      }
      return [...byPort.values()];
    };
    return {
      Description: g.isDefault ? "default VPC security group" : `${g.name} group`,
      GroupName: g.isDefault ? "default" : g.name,
      IpPermissions: permissions(false),
      OwnerId: ACCOUNT,
      GroupId: groupId(i),
      IpPermissionsEgress: permissions(true),
      VpcId: VPC,
      SecurityGroupArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/${groupId(i)}`,
    };
  });
}

describe("import over random rule sets", () => {
  test("import, synth and read back: the source's flows, exactly", () => {
    fc.assert(
      fc.property(listing, fc.boolean(), (specs, withRuleIds) => {
        const groups = securityGroups(specs);
        const documents = [{ file: "groups.json", text: "", json: { SecurityGroups: groups } as Record<string, unknown> }];
        if (withRuleIds) documents.push({ file: "rules.json", text: "", json: { SecurityGroupRules: ruleListOf(groups) } });
        const read = readListing(documents);
        if (!read.ok) throw new Error(JSON.stringify(read.problems));
        const imported = importDeployed(deployedOfListing("groups.json", read.listing), { name: "prop" });
        if (!imported.ok) throw new Error(imported.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
        const text = manifestYaml(imported.imported.manifest, imported.imported.comments, []);
        const valid = validateManifestText(text, "imported.yaml");
        if (!valid.ok) throw new Error(`${text}\n${valid.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join("\n")}`);
        const compiled = compileManifest(valid.valid);
        if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));

        // Read back what synth wrote, as any Terraform.
        const [stack] = synthesize([compiled.model]);
        const back = readSecurity(viewOfConfigurationJson(JSON.parse(stack.json), "cdk.tf.json").view);
        expect(back.unreadable).toEqual([]);
        const synthesized = evaluate(back.rules, back.reaches).map(flowKey).sort();

        // The source's flows, with each group named by the service that adopted it (from the YAML).
        const manifest = parse(text) as { services: Record<string, { adopt?: { securityGroup?: string } }> };
        const serviceOf = new Map(Object.entries(manifest.services).map(([name, s]) => [s.adopt?.securityGroup, name]));
        const named = (e: Endpoint): Endpoint => (e.kind === "service" ? { kind: "service", name: serviceOf.get(e.name)! } : e);
        const source = evaluate(read.listing.security.rules, read.listing.security.reaches).map((f: Flow) => flowKey({ ...f, from: named(f.from), to: named(f.to) }));
        expect(synthesized).toEqual(source.sort());

        // Every group is adopted by its id; with the rule listing, every AWS rule by its id too.
        expect(new Set(serviceOf.keys())).toEqual(new Set(groups.map((g) => g.GroupId)));
        const importIds = (JSON.parse(stack.json) as { import?: { id: string }[] }).import?.map((i) => i.id) ?? [];
        const allowed = new Set([...read.listing.rules.filter((r) => r.ruleId).map((r) => r.ruleId)]);
        for (const id of importIds.filter((i) => i.startsWith("sgr-"))) expect(allowed.has(id)).toBe(true);
        if (withRuleIds) {
          const left = imported.imported.warnings.filter((w) => w.code === "allows-nothing" || w.code === "left-unmanaged").length;
          expect(importIds.filter((i) => i.startsWith("sgr-")).length + left).toBe(ruleListOf(groups).length);
        }
      }),
      { numRuns: Number(process.env.SGC_IMPORT_RUNS ?? 80) },
    );
  });
});
