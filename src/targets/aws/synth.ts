import { mkdirSync, renameSync, writeFileSync } from "fs";
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
  return withoutStackCapture(() => {
    const app = newApp();
    return models.map((model) => {
      const stack = buildStack(app, model, { localState: localState?.(model) });
      return { name: model.name, json: stableStringify(stack.toTerraform()) + "\n" };
    });
  });
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

/** Writes each stack, each file replaced in one rename so no reader ever sees half a file. */
export function writeStacks(outDir: string, stacks: readonly SynthesizedStack[]): string[] {
  return stacks.map((stack) => {
    const file = stackFile(outDir, stack.name);
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, stack.json);
    renameSync(temp, file);
    return file;
  });
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
