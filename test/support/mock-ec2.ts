import { cpSync, mkdtempSync } from "fs";
import { createServer, IncomingMessage, Server, ServerResponse } from "http";
import { AddressInfo } from "net";
import { tmpdir } from "os";
import { basename, join } from "path";
import { ChangePlanJson } from "./prior-state";
import { terraformAsync, writeOfflineOverrides } from "./terraform";

/**
 * AWS as Terraform sees it during an adoption, offline: a local HTTP server that answers the
 * EC2 and STS query API calls the AWS provider makes to import and read security groups and
 * their rules, from a world written in the AWS CLI's JSON (describe-security-groups and
 * describe-security-group-rules). Pointing the provider's endpoints at it lets a real
 * `terraform plan` of import blocks run with no account: what it plans to import, update,
 * create or destroy is what it would plan against that AWS. A call it does not know fails the
 * plan, loudly, rather than being answered with something made up.
 */

/** The world the mock serves: the AWS CLI's own JSON. */
export interface AwsWorld {
  account: string;
  /** describe-security-groups' SecurityGroups. */
  groups: Record<string, unknown>[];
  /** describe-security-group-rules' SecurityGroupRules. */
  rules: Record<string, unknown>[];
}

/** An EC2 query API answer, as XML. */
function xml(name: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return `<${name}>${value.map((v) => xml("item", v)).join("")}</${name}>`;
  if (typeof value === "object") return `<${name}>${Object.entries(value as Record<string, unknown>).map(([k, v]) => xml(k, v)).join("")}</${name}>`;
  return `<${name}>${String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</${name}>`;
}

const tags = (list: unknown) => ((list as { Key: string; Value: string }[] | undefined) ?? []).map((t) => ({ key: t.Key, value: t.Value }));

function permissionXml(p: Record<string, unknown>): Record<string, unknown> {
  const list = (key: string) => (p[key] as Record<string, unknown>[] | undefined) ?? [];
  return {
    ipProtocol: p.IpProtocol,
    fromPort: p.FromPort,
    toPort: p.ToPort,
    groups: list("UserIdGroupPairs").map((g) => ({ userId: g.UserId, groupId: g.GroupId, description: g.Description, vpcId: g.VpcId, vpcPeeringConnectionId: g.VpcPeeringConnectionId, peeringStatus: g.PeeringStatus })),
    ipRanges: list("IpRanges").map((r) => ({ cidrIp: r.CidrIp, description: r.Description })),
    ipv6Ranges: list("Ipv6Ranges").map((r) => ({ cidrIpv6: r.CidrIpv6, description: r.Description })),
    prefixListIds: list("PrefixListIds").map((r) => ({ prefixListId: r.PrefixListId, description: r.Description })),
  };
}

function groupXml(g: Record<string, unknown>): Record<string, unknown> {
  return {
    ownerId: g.OwnerId,
    groupId: g.GroupId,
    groupName: g.GroupName,
    groupDescription: g.Description,
    vpcId: g.VpcId,
    ipPermissions: ((g.IpPermissions as Record<string, unknown>[]) ?? []).map(permissionXml),
    ipPermissionsEgress: ((g.IpPermissionsEgress as Record<string, unknown>[]) ?? []).map(permissionXml),
    tagSet: tags(g.Tags),
    securityGroupArn: g.SecurityGroupArn,
  };
}

function ruleXml(r: Record<string, unknown>): Record<string, unknown> {
  const ref = r.ReferencedGroupInfo as Record<string, unknown> | undefined;
  return {
    securityGroupRuleId: r.SecurityGroupRuleId,
    groupId: r.GroupId,
    groupOwnerId: r.GroupOwnerId,
    isEgress: r.IsEgress,
    ipProtocol: r.IpProtocol,
    fromPort: r.FromPort,
    toPort: r.ToPort,
    cidrIpv4: r.CidrIpv4,
    cidrIpv6: r.CidrIpv6,
    prefixListId: r.PrefixListId,
    referencedGroupInfo: ref ? { groupId: ref.GroupId, userId: ref.UserId } : undefined,
    description: r.Description,
    tagSet: tags(r.Tags),
    securityGroupRuleArn: r.SecurityGroupRuleArn,
  };
}

/** The values of `Name.1`, `Name.2`, … of a query. */
function numbered(params: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let n = 1; params.has(`${name}.${n}`); n++) out.push(params.get(`${name}.${n}`)!);
  return out;
}

function answer(world: AwsWorld, params: URLSearchParams): { status: number; body: string } {
  const action = params.get("Action");
  const ok = (body: string) => ({ status: 200, body });
  const notFound = (code: string, message: string) => ({ status: 400, body: `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>mock</RequestID></Response>` });
  switch (action) {
    case "GetCallerIdentity":
      return ok(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${world.account}:user/test</Arn><UserId>AIDAMOCK</UserId><Account>${world.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>mock</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
    case "DescribeSecurityGroups": {
      const ids = numbered(params, "GroupId");
      const found = world.groups.filter((g) => ids.length === 0 || ids.includes(g.GroupId as string));
      const missing = ids.filter((id) => !found.some((g) => g.GroupId === id));
      if (missing.length > 0) return notFound("InvalidGroup.NotFound", `The security group '${missing[0]}' does not exist`);
      return ok(`<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>mock</requestId>${xml("securityGroupInfo", found.map(groupXml))}</DescribeSecurityGroupsResponse>`);
    }
    case "DescribeSecurityGroupRules": {
      const ids = numbered(params, "SecurityGroupRuleId");
      const found = world.rules.filter((r) => ids.length === 0 || ids.includes(r.SecurityGroupRuleId as string));
      const missing = ids.filter((id) => !found.some((r) => r.SecurityGroupRuleId === id));
      if (missing.length > 0) return notFound("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${missing[0]}' does not exist`);
      return ok(`<DescribeSecurityGroupRulesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>mock</requestId>${xml("securityGroupRuleSet", found.map(ruleXml))}</DescribeSecurityGroupRulesResponse>`);
    }
    default:
      return { status: 400, body: `<Response><Errors><Error><Code>UnsupportedOperation</Code><Message>the mock EC2 does not answer ${action}</Message></Error></Errors><RequestID>mock</RequestID></Response>` };
  }
}

/** Runs `fn` with a mock EC2 and STS endpoint serving `world`; the calls it answered are returned with `fn`'s result. */
export async function withMockEc2<T>(world: AwsWorld, fn: (endpoint: string) => Promise<T>): Promise<{ result: T; calls: string[] }> {
  const calls: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const params = new URLSearchParams(body);
      calls.push(params.get("Action") ?? "?");
      const { status, body: out } = answer(world, params);
      res.writeHead(status, { "content-type": "text/xml" });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    return { result: await fn(endpoint), calls };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Plans a synthesized stack (a folder with cdk.tf.json) against a world, with an empty state of
 * its own: what `terraform plan` would do on the first run after adoption. The test-only
 * overrides (credentials, the mock's endpoints, a local backend) go beside a copy of the stack.
 */
export async function planAdoption(stackDir: string, world: AwsWorld): Promise<{ plan: ChangePlanJson; planText: string; output: string; calls: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "sgc-adopt-"));
  cpSync(stackDir, dir, { recursive: true, filter: (src) => ![".terraform", "terraform.tfstate", "plan.bin"].includes(basename(src)) });
  const { result, calls } = await withMockEc2(world, async (endpoint) => {
    // The mock serves STS too: the provider asks it for the account, as it would ask AWS.
    writeOfflineOverrides(dir, { skip_requesting_account_id: false, skip_region_validation: true, endpoints: { ec2: endpoint, sts: endpoint } });
    await terraformAsync(dir, ["init", "-input=false", "-no-color"]);
    const planned = await terraformAsync(dir, ["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
    const show = await terraformAsync(dir, ["show", "-json", "plan.bin"]);
    return { plan: JSON.parse(show.stdout) as ChangePlanJson, planText: show.stdout, output: planned.stdout };
  });
  return { ...result, calls };
}
