/**
 * docs/config-reference.md, generated from the option schema (describeOptions) and the
 * diagnostic code tables. Regenerate after changing either:
 *
 *   npx tsc -p . && node -e "process.stdout.write(require('./dist/src/config/reference').renderConfigReference())" > docs/config-reference.md
 *
 * A unit test fails when the committed file differs from this output.
 */
import { ERROR_CODES, WARNING_CODES, type ErrorPhase } from './codes';
import { CONDITION_KINDS, DAMPING_DEFAULTS, DAMPING_PARAMS, LINK_STATES, POLICY_FIELDS, RT_PROTOS, RT_TABLES } from './conditions';
import { describeOptionTable } from './schema';
import { HTTP_STATEMENTS } from './http';
import { KEEPALIVED_KEYWORDS, VRRP_RESERVED_NAMES, VRRP_STATEMENTS, defaultVmacName } from './vrrp-tables';
import type { OptionBlock, OptionDescription, OptionOrigin } from './types';

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const mark = (o: OptionOrigin): string => (o === 'radvd-2.19' ? '' : o === 'radvd-2.20' ? ' ²' : ' ᶠ');

const OPTION_SECTIONS: ReadonlyArray<[OptionBlock, string]> = [
  ['interface', 'Interface options'],
  ['prefix', 'prefix options'],
  ['route', 'route options'],
  ['RDNSS', 'RDNSS options'],
  ['DNSSL', 'DNSSL options'],
  ['nat64prefix', 'nat64prefix options ²'],
  ['abro', 'abro options'],
  ['lowpanco', 'lowpanco options'],
];

const PHASE_TEXT: Record<ErrorPhase, string> = {
  config: '`radvd -c`',
  runtime: 'at start-up (not `radvd -c`)',
  'radvd-2.20': 'always (radvd 2.20 syntax)',
  firsthop: 'always (firsthop extension syntax)',
};

function optionTables(rows: readonly OptionDescription[]): string {
  let out = '\n### Blocks\n\n| Block | Written as | RFC | Meaning |\n|---|---|---|---|\n';
  for (const r of rows.filter((x) => x.type === 'block')) out += `| \`${r.name}\`${mark(r.origin)} | \`${cell(r.range)}\` | ${cell(r.rfc)} | ${cell(r.meaning)} |\n`;
  for (const [block, title] of OPTION_SECTIONS) {
    out += `\n### ${title}\n\n| Option | Type | Default | Accepted values | RFC | Meaning |\n|---|---|---|---|---|---|\n`;
    for (const r of rows.filter((x) => x.block === block && x.type !== 'block')) {
      out += `| \`${r.name}\`${mark(r.origin)} | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.range)} | ${cell(r.rfc)} | ${cell(r.meaning)} |\n`;
    }
  }
  return out;
}

function warningTable(): string {
  let out = '\n| Code | When |\n|---|---|\n';
  for (const [code, when] of Object.entries(WARNING_CODES)) out += `| \`${code}\` | ${cell(when)} |\n`;
  return out;
}

function errorTable(): string {
  let out = '\n| Code | radvd 2.19 rejects it | When |\n|---|---|---|\n';
  for (const [code, e] of Object.entries(ERROR_CODES)) out += `| \`${code}\` | ${PHASE_TEXT[e.phase]} | ${cell(e.meaning)} |\n`;
  return out;
}

export function renderConfigReference(): string {
  return HEAD + '\n## Options\n' + optionTables(describeOptionTable()) + DEFAULTS_AND_WARNINGS + warningTable() + ERRORS + errorTable() + EXTENSIONS + conditionsSection() + vrrpSection() + httpSection() + RADVD_QUIRKS;
}

function vrrpSection(): string {
  let out = VRRP_HEAD;
  out += `* Instance and sync group names are letters, digits, \`-\` and \`_\`, starting with a letter, unique among
  instances (and among sync groups). ${[...VRRP_RESERVED_NAMES].map((w) => `\`${w}\``).join(', ')} are reserved, and radvd.conf
  keywords cannot be names.\n`;
  out += VRRP_RULES;
  const table = (block: 'vrrp' | 'vrrp_sync_group'): string => {
    let t = '\n| Statement | Written as | Default | Accepted values | RFC | Meaning |\n|---|---|---|---|---|---|\n';
    for (const st of VRRP_STATEMENTS.filter((x) => x.block === block)) {
      t += `| \`${st.name}\` | \`${cell(st.syntax)};\` | ${cell(st.default)} | ${cell(st.range)} | ${cell(st.rfc)} | ${cell(st.meaning)} |\n`;
    }
    return t;
  };
  out += '\n### vrrp statements\n' + table('vrrp');
  out += VRRP_TRACK;
  out += '\n### vrrp_sync_group\n' + table('vrrp_sync_group') + VRRP_GROUPS;
  out += VRRP_INTERFACE;
  out += VRRP_VMAC.replace('EXAMPLE', `\`${defaultVmacName('lan0', 6, 51)}\``);
  out += VRRP_KEEPALIVED_HEAD;
  out += '\n| keepalived keyword | Block | firsthop | Notes |\n|---|---|---|---|\n';
  for (const k of KEEPALIVED_KEYWORDS) {
    out += `| \`${k.keyword}\` | \`${k.scope}\` | ${k.firsthop !== undefined ? `\`${cell(k.firsthop)}\`` : 'not supported'} | ${cell(k.note)} |\n`;
  }
  return out;
}

/** Seconds as the file writes them. */
const secs = (ms: number): string => `${ms / 1000} s`;

function conditionsSection(): string {
  let out = CONDITIONS_HEAD;
  out += '\n### Condition kinds\n\nExactly one of these statements per condition block.\n\n| Kind | Written as | True when |\n|---|---|---|\n';
  for (const k of CONDITION_KINDS) out += `| \`${k.kind}\` | \`${cell(k.syntax)};\` | ${cell(k.meaning)} |\n`;
  out += `\nLink states: ${LINK_STATES.map((x) => `\`${x}\``).join(', ')}. `;
  out += `Route \`proto\` names (iproute2 \`rt_protos\`): ${Object.entries(RT_PROTOS).map(([n, v]) => `\`${n}\` ${v}`).join(', ')}, or a number 0..255. `;
  out += `Route \`table\` names: ${Object.entries(RT_TABLES).map(([n, v]) => `\`${n}\` ${v}`).join(', ')}, or a number.\n`;
  out += CONDITIONS_DAMPING;
  out += '\n| Parameter | Default | Meaning |\n|---|---|---|\n';
  for (const p of DAMPING_PARAMS) {
    const v = DAMPING_DEFAULTS[p.key];
    out += `| \`${p.name}\` | ${p.seconds ? secs(v) : String(v)} | ${cell(p.meaning)} |\n`;
  }
  out += CONDITIONS_POLICIES;
  out += '\n| Block | Fields an `if` may set |\n|---|---|\n';
  for (const [block, fields] of Object.entries(POLICY_FIELDS)) out += `| \`${block}\` | ${(fields ?? []).map((f) => `\`${f}\``).join(', ')} |\n`;
  out += CONDITIONS_TAIL;
  return out;
}

const HEAD = `# firsthop configuration reference

firsthop reads \`radvd.conf\` exactly as **radvd 2.19** does, so an existing radvd configuration
is a drop-in: every file radvd 2.19 accepts, firsthop accepts with the same meaning, and every
file radvd 2.19 rejects (when parsing it or when it brings an interface up), firsthop rejects.
On top of that firsthop understands three radvd 2.20 additions and three extensions of its own (the
RFC 9762 P flag, conditional RAs, RFC 8475, and VRRPv3 virtual routers, RFC 9568), and warns about
settings that are legal but likely to hurt.

Check a file the way \`radvd -c\` does with \`firsthop -c -C FILE\` (the API is \`checkConfigCli\`):
every problem is printed as \`file:line:col: error|warning: message\`, all of them at once
(radvd stops at the first), and the exit code is 0 when the file is usable, 1 otherwise.
Warnings never fail the check.

The tables below are generated from \`describeOptions()\` (\`src/config/schema.ts\`).
Markers: **²** = radvd 2.20 syntax, which radvd 2.19 rejects; **ᶠ** = firsthop extension, which no
radvd accepts. Using either draws a \`W_NOT_RADVD_2_19\` / \`W_NOT_RADVD\` warning so you know the file
can no longer go back to radvd 2.19.

## File syntax

\`\`\`
interface eth0 {
	AdvSendAdvert on;                 # an option: NAME VALUE ;
	prefix 2001:db8:0:1::/64 {        # a block: KEYWORD HEAD { options } ;
		AdvValidLifetime 86400;
	};
};
\`\`\`

* Every option and every block ends with \`;\`, including the \`};\` that closes a block and the interface.
* **Keywords and values are case-sensitive**, exactly as in radvd 2.19: \`AdvSendAdvert on\`, not
  \`advsendadvert ON\`; \`RDNSS\` and \`DNSSL\` are upper case; \`infinity\`, \`on\`, \`off\`, \`low\`,
  \`medium\`, \`high\` are lower case. Hex digits in addresses may be either case.
* Blocks and options may come in any order inside an interface, but see
  *Order-dependent defaults* below.
* \`#\` starts a comment when it begins a word; it runs to the end of the line. A comment on the
  very last line needs a newline after it (radvd reads an unterminated final comment as text).
  Inside a word (\`eth0#x\`) \`#\` is an ordinary character.
* Only spaces, tabs and newlines separate words: a file with CRLF line endings is rejected.
* Numbers are decimal integers 0..4294967295. \`N.N\` decimals are accepted only by
  \`MaxRtrAdvInterval\`, \`MinRtrAdvInterval\` and \`MinDelayBetweenRAs\`. \`infinity\` (0xffffffff)
  only where the type says \`seconds|infinity\`.
* IPv6 addresses use radvd's scanner patterns: anything starting with \`::\` other than \`::\` itself
  (e.g. \`::1\`) and IPv4-embedded forms (\`::ffff:192.0.2.1\`) are **not** addresses for radvd;
  write \`0::1\`. Zone indices (\`fe80::1%eth0\`) are not allowed.
* Interface names are bare words. A quoted name keeps its quotes (radvd does that too, so
  \`"eth0"\` never matches eth0), and names longer than 15 characters are cut to 15.
* \`prefix ::/64\` (in fact any all-zero prefix) means "every non-link-local prefix configured on
  the interface", re-read as addresses change.
`;

const DEFAULTS_AND_WARNINGS = `
## Defaults that depend on other options

| Value | Default (radvd 2.19) |
|---|---|
| MinRtrAdvInterval | 0.33 × MaxRtrAdvInterval (final value) |
| AdvDefaultLifetime | max(1, ⌊3 × MaxRtrAdvInterval⌋) (final value) |
| HomeAgentLifetime | AdvDefaultLifetime |
| AdvRouteLifetime | ⌊3 × MaxRtrAdvInterval⌋, MaxRtrAdvInterval **as set above the route block** |
| AdvRDNSSLifetime | ⌊MaxRtrAdvInterval⌋ as set above the block (radvd.conf(5) says 2 × MaxRtrAdvInterval; the radvd 2.19 binary sends MaxRtrAdvInterval) |
| AdvDNSSLLifetime | ⌊MaxRtrAdvInterval⌋ as set above the block (same remark) |
| nat64prefix AdvValidLifetime ² | min(65528, ⌊3 × MaxRtrAdvInterval⌋) as set above the block |

**Order-dependent defaults.** radvd fills in a block's defaults when it reads the block, using
the \`MaxRtrAdvInterval\` written *above* it (600 if none). A \`MaxRtrAdvInterval\` further down
changes the router's own timers but not those block defaults. firsthop reproduces this and warns
(\`W_ORDER_DEPENDENT_DEFAULT\`); put \`MaxRtrAdvInterval\` first, or set the lifetimes explicitly.

**Mobile IPv6 limits.** When \`AdvHomeAgentFlag\`, \`AdvHomeAgentInfo\` or \`AdvIntervalOpt\` is on, or
any prefix has \`AdvRouterAddr on\`, the minimums drop to 0.07 s (MaxRtrAdvInterval), 0.03 s
(MinRtrAdvInterval) and 0.03 s (MinDelayBetweenRAs).

**Fast triggered RAs with conditions or VRRP.** In a file that declares conditions or virtual
routers (the firsthop extensions below), \`MinDelayBetweenRAs\` may also go down to 0.03 s
without any Mobile IPv6 option, so a condition change, or a new Active, reaches hosts at once
even right after another RA.

Note that with the default \`MinRtrAdvInterval\` (0.33 × Max), any \`MaxRtrAdvInterval\` below about
9.1 s is rejected outside Mobile IPv6, because the derived minimum falls under 3 s.

## Warnings

firsthop adds these warnings (severity \`warning\`, same \`file:line:col\` format). The first three
are the checks operators asked for; the others point at radvd 2.19 behaviours that firsthop keeps
for compatibility but that are probably not what you meant.

`;

const ERRORS = `
A router lifetime (\`AdvDefaultLifetime\`) shorter than \`MaxRtrAdvInterval\` needs no warning: it is
an error (\`E_DEFAULT_LIFETIME\`), as it is for radvd. \`AdvPreferredLifetime\` greater than
\`AdvValidLifetime\` is an error too (\`E_PREFERRED_GT_VALID\`). Whether \`AdvLinkMTU\` exceeds the
interface's MTU depends on the interface and is checked at run time, not here: while it does, the
MTU option is left out (hosts ignore an MTU option above their link's MTU, RFC 4861 6.3.4), a
warning is logged once per MTU change and \`firsthop status\` says why; the option is back as soon
as the interface's MTU rises to \`AdvLinkMTU\`.

## Errors

radvd 2.19 checks a file in two places, and firsthop reports both as errors. Some problems make
\`radvd -c\` fail; others pass \`radvd -c\` and only make radvd refuse the interface when it starts
(and exit, unless \`IgnoreIfMissing\` is on — which is the default, so radvd then silently does not
advertise on it). firsthop catches both kinds before anything starts.
`;

const EXTENSIONS = `
## Extensions

* **radvd 2.20 syntax ²** — \`nat64prefix\` (RFC 8781 PREF64), \`RemoveAdvOnExit\`,
  \`AdvCaptivePortalAPI\` (RFC 8910). firsthop accepts them with radvd 2.20's meaning and checks;
  radvd 2.19 rejects such a file. Other radvd 2.20 additions (\`UnrestrictedUnicast\`,
  \`autoignoreprefixes\`, DNR) are not supported.
* **\`AdvPrefixPD on|off\` ᶠ** (prefix blocks, default off) — sets the P flag of RFC 9762 in the
  Prefix Information option: hosts that support it should request a prefix with DHCPv6 prefix
  delegation instead of forming addresses from this prefix. Usually combined with
  \`AdvManagedFlag on\` and \`AdvAutonomous off\`. No radvd version accepts this option.
* **Conditions and policies ᶠ** — named conditions and \`if\` policies that change lifetimes and
  preferences as uplinks come and go (RFC 8475); see the next section.
* **VRRP ᶠ** — VRRPv3 virtual routers (RFC 9568) in keepalived's terms, sync groups, and RAs that
  follow a virtual router; see *VRRP virtual routers* below.
* **HTTP endpoint ᶠ** — \`http { address ADDR; port N; };\`: Prometheus metrics, the status as
  JSON, a stream of changes and a live page; see *HTTP endpoint* below.
`;

/** The http block: its statements. */
function httpSection(): string {
  let out = HTTP_HEAD + '\n| Statement | Written as | Default | Meaning |\n|---|---|---|---|\n';
  for (const st of HTTP_STATEMENTS) out += `| \`${st.name}\` | \`${cell(st.syntax)}\` | ${cell(st.default)} | ${cell(st.meaning)} |\n`;
  return out + HTTP_RULES;
}

const HTTP_HEAD = `
## HTTP endpoint (firsthop extension)

\`http { ... };\` at the top level turns on the read-only HTTP endpoint: \`/metrics\` (Prometheus
text format), \`/api/status\` (the JSON of \`firsthop status --json\`), \`/api/events\`
(server-sent events) and \`/\` (the live status page). Without the block it is off.

\`\`\`
http {
	address 127.0.0.1;      # default: the loopback
	port 9475;              # default 9475
};
\`\`\`
`;

const HTTP_RULES = `
* At most one \`http\` block; both statements are optional (\`http { };\` listens on
  127.0.0.1 port 9475). radvd rejects the block (\`W_NOT_RADVD\`).
* The command line's \`--http [ADDRESS:]PORT\` (\`[::1]:PORT\` for IPv6) overrides the block.
* A reload (SIGHUP) that changes the block restarts the listener; one that removes it stops it.
  A listener that cannot start (address in use, address not on the host) is logged; the daemon
  runs on without it.
`;

const CONDITIONS_HEAD = `
## Conditions and policies (firsthop extension, RFC 8475)

A router with several uplinks should tell hosts which prefixes and routes work *now*: when the
uplink to ISP A fails, addresses from ISP A's prefix should stop being preferred; when it comes
back, they should be preferred again (RFC 8475 3.1.2). firsthop does this with two additions to
\`radvd.conf\`: **conditions**, named tests of the router's state, written at the top level beside
the \`interface\` blocks (before or after them), and **policies**, \`if\` statements inside blocks
that pick a field's value from a condition. Every RA, periodic or solicited, carries the values
the conditions currently select (the condition engine in \`src/conditions/\` evaluates them).

No radvd accepts these statements: a file that uses them draws a \`W_NOT_RADVD\` warning. A file
without them is read exactly as radvd 2.19 reads it. Their words (\`condition\`, \`if\`, \`else\`,
\`link\`, \`up\`, ...) are not keywords: an interface may still be called \`up\`.

\`\`\`
condition uplink-a {                  # condition NAME { KIND ...; [damping ...;] };
	link wan0 up;
	damping on;
};
condition isp-b-route { route 2001:db8:2::/48 proto bgp; };

interface lan0 {
	AdvSendAdvert on;
	if uplink-a { AdvDefaultPreference high; } else { AdvDefaultPreference low; };
	prefix 2001:db8:1:1::/64 {
		AdvPreferredLifetime 604800;
		if uplink-a { AdvPreferredLifetime 604800; } else { AdvPreferredLifetime 0; };
	};
	prefix 2001:db8:2:1::/64 {
		if not uplink-a { AdvPreferredLifetime 604800; } else { AdvPreferredLifetime 0; };
	};
	route 2001:db8:2::/48 {
		if isp-b-route { AdvRouteLifetime 1800; } else { AdvRouteLifetime 0; };
	};
};
\`\`\`

* A condition name is letters, digits, \`-\` and \`_\`, starting with a letter, and is unique in the
  file. \`not\`, \`all\`, \`any\`, \`if\`, \`else\`, \`condition\` and \`damping\` are reserved, and
  radvd.conf keywords cannot be names.
* Addresses in conditions may be written in any IPv6 form (\`::1\` too), without a zone index.
  A prefix must have its host bits clear (\`2001:db8:1::/48\`, not \`2001:db8:1::1/48\`).
* Times are seconds, integer or \`N.N\`.
* A condition that no policy uses draws \`W_CONDITION_UNUSED\`; conditions that refer to each
  other in a loop are an error (\`E_CONDITION_CYCLE\`).
`;

const CONDITIONS_DAMPING = `
### Damping

An uplink that flaps would make hosts' addresses flap with it (RFC 8475 3.2.7). A condition with
\`damping\` announces a change to *false* at once, but a change back to *true* only after it has
held for \`HoldDown\`; each flap adds \`Penalty\` to a penalty that halves every \`HalfLife\`, and
while the penalty is above \`Suppress\` the condition stays false, until the penalty decays below
\`Reuse\` or \`MaxSuppress\` has passed (RFC 2439's scheme).

* no \`damping\` statement, or \`damping off;\` — changes are announced as they happen;
* \`damping on;\` — every parameter at its default;
* \`damping { HoldDown 10; HalfLife 120; };\` — the parameters given, the others at their defaults.
`;

const CONDITIONS_POLICIES = `
### Policies

\`\`\`
if NAME { FIELD VALUE; ... } else { FIELD VALUE; ... };
if NAME { FIELD VALUE; ... };
if not NAME { FIELD VALUE; ... } else { FIELD VALUE; ... };
\`\`\`

While the condition is true the fields take the first branch's values, otherwise the \`else\`
branch's. A branch that does not set a field leaves the block's own value (set in the block or
its default), so \`if uplink-a { AdvPreferredLifetime 604800; };\` alone changes nothing while the
condition is false. Values are checked as the block's own option is: a branch
\`AdvPreferredLifetime\` may not exceed the prefix's \`AdvValidLifetime\`, a branch
\`AdvDefaultLifetime\` must be 0 or between \`MaxRtrAdvInterval\` and 9000, and so on. A block may
hold several \`if\` statements; \`if\` statements do not nest (combine conditions with
\`all\`/\`any\` instead). Only these fields can be set by a policy:
`;

const CONDITIONS_TAIL = `
A policy never changes a prefix's \`AdvValidLifetime\` (\`E_POLICY_FIELD\`): RFC 8475 3.1.2 changes only the
preferred lifetime, and RFC 4862 5.5.3 (e) makes hosts ignore a shortened valid lifetime from an
unauthenticated RA anyway. A branch with router lifetime 0 and preference \`low\` or \`high\` draws
\`W_ZERO_LIFETIME_PREFERENCE\`: RFC 4191 2.2 sends a zero lifetime with preference medium.
`;

const VRRP_HEAD = `
## VRRP virtual routers (firsthop extension, RFC 9568)

firsthop runs VRRP version 3 (RFC 9568) itself, for IPv6 and IPv4, so a pair of first-hop routers
needs no keepalived beside it, and the RAs of a LAN can follow the election. The statements are
keepalived's \`vrrp_instance\` keywords under the same names, written in radvd.conf's syntax: a
\`vrrp NAME { ... };\` block at the top level (before or after the \`interface\` blocks), every
statement ending with \`;\`. No radvd accepts these blocks: a file that uses them draws a
\`W_NOT_RADVD\` warning. Their words are not keywords: an interface may still be called \`vrrp\`.

\`\`\`
condition uplink { link wan0 up; };

vrrp VI_1 {                                # vrrp NAME { STATEMENT; ... };
	interface lan0;
	virtual_router_id 51;
	priority 150;
	advert_int 0.1;
	virtual_ipaddress { fe80::1; 2001:db8:1:1::1/64; };
	track uplink weight -60;               # 90 while wan0 is down: the peer (100) takes over
};

vrrp VI_4 {
	interface lan0;
	virtual_router_id 51;                  # IPv4 and IPv6 VRIDs are separate
	virtual_ipaddress { 192.0.2.1/24; };
	track uplink weight -60;
};

vrrp_sync_group LAN { group VI_1 VI_4; };   # both change state together

interface lan0 {
	AdvSendAdvert on;
	vrrp VI_1;                             # RAs follow VI_1: from fe80::1, only while Active
	prefix 2001:db8:1:1::/64 {};
};
\`\`\`

`;

const VRRP_RULES = `* A virtual router has one address family, that of its \`virtual_ipaddress\` entries (IPv4 and IPv6
  cannot be mixed, RFC 9568 5.2.9). The IPv4 and IPv6 virtual routers with one VRID are separate
  (their virtual MACs differ: 00-00-5E-00-01-VRID and 00-00-5E-00-02-VRID, RFC 9568 7.3); within
  one interface and family a VRID is used once.
* For IPv6 the first virtual address must be the virtual router's link-local address (RFC 9568
  5.2.9; receivers drop advertisements that break this). A /LEN after an address is optional: 64
  for an IPv6 link-local, 128 for other IPv6, 32 for IPv4. Multicast, unspecified, loopback and
  IPv4-mapped addresses, zone indices and duplicates are errors; the Count field allows 255.
* Addresses may be written in any IPv6 form (\`::1\`-style too); seconds as \`N\` or \`N.N\`.
* A file may hold \`vrrp\` blocks and no \`interface\` block at all: VRRP without Router
  Advertisements. A file with neither is still rejected.
* The condition kind \`vrrp NAME;\` (see *Conditions and policies*) must name a \`vrrp\` block of the
  file; it is true while this router is that virtual router's Active.
* keepalived statements firsthop does not support are errors that say what to use instead; \`state\`
  and \`version 3\` are accepted and ignored with a \`W_VRRP_IGNORED\` warning, because VRRPv3 elects
  the Active from priority alone (RFC 9568 6.4.1: a router starts as Backup unless its priority is
  255), so a configured initial state could only disagree with the election. See the table at the
  end of this section.
`;

const VRRP_TRACK = `
**Tracking.** \`track NAME weight W;\` ties the priority to a condition (any kind: link, route,
probe, manual, all/any/not, ...), the way keepalived's \`track_interface\` and \`track_script\` do:
a negative weight is added while the condition is false, a positive one while it is true, and
weight 0 (the default) puts the instance in fault, out of the election, while the condition is
false. The result is kept within 1..254 (\`W_VRRP_PRIORITY_CLAMPED\` says when weights can leave that
range). An address owner (priority 255) ignores its track lines (\`W_VRRP_TRACK_OWNER\`). A tracked
condition counts as used (no \`W_CONDITION_UNUSED\`); one that depends on the instance's own
\`vrrp\` condition is an error (\`E_VRRP_TRACK\`): its priority would follow its own election.
`;

const VRRP_GROUPS = `
Every instance of a sync group changes state with the others (keepalived's \`vrrp_sync_group\`):
typically the IPv4 and IPv6 virtual routers of one LAN, or a LAN and its uplink side. When one
member becomes Active the others do too; when one leaves Active the others step down with a
priority-0 advertisement, so the peer's members take over after Skew_Time. The members share
their \`track\` lines (a failed uplink tracked by one moves them all, rather than one member that the
others then pull back), and a member out of the election (its interface down, or a weight-0 track
false) takes the group out with it. A \`track\` that depends on the state of any member of its own
group is an error (\`E_VRRP_TRACK\`). An instance belongs to at most one group; a group of one draws
\`W_VRRP_SYNC_GROUP_SINGLE\`.
`;

const VRRP_INTERFACE = `
### RAs that follow a virtual router

\`vrrp NAME;\` inside an \`interface\` block makes that interface's RAs follow the IPv6 virtual
router NAME: while this router is its Active they are sent from the virtual link-local address
(the first \`virtual_ipaddress\`) through the virtual MAC, so hosts keep one default router across a
failover; while it is Backup none are sent. NAME must be an IPv6 instance whose \`interface\` is
this interface; an instance is followed by one interface block at most, and an interface follows
one instance at most. With \`AdvSendAdvert off\` the statement changes nothing (\`W_VRRP_NO_ADVERT\`).

The source link-layer option carries the virtual MAC (RFC 9568 8.2). On becoming Active the
first RA goes out at once, then the fast repeats of RFC 4861 6.2.4. No final RA is ever sent
for such an interface, neither on stepping down nor at exit (\`RemoveAdvOnExit\` does not apply):
the peer takes over the same virtual router, and a router lifetime of 0 would make hosts drop the
default route it keeps. While Backup, the router compares the Active's RA with the one it would
send and warns about every difference (RFC 9568 8.2.3: both routers must send the same options).
In files with \`vrrp\` blocks \`MinDelayBetweenRAs\` may go down to 0.03 s.
`;

const VRRP_VMAC = `
### The virtual MAC interface (use_vmac)

firsthop always gives a virtual router a macvlan interface carrying its virtual MAC; \`use_vmac\`
only names it. Without a name (no \`use_vmac\`, or \`use_vmac;\`) it is

    fhv<FAMILY>.<VRID>.<HASH>

where HASH is the first 6 hex digits of the SHA-256 of the instance's \`interface\` name
(\`printf %s lan0 | sha256sum | cut -c1-6\`): the IPv6 virtual router 51 on lan0 gets EXAMPLE. The
name is at most 4 + 3 + 6 + 2 = 15 characters, so it always fits IFNAMSIZ whatever the interface
name; family and VRID are written out, so it is unique per interface, family and VRID, and the
hash keeps interfaces apart. A file where two instances would still get the same name, or where a
\`use_vmac\` name is the name of an interface of the file, is rejected (\`E_VRRP_VMAC\`).

At run time firsthop creates the macvlan (mode bridge, IPv6 address generation off: no address
is derived from the virtual MAC, RFC 9568 7.4) down, brings it up with the virtual addresses
only while Active, and takes them away and the link down when it steps down: a Backup answers
no Neighbor Solicitation or ARP for the virtual addresses, sends nothing from the virtual MAC
and accepts no frame addressed to it (RFC 9568 6.4.2). Its IPv6 \`forwarding\` (which sets the
Router flag of its Neighbor Advertisements) and IPv4 \`forwarding\` follow the LAN interface's;
for IPv4 it and the LAN interface get \`arp_ignore 1\` (the LAN interface's value is restored at
exit). Advertisements leave through the macvlan, so their Ethernet source is the virtual MAC, from
the LAN interface's own link-local (IPv6) or primary IPv4 address. firsthop deletes the macvlan
at exit; one left by a killed run (same name, a macvlan with the virtual MAC) is replaced at the
next start, as are \`fhv*\` macvlans on the configured interfaces that no instance owns any more;
an interface of that name that is not such a macvlan is never touched: firsthop stops with an
error instead. A LAN interface that is missing at start, or deleted and re-created, gets its
macvlan when it appears.
`;

const VRRP_KEEPALIVED_HEAD = `
### keepalived keywords

Every keyword keepalived 2.2 documents for \`vrrp_instance\` and \`vrrp_sync_group\`, and what
firsthop does with it. A keyword marked *not supported* is an error (\`E_VRRP_UNSUPPORTED\`) whose
message is the note. keepalived's \`vrrp_instance NAME { ... }\` block itself is written
\`vrrp NAME { ... };\`, with a \`;\` after every statement; \`vrrp_script\` and \`global_defs\` blocks
are not supported.
`;

const RADVD_QUIRKS = `
## radvd 2.19 behaviours kept for compatibility

These are accepted by radvd 2.19, so firsthop accepts them with the same effect, each with a warning:

* \`AdvCurHopLimit\` above 255 keeps only its low 8 bits (300 advertises 44; 256 advertises 0 =
  unspecified). \`HomeAgentPreference\`, the ABRO versions and lifetime and the 6CO lifetime keep 16 bits.
* \`AdvDefaultLifetime\` / \`HomeAgentLifetime\` of 2147483648 or more are negative in radvd's
  field, i.e. "unset": the default is used.
* \`AdvDefaultPreference\` / \`AdvRoutePreference\` accept negative numbers (\`-1\` = low, \`-2\` =
  the reserved value); \`0\` and \`1\` are syntax errors.
* \`AdvRAMTU\` is clamped to 1280..131072.
* \`AdvRDNSSLifetime\` below \`MaxRtrAdvInterval\` is logged by radvd as an error but advertised
  anyway; \`AdvDNSSLLifetime\` below it is raised to \`MaxRtrAdvInterval\`.
* The deprecated \`AdvRDNSSPreference\` and \`AdvRDNSSOpen\` are accepted and ignored; so is the
  \`/LEN\` after an \`abro\` address.
* The ABRO lifetime is spelled \`AdvValidLifeTime\` (capital T); in a prefix block it is
  \`AdvValidLifetime\`. \`HomeAgentPreference\` takes no negative values, whatever radvd.conf(5) says.
* radvd 2.19 cannot set the 6LoWPAN context prefix (\`AdvContextPrefix\` is a syntax error); the
  6CO option carries \`::\`.
`;
