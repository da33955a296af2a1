import { ruleSummary } from "../describe";
import { defineRule } from "../types";

export default defineRule<Record<string, never>>({
  id: "descriptions",
  title: "Every group and rule is described",
  rationale: "During an incident, a rule nobody can explain is a rule nobody dares to remove; say who it is for.",
  security: { severity: 1.5, precision: "very-high", tags: ["security", "maintainability"] },
  defaults: { severity: "warn", options: {} },
  optionsSchema: {},
  check(input, _options, report) {
    for (const group of input.groups) {
      if (!group.description) report({ target: group.target, message: `${group.target} has no description`, at: group });
    }
    for (const rule of input.rules) {
      if (!rule.description) report({ target: rule.group, message: `${rule.group}: the rule for ${ruleSummary(rule)} has no description`, at: rule });
    }
  },
});
