#!/usr/bin/env bash
# Proves that `bash .ci/run` passes on a machine that has only what
# scripts/install-deps.sh installs (issue 8 §0): builds a minimal Debian 12
# root with mmdebstrap (variant apt: essential packages plus apt, nothing
# else), clones the committed HEAD of this repository into it, and runs CI
# there as root. The root lives under /var/tmp and is removed on exit.
#
#   sudo bash scripts/fresh-root-test.sh [--keep] [--variant apt|minbase]
#
#   --keep      leave the root in place (its path is printed) to look around
#   --variant   mmdebstrap variant (default apt, the smallest with apt)
#   ATENA_DEBIAN_MIRROR / ATENA_DEBIAN_SECURITY
#               mirrors; default: the first URIs this machine's apt uses
#
# Only committed work is tested (a clone, not the work tree). Needs root,
# mmdebstrap (apt-get install mmdebstrap) and network access for apt and npm.
# Takes about 10 minutes on 2 cores (most of it the two test suites).
# Exit status is that of .ci/run in the root.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

keep=0
variant=apt
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--variant) variant=${2:?--variant needs a value}; shift ;;
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "fresh-root-test: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-root-test: must run as root (chroot, mount)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "fresh-root-test: mmdebstrap is not installed (apt-get install mmdebstrap)" >&2; exit 2; }

# The mirror this machine already uses: the URIs of its deb822 sources, or of
# its one-line sources.list; deb.debian.org if neither names one.
mirror_for() {   # suite-suffix-free archive name: debian | debian-security
	local name=$1 uri
	uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
		| sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n' | grep -E "/$name/?\$" | head -1 || true)
	[ -n "$uri" ] || uri=$(grep -hsE '^deb[[:space:]]' /etc/apt/sources.list \
		| awk '{print $2}' | grep -E "/$name/?\$" | head -1 || true)
	echo "${uri:-http://deb.debian.org/$name}"
}
mirror=${ATENA_DEBIAN_MIRROR:-$(mirror_for debian)}
security=${ATENA_DEBIAN_SECURITY:-$(mirror_for debian-security)}

root=$(mktemp -d /var/tmp/atena-root.XXXXXX)
mounts=()
cleanup() {
	local rc=$? i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -R "${mounts[$i]}" 2>/dev/null || umount -lR "${mounts[$i]}" 2>/dev/null || true
	done
	if [ "$keep" = 1 ]; then
		echo "fresh-root-test: root kept at $root"
	elif findmnt -rn -o TARGET | grep -q "^$root/"; then
		# Never rm -rf across a bind mount of the host's /dev or /sys.
		echo "fresh-root-test: something is still mounted under $root; not removing it" >&2
	else
		rm -rf --one-file-system "$root"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== bootstrap Debian 12 ($variant) in $root from $mirror"
mmdebstrap --mode=root --variant="$variant" --quiet bookworm "$root" \
	"deb $mirror bookworm main" \
	"deb $mirror bookworm-updates main" \
	"deb $security bookworm-security main"

# The root shares the host's network: its resolver, and the extra CA a host
# behind a TLS-re-signing proxy gives node (NODE_EXTRA_CA_CERTS), without which
# npm ci fails with SELF_SIGNED_CERT_IN_CHAIN. Nothing else of the host's.
rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
extra_env=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
	cp -L "$NODE_EXTRA_CA_CERTS" "$root/etc/host-extra-ca.pem"
	extra_env+=(NODE_EXTRA_CA_CERTS=/etc/host-extra-ca.pem)
fi

echo "== clone $(git -C "$repo" rev-parse --short HEAD) ($(git -C "$repo" rev-parse --abbrev-ref HEAD)) into the root"
git clone --quiet --no-hardlinks "$repo" "$root/root/atena"

for m in proc sys dev; do
	mkdir -p "$root/$m"
	case $m in
	proc) mount -t proc proc "$root/proc" ;;
	*) mount --rbind "/$m" "$root/$m"; mount --make-rslave "$root/$m" ;;
	esac
	mounts+=("$root/$m")
done

echo "== bash .ci/run inside the root"
start=$(date +%s)
set +e
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${extra_env[@]}" \
	bash -c 'cd /root/atena && bash .ci/run'
rc=$?
set -e
echo "== .ci/run in the fresh root: exit $rc after $(( $(date +%s) - start )) s"
exit $rc
