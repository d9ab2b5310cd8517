/**
 * The host's exactly-once cases (DESIGN §2) against every broker route over real HTTP: one broker
 * server (and the same after a restart on its ledger), and two servers on one ledger file, as two
 * processes would share it — where no in-process coordination can help.
 */
import { join } from "node:path";
import {
  describeExactlyOnce,
  type ExactlyOnceAnswer,
  type ExactlyOnceReceiver,
  type ExactlyOnceSlot,
} from "@quickpay/host-server/store-contract";
import {
  type BodyInputOf,
  base64url,
  endpointUrl,
  messages,
  newMessageId,
  randomBytes,
  type SignedEndorsement,
  sha256Hex,
  signEnvelope,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { registerTestWallet, type TestPlayer } from "../testing/players";
import { accountNumberPinPolicy } from "./policy";
import { type BrokerMessageType, brokerHandlers } from "./routes";
import { hashSecret } from "./secrets";
import { type BrokerServerOptions, type RunningBrokerServer, startBroker } from "./server";
import { addPaycard, type Fixture, postMessage, startFixture } from "./test-fixture";

const PIN = "4321";
let pinHash: string | undefined;
let accounts = 0;

/** The options `startFixture` started its broker with, to start it again (or a second one) on its ledger. */
function sameLedger(f: Fixture): BrokerServerOptions {
  return {
    hostUrl: f.host.url,
    key: f.brokerKey,
    dbPath: join(f.dir, "broker.sqlite"),
    policy: accountNumberPinPolicy(),
    moduleIds: ["test-bank"],
    now: () => f.clock.now(),
  };
}

/**
 * The broker routes as an exactly-once receiver. `servers()` are the broker servers sharing the
 * ledger; the n-th send of a slot goes to server n mod their count.
 */
function brokerReceiver(
  f: () => Fixture,
  type: BrokerMessageType,
  servers: () => RunningBrokerServer[],
): ExactlyOnceReceiver {
  /** An account of its own (so no case's wrong PINs cool another's down), bound to a fresh Paycard of `who`. */
  const paycard = async (who: TestPlayer) => {
    pinHash ??= hashSecret(PIN);
    const accountNumber = `3000-${String(++accounts).padStart(4, "0")}`;
    f().broker.ledger.accounts.ensure(
      {
        number: accountNumber,
        holder: "Contract Test",
        currency: "USD",
        balanceMicros: 1_000_000,
        secretHash: pinHash,
      },
      Date.now(),
    );
    return { accountNumber, card: await addPaycard(f(), who, { accountNumber, pin: PIN }) };
  };
  const inquiry = (card: { paycardId: string; credential: string }) => ({
    ...card,
    orderDigest: sha256Hex(randomBytes(32)),
    vendorId: f().vendor.id,
    amount: { currency: "USD", value: "0.01" },
    kind: "micro" as const,
    orderExpiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
    payerSalt: base64url.encode(randomBytes(32)),
  });
  /** Claimed commitments of a fresh Paycard, one per variant, each through its own messages. */
  const claimed = async (variants: number) => {
    const who = await registerTestWallet(f().host.url);
    const { card } = await paycard(who);
    return Promise.all(
      Array.from({ length: variants }, async () => {
        const e = await postMessage(f(), who, "InquiryPayment", inquiry(card));
        const endorsement = e.json.endorsement as SignedEndorsement;
        const { commitId, orderDigest, vendorId, amount } = endorsement.endorsement;
        const c = await postMessage(f(), f().vendor, "CheckCommit", {
          commitId,
          orderDigest,
          vendorId,
          amount,
          kind: "micro",
        });
        expect(c.status, JSON.stringify(c.json)).toBe(200);
        return endorsement;
      }),
    );
  };
  const count = (sql: string, ...params: unknown[]) =>
    (
      f()
        .broker.ledger.db.prepare(sql)
        .get(...params) as { n: number }
    ).n;
  const among = (ids: string[]) => `(${ids.map(() => "?").join(", ")})`;

  type Case = Omit<ExactlyOnceSlot, "send"> & { who: TestPlayer; bodies: BodyInputOf<BrokerMessageType>[] };
  const cases = {
    async ConfirmPaycard(variants): Promise<Case> {
      const who = await registerTestWallet(f().host.url);
      return {
        who,
        bodies: Array.from({ length: variants }, (_, v) => ({
          walletId: who.id,
          moduleId: "test-bank",
          version: `1.0.${v}`,
        })),
        effects: async () => count("SELECT COUNT(*) AS n FROM sessions WHERE wallet_id = ?", who.id),
      };
    },
    async AnswerResponse(variants): Promise<Case> {
      const who = await registerTestWallet(f().host.url);
      pinHash ??= hashSecret(PIN);
      const accountNumber = `3000-${String(++accounts).padStart(4, "0")}`;
      f().broker.ledger.accounts.ensure(
        {
          number: accountNumber,
          holder: "Contract Test",
          currency: "USD",
          balanceMicros: 0,
          secretHash: pinHash,
        },
        Date.now(),
      );
      const take = await postMessage(f(), who, "ConfirmPaycard", {
        walletId: who.id,
        moduleId: "test-bank",
        version: "1.0.0",
      });
      const sessionId = take.json.sessionId as string;
      const { maxAttempts } = f().broker.broker.settings;
      return {
        who,
        // Body 0 binds the Paycard; the others are wrong PINs, each a counted attempt kept with its answer.
        bodies: Array.from({ length: variants }, (_, v) => ({
          sessionId,
          answers: { accountNumber, pin: v === 0 ? PIN : `90${v}9` },
        })),
        async effects() {
          const s = f().broker.ledger.paycards.session(sessionId)!;
          return (s.status === "bound" ? 1 : 0) + maxAttempts - s.attempts_left;
        },
        answers(v, reply) {
          expect(reply).toMatchObject(
            v === 0
              ? { status: 200, json: { paycardId: expect.any(String) } }
              : { status: 403, json: { error: { code: "wrong_answer" } } },
          );
        },
      };
    },
    async CheckBalance(variants): Promise<Case> {
      const who = await registerTestWallet(f().host.url);
      const cards = await Promise.all(
        Array.from({ length: variants }, async () => (await paycard(who)).card),
      );
      return {
        who,
        bodies: cards,
        answers(v, reply) {
          expect(reply).toMatchObject({ status: 200, json: { paycardId: cards[v]!.paycardId } });
        },
      };
    },
    async ForgetPaycard(variants): Promise<Case> {
      const who = await registerTestWallet(f().host.url);
      const cards = await Promise.all(
        Array.from({ length: variants }, async () => (await paycard(who)).card),
      );
      const ids = cards.map((c) => c.paycardId);
      return {
        who,
        bodies: cards,
        effects: async () =>
          count(
            `SELECT COUNT(*) AS n FROM paycards WHERE status = 'revoked' AND paycard_id IN ${among(ids)}`,
            ...ids,
          ),
        answers(v, reply) {
          expect(reply).toMatchObject({ status: 200, json: { paycardId: ids[v], status: "revoked" } });
        },
      };
    },
    async InquiryPayment(variants): Promise<Case> {
      const who = await registerTestWallet(f().host.url);
      const { card } = await paycard(who);
      const bodies = Array.from({ length: variants }, () => inquiry(card));
      return {
        who,
        bodies,
        effects: async () =>
          count("SELECT COUNT(*) AS n FROM commitments WHERE paycard_id = ?", card.paycardId),
        answers(v, reply) {
          expect(reply).toMatchObject({
            status: 200,
            json: { endorsement: { endorsement: { orderDigest: bodies[v]!.orderDigest } } },
          });
        },
      };
    },
    async CheckCommit(variants): Promise<Case> {
      const endorsements = await Promise.all(
        Array.from({ length: variants }, async () => {
          const who = await registerTestWallet(f().host.url);
          const { card } = await paycard(who);
          const e = await postMessage(f(), who, "InquiryPayment", inquiry(card));
          return (e.json.endorsement as SignedEndorsement).endorsement;
        }),
      );
      const commitIds = endorsements.map((e) => e.commitId);
      return {
        who: f().vendor,
        bodies: endorsements.map(({ commitId, orderDigest, vendorId, amount }) => ({
          commitId,
          orderDigest,
          vendorId,
          amount,
          kind: "micro" as const,
        })),
        effects: async () =>
          count(
            `SELECT COUNT(*) AS n FROM commitments WHERE status = 'claimed' AND commit_id IN ${among(commitIds)}`,
            ...commitIds,
          ),
        answers(v, reply) {
          expect(reply).toMatchObject({ status: 200, json: { commitId: commitIds[v] } });
        },
      };
    },
    async SettleWithBroker(variants): Promise<Case> {
      const endorsements = await claimed(variants);
      const commitIds = endorsements.map((e) => e.endorsement.commitId);
      return {
        who: f().vendor,
        bodies: endorsements.map((endorsement) => ({
          orders: [{ orderDigest: endorsement.endorsement.orderDigest, endorsement }],
        })),
        // Statements that settled any of these orders: one message, one statement.
        effects: async () =>
          count(
            `SELECT COUNT(DISTINCT ref) AS n FROM settlements WHERE commit_id IN ${among(commitIds)}`,
            ...commitIds,
          ),
        answers(v, reply) {
          expect(reply).toMatchObject({
            status: 200,
            json: { statement: { accepted: [endorsements[v]!.endorsement.orderDigest] } },
          });
        },
      };
    },
  } satisfies Record<BrokerMessageType, (variants: number) => Promise<Case>>;

  return {
    async slot(variants) {
      const { who, bodies, ...rest } = await cases[type](variants);
      const id = newMessageId();
      const sign = (v: number) => signEnvelope(who.signer, type, bodies[v]!, { id, at: f().clock.now() });
      const first = new Map<number, Promise<unknown>>();
      let sends = 0;
      return {
        ...rest,
        async send(variant, options = {}): Promise<ExactlyOnceAnswer> {
          if (!first.has(variant)) first.set(variant, sign(variant));
          const envelope = await (options.resend ? sign(variant) : first.get(variant)!);
          const all = servers();
          const server = all[sends++ % all.length]!;
          const response = await fetch(endpointUrl(server.url, messages[type].path), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(envelope),
          });
          const json = (await response.json()) as { error?: { code: string } };
          if (response.status === 409 && json.error?.code === "conflict") return { outcome: "conflict" };
          return { outcome: "answered", reply: { status: response.status, json } };
        },
      };
    },
    async restart() {
      const fixture = f();
      await fixture.broker.close();
      // On another port: a connection the client kept to the old server is never reused.
      fixture.broker = await startBroker(sameLedger(fixture));
    },
  };
}

const ROUTES = Object.keys(brokerHandlers) as BrokerMessageType[];

describe("one broker server", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f?.close();
  });
  for (const type of ROUTES) {
    describeExactlyOnce(
      type,
      () =>
        brokerReceiver(
          () => f,
          type,
          () => [f.broker],
        ),
      { restarts: true },
    );
  }
});

describe("two broker servers on one ledger file", () => {
  let f: Fixture;
  let second: RunningBrokerServer;
  beforeAll(async () => {
    f = await startFixture();
    second = await startBroker(sameLedger(f));
  });
  afterAll(async () => {
    await second?.close();
    await f?.close();
  });
  for (const type of ROUTES) {
    describeExactlyOnce(`${type}, two servers`, () =>
      brokerReceiver(
        () => f,
        type,
        () => [f.broker, second],
      ),
    );
  }
});
