/**
 * The host's exactly-once cases (DESIGN §2) against the vendor SDK's Request Order Delivery over real
 * HTTP, with a real System Host and the real demo bank: the commitment is the message's id, the order
 * presented with it is its body. A repeat gets the stored delivery, another order under a used
 * commitment is `conflict`, and `deliver()` runs once per commitment however the copies arrive — at
 * once, after the first was answered, after a restart of the shop on its store file.
 *
 * The other bodies under one commitment are what a broker that endorsed one commitment for two
 * orders would hand out (signed here with the demo bank's public DEMO key): the vendor must not
 * answer one order with another's content, nor deliver twice.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type RunningHost, sharedProofServer, startHost } from "@quickpay/host-server";
import { describeExactlyOnce, type ExactlyOnceReceiver } from "@quickpay/host-server/store-contract";
import { demoBrokerKey, type RunningBroker, startDemoBank } from "@quickpay/paycards/demo-bank/server";
import {
  generateKeyPair,
  orderDigest,
  playerIdFor,
  type SignedEndorsement,
  SignedOrder,
  signEndorsement,
} from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, type Served, serveFetch } from "../test-support/serve";
import { createTestWallet, type TestWallet } from "../test-support/wallet";
import { JsonLinesVendorStore } from "./file-store";
import { createVendorHandlers, type VendorHandlers } from "./handlers";
import { registerVendor } from "./register";
import type { DeliveryRecord, VendorStore } from "./store";

/** The demo bank's committed DEMO key (public by design, see contracts.md). */
const demoBrokerPrivateKey = demoBrokerKey.privateKey;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-exactly-once-"));
const keys = generateKeyPair();
const vendorId = playerIdFor("vendor", keys.publicKey);
const article = { id: "article-1", description: "Article one", amount: { currency: "USD", value: "0.01" } };

let host: RunningHost;
let bank: RunningBroker;
let wallet: TestWallet;
/** Order digests `deliver()` ran for, in every shop process of this file. */
const delivered: string[] = [];

/**
 * A store whose next `findDelivery` answers only once `release()` is called: the request that read
 * "nothing recorded" is held there while another request for the commitment runs to the end.
 */
class HeldStore extends JsonLinesVendorStore {
  private held: Promise<void> | undefined;
  private releaseHeld: (() => void) | undefined;
  holdNextLookup(): () => void {
    this.held = new Promise((resolve) => {
      this.releaseHeld = resolve;
    });
    return () => this.releaseHeld?.();
  }
  override async findDelivery(commitId: string): Promise<DeliveryRecord | undefined> {
    const found = await super.findDelivery(commitId);
    const held = this.held;
    this.held = undefined;
    if (held) await held;
    return found;
  }
}

/** One shop process: handlers over a store file, served on loopback. */
interface Shop {
  handlers: VendorHandlers;
  served: Served;
  store: HeldStore;
  endpoint: string;
}

async function startShop(storeFile: string): Promise<Shop> {
  const store = new HeldStore(storeFile);
  const handlers = createVendorHandlers({
    vendorId,
    privateKey: keys.privateKey,
    hostUrl: host.url,
    catalog: { get: async (id) => (id === article.id ? article : undefined) },
    deliver: async (item, order) => {
      delivered.push(orderDigest(order));
      return { mediaType: "text/plain", body: `${item.id} for order ${order.orderId}` };
    },
    store,
    outboxTimer: false,
  });
  const served = await serveFetch(
    async (req) => (await handlers.handle(req)) ?? new Response(null, { status: 404 }),
  );
  return { handlers, served, store, endpoint: `${served.url}/quickpay` };
}

async function stopShop(shop: Shop | undefined): Promise<void> {
  await shop?.handlers.close();
  await shop?.served.close();
  await (shop?.store as VendorStore | undefined)?.close?.();
}

beforeAll(async () => {
  host = await startHost({ dbPath: path.join(dir, "host.db") });
  bank = await startDemoBank({ hostUrl: host.url, operatorToken: host.operatorToken });
  // The shared proof server serves /.well-known/quickpay.json for this key on a fresh origin.
  const origin = (await sharedProofServer()).originFor(keys.publicKey);
  await registerVendor(host.url, keys, {
    name: "Exactly Once Shop",
    origins: [origin],
    endpoint: `${origin}/quickpay`,
  });
  wallet = await createTestWallet(host.url, bank.url, bank.accounts[0]!);
});

afterAll(async () => {
  await bank?.close();
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * `variants` orders of the shop under one real commitment: body 0 is the order the bank endorsed
 * (and holds funds for), body v another order with an endorsement of the same commitment.
 */
async function commitmentSlot(endpoint: () => string, variants: number) {
  const orders = await Promise.all(
    Array.from({ length: variants }, async () => {
      const r = await postJson(`${endpoint()}/v1/get-order`, { itemId: article.id });
      expect(r.status).toBe(200);
      return SignedOrder.parse(r.json);
    }),
  );
  const real = await wallet.inquirePayment(orders[0]!);
  const endorsements: SignedEndorsement[] = [
    real,
    ...(await Promise.all(
      orders
        .slice(1)
        .map((o) =>
          signEndorsement(demoBrokerPrivateKey, { ...real.endorsement, orderDigest: orderDigest(o.order) }),
        ),
    )),
  ];
  const digests = orders.map((o) => orderDigest(o.order));
  return {
    commitId: real.endorsement.commitId,
    digests,
    body: (v: number) => ({ order: orders[v]!, endorsement: endorsements[v]! }),
  };
}

const claimed = (commitId: string) =>
  (
    bank.server.ledger.db
      .prepare("SELECT COUNT(*) AS n FROM commitments WHERE commit_id = ? AND status = 'claimed'")
      .get(commitId) as { n: number }
  ).n;

describe("Request Order Delivery", () => {
  let shop: Shop;
  const storeFile = path.join(dir, "shop.jsonl");
  beforeAll(async () => {
    shop = await startShop(storeFile);
  });
  afterAll(async () => {
    await stopShop(shop);
  });

  const receiver = (): ExactlyOnceReceiver => ({
    async slot(variants) {
      const slot = await commitmentSlot(() => shop.endpoint, variants);
      return {
        async send(variant) {
          // A Wallet's resend is the same request again: nothing of it is re-signed.
          const r = await postJson(`${shop.endpoint}/v1/request-order-delivery`, slot.body(variant));
          if (r.status === 409 && r.json.error?.code === "conflict") return { outcome: "conflict" };
          return { outcome: "answered", reply: { status: r.status, json: r.json } };
        },
        // deliver() ran for one order of the commitment, once.
        effects: async () => delivered.filter((d) => slot.digests.includes(d)).length,
        async answers(variant, reply) {
          const record = await shop.store.findDelivery(slot.commitId);
          expect(record?.orderDigest).toBe(slot.digests[variant]);
          if (variant === 0) {
            // The bank's commitment: claimed by this vendor, once, and the content of this order.
            expect(reply).toMatchObject({
              status: 200,
              json: { orderDigest: slot.digests[0], commitId: slot.commitId },
            });
            expect(claimed(slot.commitId)).toBe(1);
          } else {
            // The bank holds the commitment for order 0: this order is refused, and nothing claimed.
            expect(reply).toMatchObject({ status: 422, json: { error: { code: "mismatch" } } });
            expect(claimed(slot.commitId)).toBe(0);
          }
        },
      };
    },
    async restart() {
      await stopShop(shop);
      shop = await startShop(storeFile);
    },
  });

  describeExactlyOnce("vendor Request Order Delivery", receiver, { restarts: true });

  it("a request admitted before the commitment was recorded for another order is refused conflict, not given that order's content", async () => {
    const slot = await commitmentSlot(() => shop.endpoint, 2);
    const deliver = (v: number) => postJson(`${shop.endpoint}/v1/request-order-delivery`, slot.body(v));
    // Order 1 finds nothing recorded and is held there; order 0 is delivered meanwhile.
    const release = shop.store.holdNextLookup();
    const late = deliver(1);
    await new Promise((r) => setTimeout(r, 50));
    const first = await deliver(0);
    expect(first).toMatchObject({ status: 200, json: { orderDigest: slot.digests[0] } });
    release();
    expect(await late).toMatchObject({ status: 409, json: { error: { code: "conflict" } } });
    expect(delivered.filter((d) => slot.digests.includes(d))).toEqual([slot.digests[0]]);
    expect((await shop.store.findDelivery(slot.commitId))?.orderDigest).toBe(slot.digests[0]);
    expect(claimed(slot.commitId)).toBe(1);
  });
});
