/** Fixtures of the HostStore contract suite: fake ids, writes, players and registrations. */
import { expect } from "vitest";
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
