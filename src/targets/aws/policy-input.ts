import { compareText } from "../../model/order";
import { parsePortItem } from "../../model/ports";
import { PortSpec } from "../../model/types";
import { InputKind, Location, PolicyDefaultGroup, PolicyInput, PolicyWorkload } from "../../policies/types";
import { TAG_SERVICE } from "./names";
import { TerraformView } from "../../terraform/view";
import { groupTags, ReadSecurity } from "./read";

/**
 * The policy input of a Terraform configuration, plan or state. Groups that sgc wrote carry
 * tags with what the manifest knew (tier, tiers, ports, workloads), so the rules say the same of
 * the Terraform as of the manifest; hand-written groups are checked on what they show.
 * `locate` finds a resource's place in the JSON text, for editors and code scanning.
 */
export function policyInputFromTerraform(security: ReadSecurity, kind: InputKind, file: string, locate: (address: string) => Location | undefined): PolicyInput {
  const at = (address: string) => {
    const location = locate(address);
    return { resource: address, ...(location ? { location } : {}) };
  };
  const defaultGroups = security.groups.filter((g) => g.isDefault && !g.external);
  const groups = security.groups.filter((g) => !g.isDefault && !g.external);
  const defaultTargets = new Set(security.groups.filter((g) => g.isDefault).map((g) => g.target));
  const tiers = groups.map((g) => groupTags(g).tiers).find((t) => t.length > 0) ?? [];

  const workloads = new Map<string, string[]>();
  for (const group of groups) for (const w of groupTags(group).workloads) workloads.set(w, [...(workloads.get(w) ?? []), group.target]);

  // One default group per VPC the input knows: those it declares and those its groups are in.
  const vpcs = new Set<string>([...security.vpcs.filter((v) => v.address !== undefined).map((v) => v.key), ...groups.map((g) => g.vpc).filter((v): v is string => v !== undefined), ...defaultGroups.map((g) => g.vpc).filter((v): v is string => v !== undefined)]);
  const vpcLabel = (key: string) => {
    const vpc = security.vpcs.find((v) => v.key === key);
    return vpc?.address ?? key;
  };
  const perVpc: PolicyDefaultGroup[] = [...vpcs].sort(compareText).flatMap((vpc): PolicyDefaultGroup[] => {
    const managing = defaultGroups.filter((g) => g.vpc === vpc);
    const users = security.defaultGroupUsers.get(vpc) ?? [];
    if (managing.length === 0) {
      const declared = security.vpcs.find((v) => v.key === vpc)?.address;
      // A VPC that is not declared (the default VPC, one given by id) is known from its groups: the finding is at the first.
      const member = groups.find((g) => g.vpc === vpc)?.address;
      const location = declared === undefined && member !== undefined ? locate(member) : undefined;
      return [{ vpc: vpcLabel(vpc), managed: false, rules: 0, reliedOnBy: users, ...(declared ? at(declared) : location ? { location } : {}) }];
    }
    return managing.map((g) => ({ vpc: vpcLabel(vpc), managed: true, rules: security.rules.filter((r) => r.service === g.target).length, reliedOnBy: users, ...at(g.address) }));
  });
  // A default group whose VPC is not known is still checked for rules.
  for (const g of defaultGroups.filter((d) => d.vpc === undefined)) {
    perVpc.push({ vpc: g.address, managed: true, rules: security.rules.filter((r) => r.service === g.target).length, reliedOnBy: [], ...at(g.address) });
  }

  return {
    kind,
    file,
    groups: groups.map((group) => {
      const tags = groupTags(group);
      const ports = tags.ports.map((p) => parsePortText(p)).filter((p): p is PortSpec => p !== undefined);
      return {
        target: group.target,
        name: group.name,
        naming: group.naming,
        ...(group.description ? { description: group.description } : {}),
        ...(tags.tier ? { tier: tags.tier } : {}),
        ...(tags.ports.length > 0 ? { ports } : {}),
        ...(group.tags[TAG_SERVICE] !== undefined ? { workloads: tags.workloads } : {}),
        ...at(group.address),
      };
    }),
    rules: security.rules
      .filter((r) => !defaultTargets.has(r.service))
      .map((r) => ({
        group: r.service,
        direction: r.direction,
        peer: r.peer,
        port: r.port,
        ...(r.description ? { description: r.description } : {}),
        ...at(r.address),
      })),
    prefixLists: security.prefixLists.map((l) => ({ network: l.network, family: l.family, maxEntries: l.maxEntries, entries: l.entries, ...at(l.address) })),
    defaultGroups: perVpc,
    tiers,
    networks: [...new Set(security.prefixLists.map((l) => l.network))].sort(compareText),
    unreadable: security.unreadable.map((u) => ({ ...u, ...(locate(u.address) ? { location: locate(u.address)! } : {}) })),
    workloads: [...workloads.entries()].sort(([a], [b]) => compareText(a, b)).map(([name, members]): PolicyWorkload => ({ name, groups: members.sort(compareText) })),
  };
}

/** Reads `tcp/443`, `udp/8000-8100`, `icmp`, `icmp/8`, `icmp/3:4` or `all` back into a port spec. */
function parsePortText(text: string): PortSpec | undefined {
  const [protocol, range] = text.split("/");
  if (range === undefined) return protocol === "icmp" || protocol === "all" || protocol === "icmpv6" ? ({ protocol } as PortSpec) : undefined;
  if (protocol === "icmp") {
    const [type, code] = range.split(":").map(Number);
    const parsed = parsePortItem({ protocol: "icmp", type, ...(code !== undefined ? { code } : {}) });
    return parsed.ok ? parsed.port : undefined;
  }
  const [from, to] = range.split("-").map(Number);
  const parsed = parsePortItem({ from, to: to ?? from, protocol: protocol as "tcp" | "udp" });
  return parsed.ok ? parsed.port : undefined;
}

/**
 * A function that finds where a resource stands in JSON text: the line and column of its
 * name key (`"web__from_lb__tcp_80": {`) in a cdk.tf.json, or of its `"address"` in a plan or
 * state. The text is indexed as lookups need it, each part once, so finding every resource is
 * linear.
 */
/**
 * Where a resource of a Terraform input is: in the input's JSON text, else (a resource of a
 * module read from its files) where the configuration's files declare it.
 */
export function terraformLocator(input: { text: string; file: string; kind: InputKind; terraform: { view: TerraformView } }): (address: string) => Location | undefined {
  const inText = jsonLocator(input.text, input.file, input.kind);
  return (address) => inText(address) ?? input.terraform.view.declaration(address);
}

export function jsonLocator(text: string, file: string, kind: InputKind): (address: string) => Location | undefined {
  let lineStarts: number[] | undefined;
  let offsetOf: ((address: string) => number | undefined) | undefined;
  const position = (offset: number): Location => {
    lineStarts ??= lineStartsOf(text);
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  return (address) => {
    if (!offsetOf) {
      const offsets = kind === "terraform" ? configurationOffsets(text) : undefined;
      offsetOf = offsets ? (a) => offsets.get(a) : addressFinder(text);
    }
    const offset = offsetOf(address);
    return offset === undefined ? undefined : position(offset);
  };
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * The first offset of each `"address": "..."` in a plan or state, scanning only as far as a
 * lookup needs: a plan lists every resource in its planned values first, so the rest of it
 * (changes, configuration: two thirds of the text) is scanned only for an address not there.
 */
function addressFinder(text: string): (address: string) => number | undefined {
  const found = new Map<string, number>();
  const pattern = /"address":\s*"((?:[^"\\]|\\.)*)"/g;
  let scanned = false;
  return (wanted) => {
    const known = found.get(wanted);
    if (known !== undefined || scanned) return known;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      let address = m[1];
      // Decoded only when escaped: a plan has three addresses per resource.
      if (address.includes("\\")) {
        try {
          address = JSON.parse(`"${address}"`) as string;
        } catch {
          continue; // Not an address sgc reads.
        }
      }
      if (found.has(address)) continue;
      found.set(address, m.index);
      if (address === wanted) return m.index;
    }
    scanned = true;
    return undefined;
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The offset just past the JSON string that starts at `start` (its opening quote); -1 when it does not end. */
function stringEnd(text: string, start: number): number {
  let close = text.indexOf('"', start + 1);
  for (;;) {
    if (close < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return close + 1;
    close = text.indexOf('"', close + 1);
  }
}

/**
 * The offset of each resource's name key in a JSON configuration: `"type": { ... "name": {`
 * inside the top-level `"resource"` object. Found in one pass over the text's structure
 * (brackets, and strings skipped whole), without parsing it again: the pipeline has parsed it
 * once already, and a cdk.tf.json of 100,000 rules is 77 MB.
 */
function configurationOffsets(text: string): Map<string, number> {
  const out = new Map<string, number>();
  // The containers the scan is in, outermost first: objects with the key whose value is being
  // read, and arrays (key null).
  const stack: { object: boolean; key: string | null }[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) break;
      const top = stack[stack.length - 1];
      if (expectKey && top?.object) {
        const raw = text.slice(i, end);
        let key: string;
        try {
          key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        } catch {
          break;
        }
        top.key = key;
        expectKey = false;
        // A name key: in the root object's "resource" object, in a type's object.
        if (stack.length === 3 && stack[0].object && stack[0].key === "resource" && stack[1].object && stack[2].object) {
          const address = `${stack[1].key}.${key}`;
          if (!out.has(address)) out.set(address, i);
        }
      }
      i = end - 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ object: c === 0x7b, key: null });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1]?.object === true;
    }
  }
  return out;
}
