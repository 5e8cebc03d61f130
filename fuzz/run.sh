#!/bin/sh
# Runs one fuzz target with its dictionary and input size limit.
# Usage: fuzz/run.sh TARGET [SECONDS] [more libFuzzer options]
# (from the repository root; seeds come from fuzz/seeds.sh, findings go to
# fuzz/artifacts/TARGET/). Needs cargo-fuzz and a nightly compiler, or
# RUSTC_BOOTSTRAP=1 with a stable one (set here).
set -eu

target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer options]}
seconds=${2:-600}
shift
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")" && pwd)
dict="$root/dict"

case $target in
tar_copy) dicts="$dict/tar.dict" max_len=1048576 len_control=100 ;;
scrub_archive) dicts="$dict/tar.dict $dict/mime.dict" max_len=1048576 len_control=100 ;;
mbox_split | nesting) dicts="$dict/mime.dict" max_len=262144 len_control=100 ;;
# Small seeds: without this libFuzzer's limit stays near 500 bytes for minutes.
scan_message | redact_message) dicts="$dict/mime.dict" max_len=262144 len_control=0 ;;
# Dense formats: small inputs reach them, so the limit grows from the seeds.
extract_attachment) dicts="$dict/attach.dict" max_len=262144 len_control=100 ;;
*) echo "unknown target: $target" >&2 && exit 2 ;;
esac

mkdir -p "$root/target" "$root/corpus/$target" "$root/artifacts/$target"
# libFuzzer takes one dictionary: the archive target gets both.
merged="$root/target/$target.dict"
# shellcheck disable=SC2086
cat $dicts >"$merged"

cd "$root/.."
LSAN_OPTIONS="suppressions=$root/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    RUSTC_BOOTSTRAP=1 exec nice -n 5 cargo fuzz run -O "$target" "$root/corpus/$target" -- \
    -dict="$merged" -max_len=$max_len -len_control=$len_control -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$root/artifacts/$target/" "$@"
