/**
 * The options page's History: every purchase attempt, newest first, a page at a time through
 * `history.page` ("Show older" follows the cursor; there is no cap). The first page is fetched again
 * when the page regains focus, so a purchase still waiting for its shop updates in place.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { callWallet } from "../../shared/client";
import { HISTORY_PAGE_SIZE, type HistoryItem, type HistoryPage } from "../../shared/messages";
import { appendOlder, HistoryList, mergeHistory } from "../shared/History";
import { ErrorMessage } from "../shared/mount";

type LoadPage = (before: string | undefined) => Promise<HistoryPage>;

const loadFromWallet: LoadPage = (before) =>
  callWallet("history.page", { limit: HISTORY_PAGE_SIZE, ...(before ? { before } : {}) });

export function HistorySection({ loadPage = loadFromWallet }: { loadPage?: LoadPage }) {
  const [items, setItems] = useState<HistoryItem[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loadingOlder, setLoadingOlder] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const scrolled = useRef(false);

  const firstLoaded = useRef(false);

  const loadFirst = useCallback(async () => {
    try {
      const page = await loadPage(undefined);
      if (firstLoaded.current) {
        // A refresh: update rows in place; the cursor of older pages already shown stays.
        setItems((loaded) => mergeHistory(loaded ?? [], page.items));
      } else {
        firstLoaded.current = true;
        setItems(page.items);
        setNext(page.next);
      }
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, [loadPage]);

  const loadOlder = async () => {
    if (!next) return;
    setLoadingOlder(true);
    try {
      const page = await loadPage(next);
      setItems((loaded) => appendOlder(loaded ?? [], page.items));
      setNext(page.next);
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingOlder(false);
    }
  };

  useEffect(() => {
    void loadFirst();
    const refresh = () => {
      if (document.visibilityState === "visible") void loadFirst();
    };
    document.addEventListener("visibilitychange", refresh);
    window.addEventListener("focus", refresh);
    return () => {
      document.removeEventListener("visibilitychange", refresh);
      window.removeEventListener("focus", refresh);
    };
  }, [loadFirst]);

  // The popup's "See all" opens options.html#history, an inbox message options.html#order-<digest>
  // (that row marked); the rows arrive after the browser tried to scroll.
  const pointedAt = /^#order-([0-9a-f]{64})$/.exec(location.hash)?.[1];
  useEffect(() => {
    if (scrolled.current || items === undefined) return;
    const row = pointedAt ? document.getElementById(`order-${pointedAt}`) : null;
    if (row) {
      scrolled.current = true;
      row.scrollIntoView({ block: "center" });
      row.focus({ preventScroll: true });
    } else if (location.hash === "#history" || pointedAt) {
      scrolled.current = true;
      heading.current?.scrollIntoView({ block: "start" });
      heading.current?.focus({ preventScroll: true });
    }
  }, [items, pointedAt]);

  return (
    <section id="history" className="panel" aria-labelledby="history-heading" aria-busy={items === undefined}>
      <div className="section-head">
        <h2 id="history-heading" ref={heading} tabIndex={-1}>
          History
        </h2>
        {items && items.length > 0 ? <span className="muted">Newest first</span> : null}
      </div>
      <p className="section-lede">
        Every payment you started, including the ones you declined or that did not go through.
      </p>
      {error ? (
        <ErrorMessage error={error} testid="history-error">
          <button
            type="button"
            className="button button--small"
            onClick={() => void (items ? loadOlder() : loadFirst())}
          >
            Try again
          </button>
        </ErrorMessage>
      ) : null}
      {items === undefined ? (
        error ? null : (
          <p className="muted">Loading your history…</p>
        )
      ) : items.length === 0 ? (
        <div className="empty" data-testid="history-empty">
          <p className="empty-title">No purchases yet</p>
          <p className="empty-text">
            When you pay at a QuickPay shop, every attempt shows up here with its date and time.
          </p>
        </div>
      ) : (
        <HistoryList items={items} detailed label="All purchases" current={pointedAt} />
      )}
      {next ? (
        <div className="load-more">
          <button
            type="button"
            className="button"
            data-testid="history-older"
            disabled={loadingOlder}
            aria-busy={loadingOlder}
            onClick={() => void loadOlder()}
          >
            {loadingOlder ? "Loading…" : "Show older"}
          </button>
        </div>
      ) : items && items.length > 0 ? (
        <p className="muted end-of-list" data-testid="history-end">
          That is everything.
        </p>
      ) : null}
    </section>
  );
}
