import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  NdDecodeError,
  decodeMessage,
  encodeMessage,
  optionCodecs,
  type NdMessage,
  type NdOption,
} from '../../src/wire';
import { arbMessage, arbOption, roundTripMessage, roundTripOption, toHex } from './wire-helpers';
import { messageVectors, optionVectors } from './wire-vectors';

/** Shape of the examples the round-trip helper runs on, beyond the golden vectors. */
const edgeOptions: NdOption[] = [
  { type: 'sourceLinkLayer', address: Uint8Array.from({ length: 14 }, (_, i) => i + 1) }, // 8-byte EUI-64 link + padding room
  { type: 'routeInformation', prefixLength: 0, preference: 'reserved', lifetime: 0, prefix: '2001:db8::' }, // bytes past /0 kept: Length 2
  { type: 'routeInformation', prefixLength: 48, preference: 'low', lifetime: 1, prefix: '2001:db8::1' }, // host bits past 64: Length 3
  { type: 'routeInformation', prefixLength: 200, preference: 'high', lifetime: 1, prefix: '::' }, // bogus length still round-trips
  { type: 'lowpanContext', contextLength: 0, compression: false, contextId: 0, lifetime: 0, prefix: '::' },
  { type: 'dnssl', lifetime: 1, domains: ['a\\.b.c', 'x\\\\y', '\\000\\255.z', 'A'.repeat(63) + '.' + 'b'.repeat(63)] },
  { type: 'captivePortal', uri: '' },
  { type: 'captivePortal', uri: 'https://例え.jp/api' },
  { type: 'pref64', lifetime: 65528, prefixLength: 32, prefix: '2001:db8::' },
  { type: 'homeAgentInfo', mobileRouterSupport: false, preference: -32768, lifetime: 0 },
  { type: 'redirectedHeader', packet: new Uint8Array(0) },
  { type: 'unknown', code: 0, body: new Uint8Array(6) },
];

describe('wire round trip', () => {
  it('every option codec: golden and edge values', () => {
    const seen = new Set<string>();
    for (const opt of [...optionVectors.map((v) => v.option), ...edgeOptions]) {
      roundTripOption(opt);
      seen.add(opt.type);
    }
    assert.deepEqual([...seen].sort(), Object.keys(optionCodecs).sort(), 'every registered codec exercised');
  });

  it('every message codec: golden values', () => {
    for (const v of messageVectors) assert.equal(toHex(roundTripMessage(v.message)), toHex(v.bytes));
  });

  it('every option codec: arbitrary valid values', () => {
    fc.assert(fc.property(arbOption, (o) => roundTripOption(o)), { seed: 4861, numRuns: 3000 });
  });
});

describe('wire properties', () => {
  it('valid message -> encode -> decode -> encode gives identical bytes', () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        const bytes = roundTripMessage(m);
        assert.equal(toHex(encodeMessage(decodeMessage(bytes))), toHex(bytes));
      }),
      { seed: 4191, numRuns: 2000 },
    );
  });

  /** Either an NdDecodeError, or a message whose re-encoding decodes to the same message. */
  const decodesStably = (bytes: Uint8Array): void => {
    let m: NdMessage;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      assert.ok(e instanceof NdDecodeError, `threw ${String(e)}`);
      assert.notEqual(e.code, 'E_INTERNAL', e.message);
      return;
    }
    const again = encodeMessage(m);
    assert.deepEqual(decodeMessage(again), m);
    assert.equal(toHex(encodeMessage(decodeMessage(again))), toHex(again), 'the second encoding is a fixed point');
  };

  it('arbitrary bytes decode stably or throw NdDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesStably), { seed: 8106, numRuns: 5000 });
  });

  it('an ND header followed by arbitrary TLVs decodes stably or throws NdDecodeError', () => {
    const tlv = fc
      .tuple(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 24, 25, 31, 34, 35, 37, 38)), fc.integer({ min: 0, max: 4 }))
      .chain(([type, len]) => fc.uint8Array({ minLength: Math.max(0, len * 8 - 2), maxLength: Math.max(0, len * 8 - 2) }).map((v) => [type, len, ...v]));
    const packet = fc.tuple(fc.constantFrom(...messageVectors.map((v) => v.bytes)), fc.array(tlv, { maxLength: 5 })).map(([m, tlvs]) => {
      const header = m.subarray(0, { 133: 8, 134: 16, 135: 24, 136: 24, 137: 40 }[m[0] as 133 | 134 | 135 | 136 | 137]);
      return Uint8Array.from([...header, ...tlvs.flat()]);
    });
    fc.assert(fc.property(packet, decodesStably), { seed: 8781, numRuns: 20000 });
  });
});
