//! The international planted subject (an accented and a CJK name on one
//! subject), the forms real mail writes its identifiers in, its near misses,
//! and text in the charsets those forms are written in.

use super::rng::Rng;
use super::text::Person;

/// The international subject's request id.
pub const ID: &str = "REQ-2026-0043";
/// Its address.
pub const EMAIL: &str = "zoe.brueckner@example.de";
/// Its accented name.
pub const NAME: &str = "Zoë Brückner";
/// Its CJK name.
pub const NAME_CJK: &str = "佐藤健二";
/// Its phone number (Berlin).
pub const PHONE: &str = "+49 30 2345 6789";
/// Its case number.
pub const TERM: &str = "ÜBW-44718";

/// Display names it writes in address fields, each found by the default
/// `[matching]` (exact, inverted, transliterated, folded, middle name, CJK).
const DISPLAY: &[&str] = &[
    "Zoë Brückner",
    "Brückner, Zoë",
    "Zoe Brueckner",
    "Zoë M. Brückner",
    "佐藤健二",
    "ZOË BRÜCKNER",
    "Zoe Bruckner",
];

/// Sentences naming the subject in one of the recall forms: exact, inverted,
/// transliterated, middle name, joined (`Zoe_Brueckner_2019`), CJK with and
/// without a following kana, national, call-prefix and trunk-prefix phones,
/// spelt and `+tag` addresses, the term in lower case.
const MENTIONS: &[&str] = &[
    "Rückfrage von Zoë Brückner zur Akte ÜBW-44718, bitte heute noch.",
    "Brückner, Zoë (Vertrieb Berlin) bittet um Rückruf unter +49 30 2345 6789.",
    "Zoe Brueckner ist erreichbar unter 030 2345 6789, ab 14 Uhr.",
    "Dr. Zoë M. Brückner übernimmt die Akte übw-44718 ab Montag.",
    "Antwort bitte an zoe.brueckner at example dot de, nicht an die Sammeladresse.",
    "Ablage: Zoe_Brueckner_2019/Vertrag.pdf",
    "Tel. 0049 30 23456789 (Frau Brueckner), Kopie an Zoe.Brueckner+akte@Example.DE",
    "佐藤健二様より、ÜBW-44718 の件でご連絡がありました。",
    "担当：佐藤健二（zoe.brueckner@example.de）",
    "ZOË BRÜCKNER, +49 (0)30 2345-6789",
];

/// Sentences close to the subject that must stay untouched: another first
/// name, a longer surname, other domains, another phone, another CJK given
/// name, another case number.
const NEAR_MISSES: &[&str] = &[
    "Chloë Brückner hat die Unterlagen geschickt.",
    "Frau Zoë Brücknerová ruft morgen an.",
    "Kopie an zoe.brueckner@example.com und zoe.brueckner@example.de.vu bitte.",
    "Zentrale: +49 30 2345 6780.",
    "佐藤健一さんにも共有してください。",
    "Vorgang ÜBW-44781 ist erledigt.",
    "Chloe Brueckner, 030 2345 6780",
];

/// Encoded subject lines: charset and text.
const SUBJECTS: &[(&str, &str)] = &[
    ("UTF-8", "Anfrage von Zoë Brückner – Grüße"),
    ("ISO-2022-JP", "佐藤健二様からのお問い合わせ"),
    ("ISO-8859-1", "Rückruf: Brückner, Zoë"),
    ("Shift_JIS", "佐藤健二様 ご連絡"),
    ("ISO-8859-2", "Zoë Brückner – prośba o kontakt"),
];

/// Attachment file names (without extension) that carry the subject.
pub const FILE_STEMS: &[&str] = &["ÜBW-44718", "Zoe_Brueckner_Vertrag", "佐藤健二_見積書"];

/// `text` in the charset `label`, if every character fits (`us-ascii` and
/// `iso-8859-1` strictly; any other label through encoding_rs).
pub fn encode(label: &str, text: &str) -> Option<Vec<u8>> {
    match label.to_ascii_lowercase().as_str() {
        "us-ascii" => text.is_ascii().then(|| text.as_bytes().to_vec()),
        "utf-8" => Some(text.as_bytes().to_vec()),
        "iso-8859-1" => super::text::to_latin1(text),
        other => {
            let encoding = encoding_rs::Encoding::for_label(other.as_bytes())?;
            let (bytes, _, errors) = encoding.encode(text);
            (!errors).then(|| bytes.into_owned())
        }
    }
}

/// A random sentence of `sentences` that fits `charset` (every charset
/// holds at least one ASCII sentence).
fn pick_in(rng: &mut Rng, sentences: &[&'static str], charset: &str) -> &'static str {
    let fitting: Vec<&'static str> = sentences
        .iter()
        .copied()
        .filter(|s| encode(charset, s).is_some())
        .collect();
    fitting[rng.index(fitting.len())]
}

/// A mention of the subject that fits `charset`.
pub fn mention_text(rng: &mut Rng, charset: &str) -> &'static str {
    pick_in(rng, MENTIONS, charset)
}

/// A near miss that fits `charset`.
pub fn near_miss_text(rng: &mut Rng, charset: &str) -> &'static str {
    pick_in(rng, NEAR_MISSES, charset)
}

/// A mention of the subject encoded in `charset`.
pub fn mention(rng: &mut Rng, charset: &str) -> Vec<u8> {
    let text = mention_text(rng, charset);
    encode(charset, text).unwrap_or_default()
}

/// A near miss encoded in `charset`.
pub fn near_miss(rng: &mut Rng, charset: &str) -> Vec<u8> {
    let text = near_miss_text(rng, charset);
    encode(charset, text).unwrap_or_default()
}

/// The subject as a correspondent, under one of its display names.
pub fn person(rng: &mut Rng) -> Person {
    Person {
        name: rng.pick(DISPLAY).to_owned(),
        email: if rng.percent(20) {
            "Zoe.Brueckner@Example.DE".to_owned()
        } else {
            EMAIL.to_owned()
        },
    }
}

/// An RFC 2047 encoded subject line naming the subject.
pub fn encoded_subject(rng: &mut Rng) -> Vec<u8> {
    let (charset, text) = SUBJECTS[rng.index(SUBJECTS.len())];
    let bytes = encode(charset, text).unwrap_or_else(|| text.as_bytes().to_vec());
    if charset.starts_with("ISO-8859") && rng.percent(50) {
        super::encode::word_q(charset, &bytes)
    } else {
        super::encode::word_b(charset, &bytes)
    }
}

/// An HTML paragraph naming the subject with character references, so that
/// it fits a part in any charset.
pub const HTML: &str = "<p>Ansprechpartnerin: <a href=\"mailto:zoe.brueckner@example.de\">Zo&euml; Br&uuml;ckner</a> (&#20304;&#34276;&#20581;&#20108;)</p>\n";
