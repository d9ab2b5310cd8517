/**
 * The inbox's bound (inbox-limit.ts): what is dropped first, the hard cap, and that the cursor and the
 * unread count are right afterwards — on the Wallet's own IndexedDB (fake-indexeddb), through the
 * same write that stores a Wallet notice.
 */
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { openWalletDb, type StoredMail, type WalletDatabase } from "./db";
import { Inbox, walletNotice } from "./inbox";
import { INBOX_HARD_CAP, INBOX_KEEP, inboxDrops, pruneInbox, UNREAD_KEPT_MS } from "./inbox-limit";

const NOW = new Date("2025-06-01T12:00:00.000Z");
const DAY = 24 * 60 * 60_000;

/** Message `seq` of the mailbox, fetched `ageMs` before NOW, read or not. */
function mail(seq: number, read: boolean, ageMs = 0): StoredMail {
  const at = new Date(NOW.getTime() - ageMs).toISOString();
  return {
    id: `vnd_shop m${seq}`,
    seq,
    from: "vnd_shop",
    messageId: `m${seq}`,
    kind: "Memo",
    postedAt: at,
    fetchedAt: at,
    text: `letter ${seq}`,
    unread: read ? 0 : 1,
  };
}

/** `n` messages with seqs from `from`, made by `make`. */
const range = (from: number, n: number, make: (seq: number) => StoredMail) =>
  Array.from({ length: n }, (_, i) => make(from + i));

let counter = 0;
async function dbWith(mails: StoredMail[], cursor?: string): Promise<WalletDatabase> {
  const db = await openWalletDb(`inbox-limit-${++counter}-${Date.now()}`);
  const tx = db.transaction(["inbox", "inboxState"], "readwrite");
  for (const m of mails) await tx.objectStore("inbox").put(m);
  await tx.objectStore("inboxState").put({ id: "host", ...(cursor ? { cursor } : {}), fetchedAt: 1 });
  await tx.done;
  return db;
}

function inboxOf(db: WalletDatabase, unread: number[] = []): Inbox {
  return new Inbox({
    db,
    directory: { lookup: async () => Promise.reject(new Error("not used")) },
    hostUrl: "http://127.0.0.1:9",
    signer: async () => undefined,
    now: () => NOW,
    onUnread: (n) => unread.push(n),
  });
}

const seqs = (ids: string[]) => ids.map((id) => Number(id.slice("vnd_shop m".length))).sort((a, b) => a - b);

describe("which messages go (inboxDrops)", () => {
  it("keeps everything up to 500", () => {
    expect(
      inboxDrops(
        range(1, INBOX_KEEP, (s) => mail(s, true, 90 * DAY)),
        NOW,
      ),
    ).toEqual([]);
  });

  it("over 500, read ones go first, oldest first, even before older unread ones", () => {
    // 1–100 unread and old (fetched 40 days ago), 101–600 read, 601–610 unread and new.
    const all = [
      ...range(1, 100, (s) => mail(s, false, 40 * DAY)),
      ...range(101, 500, (s) => mail(s, true)),
      ...range(601, 10, (s) => mail(s, false)),
    ];
    const drops = seqs(inboxDrops(all, NOW));
    expect(drops).toHaveLength(all.length - INBOX_KEEP);
    expect(drops).toEqual(range(101, 110, (s) => mail(s, true)).map((m) => m.seq));
  });

  it("then unread ones fetched more than 30 days ago, oldest first; newer unread ones stay over 500", () => {
    // 1–20 read, 21–120 unread and 31 days old, 121–620 unread and fetched yesterday.
    const all = [
      ...range(1, 20, (s) => mail(s, true, 60 * DAY)),
      ...range(21, 100, (s) => mail(s, false, UNREAD_KEPT_MS + DAY)),
      ...range(121, 500, (s) => mail(s, false, DAY)),
    ];
    const drops = seqs(inboxDrops(all, NOW));
    // The 20 read ones and all 100 old unread ones go; the 500 recent unread ones stay (that is 500).
    expect(drops).toEqual(range(1, 120, (s) => mail(s, true)).map((m) => m.seq));
    // With 50 more recent unread ones the Wallet keeps 550: none of them is older than 30 days.
    const more = [...all, ...range(621, 50, (s) => mail(s, false))];
    expect(seqs(inboxDrops(more, NOW))).toEqual(drops);
  });

  it("an unread message exactly 30 days old is still kept over 500", () => {
    const all = [mail(1, false, UNREAD_KEPT_MS), ...range(2, INBOX_KEEP, (s) => mail(s, false))];
    expect(inboxDrops(all, NOW)).toEqual([]);
  });

  it("past 2,000 the oldest go whatever their state", () => {
    // 2,100 unread messages fetched today (a flood): the 100 oldest go, unread or not.
    const all = range(1, INBOX_HARD_CAP + 100, (s) => mail(s, false));
    expect(seqs(inboxDrops(all, NOW))).toEqual(range(1, 100, (s) => mail(s, false)).map((m) => m.seq));
    // Read ones among them still go first (and count towards the cap).
    const mixed = all.map((m) => (m.seq > 1_000 && m.seq <= 1_030 ? { ...m, unread: 0 as const } : m));
    const drops = seqs(inboxDrops(mixed, NOW));
    expect(drops).toHaveLength(100);
    expect(drops).toEqual([
      ...range(1, 70, (s) => mail(s, false)).map((m) => m.seq),
      ...range(1_001, 30, (s) => mail(s, true)).map((m) => m.seq),
    ]);
  });
});

describe("the bound in the Wallet's database (pruneInbox, walletNotice)", () => {
  it("a Wallet notice on a full inbox drops the oldest read message; the cursor and unread count stay right", async () => {
    const mails = [
      ...range(1, 300, (s) => mail(s, true, 10 * DAY)),
      ...range(301, 200, (s) => mail(s, false, 10 * DAY)),
    ];
    const db = await dbWith(mails, "500");
    const inbox = inboxOf(db);
    expect(await inbox.unreadCount()).toBe(200);
    const tx = db.transaction(["inbox"], "readwrite");
    const stored = await walletNotice(
      tx.objectStore("inbox"),
      { noticeId: "n1", subject: "A notice", text: "Words for the shopper." },
      NOW,
    );
    await tx.done;
    expect(stored).toBe(true);
    expect(await db.count("inbox")).toBe(INBOX_KEEP);
    expect(await db.get("inbox", "vnd_shop m1")).toBeUndefined();
    expect(await db.get("inbox", "vnd_shop m2")).toBeDefined();
    // The notice is the newest, unread; the host's cursor is what it was.
    const view = await inbox.view();
    expect(view.messages[0]).toMatchObject({
      title: "A notice",
      unread: true,
      fromName: "Your QuickPay Wallet",
    });
    expect(view.unread).toBe(201);
    expect(await inbox.unreadCount()).toBe(201);
    expect((await db.get("inboxState", "host"))?.cursor).toBe("500");
    // Its place sits between the last host message and the next one the host will post.
    const notice = await db.get("inbox", "wallet n1");
    expect(notice!.seq).toBeGreaterThan(500);
    expect(notice!.seq).toBeLessThan(501);
  });

  it("pruning a mix: read first, then old unread, and the unread count is the unread left", async () => {
    const mails = [
      ...range(1, 50, (s) => mail(s, false, 45 * DAY)),
      ...range(51, 30, (s) => mail(s, true, 45 * DAY)),
      ...range(81, 460, (s) => mail(s, false, DAY)),
    ];
    const db = await dbWith(mails, "540");
    const tx = db.transaction("inbox", "readwrite");
    expect(await pruneInbox(tx.store, NOW)).toBe(40);
    await tx.done;
    const left = (await db.getAll("inbox")).map((m) => m.seq).sort((a, b) => a - b);
    expect(left).toHaveLength(INBOX_KEEP);
    // All 30 read ones went, then the 10 oldest unread ones of 45 days.
    expect(left[0]).toBe(11);
    expect(left.filter((s) => s > 50 && s <= 80)).toEqual([]);
    const unread: number[] = [];
    const inbox = inboxOf(db, unread);
    expect(await inbox.unreadCount()).toBe(500);
    expect((await inbox.view()).unread).toBe(500);
    expect((await db.get("inboxState", "host"))?.cursor).toBe("540");
    // Reading all still counts right afterwards.
    expect(await inbox.markRead("all")).toBe(0);
    expect(unread.at(-1)).toBe(0);
  });

  it("changes nothing at or under 500, and the same notice is stored once", async () => {
    const db = await dbWith(
      range(1, 499, (s) => mail(s, true, 90 * DAY)),
      "499",
    );
    for (let i = 0; i < 2; i++) {
      const tx = db.transaction("inbox", "readwrite");
      await walletNotice(tx.store, { noticeId: "same", subject: "Once", text: "Only once." }, NOW);
      await tx.done;
    }
    expect(await db.count("inbox")).toBe(500);
    expect(await db.get("inbox", "vnd_shop m1")).toBeDefined();
    const tx = db.transaction("inbox", "readwrite");
    expect(await pruneInbox(tx.store, NOW)).toBe(0);
    await tx.done;
  });

  it("a flood past 2,000 keeps the newest 2,000 in the database", async () => {
    const db = await dbWith(
      range(1, INBOX_HARD_CAP + 5, (s) => mail(s, false)),
      "2005",
    );
    const tx = db.transaction("inbox", "readwrite");
    expect(await pruneInbox(tx.store, NOW)).toBe(5);
    await tx.done;
    expect(await db.count("inbox")).toBe(INBOX_HARD_CAP);
    expect(await db.get("inbox", "vnd_shop m5")).toBeUndefined();
    expect(await db.get("inbox", "vnd_shop m6")).toBeDefined();
    expect(await inboxOf(db).unreadCount()).toBe(INBOX_HARD_CAP);
  });
});
