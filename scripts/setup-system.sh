#!/usr/bin/env bash
# Install the Debian/Ubuntu packages hil needs, only those missing.
# Runs apt through sudo when not root. Idempotent and quick when all are there.
set -euo pipefail
packages=(
  make gcc python3-venv python3-dev   # host firmware build, the .venv
  gcc-arm-none-eabi libnewlib-arm-none-eabi   # STM32 firmware
  qemu-system-arm                     # the emulated NUCLEO-F446RE
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf   # RISC-V firmware (ESP32-C3, qemu-rv32)
  qemu-system-misc                    # the emulated ESP32-C3 core (riscv32 virt)
  clang libclang-rt-14-dev            # libFuzzer for the frame-parser fuzz test
  espeak-ng sox                       # offline speech corpus (hil data speech)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
