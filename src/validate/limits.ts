/**
 * The largest input sgc takes. Past these, an input is refused with a clear error before any
 * heavy work, rather than running out of memory or time. Measured on a 2-core, 24 GB machine
 * (`npm run bench`): 10,000 services (about 100,000 rules) synthesize in under 7 s with under
 * 1.2 GB of memory, and their plan, 255 MiB of JSON, is checked in about 7 s with 1.2 GB. At
 * the Terraform limits, a plan of 316 MiB took 8 s and 1.5 GB; a configuration of 128 MiB,
 * which sgc evaluates whole, 10 s and 1.1 GB: both inside 15 s and 2 GB with room to spare, and
 * far inside V8's longest string (512 MiB), which a file must fit in.
 */
export const LIMITS = {
  /** Bytes of a manifest. */
  fileBytes: 64 * 1024 * 1024,
  /** Bytes of a plan or a state from `terraform show -json` (a plan of 100,000 rules is about 255 MiB), or of any input before its kind is known. */
  terraformBytes: 320 * 1024 * 1024,
  /** Bytes of one file of a Terraform configuration (a cdk.tf.json, a .tf or .tf.json file), which costs about twice the time and memory per byte of a plan. */
  configurationBytes: 128 * 1024 * 1024,
  /**
   * Bytes of one `.tf` file (HCL). @cdktf/hcl2json, a Go parser compiled to WebAssembly, takes
   * 2-3 s a MiB and can stop answering on files far larger; hand-written .tf files are rarely
   * over 100 KiB, so 2 MiB is far beyond real ones. Larger generated configurations belong in
   * JSON syntax (`.tf.json`), which the configuration limit above covers.
   */
  hclBytes: 2 * 1024 * 1024,
  /**
   * Nesting of Terraform input: JSON objects and arrays, and in `.tf` files brackets, braces,
   * strings and interpolations. Real configurations nest a dozen deep; parsers recurse on it.
   */
  terraformNesting: 128,
  /**
   * Module calls in a configuration's tree, each call in each module that calls it counted (a
   * module called from ten places counts ten times, its own calls too). The largest real
   * configurations have a few dozen; a tree of calls can grow exponentially.
   */
  moduleCalls: 500,
  /**
   * Instances sgc lists for one resource or one module call from its `count` or `for_each`
   * when it reads a configuration without a plan. Past it, the resource is reported unreadable
   * rather than expanded: a `count = 1e9` would otherwise allocate until memory runs out.
   */
  instancesPerResource: 100_000,
  /**
   * The largest value sgc computes while evaluating a configuration: characters of a string,
   * values in a collection written out. Real values are a few kilobytes; a local doubled forty
   * times (`concat(local.x, local.x)`) would grow past any memory, so past this it is unknown.
   */
  valueSize: 1_000_000,
  /**
   * Resource instances in all of a configuration read without a plan (module instances
   * multiply them); 500,000 take about 8 s and 600 MB.
   */
  instances: 500_000,
  /**
   * YAML tokens in a manifest (JSON manifests are read as YAML too). Reading YAML costs by the
   * token, far more than JSON.parse does by the byte; 20,000 services are about a million tokens.
   */
  yamlTokens: 2_500_000,
  /** Services in one manifest. */
  services: 20_000,
  /** Rules (ingress and egress) one manifest compiles to. */
  rules: 150_000,
  /** How long a pipe that no process writes to yet is given to get one before it counts as empty, in ms. */
  pipeWriterWaitMs: 2000,
};

/** Why an input is refused for its size: `is 400 MiB; sgc reads inputs of at most 320 MiB`. */
export function tooLargeMessage(size: number, limit: number, what: string): string {
  return `is ${formatBytes(size)}; sgc reads ${what} of at most ${formatBytes(limit)}`;
}

/** Bytes as people read them: `16 MiB`, `512 KiB`. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Number(mib.toFixed(1))} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
