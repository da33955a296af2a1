import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { worldFromState } from "../support/aws-world";
import { sgc } from "../support/cli";
import { AwsWorld, planAdoption } from "../support/mock-ec2";
import { ChangePlanJson, OFFLINE_STATE_FILE, planAgainstOwnState, ResourceChangeJson } from "../support/prior-state";
import { describeWithTerraform, planOfflineAsync, terraformAsync, writeOfflineOverrides } from "../support/terraform";

/*
 * Adoption, end to end, for each kind of source: the AWS CLI's listing of console-made groups
 * (examples/adopt/console), and the state and a plan of hand-written HCL (examples/adopt/terraform)
 * planned offline. Each is imported, validated, diffed against its source (no flow added or
 * removed, no group replaced), synthesized, and the synthesized stack planned by real Terraform
 * against AWS as the source describes it (a mock EC2 endpoint serving that world; the stack's own
 * state empty, as on the first run): the plan imports every group and rule and destroys, replaces
 * or creates nothing that exists. Only tags and rule descriptions change, in place.
 */

const EXAMPLES = join(__dirname, "..", "..", "examples", "adopt");
const CONSOLE = join(EXAMPLES, "console");
const TERRAFORM = join(EXAMPLES, "terraform");

/** What the plan source changes: a new group and a rule to it, which exist only once applied. */
const CHANGE_TF = `
resource "aws_security_group" "cache" {
  name        = "shop-cache"
  description = "Redis"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "cache_from_app" {
  security_group_id            = aws_security_group.cache.id
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}
`;

interface Source {
  /** The files `sgc import` reads. */
  files: string[];
  /** AWS as the source describes it (what exists). */
  world: AwsWorld;
  /** The file `sgc diff` compares the manifest with. */
  diffWith: string;
  /** Resource addresses of the sgc stack that the plan may create: what does not exist yet. */
  creates: string[];
}

const work = mkdtempSync(join(tmpdir(), "sgc-adopt-test-"));
const json = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

/** The hand-written HCL planned offline and settled: its state as `terraform show -json` prints it, and a plan of a change against it. */
let terraformSources: Promise<{ stateFile: string; planFile: string; world: AwsWorld; rulesFile: string }> | undefined;
function planTerraformExample() {
  terraformSources ??= (async () => {
    const dir = mkdtempSync(join(work, "hcl-"));
    cpSync(TERRAFORM, dir, { recursive: true, filter: (src) => !src.endsWith(".json") });
    const fresh = await planOfflineAsync(dir);
    const settled = await planAgainstOwnState(dir, fresh.plan as unknown as ChangePlanJson, "examples/adopt/terraform");
    const stateText = (await terraformAsync(settled.dir, ["show", "-json", OFFLINE_STATE_FILE])).stdout;
    const stateFile = join(dir, "state.json");
    writeFileSync(stateFile, stateText);
    // The bundled state is this one: planned offline from main.tf, as the README says.
    if (process.env.UPDATE_GOLDEN) writeFileSync(join(TERRAFORM, "state.json"), JSON.stringify(JSON.parse(stateText), null, 2) + "\n");
    const world = worldFromState(JSON.parse(stateText));
    const rulesFile = join(dir, "rules.json");
    writeFileSync(rulesFile, JSON.stringify({ SecurityGroupRules: world.rules }, null, 2) + "\n");
    // What describe-security-group-rules lists once it is applied, bundled for the README's walk-through.
    if (process.env.UPDATE_GOLDEN) writeFileSync(join(TERRAFORM, "rules.json"), readFileSync(rulesFile, "utf8"));

    const head = mkdtempSync(join(work, "hcl-head-"));
    cpSync(TERRAFORM, head, { recursive: true, filter: (src) => !src.endsWith(".json") });
    writeFileSync(join(head, "change.tf"), CHANGE_TF);
    writeOfflineOverrides(head);
    writeFileSync(join(head, OFFLINE_STATE_FILE), JSON.stringify(settled.state, null, 2));
    await terraformAsync(head, ["init", "-input=false", "-no-color"]);
    await terraformAsync(head, ["plan", "-refresh=false", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
    const planFile = join(head, "plan.json");
    writeFileSync(planFile, (await terraformAsync(head, ["show", "-json", "plan.bin"])).stdout);
    return { stateFile, planFile, world, rulesFile };
  })();
  return terraformSources;
}

async function source(kind: "aws" | "state" | "plan"): Promise<Source> {
  if (kind === "aws") {
    const world: AwsWorld = { account: "123456789012", groups: json(join(CONSOLE, "groups.json")).SecurityGroups as AwsWorld["groups"], rules: json(join(CONSOLE, "rules.json")).SecurityGroupRules as AwsWorld["rules"] };
    const merged = join(work, "live.json");
    writeFileSync(merged, JSON.stringify({ ...json(join(CONSOLE, "groups.json")), ...json(join(CONSOLE, "rules.json")) }));
    return { files: [join(CONSOLE, "groups.json"), join(CONSOLE, "rules.json")], world, diffWith: merged, creates: [] };
  }
  const t = await planTerraformExample();
  if (kind === "state") return { files: [t.stateFile, t.rulesFile], world: t.world, diffWith: t.stateFile, creates: [] };
  return { files: [t.planFile, t.rulesFile], world: t.world, diffWith: t.planFile, creates: ["aws_security_group.cache", "aws_vpc_security_group_ingress_rule.cache__from_app__tcp_6379"] };
}

/**
 * The attributes a change sets differently from what it found. A port of -1 (every ICMP code)
 * is the same as none: the provider reads -1 back as null when it imports a rule.
 */
function changedAttributes(c: ResourceChangeJson): string[] {
  const before = c.change.before ?? {};
  const after = c.change.after ?? {};
  const value = (k: string, v: unknown) => JSON.stringify((k === "from_port" || k === "to_port") && v === -1 ? null : (v ?? null));
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => value(k, before[k]) !== value(k, after[k]) && !(c.change.after_unknown as Record<string, unknown> | undefined)?.[k]).sort();
}

describeWithTerraform("adopting what is deployed: import, diff, synth, and Terraform's first plan", () => {
  const adopted = new Map<string, Promise<{ manifest: string; source: Source; stack: string }>>();
  const adopt = (kind: "aws" | "state" | "plan") => {
    if (!adopted.has(kind)) {
      adopted.set(
        kind,
        (async () => {
          const s = await source(kind);
          const manifest = join(work, `${kind}.yaml`);
          const imported = await sgc("import", ...s.files, "--name", "shop", "--out", manifest);
          if (imported.code !== 0) throw new Error(`sgc import ${kind} failed:\n${imported.err}`);
          const synth = await sgc("synth", manifest, "--out", join(work, `${kind}-out`));
          if (synth.code !== 0) throw new Error(synth.err);
          return { manifest, source: s, stack: join(work, `${kind}-out`, "stacks", "shop") };
        })(),
      );
    }
    return adopted.get(kind)!;
  };

  test("the bundled state is the example's configuration planned offline, and its rule listing what AWS then lists", async () => {
    const { stateFile, rulesFile } = await planTerraformExample();
    expect(JSON.parse(readFileSync(join(TERRAFORM, "state.json"), "utf8"))).toEqual(JSON.parse(readFileSync(stateFile, "utf8")));
    expect(readFileSync(join(TERRAFORM, "rules.json"), "utf8")).toBe(readFileSync(rulesFile, "utf8"));
  });

  describe.each(["aws", "state", "plan"] as const)("from %s", (kind) => {
    test("the manifest validates and allows exactly what the source allows: sgc diff shows no change", async () => {
      const { manifest, source: s } = await adopt(kind);
      expect((await sgc("validate", manifest)).code).toBe(0);
      const diff = await sgc("diff", s.diffWith, manifest, "--format", "json", "--fail-on", "drift,replace");
      const review = JSON.parse(diff.out) as { flows: { added: unknown[]; removed: unknown[] }; replaced: unknown[]; destroyed: unknown[]; created: { address: string }[] };
      expect(review.flows).toEqual({ added: [], removed: [] });
      expect(review.replaced).toEqual([]);
      expect(review.destroyed).toEqual([]);
      // A group the plan creates is new on both sides, under the address the manifest recorded.
      expect(review.created).toEqual([]);
      expect(diff.code).toBe(0);
    });

    test("Terraform's first plan imports every group and rule, and destroys, replaces or creates nothing that exists", async () => {
      const { stack, source: s } = await adopt(kind);
      const { plan, output, calls } = await planAdoption(stack, s.world);
      const changes = plan.resource_changes.filter((c) => c.mode === "managed");
      const importing = (c: ResourceChangeJson) => (c.change as { importing?: { id: string } }).importing?.id;
      expect(changes.filter((c) => c.change.actions.includes("delete")).map((c) => c.address)).toEqual([]);
      expect(changes.filter((c) => c.change.actions.includes("create")).map((c) => c.address).sort()).toEqual([...s.creates].sort());
      const existing = changes.filter((c) => !s.creates.includes(c.address));
      expect(existing.filter((c) => importing(c) === undefined).map((c) => c.address)).toEqual([]);
      // Every group and every AWS rule of the world is imported once.
      const ids = existing.map(importing).sort();
      expect(ids).toEqual([...s.world.groups.map((g) => g.GroupId as string), ...s.world.rules.map((r) => r.SecurityGroupRuleId as string)].sort());
      // In place, only what is no access: tags, and rule descriptions sgc writes.
      for (const c of existing) {
        expect({ address: c.address, changed: changedAttributes(c).filter((a) => !["tags", "tags_all", "description", "revoke_rules_on_delete"].includes(a)) }).toEqual({ address: c.address, changed: [] });
      }
      const summary = /Plan: \d+ to import, \d+ to add, \d+ to change, \d+ to destroy/.exec(output)![0];
      expect(summary).toMatch(new RegExp(`^Plan: ${ids.length} to import, ${s.creates.length} to add, \\d+ to change, 0 to destroy$`));
      // The README's walk-through quotes this plan.
      if (kind === "aws") expect(readFileSync(join(__dirname, "..", "..", "README.md"), "utf8")).toContain(`\`${summary}\``);
      expect(calls).toContain("DescribeSecurityGroupRules");
    });
  });

  test("from a state alone, the rules the state records no AWS id for are named, with the remedy", async () => {
    const { stateFile } = await planTerraformExample();
    const result = await sgc("import", stateFile, "--name", "shop");
    expect(result.code).toBe(0);
    const warnings = result.err.split("\n").filter((l) => / warn no-rule-ids /.test(l));
    expect(warnings).toEqual([
      expect.stringMatching(/:\d+:\d+: warn no-rule-ids 2 rules of shop-db \(sg-\w+\) have no AWS rule id \(aws_security_group_rule does not record AWS's rule ids\): terraform apply would create them anew/),
      expect.stringMatching(/:\d+:\d+: warn no-rule-ids 2 rules of shop-lb \(sg-\w+\) have no AWS rule id \(inline rules do not record AWS's rule ids\)/),
    ]);
    expect(result.err).toMatch(/hint: add the output of aws ec2 describe-security-group-rules --output json as another source/);
    expect(result.err).toMatch(/4 rules without an AWS rule id would be created again/);
  });
});
