// Wires the editor adapters; the logic lives in src/vscode/ and src/core/.
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {}

export function deactivate(): void {}
