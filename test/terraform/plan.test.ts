import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { basename, join } from "path";
import { synthesize, writeStacks } from "../../src/targets/aws/synth";
import { compile } from "../../src/compile";
import { examplePaths, ROOT, validManifest } from "../support/sgc";
import { describeWithTerraform, planOffline } from "../support/terraform";
import { checkManifest, checkTerraformText, comparable } from "../support/check";
import { evaluate } from "../../src/model/flows";
import { loadAnyText } from "../../src/pipeline";
import { sgc } from "../support/cli";

// object-property-names: a stack, a service, a tier and a workload named constructor, and tags
// named __proto__ or toString, are ordinary names for Terraform too.
const cases = [...examplePaths(), ...["kitchen-sink", "object-property-names"].map((name) => join(ROOT, "test", "fixtures", name, "manifest.yaml"))];

describeWithTerraform("terraform init, validate and plan (offline, provider mirror)", () => {
  test.each(cases.map((file) => [basename(file) === "manifest.yaml" ? basename(join(file, "..")) : basename(file), file]))("%s", async (_name, file) => {
    const model = compile(validManifest(readFileSync(file, "utf8"), file));
    const out = mkdtempSync(join(tmpdir(), "sgc-plan-"));
    const [written] = writeStacks(out, synthesize([model]));
    const stackDir = join(written, "..");
    const { plan, planText, validate } = planOffline(stackDir);

    expect(validate.stdout).toContain("The configuration is valid");
    const changes = plan.resource_changes;
    expect(changes.every((c) => c.change.actions.join(",") === "create")).toBe(true);

    const count = (type: string) => changes.filter((c) => c.type === type).length;
    const ingress = model.rules.filter((r) => r.direction === "ingress").length;
    expect(count("aws_security_group")).toBe(model.services.length);
    expect(count("aws_vpc_security_group_ingress_rule")).toBe(ingress);
    expect(count("aws_vpc_security_group_egress_rule")).toBe(model.rules.length - ingress);
    expect(count("aws_ec2_managed_prefix_list")).toBe(model.networks.reduce((n, net) => n + Object.keys(net.maxEntries).length, 0));
    expect(count("aws_default_security_group")).toBe(model.aws.closeDefaultSecurityGroup ? 1 : 0);

    // Every group is planned with the name and fixed description sgc promises.
    for (const service of model.services) {
      const group = changes.find((c) => c.address === `aws_security_group.${service.name}`);
      expect(group?.change.after).toMatchObject({ name: `${model.name}-${service.name}`, description: `sgc service ${service.name}`, vpc_id: model.aws.vpcId });
    }

    // What reaches AWS is the manifest's text, even where it looks like a Terraform template.
    for (const change of changes.filter((c) => c.type.endsWith("_rule"))) {
      const rule = model.rules.find((r) => r.id === change.name)!;
      expect(change.change.after.description).toBe(rule.description ?? null);
    }

    // The plan is the third input: its flows and findings equal the manifest's.
    const yaml = readFileSync(file, "utf8");
    const fromPlan = await checkTerraformText(planText, join(stackDir, "plan.json"), { configDir: stackDir });
    const fromManifest = checkManifest(yaml);
    expect(comparable(fromPlan.findings)).toEqual(comparable(fromManifest.findings));
    expect(fromPlan.quotas).toEqual(fromManifest.quotas);
    const loaded = await loadAnyText(planText, join(stackDir, "plan.json"), { configDir: stackDir });
    if (!loaded.ok || loaded.input.kind !== "plan") throw new Error("expected a plan");
    expect(loaded.input.security.unreadable).toEqual([]);
    expect(evaluate(loaded.input.security.rules, loaded.input.security.reaches)).toEqual(evaluate(model.rules));

    // Away from its configuration, a plan cannot say whether a group has dynamic inline rules:
    // sgc says so, per group, and how to help; pointed at the configuration, it reads it all.
    const away = join(mkdtempSync(join(tmpdir(), "sgc-plan-away-")), "plan.json");
    writeFileSync(away, planText);
    const alone = await sgc("flows", away, "--format", "json");
    expect(alone.code).toBe(1);
    const unreadable = JSON.parse(alone.out).unreadable as { resource: string; attribute: string; reason: string }[];
    const groups = [...model.services.map((s) => `aws_security_group.${s.name}`), ...(model.aws.closeDefaultSecurityGroup ? ["aws_default_security_group.default_security_group"] : [])];
    expect(unreadable.map((u) => `${u.resource} ${u.attribute}`).sort()).toEqual(groups.flatMap((g) => [`${g} egress`, `${g} ingress`]).sort());
    expect(unreadable[0].reason).toMatch(/pass --config DIR/);
    const pointed = await sgc("flows", away, "--config", stackDir);
    expect(pointed.code).toBe(0);
    expect(pointed.out).toBe((await sgc("flows", file)).out);
  });
});
