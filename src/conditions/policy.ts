/**
 * Where a policy's field lands in the RA builder (src/ra/build.ts): the builder's field
 * strings, by block. RFC 8475 3.1.2: conditional RAs change the PIO preferred lifetime (never
 * the valid lifetime), and may change the RDNSS lifetime; firsthop also lets them drive the
 * router lifetime and preference, RIO lifetime and preference, and the DNSSL lifetime.
 */
import type { InterfaceConfig } from '../config/types';
import type { PolicyConfig, PolicyField } from './types';

/** The block a policy is written in, with what names its items in the builder. */
export type PolicyBlock =
  | { readonly kind: 'interface' }
  | { readonly kind: 'prefix'; readonly prefix: string; readonly prefixLength: number }
  | { readonly kind: 'route'; readonly prefix: string; readonly prefixLength: number }
  | { readonly kind: 'rdnss'; readonly servers: readonly string[] }
  | { readonly kind: 'dnssl'; readonly domains: readonly string[] };

/** The builder's field for `field` in `block`, or undefined when the field does not belong there. */
export function overrideKey(block: PolicyBlock, field: PolicyField): string | undefined {
  switch (field) {
    case 'AdvDefaultLifetime':
      return block.kind === 'interface' ? 'routerLifetime' : undefined;
    case 'AdvDefaultPreference':
      return block.kind === 'interface' ? 'routerPreference' : undefined;
    case 'AdvPreferredLifetime':
      // RFC 8475 3.1.2: "only the preferred lifetime for the affected prefix needs to be changed".
      return block.kind === 'prefix' ? `prefix ${block.prefix}/${block.prefixLength} preferredLifetime` : undefined;
    case 'AdvRouteLifetime':
      return block.kind === 'route' ? `route ${block.prefix}/${block.prefixLength} lifetime` : undefined;
    case 'AdvRoutePreference':
      return block.kind === 'route' ? `route ${block.prefix}/${block.prefixLength} preference` : undefined;
    case 'AdvRDNSSLifetime':
      return block.kind === 'rdnss' ? `rdnss ${block.servers.join(',')} lifetime` : undefined;
    case 'AdvDNSSLLifetime':
      return block.kind === 'dnssl' ? `dnssl ${block.domains.join(',')} lifetime` : undefined;
  }
}

/** Every policy of an interface with its block, in file order: the interface's own first, then prefixes, routes, RDNSS, DNSSL. */
export function policiesOf(iface: InterfaceConfig): Array<{ readonly block: PolicyBlock; readonly policy: PolicyConfig }> {
  const out: Array<{ block: PolicyBlock; policy: PolicyConfig }> = [];
  for (const policy of iface.policies ?? []) out.push({ block: { kind: 'interface' }, policy });
  for (const p of iface.prefixes) for (const policy of p.policies ?? []) out.push({ block: { kind: 'prefix', prefix: p.prefix, prefixLength: p.prefixLength }, policy });
  for (const r of iface.routes) for (const policy of r.policies ?? []) out.push({ block: { kind: 'route', prefix: r.prefix, prefixLength: r.prefixLength }, policy });
  for (const d of iface.rdnss) for (const policy of d.policies ?? []) out.push({ block: { kind: 'rdnss', servers: d.servers }, policy });
  for (const d of iface.dnssl) for (const policy of d.policies ?? []) out.push({ block: { kind: 'dnssl', domains: d.domains }, policy });
  return out;
}
