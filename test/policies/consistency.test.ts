import fc from "fast-check";
import { readFileSync } from "fs";
import { basename, join } from "path";
import { stringify } from "yaml";
import { checkManifest, checkSynthesized, comparable } from "../support/check";
import { manifestArbitrary } from "../support/arbitraries";
import { examplePaths, ROOT } from "../support/sgc";

/** The same rules say the same of a manifest and of the Terraform synthesized from it. */

const files = [...examplePaths(), join(ROOT, "test", "fixtures", "kitchen-sink", "manifest.yaml")];

describe("findings on a manifest and on its synthesized Terraform agree", () => {
  test.each(files.map((f) => [basename(f), f]))("%s", async (_name, file) => {
    const yaml = readFileSync(file, "utf8");
    const fromManifest = checkManifest(yaml);
    const fromTerraform = await checkSynthesized(yaml);
    expect(comparable(fromTerraform.findings)).toEqual(comparable(fromManifest.findings));
    expect(fromTerraform.quotas).toEqual(fromManifest.quotas);
    expect(fromTerraform.workloadQuotas).toEqual(fromManifest.workloadQuotas);
  });

  test("the kitchen sink raises findings at all, so the agreement above is not vacuous", () => {
    const rules = new Set(checkManifest(readFileSync(files[files.length - 1], "utf8")).findings.map((f) => f.rule));
    expect([...rules].sort()).toEqual(["admin-ports", "all-traffic-ingress", "default-sg-closed", "descriptions", "internet-ingress", "wide-cidr"]);
  });

  test("for random valid manifests, with the recommended and the strict pack", async () => {
    await fc.assert(
      fc.asyncProperty(manifestArbitrary, fc.constantFrom("recommended", "strict"), async (manifest, pack) => {
        const yaml = stringify(manifest);
        const fromManifest = checkManifest(yaml, { packs: [pack] });
        const fromTerraform = await checkSynthesized(yaml, { packs: [pack] });
        expect(comparable(fromTerraform.findings)).toEqual(comparable(fromManifest.findings));
        expect(fromTerraform.quotas).toEqual(fromManifest.quotas);
      }),
      { numRuns: 60 },
    );
  });
});
