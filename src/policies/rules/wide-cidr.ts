import { parseCidr } from "../../model/cidr";
import { defineRule } from "../types";

export default defineRule<{ minPrefixLength: { ipv4: number; ipv6: number } }>({
  id: "wide-cidr",
  title: "No wide raw CIDR sources",
  rationale: "A raw range grants access to whatever lands in it, today and tomorrow; group references and named networks say who is meant.",
  security: { severity: 5.3, precision: "high", tags: ["security", "external/cwe/cwe-284"] },
  defaults: { severity: "warn", options: { minPrefixLength: { ipv4: 24, ipv6: 64 } } },
  optionsSchema: {
    minPrefixLength: {
      type: "object",
      additionalProperties: false,
      properties: {
        ipv4: { type: "integer", minimum: 0, maximum: 32, description: "the shortest IPv4 prefix allowed (24: nothing wider than a /24)" },
        ipv6: { type: "integer", minimum: 0, maximum: 128, description: "the shortest IPv6 prefix allowed (64: nothing wider than a /64)" },
      },
    },
  },
  check(input, options, report) {
    for (const rule of input.rules) {
      if (rule.direction !== "ingress" || rule.peer.kind !== "cidr") continue;
      const parsed = parseCidr(rule.peer.cidr);
      if (!parsed.ok) continue;
      const min = options.minPrefixLength[parsed.cidr.family];
      if (parsed.cidr.prefix >= min) continue;
      report({
        target: rule.group,
        message: `${rule.group} allows ${rule.peer.cidr}, wider than /${min}; prefer a group reference or a named network`,
        at: rule,
      });
    }
  },
});
