/**
 * One run at a time per key, in this process: how every receiver of a message with an idempotency
 * key (the broker kit's routes by `(sender, message id)`, the vendor SDK's Request Order Delivery by
 * commit id) closes the gap between "is this key answered?" and "record the answer". A copy that
 * arrives while another is being handled waits for it, then looks at the record like any later
 * copy: the stored answer for the same body, `conflict` for another. Where several processes share
 * the record (the broker's ledger file), the record's own transaction is the guarantee and this
 * spares a copy the work; where one process owns it (the vendor's store), this is the guarantee.
 */
export class OneAtATime {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` once every earlier task under `key` has settled; answers what `task` answers. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(task);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or waiting (tests: nothing is left behind). */
  get size(): number {
    return this.tails.size;
  }
}
