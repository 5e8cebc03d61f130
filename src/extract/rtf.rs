//! The text of an RTF document: control words dropped, `\'xx` bytes read in
//! the document's code page (`\ansicpg`, default windows-1252), `\uN`
//! characters decoded with their `\ucN` fallbacks skipped, `\binN` data
//! skipped.

/// The text of the RTF document `rtf`.
pub(super) fn text(rtf: &[u8]) -> String {
    let mut r = Reader {
        out: String::with_capacity(rtf.len() / 2),
        pending: Vec::new(),
        codepage: encoding_rs::WINDOWS_1252,
    };
    // The `\ucN` value of each open group; the fallback bytes still to skip.
    let mut uc: Vec<usize> = vec![1];
    let mut skip = 0usize;
    let mut i = 0;
    while let Some(&b) = rtf.get(i) {
        i += 1;
        match b {
            b'{' => uc.push(uc.last().copied().unwrap_or(1)),
            b'}' => {
                if uc.len() > 1 {
                    uc.pop();
                }
                skip = 0;
            }
            b'\\' => {
                let Some(&c) = rtf.get(i) else { break };
                if c == b'\'' {
                    let hex = rtf.get(i + 1..i + 3).unwrap_or_default();
                    i += 1 + hex.len();
                    let byte = std::str::from_utf8(hex)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match (byte, skip) {
                        (_, s) if s > 0 => skip -= 1,
                        (Some(v), _) => r.pending.push(v),
                        (None, _) => {}
                    }
                } else if c.is_ascii_alphabetic() {
                    let (word, param, len) = control_word(rtf.get(i..).unwrap_or_default());
                    i += len;
                    match word {
                        b"u" => {
                            let code = param.unwrap_or(0);
                            let code = if code < 0 { code + 65536 } else { code };
                            r.flush();
                            if let Some(ch) = u32::try_from(code).ok().and_then(char::from_u32) {
                                r.out.push(ch);
                            }
                            skip = uc.last().copied().unwrap_or(1);
                        }
                        b"uc" => {
                            if let Some(last) = uc.last_mut() {
                                *last = usize::try_from(param.unwrap_or(1)).unwrap_or(1);
                            }
                        }
                        b"ansicpg" => {
                            r.flush();
                            r.codepage = codepage(param.unwrap_or(1252));
                        }
                        b"bin" => {
                            i += usize::try_from(param.unwrap_or(0)).unwrap_or(0);
                        }
                        b"par" | b"line" | b"tab" | b"cell" | b"row" | b"sect" | b"page" => {
                            r.pending.push(b' ');
                        }
                        _ => {}
                    }
                } else {
                    i += 1;
                    match c {
                        b'~' => r.pending.push(b' '),
                        b'_' => r.pending.push(b'-'),
                        b'\n' | b'\r' => r.pending.push(b' '),
                        b'-' | b'*' => {}
                        other => r.pending.push(other),
                    }
                }
            }
            b'\r' | b'\n' => {}
            _ if skip > 0 => skip -= 1,
            other => r.pending.push(other),
        }
    }
    r.flush();
    r.out
}

/// The encoding of a Windows code page number (windows-1252 if unknown).
fn codepage(cp: i64) -> &'static encoding_rs::Encoding {
    let label = match cp {
        932 => "shift_jis".to_owned(),
        936 => "gbk".to_owned(),
        949 => "euc-kr".to_owned(),
        950 => "big5".to_owned(),
        10000 => "macintosh".to_owned(),
        65001 => "utf-8".to_owned(),
        20866 => "koi8-r".to_owned(),
        28591..=28599 => format!("iso-8859-{}", cp - 28590),
        n => format!("windows-{n}"),
    };
    encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::WINDOWS_1252)
}

/// The text being built: decoded characters, and bytes waiting for the code
/// page (a multi-byte character's `\'xx` escapes must be decoded together).
struct Reader {
    out: String,
    pending: Vec<u8>,
    codepage: &'static encoding_rs::Encoding,
}

impl Reader {
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let (text, _, _) = self.codepage.decode(&self.pending);
            self.out.push_str(&text);
            self.pending.clear();
        }
    }
}

/// The control word at the start of `rest` (after its backslash): its
/// letters, its numeric parameter, and the length eaten (a delimiting space
/// included).
fn control_word(rest: &[u8]) -> (&[u8], Option<i64>, usize) {
    let letters = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let word = rest.get(..letters).unwrap_or_default();
    let mut len = letters;
    let neg = rest.get(len) == Some(&b'-');
    let digits_from = len + usize::from(neg);
    let digits = rest
        .get(digits_from..)
        .unwrap_or_default()
        .iter()
        .take(10)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let mut param = None;
    if digits > 0 {
        let s = std::str::from_utf8(
            rest.get(digits_from..digits_from + digits)
                .unwrap_or_default(),
        )
        .unwrap_or("0");
        let v: i64 = s.parse().unwrap_or(0);
        param = Some(if neg { -v } else { v });
        len = digits_from + digits;
    }
    if rest.get(len) == Some(&b' ') {
        len += 1;
    }
    (word, param, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_control_words() {
        let rtf = br"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}\f0\fs20 Zo\'eb M\u252?ller, J\u97\'3fne\par D\b oe\b0  \'4a\'61ne}";
        let t = text(rtf);
        assert!(t.contains("Zoë Müller"), "{t}");
        assert!(t.contains("Jane D"), "{t}");
        assert!(t.contains("oe Jane"), "{t}");
        let t = text(br"{\rtf1\uc2\u19968\'88\'ea x}");
        assert_eq!(t.trim(), "\u{4e00} x");
        let t = text(br"{\rtf1\ansicpg932 \'93\'fa}");
        assert_eq!(t.trim(), "日");
        assert_eq!(text(br"{\rtf1 a\bin3 xyzb}").trim(), "ab");
    }
}
