/**
 * Scenario S7 (first-hop redundancy with VRRPv3) as a lab: used by the kernel tests, the
 * benchmark (bench/vrrp-failover.ts) and the demo.
 *
 *            host (h0, accept_ra=2, 2001:db8:1:1::/64 by SLAAC, 192.0.2.100/24)
 *              |
 *          [switch: br0]  the LAN
 *          /          \
 *   r1 lan0            r2 lan0      2001:db8:1:1::11 / ::12, 192.0.2.11 / .12
 *   r1 up0             r2 up0       uplinks: 2001:db8:f1::1/64, 2001:db8:f2::1/64
 *        \            /
 *         server (s1, s2)           2001:db8:ff::1 and 198.51.100.1 on lo
 *
 * The server reaches the LAN over both routers (a multipath route; a nexthop whose link lost
 * carrier is skipped, ignore_routes_with_linkdown=1), so a ping from the host to the server
 * measures exactly the first hop: the host's default router.
 */
import type { Lab } from './netns';
import { prepareHost, prepareRouter, waitLinkLocal } from './inspect';
import { segment } from './topology';

export const S7 = {
  lanPrefix: '2001:db8:1:1::/64',
  server6: '2001:db8:ff::1',
  server4: '198.51.100.1',
  virtualLinkLocal: 'fe80::1',
  virtual4: '192.0.2.1',
  host4: '192.0.2.100',
  r1: { lan6: '2001:db8:1:1::11', lan4: '192.0.2.11', up6: '2001:db8:f1::1', server6: '2001:db8:f1::2', up4: '203.0.113.1', server4: '203.0.113.2' },
  r2: { lan6: '2001:db8:1:1::12', lan4: '192.0.2.12', up6: '2001:db8:f2::1', server6: '2001:db8:f2::2', up4: '203.0.113.5', server4: '203.0.113.6' },
} as const;

export interface S7Lab {
  /** Local namespace names in the lab. */
  readonly r1: 'r1';
  readonly r2: 'r2';
  readonly host: 'host';
  readonly server: 'server';
  readonly switchNs: 'switch';
}

/** Build the S7 topology (about 1.5 s). Routers' LAN interfaces are `lan0`, uplinks `up0`. */
export async function s7Lab(lab: Lab): Promise<S7Lab> {
  const seg = await segment(lab, { switchNs: 'switch', bridge: 'br0' });
  await lab.addNamespace('server');
  await lab.sysctls('server', {
    'net.ipv6.conf.all.forwarding': 1,
    'net.ipv6.conf.all.accept_dad': 0,
    'net.ipv6.conf.default.accept_dad': 0,
    'net.ipv6.conf.all.ignore_routes_with_linkdown': 1,
    'net.ipv6.conf.default.ignore_routes_with_linkdown': 1,
    'net.ipv4.conf.all.ignore_routes_with_linkdown': 1,
    'net.ipv4.conf.default.ignore_routes_with_linkdown': 1,
  });
  await lab.ip('server', ['link', 'set', 'lo', 'up']);
  await lab.ip('server', ['addr', 'add', `${S7.server6}/128`, 'dev', 'lo']);
  await lab.ip('server', ['addr', 'add', `${S7.server4}/32`, 'dev', 'lo']);
  for (const [name, r, sif] of [['r1', S7.r1, 's1'], ['r2', S7.r2, 's2']] as const) {
    await seg.attach(name, 'lan0', 'router');
    await lab.sysctls(name, { 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0 });
    await lab.ip(name, ['addr', 'add', `${r.lan6}/64`, 'dev', 'lan0', 'nodad']);
    await lab.ip(name, ['addr', 'add', `${r.lan4}/24`, 'dev', 'lan0']);
    await lab.addVeth(name, 'up0', 'server', sif, { up: false });
    await prepareRouter(lab, name, 'up0');
    await lab.linkUp('server', sif);
    await lab.ip(name, ['addr', 'add', `${r.up6}/64`, 'dev', 'up0', 'nodad']);
    await lab.ip(name, ['addr', 'add', `${r.up4}/30`, 'dev', 'up0']);
    await lab.ip('server', ['addr', 'add', `${r.server6}/64`, 'dev', sif, 'nodad']);
    await lab.ip('server', ['addr', 'add', `${r.server4}/30`, 'dev', sif]);
    await lab.ip(name, ['-6', 'route', 'add', `${S7.server6}/128`, 'via', r.server6]);
    await lab.ip(name, ['route', 'add', `${S7.server4}/32`, 'via', r.server4]);
  }
  await lab.ip('server', ['-6', 'route', 'add', S7.lanPrefix, 'nexthop', 'via', S7.r1.up6, 'dev', 's1', 'nexthop', 'via', S7.r2.up6, 'dev', 's2']);
  await lab.ip('server', ['route', 'add', '192.0.2.0/24', 'nexthop', 'via', S7.r1.up4, 'dev', 's1', 'nexthop', 'via', S7.r2.up4, 'dev', 's2']);
  await seg.attach('host', 'h0', 'host');
  await prepareHost(lab, 'host', 'h0', { bounce: false });
  await lab.ip('host', ['addr', 'add', `${S7.host4}/24`, 'dev', 'h0']);
  for (const n of ['r1', 'r2', 'host'] as const) await waitLinkLocal(lab, n, n === 'host' ? 'h0' : 'lan0');
  return { r1: 'r1', r2: 'r2', host: 'host', server: 'server', switchNs: 'switch' };
}

/** The S7 pair's config: `examples/s7-vrrp-r1.conf` / `-r2.conf` with the given interval and extras. */
export function s7Config(opts: { readonly priority: number; readonly advertInt?: number; readonly preemptDelay?: number; readonly extra?: string; readonly ipv4?: boolean; readonly accept?: boolean }): string {
  const int = opts.advertInt ?? 0.1;
  return `condition uplink {
    link up0 up;
};

vrrp lan {
    interface lan0;
    virtual_router_id 51;
    priority ${opts.priority};
    advert_int ${int};
    virtual_ipaddress { ${S7.virtualLinkLocal}; };
    preempt_delay ${opts.preemptDelay ?? 0};
    track uplink weight -60;${opts.accept === true ? '\n    accept;' : ''}
};
${opts.ipv4 === true ? `
vrrp lan4 {
    interface lan0;
    virtual_router_id 52;
    priority ${opts.priority};
    advert_int ${int};
    virtual_ipaddress { ${S7.virtual4}/24; };
    preempt_delay ${opts.preemptDelay ?? 0};
    track uplink weight -60;
};
` : ''}
interface lan0 {
    AdvSendAdvert on;
    vrrp lan;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvDefaultLifetime 1800;
    prefix ${S7.lanPrefix} {
        AdvValidLifetime 86400;
        AdvPreferredLifetime 14400;
    };
};
${opts.extra ?? ''}`;
}
