/** src/net/ipv6.ts isIPv6 against node:net's isIPv6 (the reference it replaces on the start path). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv6 as nodeIsIPv6 } from 'node:net';
import fc from 'fast-check';
import { formatIPv6, isIPv6 } from '../../src/net/ipv6';

const CASES = [
  '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '1:2:3:4:5:6::7:8', '::ffff:1.2.3.4', '::ffff:01.2.3.4',
  '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5::1.2.3.4', '::1.2.3.4', '1::2::3', '12345::', 'g::', ':1::', '1:::2', 'fe80::1%eth0',
  'fe80::1%', '%eth0', '::ffff:1.2.3', '::ffff:256.1.1.1', '1:2:3:4:5:6:7:1.2.3.4', ' ::1', '::1 ', '0000:0000::', 'FFFF::',
  '1:2:3:4:5:6:7:8:9', '::1:2:3:4:5:6:7', '1:2:3:4:5:6:7::8', '', ':', ':::', '1:2', '1.2.3.4', '::1.2.3.4.5', '1::1.2.3.4:5',
  'fe80::1%eth0%1', '::%lo', '2001:db8::/64', '::0.0.0.0', '::255.255.255.255', '::1.2.3.04',
];

test('isIPv6 agrees with node:net on hand-picked cases', () => {
  for (const c of CASES) assert.equal(isIPv6(c), nodeIsIPv6(c), JSON.stringify(c));
});

test('isIPv6 agrees with node:net on random strings over the address alphabet', () => {
  fc.assert(
    fc.property(fc.stringOf(fc.constantFrom(...'0123456789abcdefABCDEFg:.%'.split('')), { maxLength: 45 }), (s) => isIPv6(s) === nodeIsIPv6(s)),
    { numRuns: 20_000 },
  );
});

test('isIPv6 agrees with node:net on mangled valid addresses', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(60), fc.constantFrom('', ':', '::', '.', '0', '00000', '%x', '1.2.3.4', ':1.2.3.4'), (bytes, at, insert) => {
      const a = formatIPv6(bytes);
      const i = at % (a.length + 1);
      const s = a.slice(0, i) + insert + a.slice(i);
      return isIPv6(a) && isIPv6(s) === nodeIsIPv6(s);
    }),
    { numRuns: 20_000 },
  );
});
