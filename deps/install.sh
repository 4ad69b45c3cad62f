#!/usr/bin/env bash
# Installs every Debian package lt needs (deps/packages.txt). Idempotent: skips the install when all
# are present. Needs root (or sudo) on Debian 12.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages.txt")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm: NodeSource's nodejs bundles it, Debian's nodejs needs its 'npm' package (which conflicts
# with NodeSource's): ask for it only where no npm command comes with node.
command -v npm >/dev/null 2>&1 || { command -v node >/dev/null 2>&1 && [ -x "$(dirname "$(command -v node)")/npm" ]; } || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then echo "deps: all ${#pkgs[@]} packages present"; exit 0; fi
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's packages start their services on install where an init system runs; tests start their own.
for svc in nginx prometheus; do $sudo service "$svc" stop >/dev/null 2>&1 || true; done
echo "deps: done"
