/**
 * The inbox against a real host on loopback (with the demo bank and a real vendor): memos to the
 * wallet fetched exactly once — fetched twice, by two workers at once, or by a worker that died
 * between the host's answer and the write — a vendor writing to "the wallet of order D" right after
 * the purchase, linked to that order and said in words; a refund notice from the bank; another shop
 * unable to borrow the order; and the sender's text kept as capped plain text.
 */
import "fake-indexeddb/auto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningHost, startHost } from "@quickpay/host-server";
import { paycardModules } from "@quickpay/paycards";
import { paycardCodeHash } from "@quickpay/paycards/code-hash";
import { type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import { type FetchLike, sendMessage, signEnvelope } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWalletDb } from "./db";
import { CAPS, plainText } from "./inbox";
import { startTestVendor, type TestVendor, testItem } from "./test-vendor";
import { headlessWindows } from "./test-windows";
import { createWallet, type Wallet } from "./wallet";

const moduleDir = path.resolve(fileURLToPath(import.meta.url), "../../../../paycards/src/demo-bank/module");

let host: RunningHost;
let bank: RunningBroker;
let vendor: TestVendor;
let otherVendor: TestVendor;
const dbName = `inbox-test-${Date.now()}`;
const started: Wallet[] = [];
/** The badge: every unread count the engine reported, last one last. */
const badge: number[] = [];

/** Set to lose the next Fetch Messages answer after the host sent it (the worker died holding it). */
let loseNextFetchAnswer = false;
let fetchMessagesCalls = 0;
const network: FetchLike = async (input, init) => {
  const url = String(input);
  const response = await fetch(input, init);
  if (url.endsWith("/v1/fetch-messages")) {
    fetchMessagesCalls++;
    if (loseNextFetchAnswer) {
      loseNextFetchAnswer = false;
      await response.text();
      throw new TypeError("fetch failed (test: the worker stopped after the host answered)");
    }
  }
  return response;
};

async function wallet(): Promise<Wallet> {
  const w = createWallet({
    db: await openWalletDb(dbName),
    hostUrl: host.url,
    modules: paycardModules,
    codeHashes: { "demo-bank": paycardCodeHash(moduleDir) },
    // A window "on screen" for the purchase; the test approves through the engine.
    confirmWindows: headlessWindows(),
    fetch: network,
    onUnreadChanged: (n) => badge.push(n),
  });
  started.push(w);
  await w.start();
  await w.outbox.drain({ all: true });
  return w;
}

async function walletId(w: Wallet): Promise<string> {
  return (await w.db.get("meta", "wallet"))!.walletId;
}

beforeAll(async () => {
  host = await startHost();
  bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
  vendor = await startTestVendor(host.url, [
    testItem("letter-1", { description: "A letter from the editor" }),
  ]);
  otherVendor = await startTestVendor(host.url, []);
});

afterAll(async () => {
  for (const w of started) await w.stop();
  await otherVendor?.close();
  await vendor?.close();
  await bank?.close();
  await host?.close();
});

describe("the inbox against a real host", () => {
  let w: Wallet;

  it("a memo to the wallet arrives once, however often the mailbox is read", async () => {
    w = await wallet();
    expect((await w.db.get("meta", "wallet"))?.registered).toBe(true);
    expect((await w.inbox.view()).messages).toEqual([]);
    await vendor.post({
      to: { playerId: await walletId(w) },
      subject: "Welcome",
      text: "Thanks for reading.",
    });
    expect(await w.inbox.fetchNow()).toEqual({ added: 1 });
    expect(await w.inbox.fetchNow()).toEqual({ added: 0 });
    const view = await w.inbox.view();
    expect(view.unread).toBe(1);
    expect(view.messages).toMatchObject([
      {
        kind: "vendor",
        fromName: "Test Vendor",
        title: "Welcome",
        text: "Thanks for reading.",
        unread: true,
        order: null,
      },
    ]);
    expect(view.checkedAt).not.toBeNull();
    expect(badge.at(-1)).toBe(1);
    expect(await w.db.count("inbox")).toBe(1);
  });

  it("a worker that died between the host's answer and the write loses nothing, and the next one stores it once", async () => {
    await vendor.post({ to: { playerId: await walletId(w) }, text: "Second letter." });
    const cursorBefore = (await w.db.get("inboxState", "host"))?.cursor;
    loseNextFetchAnswer = true;
    await expect(w.inbox.fetchNow()).rejects.toThrow(/worker stopped/);
    // Nothing was written: not the message, not the cursor.
    expect((await w.db.get("inboxState", "host"))?.cursor).toBe(cursorBefore);
    expect(await w.db.count("inbox")).toBe(1);
    void w.stop();
    w = await wallet();
    expect(await w.inbox.fetchNow()).toEqual({ added: 1 });
    expect((await w.inbox.view()).messages.map((m) => m.text)).toEqual([
      "Second letter.",
      "Thanks for reading.",
    ]);
  });

  it("two workers reading at once store each message once, and the cursor never goes back", async () => {
    await vendor.post({ to: { playerId: await walletId(w) }, text: "Third letter." });
    const other = await wallet();
    const before = fetchMessagesCalls;
    const [a, b] = await Promise.all([w.inbox.fetchNow(), other.inbox.fetchNow()]);
    expect(fetchMessagesCalls - before).toBeGreaterThanOrEqual(2);
    expect(a.added + b.added).toBe(1);
    expect(await w.db.count("inbox")).toBe(3);
    // One engine asked twice while it reads: the second call reads once more after the first.
    const [c, d] = await Promise.all([w.inbox.fetchNow(), w.inbox.fetchNow()]);
    expect(c.added + d.added).toBe(0);
    await other.stop();
    const state = await w.db.get("inboxState", "host");
    const seqs = (await w.db.getAll("inbox")).map((m) => m.seq);
    expect(Number(state?.cursor)).toBe(Math.max(...seqs));
  });

  it("reading a message lowers the badge; reading all clears it", async () => {
    const { messages, unread } = await w.inbox.view();
    expect(unread).toBe(3);
    expect(await w.inbox.markRead([messages[0]!.id, "no such message"])).toBe(2);
    expect(badge.at(-1)).toBe(2);
    expect((await w.inbox.view()).messages.map((m) => m.unread)).toEqual([false, true, true]);
    expect(await w.handlers["inbox.markRead"]({ all: true })).toEqual({ unread: 0 });
    expect(badge.at(-1)).toBe(0);
  });

  it("after a purchase, the shop writes to the wallet of the order: linked to it, in words", async () => {
    const account = bank.accounts[0]!;
    const step = await w.paycards.beginAdd("demo-bank");
    await w.paycards.answer("demo-bank", step.sessionId, {
      accountNumber: account.accountNumber,
      pin: account.pin,
    });
    const id = await w.engine.startPurchase(vendor.url, "letter-1");
    await w.engine.decide(id, true);
    const result = await w.engine.outcome(id, vendor.url);
    expect(result.status).toBe("delivered");
    const before = fetchMessagesCalls;
    await w.outbox.drain({ all: true });
    // Register Order acknowledged: the Wallet read its mailbox at once.
    await expect.poll(() => fetchMessagesCalls).toBeGreaterThan(before);

    const digest = result.orderDigest;
    await vendor.post({
      to: { walletOfOrder: digest },
      subject: "About your letter",
      text: "Thank you for your order.\nA reply from the editor follows next week.",
      orderDigest: digest,
      link: `${vendor.url}/letters/1`,
    });
    // The vendor never learns who the wallet is; the host delivers it to this one.
    expect(await w.inbox.fetchNow()).toEqual({ added: 1 });
    const [reply] = (await w.handlers["inbox.list"]()).messages;
    expect(reply).toMatchObject({
      kind: "vendor",
      fromName: "Test Vendor",
      title: "About your letter",
      text: "Thank you for your order.\nA reply from the editor follows next week.",
      link: `${vendor.url}/letters/1`,
      unread: true,
      order: {
        purchaseId: id,
        orderDigest: digest,
        description: "A letter from the editor",
        status: "delivered",
      },
    });
  });

  it("another shop naming the same order is shown, but not linked to it", async () => {
    const [purchase] = await w.db.getAll("purchases");
    await otherVendor.post({
      to: { playerId: await walletId(w) },
      text: "We refunded your letter, click here.",
      orderDigest: purchase!.orderDigest,
    });
    await w.inbox.fetchNow();
    const [memo] = (await w.inbox.view()).messages;
    expect(memo).toMatchObject({ kind: "vendor", text: "We refunded your letter, click here.", order: null });
  });

  it("a refund notice from the bank that endorsed the order says who refunded what, for which article", async () => {
    const [purchase] = await w.db.getAll("purchases");
    const endorsement = purchase!.endorsement!.endorsement;
    // The bank's commitment reaches the host; then it revokes, and the host tells the order's wallet.
    await bank.server.flushOutbox();
    const broker = bank.server.broker;
    const envelope = await signEnvelope(
      { playerId: broker.brokerId, privateKey: broker.key.privateKey },
      "RegisterRevoke" as const,
      {
        orderDigest: purchase!.orderDigest,
        commitId: endorsement.commitId,
        vendorId: endorsement.vendorId,
        amount: endorsement.amount,
        reason: "The shop refunded it",
      },
    );
    await sendMessage(host.url, "RegisterRevoke", envelope);
    await expect.poll(async () => (await w.inbox.fetchNow()).added, { timeout: 5_000 }).toBe(1);
    const [refund] = (await w.inbox.view()).messages;
    expect(refund).toMatchObject({
      kind: "refund",
      title: "Refund",
      text: "Demo Bank refunded $0.01 for “A letter from the editor”. The reason given: “The shop refunded it”.",
      order: { purchaseId: purchase!.id },
    });
  });

  it("keeps a sender's text as capped plain text: no control or direction-changing characters, no markup", async () => {
    const text = `<img src=x onerror=alert(1)>\u202Egnp.exe\u0007 ${"x".repeat(5_000)}`;
    await vendor.post({
      to: { playerId: await walletId(w) },
      subject: `Hi\u0000 ${"s".repeat(190)}`,
      text: text.slice(0, 4000),
    });
    await w.inbox.fetchNow();
    const [m] = (await w.inbox.view()).messages;
    expect(m!.text.startsWith("<img src=x onerror=alert(1)>gnp.exe x")).toBe(true);
    expect(Array.from(m!.text)).toHaveLength(CAPS.text);
    expect(m!.text.endsWith("…")).toBe(true);
    expect(Array.from(m!.title)).toHaveLength(CAPS.subject);
    expect(m!.title.startsWith("Hi s")).toBe(true);
  });
});

describe("plainText", () => {
  it("removes controls and bidi overrides, tidies whitespace, caps by characters", () => {
    expect(plainText("a\u202Eb\u2066c\u0000d\u009Fe", 100)).toBe("abcde");
    expect(plainText("  one\n\n\n\ntwo \r\n three  ", 100, true)).toBe("one\n\ntwo\nthree");
    expect(plainText("one\ntwo", 100)).toBe("one two");
    expect(plainText("😀😀😀😀", 3)).toBe("😀😀…");
    expect(plainText("\u0007", 10)).toBe("");
  });
});
