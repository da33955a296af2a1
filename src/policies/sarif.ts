import { existsSync, readFileSync } from "fs";
import { dirname, join, relative, resolve } from "path";
import { pathToFileURL } from "url";
import { isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument } from "yaml";
import { Diagnostic } from "../diagnostics";
import { PACKAGE_ROOT, publishedUrl } from "../package";
import { ENGINE_RULES } from "./engine";
import { RULES } from "./rules";
import { Finding, Location, RuleSecurity, Severity } from "./types";
import type { ReportContext } from "./report";

/**
 * SARIF 2.1.0 for GitHub code scanning. Code scanning ranks alerts by a rule's
 * `security-severity` (for rules tagged `security`), links them by `helpUri`, shows `help` in
 * full, and places them by repository-relative paths with start and end positions; so every
 * rule carries those, and invalid input is reported as results too, never as an empty file.
 */

/** The rule id of input sgc cannot read or validate (a YAML error, an unknown key, ...). */
export const INVALID_INPUT = "invalid-input";

/** Findings that come from the engine or the input, not from a rule: their text and ranking. */
export const NON_RULE_FINDINGS: Record<string, { title: string; rationale: string; level: "error" | "warn"; security: RuleSecurity }> = {
  [ENGINE_RULES.ruleFailed]: {
    title: "A rule failed to run",
    rationale: "A rule that crashes cannot vouch for anything, so the check fails closed.",
    level: "error",
    security: { severity: 7.5, precision: "high", tags: ["security", "correctness"] },
  },
  [ENGINE_RULES.unreadableResource]: {
    title: "A resource sgc cannot read",
    rationale: "A rule sgc cannot interpret could allow anything, so it is reported as an error rather than passed over.",
    level: "error",
    security: { severity: 7.5, precision: "high", tags: ["security", "external/cwe/cwe-284"] },
  },
  [ENGINE_RULES.expiredException]: {
    title: "Expired exception",
    rationale: "An exception past its date no longer applies; renew it with a new reason or fix the finding.",
    level: "warn",
    security: { severity: 4.0, precision: "very-high", tags: ["security", "maintainability"] },
  },
  [ENGINE_RULES.unusedException]: {
    title: "Unused exception",
    rationale: "An exception that matches nothing hides nothing and should be removed.",
    level: "warn",
    security: { severity: 1.0, precision: "very-high", tags: ["security", "maintainability"] },
  },
  [INVALID_INPUT]: {
    title: "Input sgc cannot read or validate",
    rationale: "A manifest, Terraform configuration or plan that does not parse or validate cannot be checked, so what it allows is unknown.",
    level: "error",
    security: { severity: 5.0, precision: "very-high", tags: ["security", "correctness"] },
  },
};

/** Where the rule pages live: `docs/rules/` in the package, shipped with it. */
export const RULE_DOCS_DIR = join(PACKAGE_ROOT, "docs", "rules");

/** The base id that result paths are relative to: the repository root. */
const ROOT_ID = "%SRCROOT%";

/**
 * The score code scanning ranks a rule by, at the severity the packs give it: the rule's own
 * score as an error, three points lower (never below 0.1) when a pack makes it a warning.
 */
export function securitySeverity(security: RuleSecurity, level: Severity): string {
  const score = level === "error" ? security.severity : Math.max(0.1, security.severity - 3);
  return score.toFixed(1);
}

/** An input that could not be checked, with why. */
export interface InvalidInput {
  file: string;
  diagnostics: readonly Diagnostic[];
  text?: string;
}

/** SARIF for the reports of one `sgc check` run (one or several inputs), and for inputs that were invalid. */
export function renderSarif(reports: readonly ReportContext[], invalid: readonly InvalidInput[], version: string): Record<string, unknown> {
  const order: Severity[] = ["off", "warn", "error"];
  const strongest = (id: string, fallback: Severity) =>
    reports.map((r) => r.config.rules.get(id)?.severity ?? fallback).reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a), reports.length > 0 ? "off" : fallback);
  const descriptors = [
    ...RULES.map((r) => ({ id: r.id, title: r.title, rationale: r.rationale, security: r.security, level: strongest(r.id, r.defaults.severity) })),
    ...Object.entries(NON_RULE_FINDINGS).map(([id, t]) => ({ id, ...t })),
  ];
  const index = new Map(descriptors.map((d, i) => [d.id, i]));
  const files = [...reports.map((r) => r.file), ...invalid.map((i) => i.file)];
  const root = repositoryRoot(files.find((f) => !f.startsWith("<")) ?? ".");
  const texts = new Map<string, string>();
  for (const r of reports) for (const [file, text] of r.sources) texts.set(file, text);
  for (const i of invalid) if (i.text !== undefined) texts.set(i.file, i.text);
  const spans = new Spans(texts);

  const findingResults = reports.flatMap((report) =>
    report.result.findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: index.get(f.rule) ?? 0,
      level: level(f.severity),
      message: { text: f.message },
      locations: [location(f.location ?? { file: report.file, line: 0, column: 0 }, root, spans, f)],
      partialFingerprints: { sgcFinding: `${f.rule}/${f.target}/${f.key ?? f.message}` },
      ...(f.suppressedBy ? { suppressions: [{ kind: "external", status: "accepted", justification: `${f.suppressedBy.reason} (until ${f.suppressedBy.expires})` }] } : {}),
    })),
  );
  const invalidResults = invalid.flatMap((input) =>
    input.diagnostics.map((d) => ({
      ruleId: INVALID_INPUT,
      ruleIndex: index.get(INVALID_INPUT)!,
      level: d.severity === "error" ? "error" : "warning",
      message: { text: `${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ""}` },
      locations: [location(d, root, spans)],
      partialFingerprints: { sgcFinding: `${INVALID_INPUT}/${d.code}/${d.message}` },
      properties: { code: d.code },
    })),
  );

  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "sgc",
            version,
            semanticVersion: version,
            informationUri: publishedUrl("README.md", version),
            rules: descriptors.map((d) => descriptor(d, version)),
          },
        },
        originalUriBaseIds: { [ROOT_ID]: { uri: pathToFileURL(root).href.replace(/\/?$/, "/") } },
        columnKind: "utf16CodeUnits",
        invocations: [{ executionSuccessful: invalid.length === 0 }],
        results: [...invalidResults, ...findingResults],
      },
    ],
  };
}

function level(severity: string): "error" | "warning" | "none" {
  return severity === "error" ? "error" : severity === "warn" || severity === "warning" ? "warning" : "none";
}

/** A rule as code scanning shows it: title, rationale, the full doc page as help, a link to it, and its ranking. */
function descriptor(d: { id: string; title: string; rationale: string; security: RuleSecurity; level: Severity | "warn" | "error" }, version: string): Record<string, unknown> {
  const page = join(RULE_DOCS_DIR, `${d.id}.md`);
  const doc = existsSync(page) ? readFileSync(page, "utf8") : `# ${d.id}: ${d.title}\n\n${d.rationale}\n`;
  return {
    id: d.id,
    name: d.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: d.title },
    fullDescription: { text: d.rationale },
    helpUri: publishedUrl(`docs/rules/${d.id}.md`, version),
    help: { text: doc, markdown: doc },
    defaultConfiguration: { level: level(d.level), enabled: d.level !== "off" },
    properties: {
      tags: d.security.tags,
      precision: d.security.precision,
      "security-severity": securitySeverity(d.security, d.level === "off" ? "warn" : d.level),
      "problem.severity": d.level === "error" ? "error" : "warning",
    },
  };
}

/** A result's place: the file relative to the repository root, and the span of what it points at. */
function location(at: Location, root: string, spans: Spans, finding?: Finding): Record<string, unknown> {
  const region = at.line > 0 ? spans.region(at) : undefined;
  return {
    physicalLocation: {
      artifactLocation: { uri: repositoryPath(at.file, root), uriBaseId: ROOT_ID },
      ...(region ? { region } : {}),
    },
    ...(finding?.resource ? { logicalLocations: [{ fullyQualifiedName: finding.resource, kind: "resource" }] } : {}),
  };
}

/** The repository that holds a file: the nearest folder above it with a `.git`, else the working directory. */
export function repositoryRoot(file: string): string {
  let dir = dirname(resolve(file));
  for (;;) {
    if (existsSync(join(dir, ".git"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** A file's path relative to the repository root, as a URI reference (forward slashes, each segment encoded). */
export function repositoryPath(file: string, root: string): string {
  const path = file.startsWith("<") ? file.replace(/[<>]/g, "") : relative(root, resolve(file));
  return path.split(/[\\/]/).map(encodeURIComponent).join("/");
}

/**
 * Spans of what findings point at, from the texts of the inputs: in YAML, the smallest node
 * (a key, a scalar, a flow collection) that starts at the position; in JSON, the string token
 * there. Without the text, the region is the start position alone.
 */
class Spans {
  private readonly yaml = new Map<string, { counter: LineCounter; ends: Map<number, number> }>();

  constructor(private readonly texts: ReadonlyMap<string, string>) {}

  region(at: Location): Record<string, number> {
    const start = { startLine: at.line, startColumn: Math.max(1, at.column) };
    const text = this.texts.get(at.file);
    if (text === undefined) return start;
    const end = isJsonText(at.file, text) ? jsonEnd(text, at) : this.yamlEnd(at.file, text, at);
    return end ? { ...start, endLine: end.line, endColumn: end.column } : start;
  }

  private yamlEnd(file: string, text: string, at: Location): { line: number; column: number } | undefined {
    let parsed = this.yaml.get(file);
    if (!parsed) {
      const counter = new LineCounter();
      const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, keepSourceTokens: false });
      const ends = new Map<number, number>();
      visit(doc.contents, (node) => {
        const [from, to] = node.range ?? [];
        if (from === undefined || to === undefined || to <= from) return;
        const known = ends.get(from);
        if (known === undefined || to < known) ends.set(from, to);
      });
      parsed = { counter, ends };
      this.yaml.set(file, parsed);
    }
    const offset = offsetOf(text, at);
    const end = parsed.ends.get(offset);
    if (end === undefined) return undefined;
    const { line, col } = parsed.counter.linePos(end);
    return { line, column: col };
  }
}

function visit(node: unknown, each: (node: Node) => void): void {
  if (isMap(node) || isSeq(node)) {
    each(node);
    for (const item of node.items) {
      if (isPair(item)) {
        visit(item.key, each);
        visit(item.value, each);
      } else {
        visit(item, each);
      }
    }
  } else if (isScalar(node)) {
    each(node);
  }
}

function isJsonText(file: string, text: string): boolean {
  return file.endsWith(".json") || /^\s*[{[]/.test(text);
}

/** The end of the JSON string token at a position, or the end of its line. */
function jsonEnd(text: string, at: Location): { line: number; column: number } {
  const offset = offsetOf(text, at);
  let end = text.indexOf("\n", offset);
  if (end < 0) end = text.length;
  if (text[offset] === '"') {
    for (let i = offset + 1; i < text.length; i++) {
      if (text[i] === "\\") i++;
      else if (text[i] === '"') {
        end = i + 1;
        break;
      }
    }
  }
  return { line: at.line, column: at.column + (end - offset) };
}

function offsetOf(text: string, at: Location): number {
  let offset = 0;
  for (let line = 1; line < at.line; line++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) break;
    offset = next + 1;
  }
  return offset + Math.max(0, at.column - 1);
}
