import { resolvePolicy } from "../../src/policies/config";
import { validateManifestText } from "../../src/pipeline";
import { manifestYaml } from "../support/sgc";

/** Policy configuration: packs, overrides and their validation, located in the manifest. */

const withPolicy = (policy: string) => manifestYaml("  web: {}\n") + `policy:\n${policy}`;

function errors(yaml: string) {
  const result = validateManifestText(yaml, "services.yaml");
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.diagnostics.map((d) => ({ code: d.code, line: d.line, column: d.column, message: d.message, hint: d.hint }));
}

function config(yaml: string, packs?: string[]) {
  const result = validateManifestText(yaml, "services.yaml");
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  const resolved = resolvePolicy({ policy: result.valid.manifest.policy, source: result.valid.source, packs });
  if (!resolved.ok) throw new Error(resolved.diagnostics.map((d) => d.message).join("\n"));
  return resolved.config;
}

describe("policy configuration errors are located where they are written", () => {
  test("a typo in a rule id, with a suggestion", () => {
    expect(errors(withPolicy("  rules:\n    internet-ingres: off\n"))).toEqual([
      expect.objectContaining({ code: "unknown-rule", line: 10, column: 5, hint: 'did you mean "internet-ingress"?' }),
    ]);
  });

  test("a typo in an option, with a suggestion", () => {
    expect(errors(withPolicy("  rules:\n    internet-ingress: { prots: [443] }\n"))).toEqual([
      expect.objectContaining({ code: "unknown-key", line: 10, column: 25, hint: 'did you mean "ports"?' }),
    ]);
  });

  test("an option of the wrong type or out of range", () => {
    expect(errors(withPolicy("  rules:\n    eni-quota: { groupsPerInterface: 17 }\n"))).toEqual([expect.objectContaining({ code: "out-of-range", line: 10, column: 38 })]);
    expect(errors(withPolicy("  rules:\n    rule-quota: { max: many }\n"))).toEqual([expect.objectContaining({ code: "wrong-type", line: 10, column: 24 })]);
  });

  test("a port item in an option that a manifest would refuse", () => {
    expect(errors(withPolicy("  rules:\n    admin-ports: { ports: [{ protocol: tcp }, \"3389-22\"] }\n"))).toEqual([
      expect.objectContaining({ code: "invalid-option", line: 10, column: 27, message: "ports: port range 3389-22 runs backwards" }),
      expect.objectContaining({ code: "invalid-option", line: 10, column: 27, message: "ports: protocol tcp needs a port or a from/to range" }),
    ]);
  });

  test("a bad severity", () => {
    expect(errors(withPolicy("  rules:\n    naming: loud\n"))).toEqual([expect.objectContaining({ code: "invalid-value", line: 10, column: 13 })]);
  });

  test("a pattern that is not a regular expression", () => {
    expect(errors(withPolicy("  rules:\n    naming: { pattern: \"([a-z\" }\n"))).toEqual([expect.objectContaining({ code: "invalid-option", line: 10, column: 24 })]);
  });

  test("an unknown pack, with a suggestion", () => {
    expect(errors(withPolicy("  extends: [recomended]\n"))).toEqual([expect.objectContaining({ code: "unknown-pack", line: 9, column: 13, hint: 'did you mean "recommended"?' })]);
  });

  test("an exception for a rule that does not exist", () => {
    expect(errors(withPolicy("  exceptions:\n    - { rule: wide-cidrs, target: web, reason: Partner VPN migration, expires: 2027-01-01 }\n"))).toEqual([
      expect.objectContaining({ code: "unknown-rule", line: 10, column: 15, hint: 'did you mean "wide-cidr"?' }),
    ]);
  });
});

describe("effective configuration", () => {
  test("without a policy section, the recommended pack applies", () => {
    const c = config(manifestYaml("  web: {}\n"));
    expect(c.packs).toEqual(["recommended"]);
    expect(c.rules.get("wide-cidr")).toEqual({ severity: "warn", options: { minPrefixLength: { ipv4: 24, ipv6: 64 }, networkPrefixLength: { ipv4: 8, ipv6: 32 } } });
  });

  test("strict extends recommended and overrides it", () => {
    const c = config(manifestYaml("  web: {}\n"), ["strict"]);
    expect(c.packs).toEqual(["recommended", "strict"]);
    expect(c.rules.get("wide-cidr")).toEqual({ severity: "error", options: { minPrefixLength: { ipv4: 28, ipv6: 64 }, networkPrefixLength: { ipv4: 16, ipv6: 48 } } });
    expect(c.rules.get("internet-ingress")!.severity).toBe("error");
  });

  test("the manifest's overrides apply last: severity alone keeps options, options alone keep severity", () => {
    const c = config(withPolicy("  extends: [strict]\n  rules:\n    wide-cidr: warn\n    internet-ingress: { ports: [443] }\n    naming: off\n"));
    expect(c.rules.get("wide-cidr")).toEqual({ severity: "warn", options: { minPrefixLength: { ipv4: 28, ipv6: 64 }, networkPrefixLength: { ipv4: 16, ipv6: 48 } } });
    expect(c.rules.get("internet-ingress")).toEqual({ severity: "error", options: { ports: [443] } });
    expect(c.rules.get("naming")!.severity).toBe("off");
  });

  test("options that are maps merge key by key over the pack's", () => {
    const c = config(withPolicy("  rules:\n    wide-cidr: { minPrefixLength: { ipv4: 28 } }\n    rule-quota: { prefixListWeights: { pl-0123456789abcdef0: 20 } }\n"));
    expect(c.rules.get("wide-cidr")!.options).toEqual({ minPrefixLength: { ipv4: 28, ipv6: 64 }, networkPrefixLength: { ipv4: 8, ipv6: 32 } });
    expect(c.rules.get("rule-quota")!.options).toMatchObject({ max: 60, prefixListWeights: { "pl-0123456789abcdef0": 20 } });
  });

  test("extends: [] starts from each rule's own defaults", () => {
    const c = config(withPolicy("  extends: []\n"));
    expect(c.packs).toEqual([]);
    expect(c.rules.get("rule-quota")).toEqual({ severity: "error", options: { max: 60, prefixListWeights: {}, unknownPrefixListWeight: 10 } });
  });

  test("--pack replaces the manifest's extends", () => {
    expect(config(withPolicy("  extends: [recommended]\n"), ["strict"]).packs).toEqual(["recommended", "strict"]);
  });

  test("an unknown --pack is an error", () => {
    const result = resolvePolicy({ packs: ["stricter"] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.diagnostics[0]).toMatchObject({ code: "unknown-pack", file: "(command line)", hint: 'did you mean "strict"?' });
  });
});
