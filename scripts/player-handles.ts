/**
 * The parent's handles on the three player processes: the generic process control plus the bank's
 * ledger reads and the shop's fault harness (arm, wait for a point, continue, settle).
 */
import type { ConsumedApprovals, DrainResult } from "@quickpay/paycards/broker-kit";
import type { FlushResult, SettleReport } from "@quickpay/vendor-sdk";
import type { ArmOptions, FaultActionsAt, FaultPoint, Reached } from "./faults";
import { checkArmRequest } from "./faults";
import type {
  BankCommands,
  BankControl,
  BankFacts,
  FromPlayer,
  HostCommands,
  HostFacts,
  LiveAccount,
  ShopCommands,
  ShopControl,
  ShopFacts,
  WaitForOptions,
} from "./players/types";
import { type LaunchOptions, ManagedProcess } from "./processes";

export const playerScripts = {
  host: "scripts/players/host.ts",
  bank: "scripts/players/bank.ts",
  shop: "scripts/players/shop.ts",
} as const;

export type PlayerLaunch = Omit<LaunchOptions, "name" | "script">;

export class HostProcess extends ManagedProcess<HostFacts, HostCommands> {
  constructor(options: PlayerLaunch) {
    super({ ...options, name: "host", script: playerScripts.host });
  }
}

export class BankProcess extends ManagedProcess<BankFacts, BankCommands> implements BankControl {
  constructor(options: PlayerLaunch) {
    super({ ...options, name: "bank", script: playerScripts.bank });
  }

  accounts(): Promise<LiveAccount[]> {
    return this.request("accounts", undefined);
  }

  deposit(accountNumber: string, value: string): Promise<LiveAccount> {
    return this.request("deposit", { accountNumber, value });
  }

  flushOutbox(): Promise<DrainResult> {
    return this.request("flushOutbox", undefined);
  }

  consumeApprovals(): Promise<ConsumedApprovals> {
    return this.request("consumeApprovals", undefined);
  }
}

interface Waiter extends WaitForOptions {
  point: FaultPoint;
  resolve: (reached: Reached) => void;
}

function matches(wanted: WaitForOptions & { point: FaultPoint }, r: Reached): boolean {
  return (
    wanted.point === r.point &&
    (wanted.itemId === undefined || wanted.itemId === r.itemId) &&
    (wanted.orderDigest === undefined || wanted.orderDigest === r.orderDigest)
  );
}

export class ShopProcess extends ManagedProcess<ShopFacts, ShopCommands> implements ShopControl {
  /** Every report, oldest first, across restarts. */
  private readonly history: Reached[] = [];
  /** Reports no `waitFor` has returned yet (and not older than the last `arm` at their point). */
  private readonly unclaimed: Reached[] = [];
  private readonly waiters: Waiter[] = [];

  constructor(options: PlayerLaunch) {
    super({ ...options, name: "shop", script: playerScripts.shop });
  }

  async arm<P extends FaultPoint>(
    point: P,
    action: FaultActionsAt[P],
    options: ArmOptions = {},
  ): Promise<void> {
    const request = { point, action, ...options };
    checkArmRequest(request);
    await this.request("arm", request);
    // From now on a waitFor(point) is about this fault: earlier orders' passes there are old news.
    for (let i = this.unclaimed.length - 1; i >= 0; i--) {
      if (this.unclaimed[i]!.point === point) this.unclaimed.splice(i, 1);
    }
  }

  async disarm(point?: FaultPoint): Promise<void> {
    await this.request("disarm", point === undefined ? {} : { point });
  }

  async continue(point?: FaultPoint): Promise<number> {
    return (await this.request("continue", point === undefined ? {} : { point })).released;
  }

  waitFor(point: FaultPoint, options: WaitForOptions = {}): Promise<Reached> {
    const wanted = { ...options, point };
    const index = this.unclaimed.findIndex((r) => matches(wanted, r));
    if (index >= 0) return Promise.resolve(this.unclaimed.splice(index, 1)[0]!);
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        ...wanted,
        resolve: (reached) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        const seen = this.history.map((r) => r.point).join(", ") || "nothing";
        reject(new Error(`the shop did not reach ${point} within ${timeoutMs} ms (it reached: ${seen})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async seen(point?: FaultPoint): Promise<Reached[]> {
    return this.history.filter((r) => point === undefined || r.point === point);
  }

  settle(): Promise<SettleReport> {
    return this.request("settle", undefined);
  }

  flushOutbox(): Promise<FlushResult> {
    return this.request("flushOutbox", undefined);
  }

  protected override onMessage(message: FromPlayer): void {
    if (message.kind !== "reached") return;
    const reached = message.reached;
    this.history.push(reached);
    const waiter = this.waiters.find((w) => matches(w, reached));
    if (!waiter) {
      this.unclaimed.push(reached);
      return;
    }
    this.waiters.splice(this.waiters.indexOf(waiter), 1);
    waiter.resolve(reached);
  }
}
