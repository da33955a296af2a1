import { readdirSync, statSync } from "fs";
import { join } from "path";
import { ConfigModule, ConfigProblem, jsonToExpr, readConfigurationFile } from "./configuration";
import { evaluate } from "./evaluate";
import { parseExpression } from "./hcl/syntax";
import { fromJson, isWhollyKnown, Value } from "./values";
import { EMPTY_SCOPE } from "./view";

/**
 * The values a configuration's root variables get without a plan, where Terraform would find
 * them on its own: `TF_VAR_<name>` in the environment, then `terraform.tfvars`,
 * `terraform.tfvars.json` and the `*.auto.tfvars(.json)` files in lexical order, each later one
 * winning. Values given with `-var` or `-var-file` are not known to sgc: those variables keep
 * their default, or are unknown.
 */
export async function rootVariableValues(dir: string, root: ConfigModule, env: NodeJS.ProcessEnv = process.env): Promise<{ values: Map<string, Value>; problems: ConfigProblem[] }> {
  const values = new Map<string, Value>();
  const problems: ConfigProblem[] = [];
  for (const [name, declared] of root.variables) {
    const text = env[`TF_VAR_${name}`];
    if (text === undefined) continue;
    // A string variable takes the text as it is; others read it as an HCL expression.
    const isString = declared.type === undefined || (declared.type.type === "traversal" && declared.type.root === "string");
    values.set(name, isString ? text : fromEnvironment(text));
  }
  for (const file of variableFiles(dir)) {
    // Read as configuration files are, within the same bounds: HCL, or JSON for *.tfvars.json.
    const read = await readConfigurationFile(file);
    if ("problem" in read) {
      problems.push(read.problem);
      continue;
    }
    const { json } = read;
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      problems.push({ file, line: 1, column: 1, message: "variable values must be an object of names and values" });
      continue;
    }
    const hcl = !file.endsWith(".json");
    for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
      values.set(name, hcl ? fromHclJson(value) : fromJson(value));
    }
  }
  return { values, problems };
}

/** The variable files Terraform loads by itself from a folder, in the order it loads them. */
function variableFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const isFile = (name: string) => {
    try {
      return statSync(join(dir, name)).isFile();
    } catch {
      return false;
    }
  };
  const auto = names.filter((n) => /\.auto\.tfvars(\.json)?$/.test(n) && isFile(n)).sort();
  return [...["terraform.tfvars", "terraform.tfvars.json"].filter((n) => names.includes(n) && isFile(n)), ...auto].map((n) => join(dir, n));
}

function fromEnvironment(text: string): Value {
  try {
    const value = evaluate(parseExpression(text), EMPTY_SCOPE);
    return isWhollyKnown(value) ? value : text;
  } catch {
    return text;
  }
}

/**
 * A value as hcl2json writes it (an expression that is not a literal as "${...}"), evaluated as
 * Terraform would: as configuration JSON is read, with nothing in scope, as a tfvars value
 * refers to nothing.
 */
function fromHclJson(value: unknown): Value {
  const evaluated = evaluate(jsonToExpr(value), EMPTY_SCOPE);
  return isWhollyKnown(evaluated) ? evaluated : fromJson(value);
}
