import { CATEGORY_COLOURS } from './colours.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe to place in HTML content or a quoted attribute. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Numbers for people: 3 significant digits, scientific below 0.001. */
export function formatNumber(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  if (x === 0 || !Number.isFinite(x)) return String(x);
  return Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5 ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}

export interface TableOptions {
  readonly className?: string;
  /** Column indices to right-align (numbers). */
  readonly numeric?: readonly number[];
}

/** A table; header text is escaped here, cells must already be escaped HTML. */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const cls = (k: number) => (options.numeric?.includes(k) ? ' class="num"' : '');
  const head = header.map((h, k) => `<th${cls(k)}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, k) => `<td${cls(k)}>${c}</td>`).join('')}</tr>`).join('\n');
  const tableClass = options.className ? ` class="${escapeHtml(options.className)}"` : '';
  return `<table${tableClass}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** SVG charts side by side, one figure each. */
export function chartRow(svgs: readonly string[]): string {
  return `<div class="charts">${svgs.map((svg) => `<figure>${svg}</figure>`).join('')}</div>`;
}

/** Each warning in a highlighted box (text is escaped here). */
export function warningBoxes(warnings: readonly string[]): string {
  return warnings.map((w) => `<div class="warning">⚠ ${escapeHtml(w)}</div>`).join('');
}

/** A coloured label for a verdict or other category. */
export function badge(category: string): string {
  const colour = CATEGORY_COLOURS[category] ?? '#57606a';
  return `<span class="badge" style="background:${colour}">${escapeHtml(category)}</span>`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:#1f2328;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 24px 48px}
header{border-bottom:1px solid #d0d7de;margin-bottom:24px;padding-bottom:12px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid #eaeef2}
.meta{color:#57606a;font-size:13px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px;overflow-x:auto}
.summary{font-size:17px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.charts figure{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px}
svg{display:block;max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:14px;background:#fff}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td code{word-break:break-all}
.kv td:first-child{color:#57606a;width:30%}
.badge{display:inline-block;color:#fff;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600}
.warning{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;margin:8px 0}
.ok{color:#2e7d32}
.note{color:#57606a;font-size:13px;margin-top:8px}
footer{margin-top:40px;color:#57606a;font-size:12px}
`;

/** A complete, self-contained HTML document (inline CSS, no scripts, nothing fetched). */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}
