/**
 * The popup's inbox, from what it loaded (Inbox.tsx does the loading; tests render this alone):
 * refund notices, shops' replies and banks' notices, newest first, each opening in place (which marks
 * it read) and naming the order it is about. Every text is the sender's and is rendered as text,
 * never as markup. Arrow keys move between messages; Home and End go to the first and the last.
 */
import { type KeyboardEvent, useId, useState } from "react";
import type { InboxView as InboxData, InboxMessage } from "../../shared/messages";
import { formatAmount, formatDateTime, formatWhen } from "../shared/format";
import { StatusPill } from "../shared/History";
import { ErrorMessage, errorCode } from "../shared/mount";
import "./inbox.css";

export interface InboxViewProps {
  /** undefined while loading. */
  view: InboxData | undefined;
  /** The check for new messages failed (words for it; what is stored still shows). */
  checkError: unknown;
  loadError: unknown;
  onRead: (ids: string[]) => void;
  onReadAll: () => void;
  locale?: string;
  timeZone?: string;
  now?: Date;
}

const kindWords: Record<InboxMessage["kind"], string> = {
  refund: "Refund",
  vendor: "From the shop",
  broker: "From your bank",
  other: "Message",
};

export function InboxView(props: InboxViewProps) {
  const { view } = props;
  const unread = view?.unread ?? 0;
  return (
    <section className="section inbox" aria-labelledby="inbox-heading" data-testid="inbox">
      <div className="section-head">
        <h2 id="inbox-heading">
          Inbox
          {unread > 0 ? (
            <span className="inbox-count" data-testid="inbox-unread">
              {unread}
              <span className="visually-hidden"> unread</span>
            </span>
          ) : null}
        </h2>
        {unread > 0 ? (
          <button
            type="button"
            className="button--link"
            data-testid="inbox-read-all"
            onClick={props.onReadAll}
          >
            Mark all as read
          </button>
        ) : null}
      </div>
      {props.loadError ? <ErrorMessage error={props.loadError} testid="inbox-error" /> : null}
      {props.checkError && view ? (
        <p
          className="inbox-check"
          data-testid="inbox-check-error"
          data-error-code={errorCode(props.checkError)}
          role="status"
        >
          Could not check for new messages just now; the Wallet will try again.
        </p>
      ) : null}
      {view === undefined ? (
        props.loadError ? null : (
          <p className="muted" aria-busy="true">
            Loading…
          </p>
        )
      ) : view.messages.length === 0 ? (
        <p className="empty-text" data-testid="inbox-empty">
          No messages. Refunds and replies from shops show up here.
        </p>
      ) : (
        <MessageList {...props} messages={view.messages} />
      )}
    </section>
  );
}

function MessageList(props: InboxViewProps & { messages: InboxMessage[] }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (m: InboxMessage) => {
    const opening = !open.has(m.id);
    setOpen((was) => {
      const next = new Set(was);
      if (opening) next.add(m.id);
      else next.delete(m.id);
      return next;
    });
    if (opening && m.unread) props.onRead([m.id]);
  };
  // Roving between the messages' buttons: a long inbox need not be tabbed through.
  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>("button.inbox-toggle")];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const to =
      event.key === "ArrowDown"
        ? Math.min(at + 1, buttons.length - 1)
        : event.key === "ArrowUp"
          ? Math.max(at - 1, 0)
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? buttons.length - 1
              : undefined;
    if (to === undefined) return;
    event.preventDefault();
    buttons[to]?.focus();
  };
  return (
    <ul className="inbox-list" aria-label="Messages" onKeyDown={onKeyDown}>
      {props.messages.map((m) => (
        <MessageRow key={m.id} {...props} message={m} open={open.has(m.id)} onToggle={() => toggle(m)} />
      ))}
    </ul>
  );
}

/** One message; exported for tests (the list keeps which are open). */
export function MessageRow({
  message: m,
  open,
  onToggle,
  locale,
  timeZone,
  now,
}: InboxViewProps & { message: InboxMessage; open: boolean; onToggle: () => void }) {
  const bodyId = useId();
  return (
    <li
      className={m.unread ? "inbox-item is-unread" : "inbox-item"}
      data-testid="inbox-message"
      data-message-id={m.id}
      data-kind={m.kind}
      data-unread={m.unread ? "true" : "false"}
    >
      <button
        type="button"
        className="inbox-toggle"
        aria-expanded={open}
        aria-controls={bodyId}
        data-testid="inbox-open"
        onClick={onToggle}
      >
        <span className="inbox-line">
          <span className="inbox-dot" aria-hidden="true" />
          {m.unread ? <span className="visually-hidden">Unread. </span> : null}
          <span className="inbox-from" data-testid="inbox-from">
            {m.fromName}
          </span>
          {/* A refund is worth a pill; for a shop or a bank the name says who, the words are for screen readers. */}
          {m.kind === "refund" ? (
            <span className="inbox-kind inbox-kind--refund">{kindWords.refund}</span>
          ) : (
            <span className="visually-hidden">, {kindWords[m.kind].toLowerCase()}</span>
          )}
          <time
            className="inbox-time"
            dateTime={m.postedAt}
            title={formatDateTime(m.postedAt, locale, timeZone)}
          >
            {formatWhen(m.postedAt, locale, timeZone, now)}
          </time>
        </span>
        <span className="inbox-title" data-testid="inbox-title">
          {m.title}
        </span>
        {open ? null : (
          <span className="inbox-preview" aria-hidden="true">
            {m.text}
          </span>
        )}
      </button>
      <div id={bodyId} className="inbox-body" hidden={!open}>
        {open ? (
          <>
            <p className="inbox-text" data-testid="inbox-text">
              {m.text}
            </p>
            {m.link ? <SenderLink href={m.link} /> : null}
            {m.order ? (
              <div className="inbox-order" data-testid="inbox-order" data-order-digest={m.order.orderDigest}>
                <p className="inbox-order-label">About your order</p>
                <div className="inbox-order-main">
                  <span className="inbox-order-title">{m.order.description}</span>
                  <span className="inbox-order-amount">{formatAmount(m.order.amount, locale)}</span>
                </div>
                <div className="inbox-order-meta">
                  {/* From the shop itself, its name is already on the message. */}
                  {m.kind === "vendor" ? null : (
                    <>
                      <span className="inbox-order-shop">{m.order.vendorName}</span>
                      <span aria-hidden="true"> · </span>
                    </>
                  )}
                  <time dateTime={m.order.createdAt}>
                    {formatWhen(m.order.createdAt, locale, timeZone, now)}
                  </time>
                  <StatusPill status={m.order.status} />
                </div>
                <a
                  className="link inbox-order-link"
                  href={`options.html#order-${m.order.orderDigest}`}
                  target="_blank"
                  rel="noopener"
                  data-testid="inbox-order-link"
                >
                  See it in your history
                </a>
              </div>
            ) : null}
          </>
        ) : null}
      </div>
    </li>
  );
}

/** A sender's link, with where it goes written out (it is theirs, not the Wallet's). */
function SenderLink({ href }: { href: string }) {
  const host = new URL(href).host;
  return (
    <p className="inbox-link">
      <a href={href} target="_blank" rel="noopener noreferrer nofollow" data-testid="inbox-link">
        Open the sender’s link
      </a>{" "}
      <span className="muted">({host})</span>
    </p>
  );
}
