/*
 * certificate.js — 証明書交付 (住民票の写し etc.): whole household or chosen
 * members, optional My Number / resident record code (only for the person or
 * the household: 住基法12条5項), the requester and the purpose. "PDFを表示"
 * fetches the PDF with the session's headers and opens it in a new tab from a
 * blob: URL (revoked at the end of the task), so no token ever sits in a URL.
 */
import * as api from './api.js';
import { REQUESTER_RELATIONS, CERT_ITEMS } from './labels.js';
import { $, $$, h, state, clearErrors, showProblems, showServerError, toast, busy, personName, addresseeNo, fmtDate } from './ui.js';
import { Checks } from './validate.js';
import { householdMembers } from './person.js';

export function init() {
	const f = $('#cert-form');
	const rel = $('#cert-relation');
	for (const [k, v] of Object.entries(REQUESTER_RELATIONS)) rel.append(h('option', { value: k }, v));
	const items = $('#cert-items');
	for (const [k, v] of Object.entries(CERT_ITEMS)) {
		items.append(h('label', { class: 'check' },
			h('input', { type: 'checkbox', name: 'cert_item', value: k, checked: k === 'household' || k === 'relationship' }), ` ${v}`));
	}
	f.addEventListener('change', update);
	f.addEventListener('submit', submit);
}

export function reset() {
	const f = $('#cert-form');
	f.reset();
	clearErrors(f);
	f.hidden = true;
	$('#cert-empty').hidden = false;
	delete f.dataset.for;
	$('#cert-members').textContent = '';
	$('#cert-req-member').textContent = '';
	$('#cert-person').textContent = '';
	const dl = $('#cert-download');
	dl.hidden = true;
	dl.removeAttribute('href');
}

function update(ev) {
	const f = $('#cert-form');
	const joshu = $('#cert-kind').value === 'joshu';
	for (const r of $$('input[name="members_mode"]', f)) r.disabled = joshu;
	$('#cert-members').hidden = joshu || $('input[name="members_mode"]:checked', f).value !== 'some';
	$('#cert-number-warning').hidden = !($('#cert-mn').checked || $('#cert-rc').checked);
	const rel = $('#cert-relation').value;
	$('#cert-req-member-field').hidden = rel !== 'household';
	$('#cert-purpose-req').hidden = rel === 'self' || rel === 'household';
	const name = $('#cert-req-name');
	if (ev && ev.target && ev.target.id === 'cert-relation') {
		/* The requester's name follows who they are, until the clerk types one. */
		if (rel === 'self') name.value = personName(state.person);
		else if (rel === 'household') name.value = $('#cert-req-member').selectedOptions[0]?.dataset.name || '';
		else name.value = '';
	}
	if (ev && ev.target && ev.target.id === 'cert-req-member')
		name.value = $('#cert-req-member').selectedOptions[0]?.dataset.name || '';
}

export function prepare() {
	const p = state.person;
	const f = $('#cert-form');
	f.hidden = !p;
	$('#cert-empty').hidden = !!p;
	if (!p) return;
	const it = p.items || {};
	const no = addresseeNo(p);
	if (f.dataset.for !== no) {
		f.reset();
		clearErrors(f);
		f.dataset.for = no;
		$('#cert-download').hidden = true;
	}
	$('#cert-person').textContent = `${personName(p)}（${it.name_kana || ''}）　${fmtDate(it.birth_date)}生　宛名番号 ${no}`;
	$('#cert-support').hidden = !p.support_measure;
	$('#cert-kind').value = p.state === 'removed' ? 'joshu' : $('#cert-kind').value === 'joshu' ? 'juminhyo' : $('#cert-kind').value;
	const box = $('#cert-members');
	box.textContent = '';
	const sel = $('#cert-req-member');
	sel.textContent = '';
	for (const m of householdMembers(p)) {
		box.append(h('label', { class: 'check' },
			h('input', { type: 'checkbox', name: 'cert_member', value: m.no, checked: m.no === no }),
			` ${m.name}（${m.rel || '—'}）`));
		if (m.no !== no) sel.append(h('option', { value: m.no, 'data-name': m.name }, `${m.name}（${m.rel || '—'}）`));
	}
	if (!$('#cert-req-name').value && $('#cert-relation').value === 'self') $('#cert-req-name').value = personName(p);
	update();
}

async function submit(ev) {
	ev.preventDefault();
	const f = ev.currentTarget;
	const p = state.person;
	if (!p) return;
	const mode = $('input[name="members_mode"]:checked', f).value;
	const relation = $('#cert-relation').value;
	const kind = $('#cert-kind').value;
	const body = {
		kind,
		addressee_no: addresseeNo(p),
		items: $$('input[name="cert_item"]:checked', f).map((i) => i.value),
		include_my_number: $('#cert-mn').checked,
		include_resident_code: $('#cert-rc').checked,
		requester: { relation, name: $('#cert-req-name').value.trim() },
	};
	/* A 除票の写し is of the one person (members defaults to them). */
	if (kind !== 'joshu') body.members = mode === 'all' ? 'all' : $$('input[name="cert_member"]:checked', f).map((i) => i.value);
	if (relation === 'household') body.requester.addressee_no = $('#cert-req-member').value;
	const purpose = $('#cert-purpose').value.trim();
	if (purpose) body.purpose = purpose;
	const c = new Checks();
	if (Array.isArray(body.members) && !body.members.length) c.add('members', '記載する世帯員を1人以上選んでください');
	if (kind === 'kisai_jiko' && !body.items.length) c.add('items', '記載事項証明書に記載する事項を選んでください');
	c.required('requester.name', body.requester.name, '請求者氏名');
	if (relation === 'household' && !body.requester.addressee_no) c.add('requester.addressee_no', '請求する世帯員を選んでください（同一世帯の人がいません）');
	if (relation === 'third_party' || relation === 'agent') c.required('purpose', purpose, '使用目的');
	if ((body.include_my_number || body.include_resident_code) && relation !== 'self' && relation !== 'household')
		c.add('include_my_number', '個人番号・住民票コードは、本人または同一世帯の者からの請求に限り記載できます');
	if (p.support_measure && (relation === 'third_party' || relation === 'agent'))
		c.add('requester.relation', '支援措置対象者の住民票は、第三者・代理人からの請求には交付できません');
	if (body.kind === 'joshu' && p.state !== 'removed') c.add('kind', '除票の写しは除票にのみ交付できます');
	if (!c.ok) {
		showProblems(f, c.problems);
		return;
	}
	clearErrors(f);
	busy(f, true);
	try {
		const res = await api.request('POST', '/registry/certificates', { body, query: { format: 'pdf' }, as: 'blob' });
		if (!/^application\/pdf/.test(res.type)) throw new Error(`PDF ではない応答です（${res.type}）`);
		const url = URL.createObjectURL(new Blob([res.blob], { type: 'application/pdf' }));
		state.blobUrls.push(url);
		const dl = $('#cert-download');
		dl.href = url;
		dl.download = `${body.kind}-${body.addressee_no}.pdf`;
		dl.hidden = false;
		const win = window.open(url, '_blank');
		if (win) {
			win.opener = null;
			toast('証明書のPDFを新しいタブで開きました。印刷して交付してください。');
		} else {
			toast('ポップアップが許可されていません。「PDFを保存」から開いてください。', 'error');
		}
	} catch (err) {
		if (err instanceof api.ApiError) showServerError(f, err);
		else showProblems(f, [{ field: '', message: err.message }]);
	} finally {
		busy(f, false);
	}
}
