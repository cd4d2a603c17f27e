#!/usr/bin/env bash
# Installs the Debian packages the lab tests, benchmarks and demo use: the
# classic peers we compare against and the tools the lab is built with. Only
# as root, only what is missing, quietly; `apt-get update` at most once.
set -euo pipefail

packages=(
  iproute2 nftables iptables ethtool procps libcap2-bin     # the lab itself
  iputils-ping iputils-tracepath iputils-arping traceroute mtr-tiny arp-scan
  bind9-dnsutils nsd unbound ldnsutils                      # DNS peers and lab servers
  socat ncat tcpdump curl
  mandoc man-db lintian                                     # man pages' lint, the .deb's lint
  gcc libc6-dev                                             # go test -race needs cgo
)

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: not root, installing nothing (lab tests will skip and say why)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: no apt-get here; install these by hand: ${packages[*]}" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
# Package scripts must not start nsd/unbound services on the host: the lab
# runs its own instances inside namespaces.
cleanup_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  cleanup_policy=1
fi
trap '[ -n "$cleanup_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
