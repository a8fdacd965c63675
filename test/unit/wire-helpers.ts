/** Test helpers for the wire codec: annotated hex, the round-trip checker, fast-check arbitraries. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIPv6 } from '../../src/net/ipv6';
import {
  NdReader,
  NdWriter,
  OPT,
  decodeMessage,
  decodeOption,
  encodeMessageInto,
  encodeOption,
  messageLength,
  optionCodecs,
  optionLength,
  type NdMessage,
  type NdOption,
  type OptionCodec,
} from '../../src/wire';

/**
 * Bytes from an annotated listing: hex digits (any grouping), "quoted ASCII", and `//`
 * comments to the end of the line. Anything else is a typo and throws.
 */
export function hex(listing: string): Uint8Array {
  const out: number[] = [];
  for (const m of listing.matchAll(/"([^"]*)"|\/\/[^\n]*|([0-9a-fA-F]+)|(\S)/g)) {
    if (m[1] !== undefined) for (const ch of m[1]) out.push(ch.charCodeAt(0));
    else if (m[2] !== undefined) {
      if (m[2].length % 2 !== 0) throw new Error(`odd hex group '${m[2]}'`);
      for (let i = 0; i < m[2].length; i += 2) out.push(parseInt(m[2].slice(i, i + 2), 16));
    } else if (m[3] !== undefined) throw new Error(`stray '${m[3]}' in hex listing`);
  }
  return Uint8Array.from(out);
}

export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const codecFor = (o: NdOption): OptionCodec<NdOption> => optionCodecs[o.type] as unknown as OptionCodec<NdOption>;
const codeOf = (o: NdOption): number => (o.type === 'unknown' ? o.code : codecFor(o).code ?? -1);

/**
 * The round-trip contract every codec meets, at every level it has:
 * - value codec: encodingLength === bytes written, written at a non-zero offset without
 *   touching bytes around it, decoded back deep-equal, consuming exactly what was written;
 * - TLV framing: optionLength === bytes written (a multiple of 8), decodeOption gives it back;
 * - message: messageLength === bytes written at an offset, decodeMessage gives it back.
 */
export function roundTripOption(opt: NdOption): void {
  const codec = codecFor(opt);
  const len = codec.encodingLength(opt);
  const buf = new Uint8Array(len + 13).fill(0xee);
  const w = new NdWriter(buf, 5);
  codec.encode(opt, w);
  assert.equal(w.offset - 5, len, 'encodingLength equals bytes written');
  assert.ok(buf.subarray(0, 5).every((b) => b === 0xee) && buf.subarray(5 + len).every((b) => b === 0xee), 'writes stay in bounds');
  const r = new NdReader(buf, 5, 5 + len, codeOf(opt));
  assert.deepEqual(codec.decode(r), opt, 'value decode(encode(x)) deep-equals x');
  assert.equal(r.remaining, 0, 'decode consumes every value byte');

  const size = optionLength(opt);
  assert.equal(size % 8, 0, 'options are 8-octet aligned');
  const framed = new Uint8Array(size + 11).fill(0xee);
  assert.equal(encodeOption(opt, framed, 3), size, 'optionLength equals bytes written');
  assert.equal(framed[3], codeOf(opt));
  assert.equal(framed[4], size / 8);
  const { option, next } = decodeOption(framed, 3, 3 + size);
  assert.deepEqual(option, opt, 'framed decode(encode(x)) deep-equals x');
  assert.equal(next, 3 + size);
}

export function roundTripMessage(msg: NdMessage): Uint8Array {
  const len = messageLength(msg);
  const buf = new Uint8Array(len + 9).fill(0xee);
  assert.equal(encodeMessageInto(msg, buf, 7), len, 'messageLength equals bytes written');
  assert.equal(buf[6], 0xee);
  const bytes = buf.subarray(7, 7 + len);
  assert.deepEqual(decodeMessage(bytes), msg, 'decode(encode(x)) deep-equals x');
  return bytes;
}

// ---- fast-check arbitraries: valid objects in their canonical (decoded) form ----

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytesN = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
/** Sizes 8k + r, so a value of that size fills its option with no padding. */
const bytes8k = (r: number, maxK: number): fc.Arbitrary<Uint8Array> =>
  fc.integer({ min: 0, max: maxK }).chain((k) => bytesN(8 * k + r));
const sparse16 = fc.tuple(bytesN(16), bytesN(16)).map(([v, mask]) => v.map((b, i) => ((mask[i] ?? 0) < 96 ? b : 0)));

export const arbAddress = fc.oneof(bytesN(16), sparse16).map((b) => formatIPv6(b));
export const arbPreference = fc.constantFrom(...(['high', 'medium', 'low', 'reserved'] as const));

/** One DNS label byte in its canonical text form (RFC 1035 5.1 escapes for the rest). */
const labelByte = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_'.split('')) },
  { weight: 1, arbitrary: fc.constantFrom('\\.', '\\\\', '\\000', '\\032', '\\127', '\\255', '\\200') },
);
const label = fc.array(labelByte, { minLength: 1, maxLength: 63 }).map((a) => a.join(''));
export const arbDomain = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.array(labelByte, { minLength: 1, maxLength: 12 }).map((a) => a.join('')) }, { weight: 1, arbitrary: label }), { minLength: 1, maxLength: 5 })
  .filter((ls) => ls.reduce((n, l) => n + 1 + l.replace(/\\(\d{3}|.)/g, 'x').length, 1) <= 255)
  .map((ls) => ls.join('.'));

const unknownCodes = Array.from({ length: 256 }, (_, i) => i).filter((c) => !(Object.values(OPT) as number[]).includes(c));

export const arbOption: fc.Arbitrary<NdOption> = fc.oneof(
  fc.record({ type: fc.constant('sourceLinkLayer' as const), address: bytes8k(6, 3) }),
  fc.record({ type: fc.constant('targetLinkLayer' as const), address: bytes8k(6, 3) }),
  fc.record(
    {
      type: fc.constant('prefixInformation' as const),
      prefixLength: u8,
      onLink: fc.boolean(),
      autonomous: fc.boolean(),
      routerAddress: fc.boolean(),
      dhcpv6Pd: fc.boolean(),
      reservedFlags: fc.integer({ min: 1, max: 15 }),
      validLifetime: u32,
      preferredLifetime: u32,
      prefix: arbAddress,
    },
    { requiredKeys: ['type', 'prefixLength', 'onLink', 'autonomous', 'routerAddress', 'dhcpv6Pd', 'validLifetime', 'preferredLifetime', 'prefix'] },
  ),
  fc.record({ type: fc.constant('redirectedHeader' as const), packet: bytes8k(0, 6) }),
  fc.record({ type: fc.constant('mtu' as const), mtu: u32 }),
  fc.record({ type: fc.constant('advertisementInterval' as const), intervalMs: u32 }),
  fc.record({ type: fc.constant('homeAgentInfo' as const), mobileRouterSupport: fc.boolean(), preference: fc.integer({ min: -0x8000, max: 0x7fff }), lifetime: u16 }),
  fc.record({ type: fc.constant('routeInformation' as const), prefixLength: u8, preference: arbPreference, lifetime: u32, prefix: arbAddress }),
  fc.record({ type: fc.constant('rdnss' as const), lifetime: u32, servers: fc.array(arbAddress, { minLength: 1, maxLength: 5 }) }),
  fc.record({ type: fc.constant('dnssl' as const), lifetime: u32, domains: fc.array(arbDomain, { minLength: 1, maxLength: 4 }) }),
  fc.record({ type: fc.constant('captivePortal' as const), uri: fc.fullUnicodeString({ maxLength: 80 }).filter((s) => !s.includes('\0')) }),
  fc.record({
    type: fc.constant('pref64' as const),
    lifetime: fc.integer({ min: 0, max: 0x1fff }).map((n) => n * 8),
    prefixLength: fc.constantFrom(...([32, 40, 48, 56, 64, 96] as const)),
    prefix: bytesN(12).map((b) => { const a = new Uint8Array(16); a.set(b); return formatIPv6(a); }),
  }),
  fc.record({ type: fc.constant('lowpanContext' as const), contextLength: u8, compression: fc.boolean(), contextId: fc.integer({ min: 0, max: 15 }), lifetime: u16, prefix: arbAddress }),
  fc.record({ type: fc.constant('abro' as const), versionLow: u16, versionHigh: u16, validLifetime: u16, address: arbAddress }),
  fc.record({ type: fc.constant('unknown' as const), code: fc.constantFrom(...unknownCodes), body: bytes8k(6, 4) }),
);

const options = fc.array(arbOption, { maxLength: 6 });

export const arbMessage: fc.Arbitrary<NdMessage> = fc.oneof(
  fc.record({ type: fc.constant('rs' as const), options }),
  fc.record(
    {
      type: fc.constant('ra' as const),
      curHopLimit: u8,
      managed: fc.boolean(),
      other: fc.boolean(),
      homeAgent: fc.boolean(),
      preference: arbPreference,
      proxy: fc.boolean(),
      reservedFlags: fc.integer({ min: 1, max: 3 }),
      routerLifetime: u16,
      reachableTime: u32,
      retransTimer: u32,
      options,
    },
    { requiredKeys: ['type', 'curHopLimit', 'managed', 'other', 'homeAgent', 'preference', 'proxy', 'routerLifetime', 'reachableTime', 'retransTimer', 'options'] },
  ),
  fc.record({ type: fc.constant('ns' as const), target: arbAddress, options }),
  fc.record({ type: fc.constant('na' as const), router: fc.boolean(), solicited: fc.boolean(), override: fc.boolean(), target: arbAddress, options }),
  fc.record({ type: fc.constant('redirect' as const), target: arbAddress, destination: arbAddress, options }),
);
