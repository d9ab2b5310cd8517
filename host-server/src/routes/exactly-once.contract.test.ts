/**
 * The exactly-once cases (DESIGN §2) the stores run (store/contract.ts), here over real HTTP against
 * the host's registration routes — the same cases the broker kit's routes and the vendor SDK's
 * Request Order Delivery run: a repeat gets the stored reply, another body under a used id is
 * `conflict`, concurrent copies take effect once, and so after a restart on the same database.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { newId, OrderStatus, orderStatusPath } from "@quickpay/protocol";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { startHost } from "../start";
import { describeExactlyOnce, type ExactlyOnceReceiver } from "../store/contract-fixtures";
import { endorsed, envelope, get, post, startTestHost, type TestPlayer } from "../test-kit";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-exactly-once-"));
const dbPath = path.join(dir, "host.db");
let t: Awaited<ReturnType<typeof startTestHost>>;

beforeAll(async () => {
  t = await startTestHost({ dbPath });
});
afterAll(async () => {
  await t?.host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Which side an order has on record, as the host's order status says. */
async function sideOf(digest: string, side: "commit" | "delivery") {
  const r = await get(t.host.url + orderStatusPath(digest));
  expect(r.status).toBe(200);
  return OrderStatus.parse(r.json)[side];
}

/** Register Delivery (vendor) or Register Commit (broker) as an exactly-once receiver over HTTP. */
function registrations(type: "RegisterDelivery" | "RegisterCommit"): ExactlyOnceReceiver {
  const side = type === "RegisterDelivery" ? "delivery" : "commit";
  const route = type === "RegisterDelivery" ? "/v1/register-delivery" : "/v1/register-commit";
  return {
    async slot(variants) {
      const orders = await Promise.all(
        Array.from({ length: variants }, () => endorsed(t.broker, t.vendor.id)),
      );
      const sender: TestPlayer = type === "RegisterDelivery" ? t.vendor : t.broker;
      const body = (v: number) =>
        type === "RegisterDelivery" ? orders[v]!.facts : { endorsement: orders[v]!.endorsement };
      const id = newId();
      const first = new Map<number, unknown>();
      return {
        async send(variant, options = {}) {
          // A resend is signed again (a new `at`); otherwise the first envelope of this body again.
          let signed = options.resend ? undefined : first.get(variant);
          if (!signed) {
            signed = await envelope(sender, type, body(variant), { id });
            if (!first.has(variant)) first.set(variant, signed);
          }
          const r = await post(t.host.url + route, signed);
          if (r.status === 409 && r.json?.error?.code === "conflict") return { outcome: "conflict" };
          return { outcome: "answered", reply: { status: r.status, json: r.json } };
        },
        async effects() {
          let n = 0;
          for (const o of orders) if (await sideOf(o.orderDigest, side)) n++;
          return n;
        },
        answers(variant, reply) {
          expect(reply).toMatchObject({
            status: 200,
            json: { orderDigest: orders[variant]!.orderDigest, side },
          });
        },
      };
    },
    async restart() {
      await t.host.close();
      // The same database, the players already in it; a new port, so no kept connection is reused.
      t = { ...t, host: await startHost({ dbPath }) };
    },
  };
}

describe("host routes", () => {
  describeExactlyOnce("host Register Delivery", () => registrations("RegisterDelivery"), { restarts: true });
  describeExactlyOnce("host Register Commit", () => registrations("RegisterCommit"), { restarts: true });
});
