/**
 * The HTML of every panel, as a pure function (no vscode import) so that it can be unit-tested
 * and reused by the Playwright harness. The policy allows nothing by default; scripts run only
 * with the page's nonce, and styles, fonts and images come only from the webview's own resources
 * (the built dist/webview folder). No inline style or script is needed by any panel.
 */
import type { PanelId } from '../../protocol/webview/common';

export interface WebviewHtmlOptions {
  panel: PanelId;
  title: string;
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
  /** `webview.asWebviewUri` of dist/webview/<panel>.js. */
  scriptUri: string;
  /** The panel's CSS bundle first; later sheets (a test theme) may follow. */
  styleUris: string[];
  /** dist/webview/codicons/codicon.css; vscode-elements looks it up by the id it carries. */
  codiconsUri?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

const NONCE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh nonce for each rendering of a panel; `random` is injectable for tests. */
export function makeNonce(random: (n: number) => Uint8Array = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n))): string {
  return Array.from(random(32), (b) => NONCE_CHARS[b % NONCE_CHARS.length]).join('');
}

export function buildWebviewHtml(o: WebviewHtmlOptions): string {
  if (!/^[A-Za-z0-9]{16,}$/.test(o.nonce)) throw new Error('nonce must be at least 16 letters or digits');
  const e = escapeHtml;
  const styles = o.styleUris.map((u) => `    <link rel="stylesheet" href="${e(u)}">`);
  if (o.codiconsUri) styles.unshift(`    <link rel="stylesheet" href="${e(o.codiconsUri)}" id="vscode-codicon-stylesheet">`);
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${e(contentSecurityPolicy(o.cspSource, o.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.join('\n')}
    <title>${e(o.title)}</title>
  </head>
  <body data-panel="${e(o.panel)}">
    <main id="app"></main>
    <script nonce="${e(o.nonce)}" src="${e(o.scriptUri)}"></script>
  </body>
</html>
`;
}
