/** Which file system writes a workspace URI: node:fs for `file:` (atomic renames), else VS Code's. */
import * as vscode from 'vscode';
import { localDisk, type RenamingFileSystem } from './atomic-write';

export function fileSystemFor(uri: vscode.Uri): RenamingFileSystem<vscode.Uri> {
  return uri.scheme === 'file' ? localDisk<vscode.Uri>() : vscode.workspace.fs;
}
