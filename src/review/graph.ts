import { evaluate } from "../model/flows";
import { Endpoint } from "../model/types";
import { LoadedInput } from "../pipeline";
import { resolvePolicy } from "../policies/config";
import { runPolicies, today } from "../policies/engine";
import { policyInputFromModel } from "../policies/from-model";
import { Origin, PolicyRule } from "../policies/types";
import { policyInputFromTerraform, terraformLocator } from "../targets/aws/policy-input";
import { groupTags } from "../targets/aws/read";
import { edgeKey, ServiceGraph } from "./mermaid";

/** Where a finding or a rule comes from, as one comparable string: its resource address, else its place in the file. */
function originKey(origin: Origin): string | undefined {
  if (origin.resource) return origin.resource;
  return origin.location ? `${origin.location.file}:${origin.location.line}:${origin.location.column}` : undefined;
}

/**
 * The graph of an input: every service, its tier, the effective flows, and the edges that
 * policy findings are about. A finding is about the rule it was reported at (same origin, same
 * group), so it marks that rule's edge; excepted findings mark nothing.
 */
export function serviceGraph(input: LoadedInput): ServiceGraph {
  let graph: Omit<ServiceGraph, "findings">;
  let policyInput;
  if (input.kind === "manifest") {
    const byName = new Map(input.model.services.map((s) => [s.name, s.tier]));
    graph = { flows: evaluate(input.model.rules), services: input.model.services.map((s) => s.name), tiers: input.model.tiers, tierOf: (s) => byName.get(s) };
    policyInput = policyInputFromModel(input.model, input.valid.source);
  } else {
    // The VPC's default group is drawn only where a rule reaches it, like any peer.
    const tags = input.security.groups.filter((g) => !g.isDefault).map((g) => ({ target: g.target, ...groupTags(g) }));
    const byName = new Map(tags.map((t) => [t.target, t.tier]));
    graph = { flows: evaluate(input.security.rules, input.security.reaches), services: tags.map((t) => t.target), tiers: tags.find((t) => t.tiers.length > 0)?.tiers ?? [], tierOf: (s) => byName.get(s) };
    policyInput = policyInputFromTerraform(input.security, input.kind, input.file, terraformLocator(input));
  }
  const config = resolvePolicy(input.kind === "manifest" ? { policy: input.valid.manifest.policy, source: input.valid.source } : {});
  if (!config.ok) return graph;
  const result = runPolicies(policyInput, config.config, today());
  const rulesByOrigin = new Map<string, PolicyRule[]>();
  for (const rule of policyInput.rules) {
    const key = originKey(rule);
    if (key) rulesByOrigin.set(key, [...(rulesByOrigin.get(key) ?? []), rule]);
  }
  const findings = new Map<string, { severity: "error" | "warn"; rules: string[] }>();
  for (const finding of result.findings) {
    const key = originKey(finding);
    if (finding.suppressedBy || !key) continue;
    for (const rule of rulesByOrigin.get(key) ?? []) {
      if (rule.group !== finding.target) continue;
      const group: Endpoint = { kind: "service", name: rule.group };
      const edge = rule.direction === "ingress" ? edgeKey(rule.peer, group) : edgeKey(group, rule.peer);
      const mark = findings.get(edge) ?? { severity: finding.severity, rules: [] };
      if (finding.severity === "error") mark.severity = "error";
      if (!mark.rules.includes(finding.rule)) mark.rules.push(finding.rule);
      findings.set(edge, mark);
    }
  }
  return { ...graph, findings };
}
