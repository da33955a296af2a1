import { run } from "../../src/cli/main";

/** Runs the sgc command line in-process and captures its exit code and what it prints. */
export async function sgc(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
