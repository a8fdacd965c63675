/**
 * Golden packets: a received RA with malformed options keeps the rest (RFC 4191 2.3, RFC 8106
 * 5.3.1, RFC 8781 4; the Linux kernel does the same), with each bad option marked; a broken
 * TLV frame (Length 0, Length past the end) still discards the whole packet (RFC 4861 4.6).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NdDecodeError, decodeMessage, encodeMessage, validateReceived, type MalformedOption, type ReceiveMeta, type RouterAdvertisement } from '../../src/wire';
import { formatRaAsConfig, raToJson } from '../../src/cli/dump';
import { hex, toHex } from './wire-helpers';

const meta: ReceiveMeta = { source: 'fe80::bad', destination: 'ff02::1', hopLimit: 255, ifindex: 3 };
const HEADER = '86 00 0000 40 00 0708 00000000 00000000'; // hop limit 64, router lifetime 1800
const SLLAO = '01 01 52 54 00 12 34 56';
const PIO = '03 04 40 c0 00015180 00003840 00000000 20010db8000100000000000000000000'; // 2001:db8:1::/64 L A
const MTU_LENGTH_2 = '05 02 0000 000005dc 0000000000000000'; // RFC 4861 4.6.4: Length is 1

function accepted(bytes: Uint8Array): RouterAdvertisement {
  const v = validateReceived(bytes, meta);
  assert.ok(v.ok, v.ok ? '' : `${v.code}: ${v.reason}`);
  assert.equal(v.message.type, 'ra');
  return v.message as RouterAdvertisement;
}

function dropped(bytes: Uint8Array, code: string): void {
  const v = validateReceived(bytes, meta);
  assert.equal(v.ok, false, 'expected the packet to be dropped');
  if (!v.ok) assert.equal(v.code, code, v.reason);
}

const shape = (m: MalformedOption): unknown => ({ code: m.code, length: m.length, offset: m.offset, index: m.index, error: m.error, body: toHex(m.body) });

describe('received RA with a malformed option: the rest is kept, the bad option marked', () => {
  it('an MTU option of Length 2 between the SLLAO and a PIO', () => {
    const ra = accepted(hex(`${HEADER} ${SLLAO} ${MTU_LENGTH_2} ${PIO}`));
    assert.equal(ra.routerLifetime, 1800);
    assert.deepEqual(ra.options.map((o) => o.type), ['sourceLinkLayer', 'prefixInformation']);
    const pio = ra.options[1];
    assert.ok(pio?.type === 'prefixInformation');
    assert.deepEqual([pio.prefix, pio.prefixLength, pio.validLifetime, pio.preferredLifetime], ['2001:db8:1::', 64, 86400, 14400]);
    assert.deepEqual(ra.malformed?.map(shape), [{ code: 5, length: 2, offset: 24, index: 1, error: 'E_BAD_OPTION_LENGTH', body: '0000000005dc0000000000000000' }]);
    assert.match(ra.malformed?.[0]?.reason ?? '', /MTU option \(type 5\) at offset 24 has Length 2; it must be 1 \(RFC 4861 4\.6\.4\)/);
    assert.equal(ra.malformed?.[0]?.type, 'malformed');
  });

  it('a RIO too short for its prefix length, a PREF64 with PLC 7 and a DNSSL with a compression pointer, among good options', () => {
    const bytes = hex(`${HEADER}
      18 02 60 08 00000708 20010db8000000aa                      // RIO /96 in Length 2 (RFC 4191 2.3: needs 3)   @16
      19 03 0000 00000708 20010db8000000000000000000000053     // RDNSS 2001:db8::53                           @32
      26 02 070f 0064ff9b0000000000000000                       // PREF64, PLC 7 (RFC 8781 4: 0..5)             @56
      1f 02 0000 00000708 c00c000000000000                      // DNSSL, pointer 0xc00c (RFC 8106 5.2)         @72
      18 02 30 18 00000708 20010db800990000                     // RIO 2001:db8:99::/48 low                     @88
    `);
    const ra = accepted(bytes);
    assert.deepEqual(ra.options, [
      { type: 'rdnss', lifetime: 1800, servers: ['2001:db8::53'] },
      { type: 'routeInformation', prefixLength: 48, preference: 'low', lifetime: 1800, prefix: '2001:db8:99::' },
    ]);
    assert.deepEqual(ra.malformed?.map(shape), [
      { code: 24, length: 2, offset: 16, index: 0, error: 'E_BAD_OPTION_LENGTH', body: '600800000708' + '20010db8000000aa' },
      { code: 38, length: 2, offset: 56, index: 2, error: 'E_BAD_OPTION_VALUE', body: '070f0064ff9b0000000000000000' },
      { code: 31, length: 2, offset: 72, index: 3, error: 'E_BAD_DNS_NAME', body: '000000000708c00c000000000000' },
    ]);
    assert.match(ra.malformed?.[0]?.reason ?? '', /prefix length 96 needs Length 3 \(RFC 4191 2\.3\)/);
    assert.match(ra.malformed?.[1]?.reason ?? '', /PREF64 PLC 7 is not 0\.\.5 \(RFC 8781 4\)/);
    assert.match(ra.malformed?.[2]?.reason ?? '', /compression pointers are not allowed/);
  });

  it('a PIO of Length 3 and a captive portal URI that is not UTF-8; every option malformed still leaves the header', () => {
    const ra = accepted(hex(`${HEADER} 03 03 40c0 00015180 00003840 00000000 20010db800010000 ${SLLAO} 25 01 c3 28 00 00 00 00`));
    assert.deepEqual(ra.options.map((o) => o.type), ['sourceLinkLayer']);
    assert.deepEqual(ra.malformed?.map((m) => [m.code, m.index, m.error]), [[3, 0, 'E_BAD_OPTION_LENGTH'], [37, 2, 'E_BAD_OPTION_VALUE']]);
    const only = accepted(hex(`${HEADER} ${MTU_LENGTH_2}`));
    assert.deepEqual(only.options, []);
    assert.equal(only.malformed?.length, 1);
    assert.equal(only.routerLifetime, 1800, 'the header is what hosts act on: a default router');
  });

  it('a well-formed RA has no `malformed` at all (and decodes as before)', () => {
    const bytes = hex(`${HEADER} ${SLLAO} ${PIO}`);
    const ra = accepted(bytes);
    assert.equal('malformed' in ra, false);
    assert.deepEqual(ra, decodeMessage(bytes));
  });
});

describe('what stays fatal for the whole packet', () => {
  it('an option with Length 0, even after a malformed one (RFC 4861 4.6)', () => {
    dropped(hex(`${HEADER} ${MTU_LENGTH_2} ${PIO} fd 00 000000000000`), 'E_ZERO_LENGTH_OPTION');
  });
  it('an option whose Length runs past the end of the packet', () => {
    dropped(hex(`${HEADER} ${MTU_LENGTH_2} 19 03 0000 00000708 2001`), 'E_TRUNCATED');
  });
  it('a malformed option in a message other than an RA (RS): strict as before', () => {
    const v = validateReceived(hex(`85 00 0000 00000000 ${MTU_LENGTH_2}`), { ...meta, destination: 'ff02::2' });
    assert.equal(v.ok, false);
    if (!v.ok) assert.equal(v.code, 'E_BAD_OPTION_LENGTH');
  });
  it('decodeMessage without keepMalformed still throws at the first bad option', () => {
    assert.throws(() => decodeMessage(hex(`${HEADER} ${SLLAO} ${MTU_LENGTH_2} ${PIO}`)), (e: unknown) => e instanceof NdDecodeError && e.code === 'E_BAD_OPTION_LENGTH' && e.offset === 25);
  });
});

describe('a malformed option is never sent', () => {
  it('encoding an RA that carries marks throws; without them it encodes the good options only', () => {
    const ra = accepted(hex(`${HEADER} ${SLLAO} ${MTU_LENGTH_2} ${PIO}`));
    assert.throws(() => encodeMessage(ra), /malformed options \(as received\) cannot be encoded/);
    const { malformed: _marks, ...clean } = ra;
    assert.equal(toHex(encodeMessage(clean)), toHex(hex(`${HEADER} ${SLLAO} ${PIO}`)));
  });
});

describe('firsthop dump shows the marked option', () => {
  const bytes = hex(`${HEADER} ${SLLAO} ${MTU_LENGTH_2} ${PIO}`);
  it('in radvd.conf syntax, in packet order, as a comment (it is not configuration)', () => {
    const text = formatRaAsConfig(accepted(bytes), 'fe80::bad', 'eth0');
    const lines = text.split('\n');
    const sll = lines.findIndex((l) => l.includes('# source link-layer address'));
    const bad = lines.findIndex((l) => l.includes('# MALFORMED option type 5, Length 2, at offset 24: ignored (E_BAD_OPTION_LENGTH)'));
    const pio = lines.findIndex((l) => l.includes('prefix 2001:db8:1::/64'));
    assert.ok(sll >= 0 && bad > sll && pio > bad, text);
    assert.match(lines[bad + 1] ?? '', /^\t# {3}bytes after Type and Length: 0000000005dc0000000000000000$/);
    assert.doesNotMatch(text, /AdvLinkMTU/, 'the bad MTU is not shown as a setting');
  });
  it('as JSON, with the body in hex', () => {
    const j = raToJson(accepted(bytes), 'fe80::bad', 'eth0', new Date(0)) as { ra: { malformed: Array<Record<string, unknown>> } };
    assert.deepEqual(j.ra.malformed.map((m) => [m['type'], m['code'], m['error'], m['body']]), [['malformed', 5, 'E_BAD_OPTION_LENGTH', '0000000005dc0000000000000000']]);
  });
});
