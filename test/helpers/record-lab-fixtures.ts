/**
 * Records the fixtures in test/helpers/fixtures from real tools (radvd -> rdisc6, ip -j,
 * tcpdump). Run as root after a build:
 *
 *   FH_RECORD_FIXTURES=1 node dist/test/helpers/record-lab-fixtures.js
 *
 * Does nothing without FH_RECORD_FIXTURES=1 (node --test runs every file under test/).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, routerHostPair, segment, startRadvd, waitFor, defaultRoutes, addresses } from '../../src/lab/netns';
import { basicRadvdConfig, richRadvdConfig } from './lab-radvd-configs';
import { fixturePath } from './fixtures';

async function main(): Promise<void> {
  mkdirSync(fixturePath(''), { recursive: true });
  const save = (name: string, data: string | Buffer): void => {
    writeFileSync(fixturePath(name), data);
    console.log(`wrote ${fixturePath(name)}`);
  };
  const lab = Lab.create();
  try {
    // 1. basic config: rdisc6 output, kernel state JSON, one RA on the wire
    const pair = await routerHostPair(lab, { routerMac: '02:00:5e:10:00:01', hostMac: '02:00:5e:20:00:01' });
    const tcpdumpOut = join(lab.dir(), 'ra.pcap');
    const dump = lab.spawn('host', ['tcpdump', '-i', pair.hostIf, '-n', '-U', '-c', '1', '-w', tcpdumpOut, 'icmp6 and ip6[40] == 134']);
    await new Promise((r) => setTimeout(r, 1000));
    await startRadvd(lab, 'router', basicRadvdConfig(pair.routerIf));
    await waitFor(() => defaultRoutes(lab, 'host'), { timeoutMs: 20_000, what: 'default route' });
    await waitFor(async () => (await addresses(lab, 'host', pair.hostIf)).some((a) => a.address.startsWith('2001:db8:1:')), { timeoutMs: 10_000, what: 'SLAAC' });
    const r = await lab.exec('host', ['rdisc6', '-n', '-1', '-r', '1', '-w', '3000', pair.hostIf], { check: true });
    save('rdisc6-radvd-basic.txt', r.stdout);
    save('ip-route-host.json', (await lab.exec('host', ['ip', '-6', '-j', 'route', 'show', 'table', 'main'], { check: true })).stdout);
    save('ip-addr-host.json', (await lab.exec('host', ['ip', '-6', '-j', 'addr', 'show', 'dev', pair.hostIf], { check: true })).stdout);
    await waitFor(() => dump.exitCode !== null, { timeoutMs: 10_000, what: 'tcpdump -c 1' });
    save('radvd-ra.pcap', readFileSync(tcpdumpOut));
    await routerHostPair(lab, { router: 'quietr', host: 'quieth' });
    const none = await lab.exec('quieth', ['rdisc6', '-n', '-1', '-r', '2', '-w', '200', 'h0']);
    if (none.code !== 2) throw new Error(`rdisc6 without a router: expected exit 2, got ${none.code}`);
    save('rdisc6-no-response.txt', none.stdout);

    // 2. rich config and two routers on one segment: rdisc6 -m
    const seg = await segment(lab);
    await seg.attach('r1', 'e0', 'router');
    await seg.attach('r2', 'e0', 'router');
    await seg.attach('h1', 'e0', 'host');
    await startRadvd(lab, 'r1', richRadvdConfig('e0'), { name: 'r1' });
    const rich = await lab.exec('h1', ['rdisc6', '-n', '-1', '-r', '1', '-w', '3000', 'e0'], { check: true });
    save('rdisc6-radvd-rich.txt', rich.stdout);
    await startRadvd(lab, 'r2', basicRadvdConfig('e0'), { name: 'r2' });
    await waitFor(() => defaultRoutes(lab, 'h1'), { timeoutMs: 20_000, until: (rs) => rs.length >= 2, what: 'two default routes' });
    const multi = await lab.exec('h1', ['rdisc6', '-n', '-m', '-r', '1', '-w', '1500', 'e0'], { check: true });
    save('rdisc6-radvd-two-routers.txt', multi.stdout);
    save('ip-route-two-routers.json', (await lab.exec('h1', ['ip', '-6', '-j', 'route', 'show', 'table', 'main'], { check: true })).stdout);
  } finally {
    await lab.destroy();
  }
}

if (process.env['FH_RECORD_FIXTURES'] === '1') {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
