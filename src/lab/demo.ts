/**
 * `firsthop demo`: scenario S1 (two buildings joined by a private link) on a lab of network
 * namespaces. A default router and a private-link router (a RIO for building 2's prefix,
 * router lifetime 0) advertise on building 1's LAN; the host is a Linux kernel in its own
 * namespace. The demo prints what the host learned; cuts the private link (carrier lost) to show
 * the route withdrawn at once by a condition, and `firsthop status` explaining it; restores the
 * link; stops the private-link router (its final RA withdraws the route too); removes the lab.
 */
import { Lab, addresses, prepareHost, prepareRouter, routes, waitFor, type RouteEntry } from './netns';
import { FIRSTHOP_MAIN, startFirsthop } from './firsthop';

const GW_CONF = `# Building 1 default router
interface lan0 {
    AdvSendAdvert on;
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

const PLR_CONF = `# Private-link router: not a default router, a route to building 2 (scenarios.md S1).
# The route is claimed only while the private link has carrier (conditional RA, RFC 8475).
condition private-link {
    link priv0 up;
};

interface lan0 {
    AdvSendAdvert on;
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
    const gw = await startFirsthop(lab, 'gw', GW_CONF, { debug: 0 });
    const plr = await startFirsthop(lab, 'plr', PLR_CONF, { debug: 0 });
    for (const [ns, h] of [['gw', gw], ['plr', plr]] as const) {
      for (const line of h.log().trim().split('\n')) process.stdout.write(`  [${ns}] ${line.replace(/^\S+ firsthop\[\d+\]: /, '')}\n`);
    }

    await waitFor(async () => {
      const rs = await routes(lab, 'host');
      return rs.some((r) => r.dst === 'default') && rs.some((r) => r.dst === '2001:db8:2::/48') ? rs : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100 });
    await showHost(lab, 'What the host kernel learned:');
    process.stdout.write('\n  default route -> gw (router lifetime 1800 s)\n  2001:db8:2::/48 -> plr (RIO, preference high, lifetime 360 s); plr is no default router.\n');

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
    return 0;
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await lab.destroy();
  }
}
