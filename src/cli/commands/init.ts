import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import { basename, dirname, join, relative, resolve } from "path";
import { PACKAGE_ROOT, packageInfo, publishedUrl } from "../../package";
import { EXIT, Io } from "../io";

/** The options of `sgc init`. */
export interface InitOptions {
  /** The manifest to write, relative to `dir`. */
  manifest: string;
  name?: string;
  /** The repository root. */
  dir: string;
  force?: boolean;
}

/** Where the review workflow goes, relative to the repository root. */
export const WORKFLOW_FILE = ".github/workflows/sgc-review.yml";

/** The lines `sgc init` makes sure `.gitignore` has: dependencies, synthesized output, Terraform's working files and local state. */
export const GITIGNORE_LINES = ["node_modules/", "cdktf.out/", ".terraform/", "*.tfstate", "*.tfstate.*"];

/** The placeholder in the workflow template that `sgc init` fills with the manifest's path. */
const MANIFEST_PLACEHOLDER = "__SGC_MANIFEST__";

/** The review workflow for a manifest at `manifest` (relative to the repository root, forward slashes). */
export function reviewWorkflow(manifest: string): string {
  return readFileSync(join(PACKAGE_ROOT, "templates", "sgc-review.yml"), "utf8").split(MANIFEST_PLACEHOLDER).join(JSON.stringify(manifest));
}

/** cdktf.json for a repository: the app runs the installed sgc (nothing to build) on the manifest. */
export function cdktfJson(manifest: string, name: string): string {
  const config = {
    language: "typescript",
    app: "npx sgc cdktf-app",
    projectId: `sgc-${name}`,
    sendCrashReports: "false",
    terraformProviders: [],
    terraformModules: [],
    context: { manifest },
  };
  return JSON.stringify(config, null, 2) + "\n";
}

/** A stack name from a folder's name: lowercase letters, digits and dashes, 2 to 32 of them, starting with a letter. */
export function stackNameFrom(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 32)
    .replace(/-+$/, "");
  return name.length >= 2 ? name : "my-stack";
}

/**
 * What the manifest's `$schema` modeline points at: the schema of sgc as installed in the
 * repository (node_modules, found from the repository up), else this sgc's own schema when it
 * lives inside the repository, else the published schema.
 */
export function schemaReference(manifestFile: string, dir: string): { ref: string; installed: boolean } {
  const from = dirname(manifestFile);
  const inPackage = join("schemas", "manifest.schema.json");
  for (let at = resolve(dir); ; at = dirname(at)) {
    const candidate = join(at, "node_modules", ...packageInfo().name.split("/"), inPackage);
    if (existsSync(candidate)) return { ref: slashes(relative(from, candidate)), installed: true };
    if (dirname(at) === at) break;
  }
  const own = join(PACKAGE_ROOT, inPackage);
  if (!relative(resolve(dir), own).startsWith("..")) return { ref: slashes(relative(from, own)), installed: true };
  return { ref: publishedUrl(inPackage.split("\\").join("/")), installed: false };
}

function slashes(path: string): string {
  return path.split("\\").join("/");
}

/**
 * `sgc init`: a starter manifest, cdktf.json, the review workflow and .gitignore lines, in an
 * empty or existing repository. It never overwrites a file without --force, and writes nothing
 * when it would have to; .gitignore only ever gains the lines it lacks.
 */
export function initCommand(options: InitOptions, io: Io): number {
  const root = resolve(options.dir);
  const manifestPath = slashes(options.manifest).replace(/^\.\//, "");
  const manifestFile = resolve(root, manifestPath);
  const name = options.name ?? stackNameFrom(basename(root));
  if (!/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(name)) {
    io.err(`sgc init: "${name}" is not a stack name: 2 to 32 lowercase letters, digits and dashes, starting with a letter and not ending with a dash\n`);
    return EXIT.invalid;
  }
  const schema = schemaReference(manifestFile, root);
  const manifest = readFileSync(join(PACKAGE_ROOT, "templates", "services.yaml"), "utf8").replace("__SCHEMA__", schema.ref).replace("__NAME__", name);
  const files: [string, string][] = [
    [manifestFile, manifest],
    [join(root, "cdktf.json"), cdktfJson(manifestPath, name)],
    [join(root, WORKFLOW_FILE), reviewWorkflow(manifestPath)],
  ];
  const existing = files.filter(([file]) => existsSync(file)).map(([file]) => relative(root, file) || file);
  if (existing.length > 0 && !options.force) {
    io.err(`sgc init: ${existing.join(", ")} already ${existing.length === 1 ? "exists" : "exist"}; nothing was written (use --force to overwrite)\n`);
    return EXIT.invalid;
  }
  for (const [file, text] of files) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    io.out(`wrote ${slashes(relative(root, file))}\n`);
  }
  const gitignore = join(root, ".gitignore");
  const present = existsSync(gitignore) ? readFileSync(gitignore, "utf8") : "";
  const missing = GITIGNORE_LINES.filter((line) => !present.split(/\r?\n/).includes(line));
  if (missing.length > 0) {
    appendFileSync(gitignore, `${present === "" || present.endsWith("\n") ? "" : "\n"}# sgc\n${missing.join("\n")}\n`);
    io.out(`${present === "" ? "wrote" : "updated"} .gitignore\n`);
  }
  io.out(
    [
      "",
      `Next: set your region and VPC in ${manifestPath}, then`,
      `  npx sgc check ${manifestPath}`,
      `  npx sgc synth ${manifestPath}     (or: npx cdktf synth)`,
      ...(schema.installed ? [] : [`Install sgc in this repository so that the editor schema and the workflow find it: npm install --save-dev ${packageInfo().name}`]),
      "",
    ].join("\n"),
  );
  return EXIT.ok;
}
