import { RULES_TIMES_GROUPS_LIMIT } from "../quota";
import { defineRule } from "../types";

export default defineRule<{ groupsPerInterface: number; rulesPerGroup: number }>({
  id: "eni-quota",
  title: "Groups per network interface within the AWS quota",
  rationale: "A network interface carries at most 5 groups by default (16 at most), and rules per group times groups may not pass 1,000; a workload over it cannot launch.",
  security: { severity: 3.1, precision: "very-high", tags: ["security", "reliability"] },
  defaults: { severity: "error", options: { groupsPerInterface: 5, rulesPerGroup: 60 } },
  optionsSchema: {
    groupsPerInterface: { type: "integer", minimum: 1, maximum: 16 },
    rulesPerGroup: { type: "integer", minimum: 1, maximum: 1000 },
  },
  check(input, options, report) {
    for (const workload of input.workloads) {
      const count = workload.groups.length;
      if (count > options.groupsPerInterface) {
        report({ target: workload.name, key: "groups", message: `workload ${workload.name} carries ${count} groups; a network interface takes at most ${options.groupsPerInterface}`, at: workload });
      }
      if (count * options.rulesPerGroup > RULES_TIMES_GROUPS_LIMIT) {
        report({
          target: workload.name,
          key: "rules-times-groups",
          message: `workload ${workload.name}: ${count} groups x ${options.rulesPerGroup} rules per group is over AWS's limit of ${RULES_TIMES_GROUPS_LIMIT}`,
          at: workload,
        });
      }
    }
  },
});
