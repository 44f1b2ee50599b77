#!/usr/bin/env bash
# need-poppler.sh — installs Debian's poppler-utils when pdftotext or pdftoppm
# is missing. The Go tests read the bulletin's PDF back with pdftotext (and
# fail, never skip, without it); scripts/bulletin-sample.sh draws its pages
# with pdftoppm.
set -euo pipefail
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null && exit 0
echo "need-poppler: installing poppler-utils from Debian (pdftotext reads the bulletin's PDF back)" >&2
[ "$(id -u)" = 0 ] || { echo "need-poppler: installing needs root (apt-get install poppler-utils)" >&2; exit 1; }
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
