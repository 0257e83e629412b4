/*
 * labels.js — the names the screens use: the resident register's items as
 * declared (loaded from the server, with the shorter names a counter clerk
 * reads), and the screens' own tables. No personal data here.
 */
/* The resident register's items — names, types, code lists, in declared
 * order — are not copied here: they come from the declarations the door
 * enforces (GET /api/v1/declarations, declarations/registry.json), loaded once
 * after login (useDeclarations). Until then an item shows as its id. */
const FILE = 'resident_register';
let items = new Map();   // id -> {label, type, codes, order}

export function useDeclarations(decl) {
	const f = ((decl && decl.files) || []).find((x) => x.id === FILE);
	const m = new Map();
	((f && f.items) || []).forEach((it, i) => m.set(it.id, {
		label: it.label_ja || it.name_ja || it.id,
		type: it.type || 'text',
		codes: it.codes || null,
		order: i,
	}));
	items = m;
}

export function itemLabel(id) {
	return items.has(id) ? items.get(id).label : id;
}

export function itemType(id) {
	return items.has(id) ? items.get(id).type : 'text';
}

/* Declared order, for listing items; unknown ids last. */
export function itemOrder(id) {
	return items.has(id) ? items.get(id).order : Number.MAX_SAFE_INTEGER;
}

/* Every <select data-codes="ITEM"> (in templates too) offers the item's
 * declared codes, so a form offers exactly what the door accepts. */
export function fillCodeSelects(root = document) {
	const selects = [...root.querySelectorAll('select[data-codes]')];
	for (const t of root.querySelectorAll('template')) selects.push(...t.content.querySelectorAll('select[data-codes]'));
	for (const sel of selects) {
		const it = items.get(sel.dataset.codes);
		if (!it || !it.codes) continue;
		for (const o of [...sel.options]) if (o.value) o.remove();
		for (const [code, label] of Object.entries(it.codes)) {
			const o = document.createElement('option');
			o.value = code;
			o.textContent = label;
			sel.append(o);
		}
	}
}

/* The declared label of a coded value (sex "1" → 男), or undefined. */
export function codeLabel(id, value) {
	const it = items.get(id);
	return it && it.codes ? it.codes[value] : undefined;
}

export const RELATIONSHIPS = [
	'世帯主', '妻', '夫', '子', '父', '母', '孫', '兄', '姉', '弟', '妹', '祖父', '祖母',
	'子の妻', '子の夫', '妻の父', '妻の母', '夫の父', '夫の母', '縁故者', '同居人',
];

/* The register's event types (異動の種類) and their names are not copied
 * here either: they are the register's one table (GET
 * /api/v1/registry/event-types, src/registry/registry_event_types.c), loaded
 * once after login (useEventTypes). Until then a type has no name. */
let eventTypes = new Map();   // type -> label

export function useEventTypes(data) {
	eventTypes = new Map(((data && data.event_types) || []).map((t) => [t.type, t.label]));
}

/* The name of an event type (move_in → 転入), or undefined. */
export function eventTypeLabel(type) {
	return eventTypes.get(type);
}

export const OPS = {
	create: '記載',
	correct: '修正',
	remove: '消除',
	restore: '回復',
};

export const STATES = { active: '住民', removed: '除票' };

export const FLAGS = {
	late_notification: '届出期間（14日）を経過した届出です',
	support_measure: '支援措置の対象者を含みます',
};

export const REQUESTER_RELATIONS = {
	self: '本人',
	household: '同一世帯の者',
	third_party: '第三者',
	agent: '代理人',
};

export const REASONS = [
	'転入届の受付', '転居届の受付', '転出届の受付', '出生届の受付', '死亡届の受付',
	'住民票の写しの交付', '記載内容の確認', '職権修正', '承認（四つの目）',
];

/* The items a certificate may carry besides name, birth date and sex. */
export const CERT_ITEMS = {
	household: '世帯主の氏名',
	relationship: '続柄',
	domicile: '本籍・筆頭者',
	former_name: '旧氏',
	foreign: '国籍・在留資格等（外国人住民）',
	change_history: '異動履歴',
};

/* The items an ex officio correction (職権修正) may change. */
export const CORRECTABLE = [
	'name', 'name_kana', 'birth_date', 'sex', 'relationship', 'postcode', 'address',
	'address_supplement', 'domicile', 'family_register_head', 'former_name', 'former_name_kana',
	'previous_address', 'remarks',
];
