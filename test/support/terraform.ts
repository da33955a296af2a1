import { spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { cpus, homedir, tmpdir } from "os";
import { join } from "path";

/**
 * Real Terraform for the tests, offline: the AWS provider comes from a local filesystem mirror
 * (SGC_TF_PROVIDER_MIRROR, else the first known place that holds provider 5.100.0), through a CLI
 * config file of our own. Test-only settings go into `*_override.tf.json` files beside the
 * synthesized stack, never into what users deploy.
 */

export const AWS_PROVIDER_VERSION = "5.100.0";
const PROVIDER_PATH = join("registry.terraform.io", "hashicorp", "aws", AWS_PROVIDER_VERSION);
const CANDIDATE_MIRRORS = ["/opt/tf-plugins", join(homedir(), ".terraform.d", "plugins"), "/usr/share/terraform/plugins", "/usr/local/share/terraform/plugins"];

/** Where Terraform and the provider mirror are, or why they cannot be used. */
export type TerraformSetup = { ok: true; mirror: string; cliConfig: string } | { ok: false; reason: string };

let cached: TerraformSetup | undefined;

/** Finds Terraform and the provider mirror once per test file. */
export function terraformSetup(): TerraformSetup {
  if (cached) return cached;
  const version = spawnSync("terraform", ["version"], { encoding: "utf8" });
  if (version.error || version.status !== 0) return (cached = { ok: false, reason: "terraform is not on the PATH" });
  const override = process.env.SGC_TF_PROVIDER_MIRROR;
  const mirror = override ?? CANDIDATE_MIRRORS.find((dir) => existsSync(join(dir, PROVIDER_PATH)));
  if (!mirror || !existsSync(join(mirror, PROVIDER_PATH))) {
    const where = override ? `SGC_TF_PROVIDER_MIRROR=${override}` : CANDIDATE_MIRRORS.join(", ");
    return (cached = { ok: false, reason: `no mirror of hashicorp/aws ${AWS_PROVIDER_VERSION} found (looked in ${where})` });
  }
  const dir = mkdtempSync(join(tmpdir(), "sgc-tf-"));
  const cliConfig = join(dir, "terraform.rc");
  // The provider is 700 MB: copied into the cache once, then linked into each working folder
  // rather than copied again by every `terraform init`.
  const cache = join(dir, "plugin-cache");
  mkdirSync(cache);
  writeFileSync(
    cliConfig,
    [
      `plugin_cache_dir = ${JSON.stringify(cache)}`,
      "plugin_cache_may_break_dependency_lock_file = true",
      "provider_installation {",
      "  filesystem_mirror {",
      `    path    = ${JSON.stringify(mirror)}`,
      '    include = ["registry.terraform.io/hashicorp/aws"]',
      "  }",
      "  direct {",
      '    exclude = ["registry.terraform.io/hashicorp/aws"]',
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  // Filled here, once, so that inits running side by side only ever read the cache.
  const warm = join(dir, "warm");
  mkdirSync(warm);
  writeFileSync(join(warm, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } } }));
  const init = spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: warm, encoding: "utf8", env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
  if (init.status !== 0) return (cached = { ok: false, reason: `terraform init from the mirror failed: ${init.stderr || init.stdout}` });
  rmSync(warm, { recursive: true, force: true });
  return (cached = { ok: true, mirror, cliConfig });
}

/**
 * `describe` for tests that need Terraform. Where it is missing they fail under CI=true, and
 * elsewhere are skipped with a loud warning, never silently.
 */
export function describeWithTerraform(name: string, body: () => void): void {
  const setup = terraformSetup();
  if (setup.ok) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    describe(name, () => {
      test("Terraform and the provider mirror are available (required with CI=true)", () => {
        throw new Error(`cannot run Terraform tests: ${setup.reason}`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`\n*** SKIPPED Terraform tests "${name}": ${setup.reason}. Set CI=true to make this a failure. ***\n`);
    describe.skip(name, body);
  }
}

/** The result of one Terraform command. */
export interface TerraformRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs Terraform in a directory with the offline CLI config; throws with its output when it fails. */
export function terraform(dir: string, args: readonly string[]): TerraformRun {
  const result = spawnSync("terraform", [...args], { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: terraformEnv() });
  return checked(dir, args, { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" });
}

/**
 * `terraform()` without blocking, so that several stacks plan at once: at most one Terraform
 * per core runs (each loads the AWS provider, about a core for seconds); the rest wait their turn.
 */
export async function terraformAsync(dir: string, args: readonly string[]): Promise<TerraformRun> {
  const env = terraformEnv();
  await slots.acquire();
  try {
    const run = await new Promise<TerraformRun>((resolve, reject) => {
      const child = spawn("terraform", [...args], { cwd: dir, env });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    });
    return checked(dir, args, run);
  } finally {
    slots.release();
  }
}

function terraformEnv(): NodeJS.ProcessEnv {
  const setup = terraformSetup();
  if (!setup.ok) throw new Error(setup.reason);
  return { ...process.env, TF_CLI_CONFIG_FILE: setup.cliConfig, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0" };
}

function checked(dir: string, args: readonly string[], run: TerraformRun): TerraformRun {
  if (run.status !== 0) throw new Error(`terraform ${args.join(" ")} failed in ${dir} (exit ${run.status}):\n${run.stderr}\n${run.stdout}`);
  return run;
}

/** A counting semaphore: how many Terraform processes `terraformAsync` runs at once. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
const slots = new Slots(Math.max(2, cpus().length));

/**
 * Writes the test-only overrides that let `terraform plan` run with no AWS account: dummy
 * credentials, no credential or metadata checks, and a local backend in place of S3. `provider`
 * adds or overrides settings of the AWS provider (endpoints of a mock, for one).
 */
export function writeOfflineOverrides(stackDir: string, provider: Record<string, unknown> = {}): void {
  writeFileSync(
    join(stackDir, "offline_override.tf.json"),
    JSON.stringify(
      {
        terraform: { backend: { local: { path: "terraform.tfstate" } } },
        provider: {
          aws: {
            access_key: "test",
            secret_key: "test",
            skip_credentials_validation: true,
            skip_requesting_account_id: true,
            skip_metadata_api_check: true,
            ...provider,
          },
        },
      },
      null,
      2,
    ),
  );
}

/** The commands that init, validate and plan a stack offline, the last printing the plan as JSON. */
const OFFLINE_PLAN = [
  ["init", "-input=false", "-no-color"],
  ["validate", "-no-color"],
  ["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"],
  ["show", "-json", "plan.bin"],
] as const;

/** An offline plan: the plan as `terraform show -json` prints it, parsed and as text, and what `validate` said. */
export interface OfflinePlan {
  plan: TerraformPlanJson;
  planText: string;
  validate: TerraformRun;
}

/** init, validate and plan a stack offline; returns the plan as `terraform show -json` prints it. */
export function planOffline(stackDir: string): OfflinePlan {
  writeOfflineOverrides(stackDir);
  const [, validate, , show] = OFFLINE_PLAN.map((args) => terraform(stackDir, args));
  return { plan: JSON.parse(show.stdout) as TerraformPlanJson, planText: show.stdout, validate };
}

/** `planOffline` without blocking (see `terraformAsync`). */
export async function planOfflineAsync(stackDir: string): Promise<OfflinePlan> {
  writeOfflineOverrides(stackDir);
  const runs: TerraformRun[] = [];
  for (const args of OFFLINE_PLAN) runs.push(await terraformAsync(stackDir, args));
  const [, validate, , show] = runs;
  return { plan: JSON.parse(show.stdout) as TerraformPlanJson, planText: show.stdout, validate };
}

/** The parts of Terraform's JSON plan format the tests read. */
export interface TerraformPlanJson {
  format_version: string;
  resource_changes: { address: string; type: string; name: string; change: { actions: string[]; after: Record<string, unknown> } }[];
  planned_values: { outputs?: Record<string, unknown>; root_module: { resources?: { address: string; type: string; values: Record<string, unknown> }[] } };
}
