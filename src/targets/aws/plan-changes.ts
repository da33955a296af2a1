import { PlanActions, Replacement } from "../../review/diff";
import { ResourceChange } from "../../terraform";
import { DEFAULT_GROUP_TYPE, EGRESS_TYPE, GROUP_TYPE, INGRESS_TYPE, PREFIX_LIST_TYPE, TAG_SERVICE } from "./names";


/** The resource types that carry access: groups, their rules, prefix lists. */
const ACCESS_TYPES = new Set([GROUP_TYPE, DEFAULT_GROUP_TYPE, INGRESS_TYPE, EGRESS_TYPE, "aws_security_group_rule", PREFIX_LIST_TYPE, "aws_ec2_managed_prefix_list_entry"]);

/**
 * What Terraform's plan says it will do to groups: which it replaces (and the attributes that
 * force it), destroys and creates, and how many access resources each action touches.
 * Replacing a group fails with DependencyViolation while network interfaces use it, or cuts
 * their traffic when Terraform creates the new one first: every one is flagged.
 */
export function groupChangesOfPlan(changes: readonly ResourceChange[]): { replaced: Replacement[]; destroyed: { address: string; service: string }[]; created: { address: string; service: string }[]; plan: PlanActions } {
  const replaced: Replacement[] = [];
  const destroyed: { address: string; service: string }[] = [];
  const created: { address: string; service: string }[] = [];
  const counts: PlanActions = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const change of changes) {
    if (change.mode !== "managed" || !ACCESS_TYPES.has(change.type)) continue;
    const actions = change.actions;
    const isReplace = actions.includes("delete") && actions.includes("create");
    if (isReplace) counts.replace++;
    else if (actions.includes("create")) counts.create++;
    else if (actions.includes("delete")) counts.delete++;
    else if (actions.includes("update")) counts.update++;
    if (change.type !== GROUP_TYPE) continue;
    const address = change.address;
    const tags = (change.after ?? change.before ?? {}).tags as Record<string, unknown> | undefined;
    const tag = tags && typeof tags === "object" ? tags[TAG_SERVICE] : undefined;
    const service = typeof tag === "string" ? tag : address;
    if (isReplace) {
      const reason = change.replacePaths.length > 0 ? `${change.replacePaths.join(", ")} cannot change in place` : change.actionReason ?? "Terraform replaces it";
      replaced.push({ address, service, reason });
    } else if (actions.includes("delete")) {
      destroyed.push({ address, service });
    } else if (actions.includes("create")) {
      created.push({ address, service });
    }
  }
  return { replaced, destroyed, created, plan: counts };
}
