import Ajv from "ajv";
import { spawnSync, SpawnSyncReturns } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join, resolve } from "path";
import { parse } from "yaml";
import { RULES } from "../../src/policies/rules";
import { EDITOR_KEYWORDS } from "../../src/policies/validation-schema";
import { sarifErrors } from "../support/sarif";
import { ROOT } from "../support/sgc";
import { describeWithTerraform, terraformSetup } from "../support/terraform";

/**
 * A user who has never seen sgc's repository: the package is packed with `npm pack`, installed
 * from the tarball into a fresh project, and used there as the README says: `sgc init`, the
 * editor schema, `sgc check` with SARIF, and both ways of deploying (offline, up to `terraform
 * plan`), which must keep the state in the same place.
 */

const PACKAGE = "@service-graph/sgc";
const work = mkdtempSync(join(tmpdir(), "sgc-e2e-"));
const project = join(work, "user-infra");
let tarball = "";
let packed: { files: { path: string }[] } = { files: [] };

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, [...args], { cwd, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", NO_COLOR: "1", ...env }, maxBuffer: 64 * 1024 * 1024 });
}

function ok(result: SpawnSyncReturns<string>): string {
  if (result.status !== 0) throw new Error(`exit ${result.status}:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

beforeAll(() => {
  // `npm test` builds first; packing must not build again (nothing is built at install or pack time here).
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run npm run build (npm test does)");
  const pack = ok(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], ROOT));
  packed = (JSON.parse(pack) as { filename: string; files: { path: string }[] }[])[0] as typeof packed & { filename: string };
  tarball = join(work, (packed as unknown as { filename: string }).filename);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-infra", version: "1.0.0", private: true }, null, 2));
  ok(run("git", ["init", "-q", "-b", "main"], project));
  // From the npm cache where it can (npm ci filled it), so the test needs no more network than npm ci.
  ok(run("npm", ["install", "--save-dev", "--prefer-offline", "--no-audit", "--no-fund", tarball, "cdktf-cli@0.21.0"], project));
}, 300_000);

describe("the package", () => {
  test("is a public, scoped, licensed package with the rule docs, schemas, packs and templates in it", () => {
    const manifest = JSON.parse(readFileSync(join(project, "node_modules", ...PACKAGE.split("/"), "package.json"), "utf8"));
    expect(manifest.name).toBe(PACKAGE);
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe("Apache-2.0");
    expect(manifest.publishConfig).toEqual({ access: "public" });
    const files = packed.files.map((f) => f.path);
    for (const file of [
      "LICENSE",
      "README.md",
      "package.json",
      "bin/sgc.js",
      "dist/cli/main.js",
      "dist/generated/validators.js",
      "schemas/manifest.schema.json",
      "schemas/policy-pack.schema.json",
      "policies/recommended.yaml",
      "policies/strict.yaml",
      "templates/sgc-review.yml",
      "templates/services.yaml",
      ...RULES.map((r) => `docs/rules/${r.id}.md`),
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^(src|test|bench|scripts|\.ci|\.github)\//.test(f))).toEqual([]);
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  test("builds nothing at install time: no install scripts, and the installed dist is the packed one", () => {
    const installed = join(project, "node_modules", ...PACKAGE.split("/"));
    const scripts = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).scripts ?? {};
    for (const hook of ["preinstall", "install", "postinstall"]) expect(scripts[hook]).toBeUndefined();
    expect(existsSync(join(installed, "src"))).toBe(false);
    expect(readFileSync(join(installed, "dist", "cli", "main.js"), "utf8")).toBe(readFileSync(join(ROOT, "dist", "cli", "main.js"), "utf8"));
  });

  test("bin works from node_modules/.bin and through npx", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(ok(run(join(project, "node_modules", ".bin", "sgc"), ["--version"], project)).trim()).toBe(version);
    expect(ok(run("npx", ["--no-install", "sgc", "--help"], project))).toContain("Exit codes:");
  });
});

describe("in the user's project", () => {
  let name = "";

  beforeAll(() => {
    ok(run("npx", ["--no-install", "sgc", "init"], project));
    name = (parse(readFileSync(join(project, "services.yaml"), "utf8")) as { name: string }).name;
  });

  test("sgc init writes a manifest, cdktf.json, the workflow and .gitignore lines, and never overwrites without --force", () => {
    expect(name).toBe("user-infra");
    const cdktf = JSON.parse(readFileSync(join(project, "cdktf.json"), "utf8"));
    expect(cdktf.app).toBe("npx sgc cdktf-app");
    expect(cdktf.context).toEqual({ manifest: "services.yaml" });
    const workflow = parse(readFileSync(join(project, ".github", "workflows", "sgc-review.yml"), "utf8"));
    expect(workflow.env.SGC_MANIFEST).toBe("services.yaml");
    expect(workflow.on.pull_request.paths).toContain("services.yaml");
    expect(readFileSync(join(project, ".gitignore"), "utf8").split("\n")).toEqual(expect.arrayContaining(["cdktf.out/", "*.tfstate", ".terraform/"]));
    const before = readFileSync(join(project, "services.yaml"), "utf8");
    writeFileSync(join(project, "services.yaml"), before.replace("Database", "Our database"));
    const again = run("npx", ["--no-install", "sgc", "init"], project);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("already exist");
    expect(readFileSync(join(project, "services.yaml"), "utf8")).toContain("Our database");
  });

  test("the manifest's $schema modeline resolves to the installed package's schema, which accepts the manifest", () => {
    const text = readFileSync(join(project, "services.yaml"), "utf8");
    const modeline = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)![1];
    expect(modeline).toBe(`node_modules/${PACKAGE}/schemas/manifest.schema.json`);
    const schemaFile = resolve(project, modeline);
    expect(existsSync(schemaFile)).toBe(true);
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(EDITOR_KEYWORDS.filter((k) => k !== "examples"));
    const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
    expect(validate(parse(text)) ? [] : validate.errors).toEqual([]);
  });

  test("sgc check passes the starter manifest, and its SARIF points at the file in the repository", () => {
    expect(ok(run("npx", ["--no-install", "sgc", "check", "services.yaml"], project))).toMatch(/^0 errors, 0 warnings$/m);
    ok(run("npx", ["--no-install", "sgc", "check", "services.yaml", "--format", "sarif", "--output", "sgc.sarif"], project));
    const sarif = JSON.parse(readFileSync(join(project, "sgc.sarif"), "utf8"));
    expect(sarifErrors(sarif)).toEqual([]);
    expect(sarif.runs[0].tool.driver.rules[0].helpUri).toMatch(/^https:\/\/unpkg\.com\/@service-graph\/sgc@\d+\.\d+\.\d+\/docs\/rules\/internet-ingress\.md$/);
    // the doc page it links is in the installed package
    const installedDocs = join(project, "node_modules", ...PACKAGE.split("/"), "docs", "rules");
    expect(readdirSync(installedDocs)).toEqual(expect.arrayContaining(RULES.map((r) => `${r.id}.md`)));
  });

  describeWithTerraform("the README's deploy section, as written, offline up to terraform plan", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("\n## Deploying"), readme.indexOf("\n## ", readme.indexOf("\n## Deploying") + 1));
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    // Terraform works offline through the test's CLI config and a provider override with dummy
    // credentials, written where Terraform runs; the backend is left as sgc wrote it.
    const prelude = [
      "set -euo pipefail",
      "terraform() {",
      `  [ -f offline_override.tf.json ] || printf '%s' '${JSON.stringify({ provider: { aws: { access_key: "test", secret_key: "test", skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true } } })}' > offline_override.tf.json`,
      '  command terraform "$@"',
      "}",
    ].join("\n");
    const runBlock = (block: string) => {
      const lines = block.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter(Boolean);
      const stop = lines.findIndex((l) => /^(terraform apply|npx cdktf deploy)\b/.test(l));
      const script = [prelude, ...lines.slice(0, stop < 0 ? lines.length : stop)].join("\n").replace(/<name>/g, name);
      const setup = terraformSetup();
      if (!setup.ok) throw new Error(setup.reason);
      return ok(run("bash", ["-c", script], project, { TF_CLI_CONFIG_FILE: setup.cliConfig, TF_IN_AUTOMATION: "1", TF_INPUT: "0" }));
    };
    const stateMarker = () =>
      writeFileSync(
        join(project, `terraform.${name}.tfstate`),
        JSON.stringify({ version: 4, terraform_version: "1.11.4", serial: 1, lineage: "sgc-e2e", outputs: { marker: { value: "the one state", type: "string" } }, resources: [], check_results: null }),
      );

    test("has a block for each way: sgc synth + terraform, and cdktf", () => {
      expect(blocks).toHaveLength(2);
      expect(blocks[0]).toMatch(/^npx sgc synth services\.yaml$/m);
      expect(blocks[1]).toMatch(/^npx cdktf synth$/m);
      for (const block of blocks) {
        expect(block).toMatch(/^cd cdktf\.out\/stacks\/<name>$/m);
        expect(block).toMatch(/^terraform plan$/m);
        expect(block).toMatch(/^terraform apply$/m);
      }
    });

    test("both ways plan the same resources and find the same state, beside the manifest", () => {
      stateMarker();
      const stackDir = join(project, "cdktf.out", "stacks", name);
      const configs: Record<string, unknown>[] = [];
      for (const block of blocks) {
        const log = runBlock(block).replace(/\u001b\[[0-9;]*m/g, "");
        expect(log).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
        // the plan read the state beside the manifest: the marker output there is one it would remove
        expect(log).toMatch(/- marker\s+= "the one state" -> null/);
        configs.push(JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")));
      }
      expect(configs[0].terraform).toMatchObject({ backend: { local: { path: `../../../terraform.${name}.tfstate` } } });
      expect((configs[1] as { terraform: unknown }).terraform).toMatchObject({ backend: { local: { path: `../../../terraform.${name}.tfstate` } } });
      expect(configs[1].resource).toEqual(configs[0].resource);
      expect(dirname(resolve(stackDir, `../../../terraform.${name}.tfstate`))).toBe(project);
    });
  });
});
