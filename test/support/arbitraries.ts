import fc from "fast-check";
import { Manifest } from "../../src/validate/manifest";

/**
 * Random valid manifests for property tests, built so that every generated manifest passes
 * validation: names are distinct, a service's port items never overlap, and consumers ask
 * only for ports their service serves.
 */

type PortItem = number | string | { port?: number; from?: number; to?: number; protocol?: "tcp" | "udp" | "icmp" | "all" };

const SERVICE_NAMES = ["api", "app", "batch", "cache", "db", "edge", "lb", "queue", "search", "web", "worker", "auth"];
const NETWORK_NAMES = ["office", "vpn", "partners", "ci"];

/** Port items that never overlap each other: each slot owns its own band of port numbers. */
const portItemInSlot = (slot: number): fc.Arbitrary<PortItem> => {
  const base = 1000 + slot * 100;
  return fc.oneof(
    fc.integer({ min: base, max: base + 49 }),
    fc.tuple(fc.integer({ min: base, max: base + 40 }), fc.integer({ min: 1, max: 9 })).map(([from, n]) => `${from}-${from + n}`),
    fc.integer({ min: base, max: base + 49 }).map((port) => ({ port, protocol: "udp" as const })),
    fc.tuple(fc.integer({ min: base, max: base + 40 }), fc.integer({ min: 0, max: 9 })).map(([from, n]) => ({ from, to: from + n, protocol: "tcp" as const })),
  );
};

const servicePorts: fc.Arbitrary<PortItem[]> = fc.oneof(
  { weight: 8, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }).chain((slots) => fc.tuple(...slots.map(portItemInSlot))) },
  { weight: 1, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 2 }).chain((slots) => fc.tuple(...slots.map(portItemInSlot))).map((items) => [...items, { protocol: "icmp" as const }]) },
  { weight: 1, arbitrary: fc.constant([{ protocol: "all" as const }] as PortItem[]) },
);

/** A sub-selection of a service's port items that the validator must accept as a subset. */
const subsetOf = (ports: PortItem[]): fc.Arbitrary<PortItem[] | undefined> =>
  fc.option(fc.subarray(ports, { minLength: 1 }).map((items) => items.map(narrow)), { nil: undefined });

/** A port item narrowed to a sub-range of itself (still a subset of the original). */
function narrow(item: PortItem): PortItem {
  if (typeof item === "string") return Number(item.split("-")[0]);
  if (typeof item === "object" && item.from !== undefined) return { port: item.from, protocol: item.protocol };
  if (typeof item === "object" && item.protocol === "all") return 443;
  return item;
}

const ipv4Cidr = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 }))
  .map(([a, b, prefix]) => canonicalIpv4((a << 24) | (b << 16), prefix));
const ipv6Cidr = fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.constantFrom(48, 56, 64)).map(([g, prefix]) => `2001:db8:${g.toString(16)}::/${prefix}`);

function canonicalIpv4(address: number, prefix: number): string {
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const net = (address >>> 0) & mask;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join(".")}/${prefix}`;
}

/** A random valid manifest. */
export const manifestArbitrary: fc.Arbitrary<Manifest> = fc
  .record({
    services: fc.uniqueArray(fc.constantFrom(...SERVICE_NAMES), { minLength: 1, maxLength: 7 }),
    networks: fc.uniqueArray(fc.constantFrom(...NETWORK_NAMES), { maxLength: 2 }),
  })
  .chain(({ services, networks }) =>
    fc
      .record({
        networkCidrs: fc.tuple(...networks.map(() => fc.uniqueArray(fc.oneof(ipv4Cidr, ipv4Cidr, ipv6Cidr), { minLength: 1, maxLength: 4 }))),
        ports: fc.tuple(...services.map(() => fc.option(servicePorts, { nil: undefined, freq: 4 }))),
        closeDefault: fc.boolean(),
        tiers: fc.option(fc.tuple(...services.map(() => fc.option(fc.constantFrom("edge", "web", "app", "data"), { nil: undefined }))), { nil: undefined }),
        workloads: fc.array(fc.subarray(services, { minLength: 1 }), { maxLength: 2 }),
      })
      .chain(({ networkCidrs, ports, closeDefault, tiers, workloads }) => {
        const names = [...services, ...networks, "internet"];
        const consumerFor = (self: string, own: PortItem[]): fc.Arbitrary<unknown> =>
          fc.oneof(
            fc.constantFrom(...names.filter((n) => n !== self)),
            fc.record({ service: fc.constantFrom(...(services.filter((s) => s !== self).length ? services.filter((s) => s !== self) : ["internet"])) }).map((c) =>
              c.service === "internet" ? "internet" : c,
            ),
            fc.record({ cidr: fc.oneof(ipv4Cidr, ipv6Cidr), description: fc.constantFrom("Partner range", "Legacy VPN") }),
            fc.record({ securityGroup: fc.constantFrom("sg-0123456789abcdef0", "123456789012/sg-0fedcba9876543210"), description: fc.constant("External group") }),
            fc.record({ prefixList: fc.constantFrom("pl-0123456789abcdef0", "pl-02cd2c6b") }),
          ).chain((c) => subsetOf(own).map((subset) => (subset === undefined ? c : typeof c === "string" ? (names.includes(c) && services.includes(c) ? { service: c, ports: subset } : { network: c, ports: subset }) : { ...(c as object), ports: subset })));
        const serviceArb = (name: string, own: PortItem[] | undefined) =>
          fc
            .record({
              consumers: own ? fc.array(consumerFor(name, own), { maxLength: 4 }) : fc.constant([]),
              egress: fc.array(
                fc.record({
                  to: fc.constantFrom("internet", ...networks),
                  ports: fc.constantFrom<PortItem[]>([443], [80, 443], [{ port: 53, protocol: "udp" }], [{ protocol: "icmp" }], [{ protocol: "all" }]),
                }),
                { maxLength: 2 },
              ),
              peers: fc.option(fc.constantFrom<PortItem[]>([7000], ["7000-7010"], [{ protocol: "all" }], [{ port: 7946, protocol: "udp" }]), { nil: undefined, freq: 3 }),
              description: fc.option(fc.constantFrom("Front door", "Worker pool", "Primary database"), { nil: undefined }),
            })
            .map(({ consumers, egress, peers, description }) => ({
              ...(description ? { description } : {}),
              ...(own ? { ports: own } : {}),
              ...(consumers.length ? { consumers: dedupeConsumers(consumers) } : {}),
              ...(egress.length ? { egress: dedupeBy(egress, (e) => e.to) } : {}),
              ...(peers ? { peers } : {}),
            }));
        return fc.tuple(...services.map((name, i) => serviceArb(name, ports[i]))).map((specs) => {
          const manifest: Manifest = {
            version: 1,
            name: "prop",
            aws: { region: "us-east-1", vpcId: "vpc-0a1b2c3d4e5f67890", closeDefaultSecurityGroup: closeDefault },
            services: Object.fromEntries(services.map((name, i) => [name, tiers?.[i] ? { ...specs[i], tier: tiers[i] } : specs[i]])) as Manifest["services"],
          };
          if (tiers) manifest.tiers = ["edge", "web", "app", "data"];
          if (workloads.length) manifest.workloads = Object.fromEntries(workloads.map((members, i) => [`asg-${i}`, members]));
          if (networks.length) manifest.networks = Object.fromEntries(networks.map((name, i) => [name, { cidrs: networkCidrs[i] }]));
          return manifest;
        });
      }),
  );

/** What a consumer entry names, so one source is never listed twice. */
function identity(c: unknown): string {
  if (typeof c === "string") return c;
  const o = c as Record<string, string>;
  return o.service ?? o.network ?? o.cidr ?? o.securityGroup ?? o.prefixList;
}

function dedupeConsumers(consumers: readonly unknown[]): unknown[] {
  return dedupeBy(consumers, identity);
}

function dedupeBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}
