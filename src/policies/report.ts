import { isAbsolute, relative } from "path";
import { plural } from "../text";
import { escapeControls, formatDiagnostic } from "../diagnostics";
import { PolicyConfig } from "./config";
import { CheckResult, ENGINE_RULES, QuotaLine } from "./engine";
import { CheckFormat } from "./formats";
import { RULES } from "./rules";
import { Finding, InputKind } from "./types";

/** What a report is about: the input, the packs applied, and the check's result. */
export interface ReportContext {
  file: string;
  kind: InputKind;
  config: PolicyConfig;
  result: CheckResult;
  /** Texts of the files findings point into (the input, a --policy manifest), for source lines under them. */
  sources: ReadonlyMap<string, string>;
  version: string;
}


/** Counts of unsuppressed errors and warnings, and of suppressed findings. */
export function summarize(findings: readonly Finding[]): { errors: number; warnings: number; suppressed: number } {
  const active = findings.filter((f) => !f.suppressedBy);
  return {
    errors: active.filter((f) => f.severity === "error").length,
    warnings: active.filter((f) => f.severity === "warn").length,
    suppressed: findings.length - active.length,
  };
}

/** Renders a check in one of the formats. */
export function renderReport(format: CheckFormat, context: ReportContext): string {
  switch (format) {
    case "text":
      return renderText(context);
    case "json":
      return JSON.stringify(renderJson(context), null, 2) + "\n";
    case "sarif":
      return JSON.stringify(renderSarif(context), null, 2) + "\n";
    case "markdown":
      return renderMarkdown(context);
  }
}

function quotaPhrase(q: QuotaLine): string {
  return `${q.target} ${q.direction === "ingress" ? "inbound" : "outbound"} ${q.family} ${q.used}/${q.limit} (${q.headroom} left)`;
}

/** Text: one diagnostic-style line per finding (with the source line for manifests), a summary, the tightest quotas. */
function renderText({ result, sources }: ReportContext): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    // The severity word is the one packs and JSON use: error or warn (or note, when excepted).
    const severity = f.suppressedBy ? "note" : f.severity;
    const suffix = f.suppressedBy ? ` (excepted until ${f.suppressedBy.expires}: ${f.suppressedBy.reason})` : "";
    const message = `${f.message}${f.resource ? ` [${f.resource}]` : ""}${suffix}`;
    if (f.location) {
      lines.push(
        formatDiagnostic(
          { code: f.rule, severity: severity as "error", message, file: f.location.file, line: f.location.line, column: f.location.column },
          f.location.file.endsWith(".json") ? undefined : sources.get(f.location.file),
        ),
      );
    } else {
      lines.push(escapeControls(`${f.resource ?? f.target}: ${severity} ${f.rule} ${message}`));
    }
  }
  const { errors, warnings, suppressed } = summarize(result.findings);
  lines.push(`${plural(errors, "error")}, ${plural(warnings, "warning")}${suppressed ? `, ${suppressed} suppressed by exceptions` : ""}`);
  const tight = result.quotas.filter((q) => q.used > 0).slice(0, 3);
  if (tight.length > 0) lines.push(`rule quota headroom (tightest first): ${tight.map(quotaPhrase).join("; ")}`);
  const workloads = result.workloadQuotas.slice(0, 3);
  if (workloads.length > 0) lines.push(`groups per interface: ${workloads.map((w) => `${w.workload} ${w.groups}/${w.limit} (${w.headroom} left)`).join("; ")}`);
  return lines.join("\n") + "\n";
}

/**
 * JSON, documented in the README and stable: keys and their meaning only ever grow.
 * `location` and `resource` are null when unknown; `suppressedBy` is null unless an exception applies.
 */
export function renderJson({ file, kind, config, result }: ReportContext): Record<string, unknown> {
  return {
    version: 1,
    input: { file, kind },
    packs: config.packs,
    summary: summarize(result.findings),
    findings: result.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      target: f.target,
      message: f.message,
      location: f.location ?? null,
      resource: f.resource ?? null,
      suppressedBy: f.suppressedBy ?? null,
    })),
    quotas: { rules: result.quotas, workloads: result.workloadQuotas },
  };
}

const ENGINE_RULE_TEXT: Record<string, { title: string; rationale: string }> = {
  [ENGINE_RULES.ruleFailed]: { title: "A rule failed to run", rationale: "A rule that crashes cannot vouch for anything, so the check fails closed." },
  [ENGINE_RULES.unreadableResource]: { title: "A resource sgc cannot read", rationale: "A rule sgc cannot interpret could allow anything, so it is reported as an error rather than passed over." },
  [ENGINE_RULES.expiredException]: { title: "Expired exception", rationale: "An exception past its date no longer applies; renew it with a new reason or fix the finding." },
  [ENGINE_RULES.unusedException]: { title: "Unused exception", rationale: "An exception that matches nothing hides nothing and should be removed." },
};

/** SARIF 2.1.0 for GitHub code scanning: every rule with its help text; manifest findings with line and column. */
export function renderSarif({ file, config, result, version }: ReportContext): Record<string, unknown> {
  const rules = [
    ...RULES.map((r) => ({ id: r.id, title: r.title, rationale: r.rationale, level: config.rules.get(r.id)?.severity ?? r.defaults.severity })),
    ...Object.entries(ENGINE_RULE_TEXT).map(([id, t]) => ({ id, ...t, level: id === ENGINE_RULES.ruleFailed || id === ENGINE_RULES.unreadableResource ? "error" : "warn" })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const level = (severity: string) => (severity === "error" ? "error" : severity === "warn" ? "warning" : "none");
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "sgc",
            version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: r.rationale },
              help: { text: `${r.title}. ${r.rationale}`, markdown: `**${r.title}**\n\n${r.rationale}` },
              defaultConfiguration: { level: level(r.level) },
            })),
          },
        },
        results: result.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule) ?? 0,
          level: level(f.severity),
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: toUri(f.location?.file ?? file) },
                region: { startLine: f.location?.line ?? 1, startColumn: f.location?.column ?? 1 },
              },
              ...(f.resource ? { logicalLocations: [{ fullyQualifiedName: f.resource, kind: "resource" }] } : {}),
            },
          ],
          partialFingerprints: { sgcFinding: `${f.rule}/${f.target}/${f.message}` },
          ...(f.suppressedBy ? { suppressions: [{ kind: "external", status: "accepted", justification: `${f.suppressedBy.reason} (until ${f.suppressedBy.expires})` }] } : {}),
        })),
      },
    ],
  };
}

/** A file path as a URI relative to the working directory (the repository root in CI), as code scanning wants it. */
function toUri(file: string): string {
  const path = isAbsolute(file) ? relative(process.cwd(), file) : file;
  return path.replace(/\\/g, "/").replace(/^\.\//, "").split("/").map(encodeURIComponent).join("/");
}

/** Markdown for a pull-request comment: a summary line, the findings, the tightest quotas. */
function renderMarkdown({ file, result, config }: ReportContext): string {
  const { errors, warnings, suppressed } = summarize(result.findings);
  const icon = errors > 0 ? ":x:" : warnings > 0 ? ":warning:" : ":white_check_mark:";
  const lines = [
    `### ${icon} sgc check: ${plural(errors, "error")}, ${plural(warnings, "warning")}${suppressed ? `, ${suppressed} suppressed` : ""}`,
    "",
    `\`${file}\`, packs: ${config.packs.join(", ") || "none"}`,
    "",
  ];
  if (result.findings.length > 0) {
    lines.push("| severity | rule | target | finding | where |", "| --- | --- | --- | --- | --- |");
    for (const f of result.findings) {
      const where = f.location ? `${f.location.file}:${f.location.line}:${f.location.column}` : (f.resource ?? "");
      const severity = f.suppressedBy ? `excepted until ${f.suppressedBy.expires}` : f.severity;
      lines.push(`| ${severity} | \`${f.rule}\` | ${cell(f.target)} | ${cell(f.message)} | ${cell(where)} |`);
    }
    lines.push("");
  }
  const tight = result.quotas.filter((q) => q.used > 0).slice(0, 5);
  if (tight.length > 0) {
    lines.push("<details><summary>Rule quota headroom</summary>", "", "| group | direction | family | used | limit | left |", "| --- | --- | --- | --- | --- | --- |");
    for (const q of tight) lines.push(`| ${cell(q.target)} | ${q.direction} | ${q.family} | ${q.used} | ${q.limit} | ${q.headroom} |`);
    lines.push("", "</details>", "");
  }
  return lines.join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
