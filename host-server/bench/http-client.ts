/**
 * The load generator's HTTP client: node:http over keep-alive sockets to 127.0.0.1. Plain node:http
 * because it is the cheapest client Node has (the `undici` package is not installed here; the global
 * fetch costs noticeably more CPU per request, and the client shares the 2 cores with the host).
 */
import { Agent, request } from "node:http";

export interface Reply {
  status: number;
  body: string;
}

export class HostClient {
  readonly agent: Agent;
  private readonly hostname: string;
  private readonly port: number;

  constructor(baseUrl: string, sockets: number) {
    const url = new URL(baseUrl);
    this.hostname = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  post(path: string, body: string | Buffer): Promise<Reply> {
    return this.send("POST", path, body);
  }

  get(path: string): Promise<Reply> {
    return this.send("GET", path);
  }

  private send(method: string, path: string, body?: string | Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(body);
      }
      const req = request(
        { hostname: this.hostname, port: this.port, path, method, agent: this.agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
