import fc from "fast-check";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { parseYaml } from "../../src/parse";
import { detectInputKind } from "../../src/input-kind";
import { validateManifestText } from "../../src/pipeline";
import { Manifest } from "../../src/validate/manifest";
import { sgc } from "./cli";
import { accessSet, declaredFlows, flowsOfTerraform } from "./flows";

/**
 * The fuzz harness: mutations of any input (a manifest, and later Terraform and plan JSON),
 * and the contract every command keeps on whatever it is given. Inputs of any kind plug in:
 * give `inputArbitrary` seeds (text plus parsed value) and run `checkContract` on what comes out.
 */

/** Names that trip code which looks names up in plain objects, and names that are almost right. */
export const ODD_NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "internet", "", "Web", "web-", "a".repeat(64), "wéb", "web\nx", "0.0.0.0/0", "default_security_group"];

/** Strings that test what reaches a terminal, a tag or AWS. */
const ODD_STRINGS = ["", " ", "ünïcödé", "\u202eevil", "日本語", "😀", "a\u0000b", "line\nbreak", "tab\there", "${x}", "%{x}", "x".repeat(300), "0.0.0.0/1", "::/1", "8000::/1", "128.0.0.0/1", "10.0.0.1/24", "1.2.3.4/33", "sg-0123456789abcdef0", "pl-0123456789abcdef0", "22:22", "8000-100", "0x1BB"];

/** Numbers at and past every edge a manifest has. */
const ODD_NUMBERS = [0, -1, 1, 65535, 65536, -65536, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.5, 443.0001, Number.MAX_SAFE_INTEGER];

/** Values of another type than expected. */
const RETYPED: unknown[] = [null, true, false, 0, "", "x", [], {}, [null], { a: 1 }, [[[]]]];

/** A path into a JSON value: map keys and list indexes. */
export type ValuePath = (string | number)[];

/** Every path in a value, the root first. */
export function pathsOf(value: unknown, path: ValuePath = [], out: ValuePath[] = []): ValuePath[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...path, i], out));
  else if (value !== null && typeof value === "object") for (const key of Object.keys(value)) pathsOf((value as Record<string, unknown>)[key], [...path, key], out);
  return out;
}

/** One change to a parsed value. */
export type ValueMutation =
  | { op: "delete"; at: number }
  | { op: "replace"; at: number; with: unknown }
  | { op: "rename"; at: number; to: string }
  | { op: "insert"; at: number; key: string; value: unknown }
  | { op: "nest"; at: number; depth: number };

/** Mutations of a value whose paths are `count` many: by index, so they shrink well. */
export function valueMutationArbitrary(count: number): fc.Arbitrary<ValueMutation> {
  const at = fc.nat({ max: Math.max(0, count - 1) });
  const odd = fc.oneof(fc.constantFrom(...ODD_NAMES), fc.constantFrom(...ODD_STRINGS), fc.constantFrom(...ODD_NUMBERS), fc.constantFrom(...RETYPED), fc.string({ unit: "binary", maxLength: 12 }));
  return fc.oneof(
    fc.record({ op: fc.constant("delete" as const), at }),
    fc.record({ op: fc.constant("replace" as const), at, with: odd }),
    fc.record({ op: fc.constant("rename" as const), at, to: fc.oneof(fc.constantFrom(...ODD_NAMES), fc.string({ maxLength: 8 })) }),
    fc.record({ op: fc.constant("insert" as const), at, key: fc.constantFrom(...ODD_NAMES, "provider", "resource", "terraform", "format_version", "planned_values", "services", "version"), value: odd }),
    fc.record({ op: fc.constant("nest" as const), at, depth: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.integer({ min: 60, max: 100 })) }),
  );
}

/** Names a manifest may use (they pass the schema) that code looking names up in objects may trip on. */
const NAME_POOL = ["constructor", "valueof", "internet", "default", "web", "app", "db", "lb", "mysql", "office", "a", "x-1"];

/** CIDRs: the internet in halves, private and documentation space, a wide public range, and ones that are refused. */
const CIDR_POOL = ["0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1", "10.0.0.0/8", "203.0.113.0/24", "2001:db8::/48", "11.0.0.0/8", "192.0.2.0/25", "0.0.0.0/0", "10.0.0.1/24"];

/** Port lists, from one port to every protocol. */
const PORTS_POOL: unknown[][] = [[22], [443], [80, 443], ["8000-8100"], [{ protocol: "all" }], [{ protocol: "icmp" }], [{ port: 53, protocol: "udp" }], [5432], [3389, 22]];

/** A change that keeps a manifest's shape, so that most results are valid and reach the policies and synth. */
export type ManifestMutation =
  | { op: "add-service"; name: string; ports?: unknown[]; consumers: unknown[] }
  | { op: "add-network"; name: string; cidrs: string[] }
  | { op: "add-consumer"; service: number; consumer: unknown }
  | { op: "add-egress"; service: number; entry: unknown }
  | { op: "add-tag"; key: string; value: string }
  | { op: "add-workload"; name: string; members: string[] };

const consumerArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...NAME_POOL),
  fc.record({ service: fc.constantFrom(...NAME_POOL) }),
  fc.record({ network: fc.constantFrom(...NAME_POOL), ports: fc.constantFrom(...PORTS_POOL) }),
  fc.record({ cidr: fc.constantFrom(...CIDR_POOL), description: fc.constantFrom("Partner", "A range") }),
  fc.record({ securityGroup: fc.constant("sg-0123456789abcdef0"), description: fc.constant("Outside group") }),
  fc.record({ prefixList: fc.constant("pl-0123456789abcdef0") }),
);

/** Manifest-shaped mutations: services, networks, consumers, egress, tags and workloads with odd but legal names. */
export const manifestMutationArbitrary: fc.Arbitrary<ManifestMutation> = fc.oneof(
  fc.record({ op: fc.constant("add-service" as const), name: fc.constantFrom(...NAME_POOL), ports: fc.option(fc.constantFrom(...PORTS_POOL), { nil: undefined }), consumers: fc.array(consumerArbitrary, { maxLength: 3 }) }),
  fc.record({ op: fc.constant("add-network" as const), name: fc.constantFrom(...NAME_POOL), cidrs: fc.uniqueArray(fc.constantFrom(...CIDR_POOL), { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant("add-consumer" as const), service: fc.nat(), consumer: consumerArbitrary }),
  fc.record({ op: fc.constant("add-egress" as const), service: fc.nat(), entry: fc.oneof(fc.record({ to: fc.constantFrom(...NAME_POOL), ports: fc.constantFrom(...PORTS_POOL) }), fc.record({ cidr: fc.constantFrom(...CIDR_POOL), ports: fc.constantFrom(...PORTS_POOL) })) }),
  fc.record({ op: fc.constant("add-tag" as const), key: fc.constantFrom(...ODD_NAMES.filter((n) => /^[\w.:/=+@-]+$/.test(n)), "Owner", "cost center"), value: fc.constantFrom("x", "", "team a") }),
  fc.record({ op: fc.constant("add-workload" as const), name: fc.constantFrom(...NAME_POOL), members: fc.uniqueArray(fc.constantFrom(...NAME_POOL), { minLength: 1, maxLength: 3 }) }),
);

/** A manifest value with one manifest-shaped mutation applied; a value that is no manifest is left as it is. */
export function applyManifestMutation(value: unknown, mutation: ManifestMutation): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const root = structuredClone(value) as Record<string, unknown>;
  const map = (key: string): Record<string, unknown> => {
    const current = root[key];
    if (current !== null && typeof current === "object" && !Array.isArray(current)) return current as Record<string, unknown>;
    const created: Record<string, unknown> = {};
    root[key] = created;
    return created;
  };
  const define = (target: Record<string, unknown>, key: string, v: unknown) => Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true });
  const nth = (index: number): Record<string, unknown> | undefined => {
    const services = map("services");
    const names = Object.keys(services);
    const service = names.length > 0 ? services[names[index % names.length]] : undefined;
    return service !== null && typeof service === "object" && !Array.isArray(service) ? (service as Record<string, unknown>) : undefined;
  };
  const push = (target: Record<string, unknown> | undefined, key: string, item: unknown) => {
    if (!target) return;
    const list = Array.isArray(target[key]) ? (target[key] as unknown[]) : [];
    target[key] = [...list, item];
  };
  switch (mutation.op) {
    case "add-service":
      define(map("services"), mutation.name, { ...(mutation.ports ? { ports: mutation.ports } : {}), ...(mutation.consumers.length ? { consumers: mutation.consumers } : {}) });
      break;
    case "add-network":
      define(map("networks"), mutation.name, { cidrs: mutation.cidrs });
      break;
    case "add-consumer":
      push(nth(mutation.service), "consumers", mutation.consumer);
      break;
    case "add-egress":
      push(nth(mutation.service), "egress", mutation.entry);
      break;
    case "add-tag": {
      const aws = root.aws !== null && typeof root.aws === "object" ? (root.aws as Record<string, unknown>) : undefined;
      if (aws) define((aws.tags ??= {}) as Record<string, unknown>, mutation.key, mutation.value);
      break;
    }
    case "add-workload":
      define(map("workloads"), mutation.name, mutation.members);
      break;
  }
  return root;
}

/** A value with one mutation applied (the value itself is not changed). Own keys are set as own keys, `__proto__` included. */
export function applyValueMutation(value: unknown, mutation: ValueMutation): unknown {
  const root = structuredClone(value);
  const paths = pathsOf(root);
  const path = paths[mutation.at % paths.length];
  const set = (container: unknown, key: string | number, v: unknown) => {
    if (Array.isArray(container)) container[key as number] = v;
    else Object.defineProperty(container, key, { value: v, enumerable: true, writable: true, configurable: true });
  };
  const get = (p: ValuePath) => p.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);
  if (path.length === 0) {
    // The root: replace, nest or extend it as a whole.
    if (mutation.op === "replace") return mutation.with;
    if (mutation.op === "nest") return nest(root, mutation.depth);
    if (mutation.op === "insert" && root !== null && typeof root === "object" && !Array.isArray(root)) set(root, mutation.key, mutation.value);
    return root;
  }
  const parent = get(path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1];
  switch (mutation.op) {
    case "delete":
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case "replace":
      set(parent, key, mutation.with);
      break;
    case "rename":
      if (!Array.isArray(parent)) {
        const entries = Object.entries(parent).map(([k, v]): [string, unknown] => [k === key ? mutation.to : k, v]);
        for (const k of Object.keys(parent)) delete parent[k];
        for (const [k, v] of entries) set(parent, k, v);
      } else {
        parent[key as number] = mutation.to;
      }
      break;
    case "insert": {
      const target = parent[key];
      if (target !== null && typeof target === "object" && !Array.isArray(target)) set(target, mutation.key, mutation.value);
      else if (Array.isArray(target)) target.push(mutation.value);
      else set(parent, key, { [mutation.key]: mutation.value });
      break;
    }
    case "nest":
      set(parent, key, nest(parent[key], mutation.depth));
      break;
  }
  return root;
}

function nest(value: unknown, depth: number): unknown {
  let out = value;
  for (let i = 0; i < depth; i++) out = [out];
  return out;
}

/** How a value is written back to text. */
export type Syntax = "yaml" | "yaml-flow" | "json";

/** A value as text in one syntax. */
export function serialize(value: unknown, syntax: Syntax): string {
  if (syntax === "json") return JSON.stringify(value, null, 1) ?? "null";
  return stringify(value, syntax === "yaml-flow" ? { collectionStyle: "flow", lineWidth: 0 } : { lineWidth: 0 });
}

/** Pieces of YAML and of everything else worth dropping into a text. */
const SNIPPETS = [
  "\u0000",
  "\r",
  "\r\n",
  "\t",
  "\uFEFF",
  "\u2028",
  "\u001b[2J",
  "!!python/object:os.system ",
  "!!binary ",
  "!local ",
  "&a ",
  "*a",
  "<<: *a\n",
  "x: &a {ports: [22]}\n",
  "---\n",
  "...\n",
  "%YAML 1.1\n",
  "# comment\n",
  "[".repeat(200),
  "{",
  "}",
  "]",
  ": ",
  "- ",
  "'",
  '"',
  "? ",
  "|\n",
  "0755",
  "1e3",
  "22:22",
  "constructor",
  "__proto__",
];

/** One change to a text: cut it short, drop a snippet in, or repeat a line (a duplicate key, often). */
export type TextMutation = { op: "truncate"; at: number } | { op: "insert"; at: number; text: string } | { op: "duplicate-line"; line: number };

/** Text mutations, by position as a fraction of the text so that they shrink well. */
export const textMutationArbitrary: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => Math.floor(x * 1e6)) }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ unit: "binary", maxLength: 4 })) }),
  fc.record({ op: fc.constant("duplicate-line" as const), line: fc.nat() }),
);

/** A text with one mutation applied. */
export function applyTextMutation(text: string, mutation: TextMutation): string {
  switch (mutation.op) {
    case "truncate":
      return text.slice(0, Math.floor((mutation.at / 1e6) * text.length));
    case "insert": {
      const at = text.length === 0 ? 0 : mutation.at % (text.length + 1);
      return text.slice(0, at) + mutation.text + text.slice(at);
    }
    case "duplicate-line": {
      const lines = text.split("\n");
      const i = lines.length === 0 ? 0 : mutation.line % lines.length;
      lines.splice(i, 0, lines[i]);
      return lines.join("\n");
    }
  }
}

/** A seed input: its name, its text, and its parsed value. */
export interface Seed {
  name: string;
  text: string;
  value: unknown;
}

/** A generated input and how it was made, for reading a counterexample. */
export interface FuzzInput {
  seed: string;
  syntax: Syntax | "original";
  text: string;
  recipe: (ValueMutation | ManifestMutation | TextMutation)[];
}

/** A mutation of a value: a generic one, or one that knows the seed's shape. */
function applyAny(value: unknown, mutation: ValueMutation | ManifestMutation): unknown {
  return mutation.op.startsWith("add-") ? applyManifestMutation(value, mutation as ManifestMutation) : applyValueMutation(value, mutation as ValueMutation);
}

/**
 * Inputs made from seeds: the seed's own text, or its value mutated and written back as
 * YAML, YAML flow style or JSON; then, now and then, the text mutated as well. Shape-aware
 * mutations (`shaped`, manifest mutations by default) keep many inputs valid, so that they
 * reach the policies and synthesis rather than stopping at the schema.
 */
export function inputArbitrary(seeds: readonly Seed[], shaped: fc.Arbitrary<ValueMutation | ManifestMutation> = manifestMutationArbitrary): fc.Arbitrary<FuzzInput> {
  return fc.constantFrom(...seeds).chain((seed) => {
    const count = pathsOf(seed.value).length;
    return fc
      .record({
        syntax: fc.constantFrom<Syntax | "original">("original", "yaml", "yaml-flow", "json"),
        values: fc.array(fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 2, arbitrary: valueMutationArbitrary(count) }), { maxLength: 3 }),
        texts: fc.oneof({ weight: 3, arbitrary: fc.constant<TextMutation[]>([]) }, { weight: 1, arbitrary: fc.array(textMutationArbitrary, { minLength: 1, maxLength: 2 }) }),
      })
      .map(({ syntax, values, texts }) => {
        let text = seed.text;
        if (syntax !== "original" || values.length > 0) {
          const value = values.reduce<unknown>((v, m) => applyAny(v, m), seed.value);
          text = serialize(value, syntax === "original" ? "yaml" : syntax);
        }
        text = texts.reduce((t, m) => applyTextMutation(t, m), text);
        return { seed: seed.name, syntax, text, recipe: [...values, ...texts] };
      });
  });
}

/** Every path under a folder with its bytes ("dir" for folders), to compare trees byte for byte. */
export function treeOf(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(root)) return out;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        out[path.slice(root.length)] = "dir";
        walk(path);
      } else {
        out[path.slice(root.length)] = readFileSync(path, "latin1");
      }
    }
  };
  walk(root);
  return out;
}

/** What a command did. */
interface Outcome {
  argv: string[];
  code: number;
  out: string;
  err: string;
}

/** A workspace for contract checks: a folder for inputs and an earlier synth output to protect. */
export interface Workspace {
  dir: string;
  /** A folder holding an earlier `sgc synth` output, copied afresh for each synth. */
  earlierOutput: string;
  /** A file the diff compares inputs with. */
  diffBase: string;
}

/** Sets up a workspace: synthesizes `diffBase` once, as the earlier output every failing synth must leave alone. */
export async function workspace(diffBase: string): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), "sgc-fuzz-"));
  const earlierOutput = join(dir, "earlier");
  const r = await sgc("synth", diffBase, "--out", earlierOutput);
  if (r.code !== 0) throw new Error(`the diff base must synthesize: ${r.err}`);
  return { dir, earlierOutput, diffBase };
}

/**
 * Runs every command in process on one input and returns what broke the contract (empty when
 * nothing did): every exit code is 0, 1 or 2; nothing says "internal error" or throws; the
 * commands agree on whether the input is valid; a failing synth leaves an earlier output byte
 * for byte as it was; and a manifest that synthesizes gives Terraform whose flows, read back by
 * the test oracle, are exactly the manifest's.
 */
export async function checkContract(ws: Workspace, input: { text: string | Buffer; extension: string }): Promise<string[]> {
  const problems: string[] = [];
  const file = join(ws.dir, `input${input.extension}`);
  writeFileSync(file, input.text);
  const text = typeof input.text === "string" ? input.text : input.text.toString("utf8");
  const out = join(ws.dir, "out");
  rmSync(out, { recursive: true, force: true });
  cpSync(ws.earlierOutput, out, { recursive: true });
  const before = treeOf(out);

  const run = async (...argv: string[]): Promise<Outcome> => {
    try {
      const r = await sgc(...argv);
      if (![0, 1, 2].includes(r.code)) problems.push(`${argv.join(" ")}: exit code ${r.code}`);
      if (/internal error/i.test(r.out + r.err)) problems.push(`${argv.join(" ")}: says "internal error": ${r.err.slice(0, 300)}`);
      return { argv, ...r };
    } catch (error) {
      problems.push(`${argv.join(" ")}: threw ${(error as Error).stack ?? String(error)}`);
      return { argv, code: -1, out: "", err: "" };
    }
  };

  const validate = await run("validate", file);
  const check = await run("check", file, "--format", "json");
  const flows = await run("flows", file, "--format", "json");
  const graph = await run("graph", file);
  await run("diff", ws.diffBase, file, "--format", "json");
  await run("diff", file, ws.diffBase);
  const synth = await run("synth", file, "--out", out);

  // One detector, one verdict: the commands agree on whether they can read the input (exit 2
  // is input they refuse; 1 is an answer: findings, or flows sgc could not read completely).
  const readable = (o: Outcome) => o.code === 0 || o.code === 1;
  if (readable(check) !== readable(flows) || readable(flows) !== readable(graph)) {
    problems.push(`check (${check.code}), flows (${flows.code}) and graph (${graph.code}) disagree on whether the input can be read`);
  }
  if (readable(validate) !== readable(synth)) problems.push(`validate (${validate.code}) and synth (${synth.code}) disagree on whether the manifest is valid`);
  if (readable(validate) && !readable(check)) problems.push(`validate accepts the manifest but check exits ${check.code}: ${check.err.slice(0, 300)}`);
  // What the input is follows from its structure alone: a manifest is valid or not for every command alike.
  if (kindOf(text) === "manifest" && readable(check) !== readable(validate)) {
    problems.push(`a manifest by its structure, yet validate exits ${validate.code} and check ${check.code}: ${(validate.err || check.err).slice(0, 300)}`);
  }

  if (synth.code !== 0) {
    const after = treeOf(out);
    if (JSON.stringify(after) !== JSON.stringify(before)) problems.push("a failing synth changed the earlier output");
  } else {
    const valid = validateManifestText(text, file);
    if (!valid.ok) {
      problems.push("synth succeeded on a manifest that does not validate");
    } else {
      const manifest = valid.valid.manifest as Manifest;
      try {
        const written = join(out, "stacks", manifest.name, "cdk.tf.json");
        const terraform = JSON.parse(readFileSync(written, "utf8"));
        const got = [...accessSet(flowsOfTerraform(terraform))].sort();
        const want = [...accessSet(declaredFlows(manifest))].sort();
        if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`the synthesized flows differ from the declared ones:\n got ${got.join(", ")}\nwant ${want.join(", ")}`);
      } catch (error) {
        // The oracle reads the manifest by the spec's words: a manifest it cannot read should not have synthesized.
        problems.push(`the oracle cannot read back a manifest that synthesized: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** The kind of an input by its structure (JSON, else YAML, parsed outside the pipeline under test); undefined when it does not parse. */
function kindOf(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const parsed = parseYaml(text, "input");
    if (!parsed.ok) return undefined;
    value = parsed.source.value;
  }
  const detected = detectInputKind(value);
  return detected.ok ? detected.kind : undefined;
}
