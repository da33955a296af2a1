import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";
import { sgc } from "../support/cli";

/*
 * Drift: `sgc diff services.yaml live.json` says what the deployed groups allow beyond or short
 * of the manifest, with --fail-on drift as the gate of a scheduled job; and the scheduled
 * workflow that runs it (templates/sgc-drift.yml) is built as its comments say.
 */

const ROOT = join(__dirname, "..", "..");
const CONSOLE = join(ROOT, "examples", "adopt", "console");
const json = (file: string) => JSON.parse(readFileSync(file, "utf8")) as { SecurityGroups: Record<string, unknown>[]; SecurityGroupRules: Record<string, unknown>[] };

describe("sgc diff between a manifest and what is deployed", () => {
  const dir = mkdtempSync(join(tmpdir(), "sgc-drift-"));
  const manifest = join(dir, "services.yaml");
  const live = (edit: (groups: Record<string, unknown>[], rules: Record<string, unknown>[]) => void) => {
    const listing = { ...json(join(CONSOLE, "groups.json")), ...json(join(CONSOLE, "rules.json")) };
    edit(listing.SecurityGroups, listing.SecurityGroupRules);
    const file = join(dir, `live-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(listing, null, 2));
    return file;
  };
  const db = (groups: Record<string, unknown>[]) => groups.find((g) => g.GroupName === "db") as { IpPermissions: Record<string, unknown>[] };

  beforeAll(async () => {
    const imported = await sgc("import", join(CONSOLE, "groups.json"), join(CONSOLE, "rules.json"), "--name", "console", "--out", manifest);
    expect(imported.code).toBe(0);
  });

  test("nothing changed: no drift, exit 0", async () => {
    const result = await sgc("diff", manifest, live(() => undefined), "--fail-on", "drift");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/\*\*0 flows added, 0 removed, 0 groups replaced/);
  });

  test("a rule added in the console is access beyond the manifest: drift, exit 1", async () => {
    const file = live((groups) => db(groups).IpPermissions.push({ FromPort: 3306, IpProtocol: "tcp", IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], PrefixListIds: [], ToPort: 3306, UserIdGroupPairs: [] }));
    const result = await sgc("diff", manifest, file, "--fail-on", "drift", "--format", "json");
    expect(result.code).toBe(1);
    const review = JSON.parse(result.out) as { flows: { added: { from: string; to: string }[]; removed: unknown[] } };
    expect(review.flows.added).toEqual([{ from: "internet:ipv4", to: "service:db", port: "tcp/3306" }]);
    expect(review.flows.removed).toEqual([]);
  });

  test("a rule removed in the console is access short of the manifest: drift, exit 1; without --fail-on drift, exit 0", async () => {
    // Gone from both listings, as when it is revoked.
    const file = live((groups, rules) => {
      const id = (groups.find((g) => g.GroupName === "db") as { GroupId: string }).GroupId;
      db(groups).IpPermissions.splice(0, 1);
      rules.splice(0, rules.length, ...rules.filter((r) => !(r.GroupId === id && r.IsEgress === false)));
    });
    const gate = await sgc("diff", manifest, file, "--fail-on", "drift", "--format", "json");
    expect(gate.code).toBe(1);
    const review = JSON.parse(gate.out) as { flows: { added: unknown[]; removed: { from: string; to: string }[] } };
    expect(review.flows.added).toEqual([]);
    expect(review.flows.removed.map((f) => `${f.from} -> ${f.to}`).sort()).toEqual(["cidr:198.51.100.10/32 -> service:db", "cidr:203.0.113.0/24 -> service:db", "service:app -> service:db", "service:reporting -> service:db"]);
    expect((await sgc("diff", manifest, file)).code).toBe(0);
  });

  test("a group renamed in AWS is a group the manifest would replace", async () => {
    const file = live((groups) => (groups.find((g) => g.GroupName === "app")!.GroupName = "app-v2"));
    const result = await sgc("diff", manifest, file, "--format", "json", "--fail-on", "replace");
    expect(result.code).toBe(1);
    expect((JSON.parse(result.out) as { replaced: { address: string; reason: string }[] }).replaced).toEqual([{ address: "aws_security_group.app", service: "app", reason: "group name changes from app to app-v2" }]);
  });
});

describe("sgc diff between a manifest and a Terraform state", () => {
  const TERRAFORM = join(ROOT, "examples", "adopt", "terraform");
  type State = { values: { root_module: { resources: { address: string }[] } } };

  test("the state the manifest was imported from has not drifted; a rule gone from it has", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sgc-drift-state-"));
    const manifest = join(dir, "shop.yaml");
    expect((await sgc("import", join(TERRAFORM, "state.json"), join(TERRAFORM, "rules.json"), "--name", "shop", "--out", manifest)).code).toBe(0);
    expect((await sgc("diff", manifest, join(TERRAFORM, "state.json"), "--fail-on", "drift")).code).toBe(0);

    const state = JSON.parse(readFileSync(join(TERRAFORM, "state.json"), "utf8")) as State;
    state.values.root_module.resources = state.values.root_module.resources.filter((r) => r.address !== "aws_vpc_security_group_ingress_rule.db_from_app");
    const edited = join(dir, "state.json");
    writeFileSync(edited, JSON.stringify(state, null, 2));
    const result = await sgc("diff", manifest, edited, "--fail-on", "drift", "--format", "json");
    expect(result.code).toBe(1);
    const review = JSON.parse(result.out) as { flows: { added: unknown[]; removed: { from: string; to: string; port: string }[] } };
    expect(review.flows).toEqual({ added: [], removed: [{ from: "service:app", to: "service:db", port: "tcp/5432" }] });
  });
});

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

describe("the scheduled drift workflow (templates/sgc-drift.yml)", () => {
  const text = readFileSync(join(ROOT, "templates", "sgc-drift.yml"), "utf8");
  const workflow = parse(text) as { env: Record<string, string>; on: { schedule?: { cron: string }[]; workflow_dispatch?: unknown }; permissions: Record<string, string>; jobs: Record<string, { steps: Step[]; "timeout-minutes"?: number }> };
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);

  test("runs on a schedule and by hand, with read-only contents and an OIDC token only", () => {
    expect(workflow.on.schedule?.[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    expect(workflow.permissions).toEqual({ contents: "read", "id-token": "write" });
    for (const job of Object.values(workflow.jobs)) expect(job["timeout-minutes"]).toBeGreaterThan(0);
  });

  test("lists the stack's groups and their rules, merges them, and diffs the manifest against them with --fail-on drift", () => {
    const list = steps.find((s) => /describe-security-groups/.test(s.run ?? ""))!;
    expect(list.run).toMatch(/--filters "Name=tag:sgc:stack,Values=\$stack"/);
    expect(list.run).toMatch(/describe-security-group-rules --filters "Name=group-id,Values=\$ids"/);
    expect(list.run).toMatch(/jq -s add groups\.json rules\.json > live\.json/);
    const diff = steps.find((s) => /npx sgc diff/.test(s.run ?? ""))!;
    expect(diff.run).toMatch(/npx sgc diff "\$SGC_MANIFEST" live\.json --format markdown --fail-on drift --output drift\.md/);
    expect(diff.run).toMatch(/GITHUB_STEP_SUMMARY/);
    expect(steps.indexOf(list)).toBeLessThan(steps.indexOf(diff));
  });

  test("every action is pinned to a commit SHA with its version beside it; every script is valid bash", () => {
    for (const ref of steps.filter((s) => s.uses).map((s) => s.uses!)) {
      expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(text).toContain(`uses: ${ref} # v`);
    }
    for (const step of steps.filter((s) => s.run)) {
      const result = spawnSync("bash", ["-n", "-c", step.run!.replace(/\$\{\{[^}]*\}\}/g, "x")], { encoding: "utf8" });
      expect({ step: step.name, stderr: result.stderr }).toEqual({ step: step.name, stderr: "" });
    }
  });

  test("the last step fails the job when sgc diff did not exit 0", () => {
    const last = steps[steps.length - 1];
    const gate = (code: string) => spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", last.run!], { env: { PATH: process.env.PATH, DRIFT_EXIT: code, SGC_MANIFEST: "services.yaml" }, encoding: "utf8" }).status;
    expect(last.env?.DRIFT_EXIT).toBe("${{ steps.drift.outputs.drift_exit }}");
    expect(gate("0")).toBe(0);
    expect(gate("1")).not.toBe(0);
    expect(gate("2")).not.toBe(0);
  });
});
