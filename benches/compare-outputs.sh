#!/bin/bash
# Compares what two mailscrub binaries write: for every input in INPUTS and
# every request in REQUESTS, `scrub` (SOURCE_DATE_EPOCH fixed, 2 threads)
# with each binary, then `diff -r` of the outputs, manifests, stdout, stderr
# and exit codes. Used to show that a refactor leaves every byte as it was.
#
# Usage: benches/compare-outputs.sh OLD_BINARY NEW_BINARY INPUTS_DIR REQUESTS_DIR [WORK_DIR]
# Exit 0 when everything is identical, 1 when something differs (listed).
set -u
old=$1 new=$2 inputs=$3 requests=$4 work=${5:-$(mktemp -d)}
export SOURCE_DATE_EPOCH=1764547200
run() {
    local bin=$1 out=$2
    mkdir -p "$out"
    for f in "$inputs"/*; do
        for req in "$requests"/*.toml; do
            local tag
            tag="$(basename "$f").$(basename "$req" .toml)"
            "$bin" scrub --quiet --threads 2 --subjects "$req" "$f" -o "$out/$tag.out" \
                >"$out/$tag.stdout" 2>"$out/$tag.stderr"
            echo "exit $?" >>"$out/$tag.stdout"
        done
    done
}
run "$old" "$work/old"
run "$new" "$work/new"
runs=$(find "$work/old" -name '*.stdout' | wc -l)
if diff -r "$work/old" "$work/new"; then
    echo "identical: $runs runs, $(find "$work/old" -type f | wc -l) files ($work)"
else
    exit 1
fi
