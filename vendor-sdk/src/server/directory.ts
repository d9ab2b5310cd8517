/**
 * The vendor's view of the host directory: brokers' keys and endpoints, cached with an expiry (a
 * player never keeps another's key for good — the host may suspend it).
 */
import {
  DirectoryEntry,
  directoryPaths,
  type FetchLike,
  getJson,
  playerKindOf,
  QuickPayError,
} from "@quickpay/protocol";

export const DEFAULT_DIRECTORY_TTL_MS = 5 * 60_000;

export interface DirectoryOptions {
  hostUrl: string;
  ttlMs?: number;
  now: () => Date;
  fetch?: FetchLike;
}

export class BrokerDirectory {
  private readonly cache = new Map<string, { entry: DirectoryEntry; until: number }>();

  constructor(private readonly options: DirectoryOptions) {}

  /** The active broker `brokerId`: `unknown_player`, `suspended` or `host_unreachable` otherwise. */
  async activeBroker(brokerId: string): Promise<DirectoryEntry & { endpoint: string }> {
    const entry = await this.lookup(brokerId);
    if (entry.kind !== "broker" || entry.id !== brokerId) {
      throw new QuickPayError("unknown_player", `${brokerId} is not a broker in the host directory`);
    }
    if (entry.status !== "active") {
      throw new QuickPayError("suspended", `broker ${brokerId} is ${entry.status}`);
    }
    if (!entry.endpoint) {
      throw new QuickPayError("unknown_player", `broker ${brokerId} has no endpoint in the directory`);
    }
    return entry as DirectoryEntry & { endpoint: string };
  }

  private async lookup(playerId: string): Promise<DirectoryEntry> {
    if (playerKindOf(playerId) !== "broker") {
      throw new QuickPayError("unknown_player", `${playerId} is not a broker id`);
    }
    const now = this.options.now().getTime();
    const hit = this.cache.get(playerId);
    if (hit && hit.until > now) return hit.entry;
    const url = this.options.hostUrl.replace(/\/+$/, "") + directoryPaths.player(playerId);
    const entry = await getJson(url, DirectoryEntry, {
      from: "host",
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    }).catch((error: unknown) => {
      if (error instanceof QuickPayError && error.code === "not_found") {
        throw new QuickPayError("unknown_player", `${playerId} is not in the host directory`);
      }
      throw error;
    });
    // Failures are not cached: a broker admitted a second later must be usable a second later.
    this.cache.set(playerId, { entry, until: now + (this.options.ttlMs ?? DEFAULT_DIRECTORY_TTL_MS) });
    return entry;
  }
}
