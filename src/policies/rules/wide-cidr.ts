import { familyBits, publicAddressCount, rangesOf } from "../../model/address-space";
import { parseCidr } from "../../model/cidr";
import { Family } from "../../model/types";
import { defineRule } from "../types";

type PerFamily = { ipv4: number; ipv6: number };

export default defineRule<{ minPrefixLength: PerFamily; networkPrefixLength: PerFamily }>({
  id: "wide-cidr",
  title: "No wide raw CIDR sources",
  rationale: "A raw range grants access to whatever lands in it, today and tomorrow; group references and named networks say who is meant.",
  security: { severity: 5.3, precision: "high", tags: ["security", "external/cwe/cwe-284"] },
  defaults: { severity: "warn", options: { minPrefixLength: { ipv4: 24, ipv6: 64 }, networkPrefixLength: { ipv4: 8, ipv6: 32 } } },
  optionsSchema: {
    minPrefixLength: {
      type: "object",
      additionalProperties: false,
      properties: {
        ipv4: { type: "integer", minimum: 0, maximum: 32, description: "the shortest IPv4 prefix allowed (24: nothing wider than a /24)" },
        ipv6: { type: "integer", minimum: 0, maximum: 128, description: "the shortest IPv6 prefix allowed (64: nothing wider than a /64)" },
      },
    },
    networkPrefixLength: {
      type: "object",
      additionalProperties: false,
      properties: {
        ipv4: { type: "integer", minimum: 0, maximum: 32, description: "a named network holding as much public IPv4 space as a prefix this short, or more, is too wide (8: a /8)" },
        ipv6: { type: "integer", minimum: 0, maximum: 128, description: "a named network holding as much public IPv6 space as a prefix this short, or more, is too wide (32: a /32)" },
      },
    },
  },
  check(input, options, report) {
    // A named network is judged by the public addresses it holds, however they are split up.
    const veryWide = new Map<string, string | undefined>();
    const networkWidth = (name: string, family: Family): string | undefined => {
      const key = `${name}\u0000${family}`;
      if (!veryWide.has(key)) {
        const entries = input.prefixLists.filter((l) => l.network === name && l.family === family).flatMap((l) => l.entries);
        const count = publicAddressCount(rangesOf(entries, family), family);
        const limit = options.networkPrefixLength[family];
        const wide = count > 0n && count >= 1n << BigInt(familyBits(family) - limit);
        veryWide.set(key, wide ? `about a /${equivalentPrefix(count, family)} of public ${family === "ipv4" ? "IPv4" : "IPv6"} space (a /${limit} or more is too wide)` : undefined);
      }
      return veryWide.get(key);
    };
    for (const rule of input.rules) {
      if (rule.direction !== "ingress") continue;
      if (rule.peer.kind === "network") {
        const width = networkWidth(rule.peer.name, rule.peer.family);
        if (width) report({ target: rule.group, message: `${rule.group} allows network ${rule.peer.name}, which spans ${width}; name the ranges that are meant`, at: rule });
        continue;
      }
      if (rule.peer.kind !== "cidr") continue;
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

/** The prefix length of the block nearest in size to `count` addresses (on a log scale): 2^31 addresses, or a little less, is a /1. */
function equivalentPrefix(count: bigint, family: Family): number {
  let log2 = count.toString(2).length - 1;
  if (count * count >= 1n << BigInt(2 * log2 + 1)) log2++;
  return familyBits(family) - log2;
}
