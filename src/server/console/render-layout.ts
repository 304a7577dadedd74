import { escapeHtml } from '../status/render-status-page.js';

export { escapeHtml };

/** The console's pages, in nav order. */
export const CONSOLE_PAGES = ['health', 'incidents', 'usage', 'requests', 'keys'] as const;

/** One of {@link CONSOLE_PAGES}. */
export type ConsolePage = (typeof CONSOLE_PAGES)[number];

const TITLES: Record<ConsolePage, string> = {
  health: 'Health',
  incidents: 'Incidents',
  usage: 'Usage',
  requests: 'Requests',
  keys: 'Keys',
};

/** An epoch-ms time as `YYYY-MM-DD HH:MM:SS UTC`. */
export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** A number with at most `digits` decimals, or an en dash for none. */
export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** A 0–1 rate as a percentage. */
export function formatPercent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)}%`;
}

/** A USD amount with enough decimals for per-request costs. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '–';
  return `$${usd.toFixed(usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 2)}`;
}

/** A `<td>` that knows its column name, so phone-width tables can show it beside the value. */
export function cell(label: string, html: string, className = ''): string {
  return `<td data-label="${escapeHtml(label)}"${className === '' ? '' : ` class="${className}"`}>${html}</td>`;
}

/** A `<th>` row of column names; `num` columns align right. */
export function headerRow(columns: ReadonlyArray<string | { label: string; num: true }>): string {
  return `<tr>${columns
    .map((column) =>
      typeof column === 'string'
        ? `<th scope="col">${escapeHtml(column)}</th>`
        : `<th scope="col" class="num">${escapeHtml(column.label)}</th>`,
    )
    .join('')}</tr>`;
}

/** What every console page shares. */
export interface LayoutInput {
  page: ConsolePage;
  /** The session's CSRF token, for the logout form (and any other form on the page). */
  csrf: string;
  /** Page body, already escaped. */
  body: string;
  /** Loads uPlot (usage page only). */
  charts?: boolean;
}

/**
 * The one layout: a nav of every page and a logout form. No inline script or style, so the
 * Content-Security-Policy can forbid both.
 */
export function renderLayout(input: LayoutInput): string {
  const nav = CONSOLE_PAGES.map(
    (page) =>
      `<li><a href="/console/${page}"${page === input.page ? ' aria-current="page"' : ''}>${TITLES[page]}</a></li>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[input.page]} · Detour console</title>
${input.charts === true ? '<link rel="stylesheet" href="/console/assets/uPlot.min.css">\n' : ''}<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="wrap">
<a class="brand" href="/console/health">Detour console</a>
<nav aria-label="Console"><ul class="nav">${nav}</ul></nav>
<form class="logout" method="post" action="/console/logout"><input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}"><button type="submit">Log out</button></form>
</div></header>
<main id="main" class="wrap">
${input.body}
</main>
${input.charts === true ? '<script src="/console/assets/uPlot.iife.min.js"></script>\n' : ''}<script src="/console/assets/console.js"></script>
</body>
</html>`;
}

function standalonePage(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Detour console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<main id="main" class="login">
<h1>Detour console</h1>
${main}
</main>
</body>
</html>`;
}

/** The login form; `error` is shown above it after a wrong key. */
export function renderLogin(error?: string): string {
  return standalonePage(
    'Log in',
    `${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
<form method="post" action="/console/login">
<label for="admin-key">Admin key (server.adminKey)</label>
<input id="admin-key" name="adminKey" type="password" autocomplete="current-password" required autofocus>
<button class="primary" type="submit">Log in</button>
</form>`,
  );
}

/** A page with one message and an optional link (console off, a refused form). */
export function renderMessage(message: string, link?: { href: string; label: string }): string {
  return standalonePage(
    'Notice',
    `<p class="error" role="alert">${escapeHtml(message)}</p>${
      link === undefined ? '' : `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`
    }`,
  );
}
