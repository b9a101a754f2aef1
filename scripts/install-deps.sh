#!/usr/bin/env bash
# Installs, from Debian 12's archive, whatever of berth's build (and, with --test, test) dependencies
# is missing. A warm machine skips apt entirely.
set -euo pipefail

build_pkgs=(g++ cmake ninja-build pkg-config libboost-dev libssl-dev libsqlite3-dev
            nlohmann-json3-dev libyaml-cpp-dev libgtest-dev ccache curl)
# Real clients and peers used by the end-to-end tests.
test_pkgs=(skopeo umoci jq containerd python3 iproute2 procps)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "berth: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq || true
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi
