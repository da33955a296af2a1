import { diffFlows, endpointKey } from "../model/flows";
import { formatPort } from "../model/ports";
import { compareText } from "../model/order";
import { Family, Flow } from "../model/types";
import { QuotaLine } from "../policies/engine";
import { Finding } from "../policies/types";
import { Unreadable } from "../targets/aws/read";
import { ReviewGroup, ReviewSide } from "./side";

/** A group that would be replaced (destroyed and created anew), and why. */
export interface Replacement {
  address: string;
  service: string;
  /** The address of the group that takes its place, when it has another one (a rename). */
  becomes?: string;
  reason: string;
}

/** A group whose rule count moved towards the quota. */
export interface QuotaMove {
  target: string;
  direction: "ingress" | "egress";
  family: Family;
  before: number;
  after: number;
  limit: number;
  headroom: number;
}

/** Terraform's own resource actions, when the review reads a plan. */
export interface PlanActions {
  create: number;
  update: number;
  delete: number;
  replace: number;
}

/** What a change to the access does: the review a pull request needs. */
export interface Review {
  flows: { added: Flow[]; removed: Flow[] };
  /** Named networks whose CIDRs change: access follows them everywhere they are used. */
  networks: { name: string; added: string[]; removed: string[]; usedBy: string[] }[];
  replaced: Replacement[];
  destroyed: { address: string; service: string }[];
  created: { address: string; service: string }[];
  findings: { new: Finding[]; resolved: Finding[] };
  quotas: QuotaMove[];
  plan?: PlanActions;
  /** Networks (and the internet) reached over both address families on either side, by name. */
  dualStack: string[];
  /** What sgc could not read, on either side: while there is any, the review is incomplete. */
  incomplete: (Unreadable & { side: "base" | "head" })[];
}

/** A finding's identity across versions: its message, unless it names a key (quota counts change). */
const findingKey = (f: Finding) => `${f.rule}\u0000${f.target}\u0000${f.key ?? f.message}`;

/**
 * Compares two versions of the access. Groups are matched by address; a group that changes
 * name, AWS description or VPC is replaced, since AWS cannot change those in place. A group
 * that disappears while one with the very same connections appears was renamed: replaced too.
 */
export function compareSides(base: ReviewSide, head: ReviewSide, fromPlan?: Pick<Review, "replaced" | "destroyed" | "created" | "plan">): Review {
  const flows = diffFlows(base.flows, head.flows);
  const groups = compareGroups(base, head, fromPlan);

  const baseFindings = new Set(base.check.findings.filter((f) => !f.suppressedBy).map(findingKey));
  const headFindings = new Set(head.check.findings.filter((f) => !f.suppressedBy).map(findingKey));
  const findings = {
    new: head.check.findings.filter((f) => !f.suppressedBy && !baseFindings.has(findingKey(f))),
    resolved: base.check.findings.filter((f) => !f.suppressedBy && !headFindings.has(findingKey(f))),
  };

  const quotaKey = (q: QuotaLine) => `${q.target}\u0000${q.direction}\u0000${q.family}`;
  const before = new Map(base.check.quotas.map((q) => [quotaKey(q), q.used]));
  const quotas = head.check.quotas
    .filter((q) => q.used > (before.get(quotaKey(q)) ?? 0))
    .map((q) => ({ target: q.target, direction: q.direction, family: q.family, before: before.get(quotaKey(q)) ?? 0, after: q.used, limit: q.limit, headroom: q.headroom }))
    .sort((a, b) => a.headroom - b.headroom || compareText(a.target, b.target) || compareText(a.direction, b.direction) || compareText(a.family, b.family));

  const networks = [...new Set([...base.networks.keys(), ...head.networks.keys()])]
    .sort(compareText)
    .map((name) => {
      const was = base.networks.get(name) ?? [];
      const now = head.networks.get(name) ?? [];
      const usedBy = [
        ...new Set(
          head.flows.flatMap((f) =>
            f.from.kind === "network" && f.from.name === name && f.to.kind === "service" ? [f.to.name] : f.to.kind === "network" && f.to.name === name && f.from.kind === "service" ? [f.from.name] : [],
          ),
        ),
      ].sort(compareText);
      return { name, added: now.filter((c) => !was.includes(c)), removed: was.filter((c) => !now.includes(c)), usedBy };
    })
    .filter((n) => n.added.length + n.removed.length > 0);

  const families = new Map<string, Set<Family>>();
  for (const f of [...base.flows, ...head.flows]) {
    for (const e of [f.from, f.to]) {
      if (e.kind !== "internet" && e.kind !== "network") continue;
      const name = e.kind === "internet" ? "internet" : e.name;
      families.set(name, (families.get(name) ?? new Set<Family>()).add(e.family));
    }
  }
  const dualStack = [...families.entries()].filter(([, set]) => set.size === 2).map(([name]) => name).sort(compareText);

  const incomplete = [...base.unreadable.map((u) => ({ ...u, side: "base" as const })), ...head.unreadable.map((u) => ({ ...u, side: "head" as const }))];
  return { flows, networks, ...groups, findings, quotas, dualStack, incomplete };
}

/**
 * Which groups are replaced, destroyed or created: from Terraform's plan when there is one,
 * else from the attributes AWS cannot change in place. Either way, a destroyed group and a
 * created one with the very same connections are one service renamed.
 */
function compareGroups(base: ReviewSide, head: ReviewSide, plan?: Pick<Review, "replaced" | "destroyed" | "created" | "plan">): Pick<Review, "replaced" | "destroyed" | "created" | "plan"> {
  const headByAddress = new Map(head.groups.map((g) => [g.address, g]));
  const baseByAddress = new Map(base.groups.map((g) => [g.address, g]));
  const replaced: Replacement[] = plan ? [...plan.replaced] : [];
  if (!plan) {
    for (const old of base.groups) {
      const now = headByAddress.get(old.address);
      if (!now) continue;
      const reason = forceNewChange(old, now);
      if (reason) replaced.push({ address: old.address, service: old.service, reason });
    }
  }
  const gone = plan
    ? plan.destroyed.map((d) => baseByAddress.get(d.address) ?? { address: d.address, service: d.service, forceNew: {} })
    : base.groups.filter((g) => !headByAddress.has(g.address));
  const arrived = plan
    ? plan.created.map((c) => headByAddress.get(c.address) ?? { address: c.address, service: c.service, forceNew: {} })
    : head.groups.filter((g) => !baseByAddress.has(g.address));
  const arrivedBySignature = new Map<string, ReviewGroup[]>();
  for (const g of arrived) {
    const signature = connections(head.flows, g.service);
    arrivedBySignature.set(signature, [...(arrivedBySignature.get(signature) ?? []), g]);
  }
  const renamedTo = new Set<string>();
  const destroyed: Review["destroyed"] = [];
  for (const old of gone) {
    const signature = connections(base.flows, old.service);
    const candidates = (arrivedBySignature.get(signature) ?? []).filter((g) => !renamedTo.has(g.address));
    const goneAlike = gone.filter((g) => connections(base.flows, g.service) === signature);
    if (signature !== "" && candidates.length === 1 && goneAlike.length === 1) {
      renamedTo.add(candidates[0].address);
      replaced.push({ address: old.address, service: old.service, becomes: candidates[0].address, reason: `service renamed from ${old.service} to ${candidates[0].service}` });
    } else {
      destroyed.push({ address: old.address, service: old.service });
    }
  }
  const created = arrived.filter((g) => !renamedTo.has(g.address)).map((g) => ({ address: g.address, service: g.service }));
  return { replaced: replaced.sort((a, b) => compareText(a.address, b.address)), destroyed, created, ...(plan?.plan ? { plan: plan.plan } : {}) };
}

/** Why AWS would replace the group, or undefined when it would not. */
function forceNewChange(old: ReviewGroup, now: ReviewGroup): string | undefined {
  const a = old.forceNew;
  const b = now.forceNew;
  if (a.vpcId !== undefined && b.vpcId !== undefined && a.vpcId !== b.vpcId) return `VPC changed from ${a.vpcId} to ${b.vpcId}`;
  if (a.name !== undefined && b.name !== undefined && a.name !== b.name) return `group name changes from ${a.name} to ${b.name}`;
  if (a.description !== undefined && b.description !== undefined && a.description !== b.description) return "the group's AWS description changes";
  return undefined;
}

/** A service's connections with its own name taken out: equal for a service and its renamed self. */
function connections(flows: readonly Flow[], service: string): string {
  const self = endpointKey({ kind: "service", name: service });
  const key = (e: Flow["from"]) => (endpointKey(e) === self ? "SELF" : endpointKey(e));
  return flows
    .filter((f) => endpointKey(f.from) === self || endpointKey(f.to) === self)
    .map((f) => `${key(f.from)} -> ${key(f.to)} ${formatPort(f.port)}`)
    .sort()
    .join("\n");
}
