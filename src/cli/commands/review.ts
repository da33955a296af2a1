import { spawnSync } from "child_process";
import { dirname, relative, resolve } from "path";
import { Diagnostic, FILE_START } from "../../diagnostics";
import { inputName, LoadedInput, LoadOptions, loadAnyInput, loadAnyText } from "../../pipeline";
import { alignInputs } from "../../review/align";
import { compareSides, Review } from "../../review/diff";
import { serviceGraph } from "../../review/graph";
import { graphDot, graphMermaid } from "../../review/mermaid";
import { renderJson, renderMarkdown } from "../../review/render";
import { reviewConfig, ReviewSide, sideOf, sideOfSecurity } from "../../review/side";
import { runPolicies, today } from "../../policies/engine";
import { groupChangesOfPlan } from "../../targets/aws/plan-changes";
import { policyInputFromTerraform, terraformLocator } from "../../targets/aws/policy-input";
import { readSecurity } from "../../targets/aws/read";
import { EXIT, Io, reportDiagnostics } from "../io";
import { incompleteNotice } from "./flows";

/** Conditions that make `sgc diff` exit 1, for use as a gate in CI. */
export const FAIL_ON = ["replace", "new-findings", "drift"] as const;

/** The options of `sgc diff`. */
export interface DiffOptions {
  baseRef?: string;
  plan?: string;
  format: "markdown" | "json";
  failOn: string[];
  /** Where a plan's configuration (.tf files) is, when not beside it. */
  config?: string;
}

/** `sgc diff BASE HEAD`, `sgc diff --base-ref REF HEAD`, `sgc diff --plan plan.json`: what access a change grants or removes. */
export async function diffCommand(files: readonly string[], options: DiffOptions, io: Io): Promise<number> {
  const load: LoadOptions = options.config ? { configDir: options.config } : {};
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
    const result = await planReview(options.plan, load);
    if (!result.ok) return reportDiagnostics(io, result.diagnostics, result.sources);
    review = result.review;
    title = `the plan ${options.plan}`;
  } else {
    const expected = options.baseRef ? 1 : 2;
    if (files.length !== expected) return usage(options.baseRef ? "with --base-ref, give only HEAD" : "give BASE and HEAD (or --base-ref REF HEAD, or --plan FILE)");
    const head = await loadAnyInput(files[files.length - 1], load);
    const base = options.baseRef ? await loadFromGit(options.baseRef, files[0], load) : await loadAnyInput(files[0], load);
    // Every error at once: the base's, then the head's.
    if (!base.ok || !head.ok) {
      const failed = [...(base.ok ? [] : [{ file: files[0], result: base }]), ...(head.ok ? [] : [{ file: files[files.length - 1], result: head }])];
      const texts = new Map(failed.flatMap(({ file, result }) => [...sources(file, result.text)]));
      return reportDiagnostics(io, failed.flatMap(({ result }) => result.diagnostics), texts);
    }
    const config = reviewConfig(head.input);
    if (!config.ok) return reportDiagnostics(io, config.diagnostics);
    // A manifest against what is deployed: the deployed groups as the manifest names them.
    const [baseInput, headInput] = alignInputs(base.input, head.input);
    const baseSide = baseInput ? sideOf(baseInput, config.config) : emptySide();
    review = compareSides(baseSide, sideOf(headInput, config.config));
    title = options.baseRef ? `${files[0]} since ${options.baseRef}` : `${files[1]} (base ${files[0]})`;
  }

  io.out(options.format === "json" ? JSON.stringify(renderJson(review), null, 2) + "\n" : renderMarkdown(review, title));
  const fails =
    (options.failOn.includes("replace") && review.replaced.length + review.destroyed.length > 0) ||
    (options.failOn.includes("new-findings") && review.findings.new.some((f) => f.severity === "error")) ||
    (options.failOn.includes("drift") && review.flows.added.length + review.flows.removed.length > 0);
  // A review that could not read everything never passes as "no change".
  if (review.incomplete.length > 0) io.err(incompleteNotice(review.incomplete));
  return fails || review.incomplete.length > 0 ? EXIT.findings : EXIT.ok;
}

function sources(file: string, text: string | undefined): Map<string, string> {
  return new Map(text === undefined ? [] : [[inputName(file), text]]);
}

function emptySide(): ReviewSide {
  return { flows: [], unreadable: [], groups: [], networks: new Map(), check: { findings: [], quotas: [], workloadQuotas: [] } };
}

/**
 * The base version of a file at a git revision. A file that did not exist there is an empty
 * base (everything is new); an unknown revision or no repository is an error.
 */
async function loadFromGit(ref: string, file: string, load: LoadOptions): Promise<{ ok: true; input?: LoadedInput } | { ok: false; diagnostics: Diagnostic[]; text?: string }> {
  const fail = (message: string) => ({ ok: false as const, diagnostics: [{ code: "git", severity: "error" as const, message, file, ...FILE_START }] });
  const top = spawnSync("git", ["rev-parse", "--show-toplevel"], { cwd: dirname(resolve(file)), encoding: "utf8" });
  if (top.error || top.status !== 0) return fail(`cannot read the base from git: not in a git repository (${(top.stderr || String(top.error)).trim()})`);
  const path = relative(top.stdout.trim(), resolve(file)).split("\\").join("/");
  const verify = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: top.stdout.trim(), encoding: "utf8" });
  if (verify.status !== 0) return fail(`git has no revision "${ref}" (fetch it first, e.g. git fetch origin ${ref.replace(/^origin\//, "")})`);
  const show = spawnSync("git", ["show", `${ref}:${path}`], { cwd: top.stdout.trim(), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (show.status !== 0) return { ok: true };
  const loaded = await loadAnyText(show.stdout, `${ref}:${path}`, load);
  return loaded.ok ? { ok: true, input: loaded.input } : loaded;
}

/** A review of a Terraform plan: flows before (prior state) and after (planned values), and Terraform's own actions. */
async function planReview(file: string, load: LoadOptions): Promise<{ ok: true; review: Review } | { ok: false; diagnostics: Diagnostic[]; sources?: Map<string, string> }> {
  const loaded = await loadAnyInput(file, load);
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics, sources: sources(file, loaded.text) };
  const { input } = loaded;
  if (input.kind !== "plan" || !input.terraform.prior) {
    return { ok: false, diagnostics: [{ code: "not-a-plan", severity: "error", message: "--plan wants the output of terraform show -json PLANFILE", file, line: 1, column: 1 }] };
  }
  const config = reviewConfig(undefined);
  if (!config.ok) return config;
  const side = (security: ReturnType<typeof readSecurity>) =>
    sideOfSecurity(security, runPolicies(policyInputFromTerraform(security, "plan", file, terraformLocator({ ...input, file, kind: "plan" })), config.config, today()));
  const before = side(input.priorSecurity ?? readSecurity(input.terraform.prior));
  const after = side(input.security);
  return { ok: true, review: compareSides(before, after, groupChangesOfPlan(input.terraform.changes ?? [])) };
}

/** `sgc graph FILE`: the whole service graph, grouped by tier, with the edges policies flag, as Mermaid or Graphviz dot; exit 1 when incomplete. */
export async function graphCommand(file: string, format: "mermaid" | "dot", io: Io, load: LoadOptions = {}): Promise<number> {
  const loaded = await loadAnyInput(file, load);
  if (!loaded.ok) return reportDiagnostics(io, loaded.diagnostics, sources(file, loaded.text));
  const graph = serviceGraph(loaded.input);
  io.out((format === "dot" ? graphDot(graph) : graphMermaid(graph)) + "\n");
  const unreadable = loaded.input.kind === "manifest" ? [] : loaded.input.security.unreadable;
  if (unreadable.length > 0) io.err(incompleteNotice(unreadable));
  return unreadable.length > 0 ? EXIT.findings : EXIT.ok;
}
