import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPT, decodeMessage, decodeOptions, encodeMessage, encodeOptions, optionLength, type NdOption } from '../../src/wire';
import { toHex } from './wire-helpers';
import { messageVectors, optionVectors } from './wire-vectors';

describe('wire golden options', () => {
  for (const v of optionVectors) {
    it(`${v.name} (${v.rfc})`, () => {
      assert.deepEqual(decodeOptions(v.bytes), [v.option], 'decodes to the expected object');
      assert.equal(toHex(encodeOptions([v.option])), toHex(v.bytes), 'encodes to the exact bytes');
      assert.equal(optionLength(v.option), v.bytes.length);
    });
  }

  it('has a vector for every option type', () => {
    const covered = new Set<NdOption['type']>(optionVectors.map((v) => v.option.type));
    const codes = new Set(optionVectors.map((v) => v.bytes[0]));
    for (const code of Object.values(OPT)) assert.ok(codes.has(code), `no golden vector for option type ${code}`);
    assert.ok(covered.has('unknown'));
  });
});

describe('wire golden messages', () => {
  for (const v of messageVectors) {
    it(`${v.name} (${v.rfc})`, () => {
      assert.deepEqual(decodeMessage(v.bytes), v.message, 'decodes to the expected object');
      assert.equal(toHex(encodeMessage(v.message)), toHex(v.bytes), 'encodes to the exact bytes');
    });
  }

  it('has a vector for every message type', () => {
    assert.deepEqual(new Set(messageVectors.map((v) => v.message.type)), new Set(['rs', 'ra', 'ns', 'na', 'redirect']));
  });

  it('ignores the checksum and code on decode (the kernel verified one, validation checks the other)', () => {
    const v = messageVectors[0]!;
    const b = Uint8Array.from(v.bytes);
    b[1] = 7;
    b[2] = 0xab;
    b[3] = 0xcd;
    assert.deepEqual(decodeMessage(b), v.message);
  });

  it('drops unmodelled reserved bits: non-zero Reserved fields re-encode as zero', () => {
    const ra = messageVectors.find((v) => v.name.includes('newer options'))!;
    const b = Uint8Array.from(ra.bytes);
    b[16 + 8 + 8 + 12] = 0x77; // PIO Reserved2
    assert.deepEqual(decodeMessage(b), ra.message);
    assert.equal(toHex(encodeMessage(decodeMessage(b))), toHex(ra.bytes));
  });
});
