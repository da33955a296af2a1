import { App, LocalBackend, S3Backend, TerraformElement, TerraformOutput, TerraformStack } from "cdktf";
// cdktf's own resolver and merge, used as TerraformStack.toTerraform uses them.
import { resolve } from "cdktf/lib/_tokens";
import { deepMerge } from "cdktf/lib/util";
import { Construct } from "constructs";
// Deep imports: the provider's index loads every AWS resource binding, which costs seconds.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Ec2ManagedPrefixList } from "@cdktf/provider-aws/lib/ec2-managed-prefix-list";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { anyAddress } from "../../model/cidr";
import { Endpoint, Model, PortSpec, Rule } from "../../model/types";
import {
  DEFAULT_GROUP_NAME,
  DEFAULT_GROUP_TYPE,
  GROUP_TYPE,
  groupDescription,
  groupName,
  groupTags,
  groupOutputName,
  groupType,
  groupVpc,
  literal,
  PREFIX_LIST_TYPE,
  prefixListName,
  prefixListOutputName,
  prefixListResourceName,
  reference,
  TAG_DESCRIPTION,
  TAG_NETWORK,
  TAG_STACK,
} from "./names";

/** A new cdktf app; stack traces off, since capturing one per construct dominates synthesis time. */
export function newApp(outdir?: string): App {
  return childrenByOwnName(new App({ stackTraces: false, ...(outdir ? { outdir } : {}) }));
}

/**
 * constructs keeps a node's children in a plain object, so a child named "constructor" (a
 * fine name for a stack or a service) finds Object.prototype.constructor and is refused as a
 * duplicate. The scopes sgc makes keep their children in a map without a prototype instead,
 * where every name is only a name. (A test synthesizes a stack and a service named so.)
 */
function childrenByOwnName<T extends Construct>(scope: T): T {
  const node = scope.node as unknown as { _children: Record<string, unknown> };
  node._children = Object.assign(Object.create(null) as Record<string, unknown>, node._children);
  return scope;
}

/**
 * A stack that skips token resolution where there can be no token, and keeps memory flat.
 * cdktf's toTerraform resolves every element's fragment and then the whole merged document
 * again; for the thousands of rule resources sgc builds from literal values that was most of
 * synthesis. An element marked literal is rendered at once, as it is, and (when `detach` is
 * on) taken out of the construct tree, so 100,000 rules never hold 100,000 constructs.
 * Everything else is resolved as cdktf does. A test keeps the output byte-identical to
 * TerraformStack.toTerraform over the same constructs.
 */
export class LiteralStack extends TerraformStack {
  private readonly literal = new WeakSet<TerraformElement>();
  /** What detached literal elements rendered, merged as they came: one tree, no copies. */
  private readonly rendered: Record<string, unknown> = {};
  private readonly renderedMetadata: Record<string, unknown> = {};
  private readonly renderedOutputs: string[] = [];
  /** Terraform import blocks, in the order their resources were made. */
  private readonly imports: { to: string; id: string }[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly detach = true,
    /** The user's tags, put back where cdktf's assignments lost one (a key named __proto__). */
    private readonly userTags: Record<string, string> = {},
  ) {
    super(scope, id);
    childrenByOwnName(this);
  }

  /** Marks an element built from literal values only (strings, numbers, maps of them); call it once the element is complete. */
  markLiteral<T extends TerraformElement>(element: T): T {
    if (!this.detach) {
      this.literal.add(element);
      return element;
    }
    deepMerge(this.renderedMetadata, element.toMetadata());
    deepMerge(this.rendered, element.toTerraform());
    if (TerraformOutput.isTerraformOutput(element)) this.renderedOutputs.push(element.friendlyUniqueId);
    element.node.scope?.node.tryRemoveChild(element.node.id);
    return element;
  }

  /**
   * Adopts an existing object as a resource: a Terraform `import` block. Kept by the stack, not
   * by cdktf's `importFrom`: merging each resource's fragment, cdktf deletes the import blocks
   * gathered so far whenever a resource without one follows.
   */
  addImport(resource: TerraformElement & { terraformResourceType: string; friendlyUniqueId: string }, id: string): void {
    this.imports.push({ to: `${resource.terraformResourceType}.${resource.friendlyUniqueId}`, id });
  }

  override toTerraform(): Record<string, unknown> {
    const elements = this.node.findAll().filter((c): c is TerraformElement => TerraformElement.isTerraformElement(c));
    const plain = (e: TerraformElement, value: unknown) => (this.literal.has(e) ? value : resolve(this, value));
    const metadata: Record<string, unknown> = { version: this.node.tryGetContext("cdktfVersion"), stackName: this.node.id, backend: "local" };
    for (const e of elements) deepMerge(metadata, plain(e, e.toMetadata()));
    deepMerge(metadata, this.renderedMetadata);
    const outputs: Record<string, unknown> = {};
    const output = (id: string) => deepMerge(outputs, { [this.node.id]: { [id]: id } });
    for (const e of elements) if (TerraformOutput.isTerraformOutput(e)) output(e.friendlyUniqueId);
    for (const id of this.renderedOutputs) output(id);
    // The rendered tree is the document: the few other elements merge into it (idempotently).
    const tf = this.rendered;
    tf["//"] = { metadata, outputs };
    for (const e of elements) deepMerge(tf, plain(e, e.toTerraform()));
    if (this.imports.length > 0) tf.import = this.imports.map((i) => ({ ...i }));
    restoreTags(tf, this.userTags);
    return tf;
  }
}

/** How a stack is built: `detach` keeps memory flat; `localState` is the local state path when the manifest has no backend. */
export interface StackOptions {
  detach?: boolean;
  /** Where Terraform keeps local state, relative to the stack's folder; no backend block when absent. */
  localState?: string;
}

/**
 * Puts back the user's tags that cdktf dropped on the way: it copies maps by assignment, and
 * assigning a key named `__proto__` sets a prototype instead of a tag. Every resource with
 * tags carries all of the user's, so each one missing is defined again as an own key.
 */
function restoreTags(tf: Record<string, unknown>, userTags: Record<string, string>): void {
  const lost = Object.keys(userTags).filter((key) => key === "__proto__");
  if (lost.length === 0) return;
  for (const byName of Object.values((tf.resource ?? {}) as Record<string, Record<string, { tags?: Record<string, string> }>>)) {
    for (const resource of Object.values(byName)) {
      if (!resource.tags) continue;
      for (const key of lost) {
        if (!Object.hasOwn(resource.tags, key)) Object.defineProperty(resource.tags, key, { value: userTags[key], enumerable: true, writable: true, configurable: true });
      }
    }
  }
}

/**
 * Adds one Terraform stack for a model to an app: a group per service, a standalone rule
 * resource per rule, a prefix list per network and family, the closed default group, outputs.
 */
export function buildStack(app: App, model: Model, options: StackOptions = {}): TerraformStack {
  const stack = new LiteralStack(app, model.name, options.detach ?? true, model.aws.tags);
  new AwsProvider(stack, "provider_aws", { region: model.aws.region });
  if (model.aws.backend) {
    const { bucket, key, region, dynamodbTable, encrypt } = model.aws.backend;
    new S3Backend(stack, { bucket, key, region, encrypt, ...(dynamodbTable ? { dynamodbTable } : {}) });
  } else if (options.localState) {
    new LocalBackend(stack, { path: options.localState });
  }
  const baseTags = { ...model.aws.tags, [TAG_STACK]: model.name };

  // Resources live in scopes of their own so that no service name can collide with the
  // stack's fixed construct ids ("backend"); each then takes its readable name as logical id.
  const groups = childrenByOwnName(new Construct(stack, "security_groups"));
  const workloadsOf = new Map<string, string[]>();
  for (const workload of model.workloads) {
    for (const member of workload.services) workloadsOf.set(member, [...(workloadsOf.get(member) ?? []), workload.name]);
  }
  for (const service of model.services) {
    const tags = groupTags(model, service, workloadsOf.get(service.name) ?? []);
    // A VPC's default group exists with every VPC and has a fixed name and description.
    const group = service.adopt?.default
      ? new DefaultSecurityGroup(groups, service.name, { vpcId: groupVpc(model, service), tags })
      : new SecurityGroup(groups, service.name, { name: groupName(model, service), description: groupDescription(service), vpcId: groupVpc(model, service), tags });
    group.overrideLogicalId(service.name);
    // An adopted group is imported, never created: Terraform takes it over as it is.
    if (service.adopt?.securityGroup) stack.addImport(group, service.adopt.securityGroup);
    stack.markLiteral(group);
    stack.markLiteral(
      new TerraformOutput(stack, groupOutputName(service), {
        value: reference(groupType(service), service.name),
        description: `Security group id of service ${service.name}`,
      }),
    );
  }

  const lists = childrenByOwnName(new Construct(stack, "prefix_lists"));
  for (const network of model.networks) {
    for (const family of ["ipv4", "ipv6"] as const) {
      const maxEntries = network.maxEntries[family];
      if (maxEntries === undefined) continue;
      const name = prefixListResourceName(network, family);
      const list = new Ec2ManagedPrefixList(lists, name, {
        name: prefixListName(model, network, family),
        addressFamily: family === "ipv4" ? "IPv4" : "IPv6",
        maxEntries,
        entry: network.entries.filter((e) => e.family === family).map((e) => ({ cidr: e.cidr, description: literal(e.description) })),
        tags: {
          ...baseTags,
          Name: prefixListName(model, network, family),
          [TAG_NETWORK]: network.name,
          ...(network.description ? { [TAG_DESCRIPTION]: literal(network.description) } : {}),
        },
      });
      list.overrideLogicalId(name);
      stack.markLiteral(list);
      new TerraformOutput(stack, prefixListOutputName(network, family), {
        value: reference(PREFIX_LIST_TYPE, name),
        description: `Prefix list id of network ${network.name} (${family})`,
      });
    }
  }

  const ingress = childrenByOwnName(new Construct(stack, "ingress_rules"));
  const egress = childrenByOwnName(new Construct(stack, "egress_rules"));
  const typeOf = groupTypes(model);
  for (const rule of model.rules) {
    const config = {
      securityGroupId: reference(typeOf(rule.service), rule.service),
      ...(rule.description ? { description: literal(rule.description) } : {}),
      ...protocolFields(rule.port),
      ...peerFields(rule.peer, typeOf),
      tags: { ...baseTags, Name: rule.id },
    };
    const resource =
      rule.direction === "ingress" ? new VpcSecurityGroupIngressRule(ingress, rule.id, config) : new VpcSecurityGroupEgressRule(egress, rule.id, config);
    resource.overrideLogicalId(rule.id);
    if (rule.importId) stack.addImport(resource, rule.importId);
    stack.markLiteral(resource);
  }

  if (model.aws.closeDefaultSecurityGroup) {
    // Adopting the default group with no rules removes every rule it has.
    const closed = new DefaultSecurityGroup(stack, DEFAULT_GROUP_NAME, {
      vpcId: model.aws.vpcId,
      tags: { ...baseTags, Name: `${model.name}-default-closed` },
    });
    closed.overrideLogicalId(DEFAULT_GROUP_NAME);
    stack.markLiteral(closed);
  }
  return stack;
}

/** The rule fields for a port: AWS wants -1/-1 for every ICMP type and code, and no ports for all traffic. */
function protocolFields(port: PortSpec): { ipProtocol: string; fromPort?: number; toPort?: number } {
  switch (port.protocol) {
    case "tcp":
    case "udp":
      return { ipProtocol: port.protocol, fromPort: port.from, toPort: port.to };
    case "icmp":
    case "icmpv6":
      return { ipProtocol: port.protocol, fromPort: port.type ?? -1, toPort: port.type === undefined ? -1 : port.code ?? -1 };
    case "ip":
      return { ipProtocol: String(port.number) };
    case "all":
      return { ipProtocol: "-1" };
  }
}

/** The resource type of each service's group, by service name (almost always aws_security_group). */
function groupTypes(model: Model): (service: string) => string {
  const defaults = new Set(model.services.filter((s) => s.adopt?.default).map((s) => s.name));
  return (service) => (defaults.has(service) ? DEFAULT_GROUP_TYPE : GROUP_TYPE);
}

/** The rule field naming its peer: a group reference, a prefix list, or a CIDR. */
function peerFields(peer: Endpoint, typeOf: (service: string) => string): Partial<Record<"cidrIpv4" | "cidrIpv6" | "prefixListId" | "referencedSecurityGroupId", string>> {
  switch (peer.kind) {
    case "service":
      return { referencedSecurityGroupId: reference(typeOf(peer.name), peer.name) };
    case "network":
      return { prefixListId: reference(PREFIX_LIST_TYPE, prefixListResourceName(peer, peer.family)) };
    case "internet":
      return peer.family === "ipv4" ? { cidrIpv4: anyAddress("ipv4") } : { cidrIpv6: anyAddress("ipv6") };
    case "cidr":
      return peer.family === "ipv4" ? { cidrIpv4: peer.cidr } : { cidrIpv6: peer.cidr };
    case "prefixList":
      return { prefixListId: peer.id };
    case "securityGroup":
      return { referencedSecurityGroupId: peer.id };
  }
}

/** Rules the model holds, by type, for summaries. */
export function countRules(rules: readonly Rule[]): { ingress: number; egress: number } {
  let ingress = 0;
  for (const rule of rules) if (rule.direction === "ingress") ingress++;
  return { ingress, egress: rules.length - ingress };
}
