import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { basename, join } from "path";
import { ChangePlanJson, configurationKey, planAgainstOwnState, SettledPlan } from "./prior-state";
import { planOffline, planOfflineAsync } from "./terraform";

/**
 * Hand-written Terraform fixtures (one folder per case, each with a main.tf) showing the classic
 * AWS security-group mistakes, and a clean one. They plan offline: no data sources, made-up ids.
 */
export const HCL_FIXTURES_DIR = join(__dirname, "..", "fixtures", "hcl");

/**
 * Terraform as teams write it (test/fixtures/terraform/<case>/: main.tf or main.tf.json, local
 * modules under modules/), each with the access AWS would allow written by hand in expected.json
 * (and expected-prior.json where the answer differs once applied).
 */
export const TERRAFORM_FIXTURES_DIR = join(__dirname, "..", "fixtures", "terraform");

/** The fixture names (folder names), sorted. */
export function hclFixtures(): string[] {
  return subfolders(HCL_FIXTURES_DIR);
}

/** The real-world fixture names (folder names), sorted. */
export function terraformFixtures(): string[] {
  return subfolders(TERRAFORM_FIXTURES_DIR);
}

function subfolders(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/** A planned fixture: `terraform show -json` parsed and as printed, and the temp dir it ran in. */
export interface HclPlan {
  planJson: unknown;
  planText: string;
  /** A copy of the fixture, initialized, where the plan ran; `planFile` is the plan JSON written into it. */
  dir: string;
  planFile: string;
}

/** What Terraform leaves in a working directory; never copied from the fixtures, should any be there. */
const RUN_LEFTOVERS = new Set([".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup", "plan.bin", "plan.json", "offline_override.tf.json"]);

const plans = new Map<string, HclPlan>();

/**
 * Copies a fixture to a fresh temp dir, plans it offline (init, validate, plan, show -json) and
 * returns the plan. Memoized per fixture within the process, as each plan takes seconds.
 */
export function planHclFixture(name: string): HclPlan {
  const known = plans.get(name);
  if (known) return known;
  if (!hclFixtures().includes(name)) throw new Error(`no HCL fixture "${name}" in ${HCL_FIXTURES_DIR}`);
  const dir = copyFixture(HCL_FIXTURES_DIR, name);
  const { plan, planText } = planOffline(dir);
  const planned: HclPlan = { planJson: plan as unknown, planText, dir, planFile: writePlanFile(dir, planText) };
  plans.set(name, planned);
  return planned;
}

/**
 * A real-world fixture planned offline, memoized per fixture and variant within the process:
 * `fresh` against an empty state (every id unknown until apply), `prior` against a state
 * fabricated from its own fresh plan as if it had been applied (every id known; Terraform plans
 * no change). The plan JSON is written into the planned copy as plan.json, beside the
 * configuration, where sgc looks for it by default. Several fixtures may plan at once.
 */
export function planTerraformFixture(name: string, variant: "fresh" | "prior"): Promise<FixturePlan> {
  if (!terraformFixtures().includes(name)) throw new Error(`no Terraform fixture "${name}" in ${TERRAFORM_FIXTURES_DIR}`);
  const key = `${variant}\u0000${name}`;
  let planned = fixturePlans.get(key);
  if (!planned) {
    planned = sharedInRun(`${variant}-${name}-${configurationKey(join(TERRAFORM_FIXTURES_DIR, name))}`, () => (variant === "fresh" ? planFixtureFresh(name) : planFixturePrior(name)));
    fixturePlans.set(key, planned);
  }
  return planned;
}
const fixturePlans = new Map<string, Promise<FixturePlan>>();

/**
 * A fixture plan shared by the test files of one jest run, through the folder that
 * test/support/global-setup.js makes (SGC_TEST_RUN_DIR): the plans take minutes, and two files
 * read the same ones. Keyed by the fixture's content. Without the folder, each file plans.
 */
async function sharedInRun(key: string, plan: () => Promise<FixturePlan>): Promise<FixturePlan> {
  const runDir = process.env.SGC_TEST_RUN_DIR;
  const file = runDir && join(runDir, `${key}.json`);
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as FixturePlan;
    if (existsSync(saved.dir)) {
      const settled = saved.settled && { ...saved.settled, plan: JSON.parse(saved.settled.planText) as ChangePlanJson };
      return { ...saved, planJson: JSON.parse(saved.planText), ...(settled ? { settled } : {}) };
    }
  }
  const planned = await plan();
  if (file) {
    // Parsed plans are left out (they are their text, parsed); written whole, then renamed, so a reader never sees half.
    const { planJson: _planJson, settled, ...rest } = planned;
    const saved = { ...rest, ...(settled ? { settled: { ...settled, plan: undefined } } : {}) };
    writeFileSync(`${file}.partial`, JSON.stringify(saved));
    renameSync(`${file}.partial`, file);
  }
  return planned;
}

/** A planned real-world fixture: `validate`'s output for the fresh plan, `settled` for the plan against its prior state. */
export type FixturePlan = HclPlan & { validate?: string; settled?: SettledPlan };

async function planFixtureFresh(name: string): Promise<FixturePlan> {
  const dir = copyFixture(TERRAFORM_FIXTURES_DIR, name);
  const { plan, planText, validate } = await planOfflineAsync(dir);
  return { planJson: plan as unknown, planText, dir, planFile: writePlanFile(dir, planText), validate: validate.stdout };
}

async function planFixturePrior(name: string): Promise<FixturePlan> {
  const fresh = await planTerraformFixture(name, "fresh");
  const settled = await planAgainstOwnState(fresh.dir, fresh.planJson as ChangePlanJson, name);
  return { planJson: settled.plan as unknown, planText: settled.planText, dir: settled.dir, planFile: writePlanFile(settled.dir, settled.planText), settled };
}

/** Copies a fixture (module folders included, Terraform's leftovers not) to a fresh temp dir. */
function copyFixture(fixturesDir: string, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sgc-hcl-${name}-`));
  cpSync(join(fixturesDir, name), dir, { recursive: true, filter: (src) => !RUN_LEFTOVERS.has(basename(src)) });
  return dir;
}

function writePlanFile(dir: string, planText: string): string {
  const planFile = join(dir, "plan.json");
  writeFileSync(planFile, planText);
  return planFile;
}
