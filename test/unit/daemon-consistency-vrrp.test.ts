/** RFC 9568 8.2.3: the two routers of a virtual router compare whole RAs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVirtualRouterRas } from '../../src/observe/consistency';
import type { RouterAdvertisement } from '../../src/wire/types';

const base: RouterAdvertisement = {
  type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false,
  routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
  options: [
    { type: 'sourceLinkLayer', address: Uint8Array.from([0, 0, 0x5e, 0, 2, 51]) },
    { type: 'prefixInformation', prefix: '2001:db8:1:1::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 },
    { type: 'rdnss', servers: ['2001:db8::53'], lifetime: 1800 },
  ],
};

test('identical RAs (the source link-layer option aside) compare equal', () => {
  const other = { ...base, options: [{ type: 'sourceLinkLayer' as const, address: Uint8Array.from([2, 0, 0, 0, 0, 1]) }, ...base.options.slice(1)] };
  assert.deepEqual(compareVirtualRouterRas(base, other), []);
});

test('every difference is named: header fields, a lifetime, an option only one side has', () => {
  const other: RouterAdvertisement = {
    ...base,
    preference: 'high',
    options: [
      { type: 'prefixInformation', prefix: '2001:db8:1:1::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 0 },
      { type: 'routeInformation', prefix: '2001:db8:2::', prefixLength: 48, preference: 'medium', lifetime: 600 },
    ],
  };
  assert.deepEqual(compareVirtualRouterRas(base, other).map((i) => `${i.field}: ${i.ours} / ${i.theirs}`), [
    'router preference: medium / high',
    'prefix 2001:db8:1:1::/64: valid 86400 preferred 14400 L A / valid 86400 preferred 0 L A',
    'RDNSS 2001:db8::53: lifetime 1800 / absent',
    'route 2001:db8:2::/48: absent / lifetime 600 preference medium',
  ]);
});
