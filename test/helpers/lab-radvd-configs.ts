/**
 * radvd configurations used by the lab integration test and by the fixture recorder.
 * Side-effect free (node --test also runs this file).
 */

/** The configuration the lab integration test asserts on (and the team's firsthop equivalent). */
export function basicRadvdConfig(ifname: string): string {
  return `interface ${ifname} {
  AdvSendAdvert on;
  MinRtrAdvInterval 3;
  MaxRtrAdvInterval 10;
  AdvDefaultLifetime 1800;
  AdvDefaultPreference low;
  AdvLinkMTU 1400;
  AdvCurHopLimit 60;
  prefix 2001:db8:1::/64 {
    AdvOnLink on;
    AdvAutonomous on;
    AdvValidLifetime 86400;
    AdvPreferredLifetime 14400;
  };
  route 2001:db8:99::/48 {
    AdvRoutePreference high;
    AdvRouteLifetime 1800;
  };
  RDNSS 2001:db8:1::53 2001:db8:1::54 {
    AdvRDNSSLifetime 600;
  };
  DNSSL example.com lab.example.org {
    AdvDNSSLLifetime 600;
  };
};
`;
}

/** A configuration exercising more of rdisc6's output (infinite lifetimes, timers, several options of a kind). */
export function richRadvdConfig(ifname: string): string {
  return `interface ${ifname} {
  AdvSendAdvert on;
  MinRtrAdvInterval 3;
  MaxRtrAdvInterval 10;
  AdvManagedFlag on;
  AdvOtherConfigFlag on;
  AdvHomeAgentFlag off;
  AdvDefaultLifetime 1800;
  AdvDefaultPreference high;
  AdvReachableTime 30000;
  AdvRetransTimer 1000;
  AdvLinkMTU 1280;
  AdvCurHopLimit 0;
  prefix 2001:db8:1::/64 {
    AdvOnLink on;
    AdvAutonomous on;
    AdvValidLifetime 86400;
    AdvPreferredLifetime 14400;
  };
  prefix 2001:db8:2::/64 {
    AdvOnLink off;
    AdvAutonomous off;
    AdvValidLifetime infinity;
    AdvPreferredLifetime infinity;
  };
  route 2001:db8:99::/48 {
    AdvRoutePreference high;
    AdvRouteLifetime 1800;
  };
  route 2001:db8:98::/64 {
    AdvRoutePreference low;
    AdvRouteLifetime infinity;
  };
  RDNSS 2001:db8:1::53 2001:db8:1::54 {
    AdvRDNSSLifetime 600;
  };
  RDNSS 2001:db8:1::55 {
    AdvRDNSSLifetime infinity;
  };
  DNSSL example.com lab.example.org {
    AdvDNSSLLifetime 600;
  };
};
`;
}
