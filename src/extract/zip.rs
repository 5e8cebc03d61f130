//! Zip archives, and the OOXML (`.docx .xlsx .pptx`) and ODF (`.odt .ods`)
//! documents built on them: every entry, its name too, XML entries read as
//! XML, other entries opened as formats of their own or searched as text.

use std::io::Cursor;

use super::{Attachment, Budget, Exceeded, Piece, inflate, member, xml};

/// Gives the entry names and the contents of every entry of the archive
/// `bytes` (decompressed within `budget`) to `sink`. An archive the zip
/// reader refuses gives nothing: its raw bytes are searched by the caller.
pub(super) fn extract(
    bytes: &[u8],
    budget: &mut Budget,
    depth: usize,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    let Ok(mut archive) = ::zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index(i) else {
            continue;
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        names.extend_from_slice(name.as_bytes());
        names.push(b'\n');
        if entry.is_dir() {
            continue;
        }
        let Some(data) = inflate::read_bounded(entry, budget)? else {
            continue;
        };
        let lower = name.to_ascii_lowercase();
        let is_xml = [".xml", ".rels", ".vml"].iter().any(|e| lower.ends_with(e))
            || xml::looks_like_xml(&data);
        if is_xml {
            for text in xml::texts(&data) {
                sink(Piece::Text(text.as_bytes()));
            }
        } else {
            let inner = Attachment {
                bytes: &data,
                content_type: "",
                name: &name,
            };
            member(&inner, budget, depth, sink)?;
        }
    }
    budget.charge(names.len() as u64)?;
    sink(Piece::Text(&names));
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::super::{Attachment, MAX_DEPTH};
    use super::super::{Budget, Exceeded, Piece, extract as open};

    fn build(entries: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
        let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let method = if deflate {
            ::zip::CompressionMethod::Deflated
        } else {
            ::zip::CompressionMethod::Stored
        };
        let opts = ::zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn all(bytes: &[u8], limit: u64) -> (String, Result<(), Exceeded>) {
        let mut out = String::new();
        let mut budget = Budget::new(limit);
        let att = Attachment {
            bytes,
            content_type: "",
            name: "",
        };
        let r = open(&att, &mut budget, 0, &mut |p| {
            let (Piece::Text(t) | Piece::Message(t)) = p;
            out.push_str(&String::from_utf8_lossy(t));
            out.push('|');
        });
        (out, r)
    }

    #[test]
    fn entries_names_and_split_runs() {
        let doc = build(
            &[
                (
                    "word/document.xml",
                    b"<w:t>Ja</w:t><w:t>ne Doe</w:t>".as_slice(),
                ),
                ("notes/Jane Roe.txt", b"plain text"),
            ],
            true,
        );
        let (t, r) = all(&doc, 1 << 20);
        assert_eq!(r, Ok(()));
        assert!(t.contains("Jane Doe"), "{t}");
        assert!(t.contains("notes/Jane Roe.txt") && t.contains("plain text"));
    }

    #[test]
    fn nested_archives_and_bounds() {
        let inner = build(&[("a.txt", b"Jane Doe".as_slice())], false);
        let outer = build(&[("inner.zip", inner.as_slice())], true);
        let (t, r) = all(&outer, 1 << 20);
        assert_eq!(r, Ok(()));
        assert!(t.contains("Jane Doe"));
        let bomb = build(&[("zeros", vec![0u8; 4 << 20].as_slice())], true);
        assert!(bomb.len() < 64 << 10);
        assert_eq!(all(&bomb, 1 << 20).1, Err(Exceeded::Size));
        let mut deep = b"Jane Doe".to_vec();
        for _ in 0..=MAX_DEPTH {
            deep = build(&[("x.zip", deep.as_slice())], false);
        }
        assert_eq!(all(&deep, 1 << 20).1, Err(Exceeded::Depth));
        assert_eq!(all(b"PK\x03\x04garbage", 1 << 20), (String::new(), Ok(())));
    }
}
