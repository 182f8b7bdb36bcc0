/**
 * Limits on the WebSocket surface that hold before graphql-ws sees anything: a token bucket of
 * messages per socket, and the number of open sockets (kept below the process's file-descriptor
 * limit, so that held subscribers cannot starve HTTP of descriptors).
 */
import { readFileSync } from 'node:fs';

/** Close code for a socket that sent messages faster than WS_MESSAGES_PER_SECOND (and its burst) allow. */
export const TOO_MANY_MESSAGES = { code: 4429, reason: 'Too many messages' } as const;
/** Close code for a socket opened while WS_MAX_CONNECTIONS are open (RFC 6455 1013, "Try Again Later"). */
export const TRY_AGAIN_LATER = { code: 1013, reason: 'Try again later' } as const;

/** Descriptors kept for everything else the process opens (HTTP, the database, Khalti, logs). */
export const DESCRIPTOR_RESERVE = 1024;
/** WS_MAX_CONNECTIONS when the descriptor limit does not say less. */
export const MAX_CONNECTIONS_CEILING = 10_000;

export interface WebSocketLimits {
  /** WS_MAX_CONNECTIONS: open sockets at most; a new one beyond is closed with 1013. */
  maxConnections: number;
  /** WS_MESSAGES_PER_SECOND: messages per socket per second, on average; 0: not limited. */
  messagesPerSecond: number;
  /** WS_MESSAGE_BURST: messages a socket may send at once above that rate. */
  messageBurst: number;
}

export const DEFAULT_MESSAGES_PER_SECOND = 50;
export const DEFAULT_MESSAGE_BURST = 100;

/**
 * A bucket of `burst` tokens refilled at `perSecond`: take() is false once the socket has sent more
 * than the burst plus what the rate has given back since. Constant time and memory per socket.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The soft RLIMIT_NOFILE of this process. Node has no getrlimit; on Linux /proc/self/limits says it
 * ("Max open files  <soft>  <hard>  files"). Null elsewhere, or when it is unlimited or unreadable.
 */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | null {
  let text: string;
  try {
    text = read();
  } catch {
    return null;
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!match || match[1] === 'unlimited') return null;
  return Number(match[1]);
}

/**
 * Default WS_MAX_CONNECTIONS: 10,000, or fewer when the descriptor limit minus a reserve for
 * everything else is lower (a reserve of 1024, or half the limit when the limit is small).
 */
export function defaultMaxConnections(limit: number | null = openFileLimit()): number {
  if (limit === null) return MAX_CONNECTIONS_CEILING;
  const reserve = Math.min(DESCRIPTOR_RESERVE, Math.floor(limit / 2));
  return Math.max(1, Math.min(MAX_CONNECTIONS_CEILING, limit - reserve));
}
