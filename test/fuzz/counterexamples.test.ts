import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { ROOT } from "../support/sgc";
import { checkContract, workspace, Workspace } from "../support/fuzz";

/**
 * Every counterexample the fuzzer ever found, pinned: each input once broke the contract that
 * fuzz.test.ts checks (found against the code before issue 9's fixes, shrunk by hand to what
 * matters), and each must keep it now. Inputs reported in issue 9 itself are pinned beside them.
 */

const example = (name: string) => readFileSync(join(ROOT, "examples", `${name}.yaml`), "utf8");
const threeTier = parse(example("three-tier")) as Record<string, unknown>;

const CASES: { name: string; text: string | Buffer; extension?: string }[] = [
  // Found by the fuzzer: a YAML manifest in flow style passed validate and synth, while check,
  // flows, graph and diff refused it as broken JSON.
  {
    name: "flow-style manifest (web-postgres, peers added)",
    text: "{ version: 1, name: web-postgres, aws: { region: us-west-2, vpcId: vpc-0fedcba9876543210 }, services: { web: { description: Web servers, ports: [ 80, 443 ], consumers: [ internet ], peers: [ 80, 443 ] }, postgres: { description: PostgreSQL, ports: [ 5432 ], consumers: [ web ] } } }\n",
  },
  {
    name: "flow-style manifest with no services",
    text: "{ version: 1, name: three-tier, aws: { region: us-east-1, vpcId: vpc-0a1b2c3d4e5f67890, tags: { owner: platform, app: three-tier } }, tiers: [ edge, web, app, data ], services: {} }\n",
  },
  // Found by the fuzzer: a workload naming constructor was accepted (and did nothing).
  {
    name: "a workload of constructor, in flow style",
    text: "{ version: 1, name: web-postgres, aws: { region: us-west-2, vpcId: vpc-0fedcba9876543210 }, services: { web: { description: Web servers, ports: [ 80, 443 ], consumers: [ internet ] }, postgres: { description: PostgreSQL, ports: [ 5432 ], consumers: [ web ] } }, workloads: { default: [ constructor ] } }\n",
  },
  // Found by the fuzzer: a consumer named constructor validated and synthesized, though nothing has that name.
  {
    name: "a consumer named constructor, next to a tag named valueOf",
    text: "version: 1\nname: web-postgres\naws:\n  region: us-west-2\n  vpcId: vpc-0fedcba9876543210\n  tags:\n    valueOf: x\nservices:\n  web:\n    description: Web servers\n    ports: [80, 443]\n    consumers: [internet]\n  lb:\n    ports:\n      - protocol: all\n    consumers:\n      - prefixList: pl-0123456789abcdef0\n      - securityGroup: sg-0123456789abcdef0\n        description: Outside group\n      - constructor\n",
  },
  // Reported in issue 9.
  { name: "a JSON manifest with a stray provider key", text: JSON.stringify({ ...threeTier, provider: { aws: {} } }, null, 2), extension: ".json" },
  { name: "a JSON manifest with a stray resource key", text: JSON.stringify({ ...threeTier, resource: {} }), extension: ".json" },
  { name: "{ network: constructor }", text: example("three-tier").replace("consumers: [app]", "consumers: [app, { network: constructor }]") },
  { name: "a real service named constructor", text: example("three-tier").replace(/\bapp\b/g, "constructor") },
  { name: "a NUL byte in a comment", text: `# yaml-language-server \u0000\n${example("three-tier")}` },
  { name: "an unknown tag", text: example("three-tier").replace("name: three-tier", "name: !!python/object:os.system three-tier") },
  { name: "CR-only line endings", text: example("three-tier").replace(/\n/g, "\r") },
  { name: "a newline inside a value", text: example("three-tier").replace("name: three-tier", 'name: "three\\ntier"') },
  { name: "2 MB of nested brackets", text: "[".repeat(2 * 1024 * 1024) },
  { name: "the internet in halves", text: readFileSync(join(ROOT, "test", "fixtures", "internet-in-disguise", "manifest.yaml"), "utf8") },
  // Found by the hand round of hostile input: Terraform readers that tripped over nulls said "internal error".
  {
    name: "a plan with nulls where modules and resources go",
    text: '{"format_version": "1.2", "planned_values": {"root_module": {"resources": [null, 1, {"mode": "managed", "type": "aws_security_group", "name": "x", "address": null, "values": null}], "child_modules": [null, {"resources": "x"}]}}, "configuration": {"root_module": {"module_calls": {"a": null, "b": {"module": null}}}}, "resource_changes": [null, {"change": null}]}',
    extension: ".json",
  },
  {
    name: "a group whose inline rules are null, a number and a string",
    text: '{"resource": {"aws_security_group": {"g": {"ingress": [null, 1, "x", {"protocol": "-1", "cidr_blocks": ["0.0.0.0/1", "128.0.0.0/1", null, 5]}], "tags": {"__proto__": "x", "sgc:service": "constructor", "sgc:ports": "tcp/99999 x/y"}}}}}',
    extension: ".json",
  },
  { name: "UTF-16 text", text: Buffer.from(`\ufeff${example("three-tier")}`, "utf16le") },
];

let ws: Workspace;
beforeAll(async () => {
  ws = await workspace(join(ROOT, "examples", "three-tier.yaml"));
});

test.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
  expect(await checkContract(ws, { text: c.text, extension: c.extension ?? ".yaml" })).toEqual([]);
});
