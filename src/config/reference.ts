/**
 * docs/config-reference.md, generated from the option schema (describeOptions) and the
 * diagnostic code tables. Regenerate after changing either:
 *
 *   npx tsc -p . && node -e "process.stdout.write(require('./dist/src/config/reference').renderConfigReference())" > docs/config-reference.md
 *
 * A unit test fails when the committed file differs from this output.
 */
import { ERROR_CODES, WARNING_CODES, type ErrorPhase } from './codes';
import { describeOptionTable } from './schema';
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
  return HEAD + '\n## Options\n' + optionTables(describeOptionTable()) + DEFAULTS_AND_WARNINGS + warningTable() + ERRORS + errorTable() + EXTENSIONS;
}

const HEAD = `# firsthop configuration reference

firsthop reads \`radvd.conf\` exactly as **radvd 2.19** does, so an existing radvd configuration
is a drop-in: every file radvd 2.19 accepts, firsthop accepts with the same meaning, and every
file radvd 2.19 rejects (when parsing it or when it brings an interface up), firsthop rejects.
On top of that firsthop understands three radvd 2.20 additions and one extension of its own, and
warns about settings that are legal but likely to hurt.

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
interface's MTU depends on the interface and is checked at run time, not here.

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
