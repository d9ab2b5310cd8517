/**
 * The popup's Allowances: for each shop allowed to take small payments without asking, what is left
 * this period. Hidden when there are none. Refreshes while the popup is open (a payment elsewhere).
 */
import { useEffect, useState } from "react";
import { callWallet } from "../../shared/client";
import type { AllowanceView } from "../../shared/messages";
import { AllowancesLeftView } from "./AllowancesLeftView";

const REFRESH_MS = 2_000;

export function AllowancesLeft() {
  const [allowances, setAllowances] = useState<AllowanceView[]>([]);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      callWallet("allowances.list", {}).then(
        (r) => !stopped && setAllowances(r.allowances),
        () => undefined, // the worker restarting: the next refresh shows them
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return <AllowancesLeftView allowances={allowances} />;
}
