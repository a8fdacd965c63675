/**
 * `firsthop dump`: print every RA heard, as radvdump does (in radvd.conf syntax), or as JSON.
 * The formatting functions are pure; `runDump` wires them to a socket.
 */
import type { MalformedOption, NdOption, RouterAdvertisement } from '../wire/types';
import { INFINITY } from '../wire/types';
import { printable } from '../observe/printable';
import { formatMac } from '../net/ipv6';

const onOff = (b: boolean): string => (b ? 'on' : 'off');
const life = (n: number): string => (n === INFINITY ? 'infinity' : String(n));

/** radvd.conf text describing one received RA, as radvdump prints it. */
export function formatRaAsConfig(ra: RouterAdvertisement, from: string, ifname: string): string {
  const l: string[] = [];
  l.push('#', `# firsthop dump: Router Advertisement from ${from}`, `# received by interface ${ifname}`, '#', '', `interface ${ifname}`, '{');
  l.push('\tAdvSendAdvert on;');
  l.push('\t# Note: {Min,Max}RtrAdvInterval cannot be obtained from one RA');
  l.push(`\tAdvManagedFlag ${onOff(ra.managed)};`);
  l.push(`\tAdvOtherConfigFlag ${onOff(ra.other)};`);
  l.push(`\tAdvReachableTime ${ra.reachableTime};`);
  l.push(`\tAdvRetransTimer ${ra.retransTimer};`);
  l.push(`\tAdvCurHopLimit ${ra.curHopLimit};`);
  l.push(`\tAdvDefaultLifetime ${ra.routerLifetime};`);
  l.push(`\tAdvHomeAgentFlag ${onOff(ra.homeAgent)};`);
  l.push(`\tAdvDefaultPreference ${ra.preference};`);
  if (ra.proxy) l.push('\t# Proxy flag (RFC 4389) is set');
  const sll = ra.options.some((o) => o.type === 'sourceLinkLayer');
  l.push(`\tAdvSourceLLAddress ${onOff(sll)};`);
  // Options in packet order, those ignored as malformed (received RAs only) among them.
  const marks = new Map((ra.malformed ?? []).map((m) => [m.index, m]));
  for (let index = 0, next = 0; index < ra.options.length + marks.size; index++) {
    const m = marks.get(index);
    if (m !== undefined) l.push(...formatMalformed(m));
    else {
      const o = ra.options[next++];
      if (o !== undefined) l.push(...formatOption(o));
    }
  }
  l.push('}; # End of interface definition', '');
  return l.join('\n');
}

function block(head: string, body: string[], what: string): string[] {
  return ['', `\t${head}`, '\t{', ...body.map((b) => `\t\t${b}`), `\t}; # End of ${what} definition`];
}

/** An option hosts ignore (and firsthop with them): shown where it was, with why and its bytes. */
function formatMalformed(m: MalformedOption): string[] {
  const hex = Buffer.from(m.body).toString('hex');
  return [`\t# MALFORMED option type ${m.code}, Length ${m.length}, at offset ${m.offset}: ignored (${m.error}): ${m.reason}`, `\t#   bytes after Type and Length: ${hex === '' ? '(none)' : hex}`];
}

function formatOption(o: NdOption): string[] {
  switch (o.type) {
    case 'sourceLinkLayer':
      return [`\t# source link-layer address ${formatMac(o.address)}`];
    case 'mtu':
      return [`\tAdvLinkMTU ${o.mtu};`];
    case 'advertisementInterval':
      return ['\tAdvIntervalOpt on;', `\t# advertisement interval ${o.intervalMs} ms`];
    case 'homeAgentInfo':
      return ['\tAdvHomeAgentInfo on;', `\tHomeAgentPreference ${o.preference};`, `\tHomeAgentLifetime ${o.lifetime};`, `\tAdvMobRtrSupportFlag ${onOff(o.mobileRouterSupport)};`];
    case 'prefixInformation':
      return block(`prefix ${o.prefix}/${o.prefixLength}`, [
        `AdvValidLifetime ${life(o.validLifetime)};`,
        `AdvPreferredLifetime ${life(o.preferredLifetime)};`,
        `AdvOnLink ${onOff(o.onLink)};`,
        `AdvAutonomous ${onOff(o.autonomous)};`,
        `AdvRouterAddr ${onOff(o.routerAddress)};`,
        `AdvPrefixPD ${onOff(o.dhcpv6Pd)};`,
      ], 'prefix');
    case 'routeInformation':
      return block(`route ${o.prefix}/${o.prefixLength}`, [`AdvRoutePreference ${o.preference};`, `AdvRouteLifetime ${life(o.lifetime)};`], 'route');
    case 'rdnss':
      return block(`RDNSS ${o.servers.join(' ')}`, [`AdvRDNSSLifetime ${life(o.lifetime)};`], 'RDNSS');
    case 'dnssl':
      return block(`DNSSL ${o.domains.join(' ')}`, [`AdvDNSSLLifetime ${life(o.lifetime)};`], 'DNSSL');
    case 'captivePortal':
      // From the wire: control characters as \xNN, and a quote cannot end the string early.
      return [`\tAdvCaptivePortalAPI "${printable(o.uri, 1000).replace(/"/g, '\\x22')}";`];
    case 'pref64':
      return block(`nat64prefix ${o.prefix}/${o.prefixLength}`, [`AdvValidLifetime ${o.lifetime};`], 'nat64prefix');
    case 'lowpanContext':
      return block(`lowpanco ${o.prefix}/${o.contextLength}`, [`AdvContextLength ${o.contextLength};`, `AdvContextCompressionFlag ${onOff(o.compression)};`, `AdvContextID ${o.contextId};`, `AdvLifeTime ${o.lifetime};`], 'lowpanco');
    case 'abro':
      return block(`abro ${o.address}`, [`AdvVersionLow ${o.versionLow};`, `AdvVersionHigh ${o.versionHigh};`, `AdvValidLifeTime ${o.validLifetime};`], 'abro');
    case 'unknown':
      return [`\t# unknown option type ${o.code}, ${o.body.length + 2} bytes`];
    default:
      return [`\t# option ${o.type}`];
  }
}

/** JSON-friendly form (bytes as hex). */
export function raToJson(ra: RouterAdvertisement, from: string, ifname: string, at: Date): unknown {
  return JSON.parse(
    JSON.stringify({ time: at.toISOString(), interface: ifname, source: from, ra }, (_k, v: unknown) => {
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      return v;
    }),
  );
}
