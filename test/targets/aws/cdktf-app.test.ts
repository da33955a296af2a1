import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { ROOT, synth } from "../../support/sgc";

/** `npx cdktf synth` runs the same app as `sgc synth` (cdktf.json), reading SGC_MANIFEST. */
describe("cdktf synth from the repository", () => {
  const cdktf = join(ROOT, "node_modules", ".bin", "cdktf");
  const runCdktf = (manifest: string, out: string) =>
    spawnSync(cdktf, ["synth", "--output", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, SGC_MANIFEST: manifest, CHECKPOINT_DISABLE: "1", CI: "true" },
    });

  test("synthesizes the same resources and outputs as sgc synth", () => {
    const manifest = join(ROOT, "examples", "service-oriented.yaml");
    const out = mkdtempSync(join(tmpdir(), "sgc-cdktf-"));
    const result = runCdktf(manifest, out);
    expect(result.status).toBe(0);
    const fromCdktf = JSON.parse(readFileSync(join(out, "stacks", "soa", "cdk.tf.json"), "utf8"));
    const fromSgc = synth(readFileSync(manifest, "utf8")).json;
    expect(fromCdktf.resource).toEqual(fromSgc.resource);
    expect(fromCdktf.output).toEqual(fromSgc.output);
    expect(fromCdktf.terraform.required_providers).toEqual(fromSgc.terraform.required_providers);
  });

  test("an invalid manifest fails the synth with a located error", () => {
    const out = mkdtempSync(join(tmpdir(), "sgc-cdktf-"));
    const result = runCdktf(join(ROOT, "test", "fixtures", "invalid", "unknown-consumer.yaml"), out);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/unknown-consumer\.yaml:\d+:\d+: error unknown-name/);
  });
});
