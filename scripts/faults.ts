/**
 * The fault harness's vocabulary, shared by the test side and the shop process: where a fault can
 * be armed, what it may do there, and what the shop reports when it gets there. Test harness only:
 * a shop arms nothing unless its launcher set QUICKPAY_FAULTS=1.
 */

/** The vendor SDK's Request Order Delivery events (vendor-sdk `VendorEvent["type"]`), in order. */
export const vendorEventPoints = [
  "order_accepted",
  "deliver_failed",
  "order_prepared",
  "commit_checked",
  "order_delivered",
  "order_refused",
  "answered",
] as const;
export type VendorEventPoint = (typeof vendorEventPoints)[number];

/**
 * Each point and the actions it takes:
 * - a vendor event (awaited by the SDK before the step it follows goes on): `pause` there (the shop
 *   reports "reached" and waits for `continue`) or `kill` (SIGKILL of the shop's process group);
 * - `deliver`: inside the shop's `deliver()`, before the real one runs; also `throw` (deliver()
 *   fails once, as if the content database were down);
 * - `answer`: the shop's HTTP layer is about to write a Request Order Delivery reply (the handler has
 *   run and recorded its outcome): `drop` destroys the socket instead ("the vendor's answer lost"),
 *   `kill` dies before a byte of it leaves;
 * - `answer_sent`: that reply has been handed to the socket: `kill` ("after the vendor's answer is sent").
 */
export type FaultActionsAt = { [P in VendorEventPoint]: "pause" | "kill" } & {
  deliver: "pause" | "kill" | "throw";
  answer: "drop" | "kill";
  answer_sent: "kill";
};
export type FaultPoint = keyof FaultActionsAt;
export type FaultAction = FaultActionsAt[FaultPoint];

export const faultActionsAt: { readonly [P in FaultPoint]: readonly FaultActionsAt[P][] } = {
  order_accepted: ["pause", "kill"],
  deliver_failed: ["pause", "kill"],
  order_prepared: ["pause", "kill"],
  commit_checked: ["pause", "kill"],
  order_delivered: ["pause", "kill"],
  order_refused: ["pause", "kill"],
  answered: ["pause", "kill"],
  deliver: ["pause", "kill", "throw"],
  answer: ["drop", "kill"],
  answer_sent: ["kill"],
};

export interface ArmOptions {
  /** Only an order for this item trips the fault (HTTP points know the item once an event named it). */
  itemId?: string;
  /** How many times it trips before it disarms itself (default 1). */
  times?: number;
}

export interface ArmRequest extends ArmOptions {
  point: FaultPoint;
  action: FaultAction;
}

/** The shop got to a point; `action` is set when an armed fault tripped there. */
export interface Reached {
  /** Counts up from 1 in each shop process, so two records of one run are ordered. */
  seq: number;
  point: FaultPoint;
  /** ISO time on the shop's clock. */
  at: string;
  action?: FaultAction;
  itemId?: string;
  orderDigest?: string;
  commitId?: string;
  /** The vendor event itself, at event points (its `error` as a message). */
  event?: Record<string, unknown>;
}

export function isFaultPoint(value: unknown): value is FaultPoint {
  return typeof value === "string" && Object.hasOwn(faultActionsAt, value);
}

/** Throws, saying what is allowed, unless `action` can be armed at `point`. */
export function checkArmRequest(request: ArmRequest): void {
  if (!isFaultPoint(request.point)) {
    throw new Error(
      `unknown fault point "${String(request.point)}"; expected one of ${Object.keys(faultActionsAt).join(", ")}`,
    );
  }
  const allowed = faultActionsAt[request.point] as readonly string[];
  if (!allowed.includes(request.action)) {
    throw new Error(
      `"${String(request.action)}" cannot be armed at ${request.point}; expected ${allowed.join(" or ")}`,
    );
  }
  if (request.times !== undefined && !(Number.isInteger(request.times) && request.times >= 1)) {
    throw new Error(`times must be a whole number ≥ 1, got ${request.times}`);
  }
}
