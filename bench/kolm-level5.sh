#!/usr/bin/env bash
# The .kolm measurements quoted in README, in one run: -T1 against -T2 on two large files,
# the ratio cost of smaller blocks, and `kolm bench` at level 5 over the whole corpus.
# Run from the repository root after `cargo build --release`; takes about 25 minutes.
set -u
K=${KOLM:-target/release/kolm}
C=${CORPUS:-../shared/corpus}
OUT=${OUT:-bench/results/kolm-level5.txt}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "== date $(date -u) cpu $(lscpu | grep 'Model name' | sed 's/.*: *//') cores $(nproc)" > $OUT
echo "== T1 vs T2, level 5 (2 MiB blocks), compress, x-ray and pydoc311" >> $OUT
for f in x-ray pydoc311.rst.txt; do
  for t in 1 2; do
    /usr/bin/time -f "$f T$t compress %e s %M KB" $K -q -f -T$t $C/$f -o $W/$f.T$t.kolm 2>>$OUT
  done
  cmp $W/$f.T1.kolm $W/$f.T2.kolm && echo "$f: T1 and T2 outputs identical ($(stat -c %s $W/$f.T1.kolm) bytes)" >> $OUT
  /usr/bin/time -f "$f T2 decompress %e s %M KB" $K -q -f -d -T2 $W/$f.T2.kolm -o $W/$f.out 2>>$OUT
  cmp $W/$f.out $C/$f && echo "$f: round trip ok" >> $OUT
  rm -f $W/$f.out
done
echo "== block split cost, level 5, bible.txt" >> $OUT
for b in 4M 2M 1M 512K; do
  $K -q -f -T2 -B $b $C/bible.txt -o $W/bible.$b.kolm && echo "bible.txt -B $b: $(stat -c %s $W/bible.$b.kolm) bytes" >> $OUT
done
echo "== kolm bench, level 5, -T2, whole corpus" >> $OUT
$K bench -T2 --levels 5 $(ls $C/* | grep -v SOURCES.md) >> $OUT 2>&1
echo "== done $(date -u)" >> $OUT
