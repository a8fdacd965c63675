/** The in-memory SystemBackend: simulated links between hosts, injection, fault injection. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MemoryBackend, MemoryLink, settle } from '../../src/sys/memory';
import { SysError, type IcmpPacket } from '../../src/sys/types';

const RS = Buffer.from([133, 0, 0, 0, 0, 0, 0, 0]);
const RA = Buffer.from([134, 0, 0, 0, 64, 0, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
const NS = Buffer.from([135, 0, 0, 0, 0, 0, 0, 0]);

/** Router (ifindex 2) and host (ifindex 5) on one link, each with a link-local address. */
function pair(): { link: MemoryLink; router: MemoryBackend; host: MemoryBackend } {
  const link = new MemoryLink('lan');
  const router = new MemoryBackend('router');
  const host = new MemoryBackend('host');
  router.kernel.addLink({ name: 'eth0', ifindex: 2, mac: '02:00:00:00:00:01' });
  router.kernel.addAddress({ ifindex: 2, address: 'fe80::1' });
  host.kernel.addLink({ name: 'eth0', ifindex: 5, mac: '02:00:00:00:00:02' });
  host.kernel.addAddress({ ifindex: 5, address: 'fe80::2' });
  router.attach(link, 2);
  host.attach(link, 5);
  return { link, router, host };
}

function collect(s: { onPacket(h: (p: IcmpPacket) => void): void }): IcmpPacket[] {
  const got: IcmpPacket[] = [];
  s.onPacket((p) => got.push(p));
  return got;
}

describe('memory backend', () => {
  it('delivers multicast to other hosts on the link with hop limit 255 and their ifindex', async () => {
    const { link, router, host } = pair();
    const rs = router.openIcmp6({ types: [133, 134] });
    const hs = host.openIcmp6({ types: [134] });
    const routerGot = collect(rs);
    const hostGot = collect(hs);
    rs.send(RA, 'ff02::1', 2);
    await settle();
    assert.deepEqual(hostGot, [{ data: RA, source: 'fe80::1', destination: 'ff02::1', hopLimit: 255, ifindex: 5 }]);
    assert.deepEqual(routerGot, [], 'no multicast loopback');
    assert.deepEqual(router.sent, [{ data: RA, destination: 'ff02::1', ifindex: 2, source: 'fe80::1', hopLimit: 255 }]);
    assert.equal(link.packets.length, 1);
    assert.equal(link.packets[0]?.from, router);
    rs.close();
    hs.close();
    assert.equal(router.openIcmpSockets, 0);
  });

  it('applies the type filter and group membership (ff02::2 needs a join)', async () => {
    const { router, host } = pair();
    const rs = router.openIcmp6({ types: [133] });
    const hs = host.openIcmp6({ types: [133, 134, 135] });
    const got = collect(rs);
    hs.send(NS, 'ff02::2', 5); // filtered type
    hs.send(RS, 'ff02::2', 5); // not joined yet
    await settle();
    assert.equal(got.length, 0);
    rs.joinGroup('ff02::2', 2);
    rs.joinGroup('ff02::2', 2); // twice is fine
    assert.deepEqual(router.memberships(2), ['ff02::2']);
    hs.send(RS, 'ff02::2', 5);
    await settle();
    assert.equal(got.length, 1);
    assert.equal(got[0]?.destination, 'ff02::2');
    rs.leaveGroup('ff02::2', 2);
    hs.send(RS, 'ff02::2', 5);
    await settle();
    assert.equal(got.length, 1);
    rs.close();
    hs.close();
  });

  it('delivers unicast only to the owner of the address, and solicited-node multicast', async () => {
    const { router, host } = pair();
    const rs = router.openIcmp6({ types: [134, 135] });
    const hs = host.openIcmp6({ types: [134, 135] });
    const got = collect(hs);
    rs.send(RA, 'fe80::2', 2, 'fe80::1');
    rs.send(RA, 'fe80::99', 2);
    rs.send(NS, 'ff02::1:ff00:2', 2);
    rs.send(NS, 'ff02::1:ff00:99', 2);
    await settle();
    assert.deepEqual(
      got.map((p) => [p.data[0], p.destination]),
      [
        [134, 'fe80::2'],
        [135, 'ff02::1:ff00:2'],
      ],
    );
    rs.close();
    hs.close();
  });

  it('injects packets and records nothing as sent', async () => {
    const host = new MemoryBackend();
    const s = host.openIcmp6({ types: [133] });
    const got = collect(s);
    host.inject({ data: RS, source: 'fe80::0000:1', ifindex: 3 });
    host.inject({ data: RA, source: 'fe80::1', ifindex: 3 }); // filtered
    host.inject({ data: RS, source: 'fe80::1', ifindex: 3, destination: 'ff02::2', hopLimit: 64 });
    await settle();
    assert.deepEqual(got, [
      { data: RS, source: 'fe80::1', destination: 'ff02::1', hopLimit: 255, ifindex: 3 },
      { data: RS, source: 'fe80::1', destination: 'ff02::2', hopLimit: 64, ifindex: 3 },
    ]);
    assert.deepEqual(host.sent, []);
    s.close();
  });

  it('throws SysError like the kernel: unknown ifindex, injected faults, closed socket', () => {
    const { router } = pair();
    const s = router.openIcmp6({ types: [134] });
    assert.throws(() => s.send(RA, 'ff02::1', 42), (e: unknown) => e instanceof SysError && e.code === 'ENODEV' && e.errno === 19);
    router.sendFault = (p) => (p.ifindex === 2 ? 'ENETDOWN' : undefined);
    assert.throws(() => s.send(RA, 'ff02::1', 2), (e: unknown) => e instanceof SysError && e.code === 'ENETDOWN');
    assert.equal(router.sent.length, 0);
    router.sendFault = undefined;
    s.send(RA, 'ff02::1', 2);
    assert.equal(router.sent.length, 1);
    s.close();
    assert.throws(() => s.send(RA, 'ff02::1', 2), (e: unknown) => e instanceof SysError && e.code === 'EBADF');
  });

  it('uses :: as source when the interface has no usable link-local address', () => {
    const host = new MemoryBackend();
    host.kernel.addLink({ name: 'eth0', ifindex: 2 });
    host.kernel.addAddress({ ifindex: 2, address: 'fe80::5', tentative: true });
    const s = host.openIcmp6({ types: [133] });
    s.send(RS, 'ff02::2', 2);
    assert.equal(host.sent[0]?.source, '::');
    s.close();
  });

  it('stops delivering to a detached interface', async () => {
    const { router, host } = pair();
    const rs = router.openIcmp6({ types: [134] });
    const hs = host.openIcmp6({ types: [134] });
    const got = collect(hs);
    host.detach(5);
    rs.send(RA, 'ff02::1', 2);
    await settle();
    assert.equal(got.length, 0);
    rs.close();
    hs.close();
  });
});
