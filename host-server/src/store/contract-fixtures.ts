/** Fixtures of the HostStore contract suite: fake ids, writes, players and registrations. */
import { describe, expect, it } from "vitest";
import type { Effect, HostStore, Outcome, PlayerRecord, RegistrationInput, Write } from "./types";

type RegisterWrite = Write<Extract<Effect, { kind: "register" }>>;

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
let counter = 0;
const next = () => ++counter;
export const fakeId = (prefix: "w" | "v" | "b", n = next()) => `${prefix}_${hex(n, 32)}`;
export const fakeDigest = (n = next()) => hex(n, 64);
export const fakeKey = (n = next()) => `K${hex(n, 42)}`;
export const fakeMessageId = (n = next()) => `msg-${hex(n, 20)}`;
export const usd = (micros: number) => ({ currency: "USD", micros });
export const T0 = "2026-01-01T00:00:00.000Z";
export const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

export function write<E extends Effect>(from: string, effect: E, options: Partial<Write> = {}): Write<E> {
  return {
    from,
    messageId: options.messageId ?? fakeMessageId(),
    fingerprint: options.fingerprint ?? `fp-${next()}`,
    at: options.at ?? at(next()),
    effect,
  };
}

export function player(kind: PlayerRecord["kind"], extra: Partial<PlayerRecord> = {}): PlayerRecord {
  const prefix = kind === "wallet" ? "w" : kind === "vendor" ? "v" : "b";
  return {
    id: fakeId(prefix as "w" | "v" | "b"),
    kind,
    publicKey: fakeKey(),
    status: "active",
    registeredAt: T0,
    ...(kind === "vendor"
      ? { name: "Shop", endpoint: "http://127.0.0.1:9/qp", origins: [`http://shop${next()}.test`] }
      : {}),
    ...(kind === "broker" ? { name: "Bank", endpoint: "http://127.0.0.1:9/bank" } : {}),
    ...extra,
  };
}

export function result<R>(outcome: Outcome | undefined): R {
  if (outcome?.status !== "applied" && outcome?.status !== "repeat") {
    throw new Error(`expected applied/repeat, got ${JSON.stringify(outcome)}`);
  }
  return outcome.result as R;
}

export async function seed(store: HostStore) {
  const broker = player("broker");
  const vendor = player("vendor");
  const wallet = player("wallet");
  const outcomes = await store.apply(
    [broker, vendor, wallet].map((p) => write(p.id, { kind: "registerPlayer", player: p })),
  );
  expect(outcomes.map((o) => o.status)).toEqual(["applied", "applied", "applied"]);
  return { broker, vendor, wallet };
}

export function reg(
  side: RegistrationInput["side"],
  digest: string,
  ids: { vendor: PlayerRecord; broker: PlayerRecord },
  extra: Partial<RegistrationInput> = {},
): RegistrationInput {
  const base: RegistrationInput = {
    side,
    orderDigest: digest,
    commitId: `c_${digest.slice(0, 20)}`,
    vendorId: ids.vendor.id,
    amount: usd(10_000),
    ...extra,
  };
  if (side === "commit" && !base.endorsement) {
    base.endorsement = {
      endorsement: {
        commitId: base.commitId,
        orderDigest: digest,
        vendorId: base.vendorId,
        amount: { currency: "USD", value: "0.01" },
        brokerId: ids.broker.id,
        expiresAt: at(3600),
      },
      sig: "s".repeat(86),
    };
  }
  return base;
}

/** One registration, written before a schema upgrade to check its exactly-once record after it. */
export function upgradeProbe(): RegisterWrite {
  const ids = { vendor: player("vendor"), broker: player("broker") };
  return write(ids.vendor.id, { kind: "register", registrations: [reg("delivery", fakeDigest(), ids)] });
}

/** After the upgrade: a resend of `sent` is a repeat of `first`, another body under its id a conflict. */
export async function expectStillExactlyOnce(
  store: HostStore,
  sent: RegisterWrite,
  first: Outcome | undefined,
) {
  if (first?.status !== "applied") throw new Error(`the write was refused: ${JSON.stringify(first)}`);
  expect(await store.apply([sent])).toEqual([{ status: "repeat", result: first.result }]);
  const [reused] = await store.apply([{ ...sent, fingerprint: "another body" }]);
  expect(reused?.status).toBe("conflict");
  expect((await store.getOrder(sent.effect.registrations[0]!.orderDigest)).registrations).toHaveLength(1);
}

/**
 * The exactly-once rule (DESIGN §2, docs/decisions.md) as cases every receiver runs — the host's
 * stores here, the broker kit's routes and the vendor SDK's Request Order Delivery over HTTP: a
 * repeat gets the stored reply, another body under a used id is refused `conflict`, and however
 * the copies arrive (at once, after a restart) the message takes effect once.
 */
export function describeExactlyOnce(
  name: string,
  receiver: () => ExactlyOnceReceiver,
  options: { restarts?: boolean } = {},
): void {
  const effectsAre = async (slot: ExactlyOnceSlot, n: number) => {
    if (slot.effects) expect(await slot.effects()).toBe(n);
  };
  describe(`exactly-once: ${name}`, () => {
    it("a repeat gets the stored reply and takes no second effect", async () => {
      const slot = await receiver().slot(1);
      const first = await slot.send(0);
      expect(first.outcome).toBe("answered");
      expect(await slot.send(0, { resend: true })).toEqual(first);
      expect(await slot.send(0)).toEqual(first);
      await effectsAre(slot, 1);
    });

    it("the same id with another body is refused conflict and changes nothing", async () => {
      const slot = await receiver().slot(2);
      const first = await slot.send(0);
      expect(await slot.send(1)).toEqual({ outcome: "conflict" });
      expect(await slot.send(1, { resend: true })).toEqual({ outcome: "conflict" });
      await effectsAre(slot, 1);
      expect(await slot.send(0, { resend: true })).toEqual(first);
    });

    it("concurrent duplicates take effect once and all get the one reply", async () => {
      const slot = await receiver().slot(1);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => slot.send(0, { resend: i % 2 === 1 })),
      );
      expect(answers[0]?.outcome).toBe("answered");
      for (const a of answers) expect(a).toEqual(answers[0]);
      await effectsAre(slot, 1);
    });

    it("concurrent bodies under one id: one takes effect and gets its own reply, the others conflict", async () => {
      const slot = await receiver().slot(6);
      const answers = await Promise.all([0, 1, 2, 3, 4, 5].map((v) => slot.send(v)));
      const answered = answers.flatMap((a, v) => (a.outcome === "answered" ? [v] : []));
      expect(answers.map((a) => a.outcome).sort()).toEqual(["answered", ...Array(5).fill("conflict")]);
      const winner = answered[0]!;
      const reply = answers[winner] as Extract<ExactlyOnceAnswer, { outcome: "answered" }>;
      await slot.answers?.(winner, reply.reply);
      await effectsAre(slot, 1);
      expect(await slot.send(winner, { resend: true })).toEqual(reply);
    });

    // Only receivers that can restart on their storage have this case (no skipped tests).
    if (options.restarts) {
      it("after a restart a repeat gets the stored reply and another body conflicts", async () => {
        const r = receiver();
        const slot = await r.slot(2);
        const first = await slot.send(0);
        if (!r.restart) throw new Error(`${name}: restarts: true needs a receiver with restart()`);
        await r.restart();
        expect(await slot.send(0, { resend: true })).toEqual(first);
        expect(await slot.send(1)).toEqual({ outcome: "conflict" });
        await effectsAre(slot, 1);
      });
    }
  });
}

/** What one send got, as the exactly-once cases compare it. */
export type ExactlyOnceAnswer =
  /** Answered: the effect's reply, or a refusal the receiver keeps for this message. */
  | { outcome: "answered"; reply: unknown }
  /** Refused `conflict`: the id was used for another body. */
  | { outcome: "conflict" };

/**
 * One message id at a receiver and the bodies to send under it: body 0 is the message, 1, 2, …
 * each another body that would take effect on its own.
 */
export interface ExactlyOnceSlot {
  /** Sends body `variant`; `resend` as a sender's resend (re-signed, a new `at`) where it has one. */
  send(variant: number, options?: { resend?: boolean }): Promise<ExactlyOnceAnswer>;
  /** How often a message under this id took effect, whichever body; absent for one with no effect. */
  effects?(): Promise<number>;
  /** Checks that `reply`, answered to body `variant`, is that body's answer and not another's. */
  answers?(variant: number, reply: unknown): void | Promise<void>;
}

export interface ExactlyOnceReceiver {
  /** A fresh message id with `variants` bodies. */
  slot(variants: number): Promise<ExactlyOnceSlot>;
  /** Stops the receiver and starts it again on the same storage. */
  restart?(): Promise<void>;
}

/** A HostStore as an exactly-once receiver: each slot is one Register Delivery id in a fresh store. */
export function storeReceiver(fresh: () => Promise<HostStore>): ExactlyOnceReceiver {
  return {
    async slot(variants) {
      const store = await fresh();
      const ids = await seed(store);
      const messageId = fakeMessageId();
      const digests = Array.from({ length: variants }, () => fakeDigest());
      const bodies = digests.map((d, v) =>
        write(
          ids.vendor.id,
          { kind: "register", registrations: [reg("delivery", d, ids)] },
          { messageId, fingerprint: `body-${v}` },
        ),
      );
      return {
        async send(variant, options = {}) {
          const w = bodies[variant]!;
          const [o] = await store.apply([options.resend ? { ...w, at: at(next()) } : w]);
          if (o?.status === "conflict") return { outcome: "conflict" };
          if (o?.status === "applied" || o?.status === "repeat")
            return { outcome: "answered", reply: o.result };
          throw new Error(`expected an answer or a conflict, got ${JSON.stringify(o)}`);
        },
        async effects() {
          let n = 0;
          for (const d of digests) n += (await store.getOrder(d)).registrations.length;
          return n;
        },
        answers(variant, reply) {
          expect(reply).toMatchObject({ registered: [{ orderDigest: digests[variant] }] });
        },
      };
    },
  };
}
