/**
 * The senders' directory entries, cached in-process for a short time: every signed request reads its
 * sender's entry, and on PostgreSQL that read is a round trip through the busy event loop.
 *
 * Staleness bound: a status change (suspend / reactivate) or re-registration made through THIS
 * process is seen at once — `forget` drops the entry when the write is submitted and again once it
 * has committed, and a read that started before the commit is not cached. A change made elsewhere (the
 * operator CLI on the same file, another host process on the same database) is seen within `ttlMs`
 * (default 1 s). Unknown ids are never cached, so a player is usable as soon as it registered.
 */
import type { HostStore, PlayerRecord } from "./store/types";

interface Entry {
  player: PlayerRecord;
  until: number;
}

export class DirectoryCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every `forget`: a read that started under an older epoch does not store its answer. */
  private epoch = 0;

  constructor(
    private readonly store: Pick<HostStore, "getPlayer">,
    private readonly ttlMs = 1_000,
    private readonly maxEntries = 100_000,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  async get(id: string): Promise<PlayerRecord | undefined> {
    const now = this.clock();
    const hit = this.entries.get(id);
    if (hit && hit.until > now) return hit.player;
    const epoch = this.epoch;
    const player = await this.store.getPlayer(id);
    if (player && epoch === this.epoch) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(id, { player, until: now + this.ttlMs });
    } else if (!player) this.entries.delete(id);
    return player;
  }

  /** Drops one player's entry (its status or details are changing); `undefined` drops all. */
  forget(id?: string): void {
    this.epoch++;
    if (id === undefined) this.entries.clear();
    else this.entries.delete(id);
  }
}
