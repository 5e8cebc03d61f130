//! Just enough HTML for matching: character references and tag removal.

/// HTML 4 names of U+00A0..=U+00FF, in code point order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Other named references that can appear in or around identifiers.
const OTHER: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("commat", '@'),
    ("period", '.'),
    ("hyphen", '-'),
    ("dash", '-'),
    ("lowbar", '_'),
    ("plus", '+'),
    ("num", '#'),
    ("percnt", '%'),
    ("lpar", '('),
    ("rpar", ')'),
    ("sol", '/'),
    ("colon", ':'),
    ("semi", ';'),
    ("comma", ','),
    ("excl", '!'),
    ("quest", '?'),
    ("equals", '='),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("ZeroWidthSpace", '\u{200B}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("ndash", '\u{2013}'),
    ("mdash", '\u{2014}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("ldquo", '\u{201C}'),
    ("rdquo", '\u{201D}'),
    ("OElig", 'Œ'),
    ("oelig", 'œ'),
    ("Scaron", 'Š'),
    ("scaron", 'š'),
    ("Zcaron", 'Ž'),
    ("zcaron", 'ž'),
    ("Yuml", 'Ÿ'),
];

fn named(name: &str) -> Option<char> {
    if let Some(i) = LATIN1.iter().position(|&n| n == name) {
        return char::from_u32(0xA0 + u32::try_from(i).ok()?);
    }
    OTHER.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)
}

/// Decodes character references: `&#64;`, `&#x40;` (the `;` may be missing),
/// and the named references above (with `;`). Unknown ones are kept as is.
pub(crate) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match reference(after) {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses a reference after `&`: the character and the bytes consumed.
fn reference(s: &str) -> Option<(char, usize)> {
    if let Some(num) = s.strip_prefix('#') {
        let (radix, digits_at) = match num.as_bytes().first() {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = &s[digits_at..];
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 || len > 8 {
            return None;
        }
        let code = u32::from_str_radix(&digits[..len], radix).ok()?;
        let c = char::from_u32(code).unwrap_or('\u{FFFD}');
        let semi = usize::from(digits[len..].starts_with(';'));
        return Some((c, digits_at + len + semi));
    }
    let len = s.find(|c: char| !c.is_ascii_alphanumeric())?;
    if len == 0 || !s[len..].starts_with(';') {
        return None;
    }
    named(&s[..len]).map(|c| (c, len + 1))
}

/// Inline elements: removing their tags must not separate words.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var", "wbr",
];

/// The text of an HTML document without its markup: inline tags are removed,
/// other tags and comments become a space; character references are decoded
/// afterwards. Text inside `<script>` and `<style>` is kept (it may hold data).
pub(crate) fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let Some((inline, used)) = tag(after) else {
            out.push('<');
            rest = after;
            continue;
        };
        if !inline {
            out.push(' ');
        }
        rest = &after[used..];
    }
    out.push_str(rest);
    decode_entities(&out)
}

/// Parses a tag or comment after `<`: whether it is inline, and the bytes consumed.
fn tag(s: &str) -> Option<(bool, usize)> {
    if let Some(comment) = s.strip_prefix("!--") {
        let end = comment.find("-->").map_or(s.len(), |i| 3 + i + 3);
        return Some((false, end));
    }
    let first = s.chars().next()?;
    if !(first.is_ascii_alphabetic() || matches!(first, '/' | '!' | '?')) {
        return None;
    }
    let end = s.find('>').map_or(s.len(), |i| i + 1);
    let name = s
        .trim_start_matches('/')
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("");
    let inline = INLINE.iter().any(|t| t.eq_ignore_ascii_case(name));
    Some((inline, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_references() {
        let cases: &[(&str, &str)] = &[
            ("jane.doe&#64;example.com", "jane.doe@example.com"),
            ("jane.doe&#x40;example.com", "jane.doe@example.com"),
            ("jane.doe&#X40;example.com", "jane.doe@example.com"),
            ("jane.doe&#64example.com", "jane.doe@example.com"),
            ("jane.doe&commat;example.com", "jane.doe@example.com"),
            ("Jane&nbsp;Doe", "Jane\u{A0}Doe"),
            ("Jos&eacute; &amp; Zo&euml;", "José & Zoë"),
            ("a &unknown; &amp b & c", "a &unknown; &amp b & c"),
            (
                "&#0;&#1114112;&#99999999999;",
                "\u{0}\u{FFFD}&#99999999999;",
            ),
            ("end &", "end &"),
        ];
        for (input, want) in cases {
            assert_eq!(decode_entities(input), *want, "{input}");
        }
    }

    #[test]
    fn strips_tags() {
        let cases: &[(&str, &str)] = &[
            ("Jane <b>Doe</b>", "Jane Doe"),
            ("J<span class=x>ane</span> Doe", "Jane Doe"),
            ("<td>Jane</td><td>Doe</td>", " Jane  Doe "),
            ("Jane<!-- x -->Doe", "Jane Doe"),
            ("Jane<br/>Doe", "Jane Doe"),
            ("a < b &lt;i&gt;", "a < b <i>"),
            ("unterminated <div", "unterminated  "),
        ];
        for (input, want) in cases {
            assert_eq!(strip_tags(input), *want, "{input}");
        }
    }
}
