import { existsSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { validatorFor } from "../../src/validate/validators";
import { RULES } from "../../src/policies/rules";
import { ROOT } from "../support/sgc";

/**
 * The validators generated at build time (dist/generated) must judge exactly as the schemas
 * compiled at run time: same verdict, same errors, for valid and invalid documents alike.
 */
const generatedFile = join(ROOT, "dist", "generated", "validators.js");

describe("build-time validators", () => {
  test("exist after the build (npm test builds first)", () => {
    expect(existsSync(generatedFile)).toBe(true);
  });

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const generated = existsSync(generatedFile) ? (require(generatedFile) as Record<string, (data: unknown) => boolean & { errors?: unknown }>) : {};

  const manifests = [
    "version: 1\nname: shop\naws: { region: us-east-1, vpcId: vpc-0a1b2c3d4e5f67890 }\nservices: { web: { ports: [80], consumers: [internet] } }\n",
    "version: 2\nname: Shop\naws: { region: us-east-1 }\nservices: { web: { prots: [80], consumers: [{ servce: x }] } }\n",
    "version: 1\nname: shop\naws: { region: us-east-1, vpcId: vpc-0a1b2c3d4e5f67890 }\nservices: { web: { ports: [70000, \"22:22\", { protocol: udpp }], description: \"Café\" } }\n",
  ];

  test.each(manifests.map((m, i) => [i + 1, m]))("manifest %i: same verdict and errors", (_i, text) => {
    const data = parse(text as string);
    const runtime = validatorFor("manifest");
    const built = generated.manifest as unknown as { (d: unknown): boolean; errors?: unknown };
    expect(built(data)).toBe(runtime(data));
    expect(JSON.parse(JSON.stringify(built.errors ?? null))).toEqual(JSON.parse(JSON.stringify(runtime.errors ?? null)));
  });

  test("every rule's settings validator is generated and agrees", () => {
    for (const rule of RULES) {
      const built = generated[`rule:${rule.id}`] as unknown as { (d: unknown): boolean; errors?: unknown };
      expect(typeof built).toBe("function");
      const bad = { severity: "loud", nope: 1 };
      const runtime = validatorFor(`rule:${rule.id}`);
      expect(built(bad)).toBe(runtime(bad));
      expect(JSON.parse(JSON.stringify(built.errors))).toEqual(JSON.parse(JSON.stringify(runtime.errors)));
    }
  });
});
