import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stackNameFrom } from "../../src/cli/commands/init";
import { sgc } from "../support/cli";

/** `sgc init` in an empty or an existing repository (the installed package's case is in test/e2e). */

const repo = (name = "shop-infra") => {
  const dir = join(mkdtempSync(join(tmpdir(), "sgc-init-")), name);
  mkdirSync(dir);
  return dir;
};

describe("sgc init", () => {
  test("in an empty folder: a manifest that checks clean, cdktf.json, the workflow and .gitignore", async () => {
    const dir = repo();
    const r = await sgc("init", "--dir", dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("wrote services.yaml\nwrote cdktf.json\nwrote .github/workflows/sgc-review.yml\nwrote .gitignore\n");
    const check = await sgc("check", join(dir, "services.yaml"));
    expect(check.code).toBe(0);
    expect(check.out).toMatch(/^0 errors, 0 warnings$/m);
    expect(readFileSync(join(dir, "services.yaml"), "utf8")).toMatch(/^name: shop-infra$/m);
  });

  test("in an existing repository: .gitignore keeps its lines and gains only the missing ones", async () => {
    const dir = repo();
    writeFileSync(join(dir, ".gitignore"), "node_modules/\n*.log");
    await sgc("init", "--dir", dir);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("node_modules/\n*.log\n# sgc\ncdktf.out/\n.terraform/\n*.tfstate\n*.tfstate.*\n");
    await sgc("init", "--dir", dir, "--force");
    expect(readFileSync(join(dir, ".gitignore"), "utf8").match(/cdktf\.out/g)).toHaveLength(1);
  });

  test("never overwrites without --force, and then writes nothing at all", async () => {
    const dir = repo();
    writeFileSync(join(dir, "cdktf.json"), "{ \"mine\": true }\n");
    const r = await sgc("init", "--dir", dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("cdktf.json already exists; nothing was written (use --force to overwrite)");
    expect(readFileSync(join(dir, "cdktf.json"), "utf8")).toBe("{ \"mine\": true }\n");
    expect(() => readFileSync(join(dir, "services.yaml"))).toThrow();
    expect((await sgc("init", "--dir", dir, "--force")).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "cdktf.json"), "utf8")).app).toBe("npx sgc cdktf-app");
  });

  test("a manifest in a subfolder: its path in cdktf.json and the workflow, its modeline relative to it", async () => {
    const dir = repo();
    const installed = join(dir, "node_modules", "@service-graph", "sgc", "schemas");
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, "manifest.schema.json"), "{}");
    expect((await sgc("init", "--dir", dir, "--manifest", "infra/network.yaml", "--name", "edge-net")).code).toBe(0);
    const manifest = readFileSync(join(dir, "infra", "network.yaml"), "utf8");
    expect(manifest.split("\n")[0]).toBe("# yaml-language-server: $schema=../node_modules/@service-graph/sgc/schemas/manifest.schema.json");
    expect(manifest).toMatch(/^name: edge-net$/m);
    expect(JSON.parse(readFileSync(join(dir, "cdktf.json"), "utf8")).context.manifest).toBe("infra/network.yaml");
    expect(readFileSync(join(dir, ".github", "workflows", "sgc-review.yml"), "utf8")).toContain('SGC_MANIFEST: "infra/network.yaml"');
  });

  test("without sgc installed in the repository, the modeline names the published schema and init says to install", async () => {
    const dir = repo();
    const r = await sgc("init", "--dir", dir);
    expect(readFileSync(join(dir, "services.yaml"), "utf8").split("\n")[0]).toMatch(/^# yaml-language-server: \$schema=https:\/\/unpkg\.com\/@service-graph\/sgc@\d+\.\d+\.\d+\/schemas\/manifest\.schema\.json$/);
    expect(r.out).toContain("npm install --save-dev @service-graph/sgc");
  });

  test("stack names from folder names, and a bad --name is refused", async () => {
    expect(stackNameFrom("Shop Infra")).toBe("shop-infra");
    expect(stackNameFrom("2024_net")).toBe("net");
    expect(stackNameFrom("x")).toBe("my-stack");
    const r = await sgc("init", "--dir", repo(), "--name", "Bad_Name");
    expect(r.code).toBe(2);
    expect(r.err).toContain('"Bad_Name" is not a stack name');
  });
});
