/**
 * The one place a panel talks to the host: every message in is validated against the panel's
 * schema before any code sees it, every message out is validated before it leaves (so a bug here
 * shows up as an error in the panel, not as a message the host refuses), and the panel's UI
 * state survives hide/show and reload through getState/setState.
 */
import type { z } from 'zod';
import { parseMessage } from '../../src/protocol/webview/common';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Bridge<ToW, FromW, S> {
  post(message: FromW): boolean;
  onMessage(handler: (message: ToW) => void): void;
  readonly state: S;
  saveState(patch: Partial<S>): void;
}

export function createBridge<ToW, FromW, S>(schemas: {
  toWebview: z.ZodType<ToW>;
  fromWebview: z.ZodType<FromW>;
  state: z.ZodType<S>;
  onError: (error: string) => void;
}): Bridge<ToW, FromW, S> {
  // acquireVsCodeApi may be called only once per page; everything goes through this object.
  const api = acquireVsCodeApi();
  const restored = schemas.state.safeParse(api.getState() ?? {});
  // A state from an older build that no longer validates is dropped rather than half-used.
  let state: S = restored.success ? restored.data : schemas.state.parse({});
  return {
    post(message) {
      const r = parseMessage(schemas.fromWebview, message);
      if (!r.ok) {
        schemas.onError(r.error);
        return false;
      }
      api.postMessage(r.value);
      return true;
    },
    onMessage(handler) {
      window.addEventListener('message', (ev: MessageEvent<unknown>) => {
        const r = parseMessage(schemas.toWebview, ev.data);
        if (!r.ok) {
          schemas.onError(r.error);
          return;
        }
        try {
          handler(r.value);
        } catch (e) {
          schemas.onError(e instanceof Error ? e.message : String(e));
        }
      });
    },
    get state() {
      return state;
    },
    saveState(patch) {
      state = { ...state, ...patch };
      api.setState(state);
    },
  };
}
