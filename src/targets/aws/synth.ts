import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join, relative, resolve } from "path";
import { Model } from "../../model/types";
import { buildStack, newApp } from "./stack";

/** One synthesized stack: its name and the text of its `cdk.tf.json`. */
export interface SynthesizedStack {
  name: string;
  json: string;
}

/**
 * Synthesizes each model into the text of a `cdk.tf.json`. Keys are sorted and the text ends
 * in a newline, so the same manifest always gives the same bytes.
 */
export function synthesize(models: readonly Model[], localState?: (model: Model) => string | undefined): SynthesizedStack[] {
  // cdktf's App makes its output folder (and a stacks folder in it) as it starts, though sgc
  // writes its files itself: give it a scratch folder, so nothing appears where sgc runs.
  const scratch = mkdtempSync(join(tmpdir(), "sgc-cdktf-"));
  try {
    return withoutStackCapture(() => {
      const app = newApp(scratch);
      return models.map((model) => {
        const stack = buildStack(app, model, { localState: localState?.(model) });
        return { name: model.name, json: stableStringify(stack.toTerraform()) + "\n" };
      });
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` with stack-trace capture turned off. Even with `stackTraces: false`, cdktf and the
 * provider bindings record a full stack for every computed attribute (each resource's
 * `tags_all`, say), only for error messages we never show; at 10,000 rules that was a third of
 * synthesis. Error.captureStackTrace is restored however `fn` ends.
 */
export function withoutStackCapture<T>(fn: () => T): T {
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = () => undefined;
  try {
    return fn();
  } finally {
    Error.captureStackTrace = capture;
  }
}

/** Where a stack's configuration goes: `<out>/stacks/<name>/cdk.tf.json`, as cdktf lays it out. */
export function stackFile(outDir: string, name: string): string {
  return join(outDir, "stacks", name, "cdk.tf.json");
}

/**
 * Where a stack without `aws.backend` keeps its Terraform state: `terraform.<name>.tfstate`
 * beside the manifest, written relative to the stack's folder (where Terraform runs). `sgc synth`
 * and the cdktf app both write it, so either way of deploying finds the same state; the state
 * lives outside the output folder, which is safe to delete, and the project can move.
 */
export function localStatePath(outDir: string, name: string, manifestFile: string): string {
  const stackDir = resolve(dirname(stackFile(outDir, name)));
  const state = resolve(dirname(manifestFile), `terraform.${name}.tfstate`);
  return relative(stackDir, state).split("\\").join("/");
}

/**
 * Writes every stack or none. Each file is first staged beside its place; only once all are
 * staged does each replace its file, in one rename so no reader ever sees half a file. When
 * anything fails, the files already replaced get their old contents back and the staged
 * files and the folders made for them go, so the output is as it was; the error is rethrown.
 */
export function writeStacks(outDir: string, stacks: readonly SynthesizedStack[]): string[] {
  const madeDirs: string[] = [];
  const moves: { file: string; temp: string; backup?: string; done?: boolean }[] = [];
  try {
    for (const stack of stacks) {
      const file = stackFile(outDir, stack.name);
      const made = mkdirSync(dirname(file), { recursive: true });
      if (made) madeDirs.push(made);
      const existing = statOrUndefined(file);
      if (existing && !existing.isFile()) throw Object.assign(new Error(`${file} is in the way: it is not a file`), { code: "EISDIR", path: file });
      const temp = `${file}.${process.pid}.tmp`;
      moves.push({ file, temp, ...(existing ? { backup: `${file}.${process.pid}.old` } : {}) });
      writeFileSync(temp, stack.json);
    }
    for (const move of moves) {
      if (move.backup) renameSync(move.file, move.backup);
      renameSync(move.temp, move.file);
      move.done = true;
    }
  } catch (error) {
    for (const move of [...moves].reverse()) {
      attempt(() => (move.done ? (move.backup ? renameSync(move.backup, move.file) : unlinkSync(move.file)) : move.backup && statOrUndefined(move.backup) && renameSync(move.backup, move.file)));
      attempt(() => statOrUndefined(move.temp) && unlinkSync(move.temp));
    }
    for (const dir of madeDirs.reverse()) attempt(() => rmSync(dir, { recursive: true, force: true }));
    throw error;
  }
  for (const move of moves) if (move.backup) attempt(() => unlinkSync(move.backup!));
  return moves.map((m) => m.file);
}

function statOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Runs a clean-up step; one that fails must not hide the error being reported. */
function attempt(step: () => unknown): void {
  try {
    step();
  } catch {
    // best effort: the original error is what the user needs to see
  }
}

/**
 * JSON with object keys sorted at every level, two-space indented: the same text as
 * `JSON.stringify(sorted, null, 2)`, written in one pass without building the sorted copy.
 */
export function stableStringify(value: unknown): string {
  const parts: string[] = [];
  write(value, "", parts);
  return parts.join("");
}

function write(value: unknown, indent: string, out: string[]): void {
  if (value === null || typeof value !== "object") {
    out.push(value === undefined || typeof value === "function" || typeof value === "symbol" ? "null" : JSON.stringify(value));
    return;
  }
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push("[]");
      return;
    }
    out.push("[");
    value.forEach((item, i) => {
      out.push(i === 0 ? "\n" : ",\n", inner);
      write(item, inner, out);
    });
    out.push("\n", indent, "]");
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined && typeof record[key] !== "function");
  // Most maps arrive sorted already (resources are built in name order): check before sorting.
  if (!keys.every((key, i) => i === 0 || keys[i - 1] < key)) keys.sort();
  if (keys.length === 0) {
    out.push("{}");
    return;
  }
  out.push("{");
  keys.forEach((key, i) => {
    out.push(i === 0 ? "\n" : ",\n", inner, JSON.stringify(key), ": ");
    write(record[key], inner, out);
  });
  out.push("\n", indent, "}");
}
