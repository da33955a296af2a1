/**
 * Security groups written as `aws ec2 describe-security-groups --output json` lists them, for
 * tests that build a listing by hand: every key the CLI writes, ports absent where it leaves them
 * out (protocol -1).
 */

/** The account that owns the groups tests list. */
export const LISTING_ACCOUNT = "123456789012";

/** One permission (IpPermissions or IpPermissionsEgress entry) with the peers given and no others. */
export function listedPermission(protocol: string, from: number | undefined, to: number | undefined, peers: Record<string, unknown[]>): Record<string, unknown> {
  return {
    ...(from !== undefined ? { FromPort: from } : {}),
    IpProtocol: protocol,
    IpRanges: [],
    Ipv6Ranges: [],
    PrefixListIds: [],
    ...(to !== undefined ? { ToPort: to } : {}),
    UserIdGroupPairs: [],
    ...peers,
  };
}

/** One group of the listing, in vpc-0a1b2c3d4e5f67890, described as "NAME group"; `extra` adds or overrides keys. */
export function listedGroup(id: string, name: string, ingress: unknown[], egress: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Description: `${name} group`,
    GroupName: name,
    IpPermissions: ingress,
    OwnerId: LISTING_ACCOUNT,
    GroupId: id,
    IpPermissionsEgress: egress,
    VpcId: "vpc-0a1b2c3d4e5f67890",
    ...extra,
  };
}
