/**
 * NetlinkRequester: the changes firsthop makes to the kernel's links and addresses for VRRP
 * (RFC 9568), as rtnetlink requests built by ./codec on a NETLINK_ROUTE socket of its own
 * (no multicast groups, so it only ever receives the answers to its requests). No `ip`
 * commands: the same code runs on the Linux backend and on the in-memory kernel of the tests.
 *
 * Every request carries NLM_F_ACK and its own sequence number; the kernel answers each with
 * an NLMSG_ERROR (errno 0 for success), and the returned Promise settles on that answer. A
 * refusal rejects with a NetlinkError (errno, code 'EEXIST' ...) whose message names the
 * operation and the interface.
 *
 * Synchronous effect. Linux processes an rtnetlink request inside the sendmsg() that carries
 * it (netlink_unicast -> rtnetlink_rcv, under the RTNL lock, in the caller's context) and
 * queues the acknowledgement on this socket before sendmsg returns. Every method here sends
 * its (first) request synchronously, before it returns the Promise: when the call returns,
 * the change is already in effect in the kernel (or was refused), whatever the Promise says
 * later. Only the outcome (ack or errno) is learned asynchronously. What is in effect at once:
 * the link exists / is gone, IFF_UP is set or cleared, the address is on the interface (an
 * IPv6 address without nodad is tentative until DAD completes). What is not: a link's carrier
 * and operstate are settled by the kernel's linkwatch work shortly after, and NetState (its
 * own socket) hears of every change only when its notification is read.
 * createMacvlan is two steps: the link exists when the call returns, its addr_gen_mode is
 * 'none' only when the Promise resolves; do not set the link up before that.
 */
import { SysError, type RawNetlinkSocket, type SystemBackend } from '../sys/types';
import {
  deleteAddressRequest,
  deleteLinkRequest,
  getLinkRequest,
  newAddressRequest,
  newMacvlanRequest,
  parseError,
  parseLinkMessage,
  parseMessages,
  setLinkRequest,
  type AddressSpec,
  type MacvlanSpec,
  type NetlinkMessage,
} from './codec';
import { errnoName, NLMSG, RTM, type AddrGenMode } from './constants';
import { NetlinkError } from './state';
import type { LinkInfo } from './types';

export type { AddressSpec, MacvlanSpec } from './codec';

/** errno numbers (Linux) the requester treats specially. */
export const ERRNO = {
  ESRCH: 3,
  EPROTO: 71,
  EBADF: 9,
  EEXIST: 17,
  ENODEV: 19,
  ETIMEDOUT: 110,
  EAFNOSUPPORT: 97,
  EADDRNOTAVAIL: 99,
  ENOBUFS: 105,
} as const;

export interface NetlinkRequesterOptions {
  /**
   * Reject a request whose acknowledgement has not arrived after this many milliseconds
   * (ETIMEDOUT). The kernel acknowledges at once; this only guards against a lost ack.
   * Default 5000; 0 disables.
   */
  readonly timeoutMs?: number;
}

interface Pending {
  readonly what: string;
  readonly replies: NetlinkMessage[];
  readonly resolve: (replies: NetlinkMessage[]) => void;
  readonly reject: (error: NetlinkError) => void;
  timer?: NodeJS.Timeout;
}

/** What removeAddress needs: the address and its prefix length (the kernel matches both). */
export type AddressRef = Omit<AddressSpec, 'nodad' | 'noPrefixRoute'>;

export class NetlinkRequester {
  private readonly pending = new Map<number, Pending>();
  private seq = Math.floor(Math.random() * 0x7fffffff) + 1;
  private closed = false;
  private readonly timeoutMs: number;
  /** Names of links this requester created or read, for error messages. */
  private readonly names = new Map<number, string>();

  private constructor(private readonly socket: RawNetlinkSocket, options: NetlinkRequesterOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    socket.onDatagram((d) => this.onDatagram(d));
    socket.onOverflow(() => this.failAll(ERRNO.ENOBUFS, 'acknowledgement lost (the request may have been applied)'));
  }

  /** A requester on its own NETLINK_ROUTE socket (no groups). Throws SysError when the socket cannot be opened. */
  static open(backend: Pick<SystemBackend, 'openRouteNetlink'>, options: NetlinkRequesterOptions = {}): NetlinkRequester {
    return new NetlinkRequester(backend.openRouteNetlink({ groups: [] }), options);
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Create a macvlan on `parentIfindex` with `mac` (default: a random one from the kernel) in
   * `mode` (default 'bridge'), DOWN, then set its addr_gen_mode to none so that the kernel
   * never gives it a link-local (EUI-64 or other) address: a separate request after the
   * creation, while the link is still down (see the module comment, and keepalived #2026:
   * the kernel applies a message's flags before its IFLA_AF_SPEC). Resolves with the link
   * as the kernel reports it right after creation. EEXIST when a link of that name exists,
   * ENODEV when the parent does not; when addr_gen_mode cannot be set the link is deleted
   * again and the error is the rejection (except EAFNOSUPPORT: no IPv6 on the link at all,
   * so no address to avoid either).
   */
  async createMacvlan(spec: MacvlanSpec): Promise<LinkInfo> {
    const what = `create macvlan ${spec.name} on ${this.label(spec.parentIfindex)}${spec.mac !== undefined ? ` with MAC ${spec.mac}` : ''}`;
    const created = this.request((seq) => newMacvlanRequest(seq, spec), what);
    // The kernel has made the link (or refused) by now; read it back for its ifindex.
    const read = this.request((seq) => getLinkRequest(seq, { name: spec.name }), `read back ${spec.name}`);
    read.catch(() => undefined); // its error matters only when the creation succeeded
    await created;
    const link = linkFrom(await read, `read back ${spec.name}`);
    this.names.set(link.ifindex, link.name);
    try {
      await this.setAddrGenMode(link.ifindex, 'none');
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ERRNO.EAFNOSUPPORT) return link;
      await this.deleteLink(link.ifindex).catch(() => undefined);
      throw e;
    }
    return link;
  }

  /**
   * IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE } } alone in one RTM_NEWLINK. Set
   * 'none' before the link is first up: a link-local address made earlier stays.
   * EAFNOSUPPORT when the link has no IPv6 (MTU below 1280, IPv6 disabled at boot).
   */
  setAddrGenMode(ifindex: number, mode: AddrGenMode): Promise<void> {
    return this.request((seq) => setLinkRequest(seq, ifindex, { addrGenMode: mode }), `set addr_gen_mode ${mode} on ${this.label(ifindex)}`).then(() => undefined);
  }

  /** Set IFF_UP (ifi_change IFF_UP) on or off. The flag is changed when this returns. */
  setLinkUp(ifindex: number, up: boolean): Promise<void> {
    return this.request((seq) => setLinkRequest(seq, ifindex, { up }), `set ${this.label(ifindex)} ${up ? 'up' : 'down'}`).then(() => undefined);
  }

  /** RTM_DELLINK. Resolves true when deleted, false when there was no such link (ENODEV). */
  deleteLink(ifindex: number): Promise<boolean> {
    const what = `delete ${this.label(ifindex)}`;
    return this.tolerate(this.request((seq) => deleteLinkRequest(seq, { ifindex }), what), [ERRNO.ENODEV]).then((deleted) => {
      this.names.delete(ifindex);
      return deleted;
    });
  }

  /** RTM_DELLINK by name (a leftover of an earlier run, say). False when there was none (ENODEV). */
  deleteLinkByName(name: string): Promise<boolean> {
    return this.tolerate(this.request((seq) => deleteLinkRequest(seq, { name }), `delete link ${name}`), [ERRNO.ENODEV]);
  }

  /** RTM_GETLINK of one link; undefined when there is none (ENODEV). */
  async getLink(link: number | string): Promise<LinkInfo | undefined> {
    const ref = typeof link === 'number' ? { ifindex: link } : { name: link };
    const what = `read ${typeof link === 'number' ? this.label(link) : `link ${link}`}`;
    try {
      const info = linkFrom(await this.request((seq) => getLinkRequest(seq, ref), what), what);
      this.names.set(info.ifindex, info.name);
      return info;
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ERRNO.ENODEV) return undefined;
      throw e;
    }
  }

  /**
   * RTM_NEWADDR (NLM_F_CREATE | NLM_F_EXCL), permanent. IPv6 with `nodad` is usable at once
   * (never tentative). Resolves true when added, false when the address was there already
   * (EEXIST: its flags are left as they were).
   */
  addAddress(spec: AddressSpec): Promise<boolean> {
    const what = `add ${spec.address}/${spec.prefixLength}${spec.nodad ? ' nodad' : ''} to ${this.label(spec.ifindex)}`;
    return this.tolerate(this.request((seq) => newAddressRequest(seq, spec), what), [ERRNO.EEXIST]);
  }

  /**
   * RTM_DELADDR. Resolves true when removed, false when it was gone already: EADDRNOTAVAIL
   * (no such address, or another prefix length), ENODEV (no such link), ESRCH.
   */
  removeAddress(spec: AddressRef): Promise<boolean> {
    const what = `remove ${spec.address}/${spec.prefixLength} from ${this.label(spec.ifindex)}`;
    return this.tolerate(this.request((seq) => deleteAddressRequest(seq, spec), what), [ERRNO.EADDRNOTAVAIL, ERRNO.ENODEV, ERRNO.ESRCH]);
  }

  /** Close the socket; requests still unanswered reject with EBADF (their effect stands). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(ERRNO.EBADF, 'requester closed before the acknowledgement');
    this.socket.close();
  }

  // -------------------------------------------------------------------------------------

  private label(ifindex: number): string {
    const name = this.names.get(ifindex);
    return name !== undefined ? `${name} (ifindex ${ifindex})` : `ifindex ${ifindex}`;
  }

  private nextSeq(): number {
    this.seq = this.seq >= 0x7fffffff ? 1 : this.seq + 1;
    return this.seq;
  }

  /** Resolve true on success, false on one of `benign` errnos. */
  private tolerate(p: Promise<unknown>, benign: readonly number[]): Promise<boolean> {
    return p.then(
      () => true,
      (e: unknown) => {
        if (e instanceof NetlinkError && benign.includes(e.errno)) return false;
        throw e;
      },
    );
  }

  /**
   * Build and send one request now (synchronously); the Promise resolves with the messages
   * answering it (a GETLINK's RTM_NEWLINK) once the ack is read, or rejects with its errno.
   */
  private request(build: (seq: number) => Buffer, what: string): Promise<NetlinkMessage[]> {
    if (this.closed) return Promise.reject(new NetlinkError(`${what}: EBADF (requester closed)`, ERRNO.EBADF));
    let datagram: Buffer;
    const seq = this.nextSeq();
    try {
      datagram = build(seq);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      const p: Pending = { what, replies: [], resolve, reject };
      this.pending.set(seq, p);
      try {
        this.socket.send(datagram);
      } catch (e) {
        this.pending.delete(seq);
        const errno = e instanceof SysError ? e.errno : 0;
        reject(new NetlinkError(`${what}: sending failed: ${e instanceof Error ? e.message : String(e)}`, errno));
        return;
      }
      // The in-memory kernel may have answered inside send() already.
      if (this.timeoutMs > 0 && this.pending.get(seq) === p) {
        // Not unref'd: a request in flight keeps the process alive until it is answered.
        p.timer = setTimeout(() => this.settle(seq, ERRNO.ETIMEDOUT, `no acknowledgement after ${this.timeoutMs} ms`), this.timeoutMs);
      }
    });
  }

  private settle(seq: number, errno: number, detail?: string): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    if (p.timer) clearTimeout(p.timer);
    if (errno === 0) p.resolve(p.replies);
    else p.reject(new NetlinkError(`${p.what}: ${errnoName(errno)}${detail !== undefined ? ` (${detail})` : ''}`, errno));
  }

  private failAll(errno: number, detail: string): void {
    for (const seq of [...this.pending.keys()]) this.settle(seq, errno, detail);
  }

  private onDatagram(datagram: Buffer): void {
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(datagram);
    } catch {
      return; // not an answer we can attribute; the request times out
    }
    for (const m of messages) {
      const p = this.pending.get(m.seq);
      if (!p) continue;
      if (m.type === NLMSG.ERROR) {
        let errno: number;
        try {
          errno = parseError(m.payload).errno;
        } catch {
          errno = ERRNO.EPROTO; // an ack we cannot read
        }
        this.settle(m.seq, errno);
      } else if (m.type === NLMSG.DONE) {
        this.settle(m.seq, 0);
      } else {
        p.replies.push(m);
      }
    }
  }
}

function linkFrom(replies: readonly NetlinkMessage[], what: string): LinkInfo {
  for (const m of replies) if (m.type === RTM.NEWLINK) return parseLinkMessage(m.payload).link;
  throw new NetlinkError(`${what}: no RTM_NEWLINK in the answer`, 0);
}
