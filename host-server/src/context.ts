/** What every route handler needs: the store, the group-commit queue, the clock, the host's own key. */

import type { KeyPair } from "@quickpay/protocol";
import type { DirectoryCache } from "./directory-cache";
import type { EnvelopeThread } from "./envelope-thread";
import type { OriginProver } from "./origin-proof";
import type { RateLimiter } from "./rate-limit";
import type { HostStore } from "./store/types";
import type { WriteQueue } from "./write-queue";

export interface HostContext {
  store: HostStore;
  /** Senders' directory entries, cached briefly (see directory-cache.ts for the staleness bound). */
  directory: DirectoryCache;
  queue: WriteQueue;
  /** Injected so tests control freshness and recorded times. */
  now: () => Date;
  /** Freshness window for envelopes, ms. */
  windowMs: number;
  operatorToken: string;
  host: { id: string; keys: KeyPair; registeredAt: string };
  limiter: RateLimiter;
  /** Per client IP, for the self-signed registrations anyone can send with a fresh key. */
  registrationLimiter: RateLimiter;
  /** Register Vendor's proof of control of each origin (origin-proof.ts). */
  originProver: OriginProver;
  /** Envelope checks off the event loop (envelope-thread.ts); absent: on the loop. */
  envelopeThread?: EnvelopeThread;
}
