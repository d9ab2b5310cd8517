/**
 * The fault matrix's Node suite (issue 11): every fault but the stopped service worker at every
 * boundary of a purchase, with the Wallet's engine in Node against the host, the bank and the shop
 * as processes, and the outages that outlast the endorsement on a second network whose holds last
 * seconds. Each cell fails when the invariant broke (or the outcome is not the one a correct system
 * gives there); at the end the suite writes its cells for doc.ts and prints the table.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Network, startNetwork } from "../network";
import { type CellPlan, longCells, regularCells } from "./cells";
import { runCell } from "./drive";
import { type CellResult, matrixTable, type SuiteResult, writeSuiteResult } from "./matrix";

/** A cell: a Wallet, one purchase, a restart or two (a tsx start takes seconds on two busy cores). */
const CELL_MS = 120_000;
const NETWORK_MS = 180_000;
/**
 * The long rows' endorsements live this long (QUICKPAY_HOLD_TTL_MS): long enough for a purchase to
 * reach Check Commit on a loaded machine, short enough that waiting out its expiry costs seconds.
 */
const SHORT_HOLD_MS = 6_000;
const ACCOUNT = "1000-0001";

const cells: CellResult[] = [];

describe("the fault matrix, Node suite", () => {
  afterAll(() => {
    const result: SuiteResult = { suite: "node", cells };
    // A run of some cells (vitest -t) must not replace the last full run's results.
    const complete = cells.length === regularCells.length + longCells.length;
    const where = complete
      ? path.relative(process.cwd(), writeSuiteResult(result))
      : `${cells.length} of ${regularCells.length + longCells.length} cells ran, so the results are not written`;
    console.log(`\nThe fault matrix (Node suite; ${where}):\n\n${matrixTable([result])}\n`);
  });

  const networks = [
    { title: "faults × boundaries", plans: regularCells, holdTtlMs: undefined },
    { title: "outages past the endorsement's expiry", plans: longCells, holdTtlMs: SHORT_HOLD_MS },
  ];

  describe.each(networks)("$title", ({ plans, holdTtlMs }) => {
    let dataDir: string;
    let network: Network;
    let failed = false;

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "quickpay-fault-matrix-"));
      // The bank reads it at each start; only this network's bank starts while it is set.
      if (holdTtlMs !== undefined) process.env.QUICKPAY_HOLD_TTL_MS = String(holdTtlMs);
      network = await startNetwork({ dataDir, faults: true });
    }, NETWORK_MS);

    afterAll(async () => {
      try {
        await network?.close();
      } finally {
        delete process.env.QUICKPAY_HOLD_TTL_MS;
      }
      // A failed cell's players' logs stay for a look (dataDir/logs).
      if (failed) console.log(`fault matrix: the players' data and logs are kept in ${dataDir}`);
      else fs.rmSync(dataDir, { recursive: true, force: true });
    }, NETWORK_MS);

    it.each(plans.map((plan): [string, CellPlan] => [plan.name, plan]))(
      "%s",
      async (_name, plan) => {
        const account = network.accounts.find((a) => a.accountNumber === ACCOUNT)!;
        let cell: CellResult;
        try {
          const run = await runCell(network, plan, { account });
          cell = run.cell;
          if (cell.violations) {
            failed = true;
            cells.push(cell);
            expect.fail(
              `the invariant broke:\n- ${cell.violations.join("\n- ")}\nrecords: ${JSON.stringify(run.verdict.records, null, 2)}`,
            );
          }
        } catch (error) {
          failed = true;
          if (!cells.some((c) => c.boundary === plan.boundary && c.fault === plan.fault)) {
            // The table shows a cell that could not finish as broken, not as missing.
            cells.push({
              boundary: plan.boundary,
              fault: plan.fault,
              struck: false,
              violations: [
                `the cell did not finish: ${error instanceof Error ? error.message : String(error)}`,
              ],
              ...(plan.note ? { note: plan.note } : {}),
            });
          }
          throw error;
        }
        cells.push(cell);
        if (cell.outcome !== plan.expected) failed = true;
        expect(
          cell.outcome,
          `the invariant held, but a correct system gives outcome ${plan.expected} here`,
        ).toBe(plan.expected);
      },
      CELL_MS,
    );
  });
});
