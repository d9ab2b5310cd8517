/**
 * What a player process and its parent say to each other over Node's IPC channel (the ready facts,
 * typed commands and their replies, fault reports), and the control interface a test holds for
 * each player, whether the process is its own child or lives behind the e2e control server.
 */
import type { ConsumedApprovals, DrainResult } from "@quickpay/paycards/broker-kit";
import type { LiveAccount as BrokerLiveAccount } from "@quickpay/paycards/demo-bank/server";
import type { FlushResult, SettleReport } from "@quickpay/vendor-sdk";
import type { ArmOptions, ArmRequest, FaultActionsAt, FaultPoint, Reached } from "../faults";

// ---- facts: what a player says about itself once it is ready --------------------------------

export interface ProcessFacts {
  /** The process id, which is also its process group id (players run detached). */
  pid: number;
  /** A server's port; the launcher keeps it for every restart. */
  port?: number;
}

export interface HostFacts extends ProcessFacts {
  player: "host";
  url: string;
  port: number;
  hostId: string;
}

/** A demo account as the bank's ledger has it now (not the seed), with its demo PIN. */
export type LiveAccount = BrokerLiveAccount & { pin: string };

export interface BankFacts extends ProcessFacts {
  player: "bank";
  url: string;
  port: number;
  brokerId: string;
  publicKey: string;
  accounts: LiveAccount[];
}

export interface ShopFacts extends ProcessFacts {
  player: "shop";
  url: string;
  port: number;
  vendorId: string;
  endpoint: string;
}

// ---- commands: typed requests to a player (only with QUICKPAY_FAULTS=1) ----------------------

export interface CommandSpec<A, R> {
  args: A;
  result: R;
}

/** A player's commands: an interface of `CommandSpec`s, one per command name. */
export type CommandMap = object;
export type CommandArgs<S> = S extends CommandSpec<infer A, unknown> ? A : never;
export type CommandResult<S> = S extends CommandSpec<unknown, infer R> ? R : never;

export type CommandHandlers<C extends CommandMap> = {
  [K in keyof C]: (args: CommandArgs<C[K]>) => Promise<CommandResult<C[K]>>;
};

/** Every player answers `facts` (read again now: the bank's balances are live). */
export interface BaseCommands<F> {
  facts: CommandSpec<undefined, F>;
}

export type HostCommands = BaseCommands<HostFacts>;

export interface BankCommands extends BaseCommands<BankFacts> {
  accounts: CommandSpec<undefined, LiveAccount[]>;
  /** A deposit into a demo account (tests: a balance that differs from the seed). */
  deposit: CommandSpec<{ accountNumber: string; value: string }, LiveAccount>;
  /** Sends every unacknowledged Register Commit now. */
  flushOutbox: CommandSpec<undefined, DrainResult>;
  /** Fetches and pays the host's settlement approvals now. */
  consumeApprovals: CommandSpec<undefined, ConsumedApprovals>;
}

export interface ShopCommands extends BaseCommands<ShopFacts> {
  arm: CommandSpec<ArmRequest, null>;
  /** Disarms the point's fault, or every fault. */
  disarm: CommandSpec<{ point?: FaultPoint }, null>;
  /** Lets what is paused at the point (or everywhere) go on; how many were paused. */
  continue: CommandSpec<{ point?: FaultPoint }, { released: number }>;
  /** Settle With Broker (and With Host as its fallback) for what the shop delivered. */
  settle: CommandSpec<undefined, SettleReport>;
  /** Sends every pending Register Delivery now. */
  flushOutbox: CommandSpec<undefined, FlushResult>;
}

// ---- the IPC messages -----------------------------------------------------------------------

export type ToPlayer = { kind: "request"; id: number; command: string; args: unknown };

export type FromPlayer =
  | { kind: "ready"; facts: ProcessFacts }
  | { kind: "reply"; id: number; ok: true; result: unknown }
  | { kind: "reply"; id: number; ok: false; error: { message: string } }
  | { kind: "reached"; reached: Reached };

// ---- control: what a test holds for each player ---------------------------------------------

export type KillSignal = "SIGKILL" | "SIGTERM" | "SIGSTOP" | "SIGCONT" | "SIGINT";

export interface PlayerStatus<F> {
  name: string;
  running: boolean;
  /** SIGSTOPped by `suspend()`: its sockets stay open and nothing answers. */
  suspended: boolean;
  pid: number | undefined;
  /** Every process group this player has had (one per start), for leak checks. */
  groups: number[];
  port: number | undefined;
  /** The facts of the last start. */
  facts: F;
  logFile: string;
}

export interface PlayerControl<F> {
  readonly name: string;
  status(): Promise<PlayerStatus<F>>;
  /** Signals the whole process group; SIGKILL (the default) resolves once every process of it is gone. */
  kill(signal?: KillSignal): Promise<void>;
  /** SIGTERM, a grace period, then SIGKILL of the group; resolves once it is gone. */
  stop(): Promise<void>;
  /** Stops it if it runs, then starts it on the same port and the same data; its new facts. */
  restart(): Promise<F>;
  /** SIGSTOP of the group ("down, but its socket open"): connections are accepted, nothing answers. */
  suspend(): Promise<void>;
  resume(): Promise<void>;
}

export interface BankControl extends PlayerControl<BankFacts> {
  accounts(): Promise<LiveAccount[]>;
  deposit(accountNumber: string, value: string): Promise<LiveAccount>;
  flushOutbox(): Promise<DrainResult>;
  consumeApprovals(): Promise<ConsumedApprovals>;
}

export interface WaitForOptions {
  itemId?: string;
  orderDigest?: string;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface ShopControl extends PlayerControl<ShopFacts> {
  /** Arms `action` at `point` for the next order (or `times` orders) reaching it. */
  arm<P extends FaultPoint>(point: P, action: FaultActionsAt[P], options?: ArmOptions): Promise<void>;
  disarm(point?: FaultPoint): Promise<void>;
  /**
   * Resolves with the first report of `point` (of that item or order, when given) that no earlier
   * `waitFor` returned and that came after the last `arm` at `point`, waiting for one if none came
   * yet. Every point is reported whether a fault is armed there or not; a report sent just before
   * a `kill` fault is kept across the restart.
   */
  waitFor(point: FaultPoint, options?: WaitForOptions): Promise<Reached>;
  /** Lets what is paused at `point` (or everywhere) go on; how many were released. */
  continue(point?: FaultPoint): Promise<number>;
  /** Every report so far, oldest first (optionally of one point). */
  seen(point?: FaultPoint): Promise<Reached[]>;
  settle(): Promise<SettleReport>;
  flushOutbox(): Promise<FlushResult>;
}
