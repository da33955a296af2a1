import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { Diagnostic, escapeControls, formatDiagnostic } from "../src/diagnostics";
import { sgc } from "./support/cli";
import { manifestYaml } from "./support/sgc";

/** Whatever the input holds, a diagnostic is a few short lines: located, escaped and cut to the terminal. */

const dir = mkdtempSync(join(tmpdir(), "sgc-diag-"));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const at = (message: string, line = 1, column = 1): Diagnostic => ({ code: "invalid-value", severity: "error", message, file: "m.yaml", line, column });

describe("formatDiagnostic", () => {
  test("a newline or a terminal escape in a value is printed as an escape, so the diagnostic keeps its lines", () => {
    const text = formatDiagnostic({ ...at('name "a\nb\u001b[2J" is bad'), hint: "try\rthis" }, "name: x\n", 80);
    expect(text.split("\n")).toEqual(['m.yaml:1:1: error invalid-value name "a\\nb\\u001b[2J" is bad', "  name: x", "  ^", "  hint: try\\rthis"]);
  });

  test("a huge value in a message is cut in its middle to the terminal's width", () => {
    const huge = "x".repeat(1_000_000);
    const [first] = formatDiagnostic(at(`name "${huge}" must be a name`), undefined, 80).split("\n");
    expect(first.length).toBeLessThan(160);
    expect(first).toMatch(/^m\.yaml:1:1: error invalid-value name "x+…x+" must be a name$/);
  });

  test("a long source line is shown as a window around the caret, the caret still under its column", () => {
    const line = `description: ${"a".repeat(5000)}Z${"b".repeat(5000)}`;
    const column = line.indexOf("Z") + 1;
    const [, shown, caret] = formatDiagnostic(at("bad", 1, column), `${line}\n`, 80).split("\n");
    expect(shown.length).toBeLessThanOrEqual(80);
    expect(shown).toMatch(/^ {2}…a+Zb+…$/);
    expect(shown[caret.indexOf("^")]).toBe("Z");
  });

  test("a short line is shown whole; CR-only text is split into lines too", () => {
    expect(formatDiagnostic(at("bad", 2, 3), "a: 1\rbb: 2\r", 80).split("\n")).toEqual(["m.yaml:2:3: error invalid-value bad", "  bb: 2", "    ^"]);
  });

  test("escapeControls leaves printable text alone", () => {
    expect(escapeControls("tcp/443 from web — ok")).toBe("tcp/443 from web — ok");
    expect(escapeControls("\u0000\t\u2028")).toBe("\\u0000\\t\\u2028");
  });
});

describe("through the command line", () => {
  test("file-level errors point at the file's first position", async () => {
    const empty = write("empty.yaml", "");
    const list = write("list.yaml", "- a\n");
    for (const [file, code] of [
      ["/nonexistent/m.yaml", "file-unreadable"],
      [dir, "file-unreadable"],
      ["/dev/zero", "not-a-file"],
      [empty, "empty-input"],
      [list, "unknown-input"],
    ]) {
      const r = await sgc("validate", file);
      expect(r.err).toContain(`${file}:1:1: error ${code}`);
    }
    const json = JSON.parse((await sgc("validate", empty, "--format", "json")).out);
    expect(json.diagnostics).toEqual([expect.objectContaining({ code: "empty-input", line: 1, column: 1 })]);
  });

  test("a newline inside a value does not split the diagnostic", async () => {
    const file = write("newline.yaml", manifestYaml("  web: {}\n").replace("name: test", 'name: "two\\nlines"'));
    const r = await sgc("validate", file);
    expect(r.code).toBe(2);
    const lines = r.err.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^.*newline\.yaml:2:7: error invalid-value name "two\\nlines" must be /);
    expect(lines).toHaveLength(4); // the diagnostic, its source line, the caret, the count
  });

  test("a 2 MB value is echoed cut, not whole", async () => {
    const file = write("huge.yaml", manifestYaml("  web: {}\n").replace("name: test", `name: ${"x".repeat(2 * 1024 * 1024)}`));
    const r = await sgc("validate", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/huge\.yaml:2:7: error invalid-value name "x+…x+" must be/);
    expect(r.err.length).toBeLessThan(1000);
  });

  test("deep nesting is refused while parsing, with its place", async () => {
    const file = write("deep.yaml", "[".repeat(2 * 1024 * 1024));
    for (const command of ["validate", "check", "flows"]) {
      const r = await sgc(command, file);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${file}:1:65: error yaml-too-deep collections nest more than 64 levels deep`);
      expect(r.err.length).toBeLessThan(1000);
    }
  });
});
