import { isAllPorts, ruleSummary } from "../describe";
import { defineRule } from "../types";

export default defineRule<Record<string, never>>({
  id: "all-traffic-ingress",
  title: "No all-traffic ingress",
  rationale: "Allowing every protocol or every port opens services nobody meant to expose; name the ports a service serves.",
  security: { severity: 8.2, precision: "very-high", tags: ["security", "external/cwe/cwe-284"] },
  defaults: { severity: "error", options: {} },
  optionsSchema: {},
  check(input, _options, report) {
    for (const rule of input.rules) {
      if (rule.direction !== "ingress" || !isAllPorts(rule.port)) continue;
      report({ target: rule.group, message: `${rule.group} allows ${ruleSummary(rule)}: every ${rule.port.protocol === "all" ? "protocol" : "port"}`, at: rule });
    }
  },
});
