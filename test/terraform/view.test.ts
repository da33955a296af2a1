import { moduleFromJsonSyntax, moduleFromPlan } from "../../src/terraform/configuration";
import { Instance, TerraformView } from "../../src/terraform/view";
import { describeValue, Ref, Unknown } from "../../src/terraform/values";
import { parseResourceAddress, formatModule } from "../../src/terraform/address";

/**
 * Views: resource instances with exact keys, and attribute values from what Terraform knows or
 * from the configuration, through locals, variables and module outputs.
 */

function view(json: unknown, children: Record<string, unknown> = {}): TerraformView {
  const { module, problems } = moduleFromJsonSyntax([{ file: "main.tf.json", json }], "");
  expect(problems).toEqual([]);
  for (const [name, child] of Object.entries(children)) {
    const call = module.calls.get(name)!;
    call.module = moduleFromJsonSyntax([{ file: `${name}/main.tf.json`, json: child }], name).module;
  }
  return new TerraformView({ root: module });
}

const instance = (v: TerraformView, address: string) => {
  const found = v.instances().find((i) => i.address === address);
  if (!found) throw new Error(`no ${address} among ${v.instances().map((i) => i.address).join(", ")}`);
  return found;
};

describe("a configuration alone", () => {
  test("count and for_each are expanded into instances with exact keys", () => {
    const v = view({
      variable: { services: { default: ["web", "db"] } },
      resource: {
        aws_security_group: { pool: { count: 2, name: "pool-${count.index}" }, svc: { for_each: "${toset(var.services)}", name: "${each.key}" } },
      },
    });
    expect(v.instances().map((i) => i.address)).toEqual(['aws_security_group.pool[0]', 'aws_security_group.pool[1]', 'aws_security_group.svc["db"]', 'aws_security_group.svc["web"]']);
    expect(v.attribute(instance(v, 'aws_security_group.svc["db"]'), ["name"])).toBe("db");
    expect(v.attribute(instance(v, "aws_security_group.pool[1]"), ["name"])).toBe("pool-1");
  });

  test("a rule on this[each.value.sg] names exactly that instance, through a local", () => {
    const v = view({
      locals: { rules: { r1: { sg: "db", port: 5432 }, r2: { sg: "web", port: 443 } } },
      resource: {
        aws_security_group: { svc: { for_each: { web: {}, db: {} } } },
        aws_vpc_security_group_ingress_rule: { r: { for_each: "${local.rules}", security_group_id: "${aws_security_group.svc[each.value.sg].id}", from_port: "${each.value.port}" } },
      },
    });
    expect(v.attribute(instance(v, 'aws_vpc_security_group_ingress_rule.r["r1"]'), ["security_group_id"])).toEqual(new Ref('aws_security_group.svc["db"]', ["id"]));
    expect(v.attribute(instance(v, 'aws_vpc_security_group_ingress_rule.r["r2"]'), ["from_port"])).toBe(443);
  });

  test("module outputs and variables are followed into and out of modules", () => {
    const v = view(
      {
        resource: { aws_security_group: { app: {} } },
        module: { rules: { source: "./rules", app_sg: "${aws_security_group.app.id}" } },
        output: { rule_owner: { value: "${module.rules.owner}" } },
      },
      {
        rules: {
          variable: { app_sg: {} },
          locals: { this_sg_id: "${var.app_sg}" },
          resource: { aws_security_group_rule: { ssh: { security_group_id: "${local.this_sg_id}", type: "ingress" } } },
          output: { owner: { value: "${aws_security_group_rule.ssh.security_group_id}" } },
        },
      },
    );
    expect(v.attribute(instance(v, "module.rules.aws_security_group_rule.ssh"), ["security_group_id"])).toEqual(new Ref("aws_security_group.app", ["id"]));
  });

  test("an attribute the configuration does not set is null, unless the provider computes it", () => {
    const v = view({ resource: { aws_vpc_security_group_ingress_rule: { r: { ip_protocol: "tcp" } } } });
    const r = instance(v, "aws_vpc_security_group_ingress_rule.r");
    expect(v.attribute(r, ["cidr_ipv4"])).toBeNull();
    expect(v.attribute(r, ["id"], true)).toEqual(new Ref("aws_vpc_security_group_ingress_rule.r", ["id"]));
  });

  test("a count that is not known leaves the resource unexpanded, and says why", () => {
    const v = view({ resource: { aws_vpc: { main: {} }, aws_security_group: { maybe: { count: "${length(aws_vpc.main.id)}" } } } });
    const [maybe] = v.instances().filter((i) => i.type === "aws_security_group");
    expect(maybe.unexpanded).toMatch(/count of aws_security_group.maybe is not known/);
  });

  test("dynamic blocks are expanded with their iterator", () => {
    const v = view({
      variable: { ports: { default: [80, 443] } },
      resource: { aws_security_group: { web: { ingress: [{ from_port: 22 }], dynamic: { ingress: [{ for_each: "${var.ports}", iterator: "p", content: [{ from_port: "${p.value}" }] }] } } } },
    });
    const ingress = v.attribute(instance(v, "aws_security_group.web"), ["ingress"]);
    expect(describeValue(ingress)).toBe("[{from_port}, {from_port}, {from_port}]");
    expect((ingress as Map<string, unknown>[]).map((b) => b.get("from_port"))).toEqual([22, 80, 443]);
  });
});

test("addresses with Unicode names, as Terraform allows them, are read", () => {
  expect(parseResourceAddress('module.réseau["ñ"].aws_security_group.wëb-数据[0]')).toEqual({ module: [{ name: "réseau", key: "ñ" }], mode: "managed", type: "aws_security_group", name: "wëb-数据", key: 0 });
  expect(parseResourceAddress("aws_security_group.1web")).toBeUndefined();
});

describe("a plan", () => {
  /** Instances as a plan lists them, with some values known only after apply. */
  function planned(entries: { address: string; values: Record<string, unknown>; unknown?: Record<string, unknown> }[]): Instance[] {
    return entries.map(({ address, values, unknown }) => {
      const parsed = parseResourceAddress(address)!;
      return { address, module: parsed.module, moduleAddress: formatModule(parsed.module), mode: parsed.mode, type: parsed.type, name: parsed.name, ...(parsed.key !== undefined ? { key: parsed.key } : {}), values, ...(unknown ? { unknown } : {}) };
    });
  }

  test("a known value wins; an unknown one comes from the plan's references, and a local without the .tf files says so", () => {
    const root = moduleFromPlan({
      resources: [
        { address: "aws_security_group.a", mode: "managed", type: "aws_security_group", name: "a", expressions: {} },
        { address: "aws_security_group_rule.direct", mode: "managed", type: "aws_security_group_rule", name: "direct", expressions: { security_group_id: { references: ["aws_security_group.a.id", "aws_security_group.a"] } } },
        { address: "aws_security_group_rule.via_local", mode: "managed", type: "aws_security_group_rule", name: "via_local", expressions: { security_group_id: { references: ["local.sg"] } } },
      ],
    });
    const instances = planned([
      { address: "aws_security_group.a", values: { name: "a" }, unknown: { id: true } },
      { address: "aws_security_group_rule.direct", values: { from_port: 22 }, unknown: { security_group_id: true } },
      { address: "aws_security_group_rule.via_local", values: { from_port: 22 }, unknown: { security_group_id: true } },
    ]);
    const v = new TerraformView({ instances, root, variables: new Map() });
    expect(v.attribute(instances[1], ["from_port"])).toBe(22);
    expect(v.attribute(instances[1], ["security_group_id"])).toEqual(new Ref("aws_security_group.a", ["id"]));
    const local = v.attribute(instances[2], ["security_group_id"]);
    expect(local).toBeInstanceOf(Unknown);
    expect((local as Unknown).reasons.join(" ")).toMatch(/local\.sg is defined only in the configuration's \.tf files.*--config/);
  });
});
