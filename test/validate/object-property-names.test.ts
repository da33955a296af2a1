import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { checkTerraformText } from "../support/check";
import { sgc } from "../support/cli";
import { accessSet, declaredFlows, flowsOfTerraform } from "../support/flows";
import { manifestYaml, ROOT, synth, validManifest } from "../support/sgc";
import { validateManifestText } from "../../src/pipeline";

/**
 * Names that are properties of every JavaScript object (`constructor`, `__proto__`,
 * `toString`, `hasOwnProperty`) are ordinary names: a reference to one that the manifest
 * does not declare is unknown, and one the manifest declares works like any other name.
 */

const ODD_NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty"];

/** The codes of a manifest's diagnostics, or [] when it is valid. */
function codes(yaml: string): string[] {
  const result = validateManifestText(yaml, "services.yaml");
  return result.ok ? [] : result.diagnostics.map((d) => d.code);
}

describe.each(ODD_NAMES.map((name) => [name]))("%s names nothing unless the manifest declares it", (name) => {
  const quoted = JSON.stringify(name);
  test.each([
    ["a consumer", `  web:\n    ports: [80]\n    consumers: [${quoted}]\n`],
    ["a { service } consumer", `  web:\n    ports: [80]\n    consumers: [{ service: ${quoted} }]\n`],
    ["a { network } consumer", `  web:\n    ports: [80]\n    consumers: [{ network: ${quoted} }]\n`],
    ["an egress target", `  web:\n    egress: [{ to: ${quoted}, ports: [443] }]\n`],
    ["a workload member", `  web: {}\nworkloads:\n  asg: [web, ${quoted}]\n`],
  ])("%s", (_what, services) => {
    const found = codes(manifestYaml(services));
    expect(found.length).toBeGreaterThan(0);
    // Valid names are unknown; the others are not even names.
    expect(found.every((c) => c === "unknown-name" || c === "invalid-value")).toBe(true);
  });

  test("a policy rule or exception that names it is an unknown rule", () => {
    // A rule id is looked up among the rules (and named as unknown); an exception's rule that
    // is not even a name is refused by the schema first.
    const isName = /^[a-z]+$/.test(name);
    expect(codes(manifestYaml("  web: {}\n", `policy:\n  rules:\n    ${quoted}: off\n`))).toEqual(["unknown-rule"]);
    expect(codes(manifestYaml("  web: {}\n", `policy:\n  exceptions:\n    - { rule: ${quoted}, target: web, reason: "Not a rule at all", expires: 2099-01-01 }\n`))).toEqual([isName ? "unknown-rule" : "invalid-value"]);
  });

  test("as a tag key, it reaches every taggable resource", () => {
    const yaml = manifestYaml("  web:\n    ports: [80]\n    consumers: [internet]\n").replace("vpcId: vpc-0a1b2c3d4e5f67890", `vpcId: vpc-0a1b2c3d4e5f67890\n  tags: { ${quoted}: odd }`);
    const { json, text } = synth(yaml);
    for (const byName of Object.values(json.resource)) {
      for (const resource of Object.values(byName)) expect(Object.getOwnPropertyDescriptor(resource.tags, name)?.value).toBe("odd");
    }
    expect(text).toContain(`"${name}": "odd"`);
  });
});

describe("a stack, a service, a tier and a workload named constructor", () => {
  const file = join(ROOT, "test", "fixtures", "object-property-names", "manifest.yaml");
  const yaml = readFileSync(file, "utf8");

  test("validate, synthesize and read back exactly the declared flows", () => {
    const manifest = validManifest(yaml);
    const { json } = synth(manifest);
    expect(Object.keys(json.resource.aws_security_group).sort()).toEqual(["app", "constructor"]);
    expect([...accessSet(flowsOfTerraform(json))].sort()).toEqual([...accessSet(declaredFlows(manifest))].sort());
    expect(declaredFlows(manifest)).toContainEqual(expect.objectContaining({ from: "service:constructor", to: "service:app" }));
  });

  test("every command treats it as any other manifest", async () => {
    expect((await sgc("validate", file)).code).toBe(0);
    expect((await sgc("check", file)).code).toBe(0);
    expect((await sgc("flows", file)).out).toMatch(/^constructor\s+->\s+app\s+tcp\/8080$/m);
    expect((await sgc("graph", file)).code).toBe(0);
    expect(parse(yaml).name).toBe("constructor");
  });
});

test("a prefix list id named after an object property weighs what an unknown prefix list weighs", async () => {
  const { json } = synth(manifestYaml("  web:\n    description: Web\n    ports: [443]\n    consumers: [internet]\n"));
  json.resource.aws_vpc_security_group_ingress_rule["odd"] = {
    security_group_id: "${aws_security_group.web.id}",
    prefix_list_id: "toString",
    ip_protocol: "tcp",
    from_port: 443,
    to_port: 443,
    description: "Odd",
  };
  const quotas = (await checkTerraformText(JSON.stringify(json), "cdk.tf.json")).quotas.filter((q) => q.target === "web" && q.direction === "ingress");
  // One internet rule per family, plus the prefix list at the default unknown weight (10) in each.
  expect(quotas.map((q) => [q.family, q.used])).toEqual([
    ["ipv4", 11],
    ["ipv6", 11],
  ]);
});
