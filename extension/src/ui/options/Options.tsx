/** The options page: the wallet's Paycards (switch the active one) and adding a bundled Paycard. */
import { useCallback, useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { ModuleView, PaycardView, WalletStatus } from "../../shared/messages";
import { errorText } from "../shared/mount";
import { AddPaycard } from "./AddPaycard";

export function Options() {
  const [cards, setCards] = useState<PaycardView[]>([]);
  const [modules, setModules] = useState<ModuleView[]>([]);
  const [status, setStatus] = useState<WalletStatus>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      const [list, s] = await Promise.all([callWallet("paycards.list", {}), callWallet("wallet.status", {})]);
      setCards(list.paycards);
      setModules(list.modules);
      setStatus(s);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const activate = async (paycardId: string) => {
    try {
      await callWallet("paycards.setActive", { paycardId });
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <main className="options">
      <h1>QuickPay Wallet</h1>
      <p className="muted">
        Wallet{" "}
        <code data-testid="wallet-id" data-registered={status?.registered ? "true" : "false"}>
          {status?.registered ? status.walletId : "registering…"}
        </code>{" "}
        · host {status?.hostUrl}
      </p>
      <h2>Your Paycards</h2>
      {cards.length === 0 ? <p className="muted">No Paycards yet.</p> : null}
      <ul className="paycards">
        {cards.map((c) => (
          <li
            key={c.paycardId}
            data-testid="paycard-item"
            data-paycard-id={c.paycardId}
            data-active={c.active ? "true" : "false"}
            style={{ borderColor: c.color }}
          >
            <strong>{c.name}</strong> · {c.accountLabel}{" "}
            {c.active ? (
              <span data-testid="paycard-active">active</span>
            ) : (
              <button type="button" data-testid="paycard-activate" onClick={() => void activate(c.paycardId)}>
                Make active
              </button>
            )}
          </li>
        ))}
      </ul>
      {error ? (
        <p className="error" data-testid="options-error">
          {error}
        </p>
      ) : null}
      <h2>Add a Paycard</h2>
      {modules.map((m) => (
        <AddPaycard key={m.moduleId} module={m} onAdded={() => void load()} />
      ))}
    </main>
  );
}
