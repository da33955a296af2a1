"use strict";
/**
 * Deterministic synthetic manifests for the benchmark: four tiers, one to four consumers per
 * service from the next tier out, one to four ports each, an office network, a few services
 * open to the office.
 */
const TIERS = ["edge", "web", "app", "data"];

/** A small deterministic PRNG (mulberry32), so the same size always gives the same manifest. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The manifest text for `count` services. */
function generateManifest(count) {
  const rand = random(count);
  const perTier = Math.ceil(count / TIERS.length);
  const name = (tier, i) => `${tier}-${String(i).padStart(5, "0")}`;
  const lines = [
    "version: 1",
    `name: bench-${count}`,
    "aws:",
    "  region: us-east-1",
    "  vpcId: vpc-0a1b2c3d4e5f67890",
    "  tags: { owner: platform }",
    `tiers: [${TIERS.join(", ")}]`,
    "networks:",
    "  office:",
    "    description: HQ and VPN",
    "    cidrs: [203.0.113.0/24, 198.51.100.0/24]",
    "services:",
  ];
  let made = 0;
  for (let t = 0; t < TIERS.length && made < count; t++) {
    for (let i = 0; i < perTier && made < count; i++, made++) {
      const tier = TIERS[t];
      const port = 10000 + ((made * 4) % 50000); // clear of admin ports, so the manifest checks clean
      lines.push(`  ${name(tier, i)}:`);
      lines.push(`    description: ${tier} service ${i}`);
      lines.push(`    tier: ${tier}`);
      if (t === 0) {
        lines.push("    ports: [443]");
        lines.push(i % 50 === 0 ? "    consumers: [internet, { network: office, ports: [443] }]" : "    consumers: [internet]");
        continue;
      }
      // One to four ports each, so 1,000 services make about 10,000 rules.
      const ports = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, k) => port + k);
      lines.push(`    ports: [${ports.join(", ")}]`);
      const consumers = new Set();
      const n = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) consumers.add(name(TIERS[t - 1], Math.floor(rand() * perTier)));
      const list = [...consumers];
      if (i % 100 === 0) list.push("office");
      lines.push(`    consumers: [${list.join(", ")}]`);
    }
  }
  return lines.join("\n") + "\n";
}

module.exports = { generateManifest };

if (require.main === module) process.stdout.write(generateManifest(Number(process.argv[2] ?? 100)));
