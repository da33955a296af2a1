import { isAscii } from "buffer";
import { readFileSync } from "fs";

/** `1 error`, `2 errors`: a count with its noun. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * A file's text, as UTF-8. A file of ASCII alone (as Terraform writes its JSON) is copied rather
 * than decoded, which is the same text in half the time: it matters for plans of hundreds of MB.
 */
export function readText(file: string): string {
  const bytes = readFileSync(file);
  return isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
}
