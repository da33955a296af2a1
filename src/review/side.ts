import { evaluate } from "../model/flows";
import { Flow, Model } from "../model/types";
import { LoadedInput } from "../pipeline";
import { PolicyConfig, resolvePolicy } from "../policies/config";
import { CheckResult, runPolicies, today } from "../policies/engine";
import { policyInputFromModel } from "../policies/from-model";
import { GROUP_TYPE, groupDescription, groupName } from "../targets/aws/names";
import { policyInputFromTerraform, terraformLocator } from "../targets/aws/policy-input";
import { groupTags, ReadSecurity, Unreadable } from "../targets/aws/read";
import { Diagnostic } from "../diagnostics";

/** A group as a review sees it: its address and the attributes whose change replaces it. */
export interface ReviewGroup {
  address: string;
  service: string;
  tier?: string;
  forceNew: { name?: string; description?: string; vpcId?: string };
}

/** One version of the access, as a review compares it: flows, groups, and what the policies say. */
export interface ReviewSide {
  flows: Flow[];
  /** What sgc could not read of this side: its flows may lack access these would grant. */
  unreadable: Unreadable[];
  groups: ReviewGroup[];
  /** Each named network's CIDRs (both families), sorted. */
  networks: Map<string, string[]>;
  check: CheckResult;
}

/** The side a manifest stands for: its groups as sgc would write them. */
export function sideOfModel(model: Model, check: CheckResult): ReviewSide {
  return {
    flows: evaluate(model.rules),
    unreadable: [],
    groups: model.services.map((s) => ({
      address: `${GROUP_TYPE}.${s.name}`,
      service: s.name,
      ...(s.tier ? { tier: s.tier } : {}),
      forceNew: { name: groupName(model, s), description: groupDescription(s), vpcId: model.aws.vpcId },
    })),
    networks: new Map(model.networks.map((n) => [n.name, n.entries.map((e) => e.cidr).sort()])),
    check,
  };
}

/** The side of Terraform read back (a cdk.tf.json, or one half of a plan). */
export function sideOfSecurity(security: ReadSecurity, check: CheckResult): ReviewSide {
  return {
    flows: evaluate(security.rules, security.reaches),
    unreadable: security.unreadable,
    groups: security.groups
      .filter((g) => !g.isDefault && !g.external)
      .map((g) => {
        const tier = groupTags(g).tier;
        return { address: g.address, service: g.target, ...(tier ? { tier } : {}), forceNew: g.forceNew };
      }),
    networks: security.prefixLists.reduce((map, l) => map.set(l.network, [...(map.get(l.network) ?? []), ...l.entries].sort()), new Map<string, string[]>()),
    check,
  };
}

/** The side of any loaded input, with the policies run under `config` (the head's, for both sides). */
export function sideOf(input: LoadedInput, config: PolicyConfig): ReviewSide {
  if (input.kind === "manifest") {
    return sideOfModel(input.model, runPolicies(policyInputFromModel(input.model, input.valid.source), config, today()));
  }
  const policyInput = policyInputFromTerraform(input.security, input.kind, input.file, terraformLocator(input));
  return sideOfSecurity(input.security, runPolicies(policyInput, config, today()));
}

/** The policy config a review applies to both sides: the head manifest's policy section, else the default packs. */
export function reviewConfig(head: LoadedInput | undefined): { ok: true; config: PolicyConfig } | { ok: false; diagnostics: Diagnostic[] } {
  return head?.kind === "manifest" ? resolvePolicy({ policy: head.valid.manifest.policy, source: head.valid.source }) : resolvePolicy({});
}
