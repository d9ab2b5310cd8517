/**
 * Directory lookups at the host, cached briefly (DESIGN §2: never store another player's key for
 * long). A page's origin only reaches the engine if a registered, active vendor claims it.
 */
import {
  DirectoryEntry,
  directoryPaths,
  endpointUrl,
  type FetchLike,
  getJson,
  QuickPayError,
} from "@quickpay/protocol";

export const DIRECTORY_TTL_MS = 30_000;

export class Directory {
  private readonly cache = new Map<string, { entry: DirectoryEntry; until: number }>();

  constructor(
    private readonly hostUrl: string,
    private readonly fetch?: FetchLike,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = DIRECTORY_TTL_MS,
  ) {}

  private async cached(key: string, load: () => Promise<DirectoryEntry>): Promise<DirectoryEntry> {
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.entry;
    const entry = await load();
    this.cache.set(key, { entry, until: this.now() + this.ttlMs });
    return entry;
  }

  /** The active vendor whose registered origins include `origin`; otherwise `not_a_vendor`. */
  async vendorByOrigin(origin: string): Promise<DirectoryEntry> {
    let entry: DirectoryEntry;
    try {
      entry = await this.cached(`origin:${origin}`, () =>
        getJson(endpointUrl(this.hostUrl, directoryPaths.vendorByOrigin(origin)), DirectoryEntry, {
          fetch: this.fetch,
        }),
      );
    } catch (error) {
      if (error instanceof QuickPayError && (error.status === 404 || error.code === "invalid_request")) {
        throw new QuickPayError("not_a_vendor", `${origin} is not a registered QuickPay vendor`);
      }
      throw error;
    }
    return assertVendorFor(entry, origin);
  }

  /** Any player's entry by id (brokers for certificates and endorsements). */
  async player(playerId: string): Promise<DirectoryEntry> {
    return this.cached(`id:${playerId}`, () =>
      getJson(endpointUrl(this.hostUrl, directoryPaths.player(playerId)), DirectoryEntry, {
        fetch: this.fetch,
      }),
    );
  }

  /** An active broker's entry, or `unknown_player` / `suspended`. */
  async broker(brokerId: string): Promise<DirectoryEntry> {
    const entry = await this.player(brokerId);
    if (entry.kind !== "broker") throw new QuickPayError("unknown_player", `${brokerId} is not a broker`);
    if (entry.status !== "active") throw new QuickPayError("suspended", `broker ${brokerId} is suspended`);
    if (!entry.endpoint) throw new QuickPayError("unknown_player", `broker ${brokerId} has no endpoint`);
    return entry;
  }
}

/** The origin check, kept pure: the entry must be an active vendor that lists exactly this origin. */
export function assertVendorFor(entry: DirectoryEntry, origin: string): DirectoryEntry {
  if (
    entry.kind !== "vendor" ||
    entry.status !== "active" ||
    !entry.origins?.includes(origin) ||
    !entry.endpoint
  ) {
    throw new QuickPayError("not_a_vendor", `${origin} is not an active QuickPay vendor`);
  }
  return entry;
}
