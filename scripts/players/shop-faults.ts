/**
 * The shop process's side of the fault harness (test only, QUICKPAY_FAULTS=1): faults the parent
 * arms at the vendor SDK's Request Order Delivery events, inside `deliver()`, and in the HTTP layer
 * that writes the reply. Every point reached is reported to the parent, armed or not.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RequestOrderDelivery } from "@quickpay/protocol";
import type { VendorEvent } from "@quickpay/vendor-sdk";
import { type ArmRequest, checkArmRequest, type FaultAction, type FaultPoint, type Reached } from "../faults";
import { tellParent } from "./run";

/** What is known of the order a request or event is about. */
interface Subject {
  itemId?: string;
  orderDigest?: string;
  commitId?: string;
}

interface Armed extends ArmRequest {
  left: number;
}

export class ShopFaults {
  private readonly armed = new Map<FaultPoint, Armed>();
  private readonly paused: { point: FaultPoint; release: () => void }[] = [];
  private seq = 0;
  /** The Request Order Delivery being handled, so HTTP points know the order its events named. */
  private readonly request = new AsyncLocalStorage<Subject | undefined>();

  arm(request: ArmRequest): void {
    checkArmRequest(request);
    this.armed.set(request.point, { ...request, left: request.times ?? 1 });
  }

  disarm(point?: FaultPoint): void {
    if (point === undefined) this.armed.clear();
    else this.armed.delete(point);
  }

  /** Lets what waits at `point` (or everywhere) go on; how many were waiting. */
  release(point?: FaultPoint): number {
    const going = this.paused.filter((p) => point === undefined || p.point === point);
    for (const p of going) {
      this.paused.splice(this.paused.indexOf(p), 1);
      p.release();
    }
    return going.length;
  }

  /** The vendor SDK's `onEvent`: a point at every event. */
  readonly onEvent = async (event: VendorEvent): Promise<void> => {
    const subject: Subject = {
      itemId: event.itemId,
      orderDigest: event.orderDigest,
      commitId: event.commitId,
    };
    const current = this.request.getStore();
    if (current) Object.assign(current, subject);
    // The whole event goes in the report; an Error does not cross IPC and JSON well, its message does.
    const shown: Record<string, unknown> =
      event.type === "deliver_failed"
        ? { ...event, error: event.error instanceof Error ? event.error.message : event.error }
        : { ...event };
    await this.at(event.type, subject, shown);
  };

  /** Wraps the shop's `deliver()`: the `deliver` point, before the real one runs. */
  wrapDeliver<I extends { id: string }, O, R>(deliver: (item: I, order: O) => Promise<R>) {
    return async (item: I, order: O): Promise<R> => {
      const current = this.request.getStore();
      await this.at("deliver", { ...current, itemId: item.id });
      return deliver(item, order);
    };
  }

  /**
   * Watches every Request Order Delivery the process's HTTP servers answer (node's
   * `http.server.request.start` channel, published just before the request handler runs) for the
   * `answer` and `answer_sent` points.
   */
  watchHttp(): void {
    diagnostics.subscribe("http.server.request.start", (message) => {
      const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
      const isDelivery =
        request.method === "POST" && (request.url ?? "").split("?")[0]!.endsWith(RequestOrderDelivery.path);
      const subject: Subject | undefined = isDelivery ? {} : undefined;
      // Published synchronously before the handler: its async work inherits this store (and a
      // request that is not a delivery clears what an earlier one on the socket left).
      this.request.enterWith(subject);
      if (subject) this.interceptReply(response, subject);
    });
  }

  private interceptReply(response: ServerResponse, subject: Subject): void {
    const writeHead = response.writeHead;
    const write = response.write;
    const end = response.end;
    let decided = false;
    let swallow = false;
    const decide = () => {
      if (decided) return;
      decided = true;
      const action = this.trip("answer", subject);
      const reported = this.report("answer", subject, action);
      if (action === "drop") {
        swallow = true;
        response.socket?.destroy();
      } else if (action === "kill") {
        swallow = true;
        void reported.then(killSelf);
      }
    };
    // Swallowed writes return as a write to a closed socket would, so the HTTP layer goes on.
    response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      decide();
      return swallow ? this : (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof response.writeHead;
    response.write = function (this: ServerResponse, ...args: unknown[]) {
      decide();
      return swallow ? false : (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof response.write;
    response.end = function (this: ServerResponse, ...args: unknown[]) {
      decide();
      return swallow ? this : (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof response.end;
    response.once("finish", () => {
      const action = this.trip("answer_sent", subject);
      void this.report("answer_sent", subject, action).then(() => {
        if (action === "kill") killSelf();
      });
    });
  }

  /** A point reached: report it, then do what is armed there. */
  private async at(point: FaultPoint, subject: Subject, event?: Record<string, unknown>): Promise<void> {
    const action = this.trip(point, subject);
    await this.report(point, subject, action, event);
    if (action === "pause") {
      await new Promise<void>((release) => this.paused.push({ point, release }));
    } else if (action === "kill") {
      killSelf();
    } else if (action === "throw") {
      throw new Error("deliver() failed: a fault the test harness armed (the content store is down)");
    }
  }

  /** The armed fault at `point` that this order trips, consumed; undefined when none. */
  private trip(point: FaultPoint, subject: Subject): FaultAction | undefined {
    const armed = this.armed.get(point);
    if (!armed || (armed.itemId !== undefined && armed.itemId !== subject.itemId)) return undefined;
    armed.left -= 1;
    if (armed.left <= 0) this.armed.delete(point);
    return armed.action;
  }

  /** Tells the parent (and the log) that `point` was reached; resolves once the message is written. */
  private async report(
    point: FaultPoint,
    subject: Subject,
    action: FaultAction | undefined,
    event?: Record<string, unknown>,
  ): Promise<void> {
    this.seq += 1;
    const reached: Reached = {
      seq: this.seq,
      point,
      at: new Date().toISOString(),
      ...(action ? { action } : {}),
      ...definedOnly(subject),
      ...(event ? { event } : {}),
    };
    console.log(`QUICKPAY_FAULT ${JSON.stringify(reached)}`);
    await tellParent({ kind: "reached", reached });
  }
}

/** SIGKILL of the whole process group (the shop and anything it spawned), as `kill -9` would. */
function killSelf(): never {
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {
    // Not a group leader (started by hand): the process alone.
  }
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL did not kill");
}

function definedOnly(subject: Subject): Subject {
  return Object.fromEntries(Object.entries(subject).filter(([, v]) => v !== undefined)) as Subject;
}
