/**
 * Manifest names for what `sgc import` finds: readable, valid (lowercase letters, digits and
 * dashes, starting with a letter, at most 63 characters) and unique.
 */

const NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Names the manifest keeps for itself. */
const RESERVED = new Set(["internet"]);

/** A valid manifest name made from any text: `Web Servers` -> `web-servers`, `123` -> `group-123`. */
export function slug(text: string, fallback: string): string {
  let name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (name === "") name = fallback;
  if (!/^[a-z]/.test(name)) name = `${fallback}-${name}`;
  name = name.slice(0, 63).replace(/-+$/, "");
  return NAME.test(name) ? name : fallback;
}

/** Hands out names, each once: a name taken already gets `-2`, `-3`, … (cut to fit). */
export class Names {
  private readonly taken = new Set<string>(RESERVED);

  /** Whether a name is taken. */
  has(name: string): boolean {
    return this.taken.has(name);
  }

  /** `wanted`, or the first free `wanted-N`. */
  claim(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.taken.has(name); n++) {
      const suffix = `-${n}`;
      name = `${wanted.slice(0, 63 - suffix.length).replace(/-+$/, "")}${suffix}`;
    }
    this.taken.add(name);
    return name;
  }
}
