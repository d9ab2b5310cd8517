/**
 * The host checks envelopes on the event loop (no spare core, `verifyThreads: 0`) or on the envelope
 * thread (the default on a multi-core machine). Both must give the same answers to the same requests.
 */
import { newId } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endorsed, envelope, post, startTestHost } from "../test-kit";

describe.each([
  ["on the event loop", 0],
  ["on the envelope thread", 1],
])("envelope checks %s", (_where, verifyThreads) => {
  let t: Awaited<ReturnType<typeof startTestHost>>;
  beforeAll(async () => {
    t = await startTestHost({ verifyThreads });
  });
  afterAll(async () => t.host.close());

  it("records a signed registration once and refuses altered, stale, foreign and reused-id envelopes", async () => {
    const url = `${t.host.url}/v1/register-delivery`;
    const { facts, endorsement } = await endorsed(t.broker, t.vendor.id);
    const id = newId();
    const signed = await envelope(t.vendor, "RegisterDelivery", facts, { id });
    const first = await post(url, signed);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ orderDigest: facts.orderDigest, side: "delivery", flagged: false });
    // The same envelope again, and the same body re-signed: the stored reply.
    expect((await post(url, signed)).json).toEqual(first.json);
    expect((await post(url, await envelope(t.vendor, "RegisterDelivery", facts, { id }))).json).toEqual(
      first.json,
    );
    const altered = { ...signed, body: { ...facts, amount: { currency: "USD", value: "0.02" } } };
    expect((await post(url, altered)).json.error.code).toBe("bad_signature");
    const stale = await envelope(t.vendor, "RegisterDelivery", facts, {
      at: new Date(Date.now() - 3_600_000),
    });
    expect((await post(url, stale)).json.error.code).toBe("stale_message");
    const byWallet = await envelope(t.wallet, "RegisterDelivery", facts);
    expect((await post(url, byWallet)).json.error.code).toBe("forbidden");
    const reused = await envelope(
      t.vendor,
      "RegisterDelivery",
      { ...facts, commitId: `c_${newId()}` },
      { id },
    );
    expect((await post(url, reused)).json.error.code).toBe("conflict");
    // A commit registration carries a second signature (the endorsement) checked the same way.
    const commit = await envelope(t.broker, "RegisterCommit", { endorsement });
    expect((await post(`${t.host.url}/v1/register-commit`, commit)).status).toBe(200);
    const forged = { ...endorsement, sig: endorsement.sig.replace(/^./, (c) => (c === "A" ? "B" : "A")) };
    const bad = await envelope(t.broker, "RegisterCommit", { endorsement: forged });
    expect((await post(`${t.host.url}/v1/register-commit`, bad)).json.error.code).toBe("bad_signature");
  });
});
