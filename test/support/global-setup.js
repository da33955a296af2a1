// Runs once before the test files of a jest run: a folder where they share what is slow to
// make and the same for all of them (the real-world fixtures' Terraform plans; see hcl.ts).
const { mkdtempSync } = require("fs");
const { tmpdir } = require("os");
const { join } = require("path");

module.exports = async () => {
  process.env.SGC_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), "sgc-test-run-"));
};
