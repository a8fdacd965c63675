/** NetState over the in-memory kernel (src/sys/memory.ts), which speaks real rtnetlink bytes. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { encodeLinkMessage, encodeMessage, encodeRouteMessage } from '../../src/netlink/codec';
import { AF_BRIDGE, NLM_F, RTM, RTNLGRP } from '../../src/netlink/constants';
import { NetState } from '../../src/netlink/state';
import type { NetEvent, RouteInfo } from '../../src/netlink/types';
import { MemoryBackend, settle } from '../../src/sys/memory';
import type { RawNetlinkSocket, SystemBackend } from '../../src/sys/types';

async function opened(setup?: (host: MemoryBackend) => void): Promise<{ host: MemoryBackend; state: NetState; events: NetEvent[] }> {
  const host = new MemoryBackend();
  setup?.(host);
  const state = await NetState.open(host);
  const events: NetEvent[] = [];
  state.on((e) => events.push(e));
  return { host, state, events };
}

describe('NetState over the memory kernel', () => {
  it('dumps links, addresses and routes in multi-part replies', async () => {
    const { host, state } = await opened((h) => {
      h.kernel.dumpChunk = 1;
      h.kernel.addLink({ name: 'lo', ifindex: 1, mac: '00:00:00:00:00:00' });
      h.kernel.addLink({ name: 'eth0', ifindex: 2, mac: '02:00:00:00:00:02', kind: 'veth' });
      h.kernel.addLink({ name: 'eth1', ifindex: 3, up: false });
      h.kernel.addAddress({ ifindex: 2, address: 'fe80::2' });
      h.kernel.addAddress({ ifindex: 2, address: '2001:db8::2', prefixLength: 64, preferredLifetime: 100, validLifetime: 200 });
      h.kernel.addRoute({ destination: '2001:db8::', prefixLength: 64, oif: 2, protocol: 2, metric: 256 });
      h.kernel.addRoute({ destination: '::', prefixLength: 0, gateway: 'fe80::1', oif: 2, protocol: 9, metric: 1024, preference: 1, expires: 1800 });
    });
    try {
      assert.ok(state.synced);
      assert.deepEqual(host.kernel.dumpRequests, [RTM.GETLINK, RTM.GETADDR, RTM.GETROUTE]);
      assert.deepEqual(state.links().map((l) => l.name), ['lo', 'eth0', 'eth1']);
      assert.deepEqual(state.link(2), host.kernel.link(2));
      assert.equal(state.linkByName('eth1')?.up, false);
      assert.equal(state.linkByName('eth1')?.operState, 'down');
      assert.equal(state.linkByName('nope'), undefined);
      assert.equal(state.link(2)?.kind, 'veth');
      assert.deepEqual(state.addresses(2).map((a) => a.address).sort(), ['2001:db8::2', 'fe80::2']);
      assert.equal(state.addresses(3).length, 0);
      assert.equal(state.addresses().find((a) => a.address === 'fe80::2')?.scope, 253);
      const dflt = state.routes().find((r) => r.prefixLength === 0);
      assert.deepEqual(dflt, { table: 254, destination: '::', prefixLength: 0, gateway: 'fe80::1', oif: 2, protocol: 9, metric: 1024, type: 1, preference: 1, expires: 1800 });
      assert.equal(state.stats.syncs, 1);
    } finally {
      state.close();
    }
    assert.equal(host.kernel.openSockets, 0);
  });

  it('emits link events with the previous state, and none for a no-op update', async () => {
    const { host, state, events } = await opened((h) => h.kernel.addLink({ name: 'eth0', ifindex: 2 }));
    try {
      const added = host.kernel.addLink({ name: 'veth9', ifindex: 9, up: false, kind: 'veth' });
      await settle();
      assert.deepEqual(events, [{ kind: 'link', link: added }]);
      events.length = 0;
      const up = host.kernel.setLink(9, { up: true, carrier: false });
      await settle();
      assert.deepEqual(events, [{ kind: 'link', link: up, previous: added }]);
      assert.equal(up.operState, 'lowerlayerdown');
      events.length = 0;
      host.kernel.setLink(9, {}); // same again
      await settle();
      assert.deepEqual(events, []);
      const carrier = host.kernel.setLink(9, { carrier: true });
      await settle();
      assert.deepEqual(events, [{ kind: 'link', link: carrier, previous: up }]);
      assert.equal(state.link(9)?.carrier, true);
    } finally {
      state.close();
    }
  });

  it('follows an address from tentative to preferred, and its removal', async () => {
    const { host, state, events } = await opened((h) => h.kernel.addLink({ name: 'eth0', ifindex: 2 }));
    try {
      host.kernel.addAddress({ ifindex: 2, address: 'fe80::1:2', tentative: true });
      await settle();
      assert.equal(state.addresses(2)[0]?.tentative, true);
      host.kernel.addAddress({ ifindex: 2, address: 'fe80::1:2' });
      host.kernel.removeAddress(2, 'fe80::1:2');
      await settle();
      assert.deepEqual(
        events.map((e) => (e.kind === 'address' || e.kind === 'addressRemoved' ? [e.kind, e.address.address, e.address.tentative] : [e.kind])),
        [
          ['address', 'fe80::1:2', true],
          ['address', 'fe80::1:2', false],
          ['addressRemoved', 'fe80::1:2', false],
        ],
      );
      assert.equal(state.addresses(2).length, 0);
    } finally {
      state.close();
    }
  });

  it('tracks routes per table, metric and device', async () => {
    const { host, state, events } = await opened((h) => {
      h.kernel.addLink({ name: 'eth0', ifindex: 2 });
      h.kernel.addLink({ name: 'eth1', ifindex: 3 });
    });
    try {
      const a = host.kernel.addRoute({ destination: 'fe80::', prefixLength: 64, oif: 2, protocol: 2, metric: 256 });
      const b = host.kernel.addRoute({ destination: 'fe80::', prefixLength: 64, oif: 3, protocol: 2, metric: 256 });
      const c = host.kernel.addRoute({ table: 100, destination: '2001:db8:100::', prefixLength: 48, gateway: 'fe80::1', oif: 2, metric: 100, preference: 1 });
      const d = host.kernel.addRoute({ table: 100, destination: '2001:db8:100::', prefixLength: 48, gateway: 'fe80::1', oif: 2, metric: 200 });
      await settle();
      assert.equal(state.routes().length, 4);
      host.kernel.removeRoute(c);
      await settle();
      assert.deepEqual(events, [
        { kind: 'route', route: a },
        { kind: 'route', route: b },
        { kind: 'route', route: c },
        { kind: 'route', route: d },
        { kind: 'routeRemoved', route: c },
      ]);
      assert.deepEqual(state.routes().filter((r) => r.table === 100), [d]);
    } finally {
      state.close();
    }
  });

  it('removes a deleted link with its addresses and routes', async () => {
    const { host, state, events } = await opened((h) => {
      h.kernel.addLink({ name: 'eth0', ifindex: 2 });
      h.kernel.addAddress({ ifindex: 2, address: 'fe80::2' });
      h.kernel.addRoute({ destination: 'fe80::', prefixLength: 64, oif: 2, metric: 256 });
    });
    try {
      const link = host.kernel.link(2);
      host.kernel.removeLink(2);
      await settle();
      assert.deepEqual(
        events.map((e) => e.kind),
        ['addressRemoved', 'routeRemoved', 'linkRemoved'],
      );
      assert.deepEqual(events[2], { kind: 'linkRemoved', link });
      assert.deepEqual([state.links(), state.addresses(), state.routes()], [[], [], []]);
    } finally {
      state.close();
    }
  });

  it('drops what the kernel did not report when a link vanishes', async () => {
    const { host, state, events } = await opened((h) => {
      h.kernel.addLink({ name: 'eth0', ifindex: 2 });
      h.kernel.addAddress({ ifindex: 2, address: 'fe80::2' });
    });
    try {
      // A DELLINK alone (as if the address notification had been coalesced away).
      host.kernel.inject(RTNLGRP.LINK, encodeMessage({ type: RTM.DELLINK, flags: 0, seq: 0 }, encodeLinkMessage(host.kernel.link(2)!)));
      await settle();
      assert.deepEqual(events.map((e) => e.kind), ['addressRemoved', 'linkRemoved']);
      assert.deepEqual(state.addresses(), []);
    } finally {
      state.close();
    }
  });

  it('ignores AF_BRIDGE link messages and cloned routes', async () => {
    const { host, state, events } = await opened((h) => h.kernel.addLink({ name: 'br0', ifindex: 2 }));
    try {
      const port = { ...host.kernel.link(2)!, ifindex: 5, name: 'port0' };
      host.kernel.inject(RTNLGRP.LINK, encodeMessage({ type: RTM.NEWLINK, flags: 0, seq: 0 }, encodeLinkMessage(port, AF_BRIDGE)));
      host.kernel.inject(RTNLGRP.LINK, encodeMessage({ type: RTM.DELLINK, flags: 0, seq: 0 }, encodeLinkMessage(host.kernel.link(2)!, AF_BRIDGE)));
      const cloned = encodeRouteMessage({ table: 254, destination: '2001:db8::1', prefixLength: 128, oif: 2, protocol: 2, metric: 0, type: 1 });
      cloned.writeUInt32LE(0x200, 8); // RTM_F_CLONED
      host.kernel.inject(RTNLGRP.IPV6_ROUTE, encodeMessage({ type: RTM.NEWROUTE, flags: 0, seq: 0 }, cloned));
      await settle();
      assert.deepEqual(events, []);
      assert.deepEqual(state.links().map((l) => l.name), ['br0']);
      assert.deepEqual(state.routes(), []);
    } finally {
      state.close();
    }
  });

  it('applies events that arrive during the dump in order', async () => {
    const host = new MemoryBackend();
    host.kernel.dumpChunk = 1;
    host.kernel.addLink({ name: 'eth0', ifindex: 2 });
    host.kernel.addAddress({ ifindex: 2, address: 'fe80::2' });
    const opening = NetState.open(host);
    // The link dump is queued by now; these events land between the dumps.
    host.kernel.addLink({ name: 'eth1', ifindex: 3 });
    host.kernel.addAddress({ ifindex: 3, address: 'fe80::3' });
    host.kernel.removeAddress(2, 'fe80::2');
    host.kernel.addRoute({ destination: '2001:db8::', prefixLength: 64, oif: 3 });
    await Promise.resolve();
    host.kernel.setLink(2, { mtu: 1400 });
    const state = await opening;
    try {
      assert.deepEqual(state.links().map((l) => [l.name, l.mtu]), [
        ['eth0', 1400],
        ['eth1', 1500],
      ]);
      assert.deepEqual(state.addresses().map((a) => a.address), ['fe80::3']);
      assert.equal(state.routes().length, 1);
    } finally {
      state.close();
    }
  });

  it('re-dumps after an overflow and emits resync, never patching a stale view', async () => {
    const { host, state, events } = await opened((h) => {
      h.kernel.addLink({ name: 'eth0', ifindex: 2 });
      h.kernel.addRoute({ destination: '2001:db8:1::', prefixLength: 48, oif: 2 });
    });
    try {
      host.kernel.silently(() => {
        host.kernel.removeRoute({ destination: '2001:db8:1::', prefixLength: 48, oif: 2 });
        host.kernel.addRoute({ destination: '2001:db8:2::', prefixLength: 48, oif: 2 });
        host.kernel.setLink(2, { carrier: false });
      });
      host.kernel.overflow();
      await settle();
      assert.deepEqual(events, [{ kind: 'resync' }]);
      assert.deepEqual(state.routes().map((r) => r.destination), ['2001:db8:2::']);
      assert.equal(state.link(2)?.carrier, false);
      assert.equal(state.stats.overflows, 1);
      assert.equal(state.stats.syncs, 2);
      assert.ok(state.synced);
    } finally {
      state.close();
    }
  });

  it('keeps the last consistent view while resynchronising, and restarts after an overflow during the dump', async () => {
    const { host, state, events } = await opened((h) => h.kernel.addLink({ name: 'eth0', ifindex: 2 }));
    try {
      host.kernel.overflow();
      host.kernel.silently(() => host.kernel.addLink({ name: 'eth1', ifindex: 3 }));
      // Let the overflow be handled and the link dump requested, then lose another event.
      for (let i = 0; i < 3; i++) await Promise.resolve();
      assert.equal(state.synced, false);
      assert.deepEqual(state.links().map((l) => l.name), ['eth0']);
      host.kernel.overflow();
      host.kernel.silently(() => host.kernel.addLink({ name: 'eth2', ifindex: 4 }));
      await settle();
      assert.deepEqual(events, [{ kind: 'resync' }]);
      assert.deepEqual(state.links().map((l) => l.name), ['eth0', 'eth1', 'eth2']);
      assert.ok(state.synced);
    } finally {
      state.close();
    }
  });

  it('re-dumps when a dump part says NLM_F_DUMP_INTR', async () => {
    const host = new MemoryBackend();
    host.kernel.addLink({ name: 'eth0', ifindex: 2 });
    const backend: SystemBackend = {
      openIcmp6: (o) => host.openIcmp6(o),
      openRawIp: (o) => host.openRawIp(o),
      openPacket: () => host.openPacket(),
      setFirewall: (n, r) => host.setFirewall(n, r),
      openRouteNetlink(o): RawNetlinkSocket {
        const s = host.openRouteNetlink(o);
        let first = true;
        return {
          send: (d) => s.send(d),
          onOverflow: (h) => s.onOverflow(h),
          close: () => s.close(),
          onDatagram: (h) =>
            s.onDatagram((d) => {
              // Mark the first multi-part reply as interrupted.
              if (first && (d.readUInt16LE(6) & NLM_F.MULTI) !== 0 && d.readUInt16LE(4) === RTM.NEWLINK) {
                first = false;
                const copy = Buffer.from(d);
                copy.writeUInt16LE(copy.readUInt16LE(6) | NLM_F.DUMP_INTR, 6);
                h(copy);
              } else h(d);
            }),
        };
      },
    };
    const state = await NetState.open(backend);
    try {
      assert.equal(state.stats.interrupted, 1);
      assert.equal(state.stats.syncs, 2);
      assert.equal(state.links().length, 1);
    } finally {
      state.close();
    }
  });

  it('rejects open() when the kernel refuses the dump, and closes the socket', async () => {
    const host = new MemoryBackend();
    host.kernel.refuseDumps = 1; // EPERM
    await assert.rejects(NetState.open(host), (e: unknown) => e instanceof Error && (e as { errno?: number }).errno === 1);
    assert.equal(host.kernel.openSockets, 0);
  });

  it('resynchronises after an undecodable datagram', async () => {
    const { host, state, events } = await opened((h) => h.kernel.addLink({ name: 'eth0', ifindex: 2 }));
    try {
      host.kernel.inject(RTNLGRP.LINK, Buffer.from([0xff, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
      await settle();
      assert.equal(state.stats.parseErrors, 1);
      assert.deepEqual(events, [{ kind: 'resync' }]);
    } finally {
      state.close();
    }
  });

  it('reconciles ECMP routes reported as multipath and as single siblings', async () => {
    const { host, state, events } = await opened((h) => {
      h.kernel.addLink({ name: 'eth0', ifindex: 2 });
      h.kernel.addLink({ name: 'eth1', ifindex: 3 });
    });
    try {
      const base: RouteInfo = { table: 254, destination: '2001:db8::', prefixLength: 48, protocol: 4, metric: 1024, type: 1 };
      const hop1 = { oif: 2, gateway: 'fe80::1', flags: 0, weight: 1 };
      const hop2 = { oif: 3, gateway: 'fe80::2', flags: 0, weight: 1 };
      const send = (type: number, r: RouteInfo, hops?: (typeof hop1)[]): void =>
        host.kernel.inject(RTNLGRP.IPV6_ROUTE, encodeMessage({ type, flags: 0, seq: 0 }, encodeRouteMessage(r, hops)));
      // First hop alone, then the appended sibling reported with the whole RTA_MULTIPATH.
      send(RTM.NEWROUTE, { ...base, oif: 2, gateway: 'fe80::1' });
      send(RTM.NEWROUTE, { ...base, oif: 3, gateway: 'fe80::2' }, [hop2, hop1]);
      await settle();
      assert.equal(state.routes().length, 1);
      assert.equal(state.routes()[0]?.gateway, 'fe80::2');
      assert.deepEqual(state.routes()[0]?.nexthops?.map((h) => `${h.gateway}%${h.oif}`), ['fe80::2%3', 'fe80::1%2'], 'every next hop is visible');
      // One sibling deleted (single-hop DELROUTE): the other remains as a plain route.
      send(RTM.DELROUTE, { ...base, oif: 3, gateway: 'fe80::2' });
      await settle();
      assert.deepEqual(state.routes(), [{ ...base, oif: 2, gateway: 'fe80::1' }]);
      assert.deepEqual(events.map((e) => e.kind), ['route', 'routeRemoved', 'route', 'routeRemoved', 'route']);
      send(RTM.DELROUTE, { ...base, oif: 2, gateway: 'fe80::1' });
      await settle();
      assert.deepEqual(state.routes(), []);
    } finally {
      state.close();
    }
  });

  it('drops the routes a NLM_F_REPLACE notification replaces, whatever their next hop', async () => {
    const { host, state, events } = await opened((h) => {
      h.kernel.addLink({ name: 'eth0', ifindex: 2 });
      h.kernel.addLink({ name: 'eth1', ifindex: 3 });
    });
    try {
      // BIRD moving 2001:db8:f1::/64 from one OSPF neighbour to another: `ip route replace`.
      const base: RouteInfo = { table: 254, destination: '2001:db8:f1::', prefixLength: 64, protocol: 12, metric: 32, type: 1 };
      const send = (type: number, flags: number, r: RouteInfo): void => host.kernel.inject(RTNLGRP.IPV6_ROUTE, encodeMessage({ type, flags, seq: 0 }, encodeRouteMessage(r)));
      send(RTM.NEWROUTE, NLM_F.CREATE, { ...base, oif: 2, gateway: 'fe80::3' });
      send(RTM.NEWROUTE, NLM_F.REPLACE, { ...base, oif: 3, gateway: 'fe80::4' });
      await settle();
      assert.deepEqual(state.routes(), [{ ...base, oif: 3, gateway: 'fe80::4' }]);
      // A route of another metric is another route: a replace leaves it alone.
      send(RTM.NEWROUTE, NLM_F.CREATE, { ...base, metric: 1024, oif: 2, gateway: 'fe80::5' });
      send(RTM.NEWROUTE, NLM_F.REPLACE, { ...base, oif: 2, gateway: 'fe80::3' });
      await settle();
      assert.deepEqual(state.routes().map((r) => `${r.gateway} ${r.metric}`).sort(), ['fe80::3 32', 'fe80::5 1024']);
      send(RTM.DELROUTE, 0, { ...base, oif: 2, gateway: 'fe80::3' });
      await settle();
      assert.deepEqual(state.routes().map((r) => r.gateway), ['fe80::5']);
      assert.deepEqual(events.map((e) => e.kind), ['route', 'route', 'route', 'route', 'routeRemoved']);
    } finally {
      state.close();
    }
  });

  it('a replace takes the route of its own kind (RA routes are not ECMP siblings); when that is ambiguous, it reads the tables again', async () => {
    const { host, state } = await opened((h) => {
      h.kernel.addLink({ name: 'eth0', ifindex: 2 });
      h.kernel.addLink({ name: 'eth1', ifindex: 3 });
    });
    try {
      const def: RouteInfo = { table: 254, destination: '::', prefixLength: 0, protocol: 9, metric: 1024, type: 1 };
      const send = (type: number, flags: number, r: RouteInfo): void => host.kernel.inject(RTNLGRP.IPV6_ROUTE, encodeMessage({ type, flags, seq: 0 }, encodeRouteMessage(r)));
      // An RA default route and a static default of the same metric: a replace of the static
      // one (a DHCP client, a script) leaves the RA route alone (fib6_add_rt2).
      send(RTM.NEWROUTE, NLM_F.CREATE, { ...def, oif: 2, gateway: 'fe80::a' });
      send(RTM.NEWROUTE, NLM_F.CREATE, { ...def, protocol: 4, oif: 3, gateway: 'fe80::1' });
      send(RTM.NEWROUTE, NLM_F.REPLACE, { ...def, protocol: 4, oif: 3, gateway: 'fe80::2' });
      await settle();
      assert.deepEqual(state.routes().map((r) => `${r.gateway} ${r.protocol}`).sort(), ['fe80::2 4', 'fe80::a 9']);
      assert.equal(state.stats.ambiguousReplaces, 0);
      // Two RA default routes (two routers) and a replace of the kind neither is: the kernel
      // takes the first of them, which NetState cannot know. It reads the tables again.
      send(RTM.NEWROUTE, NLM_F.CREATE, { ...def, oif: 2, gateway: 'fe80::b' });
      send(RTM.DELROUTE, 0, { ...def, protocol: 4, oif: 3, gateway: 'fe80::2' });
      const syncs = state.stats.syncs;
      send(RTM.NEWROUTE, NLM_F.REPLACE, { ...def, protocol: 4, oif: 3, gateway: 'fe80::3' });
      await settle();
      assert.equal(state.stats.ambiguousReplaces, 1);
      assert.equal(state.stats.syncs, syncs + 1, 'a new dump');
      // The dump is the kernel's truth (the memory kernel has none of the injected routes).
      assert.deepEqual(state.routes(), []);
    } finally {
      state.close();
    }
  });

  it('keeps applying events when a handler throws', async () => {
    const host = new MemoryBackend();
    const errors: unknown[] = [];
    const state = await NetState.open(host, { onHandlerError: (e) => errors.push(e) });
    const seen: string[] = [];
    try {
      state.on(() => {
        throw new Error('consumer bug');
      });
      const off = state.on((e) => seen.push(e.kind));
      host.kernel.addLink({ name: 'eth0', ifindex: 2 });
      host.kernel.addLink({ name: 'eth1', ifindex: 3 });
      await settle();
      assert.deepEqual(seen, ['link', 'link']);
      assert.equal(state.links().length, 2);
      assert.equal(errors.length, 2);
      off();
      host.kernel.addLink({ name: 'eth2', ifindex: 4 });
      await settle();
      assert.equal(seen.length, 2);
    } finally {
      state.close();
    }
  });
});
