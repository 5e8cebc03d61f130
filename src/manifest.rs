//! The manifest: the account of a scrub, tied by blake3 hashes to the exact
//! input and output, holding no personal data.
//!
//! It records subject ids (ticket numbers), roles, actions, member paths,
//! counts and hashes; never an identifier, display name, header value or
//! subject line. Hashes of messages are the evidence; with a key
//! ([`ManifestKey`]) they are keyed blake3 hashes, unlinkable for whoever
//! lacks the key, and the manifest carries a MAC over its canonical content.
//! The format is documented in `docs/manifest.md`.

use std::fs;
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The `format` field of the manifests this version writes and reads.
pub(crate) const FORMAT_V1: &str = "mailscrub.manifest.v1";

/// blake3 `derive_key` context for the key that hashes messages.
const HASH_CONTEXT: &str = "mailscrub 2026-11-22 manifest message hash v1";
/// blake3 `derive_key` context for the key of the manifest's MAC.
const MAC_CONTEXT: &str = "mailscrub 2026-11-22 manifest mac v1";

/// Errors of reading or checking a manifest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The manifest or key file cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The manifest is not valid JSON of the expected shape.
    #[error("malformed manifest: {0}")]
    Malformed(String),
    /// The manifest is of a format this version does not know.
    #[error("unknown manifest format '{0}' (this tool reads {FORMAT_V1})")]
    UnknownFormat(String),
    /// The key file does not hold a key.
    #[error("{}: a manifest key is 32 bytes, raw or as 64 hex digits", path.display())]
    BadKey {
        /// The key file.
        path: PathBuf,
    },
}

/// The secret an auditor holds: keys the message hashes and the MAC.
#[derive(Clone)]
pub struct ManifestKey {
    hash_key: [u8; 32],
    mac_key: [u8; 32],
}

impl std::fmt::Debug for ManifestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ManifestKey(..)")
    }
}

impl ManifestKey {
    /// A key from its 32 secret bytes; separate subkeys are derived for
    /// hashing and for the MAC.
    pub(crate) fn from_bytes(secret: &[u8; 32]) -> Self {
        ManifestKey {
            hash_key: blake3::derive_key(HASH_CONTEXT, secret),
            mac_key: blake3::derive_key(MAC_CONTEXT, secret),
        }
    }

    /// Reads a key file: 32 raw bytes, or 64 hex digits (surrounding white
    /// space ignored).
    pub fn from_file(path: &Path) -> Result<Self, ManifestError> {
        let bytes = fs::read(path).map_err(|source| ManifestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = || ManifestError::BadKey {
            path: path.to_path_buf(),
        };
        let secret: [u8; 32] = if bytes.len() == 32 {
            bytes.try_into().map_err(|_| bad())?
        } else {
            let text = std::str::from_utf8(&bytes).map_err(|_| bad())?.trim();
            *blake3::Hash::from_hex(text).map_err(|_| bad())?.as_bytes()
        };
        Ok(ManifestKey::from_bytes(&secret))
    }
}

/// How message hashes are computed: plain blake3, or keyed.
#[derive(Debug, Clone, Default)]
pub struct Hasher {
    key: Option<ManifestKey>,
}

impl Hasher {
    /// Plain blake3 without a key, keyed blake3 with one.
    pub(crate) fn new(key: Option<ManifestKey>) -> Self {
        Hasher { key }
    }

    /// True when hashes are keyed.
    pub(crate) fn is_keyed(&self) -> bool {
        self.key.is_some()
    }

    /// The hash of a message's bytes, as hex.
    pub(crate) fn message(&self, bytes: &[u8]) -> String {
        let mut hasher = self.incremental();
        hasher.update(bytes);
        hasher.finalize().to_hex().to_string()
    }

    /// A blake3 hasher in this mode, for bytes that arrive in pieces.
    pub(crate) fn incremental(&self) -> blake3::Hasher {
        match &self.key {
            Some(key) => blake3::Hasher::new_keyed(&key.hash_key),
            None => blake3::Hasher::new(),
        }
    }

    fn mac(&self, canonical: &[u8]) -> Option<blake3::Hash> {
        self.key
            .as_ref()
            .map(|key| blake3::keyed_hash(&key.mac_key, canonical))
    }
}

/// The manifest document.
///
/// The fields are in the order they are written: those known when a run
/// starts, then the removals and warnings as they are decided, then those
/// known only at its end ([`ManifestWriter`] streams them in this order, so
/// that its bytes equal the serialisation of the whole struct).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    /// Always [`FORMAT_V1`] for this version.
    pub(crate) format: String,
    /// The tool that wrote it.
    pub(crate) tool: Tool,
    /// True when message hashes are keyed and `mac` is set.
    pub(crate) keyed: bool,
    /// The erasure request.
    pub(crate) request: RequestRecord,
    /// One entry per affected item, in input order.
    pub(crate) removals: Vec<Removal>,
    /// Things a human should look at (identifiers left in non-mail members, ...).
    pub(crate) warnings: Vec<Warning>,
    /// When the run ended, RFC 3339 UTC (`SOURCE_DATE_EPOCH` overrides the clock).
    pub(crate) created: String,
    /// The input as read.
    pub(crate) input: StreamRecord,
    /// The output as written.
    pub(crate) output: StreamRecord,
    /// Counts over the whole run.
    pub(crate) totals: Totals,
    /// With a key: hex blake3 MAC over the canonical content (this field absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mac: Option<String>,
}

/// Name and version of the tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Tool {
    /// `mailscrub`.
    pub(crate) name: String,
    /// The crate version.
    pub(crate) version: String,
}

impl Tool {
    /// This build of mailscrub.
    pub(crate) fn current() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// The request the run applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestRecord {
    /// blake3 of the request file's bytes (plain, so anyone holding the file can check it).
    pub(crate) blake3: String,
    /// The subject ids, in request order.
    pub(crate) subjects: Vec<String>,
    /// The policy in force: role -> action, and what happens to binary attachments.
    pub(crate) policy: PolicyRecord,
    /// The variant families looked for (`[matching]`); absent in a manifest
    /// written before the table existed, then read as the defaults.
    #[serde(default)]
    pub(crate) matching: crate::request::Matching,
}

/// The policy in force, as written in reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyRecord {
    /// Action for a subject who sent the message.
    pub(crate) sender: String,
    /// Action for a subject who received it.
    pub(crate) recipient: String,
    /// Action for a subject only mentioned.
    pub(crate) mention: String,
    /// `stub` or `keep`.
    pub(crate) binary_attachments: String,
}

/// One side of the run: a backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StreamRecord {
    /// Plain blake3 of the file's bytes as read or written (compressed).
    pub(crate) blake3: String,
    /// Its length in bytes.
    pub(crate) bytes: u64,
    /// `tar`, `mbox` or `eml`.
    pub(crate) container: String,
    /// `none`, `gzip` or `zstd`.
    pub(crate) compression: String,
    /// Archive members (1 for a bare mailbox).
    pub(crate) members: u64,
    /// Messages.
    pub(crate) messages: u64,
}

/// What happened to one affected item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The message left the backup.
    Delete,
    /// The message was rewritten.
    Redact,
    /// A sidecar cache member left the backup.
    Drop,
    /// An attachment of a redacted message was replaced by a stub.
    DropAttachment,
    /// A member whose path or link target held an identifier was written
    /// under a new name.
    Rename,
    /// A member written under its own name whose tar header fields or
    /// padding held an identifier was written with them cleaned; or the
    /// bytes after the end of the archive held one and were written as zeros.
    Clean,
}

/// One affected item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    /// The member path in the archive (for a bare mailbox, the input's name).
    pub member: String,
    /// Message index in the member (0 for one-message files and members).
    pub index: u64,
    /// What happened.
    pub action: Action,
    /// Ids of the subjects found.
    pub subjects: Vec<String>,
    /// Roles found (`sender`, `recipient`, `mention`).
    pub roles: Vec<String>,
    /// Hash of the original message (or member, or attachment) bytes.
    pub original_blake3: String,
    /// Length of the original bytes.
    pub original_bytes: u64,
    /// Hash of the rewritten message, for `redact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanitized_blake3: Option<String>,
    /// Length of the rewritten message, for `redact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanitized_bytes: Option<u64>,
    /// MIME part path of a dropped attachment, e.g. `1.2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// Why a redaction became a deletion (fail closed), or why a cache went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Something the run could not fix by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    /// The member concerned.
    pub member: String,
    /// A short machine-readable kind, e.g. `non-mail-member-holds-identifier`.
    pub kind: String,
    /// Ids of the subjects concerned.
    pub subjects: Vec<String>,
}

/// Counts over the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Messages read from the input.
    pub messages_read: u64,
    /// Messages written unchanged.
    pub untouched: u64,
    /// Messages deleted (including fail-closed deletions).
    pub deleted: u64,
    /// Messages redacted.
    pub redacted: u64,
    /// Redactions that became deletions because the result was not clean.
    pub fail_closed: u64,
    /// Members dropped: header caches, and members whose identifying name
    /// could not be replaced in their header.
    pub sidecars_dropped: u64,
    /// Members written under a new name (their path or link target held an
    /// identifier).
    pub renamed: u64,
    /// Members whose tar header fields or padding were cleaned of an
    /// identifier, and the bytes after the archive if they were zeroed.
    pub cleaned: u64,
    /// Binary attachments replaced by stubs.
    pub attachments_dropped: u64,
    /// Warnings raised.
    pub warnings: u64,
}

/// Why a manifest's MAC does not check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MacError {
    /// No key was given.
    #[error("no key given")]
    NoKey,
    /// The manifest has no `mac` field.
    #[error("the manifest carries no MAC")]
    Missing,
    /// The MAC is not the one of these bytes under this key.
    #[error("MAC mismatch: the manifest was altered or the key is wrong")]
    Mismatch,
    /// The `mac` field is not a hash.
    #[error("the MAC is not 64 hex digits")]
    NotHex,
}

impl Manifest {
    /// The canonical content the MAC covers: the compact JSON of the
    /// manifest without its `mac` field.
    pub(crate) fn canonical_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.mac = None;
        serde_json::to_vec(&unsigned).unwrap_or_default()
    }

    #[cfg(test)]
    /// Sets `keyed` and, with a key, the MAC.
    pub(crate) fn seal(&mut self, hasher: &Hasher) {
        self.keyed = hasher.is_keyed();
        self.mac = None;
        self.mac = hasher
            .mac(&self.canonical_bytes())
            .map(|mac| mac.to_hex().to_string());
    }

    /// Checks the MAC with `hasher`'s key: `Ok(())` when it matches.
    pub(crate) fn check_mac(&self, hasher: &Hasher) -> Result<(), MacError> {
        let Some(expected) = hasher.mac(&self.canonical_bytes()) else {
            return Err(MacError::NoKey);
        };
        let Some(stated) = &self.mac else {
            return Err(MacError::Missing);
        };
        match blake3::Hash::from_hex(stated) {
            Ok(stated) if stated == expected => Ok(()),
            Ok(_) => Err(MacError::Mismatch),
            Err(_) => Err(MacError::NotHex),
        }
    }

    /// Reads and parses a manifest, checking its format.
    pub(crate) fn read(path: &Path) -> Result<Self, ManifestError> {
        let bytes = fs::read(path).map_err(|source| ManifestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT_V1) => {}
            Some(other) => return Err(ManifestError::UnknownFormat(other.to_owned())),
            None => return Err(ManifestError::Malformed("no format field".into())),
        }
        serde_json::from_value(value).map_err(|e| ManifestError::Malformed(e.to_string()))
    }
}

/// Writes a manifest as the run makes it, holding one entry at a time: the
/// fields known at the start, then each removal as it is decided, then the
/// warnings (spooled as they come, since they follow the removals), then
/// the fields known only at the end and, with a key, the MAC computed on
/// the way over the canonical bytes. The bytes written equal
/// `serde_json::to_vec_pretty` of the whole [`Manifest`] plus a line break,
/// so [`Manifest::read`] and [`Manifest::check_mac`] take them as they are.
/// Writes go straight to `out` (wrap it in a `BufWriter`).
pub(crate) struct ManifestWriter<W, S> {
    json: Emitter<W>,
    /// The warnings so far, one compact JSON object a line.
    spool: S,
    /// Warnings spooled.
    warnings: u64,
}

/// The two renderings of the manifest: pretty bytes to the file, compact
/// (canonical) bytes to the MAC.
struct Emitter<W> {
    out: W,
    /// The MAC over the canonical bytes, when keyed.
    mac: Option<blake3::Hasher>,
    /// Entries written in the open array.
    entries: u64,
}

impl<W: Write, S: Read + Write + Seek> ManifestWriter<W, S> {
    /// Starts a manifest for a run under `request`, hashed by `hasher`
    /// (keyed or not); `spool` holds the warnings until the removals end.
    pub(crate) fn new(
        out: W,
        spool: S,
        hasher: &Hasher,
        request: &RequestRecord,
    ) -> io::Result<Self> {
        let mut json = Emitter {
            out,
            mac: hasher
                .key
                .as_ref()
                .map(|key| blake3::Hasher::new_keyed(&key.mac_key)),
            entries: 0,
        };
        json.emit(b"{", b"{")?;
        json.field(true, "format", &FORMAT_V1)?;
        json.field(false, "tool", &Tool::current())?;
        json.field(false, "keyed", &hasher.is_keyed())?;
        json.field(false, "request", request)?;
        json.emit(b",\n  \"removals\": [", b",\"removals\":[")?;
        Ok(ManifestWriter {
            json,
            spool,
            warnings: 0,
        })
    }

    /// Writes one removal (in input order).
    pub(crate) fn removal(&mut self, removal: &Removal) -> io::Result<()> {
        self.json.entry(removal)
    }

    /// Records one warning; warnings are written after the removals.
    pub(crate) fn warning(&mut self, warning: &Warning) -> io::Result<()> {
        let mut line = serde_json::to_vec(warning)?;
        line.push(b'\n');
        self.spool.write_all(&line)?;
        self.warnings += 1;
        Ok(())
    }

    /// Ends the manifest with the fields known at the end (and the MAC,
    /// when keyed); returns `out`, not flushed.
    pub(crate) fn finish(
        mut self,
        created: &str,
        input: &StreamRecord,
        output: &StreamRecord,
        totals: &Totals,
    ) -> io::Result<W> {
        self.json.close_array()?;
        self.copy_warnings()?;
        let json = &mut self.json;
        json.field(false, "created", &created)?;
        json.field(false, "input", input)?;
        json.field(false, "output", output)?;
        json.field(false, "totals", totals)?;
        // The MAC covers everything but itself (its field is absent).
        json.emit_mac_only(b"}");
        if let Some(mac) = json.mac.take() {
            let hex = mac.finalize().to_hex();
            json.out
                .write_all(format!(",\n  \"mac\": \"{hex}\"").as_bytes())?;
        }
        json.out.write_all(b"\n}\n")?;
        Ok(self.json.out)
    }

    /// Writes the `warnings` array from the spool the warnings went to
    /// while removals were still being streamed.
    fn copy_warnings(&mut self) -> io::Result<()> {
        let json = &mut self.json;
        json.emit(b",\n  \"warnings\": [", b",\"warnings\":[")?;
        self.spool.flush()?;
        self.spool.seek(SeekFrom::Start(0))?;
        let mut lines = io::BufReader::new(&mut self.spool).lines();
        for _ in 0..self.warnings {
            let line = lines.next().ok_or_else(|| {
                io::Error::new(io::ErrorKind::UnexpectedEof, "the warning spool ends early")
            })??;
            json.entry(&serde_json::from_str::<Warning>(&line)?)?;
        }
        json.close_array()
    }
}

impl<W: Write> Emitter<W> {
    /// Writes `pretty` to the file and feeds `compact` to the MAC.
    fn emit(&mut self, pretty: &[u8], compact: &[u8]) -> io::Result<()> {
        self.out.write_all(pretty)?;
        self.emit_mac_only(compact);
        Ok(())
    }

    fn emit_mac_only(&mut self, compact: &[u8]) {
        if let Some(mac) = &mut self.mac {
            mac.update(compact);
        }
    }

    /// One field of the top-level object.
    fn field(&mut self, first: bool, key: &str, value: &impl Serialize) -> io::Result<()> {
        let key = serde_json::to_string(key)?;
        let sep = if first { "" } else { "," };
        let mut pretty = format!("{sep}\n  {key}: ").into_bytes();
        pretty.extend(indented(value, 1)?);
        let mut compact = format!("{sep}{key}:").into_bytes();
        compact.extend(serde_json::to_vec(value)?);
        self.emit(&pretty, &compact)
    }

    /// One element of the open top-level array.
    fn entry(&mut self, value: &impl Serialize) -> io::Result<()> {
        let sep: &[u8] = if self.entries == 0 { b"" } else { b"," };
        let mut pretty = [sep, b"\n    "].concat();
        pretty.extend(indented(value, 2)?);
        let mut compact = sep.to_vec();
        compact.extend(serde_json::to_vec(value)?);
        self.entries += 1;
        self.emit(&pretty, &compact)
    }

    fn close_array(&mut self) -> io::Result<()> {
        let pretty: &[u8] = if self.entries == 0 { b"]" } else { b"\n  ]" };
        self.entries = 0;
        self.emit(pretty, b"]")
    }
}

/// `value` as pretty JSON nested `depth` levels deep (two spaces a level).
/// JSON strings hold no raw line break, so indenting after each one is safe.
fn indented(value: &impl Serialize, depth: usize) -> io::Result<Vec<u8>> {
    let flat = serde_json::to_vec_pretty(value)?;
    let indent = "  ".repeat(depth);
    let mut out = Vec::with_capacity(flat.len() + flat.len() / 8);
    for &b in &flat {
        out.push(b);
        if b == b'\n' {
            out.extend_from_slice(indent.as_bytes());
        }
    }
    Ok(out)
}

/// Kinds of [`Warning`] a scrub writes. (Trailing bytes that hold an
/// identifier are written as zeros, a `clean` removal, not a warning.)
pub(crate) const WARNING_KINDS: [&str; 3] = [
    "non-mail-member-holds-identifier",
    "mailbox-bytes-outside-messages-hold-identifier",
    DANGLING_LINK_WARNING,
];

/// The kind of the [`Warning`] about a hard link of the input that names
/// no earlier member of the input: written back as it is (GNU tar cannot
/// extract it), it lists no subject.
pub(crate) const DANGLING_LINK_WARNING: &str = "dangling-hard-link-in-input";

/// The `member` of the entries about the bytes after the end of a tar
/// archive's end-of-archive marker.
pub(crate) const TRAILER_MEMBER: &str = "(after the end of the archive)";

/// The `reason` of a `drop-attachment` removal.
pub(crate) const ATTACHMENT_REASON: &str = "binary attachment of a redacted message";

/// The reasons of a message deleted because the matcher could not search it
/// whole: such a deletion is made whatever was found in it (fail closed), so
/// it may list no subject or role, and it has its reason even where the
/// policy deletes. `decide` writes exactly these (a test there checks it).
pub(crate) const UNSEARCHABLE_REASONS: [&str; 5] = [
    "nesting deeper than 32 levels",
    "a part cannot be decoded with confidence (unknown transfer encoding, \
     or more encoded text than the decoding budget)",
    "an attachment expands past the size limit (--max-message-size) when decompressed",
    "archives or compressed streams in an attachment nest deeper than 8 levels",
    "an attachment could not be read (its reader failed unexpectedly)",
];
/// The `reason` of a `rename` removal.
pub(crate) const RENAME_REASON: &str = "member name held an identifier";
/// The `reason` of a `drop` removal of a header cache in whose folder a message changed.
pub(crate) const CACHE_CHANGED_REASON: &str = "header cache of a folder in which a message changed";
/// The `reason` of a `drop` removal of a header cache that holds an identifier.
pub(crate) const CACHE_IDENTIFIER_REASON: &str = "header cache holds an identifier";
/// The `reason` of a `drop` removal of a member whose identifying name does
/// not fit its header once replaced.
pub(crate) const NAME_DOES_NOT_FIT_REASON: &str =
    "member name holds an identifier and the new name does not fit its tar header";
/// The `reason` of a `drop` removal of a member whose tar header holds an
/// identifier that cannot be cleaned out of it.
pub(crate) const HEADER_UNCLEANABLE_REASON: &str =
    "tar header holds an identifier that cannot be removed";
/// The `reason` of a `drop` removal of a hard link whose target left the output.
pub(crate) const LINK_TARGET_GONE_REASON: &str = "hard link to a member that was left out";
/// The `reason` of a `clean` removal of a member whose tar header fields
/// (user and group names, pax records, the pax header name, ...) held an
/// identifier: the hashes are of its header region as read and as written.
pub(crate) const HEADER_CLEANED_REASON: &str = "tar header fields held an identifier";
/// The `reason` of a `clean` removal of a member whose padding after its
/// data held an identifier and was written as zeros: the hashes are of the
/// padding as read and as written.
pub(crate) const PADDING_CLEANED_REASON: &str = "tar padding held an identifier";
/// The `reason` of the `clean` removal of the bytes after the end of the
/// archive ([`TRAILER_MEMBER`]) when they held an identifier and were
/// written as zeros: the hashes are of those bytes as read and as written.
pub(crate) const TRAILER_CLEANED_REASON: &str =
    "bytes after the end of the archive held an identifier";

impl Action {
    /// The name the manifest uses.
    pub fn name(self) -> &'static str {
        match self {
            Action::Delete => "delete",
            Action::Redact => "redact",
            Action::Drop => "drop",
            Action::DropAttachment => "drop-attachment",
            Action::Rename => "rename",
            Action::Clean => "clean",
        }
    }

    /// True for the actions recorded per message (`delete`, `redact`,
    /// `drop-attachment`); false for those recorded per member.
    pub(crate) fn is_per_message(self) -> bool {
        matches!(
            self,
            Action::Delete | Action::Redact | Action::DropAttachment
        )
    }
}

/// The constructors of the removals, one per [`Action`]: each fills the
/// fields its action has and leaves the others empty, in the shape
/// [`Manifest::consistency_problems`] expects. A hash and a length come as
/// one `(blake3, bytes)` pair, as the engine keeps them.
impl Removal {
    /// The shape every removal starts from: no subject, role or part, no
    /// sanitized hash, no reason.
    fn empty(member: String, index: u64, action: Action, original: (String, u64)) -> Self {
        let (original_blake3, original_bytes) = original;
        Removal {
            member,
            index,
            action,
            subjects: Vec::new(),
            roles: Vec::new(),
            original_blake3,
            original_bytes,
            sanitized_blake3: None,
            sanitized_bytes: None,
            part: None,
            reason: None,
        }
    }

    fn sanitized(mut self, sanitized: (String, u64)) -> Self {
        self.sanitized_blake3 = Some(sanitized.0);
        self.sanitized_bytes = Some(sanitized.1);
        self
    }

    /// `delete`: message `index` of `member` left the backup; `reason`
    /// says why when its planned redaction became a deletion (fail closed).
    pub(crate) fn deleted(
        member: String,
        index: u64,
        subjects: Vec<String>,
        roles: Vec<String>,
        original: (String, u64),
        reason: Option<String>,
    ) -> Self {
        Removal {
            subjects,
            roles,
            reason,
            ..Removal::empty(member, index, Action::Delete, original)
        }
    }

    /// `redact`: message `index` of `member` was rewritten, from `original`
    /// to `sanitized`.
    pub(crate) fn redacted(
        member: String,
        index: u64,
        subjects: Vec<String>,
        roles: Vec<String>,
        original: (String, u64),
        sanitized: (String, u64),
    ) -> Self {
        Removal {
            subjects,
            roles,
            ..Removal::empty(member, index, Action::Redact, original)
        }
        .sanitized(sanitized)
    }

    /// `drop-attachment`: MIME part `part` of the redacted message `index`
    /// of `member` was replaced by a stub ([`ATTACHMENT_REASON`]).
    pub(crate) fn attachment_dropped(
        member: String,
        index: u64,
        subjects: Vec<String>,
        part: String,
        original: (String, u64),
    ) -> Self {
        Removal {
            subjects,
            part: Some(part),
            reason: Some(ATTACHMENT_REASON.into()),
            ..Removal::empty(member, index, Action::DropAttachment, original)
        }
    }

    /// `drop`: `member` (a header cache, a member whose name or header
    /// could not be cleaned, a hard link to one) left the backup.
    pub(crate) fn dropped(member: String, original: (String, u64), reason: &str) -> Self {
        Removal {
            reason: Some(reason.to_owned()),
            ..Removal::empty(member, 0, Action::Drop, original)
        }
    }

    /// `rename`: `member` was written under a new name; the hashes are of
    /// its names before and after ([`RENAME_REASON`]).
    pub(crate) fn renamed(
        member: String,
        original: (String, u64),
        sanitized: (String, u64),
    ) -> Self {
        Removal {
            reason: Some(RENAME_REASON.into()),
            ..Removal::empty(member, 0, Action::Rename, original)
        }
        .sanitized(sanitized)
    }

    /// `clean`: bytes of `member` (its header region, its padding, or the
    /// bytes after the archive) were written cleaned, `reason` saying which.
    pub(crate) fn cleaned(
        member: String,
        original: (String, u64),
        sanitized: (String, u64),
        reason: &str,
    ) -> Self {
        Removal {
            reason: Some(reason.to_owned()),
            ..Removal::empty(member, 0, Action::Clean, original)
        }
        .sanitized(sanitized)
    }
}

/// The roles in the order the manifest lists them (weakest first).
const ROLES: [&str; 3] = ["mention", "recipient", "sender"];

impl Manifest {
    /// Everything that is wrong with the manifest on its own, without the
    /// files it describes: field forms, the shape of each removal for its
    /// action, subjects and roles against the request record and its policy,
    /// duplicates and the order of the removals, and the totals against the
    /// removals and warnings. Each problem names the field (`removals[3]`),
    /// never a member path; empty when all is well.
    pub(crate) fn consistency_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut bad = |what: String| problems.push(what);
        self.header_problems(&mut bad);
        self.request_problems(&mut bad);
        self.stream_problems(&mut bad);
        self.removal_problems(&mut bad);
        self.warning_problems(&mut bad);
        self.totals_problems(&mut bad);
        problems
    }

    /// The forms of the top-level fields: tool name, creation time, the
    /// MAC against `keyed`, the hashes of the request, input and output.
    fn header_problems(&self, bad: &mut impl FnMut(String)) {
        if self.tool.name != env!("CARGO_PKG_NAME") {
            bad(format!("tool.name is not '{}'", env!("CARGO_PKG_NAME")));
        }
        if !is_rfc3339_utc(&self.created) {
            bad("created is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)".into());
        }
        match (self.keyed, &self.mac) {
            (true, None) => bad("keyed is true but the manifest carries no MAC".into()),
            (false, Some(_)) => bad("keyed is false but the manifest carries a MAC".into()),
            (true, Some(mac)) if !is_hash(mac) => bad("mac is not 64 hex digits".into()),
            _ => {}
        }
        for (field, hash) in [
            ("request.blake3", &self.request.blake3),
            ("input.blake3", &self.input.blake3),
            ("output.blake3", &self.output.blake3),
        ] {
            if !is_hash(hash) {
                bad(format!("{field} is not 64 hex digits"));
            }
        }
    }

    fn request_problems(&self, bad: &mut impl FnMut(String)) {
        let subjects = &self.request.subjects;
        if (1..subjects.len()).any(|i| subjects[..i].contains(&subjects[i])) {
            bad("request.subjects lists a subject twice".into());
        }
        let policy = &self.request.policy;
        for (field, value) in [
            ("sender", &policy.sender),
            ("recipient", &policy.recipient),
            ("mention", &policy.mention),
        ] {
            if value != "delete" && value != "redact" {
                bad(format!(
                    "request.policy.{field} is neither delete nor redact"
                ));
            }
        }
        if policy.binary_attachments != "stub" && policy.binary_attachments != "keep" {
            bad("request.policy.binary_attachments is neither stub nor keep".into());
        }
    }

    fn stream_problems(&self, bad: &mut impl FnMut(String)) {
        for (side, record) in [("input", &self.input), ("output", &self.output)] {
            if !["tar", "mbox", "eml"].contains(&record.container.as_str()) {
                bad(format!("{side}.container is not tar, mbox or eml"));
            }
            if !["none", "gzip", "zstd"].contains(&record.compression.as_str()) {
                bad(format!("{side}.compression is not none, gzip or zstd"));
            }
        }
        if self.input.container != self.output.container {
            bad("input.container and output.container differ".into());
        }
        if self.input.container != "tar" && (self.input.members != 1 || self.output.members != 1) {
            bad("a bare mailbox has exactly one member".into());
        }
    }

    /// The policy's action for the strongest of `roles`, if they are known.
    fn planned_action(&self, roles: &[String]) -> Option<&str> {
        let policy = &self.request.policy;
        match roles.last()?.as_str() {
            "sender" => Some(&policy.sender),
            "recipient" => Some(&policy.recipient),
            "mention" => Some(&policy.mention),
            _ => None,
        }
    }

    /// The problems of each removal on its own (its group's order, field
    /// forms, its shape for its action), then the attachments dropped twice.
    fn removal_problems(&self, bad: &mut impl FnMut(String)) {
        let mut group = 0;
        for (i, r) in self.removals.iter().enumerate() {
            let at = format!("removals[{i}]");
            let rank = group_rank(r.action);
            if rank < group {
                bad(format!(
                    "{at}: out of order (entries of messages come first, then drop, then rename, then clean)"
                ));
            }
            group = group.max(rank);
            self.field_problems(&at, r, bad);
            if let Some(shape) = self.shape_problem(i, r) {
                bad(format!("{at} ({}) {shape}", r.action.name()));
            }
        }
        self.duplicate_part_problems(bad);
    }

    /// The forms of one removal's fields: its hashes, its subjects against
    /// the request record, its roles.
    fn field_problems(&self, at: &str, r: &Removal, bad: &mut impl FnMut(String)) {
        if !is_hash(&r.original_blake3) {
            bad(format!("{at}: original_blake3 is not 64 hex digits"));
        }
        if r.sanitized_blake3.as_deref().is_some_and(|h| !is_hash(h)) {
            bad(format!("{at}: sanitized_blake3 is not 64 hex digits"));
        }
        self.subject_problems(at, &r.subjects, bad);
        let role_ranks: Vec<Option<usize>> = r
            .roles
            .iter()
            .map(|role| ROLES.iter().position(|k| k == role))
            .collect();
        if role_ranks.iter().any(Option::is_none) || !role_ranks.is_sorted_by(|a, b| a < b) {
            bad(format!(
                "{at}: roles are not among mention, recipient, sender, weakest first, each once"
            ));
        }
    }

    /// What is wrong with the shape of removal `i` for its action (which
    /// fields it has, its reason), if anything.
    fn shape_problem(&self, i: usize, r: &Removal) -> Option<&'static str> {
        match r.action {
            Action::Delete | Action::Redact => self.message_shape(r),
            Action::DropAttachment => self.attachment_shape(i, r),
            Action::Drop | Action::Rename | Action::Clean => member_shape(r),
        }
    }

    /// The shape of a deleted or redacted message: subjects and roles,
    /// the action the policy gives them, reason and sanitized fields.
    fn message_shape(&self, r: &Removal) -> Option<&'static str> {
        let sanitized = r.sanitized_blake3.is_some() || r.sanitized_bytes.is_some();
        let sanitized_both = r.sanitized_blake3.is_some() && r.sanitized_bytes.is_some();
        let planned = self.planned_action(&r.roles);
        let unsearchable = r
            .reason
            .as_deref()
            .is_some_and(|reason| UNSEARCHABLE_REASONS.contains(&reason));
        match (r.action, planned) {
            (Action::Delete, _) if unsearchable => (r.subjects.is_empty() != r.roles.is_empty())
                .then_some("lists subjects without roles, or roles without subjects"),
            _ if r.subjects.is_empty() || r.roles.is_empty() => Some("lists no subject or no role"),
            (_, None) => None,
            (Action::Delete, Some("redact")) if r.reason.is_none() => {
                Some("is deleted where the policy redacts, without a reason")
            }
            (Action::Delete, Some("delete")) if r.reason.is_some() => {
                Some("has a reason although the policy deletes it")
            }
            (Action::Redact, Some("delete")) => Some("is redacted where the policy deletes"),
            (Action::Redact, _) if r.reason.is_some() => {
                Some("has a reason although it was redacted")
            }
            (Action::Redact, _) if !sanitized_both => {
                Some("lacks sanitized_blake3 or sanitized_bytes")
            }
            (Action::Delete, _) if sanitized => Some("has sanitized fields"),
            _ if r.part.is_some() => Some("has a part"),
            _ => None,
        }
    }

    /// The shape of dropped attachment `i`: it follows the redaction of
    /// its message, names its part, and gives the attachment reason only.
    fn attachment_shape(&self, i: usize, r: &Removal) -> Option<&'static str> {
        let sanitized = r.sanitized_blake3.is_some() || r.sanitized_bytes.is_some();
        let follows = self.removals[..i]
            .iter()
            .rev()
            .find(|p| p.action != Action::DropAttachment)
            .is_some_and(|p| {
                p.action == Action::Redact && p.member == r.member && p.index == r.index
            });
        if !follows {
            Some("does not follow the redaction of its message")
        } else if r.part.is_none() {
            Some("has no part")
        } else if sanitized || !r.roles.is_empty() || r.subjects.is_empty() {
            Some("has sanitized fields or roles, or no subject")
        } else if r.reason.as_deref() != Some(ATTACHMENT_REASON) {
            Some("does not give the reason of a dropped attachment")
        } else {
            None
        }
    }

    /// An archive may hold two members with one path (an appended copy),
    /// each with its own entries: the same member and index listed again,
    /// or an index lower than the one before, may start the entries of
    /// the next such member, which only `--input` tells apart. What
    /// cannot be is one attachment of one redaction dropped twice.
    fn duplicate_part_problems(&self, bad: &mut impl FnMut(String)) {
        let mut parts: Vec<&str> = Vec::new();
        for (i, r) in self.removals.iter().enumerate() {
            if r.action != Action::DropAttachment {
                parts.clear();
            } else if let Some(part) = r.part.as_deref() {
                if parts.contains(&part) {
                    bad(format!("removals[{i}]: listed twice"));
                }
                parts.push(part);
            }
        }
    }

    fn subject_problems(&self, at: &str, subjects: &[String], bad: &mut impl FnMut(String)) {
        let positions: Vec<Option<usize>> = subjects
            .iter()
            .map(|s| self.request.subjects.iter().position(|k| k == s))
            .collect();
        if positions.iter().any(Option::is_none) || !positions.is_sorted_by(|a, b| a < b) {
            bad(format!(
                "{at}: subjects are not ids of request.subjects, in request order, each once"
            ));
        }
    }

    fn warning_problems(&self, bad: &mut impl FnMut(String)) {
        for (i, w) in self.warnings.iter().enumerate() {
            let at = format!("warnings[{i}]");
            if !WARNING_KINDS.contains(&w.kind.as_str()) {
                bad(format!("{at}: unknown kind"));
            }
            if w.kind == DANGLING_LINK_WARNING {
                if !w.subjects.is_empty() {
                    bad(format!("{at}: a dangling hard link lists subjects"));
                }
            } else if w.subjects.is_empty() {
                bad(format!("{at}: lists no subject"));
            }
            self.subject_problems(&at, &w.subjects, bad);
        }
    }

    /// Each total against the value the removals, the warnings and the
    /// input record give it.
    fn totals_problems(&self, bad: &mut impl FnMut(String)) {
        for ((field, what), (stated, computed)) in TOTAL_CHECKS.into_iter().zip(self.total_values())
        {
            if stated != computed {
                bad(format!(
                    "totals.{field} is {stated}, but there are {computed} ({what})"
                ));
            }
        }
    }

    /// The values of `TOTAL_CHECKS`: each total as stated, beside the value
    /// computed from the rest of the manifest.
    fn total_values(&self) -> [(u64, u64); 10] {
        let t = &self.totals;
        let count = |pred: &dyn Fn(&Removal) -> bool| {
            self.removals.iter().filter(|r| pred(r)).count() as u64
        };
        let of = |action: Action| count(&|r| r.action == action);
        let fail_closed = count(&|r| r.action == Action::Delete && r.reason.is_some());
        let read = t
            .untouched
            .saturating_add(t.deleted)
            .saturating_add(t.redacted);
        [
            (t.deleted, of(Action::Delete)),
            (t.redacted, of(Action::Redact)),
            (t.fail_closed, fail_closed),
            (t.sidecars_dropped, of(Action::Drop)),
            (t.renamed, of(Action::Rename)),
            (t.cleaned, of(Action::Clean)),
            (t.attachments_dropped, of(Action::DropAttachment)),
            (t.warnings, self.warnings.len() as u64),
            (t.messages_read, read),
            (t.messages_read, self.input.messages),
        ]
    }
}

/// The totals checked against the rest of the manifest, each with what its
/// computed value counts, in the order problems are reported.
const TOTAL_CHECKS: [(&str, &str); 10] = [
    ("deleted", "delete removals"),
    ("redacted", "redact removals"),
    ("fail_closed", "delete removals with a reason"),
    ("sidecars_dropped", "drop removals"),
    ("renamed", "rename removals"),
    ("cleaned", "clean removals"),
    ("attachments_dropped", "drop-attachment removals"),
    ("warnings", "warnings"),
    ("messages_read", "untouched + deleted + redacted"),
    ("messages_read", "input.messages"),
];

/// The group a removal's action sorts into: entries of messages, then
/// drop, then rename, then clean.
fn group_rank(action: Action) -> usize {
    match action {
        a if a.is_per_message() => 0,
        Action::Drop => 1,
        Action::Rename => 2,
        _ => 3,
    }
}

/// The reasons a removal of a whole member (drop, rename, clean) may give.
fn member_reasons(action: Action) -> &'static [&'static str] {
    match action {
        Action::Drop => &[
            CACHE_CHANGED_REASON,
            CACHE_IDENTIFIER_REASON,
            NAME_DOES_NOT_FIT_REASON,
            HEADER_UNCLEANABLE_REASON,
            LINK_TARGET_GONE_REASON,
        ],
        Action::Rename => &[RENAME_REASON],
        _ => &[
            HEADER_CLEANED_REASON,
            PADDING_CLEANED_REASON,
            TRAILER_CLEANED_REASON,
        ],
    }
}

/// The shape of a removal of a whole member: no subjects, roles, index or
/// part; sanitized fields unless dropped; a reason of its action (the
/// trailer's own for the trailing bytes); zeroed bytes keep their length.
fn member_shape(r: &Removal) -> Option<&'static str> {
    let sanitized = r.sanitized_blake3.is_some() || r.sanitized_bytes.is_some();
    let sanitized_both = r.sanitized_blake3.is_some() && r.sanitized_bytes.is_some();
    let reason = r.reason.as_deref();
    let zeroed = reason.is_some_and(|x| x == PADDING_CLEANED_REASON || x == TRAILER_CLEANED_REASON);
    let is_trailer = r.member == TRAILER_MEMBER;
    if !r.subjects.is_empty() || !r.roles.is_empty() {
        Some("lists subjects or roles")
    } else if r.index != 0 || r.part.is_some() {
        Some("has an index other than 0 or a part")
    } else if (r.action != Action::Drop) != sanitized_both
        || (r.action == Action::Drop && sanitized)
    {
        Some("has the wrong sanitized fields for its action")
    } else if !reason.is_some_and(|x| member_reasons(r.action).contains(&x)) {
        Some("does not give a reason of its action")
    } else if r.action == Action::Clean && is_trailer != (reason == Some(TRAILER_CLEANED_REASON)) {
        Some("gives the reason of the trailing bytes for a member, or the reverse")
    } else if zeroed && r.sanitized_bytes != Some(r.original_bytes) {
        Some("zeroes bytes but sanitized_bytes is not original_bytes")
    } else {
        None
    }
}

/// True for 64 lowercase hex digits.
fn is_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// True for `YYYY-MM-DDTHH:MM:SSZ` with fields in range.
fn is_rfc3339_utc(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    b.len() == 20
        && (b[4], b[7], b[10], b[13], b[16], b[19]) == (b'-', b'-', b'T', b':', b':', b'Z')
        && digits(0..4).is_some()
        && digits(5..7).is_some_and(|m| (1..=12).contains(&m))
        && digits(8..10).is_some_and(|d| (1..=31).contains(&d))
        && digits(11..13).is_some_and(|h| h < 24)
        && digits(14..16).is_some_and(|m| m < 60)
        && digits(17..19).is_some_and(|s| s < 60)
}

/// The current time as RFC 3339 UTC, or `SOURCE_DATE_EPOCH` when set (for
/// reproducible runs).
pub(crate) fn now_rfc3339() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    rfc3339(seconds)
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            format: FORMAT_V1.into(),
            tool: Tool::current(),
            created: rfc3339(0),
            keyed: false,
            request: RequestRecord {
                blake3: blake3::hash(b"request").to_hex().to_string(),
                subjects: vec!["REQ-1".into()],
                policy: PolicyRecord {
                    sender: "delete".into(),
                    recipient: "delete".into(),
                    mention: "redact".into(),
                    binary_attachments: "stub".into(),
                },
                matching: crate::request::Matching::default(),
            },
            input: StreamRecord {
                blake3: blake3::hash(b"in").to_hex().to_string(),
                bytes: 2,
                container: "tar".into(),
                compression: "zstd".into(),
                members: 3,
                messages: 2,
            },
            output: StreamRecord {
                blake3: blake3::hash(b"out").to_hex().to_string(),
                bytes: 3,
                container: "tar".into(),
                compression: "zstd".into(),
                members: 3,
                messages: 1,
            },
            removals: vec![Removal::deleted(
                "alice/cur/1".into(),
                0,
                vec!["REQ-1".into()],
                vec!["sender".into()],
                (blake3::hash(b"m").to_hex().to_string(), 1),
                None,
            )],
            warnings: Vec::new(),
            totals: Totals::default(),
            mac: None,
        }
    }

    /// The sample with totals that match its removals.
    fn consistent() -> Manifest {
        let mut manifest = sample();
        manifest.totals = Totals {
            messages_read: 2,
            untouched: 1,
            deleted: 1,
            ..Totals::default()
        };
        manifest
    }

    #[test]
    fn a_consistent_manifest_has_no_problems() {
        assert_eq!(consistent().consistency_problems(), Vec::<String>::new());
        assert!(!sample().consistency_problems().is_empty());
    }

    /// Adds a `clean` removal made from the first one (for `reason`, with
    /// sanitized fields of `sanitized_bytes` bytes and the original's hash
    /// if given, else none) and counts it.
    fn push_clean(m: &mut Manifest, reason: &str, sanitized_bytes: Option<u64>) {
        let mut clean = m.removals[0].clone();
        clean.action = Action::Clean;
        clean.subjects.clear();
        clean.roles.clear();
        if let Some(bytes) = sanitized_bytes {
            clean.sanitized_blake3 = Some(clean.original_blake3.clone());
            clean.sanitized_bytes = Some(bytes);
        }
        clean.reason = Some(reason.into());
        m.removals.push(clean);
        m.totals.cleaned = 1;
    }

    #[test]
    fn consistency_problems_name_the_field() {
        type Edit = fn(&mut Manifest);
        let cases: Vec<(Edit, &str)> = vec![
            (|m| m.tool.name = "other".into(), "tool.name"),
            (|m| m.created = "now".into(), "created"),
            (|m| m.mac = Some("0".repeat(64)), "carries a MAC"),
            (|m| m.keyed = true, "no MAC"),
            (|m| m.input.blake3 = "xyz".into(), "input.blake3"),
            (|m| m.output.container = "mbox".into(), "differ"),
            (
                |m| m.request.policy.mention = "keep".into(),
                "policy.mention",
            ),
            (
                |m| m.removals[0].subjects = vec!["REQ-9".into()],
                "subjects",
            ),
            (|m| m.removals[0].roles = vec!["boss".into()], "roles"),
            (
                |m| m.removals[0].roles = vec!["mention".into()],
                "policy redacts",
            ),
            (|m| m.removals[0].action = Action::Drop, "(drop)"),
            (|m| m.removals[0].part = Some("2".into()), "part"),
            (|m| m.totals.deleted = 0, "totals.deleted"),
            (|m| m.totals.cleaned = 1, "totals.cleaned"),
            (
                |m| push_clean(m, PADDING_CLEANED_REASON, Some(2)),
                "sanitized_bytes is not original_bytes",
            ),
            (
                |m| push_clean(m, TRAILER_CLEANED_REASON, Some(1)),
                "reason of the trailing bytes",
            ),
            (
                |m| push_clean(m, HEADER_CLEANED_REASON, None),
                "(clean) has the wrong sanitized fields",
            ),
            (|m| m.totals.warnings = 1, "totals.warnings"),
            (|m| m.totals.untouched = 0, "totals.messages_read"),
            (
                |m| {
                    let redact = &mut m.removals[0];
                    redact.action = Action::Redact;
                    redact.roles = vec!["mention".into()];
                    redact.sanitized_blake3 = Some(redact.original_blake3.clone());
                    redact.sanitized_bytes = Some(1);
                    let mut attachment = redact.clone();
                    attachment.action = Action::DropAttachment;
                    attachment.roles.clear();
                    attachment.sanitized_blake3 = None;
                    attachment.sanitized_bytes = None;
                    attachment.part = Some("2".into());
                    attachment.reason = Some(ATTACHMENT_REASON.into());
                    m.removals.push(attachment.clone());
                    m.removals.push(attachment);
                    m.totals.deleted = 0;
                    m.totals.redacted = 1;
                    m.totals.attachments_dropped = 2;
                },
                "removals[2]: listed twice",
            ),
            (
                |m| {
                    let mut drop = m.removals[0].clone();
                    drop.action = Action::Drop;
                    drop.subjects.clear();
                    drop.roles.clear();
                    drop.reason = Some(CACHE_CHANGED_REASON.into());
                    m.removals.insert(0, drop);
                    m.totals.sidecars_dropped = 1;
                },
                "out of order",
            ),
        ];
        for (edit, word) in cases {
            let mut manifest = consistent();
            edit(&mut manifest);
            let problems = manifest.consistency_problems().join("; ");
            assert!(problems.contains(word), "{word}: {problems}");
        }
    }

    #[test]
    fn two_members_with_one_path_may_repeat_member_and_index() {
        // Two copies of one member (as `tar -r` appends), both deleted: the
        // entries are equal, and only `--input` can tell them from one
        // removal listed twice.
        let mut manifest = consistent();
        let copy = manifest.removals[0].clone();
        manifest.removals.push(copy);
        manifest.totals.deleted = 2;
        manifest.totals.untouched = 0;
        assert_eq!(manifest.consistency_problems(), Vec::<String>::new());
        // Two messages of each copy: indices 0, 1, 0, 1.
        let mut second = manifest.removals[0].clone();
        second.index = 1;
        manifest.removals.insert(1, second.clone());
        manifest.removals.push(second);
        manifest.totals.deleted = 4;
        manifest.totals.messages_read = 4;
        manifest.input.messages = 4;
        assert_eq!(manifest.consistency_problems(), Vec::<String>::new());
    }

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_352_400), "2026-11-22T13:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn seal_and_check_mac() {
        let key = ManifestKey::from_bytes(&[7u8; 32]);
        let hasher = Hasher::new(Some(key));
        let mut manifest = sample();
        manifest.seal(&hasher);
        assert!(manifest.keyed);
        assert!(manifest.check_mac(&hasher).is_ok());

        let mut edited = manifest.clone();
        edited.removals[0].index = 1;
        assert!(edited.check_mac(&hasher).is_err());

        let wrong = Hasher::new(Some(ManifestKey::from_bytes(&[8u8; 32])));
        assert!(manifest.check_mac(&wrong).is_err());
    }

    #[test]
    fn keyed_message_hashes_differ_from_plain() {
        let plain = Hasher::new(None);
        let keyed = Hasher::new(Some(ManifestKey::from_bytes(&[1u8; 32])));
        assert_eq!(plain.message(b"x"), blake3::hash(b"x").to_hex().to_string());
        assert_ne!(keyed.message(b"x"), plain.message(b"x"));
    }

    /// `manifest` written by the streaming writer, with `hasher`.
    fn streamed(manifest: &Manifest, hasher: &Hasher) -> Vec<u8> {
        let spool = io::Cursor::new(Vec::new());
        let mut writer = ManifestWriter::new(Vec::new(), spool, hasher, &manifest.request).unwrap();
        // Interleaved as a run makes them: warnings may come first.
        let mut warnings = manifest.warnings.iter();
        for removal in &manifest.removals {
            if let Some(warning) = warnings.next() {
                writer.warning(warning).unwrap();
            }
            writer.removal(removal).unwrap();
        }
        for warning in warnings {
            writer.warning(warning).unwrap();
        }
        writer
            .finish(
                &manifest.created,
                &manifest.input,
                &manifest.output,
                &manifest.totals,
            )
            .unwrap()
    }

    /// The bytes of the whole struct, sealed with `hasher`.
    fn whole(manifest: &Manifest, hasher: &Hasher) -> Vec<u8> {
        let mut sealed = manifest.clone();
        sealed.seal(hasher);
        let mut bytes = serde_json::to_vec_pretty(&sealed).unwrap();
        bytes.push(b'\n');
        bytes
    }

    /// Each constructor gives the removal its action's literal gave before
    /// it, field by field.
    #[test]
    fn each_constructor_gives_the_shape_of_its_action() {
        let h = |b: &[u8]| blake3::hash(b).to_hex().to_string();
        let literal = |action, index, subjects: &[&str], roles: &[&str]| Removal {
            member: "m/cur/1".into(),
            index,
            action,
            subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
            roles: roles.iter().map(|s| (*s).to_owned()).collect(),
            original_blake3: h(b"before"),
            original_bytes: 6,
            sanitized_blake3: None,
            sanitized_bytes: None,
            part: None,
            reason: None,
        };
        let ids = || vec!["REQ-1".to_owned(), "REQ-2".to_owned()];
        let roles = || vec!["mention".to_owned(), "sender".to_owned()];
        let before = || (h(b"before"), 6);
        let after = || (h(b"after"), 5);
        let member = || "m/cur/1".to_owned();

        let mut deleted = literal(
            Action::Delete,
            3,
            &["REQ-1", "REQ-2"],
            &["mention", "sender"],
        );
        let got = Removal::deleted(member(), 3, ids(), roles(), before(), None);
        assert_eq!(got, deleted);
        deleted.reason = Some("why".into());
        let got = Removal::deleted(member(), 3, ids(), roles(), before(), Some("why".into()));
        assert_eq!(got, deleted);

        let mut redacted = literal(
            Action::Redact,
            2,
            &["REQ-1", "REQ-2"],
            &["mention", "sender"],
        );
        redacted.sanitized_blake3 = Some(h(b"after"));
        redacted.sanitized_bytes = Some(5);
        let got = Removal::redacted(member(), 2, ids(), roles(), before(), after());
        assert_eq!(got, redacted);

        let mut attachment = literal(Action::DropAttachment, 4, &["REQ-1", "REQ-2"], &[]);
        attachment.part = Some("1.2".into());
        attachment.reason = Some("binary attachment of a redacted message".into());
        let got = Removal::attachment_dropped(member(), 4, ids(), "1.2".into(), before());
        assert_eq!(got, attachment);

        let mut dropped = literal(Action::Drop, 0, &[], &[]);
        dropped.reason = Some(CACHE_IDENTIFIER_REASON.into());
        let got = Removal::dropped(member(), before(), CACHE_IDENTIFIER_REASON);
        assert_eq!(got, dropped);

        let mut renamed = literal(Action::Rename, 0, &[], &[]);
        renamed.sanitized_blake3 = Some(h(b"after"));
        renamed.sanitized_bytes = Some(5);
        renamed.reason = Some("member name held an identifier".into());
        assert_eq!(Removal::renamed(member(), before(), after()), renamed);

        let mut cleaned = literal(Action::Clean, 0, &[], &[]);
        cleaned.sanitized_blake3 = Some(h(b"after"));
        cleaned.sanitized_bytes = Some(5);
        cleaned.reason = Some(PADDING_CLEANED_REASON.into());
        let got = Removal::cleaned(member(), before(), after(), PADDING_CLEANED_REASON);
        assert_eq!(got, cleaned);
    }

    fn removal(i: u64) -> Removal {
        Removal {
            member: format!("odd \"name\"\n\u{1b}\u{e9}/{i}"),
            index: i,
            action: if i.is_multiple_of(2) {
                Action::Redact
            } else {
                Action::DropAttachment
            },
            subjects: (0..i % 3).map(|s| format!("REQ-{s}")).collect(),
            roles: Vec::new(),
            original_blake3: blake3::hash(&i.to_le_bytes()).to_hex().to_string(),
            original_bytes: i,
            sanitized_blake3: i.is_multiple_of(2).then(|| "00".repeat(32)),
            sanitized_bytes: i.is_multiple_of(2).then_some(i + 1),
            part: (i % 2 == 1).then(|| "1.2".into()),
            reason: (i % 4 == 1).then(|| "why".into()),
        }
    }

    #[test]
    fn streaming_equals_whole_struct_serialisation() {
        let keyed = Hasher::new(Some(ManifestKey::from_bytes(&[3u8; 32])));
        for hasher in [Hasher::default(), keyed] {
            for removals in [0, 1, 2, 7] {
                for warnings in [0, 1, 3] {
                    let mut manifest = sample();
                    manifest.removals = (0..removals).map(removal).collect();
                    manifest.warnings = (0..warnings)
                        .map(|i| Warning {
                            member: format!("w{i}\t\"x\""),
                            kind: "non-mail-member-holds-identifier".into(),
                            subjects: vec!["REQ-1".into()],
                        })
                        .collect();
                    manifest.totals.deleted = removals;
                    let label = format!("{removals} removals, {warnings} warnings");
                    let bytes = streamed(&manifest, &hasher);
                    assert_eq!(
                        String::from_utf8(bytes.clone()).unwrap(),
                        String::from_utf8(whole(&manifest, &hasher)).unwrap(),
                        "{label}"
                    );
                    let read: Manifest = serde_json::from_slice(&bytes).unwrap();
                    assert_eq!(read.keyed, hasher.is_keyed(), "{label}");
                    if hasher.is_keyed() {
                        assert!(read.check_mac(&hasher).is_ok(), "{label}");
                    } else {
                        assert_eq!(read.mac, None);
                    }
                    manifest.mac = read.mac.clone();
                    manifest.keyed = read.keyed;
                    assert_eq!(read, manifest, "{label}");
                }
            }
        }
    }

    #[test]
    fn the_writer_holds_no_removal_back() {
        let manifest = sample();
        let spool = io::Cursor::new(Vec::new());
        let mut writer =
            ManifestWriter::new(Vec::new(), spool, &Hasher::default(), &manifest.request).unwrap();
        let mut written = writer.json.out.len();
        for i in 0..2000 {
            writer.removal(&removal(i)).unwrap();
            let now = writer.json.out.len();
            // Everything of the removal went out: its pretty form, a comma,
            // a line break and the indentation.
            let expected = indented(&removal(i), 2).unwrap().len() + 5 + usize::from(i > 0);
            assert_eq!(now - written, expected, "removal {i}");
            written = now;
        }
        // Warnings wait in the spool, not in memory.
        for i in 0..100 {
            writer
                .warning(&Warning {
                    member: format!("m{i}"),
                    kind: "k".into(),
                    subjects: Vec::new(),
                })
                .unwrap();
        }
        assert!(writer.spool.get_ref().len() > 100 * 20);
    }

    #[test]
    fn write_read_round_trip_and_unknown_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        let manifest = sample();
        fs::write(&path, streamed(&manifest, &Hasher::default())).unwrap();
        assert_eq!(Manifest::read(&path).unwrap(), manifest);

        let text = fs::read_to_string(&path)
            .unwrap()
            .replace(FORMAT_V1, "mailscrub.manifest.v9");
        fs::write(&path, text).unwrap();
        assert!(matches!(
            Manifest::read(&path),
            Err(ManifestError::UnknownFormat(f)) if f == "mailscrub.manifest.v9"
        ));
    }

    #[test]
    fn key_file_accepts_raw_and_hex() {
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("raw");
        fs::write(&raw, [5u8; 32]).unwrap();
        let hex = dir.path().join("hex");
        fs::write(&hex, format!("{}\n", "05".repeat(32))).unwrap();
        let a = Hasher::new(Some(ManifestKey::from_file(&raw).unwrap()));
        let b = Hasher::new(Some(ManifestKey::from_file(&hex).unwrap()));
        assert_eq!(a.message(b"m"), b.message(b"m"));
        let short = dir.path().join("short");
        fs::write(&short, b"abc").unwrap();
        assert!(ManifestKey::from_file(&short).is_err());
    }
}
