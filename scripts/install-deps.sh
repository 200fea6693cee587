#!/usr/bin/env bash
# Installs the Debian 12 packages the build and tests need (idempotent; uses sudo when not root).
set -euo pipefail
packages=(
  build-essential cmake ccache pkg-config
  nlohmann-json3-dev libcli11-dev libzip-dev libsentencepiece-dev sentencepiece
  libdnnl-dev libsndfile1-dev libcurl4-openssl-dev libssl-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
