import { IDENTIFIER } from "./hcl/syntax";

/**
 * Terraform addresses: `module.net["a"].module.sg[0].aws_security_group.this[0]`. A module
 * instance is a path of (call name, instance key); a resource instance adds its mode, type,
 * name and key. Keys are numbers for `count` and strings for `for_each`.
 */

/** An instance key: a `count` index, a `for_each` key, or none. */
export type InstanceKey = number | string | undefined;

/** One step of a module instance path. */
export interface ModuleStep {
  name: string;
  key?: number | string;
}

/** A resource instance address, taken apart. */
export interface ResourceAddress {
  module: ModuleStep[];
  mode: "managed" | "data";
  type: string;
  name: string;
  key?: number | string;
}

/** `[0]` or `["db"]`, as Terraform prints keys. */
export function formatKey(key: InstanceKey): string {
  if (key === undefined) return "";
  return typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

/** `module.a["x"].module.b`, or "" for the root module. */
export function formatModule(path: readonly ModuleStep[]): string {
  return path.map((s) => `module.${s.name}${formatKey(s.key)}`).join(".");
}

/** The configuration path of a module instance, keys dropped: `a.b` ("" for the root). */
export function moduleConfigKey(path: readonly ModuleStep[]): string {
  return path.map((s) => s.name).join(".");
}

/** A resource instance's full address. */
export function formatResource(address: ResourceAddress): string {
  const module = formatModule(address.module);
  const local = `${address.mode === "data" ? "data." : ""}${address.type}.${address.name}${formatKey(address.key)}`;
  return module ? `${module}.${local}` : local;
}

/** Reads an address as Terraform prints it; undefined when it is not one. */
export function parseResourceAddress(text: string): ResourceAddress | undefined {
  const reader = new AddressReader(text);
  const module: ModuleStep[] = [];
  for (;;) {
    const word = reader.name();
    if (word === undefined) return undefined;
    if (word === "module" && reader.accept(".")) {
      const name = reader.name();
      if (name === undefined) return undefined;
      const key = reader.key();
      if (key === null) return undefined;
      module.push({ name, ...(key !== undefined ? { key } : {}) });
      if (!reader.accept(".")) return undefined;
      continue;
    }
    let mode: "managed" | "data" = "managed";
    let type = word;
    if (word === "data") {
      if (!reader.accept(".")) return undefined;
      const t = reader.name();
      if (t === undefined) return undefined;
      mode = "data";
      type = t;
    }
    if (!reader.accept(".")) return undefined;
    const name = reader.name();
    if (name === undefined) return undefined;
    const key = reader.key();
    if (key === null || !reader.atEnd()) return undefined;
    return { module, mode, type, name, ...(key !== undefined ? { key } : {}) };
  }
}

/** Reads a module instance address (`module.a[0].module.b`); "" is the root. */
export function parseModuleAddress(text: string): ModuleStep[] | undefined {
  if (text === "") return [];
  const parsed = parseResourceAddress(`${text}.x.y`);
  return parsed && parsed.mode === "managed" ? parsed.module : undefined;
}

const NAME = new RegExp(`^${IDENTIFIER}`, "u");

class AddressReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  accept(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  name(): string | undefined {
    const match = NAME.exec(this.text.slice(this.pos, this.pos + 300));
    if (!match) return undefined;
    this.pos += match[0].length;
    return match[0];
  }

  /** A `[key]`: the key, undefined when there is none, null when it is malformed. */
  key(): number | string | undefined | null {
    if (!this.accept("[")) return undefined;
    if (this.text[this.pos] === '"') {
      let end = this.pos + 1;
      while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === "\\" ? 2 : 1;
      try {
        const key = JSON.parse(this.text.slice(this.pos, end + 1)) as string;
        this.pos = end + 1;
        return this.accept("]") ? key : null;
      } catch {
        return null;
      }
    }
    const match = /^\d+/.exec(this.text.slice(this.pos, this.pos + 20));
    if (!match) return null;
    this.pos += match[0].length;
    return this.accept("]") ? Number(match[0]) : null;
  }
}
