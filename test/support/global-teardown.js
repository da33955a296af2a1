// Runs once after the test files of a jest run: removes the folder global-setup.js made.
const { rmSync } = require("fs");

module.exports = async () => {
  if (process.env.SGC_TEST_RUN_DIR) rmSync(process.env.SGC_TEST_RUN_DIR, { recursive: true, force: true });
};
