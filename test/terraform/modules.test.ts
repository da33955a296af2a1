import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { sgc } from "../support/cli";

/**
 * Modules as sgc finds them: a local path, or where `terraform init` installed a registry module
 * (.terraform/modules/modules.json); the module's own .tf files are read with @cdktf/hcl2json.
 * A module sgc cannot find is reported, never taken for one that grants nothing.
 */

/** A module in the style of the popular ones: a create toggle through count, every rule on a local. */
const MODULE = `
variable "create" {
  type    = bool
  default = true
}
variable "name" { type = string }
variable "vpc_id" { type = string }
variable "ingress_with_cidr_blocks" {
  type = list(object({
    from_port   = number
    to_port     = number
    protocol    = optional(string, "tcp")
    cidr_blocks = string
    description = optional(string)
  }))
  default = []
}

resource "aws_security_group" "this" {
  count       = var.create ? 1 : 0
  name        = var.name
  description = "Managed by the sg module"
  vpc_id      = var.vpc_id
}

locals {
  this_sg_id = var.create ? concat(aws_security_group.this.*.id, [""])[0] : ""
}

resource "aws_security_group_rule" "ingress_with_cidr_blocks" {
  count             = var.create ? length(var.ingress_with_cidr_blocks) : 0
  type              = "ingress"
  security_group_id = local.this_sg_id
  from_port         = var.ingress_with_cidr_blocks[count.index].from_port
  to_port           = var.ingress_with_cidr_blocks[count.index].to_port
  protocol          = var.ingress_with_cidr_blocks[count.index].protocol
  cidr_blocks       = split(",", var.ingress_with_cidr_blocks[count.index].cidr_blocks)
  description       = var.ingress_with_cidr_blocks[count.index].description
}

output "security_group_id" {
  value = local.this_sg_id
}
`;

const root = (source: string) => ({
  module: {
    bastion: {
      source,
      name: "bastion",
      vpc_id: "vpc-0a1b2c3d4e5f67890",
      ingress_with_cidr_blocks: [{ from_port: 22, to_port: 22, cidr_blocks: "0.0.0.0/0,10.0.0.0/8", description: "SSH" }],
    },
  },
});

test("a registry module installed by terraform init is read from modules.json", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sgc-modules-"));
  const installed = join(dir, ".terraform", "modules", "bastion");
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(installed, "main.tf"), MODULE);
  writeFileSync(
    join(dir, ".terraform", "modules", "modules.json"),
    JSON.stringify({ Modules: [{ Key: "", Source: "", Dir: "." }, { Key: "bastion", Source: "registry.terraform.io/example/sg/aws", Version: "1.0.0", Dir: ".terraform/modules/bastion" }] }),
  );
  const file = join(dir, "main.tf.json");
  writeFileSync(file, JSON.stringify(root("example/sg/aws"), null, 2));

  const flows = await sgc("flows", file, "--format", "json");
  expect(flows.err).toBe("");
  expect(JSON.parse(flows.out).flows).toEqual([
    { from: "cidr:10.0.0.0/8", to: "service:module.bastion.aws_security_group.this[0]", protocol: "tcp", fromPort: 22, toPort: 22 },
    { from: "internet:ipv4", to: "service:module.bastion.aws_security_group.this[0]", protocol: "tcp", fromPort: 22, toPort: 22 },
  ]);
  const check = JSON.parse((await sgc("check", file, "--format", "json")).out);
  expect(check.findings).toContainEqual(expect.objectContaining({ rule: "admin-ports", target: "module.bastion.aws_security_group.this[0]", resource: "module.bastion.aws_security_group_rule.ingress_with_cidr_blocks[0]" }));
});

test("a local module is read from its path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sgc-modules-"));
  mkdirSync(join(dir, "modules", "sg"), { recursive: true });
  writeFileSync(join(dir, "modules", "sg", "main.tf"), MODULE);
  const file = join(dir, "main.tf.json");
  writeFileSync(file, JSON.stringify(root("./modules/sg"), null, 2));
  const flows = await sgc("flows", file);
  expect(flows.code).toBe(0);
  expect(flows.out).toContain("internet (ipv4)  ->  module.bastion.aws_security_group.this[0]  tcp/22");
});

test("a module sgc cannot find is unreadable, and the answer incomplete", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sgc-modules-"));
  const file = join(dir, "main.tf.json");
  writeFileSync(file, JSON.stringify(root("example/sg/aws"), null, 2));
  const flows = await sgc("flows", file);
  expect(flows.code).toBe(1);
  expect(flows.out).toBe("no flows\n");
  expect(flows.err).toContain('module.bastion: its resources are not known: module "bastion" comes from "example/sg/aws", which sgc did not find on disk (run terraform init');
  const check = JSON.parse((await sgc("check", file, "--format", "json")).out);
  expect(check.findings.map((f: { rule: string; resource: string }) => `${f.rule} ${f.resource}`)).toEqual(["unreadable-resource module.bastion"]);
});

test("a .tf file that does not parse is an error at its line and column", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sgc-modules-"));
  mkdirSync(join(dir, "modules", "sg"), { recursive: true });
  writeFileSync(join(dir, "modules", "sg", "main.tf"), 'resource "aws_security_group" "x" {\n  name = \n}\n');
  const file = join(dir, "main.tf.json");
  writeFileSync(file, JSON.stringify(root("./modules/sg"), null, 2));
  const r = await sgc("check", file);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/modules\/sg\/main\.tf:2:\d+: error terraform-config .*expression/i);
});

/** A root `main.tf.json` calling, as `name`, a local module whose `main.tf` is `hcl`; returns the root file. */
function rootCalling(name: string, hcl: string, more: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "sgc-modules-"));
  mkdirSync(join(dir, "m"), { recursive: true });
  writeFileSync(join(dir, "m", "main.tf"), hcl);
  const file = join(dir, "main.tf.json");
  writeFileSync(file, JSON.stringify({ module: { [name]: { source: "./m" } }, ...more }, null, 2));
  return file;
}

test("Unicode letters in names (resources, locals, variables), as Terraform allows them, are read", async () => {
  const file = rootCalling(
    "ñ",
    `variable "réseau" { default = "0.0.0.0/0" }
locals { grüppe = aws_security_group.wëb.id }
resource "aws_security_group" "wëb" {
  name        = "web"
  description = "Web"
  vpc_id      = "vpc-0a1b2c3d4e5f67890"
}
resource "aws_vpc_security_group_ingress_rule" "ssh_数据" {
  security_group_id = local.grüppe
  cidr_ipv4         = var.réseau
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  description       = "SSH"
}
`,
  );
  const flows = await sgc("flows", file, "--format", "json");
  expect(flows.err).toBe("");
  expect(JSON.parse(flows.out).flows).toEqual([{ from: "internet:ipv4", to: "service:module.ñ.aws_security_group.wëb", protocol: "tcp", fromPort: 22, toPort: 22 }]);
});

test("a dynamic block with a custom iterator in a .tf file generates its rules", async () => {
  const file = rootCalling(
    "web",
    `resource "aws_security_group" "web" {
  name        = "web"
  description = "Web"
  vpc_id      = "vpc-0a1b2c3d4e5f67890"
  dynamic "ingress" {
    for_each = [22, 443]
    iterator = rule
    content {
      from_port   = rule.value
      to_port     = rule.value
      protocol    = "tcp"
      cidr_blocks = ["10.0.0.0/8"]
      description = "port \${rule.key}"
    }
  }
}
`,
  );
  const flows = await sgc("flows", file, "--format", "json");
  expect(flows.err).toBe("");
  expect(JSON.parse(flows.out).flows.map((f: { fromPort: number }) => f.fromPort)).toEqual([22, 443]);
});

test("default-sg-closed findings are located at the default group, in the module's .tf file or the JSON, and the default VPC's at a group in it", async () => {
  const file = rootCalling(
    "net",
    `resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_default_security_group" "d" {
  vpc_id = aws_vpc.v.id
  ingress {
    protocol  = "-1"
    from_port = 0
    to_port   = 0
    self      = true
  }
}
`,
    {
      resource: {
        aws_vpc: { main: { cidr_block: "10.1.0.0/16" } },
        aws_default_security_group: { main: { vpc_id: "${aws_vpc.main.id}", egress: [{ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] }] } },
        aws_security_group: { loose: { name: "loose", description: "In the default VPC" } },
      },
    },
  );
  const dir = dirname(file);
  const check = JSON.parse((await sgc("check", file, "--format", "json")).out);
  const located = (check.findings as { rule: string; message: string; location?: { file: string; line: number; column: number } }[])
    .filter((f) => f.rule === "default-sg-closed")
    .map((f) => `${f.location ? `${f.location.file.slice(dir.length + 1)}:${f.location.line}:${f.location.column}` : "nowhere"} ${f.message}`)
    .sort();
  expect(located).toEqual([
    "m/main.tf:5:1 the default security group of module.net.aws_vpc.v has 1 rule; it should have none",
    "main.tf.json:14:7 the default security group of aws_vpc.main has 1 rule; it should have none",
    "main.tf.json:29:7 the default security group of the default VPC is not managed here, so nothing removes its rules",
  ]);
});
