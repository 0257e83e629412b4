/*
 * search.js — 住民検索: kana (any script, prefix), kanji name, birth date,
 * address (prefix). The list never shows My Number (nor asks for it).
 */
import * as api from './api.js';
import { STATES } from './labels.js';
import { $, h, nav, clearErrors, showProblems, showServerError, busy, fmtDate, fmtSex, addresseeNo } from './ui.js';
import { Checks, isDate } from './validate.js';

const LIMIT = 100;

export function init() {
	const f = $('#search-form');
	f.addEventListener('submit', onSearch);
	f.addEventListener('reset', () => {
		clearErrors(f);
		$('#search-results').textContent = '';
	});
}

export function reset() {
	$('#search-form').reset();
	clearErrors($('#search-form'));
	$('#search-results').textContent = '';
}

async function onSearch(ev) {
	ev.preventDefault();
	const f = ev.currentTarget;
	const q = {
		name_kana: $('#s-kana').value.trim(),
		name: $('#s-name').value.trim(),
		birth_date: $('#s-birth').value,
		address: $('#s-address').value.trim(),
	};
	const c = new Checks();
	if (!q.name_kana && !q.name && !q.birth_date && !q.address)
		c.add('name_kana', '検索条件を1つ以上入力してください');
	if (q.birth_date && !isDate(q.birth_date)) c.add('birth_date', '生年月日は正しい日付で入力してください');
	if (!c.ok) {
		showProblems(f, c.problems);
		return;
	}
	clearErrors(f);
	if ($('#s-removed').checked) q.include_removed = 'true';
	q.limit = LIMIT;
	const out = $('#search-results');
	busy(f, true);
	try {
		const { data } = await api.request('GET', '/registry/search', { query: q });
		render(data);
	} catch (err) {
		out.textContent = '';
		showServerError(f, err);
	} finally {
		busy(f, false);
	}
}

function render(data) {
	const out = $('#search-results');
	out.textContent = '';
	const recs = (data && data.records) || [];
	if (!recs.length) {
		out.append(h('p', { class: 'empty' }, '該当する住民はいません。条件を変えて検索してください。'));
		return;
	}
	out.append(h('p', { class: 'count' }, `${recs.length}件`,
		data.truncated ? '（件数が多いため一部のみ表示しています。条件を絞り込んでください）' : ''));
	const tbody = h('tbody');
	for (const r of recs) {
		const it = r.items || {};
		const no = addresseeNo(r);
		const removed = r.state === 'removed';
		const open = () => nav.openPerson(no);
		tbody.append(h('tr', { class: removed ? 'removed' : '', onclick: open },
			h('td', { class: 'mono' }, no),
			h('td', {}, h('button', { type: 'button', class: 'link', onclick: (e) => { e.stopPropagation(); open(); } }, it.name || '（氏名なし）')),
			h('td', {}, it.name_kana || ''),
			h('td', {}, fmtDate(it.birth_date)),
			h('td', {}, fmtSex(it.sex)),
			h('td', {}, it.address || ''),
			h('td', {}, it.relationship || ''),
			h('td', {}, h('span', { class: `state ${removed ? 'removed' : 'active'}` }, STATES[r.state] || r.state || ''))));
	}
	out.append(h('table', { class: 'table results' },
		h('caption', { class: 'sr-only' }, '検索結果'),
		h('thead', {}, h('tr', {},
			...['宛名番号', '氏名', 'カナ氏名', '生年月日', '性別', '住所', '続柄', '状態'].map((t) => h('th', { scope: 'col' }, t)))),
		tbody));
}
