/**
 * The engine as the rest of the extension sees it: one client, created on first use from the
 * current settings, with what the person must know about it (a crash, a restart, interrupted
 * work, a setting change that needs a restart) turned into notifications with actions.
 */
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { affectsEngine, engineSettings, storeDirSetting } from '../config';
import { EngineClient, EngineError, type InterruptedJob } from './client';
import { outputChannelLogger } from './vscode-logger';

export class EngineHost implements vscode.Disposable {
  private client: EngineClient | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly channel: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration(async (e) => {
        if (!affectsEngine(e) || !this.client || this.client.currentState === 'idle') return;
        const choice = await vscode.window.showInformationMessage('The Unlearn engine settings changed. Restart the engine to use them? Running jobs will stop.', 'Restart Engine');
        if (choice === 'Restart Engine') await this.restart();
      }),
    );
  }

  /** The client, created (not yet started: the first request starts it) on first use. */
  get engine(): EngineClient {
    this.client ??= this.createClient();
    return this.client;
  }

  /** The store folder for the first workspace folder, or undefined without one. */
  storeRoot(): string | undefined {
    const dir = storeDirSetting();
    if (isAbsolute(dir)) return dir;
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? join(folder.uri.fsPath, dir) : undefined;
  }

  async restart(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Restarting the Unlearn engine' }, async () => {
      await old?.dispose();
      await this.engine.start();
    });
    this.channel.info('engine restarted on request');
  }

  async showBackend(): Promise<void> {
    try {
      const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Starting the Unlearn engine…' }, () => this.engine.request('engineInfo', { initBackend: true }));
      const b = info.backend;
      const text = b
        ? `Unlearn engine ${info.engineVersion}: backend ${b.name} (TensorFlow.js ${b.tfjsVersion}; ${b.reason}), Node ${info.node}, pid ${info.pid}.`
        : `Unlearn engine ${info.engineVersion}: no backend initialised.`;
      const choice = await vscode.window.showInformationMessage(text, 'Show Engine Log');
      if (choice) this.channel.show(true);
    } catch (e) {
      await this.showError(e);
    }
  }

  async showError(e: unknown): Promise<void> {
    const message = e instanceof Error ? e.message : String(e);
    const actions = e instanceof EngineError && (e.code === 'engine-unavailable' || e.code === 'engine-stopped') ? ['Show Engine Log', 'Restart Engine'] : ['Show Engine Log'];
    const choice = await vscode.window.showErrorMessage(`Unlearn: ${message}`, ...actions);
    if (choice === 'Show Engine Log') this.channel.show(true);
    if (choice === 'Restart Engine') await this.restart();
  }

  dispose(): Promise<void> {
    for (const d of this.disposables) d.dispose();
    const c = this.client;
    this.client = undefined;
    return c ? c.dispose() : Promise.resolve();
  }

  private readonly clientCreated = new vscode.EventEmitter<EngineClient>();
  /** Fires for every new client (the first, and each one after Restart Engine). */
  readonly onDidCreateClient = this.clientCreated.event;

  private createClient(): EngineClient {
    const s = engineSettings();
    const env: Record<string, string | undefined> = {};
    if (s.backend !== 'auto') env.UNLEARN_BACKEND = s.backend;
    const client = new EngineClient({
      enginePath: this.context.asAbsolutePath(join('dist', 'engine.js')),
      runtime: s.runtime,
      runtimeArgs: s.args,
      env,
      cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.context.extensionPath,
      logger: outputChannelLogger(this.channel),
    });
    client.onDidRestart((e) => void this.onRestarted(client, e.reason, e.interrupted));
    queueMicrotask(() => this.clientCreated.fire(client));
    client.onDidChangeState((state) => {
      if (state === 'failed') void this.showError(new EngineError('engine-unavailable', 'the engine could not be kept running; see the engine log'));
    });
    return client;
  }

  private async onRestarted(client: EngineClient, reason: string, interrupted: InterruptedJob[]): Promise<void> {
    if (interrupted.length === 0) {
      void vscode.window.showWarningMessage(`The Unlearn engine stopped unexpectedly (${reason}) and was restarted.`);
      return;
    }
    const names = interrupted.map((i) => i.job.label).join('; ');
    const choice = await vscode.window.showWarningMessage(
      `The Unlearn engine stopped unexpectedly (${reason}) and was restarted. Interrupted: ${names}. Work already finished is kept in the store, so running it again resumes.`,
      'Run Again',
      'Show Engine Log',
    );
    if (choice === 'Show Engine Log') this.channel.show(true);
    if (choice !== 'Run Again') return;
    for (const i of interrupted) {
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Unlearn: ${i.job.label}`, cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let done = 0;
        try {
          await client.resubmit(i, {
            signal: abort.signal,
            onProgress: (p) => {
              const pct = Math.round(p.fraction * 100);
              progress.report({ increment: pct - done, message: `${p.phase} ${pct}%` });
              done = pct;
            },
          });
        } catch (e) {
          if (!(e instanceof EngineError && e.code === 'cancelled')) await this.showError(e);
        }
      });
    }
  }
}
