import { RuleDefinition } from "../types";
import adminPorts from "./admin-ports";
import allTrafficIngress from "./all-traffic-ingress";
import defaultSgClosed from "./default-sg-closed";
import descriptions from "./descriptions";
import eniQuota from "./eni-quota";
import internetIngress from "./internet-ingress";
import naming from "./naming";
import openEgress from "./open-egress";
import ruleQuota from "./rule-quota";
import tierChain from "./tier-chain";
import unusedService from "./unused-service";
import wideCidr from "./wide-cidr";

/** Every rule sgc knows, in the order the README lists them. */
export const RULES: readonly RuleDefinition<never>[] = [
  internetIngress,
  adminPorts,
  wideCidr,
  allTrafficIngress,
  openEgress,
  defaultSgClosed,
  tierChain,
  ruleQuota,
  eniQuota,
  descriptions,
  unusedService,
  naming,
] as unknown as RuleDefinition<never>[];

/** A rule by id. */
export function ruleById(id: string): RuleDefinition<never> | undefined {
  return RULES.find((r) => r.id === id);
}
