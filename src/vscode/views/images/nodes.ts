/** Tree nodes of the Images view: repositories → tags → scan findings. They read the model; errors are rows. */
import * as vscode from 'vscode';
import type { PilotError } from '../../../core/errors';
import { timeAgo } from '../../../core/util/time';
import { formatBytes, severityText } from '../../format';
import type { RepositoryEntry, TagEntry } from '../../../core/workspace/images';

export abstract class ImageTreeNode {
  abstract readonly id: string;
  abstract toTreeItem(): vscode.TreeItem;
  children(): ImageTreeNode[] | Promise<ImageTreeNode[]> {
    return [];
  }
  constructor(readonly parent: ImageTreeNode | undefined) {}
}

export class MessageNode extends ImageTreeNode {
  constructor(
    parent: ImageTreeNode | undefined,
    readonly id: string,
    private readonly label: string,
    private readonly icon: string,
    private readonly error?: PilotError,
  ) {
    super(parent);
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = this.error ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')) : new vscode.ThemeIcon(this.icon);
    if (this.error) {
      item.tooltip = new vscode.MarkdownString().appendText(this.error.toUserString());
      item.description = this.error.hint;
      item.contextValue = ';problem;';
    } else item.contextValue = ';message;';
    return item;
  }
}

export function problemNode(parent: ImageTreeNode | undefined, idPrefix: string, error: PilotError): MessageNode {
  return new MessageNode(parent, `${idPrefix}:problem:${error.code}`, error.message, 'error', error);
}

export class RepositoryNode extends ImageTreeNode {
  readonly id: string;
  constructor(readonly entry: RepositoryEntry) {
    super(undefined);
    this.id = `repo:${entry.key}`;
  }

  toTreeItem(): vscode.TreeItem {
    const e = this.entry;
    const item = new vscode.TreeItem(e.name, e.missing ? vscode.TreeItemCollapsibleState.None : e.projects.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(e.missing ? 'circle-slash' : 'repo');
    const bits = [e.missing ? 'not created yet (Push Image creates it)' : '', e.projects.length ? 'this workspace' : '', e.info?.immutable ? 'immutable tags' : '', e.info?.scanOnPush ? 'scan on push' : ''];
    item.description = bits.filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${e.name}**\n\n\`${e.uri}\`\n\n`);
    if (e.info) md.appendMarkdown(`Tags: ${e.info.immutable ? 'immutable' : 'mutable'} · scan on push: ${e.info.scanOnPush ? 'on' : 'off'}${e.info.createdAt ? ` · created ${e.info.createdAt.slice(0, 10)}` : ''}\n\n`);
    if (e.projects.length) md.appendMarkdown(`Built by: ${e.projects.map((p) => `\`${p.root}\``).join(', ')}`);
    item.tooltip = md;
    item.contextValue = `;repository;${e.projects.length ? 'ownRepository;' : ''}${e.missing ? 'missing;' : ''}`;
    return item;
  }

  /** The tags as read; the Workspace reads them while this row is expanded. */
  override children(): ImageTreeNode[] {
    const state = this.entry.images;
    if (state.kind === 'failed') return [problemNode(this, this.id, state.error)];
    if (state.kind !== 'loaded') return [new MessageNode(this, `${this.id}:loading`, 'Loading tags…', 'loading~spin')];
    const tags = state.value;
    if (!tags.length) return [new MessageNode(this, `${this.id}:empty`, 'No tagged images yet', 'info')];
    return tags.map((t) => new TagNode(this, t));
  }
}

export class TagNode extends ImageTreeNode {
  readonly id: string;
  constructor(parent: RepositoryNode, readonly entry: TagEntry) {
    super(parent);
    this.id = `${parent.id}:tag:${entry.tag}`;
  }

  /** `host/name:tag` */
  get reference(): string {
    return `${this.entry.repository.uri}:${this.entry.tag}`;
  }

  toTreeItem(): vscode.TreeItem {
    const { image, tag } = this.entry;
    const scanned = image.scanStatus !== undefined;
    const item = new vscode.TreeItem(tag, scanned ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const severity = severityText(image.severityCounts);
    const scan = image.scanStatus === 'COMPLETE' ? severity || 'no findings' : image.scanStatus ? `scan ${image.scanStatus.toLowerCase().replace(/_/g, ' ')}` : '';
    item.description = [image.pushedAt ? timeAgo(image.pushedAt) : '', formatBytes(image.sizeBytes), image.digest.slice(7, 19), scan].filter(Boolean).join(' · ');
    const bad = (image.severityCounts?.CRITICAL ?? 0) + (image.severityCounts?.HIGH ?? 0) > 0;
    item.iconPath = new vscode.ThemeIcon('tag', bad ? new vscode.ThemeColor('problemsErrorIcon.foreground') : (image.severityCounts?.MEDIUM ?? 0) > 0 ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${this.entry.repository.name}:${tag}**\n\n`);
    md.appendMarkdown(`Digest: \`${image.digest}\`\n\n`);
    if (image.pushedAt) md.appendMarkdown(`Pushed: ${new Date(image.pushedAt).toLocaleString()}\n\n`);
    if (image.sizeBytes !== undefined) md.appendMarkdown(`Size: ${formatBytes(image.sizeBytes)} (compressed layers)\n\n`);
    if (image.tags.length > 1) md.appendMarkdown(`Also tagged: ${image.tags.filter((t) => t !== tag).join(', ')}\n\n`);
    md.appendMarkdown(`Scan: ${image.scanStatus ?? 'not scanned'}${severity ? ` — ${severity}` : ''}`);
    item.tooltip = md;
    item.contextValue = ';imageTag;';
    item.accessibilityInformation = { label: `Image tag ${tag}, ${item.description}` };
    return item;
  }

  /** The scan findings as read; the Workspace reads them while this row is expanded. */
  override children(): ImageTreeNode[] {
    const state = this.entry.findings;
    if (state.kind === 'failed') return [problemNode(this, this.id, state.error)];
    if (state.kind !== 'loaded') return [new MessageNode(this, `${this.id}:loading`, 'Loading scan findings…', 'loading~spin')];
    const f = state.value;
    if (!f) return [new MessageNode(this, `${this.id}:noscan`, 'Not scanned', 'info')];
    if (f.status !== 'COMPLETE') return [new MessageNode(this, `${this.id}:scan`, `Scan ${f.status.toLowerCase().replace(/_/g, ' ')}${f.description ? `: ${f.description}` : ''}`, 'loading~spin')];
    if (!f.findings.length) return [new MessageNode(this, `${this.id}:clean`, 'No vulnerabilities found', 'pass')];
    const shown: ImageTreeNode[] = f.findings.slice(0, 50).map((x, i) => new FindingNode(this, `${this.id}:f${i}`, x));
    if (f.findings.length > 50) shown.push(new MessageNode(this, `${this.id}:more`, `… and ${f.findings.length - 50} more`, 'ellipsis'));
    return shown;
  }
}

export class FindingNode extends ImageTreeNode {
  constructor(
    parent: TagNode,
    readonly id: string,
    private readonly finding: { name: string; severity: string; description?: string; uri?: string; package?: string },
  ) {
    super(parent);
  }
  toTreeItem(): vscode.TreeItem {
    const f = this.finding;
    const item = new vscode.TreeItem(f.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = [f.severity.toLowerCase(), f.package].filter(Boolean).join(' · ');
    const color = f.severity === 'CRITICAL' || f.severity === 'HIGH' ? 'problemsErrorIcon.foreground' : f.severity === 'MEDIUM' ? 'problemsWarningIcon.foreground' : 'problemsInfoIcon.foreground';
    item.iconPath = new vscode.ThemeIcon('shield', new vscode.ThemeColor(color));
    item.tooltip = [f.name, f.severity, f.package, f.description].filter(Boolean).join('\n');
    if (f.uri && /^https:\/\//.test(f.uri)) item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(f.uri)] };
    item.contextValue = ';finding;';
    return item;
  }
}
