import { Model } from "../model/types";
import { ParsedSource, Path } from "../parse";
import { Location, PolicyInput } from "./types";

/** The policy input of a compiled manifest, every item located in the manifest's text. */
export function policyInputFromModel(model: Model, source: ParsedSource): PolicyInput {
  const locate = (path: Path, key = false): Location => ({ file: source.file, ...source.locate(path, key) });
  const workloadsOf = new Map<string, string[]>();
  for (const workload of model.workloads) {
    for (const member of workload.services) workloadsOf.set(member, [...(workloadsOf.get(member) ?? []), workload.name]);
  }
  const hasCloseKey = (source.value as { aws?: Record<string, unknown> }).aws?.closeDefaultSecurityGroup !== undefined;
  // A service that adopts a VPC's default group is that VPC's default group, as policies read
  // it from Terraform: judged by default-sg-closed, not as a service.
  const defaults = model.services.filter((s) => s.adopt?.default);
  const isDefault = new Set(defaults.map((s) => s.name));
  const mainVpcDefault = defaults.some((s) => (s.adopt!.vpcId ?? model.aws.vpcId) === model.aws.vpcId);
  return {
    kind: "manifest",
    file: source.file,
    groups: model.services.filter((s) => !isDefault.has(s.name)).map((service) => ({
      target: service.name,
      name: service.name,
      // An adopted group keeps its AWS description, which describes it as well.
      ...((service.description ?? service.adopt?.description) ? { description: service.description ?? service.adopt?.description } : {}),
      ...(service.tier ? { tier: service.tier } : {}),
      ports: service.ports,
      workloads: workloadsOf.get(service.name) ?? [],
      naming: "name" as const,
      location: locate(service.at, true),
    })),
    rules: model.rules.filter((rule) => !isDefault.has(rule.service)).map((rule) => ({
      group: rule.service,
      direction: rule.direction,
      peer: rule.peer,
      port: rule.port,
      ...(rule.description ? { description: rule.description } : {}),
      location: locate(rule.at),
    })),
    prefixLists: model.networks.flatMap((network) =>
      (["ipv4", "ipv6"] as const)
        .filter((family) => network.maxEntries[family] !== undefined)
        .map((family) => ({
          network: network.name,
          family,
          maxEntries: network.maxEntries[family]!,
          entries: network.entries.filter((e) => e.family === family).map((e) => e.cidr),
          location: locate(network.at, true),
        })),
    ),
    defaultGroups: [
      ...(mainVpcDefault
        ? []
        : [
            {
              vpc: model.aws.vpcId,
              managed: model.aws.closeDefaultSecurityGroup,
              rules: 0,
              reliedOnBy: [],
              location: locate(hasCloseKey ? ["aws", "closeDefaultSecurityGroup"] : ["aws"], true),
            },
          ]),
      ...defaults.map((service) => ({
        vpc: service.adopt!.vpcId ?? model.aws.vpcId,
        managed: true,
        rules: model.rules.filter((r) => r.service === service.name).length,
        reliedOnBy: [...new Set(model.rules.filter((r) => r.service !== service.name && r.peer.kind === "service" && r.peer.name === service.name).map((r) => r.service))].sort(),
        location: locate(service.at, true),
      })),
    ],
    tiers: model.tiers,
    // A network without a prefix list (`prefixList: false`) is its ranges in AWS, rule by rule:
    // as in its Terraform, it names no admin network.
    networks: model.networks.filter((n) => n.prefixList !== false).map((n) => n.name),
    workloads: model.workloads.map((w) => ({ name: w.name, groups: w.services, location: locate(w.at, true) })),
  };
}
