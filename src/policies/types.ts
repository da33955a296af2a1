import { Endpoint, Family, PortSpec } from "../model/types";

/**
 * What the policy rules read: one shape for all three inputs (a manifest, a synthesized
 * `cdk.tf.json`, a Terraform plan), so each rule is written once and says the same of each.
 */

/** A severity as packs set it; `off` disables the rule. */
export type Severity = "off" | "warn" | "error";

/** A place in a source file, 1-based. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

/** Where something comes from: a manifest location, a Terraform resource address, or both. */
export interface Origin {
  location?: Location;
  resource?: string;
}

/** A security group: a service of the manifest, or a group of the Terraform. */
export interface PolicyGroup extends Origin {
  /** The service name, or the resource address of a group sgc did not write. */
  target: string;
  /** Its name as people know it: the service name, or the group's AWS name. */
  name: string;
  /** What people wrote about it; absent when nobody did. */
  description?: string;
  tier?: string;
  /** The ports it serves, when known (always for manifests, from tags for Terraform). */
  ports?: PortSpec[];
  /** The workloads that carry it; undefined when the input cannot say (a hand-written group). */
  workloads?: string[];
  /**
   * Whose choice its name is: `name` (given whole), `prefix` (a name_prefix, the rest made up),
   * `generated` (Terraform makes it up) or `unknown`; `naming` judges only chosen names.
   */
  naming?: "name" | "prefix" | "generated" | "unknown";
}

/** One allow rule on a group. A peer of kind `service` is another group by its target. */
export interface PolicyRule extends Origin {
  /** The target of the group that carries the rule. */
  group: string;
  direction: "ingress" | "egress";
  peer: Endpoint;
  port: PortSpec;
  description?: string;
}

/** A managed prefix list of a named network, in one address family. */
export interface PolicyPrefixList extends Origin {
  network: string;
  family: Family;
  maxEntries: number;
  entries: string[];
}

/** A VPC's default group, as the input manages it (or not). */
export interface PolicyDefaultGroup extends Origin {
  /** The VPC: its id, or its resource address when the id is not known yet. */
  vpc: string;
  /** Whether the input manages it at all. */
  managed: boolean;
  /** How many rules it has. */
  rules: number;
  /** Rules elsewhere that use the default group as their peer, by group target. */
  reliedOnBy: string[];
}

/** A workload: the groups one network interface carries. */
export interface PolicyWorkload extends Origin {
  name: string;
  groups: string[];
}

/** The kinds of input the rules can read. */
export type InputKind = "manifest" | "terraform" | "plan" | "state" | "aws";

/** Everything the rules read. */
export interface PolicyInput {
  kind: InputKind;
  file: string;
  groups: PolicyGroup[];
  rules: PolicyRule[];
  prefixLists: PolicyPrefixList[];
  /** One per VPC the input knows: the groups' VPCs and the VPCs it declares. */
  defaultGroups: PolicyDefaultGroup[];
  /** Tier names, outermost first; empty when the input has none. */
  tiers: string[];
  /** Names of the managed networks (the admin networks by default). */
  networks: string[];
  workloads: PolicyWorkload[];
  /** What the reader could not interpret, per resource and attribute; the engine reports each, failing closed. */
  unreadable?: { address: string; attribute?: string; reason: string; location?: Location }[];
}

/** What a rule says of one target. */
export interface Finding extends Origin {
  rule: string;
  severity: "warn" | "error";
  /** The service (group) or other named thing the finding is about; exceptions match on it. */
  target: string;
  message: string;
  /** What the finding is about when the message carries numbers that change (a quota count); reviews match findings on it. */
  key?: string;
  /** Set when an exception covers the finding: it is reported but does not fail the check. */
  suppressedBy?: { reason: string; expires: string };
}

/** What a rule reports; the engine adds the rule id, severity and exceptions. */
export interface Report {
  target: string;
  message: string;
  /** Identifies the finding when its message carries changing numbers. */
  key?: string;
  at?: Origin;
}

/**
 * How code scanning ranks a rule's findings: `severity` is a CVSS-like score (0-10) for the rule
 * set to error (GitHub shows 9+ as critical, 7+ high, 4+ medium, else low), `precision` how
 * often a finding is real, `tags` its categories (always "security", and a CWE where one fits).
 */
export interface RuleSecurity {
  severity: number;
  precision: "very-high" | "high" | "medium" | "low";
  tags: string[];
}

/** A rule: its metadata, defaults, the schema of its options and its check, all in one object. */
export interface RuleDefinition<O = Record<string, unknown>> {
  id: string;
  title: string;
  rationale: string;
  security: RuleSecurity;
  defaults: { severity: Severity; options: O };
  /** JSON Schema of each option (the `properties` of the options object). */
  optionsSchema: Record<string, unknown>;
  check(input: PolicyInput, options: O, report: (finding: Report) => void): void;
  /** Checks of options beyond their schema (a regular expression that compiles); each problem names the option. */
  validateOptions?(options: O): { option: string; message: string }[];
}

/** Declares a rule; the identity function that gives the rule its types. */
export function defineRule<O>(rule: RuleDefinition<O>): RuleDefinition<O> {
  return rule;
}
