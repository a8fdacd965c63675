/**
 * Mutation fuzzing of decodeMessage and validateReceived. Seeds are the golden packets;
 * mutations are bit flips, byte sets, truncations, extensions, option Length/Type edits,
 * splices and chunk duplications, plus purely random packets. Repeatable: one fixed PRNG
 * seed. Any input that ever broke the decoder is kept in test/fixtures/wire/regressions.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NdDecodeError, decodeMessage, encodeMessage, validateReceived, type NdMessage, type ReceiveMeta } from '../../src/wire';
import { hex } from './wire-helpers';
import { messageVectors, optionVectors } from './wire-vectors';

const ITERATIONS = 120_000;
const TIME_LIMIT_MS = 60_000;
const SEED = 0x4861;

/** mulberry32: small, fast, good enough to pick mutations; deterministic for a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADER: Record<number, number> = { 133: 8, 134: 16, 135: 24, 136: 24, 137: 40 };
const RA_HEADER = hex('86 00 00 00 40 00 07 08 00 00 00 00 00 00 00 00');
const seeds: Uint8Array[] = [
  ...messageVectors.map((v) => v.bytes),
  ...optionVectors.map((v) => Uint8Array.from([...RA_HEADER, ...v.bytes])),
];

const metas: ReceiveMeta[] = [
  { source: 'fe80::1', destination: 'ff02::1', hopLimit: 255, ifindex: 2 },
  { source: 'fe80::1', destination: 'ff02::2', hopLimit: 255, ifindex: 2 },
  { source: '::', destination: 'ff02::1:ff00:1', hopLimit: 255, ifindex: 2 },
  { source: '::', destination: 'ff02::2', hopLimit: 255, ifindex: 2 },
  { source: '2001:db8::1', destination: 'fe80::2', hopLimit: 255, ifindex: 2 },
  { source: 'fe80::1', destination: 'ff02::1', hopLimit: 64, ifindex: 2 },
];

/** Offsets of the option Length octets, walking TLVs as far as they make sense. */
function lengthOffsets(p: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = HEADER[p[0] ?? 0] ?? 8; at + 1 < p.length; ) {
    out.push(at + 1);
    const units = p[at + 1] ?? 0;
    if (units === 0) break;
    at += units * 8;
  }
  return out;
}

function mutate(p: Uint8Array, rand: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const b = Array.from(p);
  switch (int(9)) {
    case 0: // bit flips
      for (let i = 1 + int(4); i > 0 && b.length > 0; i--) { const at = int(b.length); b[at] = (b[at] ?? 0) ^ (1 << int(8)); }
      break;
    case 1: // interesting byte values
      if (b.length > 0) b[int(b.length)] = pick([0, 1, 2, 3, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff, int(256)]);
      break;
    case 2: // truncation
      b.length = int(b.length + 1);
      break;
    case 3: // extension with random or zero bytes
      for (let i = 1 + int(16), z = rand() < 0.5; i > 0; i--) b.push(z ? 0 : int(256));
      break;
    case 4: { // option Length edits
      const offs = lengthOffsets(p);
      if (offs.length > 0) { const at = pick(offs); b[at] = pick([0, 1, 2, 3, 4, 5, 255, ((b[at] ?? 0) + 1) & 0xff, ((b[at] ?? 0) - 1) & 0xff, int(256)]); }
      break;
    }
    case 5: { // option Type edits
      const offs = lengthOffsets(p);
      if (offs.length > 0) b[pick(offs) - 1] = pick([1, 2, 3, 4, 5, 7, 8, 24, 25, 31, 34, 35, 37, 38, int(256)]);
      break;
    }
    case 6: { // splice: head of this packet, tail of another
      const other = pick(seeds);
      return Uint8Array.from([...b.slice(0, int(b.length + 1)), ...other.slice(int(other.length + 1))]);
    }
    case 7: { // duplicate a chunk in place
      const from = int(b.length + 1);
      const chunk = b.slice(from, from + 1 + int(24));
      b.splice(int(b.length + 1), 0, ...chunk);
      break;
    }
    default: { // random packet with a plausible Type
      const len = int(96);
      return Uint8Array.from({ length: len }, (_, i) => (i === 0 && rand() < 0.9 ? 133 + int(5) : i === 1 && rand() < 0.8 ? 0 : int(256)));
    }
  }
  return Uint8Array.from(b);
}

/** The contract under test, for one input. Returns the outcome's code ('ok' when it decodes). */
function check(bytes: Uint8Array, meta: ReceiveMeta): string {
  let outcome: string;
  let message: NdMessage | undefined;
  try {
    message = decodeMessage(bytes);
    outcome = 'ok';
  } catch (e) {
    if (!(e instanceof NdDecodeError)) throw new Error(`decodeMessage threw a non-NdDecodeError for ${Buffer.from(bytes).toString('hex')}`, { cause: e });
    if (e.code === 'E_INTERNAL') throw new Error(`decoder bug for ${Buffer.from(bytes).toString('hex')}`, { cause: e });
    outcome = e.code;
  }
  if (message !== undefined) assert.deepEqual(decodeMessage(encodeMessage(message)), message, `unstable re-encode of ${Buffer.from(bytes).toString('hex')}`);
  // The receive side keeps an RA whose bad options are framed soundly, marking them.
  let kept: NdMessage | undefined;
  try {
    kept = decodeMessage(bytes, { keepMalformed: true });
  } catch (e) {
    if (!(e instanceof NdDecodeError) || e.code === 'E_INTERNAL') throw new Error(`keepMalformed decoder bug for ${Buffer.from(bytes).toString('hex')}`, { cause: e });
  }
  if (message !== undefined) assert.deepEqual(kept, message, 'keepMalformed changes nothing in a packet without bad options');
  else if (kept !== undefined) {
    assert.ok(kept.type === 'ra' && kept.malformed !== undefined, 'only an RA is kept, and only with marks');
    assert.equal(kept.malformed[0]?.error, outcome, 'the first mark is the option the strict decoder stopped at');
    assert.throws(() => encodeMessage(kept as NdMessage), RangeError, 'marks are never encoded');
    const { malformed: _marks, ...clean } = kept;
    assert.deepEqual(decodeMessage(encodeMessage(clean)), clean, `unstable re-encode of the kept part of ${Buffer.from(bytes).toString('hex')}`);
  }
  const v = validateReceived(bytes, meta);
  if (v.ok) assert.ok(kept !== undefined, 'validation accepted what decoding rejected');
  else assert.notEqual(v.code, 'E_INTERNAL');
  return outcome;
}

interface Regression { readonly name: string; readonly hex: string; readonly expect: string }
const regressions = JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/wire/regressions.json'), 'utf8')) as Regression[];

describe('wire fuzz', () => {
  for (const r of regressions) {
    it(`regression: ${r.name}`, () => {
      const bytes = hex(r.hex);
      assert.equal(check(bytes, metas[0]!), r.expect);
    });
  }

  it(`${ITERATIONS} mutated and random packets: only NdDecodeError, within ${TIME_LIMIT_MS / 1000} s`, (t) => {
    const rand = prng(SEED);
    const outcomes = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      let p = seeds[Math.floor(rand() * seeds.length)] as Uint8Array;
      for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) p = mutate(p, rand);
      const outcome = check(p, metas[i % metas.length] as ReceiveMeta);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const elapsed = performance.now() - started;
    const summary = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
    t.diagnostic(`fuzzed ${ITERATIONS} packets in ${Math.round(elapsed)} ms (seed 0x${SEED.toString(16)}): ${summary}`);
    console.log(`wire fuzz: ${ITERATIONS} packets in ${Math.round(elapsed)} ms: ${summary}`);
    assert.ok(elapsed < TIME_LIMIT_MS, `fuzz took ${elapsed} ms`);
    assert.ok((outcomes.get('ok') ?? 0) > ITERATIONS / 20, 'enough mutants still decode to exercise the re-encode check');
  });
});
