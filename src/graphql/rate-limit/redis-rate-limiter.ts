/**
 * The per-key rate limits (rate-limiter.ts) counted in Redis (REDIS_URL), so that every instance
 * of the gateway draws on the same buckets. The rules are exactly those of the in-process
 * RateLimiter: a token bucket per (caller, class) that holds a minute's allowance and refills
 * continuously; an operation takes all its tokens or none, and is refused with the longest wait
 * among the buckets that lack tokens.
 *
 * All or nothing across buckets is one Lua script (TAKE_SCRIPT): it reads every bucket the
 * operation draws on, and writes them only when each has enough, atomically in Redis. The clock
 * is Redis's own (TIME), so instances whose clocks differ still agree on refills. A bucket is one
 * small hash that expires once it would be full again (a full bucket is the same as none).
 * rate-limiter-flexible is not used for the shared buckets: its limiters take from one key per
 * call, and RateLimiterUnion takes from each limiter on its own (a refused operation would keep
 * what it took from the others), which is not this rule.
 *
 * While Redis is unreachable (refused, disconnected, or not answering within COMMAND_TIMEOUT_MS)
 * each instance counts alone in an in-process RateLimiter with the same limits, says so once in
 * the log and in the gateway_rate_limit_fallback gauge, and goes back to Redis once it answers
 * again (on reconnect, or a probe at most every PROBE_INTERVAL_MS while the connection stays up).
 * The in-process buckets start full: an outage can grant each instance up to one more minute's
 * allowance, never more.
 */
import { Redis } from 'ioredis';
import type { Log } from '../../logger';
import { needsOf, perMinuteOf, RateLimiter, refusalOf, type RateClass, type RateDecision, type RateLimiting, type RateLimits, type RateState } from './rate-limiter';

/** A command Redis has not answered by then counts as Redis unreachable. */
export const COMMAND_TIMEOUT_MS = 500;
/** While in fallback over a live connection, how often one request tries Redis again. */
export const PROBE_INTERVAL_MS = 1000;

/**
 * KEYS: one bucket hash per class. ARGV[1]: 1 to take, 0 to read only; then per bucket its
 * capacity (tokens a minute) and the tokens wanted. Returns per bucket, as strings (Lua numbers
 * would be cut to integers): the wait in ms for the tokens (-1: more than it ever holds; 0: there
 * now), the tokens left after the call, and the ms until the bucket is full again.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local take = ARGV[1] == '1'
local tokens, waits, refused = {}, {}, false
for i = 1, #KEYS do
  local cap = tonumber(ARGV[2 * i])
  local need = tonumber(ARGV[2 * i + 1])
  local rate = cap / 60000
  local stored = redis.call('HMGET', KEYS[i], 't', 'u')
  local have = cap
  if stored[1] then
    have = tonumber(stored[1])
    local at = tonumber(stored[2]) or now
    if now > at then have = math.min(cap, have + (now - at) * rate) end
  end
  local wait = 0
  if need > cap then wait = -1 elseif need > have then wait = (need - have) / rate end
  if wait ~= 0 then refused = true end
  tokens[i] = have
  waits[i] = wait
end
local out = {}
for i = 1, #KEYS do
  local cap = tonumber(ARGV[2 * i])
  local rate = cap / 60000
  local have = tokens[i]
  if take and not refused then
    have = have - tonumber(ARGV[2 * i + 1])
    local untilFull = (cap - have) / rate
    redis.call('HSET', KEYS[i], 't', tostring(have), 'u', tostring(now))
    redis.call('PEXPIRE', KEYS[i], math.ceil(untilFull) + 1000)
  end
  out[3 * i - 2] = tostring(waits[i])
  out[3 * i - 1] = tostring(have)
  out[3 * i] = tostring((cap - have) / rate)
end
return out
`;

export interface RedisRateLimiterOptions {
  /** REDIS_URL. Never logged: it may carry a password. */
  url: string;
  /** REDIS_KEY_PREFIX; the buckets are `<prefix>rl:{<caller>}:<class>`. */
  keyPrefix: string;
  limits: RateLimits;
  /** One line when the fallback starts and one when Redis is back; never one per request. */
  log: Log;
  /** Told true when the fallback starts, false when it ends (the gateway_rate_limit_fallback gauge). */
  onFallback?: (on: boolean) => void;
  /** The in-process fallback's clock. */
  now?: () => number;
}

type Bucket = { rateClass: RateClass; perMinute: number; need: number };
type TakeCommand = (...args: (string | number)[]) => Promise<string[]>;

export class RedisRateLimiter implements RateLimiting {
  private readonly client: Redis;
  private readonly memory: RateLimiter;
  private fallback = false;
  private nextProbeAt = 0;
  private lastError: string | null = null;
  private closed = false;

  constructor(private readonly options: RedisRateLimiterOptions) {
    this.memory = new RateLimiter(options.limits, options.now);
    this.client = new Redis(options.url, {
      // A command while disconnected fails at once (and the fallback answers) instead of queueing.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      // Reconnect for ever, at most every 2 s.
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: true,
    });
    this.client.defineCommand('gatewayRateTake', { lua: TAKE_SCRIPT });
    // ioredis emits an 'error' for each failed connection attempt: the state change is what is logged.
    this.client.on('error', (error: Error) => {
      this.lastError = error.message;
      this.enterFallback(error.message);
    });
    this.client.on('close', () => this.enterFallback(this.lastError ?? 'connection closed'));
    // Back: said once Redis answers, whether or not a request comes in meanwhile.
    this.client.on('ready', () => {
      this.nextProbeAt = 0;
      if (this.fallback) this.client.ping().then(() => this.leaveFallback(), () => undefined);
    });
  }

  /** Connects; resolves once Redis answers or the first attempt failed (the fallback then counts). */
  async connect(): Promise<void> {
    try {
      await this.client.connect();
      await this.client.ping();
    } catch (error) {
      this.enterFallback(error instanceof Error ? error.message : String(error));
    }
  }

  /** Whether the limits are counted in Redis right now (false: this instance counts alone). */
  get shared(): boolean {
    return !this.fallback && this.client.status === 'ready';
  }

  async take(caller: string, rootFields: readonly string[]): Promise<RateDecision> {
    const buckets = this.bucketsOf(rootFields);
    if (buckets.length === 0) return { allowed: true };
    const answer = await this.run(caller, buckets, true);
    if (!answer) return this.memory.take(caller, rootFields);
    const waits = buckets.map((bucket, i) => {
      const wait = Number(answer[3 * i]);
      return { rateClass: bucket.rateClass, perMinute: bucket.perMinute, waitMs: wait < 0 ? Infinity : wait };
    });
    return refusalOf(waits) ?? { allowed: true };
  }

  async peek(caller: string, classes: Iterable<RateClass>): Promise<RateState[]> {
    const buckets: Bucket[] = [];
    for (const rateClass of new Set(classes)) {
      const perMinute = perMinuteOf(this.options.limits, rateClass);
      if (perMinute > 0) buckets.push({ rateClass, perMinute, need: 0 });
    }
    if (buckets.length === 0) return [];
    const answer = await this.run(caller, buckets, false);
    if (!answer) return this.memory.peek(caller, classes);
    return buckets.map(({ rateClass, perMinute }, i) => ({
      rateClass,
      perMinute,
      remaining: Math.max(0, Math.floor(Number(answer[3 * i + 1]))),
      secondsUntilFull: Math.ceil(Number(answer[3 * i + 2]) / 1000),
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    // Not connected: stop reconnecting at once (QUIT would have nothing to go over).
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private bucketsOf(rootFields: readonly string[]): Bucket[] {
    const buckets: Bucket[] = [];
    for (const [rateClass, need] of needsOf(rootFields)) {
      const perMinute = perMinuteOf(this.options.limits, rateClass);
      if (perMinute > 0) buckets.push({ rateClass, perMinute, need });
    }
    return buckets;
  }

  /** The script's answer, or null when Redis cannot give one now (the caller uses the fallback). */
  private async run(caller: string, buckets: Bucket[], take: boolean): Promise<string[] | null> {
    if (this.client.status !== 'ready') {
      this.enterFallback(this.lastError ?? `connection ${this.client.status}`);
      return null;
    }
    if (this.fallback) {
      // Over a live connection (Redis was slow, or just reconnected): one request at a time tries it.
      const now = Date.now();
      if (now < this.nextProbeAt) return null;
      this.nextProbeAt = now + PROBE_INTERVAL_MS;
    }
    const keys = buckets.map((bucket) => `${this.options.keyPrefix}rl:{${caller}}:${bucket.rateClass}`);
    const args = buckets.flatMap((bucket) => [bucket.perMinute, bucket.need]);
    try {
      const command = (this.client as unknown as { gatewayRateTake: TakeCommand }).gatewayRateTake.bind(this.client);
      const answer = await command(keys.length, ...keys, take ? 1 : 0, ...args);
      this.leaveFallback();
      return answer;
    } catch (error) {
      this.enterFallback(error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  private enterFallback(reason: string): void {
    if (this.fallback || this.closed) return;
    this.fallback = true;
    this.nextProbeAt = Date.now() + PROBE_INTERVAL_MS;
    this.options.log(`rate limits: Redis unreachable (${reason}); each instance counts its own limits until it is back`, { level: 'warn' });
    this.options.onFallback?.(true);
  }

  private leaveFallback(): void {
    if (!this.fallback) return;
    this.fallback = false;
    this.lastError = null;
    this.options.log('rate limits: Redis reachable again; limits are shared by every instance');
    this.options.onFallback?.(false);
  }
}
