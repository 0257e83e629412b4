/*
 * person.js — 住民票: one person's record with the household, a 除票 mark, the
 * 支援措置 banner, the 履歴 tab (every version), and the 職権修正 request
 * (held for a second person).
 */
import * as api from './api.js';
import { itemLabel, itemType, itemOrder, OPS, STATES, eventTypeLabel, CORRECTABLE } from './labels.js';
import {
	$, $$, h, state, nav, clearErrors, showProblems, showServerError, toast, busy, prepareDates,
	fmtItem, fmtDate, fmtDateTime, fmtSex, changesList, personName, addresseeNo,
} from './ui.js';
import { Checks, isDate, isKana, isDigits, toKatakana } from './validate.js';

const GROUPS = [
	{ title: '基本事項', items: ['name', 'name_kana', 'birth_date', 'sex', 'relationship', 'householder_name', 'former_name', 'former_name_kana', 'former_surname'] },
	{ title: '住所', items: ['postcode', 'address', 'address_supplement', 'household_no', 'residence_date', 'residence_reason', 'residence_notification_date'] },
	{ title: '異動', items: ['change_reason', 'change_date', 'notification_date', 'previous_municipality_code', 'previous_postcode', 'previous_address', 'previous_address_supplement', 'previous_householder'] },
	{ title: '本籍', items: ['domicile', 'family_register_head'] },
	{ title: '番号', items: ['resident_code', 'my_number'] },
];
const ALWAYS = new Set(['name', 'name_kana', 'birth_date', 'sex', 'relationship', 'address']);
const HIDDEN = new Set(['addressee_no', 'householder_name_kana']);

let historyLoaded = false;
let householdLoaded = false;

export function init() {
	for (const b of $$('#person-actions [data-go]')) b.addEventListener('click', () => nav.show(b.dataset.go));
	$('#p-correct').addEventListener('click', openCorrection);
	$('#p-reload').addEventListener('click', async () => {
		await reload();
		$('#p-name').focus();
	});
	const tabs = $$('#screen-person [role="tab"]');
	for (const t of tabs) {
		t.addEventListener('click', () => selectTab(t));
		t.addEventListener('keydown', (e) => {
			const i = tabs.indexOf(t);
			let j = -1;
			if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
			else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
			else if (e.key === 'Home') j = 0;
			else if (e.key === 'End') j = tabs.length - 1;
			if (j >= 0) {
				e.preventDefault();
				selectTab(tabs[j]);
				tabs[j].focus();
			}
		});
	}
	$('#correct-form').addEventListener('submit', submitCorrection);
	$('#correct-cancel').addEventListener('click', () => $('#correct-dialog').close());
	$('#correct-item').addEventListener('change', fillCurrent);
}

export function reset() {
	historyLoaded = false;
	$('#correct-form').reset();
	$('#correct-current').value = '';
	$('#correct-task-reason').textContent = '';
	$('#person-view').hidden = true;
	$('#person-empty').hidden = false;
	for (const id of ['#panel-items', '#panel-household', '#panel-history', '#p-name', '#p-kana', '#p-no', '#p-hh', '#p-state', '#p-version'])
		$(id).textContent = '';
}

export function prepare() {
	const has = !!state.person;
	$('#person-view').hidden = !has;
	$('#person-empty').hidden = has;
}

/* Loads and shows a person; false (with the error shown) when it cannot. */
export async function open(no) {
	try {
		const { data } = await api.request('GET', `/registry/persons/${encodeURIComponent(no)}`);
		state.person = data;
		render();
		return true;
	} catch (err) {
		toast(`住民票を表示できません：${err.message}`, 'error');
		return false;
	}
}

/* After an event changed the person on screen. */
export async function reload() {
	if (!state.person) return;
	await open(addresseeNo(state.person));
}

function render() {
	const r = state.person;
	const it = r.items || {};
	historyLoaded = false;
	householdLoaded = false;
	const removed = r.state === 'removed';
	$('#person-view').hidden = false;
	$('#person-empty').hidden = true;
	$('#p-name').textContent = personName(r) || '（氏名なし）';
	$('#p-kana').textContent = it.name_kana || '';
	$('#p-no').textContent = addresseeNo(r);
	$('#p-hh').textContent = it.household_no || '—';
	const st = $('#p-state');
	st.textContent = STATES[r.state] || r.state || '';
	st.className = `state ${removed ? 'removed' : 'active'}`;
	$('#p-version').textContent = r.version ?? '';
	$('#support-banner').hidden = !r.support_measure;
	const rb = $('#removed-banner');
	rb.hidden = !removed;
	rb.textContent = '';
	if (removed) {
		rb.append(h('strong', {}, '除票'), '　この住民票は消除されています。',
			it.removal_type ? `除票区分：${it.removal_type}　` : '',
			it.removal_date || it.change_date ? `除票異動日：${fmtDate(it.removal_date || it.change_date)}　` : '',
			r.removal_reason ? `事由：${r.removal_reason}` : (it.change_reason ? `事由：${it.change_reason}` : ''));
	}
	for (const b of $$('#person-actions [data-go]'))
		if (b.dataset.go !== 'certificate') b.disabled = removed;
	$('#p-correct').disabled = removed;
	renderItems(r);
	renderHousehold(r);
	$('#panel-history').textContent = '';
	selectTab($('#tab-items'));
}

function dl(entries) {
	const d = h('dl', { class: 'items' });
	for (const [id, v] of entries) {
		d.append(h('dt', {}, itemLabel(id)));
		if (id === 'my_number' && v) {
			const shown = h('span', { class: 'mono masked' }, '●●●● ●●●● ●●●●');
			const btn = h('button', { type: 'button', class: 'btn small ghost', 'aria-pressed': 'false' }, '表示');
			btn.addEventListener('click', () => {
				const on = btn.getAttribute('aria-pressed') !== 'true';
				btn.setAttribute('aria-pressed', on ? 'true' : 'false');
				btn.textContent = on ? '隠す' : '表示';
				shown.textContent = on ? `${v.slice(0, 4)} ${v.slice(4, 8)} ${v.slice(8)}` : '●●●● ●●●● ●●●●';
			});
			d.append(h('dd', {}, shown, ' ', btn));
		} else if (id === 'name_kana' || id === 'resident_code' || id === 'household_no') {
			d.append(h('dd', { class: id === 'name_kana' ? '' : 'mono' }, v || '—'));
		} else {
			d.append(h('dd', {}, fmtItem(id, v) || '—'));
		}
	}
	return d;
}

function renderItems(r) {
	const it = r.items || {};
	const panel = $('#panel-items');
	panel.textContent = '';
	const used = new Set(HIDDEN);
	const cols = h('div', { class: 'item-groups' });
	for (const g of GROUPS) {
		const entries = g.items.filter((id) => ALWAYS.has(id) || (it[id] !== undefined && it[id] !== null && it[id] !== ''))
			.map((id) => [id, it[id]]);
		g.items.forEach((id) => used.add(id));
		if (!entries.length) continue;
		cols.append(h('section', { class: 'item-group' }, h('h3', {}, g.title), dl(entries)));
	}
	const rest = Object.keys(it).filter((id) => !used.has(id) && it[id] !== null && it[id] !== '')
		.sort((a, b) => itemOrder(a) - itemOrder(b));
	if (rest.length) cols.append(h('section', { class: 'item-group' }, h('h3', {}, 'その他の記載事項'), dl(rest.map((id) => [id, it[id]]))));
	panel.append(cols);
}

function memberOf(m) {
	/* A household member may come as a record ({subject, items}) or flat. */
	const it = m.items || m;
	return {
		no: m.addressee_no || m.subject || it.addressee_no || '',
		name: it.name || '',
		kana: it.name_kana || '',
		birth: it.birth_date || '',
		sex: it.sex || '',
		rel: it.relationship || '',
		state: m.state || 'active',
	};
}

export function householdMembers(r) {
	const self = memberOf({ ...r, items: r.items });
	const list = (r.household || []).map(memberOf);
	if (!list.some((m) => m.no === self.no)) list.unshift(self);
	return list;
}

/* The household tab reads the members' records when the clerk opens it (each
 * read is audited as a look at that person); until then, and if that read is
 * refused, the names and relationships that came with the record. */
async function loadHousehold() {
	const r = state.person;
	const hno = (r.items || {}).household_no;
	householdLoaded = true;
	if (!hno) return;
	try {
		const { data } = await api.request('GET', `/registry/households/${encodeURIComponent(hno)}`);
		if (state.person !== r) return;
		const full = (data && data.members) || [];
		if (full.length) renderHousehold(r, full);
	} catch {
		/* keep the summary from the record */
	}
}

function renderHousehold(r, full) {
	const panel = $('#panel-household');
	panel.textContent = '';
	const it = r.items || {};
	panel.append(h('p', { class: 'meta' }, `世帯番号 ${it.household_no || '—'}　世帯主 ${it.householder_name || '—'}　住所 ${it.address || ''} ${it.address_supplement || ''}`));
	const me = addresseeNo(r);
	const tbody = h('tbody');
	const list = full ? full.map(memberOf) : householdMembers(r);
	if (full && !list.some((m) => m.no === me)) list.push(memberOf(r));
	for (const m of list) {
		const isMe = m.no === me;
		tbody.append(h('tr', { class: isMe ? 'current' : '' },
			h('td', {}, m.rel),
			h('td', {}, isMe ? h('span', {}, m.name, h('span', { class: 'tag' }, '表示中'))
				: h('button', { type: 'button', class: 'link', onclick: () => nav.openPerson(m.no) }, m.name || m.no)),
			h('td', {}, m.kana),
			h('td', {}, fmtDate(m.birth)),
			h('td', {}, fmtSex(m.sex)),
			h('td', { class: 'mono' }, m.no),
			h('td', {}, h('span', { class: `state ${m.state === 'removed' ? 'removed' : 'active'}` }, STATES[m.state] || m.state))));
	}
	panel.append(h('table', { class: 'table' },
		h('caption', { class: 'sr-only' }, '世帯員'),
		h('thead', {}, h('tr', {}, ...['続柄', '氏名', 'カナ氏名', '生年月日', '性別', '宛名番号', '状態'].map((t) => h('th', { scope: 'col' }, t)))),
		tbody));
}

function selectTab(tab) {
	for (const t of $$('#screen-person [role="tab"]')) {
		const on = t === tab;
		t.setAttribute('aria-selected', on ? 'true' : 'false');
		t.tabIndex = on ? 0 : -1;
		$(`#${t.getAttribute('aria-controls')}`).hidden = !on;
	}
	if (tab.id === 'tab-history' && !historyLoaded) loadHistory();
	if (tab.id === 'tab-household' && !householdLoaded) loadHousehold();
}

async function loadHistory() {
	const panel = $('#panel-history');
	panel.textContent = '';
	panel.append(h('p', { class: 'muted' }, '読み込み中…'));
	try {
		const { data } = await api.request('GET', `/registry/persons/${encodeURIComponent(addresseeNo(state.person))}/history`);
		historyLoaded = true;
		renderHistory(data);
	} catch (err) {
		panel.textContent = '';
		panel.append(h('p', { class: 'form-error' }, `履歴を表示できません：${err.message}`));
	}
}

function renderHistory(data) {
	const panel = $('#panel-history');
	panel.textContent = '';
	const versions = (data && data.versions) || [];
	if (!versions.length) {
		panel.append(h('p', { class: 'empty' }, '履歴はありません。'));
		return;
	}
	const sorted = [...versions].sort((a, b) => a.version - b.version);
	const rows = [];
	let prev = null;
	for (const v of sorted) {
		const it = v.items || {};
		const opText = OPS[v.op] || eventTypeLabel(v.op) || v.op || '';
		rows.push(h('tr', {},
			h('td', { class: 'num' }, `第${v.version}版`),
			h('td', {}, opText, it.change_reason && it.change_reason !== opText ? h('div', { class: 'muted' }, it.change_reason) : null),
			h('td', { class: 'nowrap' }, fmtDate(it.change_date)),
			h('td', {}, prev ? changesList(it, prev) : h('span', { class: 'muted' }, '新規記載')),
			h('td', {}, v.made_by || ''),
			h('td', {}, fmtDateTime(v.made_at)),
			h('td', {}, v.approved_by || '')));
		prev = it;
	}
	rows.reverse();   // newest first
	panel.append(h('table', { class: 'table history' },
		h('caption', { class: 'sr-only' }, '履歴（新しい順）'),
		h('thead', {}, h('tr', {}, ...['版', '操作・事由', '異動日', '変更内容', '処理者', '処理日時', '承認者'].map((t) => h('th', { scope: 'col' }, t)))),
		h('tbody', {}, rows)));
}

/* ---- 職権修正 ------------------------------------------------------------- */

function openCorrection() {
	if (!state.person) return;
	const f = $('#correct-form');
	f.reset();
	clearErrors(f);
	const sel = $('#correct-item');
	sel.textContent = '';
	for (const id of CORRECTABLE) sel.append(h('option', { value: id }, itemLabel(id)));
	prepareDates(f);
	fillCurrent();
	const t = api.currentTask();
	$('#correct-task-reason').textContent = t ? `「${t.reason}」` : '';
	$('#correct-dialog').showModal();
	sel.focus();
}

function fillCurrent() {
	const id = $('#correct-item').value;
	const v = (state.person.items || {})[id];
	$('#correct-current').value = v === undefined || v === null ? '' : String(v);
	const inp = $('#correct-value');
	inp.type = itemType(id) === 'date' ? 'date' : 'text';
	inp.value = '';
	inp.dataset.field = `items.${id}`;
}

async function submitCorrection(ev) {
	ev.preventDefault();
	const f = ev.currentTarget;
	const item = $('#correct-item').value;
	let value = $('#correct-value').value.trim();
	const t = itemType(item);
	if (t === 'kana') value = toKatakana(value);
	const c = new Checks();
	const fv = `items.${item}`;
	if (c.required(fv, value, '修正後の内容')) {
		if (t === 'date' && !isDate(value)) c.add(fv, '正しい日付で入力してください');
		if (t === 'kana' && !isKana(value)) c.add(fv, 'カナで入力してください');
		if (t.startsWith('digits:') && !isDigits(value, Number(t.slice(7)))) c.add(fv, `${t.slice(7)}桁の数字で入力してください`);
		if (item === 'sex' && value !== '1' && value !== '2') c.add(fv, '性別は 1（男）または 2（女）で入力してください');
		if (value === String((state.person.items || {})[item] ?? '')) c.add(fv, '現在の記載と同じです');
	}
	c.date('event_date', $('#correct-date').value, '修正日');
	if (!c.ok) {
		showProblems(f, c.problems);
		return;
	}
	const body = {
		event_date: $('#correct-date').value,
		addressee_no: addresseeNo(state.person),
		items: { [item]: value },
	};
	busy(f, true);
	try {
		const { status, data } = await api.request('POST', '/registry/events/ex_officio_correction', { body });
		$('#correct-dialog').close();
		if (status === 202 || (data && data.pending_id)) toast(`職権修正を承認待ちに登録しました（承認番号 ${data.pending_id}）。別の職員の承認後に反映されます。`);
		else toast('職権修正を登録しました。');
		await reload();
	} catch (err) {
		showServerError(f, err);
	} finally {
		busy(f, false);
	}
}

