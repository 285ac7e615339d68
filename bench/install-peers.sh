#!/usr/bin/env bash
# Installs the compressors that `kolm-bench run` compares kolm against, from Debian's packages,
# and valgrind, which the benchmark uses to count instructions per byte.
#
#   bash bench/install-peers.sh
#
# Needs root (or sudo) and apt. Peers that Debian does not carry (lpaq1, paq8px, bsc, cmix, the
# Midicoth reference program `mdc`) are optional: build them yourself and put them on PATH or in a
# directory passed to `kolm-bench run --peer-dir DIR`; `kolm-bench peers` shows what was found.
set -euo pipefail

packages=(
    xz-utils    # xz
    zstd        # zstd
    brotli      # brotli
    bzip2       # bzip2
    bzip3       # bzip3
    lz4         # lz4
    p7zip-full  # 7z (PPMd)
    zpaq        # zpaq
    lzip        # lzip
    valgrind    # callgrind: instructions per byte for the compute-normalised score
)

if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
echo "installed: ${packages[*]}"
