import { spawnSync } from "child_process";
import { dirname, relative, resolve } from "path";
import { Diagnostic, FILE_START } from "../../diagnostics";
import { LoadedInput, loadAnyInput, loadAnyText } from "../../pipeline";
import { compareSides, Review } from "../../review/diff";
import { graphDot, graphMermaid } from "../../review/mermaid";
import { renderJson, renderMarkdown } from "../../review/render";
import { reviewConfig, ReviewSide, sideOf, sideOfSecurity } from "../../review/side";
import { runPolicies, today } from "../../policies/engine";
import { evaluate } from "../../model/flows";
import { groupChangesOfPlan } from "../../targets/aws/plan-changes";
import { jsonLocator, policyInputFromTerraform } from "../../targets/aws/policy-input";
import { groupTags, isPlanJson, readSecurity, resourcesOfPriorState } from "../../targets/aws/read";
import { EXIT, Io, reportDiagnostics } from "../io";

/** Conditions that make `sgc diff` exit 1, for use as a gate in CI. */
export const FAIL_ON = ["replace", "new-findings"] as const;

/** The options of `sgc diff`. */
export interface DiffOptions {
  baseRef?: string;
  plan?: string;
  format: "markdown" | "json";
  failOn: string[];
}

/** `sgc diff BASE HEAD`, `sgc diff --base-ref REF HEAD`, `sgc diff --plan plan.json`: what access a change grants or removes. */
export function diffCommand(files: readonly string[], options: DiffOptions, io: Io): number {
  const usage = (message: string) => {
    io.err(`sgc diff: ${message}\n(run sgc diff --help for usage)\n`);
    return EXIT.invalid;
  };
  const unknown = options.failOn.filter((f) => !(FAIL_ON as readonly string[]).includes(f));
  if (unknown.length > 0) return usage(`--fail-on takes ${FAIL_ON.join(", ")}, not ${unknown.join(", ")}`);

  let review: Review;
  let title: string;
  if (options.plan) {
    if (files.length > 0 || options.baseRef) return usage("--plan reads one plan; give no BASE, HEAD or --base-ref with it");
    const result = planReview(options.plan);
    if (!result.ok) return reportDiagnostics(io, result.diagnostics, result.sources);
    review = result.review;
    title = `the plan ${options.plan}`;
  } else {
    const expected = options.baseRef ? 1 : 2;
    if (files.length !== expected) return usage(options.baseRef ? "with --base-ref, give only HEAD" : "give BASE and HEAD (or --base-ref REF HEAD, or --plan FILE)");
    const head = loadAnyInput(files[files.length - 1]);
    if (!head.ok) return reportDiagnostics(io, head.diagnostics, sources(files[files.length - 1], head.text));
    const base = options.baseRef ? loadFromGit(options.baseRef, files[0]) : loadAnyInput(files[0]);
    if (!base.ok) return reportDiagnostics(io, base.diagnostics, sources(files[0], base.text));
    const config = reviewConfig(head.input);
    if (!config.ok) return reportDiagnostics(io, config.diagnostics);
    const baseSide = base.input ? sideOf(base.input, config.config) : emptySide();
    review = compareSides(baseSide, sideOf(head.input, config.config));
    title = options.baseRef ? `${files[0]} since ${options.baseRef}` : `${files[1]} (base ${files[0]})`;
  }

  io.out(options.format === "json" ? JSON.stringify(renderJson(review), null, 2) + "\n" : renderMarkdown(review, title));
  const fails =
    (options.failOn.includes("replace") && review.replaced.length + review.destroyed.length > 0) ||
    (options.failOn.includes("new-findings") && review.findings.new.some((f) => f.severity === "error"));
  return fails ? EXIT.findings : EXIT.ok;
}

function sources(file: string, text: string | undefined): Map<string, string> {
  return new Map(text === undefined ? [] : [[file, text]]);
}

function emptySide(): ReviewSide {
  return { flows: [], groups: [], networks: new Map(), check: { findings: [], quotas: [], workloadQuotas: [] } };
}

/**
 * The base version of a file at a git revision. A file that did not exist there is an empty
 * base (everything is new); an unknown revision or no repository is an error.
 */
function loadFromGit(ref: string, file: string): { ok: true; input?: LoadedInput } | { ok: false; diagnostics: Diagnostic[]; text?: string } {
  const fail = (message: string) => ({ ok: false as const, diagnostics: [{ code: "git", severity: "error" as const, message, file, ...FILE_START }] });
  const top = spawnSync("git", ["rev-parse", "--show-toplevel"], { cwd: dirname(resolve(file)), encoding: "utf8" });
  if (top.error || top.status !== 0) return fail(`cannot read the base from git: not in a git repository (${(top.stderr || String(top.error)).trim()})`);
  const path = relative(top.stdout.trim(), resolve(file)).split("\\").join("/");
  const verify = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: top.stdout.trim(), encoding: "utf8" });
  if (verify.status !== 0) return fail(`git has no revision "${ref}" (fetch it first, e.g. git fetch origin ${ref.replace(/^origin\//, "")})`);
  const show = spawnSync("git", ["show", `${ref}:${path}`], { cwd: top.stdout.trim(), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (show.status !== 0) return { ok: true };
  const loaded = loadAnyText(show.stdout, `${ref}:${path}`);
  return loaded.ok ? { ok: true, input: loaded.input } : loaded;
}

/** A review of a Terraform plan: flows before (prior state) and after (planned values), and Terraform's own actions. */
function planReview(file: string): { ok: true; review: Review } | { ok: false; diagnostics: Diagnostic[]; sources?: Map<string, string> } {
  const loaded = loadAnyInput(file);
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics, sources: sources(file, loaded.text) };
  const { input } = loaded;
  const json = input.kind === "plan" ? (JSON.parse(input.text) as Record<string, unknown>) : undefined;
  if (input.kind !== "plan" || !json || !isPlanJson(json)) {
    return { ok: false, diagnostics: [{ code: "not-a-plan", severity: "error", message: "--plan wants the output of terraform show -json PLANFILE", file, line: 1, column: 1 }] };
  }
  const config = reviewConfig(undefined);
  if (!config.ok) return config;
  const side = (security: ReturnType<typeof readSecurity>) =>
    sideOfSecurity(security, runPolicies(policyInputFromTerraform(security, "plan", file, jsonLocator(input.text, file, "plan")), config.config, today()));
  const before = side(readSecurity(resourcesOfPriorState(json), "plan"));
  const after = side(input.security);
  return { ok: true, review: compareSides(before, after, groupChangesOfPlan(json)) };
}

/** `sgc graph FILE`: the whole service graph, grouped by tier, as Mermaid or Graphviz dot. */
export function graphCommand(file: string, format: "mermaid" | "dot", io: Io): number {
  const loaded = loadAnyInput(file);
  if (!loaded.ok) return reportDiagnostics(io, loaded.diagnostics, sources(file, loaded.text));
  const { input } = loaded;
  let flows;
  let tiers: string[];
  let tierOf: (service: string) => string | undefined;
  if (input.kind === "manifest") {
    flows = evaluate(input.model.rules);
    tiers = input.model.tiers;
    const byName = new Map(input.model.services.map((s) => [s.name, s.tier]));
    tierOf = (s) => byName.get(s);
  } else {
    flows = evaluate(input.security.rules);
    const tags = input.security.groups.map((g) => ({ target: g.target, ...groupTags(g) }));
    tiers = tags.find((t) => t.tiers.length > 0)?.tiers ?? [];
    const byName = new Map(tags.map((t) => [t.target, t.tier]));
    tierOf = (s) => byName.get(s);
  }
  io.out((format === "dot" ? graphDot(flows, tierOf, tiers) : graphMermaid(flows, tierOf, tiers)) + "\n");
  return EXIT.ok;
}
