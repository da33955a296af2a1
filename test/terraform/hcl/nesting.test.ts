import { hclNestingBeyond } from "../../../src/terraform/hcl/nesting";

/** The nesting precheck that keeps deeply nested HCL away from hcl2json. */

describe("HCL nesting is measured as HCL's lexer would count it", () => {
  test.each([
    ["brackets", `x = ${"[".repeat(10)}${"]".repeat(10)}`, 10, undefined],
    ["brackets", `x = ${"[".repeat(11)}${"]".repeat(11)}`, 10, 4 + 10],
    ["objects in a block", `locals {\n  x = ${"{a=".repeat(20)}1${"}".repeat(20)}\n}\n`, 10, 42],
    ["interpolations nest inside strings", `x = "${'${"'.repeat(4)}"${'"}'.repeat(4)}"`, 8, 16],
  ])("%s", (_name, text, limit, offset) => {
    expect(hclNestingBeyond(text, limit)).toBe(offset);
  });

  test.each([
    ["brackets in a string", `x = "${"[".repeat(500)}"`],
    ["escaped quotes and literal $${ in a string", `x = "\\"${"$${".repeat(500)}"`],
    ["brackets in comments", `# ${"{".repeat(500)}\n// ${"(".repeat(500)}\n/* ${"[".repeat(500)} */\nx = 1`],
    ["brackets in a heredoc", `x = <<-EOT\n  ${"{".repeat(500)}\n  EOT\ny = [1]\n`],
    ["closers that match nothing", `${"]".repeat(500)}${"[".repeat(10)}`],
  ])("%s do not count", (_name, text) => {
    expect(hclNestingBeyond(text, 20)).toBeUndefined();
  });
});
