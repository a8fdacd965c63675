/**
 * Every virtual router of the daemon: the raw VRRP sockets and the dispatch of received
 * advertisements to the virtual router they are for (by interface, family and VRID), the
 * drop counters, tracking (conditions -> priority, keepalived's weights), sync groups
 * (keepalived's vrrp_sync_group) and the status. The daemon creates one and feeds it
 * netlink events and condition changes.
 */
import type { Icmp6Socket, IpPacket, PacketSocket, RawIpSocket, SystemBackend } from '../sys/types';
import type { Clock } from '../iface/clock';
import { LineBudget, type Logger } from '../daemon/log';
import type { NetEvent } from '../netlink/types';
import { VRRP_GROUP_V4, VRRP_GROUP_V6, VRRP_PROTOCOL, decodeAdvertisement, type VrrpDropReason } from './codec';
import { VrrpRouter, type VrrpLinkOps, type VrrpNetView, type VrrpRouterStatus } from './router';
import type { Transition } from './machine';
import type { VrrpFamily, VrrpInstanceConfig, VrrpSyncGroupConfig, VrrpTrack } from './types';
import { isLinkLocal } from '../net/ipv6';

export interface CoordinatorDeps {
  readonly backend: SystemBackend;
  readonly clock: Clock;
  readonly log: Logger;
  readonly net: VrrpNetView;
  readonly ops: VrrpLinkOps;
  /** The daemon's ICMPv6 socket (unsolicited NAs). */
  readonly icmp: Icmp6Socket | undefined;
  /** The current value of a named condition (undefined: unknown). */
  readonly condition: (name: string) => boolean | undefined;
  readonly sysctl: (path: string, value: string) => void;
  readonly readSysctl?: (path: string) => string | undefined;
  /** A virtual router changed state (RAs and vrrp conditions follow). */
  readonly changed: (router: VrrpRouter, t: Transition) => void;
}

export interface VrrpStatus {
  readonly routers: readonly VrrpRouterStatus[];
  readonly syncGroups: readonly { readonly name: string; readonly members: readonly string[] }[];
  /** Advertisements dropped before they could be matched to a virtual router, by reason. */
  readonly dropped: Readonly<Record<string, number>>;
}

/** The nftables table (family inet) that enforces Accept_Mode off. */
export const FIREWALL_TABLE = 'firsthop_vrrp';

/** The start of firsthop's default macvlan names (src/config/vrrp.ts). */
export const VMAC_PREFIX = 'fhv';

/** At most this many transition lines per virtual router and minute. */
const TRANSITION_LINES_PER_MINUTE = 30;

/** At most this many drop log lines per minute, whatever the sources (a flood must not fill the log). */
const DROP_LOG_PER_MINUTE = 10;

export class VrrpCoordinator {
  private readonly routers = new Map<string, VrrpRouter>();
  private groups: readonly VrrpSyncGroupConfig[] = [];
  private raw6: RawIpSocket | undefined;
  private raw4: RawIpSocket | undefined;
  private packet: PacketSocket | undefined;
  private readonly joined = new Map<string, number>(); // `${family} ${ifindex}` -> ifindex
  private readonly dropped: Record<string, number> = {};
  private readonly dropLines = new LineBudget(DROP_LOG_PER_MINUTE, (n) => this.deps.log.info(`vrrp: ${n} more advertisements dropped in the last minute (see status counters)`));
  /** A sync-group order is being carried out: its own transitions order nothing more. */
  private syncing = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: CoordinatorDeps) {}

  get size(): number {
    return this.routers.size;
  }

  router(name: string): VrrpRouter | undefined {
    return this.routers.get(name);
  }

  all(): readonly VrrpRouter[] {
    return [...this.routers.values()];
  }

  /**
   * Whether `source` is a VRRP peer on interface `ifname`: the virtual link-local address of
   * one of its IPv6 virtual routers (the Active's RAs come from it, RFC 9568 8.2), or a router
   * heard advertising for one of them.
   */
  isPeer(ifname: string, source: string): boolean {
    for (const r of this.routers.values()) {
      if (r.config.interface !== ifname || r.family !== 6) continue;
      if (source === r.virtualLinkLocal || r.machine.peers.includes(source)) return true;
    }
    return false;
  }

  /** Whether instance `name` is Active (the `vrrp NAME` condition). */
  isActive(name: string): boolean | undefined {
    return this.routers.get(name)?.isActive;
  }

  /** Open the sockets, create every virtual router's macvlan, and join the election. */
  async start(instances: readonly VrrpInstanceConfig[], groups: readonly VrrpSyncGroupConfig[]): Promise<void> {
    this.groups = groups;
    const off6 = this.deps.net.on((e) => this.onNetEvent(e));
    const off4 = this.deps.net.onIpv4?.(() => this.onNetEvent({ kind: 'resync' }));
    this.unsubscribe = () => {
      off6();
      off4?.();
    };
    await this.removeLeftovers(instances);
    for (const cfg of instances) {
      if (this.stopped) return;
      await this.add(cfg);
    }
    this.applyAcceptMode();
    this.updateTracking();
  }

  private firewallSet = false;
  private firewallCleared = false;
  private firewallWarned = false;

  /**
   * Accept_Mode off (RFC 9568 6.1, 6.4.3; the default): the Active does not accept packets
   * addressed to virtual addresses it does not own, except Neighbor Solicitations and
   * Advertisements, which MUST NOT be dropped. Linux has no such address flag, so an nftables
   * input chain drops them. The rules hold in every state: while Backup the addresses are not
   * local and the input hook never sees packets to them. The address owner and `accept`
   * instances get no rule.
   */
  private applyAcceptMode(): void {
    const lines: string[] = [];
    const nd = 'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }';
    for (const r of this.routers.values()) {
      const c = r.config;
      if (c.acceptMode || c.priority === 255) continue;
      const note = `comment "vrrp ${c.name}: Accept_Mode off"`;
      if (c.family === 4) {
        lines.push(`    ip daddr { ${c.addresses.map((a) => a.address).join(', ')} } drop ${note}`);
        continue;
      }
      const ll = c.addresses.filter((a) => isLinkLocal(a.address)).map((a) => a.address);
      const gl = c.addresses.filter((a) => !isLinkLocal(a.address)).map((a) => a.address);
      // A link-local address is the virtual router's only on its own link.
      const iif = `iifname { "${c.interface}", "${c.vmacName}" } `;
      if (ll.length > 0) lines.push(`    ${iif}ip6 daddr { ${ll.join(', ')} } ${nd} accept ${note}`, `    ${iif}ip6 daddr { ${ll.join(', ')} } drop ${note}`);
      if (gl.length > 0) lines.push(`    ip6 daddr { ${gl.join(', ')} } ${nd} accept ${note}`, `    ip6 daddr { ${gl.join(', ')} } drop ${note}`);
    }
    try {
      if (lines.length === 0) {
        // Also at the first start: a table a killed run left behind goes (no nft, no table).
        if (this.firewallSet || !this.firewallCleared) {
          this.firewallCleared = true;
          try {
            this.deps.backend.setFirewall(FIREWALL_TABLE, undefined);
          } catch (e) {
            if (this.firewallSet) throw e;
          }
        }
        this.firewallSet = false;
        return;
      }
      this.deps.backend.setFirewall(FIREWALL_TABLE, `  chain accept_mode {\n    type filter hook input priority filter; policy accept;\n${lines.join('\n')}\n  }`);
      this.firewallSet = true;
    } catch (e) {
      if (this.firewallWarned) return;
      this.firewallWarned = true;
      this.deps.log.warn(`vrrp: Accept_Mode off is not enforced (packets to the virtual addresses are accepted, as with accept on): ${(e as Error).message}`);
    }
  }

  /** stop() was called: whatever a start or reload still in progress creates is taken down. */
  private stopped = false;

  /**
   * Macvlans that an earlier run created under a name no longer configured (a killed run after
   * a config change): firsthop's default names start with `fhv`; only those on interfaces this
   * config uses are touched, so another firsthop on other interfaces keeps its own.
   */
  private async removeLeftovers(instances: readonly VrrpInstanceConfig[]): Promise<void> {
    const names = new Set(instances.map((i) => i.vmacName));
    const parents = new Set(instances.map((i) => this.deps.net.linkByName(i.interface)?.ifindex).filter((x) => x !== undefined));
    for (const l of this.deps.net.links?.() ?? []) {
      if (l.kind !== 'macvlan' || !l.name.startsWith(VMAC_PREFIX) || names.has(l.name) || l.parentIfindex === undefined || !parents.has(l.parentIfindex)) continue;
      this.deps.log.info(`vrrp: removing ${l.name} (ifindex ${l.ifindex}), a macvlan left by an earlier run`);
      try {
        await this.deps.ops.deleteLink(l.ifindex);
      } catch (e) {
        this.deps.log.warn(`vrrp: cannot remove ${l.name}: ${(e as Error).message}`);
      }
    }
  }

  private socketFor(family: VrrpFamily): RawIpSocket {
    if (family === 6) {
      if (this.raw6 === undefined) {
        // The checksum is ours (codec.ts), not the kernel's: a bad one must reach us to be counted.
        this.raw6 = this.deps.backend.openRawIp({ family: 6, protocol: VRRP_PROTOCOL, freebind: true });
        this.raw6.onPacket((p) => this.onPacket(6, p));
      }
      return this.raw6;
    }
    if (this.raw4 === undefined) {
      this.raw4 = this.deps.backend.openRawIp({ family: 4, protocol: VRRP_PROTOCOL, freebind: true });
      this.raw4.onPacket((p) => this.onPacket(4, p));
    }
    return this.raw4;
  }

  /** arp_ignore of LAN interfaces before an IPv4 virtual router changed it, restored at stop. */
  private readonly savedArpIgnore = new Map<string, string>();

  private async add(cfg: VrrpInstanceConfig): Promise<void> {
    const raw = this.socketFor(cfg.family);
    if (cfg.family === 4 && !this.savedArpIgnore.has(cfg.interface)) {
      const old = this.deps.readSysctl?.(`net/ipv4/conf/${cfg.interface}/arp_ignore`);
      if (old !== undefined) this.savedArpIgnore.set(cfg.interface, old);
    }
    if (cfg.family === 4 && this.packet === undefined) this.packet = this.deps.backend.openPacket();
    const router = new VrrpRouter(cfg, {
      clock: this.deps.clock,
      log: this.deps.log,
      net: this.deps.net,
      ops: this.deps.ops,
      raw,
      icmp: this.deps.icmp,
      packet: this.packet,
      sysctl: this.deps.sysctl,
      ...(this.deps.readSysctl !== undefined ? { readSysctl: this.deps.readSysctl } : {}),
      transitioned: (r, t) => this.onTransition(r, t),
    });
    this.checkOwner(cfg);
    this.routers.set(cfg.name, router);
    await router.setup();
    if (this.stopped) {
      this.routers.delete(cfg.name);
      await router.teardown();
      return;
    }
    this.join(router);
  }

  /** RFC 9568 5.2.4: priority 255 only for the router that owns the addresses. */
  private checkOwner(cfg: VrrpInstanceConfig): void {
    if (cfg.priority !== 255) return;
    const link = this.deps.net.linkByName(cfg.interface);
    if (link === undefined) return; // checked when it appears: the router waits for it
    const have = link === undefined ? [] : cfg.family === 6 ? this.deps.net.addresses(link.ifindex) : this.deps.net.ipv4Addresses(link.ifindex);
    const missing = cfg.addresses.filter((a) => !have.some((h) => h.address === a.address));
    if (missing.length > 0) {
      throw new Error(`${cfg.pos.file}:${cfg.pos.line}:${cfg.pos.column}: error: vrrp ${cfg.name}: priority 255 is for the address owner (RFC 9568 5.2.4), but ${missing.map((m) => m.address).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not configured on ${cfg.interface}`);
    }
  }

  private join(router: VrrpRouter): void {
    const ifindex = router.parent;
    if (ifindex === undefined) return;
    const key = `${router.family} ${ifindex}`;
    if (this.joined.has(key)) return;
    const group = router.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4;
    try {
      this.socketFor(router.family).joinGroup(group, ifindex);
      this.joined.set(key, ifindex);
    } catch (e) {
      this.deps.log.warn(`vrrp ${router.name}: cannot join ${group} on ${router.config.interface}: ${(e as Error).message}`);
    }
  }

  private onNetEvent(e: NetEvent): void {
    if (e.kind === 'route' || e.kind === 'routeRemoved') return;
    for (const r of this.routers.values()) {
      const before = r.parent;
      r.refresh();
      if (r.parent !== before) this.join(r);
    }
  }

  /** A received VRRP datagram: checked, matched to its virtual router, or dropped and counted. */
  private onPacket(family: VrrpFamily, p: IpPacket): void {
    let candidates: VrrpRouter[] | undefined;
    for (const r of this.routers.values()) {
      if (r.family === family && r.parent === p.ifindex) (candidates ??= []).push(r);
    }
    if (candidates === undefined) {
      // Our own advertisements reach our other macvlans in bridge mode; anything else here is
      // for an interface without a virtual router.
      if (!this.routersOnVmac(p.ifindex)) this.drop('interface', `${p.source} on ifindex ${p.ifindex}`);
      return;
    }
    const d = decodeAdvertisement(family, p.data, p.source, p.destination, p.hopLimit);
    if (!d.ok) {
      this.drop(d.reason, `${p.source}: ${d.detail}`);
      return;
    }
    const router = candidates.find((r) => r.config.vrid === d.adv.vrid);
    if (router === undefined) {
      this.drop('vrid', `${p.source}: VRID ${d.adv.vrid} is not configured on ifindex ${p.ifindex}`);
      return;
    }
    router.receive(d.adv, p.source);
  }

  private routersOnVmac(ifindex: number): boolean {
    for (const r of this.routers.values()) if (r.vmac === ifindex) return true;
    return false;
  }

  private drop(reason: VrrpDropReason, detail: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
    if (this.dropLines.take(this.deps.clock.now())) this.deps.log.debug(`vrrp: dropped advertisement (${reason}): ${detail}`);
  }

  private groupOf(name: string): VrrpSyncGroupConfig | undefined {
    return this.groups.find((g) => g.members.includes(name));
  }

  /** Transition lines per router and minute (forged priority-0 advertisements can make a Backup flap). */
  private readonly transitionLines = new Map<string, LineBudget>();

  private onTransition(router: VrrpRouter, t: Transition): void {
    let budget = this.transitionLines.get(router.name);
    if (budget === undefined) {
      budget = new LineBudget(TRANSITION_LINES_PER_MINUTE, (n) => this.deps.log.warn(`vrrp ${router.name}: ${n} more transitions in the last minute were not logged (a flapping peer or forged advertisements?)`));
      this.transitionLines.set(router.name, budget);
    }
    if (budget.take(this.deps.clock.now())) {
      const active = router.machine.active;
      this.deps.log.info(
        `vrrp ${router.name}: ${t.from} -> ${t.to}: ${t.reason} (${router.config.interface} VRID ${router.config.vrid} IPv${router.family}, priority ${router.machine.priority}, interval ${router.config.advertIntervalCs} cs${active !== undefined && t.to === 'backup' ? `, Active ${active.address}` : ''})`,
      );
    }
    this.deps.changed(router, t);
    const group = this.groupOf(router.name);
    if (group === undefined || this.syncing) return;
    this.syncing = true;
    try {
      for (const m of group.members) {
        const other = this.routers.get(m);
        if (other === undefined || other === router) continue;
        if (t.to === 'active') other.machine.forceActive(`sync group ${group.name}: ${router.name} became Active`);
        else if (t.from === 'active') other.machine.forceBackup(`sync group ${group.name}: ${router.name} left Active`);
      }
    } finally {
      this.syncing = false;
    }
    // A member out of the election takes the whole group out (keepalived: the group faults).
    this.updateTracking();
  }

  /**
   * Conditions changed: recompute every priority and fault. Members of a sync group share
   * their tracked conditions (so a failed uplink moves the whole group, not one member that the
   * others then pull back).
   */
  updateTracking(): void {
    // A fault can change a state, whose transition asks for tracking again: run once more
    // after this pass instead of recursing.
    if (this.tracking) {
      this.trackAgain = true;
      return;
    }
    this.tracking = true;
    try {
      let rounds = 0;
      do {
        this.trackAgain = false;
        this.trackOnce();
      } while (this.trackAgain && ++rounds < 4);
    } finally {
      this.tracking = false;
    }
  }

  private tracking = false;
  private trackAgain = false;

  private trackOnce(): void {
    for (const r of this.routers.values()) {
      const group = this.groupOf(r.name);
      const tracks: VrrpTrack[] = [];
      for (const m of group?.members ?? [r.name]) tracks.push(...(this.routers.get(m)?.config.tracks ?? []));
      let priority = r.config.priority;
      const changes: { condition: string; weight: number }[] = [];
      let fault: string | undefined;
      const seen = new Set<string>();
      for (const t of tracks) {
        if (seen.has(`${t.condition} ${t.weight}`)) continue;
        seen.add(`${t.condition} ${t.weight}`);
        const value = this.deps.condition(t.condition) === true;
        if (t.weight === 0) {
          if (!value) fault ??= `tracked condition ${t.condition} is false`;
        } else if ((t.weight < 0 && !value) || (t.weight > 0 && value)) {
          priority += t.weight;
          changes.push({ condition: t.condition, weight: t.weight });
        }
      }
      if (fault === undefined && group !== undefined) {
        for (const m of group.members) {
          const other = this.routers.get(m);
          if (other === undefined || other === r) continue;
          const f = other.fault;
          if (f !== undefined && !f.startsWith('sync group') && f !== 'not started') {
            fault = `sync group ${group.name}: ${m} is out of the election (${f})`;
            break;
          }
        }
      }
      r.setPriority(priority, changes);
      r.setTrackFault(fault);
    }
  }

  /** Apply a reloaded configuration: same identity is reconfigured, others removed or added. */
  async reconfigure(instances: readonly VrrpInstanceConfig[], groups: readonly VrrpSyncGroupConfig[]): Promise<void> {
    this.groups = groups;
    const next = new Map(instances.map((i) => [i.name, i]));
    for (const [name, r] of this.routers) {
      const n = next.get(name);
      if (n !== undefined && sameIdentity(n, r.config)) continue;
      this.routers.delete(name);
      await r.teardown();
    }
    for (const cfg of instances) {
      if (this.stopped) return;
      const r = this.routers.get(cfg.name);
      if (r === undefined) await this.add(cfg);
      else r.reconfigure(cfg);
    }
    this.applyAcceptMode();
    this.updateTracking();
  }

  status(): VrrpStatus {
    return {
      routers: [...this.routers.values()].map((r) => r.status(this.groupOf(r.name)?.name)),
      syncGroups: this.groups.map((g) => ({ name: g.name, members: g.members })),
      dropped: { ...this.dropped },
    };
  }

  /** Leave every election (priority 0 from an Active), delete the macvlans, close the sockets. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.syncing = true; // no sync-group orders while everything goes down
    await Promise.all([...this.routers.values()].map((r) => r.teardown()));
    this.routers.clear();
    // The LAN interfaces' own ARP behaviour goes back to what it was before firsthop.
    for (const [iface, value] of this.savedArpIgnore) {
      try {
        this.deps.sysctl(`net/ipv4/conf/${iface}/arp_ignore`, value);
      } catch {
        // the interface is gone
      }
    }
    this.savedArpIgnore.clear();
    if (this.firewallSet) {
      try {
        this.deps.backend.setFirewall(FIREWALL_TABLE, undefined);
      } catch (e) {
        this.deps.log.warn(`vrrp: cannot remove the nftables table ${FIREWALL_TABLE}: ${(e as Error).message}`);
      }
      this.firewallSet = false;
    }
    this.raw6?.close();
    this.raw4?.close();
    this.packet?.close();
    this.raw6 = this.raw4 = this.packet = undefined;
    this.joined.clear();
  }
}

function sameIdentity(a: VrrpInstanceConfig, b: VrrpInstanceConfig): boolean {
  return a.interface === b.interface && a.family === b.family && a.vrid === b.vrid && a.vmacName === b.vmacName && JSON.stringify(a.addresses) === JSON.stringify(b.addresses);
}
