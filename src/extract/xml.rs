//! The text of an XML document (the parts of OOXML and ODF files), where
//! one word may be split over several elements (`<w:t>Ja</w:t></w:r><w:r><w:t>ne`).

/// How tags are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tags {
    /// Kept, so attribute values (`w:author="…"`) are searched.
    Kept,
    /// Removed, so runs split over elements join.
    Removed,
    /// Replaced by a space, so paragraphs stay apart.
    Spaced,
}

/// The three readings of `xml` searched, character references decoded in
/// each: tags kept, tags removed, tags replaced by a space.
pub(super) fn texts(xml: &[u8]) -> [String; 3] {
    [
        render(xml, Tags::Kept),
        render(xml, Tags::Removed),
        render(xml, Tags::Spaced),
    ]
}

/// True if `bytes` look like XML (after a BOM and white space, a `<`).
pub(super) fn looks_like_xml(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    b.trim_ascii_start().starts_with(b"<")
}

fn render(xml: &[u8], tags: Tags) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(xml.len() / 2);
    let mut i = 0;
    while let Some(&b) = xml.get(i) {
        match b {
            b'<' if tags != Tags::Kept => {
                let rest = xml.get(i..).unwrap_or_default();
                if let Some(body) = rest.strip_prefix(b"<![CDATA[") {
                    let end = memchr::memmem::find(body, b"]]>").unwrap_or(body.len());
                    out.extend_from_slice(body.get(..end).unwrap_or_default());
                    i += 9 + end + 3;
                    continue;
                }
                let end = memchr::memchr(b'>', rest).map_or(rest.len(), |e| e + 1);
                if tags == Tags::Spaced {
                    out.push(b' ');
                }
                i += end;
            }
            b'&' => {
                let rest = xml.get(i..).unwrap_or_default();
                match reference(rest) {
                    Some((c, len)) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        i += len;
                    }
                    None => {
                        out.push(b'&');
                        i += 1;
                    }
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The character of the reference at the start of `rest` (`&amp;`,
/// `&#74;`, `&#x4A;`) and its length.
fn reference(rest: &[u8]) -> Option<(char, usize)> {
    let semi = memchr::memchr(b';', rest.get(..12).unwrap_or(rest))?;
    let name = std::str::from_utf8(rest.get(1..semi)?).ok()?;
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_join_and_references_decode() {
        let xml = br#"<w:p><w:r><w:t>Ja</w:t></w:r><w:r><w:t>ne&#32;D&#x6F;e</w:t></w:r></w:p><w:p>x&amp;y</w:p><c w:author="Jane Doe"/><![CDATA[a<b]]>"#;
        let [kept, removed, spaced] = texts(xml);
        assert!(kept.contains(r#"w:author="Jane Doe""#));
        assert_eq!(removed, "Jane Doex&ya<b");
        assert!(spaced.contains("x&y") && spaced.contains("Ja"));
        assert!(looks_like_xml(b"\xef\xbb\xbf <?xml"));
        assert_eq!(reference(b"&bogus;"), None);
        assert_eq!(
            render(b"a & b &#xD800; c", Tags::Removed),
            "a & b &#xD800; c"
        );
    }
}
