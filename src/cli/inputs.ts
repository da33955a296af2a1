import { existsSync } from "fs";
import { join, resolve } from "path";
import { STDIN } from "../pipeline";

/** Characters that make an argument a glob pattern rather than a file name. */
const GLOB_MAGIC = /[*?[\]{}]/;

/**
 * Expands command-line inputs as linters do: `-` is standard input (at most once), an existing
 * file is itself, and a glob (`'stacks/**\/*.yaml'`, quoted so that sgc expands it the same on
 * every shell) is every matching file in name order, skipping node_modules and .git. A glob
 * that matches nothing is a usage error, so a typo never passes as "no findings".
 */
export function expandInputs(args: readonly string[], cwd = process.cwd()): { ok: true; files: string[] } | { ok: false; message: string } {
  const files: string[] = [];
  for (const arg of args) {
    if (arg === STDIN || !GLOB_MAGIC.test(arg) || existsSync(resolve(cwd, arg))) {
      if (arg === STDIN && files.includes(STDIN)) return { ok: false, message: "- (standard input) can be given only once" };
      files.push(arg);
      continue;
    }
    const matches = glob(arg, cwd);
    if (matches.length === 0) return { ok: false, message: `no files match ${arg}` };
    files.push(...matches);
  }
  return { ok: true, files: [...new Set(files)] };
}

/** The files a pattern matches, written as the pattern was (relative or absolute), sorted. */
function glob(pattern: string, cwd: string): string[] {
  // The folders before the first wildcard are the base: tinyglobby matches below it.
  const segments = pattern.split(/[\\/]/);
  const first = segments.findIndex((s) => GLOB_MAGIC.test(s));
  const base = segments.slice(0, first).join("/");
  const rest = segments.slice(first).join("/");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { globSync } = require("tinyglobby") as typeof import("tinyglobby");
  const found = globSync(rest, { cwd: resolve(cwd, base === "" && pattern.startsWith("/") ? "/" : base), onlyFiles: true, ignore: ["**/node_modules/**", "**/.git/**"], expandDirectories: false });
  return found.map((match) => (base === "" ? match : join(base, match))).sort();
}
