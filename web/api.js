/*
 * api.js — the one place that talks to the server.
 *
 * The session token lives in this module's memory only: never in
 * localStorage, sessionStorage or a cookie, so closing or reloading the tab
 * ends it. Every request other than login names the business, the reason the
 * clerk typed for this task and the optional case number (受付番号). Browsers
 * can send only Latin-1 in headers, so those values go as RFC 8187
 * ext-values (UTF-8''%E4%BD%8F...), which the server decodes
 * (src/server/server_auth.c, purpose_header).
 *
 * Nothing here writes personal data to the console.
 */

export const BUSINESS = 'resident_register';
const PREFIX = '/api/v1';

let session = null;   // {token, staff, idleSeconds, terminal}
let task = null;      // {reason, caseId}
let idleTimer = null;
let onExpired = () => {};

export class ApiError extends Error {
	constructor(status, code, message, field) {
		super(message);
		this.status = status;
		this.code = code || 'error';
		this.field = field || '';
	}
}

export function encodeHeader(value) {
	return "UTF-8''" + encodeURIComponent(value);
}

export function setExpiredHandler(fn) {
	onExpired = fn;
}

export function currentSession() {
	return session ? { staff: session.staff, terminal: session.terminal } : null;
}

export function setTask(t) {
	task = t && t.reason ? { reason: t.reason, caseId: t.caseId || '' } : null;
}

export function currentTask() {
	return task ? { ...task } : null;
}

async function readJson(res) {
	const text = await res.text();
	if (!text) return null;
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

function errorFrom(res, data) {
	const e = data && data.error;
	if (e) return new ApiError(res.status, e.code, e.message, e.field);
	return new ApiError(res.status, 'http_' + res.status, `サーバーが ${res.status} を返しました`, '');
}

/* The session ends when the server says so (401) or after the idle timeout
 * the server announced at login, whichever comes first. */
function touch() {
	if (!session) return;
	clearTimeout(idleTimer);
	idleTimer = setTimeout(() => expire('idle'), session.idleSeconds * 1000);
}

function expire(why) {
	if (!session) return;
	forget();
	onExpired(why);
}

function forget() {
	clearTimeout(idleTimer);
	idleTimer = null;
	session = null;
	task = null;
}

export async function login({ staffId, password, totp, terminalId, newPassword }) {
	const body = { staff_id: staffId, password, totp, terminal_id: terminalId };
	if (newPassword) body.new_password = newPassword;
	let res;
	try {
		res = await fetch(PREFIX + '/sessions', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
			cache: 'no-store',
			credentials: 'omit',
		});
	} catch {
		throw new ApiError(0, 'network', 'サーバーに接続できません。ネットワークを確認してください。', '');
	}
	const data = await readJson(res);
	if (res.status !== 201 || !data || !data.token) throw errorFrom(res, data);
	session = {
		token: data.token,
		staff: data.staff,
		idleSeconds: data.idle_timeout_seconds > 0 ? data.idle_timeout_seconds : 900,
		terminal: terminalId,
	};
	touch();
	return currentSession();
}

function purposeHeaders(reasonOverride) {
	const h = {
		Authorization: 'Bearer ' + session.token,
		'X-Atena-Business': BUSINESS,
	};
	const reason = reasonOverride || (task && task.reason);
	if (reason) h['X-Atena-Reason'] = encodeHeader(reason);
	if (task && task.caseId) h['X-Atena-Case'] = encodeHeader(task.caseId);
	return h;
}

function url(path, query) {
	let u = PREFIX + path;
	if (query) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(query))
			if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
		const s = q.toString();
		if (s) u += '?' + s;
	}
	return u;
}

/* request('GET', '/registry/search', {query}) → {status, data};
 * with as: 'blob' → {status, type, blob}. Throws ApiError. */
export async function request(method, path, { body, query, as = 'json' } = {}) {
	if (!session) throw new ApiError(401, 'authentication_failed', 'ログインしてください', '');
	if (!task) {
		throw new ApiError(0, 'missing_field',
			'利用目的/理由を入力して「開始」を押してください', 'X-Atena-Reason');
	}
	const headers = purposeHeaders();
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (as === 'blob') headers.Accept = 'application/pdf';
	let res;
	try {
		res = await fetch(url(path, query), {
			method,
			headers,
			body: body !== undefined ? JSON.stringify(body) : undefined,
			cache: 'no-store',
			credentials: 'omit',
		});
	} catch {
		throw new ApiError(0, 'network', 'サーバーに接続できません。ネットワークを確認してください。', '');
	}
	if (res.status === 401) {
		const err = errorFrom(res, await readJson(res));
		expire('unauthorized');
		throw err;
	}
	touch();
	if (as === 'blob') {
		if (!res.ok) throw errorFrom(res, await readJson(res));
		return { status: res.status, type: res.headers.get('Content-Type') || '', blob: await res.blob() };
	}
	const data = res.status === 204 ? null : await readJson(res);
	if (!res.ok) throw errorFrom(res, data);
	return { status: res.status, data };
}

/* A read the screens need once after login, before any task: the request
 * names its own reason. */
async function readBeforeTask(path, reason) {
	if (!session) throw new ApiError(401, 'authentication_failed', 'ログインしてください', '');
	let res;
	try {
		res = await fetch(PREFIX + path, {
			headers: purposeHeaders(reason),
			cache: 'no-store',
			credentials: 'omit',
		});
	} catch {
		throw new ApiError(0, 'network', 'サーバーに接続できません。ネットワークを確認してください。', '');
	}
	const data = await readJson(res);
	if (!res.ok) throw errorFrom(res, data);
	touch();
	return data;
}

/* The declarations (items, their names, types and rules). */
export function declarations() {
	return readBeforeTask('/declarations', '画面表示（項目名の取得）');
}

/* The register's event types and their names (its one table). */
export function eventTypes() {
	return readBeforeTask('/registry/event-types', '画面表示（異動の種類の取得）');
}

/* Ends the session on the server (best effort) and here. */
export async function logout() {
	if (!session) return;
	const headers = purposeHeaders(task ? undefined : 'ログアウト');
	forget();
	try {
		await fetch(PREFIX + '/sessions', { method: 'DELETE', headers, cache: 'no-store', credentials: 'omit' });
	} catch {
		/* the session is forgotten here either way; the server's idle timeout ends it */
	}
}

/* When the tab is closed or reloaded, end the session on the server too. */
export function logoutOnPageHide() {
	if (!session) return;
	const headers = purposeHeaders(task ? undefined : 'ログアウト');
	forget();
	try {
		fetch(PREFIX + '/sessions', { method: 'DELETE', headers, keepalive: true, credentials: 'omit' });
	} catch {
		/* nothing more to do */
	}
}
