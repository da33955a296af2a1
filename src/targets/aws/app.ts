import { compile } from "../../compile";
import { formatDiagnostic } from "../../diagnostics";
import { loadManifest } from "../../pipeline";
import { buildStack, newApp } from "./stack";

/**
 * The cdktf app behind `cdktf synth` and `cdktf deploy` (see cdktf.json). It reads the manifest
 * path from SGC_MANIFEST or the context key `manifest`, and synthesizes the same stack as `sgc synth`.
 */
function main(): void {
  const app = newApp();
  const file = process.env.SGC_MANIFEST ?? (app.node.tryGetContext("manifest") as string | undefined);
  if (!file) {
    process.stderr.write("sgc: set SGC_MANIFEST or the cdktf.json context key \"manifest\" to the manifest's path\n");
    process.exit(2);
  }
  const result = loadManifest(file);
  if (!result.ok) {
    for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, result.text) + "\n");
    process.exit(2);
  }
  buildStack(app, compile(result.valid.manifest));
  app.synth();
}

main();
