/** §4.2.1 Micropayment: the eight messages of the paper's table, in order. */
import { z } from "zod";
import { Endorsement, OrderKind, PayerSalt, SignedEndorsement, SignedOrder } from "../order";
import { Digest, Money, PlayerId, Timestamp, VendorId } from "../schemas";
import { Credential, PaycardId } from "./add-paycard";
import { defineMessage } from "./define";

/** 1. Wallet → Vendor: fetch the signed order the page's pay button points at. */
export const GetOrder = defineMessage({
  type: "GetOrder",
  path: "/v1/get-order",
  from: "wallet",
  to: "vendor",
  auth: "anonymous",
  summary: "Fetch the signed order for an item the vendor's page offers.",
  body: z.object({ itemId: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/) }).strict(),
  reply: SignedOrder,
});

/** 3. Wallet → Broker (through the active Paycard): hold funds, return the broker's endorsement. */
export const InquiryPayment = defineMessage({
  type: "InquiryPayment",
  path: "/v1/inquiry-payment",
  from: "wallet",
  to: "broker",
  auth: "envelope",
  summary: "Ask the broker to hold the amount and endorse exactly this order digest.",
  body: z
    .object({
      paycardId: PaycardId,
      credential: Credential,
      orderDigest: Digest,
      vendorId: VendorId,
      amount: Money,
      kind: OrderKind,
      orderExpiresAt: Timestamp,
      /** Fresh per order; the broker signs `payerTag(from, payerSalt)` into the endorsement. */
      payerSalt: PayerSalt,
    })
    .strict(),
  reply: z.object({ endorsement: SignedEndorsement }).strict(),
});

export const DeliveredContent = z
  .object({ mediaType: z.enum(["text/html", "text/plain"]), body: z.string().max(1_000_000) })
  .strict();

/** 4. Wallet → Vendor: order + endorsement; the vendor answers with the content. */
export const RequestOrderDelivery = defineMessage({
  type: "RequestOrderDelivery",
  path: "/v1/request-order-delivery",
  from: "wallet",
  to: "vendor",
  auth: "anonymous",
  summary: "Present the signed order and the broker's endorsement; receive the goods.",
  body: z.object({ order: SignedOrder, endorsement: SignedEndorsement }).strict(),
  reply: z
    .object({
      orderDigest: Digest,
      commitId: Endorsement.shape.commitId,
      content: DeliveredContent,
      deliveredAt: Timestamp,
    })
    .strict(),
});

/**
 * 5. Vendor → Broker: is this endorsement live? A yes binds the held funds to this vendor. `kind` is
 * the order's: the broker refuses (`mismatch`) a commitment it endorsed as another kind.
 */
export const CheckCommit = defineMessage({
  type: "CheckCommit",
  path: "/v1/check-commit",
  from: "vendor",
  to: "broker",
  auth: "envelope",
  summary: "The vendor confirms the endorsement is live before delivering.",
  body: z
    .object({
      commitId: Endorsement.shape.commitId,
      orderDigest: Digest,
      vendorId: VendorId,
      amount: Money,
      kind: OrderKind,
    })
    .strict(),
  reply: z.object({ commitId: Endorsement.shape.commitId, status: z.literal("live") }).strict(),
});

/** What the host stores of one side's registration. */
export const RegistrationFacts = z
  .object({ orderDigest: Digest, commitId: Endorsement.shape.commitId, vendorId: VendorId, amount: Money })
  .strict();
export type RegistrationFacts = z.infer<typeof RegistrationFacts>;

/**
 * The wallet's side also opens the endorsement's payer tag to the host: the salt it gave the broker.
 * Without it (a Wallet from before payer tags) the registration is recorded but never counts.
 */
export const OrderRegistrationFacts = RegistrationFacts.extend({ payerSalt: PayerSalt.optional() }).strict();
export type OrderRegistrationFacts = z.infer<typeof OrderRegistrationFacts>;

export const RegistrationSide = z.enum(["commit", "delivery", "order"]);
export type RegistrationSide = z.infer<typeof RegistrationSide>;

/** The host's acknowledgement: recorded durably; `flagged` when it disagrees with another side. */
export const Registered = z
  .object({ orderDigest: Digest, side: RegistrationSide, recordedAt: Timestamp, flagged: z.boolean() })
  .strict();
export type Registered = z.infer<typeof Registered>;

/** 6. Broker → Host: the broker's side (its signed endorsement). */
export const RegisterCommit = defineMessage({
  type: "RegisterCommit",
  path: "/v1/register-commit",
  from: "broker",
  to: "host",
  auth: "envelope",
  summary: "The broker registers its endorsement of an order digest.",
  body: z.object({ endorsement: SignedEndorsement }).strict(),
  reply: Registered,
});

/** 7. Vendor → Host: the vendor's side. */
export const RegisterDelivery = defineMessage({
  type: "RegisterDelivery",
  path: "/v1/register-delivery",
  from: "vendor",
  to: "host",
  auth: "envelope",
  summary: "The vendor registers that it delivered the order.",
  body: RegistrationFacts,
  reply: Registered,
});

/** 8. Wallet → Host: the wallet's side, "I received it". */
export const RegisterOrder = defineMessage({
  type: "RegisterOrder",
  path: "/v1/register-order",
  from: "wallet",
  to: "host",
  auth: "envelope",
  summary: "The wallet registers that it received the order, opening the endorsement's payer tag.",
  body: OrderRegistrationFacts,
  reply: Registered,
});

export const RegistrationRecord = RegistrationFacts.extend({
  /**
   * Who registered this side. On the wallet side it is `null` in the public view: the host never lets
   * a vendor (or anyone) link one wallet's purchases; the operator's view shows it.
   */
  from: PlayerId.nullable(),
  messageId: z.string(),
  recordedAt: Timestamp,
}).strict();
export type RegistrationRecord = z.infer<typeof RegistrationRecord>;

/** `GET /v1/orders/:digest` — the three registrations of one order digest, side by side. */
export const OrderStatus = z
  .object({
    orderDigest: Digest,
    commit: RegistrationRecord.nullable(),
    delivery: RegistrationRecord.nullable(),
    order: RegistrationRecord.nullable(),
    /** Every present registration agrees on commit id, vendor and amount. */
    agree: z.boolean(),
    flagged: z.boolean(),
  })
  .strict();
export type OrderStatus = z.infer<typeof OrderStatus>;

export const orderStatusPath = (digest: string) => `/v1/orders/${digest}`;
