/**
 * Helpers for the host's integration tests (real HTTP on loopback): players with real keys, signed
 * envelopes, raw POSTs that return status + JSON so bad input can be asserted exactly.
 */
import {
  type Endorsement,
  generateKeyPair,
  type KeyPair,
  newId,
  type PlayerKind,
  playerIdFor,
  sha256Hex,
  signEndorsement,
  signEnvelope,
} from "@quickpay/protocol";
import { type RunningHost, startHost } from "./index";
import { sharedProofServer } from "./proof-server";
import type { HostOptions } from "./start";

export interface TestPlayer extends KeyPair {
  id: string;
  kind: PlayerKind;
}

export function makePlayer(kind: PlayerKind): TestPlayer {
  const keys = generateKeyPair();
  return { ...keys, id: playerIdFor(kind, keys.publicKey), kind };
}

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read error and reply fields freely
  json: any;
  headers: Headers;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, headers: response.headers };
}

export function envelope<B>(
  player: TestPlayer,
  type: string,
  body: B,
  options: { id?: string; at?: Date } = {},
) {
  return signEnvelope({ playerId: player.id, privateKey: player.privateKey }, type, body, options);
}

/**
 * Register Vendor for `vendor` at `hostUrl`, on a fresh origin of the shared proof server that lists
 * its key (so the host's origin proof passes the real way), with the endpoint `${origin}/quickpay`.
 */
export async function registerVendorAt(
  hostUrl: string,
  vendor: TestPlayer,
  options: { name?: string } = {},
): Promise<Reply & { origin: string }> {
  const origin = (await sharedProofServer()).originFor(vendor.publicKey);
  const reply = await post(
    `${hostUrl}/v1/register-vendor`,
    await envelope(vendor, "RegisterVendor", {
      publicKey: vendor.publicKey,
      name: options.name ?? "Test Shop",
      origins: [origin],
      endpoint: `${origin}/quickpay`,
    }),
  );
  return { ...reply, origin };
}

/** A host with a wallet, a vendor and a broker already in its directory. */
export async function startTestHost(options: HostOptions = {}) {
  const host: RunningHost = await startHost(options);
  const wallet = makePlayer("wallet");
  const vendor = makePlayer("vendor");
  const broker = makePlayer("broker");
  const ok = <R extends Reply>(r: R): R => {
    if (r.status !== 200) throw new Error(`setup failed: ${r.status} ${JSON.stringify(r.json)}`);
    return r;
  };
  ok(
    await post(
      `${host.url}/v1/register-wallet`,
      await envelope(wallet, "RegisterWallet", { publicKey: wallet.publicKey }),
    ),
  );
  // The vendor proves its origin the real way: the host fetches its /.well-known/quickpay.json.
  const { origin } = ok(await registerVendorAt(host.url, vendor));
  ok(
    await post(
      `${host.url}/v1/admin/add-broker`,
      { publicKey: broker.publicKey, name: "Test Bank", endpoint: "http://127.0.0.1:9/bank" },
      { authorization: `Bearer ${host.operatorToken}` },
    ),
  );
  return {
    host,
    wallet,
    vendor,
    broker,
    origin,
    operator: { authorization: `Bearer ${host.operatorToken}` },
  };
}

/** A fresh order digest with a broker-signed endorsement for it. */
export async function endorsed(broker: TestPlayer, vendorId: string, value = "0.01") {
  const orderDigest = sha256Hex(newId());
  const endorsement: Endorsement = {
    commitId: `c_${newId()}`,
    orderDigest,
    vendorId,
    amount: { currency: "USD", value },
    brokerId: broker.id,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  };
  const signed = await signEndorsement(broker.privateKey, endorsement);
  const facts = { orderDigest, commitId: endorsement.commitId, vendorId, amount: endorsement.amount };
  return { orderDigest, endorsement: signed, facts };
}
