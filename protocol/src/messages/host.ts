/**
 * The System Host's other protocols: batched registrations (§4.2.1, "one signature against a
 * thousand orders"), Settle With Host (§4.2.2), Register Revoke (§4.2.4), the mailbox (§4.3) and
 * the operator's suspend.
 */
import { z } from "zod";
import { Endorsement, SignedEndorsement } from "../order";
import {
  BrokerId,
  Digest,
  HttpUrl,
  Money,
  PlayerId,
  ShortText,
  Signature,
  Timestamp,
  VendorId,
} from "../schemas";
import { defineMessage } from "./define";
import { OrderRegistrationFacts, Registered, RegistrationFacts } from "./micropayment";

/** Most registrations one batch may carry. */
export const MAX_BATCH = 1000;

export const RegisteredBatch = z.object({ registered: z.array(Registered) }).strict();
export type RegisteredBatch = z.infer<typeof RegisteredBatch>;

/** 6 (batched). Broker → Host: many endorsements under one envelope signature. */
export const RegisterCommitBatch = defineMessage({
  type: "RegisterCommitBatch",
  path: "/v1/register-commit-batch",
  from: "broker",
  to: "host",
  auth: "envelope",
  summary: "The broker registers many endorsements at once, signed once.",
  body: z.object({ endorsements: z.array(SignedEndorsement).min(1).max(MAX_BATCH) }).strict(),
  reply: RegisteredBatch,
});

/** 7 (batched). Vendor → Host. */
export const RegisterDeliveryBatch = defineMessage({
  type: "RegisterDeliveryBatch",
  path: "/v1/register-delivery-batch",
  from: "vendor",
  to: "host",
  auth: "envelope",
  summary: "The vendor registers many deliveries at once, signed once.",
  body: z.object({ deliveries: z.array(RegistrationFacts).min(1).max(MAX_BATCH) }).strict(),
  reply: RegisteredBatch,
});

/** 8 (batched). Wallet → Host, e.g. after being offline. */
export const RegisterOrderBatch = defineMessage({
  type: "RegisterOrderBatch",
  path: "/v1/register-order-batch",
  from: "wallet",
  to: "host",
  auth: "envelope",
  summary: "The wallet registers many received orders at once, signed once.",
  body: z.object({ orders: z.array(OrderRegistrationFacts).min(1).max(MAX_BATCH) }).strict(),
  reply: RegisteredBatch,
});

/** What the host signs when it approves an order by majority vote; the broker owes the vendor this. */
export const HostApproval = z
  .object({
    hostId: z.string().regex(/^h_[0-9a-f]{32}$/),
    orderDigest: Digest,
    commitId: Endorsement.shape.commitId,
    vendorId: VendorId,
    brokerId: BrokerId,
    amount: Money,
    approvedAt: Timestamp,
  })
  .strict();
export type HostApproval = z.infer<typeof HostApproval>;
export const SignedHostApproval = z.object({ approval: HostApproval, sig: Signature }).strict();
export type SignedHostApproval = z.infer<typeof SignedHostApproval>;

export const SettleResult = z.discriminatedUnion("status", [
  z.object({ orderDigest: Digest, status: z.literal("approved"), approval: SignedHostApproval }).strict(),
  z
    .object({ orderDigest: Digest, status: z.literal("rejected"), code: z.string(), reason: z.string() })
    .strict(),
]);
export type SettleResult = z.infer<typeof SettleResult>;

/** §4.2.2 step 2. Vendor → Host: orders the broker refused or did not answer. */
export const SettleWithHost = defineMessage({
  type: "SettleWithHost",
  path: "/v1/settle-with-host",
  from: "vendor",
  to: "host",
  auth: "envelope",
  summary: "Ask the host to approve orders by majority vote; approvals go to each broker's mailbox.",
  body: z
    .object({
      orders: z
        .array(z.object({ orderDigest: Digest, endorsement: SignedEndorsement.optional() }).strict())
        .min(1)
        .max(MAX_BATCH),
    })
    .strict(),
  reply: z.object({ results: z.array(SettleResult) }).strict(),
});

/** §4.2.4. Broker → Host: a regular order was revoked; the host alerts the vendor at once. */
export const RegisterRevoke = defineMessage({
  type: "RegisterRevoke",
  path: "/v1/register-revoke",
  from: "broker",
  to: "host",
  auth: "envelope",
  summary: "The broker registers a revoked order; the host posts a revoke alert to the vendor.",
  body: z
    .object({
      orderDigest: Digest,
      commitId: Endorsement.shape.commitId,
      vendorId: VendorId,
      amount: Money,
      reason: z.string().max(500).optional(),
    })
    .strict(),
  reply: z.object({ orderDigest: Digest, revokedAt: Timestamp }).strict(),
});

/** Body of the `RevokeAlert` mail the vendor receives. */
export const RevokeAlert = z
  .object({
    orderDigest: Digest,
    commitId: Endorsement.shape.commitId,
    brokerId: BrokerId,
    amount: Money,
    reason: z.string().optional(),
  })
  .strict();
export type RevokeAlert = z.infer<typeof RevokeAlert>;

/** A recipient: a player id, or "the wallet that registered order D" (never revealed to the sender). */
export const MailRecipient = z.union([
  z.object({ playerId: PlayerId }).strict(),
  z.object({ walletOfOrder: Digest }).strict(),
]);

/** §4.3. Any player → Host (`from: "user"` stands for "any player"). A memo; re-sends are harmless. */
export const PostMessage = defineMessage({
  type: "PostMessage",
  path: "/v1/post-message",
  from: "user",
  to: "host",
  auth: "envelope",
  summary: "Post a memo to a player's mailbox, or to the wallet that registered an order.",
  body: z
    .object({
      to: MailRecipient,
      subject: ShortText.optional(),
      text: z.string().min(1).max(4000),
      orderDigest: Digest.optional(),
      link: HttpUrl.optional(),
    })
    .strict(),
  reply: z.object({ postedAt: Timestamp }).strict(),
});

export const MailMessage = z
  .object({
    cursor: z.string(),
    from: z.string(),
    messageId: z.string(),
    /** `Memo`, `SettlementApproval`, `RevokeAlert`, `RefundNotice`, … */
    kind: z.string(),
    body: z.unknown(),
    postedAt: Timestamp,
  })
  .strict();
export type MailMessage = z.infer<typeof MailMessage>;

/** §4.3. Any player → Host (`from: "user"`: any player): its own mailbox after a cursor. Signed, so only the owner reads it. */
export const FetchMessages = defineMessage({
  type: "FetchMessages",
  path: "/v1/fetch-messages",
  from: "user",
  to: "host",
  auth: "envelope",
  summary: "Fetch the sender's own mailbox after a cursor, oldest first.",
  body: z
    .object({
      cursor: z
        .string()
        .regex(/^\d{1,20}$/)
        .optional(),
      limit: z.number().int().min(1).max(500).optional(),
    })
    .strict(),
  reply: z.object({ messages: z.array(MailMessage), cursor: z.string().nullable() }).strict(),
});

/** The operator suspends (or reactivates) a broker, vendor or wallet. */
export const SetPlayerStatus = defineMessage({
  type: "SetPlayerStatus",
  path: "/v1/admin/set-player-status",
  from: "operator",
  to: "host",
  auth: "operator",
  summary: "The host operator suspends or reactivates a player.",
  body: z.object({ playerId: PlayerId, status: z.enum(["active", "suspended"]) }).strict(),
  reply: z.object({ playerId: PlayerId, status: z.enum(["active", "suspended"]) }).strict(),
});

/**
 * What each mailbox message's `body` holds, by `kind`: a memo is the PostMessage body without `to`;
 * a SettlementApproval is the host-signed approval (verify it with `GET /v1/host`'s key); a
 * RefundNotice (to the wallet of a revoked order) repeats the RevokeAlert.
 */
export const mailBodies = {
  Memo: PostMessage.body.omit({ to: true }),
  SettlementApproval: SignedHostApproval,
  RevokeAlert,
  RefundNotice: RevokeAlert,
} as const;
export type MailKind = keyof typeof mailBodies;
