/**
 * A durable VendorStore in one JSON-lines file (no database needed): every change is one appended,
 * fsync'ed line, replayed on open and compacted then. A torn last line from a crash is skipped —
 * it was never acknowledged, because the reply is only sent after the line is on disk.
 */
import fs from "node:fs";
import path from "node:path";
import {
  type DeliveryRecord,
  type DeliverySettlement,
  MemoryVendorStore,
  type PendingRegistration,
} from "./store";

type Line =
  /** `registration` is absent once compaction found it acknowledged. */
  | { k: "delivery"; record: DeliveryRecord; registration?: PendingRegistration }
  | { k: "attempt"; registration: PendingRegistration }
  | { k: "registered"; messageId: string }
  | { k: "settled"; commitIds: string[]; settlement: DeliverySettlement };

export class JsonLinesVendorStore extends MemoryVendorStore {
  private fd: number;

  /** Opens (or creates) the store at `file`, replaying and compacting what is there. */
  constructor(private readonly file: string) {
    super();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) this.replay(fs.readFileSync(file, "utf8"));
    this.compact();
    this.fd = fs.openSync(file, "a", 0o600);
  }

  override async recordDelivery(record: DeliveryRecord, registration: PendingRegistration) {
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

  private replay(text: string) {
    for (const raw of text.split("\n")) {
      if (raw.trim() === "") continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue;
      }
      if (line.k === "delivery") {
        this.deliveries.set(line.record.commitId, line.record);
        if (line.registration) this.pending.set(line.registration.messageId, line.registration);
      } else if (line.k === "attempt") {
        if (this.pending.has(line.registration.messageId)) {
          this.pending.set(line.registration.messageId, line.registration);
        }
      } else if (line.k === "registered") {
        this.pending.delete(line.messageId);
      } else if (line.k === "settled") {
        for (const id of line.commitIds) {
          const record = this.deliveries.get(id);
          if (record) this.deliveries.set(id, { ...record, settlement: line.settlement });
        }
      }
    }
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
