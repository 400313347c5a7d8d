#!/usr/bin/env node
// End-to-end test of the web UI against a running kefu server.
//
//   KEFU_URL=http://127.0.0.1:8080 KEFU_AGENT_EMAIL=a@x KEFU_AGENT_PASSWORD=secret123 node e2e/run.mjs
//
// Drives Debian's chromium (/usr/bin/chromium, override with KEFU_CHROMIUM) through playwright-core:
// one browser profile is the customer on the widget page, another the agent on /console.
// Prints one line per test and ends with "N passed, M failed"; exits 1 on any failure.
// Screenshots of failures go to e2e/artifacts/.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = (process.env.KEFU_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const EMAIL = process.env.KEFU_AGENT_EMAIL;
const PASSWORD = process.env.KEFU_AGENT_PASSWORD;
const EXECUTABLE = process.env.KEFU_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = +(process.env.KEFU_E2E_TIMEOUT_MS || 20000);
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (!EMAIL || !PASSWORD) {
  console.error('KEFU_AGENT_EMAIL and KEFU_AGENT_PASSWORD must be set (KEFU_URL defaults to http://127.0.0.1:8080)');
  console.log('0 passed, 1 failed');
  process.exit(2);
}

// ---------------------------------------------------------------- tiny runner
const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const logs = [];

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

// ---------------------------------------------------------------- fixtures
const stamp = Date.now().toString(36);
const customerText = `你好，请问如何绑定银行卡？（测试 ${stamp}）`;
const customerText2 = `好的，谢谢！我再试一下。（${stamp}）`;
const agentText = `您好，我是客服，正在为您查询，请稍候。（${stamp}）`;

const profiles = [];
async function openProfile(label, locale) {
  const dir = mkdtempSync(join(tmpdir(), `kefu-e2e-${label}-`));
  profiles.push(dir);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: EXECUTABLE,
    headless: true,
    args: ARGS,
    locale,
    viewport: { width: 1280, height: 800 },
  });
  ctx.setDefaultTimeout(TIMEOUT);
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logs.push(`[${label} console.${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => logs.push(`[${label} pageerror] ${e.message}`));
  page.on('requestfailed', (r) => logs.push(`[${label} requestfailed] ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) logs.push(`[${label} http ${r.status()}] ${r.request().method()} ${r.url()}`);
  });
  return { ctx, page };
}

const sel = {
  item: (sender, text, status) =>
    `[data-testid="message-item"][data-sender="${sender}"]${status ? `[data-status="${status}"]` : ''}:has-text(${JSON.stringify(text)})`,
};

let customer; // { ctx, page }
let agent;
let conversationId;

// ---------------------------------------------------------------- tests
test('customer opens the widget and sends a message in Chinese (acknowledged)', async () => {
  const p = customer.page;
  await p.goto(`${BASE}/`);
  await p.getByTestId('widget-launcher').click();
  const input = p.getByTestId('message-input');
  await input.waitFor({ state: 'visible' });
  await input.fill(customerText);
  await p.getByTestId('send-button').click();
  await p.waitForSelector(sel.item('customer', customerText, 'sent'));
  const session = await p.evaluate(() => JSON.parse(localStorage.getItem('kefu.widget.session') || 'null'));
  expect(session && session.token && session.conversation_id !== undefined, 'widget session not kept in localStorage');
  conversationId = String(session.conversation_id);
});

test('agent signs in and sees the conversation waiting', async () => {
  const p = agent.page;
  await p.goto(`${BASE}/console`);
  await p.getByTestId('login-email').fill(EMAIL);
  await p.getByTestId('login-password').fill(PASSWORD);
  await p.getByTestId('login-submit').click();
  await p.getByTestId('logout-button').waitFor({ state: 'visible' });
  const token = await p.evaluate(() => sessionStorage.getItem('kefu.console.token'));
  expect(token, 'staff token not kept in sessionStorage');
  await p.waitForSelector(`[data-testid="waiting-item"][data-conversation-id="${conversationId}"]`);
});

test('agent opens the conversation, sees the history and accepts it', async () => {
  const p = agent.page;
  await p.click(`[data-testid="waiting-item"][data-conversation-id="${conversationId}"]`);
  await p.waitForSelector(sel.item('customer', customerText));
  await p.getByTestId('accept-button').click();
  await p.getByTestId('reply-input').waitFor({ state: 'visible' });
  await p.waitForSelector(`[data-testid="mine-item"][data-conversation-id="${conversationId}"]`);
  const stillWaiting = await p.$(`[data-testid="waiting-item"][data-conversation-id="${conversationId}"]`);
  expect(!stillWaiting, 'conversation still listed as waiting after accept');
});

test('customer is told which agent serves them', async () => {
  const name = (await agent.page.getByTestId('staff-name').textContent())?.trim();
  const p = customer.page;
  await p.getByTestId('system-note').first().waitFor({ state: 'visible' });
  const note = (await p.getByTestId('system-note').last().textContent()) ?? '';
  expect(!name || note.includes(name), `assignment line "${note.trim()}" does not name the agent "${name}"`);
});

test('agent typing shows the typing indicator to the customer', async () => {
  await agent.page.getByTestId('reply-input').pressSequentially('您好', { delay: 30 });
  await customer.page.waitForFunction(
    () => (document.querySelector('[data-testid="typing-indicator"]')?.textContent ?? '').trim().length > 0,
    null,
    { timeout: TIMEOUT },
  );
});

test('agent reply is acknowledged and reaches the customer', async () => {
  const p = agent.page;
  await p.getByTestId('reply-input').fill(agentText);
  await p.getByTestId('reply-send').click();
  await p.waitForSelector(sel.item('staff', agentText, 'sent'));
  await customer.page.waitForSelector(sel.item('staff', agentText));
  // a message from the agent hides the typing indicator
  await customer.page.waitForFunction(
    () => (document.querySelector('[data-testid="typing-indicator"]')?.textContent ?? '').trim() === '',
    null,
    { timeout: TIMEOUT },
  );
});

test('customer answer reaches the agent live', async () => {
  const p = customer.page;
  await p.getByTestId('message-input').fill(customerText2);
  await p.keyboard.press('Enter');
  await p.waitForSelector(sel.item('customer', customerText2, 'sent'));
  await agent.page.waitForSelector(sel.item('customer', customerText2));
});

test('reloading the widget page resumes the same conversation', async () => {
  const p = customer.page;
  await p.reload();
  const panel = p.getByTestId('widget-panel');
  if (!(await panel.isVisible())) await p.getByTestId('widget-launcher').click();
  await p.waitForSelector(sel.item('customer', customerText));
  await p.waitForSelector(sel.item('staff', agentText));
  await p.waitForSelector(sel.item('customer', customerText2));
  const session = await p.evaluate(() => JSON.parse(localStorage.getItem('kefu.widget.session') || 'null'));
  expect(String(session?.conversation_id) === conversationId, 'conversation id changed after reload');
});

test('console lists the accepted conversation as mine after a reload', async () => {
  const p = agent.page;
  await p.reload();
  await p.waitForSelector(`[data-testid="mine-item"][data-conversation-id="${conversationId}"]`);
});

// ---------------------------------------------------------------- run
let passed = 0;
let failed = 0;
let notRun = 0;
let broken = false;
try {
  customer = await openProfile('customer', 'zh-CN');
  agent = await openProfile('agent', 'zh-CN');
} catch (e) {
  console.error(`cannot start ${EXECUTABLE}: ${e.message}`);
  broken = true;
}

for (const t of tests) {
  if (broken) {
    console.log(`✗ ${t.name} (not run: an earlier step failed)`);
    failed++;
    notRun++;
    continue;
  }
  const t0 = Date.now();
  try {
    await t.fn();
    passed++;
    console.log(`✓ ${t.name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    broken = true; // the steps build on each other
    console.log(`✗ ${t.name} (${Date.now() - t0} ms)\n    ${String(e?.message ?? e).split('\n').join('\n    ')}`);
    try {
      mkdirSync(ARTIFACTS, { recursive: true });
      const slug = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await customer?.page.screenshot({ path: join(ARTIFACTS, `${slug}-customer.png`) });
      await agent?.page.screenshot({ path: join(ARTIFACTS, `${slug}-agent.png`) });
      console.log(`    screenshots in ${ARTIFACTS}`);
    } catch {
      /* best effort */
    }
    if (logs.length) console.log('    browser log:\n      ' + logs.slice(-30).join('\n      '));
  }
}

await customer?.ctx.close().catch(() => {});
await agent?.ctx.close().catch(() => {});
for (const d of profiles) rmSync(d, { recursive: true, force: true });

if (notRun) console.log(`(${notRun} not run after an earlier failure, counted as failed)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
