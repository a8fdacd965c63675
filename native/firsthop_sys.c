/*
 * firsthop_sys: the few socket operations Node cannot do by itself.
 *
 *   - raw IPv6 sockets (ICMPv6 for Neighbor Discovery; the same path serves any other
 *     protocol, e.g. VRRP = 112, with a checksum offset) with IPV6_PKTINFO / IPV6_HOPLIMIT
 *     ancillary data on receive and IPV6_PKTINFO on send;
 *   - raw IPv4 sockets of one protocol (VRRP = 112) with IP_PKTINFO on receive and send;
 *     the IPv4 header the kernel hands up is parsed (and stripped) here;
 *   - NETLINK_ROUTE sockets subscribed to multicast groups, whole datagrams in and out;
 *   - AF_PACKET sockets that only send whole Ethernet frames (gratuitous ARP).
 *
 * Each socket is non-blocking and watched by a libuv uv_poll_t on Node's own loop: no
 * threads, no timers. When the fd is readable the socket is drained (recvmsg until EAGAIN,
 * bounded per wake-up; uv_poll is level-triggered so the rest comes next iteration) and
 * every datagram is passed to the JavaScript callback given at open (packet sockets only
 * send: they have no callback and are not watched):
 *
 *   raw:     callback(err, data, source16, destination16, ifindex, hopLimit)
 *   raw4:    callback(err, payload, source4, destination4, ifindex, ttl)   payload after
 *                                        the IPv4 header; datagrams shorter than their
 *                                        header are dropped
 *   netlink: callback(err, data)        err.code === 'ENOBUFS' means the kernel dropped
 *                                        messages (receive queue overflow)
 *
 * Errors are thrown as JS Error objects with `code` (errno name, 'EPERM'), `errno`
 * (positive errno number) and `syscall`.
 *
 * Sockets can be opened inside another network namespace (a path such as
 * /run/netns/NAME): the calling thread enters it with setns(2) for the socket(2) call only
 * and returns at once; a socket keeps the namespace it was created in.
 *
 * An open socket is a GC root (like a net.Socket): it lives until close() is called.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <linux/netlink.h>
#include <linux/if_packet.h>
#include <node_api.h>
#include <uv.h>

#define FH_RAW6 1
#define FH_NETLINK 2
#define FH_RAW4 3
#define FH_PACKET 4
/* Older libc headers may lack these (Linux 4.15 / 2.6.31). */
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif
#ifndef IP_MULTICAST_ALL
#define IP_MULTICAST_ALL 49
#endif
/* Datagrams handled per readable wake-up before yielding to the loop. */
#define FH_BUDGET 256
/* An IPv6 payload (what a raw socket returns) is at most 65535 octets without jumbograms. */
#define FH_RAW_BUF 65536
/* Netlink dump datagrams are at most 32 KiB today; grown on demand (see nl_recv). */
#define FH_NL_BUF 65536

typedef struct fh_sock {
  napi_env env;
  int fd;
  int kind;
  uv_poll_t poll;
  napi_ref self;     /* keeps the JS handle alive while the socket is open */
  napi_ref callback; /* JS function receiving datagrams */
  napi_async_context async;
  int closed;    /* close() was called (fd closed, callbacks dropped) */
  int polling;   /* uv_poll_init succeeded: the handle must be uv_close()d */
  int uv_closed; /* libuv has released the handle */
  int finalized; /* the JS external was garbage-collected */
  unsigned char *buf;
  size_t buflen;
} fh_sock;

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                               */

static void throw_errno(napi_env env, const char *syscall, int err) {
  char msg[256];
  napi_value code, message, error, num, sc;
  snprintf(msg, sizeof msg, "%s: %s", syscall, strerror(err));
  /* uv_err_name maps -errno to its symbolic name ('EPERM'); libuv error codes are -errno. */
  if (napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code) != napi_ok) return;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message) != napi_ok) return;
  if (napi_create_error(env, code, message, &error) != napi_ok) return;
  if (napi_create_int32(env, err, &num) == napi_ok) napi_set_named_property(env, error, "errno", num);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc) == napi_ok)
    napi_set_named_property(env, error, "syscall", sc);
  napi_throw(env, error);
}

/* Same as throw_errno but returns the error object instead of throwing it. */
static napi_value make_errno_error(napi_env env, const char *syscall, int err) {
  napi_value error = NULL, pending;
  throw_errno(env, syscall, err);
  if (napi_get_and_clear_last_exception(env, &pending) == napi_ok) error = pending;
  return error;
}

#define CHECK_NAPI(env, call)                                              \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      bool pending_;                                                       \
      napi_is_exception_pending((env), &pending_);                         \
      if (!pending_) napi_throw_error((env), NULL, "N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

#define THROW_TYPE(env, text)                    \
  do {                                           \
    napi_throw_type_error((env), NULL, (text));  \
    return NULL;                                 \
  } while (0)

/* ------------------------------------------------------------------------------------ */
/* Argument helpers                                                                     */

static int get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &off) != napi_ok) return 0;
  return type == napi_uint8_array;
}

/* A 16-byte IPv6 address given as a Uint8Array. */
static int get_in6(napi_env env, napi_value v, struct in6_addr *out) {
  void *data;
  size_t len;
  if (!get_bytes(env, v, &data, &len) || len != 16) return 0;
  memcpy(out, data, 16);
  return 1;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

static fh_sock *get_sock(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return (fh_sock *)p;
}

/* Copies a JS string argument; returns 0 when it does not fit. */
static int get_string(napi_env env, napi_value v, char *out, size_t size) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok) return 0;
  return len + 1 < size;
}

/* ------------------------------------------------------------------------------------ */
/* Network namespaces                                                                   */

/*
 * socket(2) inside the namespace at `netns` (NULL: the current one). The thread returns to
 * its own namespace before this function returns; failing to return is fatal, since every
 * later socket of the process would silently land in the wrong namespace.
 */
static int socket_in_netns(napi_env env, const char *netns, int domain, int type, int protocol) {
  int self_fd, target_fd, fd, err;
  if (netns == NULL) {
    fd = socket(domain, type, protocol);
    if (fd < 0) throw_errno(env, "socket", errno);
    return fd;
  }
  self_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self_fd < 0) {
    throw_errno(env, "open /proc/thread-self/ns/net", errno);
    return -1;
  }
  target_fd = open(netns, O_RDONLY | O_CLOEXEC);
  if (target_fd < 0) {
    err = errno;
    close(self_fd);
    throw_errno(env, "open netns", err);
    return -1;
  }
  if (setns(target_fd, CLONE_NEWNET) < 0) {
    err = errno;
    close(target_fd);
    close(self_fd);
    throw_errno(env, "setns", err);
    return -1;
  }
  fd = socket(domain, type, protocol);
  err = errno;
  if (setns(self_fd, CLONE_NEWNET) < 0)
    napi_fatal_error("firsthop_sys", NAPI_AUTO_LENGTH, "setns back to the original network namespace failed",
                     NAPI_AUTO_LENGTH);
  close(target_fd);
  close(self_fd);
  if (fd < 0) throw_errno(env, "socket", err);
  return fd;
}

/* ------------------------------------------------------------------------------------ */
/* Socket lifetime                                                                      */

static void sock_free(fh_sock *s) {
  free(s->buf);
  free(s);
}

static void on_uv_closed(uv_handle_t *h) {
  fh_sock *s = (fh_sock *)h->data;
  s->uv_closed = 1;
  if (s->finalized) sock_free(s);
}

/* Stops polling, closes the fd and drops the references to JS. Idempotent. */
static void sock_close(fh_sock *s) {
  if (s->closed) return;
  s->closed = 1;
  if (s->polling) {
    uv_close((uv_handle_t *)&s->poll, on_uv_closed); /* stops the poll synchronously */
  } else {
    s->uv_closed = 1;
  }
  if (s->fd >= 0 && close(s->fd) < 0) {
    /* Nothing sensible to do: the descriptor is released either way on Linux. */
  }
  s->fd = -1;
  if (s->callback) napi_delete_reference(s->env, s->callback);
  s->callback = NULL;
  if (s->self) napi_delete_reference(s->env, s->self);
  s->self = NULL;
  if (s->async) napi_async_destroy(s->env, s->async);
  s->async = NULL;
}

static void on_finalize(napi_env env, void *data, void *hint) {
  fh_sock *s = (fh_sock *)data;
  (void)env;
  (void)hint;
  s->finalized = 1;
  sock_close(s); /* only reachable without close() at environment teardown */
  if (s->uv_closed) sock_free(s);
}

static void on_poll(uv_poll_t *handle, int status, int events);

static const char *kind_name(int kind) {
  switch (kind) {
    case FH_RAW6: return "firsthop:raw6";
    case FH_RAW4: return "firsthop:raw4";
    case FH_PACKET: return "firsthop:packet";
    default: return "firsthop:netlink";
  }
}

/*
 * Wraps an open fd: allocates the state, the receive buffer, the JS external and starts
 * polling. Closes the fd on failure. A send-only socket passes callback NULL (and buflen
 * 0): it is never polled.
 */
static napi_value sock_wrap(napi_env env, int fd, int kind, size_t buflen, napi_value callback) {
  fh_sock *s;
  napi_value external, resource, name;
  uv_loop_t *loop;
  int rc;

  s = calloc(1, sizeof *s);
  if (s == NULL || (buflen > 0 && (s->buf = malloc(buflen)) == NULL)) {
    free(s);
    close(fd);
    throw_errno(env, "malloc", ENOMEM);
    return NULL;
  }
  s->env = env;
  s->fd = fd;
  s->kind = kind;
  s->buflen = buflen;
  s->uv_closed = 1; /* until uv_poll_init succeeds there is no handle to close */

  if (napi_create_external(env, s, on_finalize, NULL, &external) != napi_ok) {
    close(fd);
    sock_free(s);
    napi_throw_error(env, NULL, "napi_create_external failed");
    return NULL;
  }
  /* From here on the finalizer owns `s`; failures just close the socket. */
  if (napi_create_reference(env, external, 1, &s->self) != napi_ok) {
    sock_close(s);
    napi_throw_error(env, NULL, "socket setup failed");
    return NULL;
  }
  if (callback == NULL) return external;
  if (napi_create_reference(env, callback, 1, &s->callback) != napi_ok ||
      napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, kind_name(kind), NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, resource, name, &s->async) != napi_ok ||
      napi_get_uv_event_loop(env, &loop) != napi_ok) {
    sock_close(s);
    napi_throw_error(env, NULL, "socket setup failed");
    return NULL;
  }
  rc = uv_poll_init(loop, &s->poll, fd);
  if (rc < 0) {
    sock_close(s);
    throw_errno(env, "uv_poll_init", -rc);
    return NULL;
  }
  s->poll.data = s;
  s->uv_closed = 0;
  s->polling = 1;
  rc = uv_poll_start(&s->poll, UV_READABLE, on_poll);
  if (rc < 0) {
    sock_close(s);
    throw_errno(env, "uv_poll_start", -rc);
    return NULL;
  }
  return external;
}

/* Calls the socket's JS callback; a throwing callback becomes an uncaught exception. */
static void call_js(fh_sock *s, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value cb, global, result, exc;
  napi_status st;
  if (s->closed || s->callback == NULL) return;
  if (napi_get_reference_value(env, s->callback, &cb) != napi_ok || cb == NULL) return;
  if (napi_get_global(env, &global) != napi_ok) return;
  st = napi_make_callback(env, s->async, global, cb, argc, argv, &result);
  if (st == napi_pending_exception && napi_get_and_clear_last_exception(env, &exc) == napi_ok)
    napi_fatal_exception(env, exc);
}

static void report_error(fh_sock *s, const char *syscall, int err) {
  napi_value argv[1];
  argv[0] = make_errno_error(s->env, syscall, err);
  if (argv[0] != NULL) call_js(s, 1, argv);
}

/* ------------------------------------------------------------------------------------ */
/* Receiving                                                                            */

/* One datagram from a raw IPv6 socket. Returns 1 when one was delivered, 0 to stop. */
static int raw_recv(fh_sock *s) {
  napi_env env = s->env;
  struct sockaddr_in6 from;
  struct iovec iov;
  struct msghdr msg;
  struct cmsghdr *cm;
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
    struct cmsghdr align;
  } control;
  struct in6_addr dst;
  int ifindex = 0, hoplimit = -1;
  ssize_t n;
  napi_value argv[6];

  memset(&msg, 0, sizeof msg);
  memset(&dst, 0, sizeof dst);
  iov.iov_base = s->buf;
  iov.iov_len = s->buflen;
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  n = recvmsg(s->fd, &msg, 0);
  if (n < 0) {
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) return 0;
    if (err == EINTR) return 1;
    report_error(s, "recvmsg", err);
    return 0;
  }
  if (msg.msg_flags & MSG_TRUNC) return 1; /* cannot happen with a 64 KiB buffer; drop */
  for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != IPPROTO_IPV6) continue;
    if (cm->cmsg_type == IPV6_PKTINFO && cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(cm), sizeof pi);
      dst = pi.ipi6_addr;
      ifindex = (int)pi.ipi6_ifindex;
    } else if (cm->cmsg_type == IPV6_HOPLIMIT && cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&hoplimit, CMSG_DATA(cm), sizeof hoplimit);
    }
  }
  if (napi_get_null(env, &argv[0]) != napi_ok ||
      napi_create_buffer_copy(env, (size_t)n, s->buf, NULL, &argv[1]) != napi_ok ||
      napi_create_buffer_copy(env, 16, &from.sin6_addr, NULL, &argv[2]) != napi_ok ||
      napi_create_buffer_copy(env, 16, &dst, NULL, &argv[3]) != napi_ok ||
      napi_create_int32(env, ifindex, &argv[4]) != napi_ok || napi_create_int32(env, hoplimit, &argv[5]) != napi_ok)
    return 0;
  call_js(s, 6, argv);
  return 1;
}

/*
 * One datagram from a raw IPv4 socket: the kernel hands up the IPv4 header too, so source,
 * destination and TTL come from it (and it is stripped); the interface from IP_PKTINFO.
 * Returns 1 when one was handled (delivered or dropped), 0 to stop.
 */
static int raw4_recv(fh_sock *s) {
  napi_env env = s->env;
  struct sockaddr_in from;
  struct iovec iov;
  struct msghdr msg;
  struct cmsghdr *cm;
  union {
    char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) + 64];
    struct cmsghdr align;
  } control;
  int ifindex = 0;
  size_t ihl, total;
  ssize_t n;
  napi_value argv[6];

  memset(&msg, 0, sizeof msg);
  iov.iov_base = s->buf;
  iov.iov_len = s->buflen;
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  n = recvmsg(s->fd, &msg, 0);
  if (n < 0) {
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) return 0;
    if (err == EINTR) return 1;
    report_error(s, "recvmsg", err);
    return 0;
  }
  if (msg.msg_flags & MSG_TRUNC) return 1; /* an IPv4 datagram is at most 65535 octets; drop */
  /* Header sanity: version 4, IHL >= 5 words, the whole header present, total length not
     shorter than the header (the kernel has checked all this; a malformed one is dropped). */
  if (n < 20 || (s->buf[0] >> 4) != 4) return 1;
  ihl = (size_t)(s->buf[0] & 0x0f) * 4;
  total = ((size_t)s->buf[2] << 8) | s->buf[3];
  if (ihl < 20 || (size_t)n < ihl || total < ihl) return 1;
  if (total > (size_t)n) total = (size_t)n;
  for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO && cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(cm), sizeof pi);
      ifindex = pi.ipi_ifindex;
    }
  }
  if (napi_get_null(env, &argv[0]) != napi_ok ||
      napi_create_buffer_copy(env, total - ihl, s->buf + ihl, NULL, &argv[1]) != napi_ok ||
      napi_create_buffer_copy(env, 4, s->buf + 12, NULL, &argv[2]) != napi_ok ||
      napi_create_buffer_copy(env, 4, s->buf + 16, NULL, &argv[3]) != napi_ok ||
      napi_create_int32(env, ifindex, &argv[4]) != napi_ok || napi_create_int32(env, s->buf[8], &argv[5]) != napi_ok)
    return 0;
  call_js(s, 6, argv);
  return 1;
}

/* One datagram from a netlink socket. Returns 1 when one was handled, 0 to stop. */
static int nl_recv(fh_sock *s) {
  napi_env env = s->env;
  struct sockaddr_nl from;
  struct iovec iov;
  struct msghdr msg;
  ssize_t n;
  napi_value argv[2];

  /* Peek at the real length first so that no datagram is ever truncated. */
  for (;;) {
    memset(&msg, 0, sizeof msg);
    iov.iov_base = s->buf;
    iov.iov_len = s->buflen;
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    n = recvmsg(s->fd, &msg, MSG_PEEK | MSG_TRUNC);
    if (n < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return 0;
      if (err == EINTR) continue;
      /* ENOBUFS: the kernel dropped messages; the socket stays usable, keep reading. */
      report_error(s, "recvmsg", err);
      return !s->closed && err == ENOBUFS;
    }
    if ((size_t)n <= s->buflen) break;
    {
      unsigned char *bigger = realloc(s->buf, (size_t)n);
      if (bigger == NULL) {
        report_error(s, "realloc", ENOMEM);
        return 0;
      }
      s->buf = bigger;
      s->buflen = (size_t)n;
    }
  }
  msg.msg_namelen = sizeof from;
  n = recvmsg(s->fd, &msg, 0);
  if (n < 0) {
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return 1;
    report_error(s, "recvmsg", err);
    return !s->closed && err == ENOBUFS;
  }
  /* Only the kernel (port 0) speaks on this socket; ignore anything a process unicasts. */
  if (msg.msg_namelen >= sizeof from && from.nl_pid != 0) return 1;
  if (napi_get_null(env, &argv[0]) != napi_ok || napi_create_buffer_copy(env, (size_t)n, s->buf, NULL, &argv[1]) != napi_ok)
    return 0;
  call_js(s, 2, argv);
  return 1;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  fh_sock *s = (fh_sock *)handle->data;
  napi_handle_scope scope;
  int i;
  (void)events;
  if (s->closed) return;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  if (status < 0) {
    report_error(s, "poll", -status);
  } else {
    for (i = 0; i < FH_BUDGET && !s->closed; i++) {
      int more;
      switch (s->kind) {
        case FH_RAW6: more = raw_recv(s); break;
        case FH_RAW4: more = raw4_recv(s); break;
        case FH_NETLINK: more = nl_recv(s); break;
        default: more = 0; break;
      }
      if (!more) break;
    }
  }
  napi_close_handle_scope(s->env, scope);
}

/* ------------------------------------------------------------------------------------ */
/* Raw IPv6 sockets                                                                     */

static int setopt_int(napi_env env, int fd, int level, int name, int value, const char *what) {
  if (setsockopt(fd, level, name, &value, sizeof value) < 0) {
    throw_errno(env, what, errno);
    return 0;
  }
  return 1;
}

/* setopt_int for an option an older kernel may not know (ENOPROTOOPT is not an error). */
static int setopt_optional(napi_env env, int fd, int level, int name, int value, const char *what) {
  if (setsockopt(fd, level, name, &value, sizeof value) < 0 && errno != ENOPROTOOPT) {
    throw_errno(env, what, errno);
    return 0;
  }
  return 1;
}

/*
 * openRaw6(protocol, icmpTypes | null, checksumOffset, hopLimit, multicastLoop, netns | null, callback)
 *
 * protocol 58 (ICMPv6): the kernel always computes and verifies the checksum at offset 2
 * (RFC 3542 3.1; Linux even refuses IPV6_CHECKSUM on ICMPv6 sockets with EINVAL), and
 * icmpTypes sets the ICMP6_FILTER. Other protocols (VRRP 112: offset 6) pass checksumOffset
 * >= 0 to have the kernel compute and verify it over the IPv6 pseudo-header, or -1.
 *
 * An unbound raw IPv6 socket receives every multicast packet of its protocol that the host
 * accepts on any interface (a group joined by any socket there): IPV6_MULTICAST_ALL is only
 * consulted for sockets bound to an address (raw_v6_match), so the caller filters.
 */
static napi_value open_raw6(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  int32_t protocol, checksum_offset, hop_limit;
  bool loop;
  char netns[4096];
  int has_netns, fd;
  napi_valuetype t;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) THROW_TYPE(env, "openRaw6 needs 7 arguments");
  CHECK_NAPI(env, napi_get_value_int32(env, argv[0], &protocol));
  CHECK_NAPI(env, napi_get_value_int32(env, argv[2], &checksum_offset));
  CHECK_NAPI(env, napi_get_value_int32(env, argv[3], &hop_limit));
  CHECK_NAPI(env, napi_get_value_bool(env, argv[4], &loop));
  has_netns = !is_nullish(env, argv[5]);
  if (has_netns && !get_string(env, argv[5], netns, sizeof netns)) THROW_TYPE(env, "netns must be a path string");
  CHECK_NAPI(env, napi_typeof(env, argv[6], &t));
  if (t != napi_function) THROW_TYPE(env, "callback must be a function");
  if (protocol <= 0 || protocol > 255) THROW_TYPE(env, "protocol must be 1..255");
  if (hop_limit < 1 || hop_limit > 255) THROW_TYPE(env, "hopLimit must be 1..255");

  fd = socket_in_netns(env, has_netns ? netns : NULL, AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return NULL;

  if (protocol == IPPROTO_ICMPV6 && !is_nullish(env, argv[1])) {
    struct icmp6_filter filter;
    uint32_t n, i;
    bool is_array;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
        napi_get_array_length(env, argv[1], &n) != napi_ok) {
      close(fd);
      THROW_TYPE(env, "icmpTypes must be an array");
    }
    for (i = 0; i < n; i++) {
      napi_value el;
      int32_t type;
      if (napi_get_element(env, argv[1], i, &el) != napi_ok || napi_get_value_int32(env, el, &type) != napi_ok ||
          type < 0 || type > 255) {
        close(fd);
        THROW_TYPE(env, "icmpTypes must hold numbers 0..255");
      }
      ICMP6_FILTER_SETPASS(type, &filter);
    }
    if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) < 0) {
      int err = errno;
      close(fd);
      throw_errno(env, "setsockopt ICMP6_FILTER", err);
      return NULL;
    }
  }
  if ((protocol != IPPROTO_ICMPV6 && checksum_offset >= 0 &&
       !setopt_int(env, fd, IPPROTO_IPV6, IPV6_CHECKSUM, checksum_offset, "setsockopt IPV6_CHECKSUM")) ||
      !setopt_int(env, fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "setsockopt IPV6_RECVPKTINFO") ||
      !setopt_int(env, fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "setsockopt IPV6_RECVHOPLIMIT") ||
      !setopt_int(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hop_limit, "setsockopt IPV6_MULTICAST_HOPS") ||
      !setopt_int(env, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, hop_limit, "setsockopt IPV6_UNICAST_HOPS") ||
      !setopt_int(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, loop ? 1 : 0, "setsockopt IPV6_MULTICAST_LOOP")) {
    close(fd);
    return NULL;
  }
  return sock_wrap(env, fd, FH_RAW6, FH_RAW_BUF, argv[6]);
}

/*
 * sendmsg() of one datagram to `to` with one ancillary item (IPV6_PKTINFO or IP_PKTINFO),
 * retried on EINTR. Returns the byte count as a JS number, or throws the errno.
 */
static napi_value send_with_pktinfo(napi_env env, fh_sock *s, void *data, size_t len, void *to, socklen_t tolen, int level, int type, const void *info, size_t infolen) {
  struct iovec iov;
  struct msghdr msg;
  struct cmsghdr *cm;
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    struct cmsghdr align;
  } control;
  napi_value result;
  ssize_t n;

  if (CMSG_SPACE(infolen) > sizeof control.buf) THROW_TYPE(env, "ancillary data too large");
  memset(&msg, 0, sizeof msg);
  memset(&control, 0, sizeof control);
  iov.iov_base = data;
  iov.iov_len = len;
  msg.msg_name = to;
  msg.msg_namelen = tolen;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = CMSG_SPACE(infolen);
  cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = level;
  cm->cmsg_type = type;
  cm->cmsg_len = CMSG_LEN(infolen);
  memcpy(CMSG_DATA(cm), info, infolen);

  do {
    n = sendmsg(s->fd, &msg, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    throw_errno(env, "sendmsg", errno);
    return NULL;
  }
  CHECK_NAPI(env, napi_create_int64(env, (int64_t)n, &result));
  return result;
}

/*
 * sendRaw6(handle, data, destination16, ifindex, source16 | null) -> bytes sent
 *
 * The outgoing interface and source travel as IPV6_PKTINFO (source :: lets the kernel
 * choose); link-local and multicast destinations also carry the ifindex as scope id.
 */
static napi_value send_raw6(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  fh_sock *s;
  void *data;
  size_t len;
  struct sockaddr_in6 to;
  struct in6_pktinfo pi;
  int32_t ifindex;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) THROW_TYPE(env, "sendRaw6 needs 5 arguments");
  s = get_sock(env, argv[0]);
  if (s == NULL || s->kind != FH_RAW6) THROW_TYPE(env, "not a raw socket handle");
  if (s->closed) {
    throw_errno(env, "sendmsg", EBADF);
    return NULL;
  }
  if (!get_bytes(env, argv[1], &data, &len)) THROW_TYPE(env, "data must be a Uint8Array");
  memset(&to, 0, sizeof to);
  memset(&pi, 0, sizeof pi);
  to.sin6_family = AF_INET6;
  if (!get_in6(env, argv[2], &to.sin6_addr)) THROW_TYPE(env, "destination must be 16 bytes");
  CHECK_NAPI(env, napi_get_value_int32(env, argv[3], &ifindex));
  if (ifindex < 0) THROW_TYPE(env, "ifindex must be >= 0");
  if (!is_nullish(env, argv[4]) && !get_in6(env, argv[4], &pi.ipi6_addr)) THROW_TYPE(env, "source must be 16 bytes");
  pi.ipi6_ifindex = (unsigned)ifindex;
  if (IN6_IS_ADDR_LINKLOCAL(&to.sin6_addr) || IN6_IS_ADDR_MULTICAST(&to.sin6_addr)) to.sin6_scope_id = (uint32_t)ifindex;
  return send_with_pktinfo(env, s, data, len, &to, sizeof to, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi);
}

/* membership(handle, group16, ifindex, join) : IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP. */
static napi_value membership(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  fh_sock *s;
  struct ipv6_mreq mreq;
  int32_t ifindex;
  bool join;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) THROW_TYPE(env, "membership needs 4 arguments");
  s = get_sock(env, argv[0]);
  if (s == NULL || s->kind != FH_RAW6) THROW_TYPE(env, "not a raw socket handle");
  memset(&mreq, 0, sizeof mreq);
  if (!get_in6(env, argv[1], &mreq.ipv6mr_multiaddr)) THROW_TYPE(env, "group must be 16 bytes");
  CHECK_NAPI(env, napi_get_value_int32(env, argv[2], &ifindex));
  CHECK_NAPI(env, napi_get_value_bool(env, argv[3], &join));
  if (ifindex < 0) THROW_TYPE(env, "ifindex must be >= 0");
  if (s->closed) {
    throw_errno(env, "setsockopt", EBADF);
    return NULL;
  }
  mreq.ipv6mr_interface = (unsigned)ifindex;
  if (setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &mreq, sizeof mreq) < 0) {
    throw_errno(env, join ? "setsockopt IPV6_JOIN_GROUP" : "setsockopt IPV6_LEAVE_GROUP", errno);
    return NULL;
  }
  return NULL;
}

/*
 * setFreebind(handle, on) : IPV6_FREEBIND (raw IPv6) or IP_FREEBIND (raw IPv4).
 *
 * IPv6: lets IPV6_PKTINFO name a source that is not an address of the outgoing interface
 * (ip6_datagram_send_ctl otherwise refuses it with EINVAL; a link-local source must be on
 * that very device), e.g. the parent's link-local sent out of a macvlan.
 */
static napi_value set_freebind(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  fh_sock *s;
  bool on;
  int value;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) THROW_TYPE(env, "setFreebind needs 2 arguments");
  s = get_sock(env, argv[0]);
  if (s == NULL || (s->kind != FH_RAW6 && s->kind != FH_RAW4)) THROW_TYPE(env, "not a raw IP socket handle");
  CHECK_NAPI(env, napi_get_value_bool(env, argv[1], &on));
  if (s->closed) {
    throw_errno(env, "setsockopt", EBADF);
    return NULL;
  }
  value = on ? 1 : 0;
  if (s->kind == FH_RAW6) {
    if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_FREEBIND, &value, sizeof value) < 0) throw_errno(env, "setsockopt IPV6_FREEBIND", errno);
  } else {
    if (setsockopt(s->fd, IPPROTO_IP, IP_FREEBIND, &value, sizeof value) < 0) throw_errno(env, "setsockopt IP_FREEBIND", errno);
  }
  return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Raw IPv4 sockets                                                                     */

/* A 4-byte IPv4 address given as a Uint8Array. */
static int get_in4(napi_env env, napi_value v, struct in_addr *out) {
  void *data;
  size_t len;
  if (!get_bytes(env, v, &data, &len) || len != 4) return 0;
  memcpy(out, data, 4);
  return 1;
}

/*
 * openRaw4(protocol, ttl, multicastLoop, netns | null, callback)
 *
 * AF_INET SOCK_RAW of `protocol` (1..254; 255 would be IPPROTO_RAW, send-only with
 * IP_HDRINCL). The kernel writes the IPv4 header (TTL from IP_TTL / IP_MULTICAST_TTL); the
 * caller computes its protocol's checksum. IP_PKTINFO on receive gives the interface.
 * IP_MULTICAST_ALL 0: multicast is delivered only for groups this socket joined, on the
 * interface it joined them on (ip_mc_sf_allow; unlike IPv6, this works on raw sockets).
 */
static napi_value open_raw4(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  int32_t protocol, ttl;
  bool loop;
  char netns[4096];
  int has_netns, fd;
  napi_valuetype t;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) THROW_TYPE(env, "openRaw4 needs 5 arguments");
  CHECK_NAPI(env, napi_get_value_int32(env, argv[0], &protocol));
  CHECK_NAPI(env, napi_get_value_int32(env, argv[1], &ttl));
  CHECK_NAPI(env, napi_get_value_bool(env, argv[2], &loop));
  has_netns = !is_nullish(env, argv[3]);
  if (has_netns && !get_string(env, argv[3], netns, sizeof netns)) THROW_TYPE(env, "netns must be a path string");
  CHECK_NAPI(env, napi_typeof(env, argv[4], &t));
  if (t != napi_function) THROW_TYPE(env, "callback must be a function");
  if (protocol <= 0 || protocol >= 255) THROW_TYPE(env, "protocol must be 1..254");
  if (ttl < 1 || ttl > 255) THROW_TYPE(env, "ttl must be 1..255");

  fd = socket_in_netns(env, has_netns ? netns : NULL, AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return NULL;
  if (!setopt_int(env, fd, IPPROTO_IP, IP_PKTINFO, 1, "setsockopt IP_PKTINFO") ||
      !setopt_int(env, fd, IPPROTO_IP, IP_TTL, ttl, "setsockopt IP_TTL") ||
      !setopt_int(env, fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl, "setsockopt IP_MULTICAST_TTL") ||
      !setopt_int(env, fd, IPPROTO_IP, IP_MULTICAST_LOOP, loop ? 1 : 0, "setsockopt IP_MULTICAST_LOOP") ||
      !setopt_optional(env, fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "setsockopt IP_MULTICAST_ALL")) {
    close(fd);
    return NULL;
  }
  return sock_wrap(env, fd, FH_RAW4, FH_RAW_BUF, argv[4]);
}

/*
 * sendRaw4(handle, data, destination4, ifindex, source4 | null) -> bytes sent
 *
 * IP_PKTINFO carries the outgoing interface (ipi_ifindex) and the source (ipi_spec_dst;
 * 0.0.0.0 lets the kernel choose). For multicast destinations ipi_ifindex takes precedence
 * over IP_MULTICAST_IF (raw_sendmsg falls back to it only when no ifindex is given), so the
 * packet leaves by `ifindex` without a per-send IP_MULTICAST_IF.
 */
static napi_value send_raw4(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  fh_sock *s;
  void *data;
  size_t len;
  struct sockaddr_in to;
  struct in_pktinfo pi;
  int32_t ifindex;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) THROW_TYPE(env, "sendRaw4 needs 5 arguments");
  s = get_sock(env, argv[0]);
  if (s == NULL || s->kind != FH_RAW4) THROW_TYPE(env, "not a raw IPv4 socket handle");
  if (s->closed) {
    throw_errno(env, "sendmsg", EBADF);
    return NULL;
  }
  if (!get_bytes(env, argv[1], &data, &len)) THROW_TYPE(env, "data must be a Uint8Array");
  memset(&to, 0, sizeof to);
  memset(&pi, 0, sizeof pi);
  to.sin_family = AF_INET;
  if (!get_in4(env, argv[2], &to.sin_addr)) THROW_TYPE(env, "destination must be 4 bytes");
  CHECK_NAPI(env, napi_get_value_int32(env, argv[3], &ifindex));
  if (ifindex < 0) THROW_TYPE(env, "ifindex must be >= 0");
  if (!is_nullish(env, argv[4]) && !get_in4(env, argv[4], &pi.ipi_spec_dst)) THROW_TYPE(env, "source must be 4 bytes");
  pi.ipi_ifindex = ifindex;
  return send_with_pktinfo(env, s, data, len, &to, sizeof to, IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi);
}

/* membership4(handle, group4, ifindex, join) : IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP with ip_mreqn. */
static napi_value membership4(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  fh_sock *s;
  struct ip_mreqn mreq;
  int32_t ifindex;
  bool join;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) THROW_TYPE(env, "membership4 needs 4 arguments");
  s = get_sock(env, argv[0]);
  if (s == NULL || s->kind != FH_RAW4) THROW_TYPE(env, "not a raw IPv4 socket handle");
  memset(&mreq, 0, sizeof mreq);
  if (!get_in4(env, argv[1], &mreq.imr_multiaddr)) THROW_TYPE(env, "group must be 4 bytes");
  CHECK_NAPI(env, napi_get_value_int32(env, argv[2], &ifindex));
  CHECK_NAPI(env, napi_get_value_bool(env, argv[3], &join));
  if (ifindex < 0) THROW_TYPE(env, "ifindex must be >= 0");
  if (s->closed) {
    throw_errno(env, "setsockopt", EBADF);
    return NULL;
  }
  mreq.imr_ifindex = ifindex;
  if (setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mreq, sizeof mreq) < 0) {
    throw_errno(env, join ? "setsockopt IP_ADD_MEMBERSHIP" : "setsockopt IP_DROP_MEMBERSHIP", errno);
    return NULL;
  }
  return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Packet sockets (send only)                                                           */

/*
 * openPacket(netns | null)
 *
 * AF_PACKET SOCK_RAW with protocol 0: the kernel registers no receive hook for it, so
 * nothing is ever queued on it (it is not polled either).
 */
static napi_value open_packet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char netns[4096];
  int has_netns, fd;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  has_netns = argc >= 1 && !is_nullish(env, argv[0]);
  if (has_netns && !get_string(env, argv[0], netns, sizeof netns)) THROW_TYPE(env, "netns must be a path string");
  fd = socket_in_netns(env, has_netns ? netns : NULL, AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return NULL;
  return sock_wrap(env, fd, FH_PACKET, 0, NULL);
}

/*
 * sendPacket(handle, frame, ifindex) -> bytes sent
 *
 * One whole Ethernet frame (destination MAC, source MAC, EtherType, payload; no FCS) out of
 * `ifindex`, via sendto with a sockaddr_ll naming the interface, the frame's destination
 * MAC and EtherType.
 */
static napi_value send_packet(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  fh_sock *s;
  void *data;
  size_t len;
  int32_t ifindex;
  struct sockaddr_ll to;
  ssize_t n;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) THROW_TYPE(env, "sendPacket needs 3 arguments");
  s = get_sock(env, argv[0]);
  if (s == NULL || s->kind != FH_PACKET) THROW_TYPE(env, "not a packet socket handle");
  if (s->closed) {
    throw_errno(env, "sendto", EBADF);
    return NULL;
  }
  if (!get_bytes(env, argv[1], &data, &len)) THROW_TYPE(env, "frame must be a Uint8Array");
  if (len < 14) THROW_TYPE(env, "frame must hold at least an Ethernet header (14 octets)");
  CHECK_NAPI(env, napi_get_value_int32(env, argv[2], &ifindex));
  if (ifindex <= 0) THROW_TYPE(env, "ifindex must be > 0");
  memset(&to, 0, sizeof to);
  to.sll_family = AF_PACKET;
  memcpy(&to.sll_protocol, (unsigned char *)data + 12, 2); /* EtherType, network order */
  to.sll_ifindex = ifindex;
  to.sll_halen = 6;
  memcpy(to.sll_addr, data, 6);
  do {
    n = sendto(s->fd, data, len, 0, (struct sockaddr *)&to, sizeof to);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    throw_errno(env, "sendto", errno);
    return NULL;
  }
  CHECK_NAPI(env, napi_create_int64(env, (int64_t)n, &result));
  return result;
}

/* ------------------------------------------------------------------------------------ */
/* Netlink sockets                                                                      */

/*
 * openNetlink(protocol, groups[], receiveBuffer, netns | null, callback)
 *
 * Binds to a kernel-assigned port and joins each group with NETLINK_ADD_MEMBERSHIP (which,
 * unlike the nl_groups bitmask of bind, reaches groups above 32). The receive buffer is
 * raised with SO_RCVBUFFORCE (CAP_NET_ADMIN), else SO_RCVBUF (capped by rmem_max).
 */
static napi_value open_netlink(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  int32_t protocol, rcvbuf;
  uint32_t n, i;
  bool is_array;
  char netns[4096];
  int has_netns, fd, err;
  struct sockaddr_nl addr;
  napi_valuetype t;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) THROW_TYPE(env, "openNetlink needs 5 arguments");
  CHECK_NAPI(env, napi_get_value_int32(env, argv[0], &protocol));
  CHECK_NAPI(env, napi_is_array(env, argv[1], &is_array));
  if (!is_array) THROW_TYPE(env, "groups must be an array");
  CHECK_NAPI(env, napi_get_array_length(env, argv[1], &n));
  CHECK_NAPI(env, napi_get_value_int32(env, argv[2], &rcvbuf));
  has_netns = !is_nullish(env, argv[3]);
  if (has_netns && !get_string(env, argv[3], netns, sizeof netns)) THROW_TYPE(env, "netns must be a path string");
  CHECK_NAPI(env, napi_typeof(env, argv[4], &t));
  if (t != napi_function) THROW_TYPE(env, "callback must be a function");

  fd = socket_in_netns(env, has_netns ? netns : NULL, AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return NULL;
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) {
    if (errno != EPERM || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
      err = errno;
      close(fd);
      throw_errno(env, "setsockopt SO_RCVBUF", err);
      return NULL;
    }
  }
  memset(&addr, 0, sizeof addr);
  addr.nl_family = AF_NETLINK;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    err = errno;
    close(fd);
    throw_errno(env, "bind", err);
    return NULL;
  }
  for (i = 0; i < n; i++) {
    napi_value el;
    int32_t group;
    if (napi_get_element(env, argv[1], i, &el) != napi_ok || napi_get_value_int32(env, el, &group) != napi_ok ||
        group <= 0) {
      close(fd);
      THROW_TYPE(env, "groups must hold positive numbers");
    }
    if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
      err = errno;
      close(fd);
      throw_errno(env, "setsockopt NETLINK_ADD_MEMBERSHIP", err);
      return NULL;
    }
  }
  return sock_wrap(env, fd, FH_NETLINK, FH_NL_BUF, argv[4]);
}

/* sendNetlink(handle, datagram) : one datagram to the kernel (port 0). */
static napi_value send_netlink(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  fh_sock *s;
  void *data;
  size_t len;
  struct sockaddr_nl to;
  ssize_t n;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) THROW_TYPE(env, "sendNetlink needs 2 arguments");
  s = get_sock(env, argv[0]);
  if (s == NULL || s->kind != FH_NETLINK) THROW_TYPE(env, "not a netlink socket handle");
  if (!get_bytes(env, argv[1], &data, &len)) THROW_TYPE(env, "datagram must be a Uint8Array");
  if (s->closed) {
    throw_errno(env, "sendto", EBADF);
    return NULL;
  }
  memset(&to, 0, sizeof to);
  to.nl_family = AF_NETLINK;
  do {
    n = sendto(s->fd, data, len, 0, (struct sockaddr *)&to, sizeof to);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_errno(env, "sendto", errno);
  return NULL;
}

/* netlinkPortId(handle) -> the port id the kernel assigned at bind (getsockname). */
static napi_value netlink_port_id(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  fh_sock *s;
  struct sockaddr_nl addr;
  socklen_t len = sizeof addr;

  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  s = argc < 1 ? NULL : get_sock(env, argv[0]);
  if (s == NULL || s->kind != FH_NETLINK) THROW_TYPE(env, "not a netlink socket handle");
  if (s->closed) {
    throw_errno(env, "getsockname", EBADF);
    return NULL;
  }
  if (getsockname(s->fd, (struct sockaddr *)&addr, &len) < 0) {
    throw_errno(env, "getsockname", errno);
    return NULL;
  }
  CHECK_NAPI(env, napi_create_uint32(env, addr.nl_pid, &result));
  return result;
}

/* close(handle) : idempotent. */
static napi_value close_sock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  fh_sock *s;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  s = argc < 1 ? NULL : get_sock(env, argv[0]);
  if (s == NULL) THROW_TYPE(env, "not a socket handle");
  sock_close(s);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openRaw6", NULL, open_raw6, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendRaw6", NULL, send_raw6, NULL, NULL, NULL, napi_enumerable, NULL},
      {"membership", NULL, membership, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setFreebind", NULL, set_freebind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openRaw4", NULL, open_raw4, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendRaw4", NULL, send_raw4, NULL, NULL, NULL, napi_enumerable, NULL},
      {"membership4", NULL, membership4, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openPacket", NULL, open_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendPacket", NULL, send_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openNetlink", NULL, open_netlink, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendNetlink", NULL, send_netlink, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkPortId", NULL, netlink_port_id, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_sock, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK_NAPI(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
