/**
 * The VRRPv3 codec (RFC 9568 5 and the receive checks of 7.1): the keepalived 2.2 golden
 * vectors decoded, re-encoded and checksummed against an independent RFC 1071 sum, hand-built
 * packets, every drop reason, the encoder's range checks, virtualMac, compareAddresses, and
 * fast-check properties (decode never throws; encode and decode are inverse).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatIPv6, parseIPv6 } from '../../src/net/ipv6';
import {
  HEADER_LENGTH,
  VRRP_GROUP_V4,
  VRRP_GROUP_V6,
  compareAddresses,
  decodeAdvertisement,
  encodeAdvertisement,
  virtualMac,
  vrrpChecksum,
  type Advertisement,
  type DecodeResult,
  type VrrpDropReason,
} from '../../src/vrrp/codec';
import { formatIPv4, parseIPv4 } from '../../src/net/ipv4';
import type { VrrpFamily } from '../../src/vrrp/types';

// ---------------------------------------------------------------------------------------------
// Fixture

interface VrrpVector {
  readonly description: string;
  readonly kind: 'vrrp';
  readonly family: VrrpFamily;
  readonly source: string;
  readonly destination: string;
  readonly hopLimit: number;
  readonly hex: string;
  readonly fields: {
    readonly version: number;
    readonly type: number;
    readonly vrid: number;
    readonly priority: number;
    readonly count: number;
    readonly maxAdvertIntervalCs: number;
    readonly checksum: number;
    readonly addresses: readonly string[];
  };
  readonly ethernetSource: string;
}

interface Fixture {
  readonly vectors: ReadonlyArray<{ readonly kind: string; readonly description: string }>;
}

// Compiled to dist/test/unit: the fixture stays in the source tree.
const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'vrrp', 'keepalived-2.2.json');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
const vrrpVectors = fixture.vectors.filter((v): v is VrrpVector => v.kind === 'vrrp');

const bytesOf = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');

// ---------------------------------------------------------------------------------------------
// An independent reference: RFC 1071 over the pseudo-header of RFC 9568 5.2.8, written out
// from the RFC rather than shared with the code under test.

function addrBytes(family: VrrpFamily, text: string): Uint8Array {
  return family === 6 ? parseIPv6(text) : Uint8Array.from(text.split('.').map(Number));
}

function pseudo(family: VrrpFamily, source: string, destination: string, length: number): number[] {
  const tail = family === 6 ? [(length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff, 0, 0, 0, 112] : [0, 112, (length >>> 8) & 0xff, length & 0xff];
  return [...addrBytes(family, source), ...addrBytes(family, destination), ...tail];
}

/** The folded one's-complement sum of the bytes (padded to even length). */
function refSum(bytes: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The sum over pseudo-header and message as received: 0xffff when the checksum is right. */
function verifySum(family: VrrpFamily, source: string, destination: string, message: Uint8Array): number {
  return refSum([...pseudo(family, source, destination, message.length), ...message]);
}

/** Write the right checksum into `message` (in place) with the reference sum, and return it. */
function fixChecksum(family: VrrpFamily, source: string, destination: string, message: Uint8Array): Uint8Array {
  message[6] = 0;
  message[7] = 0;
  const c = ~refSum([...pseudo(family, source, destination, message.length), ...message]) & 0xffff;
  message[6] = c >> 8;
  message[7] = c & 0xff;
  return message;
}

/** A raw VRRP message: header fields as given (no checks), checksum fixed unless told. */
function raw(
  family: VrrpFamily,
  h: { version?: number; type?: number; vrid?: number; priority?: number; count?: number; intervalField?: number; addresses?: readonly string[]; extra?: readonly number[] },
  o: { source?: string; destination?: string; checksum?: 'fix' | number } = {},
): Uint8Array {
  const addrs = h.addresses ?? (family === 6 ? ['fe80::1'] : ['192.0.2.254']);
  const body = addrs.flatMap((a) => [...addrBytes(family, a)]);
  const field = h.intervalField ?? 100;
  const m = Uint8Array.from([((h.version ?? 3) << 4) | (h.type ?? 1), h.vrid ?? 1, h.priority ?? 100, h.count ?? addrs.length, field >> 8, field & 0xff, 0, 0, ...body, ...(h.extra ?? [])]);
  const source = o.source ?? SRC[family];
  const destination = o.destination ?? GROUP[family];
  if (o.checksum === undefined || o.checksum === 'fix') return fixChecksum(family, source, destination, m);
  m[6] = o.checksum >> 8;
  m[7] = o.checksum & 0xff;
  return m;
}

const SRC: Record<VrrpFamily, string> = { 4: '192.0.2.1', 6: 'fe80::f459:75ff:fe5f:edea' };
const GROUP: Record<VrrpFamily, string> = { 4: VRRP_GROUP_V4, 6: VRRP_GROUP_V6 };

function decode(family: VrrpFamily, data: Uint8Array, hopLimit = 255, source = SRC[family], destination = GROUP[family]): DecodeResult {
  return decodeAdvertisement(family, data, source, destination, hopLimit);
}

function assertDrop(r: DecodeResult, reason: VrrpDropReason, detail?: RegExp): void {
  if (r.ok) return assert.fail(`expected a '${reason}' drop, got ${JSON.stringify(r.adv)}`);
  assert.equal(r.reason, reason, r.detail);
  assert.ok(r.detail.length > 0, 'a drop carries a detail');
  if (detail !== undefined) assert.match(r.detail, detail);
}

function assertOk(r: DecodeResult): Extract<DecodeResult, { ok: true }>['adv'] {
  if (!r.ok) return assert.fail(`expected ok, got ${r.reason}: ${r.detail}`);
  return r.adv;
}

// ---------------------------------------------------------------------------------------------

describe('keepalived 2.2 golden advertisements', () => {
  it('the fixture has advertisements of both families, with and without priority 0', () => {
    assert.equal(vrrpVectors.length, 7);
    for (const family of [4, 6] as const) {
      assert.ok(vrrpVectors.some((v) => v.family === family && v.fields.priority === 0), `IPv${family} priority 0`);
      assert.ok(vrrpVectors.some((v) => v.family === family && v.fields.priority !== 0), `IPv${family} priority > 0`);
    }
  });

  for (const v of vrrpVectors) {
    describe(v.description, () => {
      const bytes = bytesOf(v.hex);

      it('decodes to the captured fields', () => {
        const adv = assertOk(decodeAdvertisement(v.family, bytes, v.source, v.destination, v.hopLimit));
        assert.deepEqual(
          { version: adv.version, type: adv.type, vrid: adv.vrid, priority: adv.priority, count: adv.addresses.length, maxAdvertIntervalCs: adv.maxAdvertIntervalCs, checksum: adv.checksum, addresses: adv.addresses },
          v.fields,
        );
      });

      it('re-encodes to the same bytes', () => {
        const { vrid, priority, maxAdvertIntervalCs, addresses } = v.fields;
        const out = encodeAdvertisement(v.family, { vrid, priority, maxAdvertIntervalCs, addresses }, v.source, v.destination);
        assert.equal(out.toString('hex'), v.hex);
      });

      it('re-encodes what decode returned to the same bytes', () => {
        const adv = assertOk(decodeAdvertisement(v.family, bytes, v.source, v.destination, v.hopLimit));
        assert.equal(encodeAdvertisement(v.family, adv, v.source, v.destination).toString('hex'), v.hex);
      });

      it('checksum both ways: vrrpChecksum gives the captured field, and the reference sum over pseudo-header + message is 0xffff', () => {
        assert.equal(vrrpChecksum(v.family, v.source, v.destination, bytes), v.fields.checksum);
        assert.equal(bytes.readUInt16BE(6), v.fields.checksum);
        assert.equal(verifySum(v.family, v.source, v.destination, bytes), 0xffff);
        // The same message with its checksum zeroed sums to the complement of the checksum.
        const zeroed = Uint8Array.from(bytes);
        zeroed[6] = zeroed[7] = 0;
        assert.equal(~verifySum(v.family, v.source, v.destination, zeroed) & 0xffff, v.fields.checksum);
        assert.equal(vrrpChecksum(v.family, v.source, v.destination, zeroed), v.fields.checksum, 'the checksum field itself is taken as zero');
      });

      it('the checksum covers the pseudo-header: it fails without it, and with another source or destination', () => {
        assert.notEqual(refSum([...bytes]), 0xffff, 'the message alone does not verify');
        const otherSource = v.family === 6 ? 'fe80::f459:75ff:fe5f:edeb' : '192.0.2.2';
        const otherDestination = v.family === 6 ? 'ff02::1' : '224.0.0.1';
        assertDrop(decodeAdvertisement(v.family, bytes, otherSource, v.destination, 255), 'checksum');
        assertDrop(decodeAdvertisement(v.family, bytes, v.source, otherDestination, 255), 'checksum');
      });

      it('a Buffer slice at an odd offset of a larger buffer decodes the same', () => {
        const big = Buffer.alloc(bytes.length + 7, 0xaa);
        bytes.copy(big, 3);
        const view = new Uint8Array(big.buffer, big.byteOffset + 3, bytes.length);
        assert.deepEqual(assertOk(decodeAdvertisement(v.family, view, v.source, v.destination, 255)), assertOk(decodeAdvertisement(v.family, bytes, v.source, v.destination, 255)));
      });
    });
  }

  it('the use_vmac capture was sent from virtualMac(6, 51)', () => {
    const vmac = vrrpVectors.find((v) => v.description.includes('with use_vmac'));
    assert.ok(vmac);
    assert.equal(vmac.ethernetSource, virtualMac(6, vmac.fields.vrid));
  });
});

describe('encodeAdvertisement: hand-computed packets', () => {
  it('IPv4, VRID 1, priority 100, 100 cs, 10.0.0.1, from 10.0.0.2', () => {
    // Message words: 3101 6401 0064 0000 0a00 0001 = 0x9f67.
    // Pseudo-header: 0a00 0002 e000 0012 0070 000c = 0xea90.
    // 0x9f67 + 0xea90 = 0x189f7 -> 0x89f8; ~0x89f8 = 0x7607.
    const out = encodeAdvertisement(4, { vrid: 1, priority: 100, maxAdvertIntervalCs: 100, addresses: ['10.0.0.1'] }, '10.0.0.2', '224.0.0.18');
    assert.equal(out.toString('hex'), '31016401' + '0064' + '7607' + '0a000001');
    assert.equal(verifySum(4, '10.0.0.2', '224.0.0.18', out), 0xffff);
  });

  it('IPv6, VRID 1, owner (255), 1 cs, fe80::1, from fe80::2', () => {
    // Message words: 3101 ff01 0001 0000 fe80 0001 = 0x22e84.
    // Pseudo-header: fe80 0002 ff02 0012 0000 0018 0000 0070 = 0x1fe1e.
    // 0x22e84 + 0x1fe1e = 0x42ca2 -> 0x2ca6; ~0x2ca6 = 0xd359.
    const out = encodeAdvertisement(6, { vrid: 1, priority: 255, maxAdvertIntervalCs: 1, addresses: ['fe80::1'] }, 'fe80::2', 'ff02::12');
    assert.equal(out.toString('hex'), '3101ff01' + '0001' + 'd359' + 'fe800000000000000000000000000001');
    assert.equal(out.length, HEADER_LENGTH + 16);
  });

  it('IPv4, VRID 254, priority 0, the largest interval 4095 cs, two addresses', () => {
    // Message: 31fe 0002 0fff 0000 c000 0201 c000 0202 = 0x1c602.
    // Pseudo-header: c000 0201 e000 0012 0070 0010 = 0x1a293.
    // 0x1c602 + 0x1a293 = 0x36895 -> 0x6898; ~0x6898 = 0x9767.
    const out = encodeAdvertisement(4, { vrid: 254, priority: 0, maxAdvertIntervalCs: 4095, addresses: ['192.0.2.1', '192.0.2.2'] }, '192.0.2.1', '224.0.0.18');
    assert.equal(out.toString('hex'), '31fe0002' + '0fff' + '9767' + 'c0000201c0000202');
  });

  it('the reserved bits of Max Adver Int are zero on send, and ignored (but checksummed) on receive', () => {
    const out = encodeAdvertisement(6, { vrid: 9, priority: 100, maxAdvertIntervalCs: 0xfff, addresses: ['fe80::1'] }, SRC[6], GROUP[6]);
    assert.equal(out[4]! >> 4, 0);
    const reserved = raw(6, { intervalField: 0xf064 });
    const adv = assertOk(decode(6, reserved));
    assert.equal(adv.maxAdvertIntervalCs, 100);
    // With the reserved bits set but a checksum computed without them, the packet is dropped.
    const wrong = raw(6, { intervalField: 0x0064 });
    wrong[4] = 0xf0;
    assertDrop(decode(6, wrong), 'checksum');
  });

  it('decodes IPv6 addresses to canonical text and IPv4 to dotted quads', () => {
    const adv = assertOk(decode(6, raw(6, { addresses: ['fe80:0:0:0:0:0:0:a', '2001:DB8::0:1', '::ffff:192.0.2.1'] })));
    assert.deepEqual(adv.addresses, ['fe80::a', '2001:db8::1', '::ffff:c000:201']);
    const v4 = assertOk(decode(4, raw(4, { addresses: ['0.0.0.0', '255.255.255.255', '10.1.2.3'] })));
    assert.deepEqual(v4.addresses, ['0.0.0.0', '255.255.255.255', '10.1.2.3']);
  });

  it('parseIPv4 / formatIPv4', () => {
    assert.deepEqual([...parseIPv4('192.0.2.254')], [192, 0, 2, 254]);
    assert.equal(formatIPv4(Uint8Array.from([9, 10, 192, 0, 2, 254]), 2), '192.0.2.254');
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-4', '1.2.3.4 ', 'a.b.c.d', '1..2.3', '1234.1.1.1', '']) {
      assert.throws(() => parseIPv4(bad), RangeError, bad);
    }
  });
});

describe('decodeAdvertisement: drop reasons', () => {
  const v6 = (): Uint8Array => raw(6, { addresses: ['fe80::1', '2001:db8::1'] });
  const v4 = (): Uint8Array => raw(4, { addresses: ['192.0.2.254'] });

  it('the base packets decode (the drops below are caused by the one change each makes)', () => {
    assertOk(decode(6, v6()));
    assertOk(decode(4, v4()));
  });

  it('hop limit / TTL other than 255, checked before anything else', () => {
    for (const h of [254, 0, 1, 64, 128, 256, -1]) {
      assertDrop(decode(6, v6(), h), 'hop_limit', new RegExp(`hop limit ${h}`));
      assertDrop(decode(4, v4(), h), 'hop_limit', new RegExp(`TTL ${h}`));
    }
    assertDrop(decode(6, new Uint8Array(0), 254), 'hop_limit');
  });

  it('truncated header: 0..7 bytes', () => {
    const full = v6();
    for (let n = 0; n < HEADER_LENGTH; n++) {
      assertDrop(decode(6, full.subarray(0, n)), 'length', /shorter than the 8-byte header/);
      assertDrop(decode(4, v4().subarray(0, n)), 'length');
    }
  });

  it('Count beyond the data, for every cut inside the address list', () => {
    const full = v6();
    for (let n = HEADER_LENGTH; n < full.length; n++) assertDrop(decode(6, full.subarray(0, n)), 'length', /Count 2 needs 40/);
    // Count says 3 with two addresses present, checksum right for what is there.
    assertDrop(decode(6, raw(6, { count: 3, addresses: ['fe80::1', '2001:db8::1'] })), 'length');
    assertDrop(decode(4, raw(4, { count: 255, addresses: ['192.0.2.1'] })), 'length', /Count 255 needs 1028/);
    // IPv4 lengths: 4 bytes per address, not 16.
    assertDrop(decode(4, raw(4, { count: 2, addresses: ['192.0.2.1'] })), 'length', /needs 16/);
  });

  it('trailing bytes after Count addresses (even with the checksum computed over them)', () => {
    assertDrop(decode(6, raw(6, { addresses: ['fe80::1'], extra: [0] })), 'length', /accounts for 24/);
    assertDrop(decode(6, raw(6, { addresses: ['fe80::1'], extra: new Array<number>(16).fill(0) })), 'length');
    assertDrop(decode(4, raw(4, { addresses: ['192.0.2.1'], extra: [1, 2, 3, 4] })), 'length');
    // An IPv6-sized packet given to the IPv4 decoder: Count 1 accounts for 12 of 24 bytes.
    assertDrop(decode(4, raw(6, { addresses: ['fe80::1'] })), 'length');
  });

  it('version 2 (and every other version)', () => {
    assertDrop(decode(4, raw(4, { version: 2 })), 'version', /version 2/);
    for (const version of [0, 1, 2, 4, 15]) assertDrop(decode(6, raw(6, { version })), 'version');
  });

  it('type 2 (and every other type)', () => {
    assertDrop(decode(6, raw(6, { type: 2 })), 'type', /type 2/);
    for (const type of [0, 2, 3, 15]) assertDrop(decode(4, raw(4, { type })), 'type');
  });

  it('a flipped checksum bit, each of the 16', () => {
    for (const family of [4, 6] as const) {
      const good = family === 6 ? v6() : v4();
      for (let bit = 0; bit < 16; bit++) {
        const p = Uint8Array.from(good);
        p[6 + (bit >> 3)]! ^= 0x80 >> (bit & 7);
        assertDrop(decode(family, p), 'checksum', /checksum 0x[0-9a-f]{4}, expected 0x[0-9a-f]{4}/);
      }
    }
  });

  it('every single-bit flip of a golden packet is dropped, for the reason of the field it hits', () => {
    for (const v of vrrpVectors) {
      const good = bytesOf(v.hex);
      for (let i = 0; i < good.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const p = Uint8Array.from(good);
          p[i]! ^= 1 << bit;
          const r = decodeAdvertisement(v.family, p, v.source, v.destination, 255);
          const expected: VrrpDropReason = i === 0 ? (bit >= 4 ? 'version' : 'type') : i === 3 ? 'length' : 'checksum';
          assert.equal(r.ok, false, `${v.description}: byte ${i} bit ${bit}`);
          if (!r.ok) assert.equal(r.reason, expected, `${v.description}: byte ${i} bit ${bit}: ${r.detail}`);
        }
      }
    }
  });

  it('Count 0 with a correct checksum (RFC 9568 errata), for both families', () => {
    for (const family of [4, 6] as const) {
      const p = raw(family, { count: 0, addresses: [] });
      assert.equal(p.length, HEADER_LENGTH);
      assert.equal(verifySum(family, SRC[family], GROUP[family], p), 0xffff, 'the checksum is right');
      assertDrop(decode(family, p), 'count_zero', /Count 0/);
    }
  });

  it('Count 0 with a wrong checksum is a checksum drop; with addresses after it, a length drop', () => {
    assertDrop(decode(6, raw(6, { count: 0, addresses: [] }, { checksum: 0x1234 })), 'checksum');
    assertDrop(decode(6, raw(6, { count: 0, addresses: ['fe80::1'] })), 'length');
  });

  it('Max Adver Int 0, also with the reserved bits set', () => {
    for (const family of [4, 6] as const) {
      assertDrop(decode(family, raw(family, { intervalField: 0 })), 'interval_zero', /Max Adver Int 0/);
      assertDrop(decode(family, raw(family, { intervalField: 0xf000 })), 'interval_zero');
    }
    assert.equal(assertOk(decode(4, raw(4, { intervalField: 1 }))).maxAdvertIntervalCs, 1);
  });

  it('IPv6: the first address must be link-local (fe80::/10, RFC 9568 errata)', () => {
    for (const first of ['2001:db8::1', 'fec0::1', 'fe7f:ffff::1', 'ff02::1', '::1', '::', 'fd00::1']) {
      assertDrop(decode(6, raw(6, { addresses: [first, 'fe80::1'] })), 'first_not_link_local', new RegExp(first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    }
    for (const first of ['fe80::1', 'fe80::', 'fe81::1', 'fe90:1::1', 'fea0::1', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe80:1::1']) {
      assert.equal(assertOk(decode(6, raw(6, { addresses: [first, '2001:db8::1'] }))).addresses[0], formatIPv6(parseIPv6(first)), first);
    }
  });

  it('IPv4 has no link-local rule', () => {
    assertOk(decode(4, raw(4, { addresses: ['203.0.113.7'] })));
  });

  it('checks run in the order hop limit, length, version, type, length (Count), checksum, Count 0, interval, link-local', () => {
    // Each packet has two faults; the earlier check names it.
    assertDrop(decode(6, raw(6, { version: 2 }), 64), 'hop_limit');
    assertDrop(decode(6, Uint8Array.of(0x21, 1, 2, 0, 0, 0, 0), 255), 'length');
    assertDrop(decode(6, raw(6, { version: 2, type: 2 })), 'version');
    assertDrop(decode(6, raw(6, { type: 2, count: 5 })), 'type');
    assertDrop(decode(6, raw(6, { count: 2 }, { checksum: 0 })), 'length');
    assertDrop(decode(6, raw(6, { intervalField: 0 }, { checksum: 0 })), 'checksum');
    assertDrop(decode(6, raw(6, { count: 0, addresses: [], intervalField: 0 })), 'count_zero');
    assertDrop(decode(6, raw(6, { intervalField: 0, addresses: ['2001:db8::1'] })), 'interval_zero');
  });
});

describe('encodeAdvertisement: range errors', () => {
  const base: Advertisement = { vrid: 1, priority: 100, maxAdvertIntervalCs: 100, addresses: ['192.0.2.1'] };
  const enc = (over: Partial<Advertisement>, family: VrrpFamily = 4): Buffer => encodeAdvertisement(family, { ...base, ...over }, family === 6 ? 'fe80::2' : '192.0.2.2', GROUP[family]);

  it('accepts the bounds', () => {
    for (const over of [{ vrid: 1 }, { vrid: 255 }, { priority: 0 }, { priority: 255 }, { maxAdvertIntervalCs: 1 }, { maxAdvertIntervalCs: 4095 }]) enc(over);
    const many = Array.from({ length: 255 }, (_, i) => `10.0.${i >> 8}.${i & 0xff}`);
    assert.equal(enc({ addresses: many }).length, 8 + 255 * 4);
    assert.equal(enc({ addresses: ['fe80::1', ...Array.from({ length: 254 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`)] }, 6).length, 8 + 255 * 16);
  });

  it('VRID outside 1..255', () => {
    for (const vrid of [0, 256, -1, 1000]) assert.throws(() => enc({ vrid }), { name: 'RangeError', message: /VRID/ }, String(vrid));
  });

  it('priority outside 0..255', () => {
    for (const priority of [-1, 256]) assert.throws(() => enc({ priority }), { name: 'RangeError', message: /priority/ }, String(priority));
  });

  it('interval outside 1..4095 cs', () => {
    for (const maxAdvertIntervalCs of [0, 4096, 0x10000, -100]) assert.throws(() => enc({ maxAdvertIntervalCs }), { name: 'RangeError', message: /interval/ }, String(maxAdvertIntervalCs));
  });

  it('address count outside 1..255', () => {
    assert.throws(() => enc({ addresses: [] }), { name: 'RangeError', message: /0 addresses/ });
    assert.throws(() => enc({ addresses: Array.from({ length: 256 }, () => '10.0.0.1') }), { name: 'RangeError', message: /256 addresses/ });
  });

  it('non-integer and NaN fields (they would otherwise be truncated silently or written as 0)', () => {
    for (const over of [{ vrid: 1.5 }, { vrid: Number.NaN }, { priority: 99.5 }, { priority: Number.NaN }, { maxAdvertIntervalCs: 0.5 }, { maxAdvertIntervalCs: 100.25 }, { maxAdvertIntervalCs: Number.NaN }, { vrid: Number.POSITIVE_INFINITY }]) {
      assert.throws(() => enc(over), RangeError, JSON.stringify(over));
    }
  });

  it('an address of the wrong family, or not an address', () => {
    assert.throws(() => enc({ addresses: ['fe80::1'] }, 4));
    assert.throws(() => enc({ addresses: ['192.0.2.1'] }, 6));
    assert.throws(() => enc({ addresses: ['not an address'] }, 6));
  });
});

describe('virtualMac (RFC 9568 7.3)', () => {
  it('00-00-5E-00-01-{VRID} for IPv4', () => {
    assert.equal(virtualMac(4, 1), '00:00:5e:00:01:01');
    assert.equal(virtualMac(4, 51), '00:00:5e:00:01:33');
    assert.equal(virtualMac(4, 255), '00:00:5e:00:01:ff');
  });
  it('00-00-5E-00-02-{VRID} for IPv6', () => {
    assert.equal(virtualMac(6, 1), '00:00:5e:00:02:01');
    assert.equal(virtualMac(6, 51), '00:00:5e:00:02:33');
    assert.equal(virtualMac(6, 255), '00:00:5e:00:02:ff');
  });
  it('every VRID gives a distinct unicast MAC of the IANA block', () => {
    for (const family of [4, 6] as const) {
      const seen = new Set<string>();
      for (let vrid = 1; vrid <= 255; vrid++) {
        const mac = virtualMac(family, vrid);
        assert.match(mac, /^00:00:5e:00:0[12]:[0-9a-f]{2}$/);
        assert.equal(parseInt(mac.slice(-2), 16), vrid);
        seen.add(mac);
      }
      assert.equal(seen.size, 255);
    }
  });
  it('throws on a VRID outside 1..255 instead of writing a malformed MAC (00:00:5e:00:01:100)', () => {
    for (const vrid of [0, 256, -1, 1.5, Number.NaN]) assert.throws(() => virtualMac(4, vrid), { name: 'RangeError', message: /VRID/ }, String(vrid));
  });
});

describe('compareAddresses (RFC 9568 6.4.3: unsigned, network byte order)', () => {
  const sign = (n: number): number => Math.sign(n);

  it('IPv4 compares numerically, not as text', () => {
    assert.equal(sign(compareAddresses(4, '192.0.2.1', '192.0.2.2')), -1);
    assert.equal(sign(compareAddresses(4, '192.0.2.10', '192.0.2.9')), 1, "'10' < '9' as text");
    assert.equal(sign(compareAddresses(4, '10.0.0.1', '9.255.255.255')), 1);
    assert.equal(sign(compareAddresses(4, '0.0.1.0', '0.0.0.255')), 1, 'the first byte that differs decides');
    assert.equal(sign(compareAddresses(4, '255.0.0.0', '127.255.255.255')), 1, 'unsigned: a top bit set is larger');
    assert.equal(compareAddresses(4, '192.0.2.1', '192.0.2.1'), 0);
  });

  it('IPv6 compares the 16 bytes, whatever the text form', () => {
    assert.equal(sign(compareAddresses(6, 'fe80::2', 'fe80::1')), 1);
    assert.equal(sign(compareAddresses(6, 'fe80::1:0', 'fe80::ffff')), 1);
    assert.equal(sign(compareAddresses(6, 'fe80::f459:75ff:fe5f:edea', 'fe80::f459:75ff:fe5f:edeb')), -1);
    assert.equal(sign(compareAddresses(6, '2001:db8::1', 'fe80::1')), -1);
    assert.equal(compareAddresses(6, 'fe80::1', 'FE80:0:0:0:0:0:0:1'), 0);
  });

  it('is antisymmetric and agrees with the byte order (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (x, y) => {
        const a = formatIPv6(x);
        const b = formatIPv6(y);
        const expected = sign(Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.equal(sign(compareAddresses(6, a, b)), expected);
        assert.equal(sign(compareAddresses(6, b, a)), -expected);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), (x, y) => {
        assert.equal(sign(compareAddresses(4, formatIPv4(x), formatIPv4(y))), sign(Buffer.compare(Buffer.from(x), Buffer.from(y))));
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ipv4Text = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIPv4(b));
const ipv6Text = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b));
const linkLocalText = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const c = Uint8Array.from(b);
  c[0] = 0xfe;
  c[1] = 0x80 | (c[1]! & 0x3f);
  return formatIPv6(c);
});

const advertisement = (family: VrrpFamily): fc.Arbitrary<Advertisement> =>
  fc.record({
    vrid: fc.integer({ min: 1, max: 255 }),
    priority: fc.integer({ min: 0, max: 255 }),
    maxAdvertIntervalCs: fc.integer({ min: 1, max: 4095 }),
    addresses:
      family === 6
        ? fc.tuple(linkLocalText, fc.array(ipv6Text, { maxLength: 12 })).map(([first, rest]) => [first, ...rest])
        : fc.array(ipv4Text, { minLength: 1, maxLength: 40 }),
  });

describe('properties', () => {
  const hopLimit = fc.oneof(fc.constant(255), fc.integer({ min: -2, max: 300 }));
  const seeds = vrrpVectors.map((v) => ({ family: v.family, bytes: bytesOf(v.hex), source: v.source, destination: v.destination }));

  it('decode never throws on random bytes and random hop limits, and a success is consistent', () => {
    for (const family of [4, 6] as const) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), hopLimit, family === 6 ? linkLocalText : ipv4Text, (bytes, h, source) => {
          const r = decodeAdvertisement(family, bytes, source, GROUP[family], h);
          if (r.ok) {
            assert.equal(h, 255);
            assert.equal(bytes.length, 8 + r.adv.addresses.length * (family === 6 ? 16 : 4));
          } else assert.equal(typeof r.detail, 'string');
        }),
        { numRuns: 3000 },
      );
    }
  });

  it('decode never throws on mutated golden packets, and only an unchanged message can pass', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -8, max: 8 }),
        (seed, edits, resize) => {
          const p = Buffer.alloc(Math.max(0, seed.bytes.length + resize));
          seed.bytes.copy(p, 0, 0, Math.min(p.length, seed.bytes.length));
          for (const [at, value] of edits) if (p.length > 0) p[at % p.length] = value;
          const r = decodeAdvertisement(seed.family, p, seed.source, seed.destination, 255);
          // Checksum verification: whatever passes sums to 0xffff with the reference.
          if (r.ok) assert.equal(verifySum(seed.family, seed.source, seed.destination, p), 0xffff);
        },
      ),
      { numRuns: 3000 },
    );
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: decode(encode(adv)) = adv, and encode(decode(bytes)) = bytes`, () => {
      fc.assert(
        fc.property(advertisement(family), family === 6 ? linkLocalText : ipv4Text, (adv, source) => {
          const bytes = encodeAdvertisement(family, adv, source, GROUP[family]);
          assert.equal(bytes.length, 8 + adv.addresses.length * (family === 6 ? 16 : 4));
          assert.equal(verifySum(family, source, GROUP[family], bytes), 0xffff);
          const back = assertOk(decodeAdvertisement(family, bytes, source, GROUP[family], 255));
          assert.deepEqual({ vrid: back.vrid, priority: back.priority, maxAdvertIntervalCs: back.maxAdvertIntervalCs, addresses: back.addresses }, adv);
          assert.equal(back.version, 3);
          assert.equal(back.type, 1);
          assert.equal(back.checksum, bytes.readUInt16BE(6));
          assert.deepEqual(encodeAdvertisement(family, back, source, GROUP[family]), bytes);
        }),
        { numRuns: 1000 },
      );
    });
  }
});
