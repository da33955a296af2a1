import { Document, isMap, isPair, isScalar, isSeq, Node, Pair, Scalar, visit } from "yaml";
import { ManifestComment } from "./index";
import { Manifest } from "../validate/manifest";

/**
 * An imported manifest as YAML that reads like the bundled examples: ports, peers and each
 * consumer or egress entry on one line (flow style), everything else in blocks, the comments
 * import wants above their nodes, and a header. The same input always gives the same text.
 */
export function manifestYaml(manifest: Manifest, comments: readonly ManifestComment[], header: readonly string[]): string {
  const doc = new Document(manifest);
  // Keys that hold port lists, which read best on one line.
  visit(doc, {
    Pair(_key, pair: Pair<unknown, unknown>) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      const value = pair.value;
      if ((key === "ports" || key === "peers") && isSeq(value)) {
        value.flow = true;
        // A range is a string; quoted, nobody mistakes it for arithmetic.
        for (const item of value.items) if (isScalar(item) && typeof item.value === "string") item.type = Scalar.QUOTE_DOUBLE;
      }
      if (key === "tags" && isMap(value)) value.flow = true;
    },
    Seq(_key, seq) {
      // Consumers, egress entries and network entries that are objects: one line each.
      for (const item of seq.items) if (isMap(item)) item.flow = true;
    },
  });
  for (const comment of comments) {
    const node = nodeBefore(doc, comment.path);
    if (node) node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${comment.text}` : comment.text;
  }
  doc.commentBefore = header.map((line) => ` ${line}`.replace(/^ $/, "")).join("\n");
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The node a comment above `path` belongs to: the key of a map entry, or the item of a list. */
function nodeBefore(doc: Document, path: readonly (string | number)[]): Node | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  if (isSeq(parent) && typeof last === "number") return parent.items[last] as Node | undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last);
    return pair && (pair.key as Node);
  }
  return undefined;
}
