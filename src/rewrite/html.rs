//! The visible-text view of HTML, mapped back to the source.
//!
//! Text between tags is linear text; character references are atomic
//! pieces standing for their character; block-level tags add a virtual line
//! break; inline tags add nothing, so `Jane <b>Doe</b>` reads `Jane Doe`.
//! Attribute values, comments and script/style contents are separate views
//! (a hit never spans from one into another).

use std::ops::Range;

use super::mapped::{Mapped, SegKind};

/// Tags that break the visible text.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// Named character references this view decodes (others stay literal).
const ENTITIES: &[(&str, &str)] = &[
    ("aacute", "á"),
    ("Aacute", "Á"),
    ("acirc", "â"),
    ("aelig", "æ"),
    ("AElig", "Æ"),
    ("agrave", "à"),
    ("amp", "&"),
    ("apos", "'"),
    ("aring", "å"),
    ("Aring", "Å"),
    ("atilde", "ã"),
    ("auml", "ä"),
    ("Auml", "Ä"),
    ("ccedil", "ç"),
    ("Ccedil", "Ç"),
    ("commat", "@"),
    ("copy", "©"),
    ("dash", "‐"),
    ("eacute", "é"),
    ("Eacute", "É"),
    ("ecirc", "ê"),
    ("egrave", "è"),
    ("euml", "ë"),
    ("gt", ">"),
    ("hellip", "…"),
    ("hyphen", "‐"),
    ("iacute", "í"),
    ("icirc", "î"),
    ("iuml", "ï"),
    ("laquo", "«"),
    ("ldquo", "“"),
    ("lowbar", "_"),
    ("lsquo", "‘"),
    ("lt", "<"),
    ("mdash", "—"),
    ("nbsp", "\u{a0}"),
    ("ndash", "–"),
    ("ntilde", "ñ"),
    ("Ntilde", "Ñ"),
    ("oacute", "ó"),
    ("ocirc", "ô"),
    ("oslash", "ø"),
    ("Oslash", "Ø"),
    ("ouml", "ö"),
    ("Ouml", "Ö"),
    ("period", "."),
    ("plus", "+"),
    ("quot", "\""),
    ("raquo", "»"),
    ("rdquo", "”"),
    ("reg", "®"),
    ("rsquo", "’"),
    ("shy", "\u{ad}"),
    ("szlig", "ß"),
    ("thinsp", "\u{2009}"),
    ("uacute", "ú"),
    ("ucirc", "û"),
    ("ugrave", "ù"),
    ("uuml", "ü"),
    ("Uuml", "Ü"),
    ("yacute", "ý"),
];

/// The views of an HTML document: the visible text first, then every
/// attribute value, comment, and script or style content.
pub(crate) fn views(html: &str) -> Vec<Mapped> {
    let b = html.as_bytes();
    let mut text = Mapped::default();
    let mut others = Vec::new();
    let mut i = 0;
    let mut run = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'<' if b
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || b"/!?".contains(n)) =>
            {
                push_text(&mut text, html, run..i);
                i = markup(html, i, &mut text, &mut others);
                run = i;
            }
            b'&' => match char_ref(b.get(i..).unwrap_or_default()) {
                Some((ch, len)) => {
                    push_text(&mut text, html, run..i);
                    text.push(&ch, i..i + len, SegKind::Atomic);
                    i += len;
                    run = i;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    push_text(&mut text, html, run..b.len());
    others.insert(0, text);
    others
}

/// Pushes plain source text as one linear segment.
fn push_text(m: &mut Mapped, html: &str, range: Range<usize>) {
    if let Some(t) = html.get(range.clone()) {
        m.push(t, range, SegKind::Linear);
    }
}

/// A separate view of `range` with character references decoded.
fn text_view(html: &str, range: Range<usize>) -> Mapped {
    let mut m = Mapped::default();
    let b = html.as_bytes();
    let mut run = range.start;
    let mut i = range.start;
    while i < range.end {
        if b.get(i) == Some(&b'&')
            && let Some((ch, len)) = char_ref(b.get(i..range.end).unwrap_or_default())
        {
            push_text(&mut m, html, run..i);
            m.push(&ch, i..i + len, SegKind::Atomic);
            i += len;
            run = i;
        } else {
            i += 1;
        }
    }
    push_text(&mut m, html, run..range.end);
    m
}

/// Handles the markup at `i` (`<` followed by a letter, `/`, `!` or `?`)
/// and returns the offset after it.
fn markup(html: &str, i: usize, text: &mut Mapped, others: &mut Vec<Mapped>) -> usize {
    let b = html.as_bytes();
    let rest = b.get(i..).unwrap_or_default();
    if let Some(end) = declaration(html, i, others) {
        return end;
    }
    let closing = rest.get(1) == Some(&b'/');
    let name_start = i + 1 + usize::from(closing);
    let mut j = name_start;
    while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric()) {
        j += 1;
    }
    let name = html
        .get(name_start..j)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let end = attributes(html, j, others);
    if BLOCK_TAGS.contains(&name.as_str()) {
        text.push("\n", i..i, SegKind::Virtual);
    }
    if !closing && (name == "script" || name == "style") {
        let content_end = find_close(b, end, name.as_bytes());
        others.push(text_view(html, end..content_end));
        return content_end;
    }
    end
}

/// Skips a comment (adding a view of it), a declaration or a processing
/// instruction at `i`: the offset after it; `None` when `i` starts a tag.
fn declaration(html: &str, i: usize, others: &mut Vec<Mapped>) -> Option<usize> {
    let b = html.as_bytes();
    let rest = b.get(i..).unwrap_or_default();
    if rest.starts_with(b"<!--") {
        let end = memchr::memmem::find(rest.get(4..).unwrap_or_default(), b"-->")
            .map_or(b.len(), |e| i + 4 + e);
        others.push(text_view(html, i + 4..end));
        return Some((end + 3).min(b.len()));
    }
    if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
        return Some(memchr::memchr(b'>', rest).map_or(b.len(), |e| i + e + 1));
    }
    None
}

/// Where `</name` (any case) starts at or after `from`, or the end.
fn find_close(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut pos = from;
    while let Some(e) = memchr::memmem::find(b.get(pos..).unwrap_or_default(), b"</") {
        let at = pos + e;
        let candidate = b.get(at + 2..at + 2 + name.len()).unwrap_or_default();
        if candidate.eq_ignore_ascii_case(name) {
            return at;
        }
        pos = at + 2;
    }
    b.len()
}

/// Reads attributes from `i` to the end of the tag, adding a view for each
/// value. Returns the offset after the tag's `>`.
fn attributes(html: &str, mut i: usize, others: &mut Vec<Mapped>) -> usize {
    let b = html.as_bytes();
    while let Some(&c) = b.get(i) {
        match c {
            b'>' => return i + 1,
            b'=' => {
                i += 1;
                while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                    i += 1;
                }
                let (start, end, next) = attribute_value(b, i);
                others.push(text_view(html, start..end));
                i = next;
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// The attribute value at `i` (quoted or not): where its text starts and
/// ends, and the offset after it.
fn attribute_value(b: &[u8], i: usize) -> (usize, usize, usize) {
    match b.get(i) {
        Some(&q @ (b'"' | b'\'')) => {
            let end = memchr::memchr(q, b.get(i + 1..).unwrap_or_default())
                .map_or(b.len(), |e| i + 1 + e);
            (i + 1, end, (end + 1).min(b.len()))
        }
        _ => {
            let mut end = i;
            while b
                .get(end)
                .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>')
            {
                end += 1;
            }
            (i, end, end)
        }
    }
}

/// Decodes a character reference at the start of `s` (`&...`): the text
/// it stands for and its length. Unknown names are not references.
fn char_ref(s: &[u8]) -> Option<(String, usize)> {
    let rest = s.get(1..)?;
    match rest.strip_prefix(b"#") {
        Some(num) => numeric_ref(s, num),
        None => named_ref(s, rest),
    }
}

/// The numeric character reference `s` (`num`: after its `&#`): its text
/// (U+FFFD for no character or NUL) and its length, `;` included.
fn numeric_ref(s: &[u8], num: &[u8]) -> Option<(String, usize)> {
    let (hex, digits_at) = match num.first() {
        Some(b'x' | b'X') => (true, 1),
        _ => (false, 0),
    };
    let digits = num.get(digits_at..)?;
    let n = digits
        .iter()
        .take_while(|c| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        })
        .count();
    if n == 0 || n > 8 {
        return None;
    }
    let value = u32::from_str_radix(
        std::str::from_utf8(digits.get(..n)?).ok()?,
        if hex { 16 } else { 10 },
    )
    .ok()?;
    let ch = char::from_u32(value)
        .filter(|&c| c != '\0')
        .unwrap_or('\u{FFFD}');
    let mut len = 2 + digits_at + n;
    if s.get(len) == Some(&b';') {
        len += 1;
    }
    Some((ch.to_string(), len))
}

/// The named character reference `s` (`rest`: after its `&`): its text and
/// its length, `;` included (only a few names may go without it).
fn named_ref(s: &[u8], rest: &[u8]) -> Option<(String, usize)> {
    let n = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let name = std::str::from_utf8(rest.get(..n)?).ok()?;
    let (_, text) = ENTITIES.iter().find(|(e, _)| *e == name)?;
    let mut len = 1 + n;
    if s.get(len) == Some(&b';') {
        len += 1;
    } else if !matches!(name, "amp" | "lt" | "gt" | "quot" | "nbsp") {
        return None;
    }
    Some(((*text).to_owned(), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_and_separate_views() {
        let html = "<p>Jane <b>Doe</b>&nbsp;x jane.doe&#64;ex&#x2E;com &amp &bogus;</p>\
                    <a href=\"mailto:a&commat;b\" title='T'>y</a><!-- c --><script>s</script>z";
        let v = views(html);
        assert_eq!(v[0].text, "\nJane Doe\u{a0}x jane.doe@ex.com & &bogus;\nyz");
        let others: Vec<&str> = v[1..].iter().map(|m| m.text.as_str()).collect();
        assert_eq!(others, ["mailto:a@b", "T", " c ", "s"]);
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for html in [
            "<",
            "<a href=\"x",
            "&#",
            "&#x110000;",
            "<!--",
            "<script>",
            "a < b",
            "<b",
        ] {
            let _ = views(html);
        }
        assert_eq!(views("a < b")[0].text, "a < b");
        assert_eq!(views("&#0;")[0].text, "\u{FFFD}");
    }
}
