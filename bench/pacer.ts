/**
 * The flood senders' pacing (bench/rs-sender.ts, bench/ra-sender.ts): every ~1 ms
 * (Atomics.wait, no busy spin) send as many packets as are due by `rate` × elapsed; rate 0
 * sends back to back. A send the kernel refuses (EAGAIN, ENOBUFS) is counted by its code and
 * not retried, so the attempted rate stays the target. Stops after `count` packets or
 * `durationS` seconds, whichever comes first.
 */
export interface PaceOptions {
  /** Packets per second; 0: as fast as the socket takes them. */
  readonly rate: number;
  readonly count?: number;
  readonly durationS?: number;
  /** Send packet number i (throws what the socket throws). */
  send(i: number): void;
}

export interface PaceResult {
  readonly startWallMs: number;
  readonly endWallMs: number;
  readonly targetRate: number;
  readonly durationS: number;
  readonly sent: number;
  readonly failed: number;
  readonly errors: Record<string, number>;
  readonly achievedRate: number;
  readonly batches: number;
  readonly meanBatch: number;
  readonly maxBatch: number;
  readonly perSecond: number[];
  /** The sender process's CPU, user + system. */
  readonly cpuMs: number;
}

/** Packets sent between two readings of the clock at rate 0. */
const BACK_TO_BACK_CHUNK = 256;

export function pace(o: PaceOptions): PaceResult {
  const count = o.count ?? Infinity;
  const durationNs = (o.durationS ?? Infinity) * 1e9;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const errors = new Map<string, number>();
  const perSecond: number[] = [];
  let sent = 0;
  let failed = 0;
  let batches = 0;
  let maxBatch = 0;
  let i = 0;
  const startWallMs = Date.now();
  const start = process.hrtime.bigint();
  while (i < count) {
    const elapsed = Number(process.hrtime.bigint() - start);
    if (elapsed >= durationNs) break;
    // Rate 0: back to back, in chunks, so that the clock (per second, duration) is read again.
    const due = o.rate > 0 ? Math.min(count, Math.floor((o.rate * elapsed) / 1e9)) : Math.min(count, i + BACK_TO_BACK_CHUNK);
    let batch = 0;
    for (; i < due; i++, batch++) {
      try {
        o.send(i);
        sent++;
        const sec = Math.floor(elapsed / 1e9);
        perSecond[sec] = (perSecond[sec] ?? 0) + 1;
      } catch (e) {
        failed++;
        const code = (e as { code?: string }).code ?? String(e);
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    }
    if (batch > 0) {
      batches++;
      if (batch > maxBatch) maxBatch = batch;
    }
    if (i < count && o.rate > 0) Atomics.wait(sleeper, 0, 0, 1);
  }
  const durationS = Number(process.hrtime.bigint() - start) / 1e9;
  const usage = process.resourceUsage();
  return {
    startWallMs,
    endWallMs: Date.now(),
    targetRate: o.rate,
    durationS,
    sent,
    failed,
    errors: Object.fromEntries(errors),
    achievedRate: sent / durationS,
    batches,
    meanBatch: (sent + failed) / Math.max(1, batches),
    maxBatch,
    perSecond: Array.from(perSecond, (x) => x ?? 0),
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  };
}
