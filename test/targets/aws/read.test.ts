import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { readPort } from "../../../src/targets/aws/read";
import { sgc } from "../../support/cli";

/** AWS semantics of what users write: protocols and ports as EC2 parses them. */

const dir = mkdtempSync(join(tmpdir(), "sgc-aws-read-"));
let n = 0;
// A folder each: a configuration is its whole folder, as Terraform reads it.
const write = (json: unknown) => {
  const folder = join(dir, `input-${n++}`);
  mkdirSync(folder);
  const file = join(folder, "main.tf.json");
  writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
};

describe("protocols as EC2 parses them", () => {
  test.each([
    ["6", { protocol: "tcp", from: 22, to: 22 }],
    ["006", { protocol: "tcp", from: 22, to: 22 }],
    ["017", { protocol: "udp", from: 22, to: 22 }],
    [" TCP ", { protocol: "tcp", from: 22, to: 22 }],
    ["-1", { protocol: "all" }],
    ["all", { protocol: "all" }],
    ["050", { protocol: "ip", number: 50 }],
    ["esp", { protocol: "ip", number: 50 }],
    ["ipv6-icmp", { protocol: "icmpv6", type: 22, code: 22 }],
  ])("%j reads as %j", (protocol, expected) => {
    expect(readPort(protocol, 22, 22)).toEqual(expected);
  });

  test.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "256", "-2", "1e1", ""])("%j is an invalid protocol, not a hit on Object's prototype", (protocol) => {
    expect(readPort(protocol, 22, 22)).toBe(`protocol ${JSON.stringify(protocol)} is not one AWS accepts (a name such as tcp, or a number 0-255, or -1 for all)`);
  });

  test("a rule with protocol \"006\" opens tcp, and one with \"constructor\" is unreadable", async () => {
    const rule = (protocol: string) => ({ security_group_id: "${aws_security_group.web.id}", cidr_ipv4: "0.0.0.0/0", ip_protocol: protocol, from_port: 22, to_port: 22, description: "SSH" });
    const file = write({
      resource: {
        aws_security_group: { web: { name: "web", description: "Web", vpc_id: "vpc-0a1b2c3d4e5f67890" } },
        aws_vpc_security_group_ingress_rule: { padded: rule("006"), proto: rule("constructor") },
      },
    });
    const flows = await sgc("flows", file, "--format", "json");
    expect(flows.code).toBe(1);
    const json = JSON.parse(flows.out);
    expect(json.flows).toEqual([{ from: "internet:ipv4", to: "service:aws_security_group.web", protocol: "tcp", fromPort: 22, toPort: 22 }]);
    expect(json.unreadable).toEqual([{ resource: "aws_vpc_security_group_ingress_rule.proto", attribute: "protocol", reason: 'protocol "constructor" is not one AWS accepts (a name such as tcp, or a number 0-255, or -1 for all)' }]);
  });
});

test("an attribute named like Object's prototype (constructor, __proto__) is never read as a value of the resource", async () => {
  const rule = (cidr: string) => ({ security_group_id: "${aws_security_group.web.id}", cidr_ipv4: cidr, ip_protocol: "tcp", from_port: 22, to_port: 22, description: "SSH" });
  const file = write({
    resource: {
      aws_vpc: { main: { cidr_block: "10.0.0.0/16" } },
      aws_security_group: { web: { name: "web", description: "Web", vpc_id: "${aws_vpc.main.id}" } },
      aws_vpc_security_group_ingress_rule: { a: rule("${aws_vpc.main.constructor}"), b: rule("${aws_vpc.main.__proto__}") },
    },
  });
  const flows = await sgc("flows", file, "--format", "json");
  expect(flows.code).toBe(1);
  expect(JSON.parse(flows.out).unreadable.map((u: { resource: string; attribute: string }) => `${u.resource} ${u.attribute}`)).toEqual(["aws_vpc_security_group_ingress_rule.a cidr_ipv4", "aws_vpc_security_group_ingress_rule.b cidr_ipv4"]);
});
