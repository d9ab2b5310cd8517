/**
 * A real host plus a broker-kit server on loopback, for the kit's HTTP tests: raw posting of
 * envelopes, a controllable broker clock and a snapshot of every ledger table (to prove a refusal
 * changed nothing). Test support only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HostOptions, type RunningHost, startHost } from "@quickpay/host-server";
import {
  type BodyInputOf,
  endpointUrl,
  generateKeyPair,
  type KeyPair,
  type MessageType,
  messages,
  type Signer,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import { registerTestVendor, registerTestWallet, type TestPlayer } from "../testing/players";
import { accountNumberPinPolicy } from "./policy";
import { hashSecret } from "./secrets";
import { type BrokerServerOptions, type RunningBrokerServer, startBroker } from "./server";

export interface Fixture {
  host: RunningHost;
  broker: RunningBrokerServer;
  brokerKey: KeyPair;
  wallet: TestPlayer;
  otherWallet: TestPlayer;
  vendor: TestPlayer;
  /** Broker clock = real time + this offset (ms); envelopes are signed on the same clock. */
  clock: { offsetMs: number; now(): Date };
  dir: string;
  sign<T extends MessageType>(
    who: Signer | TestPlayer,
    type: T,
    body: BodyInputOf<T>,
    options?: { id?: string; at?: Date },
  ): Promise<unknown>;
  /** Posts anything to a broker route; returns status and parsed JSON without throwing. */
  post(path: string, payload: unknown, init?: { rawBody?: string; contentType?: string }): Promise<Posted>;
  /**
   * Every row of every ledger table, for before/after comparisons — taken after the outbox has
   * sent what it owes, so a background Register Commit acknowledgement cannot race the comparison.
   */
  snapshot(): Promise<Record<string, unknown[]>>;
  close(): Promise<void>;
}

export interface Posted {
  status: number;
  json: { error?: { code: string; message: string; details?: unknown } } & Record<string, unknown>;
}

export const ALICE = { accountNumber: "2000-0001", pin: "2468", holder: "Alice Test", micros: 1_000_000 };
export const BOB = { accountNumber: "2000-0002", pin: "1357", holder: "Bob Test", micros: 20_000 };

export async function startFixture(
  options: Partial<BrokerServerOptions> = {},
  hostOptions: (dir: string) => HostOptions = () => ({}),
): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "paycards-kit-"));
  const host = await startHost(hostOptions(dir));
  const brokerKey = generateKeyPair();
  const clock = {
    offsetMs: 0,
    now(): Date {
      return new Date(Date.now() + clock.offsetMs);
    },
  };
  const broker = await startBroker({
    hostUrl: host.url,
    key: brokerKey,
    dbPath: join(dir, "broker.sqlite"),
    policy: accountNumberPinPolicy(),
    moduleIds: ["test-bank"],
    now: () => clock.now(),
    ...options,
  });
  for (const a of [ALICE, BOB]) {
    broker.ledger.accounts.ensure(
      {
        number: a.accountNumber,
        holder: a.holder,
        currency: "USD",
        balanceMicros: a.micros,
        secretHash: hashSecret(a.pin),
      },
      Date.now(),
    );
  }
  await sendMessage(
    host.url,
    "AddBroker",
    { publicKey: brokerKey.publicKey, name: "Test Bank", endpoint: broker.url },
    { headers: { authorization: `Bearer ${host.operatorToken}` } },
  );
  const [wallet, otherWallet, vendor] = await Promise.all([
    registerTestWallet(host.url),
    registerTestWallet(host.url),
    registerTestVendor(host.url),
  ]);

  const tables = [
    "accounts",
    "entries",
    "sessions",
    "paycards",
    "commitments",
    "holds",
    "idempotency",
    "outbox",
    "settlements",
    "statements",
    "vendor_payables",
    "broker_meta",
  ];
  const fixture: Fixture = {
    host,
    broker,
    brokerKey,
    wallet,
    otherWallet,
    vendor,
    clock,
    dir,
    sign(who, type, body, opts = {}) {
      const signer = "signer" in who ? who.signer : who;
      return signEnvelope(signer, type, body, {
        at: opts.at ?? clock.now(),
        ...(opts.id ? { id: opts.id } : {}),
      });
    },
    async post(path, payload, init = {}) {
      const response = await fetch(endpointUrl(fixture.broker.url, path), {
        method: "POST",
        headers: { "content-type": init.contentType ?? "application/json" },
        body: init.rawBody ?? JSON.stringify(payload),
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : {} };
    },
    async snapshot() {
      await fixture.broker.flushOutbox();
      const db = fixture.broker.ledger.db;
      return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t}`).all()]));
    },
    async close() {
      // Tests may have replaced the host or broker with restarted ones: close the current ones.
      await fixture.broker.close();
      await fixture.host.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Signs and posts a message to the broker route its type declares. */
export async function postMessage<T extends MessageType>(
  f: Fixture,
  who: Signer | TestPlayer,
  type: T,
  body: BodyInputOf<T>,
  options: { id?: string; at?: Date } = {},
): Promise<Posted> {
  return f.post(messages[type].path, await f.sign(who, type, body, options));
}

/** Add Paycard end to end for `who` and the given account; returns the Paycard id and credential. */
export async function addPaycard(
  f: Fixture,
  who: TestPlayer,
  account: { accountNumber: string; pin: string },
): Promise<{ paycardId: string; credential: string }> {
  const take = await postMessage(f, who, "ConfirmPaycard", {
    walletId: who.id,
    moduleId: "test-bank",
    version: "1.0.0",
  });
  const bound = await postMessage(f, who, "AnswerResponse", {
    sessionId: take.json.sessionId as string,
    answers: { accountNumber: account.accountNumber, pin: account.pin },
  });
  if (bound.status !== 200) throw new Error(`Add Paycard failed: ${JSON.stringify(bound.json)}`);
  return { paycardId: bound.json.paycardId as string, credential: bound.json.credential as string };
}
