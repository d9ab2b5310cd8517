/**
 * A durable VendorStore in one JSON-lines file (no database needed): every change is one appended,
 * fsync'ed line, replayed on open and compacted then. A torn last line from a crash is skipped —
 * it was never acted on, because the handlers go on only after the line is on disk.
 */
import fs from "node:fs";
import path from "node:path";
import {
  type DeliveredDelivery,
  type DeliveryRecord,
  type DeliverySettlement,
  MemoryVendorStore,
  type PendingRegistration,
} from "./store";

type Line =
  /** A delivery's whole record in its new state; `registration` rides along with the move to DELIVERED. */
  | { k: "delivery"; record: DeliveryRecord; registration?: PendingRegistration }
  | { k: "attempt"; registration: PendingRegistration }
  | { k: "registered"; messageId: string }
  | { k: "settled"; commitIds: string[]; settlement: DeliverySettlement };

/** What a store file holds once replayed. */
export interface VendorStoreContents {
  deliveries: Map<string, DeliveryRecord>;
  /** Registrations the host has not acknowledged, by message id. */
  pending: Map<string, PendingRegistration>;
}

/**
 * Reads a store file without opening it for writing and without compacting it: safe beside the
 * process that owns it (e.g. a test reading a running shop's records). A line being written at that
 * moment is skipped like a torn one. An absent file reads as empty.
 */
export function readVendorStoreFile(file: string): {
  deliveries: DeliveryRecord[];
  pending: PendingRegistration[];
} {
  const contents = replay(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
  return { deliveries: [...contents.deliveries.values()], pending: [...contents.pending.values()] };
}

export class JsonLinesVendorStore extends MemoryVendorStore {
  private fd: number;

  /** Opens (or creates) the store at `file`, replaying and compacting what is there. */
  constructor(private readonly file: string) {
    super();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) {
      const contents = replay(fs.readFileSync(file, "utf8"));
      for (const [id, record] of contents.deliveries) this.deliveries.set(id, record);
      for (const [id, registration] of contents.pending) this.pending.set(id, registration);
    }
    this.compact();
    this.fd = fs.openSync(file, "a", 0o600);
  }

  override async saveDelivery(record: DeliveryRecord) {
    this.append({ k: "delivery", record });
    await super.saveDelivery(record);
  }

  override async recordDelivery(record: DeliveredDelivery, registration: PendingRegistration) {
    this.append({ k: "delivery", record, registration });
    await super.recordDelivery(record, registration);
  }

  override async updateRegistration(registration: PendingRegistration) {
    if (!this.pending.has(registration.messageId)) return;
    this.append({ k: "attempt", registration });
    await super.updateRegistration(registration);
  }

  override async completeRegistration(messageId: string) {
    if (!this.pending.has(messageId)) return;
    this.append({ k: "registered", messageId });
    await super.completeRegistration(messageId);
  }

  override async markSettled(commitIds: string[], settlement: DeliverySettlement) {
    this.append({ k: "settled", commitIds, settlement });
    await super.markSettled(commitIds, settlement);
  }

  async close() {
    fs.closeSync(this.fd);
  }

  private append(line: Line) {
    fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
    fs.fdatasyncSync(this.fd);
  }

  /** Rewrites the file as one line per delivery (with its registration if still pending). */
  private compact() {
    const tmp = `${this.file}.tmp`;
    const registrations = new Map([...this.pending.values()].map((p) => [p.facts.commitId, p] as const));
    const lines = [...this.deliveries.values()].map((record) => {
      const registration = registrations.get(record.commitId);
      return JSON.stringify({
        k: "delivery",
        record,
        ...(registration ? { registration } : {}),
      } satisfies Line);
    });
    const fd = fs.openSync(tmp, "w", 0o600);
    fs.writeSync(fd, lines.map((l) => `${l}\n`).join(""));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
  }
}

function replay(text: string): VendorStoreContents {
  const deliveries = new Map<string, DeliveryRecord>();
  const pending = new Map<string, PendingRegistration>();
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue;
    }
    if (line.k === "delivery") {
      const record = upgrade(line.record);
      if (record) deliveries.set(record.commitId, record);
      if (line.registration) pending.set(line.registration.messageId, line.registration);
    } else if (line.k === "attempt") {
      if (pending.has(line.registration.messageId))
        pending.set(line.registration.messageId, line.registration);
    } else if (line.k === "registered") {
      pending.delete(line.messageId);
    } else if (line.k === "settled") {
      for (const id of line.commitIds) {
        const record = deliveries.get(id);
        if (record?.state === "delivered") deliveries.set(id, { ...record, settlement: line.settlement });
      }
    }
  }
  return { deliveries, pending };
}

/**
 * Lines written by v0.1 (never released) knew only finished deliveries, without a state: they are
 * read as DELIVERED so their receipts and settlement carry on. Their item id was never stored (""),
 * and one without an endorsement could never be settled, so it is dropped.
 */
function upgrade(record: DeliveryRecord | LegacyDelivery): DeliveryRecord | undefined {
  if ("state" in record) return record;
  if (!record.endorsement) return undefined;
  return {
    state: "delivered",
    commitId: record.commitId,
    orderDigest: record.orderDigest,
    itemId: "",
    requestDigest: record.requestDigest,
    endorsement: record.endorsement,
    acceptedAt: record.reply.deliveredAt,
    attempts: 0,
    reply: record.reply,
    ...(record.settlement ? { settlement: record.settlement } : {}),
  };
}

type LegacyDelivery = Omit<
  DeliveredDelivery,
  "state" | "itemId" | "acceptedAt" | "attempts" | "endorsement"
> & {
  endorsement?: DeliveredDelivery["endorsement"];
};
