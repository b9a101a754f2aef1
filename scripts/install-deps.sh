#!/usr/bin/env bash
# Installs, from Debian 12's archive, whatever of berth's build (and, with --test, test) dependencies
# is missing. A warm machine skips apt entirely.
set -euo pipefail

build_pkgs=(g++ cmake ninja-build pkg-config libboost-dev libssl-dev libsqlite3-dev
            nlohmann-json3-dev libyaml-cpp-dev libgtest-dev ccache curl)
# lld 16 links berth with its start-up code packed together (BERTH_LINK_ORDER in CMakeLists.txt);
# without it the build falls back to GNU ld, so failing to install it is not an error.
optional_pkgs=(lld-16)
# Real clients and peers used by the end-to-end tests.
test_pkgs=(skopeo umoci jq containerd python3 iproute2 procps)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${test_pkgs[@]}")
fi

not_installed() {
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      echo "$p"
    fi
  done
}
mapfile -t missing < <(not_installed "${want[@]}")
mapfile -t missing_optional < <(not_installed "${optional_pkgs[@]}")

to_install=("${missing[@]}" "${missing_optional[@]}")
if ((${#to_install[@]})); then
  echo "berth: installing ${to_install[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  apt=("${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update -qq || true
  if ((${#missing[@]})); then
    "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
  fi
  if ((${#missing_optional[@]})); then
    "${apt[@]}" install -y -qq --no-install-recommends "${missing_optional[@]}" ||
      echo "berth: could not install ${missing_optional[*]}; building without it" >&2
  fi
fi
