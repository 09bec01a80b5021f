import * as vscode from 'vscode';
import { describeError, redact, type Logger } from '../core/log';

/**
 * The extension's one log channel (a LogOutputChannel: its level follows VS Code's "Set Log Level").
 * Every message is redacted before it is written, so registered secrets never reach the output.
 */
export class Log implements Logger, vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor(name = 'GitOps Pilot') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  trace(message: string, ...args: unknown[]): void {
    this.channel.trace(redact(message), ...format(args));
  }
  debug(message: string, ...args: unknown[]): void {
    this.channel.debug(redact(message), ...format(args));
  }
  info(message: string, ...args: unknown[]): void {
    this.channel.info(redact(message), ...format(args));
  }
  warn(message: string, ...args: unknown[]): void {
    this.channel.warn(redact(message), ...format(args));
  }
  error(message: string | Error, ...args: unknown[]): void {
    this.channel.error(message instanceof Error ? describeError(message) : redact(message), ...format(args));
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}

function format(args: unknown[]): string[] {
  return args.map((a) => {
    if (a instanceof Error) return describeError(a);
    if (typeof a === 'string') return redact(a);
    try {
      return redact(JSON.stringify(a));
    } catch {
      return redact(String(a));
    }
  });
}
