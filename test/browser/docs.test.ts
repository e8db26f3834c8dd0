import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import { CHAT_PATHS } from '../../src/http/routes/chat-routes.js';
import { composeApp } from '../../src/server.js';
import { sqlite } from '../support/backends.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/docs.png';

/** A developer without Chromium is told how to get it; CI, which installs it (.ci/run), fails instead. */
const skipWithoutChromium =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `${CHROMIUM} is missing: install it with apt-get install chromium to run this test`
    : false;

/** Debian's Chromium, headless, on a fresh profile, with every background call home turned off. */
async function openBrowser(t: TestContext): Promise<BrowserContext> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs it with apt-get install chromium`);
  const profile = await mkdtemp(join(tmpdir(), 'parley-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: { width: 1280, height: 900 },
  });
  t.after(async () => {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
  });
  return browser;
}

/** The app on a real port of 127.0.0.1, as a browser reaches it. */
async function serveApp(t: TestContext): Promise<string> {
  const database = await sqlite.open();
  const app = composeApp({ storage: database.storage });
  t.after(async () => {
    await app.close();
    await database.close();
  });
  return app.listen({ host: '127.0.0.1', port: 0 });
}

test('the API reference at /docs shows the five methods and loads nothing from outside the server', {
  skip: skipWithoutChromium,
  timeout: 60_000,
}, async (t) => {
  const browser = await openBrowser(t);
  const origin = await serveApp(t);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));

  await page.goto(`${origin}/docs`);
  for (const path of CHAT_PATHS) await page.getByText(path, { exact: true }).first().waitFor({ timeout: 30_000 });
  await mkdir('test-artifacts', { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  await browser.close();

  const elsewhere = requested.filter((url) => !/^(data|blob):/.test(url) && new URL(url).hostname !== '127.0.0.1');
  assert.deepEqual(elsewhere, [], 'every request stays on 127.0.0.1');
  assert.ok(
    requested.some((url) => url.endsWith('.js')),
    'the page script comes from this server',
  );
});
