import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from '../../protocol/webview/common';
import {
  THUMBNAIL_PAGE,
  forgetSetFromWebview,
  forgetSetToWebview,
  type ForgetSetFromWebview,
  type ForgetSetSnapshot,
  type ForgetSetToWebview,
  type SavedSetInfo,
} from '../../protocol/webview/forget-set';
import { PanelSlot, WorkbenchPanel, type PanelLogger } from './base';

/** Everything the forget-set panel needs, answered by the engine client (wired by the lead). */
export interface ForgetSetPanelData {
  load(): Promise<ForgetSetSnapshot>;
  /** count × H × W × C bytes (HWC) of training points offset … offset + count − 1. */
  thumbnails(offset: number, count: number): Promise<Uint8Array>;
  random(k: number, seed: number, classFilter: number | null): Promise<number[]>;
  wholeClass(cls: number): Promise<number[]>;
  nearest(anchor: number, k: number): Promise<number[]>;
  principalComponent(component: number, k: number, side: 'top' | 'bottom'): Promise<number[]>;
  /** Writes the set file; returns where, and the saved sets afterwards. */
  save(name: string, indices: number[]): Promise<{ path: string; sets: SavedSetInfo[] }>;
  readSet(name: string): Promise<number[]>;
}

export class ForgetSetPanel extends WorkbenchPanel<ForgetSetToWebview, ForgetSetFromWebview> {
  static readonly slot = new PanelSlot<ForgetSetPanelData, ForgetSetPanel>(PANEL_VIEW_TYPES['forget-set'], 'forget-set', (panel, uri, data, log) => new ForgetSetPanel(panel, uri, data, log));
  private total = 0;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private data: ForgetSetPanelData, log: PanelLogger) {
    super(panel, extensionUri, 'forget-set', { toWebview: forgetSetToWebview, fromWebview: forgetSetFromWebview }, log);
  }

  /** Another experiment's dataset for the open panel: the page reloads its snapshot. */
  show(data: ForgetSetPanelData): void {
    this.data = data;
    void this.sendSnapshot();
  }


  private async sendSnapshot(): Promise<void> {
    const snapshot = await this.data.load();
    this.total = snapshot.dataset.total;
    await this.post({ type: 'snapshot', snapshot });
  }

  /** Index answers are checked against the dataset, so a faulty source cannot select phantom points. */
  private inRange(indices: number[]): number[] {
    return indices.filter((i) => Number.isInteger(i) && i >= 0 && i < this.total);
  }

  protected async onMessage(m: ForgetSetFromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.sendSnapshot();
        break;
      case 'requestThumbnails': {
        // Pages are aligned so that the webview's atlas slots match; anything else is a bug there.
        if (m.offset % THUMBNAIL_PAGE !== 0 || m.offset >= this.total) throw new Error(`thumbnails: bad page offset ${m.offset}`);
        const count = Math.min(m.count, this.total - m.offset);
        const pixels = await this.data.thumbnails(m.offset, count);
        await this.post({ type: 'thumbnails', offset: m.offset, count, pixels });
        break;
      }
      case 'requestRandom': {
        const indices = this.inRange(await this.data.random(m.k, m.seed, m.classFilter));
        await this.post({ type: 'selection', requestId: m.requestId, source: 'random', indices, description: `${indices.length} random points (seed ${m.seed})` });
        break;
      }
      case 'requestClass': {
        const indices = this.inRange(await this.data.wholeClass(m.class));
        await this.post({ type: 'selection', requestId: m.requestId, source: 'class', indices, description: `the whole class: ${indices.length} points` });
        break;
      }
      case 'requestNearest': {
        if (m.anchor >= this.total) throw new Error(`point ${m.anchor} is not in the training set`);
        const indices = this.inRange(await this.data.nearest(m.anchor, m.k));
        await this.post({ type: 'selection', requestId: m.requestId, source: 'nearest', indices, description: `${indices.length} nearest neighbours of #${m.anchor}` });
        break;
      }
      case 'requestPrincipal': {
        const indices = this.inRange(await this.data.principalComponent(m.component, m.k, m.side));
        await this.post({ type: 'selection', requestId: m.requestId, source: 'principal', indices, description: `${m.side} ${indices.length} of datamodel principal component ${m.component}` });
        break;
      }
      case 'saveForgetSet': {
        const bad = m.indices.find((i) => i >= this.total);
        if (bad !== undefined) throw new Error(`point ${bad} is not in the training set (${this.total} points)`);
        const indices = [...new Set(m.indices)].sort((a, b) => a - b);
        const { path, sets } = await this.data.save(m.name, indices);
        await this.post({ type: 'saved', name: m.name, path });
        await this.post({ type: 'savedSets', sets });
        break;
      }
      case 'showSet': {
        const indices = this.inRange(await this.data.readSet(m.name));
        await this.post({ type: 'setContents', name: m.name, indices });
        break;
      }
    }
  }
}
