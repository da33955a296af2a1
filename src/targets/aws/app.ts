import { compile } from "../../compile";
import { formatDiagnostic } from "../../diagnostics";
import { loadManifest } from "../../pipeline";
import { buildStack, newApp } from "./stack";
import { localStatePath } from "./synth";

/**
 * The cdktf app behind `cdktf synth` and `cdktf deploy`: cdktf.json runs `sgc cdktf-app`, which
 * calls this. It reads the manifest path from `file` (SGC_MANIFEST) or the context key `manifest`,
 * and synthesizes the same stack as `sgc synth`, with the state in the same place. Returns the exit code.
 */
export function runCdktfApp(file: string | undefined, err: (text: string) => void): number {
  const app = newApp();
  const manifest = file || (app.node.tryGetContext("manifest") as string | undefined);
  if (!manifest) {
    err('sgc: set SGC_MANIFEST or the cdktf.json context key "manifest" to the manifest\'s path\n');
    return 2;
  }
  const result = loadManifest(manifest);
  if (!result.ok) {
    for (const d of result.diagnostics) err(formatDiagnostic(d, result.text) + "\n");
    return 2;
  }
  const model = compile(result.valid.manifest);
  buildStack(app, model, { localState: localStatePath(app.outdir, model.name, manifest) });
  app.synth();
  return 0;
}

if (require.main === module) {
  process.exitCode = runCdktfApp(process.env.SGC_MANIFEST, (text) => process.stderr.write(text));
}
