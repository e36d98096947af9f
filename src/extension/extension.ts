import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('unlearn.showBackend', () => {
      void vscode.window.showInformationMessage('Unlearning Workbench: the engine is not started yet.');
    }),
  );
}

export function deactivate(): void {}
