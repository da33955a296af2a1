import { RULES } from "../../src/policies/rules";
import { checkManifest } from "../support/check";
import { manifestYaml } from "../support/sgc";

/** The engine: exceptions, expiry, and failing closed. */

const wide = (policy = "") =>
  manifestYaml("  app:\n    description: App\n    ports: [443]\n    consumers: [{ cidr: 10.20.0.0/16, description: Partner }]\n  db:\n    description: DB\n    ports: [5432]\n    consumers: [{ cidr: 10.30.0.0/16, description: Other }]\n") + policy;
const exception = (target: string, expires: string, rule = "wide-cidr") =>
  `policy:\n  exceptions:\n    - { rule: ${rule}, target: ${target}, reason: "Partner VPN until migration, SEC-123", expires: ${expires} }\n`;

describe("exceptions", () => {
  test("apply only to their rule and target, and are reported as suppressing", () => {
    const { findings } = checkManifest(wide(exception("app", "2027-03-31")), { today: "2026-06-01" });
    const wideFindings = findings.filter((f) => f.rule === "wide-cidr");
    expect(wideFindings.map((f) => [f.target, f.suppressedBy ?? null])).toEqual([
      ["app", { reason: "Partner VPN until migration, SEC-123", expires: "2027-03-31" }],
      ["db", null],
    ]);
  });

  test("apply through their expiry date, inclusive", () => {
    const { findings } = checkManifest(wide(exception("app", "2026-06-01")), { today: "2026-06-01" });
    expect(findings.find((f) => f.rule === "wide-cidr" && f.target === "app")!.suppressedBy).toBeDefined();
    expect(findings.some((f) => f.rule === "expired-exception")).toBe(false);
  });

  test("once expired, no longer apply and are reported themselves, at their place", () => {
    const { findings } = checkManifest(wide(exception("app", "2026-05-31")), { today: "2026-06-01" });
    expect(findings.find((f) => f.rule === "wide-cidr" && f.target === "app")!.suppressedBy).toBeUndefined();
    expect(findings.find((f) => f.rule === "expired-exception")).toMatchObject({
      severity: "warn",
      target: "app",
      message: "the exception to wide-cidr for app expired on 2026-05-31 and no longer applies",
      location: { file: "services.yaml", line: 17, column: 7 },
    });
  });

  test("a renewed exception next to its expired predecessor suppresses; only the old one is reported", () => {
    const yaml =
      wide() +
      'policy:\n  exceptions:\n    - { rule: wide-cidr, target: app, reason: "First round of the migration", expires: 2020-01-01 }\n    - { rule: wide-cidr, target: app, reason: "Second round of the migration", expires: 2099-01-01 }\n';
    const { findings } = checkManifest(yaml, { today: "2026-06-01" });
    expect(findings.find((f) => f.rule === "wide-cidr" && f.target === "app")!.suppressedBy).toEqual({ reason: "Second round of the migration", expires: "2099-01-01" });
    expect(findings.filter((f) => f.rule.endsWith("-exception")).map((f) => f.rule)).toEqual(["expired-exception"]);
  });

  test("that match no finding are reported as unused", () => {
    const { findings } = checkManifest(wide(exception("nothing-here", "2027-01-01")));
    expect(findings.find((f) => f.rule === "unused-exception")).toMatchObject({ target: "nothing-here", severity: "warn" });
  });

  test("do not cover another rule's finding on the same target", () => {
    const yaml = manifestYaml("  ssh:\n    description: SSH\n    ports: [22]\n    consumers: [internet]\n") + exception("ssh", "2027-01-01", "wide-cidr");
    const { findings } = checkManifest(yaml);
    expect(findings.filter((f) => f.target === "ssh" && !f.suppressedBy && f.severity === "error").map((f) => f.rule).sort()).toEqual(["admin-ports", "internet-ingress"]);
  });
});

describe("failing closed", () => {
  test("a rule that throws becomes an error finding, and the other rules still run", () => {
    const rule = RULES.find((r) => r.id === "tier-chain")!;
    const spy = jest.spyOn(rule, "check").mockImplementation(() => {
      throw new Error("boom");
    });
    try {
      const { findings } = checkManifest(manifestYaml("  ssh:\n    description: SSH\n    ports: [22]\n    consumers: [internet]\n"));
      expect(findings).toContainEqual(
        expect.objectContaining({ rule: "rule-failed", severity: "error", target: "tier-chain", message: "rule tier-chain failed, so its verdict is unknown: boom" }),
      );
      expect(findings.some((f) => f.rule === "internet-ingress")).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("results", () => {
  test("findings are sorted by place and stable across runs", () => {
    const a = checkManifest(wide()).findings;
    const b = checkManifest(wide()).findings;
    expect(a).toEqual(b);
    const lines = a.map((f) => f.location!.line);
    expect([...lines].sort((x, y) => x - y)).toEqual(lines);
  });

  test("quota headroom is reported for every group, not only when exceeded", () => {
    const { quotas } = checkManifest(wide());
    expect(quotas).toContainEqual({ target: "app", direction: "ingress", family: "ipv4", used: 1, limit: 60, headroom: 59 });
    expect(quotas.filter((q) => q.target === "db")).toHaveLength(4);
  });
});
