/**
 * NetlinkRequester against the real kernel, inside network namespaces these tests create
 * (src/lab) and always delete, with DAD on (so that nodad is put to the test). What the
 * kernel did is read back with `ip`, independently of firsthop's codec. Needs root: outside
 * CI the suite is skipped without it; in CI (CI=true) it fails instead.
 *
 * Besides the requester's behaviour, it pins down the kernel facts the VRRP code relies on:
 * a request is in effect when sendmsg returns (checked with a synchronous `ip` before the
 * Promise settles); addr_gen_mode cannot come with the creation (EAFNOSUPPORT), and coming in
 * one message with IFF_UP it is applied after the link-local was made (keepalived #2026);
 * set alone while the link is down, the link never gets an IPv6 address; setting a link
 * down drops its IPv6 addresses but not its IPv4 ones; deleting a primary IPv4 address
 * deletes its secondaries.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { it, type TestContext } from 'node:test';
import { Lab, waitFor } from '../../src/lab/netns';
import { NetlinkRequester } from '../../src/netlink/requests';
import { encodeMessage, newMacvlanRequest, parseMessages, setLinkRequest } from '../../src/netlink/codec';
import { NLM_F, RTM } from '../../src/netlink/constants';
import { NetlinkError, NetState } from '../../src/netlink/state';
import { linuxBackend } from '../../src/sys/linux';
import { describePrivileged } from '../helpers/privileged';

interface IpLink {
  ifindex: number;
  ifname: string;
  link?: string;
  flags: string[];
  operstate: string;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: { mode?: string } };
  inet6_addr_gen_mode?: string;
}

interface IpAddr {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  tentative?: boolean;
  secondary?: boolean;
  nodad?: boolean;
}

/** `ip -n NS ...` run synchronously: what the kernel shows at this instant. */
function ipSync(ns: string, args: readonly string[]): string {
  return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function links(ns: string, name?: string): IpLink[] {
  return JSON.parse(ipSync(ns, ['-d', '-j', 'link', 'show', ...(name !== undefined ? ['dev', name] : [])])) as IpLink[];
}

function link(ns: string, name: string): IpLink | undefined {
  return links(ns).find((l) => l.ifname === name);
}

function addrs(ns: string, name: string): IpAddr[] {
  const [l] = JSON.parse(ipSync(ns, ['-j', 'addr', 'show', 'dev', name])) as { addr_info?: IpAddr[] }[];
  return l?.addr_info ?? [];
}

async function setup(t: TestContext): Promise<{ lab: Lab; ns: string; parent: number; r: NetlinkRequester }> {
  const lab = Lab.create('fhnlreq');
  t.after(() => lab.destroy());
  const ns = await lab.addNamespace('k', { dad: true });
  await lab.addVeth('k', 'p0', 'k', 'p1'); // both ends here, up
  const parent = link(ns, 'p0')?.ifindex;
  assert.ok(parent !== undefined);
  const r = NetlinkRequester.open(linuxBackend({ netns: ns }));
  t.after(() => r.close());
  return { lab, ns, parent, r };
}

async function rejectsWith(p: Promise<unknown>, code: string, errno: number, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof NetlinkError, `a NetlinkError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.errno, errno);
    assert.match(e.message, message);
    return true;
  });
}

const MAC = '00:00:5e:00:01:0a';

describePrivileged('netlink requests on the real kernel', { timeout: 120_000 }, () => {
  it('creates a macvlan with its MAC in bridge mode, down, addr_gen_mode none; up it never gets an IPv6 address', async (t) => {
    const { ns, parent, r } = await setup(t);
    const state = await NetState.open(linuxBackend({ netns: ns }));
    t.after(() => state.close());

    const creating = r.createMacvlan({ name: 'vrrp10', parentIfindex: parent, mac: MAC, mode: 'bridge' });
    assert.ok(link(ns, 'vrrp10'), 'the link exists as soon as the call returns');
    const made = await creating;
    const shown = link(ns, 'vrrp10');
    assert.ok(shown);
    assert.equal(made.ifindex, shown.ifindex);
    assert.deepEqual([made.kind, made.parentIfindex, made.mac, made.macvlanMode, made.up], ['macvlan', parent, MAC, 'bridge', false]);
    assert.equal(shown.address, MAC);
    assert.equal(shown.link, 'p0');
    assert.equal(shown.linkinfo?.info_kind, 'macvlan');
    assert.equal(shown.linkinfo?.info_data?.mode, 'bridge');
    assert.equal(shown.inet6_addr_gen_mode, 'none');
    assert.match(ipSync(ns, ['-d', 'link', 'show', 'dev', 'vrrp10']), /\baddrgenmode none\b/);
    assert.ok(!shown.flags.includes('UP'), `down: ${shown.flags.join(',')}`);
    assert.equal(shown.operstate, 'DOWN');
    await waitFor(() => state.link(made.ifindex), { what: 'NetState sees the macvlan' });
    assert.deepEqual(state.link(made.ifindex), made);

    const up = r.setLinkUp(made.ifindex, true);
    assert.ok(link(ns, 'vrrp10')?.flags.includes('UP'), 'IFF_UP is set when the call returns, before the ack is read');
    await up;
    await waitFor(() => link(ns, 'vrrp10')?.operstate === 'UP', { what: 'vrrp10 operstate UP' });
    await waitFor(() => state.link(made.ifindex)?.carrier === true, { what: 'NetState: vrrp10 carrier' });
    // The kernel makes the link-local as the link comes up with carrier; give it time anyway.
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(addrs(ns, 'vrrp10'), [], 'no IPv6 address, link-local or other');
    assert.deepEqual(state.addresses(made.ifindex), []);

    assert.equal(await r.deleteLink(made.ifindex), true);
    assert.equal(link(ns, 'vrrp10'), undefined);
    assert.equal(await r.deleteLink(made.ifindex), false, 'gone already: ENODEV');
    await waitFor(() => state.link(made.ifindex) === undefined, { what: 'NetState drops vrrp10' });
  });

  it('adds fe80::1/64 nodad and an IPv4 /24, usable at once; down drops the IPv6 one; delete and re-add', async (t) => {
    const { ns, parent, r } = await setup(t);
    const state = await NetState.open(linuxBackend({ netns: ns }));
    t.after(() => state.close());
    const { ifindex } = await r.createMacvlan({ name: 'vrrp10', parentIfindex: parent, mac: MAC, mode: 'bridge' });
    await r.setLinkUp(ifindex, true);
    await waitFor(() => link(ns, 'vrrp10')?.operstate === 'UP', { what: 'vrrp10 operstate UP' });

    const adding = r.addAddress({ ifindex, family: 6, address: 'fe80::1', prefixLength: 64, nodad: true });
    assert.ok(addrs(ns, 'vrrp10').some((a) => a.local === 'fe80::1'), 'on the link when the call returns');
    assert.equal(await adding, true);
    assert.equal(await r.addAddress({ ifindex, family: 4, address: '192.0.2.10', prefixLength: 24 }), true);
    assert.equal(await r.addAddress({ ifindex, family: 4, address: '192.0.2.11', prefixLength: 24 }), true);
    assert.equal(await r.addAddress({ ifindex, family: 6, address: '2001:db8::1', prefixLength: 64 }), true, 'without nodad');
    assert.equal(await r.addAddress({ ifindex, family: 6, address: 'fe80::1', prefixLength: 64, nodad: true }), false, 'EEXIST');
    assert.equal(await r.addAddress({ ifindex, family: 4, address: '192.0.2.10', prefixLength: 24 }), false, 'EEXIST');
    const shown = addrs(ns, 'vrrp10');
    const ll = shown.find((a) => a.local === 'fe80::1');
    assert.ok(ll);
    assert.deepEqual([ll.family, ll.prefixlen, ll.scope, ll.tentative, ll.nodad], ['inet6', 64, 'link', undefined, true]);
    const v4 = shown.find((a) => a.local === '192.0.2.10');
    assert.ok(v4);
    assert.deepEqual([v4.family, v4.prefixlen, v4.scope, v4.secondary], ['inet', 24, 'global', undefined]);
    assert.equal(shown.find((a) => a.local === '192.0.2.11')?.secondary, true);
    assert.equal(shown.find((a) => a.local === '2001:db8::1')?.tentative, true, 'DAD runs without nodad');

    await waitFor(() => state.ipv4Addresses(ifindex).length === 2 && state.addresses(ifindex).length === 2, { what: 'NetState sees the addresses' });
    assert.deepEqual(state.ipv4Addresses(ifindex).map((a) => [a.address, a.prefixLength, a.secondary, a.label]), [
      ['192.0.2.10', 24, false, 'vrrp10'],
      ['192.0.2.11', 24, true, 'vrrp10'],
    ]);
    assert.equal(state.primaryIpv4(ifindex)?.address, '192.0.2.10');
    assert.deepEqual(state.addresses(ifindex).find((a) => a.address === 'fe80::1')?.tentative, false);
    assert.equal(state.addresses().some((a) => a.address.includes('.')), false, 'addresses() stays IPv6');

    // Down: the kernel drops the IPv6 addresses (keep_addr_on_down 0), keeps the IPv4 ones.
    await r.setLinkUp(ifindex, false);
    assert.ok(!link(ns, 'vrrp10')?.flags.includes('UP'));
    assert.deepEqual(addrs(ns, 'vrrp10').map((a) => a.local), ['192.0.2.10', '192.0.2.11']);
    assert.equal(await r.removeAddress({ ifindex, family: 6, address: 'fe80::1', prefixLength: 64 }), false, 'already gone');
    await r.setLinkUp(ifindex, true);
    assert.ok(link(ns, 'vrrp10')?.flags.includes('UP'));
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(addrs(ns, 'vrrp10').filter((a) => a.family === 'inet6'), [], 'still no link-local after down/up');

    // The prefix length must match; deleting the primary takes the secondary along.
    assert.equal(await r.removeAddress({ ifindex, family: 4, address: '192.0.2.10', prefixLength: 16 }), false);
    assert.equal(await r.removeAddress({ ifindex, family: 4, address: '192.0.2.10', prefixLength: 24 }), true);
    assert.deepEqual(addrs(ns, 'vrrp10'), [], 'promote_secondaries is 0: 192.0.2.11 went with its primary');
    assert.equal(await r.removeAddress({ ifindex, family: 4, address: '192.0.2.11', prefixLength: 24 }), false);
    await waitFor(() => state.ipv4Addresses(ifindex).length === 0, { what: 'NetState: IPv4 addresses gone' });

    assert.equal(await r.deleteLinkByName('vrrp10'), true);
    assert.equal(await r.deleteLinkByName('vrrp10'), false);
    assert.equal(await r.removeAddress({ ifindex, family: 4, address: '192.0.2.10', prefixLength: 24 }), false, 'no link: ENODEV');
    const again = await r.createMacvlan({ name: 'vrrp10', parentIfindex: parent, mac: MAC });
    assert.equal(link(ns, 'vrrp10')?.ifindex, again.ifindex);
  });

  it('refuses with the errno: a taken name (EEXIST), a missing parent or link (ENODEV)', async (t) => {
    const { ns, parent, r } = await setup(t);
    await r.createMacvlan({ name: 'vrrp10', parentIfindex: parent, mac: MAC });
    await rejectsWith(r.createMacvlan({ name: 'vrrp10', parentIfindex: parent }), 'EEXIST', 17, /^create macvlan vrrp10 on ifindex \d+: EEXIST$/);
    await rejectsWith(r.createMacvlan({ name: 'p1', parentIfindex: parent }), 'EEXIST', 17, /create macvlan p1/);
    await rejectsWith(r.createMacvlan({ name: 'vrrp11', parentIfindex: 9999 }), 'ENODEV', 19, /^create macvlan vrrp11 on ifindex 9999: ENODEV$/);
    assert.equal(link(ns, 'vrrp11'), undefined);
    await rejectsWith(r.setLinkUp(9999, true), 'ENODEV', 19, /^set ifindex 9999 up: ENODEV$/);
    await rejectsWith(r.setAddrGenMode(9999, 'none'), 'ENODEV', 19, /addr_gen_mode none on ifindex 9999/);
    await rejectsWith(r.addAddress({ ifindex: 9999, family: 4, address: '192.0.2.1', prefixLength: 24 }), 'ENODEV', 19, /^add 192\.0\.2\.1\/24 to ifindex 9999: ENODEV$/);
    assert.equal(await r.getLink(9999), undefined);
    assert.equal((await r.getLink('vrrp10'))?.mac, MAC);
    assert.deepEqual(links(ns).filter((l) => l.linkinfo?.info_kind === 'macvlan').map((l) => l.ifname), ['vrrp10']);
  });

  it('kernel facts: addr_gen_mode cannot come with the creation, and with IFF_UP it comes after the link-local', async (t) => {
    const { ns, parent, r } = await setup(t);
    const socket = linuxBackend({ netns: ns }).openRouteNetlink({ groups: [] });
    t.after(() => socket.close());
    const answers = new Map<number, number>();
    socket.onDatagram((d) => {
      for (const m of parseMessages(d)) if (m.type === 2) answers.set(m.seq, 0 - m.payload.readInt32LE(0));
    });
    const afSpec = setLinkRequest(0, 0, { addrGenMode: 'none' }).subarray(32); // the IFLA_AF_SPEC attribute
    const create = newMacvlanRequest(1, { name: 'mv1', parentIfindex: parent, mac: '00:00:5e:00:01:01' });
    socket.send(encodeMessage({ type: RTM.NEWLINK, flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, seq: 1 }, Buffer.concat([create.subarray(16), afSpec])));
    await waitFor(() => answers.get(1), { what: 'answer to the creation with IFLA_AF_SPEC', until: (v) => v !== undefined });
    assert.equal(answers.get(1), 97, 'EAFNOSUPPORT');
    assert.equal(link(ns, 'mv1'), undefined, 'not created');

    // Default addr_gen_mode (eui64): up makes the EUI-64 link-local at once.
    socket.send(newMacvlanRequest(2, { name: 'mv2', parentIfindex: parent, mac: '00:00:5e:00:01:02' }));
    const mv2 = link(ns, 'mv2');
    assert.ok(mv2);
    assert.equal(mv2.inet6_addr_gen_mode, 'eui64');
    await r.setLinkUp(mv2.ifindex, true);
    await waitFor(() => addrs(ns, 'mv2').find((a) => a.local === 'fe80::200:5eff:fe00:102'), { what: 'EUI-64 link-local on mv2' });

    // IFF_UP and addr_gen_mode none in one message: acknowledged, mode none, but too late.
    socket.send(newMacvlanRequest(3, { name: 'mv3', parentIfindex: parent, mac: '00:00:5e:00:01:03' }));
    const mv3 = link(ns, 'mv3');
    assert.ok(mv3);
    socket.send(setLinkRequest(4, mv3.ifindex, { up: true, addrGenMode: 'none' }));
    await waitFor(() => answers.get(4), { what: 'answer to the combined request', until: (v) => v !== undefined });
    assert.equal(answers.get(4), 0);
    assert.equal(link(ns, 'mv3')?.inet6_addr_gen_mode, 'none');
    await waitFor(() => addrs(ns, 'mv3').find((a) => a.local === 'fe80::200:5eff:fe00:103'), { what: 'link-local on mv3 despite none' });

    // The requester's way: none alone while down, then up: nothing.
    const mv4 = await r.createMacvlan({ name: 'mv4', parentIfindex: parent, mac: '00:00:5e:00:01:04' });
    await r.setLinkUp(mv4.ifindex, true);
    await waitFor(() => link(ns, 'mv4')?.operstate === 'UP', { what: 'mv4 operstate UP' });
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(addrs(ns, 'mv4'), []);
  });
});
