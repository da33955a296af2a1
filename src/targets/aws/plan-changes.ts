import { PlanActions, Replacement } from "../../review/diff";
import { DEFAULT_GROUP_TYPE, EGRESS_TYPE, GROUP_TYPE, INGRESS_TYPE, PREFIX_LIST_TYPE, TAG_SERVICE } from "./names";

type Json = Record<string, unknown>;

/** The resource types that carry access: groups, their rules, prefix lists. */
const ACCESS_TYPES = new Set([GROUP_TYPE, DEFAULT_GROUP_TYPE, INGRESS_TYPE, EGRESS_TYPE, "aws_security_group_rule", PREFIX_LIST_TYPE]);

/**
 * What Terraform's plan says it will do to groups: which it replaces (and the attributes that
 * force it), destroys and creates, and how many access resources each action touches.
 * Replacing a group fails with DependencyViolation while network interfaces use it, or cuts
 * their traffic when Terraform creates the new one first: every one is flagged.
 */
export function groupChangesOfPlan(plan: Json): { replaced: Replacement[]; destroyed: { address: string; service: string }[]; created: { address: string; service: string }[]; plan: PlanActions } {
  const replaced: Replacement[] = [];
  const destroyed: { address: string; service: string }[] = [];
  const created: { address: string; service: string }[] = [];
  const counts: PlanActions = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const change of (plan.resource_changes as Json[] | undefined) ?? []) {
    if (change.mode !== "managed" || !ACCESS_TYPES.has(change.type as string)) continue;
    const detail = (change.change ?? {}) as { actions?: string[]; before?: Json | null; after?: Json | null; replace_paths?: unknown[][] };
    const actions = detail.actions ?? [];
    const isReplace = actions.includes("delete") && actions.includes("create");
    if (isReplace) counts.replace++;
    else if (actions.includes("create")) counts.create++;
    else if (actions.includes("delete")) counts.delete++;
    else if (actions.includes("update")) counts.update++;
    if (change.type !== GROUP_TYPE) continue;
    const address = change.address as string;
    const tags = ((detail.after ?? detail.before ?? {}) as Json).tags as Record<string, string> | undefined;
    const service = tags?.[TAG_SERVICE] ?? address;
    if (isReplace) {
      const paths = (detail.replace_paths ?? []).map((p) => p.join("."));
      const reason = paths.length > 0 ? `${paths.join(", ")} cannot change in place` : String(change.action_reason ?? "Terraform replaces it");
      replaced.push({ address, service, reason });
    } else if (actions.includes("delete")) {
      destroyed.push({ address, service });
    } else if (actions.includes("create")) {
      created.push({ address, service });
    }
  }
  return { replaced, destroyed, created, plan: counts };
}
