import fc from "fast-check";
import { directRules, GenRule, OUTSIDE_GROUP, OUTSIDE_PREFIX_LIST, RuleSet, ruleSetArbitrary, STYLES, stylesOf, writeConfiguration, writeStyle } from "./hcl-rules";

/*
 * The generator behind the HCL property test (test/terraform/hcl-property.test.ts), without
 * Terraform: the direct form says what each generated rule is, every style writes each rule
 * exactly once with the peer it names, and inline styles are only written where Terraform can
 * plan them (no two groups whose inline rules name each other).
 */

const rule = (r: Partial<GenRule> & Pick<GenRule, "peer">): GenRule => ({ direction: "ingress", group: 1, port: { protocol: "tcp", from: 443, to: 443 }, ...r });

/** A set with one rule of each peer kind, g1 admitting g0 and g0 reaching out. */
const SET: RuleSet = {
  groups: 2,
  acyclic: true,
  rules: [
    rule({ peer: { kind: "group", group: 0 } }),
    rule({ peer: { kind: "group", group: 1 }, port: { protocol: "udp", from: 7000, to: 7010 } }),
    rule({ direction: "egress", group: 0, peer: { kind: "cidr", cidr: "0.0.0.0/0" }, port: { protocol: "all" } }),
    rule({ group: 0, peer: { kind: "cidr", cidr: "2001:db8::/32" }, port: { protocol: "icmpv6" } }),
    rule({ group: 0, peer: { kind: "cidr", cidr: "10.1.2.0/24" }, port: { protocol: "icmp" } }),
    rule({ peer: { kind: "prefixList" } }),
    rule({ peer: { kind: "managedPrefixList" } }),
    rule({ direction: "egress", peer: { kind: "outsideGroup" } }),
  ],
};

/** The main.tf of a style, and of its child module where it has one. */
const text = (set: RuleSet, style: (typeof STYLES)[number]) => Object.values(writeStyle(set, style, "s0")).join("\n");
const count = (haystack: string, needle: RegExp) => (haystack.match(new RegExp(needle.source, `${needle.flags}g`)) ?? []).length;

describe("hcl-rules: random rule sets written as hand-written HCL", () => {
  test("the direct form: one rule per generated rule, peers as the reader's endpoints", () => {
    expect(directRules(SET)).toEqual([
      { direction: "ingress", group: "g1", peer: { kind: "service", name: "g0" }, port: { protocol: "tcp", from: 443, to: 443 } },
      { direction: "ingress", group: "g1", peer: { kind: "service", name: "g1" }, port: { protocol: "udp", from: 7000, to: 7010 } },
      { direction: "egress", group: "g0", peer: { kind: "internet", family: "ipv4" }, port: { protocol: "all" } },
      { direction: "ingress", group: "g0", peer: { kind: "cidr", cidr: "2001:db8::/32", family: "ipv6" }, port: { protocol: "icmpv6" } },
      { direction: "ingress", group: "g0", peer: { kind: "cidr", cidr: "10.1.2.0/24", family: "ipv4" }, port: { protocol: "icmp" } },
      { direction: "ingress", group: "g1", peer: { kind: "prefixList", id: OUTSIDE_PREFIX_LIST }, port: { protocol: "tcp", from: 443, to: 443 } },
      { direction: "ingress", group: "g1", peer: { kind: "network", name: "office", family: "ipv4" }, port: { protocol: "tcp", from: 443, to: 443 } },
      { direction: "egress", group: "g1", peer: { kind: "securityGroup", id: OUTSIDE_GROUP }, port: { protocol: "tcp", from: 443, to: 443 } },
    ]);
  });

  test.each([
    ["inline", /security_groups = \[aws_security_group\.g0\.id\]/, /ingress \{/],
    ["inline-locals", /security_groups = \[local\.g0_id\]/, /g0_id = aws_security_group\.g0\.id/],
    ["inline-module", /security_groups = \[module\.g0\.id\]/, /dynamic "ingress"/],
    ["rule", /source_security_group_id = aws_security_group\.g0\.id/, /security_group_id = aws_security_group\.g1\.id/],
    ["rule-locals", /source_security_group_id = local\.sg\["g0"\]/, /prefix_list_ids = \[local\.office\]/],
    ["rule-module", /source_security_group_id = var\.sg\["g0"\]/, /office = aws_ec2_managed_prefix_list\.office\.id/],
    ["vpc-rule", /referenced_security_group_id = aws_security_group\.g0\.id/, /ip_protocol       = "icmpv6"/],
    ["vpc-rule-locals", /referenced_security_group_id = local\.sg\["g0"\]/, /prefix_list_id = local\.office/],
    ["vpc-rule-module", /referenced_security_group_id = var\.sg\["g0"\]/, /cidr_ipv6 = "2001:db8::\/32"/],
  ] as const)("%s: names the peer group and the rest as that style does", (style, peer, other) => {
    const hcl = text(SET, style);
    expect(hcl).toMatch(peer);
    expect(hcl).toMatch(other);
  });

  test("self is `self = true` in inline blocks and aws_security_group_rule, the own group's id in the VPC rule resources", () => {
    expect(text(SET, "inline")).toMatch(/self = true/);
    expect(text(SET, "rule")).toMatch(/self = true/);
    expect(text(SET, "vpc-rule")).toMatch(/resource "aws_vpc_security_group_ingress_rule" "r1" \{[^}]*referenced_security_group_id = aws_security_group\.g1\.id/);
  });

  test("every style writes each rule once: one resource or one block per rule", () => {
    fc.assert(
      fc.property(ruleSetArbitrary, (set) => {
        for (const style of stylesOf(set)) {
          const hcl = text(set, style);
          const written = style === "inline-module" ? count(hcl, /\{ description = "Rule \d+"/) : style.startsWith("inline") ? count(hcl, /^ {2}(ingress|egress) \{$/m) : count(hcl, /^resource "aws_(security_group_rule|vpc_security_group_(ingress|egress)_rule)" "r\d+"/m);
          expect([style, written]).toEqual([style, set.rules.length]);
          expect(count(hcl, /^resource "aws_ec2_managed_prefix_list"/m)).toBe(set.rules.some((r) => r.peer.kind === "managedPrefixList") ? 1 : 0);
        }
      }),
    );
  });

  test("inline styles only for acyclic sets, whose rules name only their own group or an earlier one", () => {
    fc.assert(
      fc.property(ruleSetArbitrary, (set) => {
        expect(stylesOf(set).some((s) => s.startsWith("inline"))).toBe(set.acyclic);
        if (set.acyclic) for (const r of set.rules) if (r.peer.kind === "group") expect(r.peer.group).toBeLessThanOrEqual(r.group);
        expect(directRules(set)).toHaveLength(set.rules.length);
      }),
    );
  });

  test("one configuration: a module call per set and style, group addresses as the plan will have them", () => {
    const configuration = writeConfiguration([SET, { ...SET, acyclic: false }]);
    expect(configuration.instances.map((i) => i.module)).toEqual([...STYLES.map((s) => `s0_${s.replace(/-/g, "_")}`), ...STYLES.filter((s) => !s.startsWith("inline")).map((s) => `s1_${s.replace(/-/g, "_")}`)]);
    expect(configuration.instances.find((i) => i.module === "s0_inline_module")!.groups).toEqual([
      "module.s0_inline_module.module.g0.aws_security_group.this",
      "module.s0_inline_module.module.g1.aws_security_group.this",
    ]);
    expect(configuration.instances.find((i) => i.module === "s1_rule_locals")!.groups).toEqual(["module.s1_rule_locals.aws_security_group.g0", "module.s1_rule_locals.aws_security_group.g1"]);
    for (const instance of configuration.instances) expect(configuration.files["main.tf"]).toContain(`module "${instance.module}" {`);
    expect(Object.keys(configuration.files)).toContain("s0-inline-module/group/main.tf");
    expect(Object.keys(configuration.files)).toContain("s1-rule-module/rules/main.tf");
  });
});
