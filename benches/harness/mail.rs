//! Synthetic messages: headers, MIME structure, attachments, and the planted
//! data subject hidden in about 1% of them, spread over the encodings.

use super::date;
use super::encode;
use super::intl;
use super::rng::Rng;
use super::text::{self, Charset, Cte, Person};

/// The planted data subject's request id.
pub const PLANTED_ID: &str = "REQ-2026-0042";
/// The planted data subject's address.
pub const PLANTED_EMAIL: &str = "jane.doe@example.com";
/// The planted data subject's name.
pub const PLANTED_NAME: &str = "Jane Doe";
/// The planted data subject's phone number.
pub const PLANTED_PHONE: &str = "+44 20 7946 0018";
/// The planted data subject's customer number.
pub const PLANTED_TERM: &str = "CUST-88231";

/// Where and how the planted subject appears in an affected message.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Plant {
    /// `From:` with a plain display name.
    Sender,
    /// `From:` with an RFC 2047 Q-encoded display name.
    EncodedSender,
    /// One of the `To:` addresses.
    Recipient,
    /// One of the `Cc:` addresses.
    Cc,
    /// Named in a base64 RFC 2047 `Subject:`.
    EncodedSubject,
    /// Mentioned in a 7bit/8bit text body.
    PlainBody,
    /// Mentioned in a UTF-8 quoted-printable body.
    QpBody,
    /// Mentioned in an ISO-8859-1 quoted-printable body.
    Latin1QpBody,
    /// Mentioned in a base64 text body.
    Base64Body,
    /// Mentioned in the HTML alternative only.
    Html,
    /// Mentioned in a base64 text attachment.
    TextAttachment,
    /// The customer number in an attachment's file name.
    AttachmentName,
}

/// Plants in rotation, so that even a small corpus has each kind.
pub const PLANTS: [Plant; 12] = [
    Plant::Sender,
    Plant::PlainBody,
    Plant::Recipient,
    Plant::QpBody,
    Plant::EncodedSubject,
    Plant::Base64Body,
    Plant::Cc,
    Plant::Latin1QpBody,
    Plant::EncodedSender,
    Plant::Html,
    Plant::TextAttachment,
    Plant::AttachmentName,
];

/// The international subject's plants in rotation; a body plant is written
/// in the charset and transfer encoding the message draws anyway.
pub const INTL_PLANTS: [Plant; 12] = [
    Plant::Sender,
    Plant::PlainBody,
    Plant::Recipient,
    Plant::EncodedSubject,
    Plant::Cc,
    Plant::PlainBody,
    Plant::EncodedSender,
    Plant::Html,
    Plant::PlainBody,
    Plant::TextAttachment,
    Plant::Recipient,
    Plant::AttachmentName,
];

/// Sentences naming the planted subject.
pub const MENTIONS: &[&str] = &[
    "As discussed with Jane Doe, account CUST-88231 will be closed.",
    "You can reach Jane Doe on +44 20 7946 0018 after five.",
    "Please forward this to jane.doe@example.com when you can.",
    "Ticket CUST-88231: customer called from +44 20 7946 0018 twice.",
];

/// Sentences that look close to the planted subject but are someone else.
pub const NEAR_MISSES: &[&str] = &[
    "Janet Doe asked about account CUST-88213 again.",
    "Copy jane.doe@example.org and J. Doe on the reply.",
    "The switchboard is +44 20 7946 0019.",
];

/// What the caller needs to know about a generated message.
pub struct Generated {
    /// The planted subjects (ASCII, international) appear in it.
    pub planted: [bool; 2],
    /// The envelope sender (for the mbox `From ` line).
    pub sender: String,
}

/// The shape of one message, drawn before it is written.
struct Plan {
    plant: Option<Plant>,
    intl: Option<Plant>,
    near_miss: bool,
    charset: &'static Charset,
    cte: Cte,
    html: bool,
    attachments: Vec<u64>,
    text_len: usize,
}

/// Generates messages no larger than `max_message` bytes.
pub struct MailGen {
    rng: Rng,
    /// Draws of the international plants, apart from `rng` so that the
    /// other messages come out as before they existed.
    intl: Rng,
    max_message: u64,
    planted: usize,
    intl_planted: usize,
    scratch: Vec<u8>,
}

impl MailGen {
    /// A generator drawing from `rng`, and from `intl` for the
    /// international subject's plants.
    pub fn new(rng: Rng, intl: Rng, max_message: u64) -> Self {
        MailGen {
            rng,
            intl,
            max_message,
            planted: 0,
            intl_planted: 0,
            scratch: Vec::new(),
        }
    }

    /// Appends one message to `out`, lines ended by `eol`. `owner` is the
    /// mailbox owner: the sender when `sent`, else a recipient.
    pub fn message(
        &mut self,
        owner: &Person,
        sent: bool,
        time: u64,
        eol: &[u8],
        out: &mut Vec<u8>,
    ) -> Generated {
        let plan = self.plan();
        let from = match (plan.plant, plan.intl) {
            (Some(Plant::Sender | Plant::EncodedSender), _) => planted_person(),
            (_, Some(Plant::Sender | Plant::EncodedSender)) => intl::person(&mut self.intl),
            _ if sent => Person {
                name: owner.name.clone(),
                email: owner.email.clone(),
            },
            _ => text::person(&mut self.rng),
        };
        let to = if sent {
            text::person(&mut self.rng)
        } else {
            Person {
                name: owner.name.clone(),
                email: owner.email.clone(),
            }
        };
        self.headers(&plan, &from, &to, time, eol, out);
        self.body(&plan, eol, out);
        Generated {
            planted: [plan.plant.is_some(), plan.intl.is_some()],
            sender: from.email,
        }
    }

    /// Draws the shape of the next message.
    fn plan(&mut self) -> Plan {
        let rng = &mut self.rng;
        let plant = rng.percent(1).then(|| {
            self.planted += 1;
            PLANTS[self.planted % PLANTS.len()]
        });
        let intl = self.intl.percent(1).then(|| {
            self.intl_planted += 1;
            intl_slot(plant, INTL_PLANTS[self.intl_planted % INTL_PLANTS.len()])
        });
        let (charset, cte) = match plant {
            Some(Plant::QpBody) => (text::utf8(), Cte::QuotedPrintable),
            Some(Plant::Latin1QpBody) => (text::latin1(), Cte::QuotedPrintable),
            Some(Plant::Base64Body) => (text::utf8(), Cte::Base64),
            Some(Plant::PlainBody) => (text::utf8(), Cte::EightBit),
            _ => text::pick_charset(rng),
        };
        let text_cap = (self.max_message / 64).min(48 << 10);
        let text_len = rng.log_size(300, text_cap, 1.6) as usize;
        let mut attachments = Vec::new();
        let attachment_plant =
            |p: Option<Plant>| matches!(p, Some(Plant::TextAttachment | Plant::AttachmentName));
        if rng.percent(20) || attachment_plant(plant) || attachment_plant(intl) {
            let count = if rng.percent(15) { 2 } else { 1 };
            let cap = self.max_message * 85 / 100 * 57 / 78 / count;
            attachments = (0..count)
                .map(|_| rng.log_size(4 << 10, cap, 2.5))
                .collect();
        }
        Plan {
            plant,
            intl,
            near_miss: rng.percent(2),
            charset,
            cte,
            html: rng.percent(15) || plant == Some(Plant::Html) || intl == Some(Plant::Html),
            attachments,
            text_len,
        }
    }

    /// Writes the header section, up to and excluding the MIME headers.
    fn headers(
        &mut self,
        plan: &Plan,
        from: &Person,
        to: &Person,
        time: u64,
        eol: &[u8],
        out: &mut Vec<u8>,
    ) {
        let rng = &mut self.rng;
        let date = date::rfc5322(time);
        let id = rng.next_u64();
        let from_domain = from.email.rsplit('@').next().unwrap_or("example.org");
        header(
            out,
            eol,
            "Return-Path",
            format!("<{}>", from.email).as_bytes(),
        );
        let received = format!(
            "from mail.{from_domain} (mail.{from_domain} [192.0.2.{}]){eol_fold}by mx.corp.example with ESMTPS id {id:016x};{eol_fold}{date}",
            rng.range(1, 254),
            eol_fold = String::from_utf8_lossy(eol) + "\t",
        );
        header(out, eol, "Received", received.as_bytes());
        header(out, eol, "Date", date.as_bytes());
        let encoded_sender =
            plan.plant == Some(Plant::EncodedSender) || plan.intl == Some(Plant::EncodedSender);
        header(out, eol, "From", &address(rng, from, encoded_sender));
        let mut to_line = address(rng, to, false);
        if plan.plant == Some(Plant::Recipient) {
            to_line.extend_from_slice(b", ");
            to_line.extend(address(rng, &planted_person(), false));
        }
        if plan.intl == Some(Plant::Recipient) {
            to_line.extend_from_slice(b", ");
            let person = intl::person(&mut self.intl);
            to_line.extend(address(&mut self.intl, &person, false));
        }
        header(out, eol, "To", &to_line);
        let mut cc_line = (plan.plant == Some(Plant::Cc) || rng.percent(25)).then(|| {
            let cc = if plan.plant == Some(Plant::Cc) {
                planted_person()
            } else {
                text::person(rng)
            };
            address(rng, &cc, false)
        });
        if plan.intl == Some(Plant::Cc) {
            let line = cc_line.get_or_insert_with(Vec::new);
            if !line.is_empty() {
                line.extend_from_slice(b", ");
            }
            let person = intl::person(&mut self.intl);
            line.extend(address(&mut self.intl, &person, false));
        }
        if let Some(cc) = cc_line {
            header(out, eol, "Cc", &cc);
        }
        let subject = match plan.plant {
            Some(Plant::EncodedSubject) => encode::word_b(
                "UTF-8",
                format!("Anfrage von {PLANTED_NAME} – Grüße").as_bytes(),
            ),
            _ if plan.intl == Some(Plant::EncodedSubject) => intl::encoded_subject(&mut self.intl),
            _ => {
                let subject = text::subject(rng);
                encoded_text(rng, &subject)
            }
        };
        header(out, eol, "Subject", &subject);
        header(
            out,
            eol,
            "Message-ID",
            format!("<{id:016x}.{}@{from_domain}>", rng.below(1 << 20)).as_bytes(),
        );
        if rng.percent(30) {
            header(
                out,
                eol,
                "X-Mailer",
                rng.pick(&[
                    "Thunderbird 115.3",
                    "Microsoft Outlook 16.0",
                    "Apple Mail (2.3731)",
                ])
                .as_bytes(),
            );
        }
        header(out, eol, "MIME-Version", b"1.0");
    }

    /// Writes the MIME headers and body.
    fn body(&mut self, plan: &Plan, eol: &[u8], out: &mut Vec<u8>) {
        let mut plain = Vec::with_capacity(plan.text_len + 200);
        let in_plain = matches!(
            plan.plant,
            Some(Plant::PlainBody | Plant::QpBody | Plant::Latin1QpBody | Plant::Base64Body)
        );
        self.prose_with_mentions(plan, in_plain, &mut plain);
        let alternative = plan.html.then(|| self.html(plan, &plain));
        if plan.attachments.is_empty() {
            return self.text_or_alternative(plan, &plain, alternative.as_deref(), eol, out);
        }
        let boundary = format!("----=_Part_{:012x}", self.rng.next_u64() >> 16);
        header(
            out,
            eol,
            "Content-Type",
            format!(
                "multipart/mixed;{}\tboundary=\"{boundary}\"",
                String::from_utf8_lossy(eol)
            )
            .as_bytes(),
        );
        out.extend_from_slice(eol);
        line(out, eol, b"This is a multi-part message in MIME format.");
        delimiter(out, eol, &boundary);
        self.text_or_alternative(plan, &plain, alternative.as_deref(), eol, out);
        for (i, &size) in plan.attachments.iter().enumerate() {
            out.extend_from_slice(eol);
            delimiter(out, eol, &boundary);
            match (plan.plant, plan.intl) {
                (Some(Plant::TextAttachment), _) if i == 0 => self.text_attachment(eol, out),
                (_, Some(Plant::TextAttachment)) if i == 0 => {
                    let mut notes = Vec::new();
                    text::prose(&mut self.intl, text::utf8(), 600, &mut notes);
                    notes.extend(intl::mention(&mut self.intl, "utf-8"));
                    notes_attachment(notes, eol, out);
                }
                (plant, intl_plant) => {
                    let stem = if i > 0 {
                        None
                    } else if plant == Some(Plant::AttachmentName) {
                        Some(PLANTED_TERM)
                    } else if intl_plant == Some(Plant::AttachmentName) {
                        Some(self.intl.pick(intl::FILE_STEMS))
                    } else {
                        None
                    };
                    self.binary_attachment(size, stem, eol, out);
                }
            }
        }
        out.extend_from_slice(eol);
        line(out, eol, format!("--{boundary}--").as_bytes());
    }

    /// The plain text of the message, with planted or near-miss sentences
    /// (the international ones in the part's charset).
    fn prose_with_mentions(&mut self, plan: &Plan, planted: bool, out: &mut Vec<u8>) {
        let head = self.rng.index(plan.text_len);
        text::prose(&mut self.rng, plan.charset, head, out);
        if planted {
            out.extend_from_slice(self.rng.pick(MENTIONS).as_bytes());
            out.push(b'\n');
        }
        if plan.intl == Some(Plant::PlainBody) {
            out.extend(intl::mention(&mut self.intl, plan.charset.name));
            out.push(b'\n');
        }
        if plan.near_miss {
            out.extend_from_slice(self.rng.pick(NEAR_MISSES).as_bytes());
            out.push(b'\n');
            if self.intl.percent(50) {
                out.extend(intl::near_miss(&mut self.intl, plan.charset.name));
                out.push(b'\n');
            }
        }
        text::prose(&mut self.rng, plan.charset, plan.text_len - head, out);
    }

    /// An HTML rendering of `plain`, naming the subject if the plan says so.
    fn html(&mut self, plan: &Plan, plain: &[u8]) -> Vec<u8> {
        let mut html = b"<html><body>\n<p>".to_vec();
        for line in plain.split(|&b| b == b'\n') {
            if line.is_empty() {
                html.extend_from_slice(b"</p>\n<p>");
            } else {
                html.extend_from_slice(line);
                html.extend_from_slice(b"<br>\n");
            }
        }
        if plan.plant == Some(Plant::Html) {
            let mention =
                format!("<p>Contact <a href=\"mailto:{PLANTED_EMAIL}\">{PLANTED_NAME}</a>.</p>\n");
            html.extend_from_slice(mention.as_bytes());
        }
        if plan.intl == Some(Plant::Html) {
            html.extend_from_slice(intl::HTML.as_bytes());
        }
        html.extend_from_slice(b"</p>\n</body></html>\n");
        html
    }

    /// Writes the text part, or a multipart/alternative of text and HTML.
    fn text_or_alternative(
        &mut self,
        plan: &Plan,
        plain: &[u8],
        html: Option<&[u8]>,
        eol: &[u8],
        out: &mut Vec<u8>,
    ) {
        let Some(html) = html else {
            return text_part(out, eol, "text/plain", plan.charset.name, plan.cte, plain);
        };
        let boundary = format!("----=_Alt_{:012x}", self.rng.next_u64() >> 16);
        header(
            out,
            eol,
            "Content-Type",
            format!("multipart/alternative; boundary=\"{boundary}\"").as_bytes(),
        );
        out.extend_from_slice(eol);
        delimiter(out, eol, &boundary);
        text_part(out, eol, "text/plain", plan.charset.name, plan.cte, plain);
        out.extend_from_slice(eol);
        delimiter(out, eol, &boundary);
        let html_cte = if plan.cte == Cte::SevenBit {
            Cte::SevenBit
        } else {
            Cte::QuotedPrintable
        };
        text_part(out, eol, "text/html", plan.charset.name, html_cte, html);
        out.extend_from_slice(eol);
        line(out, eol, format!("--{boundary}--").as_bytes());
    }

    /// A base64 `notes.txt` attachment that names the planted subject.
    fn text_attachment(&mut self, eol: &[u8], out: &mut Vec<u8>) {
        let mut notes = Vec::new();
        text::prose(&mut self.rng, text::utf8(), 600, &mut notes);
        notes.extend_from_slice(self.rng.pick(MENTIONS).as_bytes());
        notes_attachment(notes, eol, out);
    }

    /// A base64 binary attachment of `size` bytes, named `stem` if given.
    fn binary_attachment(&mut self, size: u64, stem: Option<&str>, eol: &[u8], out: &mut Vec<u8>) {
        let (mime, ext, magic) = ATTACHMENT_TYPES[self.rng.index(ATTACHMENT_TYPES.len())];
        let stem = stem.unwrap_or_else(|| self.rng.pick(FILE_STEMS));
        let name = format!("{stem}.{ext}");
        attachment_headers(out, eol, mime, &name);
        out.extend_from_slice(eol);
        let mut data = std::mem::take(&mut self.scratch);
        data.clear();
        data.extend_from_slice(magic);
        binary(&mut self.rng, size as usize, &mut data);
        encode::base64_lines(&data, eol, out);
        self.scratch = data;
    }
}

/// The international plant for a message whose ASCII plant is `ascii`: the
/// rotation's `wanted`, unless the ASCII plant already takes its place
/// (the sender, the subject line, the first attachment).
pub fn intl_slot(ascii: Option<Plant>, wanted: Plant) -> Plant {
    let from = |p: Plant| matches!(p, Plant::Sender | Plant::EncodedSender);
    let attachment = |p: Plant| matches!(p, Plant::TextAttachment | Plant::AttachmentName);
    match ascii {
        Some(a) if from(a) && from(wanted) => Plant::Recipient,
        Some(a)
            if (a == wanted && a == Plant::EncodedSubject)
                || (attachment(a) && attachment(wanted)) =>
        {
            Plant::PlainBody
        }
        _ => wanted,
    }
}

/// `notes` (UTF-8) as a base64 `notes.txt` attachment.
pub fn notes_attachment(mut notes: Vec<u8>, eol: &[u8], out: &mut Vec<u8>) {
    notes.extend_from_slice(b"\r\n");
    header(
        out,
        eol,
        "Content-Type",
        b"text/plain; charset=utf-8; name=\"notes.txt\"",
    );
    header(
        out,
        eol,
        "Content-Disposition",
        b"attachment; filename=\"notes.txt\"",
    );
    header(out, eol, "Content-Transfer-Encoding", b"base64");
    out.extend_from_slice(eol);
    encode::base64_lines(&crlf(&notes), eol, out);
}

/// The headers of a base64 attachment of type `mime` named `name`
/// (RFC 2047 and RFC 2231 encoded when not ASCII).
pub fn attachment_headers(out: &mut Vec<u8>, eol: &[u8], mime: &str, name: &str) {
    let params = if name.is_ascii() {
        format!("name=\"{name}\"")
    } else {
        format!(
            "name=\"{}\"",
            String::from_utf8_lossy(&encode::word_q("UTF-8", name.as_bytes()))
        )
    };
    let disposition = if name.is_ascii() {
        format!("filename=\"{name}\"")
    } else {
        format!("filename*=utf-8''{}", percent(name))
    };
    header(
        out,
        eol,
        "Content-Type",
        format!("{mime}; {params}").as_bytes(),
    );
    header(
        out,
        eol,
        "Content-Disposition",
        format!("attachment; {disposition}").as_bytes(),
    );
    header(out, eol, "Content-Transfer-Encoding", b"base64");
}

/// Attachment types: MIME type, extension, leading magic bytes.
const ATTACHMENT_TYPES: &[(&str, &str, &[u8])] = &[
    ("application/pdf", "pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        b"PK\x03\x04",
    ),
    ("application/zip", "zip", b"PK\x03\x04"),
];

/// Attachment file names (without extension).
const FILE_STEMS: &[&str] = &[
    "report",
    "scan_0042",
    "invoice-2019-03",
    "IMG_4821",
    "Angebot_Müller",
    "présentation",
    "contract-draft",
];

/// Appends `len` bytes that compress like real attachments: mostly
/// incompressible blocks, some low-entropy and some repetitive ones.
fn binary(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    let end = out.len() + len;
    while out.len() < end {
        let start = out.len();
        let block = (end - start).min(4096);
        out.resize(start + block, 0);
        let chunk = &mut out[start..];
        match rng.below(20) {
            0..=8 => rng.fill(chunk),
            9..=15 => {
                rng.fill(chunk);
                chunk.iter_mut().for_each(|b| {
                    *b = b"\x00\x01\x02\x03\x04\x08\x10\x20\x40\x80\xff\x7f\x3f\x1f\x0f\x07"
                        [usize::from(*b & 15)]
                });
            }
            _ => chunk
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = (i / 64) as u8),
        }
    }
}

/// The planted subject as a correspondent.
pub fn planted_person() -> Person {
    Person {
        name: PLANTED_NAME.to_owned(),
        email: PLANTED_EMAIL.to_owned(),
    }
}

/// A header field; `value` may contain folded continuation lines.
pub fn header(out: &mut Vec<u8>, eol: &[u8], name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(eol);
}

/// One line of text.
pub fn line(out: &mut Vec<u8>, eol: &[u8], text: &[u8]) {
    out.extend_from_slice(text);
    out.extend_from_slice(eol);
}

/// A MIME boundary delimiter line.
pub fn delimiter(out: &mut Vec<u8>, eol: &[u8], boundary: &str) {
    line(out, eol, format!("--{boundary}").as_bytes());
}

/// A complete text part: headers, blank line, encoded body.
pub fn text_part(out: &mut Vec<u8>, eol: &[u8], mime: &str, charset: &str, cte: Cte, text: &[u8]) {
    header(
        out,
        eol,
        "Content-Type",
        format!("{mime}; charset=\"{charset}\"").as_bytes(),
    );
    header(out, eol, "Content-Transfer-Encoding", cte.name().as_bytes());
    out.extend_from_slice(eol);
    match cte {
        Cte::SevenBit | Cte::EightBit => {
            for text_line in text
                .strip_suffix(b"\n")
                .unwrap_or(text)
                .split(|&b| b == b'\n')
            {
                line(out, eol, text_line);
            }
        }
        Cte::QuotedPrintable => {
            encode::quoted_printable(text, eol, out);
            out.extend_from_slice(eol);
        }
        Cte::Base64 => encode::base64_lines(&crlf(text), eol, out),
    }
}

/// An address with its display name, plain, quoted or RFC 2047 encoded.
pub fn address(rng: &mut Rng, person: &Person, force_encoded: bool) -> Vec<u8> {
    let mut out = if force_encoded || !person.name.is_ascii() {
        encoded_text(rng, &person.name)
    } else if rng.percent(20) {
        format!("\"{}\"", person.name).into_bytes()
    } else {
        person.name.clone().into_bytes()
    };
    out.extend_from_slice(format!(" <{}>", person.email).as_bytes());
    out
}

/// `text` as is when ASCII, else as an RFC 2047 word in UTF-8 or ISO-8859-1, B or Q.
fn encoded_text(rng: &mut Rng, text: &str) -> Vec<u8> {
    if text.is_ascii() && !rng.percent(5) {
        return text.as_bytes().to_vec();
    }
    let latin1 = text::to_latin1(text).filter(|_| rng.percent(40));
    let (charset, bytes) = match &latin1 {
        Some(bytes) => ("ISO-8859-1", bytes.as_slice()),
        None => ("UTF-8", text.as_bytes()),
    };
    if rng.percent(50) {
        encode::word_q(charset, bytes)
    } else {
        encode::word_b(charset, bytes)
    }
}

/// `text` with every `\n` turned into CRLF (canonical form before base64).
pub fn crlf(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 32);
    for &byte in text {
        if byte == b'\n' && !out.ends_with(b"\r") {
            out.push(b'\r');
        }
        out.push(byte);
    }
    out
}

/// RFC 2231 percent-encoding of a UTF-8 file name.
fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
