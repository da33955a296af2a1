import { renameSync, rmSync, writeFileSync } from "fs";
import { basename, dirname, resolve } from "path";
import { Diagnostic, FILE_START, formatDiagnostic } from "../../diagnostics";
import { importDeployed, Imported } from "../../import";
import { manifestYaml } from "../../import/yaml";
import { diffFlows, evaluate, flowKey, modelFlows } from "../../model/flows";
import { compileManifest, inputName, loadAnyText, parseInput, readInput, validateManifestText } from "../../pipeline";
import { alignToManifest } from "../../review/align";
import { Deployed, deployedOfListing, deployedOfTerraform, withRuleIds } from "../../targets/aws/deployed";
import { ListingDocument, readListing } from "../../targets/aws/listing";
import { plural } from "../../text";
import { LIMITS } from "../../validate/limits";
import { EXIT, Io, paint, reportDiagnostics } from "../io";
import { schemaReference, stackNameFrom } from "./init";

/** The options of `sgc import`. */
export interface ImportCommandOptions {
  out?: string;
  name?: string;
  region?: string;
  config?: string;
}

/**
 * `sgc import SOURCE...`: a manifest from a Terraform state or plan, or from the AWS CLI's
 * listing of groups (with its rules and prefix lists, as separate files or merged). Written to
 * --out (in one rename) or to stdout; warnings and a summary go to stderr. Nothing is written
 * when the manifest could not hold exactly what the source allows.
 */
export async function importCommand(files: readonly string[], options: ImportCommandOptions, io: Io): Promise<number> {
  const sources = new Map<string, string>();
  const fail = (diagnostics: Diagnostic[]) => reportDiagnostics(io, diagnostics, sources);
  const name = options.name ?? stackNameFrom(basename(dirname(resolve(options.out ?? "services.yaml"))));
  if (!/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(name)) {
    return fail([{ code: "invalid-name", severity: "error", message: `"${name}" is not a stack name: 2 to 32 lowercase letters, digits and dashes, starting with a letter`, file: "--name", line: 0, column: 0, hint: "give one with --name" }]);
  }

  const loaded = await loadSources(files, options, sources);
  if (!loaded.ok) return fail(loaded.diagnostics);
  const result = importDeployed(loaded.deployed, { name, ...(options.region ? { region: options.region } : {}) });
  if (!result.ok) return fail(result.diagnostics);
  const { imported } = result;

  const schema = schemaReference(options.out ?? "services.yaml", process.cwd()).ref;
  const header = [
    `yaml-language-server: $schema=${schema}`,
    `Imported by sgc import from ${files.map(inputName).join(", ")}.`,
    "Each service adopts an existing group (adopt:): sgc synth imports the groups and their",
    "rules, so the first terraform plan imports them and replaces nothing.",
  ];
  const text = manifestYaml(imported.manifest, imported.comments, header);
  const check = selfCheck(text, options.out ?? "<stdout>", loaded.deployed);
  if (check.length > 0) return fail(check);

  for (const w of imported.warnings) io.err(paint(formatDiagnostic(w, sources.get(w.file)), io.color?.err) + "\n");
  if (options.out) {
    const temp = `${options.out}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, text);
      renameSync(temp, options.out);
    } catch (error) {
      rmSync(temp, { force: true });
      return fail([{ code: "cannot-write", severity: "error", message: `cannot write the manifest: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, file: options.out, line: 0, column: 0 }]);
    }
  } else {
    io.out(text);
  }
  io.err(summary(imported, options.out) + "\n");
  return EXIT.ok;
}

/** The sources as one deployment: a Terraform state or plan (with rule ids from an AWS listing of rules), or an AWS listing. */
async function loadSources(files: readonly string[], options: ImportCommandOptions, sources: Map<string, string>): Promise<{ ok: true; deployed: Deployed } | { ok: false; diagnostics: Diagnostic[] }> {
  if (files.length === 0) return { ok: false, diagnostics: [{ code: "usage", severity: "error", message: "give at least one SOURCE", file: "sgc import", line: 0, column: 0 }] };
  const documents: ListingDocument[] = [];
  let terraform: Deployed | undefined;
  let terraformFile: string | undefined;
  const diagnostics: Diagnostic[] = [];
  for (const path of files) {
    const file = inputName(path);
    const read = readInput(path, LIMITS.terraformBytes);
    if (!read.ok) {
      diagnostics.push(...read.diagnostics);
      continue;
    }
    sources.set(file, read.text);
    const parsed = parseInput(read.text, file);
    if (!parsed.ok) {
      diagnostics.push(...parsed.diagnostics);
      continue;
    }
    if (parsed.kind === "aws") {
      documents.push({ file, text: parsed.text, json: parsed.json });
      continue;
    }
    if (parsed.kind !== "plan" && parsed.kind !== "state") {
      const what = parsed.kind === "manifest" ? "a manifest" : "a Terraform configuration, which holds no ids";
      diagnostics.push({ code: "not-a-source", severity: "error", message: `this is ${what}; sgc import reads a Terraform state or plan (terraform show -json) or the AWS CLI's listing`, file, ...FILE_START });
      continue;
    }
    if (terraformFile !== undefined) {
      diagnostics.push({ code: "two-sources", severity: "error", message: `${terraformFile} is a Terraform source already; import reads one state or plan at a time`, file, ...FILE_START });
      continue;
    }
    const input = await loadAnyText(read.text, file, options.config ? { configDir: options.config } : {});
    if (!input.ok) {
      diagnostics.push(...input.diagnostics);
      continue;
    }
    const { input: source } = input;
    if (source.kind === "manifest" || source.kind === "aws" || source.kind === "terraform") continue;
    terraform = deployedOfTerraform({ ...source, kind: source.kind });
    terraformFile = file;
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  if (documents.length === 0) return { ok: true, deployed: terraform! };
  const groupsToo = documents.find((d) => d.json.SecurityGroups !== undefined);
  if (terraform && groupsToo) {
    return { ok: false, diagnostics: [{ code: "two-sources", severity: "error", message: `this lists security groups, and ${terraformFile} holds them already: give a state or plan, or the AWS listing, not both (describe-security-group-rules alone adds rule ids to a state)`, file: groupsToo.file, ...FILE_START }] };
  }
  const listing = readListing(documents);
  if (!listing.ok) return { ok: false, diagnostics: listing.problems.map((p) => ({ code: "aws-shape", severity: "error" as const, message: p.message, file: p.file, line: p.line, column: p.column })) };
  if (terraform) return { ok: true, deployed: withRuleIds(terraform, listing.listing) };
  return { ok: true, deployed: deployedOfListing(documents.map((d) => d.file).join(", "), listing.listing) };
}

/**
 * The manifest must be valid and allow exactly what the source allows, flow for flow: sgc never
 * writes a manifest that grants more or less. A difference here is a bug in sgc, said plainly.
 */
function selfCheck(text: string, file: string, deployed: Deployed): Diagnostic[] {
  const valid = validateManifestText(text, file);
  const bug = (message: string): Diagnostic[] => [{ code: "import-failed", severity: "error", message: `${message}; nothing was written. This is a bug in sgc: please report it with the input`, file: deployed.file, ...FILE_START }];
  if (!valid.ok) return bug(`the imported manifest is not valid (${valid.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join("; ")})`);
  const compiled = compileManifest(valid.valid);
  if (!compiled.ok) return bug(`the imported manifest does not compile (${compiled.diagnostics.map((d) => d.message).join("; ")})`);
  const aligned = alignToManifest(deployed.security, compiled.model);
  const { added, removed } = diffFlows(evaluate(aligned.rules, aligned.reaches), modelFlows(compiled.model));
  if (added.length + removed.length > 0) {
    const list = (flows: typeof added) => flows.slice(0, 5).map(flowKey).join(", ");
    return bug(`the imported manifest would allow ${added.length > 0 ? `more (${list(added)})` : ""}${added.length > 0 && removed.length > 0 ? " and " : ""}${removed.length > 0 ? `less (${list(removed)})` : ""} than the source`);
  }
  return [];
}

/** One line on what the first plan will do. */
function summary(imported: Imported, out: string | undefined): string {
  const s = imported.summary;
  const parts = [
    `${out ? `wrote ${out}: ` : ""}${plural(s.services, "service")}${s.networks > 0 ? `, ${plural(s.networks, "network")}` : ""}`,
    `the first plan imports ${plural(s.imported.groups, "group")} and ${plural(s.imported.rules, "rule")}`,
  ];
  if (s.withoutIds > 0) parts.push(`${plural(s.withoutIds, "rule")} without an AWS rule id would be created again (see the warnings)`);
  if (s.created > 0) parts.push(`it creates ${plural(s.created, "derived egress rule")} that allow nothing new`);
  if (imported.warnings.length > 0) parts.push(plural(imported.warnings.length, "warning"));
  return parts.join("; ");
}
