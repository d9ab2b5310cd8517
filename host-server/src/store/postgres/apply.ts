/**
 * One transaction over a batch of writes (possibly several `apply` calls gathered by group commit):
 * runs of `register` writes take the set-wise path (`register.ts`), every other write goes one at a
 * time under a savepoint (`effects.ts`). Writes later in the batch see earlier ones' effects.
 */
import type { Outcome, Write } from "../types";
import { applyEffect, Refusal } from "./effects";
import { applyRegisterRun } from "./register";
import type { Queryable } from "./rows";

type RegisterWrite = Write<Extract<Write["effect"], { kind: "register" }>>;
const isRegister = (w: Write): w is RegisterWrite => w.effect.kind === "register";

async function applyOne(db: Queryable, w: Write): Promise<Outcome> {
  await db.query("SAVEPOINT qp_write");
  const claimed = await db.query(
    `INSERT INTO idempotency (sender, message_id, fingerprint, recorded_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (message_id, sender) DO NOTHING`,
    [w.from, w.messageId, w.fingerprint, w.at],
  );
  if (claimed.rowCount === 0) {
    await db.query("RELEASE SAVEPOINT qp_write");
    const { rows } = await db.query<{ fingerprint: string; result: unknown }>(
      "SELECT fingerprint, result FROM idempotency WHERE sender = $1 AND message_id = $2",
      [w.from, w.messageId],
    );
    const seen = rows[0];
    if (!seen) throw new Error(`idempotency record for ${w.from}/${w.messageId} vanished`);
    return seen.fingerprint === w.fingerprint
      ? { status: "repeat", result: seen.result }
      : { status: "conflict", message: `message id ${w.messageId} was already used with another body` };
  }
  try {
    const result = await applyEffect(db, w);
    await db.query("UPDATE idempotency SET result = $3::json WHERE sender = $1 AND message_id = $2", [
      w.from,
      w.messageId,
      JSON.stringify(result ?? null),
    ]);
    await db.query("RELEASE SAVEPOINT qp_write");
    return { status: "applied", result };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    // A refused message changes nothing, not even its idempotency record: it may be re-sent.
    await db.query("ROLLBACK TO SAVEPOINT qp_write");
    await db.query("RELEASE SAVEPOINT qp_write");
    return error.outcome;
  }
}

/** Applies `writes` in order on `db`, which the caller has put inside BEGIN … COMMIT. */
export async function applyBatch(db: Queryable, writes: Write[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let i = 0;
  while (i < writes.length) {
    const w = writes[i] as Write;
    if (isRegister(w)) {
      let j = i;
      while (j < writes.length && isRegister(writes[j] as Write)) j++;
      outcomes.push(...(await applyRegisterRun(db, writes.slice(i, j) as RegisterWrite[])));
      i = j;
    } else {
      outcomes.push(await applyOne(db, w));
      i++;
    }
  }
  return outcomes;
}
