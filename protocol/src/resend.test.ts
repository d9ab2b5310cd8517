import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QuickPayError } from "./errors";
import {
  afterFailure,
  type FailedAttempt,
  isRetryable,
  type Outgoing,
  Resender,
  type ResendStore,
  type RetryPolicy,
  retryDelayMs,
} from "./resend";

const policy: RetryPolicy = { baseMs: 1_000, capMs: 60_000 };

describe("retryDelayMs (full jitter)", () => {
  it("draws from [0, min(cap, base·2^(n−1))] for every attempt count and random draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (baseMs, capExtra, failures, r) => {
          const p = { baseMs, capMs: baseMs + capExtra };
          const ceiling = Math.min(p.capMs, baseMs * 2 ** (failures - 1));
          const d = retryDelayMs(p, failures, () => r);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(ceiling);
          expect(Number.isInteger(d)).toBe(true);
        },
      ),
    );
  });

  it("doubles the ceiling per failure until the cap, then stays there", () => {
    const top = (n: number) => retryDelayMs(policy, n, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(top)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect(top(10_000)).toBe(60_000);
    expect(retryDelayMs(policy, 3, () => 0)).toBe(0);
  });

  it("treats a broken random source as 0 rather than producing NaN or a negative wait", () => {
    expect(retryDelayMs(policy, 2, () => Number.NaN)).toBe(0);
    expect(retryDelayMs(policy, 2, () => -5)).toBe(0);
    expect(retryDelayMs(policy, 2, () => 7)).toBe(2_000);
  });
});

describe("afterFailure (the give-up rule)", () => {
  const now = 1_000_000;

  it("gives up at once on a refusal that can never succeed as sent", () => {
    expect(afterFailure(policy, { failures: 1, queuedAt: now }, false, now)).toEqual({
      retry: false,
      reason: "refused",
    });
  });

  it("gives up when the attempts are used up", () => {
    const p = { ...policy, maxAttempts: 3 };
    expect(afterFailure(p, { failures: 2, queuedAt: now }, true, now).retry).toBe(true);
    expect(afterFailure(p, { failures: 3, queuedAt: now }, true, now)).toEqual({
      retry: false,
      reason: "attempts",
    });
  });

  it("makes one last attempt at the deadline, then gives up", () => {
    const deadline = now + 500;
    const last = afterFailure(policy, { failures: 5, queuedAt: now, deadline }, true, now, () => 1);
    expect(last).toEqual({ retry: true, at: deadline });
    expect(afterFailure(policy, { failures: 6, queuedAt: now, deadline }, true, deadline, () => 1)).toEqual({
      retry: false,
      reason: "expired",
    });
  });

  it("never schedules past the deadline or past queuedAt + maxAgeMs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (failures, elapsed, maxAgeMs, r) => {
          const queuedAt = 0;
          const t = queuedAt + elapsed;
          const v = afterFailure({ ...policy, maxAgeMs }, { failures, queuedAt }, true, t, () => r);
          if (v.retry) {
            expect(v.at).toBeGreaterThanOrEqual(t);
            expect(v.at).toBeLessThanOrEqual(queuedAt + maxAgeMs);
          } else {
            expect(v.reason).toBe("expired");
            expect(t).toBeGreaterThanOrEqual(queuedAt + maxAgeMs);
          }
        },
      ),
    );
  });

  it("retries transport failures and 'not now' codes, not refusals", () => {
    expect(isRetryable(new TypeError("fetch failed"))).toBe(true);
    for (const code of [
      "host_unreachable",
      "vendor_unreachable",
      "delivery_failed",
      "rate_limited",
    ] as const) {
      expect(isRetryable(new QuickPayError(code, "x"))).toBe(true);
    }
    for (const code of ["bad_signature", "order_expired", "conflict", "mismatch"] as const) {
      expect(isRetryable(new QuickPayError(code, "x"))).toBe(false);
    }
  });
});

/** A plain in-memory store: what the loop must drive correctly whatever the storage. */
class MemoryStore implements ResendStore<Outgoing & { body: string }> {
  readonly items = new Map<string, Outgoing & { body: string; state: "pending" | "done" | "gave_up" }>();
  readonly attempts: FailedAttempt[] = [];
  add(id: string, queuedAt: number, deadline?: number) {
    this.items.set(id, {
      id,
      body: id,
      failures: 0,
      queuedAt,
      nextAttemptAt: queuedAt,
      deadline,
      state: "pending",
    });
  }
  due(now: number) {
    return [...this.items.values()]
      .filter((i) => i.state === "pending" && i.nextAttemptAt <= now)
      .map((i) => ({ ...i }));
  }
  nextDueAt() {
    const at = [...this.items.values()].filter((i) => i.state === "pending").map((i) => i.nextAttemptAt);
    return at.length ? Math.min(...at) : undefined;
  }
  acknowledged(m: Outgoing) {
    this.items.get(m.id)!.state = "done";
  }
  failed(m: Outgoing, a: FailedAttempt) {
    this.attempts.push(a);
    const item = this.items.get(m.id)!;
    item.failures = a.failures;
    if (a.verdict.retry) item.nextAttemptAt = a.verdict.at;
    else item.state = "gave_up";
  }
}

describe("Resender", () => {
  it("resends under the same id until acknowledged, on the policy's schedule", async () => {
    let clock = 0;
    const store = new MemoryStore();
    store.add("m1", 0);
    const sent: string[] = [];
    let failuresLeft = 3;
    const r = new Resender({
      store,
      policy,
      now: () => clock,
      random: () => 0.5,
      timer: false,
      send: async (m) => {
        sent.push(m.id);
        if (failuresLeft-- > 0) throw new QuickPayError("host_unreachable", "down");
        return { ok: true };
      },
    });
    expect((await r.drain()).retrying).toEqual(["m1"]);
    expect(store.items.get("m1")!.nextAttemptAt).toBe(500);
    expect((await r.drain()).sent).toEqual([]); // not due yet
    clock = 500;
    await r.drain();
    expect(store.items.get("m1")!.nextAttemptAt).toBe(1_500);
    clock = 1_500;
    await r.drain();
    clock = 1_500 + 2_000;
    expect((await r.drain()).sent).toEqual(["m1"]);
    expect(sent).toEqual(["m1", "m1", "m1", "m1"]);
    expect(store.items.get("m1")!.state).toBe("done");
  });

  it("never sends one message twice at once, however often it is kicked", async () => {
    const store = new MemoryStore();
    store.add("a", 0);
    store.add("b", 0);
    let inFlight = 0;
    let most = 0;
    const sent: string[] = [];
    const r = new Resender({
      store,
      policy,
      timer: false,
      now: () => 0,
      send: async (m) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((res) => setTimeout(res, 5));
        sent.push(m.id);
        inFlight--;
      },
    });
    await Promise.all([r.drain(), r.drain(), r.drain(), r.drain({ all: true })]);
    expect(most).toBe(1);
    expect(sent.sort()).toEqual(["a", "b"]);
  });

  it("a drain asked for during another runs after it and sees what was queued meanwhile", async () => {
    const store = new MemoryStore();
    store.add("first", 0);
    const sent: string[] = [];
    const r = new Resender({
      store,
      policy,
      timer: false,
      now: () => 0,
      send: async (m) => {
        if (m.id === "first") store.add("second", 0);
        await new Promise((res) => setTimeout(res, 1));
        sent.push(m.id);
      },
    });
    const first = r.drain();
    const second = r.drain();
    expect((await first).sent).toEqual(["first"]);
    expect((await second).sent).toEqual(["second"]);
    expect(sent).toEqual(["first", "second"]);
  });

  it("gives up a refused message once and reports it", async () => {
    const store = new MemoryStore();
    store.add("bad", 0);
    const gaveUp: string[] = [];
    const r = new Resender({
      store,
      policy,
      timer: false,
      now: () => 0,
      send: async () => {
        throw new QuickPayError("bad_signature", "no");
      },
      onGiveUp: (m, e, reason) => {
        gaveUp.push(`${m.id}:${e.code}:${reason}`);
      },
    });
    expect((await r.drain()).gaveUp).toEqual(["bad"]);
    expect((await r.drain({ all: true })).gaveUp).toEqual([]);
    expect(gaveUp).toEqual(["bad:bad_signature:refused"]);
  });

  it("runs its own timer while started and stops cleanly", async () => {
    const store = new MemoryStore();
    store.add("later", Date.now() + 30);
    let acknowledged!: () => void;
    const done = new Promise<void>((res) => {
      acknowledged = res;
    });
    const r = new Resender({
      store,
      policy,
      send: async () => {
        acknowledged();
      },
    });
    r.start();
    await done;
    await r.stop();
    expect(store.items.get("later")!.state).toBe("done");
  });
});
