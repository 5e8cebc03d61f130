#!/bin/sh
# Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/:
# small archives made by GNU tar in each of its formats and by bsdtar (long
# names, owner names, hard and symbolic links, a sparse file, pax records,
# Maildir, mbox, a Thunderbird cache), with and without the fuzz subject's
# identifiers in messages, names and header fields; mbox and message files
# for the message targets; a few builder inputs for `nesting`; attachments
# (zip, OOXML, ODF, gzip, PDF, RTF, TNEF, vCard, iCalendar) for
# `extract_attachment`.
# Usage: fuzz/seeds.sh   (from the repository root; needs tar, python3;
# bsdtar is used when present)
set -eu

root=$(cd "$(dirname "$0")" && pwd)
corpus="$root/corpus"
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$corpus/tar_copy" "$corpus/scrub_archive" "$corpus/mbox_split" \
    "$corpus/scan_message" "$corpus/redact_message" "$corpus/nesting" \
    "$corpus/extract_attachment"

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

# extract_attachment: byte 0 the labels (index into LABELS of the target:
# 0 none, 2 zip, 3 docx, 4 odt, 5 notes.txt.gz, 6 pdf, 7 rtf, 8 tnef, 9 vcf,
# 10 ics, 11 eml), then the attachment.
python3 - "$corpus/extract_attachment" <<'EOF'
import binascii, base64, gzip, io, os, struct, sys, zipfile, zlib
out = sys.argv[1]
seeds = {}

def zipped(entries, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    return buf.getvalue()

docx = zipped([
    ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
    ("word/document.xml", b'<?xml version="1.0"?><w:document><w:p><w:r><w:t>call Ja</w:t></w:r>'
     b'<w:r><w:t>ne Doe</w:t></w:r></w:p><w:p><w:t>jane.doe&#64;example.com</w:t></w:p></w:document>'),
    ("docProps/core.xml", b'<cp:coreProperties><dc:creator>Doe, Jane</dc:creator></cp:coreProperties>'),
])
seeds["docx"] = bytes([3]) + docx
seeds["odt"] = bytes([4]) + zipped([
    ("mimetype", b"application/vnd.oasis.opendocument.text"),
    ("content.xml", b'<office:text><text:p>Jane <text:span>Doe</text:span> +44 20 7946 0018</text:p></office:text>'),
], zipfile.ZIP_STORED)
# Raw safety net material inside a zip entry: base64, QP and uuencode runs.
text = (b"ref CUST-88231\n" + base64.encodebytes(b"write to jane.doe@example.com please")
        + b"=4A=61=6E=65=20=44=6F=65 said hi=\n\n"
        + b"begin 644 a.txt\n" + binascii.b2a_uu(b"Jane Doe") + b"`\nend\n"
        + b"jane dot doe at example dot com\n")
inner_gz = gzip.compress(b"BEGIN:VCARD\r\nFN:Jane Doe\r\nEND:VCARD\r\n", mtime=0)
seeds["zip-nested"] = bytes([2]) + zipped([
    ("notes/runs.txt", text),
    ("inner.zip", zipped([("a.txt", b"jane.doe%40example.com")], zipfile.ZIP_STORED)),
    ("card.vcf.gz", inner_gz),
    ("fwd.eml", b"From: bob@example.org\r\nSubject: x\r\n\r\nJane Doe\r\n"),
], zipfile.ZIP_STORED)
seeds["gzip"] = bytes([5]) + gzip.compress(b"call jane.doe@example.com\n" * 4, mtime=0)
seeds["gzip-two-members"] = bytes([0]) + gzip.compress(b"Jane ", mtime=0) + gzip.compress(b"Doe", mtime=0)

def pdf(objects):
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return body

content = zlib.compress(b"BT /F1 12 Tf 72 712 Td [(call Ja)-20(ne Doe)] TJ (CUST-88231) Tj ET")
seeds["pdf-flate"] = bytes([6]) + pdf([
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Annots [<< /Contents <FEFF004A0061006E0065> >>] >>",
    b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
])
hexed = binascii.hexlify(b"BT (jane.doe@example.com) Tj ET") + b">"
seeds["pdf-lenient"] = bytes([0]) + (b"%PDF-1.7\n1 0 obj\n<< /Filter /ASCIIHexDecode >>\nstream\n"
    + hexed + b"\nendstream\nendobj\n2 0 obj\n<< /Filter /FlateDecode >>\nstream\n"
    + zlib.compress(b"[(Jane)-300(Doe)] TJ") + b"\nendstream\nendobj\ntrailer\n<< >>\n%%EOF\n")
seeds["rtf"] = bytes([7]) + (b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}\\f0 call J\\'61ne D\\'6fe "
    b"\\uc1\\u74?ane\\par jane.doe\\'40example.com {\\*\\htmltag <b>}\\bin3 xyz Zo\\'eb}")
seeds["rtf-cyrillic"] = bytes([0]) + b"{\\rtf1\\ansi\\ansicpg1251 \\'c8\\'e2\\'e0\\'ed \\u1078\\'3f}"

def attribute(level, ident, data):
    return (bytes([level]) + struct.pack("<II", ident, len(data)) + data
            + struct.pack("<H", sum(data) & 0xFFFF))

def pad4(b):
    return b + b"\0" * (-len(b) % 4)

name = "Jane Doe\0".encode("utf-16-le")
lzfu = bytes([0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5,
    0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42,
    0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0,
    0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0])
mela_body = b"{\\rtf1 call Jane Doe}"
mela = struct.pack("<II", len(mela_body) + 12, len(mela_body)) + b"MELA" + b"\0\0\0\0" + mela_body
props = struct.pack("<I", 4)
props += struct.pack("<HHI", 0x001f, 0x3001, 1) + struct.pack("<I", len(name)) + pad4(name)
props += struct.pack("<HHI", 0x001e, 0x0c1f, 1) + struct.pack("<I", 21) + pad4(b"jane.doe@example.com\0")
props += struct.pack("<HHI", 0x0102, 0x1009, 1) + struct.pack("<I", len(lzfu)) + pad4(lzfu)
props += struct.pack("<HHI", 0x0102, 0x1009, 1) + struct.pack("<I", len(mela)) + pad4(mela)
seeds["tnef"] = bytes([8]) + (b"\x78\x9f\x3e\x22" + struct.pack("<H", 1)
    + attribute(1, 0x00018004, b"Subject: hello\0")
    + attribute(1, 0x00069003, props)
    + attribute(2, 0x0006800f, zipped([("a.txt", b"CUST-88231")]))
    + attribute(2, 0x0006800f, b"data of Jane Doe"))
seeds["vcard"] = bytes([9]) + (b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;Jane;;;\r\n"
    b"NOTE;ENCODING=QUOTED-PRINTABLE:call J=\r\nane D=6Fe\r\nORG:Doe\\, Jane\r\nFN:Ja\r\n ne Doe\r\n"
    b"EMAIL;TYPE=work:jane.doe@example.com\r\nTEL:+44 20 7946 0018\r\nEND:VCARD\r\n")
seeds["ics"] = bytes([10]) + (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nATTENDEE;CN=\"Doe, Jane\":mailto:j@example.com\n"
    b"DESCRIPTION;CHARSET=ISO-8859-1:Zo\xeb\\nJane\\nDoe\nEND:VEVENT\nEND:VCALENDAR\n")
seeds["eml"] = bytes([11]) + b"From: Jane Doe <jane.doe@example.com>\r\nSubject: hi\r\n\r\nhello\r\n"
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
EOF

echo "seeds written under $corpus"
for d in "$corpus"/*; do echo "  $(basename "$d"): $(ls "$d" | wc -l) files, $(du -sk "$d" | cut -f1) KiB"; done
