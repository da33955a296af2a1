import { checkTerraformText } from "../../support/check";
import { manifestYaml, synth } from "../../support/sgc";

/** Reading Terraform for the policies: what sgc's tags carry, and what hand-written groups cannot say. */

const withWorkloads = manifestYaml("  web:\n    description: Web\n    ports: [443]\n    consumers: [internet]\n  db:\n    description: DB\n") + "workloads:\n  asg: [web]\n";

test("groups sgc wrote carry their workloads; a group no workload carries is flagged", async () => {
  const { text } = synth(withWorkloads);
  const findings = (await checkTerraformText(text, "cdk.tf.json")).findings.filter((f) => f.rule === "unused-service");
  expect(findings.map((f) => f.message)).toEqual(["db is carried by no workload"]);
});

test("a hand-written group next to them is not blamed for workloads it cannot declare", async () => {
  const { json } = synth(withWorkloads);
  json.resource.aws_security_group["legacy"] = { name: "legacy", description: "Legacy hosts", vpc_id: "vpc-0a1b2c3d4e5f67890" };
  const findings = (await checkTerraformText(JSON.stringify(json), "cdk.tf.json")).findings.filter((f) => f.rule === "unused-service");
  expect(findings.map((f) => f.target)).toEqual(["db"]);
});

test("a hand-written prefix list is named by its AWS name, for naming and admin networks", async () => {
  const { json } = synth(manifestYaml("  admin:\n    description: Admin\n    ports: [22]\n    consumers: [{ prefixList: pl-0123456789abcdef0, description: Office }]\n"));
  json.resource.aws_ec2_managed_prefix_list = { office: { name: "office", address_family: "IPv4", max_entries: 5, entry: [{ cidr: "203.0.113.0/24" }] } };
  json.resource.aws_vpc_security_group_ingress_rule["admin__from_prefix-list_pl-0123456789abcdef0__tcp_22"].prefix_list_id = "${aws_ec2_managed_prefix_list.office.id}";
  const findings = (await checkTerraformText(JSON.stringify(json), "cdk.tf.json")).findings;
  expect(findings.filter((f) => f.rule === "naming" || f.rule === "admin-ports")).toEqual([]);
});
