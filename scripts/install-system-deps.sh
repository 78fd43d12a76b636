#!/usr/bin/env bash
# Installs the Debian packages the tests and the tools need, if they are missing.
# qemu-utils: the real qemu-img. qemu-system-x86: the real QEMU that the Proxmox truth test
# (test/unit/proxmoxQemu.test.ts) hands each drive to. libvirt-clients + libxml2-utils: virt-xml-validate (a wrapper
# of xmllint, which libvirt-clients does not pull in) for the lint benchmark.
# strace: flush counts in the convert benchmark. genisoimage, fdisk (sfdisk), dosfstools: real ISO,
# partitioned and FAT images for the inspector tests. qemu-system-x86: the real QEMU, the oracle for
# which -drive options refuse to start (shell-script tests). libvirt-daemon +
# libvirt-daemon-driver-qemu: the private libvirtd the lint --connect tests start; virtinst:
# virt-xml, which runs the fix commands lint --connect prints, and the real virt-install and
# virt-xml whose --print-xml / --build-xml output the virt-install tests lint as domain XML.
# make: GNU make, the oracle for what a Makefile recipe hands to the shell. packer: Packer with
# its QEMU builder, the oracle for the values `packer validate` refuses (Packer templates).
# As root (or with password-less sudo) it installs them; otherwise it names them and stops.
set -euo pipefail
packages=(qemu-utils qemu-system-x86 libvirt-clients libxml2-utils strace genisoimage fdisk dosfstools libvirt-daemon libvirt-daemon-driver-qemu virtinst make packer "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    echo "install-system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-system-deps: install them as root, then run this again:" >&2
    echo "    sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-system-deps: installing ${missing[*]} (apt-get; a minute or two)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
echo "install-system-deps: installed ${missing[*]}" >&2
