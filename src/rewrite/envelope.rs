//! The mbox envelope line (`From sender date`).

use super::Finder;
use super::mapped::{self, Mapped};

/// Redacts an mbox envelope line (with or without its line ending). A hit
/// in the sender token replaces the whole token by [`EMAIL_MARKER`](super::EMAIL_MARKER); any
/// other hit becomes its usual marker. The `From ` prefix, the date and the
/// line ending stay. Returns `None` when nothing changed.
pub(crate) fn redact_envelope(line: &[u8], finder: &dyn Finder) -> Option<Vec<u8>> {
    let content = crate::mailbox::trim_eol(line);
    let mut mapped = Mapped::default();
    mapped.push_raw(content, 0);
    let mut hits = mapped::find(finder, &mapped);
    if hits.is_empty() {
        return None;
    }
    if let Some(rest) = mapped.text.strip_prefix("From ") {
        let start = 5 + rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let len = mapped
            .text
            .get(start..)
            .unwrap_or_default()
            .find([' ', '\t'])
            .unwrap_or(mapped.text.len() - start);
        let token = start..start + len;
        for hit in hits.iter_mut() {
            if hit.range.start < token.end && token.start < hit.range.end {
                hit.range = hit.range.start.min(token.start)..hit.range.end.max(token.end);
                hit.email = true;
            }
        }
        hits = mapped::merge(hits);
    }
    let edits = mapped::edits(&mapped, &hits, &mapped::plain_marker, &|_, t| {
        t.as_bytes().to_vec()
    });
    let mut out = mapped::apply(content, edits)?;
    out.extend_from_slice(line.get(content.len()..).unwrap_or_default());
    (out != line).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::super::tests::ListFinder;
    use super::*;

    #[test]
    fn envelope_token_and_other_hits() {
        let f = ListFinder::standard();
        for eol in ["", "\n", "\r\n"] {
            let line = format!("From jane.doe@example.com Mon Jan  1 00:00:00 2024{eol}");
            let want = format!("From erased@erased.invalid Mon Jan  1 00:00:00 2024{eol}");
            assert_eq!(
                redact_envelope(line.as_bytes(), &f).unwrap(),
                want.as_bytes()
            );
            let line =
                format!("From jdoe+tag@corp.example (Jane Doe) Mon Jan  1 00:00:00 2024{eol}");
            let got = redact_envelope(line.as_bytes(), &f).unwrap();
            let want =
                format!("From jdoe+tag@corp.example ([erased]) Mon Jan  1 00:00:00 2024{eol}");
            assert_eq!(got, want.as_bytes());
            let line = format!("From MAILER-DAEMON Mon Jan  1 00:00:00 2024{eol}");
            assert_eq!(redact_envelope(line.as_bytes(), &f), None);
        }
    }
}
