/**
 * One configured interface at run time: binds the advertiser (when), the RA builder (what),
 * the withdrawal ledger (what hosts may still hold) and the socket (how). The daemon feeds it
 * netlink state; it decides readiness and source address and sends the packets.
 */
import type { InterfaceConfig } from '../config/types';
import type { Icmp6Socket } from '../sys/types';
import type { AddressInfo, LinkInfo, NetStateView4 } from '../netlink/types';
import { Advertiser, type SendKind } from './advertiser';
import type { Clock } from './clock';
import { buildRa, mtuOmittedWhy, type BuiltRa, type InterfaceSnapshot, type Override } from '../ra/build';
import { packRa, IPV6_HEADER } from '../ra/pack';
import { WithdrawalLedger } from '../ra/withdrawals';
import { encodeMessage } from '../wire';
import { ALL_ROUTERS, canonicalIPv6, isLinkLocal } from '../net/ipv6';
import type { Logger } from '../daemon/log';
import type { NdOption, RouterAdvertisement } from '../wire/types';
import type { InterfaceState } from '../daemon/state';
import { LinkWatch, type RouterBudget, type WatchConfig } from '../observe/watch';

function watchConfig(cfg: InterfaceConfig): WatchConfig {
  return { allowed: cfg.allowedRouters ?? [], action: cfg.rogueRaWithdraw === true ? 'withdraw' : 'report' };
}

function sameKeys(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}

export interface RuntimeDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly socket: Icmp6Socket;
  /** Links and IPv6 addresses; IPv4 addresses for Base6to4Interface. */
  readonly net: NetStateView4;
  readonly log: Logger;
  /** Lifetime overrides from the condition engine, by builder field. */
  readonly overrides?: (iface: InterfaceConfig) => ReadonlyMap<string, Override>;
  /** What is advertised or withdrawn changed: the state file should be written. */
  readonly stateChanged?: () => void;
  /** For an interface tied to a virtual router (`vrrp NAME;`): where its RAs go now. */
  readonly vrrpVia?: (instance: string) => VrrpVia | undefined;
  /** Routers heard, kept across all interfaces (shared by the daemon's runtimes). */
  readonly routerBudget?: RouterBudget;
  /** The RA's content changed (it is being re-sent). */
  readonly raChanged?: (rt: InterfaceRuntime, why: string) => void;
}

/**
 * Where the RAs of an interface tied to a virtual router go (RFC 9568 8.2): while Active, out of
 * the virtual router's macvlan, from the virtual link-local, with the virtual MAC in the source
 * link-layer option; while Backup, nowhere.
 */
export interface VrrpVia {
  readonly active: boolean;
  readonly ifindex?: number;
  readonly source?: string;
  readonly mac: string;
}

export interface SentRecord {
  readonly at: number;
  readonly kind: SendKind;
  readonly destination: string;
  readonly packets: number;
  readonly bytes: number;
}

export class InterfaceRuntime {
  readonly advertiser: Advertiser;
  readonly ledger = new WithdrawalLedger();
  private link: LinkInfo | undefined;
  private joinedIfindex: number | undefined;
  private source: string | undefined;
  /** The interface RAs leave through: the link itself, or a virtual router's macvlan. */
  private sendIfindex: number | undefined;
  private via: VrrpVia | undefined;
  private lastItems = new Map<string, NdOption>();
  /** Items advertised before a restart (state file), compared with the first RA built. */
  private restored: { items: Map<string, NdOption>; at: number } | undefined;
  private lastBytes: Buffer | undefined;
  /** The RA of the last recompute: what received RAs are compared with (no rebuild per RA). */
  private lastRa: RouterAdvertisement | undefined;
  private decrementBase: number;
  /** The interface MTU AdvLinkMTU was found above (and warned about), or undefined while it fits. */
  private mtuOverAt: number | undefined;
  lastSent: SentRecord | undefined;
  /** Encoded packets of the current RA (see encodePackets), dropped by every recompute. */
  private wire: Uint8Array[] | undefined;
  sendErrors = 0;
  /** RAs sent, by kind. */
  readonly sent: Record<SendKind, number> = { initial: 0, periodic: 0, solicited: 0, triggered: 0, final: 0, client: 0 };
  /** The other routers heard on this link (RFC 4861 6.2.7, RFC 8475 section 5). */
  readonly watch: LinkWatch;

  constructor(private cfg: InterfaceConfig, private readonly deps: RuntimeDeps) {
    this.decrementBase = deps.clock.now();
    this.watch = new LinkWatch(watchConfig(cfg), deps.routerBudget);
    this.advertiser = new Advertiser(cfg, {
      clock: deps.clock,
      random: deps.random,
      transmit: (dst, kind, ceasing) => this.transmit(dst, kind, ceasing),
    });
  }

  get name(): string {
    return this.cfg.name;
  }
  get config(): InterfaceConfig {
    return this.cfg;
  }
  get ifindex(): number | undefined {
    return this.link?.ifindex;
  }
  get sourceAddress(): string | undefined {
    return this.source;
  }
  get linkInfo(): LinkInfo | undefined {
    return this.link;
  }

  /** Re-read the interface from the network state: presence, up/carrier, source address, group membership. */
  refresh(): void {
    const link = this.deps.net.linkByName(this.cfg.name);
    if (link?.ifindex !== this.link?.ifindex) this.leaveGroup();
    this.link = link;
    if (link === undefined) {
      this.source = undefined;
      this.sendIfindex = undefined;
      this.advertiser.setReady(false);
      return;
    }
    this.joinGroup(link.ifindex);
    this.via = this.cfg.vrrp === undefined ? undefined : this.deps.vrrpVia?.(this.cfg.vrrp);
    if (this.cfg.vrrp === undefined) {
      this.source = this.chooseSource(this.deps.net.addresses(link.ifindex));
      this.sendIfindex = link.ifindex;
    } else {
      // RFC 9568 8.2: only the Active advertises, from the virtual link-local address.
      this.source = this.via?.active === true ? this.via.source : undefined;
      this.sendIfindex = this.via?.active === true ? this.via.ifindex : undefined;
    }
    // Logged once per change, not per RA: the builder leaves the MTU option out while
    // AdvLinkMTU is above the interface's MTU (RFC 4861 6.3.4) and `firsthop status` says why.
    const mtuOver = this.cfg.advLinkMtu > link.mtu;
    if (mtuOver && this.mtuOverAt !== link.mtu) {
      this.deps.log.warn(`${this.cfg.name}: ${mtuOmittedWhy(this.cfg.advLinkMtu, link.mtu)}`);
    } else if (!mtuOver && this.mtuOverAt !== undefined) {
      this.deps.log.info(`${this.cfg.name}: the interface MTU is now ${link.mtu}: the MTU option (AdvLinkMTU ${this.cfg.advLinkMtu}) is advertised again`);
    }
    this.mtuOverAt = mtuOver ? link.mtu : undefined;
    const ready = link.up && link.carrier && this.source !== undefined && this.sendIfindex !== undefined;
    if (ready && !this.advertiser.isReady) {
      if (this.cfg.advSendAdvert) this.deps.log.info(`${this.cfg.name}: advertising from ${this.source} (ifindex ${this.sendIfindex}${this.cfg.vrrp !== undefined ? `, virtual router ${this.cfg.vrrp}` : ''})`);
      else this.deps.log.info(`${this.cfg.name}: watching the routers on the link (AdvSendAdvert off: monitor only)`);
    }
    if (!ready && this.advertiser.isReady) this.deps.log.info(`${this.cfg.name}: not ready (${!link.up ? 'down' : !link.carrier ? 'no carrier' : this.cfg.vrrp !== undefined && this.via?.active !== true ? `virtual router ${this.cfg.vrrp} is not Active` : 'no usable source address'})`);
    // A virtual router that just became Active: its first RA goes out now (RFC 4861 6.2.4).
    this.advertiser.setReady(ready, this.cfg.vrrp !== undefined);
    this.recompute('interface state');
  }

  /** AdvRASrcAddress in order of choice when set, else the first usable link-local address (RFC 4861 6.1.2). */
  private chooseSource(addrs: readonly AddressInfo[]): string | undefined {
    const usable = addrs.filter((a) => !a.tentative && !a.dadFailed);
    if (this.cfg.advRaSrcAddress.length > 0) {
      for (const want of this.cfg.advRaSrcAddress) {
        const c = canonicalIPv6(want);
        if (usable.some((a) => a.address === c)) return c;
      }
      return undefined;
    }
    return usable.find((a) => isLinkLocal(a.address))?.address;
  }

  private joinGroup(ifindex: number): void {
    if (this.joinedIfindex === ifindex) return;
    try {
      // RFC 4861 6.2.2: an advertising interface joins the all-routers group to hear RSs.
      this.deps.socket.joinGroup(ALL_ROUTERS, ifindex);
      this.joinedIfindex = ifindex;
    } catch (e) {
      this.deps.log.warn(`${this.cfg.name}: cannot join ${ALL_ROUTERS}: ${(e as Error).message}`);
    }
  }

  private leaveGroup(): void {
    if (this.joinedIfindex === undefined) return;
    try {
      this.deps.socket.leaveGroup(ALL_ROUTERS, this.joinedIfindex);
    } catch {
      // the interface is gone, and its memberships with it
    }
    this.joinedIfindex = undefined;
  }

  snapshot(): InterfaceSnapshot | undefined {
    const link = this.link;
    if (link === undefined) return undefined;
    const net = this.deps.net;
    // RFC 9568 8.2: the virtual MAC in the source link-layer option of the virtual router's RAs.
    const mac = this.via !== undefined ? this.via.mac : link.mac;
    return {
      ifindex: link.ifindex,
      mtu: link.mtu,
      ...(mac !== undefined ? { mac } : {}),
      addresses: net.addresses(link.ifindex),
      addressesOf: (name: string) => {
        const other = net.linkByName(name);
        return other === undefined ? [] : net.addresses(other.ifindex);
      },
      ipv4Of: (name: string) => {
        const other = net.linkByName(name);
        return other === undefined ? undefined : net.primaryIpv4(other.ifindex)?.address;
      },
    };
  }

  build(ceasing = false): BuiltRa | undefined {
    const snap = this.snapshot();
    if (snap === undefined) return undefined;
    const now = this.deps.clock.now();
    return buildRa(this.cfg, snap, {
      now,
      decrementBase: this.decrementBase,
      ceasing,
      withdrawals: this.ledger.active(now),
      overrides: this.deps.overrides?.(this.cfg) ?? new Map(),
    });
  }

  /**
   * Rebuild the RA; record withdrawn items; when the content changed, trigger an RA
   * (RFC 4861 6.2.4). Returns true when it changed.
   */
  recompute(why: string): boolean {
    this.wire = undefined;
    const built = this.build(false);
    this.lastRa = built?.ra;
    if (built === undefined) return false;
    const items = new Map(built.items);
    const now = this.deps.clock.now();
    let rebuilt = built;
    let ledgerChanged = false;
    if (this.restored !== undefined) {
      // Whatever left the RA while the daemon was down is withdrawn as of the last save.
      ledgerChanged = this.ledger.update(this.restored.items, items, this.restored.at, 'removed while firsthop was not running');
      this.restored = undefined;
    }
    if (this.ledger.update(this.lastItems, items, now, why)) ledgerChanged = true;
    if (ledgerChanged) rebuilt = this.build(false) ?? built;
    this.lastRa = rebuilt.ra;
    const itemsChanged = !sameKeys(this.lastItems, items);
    this.lastItems = items;
    if (ledgerChanged || itemsChanged) this.deps.stateChanged?.();
    // Encoded once here: the comparison below and the next transmit share the packets.
    const packets = this.pack(rebuilt.ra) ?? [];
    if (this.wireStable) this.wire = packets;
    const bytes = Buffer.concat(packets);
    const changed = this.lastBytes !== undefined && !bytes.equals(this.lastBytes);
    this.lastBytes = bytes;
    if (changed) {
      this.deps.log.debug(`${this.cfg.name}: RA changed (${why})`);
      this.advertiser.changed();
      this.deps.raChanged?.(this, why);
    }
    return changed;
  }

  /**
   * The RA this interface advertises, as last computed, for comparing with other routers' RAs
   * (RFC 4861 6.2.7); undefined when it advertises nothing (AdvSendAdvert off: monitor only).
   */
  get advertisedRa(): RouterAdvertisement | undefined {
    return this.cfg.advSendAdvert ? this.lastRa : undefined;
  }

  /** What goes in the state file for this interface. */
  exportState(): InterfaceState {
    return { advertised: [...this.lastItems], withdrawn: this.ledger.toJSON() };
  }

  /** Take over the state saved at `savedAt` by an earlier run (call before the first refresh). */
  importState(state: InterfaceState, savedAt: number): void {
    this.ledger.restore(state.withdrawn);
    this.restored = { items: new Map(state.advertised), at: savedAt };
  }

  /** Apply a reloaded config for this interface. */
  reconfigure(cfg: InterfaceConfig): void {
    this.cfg = cfg;
    this.mtuOverAt = undefined;
    this.watch.reconfigure(watchConfig(cfg));
    this.advertiser.setConfig(cfg);
    this.refresh();
    this.recompute('reload');
  }

  /** SIGUSR1: DecrementLifetimes start over from the configured values (radvd). */
  resetDecrement(): void {
    this.decrementBase = this.deps.clock.now();
    this.recompute('SIGUSR1');
  }

  private transmit(destination: string, kind: SendKind, ceasing: boolean): void {
    const link = this.link;
    const source = this.source;
    const ifindex = this.sendIfindex;
    if (link === undefined || source === undefined || ifindex === undefined) return;
    const packets = ceasing ? this.encodePackets(true) : (this.wire ??= this.encodePackets(false));
    if (packets === undefined) return;
    if (!ceasing && !this.wireStable) this.wire = undefined;
    let bytes = 0;
    for (const data of packets) {
      bytes += data.length;
      try {
        this.deps.socket.send(data, destination, ifindex, source);
      } catch (e) {
        this.sendErrors++;
        this.deps.log.warn(`${this.cfg.name}: sending RA to ${destination} failed: ${(e as Error).message}`);
      }
    }
    this.sent[kind]++;
    this.lastSent = { at: this.deps.clock.now(), kind, destination, packets: packets.length, bytes };
    this.deps.log.debug(`${this.cfg.name}: sent ${kind} RA to ${destination} (${packets.length} packet(s), ${bytes} bytes)`);
  }

  /**
   * The RA as packets on the wire. Unless the RA changes with time by itself (DecrementLifetimes,
   * withdrawn items counting down), the packets are kept until recompute() sees a change, so a
   * periodic RA costs no rebuild: with a thousand interfaces that is most of the daemon's garbage.
   */
  /** The RA does not change with time by itself: its packets can be kept until the next recompute. */
  private get wireStable(): boolean {
    return this.ledger.nextExpiry() === undefined && !this.cfg.prefixes.some((p) => p.decrementLifetimes);
  }

  private encodePackets(ceasing: boolean): Uint8Array[] | undefined {
    const built = this.build(ceasing);
    return built === undefined ? undefined : this.pack(built.ra);
  }

  private pack(ra: RouterAdvertisement): Uint8Array[] | undefined {
    const link = this.link;
    if (link === undefined) return undefined;
    const maxPacket = Math.min(this.cfg.advRaMtu > 0 ? this.cfg.advRaMtu : link.mtu, link.mtu);
    return packRa(ra, Math.max(maxPacket, IPV6_HEADER + 16 + 8)).map((p) => encodeMessage(p));
  }

  /**
   * Stop; with `final`, send the RFC 4861 6.2.5 final RA first. An interface tied to a virtual
   * router never says goodbye: its peer takes over the virtual router, and a final RA would make
   * hosts drop the default route the peer keeps (users.md item 4).
   */
  stop(final: boolean): void {
    this.advertiser.stop(final && this.cfg.vrrp === undefined);
    this.leaveGroup();
    this.watch.clear();
  }
}
