#!/usr/bin/env bash
# Installs the Debian packages kefu needs, only when some are missing (fast when all are there).
# Node.js and npm come with the machine image; everything for web/ comes from npm (build-web.sh).
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ pkg-config
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev sqlite3 libsodium-dev libssl-dev openssl libtomlplusplus-dev
  libicu-dev libopencc-dev opencc libstemmer-dev
  libhowardhinnant-date-dev tzdata
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev
  python3
  chromium fonts-noto-cjk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
