// The --report file: the URLs side by side, readable without the terminal and fit for a pull
// request. One SVG: bar charts with a y axis (ticks, unit), the rounds' range as whiskers and the
// value above both (never struck through), and a latency percentile plot on HdrHistogram's
// 1/(1-p) axis with log ms; alone for .svg, or in an HTML page with the numbers table, the
// connections asked for and opened, and a footer recording wsat's version, the runtime, the CPU,
// the date and every setting. The SVG scales to the page's width. Pure string building (no I/O).

import type { Spread, SummarySettings, UrlSummary } from "./summary.js";
import { describeSettings, formatCount, formatMs } from "./table.js";

/** Where and how the report was made (the shell gathers it). */
export interface ReportContext {
  command: string;
  version: string;
  runtime: string;
  cpu: string;
  date: string;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const WIDTH = 960;
const AXIS = "#555";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : "0";
}

/** 1, 2 or 5 times a power of ten: the step of about `count` ticks from 0 to `max`. */
export function niceStep(max: number, count = 4): number {
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

interface BarChart {
  title: string;
  unit: string;
  values: Array<Spread | null>;
  format: (n: number) => string;
  kind: string;
}

/** One bar chart: a bar per URL (median), a whisker for the rounds' min..max, the value above both. */
function barChart(c: BarChart, x: number, y: number, w: number, h: number): string {
  const n = c.values.length;
  const left = x + 48;
  const plotW = w - 48;
  const plotTop = y + 40;
  const plotH = h - 40 - 22;
  const highest = Math.max(0, ...c.values.map((v) => (v ? v.max : 0)));
  const step = highest > 0 ? niceStep(highest) : 1;
  const top = Math.max(step, Math.ceil((highest * 1.12) / step) * step);
  const yOf = (v: number) => plotTop + plotH - (v / top) * plotH;
  const slot = plotW / n;
  const barW = Math.min(80, slot * 0.6);
  const parts = [`<g class="chart" data-kind="${esc(c.kind)}">`,
    `<text x="${x}" y="${y + 16}" font-size="14" font-weight="bold">${esc(c.title)}</text>`,
    `<text class="axis-title" x="${x}" y="${y + 31}" font-size="11" fill="${AXIS}">${esc(c.unit)}</text>`];
  for (let t = 0; t <= top + step / 2; t += step) {
    parts.push(`<line x1="${left}" y1="${num(yOf(t))}" x2="${left + plotW}" y2="${num(yOf(t))}" stroke="${t ? "#eee" : "#888"}"/>`);
    parts.push(`<text class="tick" x="${left - 5}" y="${num(yOf(t) + 4)}" font-size="10" text-anchor="end" fill="${AXIS}">${esc(c.format(t))}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotTop + plotH}" stroke="#888"/>`);
  c.values.forEach((v, i) => {
    const cx = left + slot * i + slot / 2;
    parts.push(`<text x="${num(cx)}" y="${num(plotTop + plotH + 14)}" font-size="11" text-anchor="middle">${i + 1}</text>`);
    if (!v) {
      parts.push(`<text x="${num(cx)}" y="${num(plotTop + plotH - 4)}" font-size="11" text-anchor="middle" fill="#a00">failed</text>`);
      return;
    }
    const barTop = yOf(v.median);
    parts.push(`<rect class="bar" data-value="${num(v.median)}" x="${num(cx - barW / 2)}" y="${num(barTop)}" width="${num(barW)}" height="${num(plotTop + plotH - barTop)}" fill="${COLORS[i % COLORS.length]}"/>`);
    let labelY = barTop - 4;
    if (v.max > v.min) {
      const y1 = yOf(v.max);
      const y2 = yOf(v.min);
      parts.push(`<path class="range" d="M${num(cx)} ${num(y1)}V${num(y2)}M${num(cx - 6)} ${num(y1)}h12M${num(cx - 6)} ${num(y2)}h12" stroke="#000" fill="none"/>`);
      labelY = Math.min(labelY, y1 - 4);
    }
    // the label sits above the bar and its whisker, in a box of the slot's width
    parts.push(`<text class="value" x="${num(cx)}" y="${num(labelY)}" font-size="${slot < 60 ? 9 : 11}" text-anchor="middle">${esc(c.format(v.median))}</text>`);
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
  const plotH = h - 28 - 40;
  const left = x + 60;
  const plotW = w - 70;
  // log scale in ms, whole decades: the low percentiles stay readable next to the tail
  const values = all.flatMap((u) => u.latencyMs.distribution.map(([, v]) => v)).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.max(1e-3, Math.min(1, ...values))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(1e-3, ...values))));
  const px = (p: number) => left + (percentileX(p) / 5) * plotW;
  const py = (v: number) => plotTop + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
  const parts = [`<g class="chart" data-kind="percentiles">`,
    `<text x="${x}" y="${y + 16}" font-size="14" font-weight="bold">Latency by percentile (log scale)</text>`,
    `<line x1="${left}" y1="${plotTop + plotH}" x2="${left + plotW}" y2="${plotTop + plotH}" stroke="#888"/>`,
    `<line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotTop + plotH}" stroke="#888"/>`,
    `<text class="axis-title" x="${x + 12}" y="${num(plotTop + plotH / 2)}" font-size="11" fill="${AXIS}" text-anchor="middle" transform="rotate(-90 ${x + 12} ${num(plotTop + plotH / 2)})">latency (ms)</text>`,
    `<text class="axis-title" x="${num(left + plotW / 2)}" y="${num(plotTop + plotH + 34)}" font-size="11" fill="${AXIS}" text-anchor="middle">percentile</text>`];
  for (const [p, label] of [[0, "0%"], [90, "90%"], [99, "99%"], [99.9, "99.9%"], [99.99, "99.99%"], [100, "max"]] as const) {
    parts.push(`<line x1="${num(px(p))}" y1="${plotTop}" x2="${num(px(p))}" y2="${plotTop + plotH}" stroke="#f3f3f3"/>`);
    parts.push(`<text class="tick" x="${num(px(p))}" y="${num(plotTop + plotH + 16)}" font-size="11" text-anchor="middle">${label}</text>`);
  }
  for (let k = lo; k <= hi; k++) {
    const v = 10 ** k;
    parts.push(`<line x1="${left}" y1="${num(py(v))}" x2="${left + plotW}" y2="${num(py(v))}" stroke="#eee"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${num(py(v) + 4)}" font-size="11" text-anchor="end">${esc(k < 0 ? v.toFixed(-k) : String(v))}</text>`);
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

/** The whole picture as one SVG document (it scales to the width it is given). */
export function reportSvg(all: readonly UrlSummary[], context?: ReportContext): string {
  const ok = (u: UrlSummary, s: Spread) => (u.handshakes.count > 0 ? s : null);
  const charts: BarChart[] = [
    { title: "Messages received", unit: "messages per second", kind: "received-per-sec", values: all.map((u) => ok(u, u.received.messagesPerSec)), format: formatCount },
    { title: "Messages sent", unit: "messages per second", kind: "sent-per-sec", values: all.map((u) => ok(u, u.sent.messagesPerSec)), format: formatCount },
    { title: "Payload received", unit: "MB per second", kind: "received-mb-per-sec", values: all.map((u) => ok(u, u.received.megabytesPerSec)), format: (n) => n.toFixed(n >= 10 ? 0 : 2) },
    { title: "Payload sent", unit: "MB per second", kind: "sent-mb-per-sec", values: all.map((u) => ok(u, u.sent.megabytesPerSec)), format: (n) => n.toFixed(n >= 10 ? 0 : 2) },
    { title: "Handshakes", unit: "handshakes per second", kind: "handshakes-per-sec", values: all.map((u) => ok(u, u.handshakes.perSec)), format: formatCount },
    { title: "Generator CPU", unit: "% of one core", kind: "cpu", values: all.map((u) => ok(u, u.cpu.percentOfOneCore)), format: (n) => `${n.toFixed(0)}%` },
  ];
  const legendH = 20 * all.length + 44;
  const chartH = 220;
  const colW = WIDTH / 2;
  const rows = Math.ceil(charts.length / 2);
  const plotY = legendH + rows * chartH;
  const footerH = context ? 40 : 0;
  const height = plotY + 340 + footerH;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" style="max-width:100%;height:auto">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">wsat load</text>`,
    `<text x="10" y="40" font-size="11" fill="${AXIS}">${all[0] ? esc(describeSettings(all[0])) : ""}</text>`];
  all.forEach((u, i) => {
    const ly = 62 + 20 * i;
    const status = u.ok ? (u.clean ? "" : ` NOT CLEAN: ${u.problems.join("; ")}`) : ` FAILED: ${u.failure ?? ""}`;
    parts.push(`<rect x="10" y="${ly - 11}" width="14" height="14" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text class="legend" x="30" y="${ly}" font-size="12">${i + 1}. ${esc(u.url)} (${u.connections.opened} of ${u.connections.requested} connections)${esc(status)}</text>`);
  });
  charts.forEach((c, k) => {
    parts.push(barChart(c, 10 + (k % 2) * colW, legendH + Math.floor(k / 2) * chartH, colW - 30, chartH - 12));
  });
  parts.push(percentilePlot(all, 10, plotY, WIDTH - 20, 330));
  if (context) {
    parts.push(`<text class="footer" x="10" y="${height - 24}" font-size="10" fill="${AXIS}">wsat ${esc(context.version)} · ${esc(context.runtime)} · ${esc(context.cpu)} · ${esc(context.date)}</text>`);
    parts.push(`<text class="footer" x="10" y="${height - 10}" font-size="10" fill="${AXIS}">${esc(context.command)}</text>`);
  }
  parts.push("</svg>");
  return parts.join("\n");
}

function settingsRows(s: SummarySettings): string {
  const rows: Array<[string, string]> = [
    ["connections", String(s.connections)], ["processes", String(s.processes)], ["worker threads", String(s.workers)],
    ["source addresses", s.sourceAddresses ? String(s.sourceAddresses) : "kernel's choice"],
    ["load", s.rate > 0 ? `open loop, ${s.rate} messages/s, at most ${s.pipeline} in flight per connection` : `closed loop, ${s.pipeline} in flight per connection`],
    ["duration", `${s.durationSec} s (warmup ${s.warmupSec} s), ${s.rounds} round${s.rounds > 1 ? "s" : ""}`],
    ["messages", s.messages ? `stop after ${s.messages}` : "no limit"],
    ["payload", `${s.size} bytes, ${s.binary ? "binary" : "text"}`], ["replies expected", s.expect],
    ["connect rate", s.connectRate ? `${s.connectRate} handshakes/s` : "all at once"],
    ["timeout", `${s.timeoutMs} ms`], ["max payload", `${s.maxPayloadBytes} bytes`],
    ["subprotocols", s.subprotocols.join(", ") || "none"], ["extra headers", String(s.headers)],
    ["TLS verification", s.tlsVerify ? "on" : "off (--insecure)"],
  ];
  return rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
}

/** An HTML page: the numbers in a table, the SVG, and the footer with every setting. */
export function reportHtml(all: readonly UrlSummary[], context?: ReportContext): string {
  const head = ["#", "URL", "connections", "msg/s recv", "msg/s sent", "MB/s recv", "MB/s sent", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "handshakes/s", "errors", "generator CPU"];
  const range = (s: Spread, f: (n: number) => string) => (s.max > s.min ? `${f(s.median)} <small>(${f(s.min)}–${f(s.max)})</small>` : f(s.median));
  const rows = all.map((u, i) => {
    const errors = Object.entries(u.errors).map(([k, n]) => `${esc(k)}: ${n}`).join(", ") || "none";
    const status = !u.ok ? `<br><b>FAILED</b>: ${esc(u.failure ?? "")}` : !u.clean ? `<br><b>NOT CLEAN</b>: ${esc(u.problems.join("; "))}` : "";
    const limit = u.limit ? `<br><small>stopped by ${esc(u.limit)}</small>` : "";
    return `<tr class="${u.ok ? (u.clean ? "clean" : "not-clean") : "failed"}"><td>${i + 1}</td><td>${esc(u.url)}${status}${limit}</td>` +
      `<td>${u.connections.opened} of ${u.connections.requested}</td>` +
      `<td>${range(u.received.messagesPerSec, formatCount)}</td><td>${range(u.sent.messagesPerSec, formatCount)}</td>` +
      `<td>${range(u.received.megabytesPerSec, (n) => n.toFixed(2))}</td><td>${range(u.sent.megabytesPerSec, (n) => n.toFixed(2))}</td>` +
      `<td>${formatMs(u.latencyMs.p50)}</td><td>${formatMs(u.latencyMs.p90)}</td><td>${formatMs(u.latencyMs.p99)}</td>` +
      `<td>${formatMs(u.latencyMs.p999)}</td><td>${formatMs(u.latencyMs.max)}</td><td>${range(u.handshakes.perSec, formatCount)}</td>` +
      `<td>${errors}</td><td>${range(u.cpu.percentOfOneCore, (n) => `${n.toFixed(0)}%`)}</td></tr>`;
  });
  const footer = context ? `<footer id="made-with"><table class="settings">
<tr><th>wsat</th><td>${esc(context.version)}</td></tr><tr><th>runtime</th><td>${esc(context.runtime)}</td></tr>
<tr><th>CPU</th><td>${esc(context.cpu)}</td></tr><tr><th>date</th><td>${esc(context.date)}</td></tr>
<tr><th>command</th><td><code>${esc(context.command)}</code></td></tr>
${all[0] ? settingsRows(all[0].settings) : ""}
</table></footer>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>wsat load report</title>
<style>body{font-family:sans-serif;margin:1.5em;max-width:1400px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}#numbers td:nth-child(2){text-align:left}.settings th,.settings td{text-align:left}tr.failed{background:#fee}tr.not-clean{background:#fff6e0}small{color:#666}svg{display:block;width:100%;max-width:1200px;height:auto}footer{color:#444;font-size:90%;border-top:1px solid #ccc;margin-top:2em}.scroll{overflow-x:auto}</style>
</head><body>
<h1>wsat load</h1>
<p>${all[0] ? esc(describeSettings(all[0])) : ""}</p>
<div class="scroll"><table id="numbers"><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>
${rows.join("\n")}
</tbody></table></div>
${reportSvg(all)}
${footer}
</body></html>
`;
}
