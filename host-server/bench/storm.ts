/**
 * The retry storm: every registration is sent once, and 30% of all sends are repeats of an earlier
 * message id — the same envelope at the same moment (concurrent duplicates), the same body re-signed
 * later (a Wallet outbox resending), or a different body under the same id (a buggy or hostile
 * sender, which must get `conflict` and change nothing). `judgeStorm` then checks the host's store.
 */
import { type Facts, messageId, type PreparedRequest, randomFacts, registerDelivery } from "./messages";
import type { FastSigner } from "./sign-fast";

export const DUPLICATE_SHARE = 0.3;

export interface StormUnique {
  from: string;
  messageId: string;
  facts: Facts;
  /** The altered body sent under the same id, when this id gets one. */
  altered?: Facts;
}

export interface StormSend {
  unique: number;
  variant: "original" | "duplicate" | "altered";
  request: PreparedRequest;
}

export interface StormPlan {
  uniques: StormUnique[];
  sends: StormSend[];
  /** Waves run one after another; a wave is a list of groups; a group's sends go out together. */
  waves: number[][][];
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

export function planStorm(vendors: FastSigner[], count: number): StormPlan {
  const uniques: StormUnique[] = [];
  const sends: StormSend[] = [];
  const first: number[][] = [];
  const later: number[][] = [];
  // repeats / (count + repeats) = DUPLICATE_SHARE
  const repeats = Math.round((count * DUPLICATE_SHARE) / (1 - DUPLICATE_SHARE));
  const kinds = shuffle(
    Array.from({ length: count }, (_, i) => {
      if (i >= repeats) return "none";
      const r = i / repeats;
      return r < 0.4 ? "concurrent" : r < 0.7 ? "resend" : r < 0.85 ? "altered-concurrent" : "altered-later";
    }),
  );
  for (let u = 0; u < count; u++) {
    const vendor = vendors[u % vendors.length] as FastSigner;
    const id = messageId();
    const facts = randomFacts(vendor.playerId);
    const unique: StormUnique = { from: vendor.playerId, messageId: id, facts };
    uniques.push(unique);
    const original = registerDelivery(vendor, facts, id);
    sends.push({ unique: u, variant: "original", request: original });
    const group = [sends.length - 1];
    const kind = kinds[u];
    if (kind === "concurrent") {
      sends.push({ unique: u, variant: "duplicate", request: original });
      group.push(sends.length - 1);
    } else if (kind === "resend") {
      // Re-signed later with a new `at`: same id, same body — a repeat, not a conflict.
      sends.push({ unique: u, variant: "duplicate", request: registerDelivery(vendor, facts, id) });
      later.push([sends.length - 1]);
    } else if (kind === "altered-concurrent" || kind === "altered-later") {
      // Half change the amount, half the digest itself (which would be a whole new registration).
      unique.altered =
        u % 2 === 0
          ? { ...facts, amount: { currency: "USD", value: "0.0099" } }
          : { ...facts, orderDigest: randomFacts(vendor.playerId).orderDigest };
      sends.push({
        unique: u,
        variant: "altered",
        request: registerDelivery(vendor, unique.altered, id),
      });
      if (kind === "altered-concurrent") group.push(sends.length - 1);
      else later.push([sends.length - 1]);
    }
    first.push(shuffle(group));
  }
  return { uniques, sends, waves: [shuffle(first), shuffle(later)] };
}

export interface StormVerdict {
  sent: number;
  duplicates: number;
  altered: number;
  conflicts: number;
  doubleEffects: number;
  lost: number;
  /** Sends answered with anything but 200 or 409 conflict (should be 0). */
  errors: number;
  firstError?: string;
}

/** What the store holds for one message id: the registrations recorded under it, across digests. */
export type RecordedUnder = (unique: StormUnique) => Promise<{ orderDigest: string; micros: number }[]>;

const micros = (value: string) => Math.round(Number(value) * 1e6);

export async function judgeStorm(
  plan: StormPlan,
  replies: { status: number; body: string }[],
  recordedUnder: RecordedUnder,
): Promise<StormVerdict> {
  const verdict: StormVerdict = {
    sent: plan.sends.length,
    duplicates: plan.sends.filter((s) => s.variant === "duplicate").length,
    altered: plan.sends.filter((s) => s.variant === "altered").length,
    conflicts: 0,
    doubleEffects: 0,
    lost: 0,
    errors: 0,
  };
  const byUnique = new Map<number, { send: StormSend; reply: { status: number; body: string } }[]>();
  plan.sends.forEach((send, i) => {
    const reply = replies[i] ?? { status: 0, body: "no reply" };
    if (reply.status === 409 && reply.body.includes('"conflict"')) verdict.conflicts++;
    else if (reply.status !== 200) {
      verdict.errors++;
      verdict.firstError ??= `${reply.status} ${reply.body.slice(0, 300)}`;
    }
    const list = byUnique.get(send.unique) ?? [];
    list.push({ send, reply });
    byUnique.set(send.unique, list);
  });
  for (const [u, list] of byUnique) {
    const unique = plan.uniques[u] as StormUnique;
    const accepted = list.filter((x) => x.reply.status === 200);
    const acceptedBodies = new Set(
      accepted.map((x) => (x.send.variant === "altered" ? "altered" : "original")),
    );
    // Both bodies under one id took effect, or one body's answers differ (it was applied twice).
    if (acceptedBodies.size > 1) verdict.doubleEffects++;
    if (new Set(accepted.map((x) => x.reply.body)).size > 1) verdict.doubleEffects++;
    const recorded = await recordedUnder(unique);
    if (recorded.length > 1) verdict.doubleEffects += recorded.length - 1;
    if (accepted.length === 0) continue;
    const winner = acceptedBodies.has("altered") && unique.altered ? unique.altered : unique.facts;
    const kept = recorded[0];
    if (!kept) verdict.lost++;
    else if (kept.orderDigest !== winner.orderDigest || kept.micros !== micros(winner.amount.value)) {
      verdict.doubleEffects++;
    }
  }
  return verdict;
}
