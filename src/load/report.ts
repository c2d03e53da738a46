// The --report file: the URLs side by side, readable without the terminal. One SVG (bars for
// throughput with the rounds' range as whiskers, a latency percentile plot on HdrHistogram's
// 1/(1-p) axis, log ms), alone for .svg or inside an HTML page with a numbers table for .html.
// Pure string building (no I/O).

import type { Spread, UrlSummary } from "./summary.js";
import { describeSettings, formatCount, formatMs } from "./table.js";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const WIDTH = 960;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : "0";
}

interface BarChart {
  title: string;
  values: Array<Spread | null>;
  format: (n: number) => string;
  kind: string;
}

/** One bar chart: a bar per URL (median), a whisker for the rounds' min..max. */
function barChart(c: BarChart, x: number, y: number, w: number, h: number): string {
  // headroom above the tallest bar (or whisker) for its label
  const top = 1.15 * Math.max(1e-9, ...c.values.map((v) => (v ? v.max : 0)));
  const n = c.values.length;
  const plotTop = y + 28;
  const plotH = h - 28 - 20;
  const slot = w / n;
  const barW = Math.min(80, slot * 0.6);
  const parts = [`<g class="chart" data-kind="${esc(c.kind)}">`,
    `<text x="${x}" y="${y + 16}" font-size="14" font-weight="bold">${esc(c.title)}</text>`,
    `<line x1="${x}" y1="${plotTop + plotH}" x2="${x + w}" y2="${plotTop + plotH}" stroke="#888"/>`];
  c.values.forEach((v, i) => {
    const cx = x + slot * i + slot / 2;
    const color = COLORS[i % COLORS.length];
    if (!v) {
      parts.push(`<text x="${num(cx)}" y="${num(plotTop + plotH - 4)}" font-size="12" text-anchor="middle" fill="#a00">failed</text>`);
      return;
    }
    const bh = (v.median / top) * plotH;
    parts.push(`<rect class="bar" data-value="${num(v.median)}" x="${num(cx - barW / 2)}" y="${num(plotTop + plotH - bh)}" width="${num(barW)}" height="${num(bh)}" fill="${color}"/>`);
    if (v.max > v.min) {
      const y1 = plotTop + plotH - (v.max / top) * plotH;
      const y2 = plotTop + plotH - (v.min / top) * plotH;
      parts.push(`<path class="range" d="M${num(cx)} ${num(y1)}V${num(y2)}M${num(cx - 8)} ${num(y1)}h16M${num(cx - 8)} ${num(y2)}h16" stroke="#000" fill="none"/>`);
    }
    parts.push(`<text x="${num(cx)}" y="${num(plotTop + plotH - bh - 4)}" font-size="12" text-anchor="middle">${esc(c.format(v.median))}</text>`);
    parts.push(`<text x="${num(cx)}" y="${num(plotTop + plotH + 14)}" font-size="11" text-anchor="middle">${i + 1}</text>`);
  });
  parts.push("</g>");
  return parts.join("\n");
}

/** HdrHistogram's percentile axis: x = log10(1 / (1 - p)), so 90, 99, 99.9 ... are equally spaced. */
function percentileX(p: number): number {
  return p >= 100 ? 5 : Math.min(5, Math.log10(1 / (1 - p / 100)));
}

function percentilePlot(all: readonly UrlSummary[], x: number, y: number, w: number, h: number): string {
  const plotTop = y + 28;
  const plotH = h - 28 - 30;
  const left = x + 50;
  const plotW = w - 60;
  // log scale in ms, whole decades: the low percentiles stay readable next to the tail
  const values = all.flatMap((u) => u.latencyMs.distribution.map(([, v]) => v)).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.max(1e-3, Math.min(1, ...values))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(1e-3, ...values))));
  const px = (p: number) => left + (percentileX(p) / 5) * plotW;
  const py = (v: number) => plotTop + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
  const parts = [`<g class="chart" data-kind="percentiles">`,
    `<text x="${x}" y="${y + 16}" font-size="14" font-weight="bold">Latency by percentile (ms, log scale)</text>`,
    `<line x1="${left}" y1="${plotTop + plotH}" x2="${left + plotW}" y2="${plotTop + plotH}" stroke="#888"/>`,
    `<line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotTop + plotH}" stroke="#888"/>`];
  for (const [p, label] of [[0, "0%"], [90, "90%"], [99, "99%"], [99.9, "99.9%"], [99.99, "99.99%"], [100, "max"]] as const) {
    parts.push(`<text x="${num(px(p))}" y="${num(plotTop + plotH + 16)}" font-size="11" text-anchor="middle">${label}</text>`);
  }
  for (let k = lo; k <= hi; k++) {
    const v = 10 ** k;
    parts.push(`<line x1="${left}" y1="${num(py(v))}" x2="${left + plotW}" y2="${num(py(v))}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 6}" y="${num(py(v) + 4)}" font-size="11" text-anchor="end">${esc(k < 0 ? v.toFixed(-k) : String(v))}</text>`);
  }
  all.forEach((u, i) => {
    const d = u.latencyMs.distribution;
    if (!d.length) return;
    const color = COLORS[i % COLORS.length];
    const path = d.map(([p, v], j) => `${j ? "L" : "M"}${num(px(p))} ${num(py(v))}`).join("");
    parts.push(`<path class="percentile" data-url="${esc(u.url)}" d="${path}" stroke="${color}" stroke-width="2" fill="none"/>`);
    for (const [p, v] of d) {
      if (p === 50 || p === 99 || p === 99.9) {
        parts.push(`<circle cx="${num(px(p))}" cy="${num(py(v))}" r="3" fill="${color}"><title>${esc(`${u.url} p${p}: ${formatMs(v)} ms`)}</title></circle>`);
      }
    }
  });
  parts.push("</g>");
  return parts.join("\n");
}

/** The whole picture as one SVG document. */
export function reportSvg(all: readonly UrlSummary[]): string {
  const ok = (u: UrlSummary, s: Spread) => (u.handshakes.count > 0 ? s : null);
  const charts: BarChart[] = [
    { title: "Messages received per second", kind: "received-per-sec", values: all.map((u) => ok(u, u.received.messagesPerSec)), format: formatCount },
    { title: "Messages sent per second", kind: "sent-per-sec", values: all.map((u) => ok(u, u.sent.messagesPerSec)), format: formatCount },
    { title: "MB/s received", kind: "received-mb-per-sec", values: all.map((u) => ok(u, u.received.megabytesPerSec)), format: (n) => n.toFixed(2) },
    { title: "MB/s sent", kind: "sent-mb-per-sec", values: all.map((u) => ok(u, u.sent.megabytesPerSec)), format: (n) => n.toFixed(2) },
    { title: "Handshakes per second", kind: "handshakes-per-sec", values: all.map((u) => ok(u, u.handshakes.perSec)), format: formatCount },
    { title: "Generator CPU (% of one core)", kind: "cpu", values: all.map((u) => ok(u, u.cpu.percentOfOneCore)), format: (n) => `${n.toFixed(0)}%` },
  ];
  const legendH = 20 * all.length + 40;
  const chartH = 200;
  const colW = WIDTH / 2;
  const rows = Math.ceil(charts.length / 2);
  const plotY = legendH + rows * chartH;
  const height = plotY + 320;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">wsat load</text>`,
    `<text x="120" y="22" font-size="12">${all[0] ? esc(describeSettings(all[0])) : ""}</text>`];
  all.forEach((u, i) => {
    const ly = 44 + 20 * i;
    parts.push(`<rect x="10" y="${ly - 11}" width="14" height="14" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text class="legend" x="30" y="${ly}" font-size="12">${i + 1}. ${esc(u.url)}${u.ok ? "" : ` FAILED: ${esc(u.failure ?? "")}`}</text>`);
  });
  charts.forEach((c, k) => {
    parts.push(barChart(c, 10 + (k % 2) * colW, legendH + Math.floor(k / 2) * chartH, colW - 30, chartH - 10));
  });
  parts.push(percentilePlot(all, 10, plotY, WIDTH - 20, 310));
  parts.push("</svg>");
  return parts.join("\n");
}

/** An HTML page: the numbers in a table, then the SVG. */
export function reportHtml(all: readonly UrlSummary[], command?: string): string {
  const head = ["#", "URL", "msg/s recv", "msg/s sent", "MB/s recv", "MB/s sent", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "handshakes/s", "errors", "generator CPU"];
  const range = (s: Spread, f: (n: number) => string) => (s.max > s.min ? `${f(s.median)} <small>(${f(s.min)}–${f(s.max)})</small>` : f(s.median));
  const rows = all.map((u, i) => {
    const errors = Object.entries(u.errors).map(([k, n]) => `${esc(k)}: ${n}`).join(", ") || "none";
    return `<tr${u.ok ? "" : ' class="failed"'}><td>${i + 1}</td><td>${esc(u.url)}${u.ok ? "" : `<br><b>FAILED</b>: ${esc(u.failure ?? "")}`}</td>` +
      `<td>${range(u.received.messagesPerSec, formatCount)}</td><td>${range(u.sent.messagesPerSec, formatCount)}</td>` +
      `<td>${range(u.received.megabytesPerSec, (n) => n.toFixed(2))}</td><td>${range(u.sent.megabytesPerSec, (n) => n.toFixed(2))}</td>` +
      `<td>${formatMs(u.latencyMs.p50)}</td><td>${formatMs(u.latencyMs.p90)}</td><td>${formatMs(u.latencyMs.p99)}</td>` +
      `<td>${formatMs(u.latencyMs.p999)}</td><td>${formatMs(u.latencyMs.max)}</td><td>${range(u.handshakes.perSec, formatCount)}</td>` +
      `<td>${errors}</td><td>${range(u.cpu.percentOfOneCore, (n) => `${n.toFixed(0)}%`)}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wsat load report</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:nth-child(2){text-align:left}tr.failed{background:#fee}small{color:#666}</style>
</head><body>
<h1>wsat load</h1>
<p>${all[0] ? esc(describeSettings(all[0])) : ""}</p>
${command ? `<p><code>${esc(command)}</code></p>` : ""}
<table id="numbers"><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
${reportSvg(all)}
</body></html>
`;
}
