/**
 * The Node suite's cells: what each fault does when a purchase reaches each boundary, what it means
 * there when that needs saying (the cell's note), and the outcome a correct system gives. drive.ts
 * runs a cell; this file only says what the cell is.
 */
import type { FaultActionsAt } from "../faults";
import type { Network } from "../network";
import { type Boundary, boundaries, type Fault, faults, type LongFault, longFaults } from "./matrix";
import type { NodeWallet, TapEffect } from "./node-wallet";

/** What a cell's fault can see and touch while it runs. */
export interface CellContext {
  network: Network;
  node: NodeWallet;
  /** The purchase, once Get Order answered. */
  purchaseId?: string;
  /** The Wallet's failed requests when the fault struck: "the Wallet met the outage" is a higher count. */
  failuresAtStrike: number;
}

/** The in-shop points a boundary is reached at (the others are reached on the Wallet's side). */
export type ShopPoint = "deliver" | "commit_checked";

/** A fault's own action at an in-shop point, armed there instead of a pause. */
export type PointAction = { action: FaultActionsAt[ShopPoint]; times?: number };

export interface FaultBehaviour {
  /**
   * Strikes at the boundary (the purchase is held there meanwhile). `lose_answer` is only for
   * boundaries reached on the Wallet's side of the wire: the answer there is lost.
   */
  strike(ctx: CellContext, boundary: Boundary): Promise<TapEffect>;
  /** The fault's own action at an in-shop point, when it has one: armed at the point, no pause. */
  atShopPoint?(point: ShopPoint): PointAction | undefined;
  /** What follows the strike before recovery is left to the Wallet (the outage ends). */
  after?(ctx: CellContext): Promise<void>;
  /** Whether the fault struck this purchase (an armed fault may find no later chance). */
  struck(ctx: CellContext, orderDigest: string, boundary: Boundary): Promise<boolean>;
}

export interface CellPlan {
  boundary: Boundary;
  fault: Fault | LongFault;
  /** Shown in test names: "the vendor kill -9'd and restarted, inside deliver()". */
  name: string;
  note?: string;
  /** The outcome a correct system gives here (the invariant allows only 1 or 2 anyway). */
  expected: 1 | 2;
  /** The outage outlasts the endorsement (the short-hold network). */
  long: boolean;
}

type Player = "host" | "bank" | "shop";

/**
 * The Wallet meets the outage where it can: drains until one of its requests failed after the
 * strike, or until a few drains found nothing that needs the player that is down.
 */
async function meetOutage(ctx: CellContext): Promise<void> {
  for (let i = 0; i < 8 && ctx.node.wire.failures <= ctx.failuresAtStrike; i++) {
    await ctx.node.wallet.outbox.drain({ all: true });
  }
}

/** The endorsement's expiry, once the Wallet holds it (draining until it does). */
async function endorsementExpiry(ctx: CellContext, deadline: number): Promise<number> {
  for (;;) {
    const p = await ctx.node.wallet.purchases.get(ctx.purchaseId!);
    if (p.endorsement) return Date.parse(p.endorsement.endorsement.expiresAt);
    if (Date.now() > deadline) throw new Error(`purchase ${p.id} has no endorsement (${p.status})`);
    await ctx.node.wallet.outbox.drain({ all: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Lets the Wallet keep trying (past its backoffs) until the endorsement has expired. */
async function untilExpired(ctx: CellContext): Promise<void> {
  const expiresAt = await endorsementExpiry(ctx, Date.now() + 30_000);
  while (Date.now() <= expiresAt) {
    await ctx.node.wallet.outbox.drain({ all: true });
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(250, Math.max(1, expiresAt + 1 - Date.now()))),
    );
  }
}

async function seenFor(ctx: CellContext, point: "deliver_failed" | "answer", orderDigest: string) {
  return (await ctx.network.shop.seen(point)).filter((r) => r.orderDigest === orderDigest);
}

/** kill -9 at the boundary; restarted on the same port and data once the Wallet met the outage. */
function killed(player: Player): FaultBehaviour {
  return {
    async strike(ctx) {
      ctx.failuresAtStrike = ctx.node.wire.failures;
      await ctx.network[player].kill();
      return undefined;
    },
    // The shop's own kill -9 at the point is the same fault, struck exactly there.
    ...(player === "shop" ? { atShopPoint: () => ({ action: "kill" as const }) } : {}),
    async after(ctx) {
      await ctx.network[player].exited();
      await meetOutage(ctx);
      await ctx.network[player].restart();
    },
    struck: async () => true,
  };
}

const deliverThrows: FaultBehaviour = {
  async strike(ctx) {
    await ctx.network.shop.arm("deliver", "throw");
    return undefined;
  },
  atShopPoint: (point) => (point === "deliver" ? { action: "throw" } : undefined),
  struck: async (ctx, digest) => (await seenFor(ctx, "deliver_failed", digest)).length > 0,
};

/** Boundaries where the vendor's answer is already on the Wallet's side of the wire. */
const answeredBoundaries: readonly Boundary[] = ["after_answer_sent", "before_register_order"];

const answerLost: FaultBehaviour = {
  async strike(ctx, boundary) {
    if (answeredBoundaries.includes(boundary)) return "lose_answer";
    await ctx.network.shop.arm("answer", "drop");
    return undefined;
  },
  async struck(ctx, digest, boundary) {
    if (answeredBoundaries.includes(boundary)) return true;
    return (await seenFor(ctx, "answer", digest)).some((r) => r.action === "drop");
  },
};

const vendorDownPastExpiry: FaultBehaviour = {
  ...killed("shop"),
  async after(ctx) {
    await ctx.network.shop.exited();
    await meetOutage(ctx);
    await untilExpired(ctx);
    await ctx.network.shop.restart();
  },
};

/** deliver() throws at every call: far more calls than the Wallet makes before the expiry. */
const EVERY_CALL = 10_000;

const deliverFailsPastExpiry: FaultBehaviour = {
  async strike(ctx) {
    await ctx.network.shop.arm("deliver", "throw", { times: EVERY_CALL });
    return undefined;
  },
  atShopPoint: (point) => (point === "deliver" ? { action: "throw", times: EVERY_CALL } : undefined),
  after: untilExpired,
  struck: deliverThrows.struck,
};

export const behaviours: Record<Fault | LongFault, FaultBehaviour | undefined> = {
  // The browser suite's row: a service worker exists only in Chromium.
  worker_stopped: undefined,
  vendor_killed: killed("shop"),
  broker_killed: killed("bank"),
  host_down: killed("host"),
  deliver_throws: deliverThrows,
  answer_lost: answerLost,
  vendor_down_past_expiry: vendorDownPastExpiry,
  deliver_fails_past_expiry: deliverFailsPastExpiry,
};

const NOT_STRUCK = "deliver() already ran for this purchase: the armed throw finds no chance in it";
const NO_NEED = (who: string) => `the Wallet no longer needs the ${who}; settlement waits for its restart`;

/** What a cell means where the fault's name and the boundary's do not say it all. */
const notes: Partial<Record<`${Fault | LongFault}@${Boundary}`, string>> = {
  "vendor_killed@after_get_order":
    "killed before the person approves: the endorsement is taken while the shop is down",
  "vendor_killed@inside_deliver":
    "the shop's own kill -9 inside deliver(): its record stays accepted, deliver() runs again after the restart",
  "vendor_killed@after_check_commit":
    "the shop's own kill -9 after Check Commit claimed the hold, before its record says delivered: the restarted shop re-sends Check Commit under the same id",
  "vendor_killed@after_answer_sent":
    "killed once its answer is in the Wallet's hands (its Register Delivery may still be queued)",
  "vendor_killed@before_register_order": NO_NEED("shop"),
  "broker_killed@after_get_order":
    "killed before the person approves: Inquiry Payment is retried until the restart",
  "broker_killed@after_inquiry_payment":
    "killed with the endorsement in the Wallet's hands: the shop's Check Commit fails until the restart",
  "broker_killed@inside_deliver":
    "killed while deliver() runs: the shop's Check Commit fails (broker_unreachable) and the Wallet resends",
  "broker_killed@after_check_commit": NO_NEED("broker"),
  "broker_killed@after_answer_sent": NO_NEED("broker"),
  "broker_killed@before_register_order": NO_NEED("broker"),
  "host_down@after_get_order":
    "the purchase needs no host to deliver; the directory lookups and the registrations are retried",
  "deliver_throws@after_check_commit": NOT_STRUCK,
  "deliver_throws@after_answer_sent": NOT_STRUCK,
  "deliver_throws@before_register_order": NOT_STRUCK,
  "answer_lost@after_get_order":
    "the shop drops its first Request Order Delivery answer (armed before the approval)",
  "answer_lost@after_answer_sent": "lost on the Wallet's side of the wire, after the vendor answered",
  "answer_lost@before_register_order":
    "no vendor answer remains: the host's answer to Register Order is lost instead",
  "vendor_down_past_expiry@after_get_order":
    "down from before the approval: the endorsement is taken and expires while the shop is down; the restarted shop answers order_expired",
  "vendor_down_past_expiry@after_inquiry_payment":
    "down with the endorsement in the Wallet's hands until it expired; the restarted shop answers order_expired",
  "vendor_down_past_expiry@inside_deliver":
    "the shop's own kill -9 inside deliver(): the record stays accepted past the expiry; the restarted shop refuses it order_expired",
  "vendor_down_past_expiry@after_check_commit":
    "the hold was claimed before the outage, so it outlives the endorsement: the restarted shop re-sends Check Commit, the broker replays live, and it delivers (outcome 1 is right here)",
  "vendor_down_past_expiry@after_answer_sent":
    "delivered before the outage: the restarted shop settles the claimed hold after the endorsement's expiry",
  "vendor_down_past_expiry@before_register_order":
    "delivered before the outage: the restarted shop settles the claimed hold after the endorsement's expiry",
  "deliver_fails_past_expiry@after_get_order":
    "armed before the approval: deliver() throws at every call until the endorsement expired; the shop then refuses order_expired without calling it",
  "deliver_fails_past_expiry@after_inquiry_payment":
    "deliver() throws at every call until the endorsement expired; the shop then refuses order_expired without calling it",
  "deliver_fails_past_expiry@inside_deliver":
    "deliver() throws at every call until the endorsement expired; the shop then refuses order_expired without calling it",
};

/** Where a long outage is a different question from the short one (the others it would repeat). */
const longBoundaries: Record<LongFault, readonly Boundary[]> = {
  vendor_down_past_expiry: Object.keys(boundaries) as Boundary[],
  deliver_fails_past_expiry: ["after_get_order", "after_inquiry_payment", "inside_deliver"],
};

/** After these boundaries the shop has claimed the hold: an outage past the expiry still delivers. */
const claimedBefore: readonly Boundary[] = [
  "after_check_commit",
  "after_answer_sent",
  "before_register_order",
];

function plan(boundary: Boundary, fault: Fault | LongFault, long: boolean): CellPlan {
  const label = (faults as Record<string, string>)[fault] ?? longFaults[fault as LongFault];
  const note = notes[`${fault}@${boundary}`];
  return {
    boundary,
    fault,
    name: `${label}, ${boundaries[boundary]}`,
    ...(note ? { note } : {}),
    expected: long && !claimedBefore.includes(boundary) ? 2 : 1,
    long,
  };
}

/** Every fault but the service worker's, at every boundary: 5 × 6 cells. */
export const regularCells: CellPlan[] = (Object.keys(faults) as Fault[])
  .filter((f) => behaviours[f] !== undefined)
  .flatMap((f) => (Object.keys(boundaries) as Boundary[]).map((b) => plan(b, f, false)));

/** The outages that outlast the endorsement, at the boundaries listed above. */
export const longCells: CellPlan[] = (Object.keys(longFaults) as LongFault[]).flatMap((f) =>
  longBoundaries[f].map((b) => plan(b, f, true)),
);
