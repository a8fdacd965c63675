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
