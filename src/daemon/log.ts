/** A small leveled logger with radvd's log methods (-m stderr|stderr_syslog|syslog|logfile|none). */
import { appendFileSync } from 'node:fs';
import type { Clock, TimerHandle } from '../iface/clock';

export type Level = 'error' | 'warn' | 'info' | 'debug';
const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

export type LogMethod = 'stderr' | 'stderr_syslog' | 'syslog' | 'logfile' | 'none';

export interface LoggerOptions {
  readonly method: LogMethod;
  readonly level: Level;
  readonly file?: string;
  readonly ident?: string;
}

export function createLogger(opts: LoggerOptions): Logger {
  const max = ORDER[opts.level];
  const ident = opts.ident ?? 'firsthop';
  const write = (level: Level, msg: string): void => {
    if (ORDER[level] > max || opts.method === 'none') return;
    const line = `${new Date().toISOString()} ${ident}[${process.pid}]: ${level}: ${msg}\n`;
    if (opts.method === 'logfile' && opts.file !== undefined) {
      try {
        appendFileSync(opts.file, line);
        return;
      } catch {
        // fall through to stderr: a log line is never lost silently
      }
    }
    // syslog and stderr_syslog: without a syslog socket in Node, lines go to stderr, where
    // journald or the supervisor collects them.
    process.stderr.write(line);
  };
  return {
    error: (m) => write('error', m),
    warn: (m) => write('warn', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
  };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/** A logger that records lines, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (m) => lines.push(`error: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
  };
}

/**
 * At most `perMinute` lines a minute; past that, lines are only counted, and the count goes to
 * `summary` when the minute is over: at the next take(), or, given a clock, by a timer, so the
 * count is told even when nothing more arrives. For warnings about what the wire sends: the
 * limit holds across all sources, so a stranger on the LAN cannot fill the log.
 */
export class LineBudget {
  private start = -Infinity;
  private lines = 0;
  private suppressed = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly perMinute: number,
    private readonly summary: (suppressed: number) => void = () => undefined,
    private readonly clock?: Clock,
  ) {}

  /** Whether a line may be written at `now` (ms). */
  take(now: number): boolean {
    if (now < this.start) this.start = -Infinity; // the wall clock stepped backwards: a new minute
    if (now - this.start >= 60_000) {
      this.flush(now);
      // A summary timer still pending belongs to the minute just told: the next suppression arms its own.
      this.stop();
      this.start = now;
      this.lines = 0;
    }
    if (this.lines >= this.perMinute) {
      if (this.suppressed++ === 0 && this.timer === undefined) this.arm(now);
      return false;
    }
    this.lines++;
    return true;
  }

  /** A timer for the end of the minute; it waits on if the clock has not got there yet. */
  private arm(now: number): void {
    const clock = this.clock;
    if (clock === undefined) return;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      const at = clock.now();
      if (at - this.start < 60_000 && at >= this.start) this.arm(at);
      else this.flush(at);
    }, Math.max(1, this.start + 60_000 - now));
  }

  /** Tell the count of a minute that is over. */
  private flush(now: number): void {
    if (this.suppressed === 0 || (now - this.start < 60_000 && now >= this.start)) return;
    this.summary(this.suppressed);
    this.suppressed = 0;
  }

  /** Cancel the pending summary (the daemon stops). */
  stop(): void {
    if (this.timer !== undefined) this.clock?.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
