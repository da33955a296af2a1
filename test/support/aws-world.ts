import { createHash } from "crypto";
import { AwsWorld } from "./mock-ec2";

/**
 * What AWS holds once a Terraform state is applied, in the AWS CLI's JSON (describe-security-groups
 * and describe-security-group-rules): each group with every rule on it, however the state manages
 * it (inline, `aws_security_group_rule`, the VPC rule resources), one AWS rule per peer. A VPC rule
 * resource keeps its `sgr-` id; AWS's ids for the other rules, which no state records, are made
 * up here, deterministically. Written independently of sgc's readers, from the state's values.
 */

type Values = Record<string, unknown>;
interface StateResource {
  address: string;
  type: string;
  values: Values;
}

/** One AWS rule, before it is written as the CLI writes it. */
interface WorldRule {
  groupId: string;
  ownerId: string;
  egress: boolean;
  protocol: string;
  from: number;
  to: number;
  peer: { CidrIpv4?: string; CidrIpv6?: string; PrefixListId?: string; ReferencedGroupInfo?: { GroupId: string; UserId: string } };
  description?: string;
  id?: string;
}

/** Every resource of a `terraform show -json` state, modules included. */
function resourcesOf(state: { values?: { root_module?: unknown } }): StateResource[] {
  const out: StateResource[] = [];
  const walk = (module: { resources?: StateResource[]; child_modules?: unknown[] } | undefined) => {
    for (const r of module?.resources ?? []) out.push(r);
    for (const child of module?.child_modules ?? []) walk(child as typeof module);
  };
  walk(state.values?.root_module as { resources?: StateResource[] });
  return out;
}

/** AWS's spelling of a protocol: names for tcp, udp, icmp and icmpv6, -1 for all. */
function protocolOf(value: unknown): string {
  const text = String(value).toLowerCase();
  return ({ "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", all: "-1" } as Record<string, string>)[text] ?? text;
}

/** The AWS world a state describes. */
export function worldFromState(state: unknown, account = "123456789012"): AwsWorld {
  const resources = resourcesOf(state as { values?: { root_module?: unknown } });
  const groups = resources.filter((r) => r.type === "aws_security_group" || r.type === "aws_default_security_group");
  const ownerOf = new Map(groups.map((g) => [String(g.values.id), String(g.values.owner_id ?? account)]));
  const rules: WorldRule[] = [];
  const add = (groupId: string, egress: boolean, block: Values, description: unknown, id?: string) => {
    const protocol = protocolOf(block.protocol ?? block.ip_protocol);
    const all = protocol === "-1";
    const base = { groupId, ownerId: ownerOf.get(groupId) ?? account, egress, protocol, from: all ? -1 : Number(block.from_port ?? -1), to: all ? -1 : Number(block.to_port ?? -1), ...(typeof description === "string" && description !== "" ? { description } : {}), ...(id ? { id } : {}) };
    const list = (key: string) => ((block[key] as string[] | null | undefined) ?? []).filter((v) => typeof v === "string" && v !== "");
    for (const c of [...list("cidr_blocks"), ...(typeof block.cidr_ipv4 === "string" ? [block.cidr_ipv4] : [])]) rules.push({ ...base, peer: { CidrIpv4: c } });
    for (const c of [...list("ipv6_cidr_blocks"), ...(typeof block.cidr_ipv6 === "string" ? [block.cidr_ipv6] : [])]) rules.push({ ...base, peer: { CidrIpv6: c } });
    for (const p of [...list("prefix_list_ids"), ...(typeof block.prefix_list_id === "string" ? [block.prefix_list_id] : [])]) rules.push({ ...base, peer: { PrefixListId: p } });
    const referenced = [...list("security_groups"), ...(typeof block.source_security_group_id === "string" ? [block.source_security_group_id] : []), ...(typeof block.referenced_security_group_id === "string" ? [block.referenced_security_group_id] : []), ...(block.self === true ? [groupId] : [])];
    for (const g of referenced) {
      const [user, group] = g.includes("/") ? g.split("/") : [ownerOf.get(g) ?? account, g];
      rules.push({ ...base, peer: { ReferencedGroupInfo: { GroupId: group, UserId: user } } });
    }
  };
  for (const g of groups) {
    for (const [key, egress] of [["ingress", false], ["egress", true]] as const) {
      for (const block of (g.values[key] as Values[] | null) ?? []) add(String(g.values.id), egress, block, block.description);
    }
  }
  for (const r of resources) {
    if (r.type === "aws_vpc_security_group_ingress_rule" || r.type === "aws_vpc_security_group_egress_rule") {
      add(String(r.values.security_group_id), r.type.endsWith("egress_rule"), r.values, r.values.description, String(r.values.id));
    } else if (r.type === "aws_security_group_rule") {
      add(String(r.values.security_group_id), r.values.type === "egress", r.values, r.values.description);
    }
  }
  // One AWS rule per group, direction, protocol, ports and peer: a state lists some twice (inline mirrors).
  const unique = new Map<string, WorldRule>();
  for (const rule of rules) {
    const key = JSON.stringify([rule.groupId, rule.egress, rule.protocol, rule.from, rule.to, rule.peer]);
    const seen = unique.get(key);
    if (!seen || (!seen.id && rule.id)) unique.set(key, rule);
  }
  const all = [...unique.values()].map((r) => ({ ...r, id: r.id ?? `sgr-0${createHash("sha256").update(JSON.stringify([r.groupId, r.egress, r.protocol, r.from, r.to, r.peer])).digest("hex").slice(0, 16)}` }));

  const securityGroups = groups.map((g) => {
    const id = String(g.values.id);
    const permissions = (egress: boolean) => {
      const byPorts = new Map<string, Values>();
      for (const r of all.filter((x) => x.groupId === id && x.egress === egress)) {
        const key = `${r.protocol} ${r.from} ${r.to}`;
        const p = byPorts.get(key) ?? { IpProtocol: r.protocol, ...(r.protocol === "-1" ? {} : { FromPort: r.from, ToPort: r.to }), IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
        const description = r.description ? { Description: r.description } : {};
        if (r.peer.CidrIpv4) (p.IpRanges as Values[]).push({ CidrIp: r.peer.CidrIpv4, ...description });
        if (r.peer.CidrIpv6) (p.Ipv6Ranges as Values[]).push({ CidrIpv6: r.peer.CidrIpv6, ...description });
        if (r.peer.PrefixListId) (p.PrefixListIds as Values[]).push({ PrefixListId: r.peer.PrefixListId, ...description });
        if (r.peer.ReferencedGroupInfo) (p.UserIdGroupPairs as Values[]).push({ GroupId: r.peer.ReferencedGroupInfo.GroupId, UserId: r.peer.ReferencedGroupInfo.UserId, ...description });
        byPorts.set(key, p);
      }
      return [...byPorts.values()];
    };
    const tags = Object.entries((g.values.tags as Record<string, string> | null) ?? {}).map(([Key, Value]) => ({ Key, Value }));
    return {
      Description: g.values.description,
      GroupName: g.values.name,
      IpPermissions: permissions(false),
      OwnerId: ownerOf.get(id),
      GroupId: id,
      IpPermissionsEgress: permissions(true),
      ...(tags.length > 0 ? { Tags: tags } : {}),
      VpcId: g.values.vpc_id,
      ...(typeof g.values.arn === "string" ? { SecurityGroupArn: g.values.arn } : {}),
    };
  });
  const securityGroupRules = all.map((r) => ({
    SecurityGroupRuleId: r.id,
    GroupId: r.groupId,
    GroupOwnerId: r.ownerId,
    IsEgress: r.egress,
    IpProtocol: r.protocol,
    FromPort: r.from,
    ToPort: r.to,
    ...r.peer,
    ...(r.description ? { Description: r.description } : {}),
    Tags: [],
  }));
  return { account, groups: securityGroups, rules: securityGroupRules };
}

/**
 * What `aws ec2 describe-security-group-rules --output json` lists for the groups that
 * `describe-security-groups` lists: one rule per peer of each permission, each with an `sgr-` id
 * (made up, deterministically, from what the rule is).
 */
export function ruleListOf(groups: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  for (const g of groups) {
    for (const [key, egress] of [["IpPermissions", false], ["IpPermissionsEgress", true]] as const) {
      for (const p of (g[key] as Record<string, unknown>[] | undefined) ?? []) {
        const base = { GroupId: g.GroupId, GroupOwnerId: g.OwnerId, IsEgress: egress, IpProtocol: p.IpProtocol, FromPort: p.FromPort ?? -1, ToPort: p.ToPort ?? -1 };
        const add = (peer: Record<string, unknown>, description: unknown) => {
          const id = `sgr-0${createHash("sha256").update(JSON.stringify([g.GroupId, egress, base.IpProtocol, base.FromPort, base.ToPort, peer])).digest("hex").slice(0, 16)}`;
          rules.push({ SecurityGroupRuleId: id, ...base, ...peer, ...(typeof description === "string" ? { Description: description } : {}), Tags: [] });
        };
        const list = (k: string) => (p[k] as Record<string, unknown>[] | undefined) ?? [];
        for (const r of list("IpRanges")) add({ CidrIpv4: r.CidrIp }, r.Description);
        for (const r of list("Ipv6Ranges")) add({ CidrIpv6: r.CidrIpv6 }, r.Description);
        for (const r of list("PrefixListIds")) add({ PrefixListId: r.PrefixListId }, r.Description);
        for (const r of list("UserIdGroupPairs")) add({ ReferencedGroupInfo: { GroupId: r.GroupId, UserId: r.UserId } }, r.Description);
      }
    }
  }
  return rules;
}
