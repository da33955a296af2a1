import fc from "fast-check";
import { readFileSync } from "fs";
import { basename, join } from "path";
import { stringify } from "yaml";
import { checkManifest, checkSynthesized, comparable } from "../support/check";
import { manifestArbitrary } from "../support/arbitraries";
import { examplePaths, ROOT } from "../support/sgc";

/** The same rules say the same of a manifest and of the Terraform synthesized from it. */

const fixture = (name: string) => join(ROOT, "test", "fixtures", name, "manifest.yaml");
const kitchenSink = fixture("kitchen-sink");
const files = [...examplePaths(), kitchenSink, fixture("internet-in-disguise"), fixture("object-property-names")];

describe("findings on a manifest and on its synthesized Terraform agree", () => {
  test.each(files.map((f) => [basename(f) === "manifest.yaml" ? basename(join(f, "..")) : basename(f), f]))("%s", async (_name, file) => {
    const yaml = readFileSync(file, "utf8");
    const fromManifest = checkManifest(yaml);
    const fromTerraform = await checkSynthesized(yaml);
    expect(comparable(fromTerraform.findings)).toEqual(comparable(fromManifest.findings));
    expect(fromTerraform.quotas).toEqual(fromManifest.quotas);
    expect(fromTerraform.workloadQuotas).toEqual(fromManifest.workloadQuotas);
  });

  test("the kitchen sink raises findings at all, so the agreement above is not vacuous", () => {
    const rules = new Set(checkManifest(readFileSync(kitchenSink, "utf8")).findings.map((f) => f.rule));
    expect([...rules].sort()).toEqual(["admin-ports", "all-traffic-ingress", "default-sg-closed", "descriptions", "internet-ingress", "open-egress", "wide-cidr"]);
  });

  test("the internet in disguise is found by every rule that judges the internet, on both sides", async () => {
    const yaml = readFileSync(fixture("internet-in-disguise"), "utf8");
    for (const result of [checkManifest(yaml), await checkSynthesized(yaml)]) {
      const disguised = result.findings.filter((f) => / from the internet \(| to the internet \(/.test(f.message));
      expect([...new Set(disguised.map((f) => `${f.rule} ${f.target}`))].sort()).toEqual([
        "admin-ports db",
        "admin-ports ssh",
        "internet-ingress db",
        "internet-ingress ssh",
        "internet-ingress web",
        "open-egress app",
      ]);
    }
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
