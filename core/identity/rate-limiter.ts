import { DurableObject } from "cloudflare:workers";

/**
 * Rate counters, one Durable Object per key (`login:acct:<email>`, `login:ip:<ip>`, `api:<keyId>`):
 * single-threaded, so counts are exact across isolates and data centers. Login failures use a
 * persisted sliding log (few writes, exact "10 per minute"); API counters are a fixed window in
 * memory (one per request, no storage write) — an eviction resets them, erring towards allowing.
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
  /** Sliding log of event times (persisted), for small limits such as login failures. */
  private log: number[] | undefined;

  private roll(windowMs: number, now: number) {
    const start = now - (now % windowMs);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.count = 0;
    }
  }

  /** Fixed window in memory — the API's 600/min per key. `allowed` false once count > limit. */
  async hit(limit: number, windowMs: number, now = Date.now()): Promise<WindowState> {
    this.roll(windowMs, now);
    this.count++;
    return {
      count: this.count,
      limit,
      remaining: Math.max(0, limit - this.count),
      resetAt: this.windowStart + windowMs,
      allowed: this.count <= limit,
    };
  }

  private async loadLog(windowMs: number, now: number): Promise<number[]> {
    this.log ??= (await this.ctx.storage.get<number[]>("log")) ?? [];
    this.log = this.log.filter((t) => t > now - windowMs);
    return this.log;
  }

  private logState(log: number[], limit: number, windowMs: number): WindowState {
    // Blocked until the oldest event that keeps the count at the limit leaves the window.
    const resetAt =
      log.length >= limit ? log[log.length - limit] + windowMs : (log[0] ?? Date.now()) + windowMs;
    return {
      count: log.length,
      limit,
      remaining: Math.max(0, limit - log.length),
      resetAt,
      allowed: log.length < limit,
    };
  }

  /** Sliding window: record one event (persisted, survives eviction). */
  async record(limit: number, windowMs: number, now = Date.now()): Promise<WindowState> {
    const log = await this.loadLog(windowMs, now);
    log.push(now);
    if (log.length > limit * 2) log.splice(0, log.length - limit * 2);
    await this.ctx.storage.put("log", log);
    return this.logState(log, limit, windowMs);
  }

  /** Sliding window: would one more attempt be allowed? (`allowed` false at `limit` events.) */
  async check(limit: number, windowMs: number, now = Date.now()): Promise<WindowState> {
    return this.logState(await this.loadLog(windowMs, now), limit, windowMs);
  }

  async reset(): Promise<void> {
    this.count = 0;
    this.log = [];
    await this.ctx.storage.deleteAll();
  }
}

export function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}
