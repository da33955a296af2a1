import { overlaps, PortItem } from "../../model/ports";
import { portsOption, PORTS_OPTION_SCHEMA, validatePortsOption, ruleSummary } from "../describe";
import { defineRule } from "../types";

export default defineRule<{ ports: PortItem[]; networks?: string[] }>({
  id: "admin-ports",
  title: "Admin ports only from admin networks",
  rationale: "SSH and RDP open to wide ranges invite brute force and scanning; admin access should come from the office or VPN, by name.",
  security: { severity: 8.8, precision: "very-high", tags: ["security", "external/cwe/cwe-284"] },
  defaults: { severity: "error", options: { ports: [22, 3389] } },
  optionsSchema: {
    ports: PORTS_OPTION_SCHEMA,
    networks: { type: "array", items: { type: "string" }, description: "admin networks (default: every network)" },
  },
  validateOptions: (options) => validatePortsOption("ports", options.ports),
  check(input, options, report) {
    const adminPorts = portsOption(options.ports);
    const adminNetworks = options.networks ?? input.networks;
    for (const rule of input.rules) {
      if (rule.direction !== "ingress" || !adminPorts.some((p) => overlaps(p, rule.port))) continue;
      if (rule.peer.kind === "network" && adminNetworks.includes(rule.peer.name)) continue;
      const from = adminNetworks.length > 0 ? adminNetworks.join(", ") : "an admin network (none is declared)";
      report({ target: rule.group, message: `${rule.group} allows ${ruleSummary(rule)}, which reaches an admin port; admin ports only from ${from}`, at: rule });
    }
  },
});
