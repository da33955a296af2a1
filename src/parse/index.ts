import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, Pair, parseDocument } from "yaml";
import { Diagnostic, Position } from "../diagnostics";

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
 * Parses YAML 1.2 text (core schema: `no` and `on` stay strings, `0755` is not octal),
 * rejecting duplicate keys, tabs used as indentation, several documents, a `%YAML 1.1`
 * directive and alias bombs, each with its position.
 */
export function parseYaml(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    version: "1.2",
    schema: "core",
    uniqueKeys: true,
    merge: false,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const diagnostics: Diagnostic[] = [];
  const push = (code: string, message: string, offset: number, hint?: string) =>
    diagnostics.push({ code, severity: "error", message, file, ...at(offset), ...(hint ? { hint } : {}) });

  for (const error of doc.errors) {
    push(`yaml-${error.code.toLowerCase().replace(/_/g, "-")}`, firstLine(error.message), error.pos[0]);
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
  if (diagnostics.length > 0) return { ok: false, diagnostics };

  const badKey = nonStringKey(doc.contents);
  if (badKey) {
    push("yaml-key-type", "map keys must be plain strings", badKey.range?.[0] ?? 0);
    return { ok: false, diagnostics };
  }
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

  return {
    ok: true,
    source: {
      file,
      text,
      value,
      locate: (path, key = false) => at(offsetOf(doc, path, key)),
    },
  };
}

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** The text offset of the node at `path` (or of its key), falling back to the deepest node that exists. */
function offsetOf(doc: Document, path: Path, key: boolean): number {
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  let best = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const segment of path) {
    node = resolveAlias(doc, node);
    pair = undefined;
    if (isMap(node)) {
      pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
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

function nonStringKey(node: unknown): Node | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key) || typeof pair.key.value !== "string") return (pair.key as Node) ?? (node as Node);
      const inner = nonStringKey(pair.value);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const inner = nonStringKey(item);
      if (inner) return inner;
    }
  }
  return undefined;
}
