/**
 * The load generator's HTTP/1.1 client: keep-alive TCP sockets to the host, one request in flight
 * per socket (no pipelining), each request written with one `write` and each reply parsed by its
 * status line and Content-Length — what wrk and autocannon do. The client shares the 2 cores with
 * the host, so its cost per request is part of what the benchmark measures: node:http's client used
 * ≈ 177 µs of CPU per request (0.41 cores at 2.3k/s), this one ≈ 15–25 µs. The host still parses
 * every request with its full HTTP stack; only the sender got cheaper.
 */
import { connect, type Socket } from "node:net";

export interface Reply {
  status: number;
  body: string;
}

interface Job {
  request: string | Buffer;
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

const HEADER_END = Buffer.from("\r\n\r\n");

class Connection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private job: Job | undefined;
  /** Body bytes still expected once the head is parsed; -1 while reading the head. */
  private bodyLength = -1;
  private headLength = 0;
  private status = 0;
  private closeAfter = false;
  dead = false;

  constructor(
    port: number,
    host: string,
    private readonly idle: (c: Connection) => void,
    private readonly gone: (c: Connection) => void,
  ) {
    this.socket = connect({ port, host, noDelay: true });
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.fail(new Error("connection closed by the host")));
  }

  send(job: Job): void {
    this.job = job;
    this.socket.write(job.request);
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.bodyLength < 0) {
      const end = this.buffered.indexOf(HEADER_END);
      if (end < 0) return;
      const head = this.buffered.toString("latin1", 0, end);
      this.status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!length) {
        this.fail(new Error(`reply without Content-Length: ${head.slice(0, 200)}`));
        return;
      }
      this.closeAfter = /\r\nconnection:\s*close/i.test(head);
      this.headLength = end + HEADER_END.length;
      this.bodyLength = Number(length[1]);
    }
    if (this.buffered.length < this.headLength + this.bodyLength) return;
    const body = this.buffered.toString("utf8", this.headLength, this.headLength + this.bodyLength);
    this.buffered = this.buffered.subarray(this.headLength + this.bodyLength);
    this.bodyLength = -1;
    const job = this.job;
    this.job = undefined;
    if (this.closeAfter) this.close();
    else this.idle(this);
    job?.resolve({ status: this.status, body });
  }

  private fail(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    const job = this.job;
    this.job = undefined;
    this.gone(this);
    job?.reject(error);
  }

  close(): void {
    this.dead = true;
    this.socket.destroy();
    this.gone(this);
  }
}

export class HostClient {
  private readonly hostname: string;
  private readonly port: number;
  private readonly authority: string;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly waiting: Job[] = [];

  constructor(
    baseUrl: string,
    private readonly sockets: number,
  ) {
    const url = new URL(baseUrl);
    this.hostname = url.hostname;
    this.port = Number(url.port);
    this.authority = url.host;
  }

  post(path: string, body: string): Promise<Reply> {
    return this.send(this.encodePost(path, body));
  }

  /** The bytes of a POST, built before a phase's clock starts; send them with `sendEncoded`. */
  encodePost(path: string, body: string): Buffer {
    const head = `POST ${path} HTTP/1.1\r\nhost: ${this.authority}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(body)]);
  }

  sendEncoded(request: Buffer): Promise<Reply> {
    return this.send(request);
  }

  get(path: string): Promise<Reply> {
    return this.send(this.encodeGet(path));
  }

  private encodeGet(path: string): string {
    return `GET ${path} HTTP/1.1\r\nhost: ${this.authority}\r\n\r\n`;
  }

  /**
   * Opens connections until `count` are open (at most `sockets`), each with one GET /v1/health, and
   * resolves once the host has answered on every new one — i.e. accepted it. Under load a Node
   * server accepts ONE connection per event-loop iteration (libuv ≥ 1.45, libuv/libuv#3696): 250
   * connections opened at a phase's start by a busy host took it 1–2.4 s to accept, and those
   * requests made the phase's p99. A phase measures requests, so its connections open first.
   */
  async connect(count: number): Promise<void> {
    const opened: Connection[] = [];
    while (this.all.size < Math.min(count, this.sockets)) {
      const connection = this.open();
      if (!connection) break;
      opened.push(connection);
    }
    const request = this.encodeGet("/v1/health");
    await Promise.all(
      opened.map(
        (connection) =>
          new Promise<Reply>((resolve, reject) => connection.send({ request, resolve, reject })),
      ),
    );
  }

  private send(request: string | Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const job = { request, resolve, reject };
      const connection = this.idle.pop() ?? this.open();
      if (connection) connection.send(job);
      else this.waiting.push(job);
    });
  }

  private open(): Connection | undefined {
    if (this.all.size >= this.sockets) return undefined;
    const connection = new Connection(
      this.port,
      this.hostname,
      (c) => {
        const next = this.waiting.shift();
        if (next) c.send(next);
        else this.idle.push(c);
      },
      (c) => {
        this.all.delete(c);
        const at = this.idle.indexOf(c);
        if (at >= 0) this.idle.splice(at, 1);
        // A waiting request gets a fresh connection in place of the one that went away.
        const next = this.waiting.length > 0 ? this.open() : undefined;
        const job = next ? this.waiting.shift() : undefined;
        if (next && job) next.send(job);
      },
    );
    this.all.add(connection);
    return connection;
  }

  close(): void {
    for (const c of [...this.all]) c.close();
  }
}
