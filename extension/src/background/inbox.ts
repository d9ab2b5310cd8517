/**
 * The inbox (DESIGN §4.3): this wallet's host mailbox — refund notices, vendors' replies, brokers'
 * notices — fetched by cursor (Fetch Messages) on an alarm while idle, at once after the host
 * acknowledged a purchase's Register Order, and when the popup opens; kept in IndexedDB.
 *
 * Exactly once: each page of messages and the cursor past it are written in one transaction, and a
 * message already stored (same sender, same message id) is not stored again — so fetching twice, two
 * fetches at once, or a worker stopped between the fetch and the write neither doubles nor loses one
 * (the host answers "after the cursor" again from the cursor that was stored).
 *
 * The inbox is bounded (inbox-limit.ts), in the transaction of every write. Besides the host's mail it
 * holds the Wallet's own notices (`walletNotice`), e.g. that a removed Paycard's bank was never told.
 *
 * Messages are hints from untrusted senders: plain text with control and direction-changing
 * characters removed, capped, never markup; linked to an order only when that order was made with
 * the sender (its vendor, or the broker that endorsed it), so a sender cannot borrow another
 * shop's order.
 */
import {
  type DirectoryClient,
  displayMoney,
  type FetchLike,
  type MailMessage,
  mailBodies,
  type Signer,
  sendMessage,
  signEnvelope,
} from "@quickpay/protocol";
import type { IDBPObjectStore, StoreNames } from "idb";
import type { InboxMessage, InboxView } from "../shared/messages";
import type { StoredMail, StoredPurchase, WalletDatabase, WalletDB } from "./db";
import { historyItem } from "./history";
import { pruneInbox } from "./inbox-limit";

/** Messages asked for per Fetch Messages (the host allows up to 500). */
export const INBOX_PAGE = 100;
/** Pages read in one fetch at most; the rest waits for the next one (the cursor is stored). */
const MAX_PAGES = 10;
/** Messages the popup is given, newest first. */
export const INBOX_LIST_LIMIT = 50;
/** Caps, in characters (code points), on what a sender may make the Wallet show. */
export const CAPS = { text: 2_000, subject: 120, name: 60, reason: 300, link: 500 } as const;

/** C0/C1 controls (but tab and newline) and the characters that reorder text (bidi overrides, marks). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * What a sender wrote, safe to show as text: unsafe characters removed, whitespace tidied (one line
 * unless `multiline`), at most `cap` characters (cut with "…"). Empty when nothing is left.
 */
export function plainText(raw: string, cap: number, multiline = false): string {
  let s = raw.normalize("NFC").replace(/\r\n?/g, "\n").replace(UNSAFE, "");
  s = multiline
    ? s
        .replace(/[^\S\n]+/g, " ")
        .replace(/ ?\n ?/g, "\n")
        .replace(/\n{3,}/g, "\n\n")
    : s.replace(/\s+/g, " ");
  s = s.trim();
  const chars = Array.from(s);
  return chars.length <= cap
    ? s
    : `${chars
        .slice(0, cap - 1)
        .join("")
        .trimEnd()}…`;
}

/** An http(s) address, normalised, or undefined (no `javascript:`, no `data:`, nothing too long). */
function safeLink(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    return url.href.length <= CAPS.link ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export type Sender = NonNullable<StoredMail["sender"]>;

/** Who the Wallet's own notices are from, as the inbox shows it. */
export const WALLET_NOTICE_SENDER: Sender = { kind: "wallet", name: "Your QuickPay Wallet" };

/**
 * Stores one of the Wallet's own notices, unread, inside the caller's transaction; `noticeId` makes
 * it once (a second store of the same id changes nothing). It is placed after every message stored
 * so far and before any the host posts later (host cursors are whole numbers: it takes the midpoint
 * to the next one), and the inbox's bound applies to it like to any other.
 */
export async function walletNotice<S extends ArrayLike<StoreNames<WalletDB>>>(
  inbox: IDBPObjectStore<WalletDB, S, "inbox", "readwrite">,
  notice: { noticeId: string; subject: string; text: string },
  now: Date,
): Promise<boolean> {
  const id = `wallet ${notice.noticeId}`;
  if (await inbox.get(id)) return false;
  const last = (await inbox.index("bySeq").openCursor(null, "prev"))?.value.seq ?? 0;
  const at = now.toISOString();
  await inbox.put({
    id,
    seq: (last + Math.floor(last) + 1) / 2,
    from: "wallet",
    messageId: notice.noticeId,
    kind: "WalletNotice",
    postedAt: at,
    fetchedAt: at,
    sender: WALLET_NOTICE_SENDER,
    subject: plainText(notice.subject, CAPS.subject),
    text: plainText(notice.text, CAPS.text, true),
    unread: 1,
  });
  await pruneInbox(inbox, now);
  return true;
}

/**
 * One host mail as the inbox keeps it, or undefined for a kind the Wallet does not show (a wallet
 * gets memos and refund notices; anything else is skipped, the cursor moving past it).
 */
export function toStoredMail(
  m: MailMessage,
  sender: Sender | undefined,
  fetchedAt: Date,
): StoredMail | undefined {
  const base = {
    id: `${m.from} ${m.messageId}`,
    seq: Number(m.cursor),
    from: m.from,
    messageId: m.messageId,
    kind: m.kind,
    postedAt: m.postedAt,
    fetchedAt: fetchedAt.toISOString(),
    ...(sender ? { sender } : {}),
    unread: 1 as const,
  };
  if (m.kind === "Memo") {
    const memo = mailBodies.Memo.safeParse(m.body);
    if (!memo.success) return undefined;
    const { subject, text, orderDigest, link } = memo.data;
    const title = subject === undefined ? "" : plainText(subject, CAPS.subject);
    const safe = safeLink(link);
    return {
      ...base,
      ...(title ? { subject: title } : {}),
      text: plainText(text, CAPS.text, true),
      ...(orderDigest ? { orderDigest } : {}),
      ...(safe ? { link: safe } : {}),
    };
  }
  if (m.kind === "RefundNotice") {
    const notice = mailBodies.RefundNotice.safeParse(m.body);
    if (!notice.success) return undefined;
    const { orderDigest, amount, brokerId, commitId, reason } = notice.data;
    const why = reason === undefined ? "" : plainText(reason, CAPS.reason);
    return {
      ...base,
      orderDigest,
      refund: {
        amount: { currency: amount.currency, value: amount.value },
        brokerId,
        commitId,
        ...(why ? { reason: why } : {}),
      },
    };
  }
  return undefined;
}

/**
 * Whether `p` is an order this message may speak for: a refund notice from the broker that endorsed
 * it (and names itself), a memo from its vendor or its endorsing broker.
 */
function speaksFor(m: StoredMail, p: StoredPurchase): boolean {
  const broker = p.endorsement?.endorsement.brokerId;
  if (m.refund) return m.refund.brokerId === m.from && broker === m.from;
  return p.vendorId === m.from || broker === m.from;
}

/** The message in words, as the popup shows it. */
export function inboxMessage(m: StoredMail, purchase: StoredPurchase | undefined, now: number): InboxMessage {
  const order = purchase && speaksFor(m, purchase) ? purchase : undefined;
  const known = m.sender?.name ? plainText(m.sender.name, CAPS.name) : undefined;
  const common = {
    id: m.id,
    postedAt: m.postedAt,
    unread: m.unread === 1,
    ...(m.link ? { link: m.link } : {}),
    order: order ? historyItem(order, now) : null,
  };
  if (m.refund) {
    const fromName = known ?? "Your bank";
    const what = order ? `“${order.signedOrder.order.description}”` : "an order this Wallet has no record of";
    const why = m.refund.reason ? ` The reason given: “${m.refund.reason}”.` : "";
    return {
      ...common,
      kind: "refund",
      fromName,
      title: "Refund",
      text: `${fromName} refunded ${displayMoney(m.refund.amount)} for ${what}.${why}`,
    };
  }
  const kind = m.sender?.kind;
  if (kind === "vendor" || (kind === undefined && order?.vendorId === m.from)) {
    const fromName = known ?? order?.vendor.name ?? "A QuickPay shop";
    return {
      ...common,
      kind: "vendor",
      fromName,
      title: m.subject ?? `Message from ${fromName}`,
      text: m.text ?? "",
    };
  }
  if (kind === "broker") {
    const fromName = known ?? "Your bank";
    return {
      ...common,
      kind: "broker",
      fromName,
      title: m.subject ?? `Notice from ${fromName}`,
      text: m.text ?? "",
    };
  }
  const fromName = known ?? (kind === "host" ? "The QuickPay network" : "Someone on the QuickPay network");
  return {
    ...common,
    kind: "other",
    fromName,
    title: m.subject ?? `Message from ${fromName}`,
    text: m.text ?? "",
  };
}

export interface InboxDeps {
  db: WalletDatabase;
  directory: Pick<DirectoryClient, "lookup">;
  hostUrl: string;
  signer: () => Promise<Signer | undefined>;
  fetch?: FetchLike;
  now: () => Date;
  /** Hears the unread count whenever it may have changed (the service worker's toolbar badge). */
  onUnread?: (unread: number) => void;
}

export interface FetchReport {
  /** Messages stored by this fetch (repeats and kinds the Wallet does not show are not counted). */
  added: number;
  /** Nothing was asked: the host does not know this wallet yet (Register Wallet not acknowledged). */
  skipped?: "not_registered";
}

export class Inbox {
  private running: Promise<FetchReport> | undefined;
  private next: Promise<FetchReport> | undefined;

  constructor(private readonly deps: InboxDeps) {}

  /**
   * Reads the host mailbox from the stored cursor to its end (up to `MAX_PAGES` pages). One fetch
   * at a time: a call while one runs waits for it and then fetches once more (the running one may
   * have read the mailbox before the message the caller expects was posted).
   */
  fetchNow(): Promise<FetchReport> {
    if (this.running) {
      this.next ??= this.running
        .catch(() => undefined)
        .then(() => {
          this.next = undefined;
          return this.fetchNow();
        });
      return this.next;
    }
    const run = this.fetchAll().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** The popup: newest first, with the unread count and when the host was last read. */
  async view(limit = INBOX_LIST_LIMIT): Promise<InboxView> {
    const tx = this.deps.db.transaction(["inbox", "inboxState", "purchases"]);
    const mails: StoredMail[] = [];
    for (
      let c = await tx.objectStore("inbox").index("bySeq").openCursor(null, "prev");
      c && mails.length < limit;
      c = await c.continue()
    ) {
      mails.push(c.value);
    }
    const purchases = tx.objectStore("purchases").index("byOrderDigest");
    const now = this.deps.now().getTime();
    const messages: InboxMessage[] = [];
    for (const m of mails) {
      const candidates = m.orderDigest ? await purchases.getAll(m.orderDigest) : [];
      messages.push(
        inboxMessage(
          m,
          candidates.find((p) => speaksFor(m, p)),
          now,
        ),
      );
    }
    const unread = await tx.objectStore("inbox").index("byUnread").count(1);
    const state = await tx.objectStore("inboxState").get("host");
    await tx.done;
    return {
      messages,
      unread,
      checkedAt: state?.fetchedAt === undefined ? null : new Date(state.fetchedAt).toISOString(),
    };
  }

  async unreadCount(): Promise<number> {
    return this.deps.db.countFromIndex("inbox", "byUnread", 1);
  }

  /** Marks messages read (unknown ids are ignored); answers the unread count afterwards. */
  async markRead(ids: readonly string[] | "all"): Promise<number> {
    const tx = this.deps.db.transaction("inbox", "readwrite");
    const readAt = this.deps.now().toISOString();
    const unread =
      ids === "all"
        ? await tx.store.index("byUnread").getAll(1)
        : (await Promise.all(ids.map((id) => tx.store.get(id)))).filter(
            (m): m is StoredMail => m?.unread === 1,
          );
    for (const m of unread) await tx.store.put({ ...m, unread: 0, readAt });
    const left = await tx.store.index("byUnread").count(1);
    await tx.done;
    this.deps.onUnread?.(left);
    return left;
  }

  /** Tells `onUnread` the stored count (a new worker: the badge may have been reset with the browser). */
  async publishUnread(): Promise<void> {
    this.deps.onUnread?.(await this.unreadCount());
  }

  private async fetchAll(): Promise<FetchReport> {
    const { db } = this.deps;
    // Until the host acknowledged Register Wallet it would not know who asks.
    if (!(await db.get("meta", "wallet"))?.registered) return { added: 0, skipped: "not_registered" };
    const signer = await this.deps.signer();
    if (!signer) return { added: 0, skipped: "not_registered" };
    let added = 0;
    try {
      for (let pages = 0; pages < MAX_PAGES; pages++) {
        const cursor = (await db.get("inboxState", "host"))?.cursor;
        const envelope = await signEnvelope(
          signer,
          "FetchMessages" as const,
          { ...(cursor ? { cursor } : {}), limit: INBOX_PAGE },
          { at: this.deps.now() },
        );
        const page = await sendMessage(this.deps.hostUrl, "FetchMessages", envelope, {
          ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
        });
        added += await this.store(page.messages, page.cursor, await this.senders(page.messages));
        if (page.messages.length < INBOX_PAGE) break;
      }
    } finally {
      if (added > 0) await this.publishUnread();
    }
    return { added };
  }

  /** Who sent each message, from the directory; a sender it cannot name is left unnamed. */
  private async senders(messages: readonly MailMessage[]): Promise<Map<string, Sender>> {
    const out = new Map<string, Sender>();
    for (const from of new Set(messages.map((m) => m.from))) {
      try {
        const entry = await this.deps.directory.lookup(from);
        out.set(from, {
          kind: entry.kind,
          ...(entry.name ? { name: plainText(entry.name, CAPS.name) } : {}),
        });
      } catch {
        // Shown as "a QuickPay shop" / "your bank" (or the order's shop) instead.
      }
    }
    return out;
  }

  /**
   * One transaction: the page's messages not stored yet, and the cursor — never moved backwards, as
   * a fetch that started earlier may commit after a later one.
   */
  private async store(
    messages: readonly MailMessage[],
    cursor: string | null,
    senders: Map<string, Sender>,
  ): Promise<number> {
    const tx = this.deps.db.transaction(["inbox", "inboxState"], "readwrite");
    const inbox = tx.objectStore("inbox");
    const now = this.deps.now();
    let added = 0;
    for (const m of messages) {
      const mail = toStoredMail(m, senders.get(m.from), now);
      if (!mail || (await inbox.get(mail.id))) continue;
      await inbox.put(mail);
      added++;
    }
    // Bounded in this same transaction: what this page added counts at once (inbox-limit.ts).
    if (added > 0) await pruneInbox(inbox, now);
    const states = tx.objectStore("inboxState");
    const state = await states.get("host");
    const stored = state?.cursor;
    const newest =
      cursor !== null && (stored === undefined || BigInt(cursor) > BigInt(stored)) ? cursor : stored;
    await states.put({
      id: "host",
      ...(newest === undefined ? {} : { cursor: newest }),
      fetchedAt: now.getTime(),
    });
    await tx.done;
    return added;
  }
}
