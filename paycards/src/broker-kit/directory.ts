/**
 * The broker's view of the host directory: players' keys, kinds and status, fetched from
 * `GET {hostUrl}/v1/directory/:id` and cached with an expiry (DESIGN §2: never stored long-term).
 */
import {
  DirectoryEntry,
  directoryPaths,
  endpointUrl,
  type FetchLike,
  getJson,
  QuickPayError,
} from "@quickpay/protocol";

export interface DirectoryOptions {
  /** How long a fetched entry is trusted; a suspension reaches the broker within this time. */
  ttlMs?: number;
  fetch?: FetchLike;
  now?: () => number;
}

export class DirectoryClient {
  private readonly cache = new Map<string, { entry: DirectoryEntry; until: number }>();
  private readonly inflight = new Map<string, Promise<DirectoryEntry>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    readonly hostUrl: string,
    private readonly options: DirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The player's entry; throws the host's `unknown_player`, or `host_unreachable`. */
  async lookup(playerId: string): Promise<DirectoryEntry> {
    const hit = this.cache.get(playerId);
    if (hit && hit.until > this.now()) return hit.entry;
    let pending = this.inflight.get(playerId);
    if (!pending) {
      pending = this.fetchEntry(playerId).finally(() => this.inflight.delete(playerId));
      this.inflight.set(playerId, pending);
    }
    return pending;
  }

  /** Like `lookup`, but also requires the player's kind and an active status. */
  async active(playerId: string, kind: DirectoryEntry["kind"]): Promise<DirectoryEntry> {
    const entry = await this.lookup(playerId);
    if (entry.kind !== kind) {
      throw new QuickPayError("forbidden", `${playerId} is a ${entry.kind}, not a ${kind}`);
    }
    if (entry.status !== "active") throw new QuickPayError("suspended", `${kind} ${playerId} is suspended`);
    return entry;
  }

  forget(playerId?: string): void {
    if (playerId === undefined) this.cache.clear();
    else this.cache.delete(playerId);
  }

  private async fetchEntry(playerId: string): Promise<DirectoryEntry> {
    const url = endpointUrl(this.hostUrl, directoryPaths.player(playerId));
    const { fetch } = this.options;
    const entry = await getJson(url, DirectoryEntry, { from: "host", ...(fetch ? { fetch } : {}) });
    if (entry.id !== playerId) {
      throw new QuickPayError("internal", `the directory answered ${entry.id} when asked for ${playerId}`);
    }
    this.cache.set(playerId, { entry, until: this.now() + this.ttlMs });
    return entry;
  }
}
