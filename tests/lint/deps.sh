#!/usr/bin/env bash
# lint.deps (ctest): everything the build and the tests need comes from a
# Debian package that scripts/install-deps.sh lists, so a new Debian 12
# machine that ran it can build and pass CI (issue 8 §0). Checked here:
#
#   - every module of every pkg_check_modules(... REQUIRED ...) and
#     pkg_search_module(... REQUIRED ...) in a CMakeLists.txt or *.cmake of
#     the repository: the package that owns its .pc file (dpkg -S);
#   - clang's ASan/UBSan runtime (only a Recommends of clang);
#   - the programs the build and the tests run (PROGRAMS below) and the fonts
#     the documents draw with (FONTS below).
#
# A package counts as given to a new machine when install-deps.sh names it,
# when it is Essential (every Debian root has it), or when it is a direct
# dependency (Pre-Depends/Depends: the first alternative, or the provider of
# a virtual name) of one of those: apt installs it with them. Run on a machine
# where install-deps.sh --test has run: what is not installed cannot be
# traced to a package and fails, naming what is missing.
#
#   bash tests/lint/deps.sh [SOURCE_DIR]
# Prints one line per check and closes with "N passed, N failed".
set -uo pipefail
root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)

# Programs run by the build (test.sh builds with gcc and clang) and by the
# tests: e2e (curl, jq, oathtool, sqlite3), unit (pdftotext, pdfinfo),
# browser (node, npm, chromium). Add a tool here when a test starts using it.
PROGRAMS=(gcc clang cmake make pkg-config
          curl jq oathtool sqlite3 pdftotext pdfinfo awk
          node npm chromium)
# Font families src/documents/form.c draws with.
FONTS=(IPAexMincho IPAexGothic)

passed=0 failed=0
ok()   { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

for tool in dpkg dpkg-query pkg-config; do
	command -v "$tool" >/dev/null || { fail "$tool is not installed: this check needs Debian's dpkg and pkg-config"; finish; }
done

# ---- What install-deps.sh gives a bare machine ---------------------------------
if ! listed_raw=$(bash "$root/scripts/install-deps.sh" --list --test); then
	fail "bash scripts/install-deps.sh --list --test did not list its packages"
	finish
fi
declare -A GIVEN=() ESSENTIAL=() PROVIDER=() DEPENDS=()
for p in $listed_raw; do GIVEN[$p]="listed"; done
# The installed packages: which are Essential, what they depend on, and which
# virtual names (awk, c-compiler) they provide.
# (Fields split on \x1f: tabs would run together where a field is empty.)
while IFS=$'\x1f' read -r status p ess prov deps; do
	[ "${status:0:2}" = ii ] || continue
	[ "$ess" = yes ] && ESSENTIAL[$p]=1
	DEPENDS[$p]=$deps
	IFS=',' read -ra vs <<<"$prov"
	for v in "${vs[@]}"; do
		v=${v%%(*}; v=${v//[[:space:]]/}
		[ -n "$v" ] && [ -z "${PROVIDER[$v]:-}" ] && PROVIDER[$v]=$p
	done
done <<<"$(dpkg-query -W -f=$'${db:Status-Abbrev}\x1f${Package}\x1f${Essential}\x1f${Provides}\x1f${Pre-Depends}, ${Depends}\n')"
# One level of dependencies of what is listed or Essential: apt installs
# those with it (the first alternative of each, or the installed provider of
# a virtual name).
for p in $listed_raw "${!ESSENTIAL[@]}"; do
	why="a dependency of $p"
	[ -n "${ESSENTIAL[$p]:-}" ] && [ -z "${GIVEN[$p]:-}" ] && why="a dependency of essential $p"
	IFS=',' read -ra clauses <<<"${DEPENDS[$p]:-}"
	for c in "${clauses[@]}"; do
		d=${c%%|*}; d=${d%%(*}; d=${d%%:*}; d=${d//[[:space:]]/}
		[ -n "$d" ] || continue
		[ -z "${DEPENDS[$d]+x}" ] && [ -n "${PROVIDER[$d]:-}" ] && d=${PROVIDER[$d]}
		[ -z "${GIVEN[$d]:-}" ] && GIVEN[$d]=$why
	done
done

# How a package reaches a new machine, or "" when it does not.
given() {   # package
	if [ -n "${GIVEN[$1]:-}" ]; then echo "${GIVEN[$1]}"; return; fi
	[ -n "${ESSENTIAL[$1]:-}" ] && echo "essential"
}

# The package that owns a file: dpkg -S on the path, its real path, and the
# /usr-merged twin (dpkg may record /lib/... for a file found as /usr/lib/...).
owner() {   # path -> package name, or nothing
	local f=$1 cand out
	for cand in "$f" "$(readlink -f "$f")" "${f#/usr}" "/usr$f"; do
		[ -n "$cand" ] || continue
		out=$(dpkg -S "$cand" 2>/dev/null | head -1) || continue
		[ -n "$out" ] || continue
		# "pkg:arch: /path" or "pkg1, pkg2: /path": the first owner.
		out=${out%%: /*}; out=${out%%,*}; echo "${out%%:*}"
		return
	done
}

# Checks that the file's package is given to a new machine; what names the need.
check_file() {   # what, path
	local what=$1 f=$2 pkg how
	pkg=$(owner "$f")
	if [ -z "$pkg" ]; then
		fail "$what: $f belongs to no Debian package (dpkg -S); install-deps.sh cannot provide it"
		return
	fi
	how=$(given "$pkg")
	if [ -n "$how" ]; then
		ok "$what: Debian package $pkg ($how)"
	else
		fail "$what: comes from Debian package $pkg, which scripts/install-deps.sh does not list"
	fi
}

# ---- pkg-config modules the build requires --------------------------------------
# Prints "file:line<TAB>command<TAB>arg..." for each REQUIRED pkg_check_modules
# or pkg_search_module, however its arguments are spread over lines; comments
# are dropped first.
required_modules() {
	find "$root" \( -path "$root/build*" -o -name node_modules -o -name .git \) -prune -o \
		-type f \( -name CMakeLists.txt -o -name '*.cmake' \) -print | sort |
	while read -r f; do
		perl -0777 -ne '
			my $src = $_;
			$src =~ s/(?<!\$)#(?!\[)[^\n]*//g;   # line comments (not ${x} or #[[ ]])
			while ($src =~ /\b(pkg_check_modules|pkg_search_module)\s*\(([^)]*)\)/gi) {
				my ($cmd, $body, $at) = (lc $1, $2, $-[0]);
				my $line = 1 + (() = substr($src, 0, $at) =~ /\n/g);
				my @a = map { s/^"(.*)"$/$1/r } split /\s+/, $body =~ s/^\s+|\s+$//gr;
				next unless grep { $_ eq "REQUIRED" } @a;
				shift @a;                     # the result prefix
				my @m = grep { !/^(REQUIRED|QUIET|IMPORTED_TARGET|GLOBAL|NO_CMAKE_PATH|NO_CMAKE_ENVIRONMENT_PATH)$/ } @a;
				print join("\t", "$ARGV:$line", $cmd, @m), "\n";
			}' "$f"
	done
}

nmod=0
while IFS=$'\t' read -r where cmd mods; do
	where=${where#"$root/"}
	read -ra list <<<"$mods"
	found=0
	for spec in "${list[@]}"; do
		mod=${spec%%[<>=]*}   # "libcurl>=7.80" names libcurl
		nmod=$((nmod + 1))
		if [[ $mod == *'$'* ]]; then
			fail "module $spec ($where): a variable, which this check cannot resolve; name the module"
			continue
		fi
		if ! dir=$(pkg-config --variable=pcfiledir "$mod" 2>/dev/null) || [ -z "$dir" ]; then
			# pkg_search_module takes the first of its modules that is found.
			[ "$cmd" = pkg_search_module ] && continue
			fail "module $mod ($where): pkg-config cannot find $mod.pc, so no Debian package provides it here (bash scripts/install-deps.sh --test, then find its -dev package)"
			continue
		fi
		check_file "pkg-config module $mod ($where)" "$dir/$mod.pc"
		found=1
		[ "$cmd" = pkg_search_module ] && break
	done
	[ "$cmd" = pkg_search_module ] && [ "$found" = 0 ] &&
		fail "pkg_search_module ($where): pkg-config finds none of ${list[*]}"
done <<<"$(required_modules)"
[ "$nmod" -gt 0 ] || fail "no REQUIRED pkg_check_modules found under $root: the parser or the build changed"

# ---- clang's sanitizer runtime ----------------------------------------------------
if command -v clang >/dev/null; then
	arch=$(uname -m)
	for rt in asan ubsan_standalone; do
		f=
		# clang 14 names it libclang_rt.asan-x86_64.a; newer clangs
		# libclang_rt.asan.a in a per-target directory.
		for name in "libclang_rt.$rt-$arch.a" "libclang_rt.$rt.a"; do
			cand=$(clang -print-file-name="$name" 2>/dev/null)
			[ "${cand#/}" != "$cand" ] && [ -e "$cand" ] && { f=$cand; break; }
		done
		if [ -z "$f" ]; then
			fail "clang's $rt runtime (libclang_rt.$rt) is not installed: the sanitizer build cannot link (Debian: libclang-rt-N-dev, only a Recommends of clang)"
		else
			check_file "clang's $rt runtime" "$f"
		fi
	done
else
	fail "clang is not installed, so its sanitizer runtime cannot be checked"
fi

# ---- programs and fonts -------------------------------------------------------------
for prog in "${PROGRAMS[@]}"; do
	if path=$(command -v "$prog"); then
		check_file "program $prog" "$path"
	else
		fail "program $prog is not installed (the build or a test runs it)"
	fi
done
if command -v fc-match >/dev/null; then
	for font in "${FONTS[@]}"; do
		# fc-match always answers with some font; only the family asked for counts.
		if fc-match -f '%{family}' "$font" | tr ',' '\n' | grep -qx "$font"; then
			check_file "font $font" "$(fc-match -f '%{file}' "$font")"
		else
			fail "font $font is not installed (the documents draw with it)"
		fi
	done
else
	fail "fc-match is not installed, so the fonts cannot be checked"
fi

finish
