import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NdDecodeError,
  NdReader,
  decodeDnsName,
  decodeMessage,
  dnsNameLength,
  encodeDnsName,
  encodeMessage,
  encodeOption,
  encodeOptions,
  parseDnsName,
  pref64Lifetime,
  preferenceFromBits,
  preferenceToBits,
  type NdOption,
  type RouterPreference,
} from '../../src/wire';
import { hex, toHex } from './wire-helpers';

const RA = '86 00 0000 40 00 0708 00000000 00000000';

function decodeFails(bytes: Uint8Array, code: string, fields: { offset?: number; optionType?: number; message?: RegExp } = {}): NdDecodeError {
  try {
    decodeMessage(bytes);
  } catch (e) {
    assert.ok(e instanceof NdDecodeError);
    assert.equal(e.name, 'NdDecodeError');
    assert.equal(e.code, code, e.message);
    if (fields.offset !== undefined) assert.equal(e.offset, fields.offset);
    if ('optionType' in fields) assert.equal(e.optionType, fields.optionType);
    if (fields.message) assert.match(e.message, fields.message);
    return e;
  }
  assert.fail('expected an NdDecodeError');
}

describe('NdDecodeError', () => {
  it('says how many bytes a short header needed', () => {
    decodeFails(hex('86 00 0000 40'), 'E_TRUNCATED', { message: /needs at least 16 bytes.*have 5/, optionType: undefined });
  });
  it('points at a zero Length octet and names the option type', () => {
    decodeFails(hex(`${RA} 03 00 000000000000`), 'E_ZERO_LENGTH_OPTION', { offset: 17, optionType: 3, message: /RFC 4861 4\.6/ });
  });
  it('says which Length a type needs', () => {
    decodeFails(hex(`${RA} 05 02 0000 00000000 0000000000000000`), 'E_BAD_OPTION_LENGTH', { offset: 17, optionType: 5, message: /Length 2; it must be 1 \(RFC 4861 4\.6\.4\)/ });
  });
  it('gives the bytes an option announces and the bytes left', () => {
    decodeFails(hex(`${RA} 19 03 0000 00000708 2001`), 'E_TRUNCATED', { offset: 16, optionType: 25, message: /24 bytes\), packet has 10 left/ });
  });
  it('keeps the underlying error as cause', () => {
    const e = decodeFails(hex(`${RA} 25 01 c3 28 00 00 00 00`), 'E_BAD_OPTION_VALUE', { optionType: 37 });
    assert.ok(e.cause instanceof TypeError);
  });
  it('reports an unknown message type at offset 0', () => {
    decodeFails(hex('01 04 0000 00000000'), 'E_UNKNOWN_MESSAGE', { offset: 0 });
  });
});

describe('encoder errors (RangeError naming the field)', () => {
  const enc = (o: NdOption): number => encodeOption(o, new Uint8Array(4096));
  const cases: [string, NdOption, RegExp][] = [
    ['PIO prefix length over 255', { type: 'prefixInformation', prefixLength: 300, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 1, preferredLifetime: 1, prefix: '::' }, /PIO prefix length must be an integer 0\.\.255, got 300/],
    ['PIO lifetime over 32 bits', { type: 'prefixInformation', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 2 ** 32, preferredLifetime: 1, prefix: '::' }, /valid lifetime/],
    ['PIO reserved flags outside 0x0f', { type: 'prefixInformation', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, reservedFlags: 0x10, validLifetime: 1, preferredLifetime: 1, prefix: '::' }, /reservedFlags/],
    ['RDNSS without servers', { type: 'rdnss', lifetime: 1, servers: [] }, /Length 1; it must be odd and at least 3/],
    ['DNSSL without domains', { type: 'dnssl', lifetime: 1, domains: [] }, /Length 1; it must be at least 2/],
    ['DNSSL label over 63', { type: 'dnssl', lifetime: 1, domains: [`${'a'.repeat(64)}.com`] }, /64-octet label/],
    ['PREF64 lifetime not a multiple of 8', { type: 'pref64', lifetime: 100, prefixLength: 96, prefix: '64:ff9b::' }, /multiple of 8/],
    ['PREF64 lifetime over 13 bits', { type: 'pref64', lifetime: 65536, prefixLength: 96, prefix: '64:ff9b::' }, /multiple of 8/],
    ['PREF64 bits below 96', { type: 'pref64', lifetime: 8, prefixLength: 96, prefix: '64:ff9b::1' }, /top 96 bits/],
    ['PREF64 length not in the PLC table', { type: 'pref64', lifetime: 8, prefixLength: 80 as 96, prefix: '64:ff9b::' }, /one of 96, 64, 56, 48, 40, 32/],
    ['captive portal URI with NUL', { type: 'captivePortal', uri: 'http://a/\0' }, /NUL/],
    ['captive portal URI over 2038 bytes', { type: 'captivePortal', uri: 'x'.repeat(2039) }, /2040/],
    ['6LoWPAN context ID over 15', { type: 'lowpanContext', contextLength: 64, compression: true, contextId: 16, lifetime: 1, prefix: '::' }, /context ID/],
    ['home agent preference over 16 bits signed', { type: 'homeAgentInfo', mobileRouterSupport: false, preference: 40000, lifetime: 1 }, /signed 16-bit/],
    ['empty link-layer address', { type: 'sourceLinkLayer', address: new Uint8Array(0) }, /empty/],
    ['unknown option code over 255', { type: 'unknown', code: 256, body: new Uint8Array(6) }, /option type must be an integer 0\.\.255/],
  ];
  for (const [name, opt, re] of cases) it(name, () => assert.throws(() => enc(opt), (e: unknown) => e instanceof RangeError && re.test(e.message)));

  it('bad address text', () => assert.throws(() => encodeOptions([{ type: 'abro', versionLow: 0, versionHigh: 0, validLifetime: 0, address: 'fe80::zz' }]), /invalid IPv6 address/));
  it('buffer too small says how many bytes', () => assert.throws(() => encodeOption({ type: 'mtu', mtu: 1500 }, new Uint8Array(8), 4), /buffer too small writing MTU: needs 4 bytes at offset 8, has 0/));
  it('RA reservedFlags over 3', () => {
    assert.throws(() => encodeMessage({ type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false, reservedFlags: 4, routerLifetime: 0, reachableTime: 0, retransTimer: 0, options: [] }), RangeError);
  });
  it('a caller-supplied unknown option with a registered code is sent as is', () => {
    const bytes = encodeOptions([{ type: 'unknown', code: 5, body: hex('0000 000005dc') }]);
    assert.equal(toHex(bytes), '05010000000005dc');
  });
});

describe('preference bits (RFC 4191 2.1)', () => {
  it('maps both ways', () => {
    const table: [RouterPreference, number][] = [['high', 1], ['medium', 0], ['low', 3], ['reserved', 2]];
    for (const [p, bits] of table) {
      assert.equal(preferenceToBits(p), bits);
      assert.equal(preferenceFromBits(bits), p);
      assert.equal(preferenceFromBits(bits | 0xfc), p, 'higher bits ignored');
    }
  });
});

describe('pref64Lifetime', () => {
  it('rounds up to 8-second units and caps at 13 bits', () => {
    assert.deepEqual([0, 1, 8, 9, 1800, 65528, 70000, -5].map(pref64Lifetime), [0, 8, 8, 16, 1800, 65528, 65528, 0]);
  });
});

describe('DNS names (RFC 1035 3.1, RFC 8106 5.2)', () => {
  const read = (bytes: Uint8Array): string => decodeDnsName(new NdReader(bytes, 0, bytes.length, 31));
  it('encodes labels with a root terminator', () => {
    assert.equal(toHex(encodeDnsName('example.com')), toHex(hex('07 "example" 03 "com" 00')));
    assert.equal(toHex(encodeDnsName('example.com.')), toHex(hex('07 "example" 03 "com" 00')), 'one trailing dot is the root');
    assert.equal(dnsNameLength('example.com'), 13);
  });
  it('escapes what is not printable ASCII, and reads the escapes back', () => {
    const wire = hex('04 61 2e 5c 20 02 00 ff 00');
    assert.equal(read(wire), 'a\\.\\\\\\032.\\000\\255');
    assert.equal(toHex(encodeDnsName(read(wire))), toHex(wire));
  });
  it('accepts a 63-octet label and a 255-octet name', () => {
    const name = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');
    assert.equal(dnsNameLength(name), 255);
    assert.equal(read(encodeDnsName(name)), name);
  });
  it('rejects a 256-octet name both ways', () => {
    const name = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(62)].join('.');
    assert.throws(() => encodeDnsName(name), /256 octets on the wire, over 255/);
    const wire = Uint8Array.from([63, ...Array(63).fill(97), 63, ...Array(63).fill(98), 63, ...Array(63).fill(99), 62, ...Array(62).fill(100), 0]);
    assert.throws(() => read(wire), (e: unknown) => e instanceof NdDecodeError && e.code === 'E_BAD_DNS_NAME');
  });
  it('rejects empty names and labels, non-ASCII and bad escapes', () => {
    for (const bad of ['', '.', 'a..b', '.a', 'bücher.de', 'a b', 'a\\', 'a\\300']) assert.throws(() => parseDnsName(bad), RangeError, bad);
  });
  it('rejects compression pointers and extended label types', () => {
    for (const first of [0xc0, 0x80, 0x40]) {
      assert.throws(() => read(Uint8Array.from([first, 12, 0])), (e: unknown) => e instanceof NdDecodeError && e.code === 'E_BAD_DNS_NAME' && /compression/.test(e.message));
    }
  });
});
