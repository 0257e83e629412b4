/*
 * validate.js — the client-side checks. They mirror the server's rules
 * (src/policy/door.c, src/core/date.c, src/core/mynumber.c) so a clerk hears
 * about a slip before sending, but they are never stricter than the server:
 * the server decides, and its error is what the screen shows when it refuses.
 */

/* YYYY-MM-DD that names a real calendar day. */
export function isDate(s) {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
	const [y, m, d] = s.split('-').map(Number);
	if (y < 1 || m < 1 || m > 12 || d < 1) return false;
	const dim = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
	return d <= dim;
}

function isLeap(y) {
	return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/* Today in the browser's time zone as YYYY-MM-DD. */
export function today() {
	const t = new Date();
	const p = (n) => String(n).padStart(2, '0');
	return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
}

export function isDigits(s, n) {
	return new RegExp(`^[0-9]{${n}}$`).test(s);
}

/* My Number: 12 digits whose last is the check digit of the first 11
 * (平成26年総務省令第85号 第5条). */
export function isMyNumber(s) {
	if (!isDigits(s, 12)) return false;
	let sum = 0;
	for (let n = 1; n <= 11; n++) {
		const p = Number(s[11 - n]);
		const q = n <= 6 ? n + 1 : n - 5;
		sum += p * q;
	}
	const r = sum % 11;
	const check = r <= 1 ? 0 : 11 - r;
	return Number(s[11]) === check;
}

/* Katakana, hiragana, the long-vowel mark, middle dots, half-width kana and
 * spaces — the server's kana_ok. */
export function isKana(s) {
	for (const ch of s) {
		const c = ch.codePointAt(0);
		if (c === 0x20 || c === 0x3000) continue;
		if (c >= 0x3041 && c <= 0x30ff) continue;
		if (c >= 0xff65 && c <= 0xff9f) continue;
		return false;
	}
	return true;
}

/* Hiragana to katakana (a reading typed with the IME in hiragana is kept in
 * katakana, as the register writes it). */
export function toKatakana(s) {
	return s.replace(/[\u3041-\u3096\u309d\u309e]/g, (ch) =>
		String.fromCodePoint(ch.codePointAt(0) + 0x60));
}

/* Full-width digits (typed with the IME on) to ASCII. */
export function asciiDigits(s) {
	return s.replace(/[０-９]/g, (ch) => String.fromCodePoint(ch.codePointAt(0) - 0xfee0))
		.replace(/[－ー‐]/g, '-');
}

const ERAS = [
	{ name: '令和', start: '2019-05-01' },
	{ name: '平成', start: '1989-01-08' },
	{ name: '昭和', start: '1926-12-25' },
	{ name: '大正', start: '1912-07-30' },
	{ name: '明治', start: '1868-10-23' },
];

/* 1958-04-12 → 昭和33年4月12日 ("" when not a date or before Meiji). */
export function wareki(s) {
	if (!s || !isDate(s)) return '';
	const era = ERAS.find((e) => s >= e.start);
	if (!era) return '';
	const [y, m, d] = s.split('-').map(Number);
	const n = y - Number(era.start.slice(0, 4)) + 1;
	return `${era.name}${n === 1 ? '元' : n}年${m}月${d}日`;
}

/* Collects problems as {field, message}; a form shows them next to its fields. */
export class Checks {
	constructor() {
		this.problems = [];
	}
	add(field, message) {
		this.problems.push({ field, message });
	}
	required(field, value, label) {
		if (!value || !String(value).trim()) {
			this.add(field, `${label}を入力してください`);
			return false;
		}
		return true;
	}
	date(field, value, label, { required = true, notFuture = true } = {}) {
		if (!value) {
			if (required) this.add(field, `${label}を入力してください`);
			return;
		}
		if (!isDate(value)) this.add(field, `${label}は正しい日付（年-月-日）で入力してください`);
		else if (notFuture && value > today()) this.add(field, `${label}に未来の日付は入力できません`);
	}
	digits(field, value, n, label, { required = false } = {}) {
		if (!value) {
			if (required) this.add(field, `${label}を入力してください`);
			return;
		}
		if (!isDigits(value, n)) this.add(field, `${label}は${n}桁の数字で入力してください`);
	}
	kana(field, value, label, { required = true } = {}) {
		if (!value) {
			if (required) this.add(field, `${label}を入力してください`);
			return;
		}
		if (!isKana(value)) this.add(field, `${label}はカナで入力してください`);
	}
	myNumber(field, value) {
		if (!value) return;
		if (!isDigits(value, 12)) this.add(field, '個人番号は12桁の数字で入力してください');
		else if (!isMyNumber(value)) this.add(field, '個人番号の検査用数字が一致しません');
	}
	get ok() {
		return this.problems.length === 0;
	}
}
