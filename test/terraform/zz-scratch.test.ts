test("x",()=>{});
import { writeFileSync } from "fs";
import { hclFixtures, planHclFixture } from "../support/hcl";
for (const f of hclFixtures()) {
  const t = Date.now();
  try { const p = planHclFixture(f); writeFileSync(`/tmp/plan-${f}.json`, JSON.stringify(p.planJson, null, 1)); console.log(f, "ok", Date.now() - t, p.dir); }
  catch (e) { console.log(f, "FAIL", String(e).slice(0, 3000)); }
}
