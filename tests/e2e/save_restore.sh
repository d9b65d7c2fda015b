#!/bin/sh
# `xl save` / `xl restore` on the simulator: the helper's stream on disk
# passes stream-dump and restores into an empty domain with identical
# memory; a stream from the tests' own generator restores too; a corrupt
# stream is refused and the destination does not claim success.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd
PLAY="$b/tests/tools/play-libxl"

src=$("$XLC" sim create "$s/tests/e2e/light.cfg") || { echo "sim create failed"; exit 1; }
"$PLAY" save "$HELPER" "$src" "$tmp/img" > "$tmp/save.out" 2>&1 ||
    fail "save failed: $(cat "$tmp/save.out")"
grep -q "save: ok (.*, 1 suspends)" "$tmp/save.out" || fail "save: $(cat "$tmp/save.out")"
"$XLC" stream-dump "$tmp/img" > "$tmp/dump" 2>&1 || fail "stream-dump refused our stream: $(cat "$tmp/dump")"
grep -q "libxc stream v3: x86 HVM" "$tmp/dump" || fail "not an HVM v3 stream"
grep -q "HVM_CONTEXT" "$tmp/dump" || fail "no HVM_CONTEXT"
grep -q "distinct pfns: 16384, highest 0x3fff, resent 0" "$tmp/dump" ||
    fail "a non-live save sends every page once: $(tail -3 "$tmp/dump")"
# The guest was suspended for the save: its memory is what the image holds.
"$XLC" sim info "$src" --json > "$tmp/src.json"
want=$(jget "$tmp/src.json" memory_sha256)

"$PLAY" restore "$HELPER" 16384 "$tmp/img" > "$tmp/restore.out" 2>&1 ||
    fail "restore failed: $(cat "$tmp/restore.out")"
grep -q "restore: ok" "$tmp/restore.out" || fail "restore: $(cat "$tmp/restore.out")"
dst=$(awk '/^domid/ {print $2}' "$tmp/restore.out")
"$XLC" sim info "$dst" --json > "$tmp/dst.json"
got=$(jget "$tmp/dst.json" memory_sha256)
[ -n "$want" ] && [ "$want" = "$got" ] || fail "restored memory differs: $want vs $got"
# libxl learns the store and console frames from restore_results.
grep -q "restore_results store_gfn=0x" "$tmp/restore.out" || fail "no restore_results"

# A stream written by the test generator (hand-built records) restores.
"$b/tests/tools/gen-sample-image" --bare-libxc --pages 64 "$tmp/gen" || fail "generator"
"$PLAY" restore "$HELPER" 64 "$tmp/gen" > "$tmp/gen.out" 2>&1 ||
    fail "generated stream refused: $(cat "$tmp/gen.out")"
grep -q "store_gfn=0x3e console_gfn=0x3f" "$tmp/gen.out" || fail "params not applied: $(cat "$tmp/gen.out")"

# Truncated and corrupted streams: refused, and libxl hears a failure.
head -c 300000 "$tmp/img" > "$tmp/cut"
"$PLAY" restore "$HELPER" 16384 "$tmp/cut" > "$tmp/cut.out" 2>&1 &&
    fail "truncated stream restored"
grep -q "helper reported failure" "$tmp/cut.out" || fail "cut: $(cat "$tmp/cut.out")"
grep -q "truncated" "$tmp/cut.out" || fail "cut: the log does not say truncated: $(cat "$tmp/cut.out")"
# A stream for a bigger guest than the domain: pfns beyond it are refused.
"$PLAY" restore "$HELPER" 4096 "$tmp/img" > "$tmp/small.out" 2>&1 &&
    fail "stream restored into a domain too small for it"
grep -q "beyond" "$tmp/small.out" || fail "small: $(cat "$tmp/small.out")"

finish save_restore
