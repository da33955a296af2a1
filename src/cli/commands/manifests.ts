import { dirname } from "path";
import { Diagnostic, FILE_START } from "../../diagnostics";
import { Model } from "../../model/types";
import { compileManifest, inputName, loadManifest } from "../../pipeline";
import { ValidManifest } from "../../validate";
import { plural } from "../../text";
import { EXIT, Io, reportDiagnostics } from "../io";

/** Loads and validates every file; either all are valid, or the diagnostics of all, with their texts for context. */
function loadAll(files: readonly string[]): { ok: true; manifests: ValidManifest[] } | { ok: false; diagnostics: Diagnostic[]; sources: Map<string, string> } {
  const manifests: ValidManifest[] = [];
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const file of files) {
    const result = loadManifest(file);
    if (result.ok) {
      manifests.push(result.valid);
      sources.set(inputName(file), result.valid.source.text);
    } else {
      diagnostics.push(...result.diagnostics);
      if (result.text !== undefined) sources.set(inputName(file), result.text);
    }
  }
  return diagnostics.length > 0 ? { ok: false, diagnostics, sources } : { ok: true, manifests };
}

/**
 * `sgc validate FILE...`: schema and meaning, nothing else. Meaning includes what only
 * compiling shows (a group's tags past AWS's count, rules past the limit), so a manifest
 * that validates is one that synth and check accept too.
 */
export function validateCommand(files: readonly string[], io: Io, format: "text" | "json" = "text", quiet = false): number {
  const loaded = compilable(loadAll(files));
  if (format === "json") {
    const valid = loaded.ok
      ? loaded.manifests.map(({ manifest, source }) => ({ file: source.file, services: Object.keys(manifest.services).length, networks: Object.keys(manifest.networks ?? {}).length }))
      : [];
    io.out(JSON.stringify({ version: 1, valid: loaded.ok, files: valid, diagnostics: loaded.ok ? [] : loaded.diagnostics }, null, 2) + "\n");
    return loaded.ok ? EXIT.ok : EXIT.invalid;
  }
  if (!loaded.ok) return reportDiagnostics(io, loaded.diagnostics, loaded.sources);
  if (quiet) return EXIT.ok;
  for (const { manifest, source } of loaded.manifests) {
    const services = Object.keys(manifest.services).length;
    const networks = Object.keys(manifest.networks ?? {}).length;
    io.out(`${source.file}: valid (${plural(services, "service")}, ${plural(networks, "network")})\n`);
  }
  return EXIT.ok;
}

/** Loaded manifests, each also compiled so that what only compiling finds is reported as well. */
function compilable(loaded: ReturnType<typeof loadAll>): ReturnType<typeof loadAll> {
  if (!loaded.ok) return loaded;
  const diagnostics = loaded.manifests.flatMap((m) => {
    const compiled = compileManifest(m);
    return compiled.ok ? [] : compiled.diagnostics;
  });
  return diagnostics.length === 0 ? loaded : { ok: false, diagnostics, sources: new Map(loaded.manifests.map((m) => [m.source.file, m.source.text])) };
}

/** `sgc synth FILE... --out DIR`: one stack per manifest; nothing is written unless every manifest is valid. */
export function synthCommand(files: readonly string[], outDir: string, io: Io, format: "text" | "json" = "text"): number {
  const prepared = compileAll(files);
  if (!prepared.ok) return reportDiagnostics(io, prepared.diagnostics, prepared.sources);
  const { stacks } = prepared;
  // Loaded here, not at start-up: cdktf and the provider bindings are the slow part of sgc.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { localStatePath, synthesize, writeStacks } = require("../../targets/aws/synth") as typeof import("../../targets/aws/synth");
  const manifestOf = new Map(stacks.map((s) => [s.model, s.file]));
  const states = new Map(stacks.map((s) => [s.model, s.model.aws.backend ? undefined : localStatePath(outDir, s.model.name, s.file)]));
  let written: string[];
  try {
    written = writeStacks(outDir, synthesize(stacks.map((s) => s.model), (model) => states.get(model)));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (!e.code) throw error;
    const message = `cannot write the output, so nothing was written: ${e.message}`;
    return reportDiagnostics(io, [{ code: "cannot-write", severity: "error", message, file: e.path ?? outDir, ...FILE_START }]);
  }
  if (format === "json") {
    const json = stacks.map(({ model }, i) => ({
      name: model.name,
      manifest: manifestOf.get(model),
      file: written[i],
      directory: dirname(written[i]),
      state: model.aws.backend ? { backend: "s3", bucket: model.aws.backend.bucket, key: model.aws.backend.key } : { backend: "local", path: states.get(model) },
      summary: counts(model),
    }));
    io.out(JSON.stringify({ version: 1, stacks: json }, null, 2) + "\n");
  } else {
    stacks.forEach(({ model }, i) => io.out(`${model.name}: wrote ${written[i]}\n  ${summary(model)}\n`));
  }
  return EXIT.ok;
}

/**
 * Validates and compiles every manifest. Only the models (with their files) leave this function:
 * the parsed documents (large for large manifests) can be freed before synthesis needs the memory.
 */
function compileAll(files: readonly string[]): { ok: true; stacks: { model: Model; file: string }[] } | { ok: false; diagnostics: Diagnostic[]; sources?: Map<string, string> } {
  const loaded = loadAll(files);
  if (!loaded.ok) return loaded;
  const duplicates = duplicateStackNames(loaded.manifests);
  if (duplicates.length > 0) return { ok: false, diagnostics: duplicates, sources: new Map(loaded.manifests.map((m) => [m.source.file, m.source.text])) };
  const stacks: { model: Model; file: string }[] = [];
  const tooLarge: Diagnostic[] = [];
  loaded.manifests.forEach((manifest, i) => {
    const compiled = compileManifest(manifest);
    if (compiled.ok) stacks.push({ model: compiled.model, file: files[i] });
    else tooLarge.push(...compiled.diagnostics);
  });
  return tooLarge.length > 0 ? { ok: false, diagnostics: tooLarge } : { ok: true, stacks };
}

function duplicateStackNames(manifests: readonly ValidManifest[]): Diagnostic[] {
  const seen = new Map<string, string>();
  const out: Diagnostic[] = [];
  for (const { manifest, source } of manifests) {
    const earlier = seen.get(manifest.name);
    if (earlier !== undefined) {
      out.push({
        code: "duplicate-stack",
        severity: "error",
        message: `stack name "${manifest.name}" is also used by ${earlier}; each manifest needs its own name`,
        file: source.file,
        ...source.locate(["name"]),
      });
    } else {
      seen.set(manifest.name, source.file);
    }
  }
  return out;
}

/** What a stack holds, counted. */
function counts(model: Model): { securityGroups: number; ingressRules: number; egressRules: number; prefixLists: number; defaultGroupClosed: boolean; imports?: number } {
  const ingress = model.rules.filter((r) => r.direction === "ingress").length;
  const imports = model.services.filter((s) => s.adopt?.securityGroup).length + model.rules.filter((r) => r.importId).length;
  return {
    securityGroups: model.services.length,
    ingressRules: ingress,
    egressRules: model.rules.length - ingress,
    prefixLists: model.networks.reduce((n, net) => n + Object.keys(net.maxEntries).length, 0),
    defaultGroupClosed: model.aws.closeDefaultSecurityGroup,
    ...(imports > 0 ? { imports } : {}),
  };
}

/** One line on what a stack holds: `4 security groups, 9 ingress rules, ...`. */
export function summary(model: Model): string {
  const c = counts(model);
  const adopted = model.services.find((s) => s.adopt?.default && (s.adopt.vpcId ?? model.aws.vpcId) === model.aws.vpcId);
  return [
    plural(c.securityGroups, "security group"),
    plural(c.ingressRules, "ingress rule"),
    plural(c.egressRules, "egress rule"),
    plural(c.prefixLists, "prefix list"),
    c.defaultGroupClosed ? "default group closed" : adopted ? `default group adopted by ${adopted.name}` : "default group left as it is",
    ...(c.imports ? [`${plural(c.imports, "import")} of existing groups and rules`] : []),
  ].join(", ");
}

