import { defineRule } from "../types";

export default defineRule<{ pattern: string }>({
  id: "naming",
  title: "Names follow the convention",
  rationale: "Names end up in group names, tags and dashboards; one convention keeps them searchable.",
  security: { severity: 1.0, precision: "very-high", tags: ["security", "maintainability"] },
  defaults: { severity: "warn", options: { pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" } },
  optionsSchema: { pattern: { type: "string", minLength: 1 } },
  validateOptions(options) {
    try {
      new RegExp(options.pattern);
      return [];
    } catch (error) {
      return [{ option: "pattern", message: `pattern is not a valid regular expression: ${(error as Error).message}` }];
    }
  },
  check(input, options, report) {
    const pattern = new RegExp(options.pattern);
    for (const group of input.groups) {
      // A name Terraform makes up, or one not known until apply, is nobody's choice to judge.
      if (group.naming === "generated" || group.naming === "unknown") continue;
      const what = group.naming === "prefix" ? "group name prefix" : "group name";
      if (!pattern.test(group.name)) report({ target: group.target, message: `${what} "${group.name}" does not match ${options.pattern}`, at: group });
    }
    for (const list of input.prefixLists) {
      if (!pattern.test(list.network)) report({ target: list.network, message: `network name "${list.network}" does not match ${options.pattern}`, at: list });
    }
  },
});
