import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { DropCounters, passesHeaderChecks, validateReceived, type ReceiveMeta } from '../../src/wire';
import { hex } from './wire-helpers';

const LL = 'fe80::1';
const meta = (over: Partial<ReceiveMeta> = {}): ReceiveMeta => ({ source: LL, destination: 'ff02::1', hopLimit: 255, ifindex: 3, ...over });
const SLLAO = '01 01 52 54 00 12 34 56';

const RS = hex(`85 00 0000 00000000 ${SLLAO}`);
const RA = hex(`86 00 0000 40 00 0708 00000000 00000000 ${SLLAO}`);
const NS = hex(`87 00 0000 00000000 20010db8000000000000000000000001 ${SLLAO}`);
const NS_DAD = hex('87 00 0000 00000000 20010db8000000000000000000000001'); // no SLLAO
const NA = hex('88 00 0000 60000000 20010db8000000000000000000000001'); // S=1 O=1
const REDIRECT = hex('89 00 0000 00000000 fe800000000000000000000000000002 20010db8000000000000000000000099');

/** Copy of `b` with bytes at `at` replaced. */
const patch = (b: Uint8Array, at: number, ...v: number[]): Uint8Array => { const c = Uint8Array.from(b); c.set(v, at); return c; };
const withOption = (b: Uint8Array, option: string): Uint8Array => Uint8Array.from([...b, ...hex(option)]);

function drops(bytes: Uint8Array, m: ReceiveMeta, code: string): void {
  const v = validateReceived(bytes, m);
  assert.equal(v.ok, false, 'expected a drop');
  if (!v.ok) {
    assert.equal(v.code, code, v.reason);
    assert.ok(v.reason.length > 0);
  }
}

function accepts(bytes: Uint8Array, m: ReceiveMeta, type: string): void {
  const v = validateReceived(bytes, m);
  assert.ok(v.ok, v.ok ? '' : `${v.code}: ${v.reason}`);
  assert.equal(v.message.type, type);
}

describe('RFC 4861 6.1.1 Router Solicitation validation', () => {
  it('accepts a valid RS', () => accepts(RS, meta({ destination: 'ff02::2' }), 'rs'));
  it('accepts an RS from :: without SLLAO', () => accepts(RS.subarray(0, 8), meta({ source: '::', destination: 'ff02::2' }), 'rs'));
  it('IP Hop Limit is 255', () => drops(RS, meta({ hopLimit: 254 }), 'E_HOP_LIMIT'));
  it('ICMP Code is 0', () => drops(patch(RS, 1, 1), meta(), 'E_ICMP_CODE'));
  it('ICMP length is 8 or more', () => drops(RS.subarray(0, 7), meta(), 'E_TRUNCATED'));
  it('all included options have a length greater than zero', () => drops(patch(RS, 9, 0), meta(), 'E_ZERO_LENGTH_OPTION'));
  it('no SLLAO when the source is unspecified', () => drops(RS, meta({ source: '::' }), 'E_UNSPECIFIED_SOURCE_SLLAO'));
  it('does not require a link-local source (hosts may use a global one)', () => accepts(RS, meta({ source: '2001:db8::5' }), 'rs'));
});

describe('RFC 4861 6.1.2 Router Advertisement validation', () => {
  it('accepts a valid RA and returns the decoded message', () => {
    const v = validateReceived(RA, meta());
    assert.ok(v.ok);
    assert.equal(v.message.type, 'ra');
    if (v.message.type === 'ra') assert.equal(v.message.routerLifetime, 1800);
  });
  it('IP Source Address is link-local', () => drops(RA, meta({ source: '2001:db8::1' }), 'E_SOURCE_NOT_LINK_LOCAL'));
  it('IP Source Address is link-local, not unspecified', () => drops(RA, meta({ source: '::' }), 'E_SOURCE_NOT_LINK_LOCAL'));
  it('IP Hop Limit is 255', () => drops(RA, meta({ hopLimit: 64 }), 'E_HOP_LIMIT'));
  it('ICMP Code is 0', () => drops(patch(RA, 1, 0x80), meta(), 'E_ICMP_CODE'));
  it('ICMP length is 16 or more', () => drops(RA.subarray(0, 15), meta(), 'E_TRUNCATED'));
  it('all included options have a length greater than zero', () => drops(patch(RA, 17, 0), meta(), 'E_ZERO_LENGTH_OPTION'));
  it('a malformed option is ignored and marked, the RA kept (RFC 4191 2.3, RFC 8781 4; wire-malformed.test.ts)', () => {
    const v = validateReceived(withOption(RA, '05 02 0000 000005dc 0000000000000000'), meta());
    assert.ok(v.ok && v.message.type === 'ra');
    assert.deepEqual(v.message.options.map((o) => o.type), ['sourceLinkLayer']);
    assert.deepEqual(v.message.malformed?.map((m) => [m.code, m.error]), [[5, 'E_BAD_OPTION_LENGTH']]);
  });
});

describe('RFC 4861 7.1.1 Neighbor Solicitation validation', () => {
  it('accepts address resolution', () => accepts(NS, meta({ destination: 'ff02::1:ff00:1' }), 'ns'));
  it('accepts DAD (from ::, to solicited-node, no SLLAO)', () => accepts(NS_DAD, meta({ source: '::', destination: 'ff02::1:ff00:1' }), 'ns'));
  it('IP Hop Limit is 255', () => drops(NS, meta({ hopLimit: 1 }), 'E_HOP_LIMIT'));
  it('ICMP length is 24 or more', () => drops(NS.subarray(0, 23), meta(), 'E_TRUNCATED'));
  it('Target Address is not multicast', () => drops(patch(NS, 8, 0xff, 0x02), meta(), 'E_TARGET_MULTICAST'));
  it('from ::, the destination is a solicited-node address', () => drops(NS_DAD, meta({ source: '::', destination: 'ff02::1' }), 'E_DESTINATION_NOT_SOLICITED_NODE'));
  it('from ::, there is no SLLAO', () => drops(NS, meta({ source: '::', destination: 'ff02::1:ff00:1' }), 'E_UNSPECIFIED_SOURCE_SLLAO'));
});

describe('RFC 4861 7.1.2 Neighbor Advertisement validation', () => {
  it('accepts a solicited unicast NA', () => accepts(NA, meta({ destination: 'fe80::9' }), 'na'));
  it('accepts an unsolicited NA to all-nodes', () => accepts(patch(NA, 4, 0x20), meta({ destination: 'ff02::1' }), 'na'));
  it('ICMP Code is 0', () => drops(patch(NA, 1, 2), meta({ destination: 'fe80::9' }), 'E_ICMP_CODE'));
  it('Target Address is not multicast', () => drops(patch(NA, 8, 0xff), meta({ destination: 'fe80::9' }), 'E_TARGET_MULTICAST'));
  it('to a multicast destination, the Solicited flag is zero', () => drops(NA, meta({ destination: 'ff02::1' }), 'E_SOLICITED_TO_MULTICAST'));
});

describe('RFC 4861 8.1 Redirect validation', () => {
  it('accepts a redirect to a link-local router', () => accepts(REDIRECT, meta({ destination: 'fe80::9' }), 'redirect'));
  it('accepts a redirect to the destination itself (on-link)', () => {
    accepts(patch(REDIRECT, 8, ...hex('20010db8000000000000000000000099')), meta({ destination: 'fe80::9' }), 'redirect');
  });
  it('IP Source Address is link-local', () => drops(REDIRECT, meta({ source: '2001:db8::1' }), 'E_SOURCE_NOT_LINK_LOCAL'));
  it('ICMP length is 40 or more', () => drops(REDIRECT.subarray(0, 39), meta(), 'E_TRUNCATED'));
  it('Destination Address is not multicast', () => drops(patch(REDIRECT, 24, 0xff, 0x02), meta(), 'E_REDIRECT_DESTINATION_MULTICAST'));
  it('Target is link-local or the destination', () => drops(patch(REDIRECT, 8, 0x20, 0x01), meta(), 'E_REDIRECT_TARGET'));
});

describe('validateReceived, other inputs', () => {
  it('empty packet', () => drops(new Uint8Array(0), meta(), 'E_TRUNCATED'));
  it('non-ND ICMPv6 type', () => drops(hex('80 00 0000 0000 0000'), meta(), 'E_UNKNOWN_MESSAGE'));
  it('unusable receive metadata', () => drops(RA, meta({ source: 'not-an-address' }), 'E_BAD_META'));
  it('takes a Buffer as well as a Uint8Array', () => accepts(Buffer.from(RA), meta(), 'ra'));
});

describe('DropCounters', () => {
  it('counts drops by code and ignores accepted packets', () => {
    const c = new DropCounters();
    c.record(validateReceived(RA, meta()));
    c.record(validateReceived(RA, meta({ hopLimit: 1 })));
    c.record(validateReceived(RA, meta({ hopLimit: 2 })));
    c.record(validateReceived(RA, meta({ source: '2001:db8::1' })));
    c.count('E_CUSTOM', 5);
    assert.equal(c.get('E_HOP_LIMIT'), 2);
    assert.equal(c.get('E_NOT_SEEN'), 0);
    assert.equal(c.total, 8);
    assert.deepEqual(Object.keys(c.snapshot()), ['E_CUSTOM', 'E_HOP_LIMIT', 'E_SOURCE_NOT_LINK_LOCAL']);
    c.reset();
    assert.equal(c.total, 0);
  });

  it('record() returns its argument so it can wrap a call', () => {
    const c = new DropCounters();
    const v = c.record(validateReceived(RS, meta({ hopLimit: 3 })));
    assert.equal(v.ok, false);
  });
});

test('passesHeaderChecks: the checks that need nothing parsed, as validateReceived makes them', () => {
  const rs = Uint8Array.from([133, 0, 0, 0, 0, 0, 0, 0]);
  const ra = new Uint8Array(16);
  ra[0] = 134;
  assert.equal(passesHeaderChecks(rs, 255), true);
  assert.equal(passesHeaderChecks(ra, 255), true);
  assert.equal(passesHeaderChecks(rs, 254), false, 'hop limit');
  assert.equal(passesHeaderChecks(Uint8Array.from([133, 1, 0, 0, 0, 0, 0, 0]), 255), false, 'ICMP code');
  assert.equal(passesHeaderChecks(ra.subarray(0, 15), 255), false, 'shorter than the RA header');
  assert.equal(passesHeaderChecks(Uint8Array.from([128, 0, 0, 0]), 255), false, 'not ND');
  assert.equal(passesHeaderChecks(new Uint8Array(0), 255), false, 'empty');
  for (const [bytes, hop] of [[rs, 255], [rs, 254], [Uint8Array.from([133, 1, 0, 0, 0, 0, 0, 0]), 255], [ra.subarray(0, 15), 255]] as const) {
    const v = validateReceived(bytes, { source: 'fe80::1', destination: 'ff02::2', hopLimit: hop, ifindex: 1 });
    assert.equal(passesHeaderChecks(bytes, hop), v.ok || !['E_HOP_LIMIT', 'E_ICMP_CODE', 'E_TRUNCATED'].includes(v.code), 'agrees with validateReceived');
  }
});
