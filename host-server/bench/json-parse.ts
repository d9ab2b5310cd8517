/**
 * The parse cost per request body: fastify's default JSON parser (secure-json-parse, what the host
 * used before issue 12) against `parseJson` (I-JSON: duplicate keys refused), on a single
 * registration's envelope and a 1000-registration batch. `npx tsx host-server/bench/json-parse.ts`
 */
import { generateKeyPair, parseJson, playerIdFor, sha256Hex, signEnvelope } from "@quickpay/protocol";
import secureJson from "secure-json-parse";

const keys = generateKeyPair();
const signer = { playerId: playerIdFor("vendor", keys.publicKey), privateKey: keys.privateKey };
const facts = (i: number) => ({
  orderDigest: sha256Hex(`order ${i}`),
  commitId: `c_${sha256Hex(`commit ${i}`).slice(0, 22)}`,
  vendorId: signer.playerId,
  amount: { currency: "USD", value: "0.01" },
});
const single = JSON.stringify(await signEnvelope(signer, "RegisterDelivery", facts(0)));
const batch = JSON.stringify(
  await signEnvelope(signer, "RegisterDeliveryBatch", {
    deliveries: Array.from({ length: 1000 }, (_, i) => facts(i)),
  }),
);

const fastifyDefault = (text: string) =>
  secureJson.parse(text, { protoAction: "error", constructorAction: "error" });

/**
 * Microseconds per call: the fastest of `rounds` timed runs of `ms` each, the parsers taking turns,
 * so a neighbour's burst on a shared core (this VM has two) lands in one run, not in one parser.
 */
function perCall(parsers: ((text: string) => unknown)[], text: string, ms: number, rounds = 15): number[] {
  for (const parse of parsers) for (let i = 0; i < 2000; i++) parse(text);
  const best = parsers.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < rounds; r++) {
    for (const [p, parse] of parsers.entries()) {
      let count = 0;
      const start = performance.now();
      let now = start;
      while (now - start < ms) {
        for (let i = 0; i < 10; i++) parse(text);
        count += 10;
        now = performance.now();
      }
      best[p] = Math.min(best[p]!, ((now - start) * 1000) / count);
    }
  }
  return best;
}

for (const [name, text, ms] of [
  ["single registration", single, 100],
  ["batch of 1000", batch, 300],
] as const) {
  const [before, after, plain] = perCall([fastifyDefault, parseJson, JSON.parse], text, ms) as [
    number,
    number,
    number,
  ];
  console.log(
    `${name} (${text.length} B): JSON.parse ${plain.toFixed(2)} µs, fastify/secure-json-parse ${before.toFixed(2)} µs, ` +
      `parseJson ${after.toFixed(2)} µs (${(after - before >= 0 ? "+" : "") + (after - before).toFixed(2)} µs)`,
  );
}
