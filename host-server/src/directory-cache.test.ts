import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryCache } from "./directory-cache";
import { createSqliteStore } from "./store/sqlite";
import type { PlayerRecord } from "./store/types";

const player: PlayerRecord = {
  id: "v_cache",
  kind: "vendor",
  publicKey: "k".repeat(43),
  status: "active",
  registeredAt: "2026-01-01T00:00:00.000Z",
};

describe("DirectoryCache", () => {
  let store: ReturnType<typeof createSqliteStore>;
  let now = 0;
  const setStatus = (status: "active" | "suspended") =>
    store.apply([
      {
        from: "operator",
        messageId: `m_${status}_${now}_${Math.random()}`,
        fingerprint: "f",
        at: "2026-01-01T00:00:00.000Z",
        effect: { kind: "setPlayerStatus", playerId: player.id, status },
      },
    ]);

  beforeEach(async () => {
    store = createSqliteStore({ path: ":memory:" });
    await store.apply([
      {
        from: player.id,
        messageId: "m_reg",
        fingerprint: "f",
        at: player.registeredAt,
        effect: { kind: "registerPlayer", player },
      },
    ]);
  });
  afterEach(() => store.close());

  it("answers from memory within the TTL and re-reads after it", async () => {
    const cache = new DirectoryCache(store, 1_000, 10, () => now);
    expect((await cache.get(player.id))?.status).toBe("active");
    await setStatus("suspended"); // a change made elsewhere (another process, the CLI)
    now = 999;
    expect((await cache.get(player.id))?.status).toBe("active");
    now = 1_000;
    expect((await cache.get(player.id))?.status).toBe("suspended");
  });

  it("sees a change made through this process at once (forget)", async () => {
    const cache = new DirectoryCache(store, 60_000, 10, () => now);
    expect((await cache.get(player.id))?.status).toBe("active");
    await setStatus("suspended");
    cache.forget(player.id);
    expect((await cache.get(player.id))?.status).toBe("suspended");
  });

  it("does not cache a read that raced a forget, nor unknown ids", async () => {
    const cache = new DirectoryCache(store, 60_000, 10, () => now);
    const racing = cache.get(player.id); // read started before the change
    cache.forget(player.id);
    expect((await racing)?.status).toBe("active");
    await setStatus("suspended");
    expect((await cache.get(player.id))?.status).toBe("suspended");
    expect(await cache.get("v_unknown")).toBeUndefined();
  });
});
