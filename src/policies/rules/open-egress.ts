import { coveredByUnion, formatPort, PortItem } from "../../model/ports";
import { isAllPorts, portsOption, PORTS_OPTION_SCHEMA, validatePortsOption, ruleSummary } from "../describe";
import { internetRules } from "../internet";
import { defineRule } from "../types";

export default defineRule<{ ports: PortItem[] }>({
  id: "open-egress",
  title: "No open egress to the internet",
  rationale: "Unrestricted egress is how data leaves and how malware phones home; allow the internet only on the ports updates and APIs need.",
  security: { severity: 6.5, precision: "very-high", tags: ["security", "external/cwe/cwe-200"] },
  defaults: { severity: "error", options: { ports: [80, 443] } },
  optionsSchema: { ports: PORTS_OPTION_SCHEMA },
  validateOptions: (options) => validatePortsOption("ports", options.ports),
  check(input, options, report) {
    const allowed = portsOption(options.ports);
    for (const rule of internetRules(input)) {
      if (rule.direction !== "egress") continue;
      if (!isAllPorts(rule.port) && coveredByUnion(allowed, rule.port)) continue;
      report({
        target: rule.group,
        message: `${rule.group} allows ${ruleSummary(rule)}; only ${allowed.map(formatPort).join(", ") || "nothing"} may go to the internet`,
        at: rule,
      });
    }
  },
});
