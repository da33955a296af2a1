import { formatPort } from "../../model/ports";
import { Family, Model, Network, Rule, Service } from "../../model/types";

/**
 * Terraform names and AWS names of what sgc creates, derived from manifest names only. This
 * file knows no cdktf, so readers of synthesized JSON and plans share it with the writer.
 */

export const GROUP_TYPE = "aws_security_group";
export const INGRESS_TYPE = "aws_vpc_security_group_ingress_rule";
export const EGRESS_TYPE = "aws_vpc_security_group_egress_rule";
export const PREFIX_LIST_TYPE = "aws_ec2_managed_prefix_list";
export const DEFAULT_GROUP_TYPE = "aws_default_security_group";
/** The default group's resource name; has an underscore, so no service can be named the same. */
export const DEFAULT_GROUP_NAME = "default_security_group";

/** Tag keys sgc sets, so readers and people can tell what a resource stands for. */
export const TAG_STACK = "sgc:stack";
export const TAG_SERVICE = "sgc:service";
export const TAG_NETWORK = "sgc:network";
export const TAG_DESCRIPTION = "sgc:description";
export const TAG_TIER = "sgc:tier";
/** The ports a service serves, space-separated (`tcp/443 udp/8125`). */
export const TAG_PORTS = "sgc:ports";
/** The manifest's tiers, outermost first, space-separated. */
export const TAG_TIERS = "sgc:tiers";
/** The workloads that carry the group, space-separated. */
export const TAG_WORKLOADS = "sgc:workloads";

/** AWS's limits on tags: values of at most 256 characters, at most 50 tags a resource. */
export const TAG_VALUE_MAX = 256;
export const TAGS_PER_RESOURCE_MAX = 50;

/**
 * Space-separated words as tags of at most 256 characters each: `key`, then `key-2`, `key-3`
 * for what does not fit, so long port or workload lists are never cut.
 */
export function wordTags(key: string, words: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  let current = "";
  let index = 1;
  for (const word of words) {
    if (current && current.length + 1 + word.length > TAG_VALUE_MAX) {
      tags[index === 1 ? key : `${key}-${index}`] = current;
      index++;
      current = "";
    }
    current = current ? `${current} ${word}` : word;
  }
  if (current) tags[index === 1 ? key : `${key}-${index}`] = current;
  return tags;
}

/** The words of a tag written by `wordTags`, from all its parts. */
export function readWordTags(tags: Record<string, string>, key: string): string[] {
  const words: string[] = [];
  for (let index = 1; ; index++) {
    const value = tags[index === 1 ? key : `${key}-${index}`];
    if (value === undefined) return words;
    words.push(...value.split(" ").filter(Boolean));
  }
}

/** The AWS name of a service's group: `<stack>-<service>`, or the name of the group it adopted. */
export function groupName(model: Pick<Model, "name">, service: Pick<Service, "name" | "adopt">): string {
  return service.adopt?.name ?? `${model.name}-${service.name}`;
}

/**
 * The group's AWS description. It depends on the service name only: AWS cannot change a
 * group's description in place, so a manifest description (which users edit) goes to a tag.
 * An adopted group keeps its own, for the same reason.
 */
export function groupDescription(service: Pick<Service, "name" | "adopt">): string {
  return service.adopt?.description ?? `sgc service ${service.name}`;
}

/** The VPC of a service's group: the manifest's, or the one its adopted group is in. */
export function groupVpc(model: Pick<Model, "aws">, service: Pick<Service, "adopt">): string {
  return service.adopt?.vpcId ?? model.aws.vpcId;
}

/** The resource type of a service's group: a VPC's default group is `aws_default_security_group`. */
export function groupType(service: Pick<Service, "adopt">): string {
  return service.adopt?.default ? DEFAULT_GROUP_TYPE : GROUP_TYPE;
}

/** The Terraform resource name of a network's prefix list for one family: `office_ipv4`. */
export function prefixListResourceName(network: Pick<Network, "name">, family: Family): string {
  return `${network.name}_${family}`;
}

/** The AWS name of a network's prefix list: `<stack>-<network>-<family>`. */
export function prefixListName(model: Pick<Model, "name">, network: Pick<Network, "name">, family: Family): string {
  return `${model.name}-${network.name}-${family}`;
}

/** The resource type of a rule. */
export function ruleType(rule: Pick<Rule, "direction">): string {
  return rule.direction === "ingress" ? INGRESS_TYPE : EGRESS_TYPE;
}

/**
 * A manifest string as a Terraform JSON string literal. Terraform reads `${` and `%{` in JSON
 * strings as template syntax; AWS descriptions may contain `$` and `{`, so a description such
 * as `costs ${x}` must be escaped (`$${`) to reach AWS as written, not be evaluated.
 */
export function literal(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** The text a Terraform JSON string literal stands for: `literal` undone. */
export function unliteral(text: string): string {
  return text.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
}

/** A Terraform reference to an attribute of a resource, as JSON configuration spells it. */
export function reference(type: string, name: string, attribute = "id"): string {
  return `\${${type}.${name}.${attribute}}`;
}

/** Parses `${type.name.attribute}` back into its parts, or undefined for anything else. */
export function parseReference(value: unknown): { type: string; name: string; attribute: string } | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^\$\{([a-zA-Z0-9_]+)\.([a-zA-Z0-9_-]+)\.([a-zA-Z0-9_]+)\}$/.exec(value);
  return match ? { type: match[1], name: match[2], attribute: match[3] } : undefined;
}

/** The output name for a service's group id. */
export function groupOutputName(service: Pick<Service, "name">): string {
  return `${service.name}_security_group_id`;
}

/** The output name for a network's prefix list id in one family. */
export function prefixListOutputName(network: Pick<Network, "name">, family: Family): string {
  return `${network.name}_${family}_prefix_list_id`;
}

/**
 * A group's tags: the user's, then sgc's own. Besides naming the group, they carry what the
 * policies need to check the Terraform alone as they check the manifest (ports, tiers, workloads).
 */
export function groupTags(model: Model, service: Service, workloads: readonly string[]): Record<string, string> {
  return {
    ...model.aws.tags,
    ...service.adopt?.tags,
    [TAG_STACK]: model.name,
    // An adopted group keeps the Name people know it by.
    Name: service.adopt?.tags.Name ?? (service.adopt?.default ? `${model.name}-${service.name}` : groupName(model, service)),
    [TAG_SERVICE]: service.name,
    ...(service.tier ? { [TAG_TIER]: service.tier } : {}),
    // An adopted group's AWS description describes it too, as the manifest's checks take it.
    ...((service.description ?? service.adopt?.description) ? { [TAG_DESCRIPTION]: literal((service.description ?? service.adopt?.description)!) } : {}),
    ...wordTags(TAG_PORTS, service.ports.map(formatPort)),
    ...wordTags(TAG_TIERS, model.tiers),
    ...wordTags(TAG_WORKLOADS, workloads),
  };
}

