import { Family } from "../model/types";
import { compareText } from "../model/order";
import { UsageError } from "../usage";
import { isDate, PolicyConfig } from "./config";
import { usageByGroup, WeightOptions } from "./quota";
import { RULES } from "./rules";
import { RuleQuotaOptions } from "./rules/rule-quota";
import { Finding, Origin, PolicyInput } from "./types";

/** Findings the engine itself makes: a rule that crashed, an exception that expired or matched nothing. */
export const ENGINE_RULES = {
  ruleFailed: "rule-failed",
  unreadableResource: "unreadable-resource",
  expiredException: "expired-exception",
  unusedException: "unused-exception",
} as const;

/** How close one group is to the rule quota in one direction and family. */
export interface QuotaLine {
  target: string;
  direction: "ingress" | "egress";
  family: Family;
  used: number;
  limit: number;
  headroom: number;
}

/** How close one workload is to the groups-per-interface quota. */
export interface WorkloadQuotaLine {
  workload: string;
  groups: number;
  limit: number;
  headroom: number;
}

/** The outcome of a check: findings (sorted) and the quota headroom of every group and workload. */
export interface CheckResult {
  findings: Finding[];
  quotas: QuotaLine[];
  workloadQuotas: WorkloadQuotaLine[];
}

const subjects = new WeakMap<Finding, Origin[]>();

/**
 * What a finding is about, as the input's own objects (a PolicyRule, a PolicyGroup): one, or
 * several when they gave the same finding at one place (a rule read for IPv4 and for IPv6).
 * Pictures mark the edges of the rules a finding is about.
 */
export function subjectsOf(finding: Finding): readonly Origin[] {
  return subjects.get(finding) ?? [];
}

/**
 * Runs every enabled rule over the input. A rule that throws becomes an error finding: the
 * check fails closed, never passes silently. Exceptions suppress the findings they name until
 * they expire; expired and unused exceptions are findings themselves.
 */
export function runPolicies(input: PolicyInput, config: PolicyConfig, today: string): CheckResult {
  const findings: Finding[] = [];
  // One finding per resource (or place in the manifest) and concern: two resources that do the
  // same wrong thing are two findings, while one rule read twice (IPv4 and IPv6) is one.
  const seen = new Map<string, Finding>();
  const add = (finding: Finding, about?: Origin) => {
    const place = finding.resource ?? (finding.location ? `${finding.location.file}:${finding.location.line}:${finding.location.column}` : "");
    const key = `${finding.rule}\u0000${finding.target}\u0000${finding.message}\u0000${place}`;
    const known = seen.get(key);
    if (about) subjects.set(known ?? finding, [...(subjects.get(known ?? finding) ?? []), about]);
    if (known) return;
    seen.set(key, finding);
    findings.push(finding);
  };

  for (const rule of RULES) {
    const setting = config.rules.get(rule.id)!;
    if (setting.severity === "off") continue;
    const severity = setting.severity;
    try {
      rule.check(input, setting.options as never, ({ target, message, key, at }) =>
        add({ rule: rule.id, severity, target, message, ...(key ? { key } : {}), ...(at?.location ? { location: at.location } : {}), ...(at?.resource ? { resource: at.resource } : {}) }, at),
      );
    } catch (error) {
      add({ rule: ENGINE_RULES.ruleFailed, severity: "error", target: rule.id, message: `rule ${rule.id} failed, so its verdict is unknown: ${(error as Error).message}` });
    }
  }

  for (const u of input.unreadable ?? []) {
    add({
      rule: ENGINE_RULES.unreadableResource,
      severity: "error",
      target: u.address,
      key: u.attribute ?? "resource",
      message: `${u.address}${u.attribute ? ` ${u.attribute}` : ""} cannot be checked: ${u.reason}`,
      resource: u.address,
      ...(u.location ? { location: u.location } : {}),
    });
  }

  const used = new Set<number>();
  for (const finding of findings) {
    config.exceptions.forEach((exception, index) => {
      if (exception.rule !== finding.rule || exception.target !== finding.target) return;
      used.add(index);
      if (exception.expires >= today && !finding.suppressedBy) finding.suppressedBy = { reason: exception.reason, expires: exception.expires };
    });
  }
  config.exceptions.forEach((exception, index) => {
    const where = exception.location ? { location: exception.location } : {};
    if (exception.expires < today) {
      add({
        rule: ENGINE_RULES.expiredException,
        severity: "warn",
        target: exception.target,
        message: `the exception to ${exception.rule} for ${exception.target} expired on ${exception.expires} and no longer applies`,
        ...where,
      });
    } else if (!used.has(index)) {
      add({
        rule: ENGINE_RULES.unusedException,
        severity: "warn",
        target: exception.target,
        message: `the exception to ${exception.rule} for ${exception.target} matches no finding; remove it`,
        ...where,
      });
    }
  });

  return { findings: findings.sort(compareFindings), ...quotaReport(input, config) };
}

/** Orders findings by place (file position or resource address), then rule, target and message. */
function compareFindings(a: Finding, b: Finding): number {
  const la = a.location;
  const lb = b.location;
  if (la && lb) {
    const byPlace = compareText(la.file, lb.file) || la.line - lb.line || la.column - lb.column;
    if (byPlace) return byPlace;
  } else if (la || lb) {
    return la ? -1 : 1;
  }
  return compareText(a.resource ?? "", b.resource ?? "") || compareText(a.rule, b.rule) || compareText(a.target, b.target) || compareText(a.message, b.message);
}

/** Headroom under the rule quota (per group, direction and family) and the groups-per-interface quota. */
function quotaReport(input: PolicyInput, config: PolicyConfig): Omit<CheckResult, "findings"> {
  const ruleQuota = config.rules.get("rule-quota")!.options as unknown as RuleQuotaOptions;
  const eni = config.rules.get("eni-quota")!.options as unknown as { groupsPerInterface: number };
  const quotas: QuotaLine[] = [];
  for (const [target, usage] of usageByGroup(input, ruleQuota as WeightOptions)) {
    for (const direction of ["ingress", "egress"] as const) {
      for (const family of ["ipv4", "ipv6"] as Family[]) {
        const used = usage[direction][family];
        quotas.push({ target, direction, family, used, limit: ruleQuota.max, headroom: ruleQuota.max - used });
      }
    }
  }
  quotas.sort((a, b) => a.headroom - b.headroom || compareText(a.target, b.target) || compareText(a.direction, b.direction) || compareText(a.family, b.family));
  const workloadQuotas = input.workloads
    .map((w) => ({ workload: w.name, groups: w.groups.length, limit: eni.groupsPerInterface, headroom: eni.groupsPerInterface - w.groups.length }))
    .sort((a, b) => a.headroom - b.headroom || compareText(a.workload, b.workload));
  return { quotas, workloadQuotas };
}

/** Today's date as `YYYY-MM-DD` in UTC, or SGC_TODAY when set (for reproducible runs); SGC_TODAY must be a real date. */
export function today(): string {
  const fixed = process.env.SGC_TODAY;
  if (fixed === undefined || fixed === "") return new Date().toISOString().slice(0, 10);
  if (!isDate(fixed)) throw new UsageError(`SGC_TODAY must be a date written YYYY-MM-DD, not "${fixed}"`);
  return fixed;
}
