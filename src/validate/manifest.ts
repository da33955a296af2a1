import { PortItem } from "../model/ports";

/** The manifest's shape once it has passed the JSON Schema (`schemas/manifest.schema.json`). */
export interface Manifest {
  version: 1;
  name: string;
  aws: {
    region: string;
    vpcId: string;
    tags?: Record<string, string>;
    closeDefaultSecurityGroup?: boolean;
    backend?: { s3: { bucket: string; key: string; region: string; dynamodbTable?: string; encrypt?: boolean } };
  };
  tiers?: string[];
  networks?: Record<string, NetworkSpec>;
  services: Record<string, ServiceSpec>;
  workloads?: Record<string, string[]>;
  policy?: PolicySpec;
}

/** A named network as written. */
export interface NetworkSpec {
  description?: string;
  maxEntries?: number;
  /** false: one rule per CIDR, no managed prefix list (how adopted groups keep their CIDR rules). */
  prefixList?: boolean;
  cidrs: (string | { cidr: string; description?: string })[];
}

/** A service as written. */
export interface ServiceSpec {
  description?: string;
  tier?: string;
  ports?: PortItem[];
  consumers?: ConsumerSpec[];
  egress?: EgressSpec[];
  peers?: PortItem[];
  adopt?: AdoptSpec;
}

/** An existing AWS group a service takes over as it is, as written (see `Adoption` in the model). */
export interface AdoptSpec {
  securityGroup?: string;
  address?: string;
  name?: string;
  description?: string;
  vpcId?: string;
  default?: boolean;
  tags?: Record<string, string>;
  rules?: { ingress?: Record<string, string>; egress?: Record<string, string> };
}

/** The object forms shared by consumers and egress entries. */
export interface PeerObject {
  service?: string;
  network?: string;
  securityGroup?: string;
  prefixList?: string;
  cidr?: string;
  ports?: PortItem[];
  description?: string;
  /** Only this address family of a network (or of the internet). */
  family?: "ipv4" | "ipv6";
}

/** A consumer as written: a name, or an object naming exactly one kind of source. */
export type ConsumerSpec = string | PeerObject;

/** An egress entry as written: `to` a network or the internet, or an object form; always with ports. */
export interface EgressSpec extends PeerObject {
  to?: string;
  ports: PortItem[];
}

/** The manifest's `policy:` section; its rules are checked by the policy engine. */
export interface PolicySpec {
  extends?: string[];
  rules?: Record<string, string | Record<string, unknown>>;
  exceptions?: { rule: string; target: string; reason: string; expires: string }[];
}
