/**
 * `firsthop status`: what each interface advertises right now, and for every value that
 * differs from the config, which condition (or rule) set it and since when.
 */
import type { DaemonStatus, InterfaceStatus } from '../daemon/daemon';
import type { NdOption } from '../wire/types';
import { INFINITY } from '../wire/types';
import { formatMac } from '../net/ipv6';
import { toJson } from '../wire/json';
import type { VrrpStatus } from '../vrrp/coordinator';
import type { WatchStatus } from '../observe/types';
import { describeOffers } from '../observe/watch';
import { printable } from '../observe/printable';

const ROLE_TEXT = { 'vrrp-peer': 'VRRP peer', allowed: 'allowed', unknown: 'unknown' } as const;

/** The other routers heard on an interface, most recent first, and what was done about rogues. */
export function renderWatch(w: WatchStatus, now: number): string[] {
  const out: string[] = [];
  const rogues = w.routers.filter((r) => r.rogue).length;
  const head = `  routers heard: ${w.routers.length}${w.routers.length >= w.capacity ? ` (table full at ${w.capacity}; ${w.evicted} dropped, least recently heard first)` : ''}${rogues > 0 ? `, ${rogues} ROGUE` : ''}; rogue RAs ${w.rogueRas}, detections ${w.rogueDetections}${w.uninspected > 0 ? `; ${w.uninspected} RAs from new sources only counted (over the inspection rate)` : ''}`;
  out.push(w.action === 'withdraw' ? `${head}; withdrawn ${w.countermeasuresSent} (held back ${w.countermeasuresLimited})` : head);
  if (w.allowed.length > 0) out.push(`  allowed: ${w.allowed.join(' ')}`);
  for (const r of w.routers.slice(0, 16)) {
    out.push(`    ${r.rogue ? 'ROGUE ' : ''}${r.source}${r.mac !== undefined ? ` (${r.mac})` : ''} ${ROLE_TEXT[r.role]}: ${describeOffers(r.offers)}; ${r.count} RA(s), first ${ago(now - r.firstSeen)}, last ${ago(now - r.lastSeen)}${r.countered > 0 ? `, withdrawn ${r.countered} time(s)` : ''}`);
    for (const i of r.inconsistencies.slice(0, 4)) out.push(`      differs: ${printable(i.field, 80)}: ours ${printable(i.ours, 60)}, theirs ${printable(i.theirs, 60)}`);
  }
  if (w.routers.length > 16) out.push(`    ... and ${w.routers.length - 16} more (firsthop status --json lists them all)`);
  return out;
}

const life = (n: number): string => (n === INFINITY ? 'infinity' : `${n}s`);

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

/** Over the control socket a link-layer address arrives as text (src/wire/json.ts); in process it is bytes. */
function macText(a: Uint8Array | string): string {
  return typeof a === 'string' ? a : formatMac(a);
}

function optionLine(o: NdOption): string {
  switch (o.type) {
    case 'sourceLinkLayer': return `source link-layer ${macText(o.address)}`;
    case 'mtu': return `MTU ${o.mtu}`;
    case 'advertisementInterval': return `advertisement interval ${o.intervalMs} ms`;
    case 'homeAgentInfo': return `home agent preference ${o.preference} lifetime ${o.lifetime}s`;
    case 'prefixInformation': return `prefix ${o.prefix}/${o.prefixLength} valid ${life(o.validLifetime)} preferred ${life(o.preferredLifetime)}${o.onLink ? ' L' : ''}${o.autonomous ? ' A' : ''}${o.routerAddress ? ' R' : ''}${o.dhcpv6Pd ? ' P' : ''}`;
    case 'routeInformation': return `route ${o.prefix}/${o.prefixLength} lifetime ${life(o.lifetime)} preference ${o.preference}`;
    case 'rdnss': return `RDNSS ${o.servers.join(' ')} lifetime ${life(o.lifetime)}`;
    case 'dnssl': return `DNSSL ${o.domains.map((d) => printable(d, 80)).join(' ')} lifetime ${life(o.lifetime)}`;
    case 'captivePortal': return `captive portal ${printable(o.uri)}`;
    case 'pref64': return `PREF64 ${o.prefix}/${o.prefixLength} lifetime ${o.lifetime}s`;
    case 'lowpanContext': return `6LoWPAN context ${o.contextId} ${o.prefix}/${o.contextLength}`;
    case 'abro': return `ABRO ${o.address}`;
    case 'unknown': return `option ${o.code} (${(typeof o.body === 'string' ? (o.body as string).length / 2 : o.body.length) + 2} bytes)`;
    default: return `option ${(o as { type: string }).type}`;
  }
}

function renderInterface(i: InterfaceStatus, now: number): string[] {
  const out: string[] = [];
  const state = !i.advSendAdvert ? 'AdvSendAdvert off: watching the link only' : i.ready ? `advertising from ${i.source}${i.vrrp !== undefined ? ` (virtual router ${i.vrrp})` : ''}` : i.ifindex === undefined ? 'waiting for the interface' : i.vrrp !== undefined ? `silent: virtual router ${i.vrrp} is not Active here` : 'not ready (down, no carrier or no link-local address)';
  out.push(`interface ${i.name}${i.ifindex !== undefined ? ` (ifindex ${i.ifindex})` : ''}: ${state}`);
  if (i.lastSent !== undefined) out.push(`  last RA: ${i.lastSent.kind} to ${i.lastSent.destination}, ${ago(now - i.lastSent.at)} (${i.lastSent.packets} packet(s), ${i.lastSent.bytes} bytes)`);
  if (i.nextMulticastAt !== undefined) out.push(`  next multicast RA in ${Math.max(0, (i.nextMulticastAt - now) / 1000).toFixed(1)}s`);
  out.push(`  sent: ${i.stats.multicastSent} multicast, ${i.stats.unicastSent} unicast; RS received ${i.stats.solicitationsReceived} (rate-limited ${i.stats.solicitationsRateLimited}, ignored ${i.stats.solicitationsIgnored})`);
  if (i.ra !== undefined && i.advSendAdvert) {
    const ra = i.ra;
    out.push(`  RA: router lifetime ${ra.routerLifetime}s, preference ${ra.preference}, hop limit ${ra.curHopLimit}, M ${ra.managed ? 'on' : 'off'}, O ${ra.other ? 'on' : 'off'}, reachable ${ra.reachableTime} ms, retrans ${ra.retransTimer} ms`);
    for (const o of ra.options) out.push(`    ${optionLine(o)}`);
  }
  if (i.watch.routers.length > 0 || i.watch.received > 0) out.push(...renderWatch(i.watch, now));
  if (i.reasons.length > 0) {
    out.push('  why these values differ from the config:');
    for (const r of i.reasons) {
      const since = r.since !== undefined ? `, since ${new Date(r.since).toISOString()} (${ago(now - r.since)})` : '';
      const conf = r.configured !== undefined ? ` (configured ${String(r.configured)})` : '';
      out.push(`    ${r.field} = ${String(r.value)}${conf}: ${r.why}${since}`);
    }
  }
  return out;
}

const STATE_NAME = { initialize: 'Initialize', backup: 'Backup', active: 'Active' } as const;

/** Each virtual router: state and why, priorities and what changed them, the Active, timers, counters. */
export function renderVrrp(v: VrrpStatus, now: number): string[] {
  const out: string[] = ['virtual routers (VRRPv3):'];
  for (const r of v.routers) {
    const fault = r.fault !== undefined && r.state === 'initialize' ? ` (out of the election: ${r.fault})` : '';
    out.push(`  ${r.name}: ${STATE_NAME[r.state]}${fault} on ${r.interface}, VRID ${r.vrid}, IPv${r.family}${r.syncGroup !== undefined ? `, sync group ${r.syncGroup}` : ''}`);
    const lowered = r.priorityChanges.map((c) => `${c.condition} ${c.weight > 0 ? '+' : ''}${c.weight}`).join(', ');
    out.push(`    priority ${r.priority} (configured ${r.configuredPriority}${lowered !== '' ? `; ${lowered}` : ''}), interval ${r.advertIntervalCs} cs, preempt ${r.preempt ? `on${r.preemptDelayMs > 0 ? ` after ${r.preemptDelayMs / 1000}s` : ''}` : 'off'}, accept ${r.acceptMode ? 'on' : 'off'}`);
    out.push(`    virtual ${r.addresses.join(' ')} MAC ${r.virtualMac} on ${r.vmacInterface}${r.primaryAddress !== undefined ? `, sending from ${r.primaryAddress}` : ''}`);
    if (r.state === 'active') out.push(`    this router is Active`);
    else if (r.activeRouter !== undefined) out.push(`    Active: ${r.activeRouter.address} priority ${r.activeRouter.priority} interval ${r.activeRouter.intervalCs} cs, heard ${ago(now - r.activeRouter.at)}; Active_Down_Interval ${r.activeDownIntervalMs.toFixed(1)} ms (Skew_Time ${r.skewTimeMs.toFixed(1)} ms)`);
    if (r.lastTransition !== undefined) {
      const t = r.lastTransition;
      out.push(`    last change: ${STATE_NAME[t.from]} -> ${STATE_NAME[t.to]} at ${new Date(t.at).toISOString()} (${ago(now - t.at)}): ${t.reason}`);
    }
    const c = r.counters;
    const drops = Object.entries(c.dropped).map(([k, n]) => `${k} ${n}`).join(', ');
    out.push(`    advertisements sent ${c.advertisementsSent} (priority 0: ${c.priorityZeroSent}), received ${c.received}${drops !== '' ? ` (dropped: ${drops})` : ''}, became Active ${c.becameActive} times, announcements ${c.announcementsSent}, send errors ${c.sendErrors}`);
  }
  const drops = Object.entries(v.dropped);
  if (drops.length > 0) out.push(`  advertisements dropped: ${drops.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return out;
}

export function renderStatus(s: DaemonStatus): string {
  const out: string[] = [`firsthop ${s.version}, pid ${s.pid}, up ${ago(s.now - s.startedAt).replace(' ago', '')}, config ${s.configPath}`];
  const conds = s.conditions;
  if (conds.length > 0) {
    out.push('', 'conditions:');
    for (const c of conds) {
      const parts = [`${c.name}: ${c.effective ? 'up' : 'down'}`];
      if (c.raw !== c.effective) parts.push(`(raw ${c.raw ? 'up' : 'down'})`);
      if (c.pending) parts.push('(probe pending)');
      parts.push(`[${c.description}]`);
      parts.push(`since ${new Date(c.since).toISOString()} (${ago(s.now - c.since)})`);
      if (c.flaps) parts.push(`flaps ${c.flaps}`);
      if (c.penalty) parts.push(`penalty ${Math.round(c.penalty)}`);
      if (c.suppressed) parts.push(`suppressed until ${c.suppressedUntil !== undefined ? new Date(c.suppressedUntil).toISOString() : '?'}`);
      if (c.holdDownUntil !== undefined && c.holdDownUntil > s.now) parts.push(`held down until ${new Date(c.holdDownUntil).toISOString()}`);
      out.push(`  ${parts.join(' ')}`);
    }
  }
  if (s.vrrp !== undefined) out.push('', ...renderVrrp(s.vrrp, s.now));
  for (const i of s.interfaces) out.push('', ...renderInterface(i, s.now));
  out.push('', `packets received ${s.counters.packetsReceived}, RS ${s.counters.rsReceived}, RA from others ${s.counters.raReceived} (inconsistent ${s.counters.raInconsistent}, rogue ${s.counters.rogueRas}), reloads ${s.counters.reloads} (failed ${s.counters.reloadFailures})`);
  const drops = Object.entries(s.drops);
  if (drops.length > 0) out.push(`dropped: ${drops.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const ignored = Object.entries(s.ignoredOptions ?? {});
  if (ignored.length > 0) out.push(`RA options ignored as malformed (the rest of those RAs was used): ${ignored.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return `${out.join('\n')}\n`;
}

/** JSON with byte arrays as MACs and hex (the same form as /api/status). */
export function statusJson(s: unknown): string {
  return toJson(s, 2);
}
