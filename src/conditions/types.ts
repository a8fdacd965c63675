/**
 * Conditional Router Advertisements (RFC 8475): the config-side types of conditions and
 * policies. The grammar (src/config/) produces them; the engine (src/conditions/engine.ts)
 * evaluates them; the RA builder receives the result as overrides keyed by field.
 */
import type { SourcePos } from '../config/types';

/** What a condition looks at. Every kind is true or false at any moment. */
export type ConditionSpec =
  /** An interface's state: 'up' = IFF_UP and carrier; 'carrier' = carrier; 'present' = exists; 'down' = not up or no carrier. */
  | { readonly kind: 'link'; readonly interface: string; readonly state: 'up' | 'down' | 'carrier' | 'present' }
  /** A route in the kernel with all the given attributes (absent = any). */
  | {
      readonly kind: 'route';
      readonly prefix: string;
      readonly prefixLength: number;
      readonly via?: string;
      readonly dev?: string;
      /** RTPROT_* number; the grammar accepts names (kernel, boot, static, ra, bird, bgp, ospf, isis, zebra, ...). */
      readonly protocol?: number;
      readonly table?: number;
      readonly metric?: number;
    }
  /** An address (exact) or any address inside a prefix, on an interface or any, present and not tentative. */
  | { readonly kind: 'address'; readonly address?: string; readonly prefix?: string; readonly prefixLength?: number; readonly dev?: string }
  /** ICMPv6 echo to a target: down after `lossThreshold` consecutive losses, up after `riseThreshold` answers. */
  | {
      readonly kind: 'probe';
      readonly target: string;
      readonly source?: string;
      readonly dev?: string;
      readonly intervalMs: number;
      readonly timeoutMs: number;
      readonly lossThreshold: number;
      readonly riseThreshold: number;
    }
  /** Set at run time with `firsthop condition set NAME up|down`; starts at `initial`. */
  | { readonly kind: 'manual'; readonly initial: boolean }
  /** VRRP mastership of an instance (the VRRP issue adds the source of this state). */
  | { readonly kind: 'vrrp'; readonly instance: string }
  | { readonly kind: 'all'; readonly of: readonly ConditionRef[] }
  | { readonly kind: 'any'; readonly of: readonly ConditionRef[] }
  | { readonly kind: 'not'; readonly of: ConditionRef };

/** A reference to a named condition, or a condition written inline. */
export type ConditionRef = { readonly ref: string } | { readonly spec: ConditionSpec };

/**
 * Damping (RFC 8475 3.2.7), per condition. A change to false is announced at once (hosts must
 * stop using a broken uplink); a change back to true is announced only after `holdDownMs` of
 * stability, and not while suppressed. Each flap (a true->false change) adds `penalty`; the
 * penalty decays exponentially with `halfLifeMs`; crossing `suppress` suppresses recovery until
 * the penalty decays below `reuse`, but never longer than `maxSuppressMs`.
 */
export interface DampingConfig {
  readonly holdDownMs: number;
  readonly penalty: number;
  readonly suppress: number;
  readonly reuse: number;
  readonly halfLifeMs: number;
  readonly maxSuppressMs: number;
}

export interface ConditionConfig {
  readonly name: string;
  readonly spec: ConditionSpec;
  /** Absent: changes are announced as they happen. */
  readonly damping?: DampingConfig;
  readonly pos: SourcePos;
}

/**
 * Fields a policy may set, by block:
 * - interface: 'AdvDefaultLifetime' (router lifetime), 'AdvDefaultPreference';
 * - prefix: 'AdvPreferredLifetime' only (RFC 8475 3.1.2 and RFC 4862 5.5.3: never the valid lifetime);
 * - route: 'AdvRouteLifetime', 'AdvRoutePreference';
 * - RDNSS: 'AdvRDNSSLifetime'; DNSSL: 'AdvDNSSLLifetime'.
 */
export type PolicyField =
  | 'AdvDefaultLifetime'
  | 'AdvDefaultPreference'
  | 'AdvPreferredLifetime'
  | 'AdvRouteLifetime'
  | 'AdvRoutePreference'
  | 'AdvRDNSSLifetime'
  | 'AdvDNSSLLifetime';

/**
 * `if COND { FIELD v1; } else { FIELD v2; };` inside a block: while COND is true the field is
 * `whenTrue`, else `whenFalse`. A branch that does not set the field leaves the block's own
 * value (the resolver fills it in, so both are always set here).
 */
export interface PolicyConfig {
  readonly condition: ConditionRef;
  readonly field: PolicyField;
  readonly whenTrue: number | string;
  readonly whenFalse: number | string;
  readonly pos: SourcePos;
}

/* ------------------------------------------------------------------------------------------
 * Added by the condition engine (src/conditions/engine.ts): its status and error codes.
 * ------------------------------------------------------------------------------------------ */

/** Stable codes of ConditionError (src/conditions/errors.ts). */
export type ConditionErrorCode =
  /** A name that no condition has (setManual, a reference, a policy). */
  | 'E_CONDITION_UNKNOWN'
  /** setManual on a condition that is not `manual`. */
  | 'E_CONDITION_NOT_MANUAL'
  /** Conditions that refer to each other in a loop. */
  | 'E_CONDITION_CYCLE'
  /** Two conditions with the same name. */
  | 'E_CONDITION_DUPLICATE'
  /** A spec or damping config the engine cannot evaluate (bad address, negative time, ...). */
  | 'E_CONDITION_INVALID';

/** One named condition as `firsthop status` shows it. Times are epoch ms. */
export interface ConditionStatus {
  readonly name: string;
  readonly kind: ConditionSpec['kind'];
  /** e.g. 'link wan0 up', 'route 2001:db8::/48 proto bgp table 100', 'all(uplink-a, uplink-b)'. */
  readonly description: string;
  /** The value from the source right now (netlink, probe, manual setting, VRRP, combination). */
  readonly raw: boolean;
  /** The value the policies use (after damping). */
  readonly effective: boolean;
  /** When `effective` last changed (or the engine started). */
  readonly since: number;
  /** When `raw` last changed (or the engine started). */
  readonly lastRawChange: number;
  /** true -> false changes of the raw value since the engine started. */
  readonly flaps: number;
  /** Damping penalty decayed to now (0 without damping). */
  readonly penalty: number;
  readonly suppressed: boolean;
  /** While suppressed: when suppression ends unless it flaps again. */
  readonly suppressedUntil?: number;
  /** While raw is true but effective false: when the hold-down lets true through. */
  readonly holdDownUntil?: number;
  /** A probe that has not reached a verdict yet (raw is false meanwhile). */
  readonly pending: boolean;
  readonly damping?: DampingConfig;
  /** The latest changes, oldest first (a bounded timeline for status and the live page). */
  readonly history: readonly ConditionHistoryEntry[];
}

/** One change of a condition: its raw and effective value and damping penalty after it. */
export interface ConditionHistoryEntry {
  readonly at: number;
  readonly raw: boolean;
  readonly effective: boolean;
  readonly penalty: number;
  /** Damping suppressed the condition, or the suppression ended. */
  readonly event?: 'suppressed' | 'reused';
}
