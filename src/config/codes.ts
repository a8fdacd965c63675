/**
 * Every diagnostic code the config pipeline emits, with what it means. Errors also say where
 * radvd 2.19 itself rejects the same file (the oracle tests rely on this).
 */

/**
 *  'config'     - `radvd -c` rejects the file (scanner, grammar, or a check while parsing);
 *  'runtime'    - `radvd -c` accepts it, but radvd refuses the interface when it starts (check_iface),
 *                 or exits when it builds the first RA;
 *  'radvd-2.20' - the construct exists only in radvd 2.20 or later, so radvd 2.19 rejects it anyway;
 *  'firsthop'   - the construct is a firsthop extension (conditions and policies, VRRP), so every radvd rejects it.
 */
export type ErrorPhase = 'config' | 'runtime' | 'radvd-2.20' | 'firsthop';

export const ERROR_CODES: Readonly<Record<string, { readonly phase: ErrorPhase; readonly meaning: string }>> = {
  E_READ: { phase: 'config', meaning: 'The file cannot be read.' },
  E_SYNTAX: { phase: 'config', meaning: 'The text does not follow the radvd.conf grammar (missing ;, braces, names...).' },
  E_BAD_TOKEN: { phase: 'config', meaning: "Something radvd's scanner cannot read: a stray character, a CR of a CRLF file, a number over 4294967295, a malformed address." },
  E_BAD_VALUE: { phase: 'config', meaning: 'An option has a value of the wrong kind (e.g. yes for on, a decimal where an integer is needed).' },
  E_UNKNOWN_OPTION: { phase: 'config', meaning: 'An unknown option, a wrongly capitalised one, or an option in the wrong block.' },
  E_NO_INTERFACES: { phase: 'config', meaning: 'The file defines no interface.' },
  E_DUPLICATE_INTERFACE: { phase: 'config', meaning: 'The same interface is defined twice.' },
  E_PREFIX_LENGTH: { phase: 'config', meaning: 'A prefix or route length over 128.' },
  E_PREFERRED_GT_VALID: { phase: 'config', meaning: 'AdvPreferredLifetime is greater than AdvValidLifetime.' },
  E_BASE6_LENGTH: { phase: 'config', meaning: 'Base6Interface on a prefix that is not /64.' },
  E_RDNSS_TOO_MANY: { phase: 'config', meaning: 'More than 3 addresses in one RDNSS block.' },
  E_DNSSL_SUFFIX: { phase: 'config', meaning: "A DNSSL suffix with a character other than letters, digits, '-' and '.'." },
  E_MIN_INTERVAL: { phase: 'runtime', meaning: 'MinRtrAdvInterval (given or 0.33 * MaxRtrAdvInterval) outside 3 (0.03 with Mobile IPv6) .. 0.75 * MaxRtrAdvInterval.' },
  E_MAX_INTERVAL: { phase: 'runtime', meaning: 'MaxRtrAdvInterval outside 4 (0.07 with Mobile IPv6) .. 1800.' },
  E_MIN_DELAY: { phase: 'runtime', meaning: 'MinDelayBetweenRAs under 3 (0.03 with Mobile IPv6).' },
  E_LINK_MTU: { phase: 'runtime', meaning: 'AdvLinkMTU neither 0 nor at least 1280.' },
  E_REACHABLE_TIME: { phase: 'runtime', meaning: 'AdvReachableTime over 3600000 ms.' },
  E_DEFAULT_LIFETIME: { phase: 'runtime', meaning: 'AdvDefaultLifetime neither 0 nor between MaxRtrAdvInterval and 9000.' },
  E_HOME_AGENT_LIFETIME: { phase: 'runtime', meaning: 'HomeAgentLifetime (given or AdvDefaultLifetime) outside 1..65520 with AdvHomeAgentInfo on.' },
  E_HOME_AGENT_FLAG: { phase: 'runtime', meaning: 'AdvHomeAgentInfo on without AdvHomeAgentFlag on.' },
  E_HOME_AGENT_INFO: { phase: 'runtime', meaning: 'AdvMobRtrSupportFlag on without AdvHomeAgentInfo on.' },
  E_DNSSL_TOO_LONG: { phase: 'runtime', meaning: 'One DNSSL option over 2048 bytes (radvd exits when it builds the RA).' },
  E_NAT64_PREFIX: { phase: 'radvd-2.20', meaning: 'nat64prefix all zeros, or not /32, /40, /48, /56, /64 or /96.' },
  E_NAT64_LIFETIME: { phase: 'radvd-2.20', meaning: 'nat64prefix AdvValidLifetime over 65528.' },
  E_CAPTIVE_PORTAL: { phase: 'radvd-2.20', meaning: 'AdvCaptivePortalAPI with an empty URI.' },
  E_CONDITION_NAME: { phase: 'firsthop', meaning: "A condition name that is not letters, digits, '-' and '_' starting with a letter, or is a reserved word (not, all, any, if, else, condition, damping) or a radvd.conf keyword." },
  E_CONDITION_DUPLICATE: { phase: 'firsthop', meaning: 'Two conditions with the same name.' },
  E_CONDITION_KIND: { phase: 'firsthop', meaning: 'A condition block with no kind statement, with two, or with an unknown one (kinds: link, route, address, probe, manual, vrrp, all, any, not).' },
  E_CONDITION_UNKNOWN: { phase: 'firsthop', meaning: 'An if, or an all/any/not condition, names a condition that is not defined.' },
  E_CONDITION_CYCLE: { phase: 'firsthop', meaning: 'Conditions that refer to each other in a loop through all/any/not.' },
  E_CONDITION_ADDRESS: { phase: 'firsthop', meaning: 'A condition address or prefix that is not an IPv6 address, lacks its /LEN, has bits set past its length, or (probe) is not unicast.' },
  E_CONDITION_VALUE: { phase: 'firsthop', meaning: 'A bad condition argument: interface name, proto or table name, number, manual value, VRRP instance, condition name list, or an attribute given twice.' },
  E_LINK_STATE: { phase: 'firsthop', meaning: 'A link condition without a state or with one other than up, down, carrier, present.' },
  E_PROBE: { phase: 'firsthop', meaning: 'A probe interval or timeout that is not more than 0, a loss or rise count under 1, or a link-local target without dev.' },
  E_DAMPING: { phase: 'firsthop', meaning: 'Damping with an unknown parameter, Reuse not below Suppress, Reuse or HalfLife not above 0, or given twice.' },
  E_POLICY_FIELD: { phase: 'firsthop', meaning: 'An if branch sets a field a policy may not set in that block (AdvValidLifetime in a prefix block above all: RFC 8475 3.1.2, RFC 4862 5.5.3), or an if is in a block no policy can change.' },
  E_POLICY_EMPTY: { phase: 'firsthop', meaning: 'An if whose branches set nothing.' },
  E_VRRP_NAME: { phase: 'firsthop', meaning: "A vrrp or vrrp_sync_group name that is not letters, digits, '-' and '_' starting with a letter, or is a reserved word (not, all, any, if, else, condition, damping, vrrp, vrrp_sync_group, group, track, weight) or a radvd.conf keyword." },
  E_VRRP_DUPLICATE: { phase: 'firsthop', meaning: 'Two vrrp instances, or two vrrp_sync_groups, with the same name.' },
  E_VRRP_STATEMENT: { phase: 'firsthop', meaning: 'An unknown statement in a vrrp or vrrp_sync_group block, or one that belongs in the other block.' },
  E_VRRP_UNSUPPORTED: { phase: 'firsthop', meaning: "A keepalived keyword or block firsthop does not support (unicast peers, scripts, notify, authentication, VRRPv2, ...): the message says what to use instead." },
  E_VRRP_MISSING: { phase: 'firsthop', meaning: 'A vrrp block without interface, virtual_router_id or virtual_ipaddress.' },
  E_VRRP_VALUE: { phase: 'firsthop', meaning: 'A vrrp value of the wrong kind or out of range: VRID 1..255, priority 1..255, advert_int 0.01..40.95 s in whole centiseconds, preempt_delay, weight, garp_* values, interface or use_vmac names, state, version.' },
  E_VRRP_ADDRESS: { phase: 'firsthop', meaning: 'A bad virtual_ipaddress list: not an address, mixed IPv4 and IPv6, an IPv6 list whose first address is not link-local, a multicast, unspecified, loopback or duplicate address, an empty list, or more than 255 addresses.' },
  E_VRRP_VRID: { phase: 'firsthop', meaning: 'Two vrrp instances with the same VRID on one interface and address family.' },
  E_VRRP_VMAC: { phase: 'firsthop', meaning: 'Two instances with the same use_vmac name (given or default), or a use_vmac name that is the name of an interface in the file.' },
  E_VRRP_TRACK: { phase: 'firsthop', meaning: 'A vrrp instance tracks the same condition twice, or a condition that depends on its own state (vrrp SELF).' },
  E_VRRP_UNKNOWN: { phase: 'firsthop', meaning: 'A vrrp condition, an interface vrrp statement or a sync group names a VRRP instance that is not defined.' },
  E_VRRP_SYNC_GROUP: { phase: 'firsthop', meaning: 'A vrrp_sync_group without instances, listing one twice, or listing an instance that is already in another group.' },
  E_VRRP_INTERFACE: { phase: 'firsthop', meaning: "An interface's vrrp statement names an IPv4 instance, an instance on another interface, or one another interface follows already; or an interface has two vrrp statements." },
};

export const WARNING_CODES: Readonly<Record<string, string>> = {
  W_SHORT_LIFETIME: 'A non-zero lifetime under 180 s (prefix valid/preferred, route, RDNSS, DNSSL, router lifetime): Android and some other hosts ignore it.',
  W_DNS_LIFETIME: 'An RDNSS or DNSSL lifetime below 3 * MaxRtrAdvInterval (RFC 8106 5.1): hosts may lose DNS between two unsolicited RAs. The radvd default (MaxRtrAdvInterval) always draws it.',
  W_SLAAC_NOT_64: 'A prefix with AdvAutonomous on whose length is not 64: SLAAC will not use it.',
  W_DNS_LIFETIME_BELOW_MAX: 'AdvRDNSSLifetime / AdvDNSSLLifetime below MaxRtrAdvInterval: radvd 2.19 logs an error but keeps the RDNSS value, and raises the DNSSL value to MaxRtrAdvInterval. firsthop does the same.',
  W_ORDER_DEPENDENT_DEFAULT: 'A route/RDNSS/DNSSL/nat64prefix default computed from a MaxRtrAdvInterval that is changed further down (radvd computes it where the block starts).',
  W_ZERO_DEFAULT_LIFETIME: 'A route/RDNSS/DNSSL lifetime default that truncates to 0 because MaxRtrAdvInterval is under a second.',
  W_DEFAULT_ROUTE_FLAP: 'route ::/0 whose lifetime is zero while AdvDefaultLifetime is not (or the reverse): default routes flap.',
  W_WRAPPED: 'A value radvd 2.19 stores in a narrower field (AdvCurHopLimit 8 bits, HomeAgentPreference and ABRO/6CO fields 16 bits, AdvDefaultLifetime/HomeAgentLifetime of 2^31 or more read as unset). The wrapped value is used, as radvd does.',
  W_CLAMPED: 'AdvRAMTU outside 1280..131072: clamped, as radvd does.',
  W_RANGE: 'A 6LoWPAN context field beyond what its wire field carries.',
  W_NUMERIC_PREFERENCE: 'A preference written as a negative number (radvd accepts -N): the 2-bit value used is shown.',
  W_DUPLICATE_OPTION: 'An option set twice in the same block: the last one wins, as in radvd.',
  W_IGNORED_OPTION: 'AdvRDNSSPreference / AdvRDNSSOpen: deprecated, accepted and ignored.',
  W_DEPRECATED: "The /LEN after an abro address: deprecated and ignored.",
  W_QUOTED_NAME: 'A quoted interface name: radvd keeps the quotes as part of the name.',
  W_IFNAME_TRUNCATED: 'An interface name over 15 characters: truncated, as radvd does.',
  W_AUTO_PREFIX_LENGTH: 'prefix ::/N with N != 64: radvd treats every all-zero prefix as "the interface\'s prefixes"; read as ::/64.',
  W_TRUNCATED: "A DNSSL suffix or URI longer than 255 characters: radvd's scanner keeps the first 255.",
  W_DNSSL_LABEL: 'A DNSSL suffix with an empty label or a label over 63 characters: radvd sends a malformed name.',
  W_NOT_RADVD_2_19: 'An option or block from radvd 2.20 (nat64prefix, RemoveAdvOnExit, AdvCaptivePortalAPI): firsthop accepts it, radvd 2.19 does not.',
  W_NOT_RADVD: 'A firsthop extension (AdvPrefixPD, conditions and policies, VRRP): no radvd version accepts it.',
  W_CONDITION_UNUSED: 'A condition that no if policy uses, directly or through all/any/not.',
  W_VRRP_IGNORED: 'A keepalived statement firsthop accepts and ignores: state MASTER|BACKUP (VRRPv3 elects from priority), version 3.',
  W_VRRP_TRACK_OWNER: 'A track line in an instance with priority 255 (the address owner): it is ignored.',
  W_VRRP_PRIORITY_CLAMPED: 'Track weights that can take the priority to 0 or below, or to 255 or above: it is kept within 1..254.',
  W_VRRP_NO_ADVERT: 'An interface that follows a virtual router (vrrp NAME;) but has AdvSendAdvert off: it sends no RAs anyway.',
  W_VRRP_SYNC_GROUP_SINGLE: 'A vrrp_sync_group with one instance: it does nothing.',
  W_ZERO_LIFETIME_PREFERENCE: 'An if branch that advertises router lifetime 0 with AdvDefaultPreference low or high: RFC 4191 2.2 sends preference medium with a zero lifetime, so the preference has no effect.',
};

export const ERROR_PHASE: Readonly<Record<string, ErrorPhase>> = Object.fromEntries(Object.entries(ERROR_CODES).map(([k, v]) => [k, v.phase]));
