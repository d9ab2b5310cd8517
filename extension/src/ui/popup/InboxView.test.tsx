import { QuickPayError } from "@quickpay/protocol";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { InboxView as InboxData, InboxMessage } from "../../shared/messages";
import { historyItem } from "../shared/test-fixtures";
import { InboxView, type InboxViewProps, MessageRow } from "./InboxView";

const message = (over: Partial<InboxMessage> = {}): InboxMessage => ({
  id: "v_1 m1",
  kind: "vendor",
  fromName: "The Daily Cent",
  title: "About your article",
  text: "Thanks for reading.",
  postedAt: "2025-03-05T14:06:00.000Z",
  unread: true,
  order: historyItem(),
  ...over,
});
const view = (messages: InboxMessage[]): InboxData => ({
  messages,
  unread: messages.filter((m) => m.unread).length,
  checkedAt: "2025-03-05T14:07:00.000Z",
});
const props = (over: Partial<InboxViewProps> = {}): InboxViewProps => ({
  view: view([message()]),
  checkError: undefined,
  loadError: undefined,
  onRead: () => {},
  onReadAll: () => {},
  locale: "en-GB",
  timeZone: "UTC",
  now: new Date("2025-03-05T15:00:00.000Z"),
  ...over,
});

describe("the popup's inbox", () => {
  it("lists messages with the unread count, who sent each and when, closed until opened", () => {
    const html = renderToStaticMarkup(
      <InboxView
        {...props({ view: view([message(), message({ id: "b_1 m2", kind: "refund", unread: false })]) })}
      />,
    );
    expect(html).toMatch(/data-testid="inbox-unread">1<span class="visually-hidden"> unread<\/span>/);
    expect(html).toContain('data-testid="inbox-read-all"');
    expect(html.match(/data-testid="inbox-message"/g)).toHaveLength(2);
    expect(html).toMatch(/data-unread="true"[^>]*>/);
    expect(html).toContain('aria-expanded="false"');
    expect(html).toContain("The Daily Cent");
    expect(html).toContain('<span class="visually-hidden">, from the shop</span>');
    expect(html).toContain(">Refund<");
    expect(html).toMatch(/<time[^>]*dateTime="2025-03-05T14:06:00.000Z"[^>]*>Today, 14:06<\/time>/);
    // Unread is said to screen readers too, not only by colour.
    expect(html).toContain('<span class="visually-hidden">Unread. </span>');
  });

  it("an opened message shows its whole text, the sender's link with where it goes, and the order it is about", () => {
    const html = renderToStaticMarkup(
      <ul>
        <MessageRow
          {...props()}
          message={message({ text: "Line one\nLine two", link: "https://news.example/letters/1" })}
          open
          onToggle={() => {}}
        />
      </ul>,
    );
    expect(html).toContain('aria-expanded="true"');
    expect(html).toContain('data-testid="inbox-text">Line one\nLine two</p>');
    expect(html).toMatch(
      /href="https:\/\/news\.example\/letters\/1" target="_blank" rel="noopener noreferrer nofollow"/,
    );
    expect(html).toContain("(news.example)");
    expect(html).toMatch(new RegExp(`data-testid="inbox-order" data-order-digest="${"d".repeat(64)}"`));
    expect(html).toContain("City council votes to plant 1,000 trees");
    expect(html).toContain("$0.01");
    expect(html).toContain('data-testid="order-status">Delivered<');
    expect(html).toMatch(
      new RegExp(`href="options\\.html#order-${"d".repeat(64)}"[^>]*data-testid="inbox-order-link"`),
    );
    // No preview line once open (the text is there in full).
    expect(html).not.toContain("inbox-preview");
  });

  it("renders a sender's markup as text", () => {
    const html = renderToStaticMarkup(
      <InboxView
        {...props({ view: view([message({ title: "<b>bold</b>", text: "<img src=x onerror=alert(1)>" })]) })}
      />,
    );
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt;");
  });

  it("says when there is nothing, and when the host could not be checked (in words, code apart)", () => {
    const empty = renderToStaticMarkup(<InboxView {...props({ view: view([]) })} />);
    expect(empty).toContain('data-testid="inbox-empty"');
    expect(empty).not.toContain('data-testid="inbox-unread"');
    expect(empty).not.toContain('data-testid="inbox-read-all"');
    const failed = renderToStaticMarkup(
      <InboxView {...props({ checkError: new QuickPayError("host_unreachable", "fetch failed") })} />,
    );
    expect(failed).toMatch(/data-testid="inbox-check-error" data-error-code="host_unreachable"/);
    expect(failed).toContain("Could not check for new messages just now");
    expect(failed).not.toContain("fetch failed");
    const broken = renderToStaticMarkup(
      <InboxView {...props({ view: undefined, loadError: new QuickPayError("internal", "boom") })} />,
    );
    expect(broken).toMatch(/data-testid="inbox-error" data-error-code="internal"/);
    expect(broken).not.toContain("boom");
  });
});
