/**
 * Typed Neighbor Discovery messages and options (RFC 4861 section 4 and the option RFCs).
 * This file is the contract between the codec (src/wire/codec*.ts), the RA builder
 * (src/ra/) and the dump command. Addresses are canonical RFC 5952 strings; lifetimes are
 * seconds with INFINITY = 0xffffffff.
 */
import type { NdErrorCode } from './errors';

export const INFINITY = 0xffffffff;

/** ICMPv6 types of Neighbor Discovery (RFC 4861 section 4). */
export const ICMP6 = {
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  Redirect: 137,
} as const;

/** ND option type codes. */
export const OPT = {
  SourceLinkLayer: 1, // RFC 4861 4.6.1
  TargetLinkLayer: 2, // RFC 4861 4.6.1
  PrefixInformation: 3, // RFC 4861 4.6.2, P flag RFC 9762
  RedirectedHeader: 4, // RFC 4861 4.6.3
  Mtu: 5, // RFC 4861 4.6.4
  AdvertisementInterval: 7, // RFC 6275 7.3
  HomeAgentInfo: 8, // RFC 6275 7.4
  RouteInformation: 24, // RFC 4191 2.3
  Rdnss: 25, // RFC 8106 5.1
  Dnssl: 31, // RFC 8106 5.2
  LowpanContext: 34, // RFC 6775 4.2 (6LoWPAN Context Option)
  Abro: 35, // RFC 6775 4.3 (Authoritative Border Router Option)
  CaptivePortal: 37, // RFC 8910 2.3
  Pref64: 38, // RFC 8781 4
} as const;

/**
 * Router preference, 2-bit signed field (RFC 4191 2.1): 01 high, 00 medium, 11 low,
 * 10 reserved. 'reserved' is kept by the codec so packets round-trip; consumers apply
 * RFC 4191's rules (RA header: treat as medium; RIO: ignore the option).
 */
export type RouterPreference = 'high' | 'medium' | 'low' | 'reserved';

export interface SourceLinkLayerOption { readonly type: 'sourceLinkLayer'; readonly address: Uint8Array }
export interface TargetLinkLayerOption { readonly type: 'targetLinkLayer'; readonly address: Uint8Array }

export interface PrefixInformationOption {
  readonly type: 'prefixInformation';
  readonly prefixLength: number;
  readonly onLink: boolean; // L
  readonly autonomous: boolean; // A
  readonly routerAddress: boolean; // R (RFC 6275 7.2)
  readonly dhcpv6Pd: boolean; // P (RFC 9762)
  /** Remaining 4 reserved bits of the flags octet (low bits), kept for round-trip. */
  readonly reservedFlags?: number;
  readonly validLifetime: number;
  readonly preferredLifetime: number;
  /** Prefix address as transmitted (host bits kept as sent). */
  readonly prefix: string;
}

export interface RedirectedHeaderOption { readonly type: 'redirectedHeader'; readonly packet: Uint8Array }
export interface MtuOption { readonly type: 'mtu'; readonly mtu: number }
export interface AdvertisementIntervalOption { readonly type: 'advertisementInterval'; readonly intervalMs: number }
export interface HomeAgentInfoOption {
  readonly type: 'homeAgentInfo';
  /** Mobile router support flag (radvd AdvMobRtrSupportFlag, RFC 3963 4.2), top bit of the reserved field. */
  readonly mobileRouterSupport: boolean;
  readonly preference: number; // signed 16-bit
  readonly lifetime: number; // seconds, 16-bit
}
export interface RouteInformationOption {
  readonly type: 'routeInformation';
  readonly prefixLength: number;
  readonly preference: RouterPreference;
  readonly lifetime: number;
  readonly prefix: string;
}
export interface RdnssOption { readonly type: 'rdnss'; readonly lifetime: number; readonly servers: readonly string[] }
export interface DnsslOption { readonly type: 'dnssl'; readonly lifetime: number; readonly domains: readonly string[] }
export interface CaptivePortalOption { readonly type: 'captivePortal'; readonly uri: string }
export interface Pref64Option {
  readonly type: 'pref64';
  /** Lifetime in seconds; on the wire as a 13-bit count of 8-second units (RFC 8781 4). */
  readonly lifetime: number;
  readonly prefixLength: 32 | 40 | 48 | 56 | 64 | 96;
  readonly prefix: string;
}
export interface LowpanContextOption {
  readonly type: 'lowpanContext';
  readonly contextLength: number;
  readonly compression: boolean; // C
  readonly contextId: number; // 4 bits
  readonly lifetime: number; // 16-bit, units of 60 s on the wire: stored in minutes as sent
  readonly prefix: string;
}
export interface AbroOption {
  readonly type: 'abro';
  readonly versionLow: number;
  readonly versionHigh: number;
  readonly validLifetime: number; // 16-bit, units of 60 s: stored as sent
  readonly address: string;
}
/** Any option firsthop does not model; `body` is everything after the type and length octets. */
export interface UnknownOption { readonly type: 'unknown'; readonly code: number; readonly body: Uint8Array }

export type NdOption =
  | SourceLinkLayerOption
  | TargetLinkLayerOption
  | PrefixInformationOption
  | RedirectedHeaderOption
  | MtuOption
  | AdvertisementIntervalOption
  | HomeAgentInfoOption
  | RouteInformationOption
  | RdnssOption
  | DnsslOption
  | CaptivePortalOption
  | Pref64Option
  | LowpanContextOption
  | AbroOption
  | UnknownOption;

/**
 * An option of a received RA that is framed soundly (Length neither 0 nor past the packet) but
 * whose content is bad for its type: a Length its type does not allow, or a field value it cannot
 * carry. Receivers ignore just that option and process the rest of the RA (RFC 4861 4.6 for
 * unknown options; RFC 4191 2.3, RFC 8106 5.3.1 and RFC 8781 4 for the RIO, RDNSS/DNSSL and PREF64;
 * the Linux kernel does so for every option), so firsthop decodes the rest and keeps this mark
 * instead of dropping the RA. Receive side only: it is never encoded.
 */
export interface MalformedOption {
  readonly type: 'malformed';
  /** The option's Type octet. */
  readonly code: number;
  /** The option's Length octet (8-octet units, never 0). */
  readonly length: number;
  /** Byte offset of the option's Type octet from the ICMPv6 Type octet. */
  readonly offset: number;
  /** Position among all options of the packet, the malformed ones included (0 is the first). */
  readonly index: number;
  /** Why it is malformed: E_BAD_OPTION_LENGTH, E_BAD_OPTION_VALUE or E_BAD_DNS_NAME. */
  readonly error: NdErrorCode;
  readonly reason: string;
  /** Everything after the Type and Length octets, verbatim. */
  readonly body: Uint8Array;
}

export interface RouterSolicitation { readonly type: 'rs'; readonly options: readonly NdOption[] }

export interface RouterAdvertisement {
  readonly type: 'ra';
  readonly curHopLimit: number;
  readonly managed: boolean; // M
  readonly other: boolean; // O
  readonly homeAgent: boolean; // H (RFC 6275 7.1)
  readonly preference: RouterPreference; // Prf (RFC 4191 2.2)
  readonly proxy: boolean; // P (RFC 4389 4.1.3.3)
  /** The remaining 2 low reserved bits of the flags octet, kept for round-trip. */
  readonly reservedFlags?: number;
  readonly routerLifetime: number; // seconds, 16-bit
  readonly reachableTime: number; // ms
  readonly retransTimer: number; // ms
  readonly options: readonly NdOption[];
  /**
   * Received only (decodeMessage with keepMalformed, which validateReceived uses): the options
   * ignored as malformed, absent when there were none. `options` holds the others.
   */
  readonly malformed?: readonly MalformedOption[];
}

export interface NeighborSolicitation { readonly type: 'ns'; readonly target: string; readonly options: readonly NdOption[] }

export interface NeighborAdvertisement {
  readonly type: 'na';
  readonly router: boolean; // R
  readonly solicited: boolean; // S
  readonly override: boolean; // O
  readonly target: string;
  readonly options: readonly NdOption[];
}

export interface Redirect {
  readonly type: 'redirect';
  readonly target: string;
  readonly destination: string;
  readonly options: readonly NdOption[];
}

export type NdMessage = RouterSolicitation | RouterAdvertisement | NeighborSolicitation | NeighborAdvertisement | Redirect;

/** What the socket tells about a received packet, needed for RFC 4861 6.1 validation. */
export interface ReceiveMeta {
  readonly source: string;
  readonly destination: string;
  readonly hopLimit: number;
  readonly ifindex: number;
}
