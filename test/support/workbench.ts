/**
 * Driving the real VS Code workbench (served by test/support/vscodeServer.ts) with playwright-core and
 * Debian's Chromium. Every helper waits for the state it needs (no fixed sleeps) and fails with what it
 * saw instead. Typical use:
 *
 *   const server = await startVSCodeServer({ workspace });
 *   const wb = await openWorkbench(server.url({ extensionDevelopmentPath: repoRoot }), { suite: 'e2e' });
 *   await wb.openView('GitOps Pilot');
 *   await wb.waitForRow('staging', { description: /1\.0\.4/ });
 *   await wb.contextMenu('staging', 'Open Values File');
 *   const editor = await wb.waitForActiveEditor({ path: /envs\/staging\/values\.yaml$/, line: 4 });
 *   await wb.screenshot('values-file-open');
 *   await wb.close(); await server.stop();
 *
 * The DOM is VS Code's own (1.100): `.monaco-list-row` rows with `.label-name` / `.label-description`,
 * views as `.pane` with a header labelled "<View> Section", `.statusbar-item`s with ids such as
 * `status.editor.selection`, the quick input `.quick-input-widget`, context menus `.monaco-menu`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { repoRoot } from './paths';

export const CHROMIUM_PATH = process.env.GITOPS_PILOT_CHROMIUM || '/usr/bin/chromium';
/** Flags from ENVIRONMENT.md: no sandbox (root), no GPU, and nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Console errors the workbench itself logs when served by the plain VS Code server (not problems of the
 * extension under test): missing service worker and vsda (only in Microsoft's builds), and the resulting 404s.
 */
const KNOWN_CONSOLE_NOISE = [
  /Failed to load resource: the server responded with a status of 404/,
  /A bad HTTP response code \(404\) was received when fetching the script/,
  /\[Service Worker\] registration/,
  /vsda/,
];

export interface WorkbenchOptions {
  /** screenshots go to out/test-results/<suite>/NN-name.png */
  suite: string;
  /** default true; GITOPS_PILOT_HEADED=1 shows the browser (needs a display) */
  headless?: boolean;
  viewport?: { width: number; height: number };
  /** default timeout of every wait, ms (default 20 s) */
  timeoutMs?: number;
}

export interface TreeRow {
  label: string;
  description: string;
  /** the row's accessible label (a TreeItem's accessibilityInformation, else label + description) */
  ariaLabel: string;
  /** 1 for root rows */
  level: number;
  /** undefined for leaves */
  expanded: boolean | undefined;
}

export interface StatusBarItem {
  id: string;
  text: string;
  ariaLabel: string;
}

export interface ActiveEditor {
  /** the file path (from the active tab; for remote files the path on the server) */
  path: string;
  fileName: string;
  /** cursor position, 1-based, from the status bar's "Ln X, Col Y" */
  line: number;
  col: number;
  /** characters selected, 0 when none */
  selected: number;
}

type TextMatch = string | RegExp;

/** Opens Chromium on a workbench URL and waits until the workbench is up. */
export async function openWorkbench(url: string, opts: WorkbenchOptions): Promise<Workbench> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: opts.headless ?? process.env.GITOPS_PILOT_HEADED !== '1',
  });
  try {
    // this run's screenshots only: an earlier run's (numbered the same) would be mistaken for this one's
    rmSync(join(repoRoot, 'out/test-results', opts.suite), { recursive: true, force: true });
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const wb = new Workbench(browser, context, await context.newPage(), opts);
    await wb.start(url);
    return wb;
  } catch (err) {
    await browser.close().catch(() => undefined);
    throw err;
  }
}

export class Workbench {
  /** console errors and uncaught page errors, in order */
  readonly consoleErrors: string[] = [];
  /** requests to anything but the loopback server, which were aborted (tests never call the internet) */
  readonly blockedRequests: string[] = [];
  readonly timeoutMs: number;
  private shots = 0;

  constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly opts: WorkbenchOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    page.setDefaultTimeout(this.timeoutMs);
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => this.consoleErrors.push(`uncaught: ${e.message}`));
  }

  /** @internal used by openWorkbench */
  async start(url: string): Promise<void> {
    const origin = new URL(url).origin;
    await this.context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(origin) || /^(data|blob):/.test(u)) return route.continue();
      this.blockedRequests.push(u);
      return route.abort('blockedbyclient');
    });
    await this.page.goto(url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.part.statusbar').waitFor({ timeout: 60_000 });
    // the remote indicator and the activity bar are there once the window talks to the server
    await this.page.locator('.part.activitybar .action-item').first().waitFor({ timeout: 60_000 });
    // the Problems indicator is added once the workbench has restored its parts (calmer first screenshots)
    await this.page.locator('.part.statusbar [id="status.problems"]').waitFor({ timeout: 60_000 });
  }

  /** Console errors that are not the workbench's known noise (see KNOWN_CONSOLE_NOISE). */
  unexpectedConsoleErrors(): string[] {
    return this.consoleErrors.filter((e) => !KNOWN_CONSOLE_NOISE.some((re) => re.test(e)));
  }

  // ─── views and trees ─────────────────────────────────────────────────────────────────────────

  /** An activity bar entry by its title (its aria-label is the title, or "Title (Ctrl+Shift+E)"). */
  activityBarItem(title: string): Locator {
    const t = cssString(title);
    return this.page.locator(`.part.activitybar .action-item:has(> .action-label[aria-label="${t}"]), .part.activitybar .action-item:has(> .action-label[aria-label^="${t} ("])`).first();
  }

  /** Waits until a contributed view container shows in the activity bar (its extension is registered). */
  async waitForActivityBarItem(title = 'GitOps Pilot'): Promise<void> {
    try {
      await this.activityBarItem(title).waitFor({ timeout: Math.max(this.timeoutMs, 60_000) });
    } catch {
      const titles = await this.page.locator('.part.activitybar .action-item > .action-label').evaluateAll((els: DomEl[]) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      throw new Error(`activity bar has no "${title}" (is the extension loaded?); it has: ${JSON.stringify(titles)}`);
    }
  }

  /** Opens a view container from the activity bar by its title (does not toggle it closed when open). */
  async openView(containerTitle = 'GitOps Pilot'): Promise<void> {
    await this.waitForActivityBarItem(containerTitle);
    const item = this.activityBarItem(containerTitle);
    const isOpen = async () => ((await item.getAttribute('class')) ?? '').split(/\s+/).includes('checked') && (await this.page.locator('.part.sidebar').isVisible());
    if (!(await isOpen())) await item.locator('.action-label').click();
    await this.until(isOpen, () => `the "${containerTitle}" side bar to open`);
    await this.page.locator('.part.sidebar .pane-body').first().waitFor();
  }

  /** A view (pane) in the open side bar, by its name ("Environments"). */
  view(name = 'Environments'): Locator {
    return this.page.locator(`.pane:has(> .pane-header[aria-label="${cssString(name)} Section"])`);
  }

  /** Rows of a view's tree as shown now (only rendered rows: keep trees small or scroll). */
  async treeRows(view = 'Environments'): Promise<TreeRow[]> {
    return this.view(view)
      .locator('.monaco-list-row')
      .evaluateAll((els: DomEl[]) =>
        els.map((el) => {
          const exp = el.getAttribute('aria-expanded');
          return {
            label: el.querySelector('.label-name')?.textContent?.trim() ?? '',
            description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
            ariaLabel: el.getAttribute('aria-label') ?? '',
            level: Number(el.getAttribute('aria-level') ?? 1),
            expanded: exp === null ? undefined : exp === 'true',
          };
        }),
      );
  }

  /** Waits until the rows satisfy `check` (return true), and returns them; the error shows the last rows seen. */
  async waitForRows(check: (rows: TreeRow[]) => boolean, what: string, view = 'Environments'): Promise<TreeRow[]> {
    let rows: TreeRow[] = [];
    await this.until(async () => check((rows = await this.treeRows(view))), () => `${what}; rows: ${JSON.stringify(rows.map((r) => `${r.label} — ${r.description}`))}`);
    return rows;
  }

  /** The row with this label (exact, or a RegExp), optionally with a matching description. */
  row(label: TextMatch, opts: { description?: TextMatch; view?: string } = {}): Locator {
    let rows = this.view(opts.view).locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exact(label) }) });
    if (opts.description !== undefined) rows = rows.filter({ has: this.page.locator('.label-description', { hasText: exact(opts.description) }) });
    return rows.first();
  }

  /** Waits for a row (and its description) to be shown, and returns it. */
  async waitForRow(label: TextMatch, opts: { description?: TextMatch; view?: string } = {}): Promise<Locator> {
    const row = this.row(label, opts);
    try {
      await row.waitFor();
    } catch {
      const rows = await this.treeRows(opts.view).catch(() => []);
      throw new Error(`row ${String(label)}${opts.description ? ` with description ${String(opts.description)}` : ''} not shown within ${this.timeoutMs} ms; rows: ${JSON.stringify(rows.map((r) => `${r.label} — ${r.description}`))}`);
    }
    return row;
  }

  /** Right-clicks a row and chooses a context-menu item by its title. */
  async contextMenu(label: TextMatch, item: string, opts: { view?: string } = {}): Promise<void> {
    await this.openContextMenu(label, opts);
    await this.chooseMenuItem(item);
  }

  /** Right-clicks a row and returns the titles of its context menu's items (the menu stays open). */
  async openContextMenu(label: TextMatch, opts: { view?: string } = {}): Promise<string[]> {
    const row = await this.waitForRow(label, opts);
    await row.click({ button: 'right' });
    const menu = this.page.locator('.monaco-menu').last();
    await menu.locator('.action-menu-item').first().waitFor();
    return (await menu.locator('.action-menu-item .action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  }

  /** Clicks an item of the open context menu. */
  async chooseMenuItem(item: string): Promise<void> {
    const menu = this.page.locator('.monaco-menu').last();
    await menu.waitFor();
    const entry = menu.locator('.action-menu-item').filter({ has: this.page.locator('.action-label', { hasText: exact(item) }) }).first();
    try {
      await entry.waitFor({ timeout: 5_000 });
    } catch {
      const items = await menu.locator('.action-menu-item .action-label').allInnerTexts();
      await this.page.keyboard.press('Escape');
      throw new Error(`context menu has no "${item}"; it has: ${JSON.stringify(items.filter(Boolean))}`);
    }
    // The menu sometimes ignores a click that comes right after it opened (while a live tree refreshes
    // under it): it stays open with the item highlighted. Click again until it closes.
    const shown = this.page.locator('.context-view .monaco-menu .action-menu-item').filter({ has: this.page.locator('.action-label', { hasText: exact(item) }) });
    for (let attempt = 1; ; attempt++) {
      await entry.click();
      try {
        await shown.first().waitFor({ state: 'hidden', timeout: 1_500 });
        return;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
  }

  /** Clicks a row's inline action (the icon shown on hover), by its title. */
  async inlineAction(label: TextMatch, action: string, opts: { view?: string } = {}): Promise<void> {
    const row = await this.waitForRow(label, opts);
    await row.hover();
    await row.locator(`.actions .action-label[aria-label="${cssString(action)}"]`).click();
  }

  // ─── command palette, quick pick, input box ──────────────────────────────────────────────────

  /** Runs a command from the palette by its title as shown there ("GitOps Pilot: Open Values File"). */
  async runCommand(title: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.locator('.monaco-workbench').press('F1');
    const input = this.quickInput().locator('.quick-input-box input');
    await input.waitFor();
    await input.fill(`>${title}`);
    const item = this.quickItems().filter({ has: this.page.locator('.label-name', { hasText: exact(title) }) }).first();
    try {
      await item.waitFor({ timeout: 10_000 });
    } catch {
      const seen = await this.quickItems().locator('.label-name').allInnerTexts();
      await this.closeQuickInput();
      throw new Error(`command "${title}" not in the palette; it shows: ${JSON.stringify(seen.slice(0, 10))}`);
    }
    await item.click();
  }

  /** The quick input widget (palette, quick pick, input box). */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private quickItems(): Locator {
    return this.quickInput().locator('.quick-input-list .monaco-list-row');
  }

  /** Waits for a quick pick and returns its items' labels (and descriptions). */
  async quickPickItems(): Promise<{ label: string; description: string }[]> {
    await this.quickItems().first().waitFor();
    return this.quickItems().evaluateAll((els: DomEl[]) =>
      els.map((el) => ({
        label: el.querySelector('.label-name')?.textContent?.trim() ?? '',
        description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
      })),
    );
  }

  /** Chooses the quick-pick item with this label; `placeholder` (optional) checks which question is asked. */
  async pickQuickItem(label: TextMatch, opts: { placeholder?: TextMatch } = {}): Promise<void> {
    await this.quickInput().waitFor();
    if (opts.placeholder !== undefined) await this.waitForPlaceholder(opts.placeholder);
    const item = this.quickItems().filter({ has: this.page.locator('.label-name', { hasText: exact(label) }) }).first();
    try {
      await item.waitFor();
    } catch {
      const seen = await this.quickPickItems().catch(() => []);
      throw new Error(`quick pick has no item ${String(label)}; it shows: ${JSON.stringify(seen.map((i) => i.label))}`);
    }
    await item.click();
  }

  /** Types an answer into the open input box (or quick pick filter) and presses Enter. */
  async answerInput(text: string, opts: { placeholder?: TextMatch } = {}): Promise<void> {
    const input = this.quickInput().locator('.quick-input-box input');
    await input.waitFor();
    if (opts.placeholder !== undefined) await this.waitForPlaceholder(opts.placeholder);
    await input.fill(text);
    await input.press('Enter');
  }

  /** The validation message of the open input box, '' when none. */
  async inputMessage(): Promise<string> {
    const msg = this.quickInput().locator('.quick-input-message');
    return (await msg.count()) ? (await msg.innerText()).trim() : '';
  }

  /** Waits until the open quick input asks this (its placeholder or aria label). */
  async waitForPlaceholder(p: TextMatch): Promise<void> {
    const input = this.quickInput().locator('.quick-input-box input');
    await this.until(async () => matches((await input.getAttribute('placeholder')) ?? (await input.getAttribute('aria-label')) ?? '', p), async () => `placeholder ${String(p)}; it is "${await input.getAttribute('placeholder')}"`);
  }

  /** Closes the quick input if it is open. */
  async closeQuickInput(): Promise<void> {
    if (await this.quickInput().isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden' });
    }
  }

  // ─── status bar, notifications, editor ───────────────────────────────────────────────────────

  async statusBarItems(): Promise<StatusBarItem[]> {
    return this.page.locator('.part.statusbar .statusbar-item').evaluateAll((els: DomEl[]) =>
      els.map((el) => ({ id: el.getAttribute('id') ?? '', text: (el.textContent ?? '').trim(), ariaLabel: el.getAttribute('aria-label') ?? '' })),
    );
  }

  /** Waits for a status bar item whose text (or id) matches, and returns it. */
  async waitForStatusBarItem(match: { text?: TextMatch; id?: string }): Promise<StatusBarItem> {
    let items: StatusBarItem[] = [];
    let found: StatusBarItem | undefined;
    await this.until(
      async () => {
        items = await this.statusBarItems();
        found = items.find((i) => (match.id === undefined || i.id === match.id) && (match.text === undefined || matches(i.text, match.text) || matches(i.ariaLabel, match.text)));
        return found !== undefined;
      },
      () => `status bar item ${JSON.stringify({ id: match.id, text: String(match.text) })}; items: ${JSON.stringify(items.map((i) => i.text || i.ariaLabel))}`,
    );
    return found!;
  }

  /** Texts of the notification toasts shown now. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-toast .notification-list-item-message').allInnerTexts();
  }

  /** Waits for a notification toast whose message matches, and returns its text. */
  async waitForNotification(message: TextMatch, timeoutMs = this.timeoutMs): Promise<string> {
    let seen: string[] = [];
    let found: string | undefined;
    await this.until(
      async () => {
        seen = await this.notifications();
        found = seen.find((n) => matches(n.trim(), message));
        return found !== undefined;
      },
      () => `a notification ${String(message)}; shown: ${JSON.stringify(seen)}`,
      timeoutMs,
    );
    return found!.trim();
  }

  /**
   * A notification that was shown, whether still a toast or already in the Notification Center: for a
   * message that arrives at the end of work the test has seen finish (a toast hides itself after a while,
   * and a slow machine can take that long between two looks). Looks at the toasts first (up to
   * `toastMs`; 0: straight to the center), then opens the Notification Center, reads it and closes it again.
   */
  async waitForShownNotification(message: TextMatch, toastMs = 10_000): Promise<string> {
    const inToasts = toastMs > 0 ? await this.waitForNotification(message, toastMs).catch(() => undefined) : undefined;
    if (inToasts) return inToasts;
    await this.runCommand('Notifications: Show Notifications');
    const center = this.page.locator('.notifications-center .notification-list-item-message');
    let seen: string[] = [];
    let found: string | undefined;
    try {
      await this.until(
        async () => {
          seen = await center.allInnerTexts();
          found = seen.find((n) => matches(n.trim(), message));
          return found !== undefined;
        },
        () => `a notification ${String(message)} in the toasts or the Notification Center; the center shows: ${JSON.stringify(seen)}`,
        10_000,
      );
    } finally {
      await this.page.locator('.monaco-workbench').press('Escape').catch(() => undefined);
    }
    return found!.trim();
  }

  /** Clicks a button (e.g. "Deploy to dev") of the notification toast whose message matches. */
  async clickNotificationButton(message: TextMatch, button: string): Promise<void> {
    await this.waitForNotification(message);
    const toast = this.page.locator('.notification-toast').filter({ has: this.page.locator('.notification-list-item-message', { hasText: typeof message === 'string' ? message : message }) });
    await toast.locator('.monaco-button', { hasText: exact(button) }).first().click();
  }

  /** The modal dialog shown now (message, detail, buttons), or undefined. */
  async dialog(): Promise<{ message: string; detail: string; buttons: string[] } | undefined> {
    const box = this.page.locator('.monaco-dialog-box');
    if (!(await box.count()) || !(await box.first().isVisible())) return undefined;
    const text = async (sel: string) => ((await box.locator(sel).count()) ? (await box.locator(sel).first().innerText()).trim() : '');
    return {
      message: await text('.dialog-message-text'),
      detail: await text('.dialog-message-detail'),
      buttons: (await box.locator('.dialog-buttons .monaco-button').allInnerTexts()).map((b) => b.trim()),
    };
  }

  /** Waits for a modal dialog whose message matches and returns it. */
  async waitForDialog(message: TextMatch): Promise<{ message: string; detail: string; buttons: string[] }> {
    let d: Awaited<ReturnType<Workbench['dialog']>>;
    await this.until(
      async () => {
        d = await this.dialog();
        return !!d && matches(d.message, message);
      },
      () => `a dialog ${String(message)}; shown: ${JSON.stringify(d ?? 'none')}`,
    );
    return d!;
  }

  /** Clicks a button of the open modal dialog ("Cancel" included) and waits for it to close. */
  async clickDialogButton(label: string): Promise<void> {
    const box = this.page.locator('.monaco-dialog-box');
    const clicked = await this.dialog();
    await box.locator('.dialog-buttons .monaco-button', { hasText: exact(label) }).first().click();
    // closed: no dialog, or already the next one (a flow may ask again at once, faster than a look sees the gap)
    let now: Awaited<ReturnType<Workbench['dialog']>>;
    await this.until(
      async () => {
        now = await this.dialog();
        return !now || now.message !== clicked?.message || now.detail !== clicked?.detail;
      },
      () => `the dialog ${JSON.stringify(clicked?.message)} to close after "${label}"; shown: ${JSON.stringify(now ?? 'none')}`,
    );
  }

  /** The active editor (path from its tab, cursor from the status bar), or undefined when none. */
  async activeEditor(): Promise<ActiveEditor | undefined> {
    const tabLabel = this.page.locator('.editor-group-container.active .tab.active .monaco-icon-label').first();
    if (!(await tabLabel.count())) return undefined;
    const path = (await tabLabel.getAttribute('aria-label')) ?? '';
    const sel = this.page.locator('.part.statusbar [id="status.editor.selection"]');
    const text = (await sel.count()) ? (await sel.innerText()).trim() : '';
    const m = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(text);
    if (!m) return undefined;
    return { path, fileName: path.split('/').pop() ?? path, line: Number(m[1]), col: Number(m[2]), selected: Number(m[3] ?? 0) };
  }

  /** Waits until the active editor shows a file (path match) and, if given, the cursor on `line` (1-based). */
  async waitForActiveEditor(want: { path: TextMatch; line?: number }): Promise<ActiveEditor> {
    let ed: ActiveEditor | undefined;
    await this.until(
      async () => {
        ed = await this.activeEditor();
        return !!ed && matches(ed.path, want.path) && (want.line === undefined || ed.line === want.line);
      },
      () => `active editor ${String(want.path)}${want.line ? ` at line ${want.line}` : ''}; it is ${JSON.stringify(ed ?? 'none')}`,
    );
    return ed!;
  }

  /** The text of the active editor's visible lines (Monaco renders only what is on screen). */
  async visibleEditorText(): Promise<string> {
    const lines = this.page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line');
    const items = await lines.evaluateAll((els: DomEl[]) => els.map((el) => ({ top: parseFloat(el.getAttribute('style')?.match(/top:\s*([\d.]+)px/)?.[1] ?? '0'), text: el.textContent ?? '' })));
    return items
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text.replace(/\u00a0/g, ' '))
      .join('\n');
  }

  // ─── screenshots and teardown ────────────────────────────────────────────────────────────────

  /** Saves out/test-results/<suite>/NN-name.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    const dir = join(repoRoot, 'out/test-results', this.opts.suite);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${String(++this.shots).padStart(2, '0')}-${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Moves the mouse to a corner so hovers (tooltips) close before a screenshot. */
  async moveMouseAway(): Promise<void> {
    await this.page.mouse.move(1, 1);
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }

  /** Closes the browser after printing the console errors the page logged that no test expected (they do not fail a test). */
  async closeReportingConsole(): Promise<void> {
    const unexpected = this.unexpectedConsoleErrors();
    if (unexpected.length) console.log(`browser console errors (not failing the test):\n${unexpected.map((e) => `  ${e.split('\n')[0]}`).join('\n')}`);
    await this.close();
  }

  /** Polls `check` until it is true or the timeout passes; the error says what was awaited and what was seen. */
  async until(check: () => Promise<boolean>, describe: () => string | Promise<string>, timeoutMs = this.timeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastErr: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (e) {
        lastErr = e;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${await describe()}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The part of a DOM element these helpers use (tsconfig has no DOM lib). */
interface DomEl {
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomEl | null;
  readonly textContent: string | null;
}

function exact(t: TextMatch): RegExp {
  return typeof t === 'string' ? new RegExp(`^\\s*${escapeRe(t)}\\s*$`) : t;
}

function matches(s: string, t: TextMatch): boolean {
  return typeof t === 'string' ? s === t : t.test(s);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssString(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}
