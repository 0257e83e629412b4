/*
 * labels.js — the Japanese names of the resident register's items (from
 * declarations/registry.json, with the shorter names a counter clerk reads),
 * and the code tables the screens use. No personal data here.
 */
export const ITEMS = {
	household_no: { label: '世帯番号', type: 'digits:10' },
	householder_name_kana: { label: '世帯主カナ氏名', type: 'kana' },
	householder_name: { label: '世帯主氏名', type: 'text' },
	district_code: { label: '行政区コード', type: 'text' },
	postcode: { label: '郵便番号', type: 'digits:7' },
	municipality_code: { label: '現住所自治体コード', type: 'digits:6' },
	town_code: { label: '現住所町字コード', type: 'text' },
	address: { label: '住所', type: 'text' },
	address_supplement_code: { label: '現住所方書コード', type: 'text' },
	address_supplement: { label: '方書', type: 'text' },
	change_reason: { label: '異動事由', type: 'text' },
	addressee_no: { label: '宛名番号', type: 'digits:10' },
	removal_type: { label: '除票区分', type: 'text' },
	change_date: { label: '異動日', type: 'date' },
	notification_date: { label: '届出日', type: 'date' },
	residence_date: { label: '住定日', type: 'date' },
	residence_reason: { label: '住定異動事由', type: 'text' },
	residence_notification_date: { label: '住定届出日', type: 'date' },
	residence_notification_reason: { label: '住定届出事由', type: 'text' },
	name_kana: { label: '氏名（カナ）', type: 'kana' },
	name: { label: '氏名', type: 'text' },
	sex: { label: '性別', type: 'digits:1' },
	birth_date: { label: '生年月日', type: 'date' },
	relationship: { label: '続柄', type: 'text' },
	domicile_municipality_code: { label: '本籍自治体コード', type: 'digits:6' },
	domicile_postcode: { label: '本籍郵便番号', type: 'digits:7' },
	domicile: { label: '本籍', type: 'text' },
	family_register_head: { label: '筆頭者漢字', type: 'text' },
	former_surname: { label: '旧姓漢字', type: 'text' },
	resident_code: { label: '住民票コード', type: 'digits:11' },
	previous_municipality_code: { label: '前住所自治体コード', type: 'digits:6' },
	previous_postcode: { label: '前住所郵便番号', type: 'digits:7' },
	previous_address: { label: '前住所', type: 'text' },
	previous_address_supplement: { label: '前住所方書', type: 'text' },
	previous_householder: { label: '前住所世帯主漢字', type: 'text' },
	planned_municipality_code: { label: '転出予定地自治体コード', type: 'digits:6' },
	planned_postcode: { label: '転出予定地郵便番号', type: 'digits:7' },
	planned_address: { label: '転出予定地', type: 'text' },
	planned_address_supplement: { label: '転出予定地方書', type: 'text' },
	planned_householder: { label: '転出予定地世帯主漢字', type: 'text' },
	confirmed_municipality_code: { label: '転出確定地自治体コード', type: 'digits:6' },
	confirmed_postcode: { label: '転出確定地郵便番号', type: 'digits:7' },
	confirmed_address: { label: '転出確定地', type: 'text' },
	confirmed_address_supplement: { label: '転出確定地方書', type: 'text' },
	confirmed_householder: { label: '転出確定地世帯主漢字', type: 'text' },
	last_municipality_code: { label: '最終住民登録地自治体コード', type: 'digits:6' },
	last_postcode: { label: '最終住民登録地郵便番号', type: 'digits:7' },
	last_address: { label: '最終住民登録地', type: 'text' },
	last_address_supplement: { label: '最終住民登録地方書', type: 'text' },
	last_householder: { label: '最終住民登録地世帯主漢字', type: 'text' },
	unnotified_from: { label: '未届期間開始', type: 'date' },
	unnotified_to: { label: '未届期間終了', type: 'date' },
	remarks: { label: '備考', type: 'text' },
	removal_date: { label: '除票異動日', type: 'date' },
	removal_notification_date: { label: '除票届出日', type: 'date' },
	removal_notification_date_2: { label: '除票届出日', type: 'date' },
	removal_notification_reason: { label: '除票届出事由', type: 'text' },
	foreign_name_kana: { label: '外国人本名カナ', type: 'kana' },
	foreign_name: { label: '外国人本名漢字', type: 'text' },
	foreign_alias_kana: { label: '外国人通称カナ', type: 'kana' },
	foreign_alias: { label: '外国人通称漢字', type: 'text' },
	foreign_parallel_name: { label: '外国人併記名漢字', type: 'text' },
	foreign_parallel_name_kana: { label: '外国人併記名カナ', type: 'kana' },
	nationality_code: { label: '国籍コード', type: 'text' },
	nationality: { label: '国籍漢字', type: 'text' },
	residence_card_no: { label: '在留カード等番号', type: 'text' },
	residence_status_code: { label: '在留資格コード', type: 'text' },
	residence_status: { label: '在留資格漢字', type: 'text' },
	article_30_45_category: { label: '３０の４５区分', type: 'text' },
	period_of_stay: { label: '在留期間', type: 'text' },
	period_of_stay_expiry: { label: '在留期限満了日', type: 'date' },
	foreign_birth_date: { label: '外国人生年月日', type: 'date' },
	foreign_change_date: { label: '外国人住民異動日', type: 'date' },
	foreign_notification_date: { label: '外国人住民届出日', type: 'date' },
	foreign_residence_date: { label: '外国人住定異動日', type: 'date' },
	foreign_residence_reason: { label: '外国人住定異動事由', type: 'text' },
	foreign_residence_notification_date: { label: '外国人住定届出日', type: 'date' },
	foreign_residence_reason_2: { label: '外国人住定異動事由', type: 'text' },
	residence_notified_flag: { label: '居住地届出フラグ', type: 'boolean' },
	alias_history: { label: '通称履歴', type: 'text' },
	my_number: { label: '個人番号', type: 'my_number' },
	serial_no: { label: 'シリアル番号', type: 'text' },
	former_name: { label: '旧氏　漢字', type: 'text' },
	former_name_kana: { label: '旧氏　ふりがな', type: 'kana' },
};

export function itemLabel(id) {
	return ITEMS[id] ? ITEMS[id].label : id;
}

export const SEX = { 1: '男', 2: '女' };

export const RELATIONSHIPS = [
	'世帯主', '妻', '夫', '子', '父', '母', '孫', '兄', '姉', '弟', '妹', '祖父', '祖母',
	'子の妻', '子の夫', '妻の父', '妻の母', '夫の父', '夫の母', '縁故者', '同居人',
];

export const EVENT_TYPES = {
	move_in: '転入',
	move_out_planned: '転出',
	move_out_confirmed: '転出確定',
	move_out_cancelled: '転出取消',
	in_ward_move: '転居',
	birth: '出生',
	death: '死亡',
	household_change: '世帯変更',
	ex_officio_entry: '職権記載',
	ex_officio_removal: '職権消除',
	ex_officio_correction: '職権修正',
	resident_code_change: '住民票コード変更',
	my_number_change: '個人番号変更',
	foreign_status_change: '在留資格等変更',
};

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
