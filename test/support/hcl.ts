import { cpSync, mkdtempSync, readdirSync, statSync } from "fs";
import { tmpdir } from "os";
import { basename, join } from "path";
import { planOffline } from "./terraform";

/**
 * Hand-written Terraform fixtures (one folder per case, each with a main.tf) showing the classic
 * AWS security-group mistakes, and a clean one. They plan offline: no data sources, made-up ids.
 */
export const HCL_FIXTURES_DIR = join(__dirname, "..", "fixtures", "hcl");

/** The fixture names (folder names), sorted. */
export function hclFixtures(): string[] {
  return readdirSync(HCL_FIXTURES_DIR)
    .filter((name) => statSync(join(HCL_FIXTURES_DIR, name)).isDirectory())
    .sort();
}

/** A planned fixture: `terraform show -json` parsed and as printed, and the temp dir it ran in. */
export interface HclPlan {
  planJson: unknown;
  planText: string;
  dir: string;
}

/** What Terraform leaves in a working directory; never copied from the fixtures, should any be there. */
const RUN_LEFTOVERS = new Set([".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup", "plan.bin", "offline_override.tf.json"]);

const plans = new Map<string, HclPlan>();

/**
 * Copies a fixture to a fresh temp dir, plans it offline (init, validate, plan, show -json) and
 * returns the plan. Memoized per fixture within the process, as each plan takes seconds.
 */
export function planHclFixture(name: string): HclPlan {
  const known = plans.get(name);
  if (known) return known;
  if (!hclFixtures().includes(name)) throw new Error(`no HCL fixture "${name}" in ${HCL_FIXTURES_DIR}`);
  const dir = mkdtempSync(join(tmpdir(), `sgc-hcl-${name}-`));
  cpSync(join(HCL_FIXTURES_DIR, name), dir, { recursive: true, filter: (src) => !RUN_LEFTOVERS.has(basename(src)) });
  const { plan, planText } = planOffline(dir);
  const planned: HclPlan = { planJson: plan as unknown, planText, dir };
  plans.set(name, planned);
  return planned;
}
