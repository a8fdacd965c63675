/**
 * radvd parity with the Linux kernel as the RA host and rdisc6 as an independent decoder:
 * AdvLinkMTU above the router's interface MTU (no MTU option until the MTU rises to it) and
 * Base6to4Interface (the 6to4 prefix from the named interface's IPv4 address). Each test builds
 * its own namespaces and removes them, also on failure.
 */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { addresses, defaultRoutes, Lab, linkMtu, namespaceExists, rdisc6, routerHostPair, segment, waitFor, waitLinkLocal } from '../../src/lab/netns';
import { RaSender } from '../../src/lab/rogue';
import { FIRSTHOP_MAIN, startFirsthop, type FirsthopHandle } from '../../src/lab/firsthop';
import { describePrivileged } from '../helpers/privileged';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function statusText(lab: Lab, ns: string, fh: FirsthopHandle): Promise<string> {
  const r = await lab.exec(ns, [process.execPath, FIRSTHOP_MAIN, 'status', '-s', fh.controlPath], { timeoutMs: 10_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** A lab for one test, removed after it (its firsthop stopped first), namespaces checked gone. */
function newLab(t: TestContext): { lab: Lab; handle: (fh: () => FirsthopHandle | undefined) => void } {
  const lab = Lab.create('fhpar');
  let current: () => FirsthopHandle | undefined = () => undefined;
  t.after(async () => {
    await current()?.stop();
    const names = lab.namespaceNames();
    await lab.destroy();
    for (const n of names) assert.equal(namespaceExists(n), false, `namespace ${n} left behind`);
  });
  return { lab, handle: (fh) => (current = fh) };
}

describePrivileged('radvd parity with the Linux kernel as host', { timeout: 120_000 }, () => {
  it('AdvLinkMTU 1600 on a 1500-byte link: no MTU option; the host takes 1600 once both ends have MTU 9000', async (t) => {
    const { lab, handle } = newLab(t);
    let fh: FirsthopHandle | undefined;
    handle(() => fh);
    const pair = await routerHostPair(lab);
    fh = await startFirsthop(lab, 'router', `interface ${pair.routerIf} {
    AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
    AdvLinkMTU 1600;
    prefix 2001:db8:1::/64 { };
};
`);
    const warning = /AdvLinkMTU 1600 is above the interface MTU 1500; hosts ignore such an MTU option \(RFC 4861 6\.3\.4\)/g;
    await fh.waitLog(warning);

    // Both ends 1500: the host hears the RAs (default route), rdisc6 sees no MTU option.
    await waitFor(() => defaultRoutes(lab, 'host'), { timeoutMs: 10_000, what: 'default route' });
    const ra = await rdisc6(lab, 'host', pair.hostIf);
    assert.equal(ra.mtu, null, 'no MTU option above the router interface MTU');
    assert.equal(ra.prefixes.length, 1, 'the rest of the RA is there');
    assert.equal(await linkMtu(lab, 'host', pair.hostIf), 1500);
    assert.match(await statusText(lab, 'router', fh), /mtu = omitted \(configured 1600\): AdvLinkMTU 1600 is above the interface MTU 1500/);

    // The host's link goes to 9000 first, the router's stays 1500. Now an MTU option of 1600
    // would be taken by the host's kernel (1280 <= 1600 <= 9000): its IPv6 MTU staying 9000
    // shows there is none, in the kernel's own view.
    await lab.ip('host', ['link', 'set', pair.hostIf, 'mtu', '9000']);
    await waitFor(async () => ((await linkMtu(lab, 'host', pair.hostIf)) === 9000 ? true : undefined), { timeoutMs: 10_000, what: 'host IPv6 MTU 9000' });
    await sleep(1100); // past the per-source RS limit of the last rdisc6
    assert.equal((await rdisc6(lab, 'host', pair.hostIf)).mtu, null);
    await sleep(300); // the kernel handled that RA too
    assert.equal(await linkMtu(lab, 'host', pair.hostIf), 9000, 'the host did not get an MTU option');
    assert.equal(fh.log().match(warning)?.length, 1, 'warned once, not per RA');

    // The router's link goes to 9000: the option is back in an RA sent at once, and the host's
    // kernel sets its IPv6 MTU to 1600.
    await lab.ip('router', ['link', 'set', pair.routerIf, 'mtu', '9000']);
    await fh.waitLog(/the interface MTU is now 9000: the MTU option \(AdvLinkMTU 1600\) is advertised again/);
    await waitFor(async () => ((await linkMtu(lab, 'host', pair.hostIf)) === 1600 ? true : undefined), { timeoutMs: 10_000, what: 'host IPv6 MTU 1600 from the RA' });
    await sleep(1100);
    assert.equal((await rdisc6(lab, 'host', pair.hostIf)).mtu, 1600);
    assert.doesNotMatch(await statusText(lab, 'router', fh), /mtu = omitted/);
  });

  it('Base6to4Interface: the host forms an address in 2002:V4ADDR:SLA::/64 once the interface has an IPv4 address', async (t) => {
    const { lab, handle } = newLab(t);
    let fh: FirsthopHandle | undefined;
    handle(() => fh);
    const pair = await routerHostPair(lab);
    // The interface with the IPv4 address (a veth: the dummy module may be missing).
    await lab.ip('router', ['link', 'add', 'tun6to4', 'type', 'veth', 'peer', 'name', 'tun6to4p']);
    await lab.ip('router', ['link', 'set', 'tun6to4', 'up']);
    fh = await startFirsthop(lab, 'router', `interface ${pair.routerIf} {
    AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
    prefix 0:0:0:5678::/64 { Base6to4Interface tun6to4; AdvValidLifetime 3600; AdvPreferredLifetime 1800; };
    prefix 2001:db8:1::/64 { };
};
`);

    // No IPv4 address yet: only the other prefix, and status says why.
    await waitFor(() => defaultRoutes(lab, 'host'), { timeoutMs: 10_000, what: 'default route' });
    const before = await rdisc6(lab, 'host', pair.hostIf);
    assert.deepEqual(before.prefixes.map((p) => `${p.prefix}/${p.length}`), ['2001:db8:1::/64']);
    assert.match(await statusText(lab, 'router', fh), /prefix 0:0:0:5678::\/64 = not advertised: Base6to4Interface tun6to4 has no IPv4 address/);

    // 192.0.2.10 = c000:020a: the RA triggered by the new address carries 2002:c000:20a:5678::/64.
    await lab.ip('router', ['addr', 'add', '192.0.2.10/32', 'dev', 'tun6to4']);
    const [addr] = await waitFor(async () => (await addresses(lab, 'host', pair.hostIf)).filter((a) => a.address.startsWith('2002:c000:20a:5678:')), {
      timeoutMs: 10_000,
      what: 'SLAAC address in the 6to4 prefix',
    });
    assert.equal(addr?.prefixLength, 64);
    await sleep(1100);
    const after = await rdisc6(lab, 'host', pair.hostIf);
    const sixToFour = after.prefixes.find((p) => p.prefix === '2002:c000:20a:5678::');
    assert.ok(sixToFour !== undefined, JSON.stringify(after.prefixes));
    assert.deepEqual([sixToFour.length, sixToFour.validLifetime, sixToFour.preferredLifetime], [64, 3600, 1800]);
    assert.doesNotMatch(await statusText(lab, 'router', fh), /not advertised/);
  });

  it('an RA with one malformed option: the Linux host uses the rest (default route, SLAAC), firsthop checks it, reports the rogue, and dump marks the option', async (t) => {
    const { lab, handle } = newLab(t);
    let fh: FirsthopHandle | undefined;
    handle(() => fh);
    const seg = await segment(lab);
    await seg.attach('router', 'lan0', 'router');
    await seg.attach('other', 'lan0', 'router');
    await seg.attach('host', 'eth0', 'host');
    const otherLL = await waitLinkLocal(lab, 'other', 'lan0');
    fh = await startFirsthop(lab, 'router', `interface lan0 {
    AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; AdvDefaultLifetime 0;
    prefix 2001:db8:1::/64 { };
};
`);
    // The other router's RA (hand-made: firsthop's encoder never writes a malformed option):
    // router lifetime 1800, an MTU option of Length 2 (RFC 4861 4.6.4 says 1), a PIO for
    // 2001:db8:1::/64 with lifetimes that contradict ours, a PIO for 2001:db8:bad::/64.
    const ra = Buffer.from(
      [
        '86000000', '40000708', '00000000', '00000000',
        '0502', '0000', '000005dc', '0000000000000000',
        '0304', '40c0', '00000e10', '00000708', '00000000', '20010db8000100000000000000000000',
        '0304', '40c0', '00000e10', '00000708', '00000000', '20010db80bad00000000000000000000',
      ].join(''),
      'hex',
    );
    // The other router repeats its RA every 0.5 s for as long as the dump listens (6 s, however
    // long the dump takes to start on a loaded machine).
    let dumping = true;
    const dump = lab.exec('host', [process.execPath, FIRSTHOP_MAIN, 'dump', '-i', 'eth0', '--timeout', '6'], { timeoutMs: 20_000 }).finally(() => {
      dumping = false;
    });
    const sending = (async (): Promise<unknown> => {
      try {
        const sender = await RaSender.open(lab, 'other', 'lan0');
        try {
          while (dumping) {
            sender.send(ra);
            await sleep(500);
          }
        } finally {
          sender.close();
        }
        return undefined;
      } catch (e) {
        return e; // reported below; never an unhandled rejection if the test failed first
      }
    })();

    // The host's kernel ignored the bad option and acted on the rest.
    const [def] = await waitFor(() => defaultRoutes(lab, 'host'), { timeoutMs: 10_000, what: "default route via the other router" });
    assert.equal(def?.gateway, otherLL);
    await waitFor(async () => (await addresses(lab, 'host', 'eth0')).find((a) => a.address.startsWith('2001:db8:bad:')), { timeoutMs: 10_000, what: 'SLAAC address in 2001:db8:bad::/64' });

    // firsthop saw the RA: the consistency check ran on it.
    await fh.waitLog(new RegExp(`RA from ${otherLL} is inconsistent with ours \\(RFC 4861 6\\.2\\.7\\): prefix 2001:db8:1::/64 valid lifetime: ours 86400, theirs 3600`));
    assert.match(await statusText(lab, 'router', fh), /RA options ignored as malformed \(the rest of those RAs was used\): E_BAD_OPTION_LENGTH [1-9]/);
    // ...and it is a rogue (not in AllowedRouters, offering a default route and prefixes): the
    // broken option does not hide it (issue 8 item 3).
    await fh.waitLog(new RegExp(`lan0: rogue router ${otherLL} \\(MAC unknown: no source link-layer option\\) advertises router lifetime 1800s, prefixes 2001:db8:1::/64 2001:db8:bad::/64`));

    // firsthop dump on the host shows the RA, with the option marked where it was.
    const out = await dump;
    const sendError = await sending;
    if (sendError !== undefined) throw sendError;
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`Router Advertisement from ${otherLL}`));
    assert.match(out.stdout, /# MALFORMED option type 5, Length 2, at offset 16: ignored \(E_BAD_OPTION_LENGTH\)/);
    assert.match(out.stdout, /prefix 2001:db8:bad::\/64/);
    assert.doesNotMatch(out.stderr, /dropped packet from/);
  });
});
