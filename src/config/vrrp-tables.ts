/**
 * The VRRPv3 extension of radvd.conf (RFC 9568): the statement tables that the parser, the
 * resolver (vrrp.ts) and the reference document (reference.ts) share, the map of keepalived's
 * keywords, and the rule for the default use_vmac name.
 *
 * Syntax (firsthop only; radvd rejects any file that uses it):
 *
 *   vrrp NAME {
 *       interface IFNAME;  virtual_router_id 1..255;  priority 1..255;  advert_int SECONDS;
 *       virtual_ipaddress { ADDR[/LEN]; ... };
 *       nopreempt;  preempt on|off;  preempt_delay SECONDS;  accept [on|off];  no_accept;
 *       track CONDITION [weight -254..254];  garp_master_repeat N;  garp_interval SECONDS;
 *       use_vmac [IFNAME];
 *   };
 *   vrrp_sync_group NAME { group INSTANCE INSTANCE ...; };
 *   interface IFNAME { ... vrrp INSTANCE; ... };
 */

export const VRRP_DEFAULTS = {
  priority: 100,
  advertIntervalCs: 100,
  preempt: true,
  preemptDelayMs: 0,
  acceptMode: false,
  garpRepeat: 5,
  garpIntervalMs: 100,
  weight: 0,
} as const;

export const VRRP_LIMITS = {
  vrid: [1, 255],
  priority: [1, 255],
  advertIntervalCs: [1, 4095],
  preemptDelaySeconds: [0, 1000],
  weight: [-254, 254],
  garpRepeat: [1, 100],
  garpIntervalSeconds: [0, 10],
  /** The Count IPvX Addr field is 8 bits (RFC 9568 5.2.5). */
  addresses: 255,
} as const;

/** A statement of a vrrp or vrrp_sync_group block, as the reference documents it. */
export interface VrrpStatementSpec {
  readonly name: string;
  readonly block: 'vrrp' | 'vrrp_sync_group';
  readonly syntax: string;
  readonly default: string;
  readonly range: string;
  readonly rfc: string;
  readonly meaning: string;
}

export const VRRP_STATEMENTS: readonly VrrpStatementSpec[] = [
  { name: 'interface', block: 'vrrp', syntax: 'interface IFNAME', default: '(required)', range: 'an interface name of 1..15 characters', rfc: '-', meaning: 'The LAN interface the virtual router lives on.' },
  { name: 'virtual_router_id', block: 'vrrp', syntax: 'virtual_router_id N', default: '(required)', range: '1..255; unique per interface and address family', rfc: 'RFC 9568 5.2.3', meaning: 'The VRID, the same on every router of the virtual router; the virtual MAC is 00-00-5E-00-01-VRID (IPv4) or 00-00-5E-00-02-VRID (IPv6).' },
  { name: 'priority', block: 'vrrp', syntax: 'priority N', default: String(VRRP_DEFAULTS.priority), range: '1..254, or 255 for the address owner (firsthop checks at start-up that it owns the addresses)', rfc: 'RFC 9568 5.2.4, 6.1', meaning: 'This router\'s priority in the election; the highest wins. 0 is reserved (an Active that stops sends it).' },
  { name: 'advert_int', block: 'vrrp', syntax: 'advert_int SECONDS', default: '1', range: '0.01..40.95, a whole number of centiseconds', rfc: 'RFC 9568 5.2.7', meaning: 'Advertisement interval; the advertisement carries it as 12-bit centiseconds (1..4095). A Backup takes over after about 3 intervals of silence.' },
  { name: 'virtual_ipaddress', block: 'vrrp', syntax: 'virtual_ipaddress { ADDR[/LEN]; ... }', default: '(required)', range: '1..255 addresses of one family; IPv6: the first is link-local; no multicast, unspecified, loopback or duplicate addresses', rfc: 'RFC 9568 5.2.5, 5.2.9', meaning: 'The virtual addresses; their family is the virtual router\'s. /LEN defaults to 64 for an IPv6 link-local, 128 for other IPv6, 32 for IPv4.' },
  { name: 'nopreempt', block: 'vrrp', syntax: 'nopreempt', default: 'preempt on', range: '-', rfc: 'RFC 9568 6.1 (Preempt_Mode)', meaning: 'Preempt_Mode off: a Backup does not take over from a lower-priority Active.' },
  { name: 'preempt', block: 'vrrp', syntax: 'preempt [on|off]', default: 'on', range: 'on|off', rfc: 'RFC 9568 6.1 (Preempt_Mode)', meaning: 'Preempt_Mode: a higher-priority Backup takes over from a lower-priority Active (`preempt off` = nopreempt).' },
  { name: 'preempt_delay', block: 'vrrp', syntax: 'preempt_delay SECONDS', default: '0', range: '0..1000 (decimals allowed)', rfc: '- (keepalived)', meaning: 'After start-up, and after its own priority rose (a tracked condition recovered), a Backup waits this long before preempting a lower-priority Active, so its routes settle first (keepalived\'s preempt_delay). A Backup that has been stable longer preempts an Active whose priority fell without waiting.' },
  { name: 'accept', block: 'vrrp', syntax: 'accept [on|off]', default: 'off', range: 'on|off', rfc: 'RFC 9568 6.1 (Accept_Mode)', meaning: 'Accept_Mode: the Active accepts packets addressed to the virtual addresses it does not own. Off (the RFC\'s default), an nftables input chain (table inet firsthop_vrrp, made and removed by firsthop; needs the nft command) drops them, Neighbor Solicitations and Advertisements excepted: the virtual router forwards, but does not answer a ping to its own address. keepalived accepts unless vrrp_strict: write accept; for its behaviour.' },
  { name: 'no_accept', block: 'vrrp', syntax: 'no_accept', default: '(the default)', range: '-', rfc: 'RFC 9568 6.1 (Accept_Mode)', meaning: 'Accept_Mode off.' },
  { name: 'track', block: 'vrrp', syntax: 'track CONDITION [weight N]', default: '(none); weight 0', range: 'a defined condition, each once; weight -254..254', rfc: '- (keepalived)', meaning: 'keepalived\'s tracking, driven by a firsthop condition: a negative weight is added to the priority while the condition is false, a positive one while it is true; weight 0 puts the instance in fault while the condition is false. The result is kept within 1..254. Ignored (with a warning) at priority 255.' },
  { name: 'garp_master_repeat', block: 'vrrp', syntax: 'garp_master_repeat N', default: String(VRRP_DEFAULTS.garpRepeat), range: '1..100', rfc: 'RFC 9568 6.4.1, 6.4.2', meaning: 'Unsolicited Neighbor Advertisements (IPv6) or gratuitous ARPs (IPv4) sent per virtual address on becoming Active.' },
  { name: 'garp_interval', block: 'vrrp', syntax: 'garp_interval SECONDS', default: String(VRRP_DEFAULTS.garpIntervalMs / 1000), range: '0..10 (decimals allowed)', rfc: '-', meaning: 'Gap between those repeats. `gna_interval` (keepalived\'s IPv6 spelling) sets the same value.' },
  { name: 'use_vmac', block: 'vrrp', syntax: 'use_vmac [IFNAME]', default: 'fhv<4|6>.<VRID>.<HASH> (see below)', range: 'an interface name of 1..15 characters, unique in the file', rfc: 'RFC 9568 7.3', meaning: 'Name of the macvlan interface that carries the virtual MAC. firsthop always uses one; the statement only names it.' },
  { name: 'group', block: 'vrrp_sync_group', syntax: 'group INSTANCE INSTANCE ...  or  group { INSTANCE; ... }', default: '(required)', range: 'defined instances, each in at most one group', rfc: '- (keepalived)', meaning: 'The instances that always change state together: when one leaves Active, they all do.' },
];

/** One keepalived vrrp_instance / vrrp_sync_group keyword and what firsthop does with it. */
export interface KeepalivedKeyword {
  readonly keyword: string;
  readonly scope: 'vrrp_instance' | 'vrrp_sync_group';
  /** firsthop's statement for it; undefined when firsthop does not support it. */
  readonly firsthop?: string;
  /** How it maps, or why it is not supported and what to use instead. */
  readonly note: string;
}

const NO_SCRIPTS = 'firsthop runs no scripts; state changes are logged, and a `vrrp NAME` condition makes RA contents follow the election';
const UNICAST = 'firsthop speaks VRRP by multicast only, to the addresses RFC 9568 5.1.1.2 / 5.1.2.2 give';
const instance = (keyword: string, firsthop: string | undefined, note: string): KeepalivedKeyword => ({ keyword, scope: 'vrrp_instance', ...(firsthop !== undefined ? { firsthop } : {}), note });
const group = (keyword: string, firsthop: string | undefined, note: string): KeepalivedKeyword => ({ keyword, scope: 'vrrp_sync_group', ...(firsthop !== undefined ? { firsthop } : {}), note });

/** Every keyword keepalived 2.2 documents for vrrp_instance and vrrp_sync_group (keepalived.conf(5)). */
export const KEEPALIVED_KEYWORDS: readonly KeepalivedKeyword[] = [
  instance('interface', 'interface IFNAME;', 'Same meaning.'),
  instance('virtual_router_id', 'virtual_router_id N;', 'Same meaning, 1..255.'),
  instance('priority', 'priority N;', 'Same meaning, 1..255 (255 = address owner).'),
  instance('advert_int', 'advert_int SECONDS;', 'Same meaning; must be a whole number of centiseconds (VRRPv3 carries centiseconds).'),
  instance('virtual_ipaddress', 'virtual_ipaddress { ADDR[/LEN]; ... };', "Same meaning, with ';' after each address. Per-address options (dev, scope, label, brd, ...) are not supported."),
  instance('virtual_ipaddress_excluded', undefined, 'Not supported: firsthop carries every virtual address in its advertisements; put them in virtual_ipaddress (up to 255), or in a second instance.'),
  instance('nopreempt', 'nopreempt;', 'Same meaning (also `preempt off;`).'),
  instance('preempt_delay', 'preempt_delay SECONDS;', 'Same meaning, 0..1000 s.'),
  instance('accept', 'accept;', 'Same meaning (also `accept on|off;`).'),
  instance('no_accept', 'no_accept;', 'Same meaning (the default).'),
  instance('track_interface', undefined, 'Not supported as such: write `condition NAME { link IFNAME up; };` and `track NAME weight W;`.'),
  instance('track_script', undefined, 'Not supported: firsthop runs no scripts; track a `probe` condition, or a `manual` condition that `firsthop condition set NAME up|down` drives.'),
  instance('track_file', undefined, 'Not supported: a `manual` condition set with `firsthop condition set NAME up|down` plays the file\'s role; track it.'),
  instance('track_process', undefined, 'Not supported: firsthop does not watch processes; let the process\'s supervisor drive a `manual` condition with `firsthop condition set`, and track it.'),
  instance('track_bfd', undefined, 'Not supported: firsthop has no BFD; a `probe` condition (ICMPv6 echo) with a short interval is the nearest; track it.'),
  instance('weight', 'track NAME weight W;', 'The weight of a track line, -254..254.'),
  instance('garp_master_delay', undefined, 'Not supported: firsthop sends its unsolicited NAs / gratuitous ARPs once on becoming Active (garp_master_repeat of them, garp_interval apart), with no second round.'),
  instance('garp_master_repeat', 'garp_master_repeat N;', 'Same meaning, 1..100; also the number of unsolicited NAs for IPv6.'),
  instance('garp_master_refresh', undefined, 'Not supported: no periodic refresh while Active; the advertisements, sent from the virtual MAC (RFC 9568 7.3), keep switches\' tables current.'),
  instance('garp_master_refresh_repeat', undefined, 'Not supported (see garp_master_refresh).'),
  instance('garp_lower_prio_delay', undefined, 'Not supported: firsthop sends no extra ARPs / NAs on hearing a lower-priority advertisement.'),
  instance('garp_lower_prio_repeat', undefined, 'Not supported (see garp_lower_prio_delay).'),
  instance('garp_interval', 'garp_interval SECONDS;', 'Same meaning, 0..10 s; one gap for ARPs and NAs.'),
  instance('gna_interval', 'gna_interval SECONDS;', 'Accepted as another spelling of garp_interval (one gap for ARPs and NAs).'),
  instance('lower_prio_no_advert', undefined, 'Not supported: firsthop answers a lower-priority advertisement as RFC 9568 6.4.3 says.'),
  instance('higher_prio_send_advert', undefined, 'Not supported: firsthop answers a higher-priority advertisement as RFC 9568 6.4.3 says.'),
  instance('use_vmac', 'use_vmac [IFNAME];', 'Always on in firsthop (RAs and advertisements go from the virtual MAC); the name is optional.'),
  instance('vmac_xmit_base', undefined, 'Not supported: firsthop always sends advertisements with the virtual MAC as source (RFC 9568 7.3).'),
  instance('use_ipvlan', undefined, 'Not supported: an ipvlan shares its parent\'s MAC and cannot carry the virtual MAC; firsthop uses a macvlan.'),
  instance('native_ipv6', undefined, 'Not needed: the family of the virtual router is that of its virtual_ipaddress entries.'),
  instance('state', 'state MASTER|BACKUP;', 'Accepted and ignored, with a warning: VRRPv3 elects the Active from priority; a router starts as Backup unless its priority is 255 (RFC 9568 6.4.1).'),
  instance('authentication', undefined, 'Not supported: VRRPv3 advertisements carry no authentication (RFC 9568 5.2).'),
  instance('unicast_src_ip', undefined, `Not supported: ${UNICAST}.`),
  instance('unicast_peer', undefined, `Not supported: ${UNICAST}.`),
  instance('unicast_fault_no_peer', undefined, `Not supported: ${UNICAST}.`),
  instance('unicast_ttl', undefined, `Not supported: ${UNICAST}.`),
  instance('check_unicast_src', undefined, `Not supported: ${UNICAST}.`),
  instance('old_unicast_checksum', undefined, `Not supported: ${UNICAST}.`),
  instance('mcast_src_ip', undefined, 'Not supported: the source is the interface\'s link-local address (IPv6) or primary address (IPv4), as RFC 9568 5.1.1.1 / 5.1.2.1 require.'),
  instance('dont_track_primary', undefined, 'Not supported: the state of the instance\'s own interface always counts.'),
  instance('smtp_alert', undefined, 'Not supported: firsthop sends no mail; state changes are logged.'),
  instance('notify_master', undefined, `Not supported: ${NO_SCRIPTS}.`),
  instance('notify_backup', undefined, `Not supported: ${NO_SCRIPTS}.`),
  instance('notify_fault', undefined, `Not supported: ${NO_SCRIPTS}.`),
  instance('notify_stop', undefined, `Not supported: ${NO_SCRIPTS}.`),
  instance('notify', undefined, `Not supported: ${NO_SCRIPTS}.`),
  instance('notify_master_rx_lower_pri', undefined, `Not supported: ${NO_SCRIPTS}.`),
  instance('notify_priority_changes', undefined, `Not supported: ${NO_SCRIPTS}.`),
  instance('virtual_routes', undefined, 'Not supported: firsthop installs no routes; leave them to the routing daemon (a `vrrp NAME` condition can steer the route options of RAs).'),
  instance('virtual_rules', undefined, 'Not supported: firsthop installs no policy rules; leave them to the routing configuration.'),
  instance('version', 'version 3;', '`version 3` is accepted and ignored, with a warning; VRRPv2 (RFC 3768) is not supported, so `version 2` is an error.'),
  instance('strict_mode', undefined, 'Not supported: firsthop always follows RFC 9568 (no unicast, no authentication, no VRRPv2) and installs no packet filters.'),
  instance('skip_check_adv_addr', undefined, 'Not supported: how received address lists are checked is not configurable.'),
  instance('debug', undefined, 'Not supported per instance: use `firsthop -d N`.'),
  instance('lvs_sync_daemon_interface', undefined, 'Not supported: firsthop has no IPVS (LVS).'),
  instance('linkbeat_use_polling', undefined, 'Not supported: firsthop learns link state from rtnetlink events.'),
  instance('kernel_rx_buf_size', undefined, 'Not supported: firsthop sizes its socket buffers itself.'),
  group('group', 'group INSTANCE ...;', "Same meaning; `group { A; B; };` works too."),
  group('notify_master', undefined, `Not supported: ${NO_SCRIPTS}.`),
  group('notify_backup', undefined, `Not supported: ${NO_SCRIPTS}.`),
  group('notify_fault', undefined, `Not supported: ${NO_SCRIPTS}.`),
  group('notify_stop', undefined, `Not supported: ${NO_SCRIPTS}.`),
  group('notify', undefined, `Not supported: ${NO_SCRIPTS}.`),
  group('smtp_alert', undefined, 'Not supported: firsthop sends no mail; state changes are logged.'),
  group('global_tracking', undefined, 'Not supported: tracking is per instance (`track` in each vrrp block); the group already moves its members together.'),
  group('sync_group_tracking_weight', undefined, 'Not supported (see global_tracking).'),
  group('track_interface', undefined, 'Not supported in a group: `track` a `link` condition in the member instances.'),
  group('track_script', undefined, 'Not supported: firsthop runs no scripts; `track` a condition in the member instances.'),
  group('track_file', undefined, 'Not supported: `track` a `manual` condition in the member instances.'),
  group('track_process', undefined, 'Not supported: `track` a `manual` condition in the member instances.'),
  group('track_bfd', undefined, 'Not supported: `track` a `probe` condition in the member instances.'),
];

/**
 * Words that start a statement in a vrrp or vrrp_sync_group block. The parser ends a statement
 * that lacks its `;` when one of them starts the next line (`weight` is excluded: keepalived
 * writes it on the line of what it weighs).
 */
export const VRRP_STATEMENT_WORDS: ReadonlySet<string> = new Set(
  [...VRRP_STATEMENTS.map((s) => s.name), ...KEEPALIVED_KEYWORDS.map((k) => k.keyword), 'gna_interval'].filter((w) => w !== 'weight'),
);

/**
 * Names a vrrp instance or sync group may not take: the words of the condition syntax and of the
 * VRRP syntax, so that a name never reads as syntax in a message or a future statement.
 */
export const VRRP_RESERVED_NAMES: ReadonlySet<string> = new Set(['not', 'all', 'any', 'if', 'else', 'condition', 'damping', 'vrrp', 'vrrp_sync_group', 'group', 'track', 'weight']);

/**
 * The default use_vmac name: `fhv<FAMILY>.<VRID>.<HASH>`, HASH being the first 6 hex digits of
 * the SHA-256 of the interface name (`printf %s lan0 | sha256sum | cut -c1-6`). At most
 * 4 + 1 + 3 + 1 + 6 = 15 characters, so it always fits IFNAMSIZ; family and VRID are in clear,
 * so it differs for every (family, VRID) on an interface, and the hash tells interfaces apart
 * (the resolver rejects the rare file where two names still meet).
 */
export function defaultVmacName(ifname: string, family: 4 | 6, vrid: number): string {
  // node:crypto is loaded only here (macvlan names), not on every start.
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const hash = createHash('sha256').update(ifname, 'utf8').digest('hex').slice(0, 6);
  return `fhv${family}.${vrid}.${hash}`;
}
