/**
 * Normalized view of the kernel's links, addresses and routes, built from an rtnetlink dump
 * and kept current from rtnetlink events (src/netlink/state.ts). The advertiser and the
 * condition engine read it; nothing else talks netlink.
 */

export interface LinkInfo {
  readonly ifindex: number;
  readonly name: string;
  /** IFF_UP: administratively up. */
  readonly up: boolean;
  /** IFF_LOWER_UP: carrier present. */
  readonly carrier: boolean;
  /** IFLA_OPERSTATE as text: 'up', 'down', 'lowerlayerdown', 'dormant', 'unknown', ... */
  readonly operState: string;
  readonly mtu: number;
  /** Link-layer address as lowercase hex 'aa:bb:..', absent for interfaces without one (tun, wireguard). */
  readonly mac?: string;
  readonly flags: number;
  /** IFLA_INFO_KIND when present: 'veth', 'vxlan', 'bridge', ... */
  readonly kind?: string;
  /**
   * IFLA_LINK: the lower device of a macvlan, vlan, ... (absent when it is the link itself).
   * Absent too when the kernel reports it in another namespace (IFLA_LINK_NETNSID) and for the
   * peer-type links (veth, vxcan, netkit), whose IFLA_LINK is their peer, not a parent.
   */
  readonly parentIfindex?: number;
  /** IFLA_INFO_DATA / IFLA_MACVLAN_MODE of a macvlan: 'private', 'vepa', 'bridge', 'passthru', 'source'. */
  readonly macvlanMode?: string;
}

export interface AddressInfo {
  readonly ifindex: number;
  readonly address: string;
  readonly prefixLength: number;
  /** RT_SCOPE_*: 253 link, 0 universe, 254 host. */
  readonly scope: number;
  readonly tentative: boolean;
  readonly deprecated: boolean;
  readonly dadFailed: boolean;
  /** Seconds from IFA_CACHEINFO; 0xffffffff is forever. */
  readonly preferredLifetime: number;
  readonly validLifetime: number;
}

/**
 * An IPv4 address (RTM_NEWADDR with AF_INET). Kept apart from the IPv6 addresses:
 * NetState.addresses() and the 'address' events stay IPv6 (see NetState.ipv4Addresses()).
 * It has AddressInfo's fields, so code can treat both families alike: `address` is a dotted
 * quad, `tentative` and `dadFailed` are always false (IPv4 has no DAD in the kernel),
 * `deprecated` is IFA_F_DEPRECATED (preferred lifetime 0).
 */
export interface Ipv4AddressInfo extends AddressInfo {
  /**
   * IFA_F_SECONDARY: not the first address of its subnet on the interface. The primary IPv4
   * address of an interface is its first address that is not secondary.
   */
  readonly secondary: boolean;
  /** IFA_LABEL ('eth0', 'eth0:1'). */
  readonly label?: string;
  /** IFA_BROADCAST when set. */
  readonly broadcast?: string;
}

/** What NetState.onIpv4() reports (a separate stream, so NetEvent consumers see no change). */
export type Ipv4Event =
  | { readonly kind: 'ipv4Address'; readonly address: Ipv4AddressInfo; readonly previous?: Ipv4AddressInfo }
  | { readonly kind: 'ipv4AddressRemoved'; readonly address: Ipv4AddressInfo }
  /** A full dump replaced the state; re-read ipv4Addresses(). */
  | { readonly kind: 'resync' };

export interface RouteInfo {
  readonly table: number;
  readonly destination: string; // canonical prefix address
  readonly prefixLength: number;
  readonly gateway?: string;
  readonly oif?: number;
  /** RTPROT_* number (2 kernel, 3 boot, 4 static, 9 ra, 186 bgp, 188 ospf, 12 bird, ...). */
  readonly protocol: number;
  readonly metric: number;
  /** RTN_* type: 1 unicast, 2 local, 6 blackhole, 7 unreachable, ... */
  readonly type: number;
  /** RTA_PREF for RA-learned routes: 0 medium, 1 high, 3 low. */
  readonly preference?: number;
  /** Seconds left from RTA_CACHEINFO expires, when the route expires. */
  readonly expires?: number;
  /**
   * Every next hop of a multipath route (RTA_MULTIPATH), in the kernel's order; `gateway` and
   * `oif` above are the first one's. Absent for a single-hop route.
   */
  readonly nexthops?: readonly NextHop[];
}

/** One next hop of a multipath route (RTA_MULTIPATH's rtnexthop). */
export interface NextHop {
  readonly oif?: number;
  readonly gateway?: string;
  readonly flags: number;
  /** rtnh_hops + 1. */
  readonly weight: number;
}

export type NetEvent =
  | { readonly kind: 'link'; readonly link: LinkInfo; readonly previous?: LinkInfo }
  | { readonly kind: 'linkRemoved'; readonly link: LinkInfo }
  | { readonly kind: 'address'; readonly address: AddressInfo }
  | { readonly kind: 'addressRemoved'; readonly address: AddressInfo }
  | { readonly kind: 'route'; readonly route: RouteInfo }
  | { readonly kind: 'routeRemoved'; readonly route: RouteInfo }
  /** A full dump replaced the state (at start, and after a netlink overflow). */
  | { readonly kind: 'resync' };

/** Read side of the network state, shared by the advertiser and the condition engine. */
export interface NetStateView {
  links(): readonly LinkInfo[];
  link(ifindex: number): LinkInfo | undefined;
  linkByName(name: string): LinkInfo | undefined;
  addresses(ifindex?: number): readonly AddressInfo[];
  routes(): readonly RouteInfo[];
  on(handler: (event: NetEvent) => void): () => void;
}

/** NetStateView plus the IPv4 addresses (VRRP for IPv4 needs each interface's primary one). */
export interface NetStateView4 extends NetStateView {
  /** IPv4 addresses, in the kernel's order per interface (the primary of a subnet first). */
  ipv4Addresses(ifindex?: number): readonly Ipv4AddressInfo[];
  /** The first non-secondary IPv4 address of `ifindex`. */
  primaryIpv4(ifindex: number): Ipv4AddressInfo | undefined;
  onIpv4(handler: (event: Ipv4Event) => void): () => void;
}
