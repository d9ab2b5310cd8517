/**
 * What the Wallet checks before it trusts a vendor's order, a broker's endorsement or a Paycard
 * module: pure functions over the signed objects and the directory entries, so they are tested with
 * real signatures and no browser.
 */
import type { PaycardModule } from "@quickpay/paycards";
import {
  assertCertificateSignature,
  assertEndorsementSignature,
  assertOrderSignature,
  type DirectoryEntry,
  QuickPayError,
  type SignedEndorsement,
  type SignedOrder,
  sameMoney,
} from "@quickpay/protocol";

/** Get Order's answer: signed by the vendor the page's origin belongs to, its own, live, micro. */
export async function verifyOrder(signed: SignedOrder, vendor: DirectoryEntry, now: Date): Promise<void> {
  if (signed.order.vendorId !== vendor.id) {
    throw new QuickPayError(
      "mismatch",
      `order names vendor ${signed.order.vendorId} but the page belongs to ${vendor.id}`,
    );
  }
  await assertOrderSignature(signed, vendor.publicKey);
  if (Date.parse(signed.order.expiresAt) <= now.getTime()) {
    throw new QuickPayError(
      "order_expired",
      `order ${signed.order.orderId} expired at ${signed.order.expiresAt}`,
    );
  }
  if (signed.order.kind !== "micro") {
    throw new QuickPayError(
      "invalid_request",
      "this Wallet pays micro orders only; regular payments come later",
    );
  }
}

export interface EndorsementExpectation {
  orderDigest: string;
  vendorId: string;
  amount: { currency: string; value: string };
  brokerId: string;
  /** The order's kind: the vendor refuses an endorsement of another kind, or of none. */
  kind?: "micro" | "regular";
  /**
   * `payerTag(walletId, payerSalt)` for this wallet and purchase. An endorsement without a tag is
   * accepted (its order side is recorded by the host but not counted); one with another tag is not.
   */
  payerTag?: string;
}

/**
 * Inquiry Payment's answer: the active Paycard's broker signed exactly this digest, vendor, amount
 * and kind, tagged (if at all) for this wallet and purchase.
 */
export async function verifyEndorsement(
  signed: SignedEndorsement,
  expected: EndorsementExpectation,
  broker: DirectoryEntry,
  now: Date,
): Promise<void> {
  const e = signed.endorsement;
  const wrong =
    e.orderDigest !== expected.orderDigest
      ? "order digest"
      : e.vendorId !== expected.vendorId
        ? "vendor"
        : !sameMoney(e.amount, expected.amount)
          ? "amount"
          : e.brokerId !== expected.brokerId || broker.id !== e.brokerId
            ? "broker"
            : expected.kind !== undefined && e.kind !== expected.kind
              ? "kind"
              : expected.payerTag !== undefined &&
                  e.payerTag !== undefined &&
                  e.payerTag !== expected.payerTag
                ? "payer tag"
                : undefined;
  if (wrong)
    throw new QuickPayError("mismatch", `the broker's endorsement has a different ${wrong} than the order`);
  await assertEndorsementSignature(signed, broker.publicKey);
  if (Date.parse(e.expiresAt) <= now.getTime()) {
    throw new QuickPayError("order_expired", `endorsement ${e.commitId} expired at ${e.expiresAt}`);
  }
}

/**
 * Add Paycard step 1 (DESIGN §4.1): the certificate names this module and version, its code hash is
 * the one computed from the bundled source at build time, and the broker's key in the host directory
 * signed it. Returns nothing; throws `mismatch` or `bad_signature`.
 */
export async function verifyModuleCertificate(
  module: Pick<PaycardModule, "description" | "certificate">,
  buildCodeHash: string | undefined,
  broker: DirectoryEntry,
): Promise<void> {
  const cert = module.certificate.certificate;
  const d = module.description;
  if (cert.moduleId !== d.moduleId || cert.version !== d.version || cert.brokerId !== d.brokerId) {
    throw new QuickPayError(
      "mismatch",
      `certificate is for ${cert.moduleId}@${cert.version} of ${cert.brokerId}, module is ${d.moduleId}@${d.version} of ${d.brokerId}`,
    );
  }
  if (!buildCodeHash || buildCodeHash !== cert.codeHash) {
    throw new QuickPayError(
      "mismatch",
      `Paycard module ${d.moduleId}: code hash ${buildCodeHash ?? "(none computed)"} differs from the certificate's ${cert.codeHash}`,
    );
  }
  if (broker.id !== cert.brokerId || broker.kind !== "broker") {
    throw new QuickPayError("mismatch", `directory entry ${broker.id} is not broker ${cert.brokerId}`);
  }
  await assertCertificateSignature(module.certificate, broker.publicKey);
}
