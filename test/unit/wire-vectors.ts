/**
 * Golden ND packets, written by hand from the RFC layouts (never produced by the encoder),
 * each with the object it must decode to. Shared by the golden test and, as mutation
 * seeds, by the fuzz test.
 */
import type { NdMessage, NdOption } from '../../src/wire';
import { hex } from './wire-helpers';

export interface OptionVector { readonly name: string; readonly rfc: string; readonly bytes: Uint8Array; readonly option: NdOption }
export interface MessageVector { readonly name: string; readonly rfc: string; readonly bytes: Uint8Array; readonly message: NdMessage }

const mac = (s: string): Uint8Array => Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));

export const optionVectors: readonly OptionVector[] = [
  {
    name: 'Source Link-Layer Address, Ethernet',
    rfc: 'RFC 4861 4.6.1',
    bytes: hex(`
      01                  // Type 1
      01                  // Length 1 (8 octets)
      52 54 00 12 34 56   // Link-Layer Address 52:54:00:12:34:56
    `),
    option: { type: 'sourceLinkLayer', address: mac('52:54:00:12:34:56') },
  },
  {
    name: 'Target Link-Layer Address, Ethernet',
    rfc: 'RFC 4861 4.6.1',
    bytes: hex(`
      02                  // Type 2
      01                  // Length 1
      02 00 5e 00 53 01   // Link-Layer Address 02:00:5e:00:53:01
    `),
    option: { type: 'targetLinkLayer', address: mac('02:00:5e:00:53:01') },
  },
  {
    name: 'Prefix Information, L A P (RFC 9762)',
    rfc: 'RFC 4861 4.6.2, RFC 9762',
    bytes: hex(`
      03                  // Type 3
      04                  // Length 4 (32 octets)
      40                  // Prefix Length 64
      d0                  // L=1 A=1 R=0 P=1 (0x80|0x40|0x10), Reserved1 0
      00 27 8d 00         // Valid Lifetime 2592000 s (30 days)
      00 09 3a 80         // Preferred Lifetime 604800 s (7 days)
      00 00 00 00         // Reserved2
      20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 00 // Prefix 2001:db8:1::
    `),
    option: { type: 'prefixInformation', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: true, validLifetime: 2592000, preferredLifetime: 604800, prefix: '2001:db8:1::' },
  },
  {
    name: 'Prefix Information, R flag, reserved bits kept, infinite lifetimes',
    rfc: 'RFC 4861 4.6.2, RFC 6275 7.2',
    bytes: hex(`
      03 04               // Type 3, Length 4
      80                  // Prefix Length 128
      25                  // L=0 A=0 R=1 P=0, reserved low bits 0101
      ff ff ff ff         // Valid Lifetime infinity
      ff ff ff ff         // Preferred Lifetime infinity
      00 00 00 00         // Reserved2
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 // Router address 2001:db8::1
    `),
    option: { type: 'prefixInformation', prefixLength: 128, onLink: false, autonomous: false, routerAddress: true, dhcpv6Pd: false, reservedFlags: 5, validLifetime: 0xffffffff, preferredLifetime: 0xffffffff, prefix: '2001:db8::1' },
  },
  {
    name: 'Redirected Header',
    rfc: 'RFC 4861 4.6.3',
    bytes: hex(`
      04                  // Type 4
      02                  // Length 2 (16 octets)
      00 00 00 00 00 00   // Reserved
      60 00 00 00 00 10 3a 40 // IP header + data (first 8 bytes of the original packet)
    `),
    option: { type: 'redirectedHeader', packet: hex('60 00 00 00 00 10 3a 40') },
  },
  {
    name: 'MTU',
    rfc: 'RFC 4861 4.6.4',
    bytes: hex(`
      05 01               // Type 5, Length 1
      00 00               // Reserved
      00 00 05 dc         // MTU 1500
    `),
    option: { type: 'mtu', mtu: 1500 },
  },
  {
    name: 'Advertisement Interval',
    rfc: 'RFC 6275 7.3',
    bytes: hex(`
      07 01               // Type 7, Length 1
      00 00               // Reserved
      00 00 27 10         // Advertisement Interval 10000 ms
    `),
    option: { type: 'advertisementInterval', intervalMs: 10000 },
  },
  {
    name: 'Home Agent Information, negative preference',
    rfc: 'RFC 6275 7.4, RFC 3963 4.2',
    bytes: hex(`
      08 01               // Type 8, Length 1
      80 00               // R (mobile router support) = 1, rest reserved
      ff fe               // Home Agent Preference -2
      07 08               // Home Agent Lifetime 1800 s
    `),
    option: { type: 'homeAgentInfo', mobileRouterSupport: true, preference: -2, lifetime: 1800 },
  },
  {
    name: 'Route Information, ::/0, Length 1',
    rfc: 'RFC 4191 2.3',
    bytes: hex(`
      18 01               // Type 24, Length 1 (no prefix bytes)
      00                  // Prefix Length 0
      08                  // Resvd 000, Prf 01 (high), Resvd 000
      00 00 0e 10         // Route Lifetime 3600 s
    `),
    option: { type: 'routeInformation', prefixLength: 0, preference: 'high', lifetime: 3600, prefix: '::' },
  },
  {
    name: 'Route Information, /48, Length 2',
    rfc: 'RFC 4191 2.3',
    bytes: hex(`
      18 02               // Type 24, Length 2 (8 prefix bytes)
      30                  // Prefix Length 48
      18                  // Prf 11 (low)
      ff ff ff ff         // Route Lifetime infinity
      20 01 0d b8 00 02 00 00 // Prefix 2001:db8:2::
    `),
    option: { type: 'routeInformation', prefixLength: 48, preference: 'low', lifetime: 0xffffffff, prefix: '2001:db8:2::' },
  },
  {
    name: 'Route Information, /128, Length 3',
    rfc: 'RFC 4191 2.3',
    bytes: hex(`
      18 03               // Type 24, Length 3 (16 prefix bytes)
      80                  // Prefix Length 128
      00                  // Prf 00 (medium)
      00 00 07 08         // Route Lifetime 1800 s
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 99 // Prefix 2001:db8::99
    `),
    option: { type: 'routeInformation', prefixLength: 128, preference: 'medium', lifetime: 1800, prefix: '2001:db8::99' },
  },
  {
    name: 'RDNSS, two servers',
    rfc: 'RFC 8106 5.1',
    bytes: hex(`
      19                  // Type 25
      05                  // Length 5 = 1 + 2 per address
      00 00               // Reserved
      00 00 04 b0         // Lifetime 1200 s
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 53 // 2001:db8::53
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 35 // 2001:db8::35
    `),
    option: { type: 'rdnss', lifetime: 1200, servers: ['2001:db8::53', '2001:db8::35'] },
  },
  {
    name: 'DNSSL, two domains, padded',
    rfc: 'RFC 8106 5.2',
    bytes: hex(`
      1f                  // Type 31
      04                  // Length 4 (32 octets)
      00 00               // Reserved
      ff ff ff ff         // Lifetime infinity
      07 "example" 03 "com" 00 // example.com
      03 "lan" 00         // lan
      00 00 00 00 00 00   // Padding to the 8-octet boundary
    `),
    option: { type: 'dnssl', lifetime: 0xffffffff, domains: ['example.com', 'lan'] },
  },
  {
    name: 'Captive Portal, URI fills the option (no NUL at all)',
    rfc: 'RFC 8910 2.3',
    bytes: hex(`
      25                  // Type 37
      03                  // Length 3 (24 octets: 2 + 22-byte URI)
      "https://cp.example/api"
    `),
    option: { type: 'captivePortal', uri: 'https://cp.example/api' },
  },
  {
    name: 'Captive Portal, NUL padded',
    rfc: 'RFC 8910 2.3',
    bytes: hex(`
      25 02               // Type 37, Length 2
      "http://a/"         // URI, 9 bytes
      00 00 00 00 00      // NUL padding
    `),
    option: { type: 'captivePortal', uri: 'http://a/' },
  },
  {
    name: 'PREF64, well-known prefix /96',
    rfc: 'RFC 8781 4',
    bytes: hex(`
      26                  // Type 38
      02                  // Length 2
      07 08               // Scaled Lifetime 225 (x8 = 1800 s) << 3 | PLC 0 (/96)
      00 64 ff 9b 00 00 00 00 00 00 00 00 // Highest 96 bits: 64:ff9b::
    `),
    option: { type: 'pref64', lifetime: 1800, prefixLength: 96, prefix: '64:ff9b::' },
  },
  {
    name: 'PREF64, /56',
    rfc: 'RFC 8781 4',
    bytes: hex(`
      26 02               // Type 38, Length 2
      02 5a               // Scaled Lifetime 75 (600 s) << 3 | PLC 2 (/56)
      20 01 0d b8 00 64 00 00 00 00 00 00 // 2001:db8:64::
    `),
    option: { type: 'pref64', lifetime: 600, prefixLength: 56, prefix: '2001:db8:64::' },
  },
  {
    name: '6LoWPAN Context, 64-bit context, Length 2',
    rfc: 'RFC 6775 4.2',
    bytes: hex(`
      22                  // Type 34
      02                  // Length 2
      40                  // Context Length 64
      11                  // Res 000, C=1, CID 1
      00 00               // Reserved
      00 3c               // Valid Lifetime 60 (units of 60 s)
      20 01 0d b8 00 00 00 00 // Context Prefix 2001:db8::/64
    `),
    option: { type: 'lowpanContext', contextLength: 64, compression: true, contextId: 1, lifetime: 60, prefix: '2001:db8::' },
  },
  {
    name: '6LoWPAN Context, 128-bit context, Length 3',
    rfc: 'RFC 6775 4.2',
    bytes: hex(`
      22 03               // Type 34, Length 3
      80                  // Context Length 128
      0f                  // C=0, CID 15
      00 00               // Reserved
      ff ff               // Valid Lifetime 65535
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 07 // Context Prefix 2001:db8::7
    `),
    option: { type: 'lowpanContext', contextLength: 128, compression: false, contextId: 15, lifetime: 0xffff, prefix: '2001:db8::7' },
  },
  {
    name: 'Authoritative Border Router',
    rfc: 'RFC 6775 4.3',
    bytes: hex(`
      23                  // Type 35
      03                  // Length 3
      00 01               // Version Low 1
      00 02               // Version High 2
      00 0a               // Valid Lifetime 10 (units of 60 s)
      fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 // 6LBR Address fe80::1
    `),
    option: { type: 'abro', versionLow: 1, versionHigh: 2, validLifetime: 10, address: 'fe80::1' },
  },
  {
    name: 'Unknown option type 253 (experimental), body kept verbatim',
    rfc: 'RFC 4861 4.6 (unrecognized options are skipped)',
    bytes: hex(`
      fd                  // Type 253 (RFC 4727 experiment)
      01                  // Length 1
      de ad be ef 00 01   // Body
    `),
    option: { type: 'unknown', code: 253, body: hex('de ad be ef 00 01') },
  },
];


export const messageVectors: readonly MessageVector[] = [
  {
    name: 'Router Solicitation with SLLAO',
    rfc: 'RFC 4861 4.1',
    bytes: hex(`
      85                  // Type 133
      00                  // Code 0
      00 00               // Checksum (the kernel's)
      00 00 00 00         // Reserved
      01 01 52 54 00 12 34 56 // SLLAO 52:54:00:12:34:56
    `),
    message: { type: 'rs', options: [{ type: 'sourceLinkLayer', address: mac('52:54:00:12:34:56') }] },
  },
  {
    name: 'Router Advertisement, bare header',
    rfc: 'RFC 4861 4.2',
    bytes: hex(`
      86 00 00 00         // Type 134, Code 0, Checksum
      ff                  // Cur Hop Limit 255
      00                  // M=0 O=0 H=0 Prf=00 P=0 Reserved=00
      00 00               // Router Lifetime 0 (not a default router)
      00 00 00 00         // Reachable Time unspecified
      00 00 00 00         // Retrans Timer unspecified
    `),
    message: { type: 'ra', curHopLimit: 255, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false, routerLifetime: 0, reachableTime: 0, retransTimer: 0, options: [] },
  },
  {
    name: 'Router Advertisement, M H Prf=low, reserved bits kept',
    rfc: 'RFC 4861 4.2, RFC 4191 2.2, RFC 6275 7.1',
    bytes: hex(`
      86 00 00 00         // Type 134, Code 0, Checksum
      40                  // Cur Hop Limit 64
      bb                  // M=1 O=0 H=1 Prf=11 (low) P=0 Reserved=11
      ff ff               // Router Lifetime 65535
      00 00 75 30         // Reachable Time 30000 ms
      00 00 03 e8         // Retrans Timer 1000 ms
    `),
    message: { type: 'ra', curHopLimit: 64, managed: true, other: false, homeAgent: true, preference: 'low', proxy: false, reservedFlags: 3, routerLifetime: 65535, reachableTime: 30000, retransTimer: 1000, options: [] },
  },
  {
    name: 'Router Advertisement carrying the newer options together',
    rfc: 'RFC 4861 4.2 with RFC 4191, 8106, 8910, 8781, 9762, 6275, 4389',
    bytes: hex(`
      86 00 00 00         // Type 134, Code 0, Checksum
      40                  // Cur Hop Limit 64
      4c                  // M=0 O=1 H=0 Prf=01 (high) P=1 (proxy, RFC 4389) Reserved=00
      07 08               // Router Lifetime 1800 s
      00 00 00 00         // Reachable Time unspecified
      00 00 00 00         // Retrans Timer unspecified
      // SLLAO
      01 01 52 54 00 aa bb cc
      // MTU 1480
      05 01 00 00 00 00 05 c8
      // PIO 2001:db8:1::/64, L A P, valid 86400 (0x15180), preferred 14400 (0x3840)
      03 04 40 d0 00 01 51 80 00 00 38 40 00 00 00 00
      20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 00
      // RIO 2001:db8:ff::/48, Prf high, lifetime 1800
      18 02 30 08 00 00 07 08 20 01 0d b8 00 ff 00 00
      // RDNSS 2001:db8:1::53, lifetime 1800 (Length 3)
      19 03 00 00 00 00 07 08
      20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 53
      // DNSSL home.arpa, lifetime 1800: 04 "home" 04 "arpa" 00 = 11 bytes, 8 + 11 = 19 -> Length 3, 5 bytes padding
      1f 03 00 00 00 00 07 08 04 "home" 04 "arpa" 00 00 00 00 00 00
      // Captive Portal "https://portal/" (15 bytes) + 7 NULs -> Length 3
      25 03 "https://portal/" 00 00 00 00 00 00 00
      // PREF64 64:ff9b::/96, lifetime 600 (scaled 75 = 0x4b, 0x4b << 3 = 0x258, PLC 0)
      26 02 02 58 00 64 ff 9b 00 00 00 00 00 00 00 00
      // Advertisement Interval 600000 ms (0x927c0)
      07 01 00 00 00 09 27 c0
    `),
    message: {
      type: 'ra',
      curHopLimit: 64,
      managed: false,
      other: true,
      homeAgent: false,
      preference: 'high',
      proxy: true,
      routerLifetime: 1800,
      reachableTime: 0,
      retransTimer: 0,
      options: [
        { type: 'sourceLinkLayer', address: mac('52:54:00:aa:bb:cc') },
        { type: 'mtu', mtu: 1480 },
        { type: 'prefixInformation', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: true, validLifetime: 86400, preferredLifetime: 14400, prefix: '2001:db8:1::' },
        { type: 'routeInformation', prefixLength: 48, preference: 'high', lifetime: 1800, prefix: '2001:db8:ff::' },
        { type: 'rdnss', lifetime: 1800, servers: ['2001:db8:1::53'] },
        { type: 'dnssl', lifetime: 1800, domains: ['home.arpa'] },
        { type: 'captivePortal', uri: 'https://portal/' },
        { type: 'pref64', lifetime: 600, prefixLength: 96, prefix: '64:ff9b::' },
        { type: 'advertisementInterval', intervalMs: 600000 },
      ],
    },
  },
  {
    name: 'Neighbor Solicitation (address resolution)',
    rfc: 'RFC 4861 4.3',
    bytes: hex(`
      87 00 00 00         // Type 135, Code 0, Checksum
      00 00 00 00         // Reserved
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 // Target 2001:db8::1
      01 01 52 54 00 12 34 56 // SLLAO
    `),
    message: { type: 'ns', target: '2001:db8::1', options: [{ type: 'sourceLinkLayer', address: mac('52:54:00:12:34:56') }] },
  },
  {
    name: 'Neighbor Advertisement, R S O',
    rfc: 'RFC 4861 4.4',
    bytes: hex(`
      88 00 00 00         // Type 136, Code 0, Checksum
      e0 00 00 00         // R=1 S=1 O=1, Reserved 29 bits
      fe 80 00 00 00 00 00 00 50 54 00 ff fe 12 34 56 // Target fe80::5054:ff:fe12:3456
      02 01 52 54 00 12 34 56 // TLLAO
    `),
    message: { type: 'na', router: true, solicited: true, override: true, target: 'fe80::5054:ff:fe12:3456', options: [{ type: 'targetLinkLayer', address: mac('52:54:00:12:34:56') }] },
  },
  {
    name: 'Neighbor Advertisement, unsolicited, no options',
    rfc: 'RFC 4861 4.4',
    bytes: hex(`
      88 00 00 00         // Type 136, Code 0, Checksum
      20 00 00 00         // R=0 S=0 O=1
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02 // Target 2001:db8::2
    `),
    message: { type: 'na', router: false, solicited: false, override: true, target: '2001:db8::2', options: [] },
  },
  {
    name: 'Redirect with Redirected Header',
    rfc: 'RFC 4861 4.5',
    bytes: hex(`
      89 00 00 00         // Type 137, Code 0, Checksum
      00 00 00 00         // Reserved
      fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 // Target fe80::2 (better first hop)
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 99 // Destination 2001:db8::99
      04 02 00 00 00 00 00 00 60 00 00 00 00 10 3a 40 // Redirected Header, 8 bytes of the packet
    `),
    message: { type: 'redirect', target: 'fe80::2', destination: '2001:db8::99', options: [{ type: 'redirectedHeader', packet: hex('60 00 00 00 00 10 3a 40') }] },
  },
];

