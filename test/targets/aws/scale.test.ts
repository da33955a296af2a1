import { parse } from "yaml";
import { Manifest } from "../../../src/validate/manifest";
import { accessSet, declaredFlows, flowsOfTerraform } from "../../support/flows";
import { synth } from "../../support/sgc";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateManifest } = require("../../../bench/generate") as { generateManifest(count: number): string };

/** Correctness at scale: the benchmark's 1,000-service manifest (untimed). */
describe("a 1,000-service manifest", () => {
  const text = generateManifest(1000);
  const first = synth(text);

  test("synthesizes to Terraform whose flows equal the declared ones", () => {
    expect(first.model.services).toHaveLength(1000);
    expect(first.model.rules.length).toBeGreaterThan(4000);
    const declared = [...accessSet(declaredFlows(parse(text) as Manifest))].sort();
    expect([...accessSet(flowsOfTerraform(first.json))].sort()).toEqual(declared);
  });

  test("synthesizes byte-identically twice", () => {
    expect(synth(text).text).toBe(first.text);
  });
});
