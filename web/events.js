/*
 * events.js — 異動届: 転入 (move_in), 転居 (in_ward_move), 転出
 * (move_out_planned), 出生 (birth), 死亡 (death). Each form checks what the
 * server will check (so a slip is named before sending), builds the body of
 * POST /api/v1/registry/events/{type} in the shapes documented at the top of
 * src/registry/registry_events.c, and shows the server's refusal next to the
 * field it names. The event types' names are the register's one table on the
 * server (labels.js eventTypeLabel), not a copy here.
 */
import * as api from './api.js';
import { FLAGS, eventTypeLabel } from './labels.js';
import {
	$, $$, h, state, nav, clearErrors, showProblems, showServerError, busy, prepareDates, bindWhen,
	applyWhen, val, personName, addresseeNo, fmtDate,
} from './ui.js';
import { Checks, toKatakana, asciiDigits } from './validate.js';
import { householdMembers, reload as reloadPerson } from './person.js';

/* The events this screen has forms for (the register knows more). */
export const TYPES = ['move_in', 'in_ward_move', 'move_out_planned', 'birth', 'death'];

const HOUSEHOLDER = '世帯主';

export function init() {
	for (const t of TYPES) {
		const f = $(`#form-${t}`);
		f.addEventListener('submit', (ev) => submit(ev, t));
		f.addEventListener('reset', () => {
			clearErrors(f);
			setTimeout(() => {
				prepareDates(f);
				if (t === 'move_in') resetPersons();
				else prepare(t);
			});
		});
		bindWhen(f);
		f.addEventListener('change', (e) => {
			const el = e.target;
			/* Readings typed in hiragana are kept in katakana; digits typed full width become ASCII. */
			if (el.matches('[data-key="name_kana"], [data-kana]')) el.value = toKatakana(el.value.trim());
			if (el.matches('[inputmode="numeric"]')) el.value = asciiDigits(el.value).replace(/[-\s]/g, '');
			if (t === 'move_in' && el.name === 'household_mode') householderRadios();
			if (t === 'move_in' && el.name === 'from_mode') $$('.mn-req', f).forEach((s) => { s.hidden = el.value === 'abroad'; });
			if (t === 'in_ward_move' && (el.name === 'move_mode' || el.name === 'member' || el.name === 'mover_hh')) moversChanged(f);
		});
	}
	$('#mi-add-person').addEventListener('click', () => {
		addPerson();
		$$('#mi-persons .person-entry').pop().querySelector('input').focus();
	});
	resetPersons();
}

export function reset() {
	for (const t of TYPES) {
		const f = $(`#form-${t}`);
		f.reset();
		clearErrors(f);
		$(`#screen-${t} .event-result`).textContent = '';
		const target = $('[data-target]', f);
		if (target) target.textContent = '';
		const succ = $('[data-successor]', f);
		if (succ) succ.textContent = '';
	}
	resetPersons();
}

/* Called when the screen is shown. */
export function prepare(type) {
	const f = $(`#form-${type}`);
	prepareDates(f);
	const target = $('[data-target]', f);
	if (target) renderTarget(type, f, target);
	applyWhen(f);
}

/* ---- 転入: the persons -------------------------------------------------- */

function resetPersons() {
	$('#mi-persons').textContent = '';
	addPerson();
}

function addPerson() {
	const node = $('#tpl-person').content.firstElementChild.cloneNode(true);
	$('#mi-persons').append(node);
	node.querySelector('.f-remove').addEventListener('click', () => {
		node.remove();
		renumber();
	});
	renumber();
	if ($$('#mi-persons .person-entry').length === 1 && !joining()) {
		node.querySelector('.f-householder').checked = true;
		node.querySelector('.f-rel').value = HOUSEHOLDER;
	}
	householderRadios();
	const abroad = $('input[name="from_mode"]:checked', $('#form-move_in')).value === 'abroad';
	$$('.mn-req', node).forEach((s) => { s.hidden = abroad; });
}

function joining() {
	return $('input[name="household_mode"]:checked', $('#form-move_in')).value === 'join';
}

/* Joining a household adds no householder. */
function householderRadios() {
	const join = joining();
	for (const r of $$('#mi-persons .f-householder')) {
		r.disabled = join;
		if (join) r.checked = false;
		r.closest('label').hidden = join;
	}
}

/* Labels, ids and the data-field names the server's errors use (persons[i].name). */
function renumber() {
	const entries = $$('#mi-persons .person-entry');
	entries.forEach((node, i) => {
		node.dataset.field = `persons[${i}]`;
		const title = `${i + 1}人目`;
		node.querySelector('.person-title').textContent = title;
		node.setAttribute('aria-label', title);
		node.querySelector('.f-householder').value = String(i);
		node.querySelector('.f-householder').dataset.field = `persons[${i}].householder`;
		node.querySelector('.f-remove').hidden = entries.length === 1;
		node.querySelector('.f-remove').setAttribute('aria-label', `${title}を削除`);
		for (const inp of $$('[data-key]', node)) {
			const id = `mi-p${i}-${inp.dataset.key}`;
			inp.id = id;
			inp.dataset.field = `persons[${i}].${inp.dataset.key}`;
			inp.name = `p${i}_${inp.dataset.key}`;
			inp.closest('.field').querySelector('label').htmlFor = id;
		}
		prepareDates(node);
	});
}

/* ---- The person on screen and the household around them ------------------- */

function renderTarget(type, f, target) {
	target.textContent = '';
	const succ = $('[data-successor]', f);
	if (succ) succ.textContent = '';
	const submitBtn = $('button[type="submit"]', f);
	const p = state.person;
	if (!p) {
		target.append(h('p', { class: 'banner warn' }, '対象の住民が選ばれていません。住民検索で選んでください。　',
			h('button', { type: 'button', class: 'btn small', onclick: () => nav.show('search') }, '住民検索へ')));
		submitBtn.disabled = true;
		return;
	}
	submitBtn.disabled = p.state === 'removed';
	const it = p.items || {};
	const label = target.dataset.label || '異動する人';
	if (p.state === 'removed')
		target.append(h('p', { class: 'banner removed' }, 'この住民票は除票です。異動届は登録できません。'));
	if (type === 'birth') {
		target.append(h('div', { class: 'target-line' }, h('span', { class: 'label' }, label),
			`世帯番号 ${it.household_no || '—'}　世帯主 ${it.householder_name || personName(p)}　${it.address || ''}`));
		return;
	}
	if (type === 'death') {
		target.append(h('div', { class: 'target-line' }, h('span', { class: 'label' }, label),
			`${personName(p)}（${it.name_kana || ''}）　${fmtDate(it.birth_date)}生　宛名番号 ${addresseeNo(p)}`));
		renderSuccessor(f, [addresseeNo(p)]);
		return;
	}
	renderMovers(type, f, target, p);
}

function activeMembers(p) {
	return householdMembers(p).filter((m) => m.state !== 'removed');
}

/* 転居・転出: who moves. A 転居 moves a whole household, or some members into
 * a new household or into an existing one (住基法23条, 25条). */
function renderMovers(type, f, target, p) {
	const it = p.items || {};
	const inWard = type === 'in_ward_move';
	const box = h('fieldset', { 'data-field': 'persons' }, h('legend', {}, inWard ? '転居する人' : '転出する人'));
	if (inWard) {
		box.append(h('div', { class: 'row' },
			h('label', { class: 'check' }, h('input', { type: 'radio', name: 'move_mode', value: 'whole', checked: true }), ' 世帯全員で転居'),
			h('label', { class: 'check' }, h('input', { type: 'radio', name: 'move_mode', value: 'new' }), ' 一部の人が新しい世帯をつくる'),
			h('label', { class: 'check' }, h('input', { type: 'radio', name: 'move_mode', value: 'join' }), ' 既存の世帯に入る'),
			h('div', { class: 'field inline', 'data-when': 'move_mode=join', hidden: true },
				h('label', { for: 'iw-hh' }, '入る世帯の世帯番号'),
				h('input', { id: 'iw-hh', name: 'household_no', 'data-field': 'household.household_no', inputmode: 'numeric', maxlength: '10', class: 'w10' }))));
	}
	const tbody = h('tbody');
	const me = addresseeNo(p);
	for (const m of activeMembers(p)) {
		const row = h('tr', { 'data-no': m.no },
			h('td', {}, h('label', { class: 'check' },
				h('input', { type: 'checkbox', name: 'member', value: m.no, checked: inWard || m.no === me }),
				` ${m.name || m.no}`)),
			h('td', {}, m.rel || '—'));
		if (inWard) {
			row.append(
				h('td', { 'data-when': 'move_mode=new', hidden: true },
					h('label', { class: 'check' }, h('input', { type: 'radio', name: 'mover_hh', value: m.no, 'aria-label': `${m.name}を新しい世帯の世帯主にする` }), ' 世帯主')),
				h('td', { 'data-mode': 'rel' },
					h('input', { class: 'mover-rel', list: 'relationship-list', 'aria-label': `${m.name}の新しい続柄`, 'data-no': m.no })));
		}
		tbody.append(row);
	}
	const head = ['氏名', '現在の続柄'];
	if (inWard) head.push('新しい世帯の世帯主', '新しい続柄');
	box.append(h('table', { class: 'table movers' },
		h('thead', {}, h('tr', {}, ...head.map((t, i) => h('th', { scope: 'col', 'data-when': i === 2 ? 'move_mode=new' : null }, t)))),
		tbody));
	box.append(h('p', { class: 'hint' }, `現住所：${it.address || ''} ${it.address_supplement || ''}　世帯番号 ${it.household_no || '—'}`));
	target.append(box);
	if (inWard) moversChanged(f);
}

function moveMode(f) {
	const r = $('input[name="move_mode"]:checked', f);
	return r ? r.value : 'whole';
}

function moversChanged(f) {
	const mode = moveMode(f);
	const whole = mode === 'whole';
	for (const cb of $$('input[name="member"]', f)) {
		if (whole) cb.checked = true;
		cb.disabled = whole;
	}
	for (const row of $$('table.movers tbody tr', f)) {
		const moving = $('input[name="member"]', row).checked;
		const hh = $('input[name="mover_hh"]', row);
		const rel = $('.mover-rel', row);
		if (hh) {
			hh.disabled = !moving || mode !== 'new';
			if (hh.disabled) hh.checked = false;
		}
		if (rel) {
			const needRel = moving && !whole && !(mode === 'new' && hh && hh.checked);
			rel.disabled = !needRel;
			rel.hidden = !needRel;
			if (!needRel) rel.value = '';
		}
	}
	applyWhen(f);
	const movers = whole ? [] : $$('input[name="member"]:checked', f).map((i) => i.value);
	renderSuccessor(f, movers);
}

/* 世帯主変更 (住基法25条): when the householder leaves members behind, the
 * new householder and every staying member's relationship to them. */
function renderSuccessor(f, leavers) {
	const box = $('[data-successor]', f);
	if (!box) return;
	box.textContent = '';
	const p = state.person;
	if (!p) return;
	const members = activeMembers(p);
	const hh = members.find((m) => m.rel === HOUSEHOLDER);
	const staying = members.filter((m) => !leavers.includes(m.no));
	if (!hh || !leavers.includes(hh.no) || !staying.length) return;
	const sel = h('select', { id: `${f.id}-nh`, name: 'nh_addressee', 'data-field': 'new_householder.addressee_no' },
		h('option', { value: '' }, '選択'), ...staying.map((m) => h('option', { value: m.no }, `${m.name}（${m.rel}）`)));
	box.append(h('fieldset', { class: 'successor', 'data-field': 'new_householder' },
		h('legend', {}, '新しい世帯主（世帯主変更）'),
		h('p', { class: 'hint' }, `世帯主の${hh.name}さんが世帯を離れ、残る世帯員がいます。新しい世帯主と、ほかの世帯員の新しい世帯主との続柄を入力してください（住民基本台帳法25条）。`),
		h('div', { class: 'grid4' },
			h('div', { class: 'field' }, h('label', { for: sel.id }, '新しい世帯主 ', h('span', { class: 'req' }, '必須')), sel)),
		h('div', { class: 'grid4 nh-rels' })));
	sel.addEventListener('change', () => successorRels(f));
	successorRels(f);
}

function successorRels(f) {
	const box = $('.nh-rels', f);
	if (!box) return;
	box.textContent = '';
	const p = state.person;
	const heir = $('select[name="nh_addressee"]', f).value;
	if (!heir) return;
	const leavers = f.id === 'form-death' ? [addresseeNo(p)] : $$('input[name="member"]:checked', f).map((i) => i.value);
	const others = activeMembers(p).filter((m) => !leavers.includes(m.no) && m.no !== heir);
	for (const m of others) {
		const id = `${f.id}-nh-${m.no}`;
		box.append(h('div', { class: 'field' },
			h('label', { for: id }, `${m.name}の続柄 `, h('span', { class: 'req' }, '必須')),
			h('input', { id, class: 'nh-rel', list: 'relationship-list', 'data-no': m.no, 'data-field': `new_householder.relationships.${m.no}` })));
	}
}

function successorOf(f, c) {
	const sel = $('select[name="nh_addressee"]', f);
	if (!sel) return undefined;
	const heir = sel.value;
	if (!heir) {
		c.add('new_householder.addressee_no', '新しい世帯主を選んでください');
		return undefined;
	}
	const relationships = {};
	for (const inp of $$('.nh-rel', f)) {
		const v = inp.value.trim();
		if (!v) c.add(inp.dataset.field, '新しい世帯主との続柄を入力してください');
		else if (v === HOUSEHOLDER) c.add(inp.dataset.field, '世帯主は1人です。新しい世帯主との続柄を入力してください');
		relationships[inp.dataset.no] = v;
	}
	return Object.keys(relationships).length ? { addressee_no: heir, relationships } : { addressee_no: heir };
}

/* ---- Bodies ---------------------------------------------------------------- */

function compact(o) {
	for (const k of Object.keys(o)) if (o[k] === '' || o[k] === undefined) delete o[k];
	return o;
}

function addressOf(f, c, required = true) {
	const a = compact({
		postcode: val(f, 'postcode').replace(/-/g, ''),
		address: val(f, 'address'),
		address_supplement: val(f, 'address_supplement'),
	});
	if (required) c.required('address.address', a.address, '住所');
	c.digits('address.postcode', a.postcode, 7, '郵便番号');
	return a;
}

/* 前住所 / 転出先: {municipality_code, address, ...} in Japan, {country, ...} abroad. */
function placeOf(f, c, path, fields, abroad) {
	const pl = compact({
		municipality_code: abroad ? '' : val(f, fields.code),
		country: abroad ? val(f, fields.country) : '',
		postcode: val(f, fields.postcode).replace(/-/g, ''),
		address: val(f, fields.address),
		address_supplement: fields.supp ? val(f, fields.supp) : '',
		householder: val(f, fields.householder),
	});
	if (abroad) {
		c.required(`${path}.country`, pl.country, '国名');
	} else {
		c.digits(`${path}.municipality_code`, pl.municipality_code, 6, '市区町村コード', { required: true });
		c.required(`${path}.address`, pl.address, '住所');
	}
	c.digits(`${path}.postcode`, pl.postcode, 7, '郵便番号');
	return pl;
}

function eventDates(f, c, label, { futureOk = false } = {}) {
	const body = { event_date: val(f, 'event_date'), notification_date: val(f, 'notification_date') };
	c.date('event_date', body.event_date, label, { notFuture: !futureOk });
	c.date('notification_date', body.notification_date, '届出日');
	if (!futureOk && body.event_date && body.notification_date && body.notification_date < body.event_date)
		c.add('notification_date', `届出日が${label}より前になっています`);
	return body;
}

const BUILD = {
	move_in(f, c) {
		const body = eventDates(f, c, '転入日');
		const abroad = $('input[name="from_mode"]:checked', f).value === 'abroad';
		if (!joining()) body.household = { new: true };
		else {
			const no = val(f, 'household_no');
			c.digits('household.household_no', no, 10, '世帯番号', { required: true });
			body.household = { household_no: no };
		}
		const addr = addressOf(f, c, !joining());
		if (addr.address) body.address = addr;
		body.previous = placeOf(f, c, 'previous', {
			code: 'previous_municipality_code', country: 'previous_country', postcode: 'previous_postcode',
			address: 'previous_address', householder: 'previous_householder',
		}, abroad);
		if (abroad) body.from_abroad = true;
		const hh = $('input[name="householder"]:checked', f);
		body.persons = $$('#mi-persons .person-entry').map((node, i) => {
			const g = (k) => node.querySelector(`[data-key="${k}"]`).value.trim();
			const isHh = !!hh && hh.value === String(i);
			const p = compact({
				name: g('name'), name_kana: toKatakana(g('name_kana')), birth_date: g('birth_date'),
				sex: g('sex'), relationship: isHh ? HOUSEHOLDER : g('relationship'),
				resident_code: g('resident_code'), my_number: g('my_number'),
			});
			const at = `persons[${i}]`;
			c.required(`${at}.name`, p.name, '氏名');
			c.kana(`${at}.name_kana`, p.name_kana || '', '氏名（カナ）');
			c.date(`${at}.birth_date`, p.birth_date, '生年月日');
			if (p.birth_date && body.event_date && p.birth_date > body.event_date)
				c.add(`${at}.birth_date`, '生年月日が転入日より後になっています');
			c.required(`${at}.sex`, p.sex, '性別');
			if (c.required(`${at}.relationship`, p.relationship, '続柄') && !isHh && p.relationship === HOUSEHOLDER)
				c.add(`${at}.relationship`, '世帯主は「世帯主」欄で1人選んでください。この人の世帯主との続柄を入力してください');
			c.digits(`${at}.resident_code`, p.resident_code, 11, '住民票コード', { required: true });
			if (!abroad && !p.my_number) c.add(`${at}.my_number`, '国内からの転入では個人番号が必要です');
			c.myNumber(`${at}.my_number`, p.my_number);
			if (isHh) p.householder = true;
			return p;
		});
		if (!joining() && !hh) c.add('persons[0].householder', '世帯主を1人選んでください');
		return body;
	},

	in_ward_move(f, c) {
		const body = eventDates(f, c, '転居日');
		const mode = moveMode(f);
		const rows = $$('table.movers tbody tr', f).filter((r) => $('input[name="member"]', r).checked);
		if (!rows.length) c.add('persons', '転居する人を1人以上選んでください');
		const hhRadio = $('input[name="mover_hh"]:checked', f);
		body.persons = rows.map((row, i) => {
			const no = row.dataset.no;
			const p = { addressee_no: no };
			const rel = $('.mover-rel', row);
			if (rel) rel.dataset.field = `persons[${i}].relationship`;
			if (mode === 'new' && hhRadio && hhRadio.value === no) p.householder = true;
			else if (mode !== 'whole') {
				const v = rel.value.trim();
				if (!v) c.add(`persons[${i}].relationship`, '新しい世帯の世帯主との続柄を入力してください');
				else if (v === HOUSEHOLDER) c.add(`persons[${i}].relationship`, '世帯主は「世帯主」欄で選んでください');
				p.relationship = v;
			}
			return p;
		});
		if (mode === 'new') {
			body.household = { new: true };
			if (!hhRadio) c.add('persons', '新しい世帯の世帯主を選んでください');
		} else if (mode === 'join') {
			const no = val(f, 'household_no');
			c.digits('household.household_no', no, 10, '世帯番号', { required: true });
			body.household = { household_no: no };
		}
		const addr = addressOf(f, c, mode !== 'join');
		if (addr.address || mode !== 'join') body.address = addr;
		const nh = successorOf(f, c);
		if (nh) body.new_householder = nh;
		return body;
	},

	move_out_planned(f, c) {
		const body = eventDates(f, c, '転出予定日', { futureOk: true });
		body.addressee_nos = $$('input[name="member"]:checked', f).map((i) => i.value);
		if (!body.addressee_nos.length) c.add('persons', '転出する人を1人以上選んでください');
		const abroad = $('input[name="to_mode"]:checked', f).value === 'abroad';
		body.destination = placeOf(f, c, 'destination', {
			code: 'municipality_code', country: 'country', postcode: 'postcode', address: 'address',
			supp: 'address_supplement', householder: 'householder',
		}, abroad);
		return body;
	},

	birth(f, c) {
		const body = eventDates(f, c, '出生日');
		body.household_no = (state.person.items || {}).household_no;
		const child = compact({
			name: val(f, 'name'),
			name_kana: toKatakana(val(f, 'name_kana')),
			sex: val(f, 'sex'),
			relationship: val(f, 'relationship'),
			resident_code: val(f, 'resident_code'),
			my_number: val(f, 'my_number'),
		});
		c.required('person.name', child.name, '氏名');
		c.kana('person.name_kana', child.name_kana || '', '氏名（カナ）');
		c.required('person.sex', child.sex, '性別');
		if (c.required('person.relationship', child.relationship, '続柄') && child.relationship === HOUSEHOLDER)
			c.add('person.relationship', '世帯主との続柄を入力してください');
		c.digits('person.resident_code', child.resident_code, 11, '住民票コード', { required: true });
		c.myNumber('person.my_number', child.my_number);
		body.person = child;
		return body;
	},

	death(f, c) {
		const body = eventDates(f, c, '死亡日');
		body.addressee_no = addresseeNo(state.person);
		const bd = (state.person.items || {}).birth_date;
		if (bd && body.event_date && body.event_date < bd) c.add('event_date', '死亡日が生年月日より前になっています');
		const nh = successorOf(f, c);
		if (nh) body.new_householder = nh;
		return body;
	},
};

async function submit(ev, type) {
	ev.preventDefault();
	const f = ev.currentTarget;
	const out = $(`#screen-${type} .event-result`);
	const c = new Checks();
	const body = BUILD[type](f, c);
	if (!c.ok) {
		showProblems(f, c.problems);
		return;
	}
	clearErrors(f);
	out.textContent = '';
	busy(f, true);
	let done = false;
	try {
		const { status, data } = await api.request('POST', `/registry/events/${type}`, { body });
		renderResult(type, out, status, data || {});
		done = true;
		if (state.person && type !== 'move_in') await reloadPerson();
	} catch (err) {
		showServerError(f, err);
	} finally {
		busy(f, false);
	}
	if (done) {
		f.reset();
		out.querySelector('h3').focus();
	}
}

function renderResult(type, out, status, data) {
	const name = eventTypeLabel(type) || type;
	const box = h('div', { class: 'card result' });
	if (status === 202) {
		box.append(h('h3', { tabindex: '-1' }, `${name}を承認待ちに登録しました`),
			h('p', {}, `承認番号 ${data.pending_id || (data.pending_ids || []).join('・')}。別の職員が承認すると反映されます。`));
		out.append(box);
		return;
	}
	box.append(h('h3', { tabindex: '-1' }, `${name}を受理しました`));
	const meta = [];
	if (data.event_id) meta.push(`異動番号 ${data.event_id}`);
	if (data.household_no) meta.push(`世帯番号 ${data.household_no}`);
	if (meta.length) box.append(h('p', { class: 'meta' }, meta.join('　')));
	for (const fl of data.flags || [])
		box.append(h('p', { class: 'banner warn' }, FLAGS[fl] || fl));
	const recs = data.records || [];
	if (recs.length) {
		const ul = h('ul', { class: 'result-records' });
		for (const r of recs) {
			ul.append(h('li', {}, '宛名番号 ', h('span', { class: 'mono' }, r.addressee_no), ' ',
				h('button', { type: 'button', class: 'btn small', onclick: () => nav.openPerson(r.addressee_no) }, '住民票を表示')));
		}
		box.append(ul);
	}
	out.append(box);
}
