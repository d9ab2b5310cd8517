/**
 * Several Paycards in one Wallet, against a real host, the demo bank and the demo shop: adding a
 * second asks (and keeps the current one active when told so), the overview with broker, balance and
 * status, switching, the chosen card paying, removing one (another becomes active, the bank revokes
 * the credential through the outbox, the history stays), and re-adding a card whose removal the bank
 * has not heard of yet.
 */
import "fake-indexeddb/auto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { paycardModules } from "@quickpay/paycards";
import { paycardCodeHash } from "@quickpay/paycards/code-hash";
import { type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import { type FetchLike, parseMoney } from "@quickpay/protocol";
import { type RunningShop, startDemoShop } from "@quickpay/vendor-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWalletDb } from "./db";
import { FORGET_DEADLINE_MS } from "./paycard-host";
import { routeWalletMessage } from "./router";
import { headlessWindows } from "./test-windows";
import { createWallet, type Wallet } from "./wallet";

const moduleDir = path.resolve(fileURLToPath(import.meta.url), "../../../../paycards/src/demo-bank/module");
const FORGET = "/v1/forget-paycard";

let host: RunningHost;
let bank: RunningBroker;
let shop: RunningShop;
let w: Wallet;
/** While true, Forget Paycard never reaches the bank (it is away). */
let bankAway = false;
/** While true, the bank answers Forget Paycard with a refusal that no resend changes. */
let bankRefuses = false;
/** While set, Forget Paycard waits for it before the bank's answer (a request in flight). */
let forgetHeld: { reached: () => void; held: Promise<void> } | undefined;
/** How far the Wallet's clock is ahead of the real one (a Wallet that stayed offline for weeks). */
let skewMs = 0;

const fetchWithOutage: FetchLike = async (input, init) => {
  if (new URL(String(input)).pathname.endsWith(FORGET)) {
    if (forgetHeld) {
      forgetHeld.reached();
      await forgetHeld.held;
    }
    if (bankAway) throw new TypeError("fetch failed (test: the bank is away)");
    if (bankRefuses) {
      return new Response(
        JSON.stringify({
          error: { code: "forbidden", message: "test: the bank refuses this Forget Paycard" },
        }),
        { status: 403, headers: { "content-type": "application/json" } },
      );
    }
  }
  return fetch(input, init);
};

const live = (accountNumber: string) => bank.liveAccounts().find((a) => a.accountNumber === accountNumber)!;
/** What the account can spend now: a purchase's cent is held at once, captured at settlement. */
const micros = (accountNumber: string) => parseMoney(live(accountNumber).available).micros;
const ui = { kind: "ui" as const };

async function add(accountNumber: string, makeActive?: boolean) {
  const account = bank.accounts.find((a) => a.accountNumber === accountNumber)!;
  const step = await w.paycards.beginAdd("demo-bank");
  return w.paycards.answer(
    "demo-bank",
    step.sessionId,
    { accountNumber, pin: account.pin },
    makeActive === undefined ? {} : { makeActive },
  );
}

const ALICE = "1000-0001";
const BOB = "1000-0002";

beforeAll(async () => {
  host = await startHost();
  bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
  shop = await startDemoShop({ hostUrl: host.url });
  w = createWallet({
    db: await openWalletDb(`paycards-test-${Date.now()}`),
    hostUrl: host.url,
    modules: paycardModules,
    codeHashes: { "demo-bank": paycardCodeHash(moduleDir) },
    // Confirmation windows are not this file's subject: ones that open and stay open.
    confirmWindows: headlessWindows(),
    fetch: fetchWithOutage,
    now: () => new Date(Date.now() + skewMs),
  });
  await w.start();
  await w.outbox.drain();
});

afterAll(async () => {
  await w?.stop();
  await shop?.close();
  await bank?.close();
  await host?.close();
});

describe("several Paycards", () => {
  it("the first card is active; a second one added with 'keep the current one' is not", async () => {
    const alice = await add(ALICE, false);
    expect(alice.active).toBe(true);
    const bob = await add(BOB, false);
    expect(bob.active).toBe(false);
    expect((await w.paycards.list()).map((c) => [c.accountLabel, c.active])).toEqual([
      ["Alice Demo ••0001", true],
      ["Bob Demo ••0002", false],
    ]);
  });

  it("the overview names each card's broker, its balance and its status", async () => {
    const reply = await routeWalletMessage(
      w.handlers,
      { quickpay: 1, name: "paycards.overview", params: {} },
      ui,
    );
    expect(reply.ok).toBe(true);
    const { paycards } = (reply as { result: { paycards: unknown[] } }).result;
    expect(paycards).toMatchObject([
      {
        accountLabel: "Alice Demo ••0001",
        active: true,
        brokerId: bank.brokerId,
        brokerName: expect.any(String),
        status: "ready",
        balance: { available: live(ALICE).available },
      },
      {
        accountLabel: "Bob Demo ••0002",
        active: false,
        status: "ready",
        balance: { available: live(BOB).available },
      },
    ]);
  });

  it("the card made active pays: only its account is charged", async () => {
    const bob = (await w.paycards.list()).find((c) => c.accountLabel.startsWith("Bob"))!;
    await w.paycards.setActive(bob.paycardId);
    const [aliceBefore, bobBefore] = [micros(ALICE), micros(BOB)];
    const id = await w.engine.startPurchase(shop.url, "article-1");
    await w.engine.decide(id, true);
    await w.outbox.drain({ all: true });
    await w.outbox.drain({ all: true });
    expect((await w.purchases.get(id)).status).toBe("delivered");
    expect((await w.purchases.get(id)).paycardId).toBe(bob.paycardId);
    expect(micros(BOB)).toBe(bobBefore - 10_000);
    expect(micros(ALICE)).toBe(aliceBefore);
  });

  it("removing the active card makes the other active, tells the bank, and keeps the history", async () => {
    const bob = (await w.paycards.list()).find((c) => c.accountLabel.startsWith("Bob"))!;
    const historyBefore = (await w.handlers["history.page"]({})).items;
    const reply = await routeWalletMessage(
      w.handlers,
      { quickpay: 1, name: "paycards.remove", params: { paycardId: bob.paycardId } },
      ui,
    );
    expect(reply).toMatchObject({
      ok: true,
      result: {
        removed: { paycardId: bob.paycardId },
        active: { accountLabel: "Alice Demo ••0001" },
        activeChanged: true,
      },
    });
    expect((await w.paycards.list()).map((c) => [c.accountLabel, c.active])).toEqual([
      ["Alice Demo ••0001", true],
    ]);
    await w.outbox.drain({ all: true });
    expect(bank.server.ledger.paycards.paycard(bob.paycardId)?.status).toBe("revoked");
    expect((await w.outbox.pending()).filter((i) => i.type === "ForgetPaycard")).toEqual([]);
    // Nothing of Bob's credential is left in the Wallet.
    const keys = (await w.db.getAllKeys("paycardStorage")).map(String);
    expect(keys.some((k) => k.includes(bob.paycardId))).toBe(false);
    expect((await w.handlers["history.page"]({})).items).toEqual(historyBefore);
  });

  it("a card removed while the bank is away is forgotten once it is back; re-adding it first cancels that", async () => {
    bankAway = true;
    const bob = await add(BOB, false);
    await w.paycards.remove(bob.paycardId);
    await w.outbox.drain({ all: true });
    const waiting = (await w.outbox.pending()).filter((i) => i.type === "ForgetPaycard");
    expect(waiting).toHaveLength(1);
    expect(bank.server.ledger.paycards.paycard(bob.paycardId)?.status).toBe("active");

    // Added again before the bank heard: the new credential must not be revoked by the old removal.
    const again = await add(BOB, false);
    expect(again.paycardId).toBe(bob.paycardId);
    expect((await w.outbox.pending()).filter((i) => i.type === "ForgetPaycard")).toEqual([]);
    bankAway = false;
    await w.outbox.drain({ all: true });
    const overview = await w.paycards.overview();
    expect(overview.find((c) => c.paycardId === bob.paycardId)).toMatchObject({
      status: "ready",
      active: false,
    });

    // Removed again with the bank back: revoked.
    bankAway = true;
    await w.paycards.remove(bob.paycardId);
    await w.outbox.drain({ all: true });
    bankAway = false;
    await w.outbox.drain({ all: true });
    expect(bank.server.ledger.paycards.paycard(bob.paycardId)?.status).toBe("revoked");
  });

  it("removing the last card leaves none active, and a purchase is then no_paycard", async () => {
    const [alice] = await w.paycards.list();
    const removal = await w.paycards.remove(alice!.paycardId);
    expect(removal).toMatchObject({ active: null, activeChanged: true });
    expect(await w.paycards.list()).toEqual([]);
    await expect(w.engine.startPurchase(shop.url, "article-1")).rejects.toMatchObject({ code: "no_paycard" });
  });
});

/** The Wallet's stored module keys (`demo-bank/paycard:<id>`) that name `paycardId`. */
async function storedKeysOf(paycardId: string): Promise<string[]> {
  return (await w.db.getAllKeys("paycardStorage")).map(String).filter((k) => k.includes(paycardId));
}

const NOT_TOLD = "Your bank was not told about a removed Paycard";

describe("a removal the bank can never be told of", () => {
  it("refused for good: the credential is deleted anyway, the inbox says so in words, the other card is untouched", async () => {
    const alice = await add(ALICE, true);
    const bob = await add(BOB, false);
    expect(await storedKeysOf(bob.paycardId)).toEqual([`demo-bank/paycard:${bob.paycardId}`]);
    const unreadBefore = await w.inbox.unreadCount();
    bankRefuses = true;
    try {
      await w.paycards.remove(bob.paycardId);
      await w.outbox.drain({ all: true });
    } finally {
      bankRefuses = false;
    }
    const forget = (await w.db.getAll("outbox")).filter(
      (i) => i.type === "ForgetPaycard" && i.state === "failed",
    );
    expect(forget.map((i) => [i.gaveUp, i.lastError?.code])).toEqual([["refused", "forbidden"]]);
    // The bank never heard: the card is still active there. The Wallet holds no secret of it anymore.
    expect(bank.server.ledger.paycards.paycard(bob.paycardId)?.status).toBe("active");
    expect(await storedKeysOf(bob.paycardId)).toEqual([]);
    expect(await storedKeysOf(alice.paycardId)).toEqual([`demo-bank/paycard:${alice.paycardId}`]);
    const overview = await w.paycards.overview();
    expect(overview.map((c) => [c.accountLabel, c.status])).toEqual([["Alice Demo ••0001", "ready"]]);

    const view = await w.inbox.view();
    expect(view.unread).toBe(unreadBefore + 1);
    const notice = view.messages.find((m) => m.title === NOT_TOLD);
    expect(notice).toMatchObject({ fromName: "Your QuickPay Wallet", unread: true, order: null });
    expect(notice!.text).toBe(
      "You removed “Bob Demo ••0002” (Demo Bank). Your Wallet deleted its credential, but it could not " +
        "tell Demo Bank that the card was removed. If someone else may have a copy of your card's " +
        "details, ask Demo Bank to block the card.",
    );
  });

  it("the same card added again after a give-up gets a new credential and pays", async () => {
    const again = await add(BOB, true);
    expect(await storedKeysOf(again.paycardId)).toEqual([`demo-bank/paycard:${again.paycardId}`]);
    const overview = await w.paycards.overview();
    expect(overview.find((c) => c.paycardId === again.paycardId)).toMatchObject({
      status: "ready",
      active: true,
    });
    const before = micros(BOB);
    const id = await w.engine.startPurchase(shop.url, "article-1");
    await w.engine.decide(id, true);
    await w.outbox.drain({ all: true });
    await w.outbox.drain({ all: true });
    expect((await w.purchases.get(id)).status).toBe("delivered");
    expect(micros(BOB)).toBe(before - 10_000);
  });

  it("a bank away past the deadline: given up after 30 days, the credential deleted, one notice", async () => {
    const bob = (await w.paycards.list()).find((c) => c.accountLabel.startsWith("Bob"))!;
    const notices = async () => (await w.inbox.view()).messages.filter((m) => m.title === NOT_TOLD).length;
    const noticesBefore = await notices();
    bankAway = true;
    try {
      await w.paycards.remove(bob.paycardId);
      await w.outbox.drain({ all: true });
      // Still trying within the deadline: the credential stays until the bank is told, and no notice.
      expect((await w.outbox.pending()).filter((i) => i.type === "ForgetPaycard")).toHaveLength(1);
      expect(await storedKeysOf(bob.paycardId)).toHaveLength(1);
      expect(await notices()).toBe(noticesBefore);
      skewMs = FORGET_DEADLINE_MS + 60_000;
      await w.outbox.drain({ all: true });
    } finally {
      bankAway = false;
      skewMs = 0;
    }
    expect((await w.outbox.pending()).filter((i) => i.type === "ForgetPaycard")).toEqual([]);
    const failed = (await w.db.getAll("outbox")).filter(
      (i) => i.type === "ForgetPaycard" && i.state === "failed",
    );
    expect(failed.map((i) => i.gaveUp)).toEqual(["refused", "expired"]);
    expect(await storedKeysOf(bob.paycardId)).toEqual([]);
    expect(await notices()).toBe(noticesBefore + 1);
    // Another drain changes nothing: the notice is there once.
    await w.outbox.drain({ all: true });
    expect(await notices()).toBe(noticesBefore + 1);
  });

  it("a give-up that lands after the card was added again deletes nothing of the new card", async () => {
    let reached!: () => void;
    const inFlight = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    forgetHeld = {
      reached,
      held: new Promise<void>((resolve) => {
        release = resolve;
      }),
    };
    bankRefuses = true;
    const bob = await add(BOB, false);
    const unreadBefore = await w.inbox.unreadCount();
    let drained: Promise<unknown> | undefined;
    try {
      await w.paycards.remove(bob.paycardId);
      drained = w.outbox.drain({ all: true });
      await inFlight;
      // The shopper adds the card again while the Forget Paycard is on its way; then the bank refuses.
      forgetHeld = undefined;
      const again = await add(BOB, false);
      expect(again.paycardId).toBe(bob.paycardId);
      release();
      await drained;
    } finally {
      forgetHeld = undefined;
      bankRefuses = false;
      release();
      await drained;
    }
    expect(await storedKeysOf(bob.paycardId)).toEqual([`demo-bank/paycard:${bob.paycardId}`]);
    expect((await w.paycards.overview()).find((c) => c.paycardId === bob.paycardId)).toMatchObject({
      status: "ready",
    });
    expect(await w.inbox.unreadCount()).toBe(unreadBefore);
  });
});

describe("a Paycard the bank no longer accepts", () => {
  it("its balance, a purchase with it and the history say so in words, naming the bank", async () => {
    const alice = (await w.paycards.list()).find((c) => c.accountLabel.startsWith("Alice"))!;
    expect(alice.active).toBe(true);
    // The bank revokes the card itself (the shopper told it to, or it blocked the card).
    bank.server.ledger.paycards.revoke(alice.paycardId);
    const balance = await routeWalletMessage(
      w.handlers,
      { quickpay: 1, name: "paycards.balance", params: {} },
      ui,
    );
    expect(balance).toMatchObject({
      ok: false,
      // The Wallet's pages show `details.words` (ui/shared/mount.tsx), the code's words otherwise.
      error: {
        code: "unauthorized",
        details: { words: "Demo Bank no longer accepts “Alice Demo ••0001”. Remove it and add it again." },
      },
    });
    expect((await w.paycards.overview()).find((c) => c.paycardId === alice.paycardId)).toMatchObject({
      status: "revoked",
    });

    const id = await w.engine.startPurchase(shop.url, "article-1");
    await w.engine.decide(id, true);
    await w.outbox.drain({ all: true });
    expect(await w.purchases.get(id)).toMatchObject({ status: "failed", error: { code: "unauthorized" } });
    const words = "Demo Bank no longer accepts this Paycard. Remove it and add it again.";
    const page = await routeWalletMessage(
      w.handlers,
      { quickpay: 1, name: "page.awaitPay", params: { purchaseId: id } },
      { kind: "page", origin: new URL(shop.url).origin },
    );
    expect(page).toMatchObject({ ok: false, error: { code: "unauthorized", message: words } });
    const [row] = (await w.handlers["history.page"]({})).items;
    expect(row).toMatchObject({
      purchaseId: id,
      status: "failed",
      reasonCode: "unauthorized",
      reason: words,
    });
  });
});
