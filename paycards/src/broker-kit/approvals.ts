/**
 * Settle With Host, the broker's side (§4.2.2 step 2): the host posts each approval it signs to the
 * broker's mailbox; the broker fetches them by a persisted cursor, checks the host's signature with
 * the key from `GET /v1/host`, and pays each commitment ONLY if it is not settled yet and its hold
 * has not lapsed — so whichever path settled an order first wins, the shopper is charged once and
 * the vendor credited once. Mail is a hint (DESIGN §4.3):
 * a message lost before this runs is fetched again next time, and a repeat is harmless.
 */
import {
  DirectoryEntry,
  directoryPaths,
  endpointUrl,
  getJson,
  mailBodies,
  sendMessage,
  signEnvelope,
  verifyObject,
} from "@quickpay/protocol";
import type { Broker } from "./context";

export interface ConsumedApprovals {
  /** Order digests paid now because of a host approval. */
  paid: string[];
  /** Approved by the host but already settled (usually by the broker's own statement): not paid again. */
  alreadySettled: string[];
  /**
   * Approved by the host after the hold lapsed (never claimed by its expiry, or claimed but not
   * settled within `settleWithinMs`): the shopper's money went back, so nothing is paid.
   */
  expired: string[];
  /** Approvals that failed the host signature or did not match the commitment: never paid. */
  invalid: number;
}

const PAGE = 100;

/** Fetches the broker's mailbox from its cursor to the end and pays what the host approved. */
export async function consumeHostApprovals(broker: Broker): Promise<ConsumedApprovals> {
  const out: ConsumedApprovals = { paid: [], alreadySettled: [], expired: [], invalid: 0 };
  const options = broker.fetch ? { fetch: broker.fetch } : {};
  const host = await getJson(endpointUrl(broker.hostUrl, directoryPaths.host()), DirectoryEntry, options);
  const signer = { playerId: broker.brokerId, privateKey: broker.key.privateKey };
  const { settlements } = broker.ledger;
  for (;;) {
    const cursor = settlements.mailCursor();
    const envelope = await signEnvelope(
      signer,
      "FetchMessages" as const,
      { ...(cursor ? { cursor } : {}), limit: PAGE },
      { at: broker.now() },
    );
    const page = await sendMessage(broker.hostUrl, "FetchMessages", envelope, options);
    for (const message of page.messages) {
      const parsed =
        message.kind === "SettlementApproval"
          ? mailBodies.SettlementApproval.safeParse(message.body)
          : undefined;
      if (!parsed) {
        settlements.setMailCursor(message.cursor);
        continue;
      }
      const approval = parsed.success ? parsed.data.approval : undefined;
      const genuine =
        parsed.success &&
        approval!.hostId === host.id &&
        approval!.brokerId === broker.brokerId &&
        (await verifyObject(host.publicKey, parsed.data.approval, parsed.data.sig));
      if (!genuine) {
        out.invalid++;
        settlements.setMailCursor(message.cursor);
        continue;
      }
      const outcome = settlements.payHostApproval(approval!, message.cursor, broker.now().getTime());
      if (outcome === "paid") out.paid.push(approval!.orderDigest);
      else if (outcome === "already_settled") out.alreadySettled.push(approval!.orderDigest);
      else if (outcome === "expired") out.expired.push(approval!.orderDigest);
      else out.invalid++;
    }
    if (page.messages.length < PAGE) return out;
  }
}
