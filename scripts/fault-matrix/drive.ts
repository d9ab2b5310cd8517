/**
 * Runs one cell of the fault matrix against a running network: a fresh Wallet buys one article, the
 * cell's fault strikes when the purchase reaches the cell's boundary, recovery runs (the Wallet's
 * outbox drains, killed players come back), everything is settled, and the invariant is judged from
 * the four parties' own records.
 */
import { parseMoney } from "@quickpay/protocol";
import type { Network } from "../network";
import type { LiveAccount } from "../players/types";
import { judge, readRecords, type Verdict } from "../testing/invariant";
import { behaviours, type CellContext, type CellPlan, type FaultBehaviour, type ShopPoint } from "./cells";
import type { Boundary, CellResult } from "./matrix";
import { startNodeWallet, type TapEffect, walletPaths } from "./node-wallet";

export interface CellRun {
  cell: CellResult;
  verdict: Verdict;
  /** The shopper's settled balance before and after, in micro-units. */
  balance: { before: number; after: number };
}

export interface DriveOptions {
  /** The demo account every cell's Wallet adds (cells run one after another, so deltas are the cell's). */
  account: { accountNumber: string; pin: string };
  /** How long recovery may take once the fault has done its part. */
  recoveryMs?: number;
}

const itemIds = ["article-1", "article-2", "article-3"] as const;
let cellsRun = 0;

/** How long a boundary may take to be reached (a pause at the shop, a tap on the wire). */
const REACH_MS = 30_000;

export async function runCell(network: Network, plan: CellPlan, options: DriveOptions): Promise<CellRun> {
  const behaviour = behaviours[plan.fault];
  if (!behaviour) throw new Error(`the Node suite cannot run ${plan.fault}`);
  const itemId = itemIds[cellsRun % itemIds.length]!;
  cellsRun += 1;
  const dbName = `fault-matrix-${plan.fault}-${plan.boundary}-${process.pid}-${cellsRun}`;
  const node = await startNodeWallet(network, dbName, options.account);
  const ctx: CellContext = { network, node, failuresAtStrike: 0 };
  try {
    const before = await settledMicros(network, options.account.accountNumber);
    await reachAndStrike(ctx, plan.boundary, behaviour, itemId);
    await behaviour.after?.(ctx);
    await node.drainUntilIdle(Date.now() + (options.recoveryMs ?? 60_000));
    await heal(network);
    await settleEverything(network);
    // Reading the balances releases lapsed holds first, so a released hold is on record to be read.
    const after = await settledMicros(network, options.account.accountNumber);
    const p = await node.wallet.purchases.get(ctx.purchaseId!);
    const amount = parseMoney(p.signedOrder.order.amount).micros;
    const records = await readRecords(network, p.orderDigest, await node.walletSide(p.id));
    const verdict = judge(records, amount, before - after);
    const struck = await behaviour.struck(ctx, p.orderDigest, plan.boundary);
    const cell: CellResult = {
      boundary: plan.boundary,
      fault: plan.fault,
      ...("outcome" in verdict ? { outcome: verdict.outcome } : { violations: verdict.violations }),
      struck,
      ...(plan.note ? { note: plan.note } : {}),
    };
    return { cell, verdict, balance: { before, after } };
  } finally {
    await node.stop();
    await heal(network);
  }
}

/**
 * Drives the purchase to the boundary and strikes there: after Get Order in the cell itself; after
 * Inquiry Payment, after the answer and before Register Order on the Wallet's side of the wire; inside
 * deliver() and after Check Commit at the shop's points (a pause while the fault strikes, or the
 * fault's own action at the point). Resolves once the fault has struck.
 */
async function reachAndStrike(
  ctx: CellContext,
  boundary: Boundary,
  behaviour: FaultBehaviour,
  itemId: string,
): Promise<void> {
  const { network, node } = ctx;
  const engine = node.wallet.engine;
  const buy = async () => {
    ctx.purchaseId = await engine.startPurchase(network.shopUrl, itemId);
    await engine.decide(ctx.purchaseId, true);
  };
  switch (boundary) {
    case "after_get_order": {
      ctx.purchaseId = await engine.startPurchase(network.shopUrl, itemId);
      if ((await behaviour.strike(ctx, boundary)) === "lose_answer") {
        throw new Error("after Get Order there is no answer in flight to lose");
      }
      await engine.decide(ctx.purchaseId, true);
      return;
    }
    case "after_inquiry_payment":
    case "after_answer_sent":
    case "before_register_order": {
      const struck = tapped(ctx, boundary, behaviour);
      await buy();
      await withDeadline(struck, `the Wallet to reach ${boundary}`);
      return;
    }
    case "inside_deliver":
    case "after_check_commit": {
      const point: ShopPoint = boundary === "inside_deliver" ? "deliver" : "commit_checked";
      const own = behaviour.atShopPoint?.(point);
      await network.shop.arm(point, own?.action ?? "pause", own?.times ? { times: own.times } : {});
      await buy();
      await network.shop.waitFor(point, { timeoutMs: REACH_MS });
      ctx.failuresAtStrike = node.wire.failures;
      if (own) return;
      if ((await behaviour.strike(ctx, boundary)) === "lose_answer") {
        throw new Error(`at the shop's ${point} point the answer is not on the Wallet's side yet`);
      }
      // A kill took the paused order down with the process; otherwise it goes on from the pause.
      if (network.shop.running) await network.shop.continue(point);
      return;
    }
  }
}

/** A tap on the Wallet's side of the wire for the boundary; resolves once the fault struck there. */
function tapped(ctx: CellContext, boundary: Boundary, behaviour: FaultBehaviour): Promise<void> {
  const where = {
    after_inquiry_payment: { path: walletPaths.inquiryPayment, when: "after_answer" },
    after_answer_sent: { path: walletPaths.requestOrderDelivery, when: "after_answer" },
    before_register_order: { path: walletPaths.registerOrder, when: "before_request" },
  } as const;
  const tap = where[boundary as keyof typeof where];
  return new Promise<void>((resolve, reject) => {
    ctx.node.wire.tap({
      ...tap,
      async strike(): Promise<TapEffect> {
        try {
          const effect = await behaviour.strike(ctx, boundary);
          resolve();
          return effect;
        } catch (error) {
          reject(error);
          throw error;
        }
      },
    });
  });
}

/**
 * Leaves the network as the next cell needs it: no fault armed, no order paused, every player
 * running (a cell that failed half-way may have left one down).
 */
async function heal(network: Network): Promise<void> {
  for (const player of [network.host, network.bank, network.shop]) {
    if (player.suspended) await player.resume();
    if (!player.running) await player.restart();
  }
  await network.shop.disarm();
  await network.shop.continue();
}

/** Register Delivery and Register Commit now, then the shop's settlement and the host's approvals. */
async function settleEverything(network: Network): Promise<void> {
  await network.shop.flushOutbox();
  await network.bank.flushOutbox();
  await network.shop.settle();
  await network.bank.consumeApprovals();
}

async function settledMicros(network: Network, accountNumber: string): Promise<number> {
  const accounts: LiveAccount[] = await network.bank.accounts();
  const account = accounts.find((a) => a.accountNumber === accountNumber);
  if (!account) throw new Error(`the demo bank has no account ${accountNumber}`);
  return parseMoney(account.balance).micros;
}

function withDeadline<T>(promise: Promise<T>, what: string, ms = REACH_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
