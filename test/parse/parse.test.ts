import { MAX_ALIAS_EXPANSIONS, MAX_NESTING, ParsedSource, parseYaml, Path } from "../../src/parse";
import { LIMITS } from "../../src/validate/limits";

/** Parses text that must be valid, failing the test with the diagnostics otherwise. */
function parsed(text: string): ParsedSource {
  const result = parseYaml(text, "sgc.yaml");
  if (!result.ok) throw new Error(`expected the text to parse: ${JSON.stringify(result.diagnostics)}`);
  return result.source;
}

describe("parseYaml: values", () => {
  test("returns the file, the text and plain data", () => {
    const text = "name: shop\nports: [80, 443]\n";
    const source = parsed(text);
    expect(source.file).toBe("sgc.yaml");
    expect(source.text).toBe(text);
    expect(source.value).toEqual({ name: "shop", ports: [80, 443] });
  });

  test("reads YAML 1.2 core schema, not YAML 1.1", () => {
    const source = parsed(["a: no", "b: on", "c: yes", "d: off", "e: y", "f: true", "g: false", "j: ~", "k: null", "m: 22:22", "n: 443", "o: -1", ""].join("\n"));
    expect(source.value).toEqual({
      a: "no",
      b: "on",
      c: "yes",
      d: "off",
      e: "y",
      f: true,
      g: false,
      j: null,
      k: null,
      // not sexagesimal 1342
      m: "22:22",
      n: 443,
      o: -1,
    });
  });

  test.each([
    ["0755", "write 755"],
    ["0o17", "write 15"],
    ["1e3", "write 1000"],
    ["8080.0", "write 8080"],
    ["0x1BB", "write 443"],
    ["1e400", undefined],
    ["1e30", undefined],
  ])("a number written as %s is refused, not read silently as another number", (written, hint) => {
    expect(parseYaml(`ports: [${written}]\n`, "sgc.yaml")).toEqual({
      ok: false,
      diagnostics: [
        { code: "yaml-number-format", severity: "error", message: `${written} is not a whole number written in plain decimal`, file: "sgc.yaml", line: 1, column: 9, ...(hint ? { hint } : {}) },
      ],
    });
  });

  test("an explicit %YAML 1.2 directive is accepted", () => {
    expect(parsed("%YAML 1.2\n---\na: no\n").value).toEqual({ a: "no" });
  });

  test("a document end marker is not a second document", () => {
    expect(parsed("a: 1\n...\n").value).toEqual({ a: 1 });
  });

  test("an empty text is null", () => {
    expect(parsed("").value).toBeNull();
  });

  test("honest reuse through aliases expands", () => {
    const source = parsed("base: &p {port: 443, protocol: tcp}\nweb: *p\napi: [*p, *p]\n");
    expect(source.value).toEqual({
      base: { port: 443, protocol: "tcp" },
      web: { port: 443, protocol: "tcp" },
      api: [
        { port: 443, protocol: "tcp" },
        { port: 443, protocol: "tcp" },
      ],
    });
  });

  test("merge keys are not special", () => {
    // merge: false, so `<<` would be a plain key; it is a string, so allowed.
    expect(parsed("a: {x: 1}\nb:\n  <<: {y: 2}\n").value).toEqual({ a: { x: 1 }, b: { "<<": { y: 2 } } });
  });
});

describe("parseYaml: errors", () => {
  test.each([
    // [name, text, code, line, column]
    ["a duplicate key", "a: 1\nb: 2\na: 3\n", "yaml-duplicate-key", 3, 1],
    ["a duplicate nested key", "services:\n  web:\n    tier: a\n    tier: b\n", "yaml-duplicate-key", 4, 5],
    ["a duplicate key in a flow map", "a: {x: 1, x: 2}\n", "yaml-duplicate-key", 1, 11],
    ["a duplicate key with CRLF line ends", "a: 1\r\nb: 2\r\na: 3\r\n", "yaml-duplicate-key", 3, 1],
    ["a tab as indentation", "a:\n\tb: 1\n", "yaml-tab-as-indent", 2, 1],
    ["a tab after spaces as indentation", "a:\n  b:\n\t  c: 1\n", "yaml-tab-as-indent", 3, 1],
    ["two documents", "a: 1\n---\nb: 2\n", "yaml-multiple-docs", 2, 1],
    ["two documents with explicit starts", "---\na: 1\n---\nb: 2\n", "yaml-multiple-docs", 3, 1],
    ["an unclosed flow sequence", "a: [1, 2\n", "yaml-bad-indent", 2, 1],
  ])("%s", (_name, text, code, line, column) => {
    const result = parseYaml(text, "sgc.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code, severity: "error", file: "sgc.yaml", line, column });
    // one line, and no position repeated inside the message
    expect(result.diagnostics[0].message).not.toMatch(/\n| at line \d+/);
  });

  test.each([
    // [name, text, line, column]
    ["a number key", "services:\n  1: web\n", 2, 3],
    ["a boolean key", "true: x\n", 1, 1],
    ["a null key", "? \n: x\n", 1, 3],
    ["a number key in a flow map", "a: {1: b}\n", 1, 5],
    ["a number key in a map inside a sequence", "- a: 1\n  2: b\n", 2, 3],
    ["an alias to a number used as a key", "x: &n 1\ny: {*n : v}\n", 2, 5],
  ])("a non-string key is an error: %s", (_name, text, line, column) => {
    expect(parseYaml(text, "sgc.yaml")).toEqual({
      ok: false,
      diagnostics: [{ code: "yaml-key-type", severity: "error", message: "map keys must be plain strings", file: "sgc.yaml", line, column }],
    });
  });

  test("quoted numbers are string keys", () => {
    expect(parsed('"1": a\n\'2\': b\n').value).toEqual({ "1": "a", "2": "b" });
  });

  test("a %YAML 1.1 directive is refused, with a hint", () => {
    expect(parseYaml("%YAML 1.1\n---\na: no\nb: 755\n", "sgc.yaml")).toEqual({
      ok: false,
      diagnostics: [
        {
          code: "yaml-version",
          severity: "error",
          message: "sgc reads YAML 1.2 only, but the document declares %YAML 1.1",
          file: "sgc.yaml",
          line: 1,
          column: 1,
          hint: "remove the %YAML directive: under YAML 1.1, no/on would turn into booleans and 0755 into an octal number",
        },
      ],
    });
  });

  test("a %YAML 1.1 directive is reported together with syntax errors, in source order", () => {
    const result = parseYaml("%YAML 1.1\n---\na: 1\na: 2\n", "sgc.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["yaml-version", 1, 1],
      ["yaml-duplicate-key", 4, 1],
    ]);
  });

  test("an alias bomb is refused at its first alias", () => {
    const text = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "",
    ].join("\n");
    expect(parseYaml(text, "sgc.yaml")).toEqual({
      ok: false,
      diagnostics: [
        {
          code: "yaml-alias-limit",
          severity: "error",
          message: "aliases expand to too many nodes (more than 100); this looks like an alias bomb",
          file: "sgc.yaml",
          line: 2,
          column: 8,
          hint: "write the values out or use fewer nested aliases",
        },
      ],
    });
  });

  test("an alias without an anchor is its own error, not an alias bomb", () => {
    expect(parseYaml("a: 1\nb: *nope\n", "sgc.yaml")).toMatchObject({
      ok: false,
      diagnostics: [{ code: "yaml-unresolved-alias", line: 2, column: 4, message: "alias *nope has no anchor &nope before it" }],
    });
  });

  test("a %YAML 1.1 directive is located where it stands, not where a comment mentions it", () => {
    expect(parseYaml("# no %YAML here\n%YAML 1.1\n---\na: 1\n", "sgc.yaml")).toMatchObject({
      ok: false,
      diagnostics: [{ code: "yaml-version", line: 2, column: 1 }],
    });
  });

  test("the alias limit is about expansions, not about the number of alias nodes", () => {
    // 3 nested levels of 5: few alias nodes, but 5 * 5 * 5 = 125 copies of the innermost list.
    const nested = "a: &a [x]\nb: &b [*a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c]\n";
    expect(parseYaml(nested, "sgc.yaml")).toMatchObject({ ok: false, diagnostics: [{ code: "yaml-alias-limit", line: 2, column: 8 }] });
    // Two levels of 5 expand to 25, well within the limit.
    expect(parsed("a: &a [x]\nb: &b [*a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n").value).toMatchObject({ c: [[["x"], ["x"], ["x"], ["x"], ["x"]], expect.anything(), expect.anything(), expect.anything(), expect.anything()] });
  });

  test("far more uses of one anchor than the limit is refused", () => {
    const text = `a: &a x\nb: [${Array<string>(2 * MAX_ALIAS_EXPANSIONS).fill("*a").join(", ")}]\n`;
    expect(parseYaml(text, "sgc.yaml")).toMatchObject({ ok: false, diagnostics: [{ code: "yaml-alias-limit", line: 2, column: 5 }] });
  });
});

describe("parseYaml: what YAML 1.2 does not allow, and what a manifest has no use for", () => {
  test.each([
    // [name, text, code, line, column, message]
    ["a NUL byte in a comment", "version: 1\n# note \u0000 here\n", "yaml-bad-character", 2, 8, "a NUL byte is not allowed in YAML"],
    ["a NUL byte in a value", "name: a\u0000b\n", "yaml-bad-character", 1, 8, "a NUL byte is not allowed in YAML"],
    ["an escape character", "name: \u001b[31mred\n", "yaml-bad-character", 1, 7, "the character U+001B is not allowed in YAML"],
    ["a lone surrogate", "name: \ud800\n", "yaml-bad-character", 1, 7, "the character U+D800 is not allowed in YAML"],
    ["U+FFFF", "a: 1\nname: \uffff\n", "yaml-bad-character", 2, 7, "the character U+FFFF is not allowed in YAML"],
    ["a Python object tag", "a: !!python/object:os.system x\n", "yaml-unknown-tag", 1, 4, "!!python/object:os.system is not a tag sgc reads"],
    ["a local tag", "a:\n  b: !local [1]\n", "yaml-unknown-tag", 2, 6, "!local is not a tag sgc reads"],
    ["a binary tag, which yaml would turn into bytes", "a: !!binary aGk=\n", "yaml-unknown-tag", 1, 4, "!!binary is not a tag sgc reads"],
    ["a set tag", "a: !!set {x}\n", "yaml-unknown-tag", 1, 4, "!!set is not a tag sgc reads"],
    ["a timestamp tag", "a: !!timestamp 2001-12-14\n", "yaml-unknown-tag", 1, 4, "!!timestamp is not a tag sgc reads"],
    ["a float tag", "a: !!float 443\n", "yaml-unknown-tag", 1, 4, "!!float is not a tag sgc reads"],
    ["a tag on the document", "!!omap\n- a: 1\n", "yaml-unknown-tag", 1, 1, "!!omap is not a tag sgc reads"],
    ["brackets nested too deep", `a: ${"[".repeat(MAX_NESTING + 10)}`, "yaml-too-deep", 1, MAX_NESTING + 3, `collections nest more than ${MAX_NESTING} levels deep`],
    ["block sequences nested too deep", `${"- ".repeat(MAX_NESTING + 10)}x\n`, "yaml-too-deep", 1, 2 * MAX_NESTING + 1, `collections nest more than ${MAX_NESTING} levels deep`],
  ])("%s", (_name, text, code, line, column, message) => {
    const result = parseYaml(text, "sgc.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics[0]).toMatchObject({ code, line, column, message, file: "sgc.yaml" });
  });

  test("every tag is refused where it stands, all at once", () => {
    const result = parseYaml("a: !!python/object:os.system x\nb: !foo 1\nc: !!binary aGk=\n", "sgc.yaml");
    expect(result.ok ? [] : result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["yaml-unknown-tag", 1, 4],
      ["yaml-unknown-tag", 2, 4],
      ["yaml-unknown-tag", 3, 4],
    ]);
  });

  test("the core schema's own tags are fine", () => {
    expect(parsed("a: !!str 443\nb: !!int 7\nc: !!map {x: !!seq [!!bool true, !!null null]}\n").value).toEqual({ a: "443", b: 7, c: { x: [true, null] } });
  });

  test("2 MB of brackets are refused at the limit, before anything reads the rest", () => {
    const result = parseYaml("[".repeat(2 * 1024 * 1024), "sgc.yaml");
    expect(result).toMatchObject({ ok: false, diagnostics: [{ code: "yaml-too-deep", line: 1, column: MAX_NESTING + 1 }] });
  });

  test("text past the token limit is refused as it is read", () => {
    const saved = LIMITS.yamlTokens;
    LIMITS.yamlTokens = 1000;
    try {
      const text = Array.from({ length: 400 }, (_, i) => `k${i}: ${i}\n`).join("");
      const result = parseYaml(text, "sgc.yaml");
      expect(result).toMatchObject({ ok: false, diagnostics: [{ code: "too-large", message: "the text holds more than 1,000 YAML tokens; sgc reads at most that many", hint: "split the manifest into several stacks" }] });
      // Refused where the budget ran out, some way into the text, not after reading it all.
      if (!result.ok) expect(result.diagnostics[0].line).toBeLessThan(200);
    } finally {
      LIMITS.yamlTokens = saved;
    }
  });

  test("nesting up to the limit parses", () => {
    const depth = MAX_NESTING - 1;
    expect(parsed(`a: ${"[".repeat(depth)}${"]".repeat(depth)}\n`).value).toEqual({ a: expect.any(Array) });
  });

  test("a carriage return alone ends a line, as YAML 1.2 says", () => {
    const lf = "# header\nversion: 1\nservices:\n  web: { ports: [80] }\n";
    const cr = parsed(lf.replace(/\n/g, "\r"));
    expect(cr.value).toEqual(parsed(lf).value);
    expect(cr.locate(["services", "web", "ports", 0])).toEqual({ line: 4, column: 18 });
    expect(parsed(lf.replace(/\n/g, "\r\n")).value).toEqual(parsed(lf).value);
  });

  test("a CR-only error is located on its own line", () => {
    expect(parseYaml("a: 1\rb: 2\ra: 3\r", "sgc.yaml")).toMatchObject({ ok: false, diagnostics: [{ code: "yaml-duplicate-key", line: 3, column: 1 }] });
  });
});

describe("locate", () => {
  const text = [
    "name: demo", // 1
    "services:", // 2
    "  web:", // 3
    "    ports: [80, {port: 443, protocol: tcp}]", // 4
    "    consumers:", // 5
    "      - from: lb", // 6
    "        ports: [80]", // 7
    "  db: {ports: [5432], tier: data}", // 8
    "defaults: &d", // 9
    "  ports:", // 10
    "    - 22", // 11
    "copy: *d", // 12
    "empty:", // 13
    "",
  ].join("\n");
  const source = parsed(text);

  test.each<[Path, number, number]>([
    [[], 1, 1],
    [["name"], 1, 7],
    [["services"], 3, 3],
    [["services", "web"], 4, 5],
    [["services", "web", "ports"], 4, 12],
    // inside a flow sequence
    [["services", "web", "ports", 0], 4, 13],
    [["services", "web", "ports", 1], 4, 17],
    // inside a flow map inside a flow sequence
    [["services", "web", "ports", 1, "port"], 4, 24],
    [["services", "web", "ports", 1, "protocol"], 4, 39],
    // block sequence items
    [["services", "web", "consumers", 0], 6, 9],
    [["services", "web", "consumers", 0, "from"], 6, 15],
    [["services", "web", "consumers", 0, "ports", 0], 7, 17],
    // a flow map under a block map
    [["services", "db"], 8, 7],
    [["services", "db", "ports", 0], 8, 16],
    [["services", "db", "tier"], 8, 29],
    // an alias is located where it is written; paths through it, at the anchored node
    [["copy"], 12, 7],
    [["copy", "ports"], 11, 5],
    [["copy", "ports", 0], 11, 7],
    // an empty value sits right after its key
    [["empty"], 13, 7],
  ])("the value at %j is at %i:%i", (path, line, column) => {
    expect(source.locate(path)).toEqual({ line, column });
  });

  test.each<[Path, number, number]>([
    [["name"], 1, 1],
    [["services"], 2, 1],
    [["services", "web"], 3, 3],
    [["services", "web", "ports"], 4, 5],
    [["services", "web", "ports", 1, "protocol"], 4, 29],
    [["services", "web", "consumers", 0, "from"], 6, 9],
    [["services", "web", "consumers", 0, "ports"], 7, 9],
    [["services", "db", "tier"], 8, 23],
    [["services", "db", "ports"], 8, 8],
    [["copy"], 12, 1],
    [["copy", "ports"], 10, 3],
    [["empty"], 13, 1],
  ])("the key of %j is at %i:%i", (path, line, column) => {
    expect(source.locate(path, true)).toEqual({ line, column });
  });

  test.each<[Path, number, number]>([
    // a sequence item has no key: its value
    [["services", "web", "ports", 1], 4, 17],
    [["services", "web", "consumers", 0], 6, 9],
    // the document has no key: its start
    [[], 1, 1],
  ])("asking for the key of %j, which has none, gives its value at %i:%i", (path, line, column) => {
    expect(source.locate(path, true)).toEqual({ line, column });
  });

  test.each<[string, Path, number, number]>([
    ["a missing key: the enclosing value", ["services", "nope"], 3, 3],
    ["below a missing key: the deepest value found", ["services", "web", "nope", "deeper"], 4, 5],
    ["an index past the end: the sequence", ["services", "web", "ports", 9], 4, 12],
    ["a string index into a sequence: the sequence", ["services", "web", "ports", "0"], 4, 12],
    ["a path into a scalar: the scalar", ["name", "x"], 1, 7],
  ])("%s", (_name, path, line, column) => {
    expect(source.locate(path)).toEqual({ line, column });
  });

  test("a number segment finds a map key spelled as digits", () => {
    const withDigits = parsed('ports:\n  "443": https\n');
    expect(withDigits.locate(["ports", 443])).toEqual({ line: 2, column: 10 });
    expect(withDigits.locate(["ports", 443], true)).toEqual({ line: 2, column: 3 });
  });

  test("an empty document locates at 1:1", () => {
    expect(parsed("").locate(["anything"])).toEqual({ line: 1, column: 1 });
  });
});
