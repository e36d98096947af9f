/**
 * DOM building without HTML strings: every piece of text from data goes in through
 * textContent, so a label such as "<img onerror=…>" shows as those characters and nothing runs.
 */
type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, props?: Props, ...children: Child[]): HTMLElement;
export function h(tag: string, props: Props = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.id) el.id = props.id;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.title) el.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  for (const [k, f] of Object.entries(props.on ?? {})) el.addEventListener(k, f as EventListener);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** A status line that screen readers announce; errors stay until the next message. */
export function statusLine(id = 'status'): { info(text: string): void; error(text: string): void; el: HTMLElement } {
  const el = h('div', { id, class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
  return {
    el,
    info(text) {
      el.classList.remove('error');
      el.textContent = text;
    },
    error(text) {
      el.classList.add('error');
      el.textContent = text;
    },
  };
}
