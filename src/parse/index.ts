import { Alias, Composer, CST, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, Pair, Parser, YAMLMap, YAMLParseError } from "yaml";
import { Diagnostic, Position, sortDiagnostics } from "../diagnostics";
import { LIMITS } from "../validate/limits";

/** A path into a parsed document: map keys and sequence indexes, as in a JSON pointer. */
export type Path = readonly (string | number)[];

/** YAML text parsed into plain data, with a way back from any path to its place in the text. */
export interface ParsedSource {
  file: string;
  text: string;
  /** The document as plain JSON-compatible data. */
  value: unknown;
  /** Where the value at `path` starts; with `key`, where its map key starts instead. */
  locate(path: Path, key?: boolean): Position;
}

/** The outcome of parsing: the source, or the diagnostics that stopped it. */
export type ParseResult = { ok: true; source: ParsedSource } | { ok: false; diagnostics: Diagnostic[] };

/** How many alias expansions a document may make: enough for honest reuse, far too few for a "billion laughs" bomb. */
export const MAX_ALIAS_EXPANSIONS = 100;

/**
 * How deeply collections may nest. A manifest nests about eight levels; refusing past this
 * while parsing stops a few megabytes of brackets long before they cost seconds and gigabytes.
 */
export const MAX_NESTING = 64;

/** The explicit tags a manifest may use: the YAML 1.2 core schema's own, and nothing that builds other objects. */
const CORE_TAGS = new Set(["str", "int", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * A character YAML 1.2 does not allow in a stream (outside its printable set): NUL and other
 * control characters, lone surrogates, U+FFFE and U+FFFF. Tab, line feed and carriage return are allowed.
 */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/**
 * Parses YAML 1.2 text (core schema: `no` and `on` stay strings, `0755` is not octal),
 * rejecting duplicate keys, tabs used as indentation, several documents, a `%YAML 1.1`
 * directive, alias bombs, characters YAML does not allow (NUL), tags outside the core schema
 * (`!!python/object`, `!!binary`), nesting deeper than `MAX_NESTING` and text past
 * `LIMITS.yamlTokens`, each with its position. A lone carriage return ends a line, as YAML 1.2 says.
 */
export function parseYaml(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const diagnostics: Diagnostic[] = [];
  const push = (code: string, message: string, offset: number, hint?: string) =>
    diagnostics.push({ code, severity: "error", message, file, ...at(offset), ...(hint ? { hint } : {}) });

  const bad = NOT_PRINTABLE.exec(text);
  if (bad) {
    countLines(lineCounter, text);
    const code = bad[0].codePointAt(0)!;
    const name = code === 0 ? "a NUL byte" : `the character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
    push("yaml-bad-character", `${name} is not allowed in YAML`, bad.index, code === 0 ? "is this a binary file?" : "remove it, or write it as an escape (\\u...) in a double-quoted string");
    return { ok: false, diagnostics };
  }
  // Same length, so every offset stays where it was: only the parser sees the change.
  const parsable = text.includes("\r") ? text.replace(/\r(?!\n)/g, "\n") : text;
  const parsed = parseBounded(parsable, lineCounter);
  if (!parsed.ok) {
    if (parsed.reason === "deep") push("yaml-too-deep", `collections nest more than ${MAX_NESTING} levels deep`, parsed.offset, "a manifest nests a few levels; is this the file you meant?");
    else push("too-large", `the text holds more than ${LIMITS.yamlTokens.toLocaleString("en-US")} YAML tokens; sgc reads at most that many`, parsed.offset, "split the manifest into several stacks");
    return { ok: false, diagnostics };
  }
  const doc = parsed.doc;

  for (const error of doc.errors) {
    const message = error.code === "MULTIPLE_DOCS" ? "a manifest is one YAML document; this is a second one" : firstLine(error.message);
    push(`yaml-${error.code.toLowerCase().replace(/_/g, "-")}`, message, error.pos[0], error.code === "MULTIPLE_DOCS" ? "remove the --- line and what follows, or merge the documents" : undefined);
  }
  if (doc.directives?.yaml.explicit && doc.directives.yaml.version !== "1.2") {
    const offset = Math.max(0, text.search(/^%YAML/m));
    push(
      "yaml-version",
      `sgc reads YAML 1.2 only, but the document declares %YAML ${doc.directives.yaml.version}`,
      offset,
      "remove the %YAML directive: under YAML 1.1, no/on would turn into booleans and 0755 into an octal number",
    );
  }
  for (const problem of keyProblems(doc.contents, parsable)) push(problem.code, problem.message, problem.offset ?? problem.node.range?.[0] ?? 0, problem.hint);
  if (diagnostics.length > 0) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    const unresolved = /^Unresolved alias[^:]*: (.*)$/.exec((error as Error).message);
    if (unresolved) {
      const alias = findAlias(doc.contents, (a) => a.source === unresolved[1]);
      push("yaml-unresolved-alias", `alias *${unresolved[1]} has no anchor &${unresolved[1]} before it`, alias?.range?.[0] ?? 0);
    } else {
      push(
        "yaml-alias-limit",
        `aliases expand to too many nodes (more than ${MAX_ALIAS_EXPANSIONS}); this looks like an alias bomb`,
        findAlias(doc.contents, () => true)?.range?.[0] ?? 0,
        "write the values out or use fewer nested aliases",
      );
    }
    return { ok: false, diagnostics };
  }

  // Each map's keys, indexed on first use, so locating every rule of a large manifest stays linear.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairIndex = (map: YAMLMap): Map<string, Pair> => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair as Pair);
      indexes.set(map, index);
    }
    return index;
  };
  return {
    ok: true,
    source: {
      file,
      text,
      value,
      locate: (path, key = false) => at(offsetOf(doc, path, key, pairIndex)),
    },
  };
}

/**
 * yaml's parseDocument, with the parser stopped as soon as collections nest too deeply or the
 * text holds too many tokens: the checks run as each token is read, before the document costs
 * its weight.
 */
function parseBounded(text: string, lineCounter: LineCounter): { ok: true; doc: Document } | { ok: false; reason: "deep" | "large"; offset: number } {
  const parser = new BoundedParser(lineCounter.addNewLine);
  const composer = new Composer({
    version: "1.2",
    schema: "core",
    // Duplicate keys are found below in one pass: yaml's own check compares each key with every
    // earlier one, which is quadratic and took most of the time on large manifests.
    uniqueKeys: false,
    merge: false,
    keepSourceTokens: false,
  });
  let doc: Document | undefined;
  try {
    for (const next of composer.compose(parser.parse(text), true, text.length)) {
      if (!doc) {
        doc = next;
      } else {
        doc.errors.push(new YAMLParseError(next.range.slice(0, 2) as [number, number], "MULTIPLE_DOCS", "a second document"));
        break;
      }
    }
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.reason, offset: error.offset };
    throw error;
  }
  return { ok: true, doc: doc! };
}

/** Thrown by the parser where nesting or size passes the limit. */
class Refused extends Error {
  constructor(
    readonly reason: "deep" | "large",
    readonly offset: number,
  ) {
    super(reason);
  }
}

/**
 * yaml's parser, refusing nesting past MAX_NESTING (its stack holds the document, then each
 * open collection) and text past LIMITS.yamlTokens, as it reads: neither costs more than the
 * limits allow before it is refused.
 */
class BoundedParser extends Parser {
  private tokens = 0;

  override *next(source: string): Generator<CST.Token, void> {
    const start = this.offset;
    if (++this.tokens > LIMITS.yamlTokens) throw new Refused("large", start);
    yield* super.next(source);
    if (this.stack.length > MAX_NESTING + 1 && COLLECTIONS.has(this.stack[this.stack.length - 1].type)) throw new Refused("deep", start);
  }
}

const COLLECTIONS = new Set(["block-map", "block-seq", "flow-collection"]);

/** Feeds every line start of `text` to a line counter that the parser never filled. */
function countLines(lineCounter: LineCounter, text: string): void {
  lineCounter.addNewLine(0);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) lineCounter.addNewLine(i + 1);
  }
}

const TAG_HINT = "remove the tag: a manifest holds plain strings, numbers, booleans, lists and maps";

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** The text offset of the node at `path` (or of its key), falling back to the deepest node that exists. */
function offsetOf(doc: Document, path: Path, key: boolean, pairIndex: (map: YAMLMap) => Map<string, Pair>): number {
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  let best = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const segment of path) {
    node = resolveAlias(doc, node);
    pair = undefined;
    if (isMap(node)) {
      pair = pairIndex(node).get(String(segment));
      if (!pair) return best;
      best = offsetOfPair(pair) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      pair = undefined;
    } else {
      return best;
    }
    const start = (node as Node | null)?.range?.[0];
    if (start !== undefined) best = start;
  }
  if (key && pair) return offsetOfPair(pair) ?? best;
  return best;
}

function offsetOfPair(pair: Pair): number | undefined {
  return (pair.key as Node | null)?.range?.[0];
}

function resolveAlias(doc: Document, node: unknown): unknown {
  return isAlias(node) ? (node as Alias).resolve(doc) : node;
}

function findAlias(node: unknown, matches: (alias: Alias) => boolean): Alias | undefined {
  if (isAlias(node)) return matches(node) ? node : undefined;
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      const found = isPair(item) ? findAlias(item.key, matches) ?? findAlias(item.value, matches) : findAlias(item, matches);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Keys that are not plain strings, keys repeated in the same map (each after its first use),
 * and numbers not written in plain decimal: every number in a manifest is a whole number, and
 * `00443`, `1e3`, `8080.0` or `0o755` would otherwise be read silently as something else.
 */
function keyProblems(root: unknown, text: string): { code: string; message: string; node: Node; offset?: number; hint?: string }[] {
  const problems: { code: string; message: string; node: Node; offset?: number; hint?: string }[] = [];
  const visit = (node: unknown) => {
    const tag = (node as Node | null)?.tag;
    if (tag !== undefined && !CORE_TAGS.has(tag) && (isScalar(node) || isMap(node) || isSeq(node)) && node.range) {
      // Unknown tags (yaml warns and reads a string) and tags yaml resolves to a Buffer, a Set
      // or a Date alike: refused, at the tag.
      let bang = text.lastIndexOf("!", node.range[0]);
      while (bang > 0 && text[bang - 1] === "!") bang--;
      const name = tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
      problems.push({ code: "yaml-unknown-tag", message: `${name} is not a tag sgc reads`, node, offset: bang >= 0 ? bang : node.range[0], hint: TAG_HINT });
      return;
    }
    if (isScalar(node) && typeof node.value === "number" && node.range) {
      const written = text.slice(node.range[0], node.range[1]).trim();
      if (!/^-?(0|[1-9][0-9]*)$/.test(written)) {
        const whole = Math.round(node.value);
        const hint = Number.isSafeInteger(whole) ? `write ${whole}` : undefined;
        problems.push({ code: "yaml-number-format", message: `${written} is not a whole number written in plain decimal`, node, ...(hint ? { hint } : {}) });
      }
      return;
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key) || typeof key.value !== "string") {
          problems.push({ code: "yaml-key-type", message: "map keys must be plain strings", node: key ?? (node as Node) });
        } else if (seen.has(key.value)) {
          problems.push({ code: "yaml-duplicate-key", message: "Map keys must be unique", node: key });
        } else {
          seen.add(key.value);
        }
        visit(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item);
    }
  };
  visit(root);
  return problems;
}
