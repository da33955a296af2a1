import fc from "fast-check";
import { accessSet, declaredFlows, familyOf, flowsOfTerraform } from "../../support/flows";
import { Manifest } from "../../../src/validate/manifest";
import { manifestArbitrary } from "../../support/arbitraries";
import { synth, validManifest } from "../../support/sgc";
import { compile } from "../../../src/compile";
import { buildStack, newApp } from "../../../src/targets/aws/stack";
import { stableStringify } from "../../../src/targets/aws/synth";
import { TerraformStack } from "cdktf";
import { stringify } from "yaml";

/**
 * The central claim: the effective access of the synthesized Terraform is exactly the
 * manifest's. The expected flows are computed here straight from the manifest, independently
 * of the compiler, and compared with what the evaluator reads out of `cdk.tf.json`.
 */

/** The same manifest with every list and map in another order. */
function reordered(manifest: Manifest, seed: number): Manifest {
  let state = seed || 1;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648), state / 2147483648);
  const shuffle = <T>(list: T[]): T[] => list.map((x) => [random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
  const shuffleMap = <T>(map: Record<string, T>, inner: (v: T) => T): Record<string, T> =>
    Object.fromEntries(shuffle(Object.entries(map)).map(([k, v]) => [k, inner(v)]));
  return {
    ...manifest,
    networks: manifest.networks && shuffleMap(manifest.networks, (n) => ({ ...n, cidrs: shuffle(n.cidrs) })),
    services: shuffleMap(manifest.services, (s) => ({
      ...s,
      ...(s.ports ? { ports: shuffle(s.ports) } : {}),
      ...(s.consumers ? { consumers: shuffle(s.consumers).map((c) => (typeof c === "object" && c.ports ? { ...c, ports: shuffle(c.ports) } : c)) } : {}),
      ...(s.egress ? { egress: shuffle(s.egress) } : {}),
      ...(s.peers ? { peers: shuffle(s.peers) } : {}),
    })),
  };
}

const RUNS = 60;

describe("properties of synthesized Terraform over random valid manifests", () => {
  test("the flows the Terraform allows equal the flows the manifest declares, exactly", () => {
    fc.assert(
      fc.property(manifestArbitrary, (manifest) => {
        const { json } = synth(stringify(manifest));
        expect([...accessSet(flowsOfTerraform(json))].sort()).toEqual([...accessSet(declaredFlows(manifest))].sort());
      }),
      { numRuns: RUNS },
    );
  });

  test("each managed prefix list holds exactly its network's CIDRs of its family", () => {
    fc.assert(
      fc.property(manifestArbitrary, (manifest) => {
        const { json } = synth(stringify(manifest));
        const lists = json.resource.aws_ec2_managed_prefix_list ?? {};
        const expected: Record<string, string[]> = {};
        for (const [name, net] of Object.entries(manifest.networks ?? {})) {
          for (const c of net.cidrs) {
            const cidr = typeof c === "string" ? c : c.cidr;
            (expected[`${name}_${familyOf(cidr)}`] ??= []).push(cidr);
          }
        }
        const actual = Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, (v.entry as { cidr: string }[]).map((e) => e.cidr).sort()]));
        expect(actual).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.sort()])));
        for (const list of Object.values(lists)) expect(list.max_entries as number).toBeGreaterThanOrEqual((list.entry as unknown[]).length);
      }),
      { numRuns: RUNS },
    );
  });

  test("the same manifest, in any order, gives byte-identical Terraform", () => {
    fc.assert(
      fc.property(manifestArbitrary, fc.integer({ min: 1, max: 1_000_000 }), (manifest, seed) => {
        const first = synth(stringify(manifest)).text;
        expect(synth(stringify(manifest)).text).toBe(first);
        expect(synth(stringify(reordered(manifest, seed))).text).toBe(first);
      }),
      { numRuns: RUNS },
    );
  });

  test("adding a service changes no existing resource or output", () => {
    fc.assert(
      fc.property(manifestArbitrary, fc.boolean(), (manifest, consumes) => {
        const before = synth(stringify(manifest)).json;
        const existing = Object.keys(manifest.services);
        const added: Manifest = {
          ...manifest,
          services: {
            ...manifest.services,
            newcomer: { ports: [9443], consumers: [existing[0]] },
            // The newcomer may also call an existing service: new rules, never changed ones.
            ...(consumes && manifest.services[existing[0]].ports
              ? { [existing[0]]: { ...manifest.services[existing[0]], consumers: [...(manifest.services[existing[0]].consumers ?? []), "newcomer"] } }
              : {}),
          },
        };
        const after = synth(stringify(added)).json;
        for (const [type, resources] of Object.entries(before.resource)) {
          for (const [name, body] of Object.entries(resources)) expect(after.resource[type]?.[name]).toEqual(body);
        }
        for (const [name, body] of Object.entries(before.output ?? {})) expect(after.output?.[name]).toEqual(body);
      }),
      { numRuns: RUNS },
    );
  });

  test("the stack's fast synthesis gives exactly what cdktf's own TerraformStack.toTerraform gives", () => {
    fc.assert(
      fc.property(manifestArbitrary, (manifest) => {
        const model = compile(validManifest(stringify(manifest)));
        const fast = buildStack(newApp(), model).toTerraform();
        const kept = buildStack(newApp(), model, { detach: false });
        expect(stableStringify(fast)).toBe(stableStringify(TerraformStack.prototype.toTerraform.call(kept)));
        expect(stableStringify(kept.toTerraform())).toBe(stableStringify(fast));
      }),
      { numRuns: 30 },
    );
  });

  test("editing descriptions changes no group's name, AWS description or VPC", () => {
    fc.assert(
      fc.property(manifestArbitrary, (manifest) => {
        const before = synth(stringify(manifest)).json.resource.aws_security_group;
        const edited: Manifest = {
          ...manifest,
          services: Object.fromEntries(Object.entries(manifest.services).map(([k, s]) => [k, { ...s, description: `Edited: ${s.description ?? "none"}` }])),
        };
        const after = synth(stringify(edited)).json.resource.aws_security_group;
        for (const [name, group] of Object.entries(before)) {
          for (const attribute of ["name", "description", "vpc_id"]) expect(after[name][attribute]).toBe(group[attribute]);
          expect((after[name].tags as Record<string, string>)["sgc:description"]).toBe(`Edited: ${manifest.services[name].description ?? "none"}`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
