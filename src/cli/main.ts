import { Command, CommanderError, Option } from "commander";
import { readFileSync } from "fs";
import { join } from "path";
import { CHECK_FORMATS, CheckFormat } from "../policies/formats";
import { UsageError } from "../usage";
import { EXIT, Io, processIo } from "./io";

/** The package version, read from package.json so there is one source of truth. */
function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
}

/** A command's module, loaded only when that command runs, so each pays only for what it uses. */
function command<T>(name: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`./commands/${name}`) as T;
}

/** Runs the sgc command line on `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command("sgc")
    .description("Service-graph compiler: a manifest of services to AWS security groups, as Terraform.")
    .version(version(), "-V, --version")
    .showHelpAfterError("(run sgc --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command("validate")
    .description("check manifests against the schema and for meaning; write nothing")
    .argument("<file...>", "manifest files")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((files: string[], options: { format: "text" | "json" }) => {
      code = command<typeof import("./commands/manifests")>("manifests").validateCommand(files, io, options.format);
    });

  program
    .command("check")
    .description("validate and run the policy pack over a manifest, a cdk.tf.json or a plan JSON; exit 1 on errors")
    .argument("<file>", "a manifest, a synthesized cdk.tf.json or `terraform show -json` output")
    .addOption(new Option("-f, --format <format>", "output format").choices([...CHECK_FORMATS]).default("text"))
    .option("-p, --pack <name>", "policy pack to apply instead of the manifest's extends (recommended, strict)")
    .option("--policy <manifest>", "take packs, overrides and exceptions from this manifest's policy section (for cdk.tf.json and plans)")
    .action((file: string, options: { format: CheckFormat; pack?: string; policy?: string }) => {
      code = command<typeof import("./commands/check")>("check").checkCommand(file, options, version(), io);
    });

  program
    .command("synth")
    .description("compile manifests into Terraform: DIR/stacks/<name>/cdk.tf.json")
    .argument("<file...>", "manifest files, one stack each")
    .option("-o, --out <dir>", "output directory", "cdktf.out")
    .action((files: string[], options: { out: string }) => {
      code = command<typeof import("./commands/manifests")>("manifests").synthCommand(files, options.out, io);
    });

  program
    .command("flows")
    .description("print the effective allowed flows of a manifest, a synthesized cdk.tf.json or a plan JSON")
    .argument("<file>", "a manifest, a synthesized cdk.tf.json or `terraform show -json` output")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((file: string, options: { format: string }) => {
      code = command<typeof import("./commands/flows")>("flows").flowsCommand(file, options.format, io);
    });

  program
    .command("diff")
    .description("what access a change grants or removes: two manifests or cdk.tf.json files, a git base, or a Terraform plan")
    .argument("[files...]", "BASE HEAD, or HEAD with --base-ref")
    .option("--base-ref <ref>", "read the base version of HEAD from this git revision (e.g. origin/main)")
    .option("--plan <file>", "review a plan from terraform show -json instead")
    .addOption(new Option("-f, --format <format>", "output format").choices(["markdown", "json"]).default("markdown"))
    .option("--fail-on <conditions>", "exit 1 when any holds: replace (a group replaced or destroyed), new-findings (a new error finding)", (v) => v.split(",").map((s) => s.trim()).filter(Boolean), [] as string[])
    .action((files: string[], options: { baseRef?: string; plan?: string; format: "markdown" | "json"; failOn: string[] }) => {
      code = command<typeof import("./commands/review")>("review").diffCommand(files, options, io);
    });

  program
    .command("graph")
    .description("draw the service graph, grouped by tier, with networks and the internet as their own nodes")
    .argument("<file>", "a manifest, a cdk.tf.json or a plan JSON")
    .addOption(new Option("-f, --format <format>", "output format").choices(["mermaid", "dot"]).default("mermaid"))
    .action((file: string, options: { format: "mermaid" | "dot" }) => {
      code = command<typeof import("./commands/review")>("review").graphCommand(file, options.format, io);
    });

  if (argv.length === 0) {
    io.err(program.helpInformation());
    return EXIT.invalid;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    if (error instanceof UsageError) {
      io.err(`sgc: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
  return code;
}

/** The binary's entry point: never a stack trace for the user, unless SGC_DEBUG asks for one. */
export function main(): void {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const detail = process.env.SGC_DEBUG ? (error as Error).stack : (error as Error).message;
      process.stderr.write(`sgc: internal error: ${detail}\nThis is a bug in sgc; please report it with the input that caused it.\n`);
      process.exitCode = EXIT.invalid;
    },
  );
}
