/**
 * Test support for the engine's tests: a second, real vendor on loopback — the vendor SDK's own
 * handlers, registered with the host under a fresh key — whose catalogue a test can change (an item
 * withdrawn between Get Order and delivery), which a test can stop (a shop that went away), and
 * which can write to a wallet through the host's mailbox (Post Message).
 */
import http from "node:http";
import {
  type BodyInputOf,
  generateKeyPair,
  type MoneyWire,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import { createVendorHandlers, type Item, originProofResponse, registerVendor } from "@quickpay/vendor-sdk";

export interface TestItem extends Item {
  body: string;
}

export interface TestVendor {
  url: string;
  vendorId: string;
  /** Stops selling `itemId` (Get Order and delivery answer `not_found` from now on). */
  withdraw(itemId: string): void;
  /** Post Message as this vendor: a memo to a player, or to "the wallet of order D". */
  post(body: BodyInputOf<"PostMessage">): Promise<{ postedAt: string }>;
  close(): Promise<void>;
}

const ONE_CENT: MoneyWire = { currency: "USD", value: "0.01" };

export function testItem(id: string, extra: Partial<TestItem> = {}): TestItem {
  return { id, description: `Test item ${id}`, amount: ONE_CENT, body: `<p>${id}</p>`, ...extra };
}

/** Turns a node request into a Fetch-API one and back, for the SDK's `Request → Response` handlers. */
function serve(handle: (req: Request) => Promise<Response>): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers: req.headers as Record<string, string>,
      ...(body && req.method !== "GET" && req.method !== "HEAD" ? { body } : {}),
    });
    const response = await handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

export async function startTestVendor(hostUrl: string, items: TestItem[]): Promise<TestVendor> {
  const catalog = new Map(items.map((i) => [i.id, i]));
  let handle: ((req: Request) => Promise<Response | null>) | undefined;
  const keys = generateKeyPair();
  const server = await serve(async (req) => {
    // The origin proof is served from the key alone, so the host can fetch it while registering.
    const response = handle ? await handle(req) : originProofResponse(req, keys.publicKey);
    return response ?? new Response(null, { status: 404 });
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const endpoint = `${url}/quickpay`;
  const vendorId = await registerVendor(hostUrl, keys, { name: "Test Vendor", origins: [url], endpoint });
  const handlers = createVendorHandlers<TestItem>({
    vendorId,
    privateKey: keys.privateKey,
    hostUrl,
    endpoint,
    catalog: { get: async (id) => catalog.get(id) },
    deliver: async (item) => ({ mediaType: "text/html", body: item.body }),
  });
  handle = (req) => handlers.handle(req);
  return {
    url,
    vendorId,
    withdraw: (itemId) => catalog.delete(itemId),
    async post(body) {
      const envelope = await signEnvelope(
        { playerId: vendorId, privateKey: keys.privateKey },
        "PostMessage" as const,
        body,
      );
      return sendMessage(hostUrl, "PostMessage", envelope);
    },
    async close() {
      handlers.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
