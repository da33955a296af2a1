import { coveredByUnion, formatPort } from "../../model/ports";
import { PortItem } from "../../model/ports";
import { portsOption, PORTS_OPTION_SCHEMA, validatePortsOption, ruleSummary } from "../describe";
import { internetRules } from "../internet";
import { defineRule } from "../types";

export default defineRule<{ ports: PortItem[] }>({
  id: "internet-ingress",
  title: "Internet ingress only on allowed ports",
  rationale: "Anything reachable from 0.0.0.0/0 or ::/0 is scanned within minutes; only the public front door (HTTP and HTTPS by default) should be.",
  security: { severity: 8.6, precision: "very-high", tags: ["security", "external/cwe/cwe-668"] },
  defaults: { severity: "error", options: { ports: [80, 443] } },
  optionsSchema: { ports: PORTS_OPTION_SCHEMA },
  validateOptions: (options) => validatePortsOption("ports", options.ports),
  check(input, options, report) {
    const allowed = portsOption(options.ports);
    for (const rule of internetRules(input)) {
      if (rule.direction !== "ingress") continue;
      if (coveredByUnion(allowed, rule.port)) continue;
      report({
        target: rule.group,
        message: `${rule.group} allows ${ruleSummary(rule)}; the internet may reach only ${allowed.map(formatPort).join(", ") || "nothing"}`,
        at: rule,
      });
    }
  },
});
