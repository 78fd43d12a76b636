#!/usr/bin/env bash
# Installs the Debian packages the tests and the tools need, if they are missing.
# qemu-utils: the real qemu-img. libvirt-clients + libxml2-utils: virt-xml-validate (a wrapper
# of xmllint, which libvirt-clients does not pull in) for the lint benchmark.
# strace: flush counts in the convert benchmark. genisoimage, fdisk (sfdisk), dosfstools: real ISO,
# partitioned and FAT images for the inspector tests.
set -euo pipefail
packages=(qemu-utils libvirt-clients libxml2-utils strace genisoimage fdisk dosfstools "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
