#!/usr/bin/env bash
# Module SQL is portable (store.h, issue 8 §9): outside src/store no C string
# may use SQLite-only syntax, so that a PostgreSQL backend can replace
# store_sqlite.c without touching callers. What the engines spell differently
# goes through store's dialect layer (STORE_CLUSTERED, STORE_SERIAL_KEY,
# STORE_INT_KEY, STORE_BYTES, store_append_only, store_explain); ON CONFLICT
# ... DO NOTHING / DO UPDATE and INSERT ... RETURNING are portable.
#
# Only string literals are checked (comments are skipped); the dialect's
# tokens between literals join them as C does. In code, the removed
# store_last_id is named with its replacement. Each hit is listed as
# file:line with the rule it breaks.
#
# First the lint checks itself on sql_portable_bad.c: every line marked
# `expect: <words of the rule>` must be reported with that rule, and nothing
# else, so a rule that stops matching (or starts matching good SQL) fails.
set -euo pipefail
root=${1:-.}

# Files whose hits are known and fixed elsewhere. Keep this list empty.
allow=''

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# lint ROOT: the report on ROOT/src (outside src/store); exit 1 on a hit.
lint() (
cd "$1"
mapfile -d '' files < <(find src -name '*.[ch]' ! -path 'src/store/*' -print0 | sort -z)
ALLOW="$allow" perl -0777 -ne '
	BEGIN {
		@rules = (
			[qr/\bINDEXED\s+BY\b|\bNOT\s+INDEXED\b/i, "index hint (SQLite); let the planner choose, prove it with store_explain"],
			[qr/\bWITHOUT\s+ROWID\b/i, "WITHOUT ROWID (SQLite); use STORE_CLUSTERED"],
			[qr/\b(INSERT|UPDATE|REPLACE)\s+OR\s+(IGNORE|REPLACE|ABORT|FAIL|ROLLBACK)\b|^\s*REPLACE\s+INTO\b/i,
			 "conflict clause (SQLite); use INSERT ... ON CONFLICT ... DO NOTHING / DO UPDATE"],
			[qr/\bRAISE\s*\(/i, "RAISE() in a trigger (SQLite); use store_append_only"],
			[qr/\bCREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i, "a trigger in module SQL; use store_append_only"],
			[qr/\?\d/, "numbered parameter ?N (SQLite); use ? and bind the value again"],
			[qr/\b(strftime|julianday|datetime|unixepoch)\s*\(|\bdate\s*\(\s*\x27now/i,
			 "SQLite date function; bind time_now() or a date from core/date.h"],
			[qr/\bPRAGMA\b/i, "PRAGMA (SQLite); settings belong to the store backend"],
			[qr/(?<!WITHOUT )\b_?rowid_?\b|\boid\b/i, "rowid (SQLite); give the table its own key"],
			[qr/\bAUTOINCREMENT\b/i, "AUTOINCREMENT (SQLite)"],
			# SQLite makes an INTEGER PRIMARY KEY the rowid and fills it in when
			# an INSERT leaves it out; PostgreSQL does neither. Also as a table
			# constraint on one INTEGER column (the same rowid alias).
			[qr/\bINTEGER\s+(?:NOT\s+NULL\s+)?PRIMARY\s+KEY\b|\b(\w+)\s+INTEGER\b[^;]*?\bPRIMARY\s+KEY\s*\(\s*\1\s*\)/i,
			 "INTEGER PRIMARY KEY (SQLite rowid); use STORE_SERIAL_KEY (the engine fills it in, read it back with RETURNING) or STORE_INT_KEY (every INSERT gives it)"],
			[qr/(?<!\x27)\bBLOB\b(?!\x27)/i, "BLOB type (SQLite); use STORE_BYTES"],
			[qr/\bx\x27[0-9a-f]*\x27/i, "blob literal x\x27..\x27 (SQLite; PostgreSQL reads a bit string); bind the bytes"],
			[qr/\bGLOB\b/, "GLOB (SQLite); use LIKE"],
			[qr/\b(ifnull|group_concat|instr)\s*\(/i, "SQLite function; use COALESCE / portable SQL"],
			[qr/\blast_insert_rowid\s*\(/i, "last_insert_rowid() (SQLite); use INSERT ... RETURNING with store_step_id"],
			[qr/\b(max|min)\s*\([^()]*,/i, "two-argument max()/min() (SQLite); use CASE (GREATEST/LEAST elsewhere)"],
			[qr/\bsqlite_\w+/i, "SQLite system table"],
		);
		# In code (outside strings and comments).
		@code_rules = (
			[qr/\bstore_last_id\b/, "store_last_id is gone (no portable last id); use INSERT ... RETURNING with store_step_id / store_run_id"],
		);
		%allow = map { $_ => 1 } split /\s+/, $ENV{ALLOW};
		$bad = 0;
	}
	my $f = $ARGV;
	my $t = $_;
	next if $allow{$f};
	# Walk the text: skip comments and character literals; collect string
	# literals with their line, in groups of literals that C joins (only
	# blanks and comments between them). A group is SQL when it has an SQL
	# keyword in capitals; messages and Japanese explanations are not checked.
	my ($line, @groups, $open, @code) = (1);
	while ($t =~ m{\G(?:(/\*.*?\*/)|(//[^\n]*)|(\x27(?:[^\x27\\\n]|\\.)*\x27)|("(?:[^"\\\n]|\\.)*")|(\n)|([ \t\r\f]+)|([^/\x27"\n \t\r\f]+|.))}gcs) {
		if (defined $1) { $line += ($1 =~ tr/\n//); next; }
		if (defined $4) {
			push @groups, [] unless $open;
			push @{$groups[-1]}, [$line, substr($4, 1, -1)];
			$open = 1;
			next;
		}
		if (defined $5) { $line++; next; }
		next if defined $2 || defined $6;
		# A dialect token between literals is part of the SQL (C joins the
		# literals it expands to); it stands for itself, which no rule matches.
		if ($open && defined $7 && $7 =~ /^STORE_(CLUSTERED|SERIAL_KEY|INT_KEY|BYTES)$/) {
			push @{$groups[-1]}, [$line, " <$7> "];
			next;
		}
		push @code, [$line, $7] if defined $7;
		$open = 0;   # code between literals ends the group
	}
	for my $c (@code) {
		for my $r (@code_rules) {
			next unless $c->[1] =~ $r->[0];
			print "$f:$c->[0]: $r->[1]\n";
			$bad++;
		}
	}
	my $sql = qr/\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|REPLACE|PRAGMA|VALUES|WHERE|FROM|SET|CASE|ON CONFLICT|ORDER BY|GROUP BY)\b/;
	my %seen;
	for my $g (@groups) {
		my $all = join "", map { $_->[1] } @$g;
		next unless $all =~ $sql;
		for my $r (@rules) {
			my ($re, $why) = @$r;
			next unless $all =~ $re;
			# name the line of the literal where the match starts
			my ($pos, $at, $l) = ($-[0], 0, $g->[0][0]);
			for my $lit (@$g) {
				$l = $lit->[0];
				last if $at + length($lit->[1]) > $pos;
				$at += length($lit->[1]);
			}
			next if $seen{"$l:$why"}++;
			print "$f:$l: $why\n";
			$bad++;
		}
	}
	END { exit($bad ? 1 : 0) }
' "${files[@]}"
)

# The self-test: the bad examples, alone in a tree of their own.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/bad"
cp "$here/sql_portable_bad.c" "$tmp/src/bad/bad.c"
selftest=0
if got=$(lint "$tmp"); then
	echo "self-test: the lint passed its bad examples"; selftest=1
fi
want=0
while IFS=: read -r n words; do
	want=$((want + 1))
	words=${words#*expect: }; words=${words%% \*/*}
	if ! grep -qF "src/bad/bad.c:$n: " <<<"$got" || ! grep -F "src/bad/bad.c:$n: " <<<"$got" | grep -qiF "$words"; then
		echo "self-test: line $n of sql_portable_bad.c should be reported as: $words"; selftest=1
	fi
done < <(grep -n 'expect: ' "$here/sql_portable_bad.c")
hits=$(grep -c '^src/bad/bad.c:' <<<"$got" || true)
if [ "$hits" -ne "$want" ]; then
	echo "self-test: $hits reports for $want bad examples; the others are good SQL:"; echo "$got"; selftest=1
fi
if [ "$selftest" -ne 0 ]; then
	echo "0 passed, 1 failed"; exit 1
fi

if ! got=$(lint "$root"); then
	echo "$got"
	echo "SQLite-only syntax outside src/store: $(grep -c . <<<"$got")"
	echo "0 passed, 1 failed"; exit 1
fi
echo "1 passed, 0 failed"
