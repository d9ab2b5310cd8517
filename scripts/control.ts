/**
 * The e2e control channel: the network process (scripts/start-network.ts) owns the player
 * processes; a Playwright worker reaches their handles through this small loopback HTTP API, with
 * the same interfaces (PlayerControl, BankControl, ShopControl) a Node test holds directly.
 */
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ConsumedApprovals, DrainResult } from "@quickpay/paycards/broker-kit";
import type { FlushResult, SettleReport } from "@quickpay/vendor-sdk";
import type { ArmOptions, FaultActionsAt, FaultPoint, Reached } from "./faults";
import type { Network } from "./network";
import type {
  BankControl,
  BankFacts,
  HostFacts,
  KillSignal,
  LiveAccount,
  PlayerControl,
  PlayerStatus,
  ShopControl,
  ShopFacts,
  WaitForOptions,
} from "./players/types";

export const CONTROL_PATH = "/v1/control";

type Methods<T> = Exclude<keyof T, "name">;

/** What each target may be asked over the channel; `satisfies` makes a missing method a compile error. */
const playerMethods = {
  status: true,
  kill: true,
  stop: true,
  restart: true,
  suspend: true,
  resume: true,
} as const satisfies Record<Methods<PlayerControl<unknown>>, true>;
const bankMethods = {
  ...playerMethods,
  accounts: true,
  deposit: true,
  flushOutbox: true,
  consumeApprovals: true,
} as const satisfies Record<Methods<BankControl>, true>;
const shopMethods = {
  ...playerMethods,
  arm: true,
  disarm: true,
  waitFor: true,
  continue: true,
  seen: true,
  settle: true,
  flushOutbox: true,
} as const satisfies Record<Methods<ShopControl>, true>;
const networkMethods = { status: true, heal: true } as const;

export type ControlRequest =
  | { target: "host"; method: keyof typeof playerMethods; args: unknown[] }
  | { target: "bank"; method: keyof typeof bankMethods; args: unknown[] }
  | { target: "shop"; method: keyof typeof shopMethods; args: unknown[] }
  | { target: "network"; method: keyof typeof networkMethods; args: unknown[] };

const allowed: Record<ControlRequest["target"], Record<string, true>> = {
  host: playerMethods,
  bank: bankMethods,
  shop: shopMethods,
  network: networkMethods,
};

export interface NetworkStatus {
  players: PlayerStatus<unknown>[];
}

/** What the e2e network process (scripts/start-network.ts) reports when it is ready. */
export interface NetworkFacts {
  pid: number;
  hostUrl: string;
  operatorToken: string;
  bankUrl: string;
  brokerId: string;
  shopUrl: string;
  vendorId: string;
  /** The demo bank's accounts, live balances at start. */
  accounts: LiveAccount[];
  /** A page server on an origin no vendor registered. */
  impostorUrl: string;
  extensionDir: string | null;
  dataDir: string;
  controlUrl: string;
  controlToken: string;
}

/** The network process's IPC commands (global-setup's teardown asks what to check is gone). */
export interface NetworkCommands {
  facts: { args: undefined; result: NetworkFacts };
  /** The players' statuses and every port the network process listens on. */
  status: { args: undefined; result: NetworkStatus & { ports: number[] } };
}

export interface RunningControl {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Brings every player back to normal between journeys: resumes a suspended one, restarts one that
 * is down, and disarms and releases the shop's faults. Returns what it had to do.
 */
export async function healNetwork(network: Network): Promise<string[]> {
  const done: string[] = [];
  for (const player of [network.host, network.bank, network.shop]) {
    if (player.suspended) {
      await player.resume();
      done.push(`resumed ${player.name}`);
    }
    if (!player.running) {
      await player.restart();
      done.push(`restarted ${player.name}`);
    }
  }
  await network.shop.disarm();
  const released = await network.shop.continue();
  if (released > 0) done.push(`released ${released} paused at shop points`);
  return done;
}

export async function startControlServer(network: Network, token: string): Promise<RunningControl> {
  const targets = { host: network.host, bank: network.bank, shop: network.shop };
  const networkCalls = {
    status: async (): Promise<NetworkStatus> => ({
      players: await Promise.all([network.host.status(), network.bank.status(), network.shop.status()]),
    }),
    heal: () => healNetwork(network),
  };
  const call = async (request: ControlRequest): Promise<unknown> => {
    if (!Object.hasOwn(allowed, request.target) || !Object.hasOwn(allowed[request.target], request.method)) {
      throw new Error(`no control method ${request.target}.${request.method}`);
    }
    const args = Array.isArray(request.args) ? request.args : [];
    if (request.target === "network") return networkCalls[request.method]();
    const target = targets[request.target] as unknown as Record<string, (...a: unknown[]) => unknown>;
    return target[request.method]!.call(targets[request.target], ...args);
  };
  const expected = Buffer.from(`Bearer ${token}`);
  const server = http.createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body ?? null));
    };
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply(401, { error: { message: "the control channel needs its bearer token" } });
    }
    if (req.method !== "POST" || req.url !== CONTROL_PATH)
      return reply(404, { error: { message: "not found" } });
    let text = "";
    for await (const chunk of req) text += chunk;
    try {
      reply(200, { result: await call(JSON.parse(text) as ControlRequest) });
    } catch (error) {
      reply(500, { error: { message: error instanceof Error ? error.message : String(error) } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The client side: calls one method of one target and returns its result. */
export class ControlClient {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(target: ControlRequest["target"], method: string, ...args: unknown[]): Promise<T> {
    const response = await fetch(`${this.url}${CONTROL_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ target, method, args }),
    });
    const body = (await response.json()) as { result?: T; error?: { message: string } };
    if (!response.ok) {
      throw new Error(`network control ${target}.${method}: ${body.error?.message ?? response.status}`);
    }
    return body.result as T;
  }

  status(): Promise<NetworkStatus> {
    return this.call("network", "status");
  }

  heal(): Promise<string[]> {
    return this.call("network", "heal");
  }
}

/** A player behind the control channel. */
export class RemotePlayer<F> implements PlayerControl<F> {
  constructor(
    protected readonly control: ControlClient,
    readonly name: "host" | "bank" | "shop",
  ) {}

  protected call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.control.call<T>(this.name, method, ...args);
  }

  status(): Promise<PlayerStatus<F>> {
    return this.call("status");
  }
  async kill(signal: KillSignal = "SIGKILL"): Promise<void> {
    await this.call("kill", signal);
  }
  async stop(): Promise<void> {
    await this.call("stop");
  }
  restart(): Promise<F> {
    return this.call("restart");
  }
  async suspend(): Promise<void> {
    await this.call("suspend");
  }
  async resume(): Promise<void> {
    await this.call("resume");
  }
}

export type RemoteHost = RemotePlayer<HostFacts>;

export class RemoteBank extends RemotePlayer<BankFacts> implements BankControl {
  constructor(control: ControlClient) {
    super(control, "bank");
  }
  accounts(): Promise<LiveAccount[]> {
    return this.call("accounts");
  }
  deposit(accountNumber: string, value: string): Promise<LiveAccount> {
    return this.call("deposit", accountNumber, value);
  }
  flushOutbox(): Promise<DrainResult> {
    return this.call("flushOutbox");
  }
  consumeApprovals(): Promise<ConsumedApprovals> {
    return this.call("consumeApprovals");
  }
}

export class RemoteShop extends RemotePlayer<ShopFacts> implements ShopControl {
  constructor(control: ControlClient) {
    super(control, "shop");
  }
  async arm<P extends FaultPoint>(point: P, action: FaultActionsAt[P], options?: ArmOptions): Promise<void> {
    await this.call("arm", point, action, options ?? {});
  }
  async disarm(point?: FaultPoint): Promise<void> {
    await this.call("disarm", ...(point === undefined ? [] : [point]));
  }
  waitFor(point: FaultPoint, options?: WaitForOptions): Promise<Reached> {
    return this.call("waitFor", point, options ?? {});
  }
  continue(point?: FaultPoint): Promise<number> {
    return this.call("continue", ...(point === undefined ? [] : [point]));
  }
  seen(point?: FaultPoint): Promise<Reached[]> {
    return this.call("seen", ...(point === undefined ? [] : [point]));
  }
  settle(): Promise<SettleReport> {
    return this.call("settle");
  }
  flushOutbox(): Promise<FlushResult> {
    return this.call("flushOutbox");
  }
}
