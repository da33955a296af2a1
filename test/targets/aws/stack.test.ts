import { readFileSync } from "fs";
import { join } from "path";
import { manifestYaml, ROOT, synth } from "../../support/sgc";

/** The synthesized JSON is the contract with Terraform: these assert the parts users rely on. */

const kitchenSink = synth(readFileSync(join(ROOT, "test", "fixtures", "kitchen-sink", "manifest.yaml"), "utf8"));
const threeTier = synth(readFileSync(join(ROOT, "examples", "three-tier.yaml"), "utf8"));
const ingress = (s: typeof kitchenSink) => s.json.resource.aws_vpc_security_group_ingress_rule;
const egress = (s: typeof kitchenSink) => s.json.resource.aws_vpc_security_group_egress_rule;

describe("security groups", () => {
  test("one group per service, named <stack>-<service>, in the VPC, with no inline rules", () => {
    const groups = threeTier.json.resource.aws_security_group;
    expect(Object.keys(groups).sort()).toEqual(["app", "lb", "mysql", "web"]);
    expect(groups.web).toMatchObject({ name: "three-tier-web", description: "sgc service web", vpc_id: "vpc-0a1b2c3d4e5f67890" });
    for (const group of Object.values(groups)) {
      expect(group).not.toHaveProperty("ingress");
      expect(group).not.toHaveProperty("egress");
    }
  });

  test("the manifest description goes to a tag, merged with the user's tags", () => {
    expect(threeTier.json.resource.aws_security_group.mysql.tags).toEqual({
      Name: "three-tier-mysql",
      app: "three-tier",
      owner: "platform",
      "sgc:description": "MySQL database",
      "sgc:ports": "tcp/3306",
      "sgc:service": "mysql",
      "sgc:stack": "three-tier",
      "sgc:tier": "data",
      "sgc:tiers": "edge web app data",
    });
  });

  test("every rule carries the user's tags", () => {
    for (const rule of [...Object.values(ingress(threeTier)), ...Object.values(egress(threeTier))]) {
      expect(rule.tags).toMatchObject({ owner: "platform", app: "three-tier", "sgc:stack": "three-tier" });
    }
  });
});

describe("rules", () => {
  test("a service consumer is the source by reference, and gets the matching egress rule", () => {
    expect(ingress(threeTier)["mysql__from_app__tcp_3306"]).toMatchObject({
      security_group_id: "${aws_security_group.mysql.id}",
      referenced_security_group_id: "${aws_security_group.app.id}",
      ip_protocol: "tcp",
      from_port: 3306,
      to_port: 3306,
      description: "from app",
    });
    expect(egress(threeTier)["app__to_mysql__tcp_3306"]).toMatchObject({
      security_group_id: "${aws_security_group.app.id}",
      referenced_security_group_id: "${aws_security_group.mysql.id}",
      ip_protocol: "tcp",
      from_port: 3306,
      to_port: 3306,
    });
  });

  test("nothing leaves a group unless derived from a consumer or listed under egress", () => {
    expect(Object.keys(egress(threeTier)).sort()).toEqual(["app__to_mysql__tcp_3306", "lb__to_web__tcp_80", "web__to_app__tcp_8080"]);
  });

  test("internet gives one IPv4 and one IPv6 rule; no CIDR wider than declared appears anywhere else", () => {
    expect(ingress(threeTier)["lb__from_internet_ipv4__tcp_443"]).toMatchObject({ cidr_ipv4: "0.0.0.0/0" });
    expect(ingress(threeTier)["lb__from_internet_ipv6__tcp_443"]).toMatchObject({ cidr_ipv6: "::/0" });
    const wide = Object.entries(ingress(threeTier)).filter(([, r]) => r.cidr_ipv4 === "0.0.0.0/0" || r.cidr_ipv6 === "::/0");
    expect(wide.map(([name]) => name).sort()).toEqual(["lb__from_internet_ipv4__tcp_443", "lb__from_internet_ipv6__tcp_443"]);
  });

  test("peers give rules whose source and destination are the group itself", () => {
    const rule = { security_group_id: "${aws_security_group.db.id}", referenced_security_group_id: "${aws_security_group.db.id}", ip_protocol: "-1" };
    expect(ingress(kitchenSink)["db__peer__all"]).toMatchObject(rule);
    expect(egress(kitchenSink)["db__peer__all"]).toMatchObject(rule);
    expect(ingress(kitchenSink)["db__peer__all"]).not.toHaveProperty("from_port");
  });

  test("a network consumer uses the network's prefix list per family; icmp becomes icmpv6 for IPv6", () => {
    expect(ingress(kitchenSink)["edge__from_office_ipv4__icmp"]).toMatchObject({
      prefix_list_id: "${aws_ec2_managed_prefix_list.office_ipv4.id}",
      ip_protocol: "icmp",
      from_port: -1,
      to_port: -1,
    });
    expect(ingress(kitchenSink)["edge__from_office_ipv6__icmpv6"]).toMatchObject({
      prefix_list_id: "${aws_ec2_managed_prefix_list.office_ipv6.id}",
      ip_protocol: "icmpv6",
    });
  });

  test("external groups, prefix lists and raw CIDRs are passed through as written", () => {
    expect(ingress(kitchenSink)["app__from_sg_123456789012_sg-0fedcba9876543210__tcp_8080-8089"]).toMatchObject({
      referenced_security_group_id: "123456789012/sg-0fedcba9876543210",
      description: "Peered monitoring",
      from_port: 8080,
      to_port: 8089,
    });
    expect(ingress(kitchenSink)["app__from_prefix-list_pl-0123456789abcdef0__tcp_8080"]).toMatchObject({ prefix_list_id: "pl-0123456789abcdef0" });
    expect(ingress(kitchenSink)["app__from_cidr_10-20-0-0_16__tcp_8080"]).toMatchObject({ cidr_ipv4: "10.20.0.0/16", description: "Legacy partner VPN" });
    expect(ingress(kitchenSink)["app__from_cidr_2001-db8-abcd--_48__tcp_8080"]).toMatchObject({ cidr_ipv6: "2001:db8:abcd::/48" });
    expect(egress(kitchenSink)["app__to_cidr_10-30-0-0_16__all"]).toMatchObject({ cidr_ipv4: "10.30.0.0/16", ip_protocol: "-1" });
  });

  test("a consumer's ports narrow the rule to that subset", () => {
    expect(ingress(kitchenSink)["app__from_batch__tcp_8080-8081"]).toMatchObject({ from_port: 8080, to_port: 8081 });
    expect(Object.keys(ingress(kitchenSink)).filter((k) => k.startsWith("app__from_batch__"))).toEqual(["app__from_batch__tcp_8080-8081"]);
  });

  test("a description with ${ is escaped, so Terraform passes it to AWS as written instead of evaluating it", () => {
    expect(ingress(kitchenSink)["app__from_sg_sg-0123456789abcdef0__tcp_8080-8089"].description).toBe("Bastion $${shared} {VPC} $5");
  });

  test("every description that reaches AWS uses only the characters AWS accepts", () => {
    const allowed = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;
    const resources = Object.values(kitchenSink.json.resource).flatMap((byName) => Object.values(byName));
    for (const r of resources) {
      if (typeof r.description === "string") expect(r.description).toMatch(allowed);
      for (const e of (r.entry as { description: string }[] | undefined) ?? []) expect(e.description).toMatch(allowed);
    }
  });
});

describe("prefix lists", () => {
  test("one per network and family, entries sorted, described, sized with headroom unless pinned", () => {
    const lists = kitchenSink.json.resource.aws_ec2_managed_prefix_list;
    expect(lists.office_ipv4).toMatchObject({
      name: "kitchen-sink-office-ipv4",
      address_family: "IPv4",
      max_entries: 5,
      entry: [
        { cidr: "198.51.100.10/32", description: "VPN gateway" },
        { cidr: "203.0.113.0/24", description: "HQ and VPN" },
      ],
    });
    expect(lists.office_ipv6).toMatchObject({ address_family: "IPv6", max_entries: 5, entry: [{ cidr: "2001:db8:1234::/48" }] });
    expect(lists.partners_ipv4).toMatchObject({ max_entries: 10 });
    expect(lists).not.toHaveProperty("partners_ipv6");
  });

  test("headroom keeps max entries stable over small edits", () => {
    const sizes = [1, 2, 3, 4, 8, 13].map((n) => {
      const cidrs = Array.from({ length: n }, (_, i) => `10.${i}.0.0/16`).join(", ");
      return synth(manifestYaml("  web: {}\n", `networks:\n  office: { cidrs: [${cidrs}] }\n`)).json.resource.aws_ec2_managed_prefix_list.office_ipv4.max_entries;
    });
    expect(sizes).toEqual([5, 5, 5, 10, 10, 15]);
  });
});

describe("stack", () => {
  test("the default group is adopted with no rules unless closeDefaultSecurityGroup is false", () => {
    expect(threeTier.json.resource.aws_default_security_group.default_security_group).toEqual(
      expect.objectContaining({ vpc_id: "vpc-0a1b2c3d4e5f67890" }),
    );
    expect(threeTier.json.resource.aws_default_security_group.default_security_group).not.toHaveProperty("ingress");
    expect(kitchenSink.json.resource).not.toHaveProperty("aws_default_security_group");
  });

  test("outputs give each group id and each prefix list id", () => {
    expect(kitchenSink.json.output).toMatchObject({
      app_security_group_id: { value: "${aws_security_group.app.id}" },
      office_ipv4_prefix_list_id: { value: "${aws_ec2_managed_prefix_list.office_ipv4.id}" },
      office_ipv6_prefix_list_id: { value: "${aws_ec2_managed_prefix_list.office_ipv6.id}" },
    });
  });

  test("the AWS provider is pinned to the version the bindings were generated for", () => {
    expect(threeTier.json.terraform).toMatchObject({ required_providers: { aws: { source: "aws", version: "5.100.0" } } });
    expect(threeTier.json.provider).toEqual({ aws: [{ region: "us-east-1" }] });
  });

  test("an S3 backend is configured when asked for, encrypted by default; local state otherwise", () => {
    expect(kitchenSink.json.terraform.backend).toEqual({
      s3: { bucket: "tf-state-bucket", key: "kitchen/sg.tfstate", region: "us-east-1", dynamodb_table: "tf-lock", encrypt: true },
    });
    expect(threeTier.json.terraform).not.toHaveProperty("backend");
  });

  test("a service named like a fixed construct (backend, default, aws) still gets its own resources", () => {
    const s = synth(manifestYaml("  backend: { ports: [80], consumers: [default] }\n  default: {}\n  aws: { ports: [443], consumers: [backend] }\n"));
    expect(Object.keys(s.json.resource.aws_security_group).sort()).toEqual(["aws", "backend", "default"]);
    expect(s.json.resource.aws_default_security_group).toHaveProperty("default_security_group");
  });

  test("snapshot of the three-tier stack (reviewed together with the assertions above)", () => {
    expect(threeTier.text).toMatchSnapshot();
  });
});
