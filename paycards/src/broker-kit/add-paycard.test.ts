/** Confirm Paycard, Answer Response, Check Balance and Forget Paycard over real HTTP, with a real host directory. */
import { generateKeyPair, newId, playerIdFor } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTestWallet, type TestPlayer } from "../testing/players";
import { ALICE, addPaycard, BOB, type Fixture, postMessage, startFixture } from "./test-fixture";

let f: Fixture;

beforeAll(async () => {
  f = await startFixture();
});

afterAll(async () => {
  await f?.close();
});

const confirmBody = () => ({ walletId: f.wallet.id, moduleId: "test-bank", version: "1.0.0" });

describe("Confirm Paycard → Take Question", () => {
  it("opens a session and answers with the policy's typed questions", async () => {
    const r = await postMessage(f, f.wallet, "ConfirmPaycard", confirmBody());
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      brokerId: f.broker.brokerId,
      questions: [
        { id: "accountNumber", kind: "text" },
        { id: "pin", kind: "secret" },
      ],
    });
    expect(r.json.sessionId).toMatch(/^s_/);
  });

  it("answers a resend of the same message with the same session (exactly once)", async () => {
    const id = newId();
    const a = await postMessage(f, f.wallet, "ConfirmPaycard", confirmBody(), { id });
    const b = await postMessage(f, f.wallet, "ConfirmPaycard", confirmBody(), { id });
    expect(b).toEqual(a);
    const other = await postMessage(
      f,
      f.wallet,
      "ConfirmPaycard",
      { ...confirmBody(), version: "9.9.9" },
      { id },
    );
    expect(other.status).toBe(409);
    expect(other.json.error?.code).toBe("conflict");
  });

  it("refuses bad input with a stable code and changes nothing", async () => {
    const stranger = generateKeyPair();
    const strangerSigner = {
      playerId: playerIdFor("wallet", stranger.publicKey),
      privateKey: stranger.privateKey,
    };
    const good = await f.sign(f.wallet, "ConfirmPaycard", confirmBody());
    const cases: [
      string,
      () => Promise<{ status: number; json: { error?: { code: string } } }>,
      number,
      string,
    ][] = [
      ["not JSON", () => f.post("/v1/confirm-paycard", null, { rawBody: "{nope" }), 400, "invalid_request"],
      [
        "not an envelope",
        () => f.post("/v1/confirm-paycard", { walletId: f.wallet.id }),
        400,
        "invalid_request",
      ],
      [
        "wrong media type",
        () => f.post("/v1/confirm-paycard", null, { rawBody: "x", contentType: "text/plain" }),
        400,
        "invalid_request",
      ],
      [
        "too large",
        () => f.post("/v1/confirm-paycard", { pad: "x".repeat(100_000) }),
        413,
        "payload_too_large",
      ],
      ["type posted to the wrong path", () => f.post("/v1/answer-response", good), 400, "invalid_request"],
      [
        "body fails its schema",
        () => postMessage(f, f.wallet, "ConfirmPaycard", { ...confirmBody(), walletId: "w_nope" }),
        400,
        "invalid_request",
      ],
      [
        "for another wallet",
        () => postMessage(f, f.wallet, "ConfirmPaycard", { ...confirmBody(), walletId: f.otherWallet.id }),
        403,
        "forbidden",
      ],
      [
        "from a vendor",
        () => postMessage(f, f.vendor, "ConfirmPaycard", { ...confirmBody(), walletId: f.wallet.id }),
        403,
        "forbidden",
      ],
      [
        "a module this broker does not issue",
        () => postMessage(f, f.wallet, "ConfirmPaycard", { ...confirmBody(), moduleId: "other-bank" }),
        404,
        "not_found",
      ],
      [
        "an unregistered wallet",
        () =>
          postMessage(f, strangerSigner, "ConfirmPaycard", {
            ...confirmBody(),
            walletId: strangerSigner.playerId,
          }),
        404,
        "unknown_player",
      ],
      [
        "a bad signature",
        () => f.post("/v1/confirm-paycard", { ...(good as object), sig: "A".repeat(86) }),
        401,
        "bad_signature",
      ],
      [
        "a tampered body",
        () =>
          f.post("/v1/confirm-paycard", {
            ...(good as object),
            body: { ...confirmBody(), version: "2.0.0" },
          }),
        401,
        "bad_signature",
      ],
      [
        "a stale message",
        () =>
          postMessage(f, f.wallet, "ConfirmPaycard", confirmBody(), {
            at: new Date(Date.now() - 10 * 60_000),
          }),
        400,
        "stale_message",
      ],
      ["an unknown route", () => f.post("/v1/nothing-here", {}), 404, "not_found"],
    ];
    const before = await f.snapshot();
    for (const [what, send, status, code] of cases) {
      const r = await send();
      expect({ what, status: r.status, code: r.json.error?.code }).toEqual({ what, status, code });
      expect(typeof (r.json.error as { message?: unknown } | undefined)?.message, what).toBe("string");
    }
    expect(await f.snapshot()).toEqual(before);
  });
});

describe("Answer Response", () => {
  const answers = { accountNumber: ALICE.accountNumber, pin: ALICE.pin };
  const wrong = { accountNumber: ALICE.accountNumber, pin: "0000" };

  async function session(who = f.wallet): Promise<string> {
    const r = await postMessage(f, who, "ConfirmPaycard", {
      walletId: who.id,
      moduleId: "test-bank",
      version: "1",
    });
    return r.json.sessionId as string;
  }

  it("refuses wrong answers with attempts left, counts a resend once, then too_many_attempts", async () => {
    const sessionId = await session();
    const id = newId();
    const first = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers: wrong }, { id });
    expect(first.status).toBe(403);
    expect(first.json.error).toMatchObject({ code: "wrong_answer", details: { attemptsLeft: 2 } });
    // The same message again is the same attempt, not a new one.
    const resend = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers: wrong }, { id });
    expect(resend.json).toEqual(first.json);
    const second = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers: wrong });
    expect(second.json.error).toMatchObject({ code: "wrong_answer", details: { attemptsLeft: 1 } });
    const third = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers: wrong });
    expect(third.status).toBe(429);
    expect(third.json.error).toMatchObject({ code: "too_many_attempts", details: { attemptsLeft: 0 } });
    const right = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers });
    expect(right.json.error?.code).toBe("too_many_attempts");
    expect(f.broker.ledger.db.prepare("SELECT COUNT(*) AS n FROM paycards").get()).toEqual({ n: 0 });
  });

  it("binds the wallet to the account on right answers and returns a credential it stores only hashed", async () => {
    const sessionId = await session();
    const r = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ accountLabel: "Alice Test ••0001", currency: "USD" });
    const credential = r.json.credential as string;
    expect(credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify((await f.snapshot()).paycards)).not.toContain(credential);
    const again = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers });
    expect(again.json.error?.code).toBe("conflict");
  });

  it("treats another wallet's, an unknown and an expired session as not found", async () => {
    const mine = await session();
    const theirs = await postMessage(f, f.otherWallet, "AnswerResponse", { sessionId: mine, answers });
    expect(theirs.json.error?.code).toBe("not_found");
    const unknown = await postMessage(f, f.wallet, "AnswerResponse", { sessionId: newId("s_"), answers });
    expect(unknown.json.error?.code).toBe("not_found");
    f.clock.offsetMs = 11 * 60_000;
    try {
      const expired = await postMessage(f, f.wallet, "AnswerResponse", { sessionId: mine, answers });
      expect(expired.status).toBe(404);
      expect(expired.json.error?.code).toBe("not_found");
    } finally {
      f.clock.offsetMs = 0;
    }
  });
});

describe("wrong PINs per account, across sessions and wallets", () => {
  const right = { accountNumber: BOB.accountNumber, pin: BOB.pin };
  const wrong = { accountNumber: BOB.accountNumber, pin: "9999" };

  async function answer(who: TestPlayer, answers: Record<string, string>) {
    const take = await postMessage(f, who, "ConfirmPaycard", {
      walletId: who.id,
      moduleId: "test-bank",
      version: "1",
    });
    return postMessage(f, who, "AnswerResponse", { sessionId: take.json.sessionId as string, answers });
  }

  it("cools the account down after five wrong PINs in a row, whatever the session or wallet, then lets it go by itself", async () => {
    // Three wrong PINs use up one session; opening new ones (in another wallet too) does not reset the account's count.
    const take = await postMessage(f, f.wallet, "ConfirmPaycard", {
      walletId: f.wallet.id,
      moduleId: "test-bank",
      version: "1",
    });
    const sessionId = take.json.sessionId as string;
    for (const left of [2, 1]) {
      const r = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers: wrong });
      expect(r.json.error).toMatchObject({ code: "wrong_answer", details: { attemptsLeft: left } });
    }
    const sessionSpent = await postMessage(f, f.wallet, "AnswerResponse", { sessionId, answers: wrong });
    expect(sessionSpent.json.error).toMatchObject({ code: "too_many_attempts" });
    expect(sessionSpent.json.error?.details).not.toHaveProperty("retryAfter");
    expect((await answer(f.otherWallet, wrong)).json.error?.code).toBe("wrong_answer");

    const fifth = await answer(f.wallet, wrong);
    expect(fifth.status).toBe(429);
    const { retryAfter } = fifth.json.error!.details as { retryAfter: string };
    expect(Date.parse(retryAfter) - f.clock.now().getTime()).toBeGreaterThan(14 * 60_000);
    expect(fifth.json.error?.message).toMatch(/Too many wrong PINs in a row for this account.*15 minutes/);

    // The right PIN is refused while it cools down, from a new session, a new wallet, either wallet.
    const newcomer = await registerTestWallet(f.host.url);
    for (const who of [f.wallet, f.otherWallet, newcomer]) {
      const r = await answer(who, right);
      expect(r.status).toBe(429);
      expect(r.json.error).toMatchObject({ code: "too_many_attempts", details: { retryAfter } });
    }
    expect(
      f.broker.ledger.db
        .prepare("SELECT COUNT(*) AS n FROM paycards WHERE account_id = ?")
        .get(f.broker.ledger.accounts.byNumber(BOB.accountNumber)!.account_id),
    ).toEqual({ n: 0 });

    // On the broker's clock the cool-down ends by itself: the right PIN binds again.
    f.clock.offsetMs = Date.parse(retryAfter) - Date.now() + 1_000;
    try {
      const r = await answer(newcomer, right);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json).toMatchObject({ accountLabel: "Bob Test ••0002" });
    } finally {
      f.clock.offsetMs = 0;
    }
  });
});

describe("Check Balance", () => {
  it("reports balance, held and available for the bound wallet and credential only", async () => {
    const { paycardId, credential } = await addPaycard(f, f.wallet, ALICE);
    const r = await postMessage(f, f.wallet, "CheckBalance", { paycardId, credential });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      paycardId,
      balance: { currency: "USD", value: "1.00" },
      held: { currency: "USD", value: "0.00" },
      available: { currency: "USD", value: "1.00" },
    });
    const otherWallet = await postMessage(f, f.otherWallet, "CheckBalance", { paycardId, credential });
    expect(otherWallet.status).toBe(401);
    expect(otherWallet.json.error?.code).toBe("unauthorized");
    const wrongCredential = await postMessage(f, f.wallet, "CheckBalance", {
      paycardId,
      credential: "x".repeat(43),
    });
    expect(wrongCredential.json.error?.code).toBe("unauthorized");
  });
});

describe("Forget Paycard", () => {
  it("revokes the credential for good, once, and only for the wallet that holds it", async () => {
    const { paycardId, credential } = await addPaycard(f, f.wallet, BOB);
    const otherWallet = await postMessage(f, f.otherWallet, "ForgetPaycard", { paycardId, credential });
    expect(otherWallet.json.error?.code).toBe("unauthorized");
    expect((await postMessage(f, f.wallet, "CheckBalance", { paycardId, credential })).status).toBe(200);

    const id = newId();
    const forgot = await postMessage(f, f.wallet, "ForgetPaycard", { paycardId, credential }, { id });
    expect(forgot.status, JSON.stringify(forgot.json)).toBe(200);
    expect(forgot.json).toMatchObject({ paycardId, status: "revoked" });
    expect(f.broker.ledger.paycards.paycard(paycardId)?.status).toBe("revoked");
    // A resend of the same message gets the same answer; a new one with the dead credential does not.
    expect(await postMessage(f, f.wallet, "ForgetPaycard", { paycardId, credential }, { id })).toEqual(
      forgot,
    );
    const again = await postMessage(f, f.wallet, "ForgetPaycard", { paycardId, credential });
    expect(again.json.error?.code).toBe("unauthorized");
    const balance = await postMessage(f, f.wallet, "CheckBalance", { paycardId, credential });
    expect(balance.status).toBe(401);
    expect(balance.json.error?.code).toBe("unauthorized");

    // Adding the same account again brings the same Paycard back with a new, working credential.
    const back = await addPaycard(f, f.wallet, BOB);
    expect(back.paycardId).toBe(paycardId);
    expect(back.credential).not.toBe(credential);
    expect(
      (await postMessage(f, f.wallet, "CheckBalance", { paycardId, credential: back.credential })).status,
    ).toBe(200);
  });
});
