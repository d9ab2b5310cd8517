/**
 * Per-player rate limiting: a token bucket per authenticated player id, checked after the envelope
 * signature verifies (so nobody can spend another player's budget by naming it). Per process: with
 * several hosts behind a balancer the effective limit is multiplied by their number.
 */
import { QuickPayError } from "@quickpay/protocol";

export interface RateLimitOptions {
  /** Sustained requests per second per player. */
  perSecond: number;
  /** Bucket size: how many requests a player may send at once. */
  burst: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes one token for `playerId` or throws `rate_limited`. */
  take(playerId: string): void {
    const now = this.clock();
    const bucket = this.buckets.get(playerId) ?? { tokens: this.options.burst, at: now };
    bucket.tokens = Math.min(
      this.options.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.options.perSecond,
    );
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(playerId, bucket);
      throw new QuickPayError(
        "rate_limited",
        `player ${playerId} is over ${this.options.perSecond} requests/s`,
      );
    }
    bucket.tokens -= 1;
    this.buckets.set(playerId, bucket);
    // Forget full buckets now and then so idle players cost no memory.
    if (this.buckets.size > 100_000) {
      for (const [id, b] of this.buckets) if (b.tokens >= this.options.burst - 1) this.buckets.delete(id);
    }
  }
}
