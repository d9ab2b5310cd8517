/**
 * Settlement with the bank down (DESIGN §4.2.2 step 2): a shopper buys an article, then the bank
 * dies before the shop settles. The shop falls back to Settle With Host; the host approves by
 * majority vote (its registrations of the order agree and the bank endorsed it) and posts the
 * approval to the bank's mailbox. Back up, the bank finds it on its own mailbox poll and pays: the
 * shop is owed one cent more, the shopper is charged once, and all four parties' records agree.
 */
import { expect, test } from "../fixtures";
import { hostSettlements, ledgerSettlements, vendorPayableMicros } from "../settlement-records";
import {
  addDemoBankPaycard,
  clickPay,
  expectHostSawAllThreeSides,
  ONE_CENT_MICROS,
  settleAndJudge,
  settledBalanceMicros,
  violationsOf,
  waitForWalletRegistered,
  walletPurchase,
} from "../steps";

const item = "article-1";

/** The bank's mailbox poll runs every 30 s (broker kit `approvalPollMs`); one period and some slack. */
const MAILBOX_POLL_WAIT_MS = 45_000;

test("the bank is down at settlement: the host's majority vote approves, the bank pays when back", async ({
  context,
  wallet,
  network,
  serviceWorker,
}) => {
  test.setTimeout(150_000);
  const walletId = await waitForWalletRegistered(wallet, network);
  const account = network.accounts[0]!;
  await addDemoBankPaycard(wallet, account);
  const settledBefore = await settledBalanceMicros(network, account.accountNumber);
  const payableBefore = vendorPayableMicros(network.dataDir, network.vendorId);

  const shop = await context.newPage();
  await shop.goto(network.shopUrl);
  const confirm = await clickPay(shop, item);
  await confirm.getByTestId("approve").click();
  await expect(shop.getByTestId(`quickpay-status-${item}`)).toHaveAttribute("data-state", "delivered");
  const digest = (await shop.getByTestId(`article-body-${item}`).getAttribute("data-quickpay-delivered"))!;
  expect(digest).toMatch(/^[0-9a-f]{64}$/);

  // The host has the order from all three sides before the bank goes: the vote has its voters.
  await network.bank.flushOutbox();
  await network.shop.flushOutbox();
  await expectHostSawAllThreeSides(network, digest, walletId);
  await expect
    .poll(async () => (await walletPurchase(serviceWorker, { orderDigest: digest }))?.registered)
    .toBe(true);

  await network.bank.kill();
  const report = await network.shop.settle();
  expect(report.byHost).toEqual([digest]);
  expect(report).toMatchObject({ byBroker: [], statements: [], alreadySettled: [], unsettled: [] });

  // The host settled it by its vote and owes the bank's mailbox the approval; the bank, down, has
  // neither paid the shop nor taken the shopper's cent.
  const atHost = await hostSettlements(network, digest);
  expect(atHost).toHaveLength(1);
  expect(atHost[0]).toMatchObject({
    path: "host",
    vendorId: network.vendorId,
    brokerId: network.brokerId,
    amount: { currency: "USD", value: "0.01" },
    approval: { approval: { orderDigest: digest } },
  });
  expect(ledgerSettlements(network.dataDir, [digest])).toEqual([]);
  expect(vendorPayableMicros(network.dataDir, network.vendorId)).toBe(payableBefore);

  // Back up, the bank pays from its mailbox by itself (no test nudge): the host's approval.
  await network.bank.restart();
  await expect
    .poll(() => ledgerSettlements(network.dataDir, [digest]).map((s) => s.path), {
      timeout: MAILBOX_POLL_WAIT_MS,
      intervals: [1_000],
      message: "the bank did not pay the host's approval from its mailbox",
    })
    .toEqual(["host"]);
  expect(vendorPayableMicros(network.dataDir, network.vendorId) - payableBefore).toBe(ONE_CENT_MICROS);

  // The approval read again pays nothing twice; another settlement run has nothing to claim.
  expect((await network.bank.consumeApprovals()).paid).not.toContain(digest);
  const verdict = await settleAndJudge({
    network,
    serviceWorker,
    orderDigest: digest,
    accountNumber: account.accountNumber,
    settledBefore,
  });
  expect(violationsOf(verdict)).toEqual([]);
  expect(verdict).toMatchObject({ outcome: 1, records: { vendor: { settlement: "host" } } });
  expect(vendorPayableMicros(network.dataDir, network.vendorId) - payableBefore).toBe(ONE_CENT_MICROS);
  expect(await hostSettlements(network, digest)).toHaveLength(1);

  const popup = await wallet.open("popup");
  const row = popup.getByTestId("order-item");
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-order-digest", digest);
  await expect(row).toHaveAttribute("data-status", "delivered");
});
