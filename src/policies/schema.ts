import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { PACKAGE_ROOT, packageInfo } from "../package";
import { PACK_NAME_PATTERN, PACK_PACKAGE_PATTERN, PACK_PATH_PATTERN, packNames, PACKS_DIR } from "./config";
import { RULES } from "./rules";
import { RuleDefinition } from "./types";

/**
 * The policy parts of the JSON Schemas, generated from the rules' own metadata (ids, titles,
 * rationales, options and their schemas, the docs' option tables) and the built-in packs, so
 * that an editor refuses exactly the rule ids, options and packs that `sgc check` refuses.
 * `npm run docs` writes them into schemas/; a test fails when the files are out of date.
 */

type Schema = Record<string, unknown>;

const md = (text: string, example: string) => `${text}\n\n\`\`\`yaml\n${example.trim()}\n\`\`\``;
const documented = (description: string, markdown: string, example: string) => ({ description, markdownDescription: md(markdown, example) });
const docsUrl = (id: string) => `https://unpkg.com/${packageInfo().name}/docs/rules/${id}.md`;

/** A rule's options as its doc page's Options table describes them: option -> meaning. */
export function optionDescriptions(rule: RuleDefinition<never>): Map<string, string> {
  const page = readFileSync(join(PACKAGE_ROOT, "docs", "rules", `${rule.id}.md`), "utf8");
  const out = new Map<string, string>();
  for (const match of page.matchAll(/^\| `([A-Za-z0-9]+)` \| [^|]*\| (.*) \|$/gm)) out.set(match[1], match[2].trim());
  return out;
}

/** What the protocol values mean, wherever a schema offers them. */
const PROTOCOLS: Record<string, string> = {
  tcp: "TCP (the default)",
  udp: "UDP",
  icmp: "every ICMP type and code; ICMPv6 towards IPv6 addresses; no port numbers",
  all: "every protocol and port; no port numbers",
};

/**
 * The editor annotations inside an option's own schema: each nested key gets a Markdown
 * description with the option's default as its example, and a protocol enum its meanings.
 */
function annotateNested(schema: unknown, example: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => annotateNested(s, example));
  if (schema === null || typeof schema !== "object") return schema;
  const node = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === "properties" ? v : annotateNested(v, example)])) as Schema;
  const properties = (schema as Schema).properties as Record<string, Schema> | undefined;
  if (properties) {
    node.properties = Object.fromEntries(
      Object.entries(properties).map(([key, sub]) => {
        const annotated = annotateNested(sub, example) as Schema;
        const text = String(sub.description ?? key);
        return [key, { ...annotated, markdownDescription: md(`**${key}**: ${text}.`, example) }];
      }),
    );
  }
  const entries = (schema as Schema).additionalProperties as Schema | undefined;
  if (entries && typeof entries === "object" && entries.description) node.additionalProperties = { ...(node.additionalProperties as Schema), markdownDescription: md(`Each entry: ${String(entries.description)}.`, example) };
  const values = (schema as Schema).enum as unknown[] | undefined;
  if (values && values.every((v) => typeof v === "string" && v in PROTOCOLS)) {
    node.enumDescriptions = values.map((v) => PROTOCOLS[v as string]);
    node.markdownEnumDescriptions = node.enumDescriptions;
  }
  return node;
}

function plain(markdown: string): string {
  return markdown.replace(/`/g, "").replace(/\*\*/g, "");
}

/** The settings of one rule, as a pack or a manifest's `rules:` writes them: a severity, or `{ severity, ...options }`. */
function ruleSettingsSchema(rule: RuleDefinition<never>): Schema {
  const options = rule.defaults.options as Record<string, unknown>;
  const meanings = optionDescriptions(rule);
  const optionSchemas = Object.fromEntries(
    Object.entries(rule.optionsSchema).map(([option, schema]) => {
      const meaning = meanings.get(option) ?? option;
      const value = options[option] !== undefined ? JSON.stringify(options[option]) : (schema as { type?: string }).type === "array" ? "[office]" : "...";
      const example = `${rule.id}: { ${option}: ${value} }`;
      return [option, { ...(annotateNested(schema, example) as Schema), ...documented(plain(meaning), `**${option}** (default \`${JSON.stringify(options[option] ?? null)}\`): ${meaning}`, example) }];
    }),
  );
  const optionList = Object.entries(options).map(([k, v]) => `\`${k}: ${JSON.stringify(v)}\``).join(", ");
  const text = `${rule.title}. ${rule.rationale} Default: ${rule.defaults.severity}${optionList ? `; options ${plain(optionList)}` : ""}.`;
  const markdown = `**${rule.title}** (default \`${rule.defaults.severity}\`)\n\n${rule.rationale}\n\n${optionList ? `Options: ${optionList}. ` : ""}[Documentation](${docsUrl(rule.id)})`;
  const firstOption = Object.keys(options)[0];
  const example = firstOption ? `${rule.id}: { severity: ${rule.defaults.severity}, ${firstOption}: ${JSON.stringify(options[firstOption])} }` : `${rule.id}: ${rule.defaults.severity === "error" ? "warn" : "error"}`;
  return {
    ...documented(text, markdown, example),
    anyOf: [
      { $ref: "#/definitions/severity" },
      {
        type: "object",
        additionalProperties: false,
        properties: {
          severity: { $ref: "#/definitions/severity", ...documented("The rule's severity: off, warn or error.", "The rule's **severity**: `off`, `warn` or `error`.", `${rule.id}: { severity: warn }`) },
          ...optionSchemas,
        },
      },
    ],
    defaultSnippets: [
      { label: "severity", description: "Set the severity only", body: "${1|error,warn,off|}" },
      ...(firstOption ? [{ label: "{ severity, options }", description: "Severity and options", body: { severity: "${1|error,warn,off|}", [firstOption]: options[firstOption] } }] : []),
    ],
  };
}

/** The pack descriptions, for enum descriptions of the built-in pack names. */
function packDescriptions(): string[] {
  return packNames().map((name) => {
    const text = readFileSync(join(PACKS_DIR, `${name}.yaml`), "utf8");
    return /^description: (.*)$/m.exec(text)?.[1]?.trim() ?? name;
  });
}

/** The definitions the policy section needs, shared by the manifest and pack schemas. */
export function policyDefinitions(): Record<string, Schema> {
  const packs = packNames();
  const descriptions = packDescriptions();
  return {
    severity: {
      ...documented("a severity: off, warn or error", "A **severity**: `off` (the rule does not run), `warn` (reported, does not fail the check) or `error` (fails the check).", "naming: warn"),
      enum: ["off", "warn", "error"],
      enumDescriptions: ["the rule does not run", "reported; does not fail the check", "fails the check (exit 1)"],
      markdownEnumDescriptions: ["The rule does not run.", "Reported; does not fail the check.", "Fails the check (`sgc check` exits 1)."],
    },
    packReference: {
      ...documented(
        `a policy pack: ${packs.join(", ")}, a pack file (./org.yaml) or a package (@org/sgc-policy)`,
        `A **policy pack**: a built-in one (${packs.map((p) => `\`${p}\``).join(", ")}), a pack file (\`./policies/org.yaml\`, relative to the file that names it) or an npm package (\`@org/sgc-policy\`, its \`main\` file, or \`@org/sgc-policy/strict.yaml\`).`,
        "extends: [recommended, ./policies/org.yaml]",
      ),
      anyOf: [
        { enum: packs, enumDescriptions: descriptions, markdownEnumDescriptions: descriptions, description: "a built-in pack" },
        { type: "string", pattern: PACK_PATH_PATTERN, description: "a pack file: ./org.yaml, ../shared/pack.yaml or a path ending in .yaml" },
        { type: "string", pattern: PACK_PACKAGE_PATTERN, description: "a pack in an npm package: @org/name (its main file), @org/name/file.yaml or sgc-policy-name" },
      ],
      defaultSnippets: packs.map((p, i) => ({ label: p, description: descriptions[i], body: p })),
    },
    ruleSettings: {
      ...documented("Rule id: a severity (off, warn, error) or { severity, ...options }; options merge over the packs'.", "Per rule: a **severity** (`off`, `warn`, `error`) or `{ severity, ...options }`. Options merge over the packs' (maps key by key).", "rules:\n  internet-ingress: { ports: [443] }\n  naming: off"),
      type: "object",
      additionalProperties: false,
      properties: Object.fromEntries(RULES.map((rule) => [rule.id, ruleSettingsSchema(rule)])),
    },
    exception: {
      ...documented("An exception: one rule, one target, a reason of 10 or more characters and an expiry date.", "An **exception**: findings of one `rule` on one `target` are reported as excepted, and don't fail the check, until `expires` (inclusive). Then the finding counts again and the exception is reported as `expired-exception`.", 'exceptions:\n  - rule: wide-cidr\n    target: app\n    reason: "Partner VPN until migration, tracked in SEC-123"\n    expires: 2027-03-31'),
      type: "object",
      additionalProperties: false,
      required: ["rule", "target", "reason", "expires"],
      defaultSnippets: [{ label: "exception", description: "Except one rule's findings on one target until a date", body: { rule: "${1:wide-cidr}", target: "${2:app}", reason: "${3:Why, and the ticket that tracks it}", expires: "${4:2027-03-31}" } }],
      properties: {
        rule: {
          ...documented("The rule whose findings the exception covers.", "The **rule** whose findings the exception covers.", "- { rule: wide-cidr, target: app, reason: Partner VPN migration, expires: 2027-03-31 }"),
          enum: RULES.map((r) => r.id),
          enumDescriptions: RULES.map((r) => r.title),
          markdownEnumDescriptions: RULES.map((r) => `**${r.title}**: ${r.rationale}`),
        },
        target: {
          ...documented("The finding's target: a service, a workload, default-security-group, or a resource address.", "The finding's **target**: a service, a workload, `default-security-group`, or (for hand-written Terraform) a resource address.", "- { rule: wide-cidr, target: app, reason: Partner VPN migration, expires: 2027-03-31 }"),
          type: "string",
          minLength: 1,
        },
        reason: {
          ...documented("Why the exception is needed, 10 characters or more (name the ticket that tracks it).", "**Why** the exception is needed, 10 characters or more. Name the ticket that tracks the fix.", '- { rule: wide-cidr, target: app, reason: "Partner VPN until migration, SEC-123", expires: 2027-03-31 }'),
          type: "string",
          minLength: 10,
        },
        expires: {
          ...documented("a date written YYYY-MM-DD, the last day the exception applies", "The **last day** the exception applies, `YYYY-MM-DD` (inclusive). After it, the finding counts again.", "- { rule: wide-cidr, target: app, reason: Partner VPN migration, expires: 2027-03-31 }"),
          type: "string",
          pattern: "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        },
      },
    },
    policy: {
      ...documented("Which policy packs apply, rule overrides and exceptions.", "Which **policy packs** apply, rule overrides and time-boxed exceptions. `sgc check` and `sgc diff` use it; `--pack` replaces `extends`.", "policy:\n  extends: [recommended]\n  rules:\n    internet-ingress: { ports: [443] }"),
      type: "object",
      additionalProperties: false,
      properties: {
        extends: {
          ...documented("Packs applied in order (default: recommended); later ones override earlier ones, then rules: overrides them all.", `**Packs** applied in order (default \`recommended\`); later ones override earlier ones, and \`rules:\` overrides them all. \`extends: []\` starts from each rule's own defaults.`, "extends: [recommended, ./policies/org.yaml]"),
          type: "array",
          items: { $ref: "#/definitions/packReference" },
        },
        rules: { $ref: "#/definitions/ruleSettings", ...documented("Rule overrides: a severity or { severity, ...options } per rule id.", "**Rule overrides**: per rule id, a severity or `{ severity, ...options }`.", "rules:\n  internet-ingress: { ports: [443] }\n  wide-cidr: { severity: error, minPrefixLength: { ipv4: 28 } }\n  naming: off") },
        exceptions: {
          ...documented("Exceptions: one rule, one target, a reason and an expiry date each.", "**Exceptions**, each for one rule on one target, with a reason and an expiry date.", 'exceptions:\n  - { rule: wide-cidr, target: app, reason: "Partner VPN until migration, SEC-123", expires: 2027-03-31 }'),
          type: "array",
          items: { $ref: "#/definitions/exception" },
        },
      },
    },
  };
}

/** The manifest schema with its policy definitions generated afresh. */
export function withPolicyDefinitions(manifest: Schema): Schema {
  const definitions = { ...(manifest.definitions as Record<string, Schema>), ...policyDefinitions() };
  return { ...manifest, definitions };
}

/** The policy-pack schema, generated whole. */
export function packSchema(): Schema {
  const defs = policyDefinitions();
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `https://unpkg.com/${packageInfo().name}/schemas/policy-pack.schema.json`,
    title: "sgc policy pack",
    ...documented("Which policy rules apply, at which severity, with which options.", "An sgc **policy pack**: which rules apply, at which severity, with which options. Use it with `extends:` in a manifest or `sgc check --pack ./pack.yaml`.", "name: org\ndescription: Our rules on top of recommended\nextends: [recommended]\nrules:\n  wide-cidr: { severity: error, minPrefixLength: { ipv4: 28 } }"),
    type: "object",
    additionalProperties: false,
    required: ["name", "description", "rules"],
    properties: {
      name: { ...documented("The pack's name; for a built-in pack, its file name without .yaml.", "The pack's **name**, as reports list it. For a built-in pack, its file name without `.yaml`.", "name: org"), type: "string", pattern: PACK_NAME_PATTERN },
      description: { ...documented("What the pack is for.", "What the pack is **for**.", "description: Our rules on top of recommended"), type: "string", minLength: 1 },
      extends: { ...(defs.policy.properties as Record<string, Schema>).extends },
      rules: { $ref: "#/definitions/ruleSettings", ...documented("Per rule id: a severity or { severity, ...options }.", "Per rule id: a **severity** (`off`, `warn`, `error`) or `{ severity, ...options }`.", "rules:\n  internet-ingress: { severity: error, ports: [443] }\n  naming: warn") },
    },
    definitions: { severity: defs.severity, packReference: defs.packReference, ruleSettings: defs.ruleSettings },
  };
}

/** The schema files with their generated parts brought up to date: file name -> text. */
export function generatedSchemas(): Map<string, string> {
  const dir = join(PACKAGE_ROOT, "schemas");
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.schema.json"), "utf8")) as Schema;
  return new Map([
    ["manifest.schema.json", JSON.stringify(withPolicyDefinitions(manifest), null, 2) + "\n"],
    ["policy-pack.schema.json", JSON.stringify(packSchema(), null, 2) + "\n"],
  ]);
}

if (require.main === module) {
  for (const [file, text] of generatedSchemas()) writeFileSync(join(PACKAGE_ROOT, "schemas", file), text);
}
