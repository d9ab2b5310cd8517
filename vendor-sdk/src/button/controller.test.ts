import type { PayProgressEvent, PayResult, QuickPayProvider } from "@quickpay/protocol";
import { describe, expect, it } from "vitest";
import { createPayController } from "./controller";
import { NOT_CHARGED_AFTER_WAITING, PROGRESS_EVENT, type StatusView } from "./pay";
import type { FoundWallet } from "./wallet";

const bought: PayResult = {
  status: "delivered",
  orderDigest: "b".repeat(64),
  description: "Article",
  amount: { currency: "USD", value: "0.01" },
  content: { mediaType: "text/plain", body: "the article" },
  deliveredAt: "2025-03-05T12:00:00.000Z",
};
const restored: PayResult = { ...bought, status: "restored" };

/** A promise with its resolve/reject handed out, to hold the Wallet's answer back. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A page with a stand-in Wallet whose `pay` and `restore` answers the test controls. */
function setup(
  answers: { pay?: () => Promise<unknown>; restore?: () => Promise<unknown> },
  noWallet = false,
) {
  const page = new EventTarget();
  const calls: string[] = [];
  const wallet = {
    isQuickPay: true,
    info: { name: "Test", uuid: "u" },
    request: async (req: { method: string }) => {
      calls.push(req.method);
      const answer = req.method === "pay" ? answers.pay : answers.restore;
      return answer ? answer() : null;
    },
  } as unknown as QuickPayProvider;
  const views: StatusView[] = [];
  const deliveries: { result: PayResult; restored: boolean }[] = [];
  const controller = createPayController(
    {
      itemId: "article-1",
      findWallets: async () => (noWallet ? [] : [{ provider: wallet, name: "Test", rdns: "t", uuid: "u" }]),
      events: page,
      locale: "en-US",
    },
    { show: (v) => views.push(v), deliver: (result, restored) => deliveries.push({ result, restored }) },
  );
  const progress = (state: string, itemId = "article-1") =>
    page.dispatchEvent(new CustomEvent(PROGRESS_EVENT, { detail: { itemId, state, message: "m" } }));
  return { controller, calls, views, deliveries, progress };
}

describe("a pay button's behaviour", () => {
  it("on wiring, restores an item bought before: content in, delivered, nothing paid", async () => {
    const t = setup({ restore: async () => restored });
    await t.controller.restore();
    expect(t.calls).toEqual(["restore"]);
    expect(t.deliveries).toEqual([{ result: restored, restored: true }]);
    expect(t.views).toEqual([{ state: "delivered", text: "Bought on Mar 5, 2025 — here it is again" }]);
    expect(t.controller.state).toBe("delivered");
    await t.controller.pay();
    expect(t.calls).toEqual(["restore"]); // a delivered button does not pay
  });

  it("stays idle when there is no receipt or no Wallet", async () => {
    const none = setup({ restore: async () => null });
    await none.controller.restore();
    expect(none.views).toEqual([]);
    expect(none.controller.state).toBe("idle");
    const noWallet = setup({}, true);
    await noWallet.controller.restore();
    expect(noWallet.calls).toEqual([]);
    expect(noWallet.views).toEqual([]);
  });

  it("does not block a click while the restore runs; a late restore answer then changes nothing", async () => {
    const restoreAnswer = deferred<unknown>();
    const t = setup({ restore: () => restoreAnswer.promise, pay: async () => bought });
    const restoring = t.controller.restore();
    await new Promise((r) => setTimeout(r, 0));
    await t.controller.pay();
    expect(t.calls).toEqual(["restore", "pay"]);
    expect(t.controller.state).toBe("delivered");
    restoreAnswer.resolve(restored);
    await restoring;
    expect(t.deliveries).toEqual([{ result: bought, restored: false }]);
    expect(t.views.at(-1)).toEqual({ state: "delivered", text: "Paid $0.01 — thank you!" });
  });

  it("shows the Wallet's progress for its own item in words while paying", async () => {
    const payAnswer = deferred<unknown>();
    const t = setup({ pay: () => payAnswer.promise });
    const paying = t.controller.pay();
    expect(t.views).toEqual([
      { state: "paying", progress: "starting", text: "Asking your QuickPay Wallet…" },
    ]);
    await new Promise((r) => setTimeout(r, 0));
    t.progress("confirming");
    t.progress("paying", "article-2"); // another button's purchase
    t.progress("paying");
    t.progress("teleporting"); // unknown: ignored
    t.progress("waiting_for_shop");
    expect(t.views.slice(1)).toEqual([
      { state: "paying", progress: "confirming", text: "Confirm in your QuickPay Wallet…" },
      { state: "paying", progress: "paying", text: "Paying…" },
      {
        state: "paying",
        progress: "waiting_for_shop",
        text: "Paid — waiting for the shop to hand it over…",
      },
    ]);
    payAnswer.resolve(bought);
    await paying;
    expect(t.views.at(-1)).toEqual({ state: "delivered", text: "Paid $0.01 — thank you!" });
    const count = t.views.length;
    t.progress("paying"); // after the outcome: no longer listening
    expect(t.views.length).toBe(count);
  });

  it("says 'Not charged: …' when the order expired after the money was held", async () => {
    const payAnswer = deferred<unknown>();
    const t = setup({ pay: () => payAnswer.promise });
    const paying = t.controller.pay();
    await new Promise((r) => setTimeout(r, 0));
    t.progress("waiting_for_shop");
    payAnswer.reject({ code: "order_expired", message: "expired" });
    await paying;
    expect(t.views.at(-1)).toEqual({
      state: "error",
      code: "order_expired",
      text: NOT_CHARGED_AFTER_WAITING,
    });
  });

  it("says an error in words, keeps the code apart, and lets the shopper try again", async () => {
    let answer: () => Promise<unknown> = async () => Promise.reject({ code: "declined", message: "no" });
    const t = setup({ pay: () => answer() });
    await t.controller.pay();
    expect(t.views.at(-1)).toEqual({
      state: "error",
      code: "declined",
      text: "You declined the payment. Nothing was charged.",
    });
    answer = async () => restored; // the shopper chose "Open my copy" in the window
    await t.controller.pay();
    expect(t.deliveries).toEqual([{ result: restored, restored: true }]);
    expect(t.views.at(-1)).toEqual({ state: "delivered", text: "Bought on Mar 5, 2025 — here it is again" });
  });

  it("ignores a second click while paying", async () => {
    const payAnswer = deferred<unknown>();
    const t = setup({ pay: () => payAnswer.promise });
    const first = t.controller.pay();
    await t.controller.pay();
    payAnswer.resolve(bought);
    await first;
    expect(t.calls).toEqual(["pay"]);
  });

  it("with two wallets on the page, asks the shopper which pays, pays with that one, and remembers it on this page only", async () => {
    const page = new EventTarget();
    const asked: string[] = [];
    const make = (name: string): FoundWallet => {
      const listeners = new Set<(d: PayProgressEvent) => void>();
      const provider = {
        isQuickPay: true,
        info: { name, uuid: name, icon: "", rdns: `org.${name}` },
        request: async (req: { method: string }) => {
          asked.push(`${name}:${req.method}`);
          if (req.method !== "pay") return null;
          for (const l of listeners) l({ itemId: "article-1", state: "paying", message: "m" });
          return bought;
        },
        on: (_e: string, l: (d: PayProgressEvent) => void) => listeners.add(l),
        removeListener: (_e: string, l: (d: PayProgressEvent) => void) => listeners.delete(l),
      } as unknown as QuickPayProvider;
      return { provider, name, rdns: `org.${name}`, uuid: name };
    };
    const wallets = [make("other"), make("quickpay")];
    const choices: Array<FoundWallet | undefined> = [undefined, wallets[1]];
    const offered: string[][] = [];
    const views: StatusView[] = [];
    const controller = createPayController(
      {
        itemId: "article-1",
        findWallets: async () => wallets,
        chooseWallet: async (found) => {
          offered.push(found.map((w) => w.name));
          return choices.shift();
        },
        events: page,
      },
      { show: (v) => views.push(v), deliver: () => undefined },
    );
    // Restoring asks every wallet (a receipt names no one); nothing is chosen for it.
    await controller.restore();
    expect(asked).toEqual(["other:restore", "quickpay:restore"]);
    asked.length = 0;
    // The shopper closes the chooser: nothing is asked, the button is as it was.
    await controller.pay();
    expect(offered).toEqual([["other", "quickpay"]]);
    expect(asked).toEqual([]);
    expect(controller.state).toBe("idle");
    // They pick QuickPay: only it is asked to pay, and its own progress (through on()) is shown.
    await controller.pay();
    expect(asked).toEqual(["quickpay:pay"]);
    expect(views.some((v) => v.progress === "paying")).toBe(true);
    expect(controller.state).toBe("delivered");
  });

  it("does not offer a choice when the page has one wallet", async () => {
    let offered = false;
    const one = {
      isQuickPay: true,
      info: { name: "only", uuid: "1", icon: "", rdns: "org.only" },
      request: async () => bought,
      on: () => undefined,
      removeListener: () => undefined,
    } as unknown as QuickPayProvider;
    const controller = createPayController(
      {
        itemId: "article-1",
        findWallets: async () => [{ provider: one, name: "only", rdns: "org.only", uuid: "1" }],
        chooseWallet: async () => {
          offered = true;
          return undefined;
        },
        events: new EventTarget(),
      },
      { show: () => undefined, deliver: () => undefined },
    );
    await controller.pay();
    expect(offered).toBe(false);
    expect(controller.state).toBe("delivered");
  });
});
