// Only the controls the panels use are registered, to keep each bundle small.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';

/** The value of a vscode-textfield / vscode-single-select (both expose `value`). */
export function valueOf(el: Element): string {
  const v = (el as unknown as { value?: unknown }).value;
  return typeof v === 'string' ? v : '';
}

export function setValue(el: Element, value: string): void {
  (el as unknown as { value: string }).value = value;
}

export function isChecked(el: Element): boolean {
  return (el as unknown as { checked?: unknown }).checked === true;
}
