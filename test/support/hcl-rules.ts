import fc from "fast-check";
import { Endpoint, PortSpec } from "../../src/model/types";

/**
 * Random security-group rule sets, written as people write them in HCL: inline blocks,
 * `aws_security_group_rule`, the `aws_vpc_security_group_*_rule` resources, each with the
 * group ids referred to directly, through locals, and through a child module's variables (for
 * inline blocks: one module instance per group, with dynamic blocks over its input). Every
 * style of every set is one module instance of ONE configuration, so one `terraform plan`
 * covers them all. Beside the HCL, the same rules in the direct form the reader should produce,
 * for the flow evaluator.
 */

/** The VPC every generated group is in (given literally: no VPC resource, so no VPC CIDR is known). */
export const VPC_ID = "vpc-0a1b2c3d4e5f67890";

/** A literal prefix list and a group that no generated configuration manages. */
export const OUTSIDE_PREFIX_LIST = "pl-0123456789abcdef0";
export const OUTSIDE_GROUP = "sg-0fedcba9876543210";

/** The managed prefix list a set may use: one IPv4 entry, named like this in every style. */
export const MANAGED_PREFIX_LIST = { name: "office", cidr: "203.0.113.0/24" };

/** Canonical CIDRs rules may name, both families, the internet among them. */
const CIDRS = ["0.0.0.0/0", "10.0.0.0/8", "10.1.2.0/24", "192.168.0.0/16", "198.51.100.7/32", "::/0", "2001:db8::/32", "2001:db8:1::/48"];

/** Who a generated rule admits (ingress) or reaches (egress). */
export type GenPeer =
  | { kind: "group"; group: number }
  | { kind: "cidr"; cidr: string }
  | { kind: "prefixList" }
  | { kind: "managedPrefixList" }
  | { kind: "outsideGroup" };

/** A generated rule on group `group` (an index into the set's groups). */
export interface GenRule {
  direction: "ingress" | "egress";
  group: number;
  peer: GenPeer;
  port: PortSpec;
}

/**
 * A rule set: `groups` groups (g0, g1, ...) and their rules. In an `acyclic` set a rule only
 * refers to its own group or one before it, which inline blocks need: two groups whose inline
 * rules name each other are a cycle Terraform refuses.
 */
export interface RuleSet {
  groups: number;
  acyclic: boolean;
  rules: GenRule[];
}

/** A rule as the reader should produce it: on group `g<i>`, the peer an endpoint. */
export interface DirectRule {
  direction: "ingress" | "egress";
  group: string;
  peer: Endpoint;
  port: PortSpec;
}

/** The nine ways a rule set is written: three resource shapes, each reached three ways. */
export const STYLES = ["inline", "inline-locals", "inline-module", "rule", "rule-locals", "rule-module", "vpc-rule", "vpc-rule-locals", "vpc-rule-module"] as const;
export type Style = (typeof STYLES)[number];

const isIpv6 = (cidr: string) => cidr.includes(":");

const tcpOrUdp: fc.Arbitrary<PortSpec> = fc
  .tuple(fc.constantFrom("tcp" as const, "udp" as const), fc.integer({ min: 1, max: 65535 }), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 65534 })))
  .map(([protocol, from, width]) => ({ protocol, from, to: Math.min(65535, from + width) }));

const peerArbitrary = (groups: number): fc.Arbitrary<GenPeer> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: groups - 1 }).map((group): GenPeer => ({ kind: "group", group })) },
    { weight: 4, arbitrary: fc.constantFrom(...CIDRS).map((cidr): GenPeer => ({ kind: "cidr", cidr })) },
    { weight: 1, arbitrary: fc.constant<GenPeer>({ kind: "prefixList" }) },
    { weight: 1, arbitrary: fc.constant<GenPeer>({ kind: "managedPrefixList" }) },
    { weight: 1, arbitrary: fc.constant<GenPeer>({ kind: "outsideGroup" }) },
  );

/** A port that fits the peer: ICMPv6 only towards IPv6 ranges, ICMP towards anything else. */
const portFor = (peer: GenPeer): fc.Arbitrary<PortSpec> => {
  const icmp: PortSpec = peer.kind === "cidr" && isIpv6(peer.cidr) ? { protocol: "icmpv6" } : { protocol: "icmp" };
  return fc.oneof({ weight: 6, arbitrary: tcpOrUdp }, { weight: 1, arbitrary: fc.constant(icmp) }, { weight: 1, arbitrary: fc.constant<PortSpec>({ protocol: "all" }) });
};

/** A random rule set of 2 or 3 groups and 1 to 6 rules; about half of them acyclic. */
export const ruleSetArbitrary: fc.Arbitrary<RuleSet> = fc
  .record({ groups: fc.integer({ min: 2, max: 3 }), acyclic: fc.boolean() })
  .chain(({ groups, acyclic }) => {
    const rule = fc
      .record({ direction: fc.constantFrom("ingress" as const, "egress" as const), group: fc.integer({ min: 0, max: groups - 1 }), peer: peerArbitrary(groups) })
      .map((r) => (acyclic && r.peer.kind === "group" && r.peer.group > r.group ? { ...r, group: r.peer.group, peer: { kind: "group" as const, group: r.group } } : r))
      .chain((r) => portFor(r.peer).map((port): GenRule => ({ ...r, port })));
    return fc.array(rule, { minLength: 1, maxLength: 6 }).map((rules): RuleSet => ({ groups, acyclic, rules }));
  });

/** The styles a set can be written in: inline blocks only when no two groups' rules name each other. */
export function stylesOf(set: RuleSet): Style[] {
  return STYLES.filter((style) => set.acyclic || !style.startsWith("inline"));
}

/** The rules of a set as the reader should produce them. */
export function directRules(set: RuleSet): DirectRule[] {
  return set.rules.map((r) => ({ direction: r.direction, group: groupName(r.group), peer: endpointOf(r.peer), port: r.port }));
}

function endpointOf(peer: GenPeer): Endpoint {
  switch (peer.kind) {
    case "group":
      return { kind: "service", name: groupName(peer.group) };
    case "cidr": {
      const family = isIpv6(peer.cidr) ? "ipv6" : "ipv4";
      return peer.cidr === "0.0.0.0/0" || peer.cidr === "::/0" ? { kind: "internet", family } : { kind: "cidr", cidr: peer.cidr, family };
    }
    case "prefixList":
      return { kind: "prefixList", id: OUTSIDE_PREFIX_LIST };
    case "managedPrefixList":
      return { kind: "network", name: MANAGED_PREFIX_LIST.name, family: "ipv4" };
    case "outsideGroup":
      return { kind: "securityGroup", id: OUTSIDE_GROUP };
  }
}

/** `g0`, `g1`, ...: the name of a set's group in the direct form and in resource addresses. */
export function groupName(index: number): string {
  return `g${index}`;
}

/** One module instance of the configuration: a set written in one style. */
export interface StyleInstance {
  /** The module call's name in the root: `s0_rule_locals`. */
  module: string;
  set: number;
  style: Style;
  /** The full resource address of each group, in group order. */
  groups: string[];
}

/** A whole configuration: files by path relative to its root, and what each module instance holds. */
export interface HclConfiguration {
  files: Record<string, string>;
  instances: StyleInstance[];
}

const TERRAFORM_BLOCK = ["terraform {", "  required_providers {", "    aws = {", '      source  = "hashicorp/aws"', '      version = "5.100.0"', "    }", "  }", "}", ""];

/** Writes every set in every style it allows, as one configuration with one module instance per set and style. */
export function writeConfiguration(sets: readonly RuleSet[]): HclConfiguration {
  const files: Record<string, string> = {};
  const instances: StyleInstance[] = [];
  const root = [...TERRAFORM_BLOCK, 'provider "aws" {', '  region = "us-east-1"', "}", ""];
  sets.forEach((set, index) => {
    for (const style of stylesOf(set)) {
      const module = `s${index}_${style.replace(/-/g, "_")}`;
      const dir = `s${index}-${style}`;
      Object.assign(files, prefixed(dir, writeStyle(set, style, module)));
      root.push(`module "${module}" {`, `  source = "./${dir}"`, "}", "");
      const groups = Array.from({ length: set.groups }, (_, g) =>
        style === "inline-module" ? `module.${module}.module.${groupName(g)}.aws_security_group.this` : `module.${module}.aws_security_group.${groupName(g)}`,
      );
      instances.push({ module, set: index, style, groups });
    }
  });
  files["main.tf"] = root.join("\n");
  return { files, instances };
}

function prefixed(dir: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => [`${dir}/${path}`, text]));
}

/** How a style's rules name a group (by index, or `self` for the owner's own) and the managed prefix list. */
interface Naming {
  group(index: number): string;
  prefixList: string;
}

/** The files of one set in one style: main.tf, and the child module's where the style has one. */
export function writeStyle(set: RuleSet, style: Style, module: string): Record<string, string> {
  const usesList = set.rules.some((r) => r.peer.kind === "managedPrefixList");
  const head = [`# Rule set written as ${style} (${module}).`, "", ...TERRAFORM_BLOCK];
  const list = usesList ? prefixListHcl() : [];
  const [shape, via] = style.startsWith("inline") ? ["inline", style.slice("inline".length)] : style.startsWith("vpc-rule") ? ["vpc-rule", style.slice("vpc-rule".length)] : ["rule", style.slice("rule".length)];
  const groupIds = Array.from({ length: set.groups }, (_, g) => `    ${groupName(g)} = aws_security_group.${groupName(g)}.id`);

  if (shape === "inline") {
    if (via === "-module") {
      const calls = Array.from({ length: set.groups }, (_, g) => groupModuleCall(set, g, module, { group: (i) => `module.${groupName(i)}.id`, prefixList: "aws_ec2_managed_prefix_list.office.id" }));
      return { "main.tf": [...head, ...list, ...calls.flat()].join("\n"), "group/main.tf": groupModuleHcl() };
    }
    // Through locals, one local per group: a single map of every id would make each group depend on itself.
    const naming: Naming =
      via === "-locals" ? { group: (i) => `local.${groupName(i)}_id`, prefixList: "local.office_id" } : { group: (i) => `aws_security_group.${groupName(i)}.id`, prefixList: "aws_ec2_managed_prefix_list.office.id" };
    const locals =
      via === "-locals"
        ? ["locals {", ...Array.from({ length: set.groups }, (_, g) => `  ${groupName(g)}_id = aws_security_group.${groupName(g)}.id`), ...(usesList ? ["  office_id = aws_ec2_managed_prefix_list.office.id"] : []), "}", ""]
        : [];
    const groups = Array.from({ length: set.groups }, (_, g) => inlineGroupHcl(set, g, module, naming));
    return { "main.tf": [...head, ...list, ...locals, ...groups.flat()].join("\n") };
  }

  const groups = Array.from({ length: set.groups }, (_, g) => groupHcl(g, module));
  const rules = (naming: Naming) => set.rules.flatMap((r, k) => (shape === "rule" ? securityGroupRuleHcl(r, k, naming) : vpcRuleHcl(r, k, naming)));
  if (via === "-module") {
    const call = ["module \"rules\" {", '  source = "./rules"', "  sg = {", ...groupIds, "  }", ...(usesList ? ["  office = aws_ec2_managed_prefix_list.office.id"] : []), "}", ""];
    const child = [
      `# The rules of ${module}, on groups its caller made.`,
      "",
      ...TERRAFORM_BLOCK,
      'variable "sg" {',
      "  type = map(string)",
      "}",
      "",
      'variable "office" {',
      "  type    = string",
      "  default = null",
      "}",
      "",
      ...rules({ group: (i) => `var.sg["${groupName(i)}"]`, prefixList: "var.office" }),
    ];
    return { "main.tf": [...head, ...list, ...groups.flat(), ...call].join("\n"), "rules/main.tf": child.join("\n") };
  }
  const naming: Naming =
    via === "-locals" ? { group: (i) => `local.sg["${groupName(i)}"]`, prefixList: "local.office" } : { group: (i) => `aws_security_group.${groupName(i)}.id`, prefixList: "aws_ec2_managed_prefix_list.office.id" };
  const locals = via === "-locals" ? ["locals {", "  sg = {", ...groupIds, "  }", ...(usesList ? ["  office = aws_ec2_managed_prefix_list.office.id"] : []), "}", ""] : [];
  return { "main.tf": [...head, ...list, ...locals, ...groups.flat(), ...rules(naming)].join("\n") };
}

function prefixListHcl(): string[] {
  return [
    'resource "aws_ec2_managed_prefix_list" "office" {',
    `  name           = "${MANAGED_PREFIX_LIST.name}"`,
    '  address_family = "IPv4"',
    "  max_entries    = 5",
    "",
    "  entry {",
    `    cidr = "${MANAGED_PREFIX_LIST.cidr}"`,
    "  }",
    "}",
    "",
  ];
}

function groupHcl(g: number, module: string, body: string[] = []): string[] {
  return [
    `resource "aws_security_group" "${groupName(g)}" {`,
    `  name        = "${module.replace(/_/g, "-")}-${groupName(g)}"`,
    `  description = "Group ${groupName(g)}"`,
    `  vpc_id      = "${VPC_ID}"`,
    ...body,
    "}",
    "",
  ];
}

/** Protocol and ports as aws_security_group_rule and inline blocks spell them. */
function legacyPorts(port: PortSpec): { protocol: string; from: number; to: number } {
  switch (port.protocol) {
    case "tcp":
    case "udp":
      return { protocol: port.protocol, from: port.from, to: port.to };
    case "icmp":
    case "icmpv6":
      return { protocol: port.protocol, from: port.type ?? -1, to: port.type === undefined ? -1 : port.code ?? -1 };
    case "ip":
      return { protocol: String(port.number), from: 0, to: 0 };
    case "all":
      return { protocol: "-1", from: 0, to: 0 };
  }
}

/** The peer of an aws_security_group_rule or inline block: one argument (`self` for the own group). */
function legacyPeer(rule: GenRule, naming: Naming, groupKey: "source_security_group_id" | "security_groups"): [string, string] {
  const list = (value: string) => (groupKey === "security_groups" ? `[${value}]` : value);
  switch (rule.peer.kind) {
    case "group":
      return rule.peer.group === rule.group ? ["self", "true"] : [groupKey, list(naming.group(rule.peer.group))];
    case "cidr":
      return [isIpv6(rule.peer.cidr) ? "ipv6_cidr_blocks" : "cidr_blocks", `["${rule.peer.cidr}"]`];
    case "prefixList":
      return ["prefix_list_ids", `["${OUTSIDE_PREFIX_LIST}"]`];
    case "managedPrefixList":
      return ["prefix_list_ids", `[${naming.prefixList}]`];
    case "outsideGroup":
      return [groupKey, list(`"${OUTSIDE_GROUP}"`)];
  }
}

function securityGroupRuleHcl(rule: GenRule, k: number, naming: Naming): string[] {
  const { protocol, from, to } = legacyPorts(rule.port);
  const [key, value] = legacyPeer(rule, naming, "source_security_group_id");
  return [
    `resource "aws_security_group_rule" "r${k}" {`,
    `  type              = "${rule.direction}"`,
    `  security_group_id = ${naming.group(rule.group)}`,
    `  description       = "Rule ${k}"`,
    `  protocol          = "${protocol}"`,
    `  from_port         = ${from}`,
    `  to_port           = ${to}`,
    `  ${key} = ${value}`,
    "}",
    "",
  ];
}

function vpcRuleHcl(rule: GenRule, k: number, naming: Naming): string[] {
  const ports = rule.port.protocol === "all" ? [] : rule.port.protocol === "tcp" || rule.port.protocol === "udp" ? [rule.port.from, rule.port.to] : [-1, -1];
  const peer = (() => {
    switch (rule.peer.kind) {
      case "group":
        return `referenced_security_group_id = ${naming.group(rule.peer.group)}`;
      case "cidr":
        return `${isIpv6(rule.peer.cidr) ? "cidr_ipv6" : "cidr_ipv4"} = "${rule.peer.cidr}"`;
      case "prefixList":
        return `prefix_list_id = "${OUTSIDE_PREFIX_LIST}"`;
      case "managedPrefixList":
        return `prefix_list_id = ${naming.prefixList}`;
      case "outsideGroup":
        return `referenced_security_group_id = "${OUTSIDE_GROUP}"`;
    }
  })();
  return [
    `resource "aws_vpc_security_group_${rule.direction}_rule" "r${k}" {`,
    `  security_group_id = ${naming.group(rule.group)}`,
    `  description       = "Rule ${k}"`,
    `  ip_protocol       = "${rule.port.protocol === "all" ? "-1" : rule.port.protocol}"`,
    ...(ports.length > 0 ? [`  from_port         = ${ports[0]}`, `  to_port           = ${ports[1]}`] : []),
    `  ${peer}`,
    "}",
    "",
  ];
}

function inlineGroupHcl(set: RuleSet, g: number, module: string, naming: Naming): string[] {
  const blocks = set.rules.flatMap((rule, k) => {
    if (rule.group !== g) return [];
    const { protocol, from, to } = legacyPorts(rule.port);
    const [key, value] = legacyPeer(rule, naming, "security_groups");
    return ["", `  ${rule.direction} {`, `    description = "Rule ${k}"`, `    protocol    = "${protocol}"`, `    from_port   = ${from}`, `    to_port     = ${to}`, `    ${key} = ${value}`, "  }"];
  });
  return groupHcl(g, module, blocks);
}

/** One group of the inline-module style: a call of ./group with its rules as data, peers as other calls' outputs. */
function groupModuleCall(set: RuleSet, g: number, module: string, naming: Naming): string[] {
  const entries = (direction: "ingress" | "egress") =>
    set.rules.flatMap((rule, k) => {
      if (rule.group !== g || rule.direction !== direction) return [];
      const { protocol, from, to } = legacyPorts(rule.port);
      const [key, value] = legacyPeer(rule, naming, "security_groups");
      return [`    { description = "Rule ${k}", protocol = "${protocol}", from_port = ${from}, to_port = ${to}, ${key} = ${value} },`];
    });
  return [
    `module "${groupName(g)}" {`,
    '  source = "./group"',
    `  name   = "${module.replace(/_/g, "-")}-${groupName(g)}"`,
    `  vpc_id = "${VPC_ID}"`,
    "  ingress = [",
    ...entries("ingress"),
    "  ]",
    "  egress = [",
    ...entries("egress"),
    "  ]",
    "}",
    "",
  ];
}

/** The child module of the inline-module style: one group whose inline rules are dynamic blocks over its inputs. */
function groupModuleHcl(): string {
  const rule = [
    "list(object({",
    "    description      = string",
    "    protocol         = string",
    "    from_port        = number",
    "    to_port          = number",
    "    cidr_blocks      = optional(list(string), [])",
    "    ipv6_cidr_blocks = optional(list(string), [])",
    "    prefix_list_ids  = optional(list(string), [])",
    "    security_groups  = optional(list(string), [])",
    "    self             = optional(bool, false)",
    "  }))",
  ];
  const dynamic = (direction: string) => [
    `  dynamic "${direction}" {`,
    `    for_each = var.${direction}`,
    "    content {",
    ...["description", "protocol", "from_port", "to_port", "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "self"].map(
      (field) => `      ${field} = ${direction}.value.${field}`,
    ),
    "    }",
    "  }",
  ];
  return [
    "# One security group, its inline rules given by the caller.",
    "",
    ...TERRAFORM_BLOCK,
    'variable "name" {',
    "  type = string",
    "}",
    "",
    'variable "vpc_id" {',
    "  type = string",
    "}",
    "",
    'variable "ingress" {',
    `  type = ${rule.join("\n")}`,
    "}",
    "",
    'variable "egress" {',
    `  type = ${rule.join("\n")}`,
    "}",
    "",
    'resource "aws_security_group" "this" {',
    "  name        = var.name",
    '  description = "Group ${var.name}"',
    "  vpc_id      = var.vpc_id",
    "",
    ...dynamic("ingress"),
    "",
    ...dynamic("egress"),
    "}",
    "",
    'output "id" {',
    "  value = aws_security_group.this.id",
    "}",
    "",
  ].join("\n");
}
