/**
 * VRRPv3 (RFC 9568) configuration as the config grammar resolves it (src/config/vrrp.ts) and
 * the protocol core (src/vrrp/machine.ts) and the daemon read it. Times are milliseconds unless
 * the name says centiseconds (the unit of the protocol's Max Advertise Interval field).
 */
import type { SourcePos } from '../config/types';

export type VrrpFamily = 4 | 6;

export interface VrrpAddress {
  /** Canonical text (IPv6 as formatIPv6 writes it, IPv4 dotted quad). */
  readonly address: string;
  /** Default: 64 for an IPv6 link-local, 128 for other IPv6, 32 for IPv4. */
  readonly prefixLength: number;
}

/** `track CONDITION [weight N];`: keepalived's tracking weight, driven by a firsthop condition. */
export interface VrrpTrack {
  readonly condition: string;
  /**
   * keepalived's semantics: a negative weight is added to the priority while the condition is
   * false; a positive one while it is true; 0 puts the virtual router in fault (it leaves the
   * election, as a Shutdown event, and comes back with Startup) while the condition is false.
   */
  readonly weight: number;
  readonly pos: SourcePos;
}

export interface VrrpInstanceConfig {
  /** The instance name (keepalived's vrrp_instance NAME); `vrrp NAME` conditions refer to it. */
  readonly name: string;
  /** The LAN interface the virtual router lives on (keepalived `interface`). */
  readonly interface: string;
  /** VRID 1..255 (keepalived `virtual_router_id`). */
  readonly vrid: number;
  /** Address family of the virtual router, from its addresses (RFC 9568: one per family). */
  readonly family: VrrpFamily;
  /** 1..254, or 255 for the address owner (keepalived `priority`, default 100). */
  readonly priority: number;
  /** Advertisement interval in centiseconds, 1..4095 (keepalived `advert_int` in seconds, default 1 s = 100). */
  readonly advertIntervalCs: number;
  /** The virtual addresses; for IPv6 the first is the virtual link-local (RFC 9568 errata). */
  readonly addresses: readonly VrrpAddress[];
  /** Preempt_Mode (default on; keepalived `nopreempt` turns it off). */
  readonly preempt: boolean;
  /** keepalived `preempt_delay`: after start-up, a Backup waits this long before preempting a lower-priority Active. */
  readonly preemptDelayMs: number;
  /** Accept_Mode (keepalived `accept`; default off). */
  readonly acceptMode: boolean;
  readonly tracks: readonly VrrpTrack[];
  /** Unsolicited NAs / gratuitous ARPs per address on becoming Active (keepalived `garp_master_repeat`, default 5). */
  readonly garpRepeat: number;
  /** Gap between those repeats (keepalived `garp_interval` / `garp_master_refresh` flavour), default 100 ms. */
  readonly garpIntervalMs: number;
  /** Name of the macvlan carrying the virtual MAC (keepalived `use_vmac NAME`); default `fhv<4|6>.<VRID>.<hash of the interface name>` (defaultVmacName in src/config/vrrp-tables.ts). */
  readonly vmacName: string;
  /** The sync group this instance belongs to, if any. */
  readonly syncGroup?: string;
  readonly pos: SourcePos;
}

/** keepalived's vrrp_sync_group: instances that always change state together. */
export interface VrrpSyncGroupConfig {
  readonly name: string;
  readonly members: readonly string[];
  readonly pos: SourcePos;
}
