/**
 * `firsthop demo`: scenario S1 (two buildings joined by a private link) on a lab of network
 * namespaces, then S7 (a VRRPv3 pair failing over, runS7Demo below). A default router and a private-link router (a RIO for building 2's prefix,
 * router lifetime 0) advertise on building 1's LAN; the host is a Linux kernel in its own
 * namespace. The demo prints what the host learned; cuts the private link (carrier lost) to show
 * the route withdrawn at once by a condition, and `firsthop status` explaining it; restores the
 * link; stops the private-link router (its final RA withdraws the route too); removes the lab.
 */
import { Lab, addresses, prepareHost, prepareRouter, routes, waitFor, waitLinkLocal, type RouteEntry } from './netns';
import { FIRSTHOP_MAIN, startFirsthop } from './firsthop';
import { S7, s7Config, s7Lab } from './vrrp';
import { controlRequest } from '../control/client';
import type { DaemonStatus } from '../daemon/daemon';

/** The largest gap between consecutive replies of `ping -D` output, in ms (and the reply count). */
export function pingOutage(output: string): { readonly gapMs: number; readonly replies: number } {
  const times: number[] = [];
  for (const m of output.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)) times.push(Number(m[1]) * 1000);
  let gapMs = 0;
  for (let i = 1; i < times.length; i++) gapMs = Math.max(gapMs, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return { gapMs, replies: times.length };
}

// Each router lists the other in AllowedRouters (by link-local address, known once the lab is
// up): two routers on one LAN are expected there, and neither reports the other as a rogue.
const GW_CONF = (peer: string): string => `# Building 1 default router
interface lan0 {
    AdvSendAdvert on;
    AllowedRouters { ${peer}; };   # the private-link router
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvDefaultLifetime 1800;
    AdvDefaultPreference medium;
    AdvLinkMTU 1500;
    prefix 2001:db8:1:1::/64 {
        AdvValidLifetime 86400;
        AdvPreferredLifetime 14400;
    };
    RDNSS 2001:db8:1::53 {
        AdvRDNSSLifetime 1800;
    };
};
`;

const PLR_CONF = (peer: string): string => `# Private-link router: not a default router, a route to building 2 (scenarios.md S1).
# The route is claimed only while the private link has carrier (conditional RA, RFC 8475).
condition private-link {
    link priv0 up;
};

interface lan0 {
    AdvSendAdvert on;
    AllowedRouters { ${peer}; };   # the default router
    AdvDefaultLifetime 0;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    MinDelayBetweenRAs 0.03;
    route 2001:db8:2::/48 {
        AdvRoutePreference high;
        AdvRouteLifetime 360;
        RemoveRoute on;
        if private-link { AdvRouteLifetime 360; } else { AdvRouteLifetime 0; };
    };
};
`;

function describeRoute(r: RouteEntry): string {
  const dst = r.dst === 'default' ? 'default (::/0)' : r.dst;
  const exp = r.expires === undefined ? 'never' : `${r.expires} s`;
  return `  ${dst.padEnd(22)} via ${(r.gateway ?? '-').padEnd(26)} pref ${(r.pref ?? 'medium').padEnd(6)} expires ${exp}`;
}

async function showHost(lab: Lab, title: string): Promise<void> {
  const rs = (await routes(lab, 'host')).filter((r) => r.protocol === 'ra');
  const as = (await addresses(lab, 'host', 'eth0')).filter((a) => a.scope === 'global');
  process.stdout.write(`\n${title}\n routes learned from RAs:\n`);
  for (const r of rs) process.stdout.write(`${describeRoute(r)}\n`);
  if (rs.length === 0) process.stdout.write('  (none)\n');
  process.stdout.write(' addresses (SLAAC):\n');
  for (const a of as) process.stdout.write(`  ${`${a.address}/${a.prefixLength}`.padEnd(40)} preferred ${a.preferredLft} s, valid ${a.validLft} s\n`);
  if (as.length === 0) process.stdout.write('  (none)\n');
}

export async function runDemo(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('firsthop demo needs root (it creates network namespaces).\n');
    return 1;
  }
  const lab = Lab.create('fhdemo');
  try {
    process.stdout.write('Building the S1 lab: a LAN switch, a default router (gw), a private-link router (plr), a host.\n');
    for (const ns of ['sw', 'gw', 'plr', 'host', 'b2']) await lab.addNamespace(ns);
    await lab.addBridge('sw', 'br0');
    await lab.addVeth('gw', 'lan0', 'sw', 'p-gw', { masterB: 'br0' });
    await lab.addVeth('plr', 'lan0', 'sw', 'p-plr', { masterB: 'br0' });
    await lab.addVeth('host', 'eth0', 'sw', 'p-host', { masterB: 'br0' });
    await lab.addVeth('plr', 'priv0', 'b2', 'priv0');
    await prepareRouter(lab, 'gw', 'lan0');
    await prepareRouter(lab, 'plr', 'lan0');
    await prepareHost(lab, 'host', 'eth0');

    process.stdout.write('\nStarting firsthop on gw and plr:\n');
    const gwLL = await waitLinkLocal(lab, 'gw', 'lan0');
    const plrLL = await waitLinkLocal(lab, 'plr', 'lan0');
    const gw = await startFirsthop(lab, 'gw', GW_CONF(plrLL), { debug: 0 });
    const plr = await startFirsthop(lab, 'plr', PLR_CONF(gwLL), { debug: 0 });
    for (const [ns, h] of [['gw', gw], ['plr', plr]] as const) {
      for (const line of h.log().trim().split('\n')) process.stdout.write(`  [${ns}] ${line.replace(/^\S+ firsthop\[\d+\]: /, '')}\n`);
    }

    await waitFor(async () => {
      const rs = await routes(lab, 'host');
      return rs.some((r) => r.dst === 'default') && rs.some((r) => r.dst === '2001:db8:2::/48') ? rs : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100 });
    await showHost(lab, 'What the host kernel learned:');
    process.stdout.write('\n  default route -> gw (router lifetime 1800 s)\n  2001:db8:2::/48 -> plr (RIO, preference high, lifetime 360 s); plr is no default router.\n');
    // Each router watches the other's RAs (RFC 4861 6.2.7, RFC 8475 section 5): expected, not rogues.
    const heard = await waitFor(
      async () => {
        const r = await controlRequest(gw.controlPath, { cmd: 'status' });
        return r.ok ? (r.result as DaemonStatus).interfaces[0]?.watch.routers.find((x) => x.source === plrLL) : undefined;
      },
      { timeoutMs: 15_000, what: "plr's RA heard by gw" },
    );
    if (heard !== undefined) process.stdout.write(`\ngw hears plr (${heard.source}) on lan0: ${heard.role} (AllowedRouters), rogue ${heard.rogue ? 'yes' : 'no'}; it offers routes ${heard.offers.routes.join(' ') || '-'}\n`);

    const hasRoute = async (): Promise<boolean> => (await routes(lab, 'host')).some((r) => r.dst === '2001:db8:2::/48');
    process.stdout.write('\nCutting the private link (building 2 side goes down: plr loses carrier on priv0).\n');
    let t0 = Date.now();
    await lab.linkDown('b2', 'priv0');
    await waitFor(async () => ((await hasRoute()) ? undefined : true), { timeoutMs: 5000, intervalMs: 5 });
    process.stdout.write(`  the host dropped 2001:db8:2::/48 after ${Date.now() - t0} ms, instead of keeping it up to 360 s;\n  traffic to building 2 falls back to the default router.\n`);
    const status = await lab.exec('plr', [process.execPath, FIRSTHOP_MAIN, 'status', '-s', plr.controlPath]);
    process.stdout.write('\nfirsthop status on plr says why:\n');
    for (const line of status.stdout.split('\n')) if (/condition|private-link|route 2001|why/.test(line)) process.stdout.write(`  ${line.trim()}\n`);

    process.stdout.write('\nRestoring the private link.\n');
    t0 = Date.now();
    await lab.linkUp('b2', 'priv0');
    await waitFor(async () => ((await hasRoute()) ? true : undefined), { timeoutMs: 5000, intervalMs: 5 });
    process.stdout.write(`  the host has the route again after ${Date.now() - t0} ms.\n`);

    process.stdout.write('\nStopping the private-link router (SIGTERM): its final RA withdraws the route (RemoveRoute on).\n');
    t0 = Date.now();
    await plr.stop();
    await waitFor(async () => ((await hasRoute()) ? undefined : true), { timeoutMs: 5000, intervalMs: 5 });
    process.stdout.write(`  the host dropped 2001:db8:2::/48 after ${Date.now() - t0} ms.\n`);
    await showHost(lab, 'What the host kernel has now:');
    process.stdout.write('\nRemoving the lab.\n');
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await lab.destroy();
  }
  return runS7Demo();
}

/**
 * Scenario S7: two routers, one virtual router (VRRPv3). The host's default route is the
 * virtual link-local; the Active dies; the Backup takes over and the host's pings barely notice.
 */
async function runS7Demo(): Promise<number> {
  const lab = Lab.create('fhdemo');
  try {
    process.stdout.write('\n=== S7: first-hop redundancy with VRRPv3 (examples/s7-vrrp-r1.conf, -r2.conf)\n');
    process.stdout.write('Building the S7 lab: a LAN with r1 (priority 150), r2 (priority 100) and a host; a server behind both routers.\n');
    await s7Lab(lab);
    const r1 = await startFirsthop(lab, 'r1', s7Config({ priority: 150 }), { debug: 0 });
    const r2 = await startFirsthop(lab, 'r2', s7Config({ priority: 100 }), { debug: 0 });
    await r1.waitLog(/vrrp lan: backup -> active/, 5000);
    await waitFor(async () => ((await routes(lab, 'host')).some((r) => r.dst === 'default') ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    await lab.exec('host', ['ping', '-6', '-c', '1', '-W', '1', S7.server6]);
    const def = (await routes(lab, 'host')).filter((r) => r.dst === 'default');
    const neigh = (await lab.exec('host', ['ip', '-6', 'neigh', 'show', S7.virtualLinkLocal])).stdout.trim();
    process.stdout.write(`\nThe host's default route(s):\n${def.map((r) => describeRoute(r)).join('\n')}\n  neighbour: ${neigh}\n`);
    process.stdout.write('  (only the Active, r1, sends RAs, from fe80::1 with the virtual MAC 00:00:5e:00:02:33)\n');

    process.stdout.write(`\nThe host pings ${S7.server6} every 10 ms; r1 is killed (SIGKILL) and its links go down, as when it loses power.\n`);
    const ping = lab.exec('host', ['ping', '-6', '-D', '-i', '0.01', '-w', '3', S7.server6], { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1000));
    r1.child.kill('SIGKILL');
    await lab.linkDown('r1', 'lan0');
    await lab.linkDown('r1', 'up0');
    const out = await ping;
    const { gapMs, replies } = pingOutage(out.stdout);
    await r2.waitLog(/vrrp lan: backup -> active/, 5000);
    const line = r2.log().split('\n').find((l) => /vrrp lan: backup -> active/.test(l)) ?? '';
    process.stdout.write(`  r2: ${line.replace(/^\S+ firsthop\[\d+\]: \w+: /, '')}\n`);
    process.stdout.write(`  the host's longest gap between ping replies: ${gapMs.toFixed(0)} ms (${replies} replies in 3 s); Active_Down_Interval is 361 ms.\n`);
    const after = (await routes(lab, 'host')).filter((r) => r.dst === 'default');
    process.stdout.write(`  the host's default route is unchanged:\n${after.map((r) => describeRoute(r)).join('\n')}\n`);
    const status = await lab.exec('r2', [process.execPath, FIRSTHOP_MAIN, 'status', '-s', r2.controlPath]);
    process.stdout.write('\nfirsthop status on r2:\n');
    let inVrrp = false;
    for (const l of status.stdout.split('\n')) {
      if (l.startsWith('virtual routers')) inVrrp = true;
      else if (l.trim() === '') inVrrp = false;
      if (inVrrp) process.stdout.write(`  ${l}\n`);
    }
    await r2.stop();
    process.stdout.write('\nRemoving the lab.\n');
    return 0;
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await lab.destroy();
  }
}
