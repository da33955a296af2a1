/**
 * The provider-neutral model: services, networks, the rules that realise their access, and
 * flows. Nothing here knows AWS or cdktf; targets translate it, readers translate back into it.
 */

/** A path into the manifest, kept on model objects so findings can point at their source. */
export type SourcePath = readonly (string | number)[];

/**
 * An IP protocol as rules know it. `icmp` on an IPv6 peer becomes `icmpv6` when compiled; `ip`
 * is any other IP protocol by number (ESP is 50), which AWS allows whole, without ports.
 */
export type Protocol = "tcp" | "udp" | "icmp" | "icmpv6" | "ip" | "all";

/** An address family. */
export type Family = "ipv4" | "ipv6";

/**
 * One protocol and what of it: for tcp and udp an inclusive port range (0-65535; a manifest
 * writes 1-65535), for ICMP a type and code when not all of them, for another IP protocol its
 * number.
 */
export type PortSpec =
  | { protocol: "tcp" | "udp"; from: number; to: number }
  | { protocol: "icmp" | "icmpv6"; type?: number; code?: number }
  | { protocol: "ip"; number: number }
  | { protocol: "all" };

/** Who a rule lets in, or where it lets out. */
export type Endpoint =
  | { kind: "service"; name: string }
  | { kind: "network"; name: string; family: Family }
  | { kind: "internet"; family: Family }
  | { kind: "cidr"; cidr: string; family: Family }
  | { kind: "prefixList"; id: string }
  | { kind: "securityGroup"; id: string };

/** Why a rule exists: a consumer, the egress derived from one, a peer port or an explicit egress entry. */
export type RuleOrigin = "consumer" | "derived-egress" | "peer" | "egress";

/** One allow rule on one service's group, as the target will create it. */
export interface Rule {
  /** Readable and stable, derived from names only: `web__from_web-lb__tcp_80`. */
  id: string;
  direction: "ingress" | "egress";
  /** The service whose group carries the rule. */
  service: string;
  /** The source (ingress) or destination (egress). */
  peer: Endpoint;
  port: PortSpec;
  /** Absent when the manifest gives none for a raw CIDR, external group or prefix list: a made-up one would only repeat the address. */
  description?: string;
  origin: RuleOrigin;
  /** Where in the manifest the rule comes from. */
  at: SourcePath;
  /** The id of the AWS rule this rule adopts (`sgr-…`), from the service's `adopt.rules`: synth imports it. */
  importId?: string;
}

/**
 * An AWS security group that exists already and that a service takes over as it is (what
 * `sgc import` writes): its id to import, and the attributes AWS cannot change in place.
 */
export interface Adoption {
  /** The group's id (`sg-…`): synth emits a Terraform import block for it. Absent for a group a plan has yet to create. */
  securityGroup?: string;
  /** The Terraform resource address it was read from, when it came from Terraform. */
  address?: string;
  /** The group's AWS name, kept (a new name would replace the group). */
  name?: string;
  /** The group's AWS description, kept (a new description would replace the group). */
  description?: string;
  /** The group's VPC, when it is not `aws.vpcId`. */
  vpcId?: string;
  /** The group is its VPC's default group: synth manages it as `aws_default_security_group`. */
  default: boolean;
  /** The group's own tags, kept. */
  tags: Record<string, string>;
  /** AWS rule ids (`sgr-…`) by direction and the id of the rule of this service that adopts each. */
  rules: Record<"ingress" | "egress", Record<string, string>>;
}

/** A service: one security group. */
export interface Service {
  name: string;
  description?: string;
  tier?: string;
  /** The ports it serves, sorted by protocol and range. */
  ports: PortSpec[];
  at: SourcePath;
  /** The existing group it takes over, when it was imported. */
  adopt?: Adoption;
}

/** One CIDR of a named network. */
export interface NetworkEntry {
  cidr: string;
  family: Family;
  description: string;
}

/** A named address set; one managed prefix list per address family it uses. */
export interface Network {
  name: string;
  description?: string;
  entries: NetworkEntry[];
  /** Max entries of each family's prefix list (only families with entries appear; none when it has no prefix list). */
  maxEntries: Partial<Record<Family, number>>;
  /** Present (false) when its users get one rule per CIDR instead of a managed prefix list (`prefixList: false`). */
  prefixList?: false;
  at: SourcePath;
}

/** A named set of services whose groups one network interface carries. */
export interface Workload {
  name: string;
  services: string[];
  at: SourcePath;
}

/** Where the stack's state lives. */
export interface S3Backend {
  bucket: string;
  key: string;
  region: string;
  dynamodbTable?: string;
  encrypt: boolean;
}

/** The compiled manifest. Services, networks and rules are sorted by name or id. */
export interface Model {
  name: string;
  aws: {
    region: string;
    vpcId: string;
    tags: Record<string, string>;
    closeDefaultSecurityGroup: boolean;
    backend?: S3Backend;
  };
  tiers: string[];
  services: Service[];
  networks: Network[];
  workloads: Workload[];
  rules: Rule[];
}

/** An allowed flow: traffic from one endpoint to another on one protocol and port range. */
export interface Flow {
  from: Endpoint;
  to: Endpoint;
  port: PortSpec;
}
