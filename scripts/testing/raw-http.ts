/**
 * HTTP/1.1 over a raw socket (node:net), for tests of what fetch cannot send: an unknown method, raw
 * non-ASCII in a URL, a URL over 16 KB, a chunked body of any size. Shared by the servers' input tests
 * (host, broker kit, vendor SDK) and the body-limit test on the player processes.
 */
import net from "node:net";
import { isErrorCode } from "@quickpay/protocol";
import { expect } from "vitest";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** Every response read from the connection, in order. */
  responses: RawResponse[];
  /** The server closed the connection (read until its end). */
  closed: boolean;
}

/** Splits what a connection carried into responses (each with a content-length, as QuickPay servers send). */
export function parseResponses(data: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf("\r\n\r\n", at);
    if (headEnd === -1) break;
    const [statusLine, ...lines] = data.subarray(at, headEnd).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    const bodyStart = headEnd + 4;
    responses.push({
      status: Number(statusLine!.split(" ")[1]),
      headers,
      body: data.subarray(bodyStart, bodyStart + length).toString("utf8"),
    });
    at = bodyStart + length;
  }
  return responses;
}

function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * Sends `requests` one after another on one keep-alive connection, each once the previous one was
 * answered, and stops sending once the server closes the connection. `closed` says whether the
 * server closed it before this side ended it (after the last answer).
 */
export async function exchange(url: string, requests: (string | Buffer)[]): Promise<RawExchange> {
  const socket = await connect(url);
  let data = Buffer.alloc(0);
  let closed = false;
  let wake: (() => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
    wake?.();
  });
  socket.on("error", () => {});
  const ended = new Promise<void>((resolve) =>
    socket.on("close", () => {
      closed = true;
      resolve();
      wake?.();
    }),
  );
  for (const [i, request] of requests.entries()) {
    if (closed) break;
    socket.write(request);
    while (!closed && completeResponses(data) < i + 1) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
  const closedByServer = closed;
  socket.end();
  await ended;
  return { responses: parseResponses(data), closed: closedByServer };
}

/** Responses fully received so far. */
function completeResponses(data: Buffer): number {
  let count = 0;
  let at = 0;
  for (;;) {
    const headEnd = data.indexOf("\r\n\r\n", at);
    if (headEnd === -1) return count;
    const head = data.subarray(at, headEnd).toString("latin1");
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (data.length < headEnd + 4 + length) return count;
    count++;
    at = headEnd + 4 + length;
  }
}

export interface ChunkedUpload {
  /** The server's answer, if one came before it closed the connection. */
  response: RawResponse | undefined;
  /** Body bytes this side wrote before the server answered or closed (or all of them). */
  bytesSent: number;
  /** The server closed the connection while the body was still coming. */
  cutOff: boolean;
}

/**
 * POSTs a chunked body of up to `totalBytes` (64 KiB chunks of `fill`) to `path`, writing only as
 * fast as the connection takes it, and stops as soon as the server answers or closes.
 */
export async function uploadChunked(
  url: string,
  path: string,
  totalBytes: number,
  options: { contentType?: string; fill?: string } = {},
): Promise<ChunkedUpload> {
  const socket = await connect(url);
  const { host } = new URL(url);
  let data = Buffer.alloc(0);
  let stopped = false;
  let closed = false;
  let wake: (() => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
    if (completeResponses(data) > 0) stopped = true;
    wake?.();
  });
  socket.on("error", () => {
    stopped = true;
    wake?.();
  });
  socket.on("close", () => {
    stopped = true;
    closed = true;
    wake?.();
  });
  socket.on("drain", () => wake?.());
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${options.contentType ?? "application/json"}\r\n` +
      "Transfer-Encoding: chunked\r\n\r\n",
  );
  const chunk = Buffer.from(options.fill ?? "[", "latin1");
  const body = Buffer.alloc(64 * 1024, chunk);
  const framed = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n")]);
  let bytesSent = 0;
  while (!stopped && bytesSent < totalBytes) {
    bytesSent += body.length;
    if (!socket.write(framed)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
  if (!stopped) socket.write("0\r\n\r\n");
  // Wait for the answer (or the close) that ends the exchange.
  while (completeResponses(data) === 0 && !closed) {
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  const cutOff = closed && bytesSent < totalBytes;
  socket.destroy();
  return { response: parseResponses(data)[0], bytesSent, cutOff };
}

/**
 * Requests node's HTTP parser cannot read, with the status each must get, for every server's input
 * test: sent on a keep-alive connection after a good request (`exchange`), each must be answered in
 * `{ error: { code, message } }` with `Connection: close`, and the connection closed.
 */
export function parserErrorCases(
  postPath: string,
): [what: string, request: string | Buffer, status: number][] {
  return [
    ["an unknown method", "FROB /v1/health HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    [
      "raw non-ASCII in the URL",
      Buffer.concat([
        Buffer.from("GET /v1/directory/"),
        Buffer.from("é✓", "utf8"),
        Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n"),
      ]),
      400,
    ],
    ["a URL over 16 KB", `GET /v1/${"a".repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ["a header line with no colon", "GET /v1/health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400],
    [
      "a malformed chunk",
      `POST ${postPath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      400,
    ],
  ];
}

/**
 * What every server must answer a `parserErrorCases` request with, sent between two good requests on
 * one keep-alive connection: the good one answered, then `status` in the project's error shape with
 * `Connection: close`, and the connection closed (the third request is never read).
 */
export function expectParserRefusal(exchanged: RawExchange, status: number): void {
  const { responses, closed } = exchanged;
  expect(responses.map((r) => r.status)).toEqual([200, status]);
  const refusal = responses[1]!;
  expect(refusal.headers.connection).toBe("close");
  expect(refusal.headers["content-type"]).toBe("application/json; charset=utf-8");
  const json = JSON.parse(refusal.body);
  expect(Object.keys(json)).toEqual(["error"]);
  expect(isErrorCode(json.error.code)).toBe(true);
  expect(typeof json.error.message).toBe("string");
  expect(closed).toBe(true);
}
