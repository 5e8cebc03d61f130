//! End-to-end tests of [`super::redact`], judged by an independent MIME
//! decoder (`mailparse`).

use super::*;

/// A test finder: case-insensitive literal search over a list of strings;
/// a space in a needle matches any run of white space (NBSP included);
/// whole words where the needle starts or ends with an ASCII alphanumeric.
pub(crate) struct ListFinder(pub Vec<(String, IdKind)>);

impl ListFinder {
    /// Jane Doe and her address.
    pub fn standard() -> Self {
        ListFinder(vec![
            ("jane.doe@example.com".to_owned(), IdKind::Email),
            ("Jane Doe".to_owned(), IdKind::Name),
            ("山田太郎".to_owned(), IdKind::Name),
            ("Jürgen Müller".to_owned(), IdKind::Name),
        ])
    }

    /// The end of a match of `needle` at `start`, if any.
    fn match_at(text: &str, start: usize, needle: &str) -> Option<usize> {
        let mut t = text.get(start..)?.char_indices().peekable();
        for n in needle.chars() {
            if n == ' ' {
                let mut seen = false;
                while let Some(&(_, c)) = t.peek() {
                    if !c.is_whitespace() {
                        break;
                    }
                    seen = true;
                    t.next();
                }
                if !seen {
                    return None;
                }
                continue;
            }
            let (_, c) = t.next()?;
            if !c.to_lowercase().eq(n.to_lowercase()) {
                return None;
            }
        }
        Some(start + t.peek().map_or(text.len() - start, |&(i, _)| i))
    }
}

impl Finder for ListFinder {
    fn find(&self, text: &str) -> Vec<Found> {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
        let mut out = Vec::new();
        for (subject, (needle, kind)) in self.0.iter().enumerate() {
            let check_start = needle.starts_with(|c: char| c.is_ascii_alphanumeric());
            let check_end = needle.ends_with(|c: char| c.is_ascii_alphanumeric());
            for (start, _) in text.char_indices() {
                let Some(end) = Self::match_at(text, start, needle) else {
                    continue;
                };
                let before = text.get(..start).and_then(|s| s.chars().next_back());
                let after = text.get(end..).and_then(|s| s.chars().next());
                if (check_start && word(before)) || (check_end && word(after)) {
                    continue;
                }
                out.push(Found {
                    range: start..end,
                    subject,
                    kind: *kind,
                });
            }
        }
        out
    }
}
