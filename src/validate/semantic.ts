import { endpointKey, formatEndpoint } from "../model/flows";
import { coveredByUnion, formatPort, overlaps } from "../model/ports";
import { Endpoint, Family, PortSpec, SourcePath } from "../model/types";
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

  checkAdoption(manifest, problems);

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
  if (spec.prefixList === false && spec.maxEntries !== undefined) {
    problems.push({
      code: "max-entries",
      message: `network "${name}" has no prefix list (prefixList: false), so maxEntries sizes nothing`,
      hint: "remove maxEntries, or prefixList: false",
      path: ["networks", name, "maxEntries"],
      key: true,
    });
  }
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
  const rules = new RuleClash("consumer", name);
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
    rules.add(resolved.endpoints, resolved.ports ?? ports, index, [...at, index], problems);
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
  const rules = new RuleClash("egress", name);
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
    rules.add(resolved.endpoints, resolved.ports ?? [], index, path, problems);
  });
}

/**
 * Two entries that name different things can still give the same rule: `internet` and
 * `{ network: internet, family: ipv6 }`, or a raw CIDR and the same CIDR in a network without
 * a prefix list. AWS refuses a rule twice, so sgc does, at the later entry.
 */
class RuleClash {
  private readonly given = new Map<string, { index: number; ports: PortSpec[] }[]>();

  constructor(
    private readonly role: "consumer" | "egress",
    private readonly service: string,
  ) {}

  add(endpoints: readonly Endpoint[], ports: readonly PortSpec[], index: number, path: SourcePath, problems: Problem[]): void {
    for (const endpoint of endpoints) {
      const key = endpointKey(endpoint);
      const earlier = this.given.get(key) ?? [];
      for (const other of earlier) {
        const port = ports.find((p) => other.ports.some((q) => overlaps(p, q)));
        if (port === undefined) continue;
        problems.push({
          code: `duplicate-${this.role}`,
          message: `items ${other.index + 1} and ${index + 1} of the ${this.role === "consumer" ? "consumers" : "egress"} of "${this.service}" both allow ${formatEndpoint(endpoint)} on ${formatPort(port)}`,
          hint: "list each address once for each port",
          path,
        });
        return;
      }
      this.given.set(key, [...earlier, { index, ports: [...ports] }]);
    }
  }
}

/**
 * What `adopt:` must hold so that adoption replaces nothing and takes nothing twice: one
 * service per existing group and per AWS rule, a default group adopted by its id (creating an
 * `aws_default_security_group` would first remove all its rules), at most one per VPC, and
 * never together with `closeDefaultSecurityGroup: true` for the same VPC.
 */
function checkAdoption(manifest: Manifest, problems: Problem[]): void {
  const groups = new Map<string, string>();
  const rules = new Map<string, string>();
  const defaults = new Map<string, string>();
  for (const [name, service] of Object.entries(manifest.services)) {
    const adopt = service.adopt;
    if (!adopt) continue;
    const at = ["services", name, "adopt"];
    if (adopt.securityGroup !== undefined) {
      const other = groups.get(adopt.securityGroup);
      if (other !== undefined) problems.push({ code: "adopted-twice", message: `${adopt.securityGroup} is adopted by "${other}" already`, hint: "one service per existing group", path: [...at, "securityGroup"] });
      else groups.set(adopt.securityGroup, name);
    }
    for (const direction of ["ingress", "egress"] as const) {
      for (const [rule, id] of Object.entries(adopt.rules?.[direction] ?? {})) {
        const other = rules.get(id);
        if (other !== undefined) problems.push({ code: "adopted-twice", message: `rule ${id} is adopted by ${other} already`, hint: "one sgc rule per AWS rule", path: [...at, "rules", direction, rule] });
        else rules.set(id, `the ${direction} rule ${rule}`);
      }
    }
    for (const key of Object.keys(adopt.tags ?? {})) {
      if (key.startsWith("sgc:")) problems.push({ code: "reserved-tag", message: `tag "${key}" is set by sgc on every group it manages`, hint: "remove it: sgc writes its sgc: tags itself", path: [...at, "tags", key], key: true });
    }
    if (!adopt.default) continue;
    for (const key of ["name", "description"] as const) {
      if (adopt[key] !== undefined) problems.push({ code: "default-group-fixed", message: `a VPC's default group has the ${key} AWS gave it; it cannot be set`, hint: `remove adopt.${key}`, path: [...at, key], key: true });
    }
    if (adopt.securityGroup === undefined) {
      problems.push({
        code: "default-group-id",
        message: "a default group is adopted by its id: creating aws_default_security_group instead would first remove every rule it has",
        hint: "add adopt.securityGroup: the default group's sg- id",
        path: [...at, "default"],
        key: true,
      });
    }
    const vpc = adopt.vpcId ?? manifest.aws.vpcId;
    const other = defaults.get(vpc);
    if (other !== undefined) problems.push({ code: "adopted-twice", message: `"${other}" adopts the default group of ${vpc} already`, path: [...at, "default"], key: true });
    else defaults.set(vpc, name);
    if (vpc === manifest.aws.vpcId && manifest.aws.closeDefaultSecurityGroup === true) {
      problems.push({
        code: "default-group-twice",
        message: `"${name}" adopts the default group of ${vpc}, which closeDefaultSecurityGroup: true also manages`,
        hint: `remove closeDefaultSecurityGroup, or set it to false: "${name}" declares the default group's rules (none closes it)`,
        path: ["aws", "closeDefaultSecurityGroup"],
      });
    }
  }
}
