import { mkdirSync, renameSync, writeFileSync } from "fs";
import { dirname, join } from "path";
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
export function synthesize(models: readonly Model[]): SynthesizedStack[] {
  const app = newApp();
  return models.map((model) => {
    const stack = buildStack(app, model);
    return { name: model.name, json: stableStringify(stack.toTerraform()) + "\n" };
  });
}

/** Where a stack's configuration goes: `<out>/stacks/<name>/cdk.tf.json`, as cdktf lays it out. */
export function stackFile(outDir: string, name: string): string {
  return join(outDir, "stacks", name, "cdk.tf.json");
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

/** JSON with object keys sorted at every level, two-space indented. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
