import { spawn, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { readInput } from "../src/pipeline";
import * as read from "../src/targets/aws/read";
import { LIMITS } from "../src/validate/limits";
import { sgc } from "./support/cli";
import { ROOT } from "./support/sgc";

/**
 * readInput is the one door every input comes through: the size limit holds while reading,
 * whatever the file system says, and only regular files and pipes are read.
 */

const dir = mkdtempSync(join(tmpdir(), "sgc-read-"));
const example = join(ROOT, "examples", "three-tier.yaml");

function withLimits<T>(limits: Partial<typeof LIMITS>, fn: () => Promise<T> | T): Promise<T> {
  const saved = { ...LIMITS };
  Object.assign(LIMITS, limits);
  return Promise.resolve()
    .then(fn)
    .finally(() => Object.assign(LIMITS, saved));
}

/** A named pipe in the test folder. */
function fifo(name: string): string {
  const path = join(dir, name);
  const made = spawnSync("mkfifo", [path]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  return path;
}

/** Starts another process that writes `bytes` (or the text) into a path; it runs while this one reads. */
function writer(path: string, content: { text: string } | { bytes: number }): void {
  const script =
    "text" in content
      ? `require("fs").writeFileSync(${JSON.stringify(path)}, ${JSON.stringify(content.text)})`
      : `const fs = require("fs"); const fd = fs.openSync(${JSON.stringify(path)}, "w"); const b = Buffer.alloc(65536, 35); try { for (let n = 0; n < ${content.bytes}; n += b.length) fs.writeSync(fd, b); } catch {}`;
  spawn(process.execPath, ["-e", script], { stdio: "ignore" }).unref();
}

describe("readInput", () => {
  test("a regular file is read whole", () => {
    expect(readInput(example)).toEqual({ ok: true, text: readFileSync(example, "utf8") });
  });

  test("the byte limit is a parameter", () => {
    const result = readInput(example, 100);
    expect(result).toMatchObject({ ok: false, diagnostics: [{ code: "too-large", file: example, line: 1, column: 1 }] });
  });

  test("/dev/zero is refused at once: it is a device, not a file", () => {
    expect(readInput("/dev/zero")).toEqual({
      ok: false,
      diagnostics: [{ code: "not-a-file", severity: "error", message: "is a character device, not a file or a pipe", file: "/dev/zero", line: 1, column: 1 }],
    });
  });

  test("a directory is refused", () => {
    expect(readInput(dir)).toMatchObject({ ok: false, diagnostics: [{ code: "file-unreadable", message: "is a directory, not a file", line: 1, column: 1 }] });
  });

  test("a named pipe that no process writes to is given up, not waited on forever", async () => {
    const path = fifo("nobody");
    const result = await withLimits({ pipeWriterWaitMs: 100 }, () => readInput(path));
    expect(result).toMatchObject({ ok: false, diagnostics: [{ code: "empty-input", message: "is a pipe that nothing was written to within 0.1 s", line: 1, column: 1 }] });
  });

  test("a named pipe with a writer is read like a file", async () => {
    const path = fifo("writer");
    const text = readFileSync(example, "utf8");
    writer(path, { text });
    expect(await withLimits({ pipeWriterWaitMs: 10_000 }, () => readInput(path))).toEqual({ ok: true, text });
  });

  test("a pipe that says more than the limit is cut off while reading, though its size on disk is 0", async () => {
    const path = fifo("flood");
    writer(path, { bytes: 4 * 1024 * 1024 });
    const result = await withLimits({ pipeWriterWaitMs: 10_000 }, () => readInput(path, 64 * 1024));
    expect(result).toMatchObject({ ok: false, diagnostics: [{ code: "too-large", message: "is more than 64 KiB; sgc reads manifests of at most 64 KiB", line: 1, column: 1 }] });
  });
});

describe("decoding", () => {
  test("UTF-16 text (what Windows PowerShell writes with >) is refused with a hint, not read as NULs", () => {
    const file = join(dir, "utf16.yaml");
    writeFileSync(file, Buffer.from(`\ufeff${readFileSync(example, "utf8")}`, "utf16le"));
    expect(readInput(file)).toMatchObject({ ok: false, diagnostics: [{ code: "not-utf8", message: "is UTF-16 text; sgc reads UTF-8", line: 1, column: 1, hint: expect.stringContaining("UTF-8") }] });
  });

  test("a byte that is not UTF-8 is refused where it stands, not replaced silently", () => {
    const file = join(dir, "latin1.yaml");
    writeFileSync(file, Buffer.concat([Buffer.from("version: 1\nname: caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
    expect(readInput(file)).toMatchObject({ ok: false, diagnostics: [{ code: "not-utf8", line: 2, column: 10 }] });
  });

  test("UTF-8 with a byte order mark is fine; the mark is not part of the text", () => {
    const file = join(dir, "bom.yaml");
    writeFileSync(file, `\ufeff${readFileSync(example, "utf8")}`);
    expect(readInput(file)).toEqual({ ok: true, text: readFileSync(example, "utf8") });
  });
});

describe("Terraform that a reader trips over", () => {
  test("is an input sgc cannot read (exit 2), never an internal error", async () => {
    const spy = jest.spyOn(read, "readSecurity").mockImplementation(() => {
      throw new Error("Cannot read properties of null (reading 'cidr_blocks')");
    });
    try {
      const file = join(dir, "odd.tf.json");
      writeFileSync(file, '{"resource": {"aws_security_group": {"g": {"ingress": [null]}}}}');
      for (const command of ["check", "flows", "graph"]) {
        const r = await sgc(command, file);
        expect(r.code).toBe(2);
        expect(r.err).toContain(`${file}:1:1: error unreadable-input sgc cannot read this Terraform configuration: Cannot read properties of null`);
      }
    } finally {
      spy.mockRestore();
    }
  });
});

test("a .tf file given alone is HCL: refused with what to give sgc instead, by every command that reads Terraform", async () => {
  const file = join(dir, "main.tf");
  writeFileSync(file, 'resource "aws_security_group" "web" {\n  name = "web"\n}\n');
  for (const command of ["check", "flows", "graph"]) {
    const r = await sgc(command, file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:1:1: error unknown-input is Terraform's HCL, which sgc reads only beside a plan`);
    expect(r.err).toContain("terraform show -json plan.bin > plan.json");
  }
});

describe("every command reads through it", () => {
  test.each([["validate"], ["check"], ["flows"], ["graph"], ["synth"]])("sgc %s /dev/zero exits 2 at once", async (command) => {
    const r = await sgc(command, "/dev/zero");
    expect(r.code).toBe(2);
    expect(r.err).toContain("/dev/zero:1:1: error not-a-file is a character device, not a file or a pipe");
  });

  test("sgc diff refuses a device on either side, and check --policy too", async () => {
    expect((await sgc("diff", "/dev/zero", example)).err).toContain("error not-a-file");
    expect((await sgc("diff", example, "/dev/zero")).err).toContain("error not-a-file");
    expect((await sgc("check", example, "--policy", "/dev/zero")).err).toContain("error not-a-file");
  });
});
