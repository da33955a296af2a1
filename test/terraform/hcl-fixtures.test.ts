import { readFileSync } from "fs";
import { join } from "path";
import { HCL_FIXTURES_DIR, hclFixtures, planHclFixture } from "../support/hcl";
import { describeWithTerraform } from "../support/terraform";
import { checkTerraformText } from "../support/check";

/*
 * The hand-written HCL fixtures, planned offline with real Terraform, and what each one promises,
 * read from `terraform show -json`. These assertions also document the plan JSON shapes a reader
 * (the policy engine) has to handle.
 *
 * Where a value that is unknown until apply (a group id, a prefix list id) can be recovered from:
 *
 * - planned_values.root_module.resources[].values (and resource_changes[].change.after) OMIT an
 *   unknown attribute altogether (the key is missing, it is not null); resource_changes[].change
 *   .after_unknown.<attr> is `true` for it.
 * - What it refers to is only in the configuration:
 *   configuration.root_module.resources[].expressions.<attr>.references, e.g.
 *   ["aws_default_security_group.default.id", "aws_default_security_group.default"].
 * - In a child module: configuration.root_module.module_calls.inner.module.resources[], whose
 *   `address` and `references` are relative to the module ("aws_security_group.inner.id"), while
 *   resource_changes and planned_values (root_module.child_modules[].resources) use the full
 *   "module.inner.aws_security_group.inner".
 * - Inline ingress/egress of aws_security_group and aws_default_security_group are attributes, not
 *   nested blocks, in the AWS provider ("attributes as blocks"), so there is no per-block
 *   expressions.ingress[i].security_groups: expressions.ingress is ONE expression for all the
 *   blocks: { constant_value: [ {...every field, null where unset} ] } when every block is constant,
 *   or just { references: [...] } (no constant_value, no per-block or per-field split) as soon as
 *   one block refers to something. Real nested blocks (aws_ec2_managed_prefix_list.entry) do come
 *   as an array: expressions.entry[i].cidr. In planned values the unknown `security_groups` key is
 *   missing from that ingress element; after_unknown.ingress[i].security_groups is `true`.
 * - With count, configuration has ONE resource ("aws_security_group.worker", with
 *   count_expression.constant_value 2), and references to it carry no index and no attribute
 *   (["aws_security_group.worker", "count.index"]), while resource_changes and planned values have
 *   "aws_security_group.worker[0]" and "[1]" with `index` 0 and 1.
 */

type Values = Record<string, unknown>;
interface PlannedResource {
  address: string;
  type: string;
  name: string;
  index?: number | string;
  values: Values;
}
interface PlannedModule {
  address?: string;
  resources?: PlannedResource[];
  child_modules?: PlannedModule[];
}
interface ResourceChange {
  address: string;
  module_address?: string;
  index?: number | string;
  mode: string;
  type: string;
  name: string;
  change: { actions: string[]; after: Values; after_unknown: Record<string, unknown> };
}
interface Expression {
  constant_value?: unknown;
  references?: string[];
}
interface ConfigResource {
  address: string;
  mode: string;
  type: string;
  name: string;
  expressions: Record<string, Expression | Record<string, Expression>[]>;
  count_expression?: Expression;
}
interface ConfigModule {
  resources?: ConfigResource[];
  module_calls?: Record<string, { source: string; module: ConfigModule }>;
}
interface Plan {
  format_version: string;
  complete?: boolean;
  errored?: boolean;
  planned_values: { root_module: PlannedModule };
  resource_changes: ResourceChange[];
  configuration: {
    provider_config: Record<string, { version_constraint?: string; expressions?: Record<string, Expression> }>;
    root_module: ConfigModule;
  };
}

const EXPECTED = ["all-traffic-from-anywhere", "clean", "default-group-with-rules", "launch-wizard", "mixed-shapes", "no-descriptions", "office-as-raw-cidr"];
const VPC = "vpc-0a1b2c3d4e5f67890";

const plan = (name: string): Plan => planHclFixture(name).planJson as Plan;

/** Every planned resource, child modules included. */
function planned(p: Plan): PlannedResource[] {
  const walk = (m: PlannedModule): PlannedResource[] => [...(m.resources ?? []), ...(m.child_modules ?? []).flatMap(walk)];
  return walk(p.planned_values.root_module);
}

function values(p: Plan, address: string): Values {
  const found = planned(p).find((r) => r.address === address);
  if (!found) throw new Error(`no planned resource ${address}; have ${planned(p).map((r) => r.address).join(", ")}`);
  return found.values;
}

function change(p: Plan, address: string): ResourceChange {
  const found = p.resource_changes.find((c) => c.address === address);
  if (!found) throw new Error(`no resource change ${address}`);
  return found;
}

/** A resource's configuration, at the root or (with `module`) in a module call of the root. */
function config(p: Plan, address: string, module?: string): ConfigResource {
  const root = p.configuration.root_module;
  const where = module === undefined ? root : root.module_calls?.[module]?.module;
  const found = where?.resources?.find((r) => r.address === address);
  if (!found) throw new Error(`no configuration for ${address}${module ? ` in module ${module}` : ""}`);
  return found;
}

function expr(resource: ConfigResource, attr: string): Expression {
  const e = resource.expressions[attr];
  if (e === undefined || Array.isArray(e)) throw new Error(`${resource.address}.${attr} is not a single expression`);
  return e;
}

const unknown = (p: Plan, address: string) => change(p, address).change.after_unknown;
const count = (p: Plan, type: string) => p.resource_changes.filter((c) => c.type === type).length;

describeWithTerraform("hand-written HCL fixtures plan offline", () => {
  test("the fixture set", () => {
    expect(hclFixtures()).toEqual(EXPECTED);
  });

  describe.each(EXPECTED)("%s", (name) => {
    test("plans: only creates, no data sources, provider pinned, documented at the top", () => {
      const p = plan(name);
      expect(p.format_version).toMatch(/^1\./);
      expect(p.errored).toBe(false);
      expect(p.complete).toBe(true);
      expect(p.resource_changes.length).toBeGreaterThan(0);
      for (const c of p.resource_changes) {
        expect(c.mode).toBe("managed");
        expect(c.change.actions).toEqual(["create"]);
      }
      expect(p.configuration.provider_config.aws.version_constraint).toBe("5.100.0");
      expect(p.configuration.provider_config.aws.expressions?.region?.constant_value).toBe("us-east-1");
      for (const r of planned(p)) if ("vpc_id" in r.values) expect(r.values.vpc_id).toBe(VPC);
      expect(readFileSync(join(HCL_FIXTURES_DIR, name, "main.tf"), "utf8")).toMatch(/^# \S/);
      expect(planHclFixture(name).planText.trim().startsWith("{")).toBe(true);
    });
  });

  test("launch-wizard: SSH from 0.0.0.0/0 and ::/0 and all egress, inline, with the console's name", () => {
    const p = plan("launch-wizard");
    expect(p.resource_changes.map((c) => c.address)).toEqual(["aws_security_group.launch_wizard"]);
    const group = values(p, "aws_security_group.launch_wizard");
    expect(group).toMatchObject({ name: "launch-wizard-1", description: "launch-wizard-1 created 2024-01-01" });
    // Inline rules with only literals are fully known in planned values (unset lists become []).
    expect(group.ingress).toEqual([
      expect.objectContaining({ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: ["::/0"], self: false }),
    ]);
    expect(group.egress).toEqual([
      expect.objectContaining({ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: ["::/0"] }),
    ]);
    // ... and in configuration, one constant_value for all the blocks, null where unset.
    const ingress = expr(config(p, "aws_security_group.launch_wizard"), "ingress");
    expect(ingress.constant_value).toEqual([expect.objectContaining({ from_port: 22, cidr_blocks: ["0.0.0.0/0"], security_groups: null, self: null })]);
  });

  test("default-group-with-rules: rules on the default group, and a rule whose source is the default group", () => {
    const p = plan("default-group-with-rules");
    const def = values(p, "aws_default_security_group.default");
    expect(def.ingress).toEqual([expect.objectContaining({ protocol: "-1", from_port: 0, to_port: 0, self: true, cidr_blocks: [] })]);
    expect(def.egress).toEqual([expect.objectContaining({ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] })]);
    // The default group's name and description are read from AWS at apply: unknown here.
    expect(unknown(p, "aws_default_security_group.default")).toMatchObject({ name: true, description: true, id: true });

    const address = "aws_security_group_rule.app_from_default";
    const rule = values(p, address);
    expect(rule).toMatchObject({ type: "ingress", protocol: "tcp", from_port: 8080, to_port: 8080, self: false });
    // Unknown until apply: missing from planned values, flagged in after_unknown ...
    expect(rule).not.toHaveProperty("source_security_group_id");
    expect(rule).not.toHaveProperty("security_group_id");
    expect(unknown(p, address)).toMatchObject({ source_security_group_id: true, security_group_id: true });
    // ... and recovered from configuration.root_module.resources[].expressions.<attr>.references.
    const c = config(p, address);
    expect(expr(c, "source_security_group_id").references).toEqual(["aws_default_security_group.default.id", "aws_default_security_group.default"]);
    expect(expr(c, "security_group_id").references).toContain("aws_security_group.app.id");
  });

  test("all-traffic-from-anywhere: protocol -1 from 0.0.0.0/0 (legacy rule) and from ::/0 (VPC rule)", () => {
    const p = plan("all-traffic-from-anywhere");
    expect(values(p, "aws_security_group_rule.all_ipv4")).toMatchObject({ type: "ingress", protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] });
    // The VPC rule takes no ports with protocol -1: they are planned as null.
    expect(values(p, "aws_vpc_security_group_ingress_rule.all_ipv6")).toMatchObject({ ip_protocol: "-1", cidr_ipv6: "::/0", cidr_ipv4: null, from_port: null, to_port: null });
    for (const address of ["aws_security_group_rule.all_ipv4", "aws_vpc_security_group_ingress_rule.all_ipv6"]) {
      expect(expr(config(p, address), "security_group_id").references).toContain("aws_security_group.open.id");
    }
  });

  test("no-descriptions: the group gets 'Managed by Terraform', the rules have no description", () => {
    const p = plan("no-descriptions");
    expect(values(p, "aws_security_group.nodesc").description).toBe("Managed by Terraform");
    expect(config(p, "aws_security_group.nodesc").expressions).not.toHaveProperty("description");
    expect(values(p, "aws_security_group.caller").description).toBe("Clients of the nodesc service");

    expect(values(p, "aws_vpc_security_group_ingress_rule.https")).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "10.0.0.0/16", description: null });
    const address = "aws_security_group_rule.from_caller";
    expect(values(p, address)).toMatchObject({ type: "ingress", protocol: "tcp", from_port: 8080, to_port: 8080, description: null });
    expect(values(p, address)).not.toHaveProperty("source_security_group_id");
    expect(unknown(p, address).source_security_group_id).toBe(true);
    expect(expr(config(p, address), "source_security_group_id").references).toContain("aws_security_group.caller.id");
    for (const rule of ["aws_vpc_security_group_ingress_rule.https", address]) expect(config(p, rule).expressions).not.toHaveProperty("description");
  });

  test("office-as-raw-cidr: SSH from raw CIDRs, one of them a /22, and an IPv6 /32, no prefix list", () => {
    const p = plan("office-as-raw-cidr");
    const rule = values(p, "aws_security_group_rule.ssh_from_office");
    expect(rule).toMatchObject({
      type: "ingress",
      protocol: "tcp",
      from_port: 22,
      to_port: 22,
      cidr_blocks: ["203.0.113.0/24", "198.51.100.0/22"],
      ipv6_cidr_blocks: ["2001:db8::/32"],
      prefix_list_ids: null,
    });
    expect(count(p, "aws_ec2_managed_prefix_list")).toBe(0);
  });

  test("clean: described and tagged groups, group references, the office as a prefix list, the default group with no rules", () => {
    const p = plan("clean");
    for (const group of ["web", "db"]) {
      const v = values(p, `aws_security_group.${group}`);
      expect(v.description).toEqual(expect.any(String));
      expect(v.description).not.toBe("Managed by Terraform");
      expect(v.tags).toMatchObject({ Name: group, Service: group });
      expect(config(p, `aws_security_group.${group}`).expressions).not.toHaveProperty("ingress");
      expect(config(p, `aws_security_group.${group}`).expressions).not.toHaveProperty("egress");
    }
    expect(count(p, "aws_security_group_rule")).toBe(0);
    const rules = planned(p).filter((r) => r.type === "aws_vpc_security_group_ingress_rule" || r.type === "aws_vpc_security_group_egress_rule");
    expect(rules).toHaveLength(5);
    for (const r of rules) expect(r.values.description).toMatch(/\S/);

    // A set of nested blocks: planned sorted, configuration as written, one expression per block and field.
    const office = values(p, "aws_ec2_managed_prefix_list.office");
    expect(office).toMatchObject({ address_family: "IPv4", max_entries: 5 });
    expect(office.entry).toEqual(
      expect.arrayContaining([
        { cidr: "203.0.113.0/24", description: "Head office" },
        { cidr: "198.51.100.0/24", description: "Branch office" },
      ]),
    );
    expect(config(p, "aws_ec2_managed_prefix_list.office").expressions.entry).toEqual([
      { cidr: { constant_value: "203.0.113.0/24" }, description: { constant_value: "Head office" } },
      { cidr: { constant_value: "198.51.100.0/24" }, description: { constant_value: "Branch office" } },
    ]);

    expect(values(p, "aws_vpc_security_group_ingress_rule.web_https_ipv4")).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" });
    expect(values(p, "aws_vpc_security_group_ingress_rule.web_https_ipv6")).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv6: "::/0" });

    const refs: [string, string, string, string][] = [
      ["aws_vpc_security_group_egress_rule.web_to_db", "referenced_security_group_id", "aws_security_group.db.id", "aws_security_group.web.id"],
      ["aws_vpc_security_group_ingress_rule.db_from_web", "referenced_security_group_id", "aws_security_group.web.id", "aws_security_group.db.id"],
      ["aws_vpc_security_group_ingress_rule.db_ssh_from_office", "prefix_list_id", "aws_ec2_managed_prefix_list.office.id", "aws_security_group.db.id"],
    ];
    for (const [address, attr, peer, owner] of refs) {
      expect(values(p, address)).not.toHaveProperty(attr);
      expect(unknown(p, address)[attr]).toBe(true);
      expect(expr(config(p, address), attr).references).toContain(peer);
      expect(expr(config(p, address), "security_group_id").references).toContain(owner);
    }
    expect(values(p, "aws_vpc_security_group_ingress_rule.db_ssh_from_office")).toMatchObject({ from_port: 22, to_port: 22 });

    // The default group with no rules: nothing in configuration, but NOT a known [] in the plan:
    // ingress and egress are optional+computed, so they are unknown (missing from planned values).
    const def = config(p, "aws_default_security_group.default");
    expect(def.expressions).not.toHaveProperty("ingress");
    expect(def.expressions).not.toHaveProperty("egress");
    expect(values(p, "aws_default_security_group.default")).not.toHaveProperty("ingress");
    expect(unknown(p, "aws_default_security_group.default")).toMatchObject({ ingress: true, egress: true });
  });

  describe("mixed-shapes", () => {
    test("aws_security_group_rule with self = true (source_security_group_id still shows as unknown)", () => {
      const p = plan("mixed-shapes");
      const address = "aws_security_group_rule.api_self";
      expect(values(p, address)).toMatchObject({ type: "ingress", protocol: "tcp", from_port: 7946, to_port: 7946, self: true, cidr_blocks: null });
      // Computed by the provider even with no source: unknown does NOT mean "refers to a group".
      expect(unknown(p, address).source_security_group_id).toBe(true);
      expect(config(p, address).expressions).not.toHaveProperty("source_security_group_id");
      // The same for a rule with a prefix list and no source group at all.
      expect(unknown(p, "aws_security_group_rule.api_to_s3").source_security_group_id).toBe(true);
    });

    test("prefix_list_ids: a managed list of this config (unknown) and a literal unmanaged id (known)", () => {
      const p = plan("mixed-shapes");
      const managed = "aws_security_group_rule.lb_from_partners";
      expect(values(p, managed)).not.toHaveProperty("prefix_list_ids");
      expect(unknown(p, managed).prefix_list_ids).toBe(true);
      expect(expr(config(p, managed), "prefix_list_ids").references).toEqual(["aws_ec2_managed_prefix_list.partners.id", "aws_ec2_managed_prefix_list.partners"]);

      const literal = "aws_security_group_rule.api_to_s3";
      expect(values(p, literal)).toMatchObject({ type: "egress", protocol: "tcp", from_port: 443, to_port: 443, prefix_list_ids: ["pl-02cd2c6b"] });
      expect(expr(config(p, literal), "prefix_list_ids")).toEqual({ constant_value: ["pl-02cd2c6b"] });
      expect(count(p, "aws_ec2_managed_prefix_list")).toBe(1);
    });

    test("inline ingress with security_groups = [another group's id]", () => {
      const p = plan("mixed-shapes");
      const address = "aws_security_group.api";
      const [block, ...rest] = values(p, address).ingress as Values[];
      expect(rest).toHaveLength(0);
      expect(block).toMatchObject({ protocol: "tcp", from_port: 8080, to_port: 8080, cidr_blocks: [], description: "HTTP from the load balancer" });
      expect(block).not.toHaveProperty("security_groups");
      expect(unknown(p, address).ingress).toEqual([expect.objectContaining({ security_groups: true })]);
      // One expression for the whole ingress attribute: references only, no per-block split.
      expect(expr(config(p, address), "ingress")).toEqual({ references: ["aws_security_group.lb.id", "aws_security_group.lb"] });
    });

    test("ICMP with ports -1 and a UDP range, on count = 2 groups", () => {
      const p = plan("mixed-shapes");
      expect(values(p, "aws_vpc_security_group_ingress_rule.api_icmp")).toMatchObject({ ip_protocol: "icmp", from_port: -1, to_port: -1, cidr_ipv4: "10.0.0.0/16" });
      for (const i of [0, 1]) {
        expect(values(p, `aws_vpc_security_group_ingress_rule.worker_udp[${i}]`)).toMatchObject({ ip_protocol: "udp", from_port: 10000, to_port: 20000 });
      }
    });

    test("count = 2: addresses [0] and [1] in the plan, one resource in configuration", () => {
      const p = plan("mixed-shapes");
      const workers = p.resource_changes.filter((c) => c.type === "aws_security_group" && c.name === "worker");
      expect(workers.map((c) => [c.address, c.index])).toEqual([
        ["aws_security_group.worker[0]", 0],
        ["aws_security_group.worker[1]", 1],
      ]);
      expect(values(p, "aws_security_group.worker[1]")).toMatchObject({ name: "worker-1", description: "Worker pool 1" });
      const c = config(p, "aws_security_group.worker");
      expect(c.count_expression).toEqual({ constant_value: 2 });
      expect(config(p, "aws_vpc_security_group_ingress_rule.worker_udp").count_expression).toEqual({ constant_value: 2 });
      // References through count.index carry no index and no attribute.
      expect(expr(config(p, "aws_vpc_security_group_ingress_rule.worker_udp"), "security_group_id").references).toEqual(["aws_security_group.worker", "count.index"]);
      expect(() => config(p, "aws_security_group.worker[0]")).toThrow();
    });

    test("a local child module: module.inner. addresses, module-relative configuration", () => {
      const p = plan("mixed-shapes");
      const inner = p.resource_changes.filter((c) => c.address.startsWith("module.inner."));
      expect(inner.map((c) => c.address).sort()).toEqual(["module.inner.aws_security_group.inner", "module.inner.aws_vpc_security_group_ingress_rule.inner_https"]);
      for (const c of inner) expect(c.module_address).toBe("module.inner");
      const child = p.planned_values.root_module.child_modules?.find((m) => m.address === "module.inner");
      expect(child?.resources?.map((r) => r.address).sort()).toEqual(inner.map((c) => c.address).sort());

      expect(p.configuration.root_module.module_calls?.inner?.source).toBe("./inner");
      const rule = config(p, "aws_vpc_security_group_ingress_rule.inner_https", "inner");
      expect(expr(rule, "security_group_id").references).toEqual(["aws_security_group.inner.id", "aws_security_group.inner"]);
      expect(unknown(p, "module.inner.aws_vpc_security_group_ingress_rule.inner_https").security_group_id).toBe(true);
      expect(() => config(p, "module.inner.aws_security_group.inner")).toThrow();
    });
  });
});

/**
 * `sgc check` over the plans of hand-written Terraform: the classic mistakes are caught, each
 * on its resource, and the clean setup passes. Targets of hand-written groups are their addresses.
 */
describeWithTerraform("sgc check over plans of hand-written Terraform", () => {
  const findingsOf = async (name: string) => {
    const { planText, dir } = planHclFixture(name);
    return (await checkTerraformText(planText, `${name}.plan.json`, { configDir: dir })).findings;
  };
  const active = async (name: string) => (await findingsOf(name)).filter((f) => !f.suppressedBy).map((f) => `${f.severity} ${f.rule} ${f.target} @ ${f.resource ?? "-"}`).sort();

  test("launch-wizard: SSH from anywhere and all egress, undescribed", async () => {
    const group = "aws_security_group.launch_wizard";
    expect(await active("launch-wizard")).toEqual([
      `error admin-ports ${group} @ ${group}`,
      "error default-sg-closed default-security-group @ -",
      `error internet-ingress ${group} @ ${group}`,
      `error open-egress ${group} @ ${group}`,
      `warn descriptions ${group} @ ${group}`,
      `warn descriptions ${group} @ ${group}`,
    ]);
    expect((await findingsOf("launch-wizard")).find((f) => f.rule === "internet-ingress")!.message).toBe(
      `${group} allows tcp/22 from the internet; the internet may reach only tcp/80, tcp/443`,
    );
  });

  test("default-group-with-rules: the default group has rules and another group relies on it", async () => {
    expect(await active("default-group-with-rules")).toEqual([
      "error default-sg-closed aws_security_group.app @ aws_default_security_group.default",
      "error default-sg-closed default-security-group @ aws_default_security_group.default",
    ]);
    expect((await findingsOf("default-group-with-rules")).map((f) => f.message)).toContain("the default security group of vpc-0a1b2c3d4e5f67890 has 2 rules; it should have none");
  });

  test("all-traffic-from-anywhere: protocol -1 from 0.0.0.0/0 and ::/0", async () => {
    const rules = new Set((await findingsOf("all-traffic-from-anywhere")).map((f) => `${f.rule} ${f.target}`));
    for (const rule of ["all-traffic-ingress", "internet-ingress", "admin-ports"]) expect(rules).toContain(`${rule} aws_security_group.open`);
  });

  test("no-descriptions: the group and both rules are flagged", async () => {
    const descriptions = (await findingsOf("no-descriptions")).filter((f) => f.rule === "descriptions");
    expect(descriptions.map((f) => f.resource).sort()).toEqual([
      "aws_security_group.nodesc",
      "aws_security_group_rule.from_caller",
      "aws_vpc_security_group_ingress_rule.https",
    ]);
  });

  test("office-as-raw-cidr: SSH from raw ranges instead of a named network; the /22 and the IPv6 /32 are too wide", async () => {
    const findings = (await findingsOf("office-as-raw-cidr"));
    expect(findings.filter((f) => f.rule === "admin-ports").map((f) => f.message.match(/from (\S+),/)![1]).sort()).toEqual(["198.51.100.0/22", "2001:db8::/32", "203.0.113.0/24"]);
    expect(findings.filter((f) => f.rule === "wide-cidr").map((f) => f.message.match(/allows (\S+),/)![1]).sort()).toEqual(["198.51.100.0/22", "2001:db8::/32"]);
  });

  test("clean: no findings at all", async () => {
    expect(await active("clean")).toEqual([]);
  });

  test("findings on a plan point at the resource in the plan's text", async () => {
    const { planText } = planHclFixture("launch-wizard");
    const finding = (await findingsOf("launch-wizard")).find((f) => f.rule === "open-egress")!;
    const line = planText.split("\n")[finding.location!.line - 1];
    expect(line.slice(finding.location!.column - 1)).toMatch(/^"address":\s*"aws_security_group\.launch_wizard"/);
  });
});
