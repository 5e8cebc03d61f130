#!/bin/sh
# Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/:
# small archives made by GNU tar in each of its formats and by bsdtar (long
# names, owner names, hard and symbolic links, a sparse file, pax records,
# Maildir, mbox, a Thunderbird cache), with and without the fuzz subject's
# identifiers in messages, names and header fields; mbox and message files
# for the message targets; a few builder inputs for `nesting`.
# Usage: fuzz/seeds.sh   (from the repository root; needs tar, python3;
# bsdtar is used when present)
set -eu

root=$(cd "$(dirname "$0")" && pwd)
corpus="$root/corpus"
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$corpus/tar_copy" "$corpus/scrub_archive" "$corpus/mbox_split" \
    "$corpus/scan_message" "$corpus/redact_message" "$corpus/nesting"

id='jane.doe@example.com'
msg() { # msg FROM SUBJECT BODY
    printf 'From: %s\nTo: bob@example.org\nSubject: %s\nMessage-ID: <%s@example.org>\n\n%s\n' \
        "$1" "$2" "$(printf '%s' "$2" | tr -c 'a-z0-9' x)" "$3"
}

tree="$work/tree"
mkdir -p "$tree/Maildir/cur" "$tree/Maildir/new" "$tree/Maildir/tmp" "$tree/Mail/Inbox.sbd" \
    "$tree/example.com/jane.doe" "$tree/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))"
msg "$id" "from jane" "hello" >"$tree/Maildir/cur/1700000000.1.host,S=120:2,S"
msg bob@example.org "mention" "call Jane Doe at +44 20 7946 0018 about CUST-88231" \
    >"$tree/Maildir/cur/1700000001.2.host:2,"
msg bob@example.org "clean" "nothing to see" >"$tree/Maildir/new/1700000002.3.host"
{
    printf 'From %s Mon Jan  1 00:00:00 2024\n' "$id"
    msg "$id" one "first"
    printf '\nFrom bob@example.org Mon Jan  1 00:00:00 2024\n'
    msg bob@example.org two ">From the start, Jane Doe"
    printf '\nFrom bob@example.org Mon Jan  1 00:00:00 2024\n'
    msg bob@example.org three "clean"
} >"$tree/Mail/Inbox"
printf '// <!-- <mdb:mork:z v="1.4"/> -->\n(A0=jane.doe@example.com)\n' >"$tree/Mail/Inbox.msf"
msg bob@example.org "in a folder named after her" "x" >"$tree/example.com/jane.doe/1.eml"
msg bob@example.org "long path" "y" \
    >"$tree/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))/$(printf 'f%.0s' $(seq 1 40)).eml"
ln "$tree/Maildir/cur/1700000001.2.host:2," "$tree/Maildir/hardlink"
ln -s "../Mail/Inbox" "$tree/Maildir/symlink"
ln -s "$(printf 'l%.0s' $(seq 1 120))/$id" "$tree/long-symlink"
printf 'plain file\n' >"$tree/notes.txt"
python3 -c "
import os
with open('$tree/sparse.bin', 'wb') as f:
    f.write(b'start'); f.seek(1 << 20); f.write(b'end')
"

n=0
add_tar() { # add_tar FILE: a tar seed for the tar targets
    n=$((n + 1))
    cp "$1" "$corpus/tar_copy/seed-$n"
    # scrub_archive: as is; with checksums fixed; gzip; zstd; all redacted.
    for mode in 00 01 05 09 11; do
        { printf "\\$(printf '%03o' 0x$mode)"; cat "$1"; } >"$corpus/scrub_archive/seed-$n-$mode"
    done
}

cd "$tree"
for format in gnu oldgnu posix ustar v7; do
    for owner in root "$id"; do
        out="$work/$format-$n.tar"
        # Formats that cannot hold every member still write the others.
        case $format in
        gnu | oldgnu | posix) extra=--sparse ;;
        *) extra='--exclude=./sparse.bin --exclude=./long-symlink' ;;
        esac
        # shellcheck disable=SC2086
        tar --format=$format -b 1 --owner="$owner" --group="$owner" $extra \
            --mtime=2024-01-01 -cf "$out" . 2>/dev/null || true
        if [ -s "$out" ]; then add_tar "$out"; fi
    done
done
tar --format=posix -b 1 --pax-option="comment=about $id,SCHILY.xattr.user.note=Jane Doe" \
    -cf "$work/pax-comment.tar" Maildir notes.txt && add_tar "$work/pax-comment.tar"
tar --format=gnu -b 1 -cf "$work/small.tar" notes.txt Maildir/cur && add_tar "$work/small.tar"
if command -v bsdtar >/dev/null; then
    for format in pax ustar gnutar; do
        bsdtar --format=$format -b 1 --uname "$id" -cf "$work/bsd-$format.tar" \
            Maildir Mail notes.txt 2>/dev/null && add_tar "$work/bsd-$format.tar"
    done
fi

cp "$tree/Mail/Inbox" "$corpus/mbox_split/inbox"
printf 'From a Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n\r\nFrom inside\r\n>From quoted\r\n' \
    >"$corpus/mbox_split/crlf"
{ printf '\002'; cat "$tree/Mail/Inbox"; } >"$corpus/scrub_archive/mbox"
{ printf '\003'; cat "$tree/Maildir/cur/1700000001.2.host:2,"; } >"$corpus/scrub_archive/eml"
{ printf '\023'; cat "$tree/Maildir/cur/1700000000.1.host,S=120:2,S"; } >"$corpus/scrub_archive/eml-redact"

i=0
for m in "$tree/Maildir/cur/"* "$tree/Maildir/new/"*; do
    i=$((i + 1))
    cp "$m" "$corpus/scan_message/msg-$i"
    cp "$m" "$corpus/redact_message/msg-$i"
done
cat >"$corpus/scan_message/mime" <<'EOF'
From: bob@example.org
Subject: =?utf-8?B?SmFuZSBEb2U=?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p>jane.doe&#64;example.com J<b>ane</b> Doe =2B44 20 7946 0018</p>
--b
Content-Type: message/rfc822
Content-Transfer-Encoding: base64

U3ViamVjdDogQ1VTVC04ODIzMQoKaGk=
--b
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=utf-8''Jane%20Doe.txt
Content-Transfer-Encoding: base64

amFuZS5kb2VAZXhhbXBsZS5jb20=
--b--
EOF
cp "$corpus/scan_message/mime" "$corpus/redact_message/mime"

# nesting: policy, depth, plant level, place, form, then one wrap per level.
python3 - "$corpus/nesting" <<'EOF'
import os, sys
out = sys.argv[1]
seeds = {
    "flat": bytes([0, 0, 0, 5, 0]) + b"hello",
    "b64-3": bytes([0, 3, 3, 1, 3, 0, 0, 0]),
    "mixed-10": bytes([1, 10, 7, 7, 6]) + bytes(range(10)),
    "deep-33": bytes([0, 33, 33, 5, 9]) + bytes([3] * 33),
    "deep-100": bytes([1, 100, 50, 2, 0]) + bytes(i % 6 for i in range(100)),
    "qp-20": bytes([0, 20, 19, 4, 4]) + bytes([1] * 20),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
EOF

echo "seeds written under $corpus"
for d in "$corpus"/*; do echo "  $(basename "$d"): $(ls "$d" | wc -l) files, $(du -sk "$d" | cut -f1) KiB"; done
