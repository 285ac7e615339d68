#!/usr/bin/env bash
# Times kolm's MDC7 codec against the Midicoth reference program, in one run, as whole
# processes, and checks that both write identical files and round-trip.
#
#   bench/compare-midicoth.sh /path/to/mdc FILE...
#
# Build the reference yourself (it is not part of kolm): clone robtacconelli/midicoth and
# run `gcc -O3 -march=native -ffp-contract=off -o mdc mdc.c -lm`. Without
# -ffp-contract=off the reference may write different, non-portable bytes.
set -euo pipefail
reference=${1:?usage: $0 MIDICOTH_BINARY FILE...}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
kolm=$root/target/release/kolm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%-16s %10s %9s %9s %7s %9s %9s %7s %10s %10s\n' file bytes \
    "kolm c s" "ref c s" ratio "kolm d s" "ref d s" ratio "kolm MB" "ref MB"
for file in "$@"; do
    name=$(basename "$file")
    measure() { /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>&1; cat "$work/t"; }
    read -r kc km < <(measure "$kolm" -q -f -o "$work/k.mdc" "$file")
    read -r kd _ < <(measure "$kolm" -q -f -d -o "$work/k.out" "$work/k.mdc")
    read -r rc rm < <(measure "$reference" compress "$file" "$work/r.mdc")
    read -r rd _ < <(measure "$reference" decompress "$work/r.mdc" "$work/r.out")
    cmp -s "$work/k.mdc" "$work/r.mdc" || { echo "$name: kolm and the reference wrote different bytes" >&2; exit 1; }
    cmp -s "$work/k.out" "$file" && cmp -s "$work/r.out" "$file" || { echo "$name: round trip failed" >&2; exit 1; }
    printf '%-16s %10d %9.2f %9.2f %6.2fx %9.2f %9.2f %6.2fx %10.0f %10.0f\n' "$name" "$(stat -c %s "$file")" \
        "$kc" "$rc" "$(echo "$rc / $kc" | bc -l)" "$kd" "$rd" "$(echo "$rd / $kd" | bc -l)" \
        "$(echo "$km / 1024" | bc -l)" "$(echo "$rm / 1024" | bc -l)"
done
