/**
 * Where a JSON path (`["planned_values", "root_module", "resources", 3]`) stands in JSON text,
 * as a line and column: malformed input is reported at the value that is wrong. Only used to
 * report problems, so it scans the text once, on demand, without building anything.
 */

/** The 1-based line and column of the value at `path`, or of the deepest part of it that exists. */
export function locateJsonPath(text: string, path: readonly (string | number)[]): { line: number; column: number } {
  return locateOffset(text, new Locator(text).find(path));
}

/** The 1-based line and column of an offset in text. */
export function locateOffset(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class Locator {
  private pos = 0;
  constructor(private readonly text: string) {}

  /** The offset of the value at `path` (or of the closest enclosing value that exists). */
  find(path: readonly (string | number)[]): number {
    this.space();
    let found = this.pos;
    for (const step of path) {
      const start = this.pos;
      const c = this.text[this.pos];
      if (c === "{" && typeof step === "string") {
        if (!this.enterObject(step)) return start;
      } else if (c === "[" && typeof step === "number") {
        if (!this.enterArray(step)) return start;
      } else return start;
      found = this.pos;
    }
    return found;
  }

  private space(): void {
    while (/\s/.test(this.text[this.pos] ?? "")) this.pos++;
  }

  private enterObject(key: string): boolean {
    this.pos++;
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') return false;
      const k = this.string();
      this.space();
      if (this.text[this.pos] !== ":") return false;
      this.pos++;
      this.space();
      if (k === key) return true;
      if (!this.skipValue()) return false;
      this.space();
      if (this.text[this.pos] === ",") this.pos++;
      else return false;
    }
  }

  private enterArray(index: number): boolean {
    this.pos++;
    for (let i = 0; ; i++) {
      this.space();
      if (this.text[this.pos] === "]") return false;
      if (i === index) return true;
      if (!this.skipValue()) return false;
      this.space();
      if (this.text[this.pos] === ",") this.pos++;
      else return false;
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.pos += this.text[this.pos] === "\\" ? 2 : 1;
    this.pos++;
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      return "";
    }
  }

  private skipValue(): boolean {
    const c = this.text[this.pos];
    if (c === '"') {
      this.string();
      return true;
    }
    if (c === "{" || c === "[") {
      let depth = 0;
      while (this.pos < this.text.length) {
        const ch = this.text[this.pos];
        if (ch === '"') {
          this.string();
          continue;
        }
        if (ch === "{" || ch === "[") depth++;
        if (ch === "}" || ch === "]") depth--;
        this.pos++;
        if (depth === 0) return true;
      }
      return false;
    }
    const match = /^[^,\]}\s]+/.exec(this.text.slice(this.pos, this.pos + 64));
    if (!match) return false;
    this.pos += match[0].length;
    return true;
  }
}

/**
 * The offset of the first bracket that opens a value nested deeper than `limit`, found in one
 * pass over the text (strings skipped), before anything parses it; undefined when none does.
 */
export function nestingBeyond(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, past escapes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > limit) return i;
    } else if (c === 125 || c === 93) depth--;
  }
  return undefined;
}
