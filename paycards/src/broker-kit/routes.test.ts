/** The gate every broker route shares, checked route by route over real HTTP: stable codes, no change. */
import { type BodyInputOf, messages, newId, newPayerSalt, randomBytes, sha256Hex } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTestVendor, type TestPlayer } from "../testing/players";
import { type BrokerMessageType, brokerHandlers } from "./routes";
import { ALICE, addPaycard, type Fixture, startFixture } from "./test-fixture";

let f: Fixture;
let alice: { paycardId: string; credential: string };
let otherVendor: TestPlayer;

beforeAll(async () => {
  f = await startFixture();
  alice = await addPaycard(f, f.wallet, ALICE);
  otherVendor = await registerTestVendor(f.host.url);
});

afterAll(async () => {
  await f?.close();
});

/** A schema-valid body and its rightful sender for each broker message. */
function valid(type: BrokerMessageType): { who: TestPlayer; body: BodyInputOf<BrokerMessageType> } {
  const digest = sha256Hex(randomBytes(32));
  const usd = { currency: "USD", value: "0.01" };
  switch (type) {
    case "ConfirmPaycard":
      return { who: f.wallet, body: { walletId: f.wallet.id, moduleId: "test-bank", version: "1.0.0" } };
    case "AnswerResponse":
      return { who: f.wallet, body: { sessionId: newId("s_"), answers: { pin: "1" } } };
    case "CheckBalance":
    case "ForgetPaycard":
      return { who: f.wallet, body: alice };
    case "InquiryPayment":
      return {
        who: f.wallet,
        body: {
          ...alice,
          orderDigest: digest,
          vendorId: f.vendor.id,
          amount: usd,
          kind: "micro",
          orderExpiresAt: new Date(Date.now() + 60_000).toISOString(),
          payerSalt: newPayerSalt(),
        },
      };
    case "CheckCommit":
      return {
        who: f.vendor,
        body: {
          commitId: newId("c_"),
          orderDigest: digest,
          vendorId: f.vendor.id,
          amount: usd,
          kind: "micro",
        },
      };
    case "SettleWithBroker": {
      const endorsement = {
        commitId: newId("c_"),
        orderDigest: digest,
        vendorId: f.vendor.id,
        amount: usd,
        brokerId: f.broker.brokerId,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      };
      return {
        who: f.vendor,
        body: { orders: [{ orderDigest: digest, endorsement: { endorsement, sig: "A".repeat(86) } }] },
      };
    }
  }
}

describe("every broker route", () => {
  const types = Object.keys(brokerHandlers) as BrokerMessageType[];

  it.each(types)(
    "%s refuses malformed, misrouted, forged and stale envelopes, changing nothing",
    async (type) => {
      const path = messages[type].path;
      const { who, body } = valid(type);
      const good = (await f.sign(who, type, body)) as Record<string, unknown>;
      const otherType = types.find((t) => t !== type)!;
      const cases: [string, () => Promise<{ status: number; json: { error?: { code: string } } }>, string][] =
        [
          ["empty object", () => f.post(path, {}), "invalid_request"],
          ["JSON array", () => f.post(path, []), "invalid_request"],
          ["broken JSON", () => f.post(path, null, { rawBody: '{"type":' }), "invalid_request"],
          ["another message type", () => f.post(path, { ...good, type: otherType }), "invalid_request"],
          [
            "a body that fails its schema",
            () => f.post(path, { ...good, body: { nope: true } }),
            "invalid_request",
          ],
          ["a malformed message id", () => f.post(path, { ...good, id: "short" }), "invalid_request"],
          ["a forged signature", () => f.post(path, { ...good, sig: "A".repeat(86) }), "bad_signature"],
          [
            "another registered player's name",
            () => f.post(path, { ...good, from: who === f.vendor ? otherVendor.id : f.otherWallet.id }),
            "bad_signature",
          ],
          [
            "a stale message",
            async () =>
              f.post(path, await f.sign(who, type, body, { at: new Date(Date.now() - 6 * 60_000) })),
            "stale_message",
          ],
        ];
      const before = await f.snapshot();
      for (const [what, send, code] of cases) {
        const r = await send();
        expect({ what, code: r.json.error?.code }).toEqual({ what, code });
        expect(r.status, what).toBeGreaterThanOrEqual(400);
        expect(r.status, what).toBeLessThan(500);
      }
      expect(await f.snapshot()).toEqual(before);
    },
  );
});
