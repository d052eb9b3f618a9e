import { DurableObject } from "cloudflare:workers";

/**
 * Fixed-window counters, one Durable Object per key (`login:acct:<email>`, `login:ip:<ip>`,
 * `api:<keyId>`): single-threaded, so counts are exact across isolates and data centers.
 * Counts persist in the object's storage only for keys that ask (login failures, rare writes);
 * API counters stay in memory — an eviction resets them, which only errs towards allowing.
 */
export interface WindowState {
  count: number;
  limit: number;
  remaining: number;
  resetAt: number;
  allowed: boolean;
}

export class RateLimiter extends DurableObject<Env> {
  private windowStart = 0;
  private count = 0;
  private loaded = false;

  private async load(persist: boolean) {
    if (this.loaded || !persist) return;
    const s = await this.ctx.storage.get<{ windowStart: number; count: number }>("w");
    if (s) {
      this.windowStart = s.windowStart;
      this.count = s.count;
    }
    this.loaded = true;
  }

  private roll(windowMs: number, now: number) {
    const start = now - (now % windowMs);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.count = 0;
    }
  }

  private state(limit: number, windowMs: number): WindowState {
    return {
      count: this.count,
      limit,
      remaining: Math.max(0, limit - this.count),
      resetAt: this.windowStart + windowMs,
      allowed: this.count <= limit,
    };
  }

  /** Count one hit; `allowed` is false once the count exceeds `limit` in this window. */
  async hit(limit: number, windowMs: number, persist = false, now = Date.now()): Promise<WindowState> {
    await this.load(persist);
    this.roll(windowMs, now);
    this.count++;
    if (persist) await this.ctx.storage.put("w", { windowStart: this.windowStart, count: this.count });
    return this.state(limit, windowMs);
  }

  /** Read without counting; `allowed` is false once `limit` hits are reached. */
  async peek(limit: number, windowMs: number, persist = false, now = Date.now()): Promise<WindowState> {
    await this.load(persist);
    this.roll(windowMs, now);
    const s = this.state(limit, windowMs);
    return { ...s, allowed: this.count < limit };
  }

  async reset(): Promise<void> {
    this.count = 0;
    await this.ctx.storage.deleteAll();
  }
}

export function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}
