/**
 * A run's result as text (the timeline and the verdict, for the terminal) and as an SVG
 * picture: one band per lane, events as marks (hover for the text), series as step lines,
 * chains as arrows from the failure. Pure functions of a ScenarioResult.
 */
import { LANES, fmtMs, type ChainStep, type Lane, type ScenarioResult, type Series } from './timeline';

const LANE_TITLE: Record<Lane, string> = {
  failure: 'failure (lab)',
  daemon: 'daemons say',
  wire: 'on the wire',
  host: 'host kernel',
  data: 'host traffic',
};

function rel(r: ScenarioResult, tUs: number): string {
  return `${((tUs - r.startUs) / 1e6).toFixed(3).padStart(8)} s`;
}

/** The timeline and verdict as lines of text. */
export function renderText(r: ScenarioResult): string {
  const out: string[] = [];
  out.push(`\nTimeline of ${r.scenario} (${r.fast ? 'fast setting' : 'full run'}), from the start of the run:`);
  for (const e of r.events) out.push(`${rel(r, e.tUs)}  ${e.lane.padEnd(7)} ${e.key === true ? '>>> ' : ''}${e.what}`);
  if (r.chains.length > 0) {
    out.push('\nEnd to end (from the failure; captures: kernel timestamps; ip monitor and ping -D: stamped as they read the kernel):');
    for (const c of r.chains) {
      out.push(`  ${c.name}:`);
      out.push(...chainLines(c.startUs, c.steps).map((l) => `  ${l}`));
    }
  }
  out.push(`\nVerdict of ${r.scenario}: ${r.verdict === 'pass' ? 'PASS' : 'FAIL'} (${r.checks.filter((c) => c.pass).length} of ${r.checks.length} checks)`);
  for (const c of r.checks) out.push(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (r.error !== undefined) out.push(`  error: ${r.error}`);
  return `${out.join('\n')}\n`;
}

/**
 * A chain's steps, each with its time from the failure and, after the first, from the step
 * before that was seen: "+6.2 ms (+0.1)  host kernel deletes the route".
 */
export function chainLines(startUs: number, steps: readonly ChainStep[]): string[] {
  let prev: number | undefined;
  return steps.map((s) => {
    if (s.tUs === undefined) return `  ${'not seen'.padStart(9)}              ${s.what}`;
    const fromStart = `${s.tUs < startUs ? '' : '+'}${fmtMs((s.tUs - startUs) / 1000)}`.padStart(9);
    const fromPrev = prev === undefined || s.tUs < prev ? '' : `(+${fmtMs((s.tUs - prev) / 1000)})`;
    if (s.tUs >= startUs) prev = s.tUs;
    return `  ${fromStart} ${fromPrev.padEnd(12)} ${s.what}`;
  });
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const COLORS: Record<Lane, string> = { failure: '#c0392b', daemon: '#7f8c8d', wire: '#2471a3', host: '#1e8449', data: '#8e44ad' };

/** The run as an SVG document. */
export function renderSvg(r: ScenarioResult): string {
  const W = 1200;
  const left = 150;
  const right = 20;
  const laneH = 46;
  const seriesH = 46;
  const top = 56;
  const span = Math.max(1, r.endUs - r.startUs);
  const x = (tUs: number): number => left + ((tUs - r.startUs) / span) * (W - left - right);
  const seriesByLane = new Map<Lane, Series[]>();
  for (const s of r.series) seriesByLane.set(s.lane, [...(seriesByLane.get(s.lane) ?? []), s]);
  const rows: Array<{ lane: Lane; series?: Series; y: number; h: number }> = [];
  let y = top;
  for (const lane of LANES) {
    rows.push({ lane, y, h: laneH });
    y += laneH;
    for (const s of seriesByLane.get(lane) ?? []) {
      rows.push({ lane, series: s, y, h: seriesH });
      y += seriesH;
    }
  }
  const H = y + 40;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="10" y="20" font-size="15" font-weight="bold">${esc(`firsthop lab run ${r.scenario}: ${r.verdict === 'pass' ? 'PASS' : 'FAIL'}`)}</text>`);
  parts.push(`<text x="10" y="38" fill="#444">${esc(r.title)}${r.fast ? ' (fast setting)' : ''}</text>`);
  for (const row of rows) {
    parts.push(`<rect x="${left}" y="${row.y}" width="${W - left - right}" height="${row.h}" fill="${row.series === undefined ? '#f7f9fb' : '#fdfdfd'}" stroke="#dde"/>`);
    if (row.series === undefined) {
      parts.push(`<text x="10" y="${row.y + row.h / 2 + 4}" font-weight="bold" fill="${COLORS[row.lane]}">${esc(LANE_TITLE[row.lane])}</text>`);
      const evs = r.events.filter((e) => e.lane === row.lane);
      let lastLabelEnd = -Infinity; // right edge of the last label drawn on this lane
      for (const e of evs) {
        const ex = x(e.tUs);
        parts.push(`<circle cx="${ex.toFixed(1)}" cy="${row.y + 14}" r="${e.key === true ? 5 : 3.5}" fill="${COLORS[row.lane]}"><title>${esc(`${fmtMs((e.tUs - r.startUs) / 1000)}: ${e.what} [${e.source}]`)}</title></circle>`);
        // A label is about 180 px wide: drawn after its mark, or before it near the right edge.
        const end = ex > W - right - 180;
        const from = end ? ex - 184 : ex + 4;
        if (from > lastLabelEnd + 6) {
          parts.push(`<text x="${(end ? ex - 4 : ex + 4).toFixed(1)}" y="${row.y + 34}" fill="#333" font-size="9"${end ? ' text-anchor="end"' : ''}>${esc(short(e.what))}</text>`);
          lastLabelEnd = from + 180;
        }
      }
    } else {
      const s = row.series;
      parts.push(`<text x="10" y="${row.y + 14}" fill="${COLORS[row.lane]}" font-size="10">${esc(shorten(s.name, 26))}</text>`);
      const max = Math.max(1, ...s.points.map((p) => p.value));
      parts.push(`<text x="10" y="${row.y + 28}" fill="#888" font-size="9">0..${max} ${esc(s.unit)}</text>`);
      const yv = (v: number): number => row.y + row.h - 4 - (v / max) * (row.h - 10);
      let d = '';
      let prevY: number | undefined;
      for (const p of s.points) {
        const px = x(p.tUs);
        const py = yv(p.value);
        d += prevY === undefined ? `M${px.toFixed(1)},${py.toFixed(1)}` : ` L${px.toFixed(1)},${prevY.toFixed(1)} L${px.toFixed(1)},${py.toFixed(1)}`;
        prevY = py;
      }
      if (prevY !== undefined) d += ` L${x(r.endUs).toFixed(1)},${prevY.toFixed(1)}`;
      parts.push(`<path d="${d}" fill="none" stroke="${COLORS[row.lane]}" stroke-width="1.5"><title>${esc(s.name)}</title></path>`);
    }
  }
  // Failures: full-height red lines over the lanes.
  for (const e of r.events.filter((ev) => ev.lane === 'failure' && ev.key === true)) {
    parts.push(`<line x1="${x(e.tUs).toFixed(1)}" y1="${top}" x2="${x(e.tUs).toFixed(1)}" y2="${y}" stroke="#c0392b" stroke-dasharray="4 3" stroke-width="1"><title>${esc(e.what)}</title></line>`);
  }
  // Time axis.
  const secs = span / 1e6;
  const step = [0.5, 1, 2, 5, 10, 20, 30, 60].find((st) => secs / st <= 14) ?? 120;
  for (let t = 0; t <= secs + 1e-9; t += step) {
    const tx = x(r.startUs + t * 1e6);
    parts.push(`<line x1="${tx.toFixed(1)}" y1="${y}" x2="${tx.toFixed(1)}" y2="${y + 5}" stroke="#555"/><text x="${tx.toFixed(1)}" y="${y + 17}" text-anchor="middle" fill="#555">${t % 1 === 0 ? t.toFixed(0) : t.toFixed(1)} s</text>`);
  }
  parts.push(`<text x="10" y="${y + 32}" fill="#555" font-size="10">${esc(`verdict: ${r.checks.filter((c) => c.pass).length}/${r.checks.length} checks; times from tcpdump kernel timestamps, ip monitor and ping -D`)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function shorten(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function short(what: string): string {
  return shorten(what.replace(/\(fe80::[0-9a-f:]+\)/g, '').replace(/\s+/g, ' '), 40);
}
