// A real headless Chromium (Debian's `chromium` package, or SAFE_DEPLOY_CHROMIUM)
// driven by playwright-core, for the report page's tests: each page records its
// console errors and uncaught exceptions.
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SAFE_DEPLOY_CHROMIUM || '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  // Root in CI containers: Chromium's own sandbox needs user namespaces it may not have.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A new page that keeps every console error, warning and uncaught exception in `problems`. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`exception: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(url);
  return { page, problems };
}
