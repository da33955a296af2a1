import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { packageInfo } from "../package";
import { CHECK_FORMATS, CheckFormat } from "../policies/formats";
import { UsageError } from "../usage";
import { expandInputs } from "./inputs";
import { EXIT, Io, processIo, withOutputFile } from "./io";

/** The package version, read from package.json so there is one source of truth. */
function version(): string {
  return packageInfo().version;
}

/** A command's module, loaded only when that command runs, so each pays only for what it uses. */
function command<T>(name: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`./commands/${name}`) as T;
}

/** The exit codes, as every command's help ends with them. */
const EXIT_CODES = `
Exit codes:
  0  success (check: no error findings)
  1  policy errors, more warnings than --max-warnings, or a failed query (diff --fail-on)
  2  invalid input or usage`;

/** Help that ends with examples and the exit codes. */
function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n${EXIT_CODES}\n`;
}

function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number, 0 or more");
  return Number(value);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const outputOption = () => new Option("--output <file>", "write the report to this file instead of stdout (nothing is written on invalid input)");

/** Runs the sgc command line on `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command("sgc")
    .description("Service-graph compiler: a manifest of services to AWS security groups, as Terraform.\nA FILE of - reads standard input.")
    .version(version(), "-V, --version")
    .showHelpAfterError("(run sgc --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText(
      "after",
      examples(
        "sgc init                                   # start: services.yaml, cdktf.json, the review workflow",
        "sgc check services.yaml                    # validate and run the policy pack",
        "sgc check 'stacks/**/*.yaml' --max-warnings 0",
        "sgc synth services.yaml                    # cdktf.out/stacks/<name>/cdk.tf.json",
        "sgc diff --base-ref origin/main services.yaml",
        "cat services.yaml | sgc validate -",
      ),
    );

  program
    .command("init")
    .description("start using sgc in this repository: a starter manifest, cdktf.json, the review workflow and .gitignore lines")
    .option("--manifest <file>", "the manifest to write", "services.yaml")
    .option("--name <name>", "the stack name (default: from the folder's name)")
    .option("--dir <dir>", "the repository root", ".")
    .option("--force", "overwrite files that exist (never without it)")
    .addHelpText("after", examples("sgc init", "sgc init --manifest infra/network.yaml --name shop", "sgc init --force"))
    .action((options: { manifest: string; name?: string; dir: string; force?: boolean }) => {
      code = command<typeof import("./commands/init")>("init").initCommand(options, io);
    });

  program
    .command("validate")
    .description("check manifests against the schema and for meaning; write nothing")
    .argument("<file...>", "manifest files (- for standard input)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("-q, --quiet", "print nothing for valid manifests")
    .addOption(outputOption())
    .addHelpText("after", examples("sgc validate services.yaml", "sgc validate - < services.yaml", "sgc validate services.yaml --format json --output validate.json"))
    .action(async (files: string[], options: { format: "text" | "json"; quiet?: boolean; output?: string }) => {
      code = await withOutputFile(io, options.output, (out) => command<typeof import("./commands/manifests")>("manifests").validateCommand(files, out, options.format, options.quiet));
    });

  program
    .command("check")
    .description("validate and run the policy pack over manifests, cdk.tf.json files, plans or states; exit 1 on errors")
    .argument("<file...>", "manifests, cdk.tf.json files, or `terraform show -json` output of plans or states; quoted globs ('stacks/**/*.yaml'); - for standard input")
    .addOption(new Option("-f, --format <format>", "output format").choices([...CHECK_FORMATS]).default("text"))
    .option("-p, --pack <pack>", "a policy pack instead of the manifest's extends: recommended, strict, a file (./org.yaml) or a package (@org/sgc-policy); repeatable", collect)
    .option("--policy <manifest>", "take packs, overrides and exceptions from this manifest's policy section (for cdk.tf.json and plans)")
    .option("--config <dir>", "for a plan: the folder of its configuration's .tf files (default: the plan file's folder, when it holds any)")
    .option("-q, --quiet", "report errors only")
    .option("--max-warnings <n>", "exit 1 when there are more than n warnings", nonNegativeInteger)
    .addOption(outputOption())
    .addHelpText(
      "after",
      examples(
        "sgc check services.yaml",
        "sgc check 'stacks/**/*.yaml' --quiet",
        "sgc check services.yaml --format sarif --output sgc.sarif",
        "sgc check services.yaml --pack ./policies/org.yaml --max-warnings 0",
        "sgc check cdktf.out/stacks/shop/cdk.tf.json --policy services.yaml",
        "terraform show -json plan.bin | sgc check -",
      ),
    )
    .action(async (patterns: string[], options: { format: CheckFormat; pack?: string[]; policy?: string; quiet?: boolean; maxWarnings?: number; output?: string; config?: string }) => {
      const inputs = expandInputs(patterns);
      if (!inputs.ok) throw new UsageError(inputs.message);
      code = await withOutputFile(io, options.output, (out) => command<typeof import("./commands/check")>("check").checkCommand(inputs.files, options, version(), out));
    });

  program
    .command("synth")
    .description("compile manifests into Terraform: DIR/stacks/<name>/cdk.tf.json")
    .argument("<file...>", "manifest files, one stack each (- for standard input)")
    .option("-o, --out <dir>", "output directory", "cdktf.out")
    .addOption(new Option("-f, --format <format>", "what to print: a line per stack, or JSON with each stack's folder and state").choices(["text", "json"]).default("text"))
    .addHelpText("after", examples("sgc synth services.yaml", "sgc synth services.yaml --format json   # {\"stacks\": [{\"name\", \"directory\", ...}]}"))
    .action((files: string[], options: { out: string; format: "text" | "json" }) => {
      code = command<typeof import("./commands/manifests")>("manifests").synthCommand(files, options.out, io, options.format);
    });

  program
    .command("flows")
    .description("print the effective allowed flows of a manifest, a cdk.tf.json, a plan or a state; exit 1 when sgc cannot read all of it")
    .argument("<file>", "a manifest, a cdk.tf.json, or `terraform show -json` output of a plan or a state (- for standard input)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--config <dir>", "for a plan: the folder of its configuration's .tf files (default: the plan file's folder, when it holds any)")
    .addOption(outputOption())
    .addHelpText("after", examples("sgc flows services.yaml", "sgc flows cdktf.out/stacks/shop/cdk.tf.json --format json", "terraform show -json plan.bin > plan.json && sgc flows plan.json", "sgc flows /tmp/plan.json --config infra/"))
    .action(async (file: string, options: { format: string; output?: string; config?: string }) => {
      code = await withOutputFile(io, options.output, (out) => command<typeof import("./commands/flows")>("flows").flowsCommand(file, options.format, out, options.config ? { configDir: options.config } : {}));
    });

  program
    .command("diff")
    .description("what access a change grants or removes: two manifests or cdk.tf.json files, a git base, or a Terraform plan")
    .argument("[files...]", "BASE HEAD, or HEAD with --base-ref")
    .option("--base-ref <ref>", "read the base version of HEAD from this git revision (e.g. origin/main)")
    .option("--plan <file>", "review a plan from terraform show -json instead")
    .addOption(new Option("-f, --format <format>", "output format").choices(["markdown", "json"]).default("markdown"))
    .option("--fail-on <conditions>", "exit 1 when any holds: replace (a group replaced or destroyed), new-findings (a new error finding), drift (any flow added or removed); an incomplete review always exits 1", (v) => v.split(",").map((s) => s.trim()).filter(Boolean), [] as string[])
    .option("--config <dir>", "for a plan: the folder of its configuration's .tf files (default: the plan file's folder, when it holds any)")
    .addOption(outputOption())
    .addHelpText("after", examples("sgc diff base.yaml services.yaml", "sgc diff --base-ref origin/main services.yaml --fail-on replace", "sgc diff --plan plan.json --format json"))
    .action(async (files: string[], options: { baseRef?: string; plan?: string; format: "markdown" | "json"; failOn: string[]; output?: string; config?: string }) => {
      code = await withOutputFile(io, options.output, (out) => command<typeof import("./commands/review")>("review").diffCommand(files, options, out));
    });

  program
    .command("import")
    .description("write a manifest that adopts what is deployed: from a Terraform state or plan, or the AWS CLI's listing of security groups")
    .argument("<source...>", "terraform show -json of a state or plan, or aws ec2 describe-security-groups --output json (with describe-security-group-rules, describe-managed-prefix-lists, get-managed-prefix-list-entries as further files, or merged into one)")
    .option("-o, --out <file>", "write the manifest here (in one rename) instead of stdout")
    .option("--name <name>", "the stack name (default: from the folder of --out)")
    .option("--region <region>", "the AWS region, when the source shows no ARN to tell it")
    .option("--config <dir>", "for a plan: the folder of its configuration's .tf files (default: the plan file's folder, when it holds any)")
    .addHelpText(
      "after",
      examples(
        "terraform show -json > state.json && sgc import state.json --out services.yaml",
        "aws ec2 describe-security-groups --output json > groups.json",
        "aws ec2 describe-security-group-rules --output json > rules.json",
        "sgc import groups.json rules.json --out services.yaml --name shop",
        "sgc diff groups.json services.yaml          # the same access: no flow added or removed",
      ),
    )
    .action(async (sources: string[], options: { out?: string; name?: string; region?: string; config?: string }) => {
      code = await command<typeof import("./commands/import")>("import").importCommand(sources, options, io);
    });

  program
    .command("graph")
    .description("draw the service graph: every service, grouped by tier; internet ingress and egress as separate nodes; edges with findings styled")
    .argument("<file>", "a manifest, a cdk.tf.json, or `terraform show -json` output of a plan or a state (- for standard input)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["mermaid", "dot"]).default("mermaid"))
    .option("--config <dir>", "for a plan: the folder of its configuration's .tf files (default: the plan file's folder, when it holds any)")
    .addOption(outputOption())
    .addHelpText("after", examples("sgc graph services.yaml", "sgc graph services.yaml --format dot | dot -Tsvg > graph.svg"))
    .action(async (file: string, options: { format: "mermaid" | "dot"; output?: string; config?: string }) => {
      code = await withOutputFile(io, options.output, (out) => command<typeof import("./commands/review")>("review").graphCommand(file, options.format, out, options.config ? { configDir: options.config } : {}));
    });

  program
    .command("cdktf-app")
    .description("the app cdktf.json runs: synthesizes the manifest (SGC_MANIFEST, else the context key manifest) into cdktf's output folder")
    .argument("[file]", "the manifest (default: SGC_MANIFEST, else cdktf.json's context key manifest)")
    .addHelpText("after", examples('cdktf.json: { "app": "npx sgc cdktf-app", "context": { "manifest": "services.yaml" } }', "SGC_MANIFEST=services.yaml npx cdktf synth"))
    .action((file: string | undefined) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runCdktfApp } = require("../targets/aws/app") as typeof import("../targets/aws/app");
      code = runCdktfApp(file ?? process.env.SGC_MANIFEST, io.err);
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
  const answer = run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const detail = process.env.SGC_DEBUG ? (error as Error).stack : (error as Error).message;
      process.stderr.write(`sgc: internal error: ${detail}\nThis is a bug in sgc; please report it with the input that caused it.\n`);
      process.exitCode = EXIT.invalid;
    },
  );
  exitWhenUnanswered(answer, process);
}

/** What `exitWhenUnanswered` needs of the process: its events, stderr and exit. */
export interface ExitingProcess {
  once(event: "beforeExit", listener: () => void): unknown;
  stderr: { write(text: string): unknown };
  exit(code: number): void;
}

/**
 * Exits 2 with an internal error when the event loop empties before the command answered.
 * A parser in WebAssembly (@cdktf/hcl2json) that crashes inside leaves its promise pending
 * forever with nothing left to run; Node would then exit 0 in silence, as if all were well.
 */
export function exitWhenUnanswered(answer: Promise<unknown>, proc: ExitingProcess): void {
  let settled = false;
  void answer.finally(() => {
    settled = true;
  });
  proc.once("beforeExit", () => {
    if (settled) return;
    proc.stderr.write("sgc: internal error: a parser stopped without an answer before the command finished\nThis is a bug in sgc; please report it with the input that caused it.\n");
    proc.exit(EXIT.invalid);
  });
}
