/**
 * Driving a real headless Chromium (playwright-core, Debian's /usr/bin/chromium) for the browser
 * suites: launching it, watching a page for errors, and using GraphiQL's editors and buttons the
 * way a person does (click into an editor, select all, paste, press the run button, read the
 * result pane).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, ...extraArgs] });
}

/** Polls until `probe` satisfies `done`, returning its last value (jest has no expect.poll). */
export async function waitFor<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Records what a person with the devtools open would see go wrong on a page: console errors and
 * warnings, uncaught exceptions, failed requests and HTTP error responses. Each line is prefixed
 * with `label`.
 */
export function watchPage(page: Page, label: string, problems: string[]): void {
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const where = message.location().url;
    problems.push(`${label}: console ${message.type()}: ${message.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`${label}: pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${label}: HTTP ${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`${label}: request failed ${request.url()}: ${request.failure()?.errorText ?? ''}`));
}

/** The tests run no DOM lib; these are the few browser globals the page functions below touch. */
interface CodeMirrorHost {
  CodeMirror: { getValue(): string };
}
declare const document: { querySelector(selector: string): CodeMirrorHost | null };

export const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
export const HEADERS_EDITOR = 'section.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
export const RESULT_PANE = '.graphiql-response .CodeMirror';
export const EXECUTE_BUTTON = '.graphiql-execute-button';

/** One browser tab showing GraphiQL. */
export class GraphiqlTab {
  constructor(readonly page: Page) {}

  /** Opens GraphiQL and waits until its query editor is there. */
  async open(url: string): Promise<void> {
    const response = await this.page.goto(url);
    if (response?.status() !== 200) throw new Error(`GET ${url} answered ${response?.status()}`);
    await this.page.waitForSelector(QUERY_EDITOR, { timeout: 20_000 });
    await this.page.waitForSelector(HEADERS_EDITOR, { timeout: 20_000 });
  }

  /** The text in one of the CodeMirror editors, as CodeMirror holds it (it renders only visible lines). */
  editorValue(selector: string): Promise<string> {
    return this.page.evaluate((sel) => document.querySelector(sel)?.CodeMirror.getValue() ?? '', selector);
  }

  /**
   * Clicks into an editor, selects everything and pastes `text` over it (one input event, so
   * GraphiQL's bracket auto-closing and autocompletion, which react to keys, stay out of it).
   */
  async replaceEditorText(selector: string, text: string): Promise<void> {
    await this.page.click(selector);
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.insertText(text);
    const value = await waitFor(() => this.editorValue(selector), (v) => v === text, 5_000);
    if (value !== text) throw new Error(`editor ${selector} holds ${JSON.stringify(value)} after pasting ${JSON.stringify(text)}`);
    // GraphiQL digests edits (the operations in the document, which one the run button runs) after a debounce.
    await this.page.waitForTimeout(750);
  }

  /** Opens the Headers tab under the query editor and pastes the Authorization header for `key`. */
  async useKey(key: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Headers', exact: true }).click();
    await this.replaceEditorText(HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2));
  }

  /** Pastes an operation into the query editor. */
  async pasteOperation(document: string): Promise<void> {
    await this.replaceEditorText(QUERY_EDITOR, document);
  }

  /** Presses the run button (the stop button while a subscription runs). */
  async run(): Promise<void> {
    await this.page.click(EXECUTE_BUTTON);
  }

  /** A screenshot of what a person sees, with the pointer moved off the editors (no hover tooltips). */
  async screenshot(path: string): Promise<void> {
    // An empty spot of GraphiQL's left sidebar; the editors' hover tooltips fade out in a few hundred ms.
    await this.page.mouse.move(30, 400);
    await this.page.waitForTimeout(600);
    await this.page.screenshot({ path });
  }

  resultText(): Promise<string> {
    return this.editorValue(RESULT_PANE);
  }

  /** Waits until the result pane satisfies `done`; returns its last text either way. */
  waitForResult(done: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    return waitFor(() => this.resultText(), done, timeoutMs);
  }
}

/** Parses the result pane's JSON, naming the text when it is not JSON. */
export function parseResult(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(text === '' ? 'the result pane is empty: no result arrived in time' : `the result pane does not hold JSON: ${JSON.stringify(text)}`);
  }
}
