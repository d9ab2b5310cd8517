/**
 * The fault matrix's vocabulary (issue 11): the step boundaries of a micropayment, the faults, and
 * the result each suite records for a cell. The Node suite (scripts/fault-matrix/*.test.ts) runs the
 * cells that need no service worker against the player processes with the Wallet's engine in Node;
 * the browser suite (e2e/journeys/fault-matrix-worker.spec.ts) runs the "service worker stopped" row
 * in real Chromium. Both write their cells to `e2e/.fault-matrix/<suite>.json` (not under
 * e2e/test-results, which Playwright empties when it starts), and `scripts/fault-matrix/doc.ts`
 * prints the combined table (and writes docs/fault-matrix.md).
 */
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../processes";

/**
 * The step boundaries, in the order a purchase passes them. The vendor produces the goods before it
 * claims the money (docs/decisions.md), so `inside deliver()` comes before `after Check Commit`.
 */
export const boundaries = {
  after_get_order: "after Get Order",
  after_inquiry_payment: "after Inquiry Payment",
  inside_deliver: "inside deliver()",
  after_check_commit: "after Check Commit",
  after_answer_sent: "after the vendor's answer is sent",
  before_register_order: "before Register Order",
} as const;
export type Boundary = keyof typeof boundaries;

export const faults = {
  worker_stopped: "the Wallet's service worker stopped",
  vendor_killed: "the vendor kill -9'd and restarted",
  broker_killed: "the broker kill -9'd and restarted",
  host_down: "the host down",
  deliver_throws: "deliver() throwing once",
  answer_lost: "the vendor's answer lost",
} as const;
export type Fault = keyof typeof faults;

/** Rows beyond the 6 × 6: outages that outlast the endorsement, where the right outcome is 2. */
export const longFaults = {
  vendor_down_past_expiry: "the vendor down until the endorsement expired",
  deliver_fails_past_expiry: "deliver() failing until the endorsement expired",
} as const;
export type LongFault = keyof typeof longFaults;

export interface CellResult {
  boundary: Boundary;
  fault: Fault | LongFault;
  /** 1 delivered (charged once), 2 not charged; absent when the invariant broke. */
  outcome?: 1 | 2;
  /** Whether the fault actually struck this purchase (an armed fault may find no later chance). */
  struck: boolean;
  /** What the fault meant at this boundary, when that needs saying. */
  note?: string;
  /** How the invariant broke, in words (empty when it held). */
  violations?: string[];
}

export interface SuiteResult {
  suite: "node" | "browser";
  cells: CellResult[];
}

export const resultsDir = path.join(repoRoot, "e2e", ".fault-matrix");

export function writeSuiteResult(result: SuiteResult): string {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.suite}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function readSuiteResults(): SuiteResult[] {
  if (!fs.existsSync(resultsDir)) return [];
  return fs
    .readdirSync(resultsDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(resultsDir, f), "utf8")) as SuiteResult);
}

/** One cell as the table shows it: "1", "2", "1 (not struck)", or "VIOLATED". */
export function cellText(cell: CellResult | undefined): string {
  if (!cell) return "—";
  if (cell.outcome === undefined) return "VIOLATED";
  return cell.struck ? String(cell.outcome) : `${cell.outcome} (not struck)`;
}

/** The combined table in Markdown: boundaries across, faults down. */
export function matrixTable(results: SuiteResult[]): string {
  const cells = results.flatMap((r) => r.cells);
  const find = (b: Boundary, f: string) => cells.find((c) => c.boundary === b && c.fault === f);
  const head = `| fault \\ boundary | ${Object.values(boundaries).join(" | ")} |`;
  const rule = `|---|${Object.keys(boundaries)
    .map(() => "---")
    .join("|")}|`;
  const rows = [...Object.entries(faults), ...Object.entries(longFaults)]
    .filter(([f]) => cells.some((c) => c.fault === f))
    .map(
      ([f, label]) =>
        `| ${label} | ${(Object.keys(boundaries) as Boundary[]).map((b) => cellText(find(b, f))).join(" | ")} |`,
    );
  return [head, rule, ...rows].join("\n");
}
