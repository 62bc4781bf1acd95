#!/usr/bin/env bash
# ci/deps.sh - everything `./build.sh setup` does: Debian packages, the
# picolibc and lwIP sources from Debian's source packages (checksummed),
# and picolibc built freestanding for the kernel. Idempotent.
#
# Prints, on its last line of stdout, nothing; exports nothing. The paths
# it fills are computed by irqlab_dep_paths (sourced by build.sh too).
set -euo pipefail

# --- what we need, pinned ---------------------------------------------------
# console-setup-linux: the PSF console font the screen console draws with,
# read at build time (drivers/font.mk), never committed.
PACKAGES=(qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso
	  mtools ovmf ipxe-qemu meson ninja-build libsqlite3-dev sqlite3 clang libclang-rt-14-dev gdb
	  gcc make binutils git dpkg-dev ca-certificates xz-utils
	  console-setup-linux)

PICOLIBC_VERSION=1.8.10-2
PICOLIBC_TARBALL=picolibc_1.8.10.orig.tar.gz
PICOLIBC_SHA256=d1fc2a20f217472f8d9da084a519a25678e8d91852a41c7f3f1840d3508f7163
PICOLIBC_SUITE=trixie
LWIP_VERSION=2.1.3+dfsg1-2
LWIP_TARBALL=lwip_2.1.3+dfsg1.orig.tar.xz
LWIP_SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
LWIP_SUITE=bookworm

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

CACHE=${IRQLAB_CACHE:-$HOME/.cache/irqlab}
PICOLIBC_DIR=$CACHE/picolibc-$PICOLIBC_SHA256
LWIP_DIR=$CACHE/lwip-$LWIP_SHA256

# --- Debian packages --------------------------------------------------------
install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing Debian packages: ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || die "need root to install ${missing[*]} (or install them yourself)"
	DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
		die "apt-get update failed: is Debian's package archive reachable?"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}

# --- a private apt configuration for source packages -------------------------
# deb-src entries are derived from the machine's own Debian "deb" entries
# (their URIs and keyrings), for the suites we need. The system's sources
# are only read, never changed.
APT_DIR=$CACHE/apt
apt_private() {
	apt-get -o Dir::Etc::SourceList=/dev/null \
		-o Dir::Etc::SourceParts="$APT_DIR/sources.list.d" \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::Cache="$APT_DIR/cache" "$@"
}

# Print "URI|SIGNED_BY" for each system entry that serves the release's
# main suite (e.g. bookworm, not bookworm-security or bookworm-updates).
debian_archive_uris() {
	local codename f
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "cannot tell the Debian release from /etc/os-release"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v want="$codename" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " want " "))
					for (i = 1; i <= n; i++) print uris[i] "|" signed
				types = ""; suites = ""; signed = ""; n = 0
			}
			/^[ \t]*$/ { flush(); next }
			/^[ \t]*#/ { next }
			tolower($1) == "types:" { $1 = ""; types = $0 }
			tolower($1) == "suites:" { $1 = ""; suites = $0 }
			tolower($1) == "signed-by:" { signed = $2 }
			tolower($1) == "uris:" { for (i = 2; i <= NF; i++) uris[++n] = $i }
			END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v want="$codename" '
			$1 == "deb" {
				i = 2; signed = ""
				if ($2 ~ /^\[/) {
					for (; i <= NF; i++) {
						if ($i ~ /signed-by=/) { signed = $i; sub(/.*signed-by=/, "", signed); sub(/\]$/, "", signed) }
						if ($i ~ /\]$/) { i++; break }
					}
				}
				if ($(i + 1) == want) print $i "|" signed
			}' "$f"
	done
}

setup_private_apt() {
	local entries uri signed out
	mkdir -p "$APT_DIR/sources.list.d" "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	entries=$(debian_archive_uris | sort -u)
	[ -n "$entries" ] || die "found no Debian archive entry in /etc/apt/sources.list{,.d}: cannot fetch source packages"
	out=$APT_DIR/sources.list.d/irqlab-src.sources
	: >"$out"
	while IFS='|' read -r uri signed; do
		{
			echo "Types: deb-src"
			echo "URIs: $uri"
			echo "Suites: $LWIP_SUITE $PICOLIBC_SUITE"
			echo "Components: main"
			[ -n "$signed" ] && echo "Signed-By: $signed"
			echo
		} >>"$out"
	done <<<"$entries"
	say "updating the private source-package index ($out)"
	apt_private update -q >&2 || die "apt-get update of the source index failed (see above)"
}

# fetch_source PACKAGE=VERSION TARBALL SHA256 DEST_DIR
# apt-get source exits non-zero when the .dsc is missing (picolibc in trixie):
# success is judged by the tarball's checksum, not by the exit code.
fetch_source() {
	local spec=$1 tarball=$2 sha=$3 dest=$4 tmp got
	if [ -f "$dest/.irqlab-unpacked" ]; then return 0; fi
	[ -f "$APT_DIR/sources.list.d/irqlab-src.sources" ] || setup_private_apt
	tmp=$(mktemp -d "$CACHE/fetch.XXXXXX")
	say "fetching $spec"
	(cd "$tmp" && apt_private source --download-only "$spec" >&2) ||
		say "apt-get source $spec exited non-zero; checking the tarball"
	[ -f "$tmp/$tarball" ] || die "apt-get source $spec did not deliver $tarball"
	got=$(sha256sum "$tmp/$tarball" | cut -d' ' -f1)
	[ "$got" = "$sha" ] || die "$tarball: sha256 $got, expected $sha"
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp"
	tar -xf "$tmp/$tarball" -C "$dest.tmp" --strip-components=1
	touch "$dest.tmp/.irqlab-unpacked"
	rm -rf "$dest" && mv "$dest.tmp" "$dest"
	rm -rf "$tmp"
}

# --- picolibc, freestanding -------------------------------------------------
# Options and why: docs/design.md, "C library".
PICOLIBC_OPTS=(
	-Dmultilib=false -Dpicocrt=false -Dpicocrt-lib=false -Dsemihost=false
	-Dtests=false -Dspecsdir=none -Dfortify-source=none
	-Dthread-local-storage=false -Dsingle-thread=true
	-Dstack-protector-guard=global
	-Dtinystdio=true -Dformat-default=double -Dio-long-long=true
	-Dposix-console=false
)
PICOLIBC_CFLAGS="'-ffreestanding', '-mno-red-zone', '-fno-pic', '-fno-PIE', '-fno-stack-protector', '-nostdlib'"

build_picolibc() {
	local src=$PICOLIBC_DIR/src bld=$PICOLIBC_DIR/build inst=$PICOLIBC_DIR/install
	local stamp=$inst/.irqlab-stamp want
	want=$(printf '%s\n' "${PICOLIBC_OPTS[@]}" "$PICOLIBC_CFLAGS" "$(gcc -dumpfullversion)" | sha256sum | cut -c1-16)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
	say "building picolibc freestanding (about 20 s)"
	rm -rf "$bld" "$inst"
	mkdir -p "$bld"
	cat >"$PICOLIBC_DIR/cross-irqlab.txt" <<EOF
[binaries]
c = ['gcc', $PICOLIBC_CFLAGS]
ar = 'ar'
as = 'as'
nm = 'nm'
strip = 'strip'
objcopy = 'objcopy'

[host_machine]
system = 'none'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'

[properties]
skip_sanity_check = true
EOF
	meson setup "$bld" "$src" --cross-file "$PICOLIBC_DIR/cross-irqlab.txt" \
		--prefix="$inst" -Dincludedir=include -Dlibdir=lib \
		"${PICOLIBC_OPTS[@]}" >"$PICOLIBC_DIR/meson-setup.log" 2>&1 ||
		{ tail -30 "$PICOLIBC_DIR/meson-setup.log" >&2; die "picolibc: meson setup failed (log: $PICOLIBC_DIR/meson-setup.log)"; }
	ninja -C "$bld" install >"$PICOLIBC_DIR/ninja.log" 2>&1 ||
		{ tail -30 "$PICOLIBC_DIR/ninja.log" >&2; die "picolibc: build failed (log: $PICOLIBC_DIR/ninja.log)"; }
	echo "$want" >"$stamp"
}

main() {
	mkdir -p "$CACHE"
	install_packages
	fetch_source "picolibc=$PICOLIBC_VERSION" "$PICOLIBC_TARBALL" "$PICOLIBC_SHA256" "$PICOLIBC_DIR/src"
	fetch_source "lwip=$LWIP_VERSION" "$LWIP_TARBALL" "$LWIP_SHA256" "$LWIP_DIR"
	build_picolibc
}

case "${1:-}" in
paths)
	echo "PICOLIBC=$PICOLIBC_DIR/install"
	echo "LWIP_SRC=$LWIP_DIR"
	;;
*)
	main
	;;
esac
