import { anyAddress, compareCidrs, parseCidr } from "../model/cidr";
import { parsePortItem, PortItem } from "../model/ports";
import { Endpoint, Family, PortSpec, SourcePath } from "../model/types";
import { ConsumerSpec, EgressSpec, Manifest, PeerObject } from "./manifest";
import { didYouMean } from "./suggest";

/** A problem with the manifest's meaning, at a path; validation turns it into a located diagnostic. */
export interface Problem {
  code: string;
  message: string;
  path: SourcePath;
  /** Point at the map key rather than the value. */
  key?: boolean;
  hint?: string;
}

/** The reserved name for "any address". */
export const INTERNET = "internet";

/** The kinds of peer an object form may name; exactly one per object. */
const PEER_KINDS = ["service", "network", "securityGroup", "prefixList", "cidr"] as const;

/** A consumer or egress entry resolved to the endpoints it stands for. */
export interface ResolvedPeer {
  endpoints: Endpoint[];
  /** The ports the entry names, or undefined when it names none (a consumer then gets all the service's ports). */
  ports?: PortSpec[];
  description?: string;
  /** What the entry names (for spotting an entry listed twice): `service:web`, `cidr:10.0.0.0/8`. */
  identity: string;
  /** A readable name for descriptions: `web`, `office`, `10.0.0.0/8`. */
  label: string;
  /** For a network without a prefix list (`prefixList: false`), whose endpoints are its CIDRs: its name and each CIDR's own description. */
  network?: { name: string; descriptions: Map<string, string> };
}

/** Reads a list of port items, reporting each bad item and each item that overlaps an earlier one. */
export function parsePorts(items: readonly PortItem[], path: SourcePath, problems: Problem[]): PortSpec[] {
  const ports: PortSpec[] = [];
  items.forEach((item, index) => {
    const parsed = parsePortItem(item);
    if (!parsed.ok) {
      problems.push({ code: parsed.code, message: parsed.message, hint: parsed.hint, path: [...path, index] });
      return;
    }
    const earlier = ports.findIndex((p) => overlapsLoosely(p, parsed.port));
    if (earlier >= 0) {
      problems.push({
        code: "duplicate-port",
        message: `port item ${index + 1} overlaps item ${items.indexOf(items[earlier]) + 1}`,
        hint: "list each port once; ranges must not overlap",
        path: [...path, index],
      });
      return;
    }
    ports.push(parsed.port);
  });
  return ports;
}

function overlapsLoosely(a: PortSpec, b: PortSpec): boolean {
  if (a.protocol === "all" || b.protocol === "all") return true;
  if (a.protocol !== b.protocol) return false;
  if (a.protocol === "tcp" || a.protocol === "udp") {
    const bb = b as { from: number; to: number };
    return a.from <= bb.to && bb.from <= a.to;
  }
  return true;
}

/** The address families a network's CIDRs use, IPv4 first. */
export function networkFamilies(manifest: Manifest, network: string): Family[] {
  const families = new Set<Family>();
  const spec = manifest.networks && Object.hasOwn(manifest.networks, network) ? manifest.networks[network] : undefined;
  for (const entry of spec?.cidrs ?? []) {
    const parsed = parseCidr(typeof entry === "string" ? entry : entry.cidr);
    if (parsed.ok) families.add(parsed.cidr.family);
  }
  return (["ipv4", "ipv6"] as Family[]).filter((f) => families.has(f));
}

/** Every name a consumer may use, for suggestions. */
function knownNames(manifest: Manifest): string[] {
  return [...Object.keys(manifest.services), ...Object.keys(manifest.networks ?? {}), INTERNET];
}

/** Whether a network is declared with `prefixList: false`: its users get one rule per CIDR. */
export function isExpanded(manifest: Manifest, name: string): boolean {
  return name !== INTERNET && Object.hasOwn(manifest.networks ?? {}, name) && manifest.networks![name].prefixList === false;
}

function networkEndpoints(manifest: Manifest, name: string): Endpoint[] {
  if (name === INTERNET) return (["ipv4", "ipv6"] as Family[]).map((family) => ({ kind: "internet", family }));
  if (isExpanded(manifest, name)) return networkCidrs(manifest, name).map(({ cidr, family }) => ({ kind: "cidr", cidr, family }));
  return networkFamilies(manifest, name).map((family) => ({ kind: "network", name, family }));
}

/** A network's CIDRs that parse, canonical, with their own descriptions, in the order written. */
function networkCidrs(manifest: Manifest, name: string): { cidr: string; family: Family; description?: string }[] {
  return manifest.networks![name].cidrs.flatMap((entry) => {
    const parsed = parseCidr(typeof entry === "string" ? entry : entry.cidr);
    return parsed.ok ? [{ cidr: parsed.cidr.canonical, family: parsed.cidr.family, ...(typeof entry === "object" && entry.description ? { description: entry.description } : {}) }] : [];
  });
}

/** The endpoints of one address family, or a problem when the entry names no network (or nothing of that family). */
function ofFamily(endpoints: Endpoint[], family: Family | undefined, named: string | undefined, path: SourcePath, problems: Problem[]): Endpoint[] {
  if (family === undefined) return endpoints;
  if (named === undefined) {
    problems.push({ code: "family-without-network", message: "family applies to a network or to internet only", hint: "remove family: a CIDR, group or prefix list has one family of its own", path: [...path, "family"] });
    return endpoints;
  }
  const kept = endpoints.filter((e) => "family" in e && e.family === family);
  if (kept.length === 0) problems.push({ code: "no-such-family", message: `network "${named}" has no ${family === "ipv4" ? "IPv4" : "IPv6"} CIDRs`, path: [...path, "family"] });
  return kept;
}

/**
 * Resolves a consumer (`for: "consumer"`) or an egress entry (`for: "egress"`) of `service`
 * to the endpoints it names, or reports why it cannot be.
 */
export function resolvePeer(
  manifest: Manifest,
  service: string,
  spec: ConsumerSpec | EgressSpec,
  path: SourcePath,
  role: "consumer" | "egress",
  problems: Problem[],
): ResolvedPeer | undefined {
  const before = problems.length;
  const object: PeerObject & { to?: string } = typeof spec === "string" ? {} : spec;
  const ports = object.ports ? parsePorts(object.ports, [...path, "ports"], problems) : undefined;
  const named = typeof spec === "string" ? spec : undefined;
  const kinds = [...PEER_KINDS, "to" as const].filter((k) => (object as Record<string, unknown>)[k] !== undefined);
  const description = object.description;
  const result = (endpoints: Endpoint[], identity: string, label: string): ResolvedPeer | undefined =>
    problems.length > before ? undefined : { endpoints, ports, description, identity, label };

  if (named === undefined && kinds.length !== 1) {
    const choices = role === "consumer" ? PEER_KINDS.join(", ") : `to, ${PEER_KINDS.join(", ")}`;
    problems.push({
      code: "peer-kind",
      message: kinds.length === 0 ? `a ${role} entry must name one of ${choices}` : `a ${role} entry names ${kinds.join(" and ")}; give exactly one`,
      path,
    });
    return undefined;
  }

  const services = manifest.services;
  const networks = manifest.networks ?? {};
  const nameOf = named ?? object.service ?? object.network ?? object.to;
  if (nameOf !== undefined) {
    const namePath = named !== undefined ? path : [...path, object.service !== undefined ? "service" : object.network !== undefined ? "network" : "to"];
    // Own keys only: "constructor" names a service when the manifest has one, and nothing otherwise.
    const isService = Object.hasOwn(services, nameOf);
    const isNetwork = Object.hasOwn(networks, nameOf) || nameOf === INTERNET;
    const wants = object.service !== undefined ? "service" : object.network !== undefined || object.to !== undefined ? "network" : "either";
    if (!isService && !isNetwork) {
      const pool = wants === "service" ? Object.keys(services) : wants === "network" ? [...Object.keys(networks), INTERNET] : knownNames(manifest);
      problems.push({
        code: "unknown-name",
        message: `"${nameOf}" is not a ${wants === "either" ? "service or network" : wants} of this manifest`,
        hint: didYouMean(nameOf, pool),
        path: namePath,
      });
      return undefined;
    }
    if (role === "egress" && isService) {
      problems.push({
        code: "derived-egress",
        message: `egress to service "${nameOf}" is derived from its consumers and cannot be listed`,
        hint: `add "${service}" to the consumers of "${nameOf}"`,
        path: namePath,
      });
      return undefined;
    }
    if (wants === "service" && !isService) {
      problems.push({ code: "wrong-kind", message: `"${nameOf}" is a network, not a service`, hint: `write { network: ${nameOf} }`, path: namePath });
      return undefined;
    }
    if (wants === "network" && !isNetwork) {
      problems.push({ code: "wrong-kind", message: `"${nameOf}" is a service, not a network`, hint: `write { service: ${nameOf} }`, path: namePath });
      return undefined;
    }
    if (isService && wants !== "network") {
      if (nameOf === service) {
        problems.push({
          code: "self-consumer",
          message: `"${service}" lists itself as a consumer`,
          hint: "use peers: [...] for traffic among a service's own members",
          path: namePath,
        });
        return undefined;
      }
      return result([{ kind: "service", name: nameOf }], `service:${nameOf}`, nameOf);
    }
    const endpoints = ofFamily(networkEndpoints(manifest, nameOf), object.family, nameOf, path, problems);
    const expanded = isExpanded(manifest, nameOf) ? { network: { name: nameOf, descriptions: new Map(networkCidrs(manifest, nameOf).flatMap((c) => (c.description ? [[c.cidr, c.description] as const] : []))) } } : {};
    const resolved = result(endpoints, `network:${nameOf}${object.family ? `:${object.family}` : ""}`, nameOf);
    return resolved && { ...resolved, ...expanded };
  }
  if (object.family !== undefined) ofFamily([], object.family, undefined, path, problems);
  if (object.cidr !== undefined) {
    const parsed = parseCidr(object.cidr);
    if (!parsed.ok) {
      problems.push({ code: "invalid-cidr", message: parsed.message, path: [...path, "cidr"] });
      return undefined;
    }
    if (parsed.cidr.canonical !== object.cidr) {
      problems.push(cidrNotCanonical(object.cidr, parsed.cidr.canonical, [...path, "cidr"]));
      return undefined;
    }
    const { canonical, family } = parsed.cidr;
    if (canonical === anyAddress(family)) {
      problems.push(cidrIsInternet(canonical, [...path, "cidr"]));
      return undefined;
    }
    return result([{ kind: "cidr", cidr: canonical, family }], `cidr:${canonical}`, canonical);
  }
  if (object.prefixList !== undefined) {
    return result([{ kind: "prefixList", id: object.prefixList }], `prefix-list:${object.prefixList}`, object.prefixList);
  }
  const group = object.securityGroup!;
  return result([{ kind: "securityGroup", id: group }], `security-group:${group}`, group);
}

/**
 * The problem for `0.0.0.0/0` or `::/0` written as a raw range: the internet has a name, so
 * that policies and readers see it for what it is.
 */
export function cidrIsInternet(cidr: string, path: SourcePath): Problem {
  return { code: "cidr-is-internet", message: `${cidr} is the whole internet`, hint: "write internet (or { network: internet, ports: [...] }) instead", path };
}

/** The problem for a CIDR with host bits set or a non-canonical IPv6 spelling, with the fix. */
export function cidrNotCanonical(written: string, canonical: string, path: SourcePath): Problem {
  return {
    code: "cidr-not-canonical",
    message: `"${written}" is not in canonical form`,
    hint: `did you mean "${canonical}"?`,
    path,
  };
}

/** A network's CIDRs, parsed, checked and sorted (IPv4 first, then by address). */
export function networkEntries(
  manifest: Manifest,
  name: string,
  problems: Problem[],
): { cidr: string; family: Family; description?: string; address: bigint; prefix: number }[] {
  const spec = manifest.networks![name];
  const seen = new Map<string, number>();
  const entries: { cidr: string; family: Family; description?: string; address: bigint; prefix: number }[] = [];
  spec.cidrs.forEach((entry, index) => {
    const text = typeof entry === "string" ? entry : entry.cidr;
    const path = typeof entry === "string" ? ["networks", name, "cidrs", index] : ["networks", name, "cidrs", index, "cidr"];
    const parsed = parseCidr(text);
    if (!parsed.ok) {
      problems.push({ code: "invalid-cidr", message: parsed.message, path });
      return;
    }
    if (parsed.cidr.canonical !== text) {
      problems.push(cidrNotCanonical(text, parsed.cidr.canonical, path));
      return;
    }
    if (parsed.cidr.canonical === anyAddress(parsed.cidr.family)) {
      problems.push(cidrIsInternet(text, path));
      return;
    }
    if (seen.has(text)) {
      problems.push({ code: "duplicate-cidr", message: `"${text}" is listed twice in network "${name}"`, path });
      return;
    }
    seen.set(text, index);
    entries.push({
      cidr: text,
      family: parsed.cidr.family,
      description: typeof entry === "string" ? undefined : entry.description,
      address: parsed.cidr.address,
      prefix: parsed.cidr.prefix,
    });
  });
  return entries.sort((a, b) => compareCidrs({ ...a, canonical: a.cidr }, { ...b, canonical: b.cidr }));
}
