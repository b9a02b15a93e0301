#!/usr/bin/env bash
# Fetches and unpacks one Debian source package, verified, into a cache folder.
#
#   wasm/fetch_debian_source.sh PACKAGE VERSION DEST_DIR DSC_SHA256
#
# - VERSION is the Debian version (epoch allowed), e.g. 7:5.1.9-0+deb12u1.
# - DSC_SHA256 pins the .dsc: apt already checks the files against the signed Sources index, and
#   the pin makes a rebuild fail loudly if the archive ever serves something else for this
#   version. Every file listed in the .dsc is then checked against the .dsc's SHA-256 sums.
# - Result: DEST_DIR/src (the patched tree, as dpkg-source -x leaves it) and DEST_DIR/.unpacked.
#   A second run with the same arguments does nothing.
# - Needs a deb-src entry for the suites Debian 12 uses; one is added (root only) when missing.
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 PACKAGE VERSION DEST_DIR DSC_SHA256" >&2
  exit 2
fi
pkg="$1" version="$2" dest="$3" dsc_sha256="$4"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
upstream_rev="${version#*:}"  # file names carry no epoch
dsc="${pkg}_${upstream_rev}.dsc"
stamp="$dest/.unpacked"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pkg $version $dsc_sha256" ] && [ -d "$dest/src" ]; then
  exit 0
fi

mkdir -p "$dest/download"
cd "$dest/download"

if [ ! -f "$dsc" ] || ! echo "$dsc_sha256  $dsc" | sha256sum --status -c - 2>/dev/null; then
  if ! apt-get source --print-uris "$pkg=$version" >/dev/null 2>&1; then
    deb_src=/etc/apt/sources.list.d/avlens-deb-src.sources
    if [ ! -f "$deb_src" ]; then
      if [ "$(id -u)" != 0 ]; then
        echo "[fetch] no deb-src entry for $pkg; run as root once, or add one to /etc/apt/sources.list.d" >&2
        exit 1
      fi
      echo "[fetch] adding deb-src entries ($deb_src)"
      cat >"$deb_src" <<'EOF'
# Added by avlens wasm/fetch_debian_source.sh: Debian sources for the wasm builds of FFmpeg and dlib.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    apt-get update -qq
  fi
  echo "[fetch] apt-get source --download-only $pkg=$version"
  # (apt warns that root downloads unsandboxed into a folder its _apt user cannot write: expected.)
  apt-get source -qq --download-only "$pkg=$version" 2> >(grep -v 'unsandboxed as root' >&2)
fi

echo "$dsc_sha256  $dsc" | sha256sum --status -c - 2>/dev/null || {
  echo "[fetch] $dsc does not match the pinned SHA-256 $dsc_sha256" >&2
  exit 1
}
# The .dsc lists each file of the package with its SHA-256: check them all.
awk '/^Checksums-Sha256:/ {on=1; next} /^[^ ]/ {on=0} on && NF==3 {print $1 "  " $3}' "$dsc" >sha256.list
[ -s sha256.list ] || { echo "[fetch] no Checksums-Sha256 in $dsc" >&2; exit 1; }
sha256sum --quiet -c sha256.list

rm -rf "$dest/src"
# Signatures were checked by apt through the signed Sources index; the .dsc's own signature is
# checked by dpkg-source only when debian-keyring is installed, which we do not require.
dpkg-source --no-check -x "$dsc" "$dest/src" >/dev/null
echo "$pkg $version $dsc_sha256" >"$stamp"
echo "[fetch] $pkg $version unpacked in $dest/src"
