/** Wire types the vendor handlers use, inferred from the protocol's schemas (never redeclared). */
import type { DeliveredContent as DeliveredContentSchema, ReplyOf } from "@quickpay/protocol";
import type { z } from "zod";

export type DeliveredContent = z.infer<typeof DeliveredContentSchema>;
export type DeliveryReply = ReplyOf<"RequestOrderDelivery">;
