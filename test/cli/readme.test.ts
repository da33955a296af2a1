import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { sgc } from "../support/cli";
import { ROOT } from "../support/sgc";

/** The README is the user's first contact: its manifest example must be one sgc is happy with. */

test("the README's manifest example passes sgc check, with no finding at all", async () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## The manifest"));
  const example = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  expect(example).toContain("version: 1");
  const file = join(mkdtempSync(join(tmpdir(), "sgc-readme-")), "services.yaml");
  writeFileSync(file, example);
  const r = await sgc("check", file, "--format", "json");
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out).findings).toEqual([]);
});
