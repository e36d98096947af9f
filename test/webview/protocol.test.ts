// The pure half of the webview seam: the HTML builder's policy and the message schemas that both
// sides validate with. No browser needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildWebviewHtml, contentSecurityPolicy, escapeHtml, makeNonce } from '../../src/extension/panels/html';
import { linearResultToWire, linearSettingsFromForm } from '../../src/extension/panels/adapters';
import {
  compareFromWebview,
  forgetSetFromWebview,
  forgetSetToWebview,
  LINEAR_DEFAULTS,
  linearFromWebview,
  parseMessage,
  perPointToWebview,
  runFromWebview,
} from '../../src/protocol/webview';
import { linearSettingsSchema } from '../../src/engine/linear/settings';

const html = buildWebviewHtml({
  panel: 'compare',
  title: 'Compare <Unlearners>',
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'AbCdEf0123456789AbCdEf0123456789',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/compare.js',
  styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/compare.css'],
  codiconsUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/codicons/codicon.css',
});

test('html: strict CSP, nonce on the one script, resources from the webview only', () => {
  const csp = (/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '').replaceAll('&#39;', "'");
  assert.ok(csp.startsWith("default-src 'none'"), csp);
  assert.ok(csp.includes("script-src 'nonce-AbCdEf0123456789AbCdEf0123456789'"));
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
  assert.ok(csp.includes('style-src https://file+.vscode-resource.vscode-cdn.net'));
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script nonce="AbCdEf0123456789AbCdEf0123456789" src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\/compare\.js"><\/script>/);
  assert.ok(!/style=/.test(html) && !/<style/.test(html), 'no inline styles');
  assert.ok(html.includes('id="vscode-codicon-stylesheet"'));
  assert.ok(html.includes('<title>Compare &lt;Unlearners&gt;</title>'));
  assert.equal(contentSecurityPolicy('x', 'n'), "default-src 'none'; img-src x blob:; style-src x; font-src x; script-src 'nonce-n'");
  assert.equal(escapeHtml(`"<&>'`), '&quot;&lt;&amp;&gt;&#39;');
});

test('html: nonces are long, fresh and refused when weak', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(a, b);
  assert.throws(() => buildWebviewHtml({ panel: 'run', title: 't', cspSource: 'x', nonce: 'short"', scriptUri: 's', styleUris: [] }), /nonce/);
});

test('messages from a webview are validated like untrusted input', () => {
  const ok = (schema: Parameters<typeof parseMessage>[0], m: unknown) => parseMessage(schema, m).ok;
  assert.ok(ok(forgetSetFromWebview, { type: 'saveForgetSet', name: 'my set-1.v2', indices: [1, 2, 3] }));
  assert.ok(!ok(forgetSetFromWebview, { type: 'saveForgetSet', name: '../../etc/passwd', indices: [1] }), 'path in a name');
  assert.ok(!ok(forgetSetFromWebview, { type: 'saveForgetSet', name: 'x', indices: [] }), 'empty set');
  assert.ok(!ok(forgetSetFromWebview, { type: 'saveForgetSet', name: 'x', indices: [-1] }), 'negative index');
  assert.ok(!ok(forgetSetFromWebview, { type: 'saveForgetSet', name: 'x', indices: [1.5] }), 'fractional index');
  assert.ok(!ok(forgetSetFromWebview, { type: 'saveForgetSet', name: 'x', indices: [1], extra: true }), 'unknown field');
  assert.ok(!ok(forgetSetFromWebview, { type: 'requestThumbnails', offset: 0, count: 1e9 }), 'unbounded page');
  assert.ok(!ok(forgetSetFromWebview, { type: 'eval', code: '1' }), 'unknown type');
  assert.ok(!ok(forgetSetFromWebview, null));
  assert.ok(ok(runFromWebview, { type: 'cancel', jobId: 'job-1' }));
  assert.ok(!ok(runFromWebview, { type: 'cancel', jobId: '' }));
  assert.ok(ok(compareFromWebview, { type: 'export', format: 'png', fileName: 'figure (p99).png', bytes: new Uint8Array([1, 2]) }));
  assert.ok(!ok(compareFromWebview, { type: 'export', format: 'png', fileName: 'figure.png', bytes: [1, 2] }), 'png bytes must be a Uint8Array');
  assert.ok(!ok(compareFromWebview, { type: 'export', format: 'csv', fileName: '/tmp/x.csv', text: 'a' }), 'folders in a suggested name');
  assert.ok(!ok(compareFromWebview, { type: 'export', format: 'svg', fileName: 'x.svg', bytes: new Uint8Array(1) }), 'svg needs text');
  assert.ok(ok(linearFromWebview, { type: 'run', form: LINEAR_DEFAULTS }));
  assert.ok(!ok(linearFromWebview, { type: 'run', form: { ...LINEAR_DEFAULTS, k: 100 } }), 'k must be below n');
  const r = parseMessage(forgetSetFromWebview, { type: 'saveForgetSet', name: '', indices: [1] });
  assert.ok(!r.ok && /invalid message 'saveForgetSet': name/.test(r.error));
});

test('messages to a webview: typed arrays by tag, ranges checked', () => {
  const ok = (schema: Parameters<typeof parseMessage>[0], m: unknown) => parseMessage(schema, m).ok;
  assert.ok(ok(forgetSetToWebview, { type: 'thumbnails', offset: 0, count: 1, pixels: new Uint8Array(784) }));
  assert.ok(ok(forgetSetToWebview, { type: 'thumbnails', offset: 0, count: 1, pixels: Buffer.alloc(784) }), 'a Node Buffer is a Uint8Array');
  assert.ok(!ok(forgetSetToWebview, { type: 'thumbnails', offset: 0, count: 1, pixels: new Float32Array(784) }));
  const method = { id: 'om', label: 'OM', klom: new Float32Array(3), diverged: false };
  const snap = { provenance: { n: 100, backend: 'wasm', seeds: 's', preset: 'quick' }, nTrain: 2, nValidation: 1, forget: [0], retain: [1], classNames: ['a'], labels: [0, 0, 0], methods: [method] };
  assert.ok(ok(perPointToWebview, { type: 'snapshot', snapshot: snap }));
  assert.ok(!ok(perPointToWebview, { type: 'snapshot', snapshot: { ...snap, methods: [{ ...method, klom: [0, 1, 2] }] } }), 'KLoM must be a Float32Array');
});

test('linear panel: the form maps onto the engine settings and the result onto the wire', () => {
  const settings = linearSettingsSchema.parse(linearSettingsFromForm(LINEAR_DEFAULTS));
  assert.equal(settings.lr, undefined, 'null step size means auto');
  assert.deepEqual(settings.ascentWeights, [1, 0.1]);
  assert.equal(linearSettingsSchema.parse(linearSettingsFromForm({ ...LINEAR_DEFAULTS, lr: 0.01 })).lr, 0.01);
  const wire = linearResultToWire({
    kind: 'linear-study', version: 1, settings, settingsHash: 'h', solver: 'dual', lr: 0.1, lrSource: 'auto', lambdaMax: 10, forget: [1],
    initial: { paramDist: 1, predErrF: 1, predErrR: 1, predErrTest: 1 }, norms: { theta: 1, thetaR: 1 }, theta: [], thetaR: [], thetaDm: null,
    methods: [{ id: 'gd-ga-1', name: 'GD+GA', kind: 'iterative', objective: 'o', ascentWeight: 1, steps: [0, 1], paramDist: [1, Infinity], relParamDist: [1, Number.NaN], predErrF: [], predErrR: [], predErrTest: [], relPredErrTest: [1, 2], loss: null, diverged: { step: 1, reason: 'non-finite' }, elapsedMs: 1 }],
    timings: { setupMs: 1, totalMs: 2 },
  });
  assert.deepEqual(wire.methods[0].relParamDist, [1, null], 'non-finite values travel as null');
  assert.ok(linearFromWebview.safeParse({ type: 'run', form: LINEAR_DEFAULTS }).success);
});
