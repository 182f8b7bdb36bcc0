/**
 * The log facade. Callers pass a message and, where they know them, fields (level, pidx, an error
 * for its stack, ...); callers never pass keys, and messages are built from ids and codes.
 *
 * In production the sink is pino: one JSON object per line on stdout with `time`, `level`, `msg`,
 * and `reqId` / `keyId` of the HTTP request the line was written under (see withLogContext).
 * Tests pass their own Log and collect what they are given.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogFields {
  /** Default: info (warn for a message starting "warning:"). */
  level?: LogLevel;
  pidx?: string;
  reqId?: string;
  keyId?: string;
  /** An error whose type, message and stack the line carries. */
  err?: unknown;
  [field: string]: unknown;
}

export type Log = (line: string, fields?: LogFields) => void;

/** What is known of the current HTTP request, attached to every line written while serving it. */
export interface LogContext {
  reqId?: string;
  keyId?: string;
}

const context = new AsyncLocalStorage<LogContext>();

export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

export function currentLogContext(): LogContext {
  return context.getStore() ?? {};
}

export function levelOf(line: string, fields: LogFields | undefined): LogLevel {
  return fields?.level ?? (line.startsWith('warning:') ? 'warn' : 'info');
}

export interface JsonLogOptions {
  level?: LogLevel;
  /** Default: stdout, written synchronously (a crash loses no line). */
  destination?: DestinationStream;
}

export function jsonLog(options: JsonLogOptions = {}): Log {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return (line, fields) => {
    const level = levelOf(line, fields);
    if (!logger.isLevelEnabled(level)) return;
    const { level: _level, ...rest } = fields ?? {};
    logger[level]({ ...currentLogContext(), ...rest }, line);
  };
}

/** JSON lines on stdout at info. */
export const consoleLog: Log = jsonLog();

export const silentLog: Log = () => undefined;
