import { defineRule } from "../types";

export default defineRule<Record<string, never>>({
  id: "tier-chain",
  title: "Tiers call only their neighbours",
  rationale: "A web tier that reaches the database directly skips the application tier's checks; each tier should be called from its own tier or the next one out.",
  security: { severity: 6.1, precision: "high", tags: ["security", "external/cwe/cwe-284"] },
  defaults: { severity: "error", options: {} },
  optionsSchema: {},
  check(input, _options, report) {
    if (input.tiers.length === 0) return;
    const tierOf = new Map(input.groups.filter((g) => g.tier !== undefined).map((g) => [g.target, g.tier!]));
    for (const rule of input.rules) {
      if (rule.direction !== "ingress" || rule.peer.kind !== "service" || rule.peer.name === rule.group) continue;
      const own = tierOf.get(rule.group);
      const caller = tierOf.get(rule.peer.name);
      if (own === undefined || caller === undefined) continue;
      const ownIndex = input.tiers.indexOf(own);
      const callerIndex = input.tiers.indexOf(caller);
      if (callerIndex === ownIndex || callerIndex === ownIndex - 1) continue;
      const allowed = ownIndex > 0 ? `${own} or ${input.tiers[ownIndex - 1]}` : own;
      report({
        target: rule.group,
        message: `${rule.group} (${own}) is called by ${rule.peer.name} (${caller}); callers must be in ${allowed}`,
        at: rule,
      });
    }
  },
});
