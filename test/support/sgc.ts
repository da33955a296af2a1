import { readdirSync } from "fs";
import { join } from "path";
import { compile } from "../../src/compile";
import { Model } from "../../src/model/types";
import { synthesize } from "../../src/targets/aws/synth";
import { validateText } from "../../src/validate";
import { Manifest } from "../../src/validate/manifest";

/** The repository root. */
export const ROOT = join(__dirname, "..", "..");

/** The bundled examples, by path. */
export function examplePaths(): string[] {
  return readdirSync(join(ROOT, "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => join(ROOT, "examples", f));
}

/** Validates manifest text and fails the test with every diagnostic when it is invalid. */
export function validManifest(text: string, file = "manifest.yaml"): Manifest {
  const result = validateText(text, file);
  if (!result.ok) throw new Error(`expected a valid manifest:\n${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join("\n")}`);
  return result.valid.manifest;
}

/** A synthesized stack: the model, the exact text and the parsed JSON. */
export interface Synthesized {
  model: Model;
  text: string;
  json: TerraformJson;
}

/** The parts of a synthesized `cdk.tf.json` the tests read. */
export interface TerraformJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: string }>;
  terraform: Record<string, unknown>;
  provider: Record<string, unknown>;
}

/** Validates, compiles and synthesizes manifest text or an already validated manifest. */
export function synth(input: string | Manifest): Synthesized {
  const manifest = typeof input === "string" ? validManifest(input) : input;
  const model = compile(manifest);
  const [stack] = synthesize([model]);
  return { model, text: stack.json, json: JSON.parse(stack.json) as TerraformJson };
}

/** A minimal manifest around the given services (and optional extra top-level YAML). */
export function manifestYaml(services: string, extra = ""): string {
  return `version: 1\nname: test\naws:\n  region: us-east-1\n  vpcId: vpc-0a1b2c3d4e5f67890\n${extra}services:\n${services}`;
}
