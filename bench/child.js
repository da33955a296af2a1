"use strict";
/**
 * Runs one sgc command in this process, as bin/sgc.js does, and reports its peak memory
 * (max resident set size) to the file named by SGC_BENCH_RSS when it exits.
 */
const { writeFileSync } = require("fs");
process.on("exit", () => {
  if (process.env.SGC_BENCH_RSS) writeFileSync(process.env.SGC_BENCH_RSS, String(process.resourceUsage().maxRSS));
});
if (process.argv[2] === "--floor") {
  // The floor: what any tool must pay to read, serialize and write the same cdk.tf.json.
  const fs = require("fs");
  fs.writeFileSync(process.argv[4], JSON.stringify(JSON.parse(fs.readFileSync(process.argv[3], "utf8")), null, 2) + "\n");
} else {
  require("../dist/cli/main.js").main();
}
