/**
 * The Wallet's engine in Node for the fault matrix, as extension/src/background/wallet.test.ts runs
 * it: its own IndexedDB (fake-indexeddb), the bundled Paycard modules with the demo bank's code
 * hash, stand-in confirmation windows, and a fetch with taps on the Wallet's side of the wire, where
 * a cell can act at the moment a request leaves or an answer arrives.
 */
import "fake-indexeddb/auto";
import path from "node:path";
import { paycardModules } from "@quickpay/paycards";
import { paycardCodeHash } from "@quickpay/paycards/code-hash";
import type { FetchLike } from "@quickpay/protocol";
import { openWalletDb } from "../../extension/src/background/db";
import { headlessWindows } from "../../extension/src/background/test-windows";
import { createWallet, type Wallet } from "../../extension/src/background/wallet";
import { repoRoot } from "../processes";
import type { WalletSide } from "../testing/invariant";

const demoBankModuleDir = path.join(repoRoot, "paycards", "src", "demo-bank", "module");
/** Hashed once: every cell's wallet checks the same module. */
let demoBankCodeHash: string | undefined;

export const walletPaths = {
  inquiryPayment: "/v1/inquiry-payment",
  requestOrderDelivery: "/v1/request-order-delivery",
  registerOrder: "/v1/register-order",
} as const;

/**
 * What a tap does when it strikes: `lose_answer` loses the receiver's answer on the Wallet's side
 * (the receiver got the request and answered; the Wallet sees a broken connection).
 */
export type TapEffect = undefined | "lose_answer";

export interface Tap {
  /** The request's path ends with this. */
  path: string;
  /** Before the request leaves the Wallet, or once its answer is in (read in full, not handed on yet). */
  when: "before_request" | "after_answer";
  strike(): Promise<TapEffect>;
}

/** A fetch whose taps strike once each, and which counts the Wallet's failed requests. */
export class Wire {
  private readonly taps: Tap[] = [];
  private failedRequests = 0;
  /** The taps that struck, in order. */
  readonly struck: Tap[] = [];

  tap(tap: Tap): void {
    this.taps.push(tap);
  }

  /** Requests that threw or were answered with an error since the wire was made. */
  get failures(): number {
    return this.failedRequests;
  }

  readonly fetch: FetchLike = async (input, init) => {
    const pathname = new URL(String(input)).pathname;
    const index = this.taps.findIndex((t) => pathname.endsWith(t.path));
    const tap = index >= 0 ? this.taps[index] : undefined;
    let effect: TapEffect;
    if (tap?.when === "before_request") {
      this.taps.splice(index, 1);
      this.struck.push(tap);
      effect = await tap.strike();
    }
    let status: number;
    let headers: Headers;
    let body: string;
    try {
      const response = await fetch(input, init);
      ({ status, headers } = response);
      body = await response.text();
    } catch (error) {
      this.failedRequests += 1;
      throw error;
    }
    if (status >= 400) this.failedRequests += 1;
    // A tap after the answer strikes only at an answer (a request that never got one leaves it armed).
    if (tap?.when === "after_answer") {
      this.taps.splice(this.taps.indexOf(tap), 1);
      this.struck.push(tap);
      effect = await tap.strike();
    }
    if (effect === "lose_answer") {
      this.failedRequests += 1;
      throw new TypeError(`fetch failed (fault matrix: the answer to ${pathname} was lost on the way back)`);
    }
    return new Response(body, { status, headers });
  };
}

export interface NodeWallet {
  wallet: Wallet;
  wire: Wire;
  /** Every outbox item sent or given up, trying past backoffs, until none is pending or the deadline. */
  drainUntilIdle(deadline: number): Promise<void>;
  /** The purchase as the Wallet's own record and history show it. */
  walletSide(purchaseId: string): Promise<WalletSide>;
  /** Stops the engine's timer and closes its database. */
  stop(): Promise<void>;
}

/** How often the drain loop looks again while something is pending (it waits on nothing else). */
const POLL_MS = 100;

/**
 * A registered Wallet with the demo bank's Paycard for `account`, its engine started (the outbox's
 * own timer runs, as in a live service worker), on a database nobody else uses.
 */
export async function startNodeWallet(
  network: { hostUrl: string },
  dbName: string,
  account: { accountNumber: string; pin: string },
): Promise<NodeWallet> {
  demoBankCodeHash ??= paycardCodeHash(demoBankModuleDir);
  const wire = new Wire();
  const db = await openWalletDb(dbName);
  const wallet = createWallet({
    db,
    hostUrl: network.hostUrl,
    modules: paycardModules,
    codeHashes: { "demo-bank": demoBankCodeHash },
    // The person's window is a number; the cell answers for the person through engine.decide.
    confirmWindows: headlessWindows(),
    fetch: wire.fetch,
  });

  const drainUntilIdle = async (deadline: number) => {
    for (;;) {
      await wallet.outbox.drain({ all: true });
      const pending = await wallet.outbox.pending();
      if (pending.length === 0) return;
      if (Date.now() > deadline) {
        const what = pending.map((i) => `${i.type} (${i.failures} failures, ${i.lastError?.code ?? "—"})`);
        throw new Error(`the Wallet's outbox still holds ${what.join(", ")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  const stop = async () => {
    await wallet.stop();
    db.close();
  };

  try {
    await wallet.start();
    await drainUntilIdle(Date.now() + 30_000);
    if (!(await db.get("meta", "wallet"))?.registered)
      throw new Error("the host never registered the wallet");
    const step = await wallet.paycards.beginAdd("demo-bank");
    await wallet.paycards.answer("demo-bank", step.sessionId, {
      accountNumber: account.accountNumber,
      pin: account.pin,
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    wallet,
    wire,
    drainUntilIdle,
    async walletSide(purchaseId) {
      const p = await wallet.purchases.get(purchaseId);
      const { items } = await wallet.handlers["history.page"]({ limit: 100 });
      const item = items.find((i) => i.purchaseId === purchaseId);
      return {
        status: p.status,
        hasContent: (p.receipt?.content.body.length ?? 0) > 0,
        registered: p.registered,
        reason: item?.reason,
        reasonCode: item?.reasonCode,
      };
    },
    stop,
  };
}
