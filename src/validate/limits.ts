/**
 * The largest input sgc takes. Past these, an input is refused with a clear error before any
 * heavy work, rather than running out of memory. Measured on a 2-core, 24 GB machine: 10,000
 * services (about 100,000 rules) synthesize in under 7 s with under 1.2 GB of memory; the
 * limits leave half as much again, well inside Node's default heap.
 */
export const LIMITS = {
  /** Bytes of a manifest. */
  fileBytes: 64 * 1024 * 1024,
  /** Bytes of a Terraform input: a cdk.tf.json, a plan or a state (a plan of 100,000 rules is about 260 MB). */
  terraformBytes: 400 * 1024 * 1024,
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

/** Bytes as people read them: `16 MiB`, `512 KiB`. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Number(mib.toFixed(1))} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
