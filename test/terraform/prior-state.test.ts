import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { compile } from "../../src/compile";
import { synthesize, writeStacks } from "../../src/targets/aws/synth";
import { planTerraformFixture } from "../support/hcl";
import { ChangePlan, ChangePlanJson, planChange, priorState, StateResource, TerraformState } from "../support/prior-state";
import { manifestYaml, ROOT, validManifest } from "../support/sgc";
import { describeWithTerraform } from "../support/terraform";
import { sgc } from "../support/cli";
import { mermaidBlocks, parseMermaid } from "../support/mermaid";

/**
 * What real Terraform plans when a manifest changes: each head is planned against a state
 * fabricated from the base as if it had been applied (test/support/prior-state.ts), offline.
 * One base, fabricated once, serves every case.
 */

/** Synthesizes manifest text into a fresh directory; returns the stack directory. */
function stackDir(yaml: string): string {
  const out = mkdtempSync(join(tmpdir(), "sgc-prior-synth-"));
  const [file] = writeStacks(out, synthesize([compile(validManifest(yaml))]));
  return dirname(file);
}

/** Every resource change as address -> actions ("delete,create" for a replacement). */
function actions(plan: ChangePlanJson): Record<string, string> {
  return Object.fromEntries(plan.resource_changes.map((c) => [c.address, c.change.actions.join(",")]));
}

/** Addresses with the given actions, sorted. */
function withActions(plan: ChangePlanJson, wanted: string): string[] {
  return plan.resource_changes
    .filter((c) => c.change.actions.join(",") === wanted)
    .map((c) => c.address)
    .sort();
}

/** The resource addresses a synthesized stack declares. */
function addresses(dir: string): string[] {
  const json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as { resource: Record<string, Record<string, unknown>> };
  return Object.entries(json.resource)
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
}

const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x)).sort();

const NETWORKS = "networks:\n  office:\n    cidrs: [203.0.113.0/24]\n";

/** The base: a public load balancer, a web tier and a database, with an office network. */
const baseServices = (opts: { web?: string; webPort?: number; webDescription?: string; dbConsumers?: string } = {}) => {
  const web = opts.web ?? "web";
  return [
    "  lb:",
    "    ports: [443]",
    "    consumers: [internet]",
    `  ${web}:`,
    `    description: ${opts.webDescription ?? "Web tier"}`,
    `    ports: [${opts.webPort ?? 8080}]`,
    "    consumers: [lb]",
    "  db:",
    "    ports: [5432]",
    `    consumers: [${opts.dbConsumers ?? `${web}, lb, { network: office, ports: [5432] }`}]`,
    "",
  ].join("\n");
};

const BASE = manifestYaml(baseServices(), NETWORKS);

describeWithTerraform("real Terraform plans of changes against a fabricated prior state (offline)", () => {
  let base: string;
  beforeAll(() => {
    base = stackDir(BASE);
  });

  /** Plans a head manifest against the base, once per head (each plan takes seconds). */
  const plans = new Map<string, ChangePlan & { head: string }>();
  function change(yaml: string): ChangePlan & { head: string } {
    const known = plans.get(yaml);
    if (known) return known;
    const head = stackDir(yaml);
    const planned = { ...planChange(base, head), head };
    plans.set(yaml, planned);
    return planned;
  }

  /** `sgc diff --plan` over a change's plan, as JSON and as Markdown; the plan sits beside its configuration, as users keep it. */
  async function reviewPlan(yaml: string, ...flags: string[]) {
    const planned = change(yaml);
    const file = join(planned.head, "plan.json");
    writeFileSync(file, planned.planText);
    const json = await sgc("diff", "--plan", file, "--format", "json", ...flags);
    const markdown = await sgc("diff", "--plan", file);
    return { code: json.code, json: JSON.parse(json.out), markdown: markdown.out };
  }

  test("sgc diff --plan: a renamed service is one replacement, with the flows that move", async () => {
    const { json, markdown } = await reviewPlan(manifestYaml(baseServices({ web: "frontend" }), NETWORKS));
    expect(json.replaced).toEqual([
      { address: "aws_security_group.web", service: "web", becomes: "aws_security_group.frontend", reason: "service renamed from web to frontend" },
    ]);
    expect(json.plan).toEqual({ create: 5, update: 0, delete: 5, replace: 0 });
    expect(json.flows.removed).toContainEqual({ from: "service:lb", to: "service:web", port: "tcp/8080" });
    expect(json.flows.added).toContainEqual({ from: "service:lb", to: "service:frontend", port: "tcp/8080" });
    expect(markdown).toContain("> [!WARNING]");
    expect(parseMermaid(mermaidBlocks(markdown))).toEqual([{ ok: true, type: "flowchart-v2" }]);
  });

  test("sgc diff --plan: a VPC change flags every group replacement, and --fail-on replace fails", async () => {
    const yaml = manifestYaml(baseServices(), NETWORKS).replace("vpc-0a1b2c3d4e5f67890", "vpc-0fedcba9876543210");
    const { json, code } = await reviewPlan(yaml, "--fail-on", "replace");
    expect(code).toBe(1);
    const groups = addresses(base).filter((a) => a.startsWith("aws_security_group."));
    expect(json.replaced.map((r: { address: string }) => r.address).sort()).toEqual(groups.sort());
    for (const r of json.replaced) expect(r.reason).toBe("vpc_id cannot change in place");
    expect(json.flows).toEqual({ added: [], removed: [] });
  });

  test("sgc diff --plan: a description edit replaces nothing and changes no access", async () => {
    const { json, code } = await reviewPlan(manifestYaml(baseServices({ webDescription: "Web servers" }), NETWORKS), "--fail-on", "replace");
    expect(code).toBe(0);
    expect(json.replaced).toEqual([]);
    expect(json.destroyed).toEqual([]);
    expect(json.plan).toEqual({ create: 0, update: 1, delete: 0, replace: 0 });
    expect(json.flows).toEqual({ added: [], removed: [] });
  });

  test("the fabricated state holds every base resource, with references resolved to the same fake ids", () => {
    const state = priorState(base);
    const byAddress = new Map(state.resources.map((r) => [`${r.type}.${r.name}`, r.instances[0].attributes]));
    expect([...byAddress.keys()].sort()).toEqual(addresses(base));
    expect(state).toMatchObject({ version: 4, terraform_version: "1.11.4", serial: 1 });
    for (const r of state.resources) {
      expect(r.provider).toBe('provider["registry.terraform.io/hashicorp/aws"]');
      expect(r.instances).toHaveLength(1);
    }

    const id = (address: string) => byAddress.get(address)?.id;
    expect(id("aws_security_group.web")).toMatch(/^sg-\d{17}$/);
    expect(id("aws_ec2_managed_prefix_list.office_ipv4")).toMatch(/^pl-\d{17}$/);
    const groupIds = state.resources.filter((r) => r.type === "aws_security_group").map((r) => r.instances[0].attributes.id);
    expect(new Set(groupIds).size).toBe(groupIds.length);

    // Each rule points at the fake ids of exactly the resources the base configuration references.
    const model = compile(validManifest(BASE));
    for (const rule of model.rules) {
      const type = rule.direction === "ingress" ? "aws_vpc_security_group_ingress_rule" : "aws_vpc_security_group_egress_rule";
      const attributes = byAddress.get(`${type}.${rule.id}`)!;
      expect(attributes.id).toMatch(/^sgr-\d{17}$/);
      expect(attributes.security_group_rule_id).toBe(attributes.id);
      expect(attributes.security_group_id).toBe(id(`aws_security_group.${rule.service}`));
      if (rule.peer.kind === "service") expect(attributes.referenced_security_group_id).toBe(id(`aws_security_group.${rule.peer.name}`));
      if (rule.peer.kind === "network") expect(attributes.prefix_list_id).toBe(id(`aws_ec2_managed_prefix_list.${rule.peer.name}_${rule.peer.family}`));
      expect(state.resources.find((r) => r.type === type && r.name === rule.id)!.instances[0].dependencies).toContain(`aws_security_group.${rule.service}`);
    }
    expect(state.outputs.web_security_group_id).toEqual({ value: id("aws_security_group.web"), type: "string" });
  });

  // The correctness criterion of the fabrication: the base against its own state is a no-op.
  // The base and the kitchen sink together cover every resource kind and attribute sgc writes
  // (the bundled examples pass too, but each costs two more plans).
  const selfChecks: [string, () => string][] = [
    ["the change tests' base", () => base],
    ["kitchen-sink", () => stackDir(readFileSync(join(ROOT, "test", "fixtures", "kitchen-sink", "manifest.yaml"), "utf8"))],
  ];
  test.each(selfChecks)("self-check: %s planned against its own fabricated state has no changes", (_name, dir) => {
    const stack = dir();
    const { plan, planOutput } = planChange(stack, stack);
    expect(planOutput).toContain("No changes.");
    expect(plan.resource_changes.length).toBe(addresses(stack).length);
    expect(plan.resource_changes.filter((c) => c.change.actions.join(",") !== "no-op")).toEqual([]);
    expect(Object.values(plan.output_changes ?? {}).every((o) => o.actions.join(",") === "no-op")).toBe(true);
  });

  test("a. the unchanged manifest, synthesized again: every resource is a no-op", () => {
    const { plan, planOutput } = change(BASE);
    expect(plan.resource_changes.length).toBeGreaterThan(0);
    expect(withActions(plan, "no-op")).toEqual(addresses(base));
    expect(planOutput).toContain("No changes.");
  });

  test("b. a service renamed (web -> frontend): its group and rules are deleted, the new ones created", () => {
    const { plan, head } = change(manifestYaml(baseServices({ web: "frontend" }), NETWORKS));
    const a = actions(plan);
    expect(a["aws_security_group.web"]).toBe("delete");
    expect(a["aws_security_group.frontend"]).toBe("create");

    const gone = minus(addresses(base), addresses(head));
    const added = minus(addresses(head), addresses(base));
    expect(gone).toEqual([
      "aws_security_group.web",
      "aws_vpc_security_group_egress_rule.lb__to_web__tcp_8080",
      "aws_vpc_security_group_egress_rule.web__to_db__tcp_5432",
      "aws_vpc_security_group_ingress_rule.db__from_web__tcp_5432",
      "aws_vpc_security_group_ingress_rule.web__from_lb__tcp_8080",
    ]);
    expect(added).toEqual(gone.map((address) => address.replace(/web/g, "frontend")).sort());
    expect(withActions(plan, "delete")).toEqual(gone);
    expect(withActions(plan, "create")).toEqual(added);
    // Nothing else moves: the other groups, rules and the prefix list are untouched.
    expect(withActions(plan, "no-op")).toEqual(minus(addresses(base), gone));
    expect(plan.resource_changes.length).toBe(gone.length + addresses(head).length);
  });

  test("c. the VPC changed: every group is replaced (delete, then create), and so is everything on it", () => {
    const { plan } = change(manifestYaml(baseServices(), NETWORKS).replace("vpc-0a1b2c3d4e5f67890", "vpc-0fedcba9876543210"));
    const groups = plan.resource_changes.filter((c) => c.type === "aws_security_group");
    expect(groups.map((c) => c.address).sort()).toEqual(["aws_security_group.db", "aws_security_group.lb", "aws_security_group.web"]);
    for (const group of groups) {
      expect(group.change.actions).toEqual(["delete", "create"]);
      expect(group.action_reason).toBe("replace_because_cannot_update");
      expect(group.change.replace_paths).toEqual([["vpc_id"]]);
    }
    // The default group of the new VPC is adopted in place of the old one's.
    const closed = plan.resource_changes.find((c) => c.type === "aws_default_security_group")!;
    expect(closed.change.actions).toEqual(["delete", "create"]);
    expect(closed.action_reason).toBe("replace_because_cannot_update");
    expect(closed.change.replace_paths).toEqual([["vpc_id"]]);

    // Every rule hangs on a replaced group (security_group_id forces replacement): replaced too.
    const rules = plan.resource_changes.filter((c) => c.type.endsWith("_rule"));
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.change.actions).toEqual(["delete", "create"]);
      expect(rule.action_reason).toBe("replace_because_cannot_update");
      expect(rule.change.replace_paths).toContainEqual(["security_group_id"]);
    }
    // The prefix list lives outside any VPC and stays.
    expect(actions(plan)["aws_ec2_managed_prefix_list.office_ipv4"]).toBe("no-op");
  });

  test("d. a service's description edited: its group is updated in place (tags only), never replaced", () => {
    const { plan } = change(manifestYaml(baseServices({ webDescription: "Web servers" }), NETWORKS));
    const web = plan.resource_changes.find((c) => c.address === "aws_security_group.web")!;
    expect(web.change.actions).toEqual(["update"]);
    expect(web.action_reason).toBeUndefined();
    const changed = Object.keys(web.change.after!).filter((k) => JSON.stringify(web.change.after![k]) !== JSON.stringify(web.change.before![k]));
    expect(changed.sort()).toEqual(["tags", "tags_all"]);
    expect((web.change.before!.tags as Record<string, string>)["sgc:description"]).toBe("Web tier");
    expect((web.change.after!.tags as Record<string, string>)["sgc:description"]).toBe("Web servers");
    expect(minus(Object.keys(actions(plan)), ["aws_security_group.web"]).every((address) => actions(plan)[address] === "no-op")).toBe(true);
  });

  test("e. a consumer removed: exactly its ingress rule and the derived egress rule are deleted", () => {
    const { plan } = change(manifestYaml(baseServices({ dbConsumers: "web, { network: office, ports: [5432] }" }), NETWORKS));
    expect(withActions(plan, "delete")).toEqual(["aws_vpc_security_group_egress_rule.lb__to_db__tcp_5432", "aws_vpc_security_group_ingress_rule.db__from_lb__tcp_5432"]);
    expect(withActions(plan, "no-op")).toEqual(minus(addresses(base), withActions(plan, "delete")));
    expect(plan.resource_changes.length).toBe(addresses(base).length);
  });

  test("f. a port changed (8080 -> 8081): the 8080 rules are deleted, the 8081 rules created", () => {
    const { plan } = change(manifestYaml(baseServices({ webPort: 8081 }), NETWORKS));
    expect(withActions(plan, "delete")).toEqual(["aws_vpc_security_group_egress_rule.lb__to_web__tcp_8080", "aws_vpc_security_group_ingress_rule.web__from_lb__tcp_8080"]);
    expect(withActions(plan, "create")).toEqual(["aws_vpc_security_group_egress_rule.lb__to_web__tcp_8081", "aws_vpc_security_group_ingress_rule.web__from_lb__tcp_8081"]);
    // The group's sgc:ports tag follows the port: an in-place update, not a replacement.
    expect(withActions(plan, "update")).toEqual(["aws_security_group.web"]);
    const web = plan.resource_changes.find((c) => c.address === "aws_security_group.web")!;
    expect((web.change.after!.tags as Record<string, string>)["sgc:ports"]).toBe("tcp/8081");
    expect(withActions(plan, "delete,create")).toEqual([]);
    expect(withActions(plan, "create,delete")).toEqual([]);
  });
});

/**
 * The fabrication beyond sgc's own stacks: hand-written HCL with modules, count, for_each and
 * values only known after apply (test/fixtures/terraform/), each planned fresh, given the
 * state fabricated from that plan, and settled by Terraform (every fixture is also planned
 * this way by test/terraform/real-world.test.ts, which checks that Terraform plans no change).
 */
describeWithTerraform("prior state of hand-written HCL: modules, count, for_each, computed values (offline)", () => {
  const CASES = ["module-toggles", "for-each-groups", "unknown-sources"];
  const states = new Map<string, { state: TerraformState; planOutput: string; plan: ChangePlanJson }>();
  beforeAll(async () => {
    await Promise.all(
      CASES.map(async (name) => {
        const { settled } = await planTerraformFixture(name, "prior");
        states.set(name, { state: settled!.state, planOutput: settled!.planOutput, plan: settled!.plan });
      }),
    );
  }, 900_000);

  /** The attributes of one instance: module ("" for the root), type.name, index key. */
  function instance(name: string, module: string, resource: string, key?: number | string): Record<string, unknown> {
    const [type, label] = resource.split(".");
    const found = states
      .get(name)!
      .state.resources.find((r: StateResource) => (r.module ?? "") === module && r.type === type && r.name === label)
      ?.instances.find((i) => i.index_key === key);
    if (!found) throw new Error(`no ${module} ${resource} [${String(key)}] in the state of ${name}`);
    return found.attributes;
  }

  test.each(CASES)("self-check: %s planned against its own fabricated state has no changes", (name) => {
    const { planOutput, plan } = states.get(name)!;
    expect(planOutput).toContain("No changes.");
    expect(plan.resource_changes.length).toBeGreaterThan(0);
    expect(plan.resource_changes.filter((c) => c.change.actions.join(",") !== "no-op")).toEqual([]);
  });

  test("modules and count: resources under their module instance, count indexes as numbers, each rule on its own module's group", () => {
    const { state } = states.get("module-toggles")!;
    const modules = [...new Set(state.resources.map((r) => r.module ?? ""))].sort();
    expect(modules).toEqual(["", "module.app", "module.db", "module.legacy", "module.web"]);
    expect(state.resources.filter((r) => r.module === "module.web" && r.type === "aws_security_group_rule").map((r) => [r.name, r.instances.map((i) => i.index_key)])).toEqual([
      ["egress_with_cidr_blocks", [0]],
      ["ingress_with_cidr_blocks", [0, 1]],
    ]);

    const web = instance("module-toggles", "module.web", "aws_security_group.this_name_prefix", 0);
    const app = instance("module-toggles", "module.app", "aws_security_group.this", 0);
    const db = instance("module-toggles", "module.db", "aws_security_group.this", 0);
    // The generated name of a name_prefix group, as Terraform makes it: prefix, then 26 characters.
    expect(web.name).toMatch(/^web-\d{18}[0-9a-f]{8}$/);
    expect(web.name_prefix).toBe("web-");
    for (const i of [0, 1]) expect(instance("module-toggles", "module.web", "aws_security_group_rule.ingress_with_cidr_blocks", i).security_group_id).toBe(web.id);
    expect(instance("module-toggles", "module.app", "aws_security_group_rule.ingress_with_source_security_group_id", 0)).toMatchObject({ security_group_id: app.id, source_security_group_id: web.id });
    expect(instance("module-toggles", "module.app", "aws_security_group_rule.ingress_with_self", 0)).toMatchObject({ security_group_id: app.id, self: true, source_security_group_id: null });
    expect(instance("module-toggles", "module.db", "aws_security_group_rule.ingress_with_source_security_group_id", 0)).toMatchObject({ security_group_id: db.id, source_security_group_id: app.id });
    expect(instance("module-toggles", "module.legacy", "aws_security_group_rule.ingress_with_cidr_blocks", 0).security_group_id).toBe("sg-0123456789abcdef0");
    expect(new Set([web.id, app.id, db.id]).size).toBe(3);
  });

  test("for_each: instances keyed by strings, each rule on the instance its key names", () => {
    const { state } = states.get("for-each-groups")!;
    expect(state.resources.find((r) => r.type === "aws_security_group" && r.name === "tier")!.instances.map((i) => i.index_key)).toEqual(["app", "db", "web"]);
    expect(state.resources.find((r) => r.type === "aws_security_group" && r.name === "svc")!.instances.map((i) => i.index_key)).toEqual(["billing", "ledger"]);
    const tier = (key: string) => instance("for-each-groups", "", "aws_security_group.tier", key).id;
    expect(instance("for-each-groups", "", "aws_vpc_security_group_ingress_rule.db_from_app")).toMatchObject({ security_group_id: tier("db"), referenced_security_group_id: tier("app") });
    expect(instance("for-each-groups", "", "aws_vpc_security_group_ingress_rule.tier_reference", "app_from_web")).toMatchObject({ security_group_id: tier("app"), referenced_security_group_id: tier("web") });
    for (const key of ["app", "db", "web"]) expect(instance("for-each-groups", "", "aws_vpc_security_group_egress_rule.all_out", key).security_group_id).toBe(tier(key));
    const svc = instance("for-each-groups", "", "aws_security_group.svc", "ledger").id;
    expect(instance("for-each-groups", "", "aws_vpc_security_group_ingress_rule.svc_from_app", "ledger")).toMatchObject({ security_group_id: svc, from_port: 9000 });
  });

  test("values known only after apply: a VPC's IPv6 block and an EIP's address, and the rules built from them", () => {
    const vpc = instance("unknown-sources", "", "aws_vpc.main");
    expect(vpc).toMatchObject({ id: "vpc-00000000000000001", cidr_block: "10.40.0.0/16", ipv6_cidr_block: "2001:db8:100::/56" });
    expect(instance("unknown-sources", "", "aws_eip.nat")).toMatchObject({ id: "eipalloc-00000000000000001", allocation_id: "eipalloc-00000000000000001", public_ip: "192.0.2.1" });
    expect(instance("unknown-sources", "", "aws_security_group.api").vpc_id).toBe(vpc.id);
    expect(instance("unknown-sources", "", "aws_security_group_rule.api_from_vpc")).toMatchObject({ cidr_blocks: ["10.40.0.0/16"], ipv6_cidr_blocks: ["2001:db8:100::/56"] });
    // "${aws_eip.nat.public_ip}/32": Terraform's own evaluation, not the address alone.
    expect(instance("unknown-sources", "", "aws_security_group_rule.api_from_nat").cidr_blocks).toEqual(["192.0.2.1/32"]);
    expect(instance("unknown-sources", "", "aws_vpc_security_group_ingress_rule.worker_from_nat").cidr_ipv4).toBe("192.0.2.1/32");
    expect(instance("unknown-sources", "", "aws_vpc_security_group_ingress_rule.worker_from_vpc_ipv6").cidr_ipv6).toBe("2001:db8:100::/56");
    const admin = instance("unknown-sources", "", "aws_security_group.admin").ingress as { cidr_blocks: string[]; ipv6_cidr_blocks: string[] }[];
    expect(admin.map((b) => [b.cidr_blocks, b.ipv6_cidr_blocks]).sort()).toEqual([
      [["10.40.0.0/16"], ["2001:db8:100::/56"]],
      [["192.0.2.1/32"], []],
    ]);
  });
});
