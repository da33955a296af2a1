import { Family } from "../model/types";
import { PolicyInput, PolicyRule } from "./types";

/** AWS's ceiling on (rules per group) x (groups per network interface). */
export const RULES_TIMES_GROUPS_LIMIT = 1000;

/** Options that say how much a rule weighs against the per-group rule quota. */
export interface WeightOptions {
  /** Weights of prefix lists this input does not manage, by id (their max entries). */
  prefixListWeights: Record<string, number>;
  /** The weight assumed for an unmanaged prefix list not in `prefixListWeights`. */
  unknownPrefixListWeight: number;
}

/** Rules per direction and family: AWS counts IPv4 and IPv6 rules against separate quotas. */
export type Usage = Record<"ingress" | "egress", Record<Family, number>>;

/**
 * How much one rule weighs against each family's quota. A CIDR counts in its family; a
 * prefix list counts its max entries; a group reference counts in both families.
 */
export function ruleWeight(rule: PolicyRule, input: PolicyInput, options: WeightOptions): Record<Family, number> {
  const peer = rule.peer;
  switch (peer.kind) {
    case "internet":
    case "cidr":
      return peer.family === "ipv4" ? { ipv4: 1, ipv6: 0 } : { ipv4: 0, ipv6: 1 };
    case "network": {
      const list = input.prefixLists.find((l) => l.network === peer.name && l.family === peer.family);
      const weight = list?.maxEntries ?? 1;
      return peer.family === "ipv4" ? { ipv4: weight, ipv6: 0 } : { ipv4: 0, ipv6: weight };
    }
    case "prefixList": {
      const weight = Object.hasOwn(options.prefixListWeights, peer.id) ? options.prefixListWeights[peer.id] : options.unknownPrefixListWeight;
      return { ipv4: weight, ipv6: weight };
    }
    case "service":
    case "securityGroup":
      return { ipv4: 1, ipv6: 1 };
  }
}

/** The weighted rule count of every group, by direction and family. */
export function usageByGroup(input: PolicyInput, options: WeightOptions): Map<string, Usage> {
  const usage = new Map<string, Usage>();
  for (const group of input.groups) usage.set(group.target, { ingress: { ipv4: 0, ipv6: 0 }, egress: { ipv4: 0, ipv6: 0 } });
  for (const rule of input.rules) {
    const entry = usage.get(rule.group);
    if (!entry) continue;
    const weight = ruleWeight(rule, input, options);
    entry[rule.direction].ipv4 += weight.ipv4;
    entry[rule.direction].ipv6 += weight.ipv6;
  }
  return usage;
}
