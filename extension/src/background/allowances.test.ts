/**
 * Per-vendor allowances against a real IndexedDB (fake-indexeddb): the check-and-spend is atomic (of
 * 20 concurrent purchases only what fits is paid, never a cent past the limit), the allowance renews
 * when the clock passes its calendar period, only micro orders with the active Paycard at the same
 * vendor and origin fit, and a page can neither create, raise nor revoke one (the router refuses).
 */
import "fake-indexeddb/auto";
import { newPayerSalt, type SignedOrder } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { Allowances, allowanceKey, creditAllowanceBack, periodEndOf, periodStartOf } from "./allowances";
import { openWalletDb, type StoredPurchase, type WalletDatabase } from "./db";
import { routeWalletMessage } from "./router";
import { headlessWindows } from "./test-windows";
import { createWallet } from "./wallet";

const VENDOR = "v_shop";
const ORIGIN = "http://127.0.0.1:4100";
let seq = 0;

function purchase(
  value: string,
  extra: { kind?: "micro" | "regular"; origin?: string; paycardId?: string; expiresAt?: Date } = {},
) {
  seq += 1;
  const id = `p_${seq.toString().padStart(6, "0")}`;
  const order = {
    orderId: `o_${seq}`,
    vendorId: VENDOR,
    itemId: "article-1",
    description: "An article",
    amount: { currency: "USD", value },
    kind: extra.kind ?? "micro",
    expiresAt: (extra.expiresAt ?? new Date(Date.now() + 600_000)).toISOString(),
    deliveryUrl: "http://127.0.0.1:4100/deliver",
  };
  const p: StoredPurchase = {
    id,
    origin: extra.origin ?? ORIGIN,
    itemId: "article-1",
    vendorId: VENDOR,
    vendor: { id: VENDOR, name: "Demo Shop", endpoint: "http://127.0.0.1:4100/qp" },
    signedOrder: { order, signature: "x" } as unknown as SignedOrder,
    orderDigest: `${seq}`.padStart(64, "0"),
    paycardId: extra.paycardId ?? "pc_active",
    moduleId: "demo-bank",
    inquiryMessageId: `m_${id}`.padEnd(16, "0"),
    payerSalt: newPayerSalt(),
    status: "confirming",
    deliveryFailures: 0,
    registered: false,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  return p;
}

async function freshDb(): Promise<WalletDatabase> {
  const db = await openWalletDb(`allowances-${Date.now()}-${Math.random()}`);
  const card = {
    moduleId: "demo-bank",
    accountLabel: "x",
    currency: "USD",
    addedAt: new Date().toISOString(),
  };
  await db.put("paycards", { ...card, paycardId: "pc_active", active: true });
  await db.put("paycards", { ...card, paycardId: "pc_other", active: false });
  return db;
}

describe("allowances", () => {
  it("pays at most what fits when 20 purchases race for the last cents", async () => {
    const db = await freshDb();
    let clock = new Date(2026, 11, 2, 10, 0, 0);
    const allowances = new Allowances(db, () => clock);
    // Approved in the window with "up to $0.10 per day": that $0.01 counts, so $0.09 is left.
    await allowances.setFromPurchase(purchase("0.01"), { currency: "USD", value: "0.1" }, "day");
    const racers = Array.from({ length: 20 }, () => purchase("0.02"));
    const paid = await Promise.all(racers.map((p) => allowances.autoPay(p)));
    // $0.09 left and $0.02 each: four fit ($0.08), the fifth would pass the limit by a cent.
    expect(paid.filter(Boolean)).toHaveLength(4);
    const [view] = await allowances.list();
    expect(view).toMatchObject({ spent: { value: "0.09" }, left: { value: "0.01" }, period: "day" });
    // Exactly the paid ones are stored, each `paying` with its Inquiry Payment queued, marked as allowance.
    const stored = await db.getAll("purchases");
    expect(stored).toHaveLength(4);
    expect(
      stored.every((p) => p.status === "paying" && p.allowanceKey === allowanceKey(VENDOR, ORIGIN)),
    ).toBe(true);
    expect(await db.getAll("outbox")).toHaveLength(4);
    // The last cent fits exactly; nothing more.
    expect(await allowances.autoPay(purchase("0.01"))).toBe(true);
    expect(await allowances.autoPay(purchase("0.000001"))).toBe(false);

    // The clock passes midnight: the new day starts whole.
    clock = new Date(2026, 11, 3, 0, 0, 1);
    expect((await allowances.list())[0]).toMatchObject({ spent: { value: "0.00" }, left: { value: "0.10" } });
    expect(await allowances.autoPay(purchase("0.1"))).toBe(true);
    expect(await allowances.autoPay(purchase("0.01"))).toBe(false);
  });

  it("fits only micro orders, at its own origin, with the active Paycard", async () => {
    const db = await freshDb();
    const allowances = new Allowances(db, () => new Date());
    await allowances.setFromPurchase(purchase("0.01"), { currency: "USD", value: "1" }, "month");
    expect(await allowances.autoPay(purchase("0.01", { kind: "regular" }))).toBe(false);
    expect(await allowances.autoPay(purchase("0.01", { origin: "http://127.0.0.1:4200" }))).toBe(false);
    expect(await allowances.autoPay(purchase("0.01", { paycardId: "pc_other" }))).toBe(false);
    expect(await db.getAll("purchases")).toEqual([]);
    // Another card made active: the allowance pays with it (always the active card, never another).
    await db.put("paycards", { ...(await db.get("paycards", "pc_active"))!, active: false });
    await db.put("paycards", { ...(await db.get("paycards", "pc_other"))!, active: true });
    expect(await allowances.autoPay(purchase("0.01", { paycardId: "pc_other" }))).toBe(true);
    // Revoked: the window asks again.
    await allowances.revoke(allowanceKey(VENDOR, ORIGIN));
    expect(await allowances.autoPay(purchase("0.01", { paycardId: "pc_other" }))).toBe(false);
  });

  it("refuses an allowance for a regular order, of zero, or past the cap", async () => {
    const allowances = new Allowances(await freshDb(), () => new Date());
    await expect(
      allowances.setFromPurchase(
        purchase("0.01", { kind: "regular" }),
        { currency: "USD", value: "1" },
        "day",
      ),
    ).rejects.toMatchObject({ code: "invalid_request" });
    await expect(
      allowances.setFromPurchase(purchase("0.01"), { currency: "USD", value: "0" }, "day"),
    ).rejects.toMatchObject({ code: "invalid_request" });
    await expect(
      allowances.setFromPurchase(purchase("0.01"), { currency: "USD", value: "20.000001" }, "day"),
    ).rejects.toMatchObject({ code: "invalid_request" });
    await expect(
      allowances.setFromPurchase(purchase("0.01"), { currency: "EUR", value: "1" }, "day"),
    ).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("edits keep what this period spent; weeks start on Monday and months on the 1st", async () => {
    const db = await freshDb();
    const clock = new Date(2026, 11, 2, 12); // a Wednesday
    const allowances = new Allowances(db, () => clock);
    await allowances.setFromPurchase(purchase("0.05"), { currency: "USD", value: "0.1" }, "day");
    const key = allowanceKey(VENDOR, ORIGIN);
    const edited = await allowances.update(key, {
      limit: { currency: "USD", value: "0.50" },
      period: "week",
    });
    expect(edited).toMatchObject({
      limit: { value: "0.50" },
      spent: { value: "0.05" },
      left: { value: "0.45" },
    });
    expect(periodStartOf(clock, "week")).toEqual(new Date(2026, 10, 30));
    expect(periodEndOf(clock, "week")).toEqual(new Date(2026, 11, 7));
    expect(periodStartOf(clock, "month")).toEqual(new Date(2026, 11, 1));
    expect(periodEndOf(clock, "month")).toEqual(new Date(2027, 0, 1));
    expect(edited.renewsAt).toBe(new Date(2026, 11, 7).toISOString());
    await expect(allowances.update(key, { limit: { currency: "EUR", value: "1" } })).rejects.toMatchObject({
      code: "invalid_request",
    });
  });

  it("a page cannot create, raise, list or revoke an allowance, nor approve one in the window", async () => {
    const db = await freshDb();
    const wallet = createWallet({
      db,
      hostUrl: "http://127.0.0.1:9",
      modules: {},
      codeHashes: {},
      confirmWindows: headlessWindows(),
    });
    await wallet.allowances.setFromPurchase(purchase("0.01"), { currency: "USD", value: "0.1" }, "day");
    const before = await db.getAll("allowances");
    const page = { kind: "page" as const, origin: ORIGIN };
    const key = allowanceKey(VENDOR, ORIGIN);
    const attempts = [
      { name: "allowances.update", params: { key, limit: { currency: "USD", value: "20" } } },
      { name: "allowances.revoke", params: { key } },
      { name: "allowances.list", params: {} },
      {
        name: "confirm.decide",
        params: {
          id: "p_000001",
          approve: true,
          allowance: { limit: { currency: "USD", value: "20" }, period: "month" },
        },
      },
    ];
    for (const { name, params } of attempts) {
      const reply = await routeWalletMessage(wallet.handlers, { quickpay: 1, name, params }, page);
      expect(reply).toMatchObject({ ok: false, error: { code: "forbidden" } });
    }
    expect(await db.getAll("allowances")).toEqual(before);
    // The Wallet's own page can raise it.
    const ui = await routeWalletMessage(
      wallet.handlers,
      { quickpay: 1, name: "allowances.update", params: { key, limit: { currency: "USD", value: "0.25" } } },
      { kind: "ui" },
    );
    expect(ui).toMatchObject({ ok: true, result: { limit: { value: "0.25" } } });
    await wallet.stop();
  });

  it("a purchase it paid that ends uncharged is credited back once, to its own period only", async () => {
    const db = await freshDb();
    await db.put("meta", {
      id: "wallet",
      walletId: "w_test",
      registered: true,
      registerMessageId: "m".repeat(16),
    });
    let clock = new Date(2026, 11, 2, 23, 50);
    // No host or bank is reachable: each purchase ends by its order expiring before Inquiry Payment.
    const worker = () =>
      createWallet({
        db,
        hostUrl: "http://127.0.0.1:9",
        modules: {},
        codeHashes: {},
        confirmWindows: headlessWindows(),
        now: () => clock,
      });
    const w = worker();
    const key = allowanceKey(VENDOR, ORIGIN);
    const spent = async () => (await db.get("allowances", key))!.spentMicros;
    await w.allowances.setFromPurchase(purchase("0.01"), { currency: "USD", value: "0.1" }, "day");
    const soon = () => new Date(clock.getTime() + 60_000);
    const asked = (p: StoredPurchase) => ({ ...p, createdAt: clock.toISOString() });
    const failing = asked(purchase("0.02", { expiresAt: soon() }));
    expect(await w.allowances.autoPay(failing)).toBe(true);
    expect(await spent()).toBe(30_000);

    // Two workers (one presumed dead but still running) both record the end: credited once.
    clock = new Date(clock.getTime() + 2 * 60_000);
    const other = worker();
    await Promise.all([w.outbox.drain({ all: true }), other.outbox.drain({ all: true })]);
    const ended = (await db.get("purchases", failing.id))!;
    expect(ended).toMatchObject({ status: "failed", error: { code: "order_expired" } });
    expect(ended.allowanceSpend).toMatchObject({ micros: 20_000, creditBack: { credited: true } });
    expect(await spent()).toBe(10_000);
    await w.outbox.drain({ all: true });
    expect(await spent()).toBe(10_000);
    // Recorded again by hand (a replayed write): the settled record changes nothing.
    const allowanceStore = {
      get: (k: string) => db.get("allowances", k),
      put: (a: Parameters<typeof db.put<"allowances">>[1]) => db.put("allowances", a),
    };
    expect(await creditAllowanceBack(allowanceStore, ended, clock)).toEqual(ended);
    expect(await spent()).toBe(10_000);

    // Spent before midnight, ended after it: the new day is not given the old day's cents.
    const lateFailure = asked(purchase("0.03", { expiresAt: soon() }));
    expect(await w.allowances.autoPay(lateFailure)).toBe(true);
    clock = new Date(2026, 11, 3, 0, 0, 30);
    const today = asked(purchase("0.05", { expiresAt: new Date(clock.getTime() + 3_600_000) }));
    expect(await w.allowances.autoPay(today)).toBe(true);
    // Today's purchase is not this part's subject (with no bank here it would fail too): only the
    // late one is sent.
    await db.delete("outbox", today.inquiryMessageId);
    await w.outbox.drain({ all: true });
    expect((await db.get("purchases", lateFailure.id))!).toMatchObject({
      status: "failed",
      allowanceSpend: { creditBack: { credited: false } },
    });
    expect(await spent()).toBe(50_000);

    // Never below zero, and a purchase that was charged (delivered) is not credited.
    const chargedOrGone = (await db.get("purchases", today.id))!;
    await db.put("allowances", { ...(await db.get("allowances", key))!, spentMicros: 20_000 });
    const notCharged = { ...chargedOrGone, status: "not_charged" as const };
    expect(
      (await creditAllowanceBack(allowanceStore, notCharged, clock)).allowanceSpend?.creditBack,
    ).toMatchObject({
      credited: true,
    });
    expect(await spent()).toBe(0);
    const delivered = { ...chargedOrGone, status: "delivered" as const };
    expect(await creditAllowanceBack(allowanceStore, delivered, clock)).toEqual(delivered);
    await Promise.all([w.stop(), other.stop()]);
  });
});
