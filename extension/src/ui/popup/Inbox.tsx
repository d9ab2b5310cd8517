/**
 * The popup's inbox, loaded: asks the Wallet to check the host's mailbox as the popup opens
 * (`inbox.refresh`), then re-reads what is stored while it stays open (`inbox.list`, no network);
 * opening a message marks it read, which lowers the toolbar badge.
 */
import { QuickPayError } from "@quickpay/protocol";
import { useCallback, useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { InboxView as InboxData } from "../../shared/messages";
import { InboxView } from "./InboxView";

/** The same pace as the rest of the popup. */
const REFRESH_MS = 1_500;

export function Inbox() {
  const [view, setView] = useState<InboxData>();
  const [checkError, setCheckError] = useState<unknown>();
  const [loadError, setLoadError] = useState<unknown>();

  const show = useCallback((next: InboxData) => {
    const { checkError: _checked, ...rest } = next;
    setView(rest);
    setLoadError(undefined);
  }, []);

  const reload = useCallback(async () => {
    try {
      show(await callWallet("inbox.list", {}));
    } catch (error) {
      setLoadError(error);
    }
  }, [show]);

  useEffect(() => {
    let stopped = false;
    void callWallet("inbox.refresh", {})
      .then((next) => {
        if (stopped) return;
        const failed = next.checkError;
        setCheckError(failed ? QuickPayError.fromJSON({ error: failed }, failed.message) : undefined);
        show(next);
      })
      .catch(() => reload());
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [reload, show]);

  // Read at once on screen; the stored state follows (and the next reload agrees).
  const markRead = async (params: { ids: string[] } | { all: true }) => {
    setView((v) =>
      v
        ? {
            ...v,
            unread: "all" in params ? 0 : Math.max(0, v.unread - params.ids.length),
            messages: v.messages.map((m) =>
              "all" in params || params.ids.includes(m.id) ? { ...m, unread: false } : m,
            ),
          }
        : v,
    );
    try {
      await callWallet("inbox.markRead", params);
    } finally {
      await reload();
    }
  };

  return (
    <InboxView
      view={view}
      checkError={checkError}
      loadError={view ? undefined : loadError}
      onRead={(ids) => void markRead({ ids }).catch(setLoadError)}
      onReadAll={() => void markRead({ all: true }).catch(setLoadError)}
    />
  );
}
