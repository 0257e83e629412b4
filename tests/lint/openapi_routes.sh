#!/usr/bin/env bash
# The HTTP API description tells the truth (README: "Described in
# docs/openapi.yaml"): every route the server serves — the platform's table
# in src/server and each module's src/<module>/<module>_routes.c — is
# documented there with its method, its path parameters, exactly the
# query parameters the route entry accepts, and what its flags say (a
# session or not, the business and reason headers, a body or none); and the
# yaml documents no method/path the code does not serve.
#
# Routes are read from the initialisers `{"METHOD", "/pattern", ...}` (or
# designated `.method = "...", .pattern = "..."`) anywhere in src/*.c; any
# further fields are ignored except the flags R_PUBLIC, R_PURPOSE, R_BODY
# and an identifier naming a
# `static const char *const NAME[] = {"a", ..., NULL}` list of the same file,
# which is the route's query parameters (route.params, module/module.h).
# The yaml is read by its layout (perl only, no YAML library on a new
# machine): paths at two spaces, operations at four, `parameters:` at six,
# each parameter an item `- name: ... in: ...` (block or flow) or a `$ref`
# to #/components/parameters/NAME.
set -euo pipefail
root=${1:-.}
yaml="$root/docs/openapi.yaml"
[ -f "$yaml" ] || { echo "no $yaml"; echo "0 passed, 1 failed"; exit 1; }
mapfile -t sources < <(find "$root/src" -name '*.c' | sort)

YAML="$yaml" ROOT="$root" perl -e '
use strict; use warnings;
my (%code, %yaml);   # "METHOD /path" => {q => {name=>1}, p => {name=>1}, where => file}
my $root = $ENV{ROOT};
my @twice;           # a method and pattern in two entries: the second never matches

# ---- The code: route initialisers and their query-parameter lists.
for my $f (@ARGV) {
	open my $fh, "<", $f or die "$f: $!";
	local $/; my $src = <$fh>; close $fh;
	$src =~ s{/\*.*?\*/}{ }gs;          # comments may mention routes
	$src =~ s{//[^\n]*}{}g;
	my %lists;
	while ($src =~ /static\s+const\s+char\s*\*\s*const\s+(\w+)\s*\[\s*\]\s*=\s*\{([^{}]*)\}/g) {
		my ($n, $body) = ($1, $2);
		$lists{$n} = [ $body =~ /"([^"]*)"/g ];
	}
	(my $rel = $f) =~ s{^\Q$root\E/}{};
	my $add = sub {
		my ($m, $p, $rest) = @_;
		my $k = "$m $p";
		if ($code{$k}) { push @twice, "FAIL $k: in two route entries ($code{$k}{where}, $rel)"; return; }
		my %q;
		for my $id ($rest =~ /\b([A-Za-z_]\w*)\b/g) {
			$q{$_} = 1 for @{ $lists{$id} // [] };
		}
		my %pp = map { $_ => 1 } ($p =~ /\{(\w+)\}/g);
		my %fl = map { $_ => 1 } ($rest =~ /\b(R_PUBLIC|R_PURPOSE|R_BODY)\b/g);
		$code{$k} = {q => \%q, p => \%pp, f => \%fl, where => $rel};
	};
	while ($src =~ /\{\s*"(GET|HEAD|POST|PUT|PATCH|DELETE)"\s*,\s*"(\/[^"]*)"([^{}]*)\}/g) {
		$add->($1, $2, $3);
	}
	while ($src =~ /\{\s*\.method\s*=\s*"(GET|HEAD|POST|PUT|PATCH|DELETE)"\s*,\s*\.pattern\s*=\s*"(\/[^"]*)"([^{}]*)\}/g) {
		$add->($1, $2, $3);
	}
}

# ---- The yaml, by its layout.
open my $yh, "<", $ENV{YAML} or die "$ENV{YAML}: $!";
my @lines = <$yh>; close $yh;
my %cparam;   # components/parameters NAME => [name, in]
{
	my ($sect, $cur) = ("", undef);
	for (@lines) {
		if (/^(\S[^:]*):/) { $sect = $1; next; }
		if ($sect eq "components") {
			if (/^  (\w+):\s*$/) { $cur = $1 eq "parameters" ? "" : undef; next; }
			next unless defined $cur;
			if (/^    (\w+):\s*$/) { $cur = $1; $cparam{$cur} = ["", ""]; next; }
			$cparam{$cur}[0] = $1 if $cur ne "" && /^      name:\s*(\S+)\s*$/;
			$cparam{$cur}[1] = $1 if $cur ne "" && /^      in:\s*(\w+)\s*$/;
		}
	}
}
{
	my ($sect, $path, $op, $inparams, $item) = ("", undef, undef, 0, undef);
	my $close = sub {
		return unless $item && $op;
		my ($n, $in) = @$item;
		if (!defined $n || !defined $in) {
			print "yaml: a parameter of $op without name or in\n";
			$yaml{$op}{bad} = 1;
		} elsif ($in eq "query") { $yaml{$op}{q}{$n} = 1 }
		elsif ($in eq "path") { $yaml{$op}{p}{$n} = 1 }
		elsif ($in eq "header") { $yaml{$op}{h}{$n} = 1 }
		$item = undef;
	};
	for (@lines) {
		next if /^\s*(#.*)?$/;
		if (/^(\S[^:]*):/) { $close->(); $sect = $1; $op = undef; next; }
		next unless $sect eq "paths";
		if (/^  (\/\S*):\s*$/) { $close->(); $path = $1; $op = undef; next; }
		if (/^    (get|head|post|put|patch|delete):\s*$/) {
			$close->(); $inparams = 0;
			$op = uc($1) . " $path";
			$yaml{$op} = {q => {}, p => {}, h => {}};
			next;
		}
		next unless $op;
		if (/^      parameters:\s*$/) { $close->(); $inparams = 1; next; }
		$yaml{$op}{body} = 1 if /^      requestBody:/;
		$yaml{$op}{public} = 1 if /^      security:\s*\[\s*\]\s*$/;
		if (/^(\s*)/ && length($1) <= 6) { $close->(); $inparams = 0; next; }
		next unless $inparams;
		if (/^        - (.*)$/) {
			$close->();
			my $t = $1;
			if ($t =~ /\$ref:\s*["\x27]?#\/components\/parameters\/(\w+)/) {
				my $c = $cparam{$1};
				if (!$c) { print "yaml: $op refers to an undefined parameter $1\n"; $yaml{$op}{bad} = 1; next; }
				$item = [@$c];
				next;
			}
			$item = [undef, undef];
		}
		next unless $item;
		$item->[0] //= $1 if /(?:^|[\s{,-])name:\s*["\x27]?([\w-]+)/;
		$item->[1] //= $1 if /(?:^|[\s{,])in:\s*(\w+)/;
	}
	$close->();
}

# ---- Compare.
my ($pass, $fail) = (0, 0);
print "$_\n" for @twice;
$fail += @twice;
my $set = sub { join(", ", sort keys %{ $_[0] }) || "none" };
for my $k (sort keys %code) {
	my $c = $code{$k};
	my $y = $yaml{$k};
	if (!$y) {
		print "FAIL $k ($c->{where}): not documented in docs/openapi.yaml\n";
		$fail++; next;
	}
	my @why;
	push @why, "query parameters: code accepts " . $set->($c->{q}) . ", yaml documents " . $set->($y->{q})
		if $set->($c->{q}) ne $set->($y->{q});
	push @why, "path parameters: pattern has " . $set->($c->{p}) . ", yaml documents " . $set->($y->{p})
		if $set->($c->{p}) ne $set->($y->{p});
	push @why, "a parameter the lint cannot read" if $y->{bad};
	# The flags of the route entry (module/module.h): R_PUBLIC needs no session
	# (security: []), R_PURPOSE the business and reason headers, R_BODY a body.
	my $pub = $c->{f}{R_PUBLIC} ? 1 : 0;
	push @why, $pub ? "R_PUBLIC but the yaml asks for a session (no security: [])"
			: "needs a session but the yaml says security: []"
		if $pub != ($y->{public} ? 1 : 0);
	my $purp = $c->{f}{R_PURPOSE} ? 1 : 0;
	my $hdrs = ($y->{h}{"X-Atena-Business"} && $y->{h}{"X-Atena-Reason"}) ? 1 : 0;
	push @why, $purp ? "R_PURPOSE but X-Atena-Business and X-Atena-Reason are not both documented"
			 : "not R_PURPOSE but the yaml asks for X-Atena-Business/X-Atena-Reason"
		if $purp != $hdrs;
	my $body = $c->{f}{R_BODY} ? 1 : 0;
	push @why, $body ? "R_BODY but the yaml has no requestBody" : "takes no body but the yaml has a requestBody"
		if $body != ($y->{body} ? 1 : 0);
	if (@why) { print "FAIL $k ($c->{where}): ", join("; ", @why), "\n"; $fail++; }
	else { $pass++; }
}
for my $k (sort keys %yaml) {
	next if $code{$k};
	print "FAIL $k: documented in docs/openapi.yaml but no route table serves it\n";
	$fail++;
}
if (!%code) { print "FAIL no route initialisers found in src/\n"; $fail++; }
print "$pass passed, $fail failed\n";
exit($fail ? 1 : 0);
' "${sources[@]}"
