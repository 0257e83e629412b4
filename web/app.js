/*
 * app.js — the counter screen of the resident register (住民基本台帳):
 * login, the task bar (事務・利用目的・受付番号), navigation, and the wiring of
 * the screens in search.js, person.js, events.js, pending.js and
 * certificate.js. Plain ES modules, no build step, everything served by
 * `atena serve` from web/ under its Content-Security-Policy 'self'.
 */
import * as api from './api.js';
import { REASONS, RELATIONSHIPS, useDeclarations, useEventTypes, fillCodeSelects } from './labels.js';
import { $, $$, h, state, nav, clearErrors, showProblems, showServerError, taskError, toast, busy } from './ui.js';
import { Checks, asciiDigits } from './validate.js';
import * as search from './search.js';
import * as person from './person.js';
import * as events from './events.js';
import * as pending from './pending.js';
import * as certificate from './certificate.js';

const SCREENS = ['start', 'search', 'person', 'move_in', 'in_ward_move', 'move_out_planned',
	'birth', 'death', 'pending', 'certificate'];
let current = 'start';

/* ---- Login ---------------------------------------------------------------- */

const TERMINAL_KEY = 'atena.terminal_id';   // not personal data: the counter's terminal

function showLogin(message) {
	$('#app').hidden = true;
	$('#who').hidden = true;
	$('#login-screen').hidden = false;
	const f = $('#login-form');
	f.reset();
	clearErrors(f);
	setNewPassword(false);
	$('#login-terminal').value = localStorage.getItem(TERMINAL_KEY) || '';
	const n = $('#login-notice');
	n.textContent = message || '';
	n.hidden = !message;
	$('#login-staff').focus();
}

function setNewPassword(on) {
	const b = $('#newpw-block');
	b.hidden = !on;
	b.disabled = !on;
	$('#login-submit').textContent = on ? 'パスワードを変更してログイン' : 'ログイン';
}

async function onLogin(ev) {
	ev.preventDefault();
	const f = ev.currentTarget;
	const staffId = $('#login-staff').value.trim();
	const password = $('#login-password').value;
	const totp = asciiDigits($('#login-totp').value.trim());
	const terminalId = $('#login-terminal').value.trim();
	const needNew = !$('#newpw-block').hidden;
	const newPassword = needNew ? $('#login-newpw').value : '';
	const c = new Checks();
	c.required('staff_id', staffId, '職員ID');
	c.required('password', password, 'パスワード');
	if (c.required('totp', totp, 'ワンタイムコード') && !/^\d{6}$/.test(totp))
		c.add('totp', 'ワンタイムコードは6桁の数字です');
	c.required('terminal_id', terminalId, '端末ID');
	if (needNew) {
		if ([...newPassword].length < 12) c.add('new_password', '新しいパスワードは12文字以上にしてください');
		else if (staffId && newPassword.includes(staffId)) c.add('new_password', '新しいパスワードに職員IDを含めることはできません');
		else if (newPassword === password) c.add('new_password', '今のパスワードと異なるものにしてください');
		if ($('#login-newpw2').value !== newPassword) c.add('new_password2', '確認のため、同じパスワードをもう一度入力してください');
	}
	if (!c.ok) {
		showProblems(f, c.problems);
		return;
	}
	clearErrors(f);
	busy(f, true);
	try {
		const s = await api.login({ staffId, password, totp, terminalId, newPassword });
		localStorage.setItem(TERMINAL_KEY, terminalId);
		/* Item names and types as declared (the door checks the same), and
		 * the register's event types. */
		useDeclarations(await api.declarations());
		useEventTypes(await api.eventTypes().catch(() => null));   /* without: types show as ids */
		fillCodeSelects();
		enterApp(s);
	} catch (err) {
		if (err.code === 'password_change_required') {
			setNewPassword(true);
			const n = $('#login-notice');
			n.textContent = '初回ログインのため、新しいパスワードを設定してください。';
			n.hidden = false;
			$('#login-newpw').focus();
		} else if (err.code === 'authentication_failed') {
			showProblems(f, [{ field: '', message: '職員ID、パスワードまたはワンタイムコードが正しくありません。ワンタイムコードは一度しか使えません。' }]);
			$('#login-totp').value = '';
			$('#login-password').focus();
		} else {
			showServerError(f, err);
		}
	} finally {
		busy(f, false);
	}
}

function enterApp(s) {
	state.me = s;
	$('#login-form').reset();
	$('#login-notice').hidden = true;
	$('#login-screen').hidden = true;
	$('#who-name').textContent = s.staff.name || s.staff.id;
	$('#who-dept').textContent = s.staff.department || '';
	$('#who-terminal').textContent = s.terminal;
	$('#who').hidden = false;
	$('#app').hidden = false;
	endTask(false);
	$('#task-reason').focus();
}

/* Everything personal leaves the page: at logout, at expiry, at task end. */
function clearPersonalData() {
	state.person = null;
	for (const u of state.blobUrls) URL.revokeObjectURL(u);
	state.blobUrls = [];
	search.reset();
	person.reset();
	events.reset();
	pending.reset();
	certificate.reset();
}

async function onLogout() {
	await api.logout();
	clearPersonalData();
	state.me = null;
	showLogin('ログアウトしました。');
}

function onExpired(why) {
	clearPersonalData();
	state.me = null;
	closeDialogs();
	showLogin(why === 'idle'
		? '一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。'
		: 'セッションが終了しました（時間切れ、またはログアウト済み）。もう一度ログインしてください。');
}

function closeDialogs() {
	for (const d of $$('dialog')) if (d.open) d.close();
}

/* ---- Task bar ----------------------------------------------------------------- */

function onTaskStart(ev) {
	ev.preventDefault();
	const reason = $('#task-reason').value.trim();
	const caseId = $('#task-case').value.trim();
	if (!reason) {
		taskError('利用目的/理由を入力してください（この受付で行う操作の理由として記録されます）');
		return;
	}
	if ([...reason].length > 200) {
		taskError('利用目的/理由は200文字以内で入力してください');
		return;
	}
	taskError('');
	api.setTask({ reason, caseId });
	$('#task-reason').readOnly = true;
	$('#task-case').readOnly = true;
	$('#task-start').hidden = true;
	$('#task-edit').hidden = false;
	$('#task-end').hidden = false;
	$('#task-form').classList.add('set');
	setNavEnabled(true);
	pending.refreshCount();
	show(current === 'start' ? 'search' : current);
}

function onTaskEdit() {
	api.setTask(null);
	$('#task-reason').readOnly = false;
	$('#task-case').readOnly = false;
	$('#task-start').hidden = false;
	$('#task-start').textContent = '設定';
	$('#task-edit').hidden = true;
	$('#task-form').classList.remove('set');
	setNavEnabled(false);
	$('#task-reason').focus();
	$('#task-reason').select();
}

/* 受付終了: the next customer starts from nothing. */
function endTask(announce = true) {
	api.setTask(null);
	clearPersonalData();
	$('#task-form').reset();
	$('#task-form').classList.remove('set');
	$('#task-reason').readOnly = false;
	$('#task-case').readOnly = false;
	$('#task-start').hidden = false;
	$('#task-start').textContent = '開始';
	$('#task-edit').hidden = true;
	$('#task-end').hidden = true;
	taskError('');
	setNavEnabled(false);
	show('start');
	if (announce) {
		toast('受付を終了しました。画面の個人情報は消去されました。');
		$('#task-reason').focus();
	}
}

function setNavEnabled(on) {
	for (const b of $$('.sidenav button')) b.disabled = !on;
}

/* ---- Navigation ------------------------------------------------------------------ */

function show(name, opts = {}) {
	if (!SCREENS.includes(name)) name = 'search';
	if (name !== 'start' && !api.currentTask()) name = 'start';
	current = name;
	for (const s of SCREENS) $(`#screen-${s}`).hidden = s !== name;
	for (const b of $$('.sidenav button')) {
		if (b.dataset.screen === name) b.setAttribute('aria-current', 'page');
		else b.removeAttribute('aria-current');
	}
	if (events.TYPES.includes(name)) events.prepare(name);
	else if (name === 'pending') pending.load();
	else if (name === 'certificate') certificate.prepare();
	else if (name === 'person') person.prepare();
	if (opts.focus !== false) {
		const heading = $(`#screen-${name} h2:not([hidden])`);
		const visible = heading && heading.offsetParent !== null ? heading : $(`#screen-${name} h2#p-name`);
		(visible || $('#main')).focus();
	}
}

nav.show = show;
nav.openPerson = async (no) => {
	const ok = await person.open(no);
	if (ok) show('person');
};

/* ---- Start ----------------------------------------------------------------- */

function init() {
	api.setExpiredHandler(onExpired);
	$('#reason-list').append(...REASONS.map((r) => h('option', { value: r })));
	$('#relationship-list').append(...RELATIONSHIPS.map((r) => h('option', { value: r })));
	$('#login-form').addEventListener('submit', onLogin);
	$('#logout').addEventListener('click', onLogout);
	$('#task-form').addEventListener('submit', onTaskStart);
	$('#task-edit').addEventListener('click', onTaskEdit);
	$('#task-end').addEventListener('click', () => endTask(true));
	for (const b of $$('.sidenav button')) b.addEventListener('click', () => show(b.dataset.screen));
	search.init();
	person.init();
	events.init();
	pending.init();
	certificate.init();
	window.addEventListener('pagehide', () => api.logoutOnPageHide());
	window.addEventListener('unhandledrejection', (e) => {
		e.preventDefault();
		toast('予期しないエラーが発生しました。操作をやり直してください。', 'error');
	});
	showLogin('');
}

init();
