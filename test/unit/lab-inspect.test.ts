import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  filterRoutes,
  hostSysctls,
  INFINITE_LIFETIME,
  LAB_PREFIX,
  parseAddressesJson,
  parseLabNamespace,
  parseLinkJson,
  parseRoutesJson,
  waitFor,
  WaitTimeoutError,
} from '../../src/lab/netns';
import { readFixtureText } from '../helpers/fixtures';

describe('parseRoutesJson', () => {
  it('reads default and RIO routes learned from radvd', () => {
    const rs = parseRoutesJson(readFixtureText('ip-route-host.json'));
    const def = filterRoutes(rs, { dst: 'default' });
    assert.equal(def.length, 1);
    assert.equal(def[0]?.protocol, 'ra');
    assert.equal(def[0]?.pref, 'low');
    assert.equal(def[0]?.gateway, 'fe80::5eff:fe10:1');
    assert.equal(def[0]?.dev, 'h0');
    assert.equal(def[0]?.mtu, 1400);
    assert.equal(def[0]?.hoplimit, 60);
    assert.equal(def[0]?.metric, 1024);
    assert.ok((def[0]?.expires ?? 0) > 1700);
    const rio = filterRoutes(rs, { dst: '2001:db8:99::/48' });
    assert.equal(rio[0]?.pref, 'high');
    assert.equal(rio[0]?.protocol, 'ra');
    const onlink = filterRoutes(rs, { dst: '2001:db8:1::/64' });
    assert.equal(onlink[0]?.protocol, 'kernel');
    assert.equal(onlink[0]?.gateway, undefined);
    assert.equal(filterRoutes(rs, { protocol: 'ra' }).length, 2);
  });

  it('keeps one entry per router and a route without expiry for an infinite lifetime', () => {
    const rs = parseRoutesJson(readFixtureText('ip-route-two-routers.json'));
    const def = filterRoutes(rs, { dst: '::/0' });
    assert.equal(def.length, 2);
    assert.deepEqual(def.map((r) => r.pref).sort(), ['high', 'low']);
    const inf = filterRoutes(rs, { dst: '2001:db8:98::/64' });
    assert.equal(inf[0]?.expires, undefined);
  });

  it('flattens multipath routes and tolerates empty output', () => {
    const rs = parseRoutesJson(
      JSON.stringify([
        { dst: 'default', protocol: 'ra', metric: 1024, flags: [], pref: 'medium', nexthops: [{ gateway: 'fe80::1', dev: 'e0', weight: 1, flags: [] }, { gateway: 'fe80::2', dev: 'e0', weight: 1, flags: [] }] },
      ]),
    );
    assert.deepEqual(rs.map((r) => r.gateway), ['fe80::1', 'fe80::2']);
    assert.equal(rs[1]?.pref, 'medium');
    assert.deepEqual(parseRoutesJson(''), []);
    assert.throws(() => parseRoutesJson('nope'), /not JSON/);
  });
});

describe('parseAddressesJson', () => {
  it('reads SLAAC and link-local addresses with lifetimes and flags', () => {
    const as = parseAddressesJson(readFixtureText('ip-addr-host.json'), 'h0');
    const slaac = as.find((a) => a.scope === 'global');
    assert.ok(slaac);
    assert.equal(slaac.address, '2001:db8:1::5eff:fe20:1');
    assert.equal(slaac.prefixLength, 64);
    assert.equal(slaac.validLft, 86400);
    assert.equal(slaac.preferredLft, 14400);
    assert.equal(slaac.flags.dynamic, true);
    assert.equal(slaac.flags.mngtmpaddr, true);
    assert.equal(slaac.flags.deprecated, false);
    assert.equal(slaac.flags.tentative, false);
    const ll = as.find((a) => a.scope === 'link');
    assert.equal(ll?.validLft, INFINITE_LIFETIME);
    assert.equal(ll?.flags.dynamic, false);
    assert.deepEqual(parseAddressesJson(readFixtureText('ip-addr-host.json'), 'other0'), []);
  });

  it('parses ip -j link', () => {
    const [l] = parseLinkJson('[{"ifindex":2,"ifname":"h0","flags":["UP"],"mtu":1500,"operstate":"UP","address":"02:00:5e:20:00:01"}]');
    assert.deepEqual(l, { ifname: 'h0', ifindex: 2, mtu: 1500, operstate: 'UP', flags: ['UP'], address: '02:00:5e:20:00:01' });
  });
});

describe('lab naming and host settings', () => {
  it('round-trips lab namespace names', () => {
    const name = `${LAB_PREFIX}-${(12345).toString(36)}-${(3).toString(36)}-host`;
    assert.deepEqual(parseLabNamespace(name, LAB_PREFIX), { prefix: LAB_PREFIX, pid: 12345, seq: 3, local: 'host' });
    assert.equal(parseLabNamespace('fhlabx-1-1-host', LAB_PREFIX), undefined);
    assert.deepEqual(parseLabNamespace('fhlabx-1-1-host'), { prefix: 'fhlabx', pid: 1, seq: 1, local: 'host' });
    assert.equal(parseLabNamespace('other-1-1-host'), undefined);
    assert.equal(parseLabNamespace('fhlab-host'), undefined);
    assert.deepEqual(parseLabNamespace('fhbench-2s-0-r1', 'fhbench'), { prefix: 'fhbench', pid: 100, seq: 0, local: 'r1' });
  });

  it('host sysctls accept RAs the way the RA tests need', () => {
    const s = hostSysctls('eth0.10');
    assert.equal(s['net/ipv6/conf/eth0.10/accept_ra'], 2);
    assert.equal(s['net/ipv6/conf/eth0.10/accept_ra_rt_info_max_plen'], 64);
    assert.equal(s['net/ipv6/conf/eth0.10/forwarding'], 0);
    assert.equal(s['net/ipv6/conf/eth0.10/accept_dad'], 0);
  });
});

describe('waitFor', () => {
  it('returns the first accepted value', async () => {
    let n = 0;
    const v = await waitFor(() => ++n, { until: (x) => x >= 3, intervalMs: 1 });
    assert.equal(v, 3);
  });

  it('treats throws and empty arrays as not yet', async () => {
    let n = 0;
    const v = await waitFor(
      () => {
        n++;
        if (n < 2) throw new Error('boom');
        return n < 4 ? [] : [n];
      },
      { intervalMs: 1 },
    );
    assert.deepEqual(v, [4]);
  });

  it('times out quoting the last value or error', async () => {
    await assert.rejects(
      waitFor(() => ({ routes: 0 }), { timeoutMs: 30, intervalMs: 5, until: (x) => x.routes > 0, what: 'routes' }),
      (e: unknown) => e instanceof WaitTimeoutError && /for routes/.test(e.message) && /"routes":0/.test(e.message),
    );
    await assert.rejects(
      waitFor(
        () => {
          throw new Error('still failing');
        },
        { timeoutMs: 20, intervalMs: 5 },
      ),
      /last error: still failing/,
    );
  });
});
