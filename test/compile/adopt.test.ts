import { compile } from "../../src/compile";
import { modelFlows, flowKey } from "../../src/model/flows";
import { validateManifestText, compileManifest } from "../../src/pipeline";
import { manifestYaml, synth, validManifest } from "../support/sgc";

/*
 * What adoption changes in compilation and synthesis, and what it leaves alone: an adopted
 * service keeps its group's AWS name, description, VPC and tags and imports its group and rules;
 * its derived egress is left out where its own egress already reaches the service, unless the
 * AWS rule exists; a service that adopts the default group is `aws_default_security_group`.
 */

const model = (services: string, extra = "") => compile(validManifest(manifestYaml(services, extra)));
const ids = (services: string, extra = "") => model(services, extra).rules.map((r) => `${r.direction} ${r.id}${r.importId ? ` <- ${r.importId}` : ""}`);

describe("derived egress of adopted services", () => {
  const consumer = (adopt: string, egress: string) => `  db:\n    ports: [5432]\n    consumers: [app]\n  app:\n${adopt}    egress:\n${egress}`;

  test("is left out where the service's own egress reaches the service", () => {
    expect(ids(consumer("    adopt: { securityGroup: sg-0000000000000000a }\n", "      - { to: internet, ports: [{ protocol: all }] }\n"))).toEqual(["egress app__to_internet_ipv4__all", "egress app__to_internet_ipv6__all", "ingress db__from_app__tcp_5432"]);
    // Any range may hold the VPC's addresses, as sgc reads Terraform whose VPC ranges it does not know.
    expect(ids(consumer("    adopt: { securityGroup: sg-0000000000000000a }\n", "      - { cidr: 10.0.0.0/8, ports: [\"5000-6000\"] }\n"))).toEqual(["egress app__to_cidr_10-0-0-0_8__tcp_5000-6000", "ingress db__from_app__tcp_5432"]);
    expect(ids(consumer("    adopt: { securityGroup: sg-0000000000000000a }\n", "      - { cidr: 203.0.113.0/24, ports: [{ protocol: all }] }\n"))).toEqual(["egress app__to_cidr_203-0-113-0_24__all", "ingress db__from_app__tcp_5432"]);
  });

  test("is kept where that egress does not allow it all, or does not reach groups", () => {
    expect(ids(consumer("    adopt: { securityGroup: sg-0000000000000000a }\n", "      - { to: internet, ports: [443] }\n"))).toContain("egress app__to_db__tcp_5432");
    expect(ids(consumer("    adopt: { securityGroup: sg-0000000000000000a }\n", "      - { securityGroup: sg-0fedcba9876543210, ports: [{ protocol: all }] }\n"))).toContain("egress app__to_db__tcp_5432");
  });

  test("is kept, and imported, when the AWS rule exists", () => {
    const adopt = "    adopt:\n      securityGroup: sg-0000000000000000a\n      rules: { egress: { app__to_db__tcp_5432: sgr-0000000000000000e } }\n";
    expect(ids(consumer(adopt, "      - { to: internet, ports: [{ protocol: all }] }\n"))).toContain("egress app__to_db__tcp_5432 <- sgr-0000000000000000e");
  });

  test("is always kept for services that adopt nothing: their output does not change", () => {
    expect(ids(consumer("", "      - { to: internet, ports: [{ protocol: all }] }\n"))).toContain("egress app__to_db__tcp_5432");
  });

  test("the peer egress of an adopted service too, and the flows are the same either way", () => {
    const services = (adopt: string) => `  cluster:\n${adopt}    peers: [7000]\n    egress:\n      - { to: internet, ports: [{ protocol: all }] }\n`;
    const adopted = model(services("    adopt: { securityGroup: sg-0000000000000000a }\n"));
    const plain = model(services(""));
    expect(adopted.rules.map((r) => `${r.direction} ${r.id}`)).not.toContain("egress cluster__peer__tcp_7000");
    expect(plain.rules.map((r) => `${r.direction} ${r.id}`)).toContain("egress cluster__peer__tcp_7000");
    expect(modelFlows(adopted).map(flowKey)).toEqual(modelFlows(plain).map(flowKey));
  });
});

describe("synthesized adoption", () => {
  const adopted = `  web:
    ports: [443]
    consumers: [internet]
    adopt:
      securityGroup: sg-0000000000000000a
      name: Web Servers
      description: made in the console
      vpcId: vpc-0fedcba9876543210
      tags: { Name: web, cost-center: "1234" }
      rules:
        ingress: { web__from_internet_ipv4__tcp_443: sgr-0000000000000000b }
  default:
    peers: [{ protocol: all }]
    adopt: { securityGroup: sg-0000000000000000d, default: true }
  app:
    ports: [8080]
    consumers: [web, default]
`;

  test("the group keeps its AWS name, description, VPC and tags; sgc's tags are added", () => {
    const { json } = synth(manifestYaml(adopted));
    expect(json.resource.aws_security_group.web).toMatchObject({
      name: "Web Servers",
      description: "made in the console",
      vpc_id: "vpc-0fedcba9876543210",
      tags: { Name: "web", "cost-center": "1234", "sgc:service": "web", "sgc:stack": "test" },
    });
  });

  test("import blocks for the adopted group and rules, and none for anything else", () => {
    const { json } = synth(manifestYaml(adopted));
    expect((json as unknown as { import: unknown[] }).import).toEqual([
      { to: "aws_default_security_group.default", id: "sg-0000000000000000d" },
      { to: "aws_security_group.web", id: "sg-0000000000000000a" },
      { to: "aws_vpc_security_group_ingress_rule.web__from_internet_ipv4__tcp_443", id: "sgr-0000000000000000b" },
    ]);
    expect(synth(manifestYaml("  web:\n    ports: [443]\n    consumers: [internet]\n")).json).not.toHaveProperty("import");
  });

  test("a service that adopts the default group is aws_default_security_group, referred to as such, and sgc closes no other", () => {
    const { json, model: m } = synth(manifestYaml(adopted));
    expect(json.resource.aws_default_security_group).toEqual({ default: expect.objectContaining({ vpc_id: "vpc-0a1b2c3d4e5f67890" }) });
    expect(json.resource.aws_default_security_group.default.name).toBeUndefined();
    expect(json.resource.aws_vpc_security_group_ingress_rule.app__from_default__tcp_8080.referenced_security_group_id).toBe("${aws_default_security_group.default.id}");
    expect(json.resource.aws_vpc_security_group_ingress_rule.default__peer__all.security_group_id).toBe("${aws_default_security_group.default.id}");
    expect(m.aws.closeDefaultSecurityGroup).toBe(false);
    expect(json.output!.default_security_group_id.value).toBe("${aws_default_security_group.default.id}");
  });
});

describe("adopt: what the manifest must hold", () => {
  const problems = (text: string) => {
    const valid = validateManifestText(text, "m.yaml");
    if (!valid.ok) return valid.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`);
    const compiled = compileManifest(valid.valid);
    return compiled.ok ? [] : compiled.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`);
  };

  test.each<[string, string, string, string[]]>([
    ["one group adopted twice", "  a:\n    adopt: { securityGroup: sg-0000000000000000a }\n  b:\n    adopt: { securityGroup: sg-0000000000000000a }\n", "", ["10:29 adopted-twice"]],
    ["one AWS rule adopted twice", "  a:\n    ports: [1, 2]\n    consumers: [internet]\n    adopt: { rules: { ingress: { a__from_internet_ipv4__tcp_1: sgr-0000000000000000a, a__from_internet_ipv4__tcp_2: sgr-0000000000000000a } } }\n", "", ["10:117 adopted-twice"]],
    ["a rule id that names no rule of the service", "  a:\n    ports: [443]\n    consumers: [internet]\n    adopt: { rules: { ingress: { a__from_internet_ipv4__tcp_80: sgr-0000000000000000a } } }\n", "", ["10:34 unknown-rule"]],
    ["a peer rule is adopted per direction", "  a:\n    peers: [7000]\n    adopt: { rules: { egress: { a__peer__tcp_7000: sgr-0000000000000000a }, ingress: { a__peer__tcp_7000: sgr-0000000000000000b } } }\n", "", []],
    ["a default group without its id", "  d:\n    adopt: { default: true }\n", "", ["8:14 default-group-id"]],
    ["a default group with a name", "  d:\n    adopt: { default: true, securityGroup: sg-0000000000000000d, name: other }\n", "", ["8:66 default-group-fixed"]],
    ["a default group also closed", "  d:\n    adopt: { default: true, securityGroup: sg-0000000000000000d }\n", "  closeDefaultSecurityGroup: true\n", ["6:30 default-group-twice"]],
    ["sgc's own tags", "  a:\n    adopt: { tags: { \"sgc:service\": b } }\n", "", ["8:22 reserved-tag"]],
    ["a name AWS would not take", "  a:\n    adopt: { name: sg-web }\n", "", ["8:20 invalid-value"]],
  ])("%s", (_name, services, aws, expected) => {
    const text = `version: 1\nname: test\naws:\n  region: us-east-1\n  vpcId: vpc-0a1b2c3d4e5f67890\n${aws}services:\n${services}`;
    expect(problems(text)).toEqual(expected);
  });
});

describe("the forms adoption needs: one family, networks without a prefix list, ports from 0, ICMP types", () => {
  test("{ network: internet, family: ipv4 } is 0.0.0.0/0 alone", () => {
    expect(ids("  web:\n    ports: [22]\n    consumers: [{ network: internet, family: ipv4 }]\n")).toEqual(["ingress web__from_internet_ipv4__tcp_22"]);
  });

  test("a network without a prefix list gives one rule per CIDR, described by its entry, and no prefix list", () => {
    const extra = "networks:\n  office:\n    prefixList: false\n    cidrs: [203.0.113.0/24, { cidr: 198.51.100.10/32, description: VPN gateway }]\n";
    const { json, model: m } = synth(manifestYaml("  db:\n    ports: [5432]\n    consumers: [office]\n", extra));
    const rules = json.resource.aws_vpc_security_group_ingress_rule;
    expect(Object.keys(rules).sort()).toEqual(["db__from_cidr_198-51-100-10_32__tcp_5432", "db__from_cidr_203-0-113-0_24__tcp_5432"]);
    expect(rules["db__from_cidr_198-51-100-10_32__tcp_5432"]).toMatchObject({ cidr_ipv4: "198.51.100.10/32", description: "VPN gateway" });
    expect(rules["db__from_cidr_203-0-113-0_24__tcp_5432"]).toMatchObject({ cidr_ipv4: "203.0.113.0/24", description: "from office" });
    expect(json.resource.aws_ec2_managed_prefix_list).toBeUndefined();
    expect(m.networks[0]).toMatchObject({ name: "office", prefixList: false, maxEntries: {} });
  });

  test("the range AWS writes for every port, and one ICMP type, compile as AWS has them", () => {
    const { json } = synth(manifestYaml("  web:\n    ports: [\"0-65535\", { protocol: icmp, type: 8 }]\n    consumers: [internet]\n"));
    const rules = json.resource.aws_vpc_security_group_ingress_rule;
    expect(rules["web__from_internet_ipv4__tcp_0-65535"]).toMatchObject({ ip_protocol: "tcp", from_port: 0, to_port: 65535 });
    expect(rules["web__from_internet_ipv4__icmp_8"]).toMatchObject({ ip_protocol: "icmp", from_port: 8, to_port: -1 });
    expect(rules["web__from_internet_ipv6__icmpv6_8"]).toMatchObject({ ip_protocol: "icmpv6", from_port: 8, to_port: -1 });
  });

  test.each<[string, string, string, string[]]>([
    ["family on a raw CIDR", "  a:\n    ports: [22]\n    consumers: [{ cidr: 10.0.0.0/8, family: ipv4 }]\n", "", ["9:45 family-without-network"]],
    ["a family the network has no CIDRs of", "  a:\n    ports: [22]\n    consumers: [{ network: office, family: ipv6 }]\n", "networks:\n  office: { cidrs: [10.0.0.0/8] }\n", ["11:44 no-such-family"]],
    ["the internet twice, once per family", "  a:\n    ports: [22]\n    consumers: [internet, { network: internet, family: ipv6 }]\n", "", ["9:27 duplicate-consumer"]],
    ["a CIDR twice, raw and in a network without a prefix list", "  a:\n    ports: [22]\n    consumers: [{ cidr: 10.0.0.0/8 }, office]\n", "networks:\n  office: { prefixList: false, cidrs: [10.0.0.0/8] }\n", ["11:39 duplicate-consumer"]],
    ["maxEntries for a network without a prefix list", "  a: {}\n", "networks:\n  office: { prefixList: false, maxEntries: 5, cidrs: [10.0.0.0/8] }\n", ["7:32 max-entries"]],
  ])("%s is an error", (_name, services, networks, expected) => {
    const text = `version: 1\nname: test\naws:\n  region: us-east-1\n  vpcId: vpc-0a1b2c3d4e5f67890\n${networks}services:\n${services}`;
    const result = validateManifestText(text, "m.yaml");
    expect(result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(expected);
  });
});
