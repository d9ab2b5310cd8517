/** Test support: serves a Fetch-API handler over real HTTP on a free loopback port. */
import { type ServerType, serve } from "@hono/node-server";
import { answerClientError } from "@quickpay/protocol";

export interface Served {
  url: string;
  close(): Promise<void>;
}

export function serveFetch(handler: (req: Request) => Promise<Response>, port = 0): Promise<Served> {
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch: handler, port, hostname: "127.0.0.1" }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      }),
    );
    server.once("error", reject);
    // As the demo shop does: parser-level errors in the project's shape.
    server.on("clientError", answerClientError);
  });
}

/** A loopback URL where nothing listens (a port bound then released), for "unreachable" paths. */
export async function deadUrl(): Promise<string> {
  const s = await serveFetch(async () => new Response(null, { status: 500 }));
  await s.close();
  return s.url;
}

export async function postJson(url: string, body: unknown, init: RequestInit = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary replies and assert on their shape.
  const json = (await response.json()) as any;
  return { status: response.status, headers: response.headers, json };
}
