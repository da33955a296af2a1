import { plural } from "../text";
import { escapeControls, formatDiagnostic } from "../diagnostics";
import { PolicyConfig } from "./config";
import { CheckResult, QuotaLine } from "./engine";
import { CheckFormat } from "./formats";
import { InvalidInput, renderSarif } from "./sarif";
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
  /** Report errors only: no warnings, no excepted findings, no headroom lines (`--quiet`). */
  quiet?: boolean;
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
  return renderReports(format, [context], [], context.version);
}

/**
 * Renders the check of one or several inputs. One input renders as it always has; several give
 * each file's report in turn (text, Markdown), one JSON object with a report per file, or one
 * SARIF run. Invalid inputs appear only in SARIF (as results) and in JSON (under `invalid`);
 * the other formats leave them to the diagnostics on stderr.
 */
export function renderReports(format: CheckFormat, contexts: readonly ReportContext[], invalid: readonly InvalidInput[], version: string): string {
  const shown = contexts.map((c) => (c.quiet ? { ...c, result: { ...c.result, findings: c.result.findings.filter((f) => f.severity === "error" && !f.suppressedBy) } } : c));
  const several = shown.length + invalid.length > 1;
  switch (format) {
    case "text":
      return shown.map((c) => renderText(c, several)).join("");
    case "json": {
      if (!several) return shown.length === 0 ? "" : JSON.stringify(renderJson(shown[0]), null, 2) + "\n";
      const reports = shown.map(renderJson);
      const total = (key: "errors" | "warnings" | "suppressed") => shown.reduce((n, c) => n + summarize(c.result.findings)[key], 0);
      const summary = { errors: total("errors"), warnings: total("warnings"), suppressed: total("suppressed"), files: shown.length, invalidFiles: invalid.length };
      const invalidJson = invalid.map((i) => ({ file: i.file, diagnostics: i.diagnostics }));
      return JSON.stringify({ version: 1, summary, reports, invalid: invalidJson }, null, 2) + "\n";
    }
    case "sarif":
      return JSON.stringify(renderSarif(shown, invalid, version), null, 2) + "\n";
    case "markdown":
      return shown.map(renderMarkdown).join("\n");
  }
}

function quotaPhrase(q: QuotaLine): string {
  return `${q.target} ${q.direction === "ingress" ? "inbound" : "outbound"} ${q.family} ${q.used}/${q.limit} (${q.headroom} left)`;
}

/** Text: one diagnostic-style line per finding (with the source line for manifests), a summary, the tightest quotas. */
function renderText({ file, result, sources, quiet }: ReportContext, named = false): string {
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
  lines.push(`${named ? `${file}: ` : ""}${plural(errors, "error")}, ${plural(warnings, "warning")}${suppressed ? `, ${suppressed} suppressed by exceptions` : ""}`);
  if (quiet) return lines.join("\n") + "\n";
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
