import { anyAddress, parseCidr } from "../../model/cidr";
import { endpointKey, reachesWithoutVpc } from "../../model/flows";
import { formatPort } from "../../model/ports";
import { Endpoint, Family, PortSpec } from "../../model/types";
import { locateJsonPath } from "../../terraform/json-path";
import { TAG_DESCRIPTION, TAG_SERVICE } from "./names";
import { fitPort, readPort, ReadGroup, ReadRule, ReadSecurity, Unreadable } from "./read";

/**
 * Security groups as the AWS CLI lists them (`aws ec2 describe-security-groups --output json`),
 * optionally with `describe-security-group-rules` (each rule's `sgr-` id), `describe-managed-prefix-lists`
 * and `get-managed-prefix-list-entries`, read into the same `ReadSecurity` as Terraform, so that
 * check, flows, graph, diff and import treat the live groups like any input. Ports are read by
 * `readPort`, as for Terraform. One document may hold several outputs merged
 * (`jq -s add groups.json rules.json`); `sgc import` also takes them as separate files.
 */

/** The top-level keys of the AWS CLI outputs sgc reads. */
export const LISTING_KEYS = ["SecurityGroups", "SecurityGroupRules", "PrefixLists", "Entries"] as const;

/** One JSON document of a listing: its file, text and parsed value. */
export interface ListingDocument {
  file: string;
  text: string;
  json: Record<string, unknown>;
}

/** A place in one document of a listing, resolved to a line and column only when asked. */
export interface ListingPlace {
  document: ListingDocument;
  path: (string | number)[];
}

/** A group as the listing shows it. */
export interface ListedGroup {
  id: string;
  name: string;
  description: string;
  vpcId?: string;
  ownerId?: string;
  arn?: string;
  tags: Record<string, string>;
  isDefault: boolean;
  at: ListingPlace;
}

/** A rule of the listing: the rule as sgc reads it, the group it is on, and its `sgr-` id when the listing gives it. */
export interface ListedRule {
  rule: ReadRule;
  groupId: string;
  ruleId?: string;
  at: ListingPlace;
}

/** A managed prefix list of the listing, with its entries when they were given. */
export interface ListedPrefixList {
  id: string;
  name: string;
  ownerId?: string;
  maxEntries?: number;
  arn?: string;
  entries?: { cidr: string; description?: string }[];
}

/** An AWS listing read: what it allows (`security`) and what AWS calls each group and rule. */
export interface AwsListing {
  security: ReadSecurity;
  groups: ListedGroup[];
  rules: ListedRule[];
  prefixLists: ListedPrefixList[];
  /** Where an address (a group id, an `sgr-` id) stands in the listing, for findings. */
  locate(address: string): { file: string; line: number; column: number } | undefined;
}

/** A problem with the shape of a listing, at a JSON path of one of its files. */
export interface ListingProblem {
  file: string;
  path: (string | number)[];
  message: string;
  line: number;
  column: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Reads one or more documents of an AWS listing. A `get-managed-prefix-list-entries` document
 * does not say which list it lists: the `pl-` id in its file name does.
 */
export function readListing(documents: readonly ListingDocument[]): { ok: true; listing: AwsListing } | { ok: false; problems: ListingProblem[] } {
  return new ListingReader(documents).read();
}

class ListingReader {
  private readonly problems: ListingProblem[] = [];
  private readonly groups = new Map<string, ListedGroup>();
  private readonly lists = new Map<string, ListedPrefixList>();
  private readonly rules: ListedRule[] = [];
  private readonly unreadable: Unreadable[] = [];
  private readonly places = new Map<string, ListingPlace>();
  private readonly targets = new Map<string, string>();
  private readonly defaultUsers = new Map<string, Set<string>>();

  constructor(private readonly documents: readonly ListingDocument[]) {}

  read(): { ok: true; listing: AwsListing } | { ok: false; problems: ListingProblem[] } {
    const hasGroups = this.documents.some((d) => d.json.SecurityGroups !== undefined || d.json.SecurityGroupRules !== undefined);
    if (!hasGroups && this.documents.length > 0) {
      const first = this.documents[0];
      this.problem(first, [], "this listing has no security groups: describe-managed-prefix-lists and get-managed-prefix-list-entries only complete the output of aws ec2 describe-security-groups");
    }
    for (const d of this.documents) this.readPrefixLists(d);
    for (const d of this.documents) this.readEntries(d);
    for (const d of this.documents) this.readGroups(d);
    if (this.problems.length > 0) return { ok: false, problems: this.problems };
    this.nameTargets();
    for (const d of this.documents) this.readPermissions(d);
    const listed = this.documents.flatMap((d) => this.readRuleList(d));
    if (this.problems.length > 0) return { ok: false, problems: this.problems };
    this.matchRuleIds(listed);
    return { ok: true, listing: this.result() };
  }

  private problem(document: ListingDocument, path: (string | number)[], message: string): void {
    this.problems.push({ file: document.file, path, message, ...locateJsonPath(document.text, path) });
  }

  /** An array at `key` of objects, or nothing (with a problem when it is something else). */
  private objects(document: ListingDocument, container: Json, path: (string | number)[], key: string): { item: Json; path: (string | number)[] }[] {
    const value = container[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(document, [...path, key], `${key} must be a list, as the AWS CLI writes it`);
      return [];
    }
    return value.flatMap((item, n) => {
      if (isObject(item)) return [{ item, path: [...path, key, n] }];
      this.problem(document, [...path, key, n], `each item of ${key} must be an object`);
      return [];
    });
  }

  /** A string field, required or not; a problem when it is of another type. */
  private text(document: ListingDocument, item: Json, path: (string | number)[], key: string, required = false): string | undefined {
    const value = item[key];
    if (typeof value === "string" && (value !== "" || !required)) return value;
    if (value === undefined || value === null) {
      if (required) this.problem(document, path, `${key} is missing`);
      return undefined;
    }
    this.problem(document, [...path, key], `${key} must be ${required ? "a non-empty " : "a "}string`);
    return undefined;
  }

  private tags(document: ListingDocument, item: Json, path: (string | number)[]): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const { item: tag, path: at } of this.objects(document, item, path, "Tags")) {
      const key = this.text(document, tag, at, "Key", true);
      const value = this.text(document, tag, at, "Value") ?? "";
      if (key !== undefined) Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return tags;
  }

  private readPrefixLists(d: ListingDocument): void {
    for (const { item, path } of this.objects(d, d.json, [], "PrefixLists")) {
      const id = this.text(d, item, path, "PrefixListId", true);
      if (id === undefined) continue;
      const max = item.MaxEntries;
      this.lists.set(id, {
        id,
        name: this.text(d, item, path, "PrefixListName") ?? id,
        ...(typeof item.OwnerId === "string" ? { ownerId: item.OwnerId } : {}),
        ...(typeof max === "number" ? { maxEntries: max } : {}),
        ...(typeof item.PrefixListArn === "string" ? { arn: item.PrefixListArn } : {}),
      });
    }
  }

  /** `get-managed-prefix-list-entries` output does not name its list: its file name must (`pl-0123….json`). */
  private readEntries(d: ListingDocument): void {
    if (d.json.Entries === undefined) return;
    const id = /pl-[0-9a-f]+/.exec(d.file.split(/[\\/]/).pop() ?? "")?.[0];
    if (!id) {
      this.problem(d, ["Entries"], "get-managed-prefix-list-entries output does not say which prefix list it lists: name the file after the list (pl-0123456789abcdef0.json)");
      return;
    }
    const list = this.lists.get(id) ?? { id, name: id };
    list.entries = this.objects(d, d.json, [], "Entries").flatMap(({ item, path }) => {
      const cidr = this.text(d, item, path, "Cidr", true);
      const description = this.text(d, item, path, "Description");
      return cidr === undefined ? [] : [{ cidr, ...(description ? { description } : {}) }];
    });
    this.lists.set(id, list);
  }

  private readGroups(d: ListingDocument): void {
    for (const { item, path } of this.objects(d, d.json, [], "SecurityGroups")) {
      const id = this.text(d, item, path, "GroupId", true);
      const name = this.text(d, item, path, "GroupName", true);
      if (id === undefined || name === undefined) continue;
      if (this.groups.has(id)) {
        this.problem(d, [...path, "GroupId"], `${id} is listed twice`);
        continue;
      }
      const vpcId = this.text(d, item, path, "VpcId");
      const ownerId = this.text(d, item, path, "OwnerId");
      const arn = this.text(d, item, path, "SecurityGroupArn");
      this.groups.set(id, {
        id,
        name,
        description: this.text(d, item, path, "Description") ?? "",
        ...(vpcId ? { vpcId } : {}),
        ...(ownerId ? { ownerId } : {}),
        ...(arn ? { arn } : {}),
        tags: this.tags(d, item, path),
        // AWS names only a VPC's default group "default": no other group may take that name.
        isDefault: name === "default",
        at: { document: d, path },
      });
      this.places.set(id, { document: d, path });
    }
  }

  /** A group's target: its sgc:service tag (a group sgc made) when no other group has the same, else its id. */
  private nameTargets(): void {
    const byTag = new Map<string, number>();
    for (const g of this.groups.values()) if (g.tags[TAG_SERVICE]) byTag.set(g.tags[TAG_SERVICE], (byTag.get(g.tags[TAG_SERVICE]) ?? 0) + 1);
    for (const g of this.groups.values()) {
      const tag = g.tags[TAG_SERVICE];
      this.targets.set(g.id, tag && byTag.get(tag) === 1 && !this.groups.has(tag) ? tag : g.id);
    }
  }

  private targetOf(groupId: string): string {
    return this.targets.get(groupId) ?? groupId;
  }

  /** The rules of each listed group's `IpPermissions` and `IpPermissionsEgress`: one rule per peer, as AWS counts them. */
  private readPermissions(d: ListingDocument): void {
    for (const { item, path } of this.objects(d, d.json, [], "SecurityGroups")) {
      const group = typeof item.GroupId === "string" ? this.groups.get(item.GroupId) : undefined;
      if (!group || group.at.document !== d || group.at.path[1] !== path[1]) continue;
      for (const [key, direction] of [["IpPermissions", "ingress"], ["IpPermissionsEgress", "egress"]] as const) {
        for (const { item: permission, path: at } of this.objects(d, item, path, key)) {
          const port = this.portOf(group.id, at, permission.IpProtocol, permission.FromPort, permission.ToPort);
          const peer = (kind: string, each: (entry: Json) => { peer?: Endpoint; description?: string }) => {
            for (const { item: entry, path: entryAt } of this.objects(d, permission, at, kind)) {
              const { peer, description } = each(entry);
              if (peer && port) this.addRule(group, direction, peer, port, description, undefined, { document: d, path: entryAt });
            }
          };
          peer("IpRanges", (e) => ({ peer: this.cidrPeer(d, e, at, "CidrIp", "ipv4", group.id), description: this.text(d, e, at, "Description") }));
          peer("Ipv6Ranges", (e) => ({ peer: this.cidrPeer(d, e, at, "CidrIpv6", "ipv6", group.id), description: this.text(d, e, at, "Description") }));
          peer("PrefixListIds", (e) => {
            const id = this.text(d, e, at, "PrefixListId", true);
            return { ...(id ? { peer: { kind: "prefixList", id } as Endpoint } : {}), description: this.text(d, e, at, "Description") };
          });
          peer("UserIdGroupPairs", (e) => {
            const id = this.text(d, e, at, "GroupId", true);
            return { ...(id ? { peer: this.groupPeer(group, id, this.text(d, e, at, "UserId")) } : {}), description: this.text(d, e, at, "Description") };
          });
        }
      }
    }
  }

  private cidrPeer(d: ListingDocument, entry: Json, path: (string | number)[], key: string, family: Family, groupId: string): Endpoint | undefined {
    const text = this.text(d, entry, path, key, true);
    if (text === undefined) return undefined;
    const parsed = parseCidr(text);
    if (!parsed.ok || parsed.cidr.family !== family) {
      this.unreadable.push({ address: groupId, attribute: key, reason: `${JSON.stringify(text)} is not an ${family === "ipv4" ? "IPv4" : "IPv6"} CIDR` });
      return undefined;
    }
    const { canonical } = parsed.cidr;
    return canonical === anyAddress(family) ? { kind: "internet", family } : { kind: "cidr", cidr: canonical, family };
  }

  /** A referenced group: one of the listing, or one outside it by id (`ACCOUNT/sg-…` when another account owns it). */
  private groupPeer(owner: { id: string; ownerId?: string; vpcId?: string }, id: string, userId: string | undefined): Endpoint {
    const listed = this.groups.get(id);
    if (listed) {
      if (listed.isDefault && listed.id !== owner.id) {
        const users = this.defaultUsers.get(listed.vpcId ?? listed.id) ?? new Set<string>();
        users.add(this.targetOf(owner.id));
        this.defaultUsers.set(listed.vpcId ?? listed.id, users);
      }
      return { kind: "service", name: this.targetOf(id) };
    }
    return { kind: "securityGroup", id: userId && owner.ownerId && userId !== owner.ownerId ? `${userId}/${id}` : id };
  }

  private portOf(address: string, path: (string | number)[], protocol: unknown, from: unknown, to: unknown): PortSpec | undefined {
    const value = (v: unknown) => (typeof v === "string" || typeof v === "number" ? v : null);
    const port = readPort(value(protocol), value(from), value(to));
    if (typeof port === "string") {
      this.unreadable.push({ address, attribute: path.slice(2).join("."), reason: port });
      return undefined;
    }
    return port;
  }

  private addRule(group: { id: string }, direction: "ingress" | "egress", peer: Endpoint, port: PortSpec, description: string | undefined, ruleId: string | undefined, at: ListingPlace): ListedRule {
    const listed = this.groups.has(group.id);
    const rule: ReadRule = {
      address: ruleId ?? group.id,
      direction,
      service: this.targetOf(group.id),
      ...(listed ? {} : { owner: { kind: "securityGroup", id: group.id } as Endpoint }),
      peer,
      port: fitPort(port, peer),
      ...(description ? { description } : {}),
      inline: ruleId === undefined,
    };
    const entry: ListedRule = { rule, groupId: group.id, ...(ruleId ? { ruleId } : {}), at };
    this.rules.push(entry);
    return entry;
  }

  /** The rules of `describe-security-group-rules`, each with its id, read but not yet added. */
  private readRuleList(d: ListingDocument): { groupId: string; ownerId?: string; ruleId: string; direction: "ingress" | "egress"; peer: Endpoint; port: PortSpec; description?: string; at: ListingPlace }[] {
    return this.objects(d, d.json, [], "SecurityGroupRules").flatMap(({ item, path }) => {
      const ruleId = this.text(d, item, path, "SecurityGroupRuleId", true);
      const groupId = this.text(d, item, path, "GroupId", true);
      if (ruleId === undefined || groupId === undefined) return [];
      if (typeof item.IsEgress !== "boolean") {
        this.problem(d, [...path, "IsEgress"], "IsEgress must be true or false");
        return [];
      }
      this.places.set(ruleId, { document: d, path });
      const port = this.portOf(ruleId, path, item.IpProtocol, item.FromPort, item.ToPort);
      const ownerId = this.text(d, item, path, "GroupOwnerId");
      const owner = this.groups.get(groupId) ?? { id: groupId, ...(ownerId ? { ownerId } : {}) };
      let peer: Endpoint | undefined;
      if (typeof item.CidrIpv4 === "string") peer = this.cidrPeer(d, item, path, "CidrIpv4", "ipv4", ruleId);
      else if (typeof item.CidrIpv6 === "string") peer = this.cidrPeer(d, item, path, "CidrIpv6", "ipv6", ruleId);
      else if (typeof item.PrefixListId === "string") peer = { kind: "prefixList", id: item.PrefixListId };
      else if (isObject(item.ReferencedGroupInfo) && typeof item.ReferencedGroupInfo.GroupId === "string") {
        const info = item.ReferencedGroupInfo;
        peer = this.groupPeer(owner, info.GroupId as string, typeof info.UserId === "string" ? info.UserId : undefined);
      } else {
        this.unreadable.push({ address: ruleId, reason: "it names no CIDR, prefix list or group" });
      }
      const description = this.text(d, item, path, "Description");
      if (!peer || !port) return [];
      return [{ groupId, ...(ownerId ? { ownerId } : {}), ruleId, direction: item.IsEgress ? ("egress" as const) : ("ingress" as const), peer, port, ...(description ? { description } : {}), at: { document: d, path } }];
    });
  }

  /**
   * Gives each rule of the groups' permissions the id `describe-security-group-rules` lists for it
   * (same group, direction, protocol, ports and peer: AWS holds no rule twice). A listed rule of a
   * group outside `describe-security-groups` is a rule of its own; one of a listed group that no
   * permission matches means the two listings differ (taken at different times): it is added,
   * erring towards more access, and reported as unreadable.
   */
  private matchRuleIds(listed: ReturnType<ListingReader["readRuleList"]>): void {
    const key = (groupId: string, direction: string, peer: Endpoint, port: PortSpec) => `${groupId}\u0000${direction}\u0000${endpointKey(peer)}\u0000${formatPort(fitPort(port, peer))}`;
    const byKey = new Map(this.rules.map((r) => [key(r.groupId, r.rule.direction, r.rule.peer, r.rule.port), r]));
    for (const l of listed) {
      const match = byKey.get(key(l.groupId, l.direction, l.peer, l.port));
      if (match && match.ruleId === undefined) {
        match.ruleId = l.ruleId;
        match.rule.address = l.ruleId;
        match.rule.inline = false;
        continue;
      }
      const added = this.addRule({ id: l.groupId }, l.direction, l.peer, l.port, l.description, l.ruleId, l.at);
      if (this.groups.has(l.groupId)) {
        this.unreadable.push({ address: added.rule.address, reason: `describe-security-group-rules lists it but describe-security-groups does not show it on ${l.groupId}: list both again, at the same time` });
      }
    }
  }

  private result(): AwsListing {
    const groups: ReadGroup[] = [...this.groups.values()].map((g) => {
      const service = this.targetOf(g.id) !== g.id ? g.tags[TAG_SERVICE] : undefined;
      const own = service ? g.tags[TAG_DESCRIPTION] : g.description;
      return {
        address: g.id,
        id: g.id,
        target: this.targetOf(g.id),
        name: service ?? g.name,
        naming: "name" as const,
        ...(own ? { description: own } : {}),
        tags: g.tags,
        isDefault: g.isDefault,
        ...(g.vpcId ? { vpc: g.vpcId } : {}),
        forceNew: { name: g.name, description: g.description, ...(g.vpcId ? { vpcId: g.vpcId } : {}) },
      };
    });
    // Groups outside the listing that its rules are on (from describe-security-group-rules alone).
    for (const r of this.rules) {
      if (this.groups.has(r.groupId) || groups.some((g) => g.address === r.groupId)) continue;
      groups.push({ address: r.groupId, id: r.groupId, target: r.groupId, name: r.groupId, naming: "unknown", tags: {}, isDefault: false, external: true, forceNew: {} });
    }
    const locate = (address: string) => {
      const place = this.places.get(address);
      return place ? { file: place.document.file, ...locateJsonPath(place.document.text, place.path) } : undefined;
    };
    return {
      security: {
        groups,
        rules: this.rules.map((r) => r.rule),
        prefixLists: [],
        vpcs: [],
        defaultGroupUsers: new Map([...this.defaultUsers].map(([vpc, users]) => [vpc, [...users].sort()])),
        unreadable: this.unreadable,
        // The listing does not show the VPCs' ranges: a range may reach a group as for a manifest.
        reaches: reachesWithoutVpc([]),
      },
      groups: [...this.groups.values()],
      rules: this.rules,
      prefixLists: [...this.lists.values()],
      locate,
    };
  }
}
