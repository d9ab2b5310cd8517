/**
 * The outbox table as the resend loop sees it (`OutboxResendStore`), on a real SQLite file: which
 * units `due()` forms and which it holds back, with no host involved.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newMessageId, type RetryVerdict } from "@quickpay/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "./ledger";
import { OutboxResendStore, type OutboxUnit } from "./outbox-sender";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
let dir: string;
let ledger: Ledger;
let store: OutboxResendStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "paycards-outbox-"));
  ledger = Ledger.open(join(dir, "ledger.sqlite"));
  store = new OutboxResendStore(ledger, () => T0);
});

afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

function enqueue(type: "RegisterCommit" | "RegisterSettlement", at = T0): string {
  const id = newMessageId();
  ledger.outbox.enqueue(id, type, { n: id }, at);
  return id;
}

function fail(unit: OutboxUnit, verdict: RetryVerdict): void {
  store.failed(unit, { failures: unit.failures + 1, error: { code: "internal", message: "boom" }, verdict });
}

const shape = (units: OutboxUnit[]) => units.map((u) => ({ type: u.type, size: u.rows.length }));

describe("OutboxResendStore", () => {
  it("sends a lone commit under its own id and batches commits that piled up, once and for good", () => {
    const lone = enqueue("RegisterCommit");
    const [single] = store.due(T0);
    expect(single).toMatchObject({ id: lone, type: "RegisterCommit", failures: 0 });
    fail(single!, { retry: true, at: T0 + 1_000 });

    // Tried alone, it keeps its own id; the two fresh ones behind it travel together.
    const [a, b] = [enqueue("RegisterCommit"), enqueue("RegisterCommit")];
    const units = store.due(Number.POSITIVE_INFINITY);
    expect(shape(units)).toEqual([
      { type: "RegisterCommit", size: 1 },
      { type: "RegisterCommitBatch", size: 2 },
    ]);
    expect(units[0]!.id).toBe(lone);
    const batch = units[1]!;
    expect(batch.rows.map((r) => r.message_id)).toEqual([a, b]);

    // A failed batch is resent whole under the same id, even when a newer commit is due too.
    fail(batch, { retry: true, at: T0 });
    enqueue("RegisterCommit");
    const again = store.due(T0);
    expect(again.find((u) => u.type === "RegisterCommitBatch")).toMatchObject({ id: batch.id, failures: 1 });
    expect(again.find((u) => u.type === "RegisterCommitBatch")!.rows).toHaveLength(2);
  });

  it("holds a Register Settlement back while an earlier Register Commit is owed, without failing it", () => {
    const commit = enqueue("RegisterCommit");
    const settlement = enqueue("RegisterSettlement");
    const [first, ...rest] = store.due(T0);
    expect(first!.id).toBe(commit);
    expect(rest).toEqual([]);
    fail(first!, { retry: true, at: T0 + 5_000 });
    // Nothing is due until the commit's retry: the waiting settlement does not make the timer spin.
    expect(store.due(T0)).toEqual([]);
    expect(store.nextDueAt()).toBe(T0 + 5_000);
    expect(ledger.outbox.byMessageId(settlement)).toMatchObject({ attempts: 0, last_error: null });

    store.acknowledged(store.due(T0 + 5_000)[0]!);
    expect(store.nextDueAt()).toBe(T0);
    expect(store.due(T0).map((u) => u.id)).toEqual([settlement]);
  });

  it("gives a refused message up for good, and a given-up commit no longer holds a settlement back", () => {
    const commit = enqueue("RegisterCommit");
    const settlement = enqueue("RegisterSettlement");
    fail(store.due(T0)[0]!, { retry: false, reason: "refused" });
    expect(ledger.outbox.byMessageId(commit)).toMatchObject({ gave_up_at: T0, last_error: "internal: boom" });
    expect(ledger.outbox.pendingCount()).toBe(1);
    expect(store.due(Number.POSITIVE_INFINITY).map((u) => u.id)).toEqual([settlement]);
  });
});
