/**
 * Batch settlement (DESIGN §4.2.2 step 1): a shopper buys three one-cent articles; the bank only
 * holds the cents until the shop settles. One Settle With Broker then gets ONE signed statement for
 * all three: the bank captures the three cents from the shopper and owes the shop three cents more,
 * the host records the three orders settled by that statement, and the Wallet shows them delivered.
 */
import { assertSettlementStatement, parseMoney, settlementRoot } from "@quickpay/protocol";
import { expect, test } from "../fixtures";
import {
  hostSettlements,
  ledgerSettlements,
  ledgerStatements,
  vendorPayableMicros,
} from "../settlement-records";
import {
  addDemoBankPaycard,
  clickPay,
  ONE_CENT_MICROS,
  settledBalanceMicros,
  waitForWalletRegistered,
} from "../steps";

const items = ["article-1", "article-2", "article-3"];

test("three articles bought, one broker statement settles them all", async ({ context, wallet, network }) => {
  await waitForWalletRegistered(wallet, network);
  const account = network.accounts[0]!;
  await addDemoBankPaycard(wallet, account);
  // Whatever earlier journeys left delivered is settled first, so the next run settles only ours.
  const settledBefore = await settledBalanceMicros(network, account.accountNumber);
  const payableBefore = vendorPayableMicros(network.dataDir, network.vendorId);
  const since = Date.now();
  const balanceNow = async () => {
    const live = (await network.bank.accounts()).find((a) => a.accountNumber === account.accountNumber)!;
    return parseMoney(live.balance).micros;
  };

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const digests: string[] = [];
  for (const item of items) {
    const confirm = await clickPay(shop, item);
    await expect(confirm.getByTestId("confirm-amount")).toContainText("$0.01");
    await confirm.getByTestId("approve").click();
    await expect(shop.getByTestId(`quickpay-status-${item}`)).toHaveAttribute("data-state", "delivered");
    const digest = await shop.getByTestId(`article-body-${item}`).getAttribute("data-quickpay-delivered");
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    digests.push(digest!);
  }
  expect(new Set(digests).size).toBe(3);

  // Delivered, registered at the host, not settled: the bank holds the cents but has taken none yet.
  await network.bank.flushOutbox();
  await network.shop.flushOutbox();
  expect(await balanceNow()).toBe(settledBefore);
  expect(vendorPayableMicros(network.dataDir, network.vendorId)).toBe(payableBefore);
  expect(ledgerSettlements(network.dataDir, digests)).toEqual([]);

  const report = await network.shop.settle();
  expect([...report.byBroker].sort()).toEqual([...digests].sort());
  expect(report).toMatchObject({ byHost: [], alreadySettled: [], revoked: [], lapsed: [], unsettled: [] });

  // ONE statement covers all three — in the shop's report and in the bank's own records — signed
  // once by the bank over the root of exactly these digests, for three cents.
  const covering = report.statements.filter((s) => s.statement.accepted.some((d) => digests.includes(d)));
  expect(covering).toHaveLength(1);
  const signed = covering[0]!;
  const statement = signed.statement;
  expect([...statement.accepted].sort()).toEqual([...digests].sort());
  expect(statement).toMatchObject({
    brokerId: network.brokerId,
    vendorId: network.vendorId,
    total: { currency: "USD", value: "0.03" },
    rejected: [],
  });
  expect(statement.acceptedRoot).toBe(settlementRoot(statement.accepted));
  const bankKey = (await network.bank.status()).facts.publicKey;
  await assertSettlementStatement(signed, bankKey);

  const inLedger = ledgerStatements(network.dataDir, network.vendorId, since).filter((s) =>
    s.statement.accepted.some((d) => digests.includes(d)),
  );
  expect(inLedger).toEqual([signed]);
  const rows = ledgerSettlements(network.dataDir, digests);
  expect(rows).toHaveLength(3);
  for (const row of rows) {
    expect(row).toMatchObject({ path: "broker", ref: statement.statementId, amountMicros: ONE_CENT_MICROS });
  }

  // The money moved at settlement, once: the shop is owed three cents more, the shopper paid three.
  expect(vendorPayableMicros(network.dataDir, network.vendorId) - payableBefore).toBe(3 * ONE_CENT_MICROS);
  expect(settledBefore - (await balanceNow())).toBe(3 * ONE_CENT_MICROS);

  // The bank tells the host (Register Settlement); the operator's view shows each order settled once,
  // by the broker, under that statement.
  await network.bank.flushOutbox();
  for (const digest of digests) {
    await expect
      .poll(async () => (await hostSettlements(network, digest)).length, {
        message: `the host never recorded ${digest} settled`,
      })
      .toBe(1);
    const [settled] = await hostSettlements(network, digest);
    expect(settled).toMatchObject({
      path: "broker",
      vendorId: network.vendorId,
      brokerId: network.brokerId,
      amount: { currency: "USD", value: "0.01" },
      approval: { statementId: statement.statementId },
    });
  }

  // A second run has nothing of ours left to settle.
  const again = await network.shop.settle();
  expect(
    [...again.byBroker, ...again.byHost, ...again.alreadySettled].filter((d) => digests.includes(d)),
  ).toEqual([]);
  expect(vendorPayableMicros(network.dataDir, network.vendorId) - payableBefore).toBe(3 * ONE_CENT_MICROS);

  // The shopper's history: the three purchases, delivered.
  const popup = await wallet.open("popup");
  const rowsInHistory = popup.getByTestId("order-item");
  await expect(rowsInHistory).toHaveCount(3);
  for (const digest of digests) {
    const row = popup.locator(`[data-testid="order-item"][data-order-digest="${digest}"]`);
    await expect(row).toHaveAttribute("data-status", "delivered");
    await expect(row.getByTestId("order-status")).toHaveText("Delivered");
    await expect(row).toContainText("$0.01");
  }
});
