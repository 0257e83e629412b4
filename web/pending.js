/*
 * pending.js — 承認待ち: changes held for four-eyes (職権記載・修正・消除), with
 * approve / reject by someone other than the maker.
 */
import * as api from './api.js';
import { eventTypeLabel, OPS } from './labels.js';
import { $, h, state, clearErrors, showServerError, toast, busy, fmtDateTime, changesList } from './ui.js';

let deciding = null;   // {item, decision}

export function init() {
	$('#pending-reload').addEventListener('click', load);
	$('#decide-form').addEventListener('submit', decide);
	$('#decide-cancel').addEventListener('click', () => $('#decide-dialog').close());
}

export function reset() {
	$('#pending-list').textContent = '';
	$('#decide-summary').textContent = '';
	$('#decide-form').reset();
	deciding = null;
	setCount(null);
}

function setCount(n) {
	const b = $('#pending-count');
	b.hidden = !n;
	b.textContent = n ? String(n) : '';
	b.setAttribute('aria-label', n ? `${n}件` : '');
}

export async function refreshCount() {
	try {
		const { data } = await api.request('GET', '/pending');
		setCount(((data && data.pending) || []).length);
	} catch {
		setCount(null);
	}
}

export async function load() {
	const out = $('#pending-list');
	out.textContent = '';
	out.append(h('p', { class: 'muted' }, '読み込み中…'));
	let list;
	try {
		const { data } = await api.request('GET', '/pending');
		list = (data && data.pending) || [];
	} catch (err) {
		out.textContent = '';
		out.append(h('p', { class: 'form-error' }, `承認待ちを表示できません：${err.message}`));
		return;
	}
	setCount(list.length);
	out.textContent = '';
	if (!list.length) {
		out.append(h('p', { class: 'empty' }, '承認待ちはありません。'));
		return;
	}
	const me = state.me && state.me.staff ? state.me.staff.id : '';
	const tbody = h('tbody');
	for (const p of list) {
		const mine = p.maker === me;
		const kind = eventTypeLabel(p.event) || OPS[p.op] || p.op || '';
		const changes = p.items || p.changes || {};
		tbody.append(h('tr', {},
			h('td', { class: 'num' }, String(p.pending_id)),
			h('td', {}, kind, p.event && OPS[p.op] ? h('div', { class: 'muted' }, OPS[p.op]) : null),
			h('td', { class: 'mono' }, p.subject || ''),
			h('td', {}, p.op === 'remove' ? h('span', { class: 'state removed' }, '除票にする') : changesList(changes),
				p.removal_reason ? h('div', { class: 'muted' }, `事由：${p.removal_reason}`) : null),
			h('td', {}, p.maker || ''),
			h('td', {}, fmtDateTime(p.made_at)),
			h('td', {}, p.reason || ''),
			h('td', {}, mine
				? h('span', { class: 'muted' }, '自分の起票')
				: h('div', { class: 'actions' },
					h('button', { type: 'button', class: 'btn small primary', onclick: () => openDecide(p, 'approve') }, '承認'),
					h('button', { type: 'button', class: 'btn small', onclick: () => openDecide(p, 'reject') }, '差戻し')))));
	}
	out.append(h('table', { class: 'table pending' },
		h('caption', { class: 'sr-only' }, '承認待ち一覧'),
		h('thead', {}, h('tr', {}, ...['番号', '種別', '宛名番号', '内容', '起票者', '起票日時', '理由', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
		tbody));
}

function openDecide(p, decision) {
	deciding = { p, decision };
	const f = $('#decide-form');
	f.reset();
	clearErrors(f);
	const approve = decision === 'approve';
	$('#decide-title').textContent = approve ? `承認（番号 ${p.pending_id}）` : `差戻し（番号 ${p.pending_id}）`;
	$('#decide-ok').textContent = approve ? '承認する' : '差し戻す';
	$('#decide-ok').className = `btn ${approve ? 'primary' : 'danger'}`;
	const sum = $('#decide-summary');
	sum.textContent = '';
	sum.append(h('p', {}, `宛名番号 ${p.subject || ''}　起票者 ${p.maker || ''}　理由 ${p.reason || ''}`),
		p.op === 'remove' ? h('p', {}, '除票にする') : changesList(p.items || p.changes || {}));
	$('#decide-dialog').showModal();
	$('#decide-note').focus();
}

async function decide(ev) {
	ev.preventDefault();
	const f = ev.currentTarget;
	if (!deciding) return;
	const { p, decision } = deciding;
	const note = $('#decide-note').value.trim();
	busy(f, true);
	try {
		await api.request('POST', `/pending/${encodeURIComponent(p.pending_id)}/${decision}`, { body: note ? { note } : {} });
		$('#decide-dialog').close();
		toast(decision === 'approve' ? `番号 ${p.pending_id} を承認しました。` : `番号 ${p.pending_id} を差し戻しました。`);
		deciding = null;
		await load();
	} catch (err) {
		showServerError(f, err);
	} finally {
		busy(f, false);
	}
}
