import { defineRule } from "../types";

/** The target findings about the VPC's default group carry. */
export const DEFAULT_GROUP_TARGET = "default-security-group";

export default defineRule<Record<string, never>>({
  id: "default-sg-closed",
  title: "Default security group closed",
  rationale: "Resources launched without a group land in the default one; if it allows anything, they are exposed by accident.",
  security: { severity: 5.8, precision: "very-high", tags: ["security", "external/cwe/cwe-1188"] },
  defaults: { severity: "error", options: {} },
  optionsSchema: {},
  check(input, _options, report) {
    for (const group of input.defaultGroups) {
      const vpc = ` of ${group.vpc}`;
      if (!group.managed) {
        report({
          target: DEFAULT_GROUP_TARGET,
          key: `unmanaged ${group.vpc}`,
          message: `the default security group${vpc} is not managed here, so nothing removes its rules`,
          at: group,
        });
      } else if (group.rules > 0) {
        report({ target: DEFAULT_GROUP_TARGET, key: `has-rules ${group.vpc}`, message: `the default security group${vpc} has ${group.rules} rule${group.rules === 1 ? "" : "s"}; it should have none`, at: group });
      }
      for (const user of group.reliedOnBy) {
        report({ target: user, key: `relied-on ${group.vpc}`, message: `${user} relies on the default security group${vpc}; reference a group of its own instead`, at: group });
      }
    }
  },
});
