#!/usr/bin/env bash
# Fetches the firmware packages listed in tools/firmware.lock (OpenSBI and
# U-Boot from Debian 13), verifies their SHA-256 sums and unpacks them.
#
# usage: fetch-firmware.sh OUTDIR
#
#   OUTDIR/debs/<file>.deb     the verified packages (a cache: a package
#                              whose sum is right is not downloaded again)
#   OUTDIR/<package>/...       each package unpacked with dpkg-deb -x, e.g.
#                              OUTDIR/opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
#   OUTDIR/.stamp              touched once everything is in place
#
# Packages come from the Debian mirror(s) this machine's apt is configured
# with (/etc/apt/sources.list, sources.list.d/*.list and *.sources): every
# entry serving Debian's main archive is tried in turn; security and
# third-party repositories are skipped. No mirror is named in the tree.
#
# Environment:
#   RIVET_FIRMWARE_CACHE  a directory searched for the .deb files before
#                         downloading, and filled with what was downloaded
#                         if writable
#   RIVET_DEBIAN_MIRROR   a mirror URI (the directory holding pool/) to try
#                         before the configured ones
#   RIVET_APT_ETC         apt's configuration directory (default /etc/apt)
set -euo pipefail

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)
lock=$here/firmware.lock
apt_etc=${RIVET_APT_ETC:-/etc/apt}

die() { echo "$prog: error: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }

[[ $# -eq 1 ]] || { echo "usage: $prog OUTDIR" >&2; exit 2; }
outdir=$1
[[ -f $lock ]] || die "$lock is missing"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found (package dpkg)"
command -v sha256sum >/dev/null || die "sha256sum not found (package coreutils)"

# ---- mirrors -----------------------------------------------------------------

# Prints "URI SUITE" for every deb/deb-src entry with the main component, from
# the one-line format (sources.list, *.list) and the deb822 format (*.sources).
apt_entries() {
  local files=()
  if [[ -f $apt_etc/sources.list ]]; then files+=("$apt_etc/sources.list"); fi
  local f
  for f in "$apt_etc"/sources.list.d/*.list; do
    if [[ -f $f ]]; then files+=("$f"); fi
  done
  if ((${#files[@]})); then
    awk '
      { sub(/#.*/, "") }
      $1 != "deb" && $1 != "deb-src" { next }
      {
        i = 2
        if ($i ~ /^\[/) {               # [ option=value ... ]
          while (i <= NF && $i !~ /\]$/) i++
          i++
        }
        uri = $i; suite = $(i + 1); main = 0
        for (j = i + 2; j <= NF; j++) if ($j == "main") main = 1
        if (uri != "" && suite != "" && main) print uri, suite
      }' "${files[@]}"
  fi
  for f in "$apt_etc"/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk '
      function reset() { types = ""; uris = ""; suites = ""; comps = ""; enabled = "yes"; field = "" }
      function flush(   n, m, i, j, u, s) {
        if ((" " types " ") ~ / deb(-src)? / && tolower(enabled) !~ /^(no|false|0)$/ &&
            (" " comps " ") ~ / main /) {
          n = split(uris, u, " "); m = split(suites, s, " ")
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j]
        }
        reset()
      }
      function set(name, value) {
        if (name == "types") types = types " " value
        else if (name == "uris") uris = uris " " value
        else if (name == "suites") suites = suites " " value
        else if (name == "components") comps = comps " " value
        else if (name == "enabled") enabled = value
      }
      BEGIN { reset() }
      /^#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { set(field, $0); next }       # continuation line
      {
        colon = index($0, ":")
        if (colon == 0) next
        field = tolower(substr($0, 1, colon - 1))
        value = substr($0, colon + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", value)
        set(field, value)
      }
      END { flush() }' "$f"
  done
}

# The URIs among apt's entries that serve Debian's main archive: a Debian
# suite or codename (optionally -updates/-backports/-proposed-updates), not
# the security archive, over a scheme curl speaks. Third-party repositories
# name their own suites ("nodistro", "cloud-sdk-bookworm") and drop out.
debian_mirrors() {
  local debian_suite='^(buster|bullseye|bookworm|trixie|forky|duke|sid|experimental|oldoldstable|oldstable|stable|testing|unstable)(-updates|-backports|-backports-sloppy|-proposed-updates)?$'
  apt_entries | while read -r uri suite; do
    [[ $suite =~ $debian_suite ]] || continue
    [[ $uri =~ ^(https?|ftp|file):// ]] || continue
    [[ $uri == *security* ]] && continue
    echo "${uri%/}"
  done | awk '!seen[$0]++'
}

mirrors=()
if [[ -n ${RIVET_DEBIAN_MIRROR:-} ]]; then mirrors+=("${RIVET_DEBIAN_MIRROR%/}"); fi
while read -r m; do mirrors+=("$m"); done < <(debian_mirrors)

# ---- downloading -----------------------------------------------------------------

# Honour a proxy configured for apt, unless the environment already sets one.
apt_proxy=
if command -v apt-config >/dev/null && [[ -z ${http_proxy:-}${https_proxy:-} ]]; then
  eval "$(apt-config shell apt_proxy Acquire::http::Proxy 2>/dev/null)" || apt_proxy=
  [[ $apt_proxy == DIRECT ]] && apt_proxy=
fi

download() {  # URL FILE
  local url=$1 file=$2
  if command -v curl >/dev/null; then
    curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 900 \
      ${apt_proxy:+--proxy "$apt_proxy"} -o "$file" "$url"
  elif command -v wget >/dev/null; then
    wget -q --tries=3 --timeout=20 ${apt_proxy:+-e use_proxy=yes -e http_proxy="$apt_proxy"} \
      -O "$file" "$url"
  elif [[ -x /usr/lib/apt/apt-helper ]]; then
    /usr/lib/apt/apt-helper download-file "$url" "$file" >/dev/null
  else
    die "no download tool: install curl"
  fi
}

sum_ok() {  # FILE SHA256
  [[ -f $1 ]] && [[ $(sha256sum "$1" | cut -d' ' -f1) == "$2" ]]
}

# ---- the packages ------------------------------------------------------------------

mkdir -p "$outdir/debs"
rm -f "$outdir/.stamp"
cache=${RIVET_FIRMWARE_CACHE:-}

while read -r package path sha256 extra; do
  [[ -z $package || $package == \#* ]] && continue
  [[ -n $path && $sha256 =~ ^[0-9a-f]{64}$ && -z $extra ]] ||
    die "$lock: malformed line for '$package' (want: package pool-path sha256)"
  file=$(basename "$path")
  deb=$outdir/debs/$file

  if [[ -e $deb ]] && ! sum_ok "$deb" "$sha256"; then
    note "cached $deb has the wrong checksum; fetching it again"
    rm -f "$deb"
  fi
  if [[ ! -e $deb && -n $cache && -f $cache/$file ]]; then
    if sum_ok "$cache/$file" "$sha256"; then
      cp "$cache/$file" "$deb.part" && mv -f "$deb.part" "$deb"
    else
      note "WARNING: $cache/$file does not match its checksum in firmware.lock; ignoring it"
    fi
  fi
  if [[ ! -e $deb ]]; then
    ((${#mirrors[@]})) ||
      die "no Debian mirror found in $apt_etc/sources.list{,.d/} (set RIVET_DEBIAN_MIRROR or RIVET_FIRMWARE_CACHE)"
    for mirror in "${mirrors[@]}"; do
      url=$mirror/$path
      note "downloading $url"
      rm -f "$deb.part"
      if ! download "$url" "$deb.part"; then
        note "could not download $url"
        rm -f "$deb.part"
        continue
      fi
      actual=$(sha256sum "$deb.part" | cut -d' ' -f1)
      if [[ $actual != "$sha256" ]]; then
        echo "$prog: ERROR: CHECKSUM MISMATCH for $url" >&2
        echo "$prog: ERROR:   expected $sha256" >&2
        echo "$prog: ERROR:   got      $actual" >&2
        echo "$prog: ERROR: the file has been deleted; not using it" >&2
        rm -f "$deb.part"
        continue
      fi
      mv -f "$deb.part" "$deb"
      break
    done
    [[ -e $deb ]] || die "could not get a verified $file from any mirror (${mirrors[*]})"
    if [[ -n $cache && -d $cache && -w $cache && ! -e $cache/$file ]]; then
      cp "$deb" "$cache/$file.part.$$" && mv -f "$cache/$file.part.$$" "$cache/$file" || true
    fi
  fi

  # Unpack into a fresh directory, replacing any previous contents whole.
  dest=$outdir/$package
  rm -rf "$dest.tmp"
  dpkg-deb -x "$deb" "$dest.tmp" || die "dpkg-deb could not unpack $deb"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
  note "$package: $file verified and unpacked into $dest"
done <"$lock"

touch "$outdir/.stamp"
