/**
 * The vendor's settlement runner (DESIGN §4.2.2): claims payment for delivered, unsettled orders —
 * first Settle With Broker (one signed statement per batch, checked against the broker's key and
 * its `acceptedRoot`), then Settle With Host for what the broker refused for another reason than
 * `already_settled` / `revoked` / `order_expired`, or for every order of a broker that did not answer. Call it
 * periodically (e.g. hourly). Each run sends fresh message ids (a refusal such as "no majority yet"
 * must not be replayed from the receiver's store next run); a crash mid-run is still harmless:
 * both receivers settle each order at most once, so a rerun gets `already_settled` for what the
 * lost reply had settled, and closes it.
 */
import {
  assertSettlementStatement,
  DirectoryClient,
  type FetchLike,
  MAX_BATCH,
  QuickPayError,
  type SettlementRejection,
  type SignedSettlementStatement,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import type { VendorLogger } from "./config";
import type { DeliveredDelivery, DeliverySettlement, VendorStore } from "./store";

export interface SettlementConfig {
  vendorId: string;
  privateKey: string;
  hostUrl: string;
  store: VendorStore;
  /** Orders per Settle With Broker / Settle With Host message; default and maximum 1000. */
  batchSize?: number;
  now?: () => Date;
  fetch?: FetchLike;
  logger?: VendorLogger;
}

export interface SettleReport {
  /** Paid under a broker statement now. */
  byBroker: string[];
  /** Approved by the host now (the broker owes them; it pays from its mailbox). */
  byHost: string[];
  /** Settled before, by either path (closed, not paid twice). */
  alreadySettled: string[];
  revoked: string[];
  /**
   * Refused by the broker as `order_expired`: not settled within the broker's settle-by window, so the
   * shopper's hold was released and the order is never paid. Closed, not sent to the host (whose
   * approval the broker would not pay). Settle at least daily to never see one.
   */
  lapsed: string[];
  /** Refused by the host too (or the host was unreachable): left for the next run. */
  unsettled: SettlementRejection[];
  /** The broker statements received, verified. */
  statements: SignedSettlementStatement[];
}

/** Broker refusals the host path cannot change: the order is closed either way. */
const FINAL: ReadonlyMap<string, DeliverySettlement["outcome"]> = new Map([
  ["already_settled", "already_settled"],
  ["revoked", "revoked"],
  ["order_expired", "lapsed"],
]);

/** Only DELIVERED orders are ever settled: the shopper has the content, the broker confirmed it live. */
type Pending = DeliveredDelivery;

export async function settlePending(config: SettlementConfig): Promise<SettleReport> {
  const now = config.now ?? (() => new Date());
  const size = Math.min(config.batchSize ?? MAX_BATCH, MAX_BATCH);
  const fetchOption = config.fetch ? { fetch: config.fetch } : {};
  const signer = { playerId: config.vendorId, privateKey: config.privateKey };
  const directory = new DirectoryClient(config.hostUrl, { now: () => now().getTime(), ...fetchOption });
  const report: SettleReport = {
    byBroker: [],
    byHost: [],
    alreadySettled: [],
    revoked: [],
    lapsed: [],
    unsettled: [],
    statements: [],
  };
  const close = async (records: Pending[], outcome: DeliverySettlement["outcome"], ref: string) => {
    if (records.length === 0) return;
    await config.store.markSettled(
      records.map((r) => r.commitId),
      { outcome, ref, at: now().toISOString() },
    );
    const lists = {
      broker: report.byBroker,
      host: report.byHost,
      revoked: report.revoked,
      lapsed: report.lapsed,
      already_settled: report.alreadySettled,
    } satisfies Record<DeliverySettlement["outcome"], string[]>;
    lists[outcome].push(...records.map((r) => r.orderDigest));
  };

  const pending = (await config.store.unsettledDeliveries()).filter((d) => d.state === "delivered");
  const byBroker = new Map<string, Pending[]>();
  for (const d of pending) {
    const brokerId = d.endorsement.endorsement.brokerId;
    byBroker.set(brokerId, [...(byBroker.get(brokerId) ?? []), d]);
  }

  const toHost: Pending[] = [];
  for (const [brokerId, records] of byBroker) {
    for (const batch of chunks(records, size)) {
      try {
        const broker = await directory.active(brokerId, "broker");
        const envelope = await signEnvelope(
          signer,
          "SettleWithBroker",
          { orders: batch.map((r) => ({ orderDigest: r.orderDigest, endorsement: r.endorsement })) },
          { at: now() },
        );
        const signed = await sendMessage(broker.endpoint, "SettleWithBroker", envelope, fetchOption);
        const s = signed.statement;
        if (s.brokerId !== brokerId || s.vendorId !== config.vendorId) {
          throw new QuickPayError(
            "mismatch",
            `statement ${s.statementId} names ${s.brokerId} → ${s.vendorId}`,
          );
        }
        await assertSettlementStatement(signed, broker.publicKey);
        const sent = new Map(batch.map((r) => [r.orderDigest, r]));
        if (!s.accepted.every((d) => sent.has(d))) {
          throw new QuickPayError("mismatch", `statement ${s.statementId} accepts orders that were not sent`);
        }
        report.statements.push(signed);
        await close(
          s.accepted.map((d) => sent.get(d)!),
          "broker",
          s.statementId,
        );
        for (const [code, outcome] of FINAL) {
          const closed = s.rejected.filter((r) => r.code === code).map((r) => sent.get(r.orderDigest)!);
          await close(closed.filter(Boolean), outcome, s.statementId);
        }
        const answered = new Set([...s.accepted, ...s.rejected.map((r) => r.orderDigest)]);
        toHost.push(
          ...s.rejected
            .filter((r) => !FINAL.has(r.code))
            .map((r) => sent.get(r.orderDigest)!)
            .filter(Boolean),
          // An order the statement does not mention at all was not answered: the host decides it.
          ...batch.filter((r) => !answered.has(r.orderDigest)),
        );
      } catch (error) {
        config.logger?.warn(
          { brokerId, orders: batch.length, code: (error as { code?: string }).code },
          "Settle With Broker failed; asking the host",
        );
        toHost.push(...batch);
      }
    }
  }

  for (const batch of chunks(toHost, size)) {
    try {
      const envelope = await signEnvelope(
        signer,
        "SettleWithHost",
        { orders: batch.map((r) => ({ orderDigest: r.orderDigest, endorsement: r.endorsement })) },
        { at: now() },
      );
      const { results } = await sendMessage(config.hostUrl, "SettleWithHost", envelope, fetchOption);
      const sent = new Map(batch.map((r) => [r.orderDigest, r]));
      for (const r of results) {
        const record = sent.get(r.orderDigest);
        if (!record) continue;
        if (r.status === "approved") await close([record], "host", r.approval.approval.approvedAt);
        else if (r.code === "already_settled" || r.code === "revoked") await close([record], r.code, "host");
        else report.unsettled.push({ orderDigest: r.orderDigest, code: r.code, reason: r.reason });
      }
    } catch (error) {
      const code = (error as { code?: string }).code ?? "internal";
      const reason = error instanceof Error ? error.message : String(error);
      report.unsettled.push(...batch.map((r) => ({ orderDigest: r.orderDigest, code, reason })));
    }
  }
  return report;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
