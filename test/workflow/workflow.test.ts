import { spawnSync } from "child_process";
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";

/**
 * The example pull-request workflow, as users copy it: its structure is a contract (triggers,
 * permissions, the order of the steps, one comment updated in place), so it is tested like code.
 */

const ROOT = join(__dirname, "..", "..");
const WORKFLOW_PATH = ".github/workflows/sgc-review.yml";
const MARKER = "<!-- sgc-review -->";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  "continue-on-error"?: boolean;
  "working-directory"?: string;
}

interface Workflow {
  env?: Record<string, string>;
  on: { pull_request?: { types?: string[]; paths?: string[] }; push?: { branches?: string[]; paths?: string[] } };
  permissions?: Record<string, string>;
  concurrency?: { group?: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, { steps: Step[]; "timeout-minutes"?: number }>;
}

const text = readFileSync(join(ROOT, WORKFLOW_PATH), "utf8");
const workflow = parse(text) as Workflow;
const steps: Step[] = Object.values(workflow.jobs).flatMap((job) => job.steps);
const manifest = workflow.env?.SGC_MANIFEST ?? "";

/** Steps whose shell script matches the pattern. */
function running(pattern: RegExp): Step[] {
  return steps.filter((s) => s.run !== undefined && pattern.test(s.run));
}

/** The single step whose shell script matches the pattern, and its index. */
function onlyStep(pattern: RegExp): { step: Step; index: number } {
  const found = running(pattern);
  expect(found).toHaveLength(1);
  return { step: found[0], index: steps.indexOf(found[0]) };
}

/** The single step that uses an action (owner/name, without the version). */
function usingAction(action: string): { step: Step; index: number } {
  const found = steps.filter((s) => s.uses?.split("@")[0] === action);
  expect(found).toHaveLength(1);
  return { step: found[0], index: steps.indexOf(found[0]) };
}

/** A step's `if:` without the optional `${{ }}` around it. */
function condition(step: Step): string {
  return (step.if ?? "").replace(/^\$\{\{\s*|\s*\}\}$/g, "").trim();
}

/** A command line of a run script (at the start of a line, so messages that name it don't count). */
function command(pattern: string): RegExp {
  return new RegExp(`^\\s*${pattern}`, "m");
}

const SGC_COMMAND = command(String.raw`npx sgc (check|diff|synth|flows|validate)\b`);

describe("sgc-review workflow", () => {
  test("parses as YAML with one job of steps", () => {
    expect(workflow).toBeInstanceOf(Object);
    expect(Object.keys(workflow.jobs)).toHaveLength(1);
    expect(steps.length).toBeGreaterThan(5);
  });

  test("SGC_MANIFEST is set at the top of the file and names a file in this repository", () => {
    expect(manifest).toMatch(/\.ya?ml$/);
    expect(existsSync(join(ROOT, manifest))).toBe(true);
    // at the top, before the triggers and the jobs, so users find the one line to change
    const keys = Object.keys(workflow);
    expect(keys.indexOf("env")).toBeLessThan(keys.indexOf("on"));
    expect(keys.indexOf("env")).toBeLessThanOrEqual(1);
    // every sgc step reads the manifest from the env var, never a path of its own
    for (const step of running(command(String.raw`npx sgc (check|synth|diff --base-ref)\b`))) expect(step.run).toContain('"$SGC_MANIFEST"');
  });

  test("runs on pull_request (opened, synchronize, reopened) when the manifest, policies or dependencies change", () => {
    const trigger = workflow.on.pull_request;
    expect(trigger).toBeDefined();
    expect([...(trigger?.types ?? [])].sort()).toEqual(["opened", "reopened", "synchronize"]);
    for (const path of [manifest, "policies/**", "package.json", "package-lock.json", WORKFLOW_PATH]) expect(trigger?.paths).toContain(path);
  });

  test("runs on a push to the default branch with the same paths, so code scanning has a baseline", () => {
    expect(workflow.on.push?.branches).toEqual(["main"]);
    expect(workflow.on.push?.paths).toEqual(workflow.on.pull_request?.paths);
    // on a push there is no pull request: only the check and the SARIF upload run
    for (const pattern of [command(String.raw`npx sgc diff --base-ref\b`), command(String.raw`npx sgc synth\b`), /> comment\.md/]) {
      expect(condition(onlyStep(pattern).step)).toContain("github.event_name == 'pull_request'");
    }
    expect(condition(usingAction("actions/github-script").step)).toContain("github.event_name == 'pull_request'");
    expect(condition(onlyStep(command(String.raw`npx sgc check\b`)).step)).toBe("");
  });

  test("has a timeout, and keeps no token in .git/config while npm ci runs pull-request code", () => {
    for (const job of Object.values(workflow.jobs)) expect(job["timeout-minutes"]).toBeGreaterThan(0);
    expect(usingAction("actions/checkout").step.with?.["persist-credentials"]).toBe(false);
  });

  test("has contents: read and pull-requests: write", () => {
    expect(workflow.permissions?.contents).toBe("read");
    expect(workflow.permissions?.["pull-requests"]).toBe("write");
    // nothing else is writable but code scanning (for the SARIF upload)
    const writable = Object.entries(workflow.permissions ?? {})
      .filter(([, level]) => level === "write")
      .map(([scope]) => scope)
      .sort();
    expect(writable).toEqual(["pull-requests", "security-events"]);
  });

  test("runs once per pull request, cancelling the run of an earlier push", () => {
    expect(workflow.concurrency?.group).toMatch(/\$\{\{ github\.event\.pull_request\.number \|\| github\.ref \}\}/);
    expect(workflow.concurrency?.["cancel-in-progress"]).toBe(true);
  });

  test("checks out the full history, so the base branch exists for --base-ref", () => {
    const { step, index } = usingAction("actions/checkout");
    expect(step.with?.["fetch-depth"]).toBe(0);
    expect(index).toBe(0);
  });

  test("sets up Node 20 with the npm cache and runs npm ci before any sgc step", () => {
    const node = usingAction("actions/setup-node");
    expect(node.step.with?.["node-version"]).toBe(20);
    expect(node.step.with?.cache).toBe("npm");
    const install = onlyStep(/^npm ci\b/m);
    expect(install.index).toBeGreaterThan(node.index);
    const sgcSteps = running(SGC_COMMAND);
    expect(sgcSteps.length).toBeGreaterThanOrEqual(4);
    for (const step of sgcSteps) expect(steps.indexOf(step)).toBeGreaterThan(install.index);
  });

  test("runs sgc check, sgc diff --base-ref, sgc synth, terraform plan and sgc diff --plan in that order", () => {
    const order = [
      command(String.raw`npx sgc check\b.*--format json`),
      command(String.raw`npx sgc diff --base-ref\b`),
      command(String.raw`npx sgc synth\b.*--out cdktf\.out`),
      command(String.raw`terraform init -input=false`),
      command(String.raw`terraform plan -input=false -no-color -out=plan\.bin`),
      command(String.raw`npx sgc diff --plan\b`),
    ].map((pattern) => onlyStep(pattern).index);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(onlyStep(command(String.raw`terraform plan\b`)).step.run).toMatch(/terraform show -json plan\.bin > plan\.json/);
    expect(onlyStep(command(String.raw`npx sgc check\b.*--format sarif`)).step.run).toContain("--output sgc.sarif");
  });

  test("reads sgc's machine output (--format json), never its human output", () => {
    const synth = onlyStep(command(String.raw`npx sgc synth\b`)).step.run ?? "";
    expect(synth).toMatch(/--format json > synth\.json/);
    expect(synth).toMatch(/jq -r '\.stacks\[0\]\.directory' synth\.json/);
    for (const step of steps) expect(step.run ?? "").not.toMatch(/\bsed\b.*(wrote|error|warning)/);
    // and the JSON it reads is what sgc writes
    expect(onlyStep(command(String.raw`npx sgc check\b.*--format json`)).step.run).toMatch(/jq -r .*\.summary\.errors.*check\.json/);
  });

  test("the diff against the base branch compares with origin/<base ref> and fails on replacements", () => {
    const { step } = onlyStep(command(String.raw`npx sgc diff --base-ref\b`));
    expect(step.run).toMatch(/--base-ref "origin\/(\$BASE_REF|\$\{\{ github\.base_ref \}\})"/);
    if (step.run?.includes("$BASE_REF")) expect(step.env?.BASE_REF).toBe("${{ github.base_ref }}");
    expect(step.run).toMatch(/--format markdown --fail-on replace --output diff\.md/);
  });

  test("check and diff record their exit codes instead of failing the job early", () => {
    for (const [pattern, output] of [
      [command(String.raw`npx sgc check\b`), "check_exit"],
      [command(String.raw`npx sgc diff --base-ref\b`), "diff_exit"],
    ] as const) {
      const { step } = onlyStep(pattern);
      expect(step.id).toBeDefined();
      expect(step.run).toMatch(/^set \+e$/m);
      expect(step.run).toMatch(new RegExp(`echo "${output}=\\$[\\w?]+" >> "\\$GITHUB_OUTPUT"`));
    }
  });

  test("the Terraform steps may fail without failing the job, and setup-terraform has no wrapper", () => {
    const setup = usingAction("hashicorp/setup-terraform");
    expect(setup.step.with?.terraform_wrapper).toBe(false);
    for (const line of [String.raw`npx sgc synth\b`, String.raw`terraform init\b`, String.raw`terraform plan\b`, String.raw`npx sgc diff --plan\b`]) {
      expect(onlyStep(command(line)).step["continue-on-error"]).toBe(true);
    }
    expect(setup.index).toBeLessThan(onlyStep(command(String.raw`terraform init\b`)).index);
    // the YAML tells users what the plan needs
    expect(text).toMatch(/#.*aws-actions\/configure-aws-credentials@[0-9a-f]{40} # v\d+\.\d+\.\d+/);
    expect(text).toMatch(/#.*credentials/i);
    expect(text).toMatch(/#.*backend/i);
  });

  test("the SARIF upload runs always(), with category sgc", () => {
    const { step } = usingAction("github/codeql-action/upload-sarif");
    expect(condition(step)).toMatch(/^always\(\)/);
    expect(step.with?.sarif_file).toBe("sgc.sarif");
    expect(step.with?.category).toBe("sgc");
  });

  test("the comment is built from diff.md, then check.md, then plan.md", () => {
    const { step, index } = onlyStep(/> comment\.md/);
    const run = step.run ?? "";
    const [diff, check, plan] = ["diff.md", "check.md", "plan.md"].map((f) => run.indexOf(f));
    expect(diff).toBeGreaterThanOrEqual(0);
    expect(check).toBeGreaterThan(diff);
    expect(plan).toBeGreaterThan(check);
    expect(run).toContain(MARKER); // the body starts with the marker even when a part is missing
    expect(index).toBeGreaterThan(onlyStep(command(String.raw`npx sgc diff --plan\b`)).index);
  });

  test("one comment per pull request: found by the marker, updated in place, else created", () => {
    const { step, index } = usingAction("actions/github-script");
    const script = String(step.with?.script ?? "");
    expect(script).toContain(MARKER);
    expect(script).toMatch(/github\.paginate\(\s*github\.rest\.issues\.listComments/);
    expect(script).toContain("updateComment");
    expect(script).toContain("createComment");
    expect(script.indexOf("updateComment")).toBeLessThan(script.indexOf("createComment"));
    expect(script).toContain("comment.md");
    expect(index).toBeGreaterThan(onlyStep(/> comment\.md/).index);
    // the script is valid JavaScript as github-script runs it: the body of an async function
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => unknown;
    expect(() => new AsyncFunction("github", "context", "core", "require", script)).not.toThrow();
  });

  test("the last step fails the job when check or diff exited 1", () => {
    const last = steps[steps.length - 1];
    expect(last.run).toBeDefined();
    const envFor = (output: string): string => {
      const entry = Object.entries(last.env ?? {}).find(([, value]) => value.includes(output));
      expect(entry).toBeDefined();
      return entry?.[0] ?? "";
    };
    const checkVar = envFor("steps.check.outputs.check_exit");
    const diffVar = envFor("steps.diff.outputs.diff_exit");
    // run it as GitHub does (bash -eo pipefail) over the exit codes that matter
    const gate = (check: string, diff: string): number | null =>
      spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", last.run as string], {
        env: { PATH: process.env.PATH, [checkVar]: check, [diffVar]: diff, SGC_MANIFEST: manifest },
        encoding: "utf8",
      }).status;
    expect(gate("0", "0")).toBe(0);
    expect(gate("1", "0")).not.toBe(0);
    expect(gate("0", "1")).not.toBe(0);
    expect(gate("1", "1")).not.toBe(0);
    expect(gate("2", "0")).not.toBe(0); // invalid input fails too
  });

  test("every action is pinned to a full commit SHA, with its version in a comment", () => {
    const uses = steps.filter((s) => s.uses !== undefined).map((s) => s.uses as string);
    expect(uses.length).toBeGreaterThanOrEqual(5);
    for (const ref of uses) {
      expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(text).toMatch(new RegExp(`uses: ${ref.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} # v\\d+\\.\\d+\\.\\d+\n`));
    }
    // the releases the SHAs belong to (looked up from public workflows that pin the same tags)
    expect(uses).toEqual(
      expect.arrayContaining([
        "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
        "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020",
        "actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea",
        "hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd",
        "github/codeql-action/upload-sarif@48ab28a6f5dbc2a99bf1e0131198dd8f1df78169",
      ]),
    );
  });

  test("the comment is cut, when too long, outside fenced blocks: a Mermaid picture is dropped whole, never halved", async () => {
    const { step } = usingAction("actions/github-script");
    const script = String(step.with?.script ?? "");
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<void>;
    const run = async (body: string) => {
      let posted = "";
      const github = {
        paginate: async () => [],
        rest: { issues: { listComments: {}, createComment: async ({ body: b }: { body: string }) => ((posted = b), { data: { html_url: "x" } }), updateComment: async () => undefined } },
      };
      const context = { repo: { owner: "o", repo: "r" }, issue: { number: 1 } };
      const fakeRequire = (name: string) => (name === "fs" ? { readFileSync: () => body } : require(name));
      await new AsyncFunction("github", "context", "core", "require", script)(github, context, { info: () => undefined }, fakeRequire);
      return posted;
    };
    const mermaid = "```mermaid\nflowchart LR\n" + "  n0 --> n1\n".repeat(3000) + "```\n";
    const rows = (n: number) => Array.from({ length: n }, (_, i) => `| row ${i} | x |`).join("\n") + "\n";
    // the limit falls inside the picture; after it; nowhere
    const inside = `${MARKER}\n${rows(3000)}${mermaid}${rows(10)}`;
    expect(inside.indexOf("```mermaid")).toBeLessThan(65000);
    expect(inside.indexOf("```mermaid") + mermaid.length).toBeGreaterThan(65000);
    expect(await run(inside)).not.toContain("```mermaid");
    for (const body of [inside, `${MARKER}\n${rows(100)}${mermaid}${rows(5000)}`, `${MARKER}\nshort\n${mermaid}`]) {
      const posted = await run(body);
      expect(posted.length).toBeLessThanOrEqual(65536);
      expect(posted.startsWith(MARKER)).toBe(true);
      expect((posted.match(/^```/gm) ?? []).length % 2).toBe(0);
      if (body.length > 65000) expect(posted).toContain("_Truncated: the full report is in the job summary._");
      else expect(posted).toBe(body);
      // whatever fits before the picture is kept
      if (body.includes("| row 0 |")) expect(posted).toContain("| row 0 | x |");
    }
  });

  test("is the template that sgc init writes, with this repository's manifest filled in", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { reviewWorkflow } = require("../../src/cli/commands/init") as typeof import("../../src/cli/commands/init");
    expect(reviewWorkflow(manifest)).toBe(text);
    const other = parse(reviewWorkflow("infra/my network.yaml")) as Workflow;
    expect(other.env?.SGC_MANIFEST).toBe("infra/my network.yaml");
    expect(other.on.pull_request?.paths?.[0]).toBe("infra/my network.yaml");
    expect(other.on.push?.paths?.[0]).toBe("infra/my network.yaml");
  });

  test("every run script is valid bash", () => {
    for (const step of steps.filter((s) => s.run !== undefined)) {
      const script = (step.run as string).replace(/\$\{\{[^}]*\}\}/g, "x");
      const result = spawnSync("bash", ["-n", "-c", script], { encoding: "utf8" });
      expect({ step: step.name ?? step.run, stderr: result.stderr }).toEqual({ step: step.name ?? step.run, stderr: "" });
    }
  });
});

describe("README", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const headings = readme.split("\n").filter((line) => line.startsWith("## "));

  test('has "## Pull-request review" just before "## Deploying"', () => {
    const at = headings.indexOf("## Pull-request review");
    expect(at).toBeGreaterThanOrEqual(0);
    expect(headings[at + 1]).toBe("## Deploying");
  });

  test("the section names the workflow file, SGC_MANIFEST and the marker", () => {
    const start = readme.indexOf("## Pull-request review");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    expect(section).toContain(WORKFLOW_PATH);
    expect(section).toContain("SGC_MANIFEST");
    expect(section).toContain(MARKER);
    expect(section).toMatch(/in place/);
    expect(section).toMatch(/Mermaid/);
  });
});
