/** Shared fixtures for unit tests. */
import type { InterfaceConfig } from '../../src/config/types';

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
