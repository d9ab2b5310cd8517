/**
 * Every player's view of the host directory: entries fetched from the host and cached with an expiry
 * (DESIGN §2: a player never keeps another's key for long — the host may suspend it). One lookup per
 * key is in flight at a time; failures are never cached, so a player admitted a second later is usable
 * a second later. The transport is injected, as everywhere in this package.
 */
import { endpointUrl, type FetchLike, getJson } from "./client";
import { QuickPayError } from "./errors";
import type { PlayerKind } from "./ids";
import { DirectoryEntry, directoryPaths } from "./messages/administration";

export interface DirectoryClientOptions {
  /** How long a fetched entry is trusted: a suspension reaches this player within this time. */
  ttlMs?: number;
  fetch?: FetchLike;
  now?: () => number;
}

export const DEFAULT_DIRECTORY_TTL_MS = 60_000;

/** A broker's or vendor's entry: both always register an endpoint. */
export type EndpointEntry = DirectoryEntry & { endpoint: string };

export class DirectoryClient {
  private readonly cache = new Map<string, { entry: DirectoryEntry; until: number }>();
  private readonly inflight = new Map<string, Promise<DirectoryEntry>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    readonly hostUrl: string,
    private readonly options: DirectoryClientOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_DIRECTORY_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Any player's entry; `unknown_player` when the host has none, `host_unreachable` when it can't say. */
  async lookup(playerId: string): Promise<DirectoryEntry> {
    const entry = await this.cached(`id:${playerId}`, () =>
      this.fetchEntry(directoryPaths.player(playerId)).catch((error: unknown) => {
        if (error instanceof QuickPayError && error.code === "not_found") {
          throw new QuickPayError("unknown_player", `${playerId} is not in the host directory`);
        }
        throw error;
      }),
    );
    if (entry.id !== playerId) {
      throw new QuickPayError("internal", `the directory answered ${entry.id} when asked for ${playerId}`);
    }
    return entry;
  }

  /** An active player of `kind`: `unknown_player` for another kind, `suspended` when not active. */
  async active(playerId: string, kind: "broker" | "vendor"): Promise<EndpointEntry>;
  async active(playerId: string, kind: PlayerKind): Promise<DirectoryEntry>;
  async active(playerId: string, kind: PlayerKind): Promise<DirectoryEntry> {
    const entry = await this.lookup(playerId);
    if (entry.kind !== kind) {
      throw new QuickPayError("unknown_player", `${playerId} is a ${entry.kind}, not a ${kind}`);
    }
    if (entry.status !== "active")
      throw new QuickPayError("suspended", `${kind} ${playerId} is ${entry.status}`);
    if ((kind === "broker" || kind === "vendor") && !entry.endpoint) {
      throw new QuickPayError("unknown_player", `${kind} ${playerId} has no endpoint in the directory`);
    }
    return entry;
  }

  /** The active vendor whose registered origins include `origin`; otherwise `not_a_vendor`. */
  async vendorByOrigin(origin: string): Promise<EndpointEntry> {
    let entry: DirectoryEntry;
    try {
      entry = await this.cached(`origin:${origin}`, () =>
        this.fetchEntry(directoryPaths.vendorByOrigin(origin)),
      );
    } catch (error) {
      if (error instanceof QuickPayError && (error.status === 404 || error.code === "invalid_request")) {
        throw new QuickPayError("not_a_vendor", `${origin} is not a registered QuickPay vendor`);
      }
      throw error;
    }
    return assertVendorFor(entry, origin);
  }

  /** Drops one cached entry (or all), e.g. after learning a player was suspended. */
  forget(playerId?: string): void {
    if (playerId === undefined) this.cache.clear();
    else this.cache.delete(`id:${playerId}`);
  }

  private async cached(key: string, load: () => Promise<DirectoryEntry>): Promise<DirectoryEntry> {
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.entry;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = load()
        .then((entry) => {
          this.cache.set(key, { entry, until: this.now() + this.ttlMs });
          return entry;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private fetchEntry(path: string): Promise<DirectoryEntry> {
    const { fetch } = this.options;
    return getJson(endpointUrl(this.hostUrl, path), DirectoryEntry, {
      from: "host",
      ...(fetch ? { fetch } : {}),
    });
  }
}

/** The origin check, kept pure: the entry must be an active vendor that lists exactly this origin. */
export function assertVendorFor(entry: DirectoryEntry, origin: string): EndpointEntry {
  if (
    entry.kind !== "vendor" ||
    entry.status !== "active" ||
    !entry.origins?.includes(origin) ||
    !entry.endpoint
  ) {
    throw new QuickPayError("not_a_vendor", `${origin} is not an active QuickPay vendor`);
  }
  return entry as EndpointEntry;
}
