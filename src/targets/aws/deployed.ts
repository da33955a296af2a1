import { endpointKey } from "../../model/flows";
import { formatPort } from "../../model/ports";
import type { TerraformInput } from "../../terraform";
import { locateJsonPath } from "../../terraform/json-path";
import { AwsListing, ListingPlace } from "./listing";
import { EGRESS_TYPE, INGRESS_TYPE } from "./names";
import { jsonLocator } from "./policy-input";
import { LEGACY_RULE_TYPE, ReadGroup, ReadRule, ReadSecurity } from "./read";

/**
 * What is deployed, as adoption needs it: the access (`ReadSecurity`, read as for every other
 * command), and for each group and rule what AWS calls it (`sg-`, `sgr-` ids), whether it
 * exists yet (a plan may create it), and where it stands in the input, for messages.
 */

/** A place in an input, 1-based. */
export interface Place {
  file: string;
  line: number;
  column: number;
}

/** A group that exists (or that a plan creates). */
export interface DeployedGroup {
  group: ReadGroup;
  /** Its `sg-` id; absent for a group a plan has yet to create. */
  id?: string;
  /** The account that owns it, when known. */
  ownerId?: string;
  /** False for a group a plan creates: there is nothing to adopt. */
  exists: boolean;
  at(): Place | undefined;
}

/** A rule that exists (or that a plan creates). */
export interface DeployedRule {
  rule: ReadRule;
  /** The group the rule is on. */
  group: ReadGroup;
  /** Its `sgr-` id, when the input gives it. */
  id?: string;
  /** Why the input gives no `sgr-` id for a rule that exists. */
  noId?: string;
  exists: boolean;
  at(): Place | undefined;
}

/** What is deployed, for `sgc import`. */
export interface Deployed {
  file: string;
  kind: "plan" | "state" | "aws";
  security: ReadSecurity;
  groups: DeployedGroup[];
  rules: DeployedRule[];
  /** The region, from the ARNs the input shows. */
  region?: string;
  /** Prefix lists named by id whose names the input shows (an AWS listing's describe-managed-prefix-lists). */
  prefixListNames: Map<string, string>;
}

/** The region of an ARN (`arn:aws:ec2:us-east-1:…`). */
function regionOf(arn: unknown): string | undefined {
  return typeof arn === "string" ? /^arn:[^:]+:[^:]+:([a-z0-9-]+):/.exec(arn)?.[1] : undefined;
}

/** The deployed view of an AWS listing. */
export function deployedOfListing(file: string, listing: AwsListing): Deployed {
  const byId = new Map(listing.security.groups.map((g) => [g.address, g]));
  const listed = new Map(listing.groups.map((g) => [g.id, g]));
  const groups = listing.security.groups
    .filter((g) => !g.external)
    .map((group): DeployedGroup => {
      const g = listed.get(group.address)!;
      return { group, id: g.id, ...(g.ownerId ? { ownerId: g.ownerId } : {}), exists: true, at: () => locateListing(g.at) };
    });
  const rules = listing.rules.map(
    (r): DeployedRule => ({
      rule: r.rule,
      group: byId.get(r.groupId)!,
      ...(r.ruleId ? { id: r.ruleId } : { noId: "describe-security-groups does not give rule ids" }),
      exists: true,
      at: () => locateListing(r.at),
    }),
  );
  const region = [...listing.groups.map((g) => g.arn), ...listing.prefixLists.map((l) => l.arn)].map(regionOf).find((r) => r !== undefined);
  return {
    file,
    kind: "aws",
    security: listing.security,
    groups,
    rules,
    ...(region ? { region } : {}),
    prefixListNames: new Map(listing.prefixLists.map((l) => [l.id, l.name])),
  };
}

function locateListing(at: ListingPlace): Place {
  return { file: at.document.file, ...locateJsonPath(at.document.text, at.path) };
}

/** The deployed view of a Terraform state or plan: ids from the instances' values, existence from the plan's actions. */
export function deployedOfTerraform(input: { kind: "plan" | "state"; file: string; text: string; terraform: TerraformInput; security: ReadSecurity }): Deployed {
  const instances = new Map(input.terraform.view.instances().map((i) => [i.address, i]));
  const created = new Set((input.terraform.changes ?? []).filter((c) => c.actions.includes("create") && !c.actions.includes("delete")).map((c) => c.address));
  const locate = jsonLocator(input.text, input.file, input.kind);
  const at = (address: string) => () => locate(address);
  const groups = input.security.groups
    .filter((g) => !g.external)
    .map((group): DeployedGroup => {
      const values = instances.get(group.address)?.values ?? {};
      const exists = !created.has(group.address);
      return {
        group,
        ...(exists && group.id ? { id: group.id } : {}),
        ...(typeof values.owner_id === "string" ? { ownerId: values.owner_id } : {}),
        exists,
        at: at(group.address),
      };
    });
  const byAddress = new Map(input.security.groups.map((g) => [g.target, g]));
  const rules = input.security.rules.map((rule): DeployedRule => {
    const instance = instances.get(rule.address);
    const id = instance?.values?.id;
    const exists = !created.has(rule.address);
    const separate = instance && (instance.type === INGRESS_TYPE || instance.type === EGRESS_TYPE);
    return {
      rule,
      group: byAddress.get(rule.service)!,
      ...(exists && separate && typeof id === "string" && id.startsWith("sgr-") ? { id } : {}),
      ...(exists && !separate ? { noId: instance?.type === LEGACY_RULE_TYPE ? "aws_security_group_rule does not record AWS's rule ids" : "inline rules do not record AWS's rule ids" } : {}),
      exists,
      at: at(rule.address),
    };
  });
  const region = [...instances.values()].map((i) => regionOf(i.values?.arn)).find((r) => r !== undefined) ?? (input.kind === "plan" ? providerRegion(input.text) : undefined);
  return { file: input.file, kind: input.kind, security: input.security, groups, rules, ...(region ? { region } : {}), prefixListNames: new Map() };
}

/**
 * The region a plan's default AWS provider is configured with, when written as a constant
 * (`configuration.provider_config.aws.expressions.region`): a plan that only creates groups
 * has no ARN to tell it.
 */
function providerRegion(text: string): string | undefined {
  const plan = JSON.parse(text) as { configuration?: { provider_config?: { aws?: { expressions?: { region?: { constant_value?: unknown } } } } } };
  const region = plan.configuration?.provider_config?.aws?.expressions?.region?.constant_value;
  return typeof region === "string" && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) ? region : undefined;
}

/**
 * Gives rules without an `sgr-` id the id an AWS listing of rules (`describe-security-group-rules`)
 * has for the same group, direction, peer and ports. The listing's groups must be those of the
 * input by id; a group the input manages under another id is not matched.
 */
export function withRuleIds(deployed: Deployed, listing: AwsListing): Deployed {
  const idOf = new Map(deployed.security.groups.flatMap((g) => (g.id ? [[g.target, g.id] as const] : [])));
  for (const g of listing.security.groups) if (g.id) idOf.set(g.target, g.id);
  const key = (groupId: string, rule: ReadRule) => `${groupId}\u0000${rule.direction}\u0000${peerKey(rule.peer, idOf)}\u0000${formatPort(rule.port)}`;
  const ids = new Map<string, string>();
  for (const r of listing.rules) if (r.ruleId) ids.set(key(r.groupId, r.rule), r.ruleId);
  return {
    ...deployed,
    rules: deployed.rules.map((r) => {
      if (r.id || !r.exists || !r.group.id) return r;
      const id = ids.get(key(r.group.id, r.rule));
      if (!id) return r;
      const { noId: _gone, ...rest } = r;
      return { ...rest, id };
    }),
  };
}

/** A peer as AWS names it: a group by its id (without the account of a group in this account), anything else by its key. */
function peerKey(peer: ReadRule["peer"], idOf: ReadonlyMap<string, string>): string {
  if (peer.kind === "service") return `group:${idOf.get(peer.name) ?? peer.name}`;
  if (peer.kind === "securityGroup") return `group:${peer.id.replace(/^\d{12}\//, "")}`;
  return endpointKey(peer);
}
