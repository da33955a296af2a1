import { coveredByUnion, formatPort } from "../model/ports";
import { Family, PortSpec } from "../model/types";
import { Manifest } from "./manifest";
import { INTERNET, networkEntries, parsePorts, Problem, resolvePeer } from "./resolve";
import { didYouMean } from "./suggest";

/** AWS's ceiling on a managed prefix list's max entries. */
export const MAX_PREFIX_LIST_ENTRIES = 1000;

/**
 * Checks what the schema cannot: names resolve, nothing is both a service and a network,
 * consumers ask only for ports the service serves, CIDRs are canonical, tiers and workloads
 * name things that exist, and no entry is listed twice.
 */
export function checkMeaning(manifest: Manifest): Problem[] {
  const problems: Problem[] = [];
  const networks = manifest.networks ?? {};
  const tiers = manifest.tiers ?? [];

  for (const key of Object.keys(manifest.aws.tags ?? {})) {
    if (key === "Name" || key.startsWith("sgc:")) {
      problems.push({
        code: "reserved-tag",
        message: `tag "${key}" is set by sgc on every resource it creates`,
        hint: "choose another key; sgc writes Name and the sgc: tags itself",
        path: ["aws", "tags", key],
        key: true,
      });
    }
  }

  for (const name of Object.keys(networks)) {
    if (name === INTERNET) {
      problems.push({ code: "reserved-name", message: `"${INTERNET}" is reserved and cannot name a network`, path: ["networks", name], key: true });
    }
    checkNetwork(manifest, name, problems);
  }

  for (const [name, service] of Object.entries(manifest.services)) {
    const at = ["services", name];
    if (name === INTERNET) {
      problems.push({ code: "reserved-name", message: `"${INTERNET}" is reserved and cannot name a service`, path: at, key: true });
    } else if (Object.hasOwn(networks, name)) {
      problems.push({
        code: "ambiguous-name",
        message: `"${name}" is both a service and a network; consumers could not tell which is meant`,
        hint: "rename one of them",
        path: at,
        key: true,
      });
    }
    if (service.tier !== undefined && !tiers.includes(service.tier)) {
      problems.push({
        code: "unknown-tier",
        message: tiers.length === 0 ? `tier "${service.tier}" is used but no tiers are declared` : `tier "${service.tier}" is not declared in tiers`,
        hint: tiers.length === 0 ? `add tiers: [${service.tier}] at the top level` : didYouMean(service.tier, tiers),
        path: [...at, "tier"],
      });
    }
    const ports = service.ports ? parsePorts(service.ports, [...at, "ports"], problems) : [];
    if (service.peers) parsePorts(service.peers, [...at, "peers"], problems);
    checkConsumers(manifest, name, ports, problems);
    checkEgress(manifest, name, problems);
  }

  for (const [workload, members] of Object.entries(manifest.workloads ?? {})) {
    members.forEach((member, index) => {
      if (!Object.hasOwn(manifest.services, member)) {
        problems.push({
          code: "unknown-name",
          message: `workload "${workload}" names "${member}", which is not a service`,
          hint: didYouMean(member, Object.keys(manifest.services)),
          path: ["workloads", workload, index],
        });
      }
    });
  }
  return problems;
}

function checkNetwork(manifest: Manifest, name: string, problems: Problem[]): void {
  const spec = manifest.networks![name];
  const entries = networkEntries(manifest, name, problems);
  for (const family of ["ipv4", "ipv6"] as Family[]) {
    const count = entries.filter((e) => e.family === family).length;
    if (count > MAX_PREFIX_LIST_ENTRIES) {
      problems.push({
        code: "too-many-entries",
        message: `network "${name}" has ${count} ${family} CIDRs; a prefix list holds at most ${MAX_PREFIX_LIST_ENTRIES}`,
        path: ["networks", name, "cidrs"],
      });
    } else if (spec.maxEntries !== undefined && count > spec.maxEntries) {
      problems.push({
        code: "max-entries",
        message: `network "${name}" has ${count} ${family} CIDRs but maxEntries is ${spec.maxEntries}`,
        hint: `raise maxEntries to at least ${count}, or remove it to size the list automatically`,
        path: ["networks", name, "maxEntries"],
      });
    }
  }
}

function checkConsumers(manifest: Manifest, name: string, ports: PortSpec[], problems: Problem[]): void {
  const consumers = manifest.services[name].consumers ?? [];
  const at = ["services", name, "consumers"];
  if (consumers.length > 0 && manifest.services[name].ports === undefined) {
    problems.push({
      code: "no-ports",
      message: `"${name}" has consumers but serves no ports`,
      hint: "add ports: [...] to the service, or remove its consumers",
      path: at,
      key: true,
    });
  }
  const seen = new Map<string, number>();
  consumers.forEach((consumer, index) => {
    const resolved = resolvePeer(manifest, name, consumer, [...at, index], "consumer", problems);
    if (!resolved) return;
    const earlier = seen.get(resolved.identity);
    if (earlier !== undefined) {
      problems.push({
        code: "duplicate-consumer",
        message: `${resolved.label} is listed twice as a consumer of "${name}" (items ${earlier + 1} and ${index + 1})`,
        hint: "list it once, with all the ports it needs",
        path: [...at, index],
      });
      return;
    }
    seen.set(resolved.identity, index);
    resolved.ports?.forEach((port, portIndex) => {
      if (!coveredByUnion(ports, port)) {
        problems.push({
          code: "port-not-served",
          message: `${formatPort(port)} is not among the ports "${name}" serves (${ports.map(formatPort).join(", ") || "none"})`,
          hint: `add it to services.${name}.ports or remove it here`,
          path: [...at, index, "ports", portIndex],
        });
      }
    });
  });
}

function checkEgress(manifest: Manifest, name: string, problems: Problem[]): void {
  const seen = new Map<string, number>();
  (manifest.services[name].egress ?? []).forEach((entry, index) => {
    const path = ["services", name, "egress", index];
    const resolved = resolvePeer(manifest, name, entry, path, "egress", problems);
    if (!resolved) return;
    const earlier = seen.get(resolved.identity);
    if (earlier !== undefined) {
      problems.push({
        code: "duplicate-egress",
        message: `${resolved.label} is listed twice under egress of "${name}" (items ${earlier + 1} and ${index + 1})`,
        hint: "list it once, with all the ports it needs",
        path,
      });
      return;
    }
    seen.set(resolved.identity, index);
  });
}
