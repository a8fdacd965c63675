/**
 * radvd parity over the in-memory backend: AdvLinkMTU above the interface's MTU (the MTU option
 * is left out, and back when the MTU rises) and Base6to4Interface (the 6to4 prefix follows the
 * named interface's IPv4 address from the same netlink view).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settle } from '../../src/sys/memory';
import { memoryDaemon } from './support';
import { renderStatus } from '../../src/cli/status';
import { decodeMessage } from '../../src/wire';
import type { PrefixInformationOption, RouterAdvertisement } from '../../src/wire/types';

async function setup(conf: string, t: { after: (fn: () => void) => void }) {
  const d = await memoryDaemon(conf);
  t.after(d.cleanup);
  d.clock.advance(0);
  /** RAs sent since `from` (an index into backend.sent). */
  const ras = (from = 0): RouterAdvertisement[] => d.backend.sent.slice(from).map((s) => decodeMessage(s.data) as RouterAdvertisement);
  return { backend: d.backend, link: d.links[0]!, clock: d.clock, log: d.log, daemon: d.daemon, ras };
}

const mtuOf = (ra: RouterAdvertisement): number | undefined => ra.options.find((o) => o.type === 'mtu')?.mtu;
const prefixesOf = (ra: RouterAdvertisement): string[] =>
  ra.options.filter((o): o is PrefixInformationOption => o.type === 'prefixInformation').map((o) => `${o.prefix}/${o.prefixLength} pref ${o.preferredLifetime}`);

test('AdvLinkMTU above the interface MTU: no MTU option, one warning, a status reason; the MTU rising brings it back in a triggered RA', async (t) => {
  const s = await setup('interface lan0 { AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; AdvLinkMTU 1600; };\n', t);
  const first = s.ras();
  assert.ok(first.length >= 1, 'an RA at start');
  for (const ra of first) assert.equal(mtuOf(ra), undefined, 'no MTU option while the link MTU is 1500');
  const warnings = (): string[] => s.log.lines.filter((l) => l.startsWith('warn:') && l.includes('AdvLinkMTU'));
  assert.equal(warnings().length, 1);
  assert.match(warnings()[0]!, /lan0: AdvLinkMTU 1600 is above the interface MTU 1500; hosts ignore such an MTU option \(RFC 4861 6\.3\.4\)/);
  const status = renderStatus(s.daemon.status());
  assert.match(status, /mtu = omitted \(configured 1600\): AdvLinkMTU 1600 is above the interface MTU 1500/);
  assert.doesNotMatch(status, /^\s+MTU \d+$/m);

  // Periodic RAs do not repeat the warning.
  s.clock.advance(60_000);
  assert.ok(s.ras().length > first.length + 3);
  assert.equal(warnings().length, 1, 'warned once, not per RA');

  // A change of the link that leaves the MTU as it is (carrier bounce) does not warn again.
  s.backend.kernel.setLink(s.link.ifindex, { carrier: false });
  await settle();
  s.backend.kernel.setLink(s.link.ifindex, { carrier: true });
  await settle();
  assert.equal(warnings().length, 1);

  // The MTU rises to 9000: the next RA, triggered at once, carries MTU 1600.
  s.clock.advance(30_000);
  const n = s.backend.sent.length;
  s.backend.kernel.setLink(s.link.ifindex, { mtu: 9000 });
  await settle();
  s.clock.advance(3000); // MinDelayBetweenRAs after the last periodic RA at most
  const after = s.ras(n);
  assert.ok(after.length >= 1, 'a triggered RA right after the MTU change');
  assert.equal(mtuOf(after[0]!), 1600);
  assert.ok(s.log.lines.some((l) => /info: lan0: the interface MTU is now 9000: the MTU option \(AdvLinkMTU 1600\) is advertised again/.test(l)), s.log.lines.join('\n'));
  assert.doesNotMatch(renderStatus(s.daemon.status()), /mtu = omitted/);
  assert.match(renderStatus(s.daemon.status()), /^\s+MTU 1600$/m);

  // And down again below AdvLinkMTU: omitted again, warned again (once).
  s.clock.advance(30_000);
  const m = s.backend.sent.length;
  s.backend.kernel.setLink(s.link.ifindex, { mtu: 1500 });
  await settle();
  s.clock.advance(3000);
  const down = s.ras(m);
  assert.ok(down.length >= 1, 'a triggered RA right after the MTU change');
  assert.equal(mtuOf(down[0]!), undefined);
  assert.equal(warnings().length, 2);
});

test('Base6to4Interface: the 6to4 prefix follows the IPv4 address of the named interface over netlink', async (t) => {
  const s = await setup(`interface lan0 {
    AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
    prefix 0:0:0:5678::/64 { Base6to4Interface ppp0; AdvValidLifetime 300; AdvPreferredLifetime 120; };
    prefix 2001:db8:1::/64 { };
};
`, t);
  // ppp0 does not exist yet: only the other prefix, and status says why.
  assert.deepEqual(prefixesOf(s.ras()[0]!), ['2001:db8:1::/64 pref 14400']);
  assert.match(renderStatus(s.daemon.status()), /prefix 0:0:0:5678::\/64 = not advertised: Base6to4Interface ppp0 has no IPv4 address/);

  // ppp0 appears, without an IPv4 address: still nothing.
  const ppp0 = s.backend.kernel.addLink({ name: 'ppp0', mtu: 1492 });
  await settle();
  s.clock.advance(10_000);
  assert.deepEqual(prefixesOf(s.ras().at(-1)!), ['2001:db8:1::/64 pref 14400']);

  // Its IPv4 address arrives: 2002:c000:20a:5678::/64, in an RA triggered at once.
  s.clock.advance(20_000);
  let n = s.backend.sent.length;
  s.backend.kernel.addIpv4Address({ ifindex: ppp0.ifindex, address: '192.0.2.10', prefixLength: 32 });
  await settle();
  s.clock.advance(3000);
  let after = s.ras(n);
  assert.ok(after.length >= 1, 'a triggered RA');
  assert.deepEqual(prefixesOf(after[0]!), ['2002:c000:20a:5678::/64 pref 120', '2001:db8:1::/64 pref 14400']);
  assert.doesNotMatch(renderStatus(s.daemon.status()), /not advertised/);

  // Renumbered: the new 6to4 prefix, the old one deprecated (it is withdrawn, not dropped).
  s.clock.advance(20_000);
  n = s.backend.sent.length;
  s.backend.kernel.removeIpv4Address(ppp0.ifindex, '192.0.2.10');
  s.backend.kernel.addIpv4Address({ ifindex: ppp0.ifindex, address: '198.51.100.7', prefixLength: 32 });
  await settle();
  s.clock.advance(3000);
  after = s.ras(n);
  assert.ok(after.length >= 1, 'a triggered RA');
  assert.deepEqual(prefixesOf(after.at(-1)!), ['2002:c633:6407:5678::/64 pref 120', '2001:db8:1::/64 pref 14400', '2002:c000:20a:5678::/64 pref 0']);
});

test('an RA from another router with one malformed option is still checked for consistency; the option is counted', async (t) => {
  const s = await setup('interface lan0 { AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; prefix 2001:db8:1::/64 { }; };\n', t);
  // Another router: an MTU option of Length 2 (RFC 4861 4.6.4 says 1), then a PIO whose
  // lifetimes contradict ours (RFC 4861 6.2.7). Hosts act on that PIO; firsthop must see it.
  const bytes = Buffer.from(
    '8600000040000708000000000000000005020000000005dc0000000000000000' +
      '030440c000000e1000000708000000002001' + '0db8000100000000000000000000',
    'hex',
  );
  s.backend.inject({ data: bytes, source: 'fe80::99', destination: 'ff02::1', ifindex: s.link.ifindex });
  await settle();
  assert.equal(s.daemon.counters.raReceived, 1);
  assert.equal(s.daemon.counters.raInconsistent, 1, 'the RA reached the consistency check');
  assert.equal(s.daemon.drops.total, 0, 'not dropped');
  assert.deepEqual(s.daemon.ignoredOptions.snapshot(), { E_BAD_OPTION_LENGTH: 1 });
  assert.ok(s.log.lines.some((l) => /RA from fe80::99 is inconsistent with ours .*prefix 2001:db8:1::\/64 valid lifetime: ours 86400, theirs 3600/.test(l)), s.log.lines.join('\n'));
  assert.ok(s.log.lines.some((l) => /debug: RA from fe80::99 on lan0: option 1 ignored: MTU option \(type 5\)/.test(l)));
  assert.match(renderStatus(s.daemon.status()), /RA options ignored as malformed \(the rest of those RAs was used\): E_BAD_OPTION_LENGTH 1/);
});
