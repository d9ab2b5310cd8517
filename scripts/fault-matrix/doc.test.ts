/**
 * docs/fault-matrix.md from the suites' results: every fault's row even when its suite has not run,
 * the notes and violations under the table, and the same text for the same results whatever their order.
 */
import { describe, expect, it } from "vitest";
import { combinedTable, renderDoc } from "./doc";
import type { SuiteResult } from "./matrix";

const node: SuiteResult = {
  suite: "node",
  cells: [
    { boundary: "after_check_commit", fault: "deliver_throws", outcome: 1, struck: false, note: "no chance" },
    { boundary: "after_get_order", fault: "vendor_killed", outcome: 1, struck: true },
    {
      boundary: "inside_deliver",
      fault: "broker_killed",
      struck: true,
      violations: ["the broker debited 2 time(s)"],
    },
    { boundary: "after_inquiry_payment", fault: "vendor_down_past_expiry", outcome: 2, struck: true },
  ],
};

describe("the fault matrix document", () => {
  it("shows the browser suite's row as — until it has run, and only the long rows that ran", () => {
    const lines = combinedTable([node]).split("\n");
    expect(lines[0]).toContain("after Get Order");
    expect(lines.find((l) => l.startsWith("| the Wallet's service worker stopped |"))).toBe(
      "| the Wallet's service worker stopped | — | — | — | — | — | — |",
    );
    expect(lines.find((l) => l.startsWith("| the vendor kill -9'd"))).toContain("| 1 | — |");
    expect(lines.find((l) => l.startsWith("| deliver() throwing once"))).toContain("1 (not struck)");
    expect(lines.find((l) => l.startsWith("| the broker kill -9'd"))).toContain("VIOLATED");
    expect(lines.some((l) => l.startsWith("| the vendor down until"))).toBe(true);
    expect(lines.some((l) => l.startsWith("| deliver() failing until"))).toBe(false);
  });

  it("lists notes and violations by cell, and is the same text for the same results", () => {
    const doc = renderDoc([node]);
    expect(doc).toContain("- **deliver() throwing once, after Check Commit**: no chance");
    expect(doc).toContain(
      "- **the broker kill -9'd and restarted, inside deliver()**: the broker debited 2 time(s)",
    );
    expect(doc).toContain("browser: no results yet");
    const shuffled: SuiteResult = { ...node, cells: [...node.cells].reverse() };
    expect(renderDoc([shuffled])).toBe(doc);
    expect(doc).not.toMatch(/\d{4}-\d{2}-\d{2}|\d+ ?ms\b/);
  });
});
