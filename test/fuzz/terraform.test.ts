import fc from "fast-check";
import { readFileSync } from "fs";
import { join } from "path";
import { checkContract, FuzzInput, inputArbitrary, Seed, valueMutationArbitrary, workspace, Workspace } from "../support/fuzz";
import { planTerraformFixture, TERRAFORM_FIXTURES_DIR } from "../support/hcl";
import { ROOT, synth } from "../support/sgc";
import { describeWithTerraform } from "../support/terraform";

/**
 * The fuzz suite over Terraform: real plans (fresh, and against a prior state), a Terraform
 * JSON configuration written in every layout the syntax allows, sgc's own cdk.tf.json and a
 * state, mutated (keys deleted, duplicated, renamed to object-property names, values retyped,
 * huge numbers, deep nesting, truncation) and run through every command: exit 0, 1 or 2, never
 * an internal error, commands that agree on whether they can read it. The seed is fixed.
 */

const SEED = Number(process.env.SGC_FUZZ_SEED ?? 20261122);
const RUNS = Number(process.env.SGC_FUZZ_TERRAFORM_RUNS ?? 120);

const STATE = {
  format_version: "1.0",
  terraform_version: "1.11.4",
  values: {
    root_module: {
      resources: [
        { address: "aws_security_group.web", mode: "managed", type: "aws_security_group", name: "web", values: { id: "sg-0aaaaaaaaaaaaaaa1", name: "web", description: "Web", vpc_id: "vpc-0a1b2c3d4e5f67890", egress: [{ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false, description: "" }], ingress: [] } },
        { address: "aws_vpc_security_group_ingress_rule.ssh", mode: "managed", type: "aws_vpc_security_group_ingress_rule", name: "ssh", values: { security_group_id: "sg-0aaaaaaaaaaaaaaa1", ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "0.0.0.0/0" } },
      ],
      child_modules: [{ address: "module.m[0]", resources: [{ address: "module.m[0].aws_security_group.x[\"a\"]", mode: "managed", type: "aws_security_group", name: "x", index: "a", values: { id: "sg-0bbbbbbbbbbbbbbb2", name: "x", ingress: [], egress: [] } }] }],
    },
  },
};

const seed = (name: string, text: string): Seed => ({ name, text, value: JSON.parse(text) });

describeWithTerraform("fuzzing sgc's readers of Terraform", () => {
  let ws: Workspace;
  let seeds: Seed[];
  beforeAll(async () => {
    ws = await workspace(join(ROOT, "examples", "three-tier.yaml"));
    const [fresh, prior] = await Promise.all([planTerraformFixture("protocols", "fresh"), planTerraformFixture("module-toggles", "prior")]);
    seeds = [
      seed("protocols.plan.json", fresh.planText),
      seed("module-toggles.prior.plan.json", prior.settled?.planText ?? prior.planText),
      seed("json-layouts.tf.json", readFileSync(join(TERRAFORM_FIXTURES_DIR, "json-layouts", "main.tf.json"), "utf8")),
      seed("kitchen-sink.cdk.tf.json", synth(readFileSync(join(ROOT, "test", "fixtures", "kitchen-sink", "manifest.yaml"), "utf8")).text),
      seed("state.json", JSON.stringify(STATE, null, 2)),
    ];
  }, 600_000);

  test("every command keeps its contract on mutated plans, configurations and states", async () => {
    // Besides mutations anywhere in a document, more of them near its top, where the shapes
    // readers rely on are (planned_values, root_module, the first resources and their values).
    await fc.assert(
      fc.asyncProperty(inputArbitrary(seeds, valueMutationArbitrary(200)), async (input: FuzzInput) => {
        const problems = await checkContract(ws, { text: input.text, extension: ".json" });
        if (problems.length > 0) throw new Error(`${problems.join("\n")}\ninput (${input.seed}, ${input.syntax}): ${JSON.stringify(input.recipe)}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
