import { readFileSync } from "fs";
import { join } from "path";

/** The package's root folder: what npm installs (bin, dist, schemas, policies, docs, templates). */
export const PACKAGE_ROOT = join(__dirname, "..");

let info: { name: string; version: string } | undefined;

/** The package's name and version, read from its package.json so there is one source of truth. */
export function packageInfo(): { name: string; version: string } {
  info ??= JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { name: string; version: string };
  return { name: info.name, version: info.version };
}

/** Where a file of this package version is served once published: rule docs and schemas, for links. */
export function publishedUrl(path: string, version = packageInfo().version): string {
  return `https://unpkg.com/${packageInfo().name}@${version}/${path}`;
}
