import { Family } from "../../model/types";
import { defineRule } from "../types";
import { usageByGroup, WeightOptions } from "../quota";

/** Options of rule-quota; the quota report reads them too. */
export type RuleQuotaOptions = WeightOptions & { max: number };

export default defineRule<RuleQuotaOptions>({
  id: "rule-quota",
  title: "Rules per group within the AWS quota",
  rationale: "AWS refuses the rule that goes over the quota (60 inbound and 60 outbound per family by default) in the middle of an apply; a prefix list counts as its max entries.",
  security: { severity: 3.1, precision: "very-high", tags: ["security", "reliability"] },
  defaults: { severity: "error", options: { max: 60, prefixListWeights: {}, unknownPrefixListWeight: 10 } },
  optionsSchema: {
    max: { type: "integer", minimum: 1, maximum: 1000 },
    prefixListWeights: { type: "object", propertyNames: { pattern: "^pl-[0-9a-f]+$" }, additionalProperties: { type: "integer", minimum: 1, maximum: 1000, description: "the prefix list's max entries, as the quota counts it" } },
    unknownPrefixListWeight: { type: "integer", minimum: 1, maximum: 1000 },
  },
  check(input, options, report) {
    for (const [target, usage] of usageByGroup(input, options)) {
      for (const direction of ["ingress", "egress"] as const) {
        for (const family of ["ipv4", "ipv6"] as Family[]) {
          const used = usage[direction][family];
          if (used <= options.max) continue;
          const group = input.groups.find((g) => g.target === target);
          report({
            target,
            key: `${direction}/${family}`,
            message: `${target} has ${used} ${direction === "ingress" ? "inbound" : "outbound"} ${family} rules (weighted), over the quota of ${options.max}`,
            at: group,
          });
        }
      }
    }
  },
});
