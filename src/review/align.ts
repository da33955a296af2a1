import { Endpoint, Model } from "../model/types";
import type { LoadedInput } from "../pipeline";
import { groupType, TAG_SERVICE, TAG_STACK } from "../targets/aws/names";
import { ReadGroup, ReadSecurity } from "../targets/aws/read";

/**
 * A deployment read as a manifest names its groups, so that a review compares like with like:
 * a group the manifest adopted (by its id, or by the Terraform address it was imported from) or
 * made (its `sgc:service` tag names a service of the manifest's stack) takes the service's name
 * and resource address, in its rules and in every rule that refers to it; a managed prefix list
 * the manifest refers to by id is that prefix list. Everything else stays as it was read.
 */
export function alignToManifest(security: ReadSecurity, model: Model): ReadSecurity {
  const services = new Map(model.services.map((s) => [s.name, s]));
  const byId = new Map(model.services.flatMap((s) => (s.adopt?.securityGroup ? [[s.adopt.securityGroup, s.name] as const] : [])));
  const byAddress = new Map(model.services.flatMap((s) => (s.adopt?.address ? [[s.adopt.address, s.name] as const] : [])));
  const serviceOf = (g: ReadGroup): string | undefined => {
    if (g.external) return undefined;
    const adopted = (g.id !== undefined ? byId.get(g.id) : undefined) ?? byAddress.get(g.address);
    if (adopted) return adopted;
    const tag = g.tags[TAG_SERVICE];
    return tag !== undefined && services.has(tag) && (g.tags[TAG_STACK] ?? model.name) === model.name ? tag : undefined;
  };

  const renamed = new Map<string, string>();
  const back = new Map<string, string>();
  const taken = new Set<string>();
  for (const g of security.groups) {
    const service = serviceOf(g);
    if (service === undefined || taken.has(service)) continue;
    taken.add(service);
    renamed.set(g.target, service);
    back.set(service, g.target);
  }
  if (renamed.size === 0 && !model.rules.some((r) => r.peer.kind === "prefixList")) return security;

  const listIds = new Set(model.rules.flatMap((r) => (r.peer.kind === "prefixList" ? [r.peer.id] : [])));
  const lists = new Map(security.prefixLists.flatMap((l) => (l.id !== undefined && listIds.has(l.id) ? [[`${l.network}\u0000${l.family}`, l.id] as const] : [])));
  const name = (target: string) => renamed.get(target) ?? target;
  const peer = (p: Endpoint): Endpoint => {
    if (p.kind === "service") return { kind: "service", name: name(p.name) };
    if (p.kind === "network") {
      const id = lists.get(`${p.name}\u0000${p.family}`);
      if (id !== undefined) return { kind: "prefixList", id };
    }
    return p;
  };
  return {
    ...security,
    groups: security.groups.map((g) => {
      const service = renamed.get(g.target);
      if (service === undefined) return g;
      return { ...g, target: service, address: `${groupType(services.get(service)!)}.${service}` };
    }),
    rules: security.rules.map((r) => ({ ...r, service: name(r.service), peer: peer(r.peer) })),
    defaultGroupUsers: new Map([...security.defaultGroupUsers].map(([vpc, users]) => [vpc, users.map(name).sort()])),
    reaches: (p, to) => security.reaches(p, back.get(to) ?? to),
  };
}

/**
 * Two inputs as a review compares them: when one is a manifest and the other is not (a
 * deployment, or drift), the other is read as the manifest names its groups.
 */
export function alignInputs(base: LoadedInput | undefined, head: LoadedInput): [LoadedInput | undefined, LoadedInput] {
  const align = (input: LoadedInput | undefined, other: LoadedInput | undefined): LoadedInput | undefined =>
    input && input.kind !== "manifest" && other?.kind === "manifest" ? { ...input, security: alignToManifest(input.security, other.model) } : input;
  return [align(base, head), align(head, base)!];
}
