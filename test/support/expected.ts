import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { flowJson } from "../../src/cli/commands/flows";
import { Endpoint, Flow, PortSpec } from "../../src/model/types";
import { TERRAFORM_FIXTURES_DIR } from "./hcl";

/**
 * What a real-world Terraform fixture allows, written by hand from AWS's semantics (never by
 * running sgc): `expected.json` for its fresh plan, `expected-prior.json` for its plan against
 * its own prior state where that answer differs.
 */
export interface Expected {
  /** The flows as `sgc flows --format json` prints them, in canonical form and order. */
  flows: FlowJson[];
  /** One entry per source sgc cannot know (each an `unreadable-resource` finding on the resource). */
  unreadable: { resource: string; attribute: string }[];
  /** The findings of the recommended pack, by rule and resource, sorted. */
  findings: { rule: string; resource: string }[];
}

/** A flow as `sgc flows --format json` prints it. */
export interface FlowJson {
  from: string;
  to: string;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  icmpType?: number;
  icmpCode?: number;
}

/** The expectation of a fixture for a plan variant (the prior one falls back to expected.json). */
export function expectedOf(name: string, variant: "fresh" | "prior"): Expected {
  const prior = join(TERRAFORM_FIXTURES_DIR, name, "expected-prior.json");
  const file = variant === "prior" && existsSync(prior) ? prior : join(TERRAFORM_FIXTURES_DIR, name, "expected.json");
  return JSON.parse(readFileSync(file, "utf8")) as Expected;
}

/** Reads an endpoint key back: `service:aws_security_group.web`, `cidr:10.0.0.0/16`, `internet:ipv6`, ... */
export function endpointOfKey(key: string): Endpoint {
  const colon = key.indexOf(":");
  const kind = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  const family = rest.includes(":") ? "ipv6" : "ipv4";
  switch (kind) {
    case "service":
      return { kind: "service", name: rest };
    case "internet":
      return { kind: "internet", family: rest === "ipv6" ? "ipv6" : "ipv4" };
    case "cidr":
      return { kind: "cidr", cidr: rest, family };
    case "network": {
      const at = rest.lastIndexOf(":");
      return { kind: "network", name: rest.slice(0, at), family: rest.slice(at + 1) === "ipv6" ? "ipv6" : "ipv4" };
    }
    case "prefix-list":
      return { kind: "prefixList", id: rest };
    case "security-group":
      return { kind: "securityGroup", id: rest };
  }
  throw new Error(`not an endpoint key: ${key}`);
}

/** A flow of an expectation as a model flow. */
export function flowOf(json: FlowJson): Flow {
  const port: PortSpec =
    json.protocol === "tcp" || json.protocol === "udp"
      ? { protocol: json.protocol, from: json.fromPort ?? NaN, to: json.toPort ?? NaN }
      : json.protocol === "icmp" || json.protocol === "icmpv6"
        ? { protocol: json.protocol, ...(json.icmpType !== undefined ? { type: json.icmpType } : {}), ...(json.icmpCode !== undefined ? { code: json.icmpCode } : {}) }
        : /^\d+$/.test(json.protocol)
          ? { protocol: "ip", number: Number(json.protocol) }
          : { protocol: json.protocol as "all" };
  return { from: endpointOfKey(json.from), to: endpointOfKey(json.to), port };
}

/** A model flow as `sgc flows --format json` prints it. */
export function jsonOfFlow(flow: Flow): FlowJson {
  return flowJson(flow) as unknown as FlowJson;
}

/** The last name of an attribute path: `ingress[1].cidr_blocks` -> `cidr_blocks`. */
export function attributeLeaf(path: string): string {
  return path.split(".").pop()!.replace(/\[\d+\]$/, "");
}

/** Whether a message names an attribute as a whole word (`cidr_blocks` is not in `ipv6_cidr_blocks`). */
export function mentionsAttribute(message: string, attribute: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9_])${attributeLeaf(attribute)}(?![A-Za-z0-9_])`).test(message);
}
