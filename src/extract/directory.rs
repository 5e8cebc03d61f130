//! vCard and iCalendar (RFC 6350, RFC 5545, vCard 2.1): folded lines
//! joined, quoted-printable values decoded (with their soft line breaks),
//! `CHARSET` parameters applied, `\,` `\;` `\\` `\n` escapes undone, and a
//! structured name `N:Family;Given;Middle` also given as `Given Middle
//! Family` and `Given Family`.

/// The searchable text of a vCard or iCalendar file: for every property
/// line, the line unfolded as written (parameters like `CN="…"` included),
/// then its decoded value.
pub(super) fn text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    let lines = logical_lines(bytes);
    for line in &lines {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
        let Some(colon) = find_value_colon(line) else {
            continue;
        };
        let (head, value) = (&line[..colon], &line[colon + 1..]);
        let head_up = String::from_utf8_lossy(head).to_ascii_uppercase();
        let value = if head_up.contains("QUOTED-PRINTABLE") {
            crate::text::qp::decode_lenient(value)
        } else {
            value.to_vec()
        };
        let charset = head_up
            .split(';')
            .find_map(|p| p.strip_prefix("CHARSET="))
            .and_then(|cs| encoding_rs::Encoding::for_label(cs.trim_matches('"').as_bytes()));
        let value = match charset {
            Some(enc) => enc.decode_without_bom_handling(&value).0.into_owned(),
            None => String::from_utf8_lossy(&value).into_owned(),
        };
        let name = head_up.split(';').next().unwrap_or_default();
        let name = name.rsplit('.').next().unwrap_or(name);
        if name == "N" {
            let f: Vec<String> = value.split(';').map(unescape).collect();
            let get = |i: usize| f.get(i).map(String::as_str).unwrap_or_default();
            for form in [
                format!("{} {} {}", get(1), get(2), get(0)),
                format!("{} {}", get(1), get(0)),
                format!("{}, {}", get(0), get(1)),
            ] {
                out.push_str(&form);
                out.push('\n');
            }
        }
        out.push_str(&unescape(&value));
        out.push('\n');
    }
    out
}

/// The logical lines: a line starting with a space or tab continues the one
/// before (the break and that one character removed); a quoted-printable
/// line ending with `=` goes on on the next line.
fn logical_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut qp_soft = false;
    for raw in bytes.split(|&b| b == b'\n') {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let folded = matches!(raw.first(), Some(b' ' | b'\t'));
        match lines.last_mut() {
            Some(last) if folded => last.extend_from_slice(&raw[1..]),
            Some(last) if qp_soft => {
                last.extend_from_slice(b"\r\n");
                last.extend_from_slice(raw);
            }
            _ => lines.push(raw.to_vec()),
        }
        let last = lines.last().map(Vec::as_slice).unwrap_or_default();
        qp_soft = last.ends_with(b"=")
            && String::from_utf8_lossy(last)
                .to_ascii_uppercase()
                .contains("QUOTED-PRINTABLE");
    }
    lines
}

/// The colon that ends a property's name and parameters (not one inside a
/// quoted parameter value).
fn find_value_colon(line: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in line.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// A text value with its backslash escapes undone.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_escapes_and_quoted_printable() {
        let card = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;Jane;;;\r\nNOTE;ENCODING=QUOTED-PRINTABLE:call J=\r\nane D=6Fe\r\nORG:Doe\\, Jane\r\nFN:Ja\r\n ne Doe\r\nEND:VCARD\r\n";
        let t = text(card);
        assert!(t.contains("\nJane Doe\n"), "{t}");
        assert!(t.contains("call Jane Doe"), "{t}");
        assert!(t.contains("Doe, Jane"), "{t}");
        let ics = b"BEGIN:VCALENDAR\nATTENDEE;CN=\"Doe, Jane\":mailto:j@example.com\nDESCRIPTION:Jane\\nDoe\n";
        let t = text(ics);
        assert!(t.contains("CN=\"Doe, Jane\""));
        assert!(t.contains("Jane\nDoe"));
        let latin = b"FN;CHARSET=ISO-8859-1:Zo\xeb\n";
        assert!(text(latin).contains("Zoë"));
    }
}
