/**
 * rtnetlink numbers from <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_link.h>,
 * <linux/if_addr.h> and <linux/if.h>: only those firsthop reads or writes.
 */
import { constants as osConstants } from 'node:os';

export const NETLINK_ROUTE = 0;

/** struct nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid. */
export const NLMSG_HDRLEN = 16;
export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;

export const NLM_F = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  ROOT: 0x100,
  MATCH: 0x200,
  DUMP: 0x300,
  /** For NEW requests and notifications. */
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  /** In NLMSG_ERROR: the message carries extended-ack TLVs. */
  ACK_TLVS: 0x200,
} as const;

export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
} as const;

/** Multicast groups (enum rtnetlink_groups) for NETLINK_ADD_MEMBERSHIP. */
export const RTNLGRP = {
  LINK: 1,
  NOTIFY: 2,
  NEIGH: 3,
  TC: 4,
  IPV4_IFADDR: 5,
  IPV4_MROUTE: 6,
  IPV4_ROUTE: 7,
  IPV4_RULE: 8,
  IPV6_IFADDR: 9,
  IPV6_MROUTE: 10,
  IPV6_ROUTE: 11,
  IPV6_IFINFO: 12,
  IPV6_PREFIX: 18,
  IPV6_RULE: 19,
  ND_USEROPT: 20,
} as const;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_BRIDGE = 7;

/** struct ifinfomsg: u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change. */
export const IFINFOMSG_LEN = 16;
export const IFLA = {
  ADDRESS: 1,
  BROADCAST: 2,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  OPERSTATE: 16,
  LINKMODE: 17,
  LINKINFO: 18,
  AF_SPEC: 26,
  EXT_MASK: 29,
  LINK_NETNSID: 37,
} as const;
export const IFLA_INFO = { KIND: 1, DATA: 2 } as const;
/** Inside IFLA_INFO_DATA of a macvlan (<linux/if_link.h>). */
export const IFLA_MACVLAN = { MODE: 1, FLAGS: 2 } as const;
/** enum macvlan_mode. */
export const MACVLAN_MODE = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
export type MacvlanMode = keyof typeof MACVLAN_MODE;
/** Inside IFLA_AF_SPEC / AF_INET6 (<linux/if_link.h>). */
export const IFLA_INET6 = { FLAGS: 1, CONF: 2, TOKEN: 7, ADDR_GEN_MODE: 8 } as const;
/** enum in6_addr_gen_mode: how the kernel makes a link's IPv6 link-local (and SLAAC) interface identifier. */
export const IN6_ADDR_GEN_MODE = { eui64: 0, none: 1, stable_privacy: 2, random: 3 } as const;
export type AddrGenMode = keyof typeof IN6_ADDR_GEN_MODE;
/** nla_type bit marking a nested attribute (set by libmnl; the kernel masks it off when parsing). */
export const NLA_F_NESTED = 0x8000;
/** IFLA_EXT_MASK bits. */
export const RTEXT_FILTER = { VF: 1, BRVLAN: 2, BRVLAN_COMPRESSED: 4, SKIP_STATS: 8 } as const;

export const IFF = {
  UP: 0x1,
  BROADCAST: 0x2,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  RUNNING: 0x40,
  NOARP: 0x80,
  MULTICAST: 0x1000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
} as const;

/** IFLA_OPERSTATE values (RFC 2863 ifOperStatus), indexed by number. */
export const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;

/** struct ifaddrmsg: u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index. */
export const IFADDRMSG_LEN = 8;
export const IFA = { ADDRESS: 1, LOCAL: 2, LABEL: 3, BROADCAST: 4, ANYCAST: 5, CACHEINFO: 6, MULTICAST: 7, FLAGS: 8 } as const;
export const IFA_F = {
  SECONDARY: 0x01,
  NODAD: 0x02,
  OPTIMISTIC: 0x04,
  DADFAILED: 0x08,
  HOMEADDRESS: 0x10,
  DEPRECATED: 0x20,
  TENTATIVE: 0x40,
  PERMANENT: 0x80,
  MANAGETEMPADDR: 0x100,
  NOPREFIXROUTE: 0x200,
  MCAUTOJOIN: 0x400,
  STABLE_PRIVACY: 0x800,
} as const;

/** struct rtmsg: u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags. */
export const RTMSG_LEN = 12;
export const RTA = {
  DST: 1,
  SRC: 2,
  IIF: 3,
  OIF: 4,
  GATEWAY: 5,
  PRIORITY: 6,
  PREFSRC: 7,
  METRICS: 8,
  MULTIPATH: 9,
  FLOW: 11,
  CACHEINFO: 12,
  TABLE: 15,
  MARK: 16,
  PREF: 20,
  ENCAP_TYPE: 21,
  ENCAP: 22,
  EXPIRES: 23,
  NH_ID: 30,
} as const;
/** struct rtnexthop: u16 len, u8 flags, u8 hops, s32 ifindex. */
export const RTNEXTHOP_LEN = 8;
/** struct rta_cacheinfo is 8 u32; rta_expires (signed, clock ticks of USER_HZ) is the third. */
export const RTA_CACHEINFO_LEN = 32;
export const USER_HZ = 100;
export const RTM_F_CLONED = 0x200;

export const RT_TABLE = { UNSPEC: 0, DEFAULT: 253, MAIN: 254, LOCAL: 255 } as const;
export const RTN = { UNSPEC: 0, UNICAST: 1, LOCAL: 2, BROADCAST: 3, ANYCAST: 4, MULTICAST: 5, BLACKHOLE: 6, UNREACHABLE: 7, PROHIBIT: 8, THROW: 9 } as const;
export const RTPROT = { UNSPEC: 0, REDIRECT: 1, KERNEL: 2, BOOT: 3, STATIC: 4, RA: 9 } as const;
export const RT_SCOPE = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 } as const;

/** Lifetime value meaning forever (IFA_CACHEINFO). */
export const INFINITY_LIFETIME = 0xffffffff;

/** Name of a (positive) errno on this platform: 'EEXIST', ...; 'E<n>' when unknown. */
export function errnoName(errno: number): string {
  if (!errnoNames) {
    errnoNames = new Map();
    for (const [name, n] of Object.entries(osConstants.errno)) if (!errnoNames.has(n)) errnoNames.set(n, name);
    errnoNames.set(osConstants.errno.EOPNOTSUPP, 'EOPNOTSUPP'); // not ENOTSUP, as the kernel headers
  }
  return errnoNames.get(errno) ?? `E${errno}`;
}
let errnoNames: Map<number, string> | undefined;
