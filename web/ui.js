/*
 * ui.js — what the screens share: building DOM without innerHTML (so no
 * value from the server is ever parsed as markup), showing errors next to the
 * field they name, a status toast, formatting, and the small shared state.
 */
import { itemLabel, codeLabel } from './labels.js';
import { wareki, today } from './validate.js';

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/* h('td', {class: 'x', onclick: f}, 'text', child) */
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k === 'class') el.className = v;
		else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else if (v === true) el.setAttribute(k, '');
		else el.setAttribute(k, String(v));
	}
	for (const c of children.flat()) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

/* Shared between screens; cleared at logout and at the end of a task. */
export const state = {
	person: null,      // the record on screen (GET /registry/persons/{no})
	me: null,          // {staff, terminal}
	blobUrls: [],      // certificate PDFs, revoked at the end of the task
};

/* app.js sets these so screens can move between each other. */
export const nav = {
	show: () => {},
	openPerson: async () => {},
};

/* ---- Formatting ---------------------------------------------------------- */

export function fmtDate(s) {
	if (!s) return '';
	const w = wareki(s);
	return w ? `${w}` : s;
}

export function fmtDateBoth(s) {
	if (!s) return '';
	const w = wareki(s);
	return w ? `${w}（${s}）` : s;
}

export function fmtDateTime(s) {
	if (!s) return '';
	const t = new Date(s);
	if (Number.isNaN(t.getTime())) return s;
	const p = (n) => String(n).padStart(2, '0');
	return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}`;
}

export function fmtSex(v) {
	return codeLabel('sex', v) || v || '';
}

export function fmtPostcode(v) {
	return v && /^\d{7}$/.test(v) ? `〒${v.slice(0, 3)}-${v.slice(3)}` : v || '';
}

/* A value for display; My Number is never shown in full outside the record view.
 * compact: dates in 和暦 only (lists of changes). */
export function fmtItem(id, v, compact = false) {
	if (v === undefined || v === null || v === '') return '';
	if (id === 'my_number') return '************';
	if (id === 'sex') return fmtSex(v);
	if (id === 'postcode' || id.endsWith('_postcode')) return fmtPostcode(v);
	if (typeof v === 'boolean') return v ? 'あり' : 'なし';
	if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return compact ? fmtDate(v) : fmtDateBoth(v);
	return String(v);
}

export function changesList(items, prev) {
	const ul = h('ul', { class: 'changes' });
	for (const [k, v] of Object.entries(items || {})) {
		if (prev && JSON.stringify(prev[k]) === JSON.stringify(v)) continue;
		const before = prev && prev[k] !== undefined ? fmtItem(k, prev[k], true) : '';
		ul.append(h('li', {}, h('span', { class: 'k' }, itemLabel(k)), '：',
			before ? h('span', { class: 'before' }, before) : null, before ? ' → ' : null,
			h('span', { class: 'after' }, v === null ? '（削除）' : fmtItem(k, v, true))));
	}
	if (prev) {
		for (const k of Object.keys(prev))
			if (!(k in (items || {})))
				ul.append(h('li', {}, h('span', { class: 'k' }, itemLabel(k)), '：', h('span', { class: 'before' }, fmtItem(k, prev[k], true)), ' → （削除）'));
	}
	return ul;
}

/* ---- Errors ---------------------------------------------------------------- */

const CODE_TEXT = {
	invalid_input: '入力内容に誤りがあります',
	missing_field: '必要な項目がありません',
	unknown_field: '受け付けられない項目があります',
	authentication_failed: '認証に失敗しました',
	password_change_required: 'パスワードの変更が必要です',
	forbidden: 'この操作は許可されていません',
	no_grant: 'この事務の権限がありません',
	file_not_permitted: 'このファイルを扱う権限がありません',
	item_not_permitted: 'この項目を扱う権限がありません',
	item_not_searchable: 'この項目では検索できません',
	number_not_usable: 'この事務では個人番号で検索できません',
	search_volume: '一定時間内の検索件数が上限を超えます。条件を絞り込むか、時間をおいてください',
	four_eyes_self: '自分が起票したものは承認できません',
	not_found: '見つかりません',
	conflict: '他の操作と競合しました。最新の内容を読み込み直してください',
	too_large: 'データが大きすぎます',
	unsupported_media_type: '送信形式が正しくありません',
	account_locked: 'アカウントがロックされています。管理者に連絡してください',
	internal_error: 'サーバーで問題が発生しました',
	store_error: 'データベースで問題が発生しました。何も変更されていません',
	network: 'サーバーに接続できません',
};

export function codeText(code) {
	return CODE_TEXT[code] || 'エラー';
}

let errSeq = 0;

export function clearErrors(root) {
	for (const p of $$('.field-error.dyn', root)) p.remove();
	for (const el of $$('[aria-invalid="true"]', root)) {
		el.removeAttribute('aria-invalid');
		el.removeAttribute('aria-describedby');
	}
	for (const fe of $$('.form-error', root)) {
		fe.hidden = true;
		fe.textContent = '';
	}
}

function cssEsc(s) {
	return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&');
}

/* The element a server error's field names: exact, then without an "items."
 * level, then shorter suffixes ("body.persons[0].name" → "persons[0].name"),
 * then the enclosing group ("persons[0]"). */
export function findField(root, field) {
	if (!field) return null;
	const tries = [field, field.replace(/(^|\.)items\./, '$1')];
	const parts = field.split('.');
	for (let i = 1; i < parts.length; i++) tries.push(parts.slice(i).join('.'));
	const m = field.match(/^(.*\[\d+\])/);
	if (m) tries.push(m[1]);
	for (const t of tries) {
		const el = root.querySelector(`[data-field="${cssEsc(t)}"]`);
		if (el) return el;
	}
	return null;
}

export function markField(el, message) {
	const id = `err-${++errSeq}`;
	const p = h('p', { class: 'field-error dyn', id, role: 'alert' }, message);
	const control = el.matches('input,select,textarea') ? el : $('input,select,textarea', el) || el;
	control.setAttribute('aria-invalid', 'true');
	control.setAttribute('aria-describedby', id);
	const holder = el.closest('.field') || el;
	if (holder === el && !el.matches('fieldset,div,[role="group"]')) el.after(p);
	else holder.append(p);
	return control;
}

function formError(root, text) {
	const fe = $('.form-error', root);
	if (!fe) {
		toast(text, 'error');
		return;
	}
	const line = h('p', {}, text);
	if (fe.hidden) {
		fe.textContent = '';
		fe.hidden = false;
	}
	fe.append(line);
}

/* Client-side problems: [{field, message}]. */
export function showProblems(root, problems) {
	clearErrors(root);
	let first = null;
	for (const pr of problems) {
		const el = findField(root, pr.field);
		if (el) {
			const c = markField(el, pr.message);
			first = first || c;
		} else {
			formError(root, pr.message);
		}
	}
	if (first) first.focus();
	else $('.form-error', root)?.scrollIntoView({ block: 'nearest' });
}

/* The server's error ({status, code, message, field}) next to its field. */
export function showServerError(root, err) {
	clearErrors(root);
	const text = `${codeText(err.code)}：${err.message}`;
	if (err.field === 'X-Atena-Reason' || err.field === 'X-Atena-Case') {
		taskError(text);
		return;
	}
	const el = findField(root, err.field);
	if (el) {
		markField(el, text).focus();
		return;
	}
	formError(root, err.field ? `${text}（${err.field}）` : text);
	$('.form-error', root)?.scrollIntoView({ block: 'nearest' });
}

export function taskError(text) {
	const p = $('#task-error');
	p.textContent = text;
	p.hidden = !text;
	if (text) {
		$('#task-reason').setAttribute('aria-invalid', 'true');
		if (!$('#task-reason').readOnly) $('#task-reason').focus();
	} else {
		$('#task-reason').removeAttribute('aria-invalid');
	}
}

/* ---- Status ----------------------------------------------------------------- */

let toastTimer = null;

export function toast(text, kind = 'ok') {
	const t = $('#toast');
	t.textContent = text;
	t.className = `toast ${kind}`;
	t.hidden = false;
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => {
		t.hidden = true;
	}, kind === 'error' ? 10000 : 5000);
}

export function busy(form, on) {
	for (const b of $$('button[type="submit"]', form)) {
		b.disabled = on;
		b.setAttribute('aria-busy', on ? 'true' : 'false');
	}
}

/* Dates that default to today and may not lie in the future. */
export function prepareDates(root) {
	const t = today();
	for (const inp of $$('input[type="date"]', root)) {
		if (!inp.hasAttribute('data-future-ok')) inp.max = t;
		if (inp.dataset.default === 'today' && !inp.value) inp.value = t;
	}
}

/* Radio-driven sections: data-when="name=value" shows an element while that
 * radio is chosen, data-when="name!=value" while another one is. */
export function applyWhen(root) {
	for (const el of $$('[data-when]', root)) {
		const m = /^([\w-]+)(!?=)(.*)$/.exec(el.dataset.when);
		if (!m) continue;
		const checked = $(`input[name="${m[1]}"]:checked`, root);
		const is = !!checked && checked.value === m[3];
		el.hidden = m[2] === '=' ? !is : !checked || is;
	}
}

export function bindWhen(root) {
	root.addEventListener('change', () => applyWhen(root));
	root.addEventListener('reset', () => setTimeout(() => applyWhen(root)));
	applyWhen(root);
}

export function val(root, name) {
	const el = root.elements ? root.elements.namedItem(name) : $(`[name="${name}"]`, root);
	return el && 'value' in el ? String(el.value).trim() : '';
}

export function personName(rec) {
	return rec && rec.items ? rec.items.name || rec.items.foreign_name || '' : '';
}

export function addresseeNo(rec) {
	return rec ? rec.addressee_no || rec.subject || (rec.items && rec.items.addressee_no) || '' : '';
}
