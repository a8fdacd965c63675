/**
 * Router Solicitation flood sender for bench/rs-flood (a separate process, so that its CPU
 * and its pacing do not disturb the benchmark's own event loop and capture parsing).
 *
 *   node dist/bench/rs-sender.js --netns NS --ifindex N --source fe80::... --mac aa:bb:.. \
 *        [--rate 10000] [--duration 20] [--destination ff02::2]
 *
 * Opens a raw ICMPv6 socket in NS (linuxBackend({ netns }).openIcmp6 with an empty type
 * filter, so nothing is ever queued for reading) and sends RS messages with a source
 * link-layer address option, paced in batches: every ~1 ms (Atomics.wait, no busy spin) it
 * sends as many as are due by `rate * elapsed`. A send the kernel refuses (EAGAIN, ENOBUFS)
 * is counted and not retried, so the attempted rate stays the target. Prints one JSON line.
 */
import { linuxBackend } from '../src/sys/linux';
import { encodeMessage } from '../src/wire';
import { option } from './common';

const opt = option;

const netns = opt('--netns');
const ifindex = Number(opt('--ifindex'));
const source = opt('--source');
const mac = Uint8Array.from(opt('--mac').split(':').map((h) => parseInt(h, 16)));
const rate = Number(opt('--rate', '10000'));
const durationS = Number(opt('--duration', '20'));
const destination = opt('--destination', 'ff02::2');

const sock = linuxBackend({ netns }).openIcmp6({ types: [] });
const msg = encodeMessage({ type: 'rs', options: [{ type: 'sourceLinkLayer', address: mac }] });
const sleeper = new Int32Array(new SharedArrayBuffer(4));

let sent = 0;
let failed = 0;
const errors = new Map<string, number>();
const perSecond: number[] = [];
let maxBatch = 0;
let batches = 0;
const startWall = Date.now();
const start = process.hrtime.bigint();
const durationNs = durationS * 1e9;
for (;;) {
  const elapsed = Number(process.hrtime.bigint() - start);
  if (elapsed >= durationNs) break;
  const due = Math.floor((rate * elapsed) / 1e9);
  let batch = 0;
  while (sent + failed < due) {
    try {
      sock.send(msg, destination, ifindex, source);
      sent++;
      const sec = Math.floor(elapsed / 1e9);
      perSecond[sec] = (perSecond[sec] ?? 0) + 1;
    } catch (e) {
      failed++;
      const code = (e as { code?: string }).code ?? String(e);
      errors.set(code, (errors.get(code) ?? 0) + 1);
    }
    batch++;
  }
  if (batch > 0) {
    batches++;
    if (batch > maxBatch) maxBatch = batch;
  }
  Atomics.wait(sleeper, 0, 0, 1);
}
const actualS = Number(process.hrtime.bigint() - start) / 1e9;
sock.close();
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    startWallMs: startWall,
    endWallMs: Date.now(),
    targetRate: rate,
    durationS: actualS,
    sent,
    failed,
    errors: Object.fromEntries(errors),
    achievedRate: sent / actualS,
    batches,
    meanBatch: (sent + failed) / Math.max(1, batches),
    maxBatch,
    perSecond: Array.from(perSecond, (x) => x ?? 0),
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  })}\n`,
);
