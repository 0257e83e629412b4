#!/usr/bin/env bash
# Module SQL is portable (store.h, issue 8 §9): outside src/store no C string
# may use SQLite-only syntax, so that a PostgreSQL backend can replace
# store_sqlite.c without touching callers. What the engines spell differently
# goes through store's dialect layer (STORE_CLUSTERED, store_append_only,
# store_explain); ON CONFLICT ... DO NOTHING / DO UPDATE is portable.
#
# Only string literals are checked (comments are skipped). Each hit is listed
# as file:line with the rule it breaks.
set -euo pipefail
root=${1:-.}

# Files whose hits are known and fixed elsewhere. Keep this list empty.
allow=''

cd "$root"
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
			[qr/\bGLOB\b/, "GLOB (SQLite); use LIKE"],
			[qr/\b(ifnull|group_concat|instr)\s*\(/i, "SQLite function; use COALESCE / portable SQL"],
			[qr/\b(max|min)\s*\([^()]*,/i, "two-argument max()/min() (SQLite); use CASE (GREATEST/LEAST elsewhere)"],
			[qr/\bsqlite_\w+/i, "SQLite system table"],
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
	my ($line, @groups, $open) = (1);
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
		$open = 0;   # code between literals ends the group
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
	END {
		if ($bad) { print "SQLite-only syntax outside src/store: $bad\n0 passed, 1 failed\n"; exit 1 }
		print "1 passed, 0 failed\n";
	}
' "${files[@]}"
