/**
 * What an input is, told by its structure: the one detector every command uses, so that no
 * two commands can disagree on what a file is. It looks at the parsed value only (never at
 * the first character of the text), so a manifest written as YAML flow style or as JSON is a
 * manifest everywhere.
 */

/** The kinds of input sgc reads. */
export type InputKind = "manifest" | "terraform" | "plan" | "state" | "aws";

/** Why a value is none of the kinds, at a path into it (`[]`: the whole input, its first position). */
export interface NotAnInput {
  code: "unknown-input" | "empty-input";
  message: string;
  hint?: string;
  path: readonly (string | number)[];
}

/** The detector's answer: a kind, or a located reason why the value is none. */
export type DetectedKind = { ok: true; kind: InputKind } | { ok: false; reason: NotAnInput };

/** The top-level keys of the AWS CLI outputs that list security groups, their rules and prefix lists. */
const AWS_LISTING_KEYS = ["SecurityGroups", "SecurityGroupRules", "PrefixLists", "Entries"];

/** The top-level keys of Terraform's JSON configuration syntax. */
const TERRAFORM_KEYS = ["resource", "terraform", "provider", "data", "output", "variable", "locals", "module", "moved", "import", "check", "removed"];

/**
 * The signatures, tried in order; the first that matches decides. A manifest comes first, so
 * a manifest with a stray `provider` key is a manifest (and the schema says where that key
 * is), never an empty Terraform configuration. To teach sgc a new kind, add a row.
 */
const SIGNATURES: readonly { kind: InputKind; matches: (keys: ReadonlySet<string>) => boolean }[] = [
  { kind: "manifest", matches: (keys) => keys.has("version") && keys.has("services") },
  { kind: "plan", matches: (keys) => keys.has("format_version") && keys.has("planned_values") },
  // `terraform show -json` of a state: its values, or of an empty state, nothing but versions.
  { kind: "state", matches: (keys) => keys.has("format_version") && (keys.has("values") || [...keys].every((k) => k === "format_version" || k === "terraform_version")) },
  { kind: "terraform", matches: (keys) => TERRAFORM_KEYS.some((k) => keys.has(k)) },
  // The AWS CLI's listing: describe-security-groups, -security-group-rules, -managed-prefix-lists
  // and get-managed-prefix-list-entries, alone or merged into one document.
  { kind: "aws", matches: (keys) => AWS_LISTING_KEYS.some((k) => keys.has(k)) },
  // Half a manifest is still meant as one: the schema then says what is missing.
  { kind: "manifest", matches: (keys) => keys.has("version") || keys.has("services") },
];

/** What each kind is recognised by, for messages. */
const RECOGNISED_BY =
  "a manifest (version and services), a Terraform configuration such as cdk.tf.json (resource, provider or terraform), terraform show -json of a plan (format_version and planned_values) or of a state (format_version and values), or aws ec2 describe-security-groups --output json (SecurityGroups)";

/**
 * Tells a manifest, a Terraform JSON configuration, a Terraform plan and a Terraform state
 * apart by their top-level keys (own keys only: `constructor` is a key like any other).
 */
export function detectInputKind(value: unknown): DetectedKind {
  if (value === null || value === undefined) {
    return { ok: false, reason: { code: "empty-input", message: "the input holds no data: it is empty, or comments only", hint: "a manifest starts with version: 1", path: [] } };
  }
  // Terraform's JSON syntax allows a file to be an array of configuration objects.
  if (Array.isArray(value) && value.length > 0 && value.every((v) => { const d = detectInputKind(v); return d.ok && d.kind === "terraform"; })) return { ok: true, kind: "terraform" };
  if (typeof value !== "object" || Array.isArray(value)) {
    const what = Array.isArray(value) ? "a list" : `a ${typeof value}`;
    return { ok: false, reason: { code: "unknown-input", message: `the input is ${what}, not a map; sgc reads ${RECOGNISED_BY}`, path: [] } };
  }
  const keys = new Set(Object.keys(value));
  const signature = SIGNATURES.find((s) => s.matches(keys));
  if (signature) return { ok: true, kind: signature.kind };
  return { ok: false, reason: { code: "unknown-input", message: `the input has none of the top-level keys of ${RECOGNISED_BY}`, path: [] } };
}

/** A kind as a noun phrase for messages: `a manifest`, `a Terraform plan`. */
export function describeKind(kind: InputKind): string {
  switch (kind) {
    case "manifest":
      return "a manifest";
    case "terraform":
      return "a Terraform configuration";
    case "plan":
      return "a Terraform plan";
    case "state":
      return "a Terraform state";
    case "aws":
      return "an AWS CLI listing";
  }
}
