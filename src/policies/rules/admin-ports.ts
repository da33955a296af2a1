import { overlaps, PortItem } from "../../model/ports";
import { portsOption, PORTS_OPTION_SCHEMA, validatePortsOption, ruleSummary } from "../describe";
import { internetRules, networkIsInternet } from "../internet";
import { defineRule, PolicyRule } from "../types";

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
    const from = adminNetworks.length > 0 ? adminNetworks.join(", ") : "an admin network (none is declared)";
    const reachesAdminPort = (rule: PolicyRule) => rule.direction === "ingress" && adminPorts.some((p) => overlaps(p, rule.port));
    for (const rule of input.rules) {
      if (!reachesAdminPort(rule)) continue;
      if (rule.peer.kind === "network") {
        // A network that holds every public address is the internet, reported below as such.
        if (networkIsInternet(input, rule.peer.name, rule.peer.family)) continue;
        if (adminNetworks.includes(rule.peer.name)) continue;
      }
      report({ target: rule.group, message: `${rule.group} allows ${ruleSummary(rule)}, which reaches an admin port; admin ports only from ${from}`, at: rule });
    }
    // The internet in disguise: a network or ranges that hold every public address. Being
    // named an admin network does not make it one.
    for (const rule of internetRules(input)) {
      if (rule.disguise === undefined || !reachesAdminPort(rule)) continue;
      report({ target: rule.group, message: `${rule.group} allows ${ruleSummary(rule)}, which reaches an admin port; admin ports only from ${from}`, at: rule });
    }
  },
});
