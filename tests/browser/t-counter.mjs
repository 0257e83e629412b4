/*
 * browser.counter — the counter web UI (web/) end to end in a real browser:
 * Debian's chromium driven by playwright-core, against the real `atena serve`
 * on a fresh data directory.
 *
 *   clerk1: first login with the password change, a reason and a case number,
 *           転入 of a two-person household through the form, search in
 *           hiragana, the 住民票 (screenshot), 住民票の写し as PDF, 転居, an
 *           ex officio correction (held for four-eyes), logout.
 *   clerk2: a new browser context; sees the held correction, approves it, sees
 *           the queue empty and the corrected record with its approver; then a
 *           session ended behind the UI's back sends it back to the login
 *           screen with a message.
 * Along the way: the token is never in localStorage, sessionStorage or a
 * cookie; the console never shows personal data; no CSP violation, no
 * uncaught error; My Number never appears in the result list.
 *
 * Environment: ATENA_BIN (the binary), ATENA_TEST_TMP (scratch space; the
 * screenshots are kept there), ATENA_CHROMIUM (default /usr/bin/chromium),
 * ATENA_BROWSER_TMP (a short temp dir for chromium; run.sh sets it).
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.ATENA_BIN;
const TMPROOT = process.env.ATENA_TEST_TMP || '/tmp';
const CHROMIUM = process.env.ATENA_CHROMIUM || '/usr/bin/chromium';
const T0 = Date.now();
const DEADLINE_MS = 110_000;   // the whole test stays under two minutes

let passed = 0;
let failed = 0;
const log = (...a) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1)}s]`, ...a);

function check(what, cond, detail = '') {
	if (cond) {
		passed++;
	} else {
		failed++;
		console.log(`FAIL: ${what}${detail ? ` — ${detail}` : ''}`);
	}
	return !!cond;
}

function finish(code) {
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(code ?? (failed ? 1 : 0));
}

if (!BIN) {
	console.log('FAIL: ATENA_BIN is not set (ctest sets it)');
	failed++;
	finish(1);
}

mkdirSync(TMPROOT, { recursive: true });
const WORK = mkdtempSync(join(TMPROOT, 'browser-'));
const DATA = join(WORK, 'data');
const SHOTS = join(TMPROOT, 'browser-shots');
mkdirSync(SHOTS, { recursive: true });
/* playwright gives chromium a fresh --user-data-dir under the temp dir, and
 * chromium puts its SingletonSocket there: a Unix socket path has at most 108
 * bytes, so the temp dir is a short one under /tmp whatever the checkout path
 * (run.sh makes it and removes it; run directly, this makes its own). */
const OWN_BROWSER_TMP = !process.env.ATENA_BROWSER_TMP;
const BROWSER_TMP = process.env.ATENA_BROWSER_TMP || mkdtempSync('/tmp/atb.');
process.env.TMPDIR = BROWSER_TMP;

/* ---- The binary ------------------------------------------------------------- */

function atena(...args) {
	return execFileSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ATENA_DATA: DATA } });
}

function addUser(id, name, dept, ...extra) {
	const out = atena('user', 'add', '--data', DATA, '--id', id, '--name', name, '--department', dept, ...extra);
	const pw = /^initial password:\s+(\S+)/m.exec(out);
	const secret = /^TOTP secret:\s+([A-Z2-7]+)/m.exec(out);
	if (!pw || !secret) throw new Error(`could not read the password and TOTP secret of ${id}`);
	return { id, password: pw[1], secret: secret[1] };
}

/* RFC 6238 with HMAC-SHA-1 (the default for new secrets), 6 digits, 30 s; the secret is base32 (RFC 4648). */
function base32(s) {
	const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0;
	let acc = 0;
	const out = [];
	for (const ch of s.replace(/=+$/, '')) {
		const v = abc.indexOf(ch.toUpperCase());
		if (v < 0) throw new Error('bad base32');
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out.push((acc >>> bits) & 0xff);
		}
	}
	return Buffer.from(out);
}

export function totp(secret, time = Date.now() / 1000) {
	const counter = Math.floor(time / 30);
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(counter));
	const mac = createHmac('sha1', base32(secret)).update(msg).digest();
	const off = mac[mac.length - 1] & 0x0f;
	const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
	return String(bin % 1_000_000).padStart(6, '0');
}

/* A valid My Number from 11 digits (平成26年総務省令第85号 第5条). */
function myNumber(d11) {
	let sum = 0;
	for (let n = 1; n <= 11; n++) sum += Number(d11[11 - n]) * (n <= 6 ? n + 1 : n - 5);
	const r = sum % 11;
	return d11 + String(r <= 1 ? 0 : 11 - r);
}

function isoDay(offsetDays) {
	const t = new Date(Date.now() + offsetDays * 86_400_000);
	return t.toISOString().slice(0, 10);
}

let server = null;
let serverLog = '';

function startServer() {
	return new Promise((resolve, reject) => {
		server = spawn(BIN, ['serve', '--data', DATA, '--listen', '127.0.0.1:0', '--threads', '4'],
			{ env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
		const timer = setTimeout(() => reject(new Error(`server did not start:\n${serverLog}`)), 10_000);
		const onData = (b) => {
			serverLog += b.toString();
			const m = /listening on (http:\/\/\S+)/.exec(serverLog);
			if (m) {
				clearTimeout(timer);
				resolve(m[1].replace(/\/$/, ''));
			}
		};
		server.stdout.on('data', onData);
		server.stderr.on('data', (b) => { serverLog += b.toString(); });
		server.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`server exited (${code}):\n${serverLog}`));
		});
	});
}

/* ---- The browser ------------------------------------------------------------ */

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=ja-JP'];

const consoleLines = [];   // every console message and page error, to check for leaks
const pageErrors = [];
const cspViolations = [];

function watch(page, who) {
	page.on('console', (m) => {
		consoleLines.push(`${who} ${m.type()}: ${m.text()}`);
		if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
	});
	page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
}

async function shot(page, name) {
	const path = join(SHOTS, `${name}.png`);
	await page.screenshot({ path, fullPage: false });
	log(`screenshot ${path}`);
	return path;
}

async function visible(page, sel, timeout = 5000) {
	try {
		await page.locator(sel).first().waitFor({ state: 'visible', timeout });
		return true;
	} catch {
		return false;
	}
}

/* Waits until sel's text contains want (true), or gives up after timeout (false). */
async function textHas(page, sel, want, timeout = 5000) {
	try {
		await page.waitForFunction(([s, w]) => (document.querySelector(s)?.textContent || '').includes(w), [sel, want], { timeout });
		return true;
	} catch {
		return false;
	}
}

/* Everything a person could read on the page, or that a form still holds. */
async function pageData(page) {
	return page.evaluate(() => document.body.innerText + '\n' + document.documentElement.outerHTML + '\n' +
		[...document.querySelectorAll('input, textarea, select')].map((e) => e.value).join('\n'));
}

async function text(page, sel) {
	return (await page.locator(sel).first().textContent({ timeout: 5000 })) || '';
}

/* Logs in through the form, with the first-login password change. Returns the
 * token the server gave (read off the wire, to check where the page keeps it). */
async function login(page, user, newPassword, terminal) {
	await page.fill('#login-staff', user.id);
	await page.fill('#login-password', user.password);
	const code = totp(user.secret);
	await page.fill('#login-totp', code);
	await page.fill('#login-terminal', terminal);
	await page.click('#login-submit');
	check(`${user.id}: first login asks for a new password`, await visible(page, '#login-newpw'));
	check(`${user.id}: and says why`, /パスワード/.test(await text(page, '#login-notice')));
	await page.fill('#login-newpw', newPassword);
	await page.fill('#login-newpw2', newPassword);
	const resp = page.waitForResponse((r) => r.url().endsWith('/api/v1/sessions') && r.request().method() === 'POST');
	await page.click('#login-submit');
	const r = await resp;
	check(`${user.id}: login with new password → 201`, r.status() === 201, `status ${r.status()}`);
	const token = (await r.json()).token;
	user.password = newPassword;
	check(`${user.id}: the app opens`, await visible(page, '#task-reason'));
	check(`${user.id}: the app bar names the clerk`, (await text(page, '#who-terminal')) === terminal);
	return token;
}

async function startTask(page, reason, caseId) {
	check('nav is disabled before a reason is given', await page.locator('.sidenav button[data-screen="search"]').isDisabled());
	await page.click('#task-start');
	check('a missing reason is refused in the task bar', await visible(page, '#task-error'));
	await page.fill('#task-reason', reason);
	if (caseId) await page.fill('#task-case', caseId);
	await page.click('#task-start');
	check('the task is set', await visible(page, '#task-end'));
	check('nav is enabled once the reason is set', await page.locator('.sidenav button[data-screen="search"]').isEnabled());
}

async function tokenKeptOut(page, token, who) {
	const where = await page.evaluate(() => JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage }, c: document.cookie }));
	check(`${who}: the token is not in localStorage, sessionStorage or a cookie`, !where.includes(token));
	const cookies = await page.context().cookies();
	check(`${who}: no cookies at all`, cookies.length === 0);
}

/* ---- The test --------------------------------------------------------------- */

const HOUSEHOLD = [
	{ name: '目黒 太郎', kana: 'メグロ タロウ', birth: '1980-04-01', sex: '1', rel: '世帯主', rc: '12345678901', mn: myNumber('23456789012') },
	{ name: '目黒 花子', kana: 'めぐろ はなこ', birth: '1982-07-15', sex: '2', rel: '妻', rc: '12345678902', mn: myNumber('34567890123') },
];

async function main() {
	log('setting up a data directory');
	atena('init', '--data', DATA, '--municipality', '131105');
	addUser('admin', '管理 太郎', '情報政策課', '--admin');
	const clerk1 = addUser('clerk1', '窓口 花子', '区民課', '--by', 'admin');
	const clerk2 = addUser('clerk2', '確認 次郎', '区民課', '--by', 'admin');
	for (const c of ['clerk1', 'clerk2'])
		atena('grant', '--data', DATA, '--staff', c, '--business', 'resident_register', '--access', 'update', '--by', 'admin', '--reason', '窓口担当');
	const base = await startServer();
	log(`server at ${base}`);

	const browser = await chromium.launch({
		executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS, timeout: 30_000,
		env: { ...process.env, LANG: 'ja_JP.UTF-8', LANGUAGE: 'ja' },
	});
	log(`chromium ${browser.version()}`);
	try {
		await clerk1Flow(browser, base, clerk1);
		await clerk2Flow(browser, base, clerk2);
	} finally {
		await browser.close();
	}
}

let ADDRESSEE = '';   // 目黒 太郎's addressee number
let PENDING_FIELD = '';

async function clerk1Flow(browser, base, clerk1) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ja-JP', timezoneId: 'UTC' });
	ctx.setDefaultTimeout(10_000);
	const page = await ctx.newPage();
	watch(page, 'clerk1');
	try {
		const res = await page.goto(base + '/');
		check('GET / serves the UI', res && res.status() === 200);
		check('the UI is under a CSP', /default-src 'self'/.test((res && res.headers()['content-security-policy']) || ''));
		check('the login screen shows', await visible(page, '#login-form'));
		await shot(page, 'counter-01-login');

		/* A wrong code is refused without opening anything. */
		await page.fill('#login-staff', clerk1.id);
		await page.fill('#login-password', 'not-the-password');
		await page.fill('#login-totp', '000000');
		await page.fill('#login-terminal', 'T-KUMIN-03');
		await page.click('#login-submit');
		check('a wrong password is refused on the login screen', await visible(page, '#login-form .form-error'));
		await page.fill('#login-totp', '');

		const token = await login(page, clerk1, 'Meguro-counter-2026a', 'T-KUMIN-03');
		await tokenKeptOut(page, token, 'clerk1');
		await startTask(page, '転入届の受付', 'R8-0001');

		/* The reason reaches the server as an RFC 8187 ext-value. */
		const sent = page.waitForRequest((r) => r.url().includes('/api/v1/') && !!r.headers()['x-atena-reason']);
		await page.click('.sidenav button[data-screen="pending"]');
		const hdr = (await sent).headers();
		check('X-Atena-Reason is sent percent-encoded', hdr['x-atena-reason'] === "UTF-8''" + encodeURIComponent('転入届の受付'), hdr['x-atena-reason']);
		check('X-Atena-Case is sent', hdr['x-atena-case'] === "UTF-8''R8-0001", hdr['x-atena-case']);
		check('X-Atena-Business is resident_register', hdr['x-atena-business'] === 'resident_register');

		/* ---- 転入 ---- */
		await page.click('.sidenav button[data-screen="move_in"]');
		check('the 転入 form shows', await visible(page, '#form-move_in'));
		/* A slip is named next to its field before anything is sent. */
		await page.click('#form-move_in button[type="submit"]');
		check('client check: the address is required', await visible(page, '#mi-address[aria-invalid="true"]'));
		await page.fill('#mi-event-date', isoDay(-5));
		await page.fill('#mi-notif-date', isoDay(-1));
		await page.fill('#mi-postcode', '1530061');
		await page.fill('#mi-address', '東京都目黒区中目黒一丁目1番1号');
		await page.fill('#mi-supp', 'アテナハイツ101');
		await page.fill('#mi-prev-code', '131016');
		await page.fill('#mi-prev-address', '東京都千代田区千代田一丁目1番');
		await page.click('#mi-add-person');
		for (let i = 0; i < HOUSEHOLD.length; i++) {
			const p = HOUSEHOLD[i];
			await page.fill(`#mi-p${i}-name`, p.name);
			await page.fill(`#mi-p${i}-name_kana`, p.kana);
			await page.fill(`#mi-p${i}-birth_date`, p.birth);
			await page.selectOption(`#mi-p${i}-sex`, p.sex);
			await page.fill(`#mi-p${i}-relationship`, p.rel);
			await page.fill(`#mi-p${i}-resident_code`, p.rc);
			await page.fill(`#mi-p${i}-my_number`, p.mn);
		}
		/* A wrong check digit is caught in the browser first. */
		const badMn = HOUSEHOLD[1].mn.slice(0, 11) + String((Number(HOUSEHOLD[1].mn[11]) + 1) % 10);
		await page.fill('#mi-p1-my_number', badMn);
		await page.click('#form-move_in button[type="submit"]');
		check('client check: a wrong My Number check digit is named', await visible(page, '#mi-p1-my_number[aria-invalid="true"]'));
		await page.fill('#mi-p1-my_number', HOUSEHOLD[1].mn);
		const evResp = page.waitForResponse((r) => r.url().includes('/registry/events/move_in'));
		await page.click('#form-move_in button[type="submit"]');
		const ev = await evResp;
		const evBody = await ev.json().catch(() => ({}));
		if (!check('転入 is accepted (201)', ev.status() === 201, `status ${ev.status()} ${JSON.stringify(evBody).slice(0, 300)}`)) {
			await shot(page, 'counter-fail-move-in');
			throw new Error('move_in refused');
		}
		check('転入 records both persons', (evBody.records || []).length === 2);
		check('the result is shown', await visible(page, '#screen-move_in .result h3'));
		await shot(page, 'counter-02-move-in-done');

		/* ---- 住民検索 in hiragana ---- */
		await page.click('.sidenav button[data-screen="search"]');
		await page.fill('#s-kana', 'めぐろ');
		const sResp = page.waitForResponse((r) => r.url().includes('/registry/search'));
		await page.click('#search-form button[type="submit"]');
		const sr = await sResp;
		const srBody = await sr.json().catch(() => ({}));
		check('search → 200', sr.status() === 200, `status ${sr.status()}`);
		await page.locator('#search-results table').waitFor();
		const rows = await page.locator('#search-results tbody tr').count();
		check('hiragana search finds the two persons', rows === 2, `${rows} rows`);
		const listText = await text(page, '#search-results');
		check('the list never shows My Number', !HOUSEHOLD.some((p) => listText.includes(p.mn) || listText.includes(p.mn.slice(0, 4) + ' ')));
		check('the list shows the names', listText.includes('目黒 太郎') && listText.includes('目黒 花子'));
		ADDRESSEE = ((srBody.records || []).find((r) => (r.items || {}).name === '目黒 太郎') || {}).subject || '';
		await shot(page, 'counter-03-search');

		/* ---- 住民票 ---- */
		await page.locator('#search-results button.link', { hasText: '目黒 太郎' }).click();
		check('the record opens', await visible(page, '#person-view'));
		check('the record shows the name', await textHas(page, '#p-name', '目黒 太郎'));
		check('the record is active (住民)', (await text(page, '#p-state')) === '住民');
		check('no support-measure banner', await page.locator('#support-banner').isHidden());
		const items = await text(page, '#panel-items');
		check('the address is shown', items.includes('東京都目黒区中目黒一丁目1番1号'));
		check('My Number is masked until asked', !items.includes(HOUSEHOLD[0].mn));
		if (!ADDRESSEE) ADDRESSEE = (await text(page, '#p-no')).trim();
		await shot(page, 'counter-04-record');
		await page.click('#tab-household');
		const hh = await text(page, '#panel-household');
		check('the household tab lists both members', hh.includes('目黒 太郎') && hh.includes('目黒 花子'));
		await shot(page, 'counter-05-household');
		await page.click('#tab-items');

		/* ---- 住民票の写し ---- */
		await page.click('#person-actions [data-go="certificate"]');
		check('the certificate form shows', await visible(page, '#cert-form'));
		await page.check('#cert-mn');
		check('the My Number warning shows when asked for', await visible(page, '#cert-number-warning'));
		await page.uncheck('#cert-mn');
		await page.selectOption('#cert-relation', 'self');
		await page.fill('#cert-req-name', '目黒 太郎');
		await page.fill('#cert-purpose', '運転免許証の申請');
		await shot(page, 'counter-06-certificate-form');
		const pdfResp = page.waitForResponse((r) => r.url().includes('/registry/certificates'));
		const popup = ctx.waitForEvent('page', { timeout: 5000 }).catch(() => null);
		/* Keep the blob the page makes, to read the bytes it opens in the tab. */
		await page.evaluate(() => {
			const make = URL.createObjectURL.bind(URL);
			URL.createObjectURL = (b) => { window.__certBlob = b; return make(b); };
		});
		await page.click('#cert-submit');
		const pr = await pdfResp;
		const pdf = await pr.body().catch(() => Buffer.alloc(0));
		if (!check('certificate → 200', pr.status() === 200, `status ${pr.status()} ${pdf.toString('utf8', 0, 300)}`))
			await shot(page, 'counter-fail-certificate');
		check('certificate is application/pdf', /^application\/pdf/.test(pr.headers()['content-type'] || ''), pr.headers()['content-type']);
		check('the request asked for format=pdf', /[?&]format=pdf/.test(pr.url()));
		const tab = await popup;
		if (tab) await tab.waitForURL(/^blob:/, { timeout: 5000 }).catch(() => {});
		check('the PDF opens in a new tab from a blob: URL', !!tab && tab.url().startsWith('blob:'), tab ? tab.url() : 'no tab');
		/* The page consumed the response into a blob, so playwright may no longer
		 * hold its body: read the bytes the tab shows instead. */
		let shown = pdf;
		if (shown.length < 4) {
			const bytes = await page.evaluate(async () => window.__certBlob
				? Array.from(new Uint8Array(await window.__certBlob.arrayBuffer())) : []);
			shown = Buffer.from(bytes);
		}
		check('certificate starts with %PDF', shown.subarray(0, 4).toString('latin1') === '%PDF');
		if (shown.subarray(0, 4).toString('latin1') === '%PDF') writeFileSync(join(SHOTS, 'counter-juminhyo.pdf'), shown);
		if (tab) await tab.close();

		/* ---- 転居 ---- */
		await page.click('.sidenav button[data-screen="person"]');
		await page.click('#person-actions [data-go="in_ward_move"]');
		check('the 転居 form names the household', (await page.locator('#form-in_ward_move input[name="member"]').count()) === 2);
		/* Moving part of a household: the movers form a household of their own. */
		await page.check('#form-in_ward_move input[name="move_mode"][value="new"]');
		check('a partial move asks who heads the new household', await visible(page, '#form-in_ward_move input[name="mover_hh"]'));
		await page.uncheck('#form-in_ward_move input[name="member"] >> nth=1');
		check('the householder leaving asks for a successor', await visible(page, '#form-in_ward_move-nh'));
		await shot(page, 'counter-07a-partial-move');
		await page.check('#form-in_ward_move input[name="move_mode"][value="whole"]');
		check('a whole-household move needs no successor', await page.locator('#form-in_ward_move-nh').count() === 0);
		await page.fill('#iw-event-date', isoDay(-2));
		await page.fill('#iw-notif-date', isoDay(-1));
		await page.fill('#iw-postcode', '1530042');
		await page.fill('#iw-address', '東京都目黒区青葉台二丁目2番2号');
		const mvResp = page.waitForResponse((r) => r.url().includes('/registry/events/in_ward_move'));
		await page.click('#form-in_ward_move button[type="submit"]');
		const mv = await mvResp;
		if (!check('転居 is accepted (201)', mv.status() === 201, `status ${mv.status()} ${(await mv.text().catch(() => '')).slice(0, 300)}`))
			await shot(page, 'counter-fail-in-ward-move');
		await page.click('.sidenav button[data-screen="person"]');
		await page.waitForFunction(() => document.querySelector('#panel-items')?.textContent.includes('青葉台'), null, { timeout: 5000 }).catch(() => {});
		check('the record shows the new address', (await text(page, '#panel-items')).includes('東京都目黒区青葉台二丁目2番2号'));
		await page.click('#tab-history');
		await page.locator('#panel-history table').waitFor({ timeout: 5000 }).catch(() => {});
		const hist = await text(page, '#panel-history');
		check('the history shows the second version', hist.includes('第2版'));
		check('the history shows the change of address', hist.includes('青葉台'));
		await shot(page, 'counter-07-history');

		/* ---- 出生 into this household, then the child's 転出届 ---- */
		await page.click('#tab-items');
		await page.click('#person-actions [data-go="birth"]');
		check('the 出生 form names the household', (await text(page, '#form-birth [data-target]')).includes('世帯番号'));
		await page.fill('#b-name', '目黒 一郎');
		await page.fill('#b-kana', 'めぐろ いちろう');
		await page.fill('#b-birth', isoDay(-3));
		await page.fill('#b-notif-date', isoDay(-1));
		await page.selectOption('#b-sex', '1');
		await page.fill('#b-rc', '12345678903');
		const biResp = page.waitForResponse((r) => r.url().includes('/registry/events/birth'));
		await page.click('#form-birth button[type="submit"]');
		const bi = await biResp;
		const biBody = await bi.json().catch(() => ({}));
		if (!check('出生 is accepted (201)', bi.status() === 201, `status ${bi.status()} ${JSON.stringify(biBody).slice(0, 300)}`))
			await shot(page, 'counter-fail-birth');
		await page.locator('#screen-birth .result button', { hasText: '住民票を表示' }).first().click();
		check('the child\'s record opens', await textHas(page, '#p-name', '目黒 一郎'));
		check('the child\'s reading is kept in katakana', (await text(page, '#p-kana')) === 'メグロ イチロウ');
		await page.click('#person-actions [data-go="move_out_planned"]');
		await page.fill('#mo-event-date', isoDay(10));
		await page.fill('#mo-notif-date', isoDay(0));
		await page.fill('#mo-code', '131016');
		await page.fill('#mo-address', '東京都千代田区千代田一丁目1番');
		const moResp = page.waitForResponse((r) => r.url().includes('/registry/events/move_out_planned'));
		await page.click('#form-move_out_planned button[type="submit"]');
		const mo = await moResp;
		if (!check('転出 (planned, dated ahead) is accepted (201)', mo.status() === 201, `status ${mo.status()} ${(await mo.text().catch(() => '')).slice(0, 300)}`))
			await shot(page, 'counter-fail-move-out');
		await page.click('.sidenav button[data-screen="person"]');
		check('the planned destination shows on the record', await textHas(page, '#panel-items', '東京都千代田区千代田一丁目1番'));
		/* back to the householder */
		await page.click('#tab-household');
		await page.locator('#panel-household button.link', { hasText: '目黒 太郎' }).click();
		check('the household tab leads back to the householder', await textHas(page, '#p-name', '目黒 太郎'));

		/* ---- 職権修正, held for a second person ---- */
		await page.click('#tab-items');
		await page.click('#p-correct');
		check('the correction dialog opens', await visible(page, '#correct-dialog'));
		await page.selectOption('#correct-item', 'name');
		await page.fill('#correct-value', '目黒 太朗');
		check('the dialog names the reason that will be recorded', (await text(page, '#correct-task-reason')).includes('転入届の受付'));
		const coResp = page.waitForResponse((r) => r.url().includes('/registry/events/ex_officio_correction'));
		await page.click('#correct-form button[type="submit"]');
		const co = await coResp;
		const coBody = await co.json().catch(() => ({}));
		if (check('the correction is held for four-eyes (202)', co.status() === 202, `status ${co.status()} ${JSON.stringify(coBody).slice(0, 300)}`))
			PENDING_FIELD = String(coBody.pending_id || '');
		else {
			await shot(page, 'counter-fail-correction');
			await page.click('#correct-cancel').catch(() => {});
		}
		check('the record is unchanged until approved', (await text(page, '#p-name')) === '目黒 太郎');
		await page.click('.sidenav button[data-screen="pending"]');
		await page.locator('#pending-list table, #pending-list .empty').first().waitFor();
		const own = await text(page, '#pending-list');
		check('the maker sees the held change as their own (no approve button)', own.includes('自分の起票') && !(await page.locator('#pending-list button', { hasText: '承認' }).count()));

		/* ---- 受付終了 and logout ---- */
		await page.click('#task-end');
		check('ending the task clears every personal datum from the page', !/目黒|メグロ|めぐろ/.test(await pageData(page)));
		await page.click('#logout');
		check('logout returns to the login screen', await visible(page, '#login-form'));
		check('and says so', (await text(page, '#login-notice')).includes('ログアウト'));
		const after = await fetch(base + '/api/v1/me', { headers: { Authorization: `Bearer ${token}`, 'X-Atena-Business': 'resident_register', 'X-Atena-Reason': 'check' } });
		check('the old token is refused after logout', after.status === 401, `status ${after.status}`);
	} catch (e) {
		check(`clerk1 flow: ${e.message.split('\n')[0]}`, false);
		await shot(page, 'counter-fail-clerk1').catch(() => {});
	} finally {
		await ctx.close();
	}
}

async function clerk2Flow(browser, base, clerk2) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ja-JP', timezoneId: 'UTC' });
	ctx.setDefaultTimeout(10_000);
	const page = await ctx.newPage();
	watch(page, 'clerk2');
	try {
		await page.goto(base + '/');
		const token = await login(page, clerk2, 'Meguro-review-2026b', 'T-KUMIN-04');
		await startTask(page, '職権修正の確認', '');
		await page.click('.sidenav button[data-screen="pending"]');
		await page.locator('#pending-list table, #pending-list .empty').first().waitFor();
		if (PENDING_FIELD) {
			const rowCount = await page.locator('#pending-list tbody tr').count();
			check('clerk2 sees the one held correction', rowCount === 1, `${rowCount} rows`);
			const pt = await text(page, '#pending-list');
			check('the held change shows what it changes', pt.includes('目黒 太朗'));
			await shot(page, 'counter-08-pending');
			await page.locator('#pending-list button', { hasText: '承認' }).first().click();
			check('the approve dialog opens', await visible(page, '#decide-dialog'));
			await page.fill('#decide-note', '戸籍謄本で確認');
			const apResp = page.waitForResponse((r) => /\/api\/v1\/pending\/\d+\/approve/.test(r.url()));
			await page.click('#decide-ok');
			const ap = await apResp;
			check('approve → 200', ap.status() === 200, `status ${ap.status()} ${(await ap.text().catch(() => '')).slice(0, 200)}`);
			await page.locator('#pending-list .empty').waitFor({ timeout: 5000 }).catch(() => {});
			check('nothing is pending afterwards', (await text(page, '#pending-list')).includes('承認待ちはありません'));
			/* The corrected record, with its approver in the history. */
			await page.click('.sidenav button[data-screen="search"]');
			await page.fill('#s-kana', 'メグロ タ');
			await page.click('#search-form button[type="submit"]');
			await page.locator('#search-results table').waitFor();
			await page.locator('#search-results button.link').first().click();
			check('the approved correction is applied', await textHas(page, '#p-name', '目黒 太朗'), await text(page, '#p-name'));
			await page.click('#tab-history');
			await page.locator('#panel-history table').waitFor({ timeout: 5000 }).catch(() => {});
			check('the history names the approver', (await text(page, '#panel-history')).includes('clerk2'));
			await shot(page, 'counter-09-approved-history');

			/* ---- 死亡 of the householder: the successor and 除票 ---- */
			await page.click('#person-actions [data-go="death"]');
			await page.fill('#d-event-date', isoDay(-1));
			await page.fill('#d-notif-date', isoDay(0));
			check('the householder\'s death asks for a new householder', await visible(page, '#form-death-nh'));
			await page.selectOption('#form-death-nh', { label: '目黒 花子（妻）' });
			const relInput = page.locator('#form-death .nh-rel');
			check('and for the other member\'s relationship to them', (await relInput.count()) === 1);
			await relInput.fill('子');
			const dResp = page.waitForResponse((r) => r.url().includes('/registry/events/death'));
			await page.click('#form-death button[type="submit"]');
			const dr = await dResp;
			if (!check('死亡 is accepted (201)', dr.status() === 201, `status ${dr.status()} ${(await dr.text().catch(() => '')).slice(0, 300)}`))
				await shot(page, 'counter-fail-death');
			await page.click('.sidenav button[data-screen="person"]');
			check('the record is marked 除票', await visible(page, '#removed-banner') && (await text(page, '#p-state')) === '除票');
			check('event buttons are disabled on a 除票', await page.locator('#person-actions [data-go="in_ward_move"]').isDisabled());
			await shot(page, 'counter-11-removed');
			await page.click('#tab-household');
			await page.locator('#panel-household button.link', { hasText: '目黒 花子' }).click();
			await textHas(page, '#p-name', '目黒 花子');
			const rel = await page.evaluate(() => [...document.querySelectorAll('#panel-items dt')].find((d) => d.textContent === '続柄')?.nextElementSibling?.textContent);
			check('the successor is now 世帯主', rel === '世帯主', rel);

			/* ---- 支援措置: the banner, and no certificate for a third party ---- */
			const sm = await fetch(`${base}/api/v1/registry/persons/${await text(page, '#p-no')}/support-measure`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'X-Atena-Business': 'resident_register', 'X-Atena-Reason': "UTF-8''" + encodeURIComponent('支援措置の申出') },
				body: JSON.stringify({ on: true }),
			});
			check('support measure set (204)', sm.status === 204, `status ${sm.status}`);
			check('no 支援措置 banner before', await page.locator('#support-banner').isHidden());
			await page.click('#p-reload');
			check('the 支援措置 banner shows after a reload', await visible(page, '#support-banner'));
			await shot(page, 'counter-12-support-measure');
			await page.click('#person-actions [data-go="certificate"]');
			check('the certificate form warns of the support measure', await visible(page, '#cert-support'));
			await page.selectOption('#cert-relation', 'third_party');
			await page.fill('#cert-req-name', '第三者 太郎');
			await page.fill('#cert-purpose', '債権回収');
			await page.click('#cert-submit');
			check('a third-party request is refused before sending', await visible(page, '#cert-relation[aria-invalid="true"]'));
		} else {
			check('clerk2 sees nothing pending', (await text(page, '#pending-list')).includes('承認待ちはありません'));
			await shot(page, 'counter-08-pending');
		}
		await tokenKeptOut(page, token, 'clerk2');

		/* A session that ends behind the page's back (idle timeout, logout
		 * elsewhere): the next request gets 401 and the page returns to login. */
		await fetch(base + '/api/v1/sessions', { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, 'X-Atena-Business': 'resident_register', 'X-Atena-Reason': 'test' } });
		await page.click('.sidenav button[data-screen="pending"]');
		check('a 401 sends the clerk back to the login screen', await visible(page, '#login-form'));
		check('with a message', (await text(page, '#login-notice')).includes('セッション'));
		const left = await pageData(page);
		check('and the page holds no personal data any more', !/目黒|メグロ|めぐろ/.test(left), (left.match(/.{0,60}(目黒|メグロ|めぐろ).{0,30}/) || [''])[0]);
		await shot(page, 'counter-10-expired');
	} catch (e) {
		check(`clerk2 flow: ${e.message.split('\n')[0]}`, false);
		await shot(page, 'counter-fail-clerk2').catch(() => {});
	} finally {
		await ctx.close();
	}
}

const watchdog = setTimeout(() => {
	check('the test finishes within its time limit', false, `${DEADLINE_MS / 1000}s`);
	cleanup();
	finish(1);
}, DEADLINE_MS);

function cleanup() {
	if (server && server.exitCode === null) server.kill('SIGTERM');
	try {
		rmSync(WORK, { recursive: true, force: true });
		if (OWN_BROWSER_TMP) rmSync(BROWSER_TMP, { recursive: true, force: true });
	} catch {
		/* left for the next run's temp cleanup */
	}
}

try {
	await main();
} catch (e) {
	check(`setup: ${e.message}`, false);
}
clearTimeout(watchdog);
const personal = ['目黒', 'メグロ', 'めぐろ', ...HOUSEHOLD.map((p) => p.mn), ...HOUSEHOLD.map((p) => p.rc)];
check('the console shows no personal data', !consoleLines.some((l) => personal.some((p) => l.includes(p))),
	consoleLines.find((l) => personal.some((p) => l.includes(p))));
check('no Content-Security-Policy violation', cspViolations.length === 0, cspViolations[0]);
check('no uncaught error in the page', pageErrors.length === 0, pageErrors[0]);
if (server) server.removeAllListeners('exit');
cleanup();
log(`done in ${((Date.now() - T0) / 1000).toFixed(1)}s; screenshots in ${SHOTS}`);
finish();
