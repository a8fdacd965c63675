/** Shared fixtures for unit tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InterfaceConfig } from '../../src/config/types';
import { Daemon } from '../../src/daemon/daemon';
import { memoryLogger } from '../../src/daemon/log';
import { ManualClock } from '../../src/iface/clock';
import { MemoryBackend, settle } from '../../src/sys/memory';

const pos = { file: 'test.conf', line: 1, column: 1 };

/** An interface config with radvd 2.19's defaults for MaxRtrAdvInterval 600 (AdvRAMTU 1280), AdvSendAdvert on. */
export function ifaceConfig(over: Partial<InterfaceConfig> = {}): InterfaceConfig {
  const max = over.maxRtrAdvInterval ?? 600;
  return {
    name: 'eth0',
    pos,
    ignoreIfMissing: true,
    advSendAdvert: true,
    unicastOnly: false,
    advRaSolicitedUnicast: true,
    maxRtrAdvInterval: max,
    minRtrAdvInterval: 0.33 * max,
    minDelayBetweenRas: 3,
    advManagedFlag: false,
    advOtherConfigFlag: false,
    advLinkMtu: 0,
    advRaMtu: 1280,
    advReachableTime: 0,
    advRetransTimer: 0,
    advCurHopLimit: 64,
    advDefaultLifetime: 3 * max,
    advDefaultPreference: 'medium',
    advSourceLlAddress: true,
    advHomeAgentFlag: false,
    advIntervalOpt: false,
    advHomeAgentInfo: false,
    homeAgentLifetime: 3 * max,
    homeAgentPreference: 0,
    advMobRtrSupportFlag: false,
    removeAdvOnExit: true,
    advRaSrcAddress: [],
    clients: [],
    prefixes: [],
    routes: [],
    rdnss: [],
    dnssl: [],
    nat64Prefixes: [],
    abros: [],
    lowpanContexts: [],
    ...over,
  };
}

export { pos };

/**
 * A daemon started on the in-memory backend from `conf` (written to a temporary radvd.conf),
 * with the given links (default: lan0 02:00:00:00:00:01, fe80::1), a manual clock, a memory
 * logger and fixed randomness. `cleanup()` stops it and removes the file.
 */
export async function memoryDaemon(conf: string, links: ReadonlyArray<{ readonly name: string; readonly mac: string; readonly address: string }> = [{ name: 'lan0', mac: '02:00:00:00:00:01', address: 'fe80::1' }]) {
  const dir = mkdtempSync(join(tmpdir(), 'fh-daemon-'));
  const file = join(dir, 'radvd.conf');
  writeFileSync(file, conf);
  const backend = new MemoryBackend('router');
  const added = links.map((l) => {
    const link = backend.kernel.addLink({ name: l.name, mac: l.mac, mtu: 1500 });
    backend.kernel.addAddress({ ifindex: link.ifindex, address: l.address });
    return link;
  });
  const clock = new ManualClock();
  const log = memoryLogger();
  const daemon = new Daemon({ configPath: file, backend, log, clock, random: () => 0.5 });
  const cleanup = (): void => {
    daemon.stop(false);
    rmSync(dir, { recursive: true, force: true });
  };
  await daemon.start();
  await settle();
  return { dir, file, backend, links: added, clock, log, daemon, cleanup };
}
