//! Recall inside attachments (issue 12, section 4): a subject hidden in an
//! office document, an archive, a gzip stream, a PDF, an RTF file, an Outlook
//! TNEF file, a vCard, an iCalendar file or an attached `.eml`, in a form
//! only extraction reveals. Each family has at least five planted forms and
//! as many decoys (the same documents naming `Janet Doe` and
//! `jane.doe@example.community`), in LF and CRLF mboxes. `scan --json` flags
//! exactly the planted messages; `scrub` stubs their attachments (recorded
//! as `drop-attachment`), leaves no trace that the tests'
//! own readers (`support::zipread`, `support::pdfread`, mailparse, and the
//! small decoders below) can find, and keeps every decoy byte-identical.
//! Text-like attachments are redacted as text when that removes the hit,
//! else stubbed; under `binary_attachments = "keep"` the message is deleted.
//! Decompression bombs (zip, gzip, PDF streams of 1 GiB of zeros) end fast,
//! within a memory limit, as a deletion with a clear reason.
//!
//! All people and addresses are fictional.

use std::collections::BTreeSet;
use std::io::{Read, Write};

use serde_json::Value;

use crate::support::encode::{base64_lines, word_q};
use crate::support::erasure::{read_manifest, scan_json};
use crate::support::mail::crlf;
use crate::support::{Work, pdfread, zipread};

const NAME: &str = "Jane Doe";
const EMAIL: &str = "jane.doe@example.com";
const DECOY_NAME: &str = "Janet Doe";
const DECOY_EMAIL: &str = "jane.doe@example.community";

const REQUEST: &str = "[[subject]]\nid = \"REQ-ATT-1\"\nnames = [\"Jane Doe\"]\nemails = [\"jane.doe@example.com\"]\n";

/// How an attachment's body is written in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cte {
    Base64,
    /// As it is (the document is pure ASCII): the prefilters see it raw.
    SevenBit,
}

/// One attachment.
struct Att {
    ctype: &'static str,
    filename: &'static str,
    cte: Cte,
    bytes: Vec<u8>,
}

/// One form of a family: builds the attachment naming `name` and `email`.
type Form = fn(&str, &str) -> Att;

/// The first two characters of `s` and the rest.
fn split2(s: &str) -> (&str, &str) {
    s.split_at(2)
}

fn first_last(name: &str) -> (&str, &str) {
    name.split_once(' ').expect("two words")
}

// ---- writers ------------------------------------------------------------

fn zip_of(entries: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(data).expect("zip data");
    }
    w.finish().expect("zip").into_inner()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("zlib");
    e.finish().expect("zlib")
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02X}")).collect()
}

/// A PDF of the given objects (dictionary, optional stream data), with a
/// correct cross-reference table; object 1 is the catalog.
fn pdf(objects: &[(String, Option<Vec<u8>>)], info: Option<usize>) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, (dict, stream)) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        match stream {
            Some(data) => {
                let dict = dict.replace("LEN", &data.len().to_string());
                out.extend_from_slice(dict.as_bytes());
                out.extend_from_slice(b"\nstream\n");
                out.extend_from_slice(data);
                out.extend_from_slice(b"\nendstream");
            }
            None => out.extend_from_slice(dict.as_bytes()),
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    let info = info.map(|i| format!(" /Info {i} 0 R")).unwrap_or_default();
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A one-page PDF whose page content stream is `content` with `filter`.
fn pdf_page(content: Vec<u8>, filter: &str, info: Option<String>) -> Vec<u8> {
    let mut objects = vec![
        ("<< /Type /Catalog /Pages 2 0 R >>".to_owned(), None),
        ("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(), None),
        (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_owned(),
            None,
        ),
        (format!("<< /Length LEN{filter} >>"), Some(content)),
    ];
    let has_info = info.is_some();
    if let Some(info) = info {
        objects.push((info, None));
    }
    pdf(&objects, has_info.then_some(5))
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A TNEF attribute.
fn tnef_attr(level: u8, id: u32, data: &[u8]) -> Vec<u8> {
    let mut v = vec![level];
    v.extend_from_slice(&id.to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(data);
    let sum = data.iter().fold(0u16, |s, &b| s.wrapping_add(b as u16));
    v.extend_from_slice(&sum.to_le_bytes());
    v
}

/// A TNEF stream of `attrs`.
fn tnef(attrs: &[Vec<u8>]) -> Vec<u8> {
    let mut v = vec![0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00];
    v.extend(tnef_attr(1, 0x0009_9006, &[1, 0, 0, 0]));
    for a in attrs {
        v.extend_from_slice(a);
    }
    v
}

/// A MAPI property list with variable-length values (`(type, id, values)`),
/// named when the id is 0x8000 or above (a GUID and numeric id).
fn mapi_props(props: &[(u16, u16, Vec<Vec<u8>>)]) -> Vec<u8> {
    let mut v = (props.len() as u32).to_le_bytes().to_vec();
    for (ptype, pid, values) in props {
        v.extend_from_slice(&ptype.to_le_bytes());
        v.extend_from_slice(&pid.to_le_bytes());
        if *pid >= 0x8000 {
            v.extend_from_slice(&[7u8; 16]);
            v.extend_from_slice(&0u32.to_le_bytes());
            v.extend_from_slice(&0x8233u32.to_le_bytes());
        }
        v.extend_from_slice(&(values.len() as u32).to_le_bytes());
        for value in values {
            v.extend_from_slice(&(value.len() as u32).to_le_bytes());
            v.extend_from_slice(value);
            v.resize(v.len().next_multiple_of(4), 0);
        }
    }
    v
}

/// Every byte as a QP escape.
fn qp_all(s: &str) -> String {
    s.bytes().map(|b| format!("={b:02X}")).collect()
}

/// A small message (LF) with a text body.
fn inner_eml(from: &str, body_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\nTo: Bob <bob@corp.example>\nSubject: forwarded\nMessage-ID: <inner@corp.example>\n\
         MIME-Version: 1.0\n{body_headers}\n{body}\n"
    )
    .into_bytes()
}

// ---- the families -------------------------------------------------------

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const ODT: &str = "application/vnd.oasis.opendocument.text";

fn docx(part: &str, xml: String) -> Vec<u8> {
    let body = format!(
        "<?xml version=\"1.0\"?><w:document><w:body>{}</w:body></w:document>",
        if part == "word/document.xml" {
            xml.as_str()
        } else {
            "<w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p>"
        }
    );
    let mut entries: Vec<(&str, Vec<u8>)> = vec![
        (
            "[Content_Types].xml",
            b"<?xml version=\"1.0\"?><Types/>".to_vec(),
        ),
        ("word/document.xml", body.into_bytes()),
    ];
    if part != "word/document.xml" {
        entries.push((part, xml.into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    zip_of(&refs, true)
}

fn docx_att(bytes: Vec<u8>) -> Att {
    Att {
        ctype: DOCX,
        filename: "report.docx",
        cte: Cte::Base64,
        bytes,
    }
}

fn docx_forms() -> Vec<Form> {
    vec![
        |n, _| {
            let (a, b) = split2(n);
            docx_att(docx(
                "word/document.xml",
                format!(
                    "<w:p><w:r><w:t>{a}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>{b}</w:t></w:r></w:p>"
                ),
            ))
        },
        |n, _| {
            let (f, l) = first_last(n);
            let (c, rest) = f.split_at(1);
            let code = c.as_bytes()[0];
            docx_att(docx(
                "word/document.xml",
                format!("<w:p><w:r><w:t>&#x{code:X};{rest}&#32;{l}</w:t></w:r></w:p>"),
            ))
        },
        |_, e| {
            docx_att(docx(
                "docProps/core.xml",
                format!("<cp:coreProperties><dc:creator>{e}</dc:creator></cp:coreProperties>"),
            ))
        },
        |n, _| {
            docx_att(docx(
                "word/comments.xml",
                format!(
                    "<w:comments><w:comment w:id=\"0\" w:author=\"{n}\"><w:p><w:r><w:t>ok</w:t></w:r></w:p></w:comment></w:comments>"
                ),
            ))
        },
        |_, e| {
            let (a, b) = e.split_at(4);
            docx_att(docx(
                "word/header1.xml",
                format!(
                    "<w:hdr><w:p><w:r><w:t>{a}</w:t></w:r><w:r><w:t>{b}</w:t></w:r></w:p></w:hdr>"
                ),
            ))
        },
    ]
}

fn xlsx(sheet: String, extra: Option<(&str, String)>) -> Att {
    let mut entries: Vec<(&str, Vec<u8>)> = vec![
        ("[Content_Types].xml", b"<Types/>".to_vec()),
        (
            "xl/workbook.xml",
            b"<workbook><sheets><sheet name=\"S\"/></sheets></workbook>".to_vec(),
        ),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
    ];
    if let Some((n, d)) = extra {
        entries.push((n, d.into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    Att {
        ctype: XLSX,
        filename: "figures.xlsx",
        cte: Cte::Base64,
        bytes: zip_of(&refs, true),
    }
}

fn xlsx_forms() -> Vec<Form> {
    vec![
        |n, _| {
            let (f, l) = first_last(n);
            xlsx(
                "<worksheet><sheetData/></worksheet>".into(),
                Some((
                    "xl/sharedStrings.xml",
                    format!(
                        "<sst><si><r><t>{f}</t></r><r><rPr/><t xml:space=\"preserve\"> {l}</t></r></si></sst>"
                    ),
                )),
            )
        },
        |n, _| {
            let (a, b) = split2(n);
            xlsx(
                format!(
                    "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>{a}&#x{:X};{}</t></is></c></row></sheetData></worksheet>",
                    b.as_bytes()[0],
                    &b[1..]
                ),
                None,
            )
        },
        |_, e| {
            xlsx(
                "<worksheet><sheetData/></worksheet>".into(),
                Some((
                    "docProps/core.xml",
                    format!(
                        "<cp:coreProperties><cp:lastModifiedBy>{e}</cp:lastModifiedBy></cp:coreProperties>"
                    ),
                )),
            )
        },
        |_, e| {
            let (a, b) = e.split_at(8);
            xlsx(
                "<worksheet><sheetData/></worksheet>".into(),
                Some((
                    "xl/sharedStrings.xml",
                    format!("<sst><si><r><t>{a}</t></r><r><t>{b}</t></r></si></sst>"),
                )),
            )
        },
        |n, _| {
            xlsx(
                "<worksheet><sheetData/></worksheet>".into(),
                Some((
                    "xl/comments1.xml",
                    format!("<comments><authors><author>{n}</author></authors></comments>"),
                )),
            )
        },
    ]
}

fn odt(content: String, meta: String, deflate: bool) -> Att {
    let entries: Vec<(&str, &[u8])> = vec![
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
        ("meta.xml", meta.as_bytes()),
    ];
    Att {
        ctype: ODT,
        filename: "letter.odt",
        cte: Cte::Base64,
        bytes: zip_of(&entries, deflate),
    }
}

const ODT_META: &str = "<office:document-meta><office:meta/></office:document-meta>";

fn odt_forms() -> Vec<Form> {
    vec![
        |n, _| {
            let (a, b) = split2(n);
            odt(
                format!(
                    "<office:text><text:p>{a}<text:span text:style-name=\"T1\">{b}</text:span></text:p></office:text>"
                ),
                ODT_META.into(),
                true,
            )
        },
        |n, _| {
            odt(
                "<office:text><text:p>Dear all</text:p></office:text>".into(),
                format!(
                    "<office:document-meta><office:meta><meta:initial-creator>{n}</meta:initial-creator></office:meta></office:document-meta>"
                ),
                true,
            )
        },
        |n, _| {
            let (f, l) = first_last(n);
            odt(
                format!("<office:text><text:p>{f}<text:s/>{l}</text:p></office:text>"),
                ODT_META.into(),
                true,
            )
        },
        |_, e| {
            odt(
                format!(
                    "<office:text><text:p>{}</text:p></office:text>",
                    e.replace('@', "&#64;")
                ),
                ODT_META.into(),
                false,
            )
        },
        |n, _| {
            let (a, b) = split2(n);
            odt(
                format!(
                    "<office:text><text:p>{a}<text:span>{b}</text:span></text:p></office:text>"
                ),
                ODT_META.into(),
                false,
            )
        },
    ]
}

fn zip_att(bytes: Vec<u8>) -> Att {
    Att {
        ctype: "application/zip",
        filename: "files.zip",
        cte: Cte::Base64,
        bytes,
    }
}

fn zip_forms() -> Vec<Form> {
    vec![
        |n, _| {
            zip_att(zip_of(
                &[(
                    "notes.txt",
                    format!("meeting with {n} on Monday\n").as_bytes(),
                )],
                true,
            ))
        },
        |_, e| {
            let inner = zip_of(
                &[("contacts.csv", format!("name,mail\nx,{e}\n").as_bytes())],
                true,
            );
            zip_att(zip_of(&[("inner.zip", inner.as_slice())], true))
        },
        |n, _| {
            let inner = zip_of(
                &[(format!("people/{n}.txt").as_str(), b"x".as_slice())],
                false,
            );
            zip_att(zip_of(&[("inner.zip", inner.as_slice())], true))
        },
        |n, _| {
            let (a, b) = split2(n);
            let doc = docx(
                "word/document.xml",
                format!("<w:p><w:r><w:t>{a}</w:t></w:r><w:r><w:t>{b}</w:t></w:r></w:p>"),
            );
            zip_att(zip_of(&[("report.docx", doc.as_slice())], true))
        },
        |_, e| {
            zip_att(zip_of(
                &[("list.csv.gz", gzip(format!("{e}\n").as_bytes()).as_slice())],
                true,
            ))
        },
    ]
}

fn gz_att(filename: &'static str, bytes: Vec<u8>) -> Att {
    Att {
        ctype: "application/gzip",
        filename,
        cte: Cte::Base64,
        bytes,
    }
}

fn gzip_forms() -> Vec<Form> {
    vec![
        |_, e| gz_att("list.csv.gz", gzip(format!("id,mail\n1,{e}\n").as_bytes())),
        |n, _| {
            let mut two = gzip(b"first member\n");
            two.extend(gzip(format!("second member: {n}\n").as_bytes()));
            gz_att("log.txt.gz", two)
        },
        |n, _| {
            gz_att(
                "archive.zip.gz",
                gzip(&zip_of(&[("a.txt", n.as_bytes())], true)),
            )
        },
        |n, _| gz_att("twice.gz", gzip(&gzip(format!("call {n}").as_bytes()))),
        |n, _| {
            let (f, l) = first_last(n);
            gz_att("lines.txt.gz", gzip(format!("{f}\n{l}\n").as_bytes()))
        },
    ]
}

fn pdf_att(bytes: Vec<u8>, cte: Cte) -> Att {
    Att {
        ctype: "application/pdf",
        filename: "report.pdf",
        cte,
        bytes,
    }
}

fn pdf_forms() -> Vec<Form> {
    vec![
        |n, _| {
            pdf_att(
                pdf_page(
                    zlib(format!("BT /F1 12 Tf 72 700 Td ({n}) Tj ET").as_bytes()),
                    " /Filter /FlateDecode",
                    None,
                ),
                Cte::Base64,
            )
        },
        |n, _| {
            let (a, b) = split2(n);
            pdf_att(
                pdf_page(
                    zlib(format!("BT /F1 12 Tf 72 700 Td [({a}) -12 ({b})] TJ ET").as_bytes()),
                    " /Filter /FlateDecode",
                    None,
                ),
                Cte::Base64,
            )
        },
        |n, _| {
            pdf_att(
                pdf_page(
                    format!("BT /F1 12 Tf 72 700 Td <{}> Tj ET", hex(n.as_bytes())).into_bytes(),
                    "",
                    None,
                ),
                Cte::SevenBit,
            )
        },
        |n, _| {
            let octal: String = n.bytes().map(|b| format!("\\{b:03o}")).collect();
            pdf_att(
                pdf_page(
                    b"BT ET".to_vec(),
                    "",
                    Some(format!("<< /Author ({octal}) >>")),
                ),
                Cte::SevenBit,
            )
        },
        |_, e| {
            let content = format!("{}>", hex(format!("BT ({e}) Tj ET").as_bytes()));
            pdf_att(
                pdf_page(content.into_bytes(), " /Filter /ASCIIHexDecode", None),
                Cte::SevenBit,
            )
        },
        |n, _| {
            let mut be = vec![0xfe, 0xff];
            be.extend(n.encode_utf16().flat_map(u16::to_be_bytes));
            pdf_att(
                pdf_page(
                    zlib(b"BT ET"),
                    " /Filter /FlateDecode",
                    Some(format!("<< /Title <{}> >>", hex(&be))),
                ),
                Cte::Base64,
            )
        },
    ]
}

fn rtf_att(ctype: &'static str, cte: Cte, body: String) -> Att {
    Att {
        ctype,
        filename: "memo.rtf",
        cte,
        bytes: body.into_bytes(),
    }
}

fn rtf_forms() -> Vec<Form> {
    vec![
        |n, _| {
            let (a, rest) = n.split_at(1);
            let (b, c) = rest.split_at(1);
            rtf_att(
                "application/rtf",
                Cte::SevenBit,
                format!(
                    "{{\\rtf1\\ansi\\ansicpg1252 {{\\fonttbl{{\\f0 Arial;}}}}\\f0 Dear {a}\\'{:02x}{c},\\par}}",
                    b.as_bytes()[0]
                ),
            )
        },
        |n, _| {
            let (a, rest) = n.split_at(1);
            rtf_att(
                "text/rtf",
                Cte::Base64,
                format!("{{\\rtf1\\ansi\\uc1 \\u{}?{rest}\\par}}", a.as_bytes()[0]),
            )
        },
        |n, _| {
            let (a, b) = split2(n);
            let (b1, b2) = b.split_at(2);
            rtf_att(
                "text/rtf",
                Cte::SevenBit,
                format!("{{\\rtf1\\ansi {a}{{\\b {b1}}}{b2}\\par}}"),
            )
        },
        |_, e| {
            rtf_att(
                "application/rtf",
                Cte::SevenBit,
                format!("{{\\rtf1\\ansi mail: {}\\par}}", e.replace('@', "\\'40")),
            )
        },
        |n, _| {
            let (f, l) = first_last(n);
            rtf_att(
                "text/rtf",
                Cte::SevenBit,
                format!("{{\\rtf1\\ansi {f}\\~{l}\\par}}"),
            )
        },
    ]
}

fn tnef_att(bytes: Vec<u8>) -> Att {
    Att {
        ctype: "application/ms-tnef",
        filename: "winmail.dat",
        cte: Cte::Base64,
        bytes,
    }
}

fn tnef_forms() -> Vec<Form> {
    vec![
        |n, _| {
            tnef_att(tnef(&[tnef_attr(
                1,
                0x0006_9003,
                &mapi_props(&[(0x001f, 0x3001, vec![utf16le(n)])]),
            )]))
        },
        |_, e| {
            tnef_att(tnef(&[tnef_attr(
                2,
                0x0006_9005,
                &mapi_props(&[(0x001f, 0x3707, vec![utf16le(&format!("mail {e} now"))])]),
            )]))
        },
        |n, _| {
            tnef_att(tnef(&[tnef_attr(
                2,
                0x0006_800f,
                &zip_of(&[("a.txt", format!("from {n}").as_bytes())], true),
            )]))
        },
        |n, _| {
            tnef_att(tnef(&[tnef_attr(
                1,
                0x0006_9003,
                &mapi_props(&[(0x001f, 0x8005, vec![utf16le(n)])]),
            )]))
        },
        |n, _| {
            tnef_att(tnef(&[tnef_attr(
                1,
                0x0006_9003,
                &mapi_props(&[(0x101f, 0x8010, vec![utf16le("Bob"), utf16le(n)])]),
            )]))
        },
        |_, e| {
            tnef_att(tnef(&[tnef_attr(
                2,
                0x0006_800f,
                &gzip(format!("to: {e}").as_bytes()),
            )]))
        },
    ]
}

fn vcard(ctype: &'static str, filename: &'static str, cte: Cte, lines: &str) -> Att {
    Att {
        ctype,
        filename,
        cte,
        bytes: format!("BEGIN:VCARD\nVERSION:3.0\n{lines}END:VCARD\n").into_bytes(),
    }
}

fn vcard_forms() -> Vec<Form> {
    vec![
        |n, _| {
            let (a, b) = split2(n);
            vcard(
                "text/vcard",
                "contact.vcf",
                Cte::SevenBit,
                &format!("FN:{a}\n {b}\n"),
            )
        },
        |n, _| {
            let (f, l) = first_last(n);
            vcard(
                "text/x-vcard",
                "contact.vcf",
                Cte::Base64,
                &format!("N:{l};{f};;;\nFN:Contact\n"),
            )
        },
        |n, _| {
            vcard(
                "application/octet-stream",
                "contact.vcf",
                Cte::Base64,
                &format!("NOTE;ENCODING=QUOTED-PRINTABLE:call {}\n", qp_all(n)),
            )
        },
        |n, _| {
            let (a, b) = split2(n);
            vcard(
                "text/vcard",
                "contact.vcf",
                Cte::SevenBit,
                &format!("FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:{a}=\n{b}\n"),
            )
        },
        |_, e| {
            let (a, b) = e.split_at(5);
            vcard(
                "text/vcard",
                "contact.vcf",
                Cte::Base64,
                &format!("EMAIL;TYPE=work:{a}\n {b}\n"),
            )
        },
    ]
}

fn ics(ctype: &'static str, cte: Cte, lines: &str) -> Att {
    Att {
        ctype,
        filename: "invite.ics",
        cte,
        bytes: format!(
            "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\n{lines}END:VEVENT\nEND:VCALENDAR\n"
        )
        .into_bytes(),
    }
}

fn ics_forms() -> Vec<Form> {
    vec![
        |n, _| {
            let (a, b) = split2(n);
            ics(
                "text/calendar",
                Cte::SevenBit,
                &format!("ATTENDEE;CN={a}\n {b}:mailto:bob@corp.example\n"),
            )
        },
        |_, e| {
            let (a, b) = e.split_at(6);
            ics(
                "text/calendar",
                Cte::Base64,
                &format!("ORGANIZER;CN=Org:mailto:{a}\n {b}\n"),
            )
        },
        |n, _| {
            let (f, l) = first_last(n);
            ics(
                "text/calendar",
                Cte::SevenBit,
                &format!("DESCRIPTION:Meeting with {f}\\n{l}\n"),
            )
        },
        |n, _| {
            ics(
                "application/octet-stream",
                Cte::Base64,
                &format!("SUMMARY;ENCODING=QUOTED-PRINTABLE:{}\n", qp_all(n)),
            )
        },
        |_, e| {
            let (a, b) = e.split_at(9);
            ics(
                "text/calendar",
                Cte::SevenBit,
                &format!("DESCRIPTION:write to {a}\n\t{b} today\n"),
            )
        },
    ]
}

fn eml_att(ctype: &'static str, filename: &'static str, bytes: Vec<u8>) -> Att {
    Att {
        ctype,
        filename,
        cte: Cte::Base64,
        bytes,
    }
}

fn eml_forms() -> Vec<Form> {
    vec![
        |n, _| {
            eml_att(
                "application/octet-stream",
                "fwd.eml",
                inner_eml(
                    &format!("{} <x@corp.example>", word_q("utf-8", n.as_bytes())),
                    "Content-Type: text/plain\n",
                    "hello",
                ),
            )
        },
        |_, e| {
            let body = base64_lines(format!("write to {e}\n").as_bytes(), 76);
            eml_att(
                "application/octet-stream",
                "fwd.eml",
                inner_eml(
                    "x@corp.example",
                    "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n",
                    &body,
                ),
            )
        },
        |n, _| {
            let inner = inner_eml(
                "x@corp.example",
                "Content-Type: text/plain\n",
                &format!("signed {n}"),
            );
            eml_att(
                "application/zip",
                "mails.zip",
                zip_of(&[("old/fwd.eml", inner.as_slice())], true),
            )
        },
        |n, _| {
            let deepest = inner_eml(
                "y@corp.example",
                "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n",
                &base64_lines(format!("from {n}").as_bytes(), 76),
            );
            let mid_body = format!(
                "--m\nContent-Type: text/plain\n\nsee below\n--m\nContent-Type: application/octet-stream; name=\"a.eml\"\nContent-Transfer-Encoding: base64\n\n{}\n--m--",
                base64_lines(&deepest, 76)
            );
            let mid = inner_eml(
                "x@corp.example",
                "Content-Type: multipart/mixed; boundary=\"m\"\n",
                &mid_body,
            );
            eml_att("application/octet-stream", "fwd.eml", mid)
        },
        |_, e| {
            let inner = inner_eml(
                "x@corp.example",
                "Content-Type: text/plain\n",
                &format!("cc {e}"),
            );
            eml_att("application/gzip", "fwd.eml.gz", gzip(&inner))
        },
    ]
}

/// Every family: its name and forms.
fn families() -> Vec<(&'static str, Vec<Form>)> {
    vec![
        ("docx", docx_forms()),
        ("xlsx", xlsx_forms()),
        ("odt", odt_forms()),
        ("zip", zip_forms()),
        ("gzip", gzip_forms()),
        ("pdf", pdf_forms()),
        ("rtf", rtf_forms()),
        ("tnef", tnef_forms()),
        ("vcard", vcard_forms()),
        ("ics", ics_forms()),
        ("eml", eml_forms()),
    ]
}

/// A message (LF) with a text body and `att` as its second part.
fn message(label: &str, att: &Att) -> Vec<u8> {
    let (cte, body) = match att.cte {
        Cte::Base64 => ("base64", base64_lines(&att.bytes, 76)),
        Cte::SevenBit => (
            "7bit",
            String::from_utf8(att.bytes.clone()).expect("7bit attachments are ASCII"),
        ),
    };
    assert!(att.cte == Cte::Base64 || att.bytes.is_ascii(), "{label}");
    format!(
        "From: Alice Sender <alice@corp.example>\nTo: Bob Receiver <bob@corp.example>\n\
         Subject: document {label}\nMessage-ID: <{label}@corp.example>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=us-ascii\n\n\
         See the attachment.\n--b1\nContent-Type: {ct}; name=\"{file}\"\n\
         Content-Disposition: attachment; filename=\"{file}\"\nContent-Transfer-Encoding: {cte}\n\n{body}\n--b1--\n",
        ct = att.ctype,
        file = att.filename,
    )
    .into_bytes()
}

/// One generated case.
struct Case {
    label: String,
    planted: bool,
    message: Vec<u8>,
}

fn cases(eol_crlf: bool) -> Vec<Case> {
    let mut out = Vec::new();
    for (family, forms) in families() {
        assert!(forms.len() >= 5, "{family}");
        for (i, form) in forms.iter().enumerate() {
            for planted in [true, false] {
                let att = if planted {
                    form(NAME, EMAIL)
                } else {
                    form(DECOY_NAME, DECOY_EMAIL)
                };
                let label = format!("{family}-{i}-{}", if planted { "planted" } else { "decoy" });
                let lf = message(&label, &att);
                let message = if eol_crlf { crlf(&lf) } else { lf };
                out.push(Case {
                    label,
                    planted,
                    message,
                });
            }
        }
    }
    out
}

fn mbox(cases: &[Case], eol: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in cases {
        out.extend_from_slice(
            format!("From alice@corp.example Tue Nov 14 22:13:20 2023{eol}").as_bytes(),
        );
        out.extend_from_slice(&c.message);
        out.extend_from_slice(eol.as_bytes());
    }
    out
}

// ---- the tests' own readers --------------------------------------------

/// Lower-cased, every run of white space (and NBSP) one space.
fn normal(s: &str) -> String {
    s.to_lowercase()
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// RTF with control words dropped, `\'xx` (Latin-1) and `\uN` decoded.
fn rtf_text(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '{' | '}' => {}
            '\\' => match it.next() {
                Some('\'') => {
                    let h: String = it.by_ref().take(2).collect();
                    if let Ok(v) = u8::from_str_radix(&h, 16) {
                        out.push(v as char);
                    }
                }
                Some('~') => out.push(' '),
                Some(w) if w.is_ascii_alphabetic() => {
                    let mut word = w.to_string();
                    while it.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                        word.push(it.next().unwrap());
                    }
                    let mut num = String::new();
                    while it.peek().is_some_and(|c| c.is_ascii_digit() || *c == '-') {
                        num.push(it.next().unwrap());
                    }
                    if it.peek() == Some(&' ') {
                        it.next();
                    }
                    if word == "u" {
                        if let Some(ch) = num.parse::<u32>().ok().and_then(char::from_u32) {
                            out.push(ch);
                        }
                        it.next();
                    }
                    if word == "par" {
                        out.push(' ');
                    }
                }
                Some(other) => out.push(other),
                None => {}
            },
            other => out.push(other),
        }
    }
    out
}

/// vCard / iCalendar text: unfolded, QP soft breaks joined and decoded,
/// escapes undone, `N` reordered.
fn directory_text(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b).replace("\r\n", "\n");
    let unfolded = s.replace("=\n", "").replace("\n ", "").replace("\n\t", "");
    let mut out = String::new();
    for line in unfolded.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some((head, value)) = line.split_once(':') {
            let value = if head.to_ascii_uppercase().contains("QUOTED-PRINTABLE") {
                String::from_utf8_lossy(&crate::support::encode::qp_decode(value.as_bytes()))
                    .into_owned()
            } else {
                value.to_owned()
            };
            let value = value
                .replace("\\n", "\n")
                .replace("\\,", ",")
                .replace("\\;", ";");
            if head.eq_ignore_ascii_case("N") {
                let f: Vec<&str> = value.split(';').collect();
                out.push_str(&format!("{} {}\n", f.get(1).unwrap_or(&""), f[0]));
            }
            out.push_str(&value);
            out.push('\n');
        }
    }
    out
}

/// XML with tags removed by nothing and by a space, references decoded.
fn xml_texts(b: &[u8]) -> Vec<String> {
    let s = String::from_utf8_lossy(b);
    let mut views = Vec::new();
    for sep in ["", " "] {
        let mut out = String::new();
        let mut in_tag = false;
        for c in s.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    out.push_str(sep);
                }
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        views.push(crate::support::encode::html_unescape(&out));
    }
    views.push(crate::support::encode::html_unescape(&s));
    views
}

/// UTF-16LE text of `b` at both alignments.
fn utf16_views(b: &[u8]) -> Vec<String> {
    (0..2)
        .map(|off| {
            let units: Vec<u16> = b[off.min(b.len())..]
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            // The tests' identifiers are ASCII: anything else is a break.
            String::from_utf16_lossy(&units)
                .chars()
                .map(|c| if c.is_ascii() { c } else { ' ' })
                .collect()
        })
        .collect()
}

/// Every text an independent reader finds in attachment bytes `b`, recursively.
fn views_of(b: &[u8], depth: usize, out: &mut Vec<String>) {
    out.push(String::from_utf8_lossy(b).into_owned());
    if depth > 6 {
        return;
    }
    out.extend(utf16_views(b));
    out.extend(xml_texts(b));
    out.push(rtf_text(b));
    out.push(directory_text(b));
    // Archives and gzip streams embedded anywhere (a TNEF attribute).
    for magic in [&b"PK\x03\x04"[..], &[0x1f, 0x8b, 8]] {
        let at = b.windows(magic.len()).position(|w| w == magic);
        if let Some(at) = at.filter(|&at| at > 0) {
            views_of(&b[at..], depth + 1, out);
        }
    }
    if zipread::is_zip(b) {
        for e in zipread::entries(b) {
            out.push(e.name.clone());
            views_of(&e.data, depth + 1, out);
        }
    }
    if b.starts_with(&[0x1f, 0x8b]) {
        let mut d = Vec::new();
        let _ = flate2::read::MultiGzDecoder::new(b)
            .take(64 << 20)
            .read_to_end(&mut d);
        views_of(&d, depth + 1, out);
    }
    if pdfread::is_pdf(b) {
        out.extend(pdfread::texts(b));
    }
    if let Ok(m) = mailparse::parse_mail(b)
        && !m.headers.is_empty()
    {
        message_views(&m, depth + 1, out);
    }
}

/// Every text mailparse and the readers find in a parsed message.
fn message_views(m: &mailparse::ParsedMail<'_>, depth: usize, out: &mut Vec<String>) {
    for h in &m.headers {
        out.push(h.get_value());
    }
    if m.subparts.is_empty()
        && let Ok(body) = m.get_body_raw()
    {
        views_of(&body, depth + 1, out);
    }
    for p in &m.subparts {
        message_views(p, depth, out);
    }
}

/// The identifier forms found by the independent readers in `msg`.
fn traces(msg: &[u8]) -> Vec<String> {
    let mut views = vec![String::from_utf8_lossy(msg).into_owned()];
    if let Ok(m) = mailparse::parse_mail(msg) {
        message_views(&m, 0, &mut views);
    }
    let needles = [normal(NAME), EMAIL.to_owned()];
    let mut found = BTreeSet::new();
    for v in &views {
        let v = normal(v);
        for n in &needles {
            // Whole words only: `Janet Doe` and `.community` are not traces.
            let whole = v.match_indices(n.as_str()).any(|(i, _)| {
                let before = v[..i].chars().next_back();
                let after = v[i + n.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            });
            if whole {
                found.insert(n.clone());
            }
        }
    }
    found.into_iter().collect()
}

/// The messages of an mbox, split on its `From ` lines.
fn split_mbox(b: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for line in b.split_inclusive(|&c| c == b'\n') {
        if line.starts_with(b"From ") {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            last.extend_from_slice(line);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ---- the tests ----------------------------------------------------------

#[test]
fn readers_find_every_planted_form_and_no_decoy() {
    for c in cases(false) {
        let t = traces(&c.message);
        // A decoy may contain `Doe, Jane`-like text only when planted.
        assert_eq!(!t.is_empty(), c.planted, "{}: {t:?}", c.label);
    }
}

#[test]
fn attachments_scan_flags_exactly_the_planted() {
    for (crlf_eol, eol) in [(false, "\n"), (true, "\r\n")] {
        let cases = cases(crlf_eol);
        let w = Work::new();
        w.write("in.mbox", &mbox(&cases, eol));
        w.request(REQUEST);
        let (_, report) = scan_json(&w, "request.toml", "in.mbox", &[]);
        let flagged: BTreeSet<u64> = report
            .messages
            .iter()
            .map(|m| m["index"].as_u64().expect("index"))
            .collect();
        let mut wrong = Vec::new();
        for (i, c) in cases.iter().enumerate() {
            if flagged.contains(&(i as u64)) != c.planted {
                wrong.push(c.label.clone());
            }
        }
        assert!(wrong.is_empty(), "eol {eol:?}: wrongly judged: {wrong:?}");
    }
}

/// The manifest's removals of message `index`.
fn removals_of(manifest: &Value, index: u64) -> Vec<Value> {
    manifest["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .filter(|r| r["index"].as_u64() == Some(index))
        .cloned()
        .collect()
}

#[test]
fn attachments_scrub_stubs_and_leaves_no_trace() {
    for (crlf_eol, eol) in [(false, "\n"), (true, "\r\n")] {
        let cases = cases(crlf_eol);
        let w = Work::new();
        w.write("in", &mbox(&cases, eol));
        let req = w.request(REQUEST);
        let run = w.scrub(&req, &["--manifest", "manifest.json"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let out = w.read("out").expect("output");
        let manifest = read_manifest(&w.path("manifest.json"));
        // No trace anywhere in the output.
        for (i, m) in split_mbox(&out).iter().enumerate() {
            let t = traces(m);
            assert!(t.is_empty(), "eol {eol:?}: output message {i} holds {t:?}");
        }
        for (i, c) in cases.iter().enumerate() {
            let removals = removals_of(&manifest, i as u64);
            if !c.planted {
                assert!(removals.is_empty(), "{}: {removals:?}", c.label);
                assert!(contains(&out, &c.message), "{}: decoy changed", c.label);
                continue;
            }
            let actions: Vec<&str> = removals
                .iter()
                .filter_map(|r| r["action"].as_str())
                .collect();
            // Every binary part of a redacted message is stubbed; a text-like
            // one (RTF, vCard, iCalendar) is stubbed too, its hit being one
            // that only extraction reveals.
            assert_eq!(
                actions,
                ["redact", "drop-attachment"],
                "{}: {removals:?}",
                c.label
            );
            let drop = &removals[1];
            assert_eq!(drop["part"], "2", "{}: {drop}", c.label);
            assert!(
                drop["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{drop}"
            );
        }
    }
}

#[test]
fn keep_policy_deletes_a_message_whose_attachment_holds_a_hit() {
    let all = cases(false);
    let picked: Vec<&Case> = all
        .iter()
        .filter(|c| {
            [
                "docx-0-planted",
                "pdf-2-planted",
                "tnef-0-planted",
                "docx-0-decoy",
            ]
            .contains(&c.label.as_str())
        })
        .collect();
    let w = Work::new();
    let mut input = Vec::new();
    for c in &picked {
        input.extend_from_slice(b"From alice@corp.example Tue Nov 14 22:13:20 2023\n");
        input.extend_from_slice(&c.message);
        input.push(b'\n');
    }
    w.write("in", &input);
    let req = w.request(&format!(
        "{REQUEST}[policy]\nbinary_attachments = \"keep\"\n"
    ));
    let run = w.scrub(&req, &["--manifest", "manifest.json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let manifest = read_manifest(&w.path("manifest.json"));
    for (i, c) in picked.iter().enumerate() {
        let removals = removals_of(&manifest, i as u64);
        if !c.planted {
            assert!(removals.is_empty());
            continue;
        }
        assert_eq!(removals.len(), 1, "{}: {removals:?}", c.label);
        assert_eq!(removals[0]["action"], "delete", "{}", c.label);
        let reason = removals[0]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("left after redaction") && reason.contains("part 2"),
            "{}: {reason}",
            c.label
        );
    }
    let out = w.read("out").expect("output");
    assert_eq!(split_mbox(&out).len(), 1);
}

// ---- decompression bombs -------------------------------------------------

/// A raw deflate stream of `mib` MiB of zeros: one fully flushed block of
/// 1 MiB repeated (each flush resets the compressor, so they are alike).
fn deflate_zeros(mib: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let chunk = |c: &mut flate2::Compress, input: &[u8], flush| {
        let mut out = Vec::with_capacity(64 << 10);
        c.compress_vec(input, &mut out, flush).expect("deflate");
        out
    };
    let first = chunk(&mut c, &zeros, flate2::FlushCompress::Full);
    let second = chunk(&mut c, &zeros, flate2::FlushCompress::Full);
    let third = chunk(&mut c, &zeros, flate2::FlushCompress::Full);
    assert_eq!(second, third, "full flushes repeat");
    let mut out = first;
    for _ in 1..mib {
        out.extend_from_slice(&second);
    }
    out.extend(chunk(&mut c, &[], flate2::FlushCompress::Finish));
    out
}

/// A zip of one deflated entry: 1 GiB of zeros.
fn zip_bomb(deflated: &[u8]) -> Vec<u8> {
    let size: u32 = 1 << 30;
    let name = b"zeros.bin";
    let mut local = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00".to_vec();
    local.extend_from_slice(&0u32.to_le_bytes());
    local.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
    local.extend_from_slice(&size.to_le_bytes());
    local.extend_from_slice(&(name.len() as u16).to_le_bytes());
    local.extend_from_slice(&0u16.to_le_bytes());
    local.extend_from_slice(name);
    local.extend_from_slice(deflated);
    let cd_offset = local.len() as u32;
    let mut cd = b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00".to_vec();
    cd.extend_from_slice(&0u32.to_le_bytes());
    cd.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
    cd.extend_from_slice(&size.to_le_bytes());
    cd.extend_from_slice(&(name.len() as u16).to_le_bytes());
    cd.extend_from_slice(&[0u8; 12]);
    cd.extend_from_slice(&0u32.to_le_bytes());
    cd.extend_from_slice(name);
    let mut out = local;
    let cd_len = cd.len() as u32;
    out.extend(cd);
    out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn gzip_bomb(deflated: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend_from_slice(deflated);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out
}

fn pdf_bomb(deflated: &[u8]) -> Vec<u8> {
    let mut z = vec![0x78, 0xda];
    z.extend_from_slice(deflated);
    z.extend_from_slice(&[0, 0, 0, 1]);
    pdf_page(z, " /Filter /FlateDecode", None)
}

#[test]
fn decompression_bombs_fail_closed_fast_in_bounded_memory() {
    let deflated = deflate_zeros(1024);
    assert!(deflated.len() < 4 << 20, "{}", deflated.len());
    let bombs: Vec<(&str, Att)> = vec![
        ("zip", zip_att(zip_bomb(&deflated))),
        ("gzip", gz_att("zeros.gz", gzip_bomb(&deflated))),
        ("pdf", pdf_att(pdf_bomb(&deflated), Cte::Base64)),
    ];
    for (label, att) in &bombs {
        let w = Work::new();
        w.write("in", &message(label, att));
        w.request(REQUEST);
        let started = std::time::Instant::now();
        // 1 GiB of address space: an unbounded inflate of the bomb cannot fit.
        let bin = std::path::Path::new(env!("CARGO_BIN_EXE_mailscrub"));
        let status = std::process::Command::new("sh")
            .current_dir(w.root())
            .arg("-c")
            .arg(format!(
                "ulimit -v 1048576; exec '{}' scrub --subjects request.toml in -o out --manifest manifest.json --max-message-size 16M",
                bin.display()
            ))
            .output()
            .expect("run");
        let elapsed = started.elapsed();
        assert_eq!(
            status.status.code(),
            Some(0),
            "{label}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        assert!(elapsed.as_secs() < 60, "{label}: took {elapsed:?}");
        let manifest = read_manifest(&w.path("manifest.json"));
        let removals = removals_of(&manifest, 0);
        assert_eq!(removals.len(), 1, "{label}: {removals:?}");
        assert_eq!(removals[0]["action"], "delete", "{label}");
        let reason = removals[0]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("expands past the size limit"),
            "{label}: {reason}"
        );
        let (_, report) = scan_json(&w, "request.toml", "in", &["--max-message-size", "16M"]);
        assert_eq!(report.messages.len(), 1, "{label}: scan plans the deletion");
    }
}

#[test]
fn text_like_attachments_are_redacted_when_the_rewriter_can_else_stubbed() {
    let plain_card = vcard(
        "text/vcard",
        "contact.vcf",
        Cte::SevenBit,
        &format!("FN:{NAME}\nEMAIL:{EMAIL}\n"),
    );
    let folded_card = vcard_forms()[0](NAME, EMAIL);
    let escaped_rtf = rtf_forms()[2](NAME, EMAIL);
    let plain_ics = ics(
        "text/calendar",
        Cte::Base64,
        &format!("SUMMARY:call {NAME}\n"),
    );
    // (attachment, stubbed?)
    let cases = [
        (plain_card, false),
        (folded_card, true),
        (escaped_rtf, true),
        (plain_ics, false),
    ];
    for eol in ["\n", "\r\n"] {
        let w = Work::new();
        let mut input = Vec::new();
        for (i, (att, _)) in cases.iter().enumerate() {
            let m = message(&format!("text-like-{i}"), att);
            input.extend_from_slice(
                format!("From alice@corp.example Tue Nov 14 22:13:20 2023{eol}").as_bytes(),
            );
            input.extend_from_slice(&if eol == "\n" { m } else { crlf(&m) });
            input.extend_from_slice(eol.as_bytes());
        }
        w.write("in", &input);
        let req = w.request(REQUEST);
        let run = w.scrub(&req, &["--manifest", "manifest.json"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let manifest = read_manifest(&w.path("manifest.json"));
        let out = w.read("out").expect("output");
        let messages = split_mbox(&out);
        assert_eq!(messages.len(), cases.len());
        for (i, (_, stubbed)) in cases.iter().enumerate() {
            let actions: Vec<String> = removals_of(&manifest, i as u64)
                .iter()
                .filter_map(|r| r["action"].as_str().map(str::to_owned))
                .collect();
            let want: &[&str] = if *stubbed {
                &["redact", "drop-attachment"]
            } else {
                &["redact"]
            };
            assert_eq!(actions, want, "case {i} eol {eol:?}");
            assert!(traces(&messages[i]).is_empty(), "case {i}");
            if !stubbed {
                let text = mailparse::parse_mail(&messages[i]).expect("parse").subparts[1]
                    .get_body()
                    .expect("body");
                assert!(text.contains("[erased]"), "case {i}: {text}");
            }
        }
    }
}

#[test]
fn archives_nested_too_deeply_fail_closed() {
    for (levels, deleted) in [(7, false), (12, true)] {
        let mut data = b"nothing to see".to_vec();
        for _ in 0..levels {
            data = zip_of(&[("inner.zip", data.as_slice())], false);
        }
        let w = Work::new();
        w.write("in", &message("deep", &zip_att(data)));
        let req = w.request(REQUEST);
        let run = w.scrub(&req, &["--manifest", "manifest.json"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let removals = removals_of(&read_manifest(&w.path("manifest.json")), 0);
        if !deleted {
            assert!(removals.is_empty(), "{levels}: {removals:?}");
            continue;
        }
        assert_eq!(removals.len(), 1, "{levels}: {removals:?}");
        assert_eq!(removals[0]["action"], "delete");
        let reason = removals[0]["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("nest deeper than 8 levels"), "{reason}");
    }
}
