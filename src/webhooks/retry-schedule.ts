/**
 * What one failed or successful attempt means for its delivery: the outcome the delivery state
 * rules take (src/payments/webhook-delivery-state.rules.ts), when the next attempt is due, and
 * whether the endpoint is to be disabled. Pure: the worker records what this decides.
 *
 * After attempt n (1-based) fails retryably, attempt n+1 is due `retryScheduleMs[n-1]` later,
 * spread by ±10% (JITTER) so that many deliveries failing together (an endpoint down) do not all
 * come back in the same instant; once the schedule is spent the delivery is given up.
 */
import type { AttemptOutcome } from '../payments/webhook-delivery-state.rules';

/** ±10% of each delay. */
export const JITTER = 0.1;
/** The longest a Retry-After is honoured for; beyond it the schedule decides. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** How the gateway reads an endpoint's answer (or the lack of one). */
export type AnswerClass = 'accepted' | 'gone' | 'throttled' | 'failed';

interface AnswerRule {
  /** What the answer is, whatever the schedule says. */
  outcome: AttemptOutcome | 'scheduled';
  disablesEndpoint: boolean;
  honoursRetryAfter: boolean;
}

/** 'scheduled': retryable while the schedule has a delay left, else given up. */
const ANSWER_RULES: Record<AnswerClass, AnswerRule> = {
  accepted: { outcome: 'accepted', disablesEndpoint: false, honoursRetryAfter: false },
  gone: { outcome: 'given_up', disablesEndpoint: true, honoursRetryAfter: false },
  throttled: { outcome: 'scheduled', disablesEndpoint: false, honoursRetryAfter: true },
  failed: { outcome: 'scheduled', disablesEndpoint: false, honoursRetryAfter: false },
};

/** 2xx accepted; 410 Gone; 429 and 503 may say when to come back; anything else (or no answer) failed. */
export function classifyAnswer(httpStatus: number | null): AnswerClass {
  if (httpStatus === null) return 'failed';
  if (httpStatus >= 200 && httpStatus < 300) return 'accepted';
  if (httpStatus === 410) return 'gone';
  if (httpStatus === 429 || httpStatus === 503) return 'throttled';
  return 'failed';
}

export interface AttemptFacts {
  /** This attempt's number, 1-based (the delivery's attempts after it). */
  attempt: number;
  httpStatus: number | null;
  /** The Retry-After header as answered, if any. */
  retryAfter?: string | null;
}

export interface AttemptDecision {
  outcome: AttemptOutcome;
  /** When the next attempt is due; null when there is none. */
  nextAttemptAt: Date | null;
  disableEndpoint: boolean;
}

export function decideAfterAttempt(facts: AttemptFacts, retryScheduleMs: readonly number[], now: Date, random: () => number = Math.random): AttemptDecision {
  const rule = ANSWER_RULES[classifyAnswer(facts.httpStatus)];
  const delay = retryScheduleMs[facts.attempt - 1];
  const outcome: AttemptOutcome = rule.outcome !== 'scheduled' ? rule.outcome : delay === undefined ? 'given_up' : 'retryable';
  if (outcome !== 'retryable' || delay === undefined) return { outcome, nextAttemptAt: null, disableEndpoint: rule.disablesEndpoint };
  let waitMs = Math.round(delay * (1 - JITTER + 2 * JITTER * random()));
  const asked = rule.honoursRetryAfter && facts.retryAfter ? retryAfterMs(facts.retryAfter, now) : null;
  if (asked !== null) waitMs = Math.max(waitMs, Math.min(asked, MAX_RETRY_AFTER_MS));
  return { outcome, nextAttemptAt: new Date(now.getTime() + waitMs), disableEndpoint: false };
}

/** Retry-After as milliseconds from `now`: delay-seconds or an HTTP date; null when it is neither. */
export function retryAfterMs(value: string, now: Date): number | null {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names a weekday and GMT; Date.parse alone would accept far more.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}
