/**
 * The fault matrix's combined table from every suite's last results (e2e/.fault-matrix/
 * *.json): printed, and with FAULT_MATRIX_DOC=1 written to docs/fault-matrix.md. The document holds
 * nothing but the results (no times, no durations), so writing it again from the same results
 * changes nothing. Run: `node --import tsx scripts/fault-matrix/doc.ts`.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../processes";
import {
  type Boundary,
  boundaries,
  type CellResult,
  cellText,
  type Fault,
  faults,
  type LongFault,
  longFaults,
  readSuiteResults,
  type SuiteResult,
} from "./matrix";

export const docFile = path.join(repoRoot, "docs", "fault-matrix.md");

const suiteNames: readonly SuiteResult["suite"][] = ["node", "browser"];
const boundaryKeys = Object.keys(boundaries) as Boundary[];
const rowOrder = [...Object.keys(faults), ...Object.keys(longFaults)] as (Fault | LongFault)[];
const labelOf = (fault: Fault | LongFault) =>
  (faults as Record<string, string>)[fault] ?? longFaults[fault as LongFault];

/** Every cell of every suite, in the table's order (rows down, then boundaries across). */
function orderedCells(results: SuiteResult[]): CellResult[] {
  const rank = (c: CellResult) =>
    rowOrder.indexOf(c.fault) * boundaryKeys.length + boundaryKeys.indexOf(c.boundary);
  return results.flatMap((r) => r.cells).sort((a, b) => rank(a) - rank(b));
}

/**
 * The table with every one of the six faults' rows, whether or not its suite has run (a missing
 * cell shows "—"), and the long outages' rows where a suite ran them.
 */
export function combinedTable(results: SuiteResult[]): string {
  const cells = orderedCells(results);
  const rows = rowOrder.filter((f) => f in faults || cells.some((c) => c.fault === f));
  const find = (b: Boundary, f: string) => cells.find((c) => c.boundary === b && c.fault === f);
  return [
    `| fault \\ boundary | ${boundaryKeys.map((b) => boundaries[b]).join(" | ")} |`,
    `|---|${boundaryKeys.map(() => "---").join("|")}|`,
    ...rows.map((f) => `| ${labelOf(f)} | ${boundaryKeys.map((b) => cellText(find(b, f))).join(" | ")} |`),
  ].join("\n");
}

function suitesLine(results: SuiteResult[]): string {
  return suiteNames
    .map((name) => {
      const suite = results.find((r) => r.suite === name);
      return suite ? `${name}: ${suite.cells.length} cells` : `${name}: no results yet (its cells show —)`;
    })
    .join("; ");
}

/** docs/fault-matrix.md for these results. */
export function renderDoc(results: SuiteResult[]): string {
  const cells = orderedCells(results);
  const where = (c: CellResult) => `${labelOf(c.fault)}, ${boundaries[c.boundary]}`;
  const noted = cells.filter((c) => c.note);
  const broken = cells.filter((c) => c.outcome === undefined);
  return [
    "# The fault matrix",
    "",
    "The last run of issue 11's fault matrix. For each step boundary of a micropayment (across) and each",
    "fault (down), a test drives one purchase into the fault at that boundary, lets recovery run, settles,",
    "and judges the invariant from the four parties' own records: the broker's ledger, the vendor's store,",
    "the host's record and the Wallet's purchase (`scripts/testing/invariant.ts`).",
    "",
    "- **1**: delivered. The Wallet has the goods and the receipt, the shopper was charged once, the vendor",
    "  was paid once at settlement, and the host holds the three registrations, agreeing.",
    "- **2**: not charged. The hold was released, nothing was debited or settled, the vendor delivered",
    "  nothing, and the Wallet says why in words.",
    "- **(not struck)**: the fault was armed at the boundary but found no chance in this purchase (for",
    "  example deliver() had already run); the outcome is still judged.",
    "- **VIOLATED**: the invariant broke; what broke is listed below the table.",
    "- **—**: no result: its suite has not run yet, or (in the rows past the expiry) the cell is not run,",
    "  because there it would ask the row above's question again (deliver() has already run, say).",
    "",
    "The stopped service worker's row runs in Chromium (`e2e/journeys/fault-matrix-worker.spec.ts`); every",
    "other row runs the Wallet's engine in Node against the host, the bank and the shop as processes",
    "(`scripts/fault-matrix/matrix.test.ts`). A process fault is a `kill -9` and a restart on the same port",
    'and data once the Wallet has met the outage ("the host down" too); the outages past the expiry run',
    "against a bank whose endorsements last seconds. Boundaries reached on the Wallet's side of the wire",
    "(after Inquiry Payment, after the vendor's answer, before Register Order) are taps in its fetch; inside",
    "deliver() and after Check Commit are the shop's own fault points.",
    "",
    `Suites: ${suitesLine(results)}.`,
    "",
    "Regenerate with `FAULT_MATRIX_DOC=1 node --import tsx scripts/fault-matrix/doc.ts` after both suites",
    "ran; `npm test` prints the table and never writes this file.",
    "",
    combinedTable(results),
    "",
    ...(broken.length > 0
      ? [
          "## Violations",
          "",
          ...broken.map((c) => `- **${where(c)}**: ${(c.violations ?? []).join("; ")}`),
          "",
        ]
      : []),
    ...(noted.length > 0
      ? ["## What a cell means there", "", ...noted.map((c) => `- **${where(c)}**: ${c.note}`), ""]
      : []),
  ].join("\n");
}

function main(): void {
  const results = readSuiteResults();
  console.log(`The fault matrix (${suitesLine(results)}):\n\n${combinedTable(results)}\n`);
  if (process.argv.includes("--require-all")) {
    // After `npm test` both suites must have written this run's cells; a missing one is a broken run.
    const missing = (["node", "browser"] as const).filter((s) => !results.some((r) => r.suite === s));
    const broken = results.flatMap((r) => r.cells).filter((c) => c.outcome === undefined);
    if (missing.length > 0 || broken.length > 0) {
      console.error(
        `the fault matrix is incomplete: ${missing.length} suite(s) without results (${missing.join(", ") || "none"}), ${broken.length} cell(s) violated`,
      );
      process.exitCode = 1;
      return;
    }
  }
  if (process.env.FAULT_MATRIX_DOC !== "1") return;
  if (process.env.CI === "true") {
    // CI must leave the tree as it found it: the document is written by a person's run.
    console.error(`FAULT_MATRIX_DOC=1 ignored in CI: ${path.relative(repoRoot, docFile)} is not written`);
    return;
  }
  fs.writeFileSync(docFile, renderDoc(results));
  console.log(`wrote ${path.relative(repoRoot, docFile)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
