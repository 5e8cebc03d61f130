//! A byte-preserving tar reader, and header patching for rewritten members.
//!
//! The `tar` crate's copy APIs re-serialise headers and lose GNU long names,
//! pax records, sparse maps and the end-of-archive padding. This reader keeps
//! every byte: each entry comes with the raw bytes of all blocks that describe
//! it (pax `x`/`g` headers, GNU `L`/`K` long names with their data, the main
//! header, GNU sparse extension blocks), the data is streamed, the padding
//! after the data is returned as read, and the zero blocks and trailing bytes
//! after the end-of-archive marker are reported too. Writing an unchanged
//! entry back is a plain copy of those bytes. The `tar` crate parses the
//! fields (sizes in octal or base-256, ustar prefixes, GNU names).

use std::io::{self, BufRead, Read};

use crate::error::read_error_kind;
use crate::error::{Error, ErrorKind, Result};
use crate::readers::{read_full, read_some};

pub use super::block::{BLOCK, checksum_matches};
use super::block::{computed_checksum, stored_checksum};

/// Largest extension header (pax records, GNU long name) we accept; these are
/// held in memory.
const MAX_EXTENSION: u64 = 1 << 20;

/// The error of an unparsable size field. The tar crate's own message quotes
/// the field and the member path, which may hold an identifier.
const SIZE_NOT_A_NUMBER: &str = "the size field is not a number";

/// Most zero blocks read as the end-of-archive marker (1 MiB: a marker
/// padded to a record of the largest blocking factor, 2048, that we accept).
/// Zero blocks beyond it are trailing bytes.
pub(crate) const MAX_END_ZERO_BLOCKS: u64 = 2048;

/// Most bytes accepted after the end-of-archive zero blocks (1 MiB); more
/// is an error, so that an endless stream (`/dev/zero`) cannot run forever.
pub(crate) const MAX_TRAILER: u64 = 1 << 20;

/// What an entry is, as far as mail is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A regular file (types `0`, NUL, `7`, GNU sparse `S`).
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link.
    Hardlink,
    /// Anything else (devices, FIFOs, volume labels, ...).
    Other,
}

/// One tar entry with the raw bytes of its header region.
#[derive(Debug, Clone)]
pub struct RawEntry {
    /// Zero blocks that preceded this entry (an end-of-archive marker of a
    /// concatenated archive), to be written back before `header`.
    pub leading_zero_blocks: u64,
    /// Every header byte as read: extension entries with their data and
    /// padding, the main header block, sparse extension blocks.
    pub header: Vec<u8>,
    /// Offset of the first header byte in the decompressed stream.
    pub offset: u64,
    /// The member path (pax `path`, else GNU long name, else ustar name).
    pub path: Vec<u8>,
    /// The link target of a link (pax `linkpath`, else GNU long link, else
    /// the ustar link name); empty for other entries.
    pub link: Vec<u8>,
    /// The type flag of the main header.
    pub type_flag: u8,
    /// Bytes of data that follow the header region.
    pub size: u64,
}

impl RawEntry {
    /// What the entry is.
    pub(crate) fn kind(&self) -> EntryKind {
        match self.type_flag {
            b'0' | b'\0' | b'7' | b'S' => EntryKind::File,
            b'5' => EntryKind::Dir,
            b'2' => EntryKind::Symlink,
            b'1' => EntryKind::Hardlink,
            _ => EntryKind::Other,
        }
    }

    /// Offset of the first data byte in the decompressed stream.
    pub(crate) fn data_offset(&self) -> u64 {
        self.offset + self.header.len() as u64
    }

    /// Zero bytes that pad `size` bytes of data to a whole block.
    pub(crate) fn padding_for(size: u64) -> u64 {
        (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
    }

    /// The header region rebuilt with the changes of `edit`; every byte it
    /// does not ask to change is kept, except that the padding after
    /// extension data is written as zeros. `None` when a new name does not
    /// fit the header as it is, or an extension header cannot be parsed.
    ///
    /// Paths are written consistently into every field that holds one: the
    /// pax `path` record, the GNU long name, the name of each pax extended
    /// header (`<dir>/PaxHeaders/<name>`, as GNU tar writes it) and the ustar
    /// name (and prefix) of the main header, cut to its field when the path
    /// is also held elsewhere. Link targets likewise (pax `linkpath`, GNU
    /// long link, ustar link name, and the link name field of an extension
    /// block that has one, as libarchive writes it).
    pub(crate) fn rebuild(&self, edit: &HeaderEdit<'_>) -> Option<Vec<u8>> {
        let units = self.units()?;
        let rebuild = Rebuild::new(&units, edit, edit.size != self.size);
        let mut out = Vec::with_capacity(self.header.len() + 64);
        for unit in &units {
            if is_extension(unit.flag) {
                rebuild.extension(unit, &mut out)?;
            } else {
                rebuild.main(unit, &mut out)?;
            }
        }
        Some(out)
    }

    /// The user and group names the header holds: the ustar `uname` and
    /// `gname` fields of every block and any pax `uname`/`gname` records.
    pub(crate) fn owner_names(&self) -> Vec<&[u8]> {
        let Some(units) = self.units() else {
            return Vec::new();
        };
        let mut names = Vec::new();
        for unit in units {
            if is_extension(unit.flag) {
                names.push(field_text(&unit.block[265..297]));
                names.push(field_text(&unit.block[297..329]));
                if matches!(unit.flag, b'x' | b'X' | b'g') {
                    names.extend(
                        tar::PaxExtensions::new(unit.data)
                            .flatten()
                            .filter(|ext| is_owner_key(ext.key_bytes()))
                            .map(|ext| ext.value_bytes()),
                    );
                }
            } else {
                names.push(field_text(&unit.block[265..297]));
                names.push(field_text(&unit.block[297..329]));
            }
        }
        names
    }

    /// Every pax record (key, value) of the header's extension headers.
    pub(crate) fn pax_records(&self) -> Vec<(&[u8], &[u8])> {
        self.units()
            .unwrap_or_default()
            .into_iter()
            .filter(|unit| matches!(unit.flag, b'x' | b'X' | b'g'))
            .flat_map(|unit| {
                tar::PaxExtensions::new(unit.data)
                    .flatten()
                    .map(|ext| (ext.key_bytes(), ext.value_bytes()))
            })
            .collect()
    }

    /// The header region cut into its parts: each extension header with its
    /// data, then the main header with any sparse extension blocks.
    fn units(&self) -> Option<Vec<Unit<'_>>> {
        let raw = &self.header;
        let mut units = Vec::new();
        let mut pos = 0;
        while let Some(block) = raw.get(pos..pos + BLOCK) {
            let flag = block[156];
            if !is_extension(flag) {
                units.push(Unit {
                    flag,
                    block,
                    data: &raw[pos + BLOCK..],
                });
                return Some(units);
            }
            let len =
                usize::try_from(tar::Header::from_byte_slice(block).entry_size().ok()?).ok()?;
            let data = raw.get(pos + BLOCK..pos + BLOCK + len)?;
            units.push(Unit { flag, block, data });
            pos += BLOCK + len + RawEntry::padding_for(len as u64) as usize;
        }
        None
    }
}

/// What [`RawEntry::rebuild`] changes in a header region.
pub(crate) struct HeaderEdit<'a> {
    /// Bytes of data the entry will have (size field and pax `size` record
    /// are rewritten only when this differs from the size as read).
    pub(crate) size: u64,
    /// A new member path for every field that holds the path.
    pub(crate) path: Option<&'a [u8]>,
    /// A new link target for every field that holds it.
    pub(crate) link: Option<&'a [u8]>,
    /// Replace the user and group names (the ustar fields of every block,
    /// pax `uname`/`gname` records) by the numeric ids as decimal text, as
    /// tar falls back to when a name is unknown: the entry's ids (pax `uid`
    /// and `gid`, else the main header's) in the main header and the pax
    /// records, each extension block's own ids in its fields.
    pub(crate) erase_owner: bool,
    /// Pax records (key, value) to leave out; never asked about `path`,
    /// `linkpath`, `size`, `uname` and `gname`, which are set as above.
    pub(crate) drop_record: &'a dyn Fn(&[u8], &[u8]) -> bool,
}

impl HeaderEdit<'_> {
    /// An edit that changes the size only.
    pub(crate) fn size(size: u64) -> HeaderEdit<'static> {
        HeaderEdit {
            size,
            path: None,
            link: None,
            erase_owner: false,
            drop_record: &|_, _| false,
        }
    }
}

/// One [`RawEntry::rebuild`]: the edit, with what it needs to know of the
/// whole header region (the entry's owner ids, which names an extension
/// also holds, whether the size changes).
struct Rebuild<'a, 'e> {
    edit: &'a HeaderEdit<'e>,
    uid: Vec<u8>,
    gid: Vec<u8>,
    path_elsewhere: bool,
    link_elsewhere: bool,
    size_changed: bool,
}

impl<'a, 'e> Rebuild<'a, 'e> {
    /// The rebuild of the region made of `units` with `edit`.
    fn new(units: &[Unit<'_>], edit: &'a HeaderEdit<'e>, size_changed: bool) -> Self {
        let (uid, gid) = owner_ids(units);
        let path_elsewhere = units.iter().any(|u| {
            u.flag == b'L' || (matches!(u.flag, b'x' | b'X') && pax_has_key(u.data, "path"))
        });
        let link_elsewhere = units.iter().any(|u| {
            u.flag == b'K' || (matches!(u.flag, b'x' | b'X') && pax_has_key(u.data, "linkpath"))
        });
        Rebuild {
            edit,
            uid,
            gid,
            path_elsewhere,
            link_elsewhere,
            size_changed,
        }
    }

    /// Appends the main header block, edited, with its data (sparse
    /// blocks) as read; `None` when a name does not fit where it must.
    fn main(&self, unit: &Unit<'_>, out: &mut Vec<u8>) -> Option<()> {
        let edit = self.edit;
        let mut block = block_of(unit.block);
        if let Some(path) = edit.path {
            set_ustar_path(&mut block, path, !self.path_elsewhere)?;
        }
        if let Some(link) = edit.link {
            set_text(&mut block[157..257], link, !self.link_elsewhere)?;
        }
        if edit.erase_owner {
            erase_owner_fields(&mut block, &self.uid, &self.gid);
        }
        if self.size_changed {
            set_size(&mut block, edit.size);
        }
        finish_block(&mut block, unit.block);
        out.extend_from_slice(&block);
        out.extend_from_slice(unit.data);
        Some(())
    }

    /// Appends an extension header block, edited, with its data rewritten
    /// and padded with zeros; `None` when it cannot be rewritten.
    fn extension(&self, unit: &Unit<'_>, out: &mut Vec<u8>) -> Option<()> {
        let edit = self.edit;
        let mut block = block_of(unit.block);
        if edit.erase_owner {
            let (uid, gid) = block_ids(unit.block);
            erase_owner_fields(&mut block, &uid, &gid);
        }
        // Some writers (libarchive) copy the cut link target into the
        // link name of the GNU long-link block itself.
        if let Some(link) = edit.link
            && block[157] != 0
        {
            set_text(&mut block[157..257], link, false);
        }
        let data = self.extension_data(unit, &mut block)?;
        let data = data.unwrap_or_else(|| unit.data.to_vec());
        if data.len() != unit.data.len() {
            set_size(&mut block, data.len() as u64);
        }
        finish_block(&mut block, unit.block);
        out.extend_from_slice(&block);
        out.extend_from_slice(&data);
        out.resize(
            out.len() + RawEntry::padding_for(data.len() as u64) as usize,
            0,
        );
        Some(())
    }

    /// The new data of an extension (`Some(None)`: kept as it is); a pax
    /// header's own name in `block` follows the new path. `None` when it
    /// cannot be rewritten.
    fn extension_data(&self, unit: &Unit<'_>, block: &mut [u8; BLOCK]) -> Option<Option<Vec<u8>>> {
        let (edit, uid, gid) = (self.edit, &self.uid, &self.gid);
        Some(match unit.flag {
            b'x' | b'X' => {
                if let Some(path) = edit.path {
                    set_ustar_path(block, &pax_header_name(path), false)?;
                }
                rewrite_pax(unit.data, edit, self.size_changed, uid, gid, true)?
            }
            b'g' => rewrite_pax(unit.data, edit, false, uid, gid, false)?,
            b'L' => edit.path.map(|path| [path, &[0u8][..]].concat()),
            b'K' => edit.link.map(|link| [link, &[0u8][..]].concat()),
            _ => None,
        })
    }
}

/// One part of a header region: a block with the data that belongs to it
/// (extension data without its padding, or sparse blocks after a main header).
struct Unit<'a> {
    flag: u8,
    block: &'a [u8],
    data: &'a [u8],
}

/// A member path as hard links name it: without leading `/` and `./` and
/// without a trailing `/` (GNU tar and bsdtar resolve `./a/b`, `/a/b` and
/// `a/b` to the same member).
pub(crate) fn link_name(path: &[u8]) -> &[u8] {
    let mut path = path;
    loop {
        if let Some(rest) = path.strip_prefix(b"./") {
            path = rest;
        } else if let Some(rest) = path.strip_prefix(b"/") {
            path = rest;
        } else {
            break;
        }
    }
    path.strip_suffix(b"/").unwrap_or(path)
}

/// Extension header types: their data describes the next entry.
fn is_extension(type_flag: u8) -> bool {
    matches!(type_flag, b'x' | b'g' | b'X' | b'L' | b'K')
}

fn is_owner_key(key: &[u8]) -> bool {
    key == b"uname" || key == b"gname"
}

/// The user and group ids as decimal text: pax `uid`/`gid` records, else
/// the main header's fields (`erased` when unreadable).
fn owner_ids(units: &[Unit<'_>]) -> (Vec<u8>, Vec<u8>) {
    let mut uid = None;
    let mut gid = None;
    for unit in units {
        if matches!(unit.flag, b'x' | b'X') {
            for ext in tar::PaxExtensions::new(unit.data).flatten() {
                match ext.key_bytes() {
                    b"uid" => uid = Some(ext.value_bytes().to_vec()),
                    b"gid" => gid = Some(ext.value_bytes().to_vec()),
                    _ => {}
                }
            }
        } else if !is_extension(unit.flag) {
            let (block_uid, block_gid) = block_ids(unit.block);
            uid = uid.or(Some(block_uid));
            gid = gid.or(Some(block_gid));
        }
    }
    (uid.unwrap_or_default(), gid.unwrap_or_default())
}

/// The uid and gid fields of one header block as decimal text (`erased`
/// when unreadable).
fn block_ids(block: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let header = tar::Header::from_byte_slice(block);
    let text = |id: std::io::Result<u64>| {
        id.map_or_else(|_| b"erased".to_vec(), |id| id.to_string().into_bytes())
    };
    (text(header.uid()), text(header.gid()))
}

/// Replaces a non-empty ustar `uname`/`gname` by the ids given.
fn erase_owner_fields(block: &mut [u8; BLOCK], uid: &[u8], gid: &[u8]) {
    for (range, id) in [(265..297, uid), (297..329, gid)] {
        if block[range.start] != 0 {
            set_text(&mut block[range], id, false);
        }
    }
}

/// The name GNU tar gives the pax extended header of `path`:
/// `<dir>/PaxHeaders/<name>` (`.` for a top-level member).
fn pax_header_name(path: &[u8]) -> Vec<u8> {
    let path = path.strip_suffix(b"/").unwrap_or(path);
    let (dir, name) = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&b"."[..], path),
    };
    [dir, b"/PaxHeaders/", name].concat()
}

/// Recomputes the checksum of a block that differs from `original`.
fn finish_block(block: &mut [u8; BLOCK], original: &[u8]) {
    if block[..] != original[..BLOCK] {
        let mut header = tar::Header::from_byte_slice(block).clone();
        header.set_cksum();
        *block = *header.as_bytes();
    }
}

/// Writes `path` into the name fields of a header block. A ustar header
/// keeps its prefix when the path still starts with it, else the path is
/// split between prefix and name where it fits. When it does not fit, the
/// name is cut to its field if `must_fit` is false (the path is held
/// elsewhere), else `None`.
fn set_ustar_path(block: &mut [u8; BLOCK], path: &[u8], must_fit: bool) -> Option<()> {
    let is_ustar = block[257..263] == *b"ustar\0";
    if !is_ustar {
        return set_text(&mut block[..100], path, must_fit);
    }
    let old_prefix = field_text(&block[345..500]).to_vec();
    let kept = (!old_prefix.is_empty())
        .then(|| path.strip_prefix(old_prefix.as_slice())?.strip_prefix(b"/"))
        .flatten()
        .filter(|name| name.len() <= 100);
    let (prefix, name) = match kept {
        Some(name) => (old_prefix.as_slice(), name),
        None if path.len() <= 100 => (&b""[..], path),
        None => match split_ustar(path) {
            Some(split) => split,
            None if must_fit => return None,
            None => (&b""[..], &path[..100]),
        },
    };
    let (prefix, name) = (prefix.to_vec(), name.to_vec());
    set_text(&mut block[345..500], &prefix, true)?;
    set_text(&mut block[..100], &name, true)
}

/// The ustar split of a long path: the shortest prefix (at most 155 bytes)
/// that leaves a name of at most 100 bytes after its `/`.
fn split_ustar(path: &[u8]) -> Option<(&[u8], &[u8])> {
    path.iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'/' && i > 0 && i <= 155)
        .map(|(i, _)| (&path[..i], &path[i + 1..]))
        .find(|(_, name)| !name.is_empty() && name.len() <= 100)
}

/// The text of a NUL-padded field (up to its first NUL).
fn field_text(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

/// Writes `value` into a NUL-padded header field, cut to the field when it
/// does not fit and `must_fit` is false; `None` when it must fit and does not.
fn set_text(field: &mut [u8], value: &[u8], must_fit: bool) -> Option<()> {
    if value.len() > field.len() && must_fit {
        return None;
    }
    let n = value.len().min(field.len());
    field.fill(0);
    field[..n].copy_from_slice(&value[..n]);
    Some(())
}

fn block_of(bytes: &[u8]) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    block.copy_from_slice(&bytes[..BLOCK]);
    block
}

/// Sets the size field (octal, or base-256 when too large) and the checksum.
fn set_size(block: &mut [u8; BLOCK], size: u64) {
    let mut header = tar::Header::from_byte_slice(block).clone();
    header.set_size(size);
    header.set_cksum();
    *block = *header.as_bytes();
}

fn pax_has_key(records: &[u8], key: &str) -> bool {
    tar::PaxExtensions::new(records)
        .flatten()
        .any(|ext| ext.key_bytes() == key.as_bytes())
}

/// Pax data with the changes of `edit`: for the entry's own records
/// (`entry_records`) `path`, `linkpath` and (if `size_changed`) `size` set,
/// `uname`/`gname` set to the ids when the owner is erased, and the records
/// `edit` drops left out. `Ok(None)` when nothing changes, `None` when a
/// record cannot be parsed.
fn rewrite_pax(
    records: &[u8],
    edit: &HeaderEdit<'_>,
    size_changed: bool,
    uid: &[u8],
    gid: &[u8],
    entry_records: bool,
) -> Option<Option<Vec<u8>>> {
    let mut out = Vec::with_capacity(records.len() + 8);
    let size_text = edit.size.to_string();
    for ext in tar::PaxExtensions::new(records) {
        let ext = ext.ok()?;
        let key = ext.key_bytes();
        let value = match key {
            b"path" if entry_records => edit.path.unwrap_or(ext.value_bytes()),
            b"linkpath" if entry_records => edit.link.unwrap_or(ext.value_bytes()),
            b"size" if entry_records && size_changed => size_text.as_bytes(),
            b"size" if entry_records => ext.value_bytes(),
            b"uname" if edit.erase_owner => uid,
            b"gname" if edit.erase_owner => gid,
            b"uname" | b"gname" => ext.value_bytes(),
            _ if (edit.drop_record)(key, ext.value_bytes()) => continue,
            _ => ext.value_bytes(),
        };
        out.extend(pax_record(key, value));
    }
    Some((out != records).then_some(out))
}

/// One pax record: `"<len> <key>=<value>\n"` where `<len>` counts itself.
fn pax_record(key: &[u8], value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3; // space, '=', newline
    let mut len = body + 1;
    while len != body + len.to_string().len() {
        len = body + len.to_string().len();
    }
    let mut record = format!("{len} ").into_bytes();
    record.extend_from_slice(key);
    record.push(b'=');
    record.extend_from_slice(value);
    record.push(b'\n');
    record
}

/// An item of the tar stream.
#[derive(Debug)]
pub enum Item {
    /// An entry; its data must be read with `TarReader::read_data`.
    Entry(RawEntry),
    /// The end-of-archive marker was reached: `zero_blocks` zero blocks,
    /// followed by whatever [`TarReader::read_trailer`] returns.
    End {
        /// Zero blocks from the marker on, up to the first non-zero byte or
        /// the end of the stream.
        zero_blocks: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a header.
    Header,
    /// Inside an entry's data, `remaining` bytes to go, then `padding`.
    Data { remaining: u64, padding: u64 },
    /// Between the data and the next header.
    Padding { remaining: u64 },
    /// After the end-of-archive marker.
    Trailer,
}

/// Streams the entries of a tar archive with their raw header bytes.
pub struct TarReader<R> {
    reader: R,
    offset: u64,
    state: State,
    /// The entry whose data is being read, for error positions.
    current: Vec<u8>,
    /// Bytes already read past the end-of-archive zero blocks.
    trailer_head: Vec<u8>,
    /// Offset of the first trailing byte, and how many were returned.
    trailer_start: u64,
    trailer_read: u64,
}

impl<R: BufRead> TarReader<R> {
    /// A reader at the start of a tar stream.
    pub fn new(reader: R) -> Self {
        TarReader {
            reader,
            offset: 0,
            state: State::Header,
            current: Vec::new(),
            trailer_head: Vec::new(),
            trailer_start: 0,
            trailer_read: 0,
        }
    }

    fn error(&self, kind: ErrorKind, offset: u64) -> Error {
        let err = Error::at(kind, offset);
        if self.current.is_empty() {
            err
        } else {
            err.with_member(&self.current)
        }
    }

    /// Reads into `buf` until it is full or the stream ends; returns the count.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize> {
        let filled = read_full(&mut self.reader, buf).map_err(|partial| {
            self.error(
                read_error_kind(partial.error),
                self.offset + partial.filled as u64,
            )
        })?;
        self.offset += filled as u64;
        Ok(filled)
    }

    fn read_block(&mut self, block: &mut [u8; BLOCK]) -> Result<usize> {
        self.fill(block)
    }

    /// Reads exactly `len` bytes (an extension header's data) or fails.
    fn read_exact_vec(&mut self, len: u64, what: &'static str) -> Result<Vec<u8>> {
        let start = self.offset;
        let mut data = vec![0u8; len as usize];
        if self.fill(&mut data)? < data.len() {
            return Err(self.error(ErrorKind::TruncatedTar(what), start));
        }
        Ok(data)
    }

    /// Skips what is left of the current entry (data and padding).
    fn skip_rest(&mut self) -> Result<()> {
        let mut sink = [0u8; 8192];
        while self.read_data(&mut sink)? > 0 {}
        self.read_padding()?;
        Ok(())
    }

    /// The next entry, or the end-of-archive marker. Any unread data of the
    /// previous entry is skipped.
    pub fn next_item(&mut self) -> Result<Item> {
        if self.state == State::Trailer {
            return Ok(Item::End { zero_blocks: 0 });
        }
        if self.state != State::Header {
            self.skip_rest()?;
        }
        self.current.clear();
        let mut leading_zero_blocks = 0u64;
        let mut block = [0u8; BLOCK];
        loop {
            let at = self.offset;
            if leading_zero_blocks == MAX_END_ZERO_BLOCKS {
                return Ok(self.end_at(at, leading_zero_blocks));
            }
            let n = self.read_block(&mut block)?;
            if n < BLOCK {
                return self.short_read_end(at, &block[..n], leading_zero_blocks);
            }
            if block.iter().all(|&b| b == 0) {
                leading_zero_blocks += 1;
                continue;
            }
            if leading_zero_blocks > 0 && !checksum_matches(&block) {
                // Bytes after the end-of-archive marker that are no header:
                // not part of the archive, kept as they are.
                self.trailer_head = block.to_vec();
                return Ok(self.end_at(at, leading_zero_blocks));
            }
            let entry = self.read_entry(block, at, leading_zero_blocks)?;
            return Ok(Item::Entry(entry));
        }
    }

    /// The archive ends on a short read of `head` at `at`: the start of the
    /// trailer after `zero_blocks` zero blocks; without any, the archive is
    /// truncated (no end-of-archive marker, or a partial header block).
    fn short_read_end(&mut self, at: u64, head: &[u8], zero_blocks: u64) -> Result<Item> {
        if head.is_empty() && zero_blocks == 0 {
            return Err(self.error(ErrorKind::TruncatedTar("no end-of-archive marker"), at));
        }
        self.trailer_head = head.to_vec();
        let end = self.end_at(at, zero_blocks);
        if !head.is_empty() && zero_blocks == 0 {
            return Err(self.error(ErrorKind::TruncatedTar("partial header block"), at));
        }
        Ok(end)
    }

    /// Ends the archive at `at`, after `zero_blocks` zero blocks: what
    /// follows is the trailer.
    fn end_at(&mut self, at: u64, zero_blocks: u64) -> Item {
        self.trailer_start = at;
        self.state = State::Trailer;
        Item::End { zero_blocks }
    }

    /// Reads the header region of one entry whose first block is `first`.
    fn read_entry(
        &mut self,
        first: [u8; BLOCK],
        offset: u64,
        leading_zero_blocks: u64,
    ) -> Result<RawEntry> {
        let mut header = Vec::with_capacity(BLOCK);
        let mut block = first;
        let mut extensions = Extensions::default();
        let size = self.read_extensions(&mut block, offset, &mut header, &mut extensions)?;
        let type_flag = block[156];
        if type_flag == b'S' {
            self.read_sparse_extensions(&mut header, block[482] != 0)?;
        }
        let size = if is_header_only(type_flag) {
            0
        } else {
            extensions.pax_size.unwrap_or(size)
        };
        let (path, link) = extensions.names(tar::Header::from_byte_slice(&block));
        let entry = RawEntry {
            leading_zero_blocks,
            header,
            offset,
            path,
            link,
            type_flag,
            size,
        };
        self.current = entry.path.clone();
        self.state = State::Data {
            remaining: entry.size,
            padding: RawEntry::padding_for(entry.size),
        };
        Ok(entry)
    }

    /// Reads the extension headers (pax, GNU long name and link) starting
    /// at `block` into `header` and `extensions`, up to the member header
    /// they belong to, which is left in `block` (and appended to `header`);
    /// returns that header's size field.
    fn read_extensions(
        &mut self,
        block: &mut [u8; BLOCK],
        offset: u64,
        header: &mut Vec<u8>,
        extensions: &mut Extensions,
    ) -> Result<u64> {
        let mut block_offset = offset;
        loop {
            let (type_flag, size) = self.checked_header(block, block_offset)?;
            header.extend_from_slice(block);
            if !is_extension(type_flag) {
                return Ok(size);
            }
            let data = self.read_extension_data(size, block_offset, header)?;
            extensions.add(type_flag, &data);
            block_offset = self.offset;
            if self.read_block(block)? < BLOCK {
                return Err(self.error(
                    ErrorKind::TruncatedTar("extension header not followed by a member header"),
                    block_offset,
                ));
            }
        }
    }

    /// The type flag and size field of the header `block` at `block_offset`,
    /// once its checksum is checked.
    fn checked_header(&self, block: &[u8; BLOCK], block_offset: u64) -> Result<(u8, u64)> {
        if !checksum_matches(block) {
            let (computed, _) = computed_checksum(block);
            let stored = stored_checksum(block).unwrap_or(0);
            return Err(self.error(ErrorKind::BadChecksum { stored, computed }, block_offset));
        }
        let size = tar::Header::from_byte_slice(block)
            .entry_size()
            .map_err(|_| {
                self.error(ErrorKind::BadHeader(SIZE_NOT_A_NUMBER.into()), block_offset)
            })?;
        Ok((block[156], size))
    }

    /// Reads the `size` bytes of data of the extension header at
    /// `block_offset` and their padding (at most `MAX_EXTENSION`), both
    /// kept in `header`; returns the data.
    fn read_extension_data(
        &mut self,
        size: u64,
        block_offset: u64,
        header: &mut Vec<u8>,
    ) -> Result<Vec<u8>> {
        if size > MAX_EXTENSION {
            return Err(self.error(
                ErrorKind::BadHeader(format!("extension header of {size} bytes")),
                block_offset,
            ));
        }
        let data = self.read_exact_vec(size, "extension header data ends early")?;
        let padding = RawEntry::padding_for(size);
        let pad = self.read_exact_vec(padding, "extension header padding ends early")?;
        header.extend_from_slice(&data);
        header.extend_from_slice(&pad);
        Ok(data)
    }

    /// Reads the extension blocks of an old GNU sparse header.
    fn read_sparse_extensions(&mut self, header: &mut Vec<u8>, mut extended: bool) -> Result<()> {
        let mut block = [0u8; BLOCK];
        while extended {
            let at = self.offset;
            if self.read_block(&mut block)? < BLOCK {
                return Err(self.error(
                    ErrorKind::TruncatedTar("sparse extension block ends early"),
                    at,
                ));
            }
            header.extend_from_slice(&block);
            extended = block[504] != 0;
        }
        Ok(())
    }

    /// Reads the current entry's data; 0 at its end.
    pub(crate) fn read_data(&mut self, buf: &mut [u8]) -> Result<usize> {
        let State::Data { remaining, padding } = self.state else {
            return Ok(0);
        };
        if remaining == 0 {
            self.state = State::Padding { remaining: padding };
            return Ok(0);
        }
        let want = buf.len().min(remaining.min(usize::MAX as u64) as usize);
        let at = self.offset;
        let n = read_some(&mut self.reader, &mut buf[..want])
            .map_err(|e| self.error(read_error_kind(e), at))?;
        if n == 0 {
            return Err(self.error(ErrorKind::TruncatedTar("member data ends early"), at));
        }
        self.offset += n as u64;
        self.state = State::Data {
            remaining: remaining - n as u64,
            padding,
        };
        Ok(n)
    }

    /// Reads the padding after the current entry's data, as stored (normally
    /// zeros). Call after `read_data` returned 0.
    pub fn read_padding(&mut self) -> Result<Vec<u8>> {
        let remaining = match self.state {
            State::Padding { remaining } => remaining,
            State::Data {
                remaining: 0,
                padding,
            } => padding,
            _ => return Ok(Vec::new()),
        };
        let pad = self.read_exact_vec(remaining, "member padding ends early")?;
        self.state = State::Header;
        Ok(pad)
    }

    /// Streams the bytes after the end-of-archive zero blocks (normally none);
    /// 0 at the end of the stream. More than `MAX_TRAILER` bytes is an
    /// error naming the offset where they start.
    pub fn read_trailer(&mut self, buf: &mut [u8]) -> Result<usize> {
        let n = self.read_trailer_unbounded(buf)?;
        self.trailer_read += n as u64;
        if self.trailer_read > MAX_TRAILER {
            return Err(self.error(
                ErrorKind::TrailingBytes { limit: MAX_TRAILER },
                self.trailer_start,
            ));
        }
        Ok(n)
    }

    fn read_trailer_unbounded(&mut self, buf: &mut [u8]) -> Result<usize> {
        if !self.trailer_head.is_empty() {
            let n = buf.len().min(self.trailer_head.len());
            buf[..n].copy_from_slice(&self.trailer_head[..n]);
            self.trailer_head.drain(..n);
            return Ok(n);
        }
        let at = self.offset;
        let n = read_some(&mut self.reader, buf).map_err(|e| self.error(read_error_kind(e), at))?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// The names and the size that the extension headers before a member
/// header (pax `path`, `linkpath` and `size`, GNU long name and link) give
/// that member in place of its own fields.
#[derive(Default)]
struct Extensions {
    pax_path: Option<Vec<u8>>,
    pax_link: Option<Vec<u8>>,
    pax_size: Option<u64>,
    gnu_long_name: Option<Vec<u8>>,
    gnu_long_link: Option<Vec<u8>>,
}

impl Extensions {
    /// Takes in the `data` of one extension header of type `type_flag`; a
    /// later one overrides an earlier one.
    fn add(&mut self, type_flag: u8, data: &[u8]) {
        match type_flag {
            b'x' | b'X' => {
                for ext in tar::PaxExtensions::new(data).flatten() {
                    match ext.key_bytes() {
                        b"path" => self.pax_path = Some(ext.value_bytes().to_vec()),
                        b"linkpath" => self.pax_link = Some(ext.value_bytes().to_vec()),
                        b"size" => self.pax_size = ext.value().ok().and_then(|v| v.parse().ok()),
                        _ => {}
                    }
                }
            }
            b'L' | b'K' => {
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                let name = Some(data[..end].to_vec());
                match type_flag {
                    b'L' => self.gnu_long_name = name,
                    _ => self.gnu_long_link = name,
                }
            }
            _ => {}
        }
    }

    /// The member's path and link target: pax first, then the GNU long
    /// names, then the fields of its own header `parsed`.
    fn names(self, parsed: &tar::Header) -> (Vec<u8>, Vec<u8>) {
        let path = self
            .pax_path
            .or(self.gnu_long_name)
            .unwrap_or_else(|| parsed.path_bytes().into_owned());
        let link = self
            .pax_link
            .or(self.gnu_long_link)
            .or_else(|| parsed.link_name_bytes().map(|l| l.into_owned()))
            .unwrap_or_default();
        (path, link)
    }
}

/// Types whose size field does not announce data (as Go's archive/tar reads them).
fn is_header_only(type_flag: u8) -> bool {
    matches!(type_flag, b'1' | b'2' | b'3' | b'4' | b'5' | b'6')
}

/// Adapts the current entry's data to [`Read`]; errors come back through
/// `error::io_to_error` with their kind and position.
pub struct EntryData<'a, R>(pub &'a mut TarReader<R>);

impl<R: BufRead> Read for EntryData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read_data(buf).map_err(Error::into_io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn ustar(path: &str, data: &[u8], type_flag: tar::EntryType) -> Vec<u8> {
        let mut h = tar::Header::new_ustar();
        h.set_path(path).unwrap();
        h.set_size(data.len() as u64);
        h.set_entry_type(type_flag);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        let mut out = h.as_bytes().to_vec();
        out.extend_from_slice(data);
        out.resize(
            out.len() + RawEntry::padding_for(data.len() as u64) as usize,
            0,
        );
        out
    }

    fn pax(records: &[(&str, &str)]) -> Vec<u8> {
        let data: Vec<u8> = records
            .iter()
            .flat_map(|(k, v)| pax_record(k.as_bytes(), v.as_bytes()))
            .collect();
        ustar("PaxHeaders/x", &data, tar::EntryType::XHeader)
    }

    /// Copies a tar through the reader, as the pipeline does for untouched members.
    fn copy(input: &[u8]) -> Vec<u8> {
        copy_from(TarReader::new(Cursor::new(input)))
    }

    fn copy_from<R: BufRead>(mut tar: TarReader<R>) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            match tar.next_item().unwrap() {
                Item::Entry(entry) => {
                    out.resize(out.len() + entry.leading_zero_blocks as usize * BLOCK, 0);
                    out.extend_from_slice(&entry.header);
                    EntryData(&mut tar).read_to_end(&mut out).unwrap();
                    out.extend(tar.read_padding().unwrap());
                }
                Item::End { zero_blocks } => {
                    out.resize(out.len() + zero_blocks as usize * BLOCK, 0);
                    let mut buf = [0u8; 100];
                    loop {
                        let n = tar.read_trailer(&mut buf).unwrap();
                        if n == 0 {
                            return out;
                        }
                        out.extend_from_slice(&buf[..n]);
                    }
                }
            }
        }
    }

    fn sample() -> Vec<u8> {
        let mut t = Vec::new();
        t.extend(ustar("dir/", b"", tar::EntryType::Directory));
        t.extend(pax(&[
            ("path", "dir/a very long pax name.eml"),
            ("mtime", "1.5"),
        ]));
        t.extend(ustar(
            "dir/short",
            b"Subject: hi\n\nbody\n",
            tar::EntryType::Regular,
        ));
        t.extend(ustar("dir/empty", b"", tar::EntryType::Regular));
        t.extend(vec![0u8; 10240 - t.len() % 10240]);
        t
    }

    #[test]
    fn copy_is_byte_identical_and_paths_resolve() {
        let input = sample();
        assert_eq!(copy(&input), input);
        let mut tar = TarReader::new(Cursor::new(&input[..]));
        let mut paths = Vec::new();
        while let Item::Entry(e) = tar.next_item().unwrap() {
            paths.push(String::from_utf8(e.path.clone()).unwrap());
        }
        assert_eq!(paths, ["dir/", "dir/a very long pax name.eml", "dir/empty"]);
    }

    #[test]
    fn garbage_after_the_marker_is_kept_as_trailer() {
        let mut input = sample();
        input.extend_from_slice(b"not a header, just bytes");
        assert_eq!(copy(&input), input);
    }

    #[test]
    fn concatenated_archives_are_both_read() {
        let mut input = sample();
        input.extend(sample());
        assert_eq!(copy(&input), input);
        let mut tar = TarReader::new(Cursor::new(&input[..]));
        let mut count = 0;
        while let Item::Entry(_) = tar.next_item().unwrap() {
            count += 1;
        }
        assert_eq!(count, 6);
    }

    /// Hands out `data` in reads of at most 100 bytes, each after a read
    /// interrupted by a signal, then fails with `fail` (or ends).
    struct Interrupting {
        data: Vec<u8>,
        interrupt: bool,
        fail: Option<io::ErrorKind>,
    }

    impl Read for Interrupting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            if self.data.is_empty() {
                return self.fail.map_or(Ok(0), |kind| Err(kind.into()));
            }
            let n = buf.len().min(100).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn interrupted_reads_are_repeated_and_errors_name_their_offset() {
        let mut input = sample();
        input.extend_from_slice(b"trailing bytes");
        let reader = |data: &[u8], fail| {
            // A buffer smaller than a block: the reader's own reads see
            // every interruption.
            let inner = Interrupting {
                data: data.to_vec(),
                interrupt: false,
                fail,
            };
            TarReader::new(io::BufReader::with_capacity(64, inner))
        };
        assert_eq!(copy_from(reader(&input, None)), input);
        // The second header block fails 88 bytes in: the error names the
        // byte where it happened.
        let mut tar = reader(&input[..600], Some(io::ErrorKind::ConnectionReset));
        assert!(matches!(tar.next_item().unwrap(), Item::Entry(_)));
        let err = tar.next_item().unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Read(_)), "{err}");
        assert_eq!(err.position().offset, Some(600));
    }

    #[test]
    fn bad_checksum_names_the_offset() {
        let mut input = sample();
        input[512 + 100] ^= 0x01; // mode field of the pax header
        let mut tar = TarReader::new(Cursor::new(&input[..]));
        assert!(matches!(tar.next_item().unwrap(), Item::Entry(_)));
        let err = tar.next_item().unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::BadChecksum { .. }));
        assert_eq!(err.position().offset, Some(512));
    }

    #[test]
    fn truncated_data_names_the_member() {
        let input = sample();
        let cut = &input[..512 * 4 + 5];
        let mut tar = TarReader::new(Cursor::new(cut));
        tar.next_item().unwrap();
        let Item::Entry(_) = tar.next_item().unwrap() else {
            panic!("expected an entry")
        };
        let err = EntryData(&mut tar)
            .read_to_end(&mut Vec::new())
            .map_err(|_| ())
            .and_then(|_| tar.read_padding().map(|_| ()).map_err(|_| ()));
        assert!(err.is_err());
        let err = tar.next_item().unwrap_err();
        assert_eq!(
            err.position().member.as_deref(),
            Some(&b"dir/a very long pax name.eml"[..])
        );
        assert!(matches!(err.kind(), ErrorKind::TruncatedTar(_)));
    }

    #[test]
    fn header_with_size_patches_pax_and_ustar_sizes() {
        let mut input = pax(&[("path", "m.eml"), ("size", "5")]);
        input.extend(ustar("m.eml", b"hello", tar::EntryType::Regular));
        input.extend(vec![0u8; 1024]);
        let mut tar = TarReader::new(Cursor::new(&input[..]));
        let Item::Entry(entry) = tar.next_item().unwrap() else {
            panic!("expected an entry")
        };
        assert_eq!(entry.size, 5);
        let mut rebuilt = entry.rebuild(&HeaderEdit::size(1234)).unwrap();
        rebuilt.extend(vec![b'x'; 1234]);
        rebuilt.resize(rebuilt.len() + RawEntry::padding_for(1234) as usize, 0);
        rebuilt.extend(vec![0u8; 1024]);
        let mut tar = TarReader::new(Cursor::new(&rebuilt[..]));
        let Item::Entry(patched) = tar.next_item().unwrap() else {
            panic!("expected an entry")
        };
        assert_eq!(patched.size, 1234);
        assert_eq!(patched.path, b"m.eml");
        assert_eq!(copy(&rebuilt), rebuilt);
        assert_eq!(entry.rebuild(&HeaderEdit::size(5)).unwrap(), entry.header);
    }

    fn first_entry(input: &[u8]) -> RawEntry {
        let mut tar = TarReader::new(Cursor::new(input));
        match tar.next_item().unwrap() {
            Item::Entry(entry) => entry,
            Item::End { .. } => panic!("expected an entry"),
        }
    }

    fn gnu_long(path: &str, data: &[u8], uname: &str) -> Vec<u8> {
        let mut long = tar::Header::new_gnu();
        long.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
        long.set_entry_type(tar::EntryType::GNULongName);
        long.set_size(path.len() as u64 + 1);
        long.set_username("root").unwrap();
        long.set_cksum();
        let mut out = long.as_bytes().to_vec();
        out.extend_from_slice(path.as_bytes());
        out.push(0);
        out.resize(out.len().next_multiple_of(BLOCK), 0);
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name.copy_from_slice(&path.as_bytes()[..100]);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_uid(1000);
        h.set_gid(100);
        h.set_username(uname).unwrap();
        h.set_groupname(uname).unwrap();
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(BLOCK), 0);
        out.extend(vec![0u8; 1024]);
        out
    }

    #[test]
    fn rebuild_writes_every_name_field_and_erases_the_owner() {
        let old = format!("users/jane/{}/cur/1:2,S", "x".repeat(120));
        let new = format!("users/erased/{}/cur/1:2,S", "x".repeat(120));
        let input = gnu_long(&old, b"Subject: x\n\n", "jane");
        let entry = first_entry(&input);
        let edit = HeaderEdit {
            size: entry.size,
            path: Some(new.as_bytes()),
            link: None,
            erase_owner: true,
            drop_record: &|_, _| false,
        };
        let header = entry.rebuild(&edit).unwrap();
        assert!(!header.windows(4).any(|w| w == b"jane"));
        let mut rebuilt = header.clone();
        rebuilt.extend_from_slice(&input[entry.header.len()..]);
        let entry = first_entry(&rebuilt);
        assert_eq!(entry.path, new.as_bytes());
        let main = &header[header.len() - BLOCK..];
        assert_eq!(&main[..100], &new.as_bytes()[..100]);
        assert_eq!(field_text(&main[265..297]), b"1000");
        assert_eq!(field_text(&main[297..329]), b"100");
        assert!(checksum_matches(main));
        assert_eq!(copy(&rebuilt), rebuilt);
    }

    #[test]
    fn rebuild_renames_pax_headers_and_leaves_out_records() {
        let path = "example.com/jane/cur/1:2,S";
        let mut input = pax(&[
            ("path", path),
            ("uname", "jane"),
            ("comment", "about jane"),
            ("mtime", "1.5"),
        ]);
        input.extend(ustar(path, b"hello", tar::EntryType::Regular));
        input.extend(vec![0u8; 1024]);
        let entry = first_entry(&input);
        assert_eq!(entry.owner_names(), [&b""[..], b"", b"jane", b"", b""]);
        let drop = |key: &[u8], _: &[u8]| key == b"comment";
        let edit = HeaderEdit {
            size: 5,
            path: Some(b"example.com/erased/cur/1:2,S"),
            link: None,
            erase_owner: true,
            drop_record: &drop,
        };
        let header = entry.rebuild(&edit).unwrap();
        assert!(!header.windows(4).any(|w| w == b"jane"));
        assert_eq!(
            field_text(&header[..100]),
            b"example.com/erased/cur/PaxHeaders/1:2,S"
        );
        let mut rebuilt = header;
        rebuilt.extend_from_slice(&input[entry.header.len()..]);
        let out = first_entry(&rebuilt);
        assert_eq!(out.path, b"example.com/erased/cur/1:2,S");
        let records: Vec<(&[u8], &[u8])> = out.pax_records();
        assert_eq!(
            records,
            [
                (&b"path"[..], &b"example.com/erased/cur/1:2,S"[..]),
                (b"uname", b"erased"),
                (b"mtime", b"1.5")
            ]
        );
    }

    #[test]
    fn rebuild_splits_a_long_ustar_path_or_gives_up() {
        let mut block = [0u8; BLOCK];
        block.copy_from_slice(&ustar("a", b"", tar::EntryType::Regular)[..BLOCK]);
        let long = format!("{}/{}", "d".repeat(150), "n".repeat(90));
        set_ustar_path(&mut block, long.as_bytes(), true).unwrap();
        assert_eq!(field_text(&block[345..500]), "d".repeat(150).as_bytes());
        assert_eq!(field_text(&block[..100]), "n".repeat(90).as_bytes());
        let too_long = "n".repeat(120);
        assert!(set_ustar_path(&mut block, too_long.as_bytes(), true).is_none());
        set_ustar_path(&mut block, too_long.as_bytes(), false).unwrap();
        assert_eq!(&block[..100], &too_long.as_bytes()[..100]);
    }

    #[test]
    fn endless_zeros_end_as_bounded_trailing_bytes() {
        let mut input = ustar("a", b"x", tar::EntryType::Regular);
        input.extend(vec![0u8; 3 << 20]);
        let mut tar = TarReader::new(Cursor::new(&input[..]));
        let Item::Entry(_) = tar.next_item().unwrap() else {
            panic!("expected an entry")
        };
        let Item::End { zero_blocks } = tar.next_item().unwrap() else {
            panic!("expected the end")
        };
        assert_eq!(zero_blocks, MAX_END_ZERO_BLOCKS);
        let mut buf = vec![0u8; 64 * 1024];
        let err = loop {
            match tar.read_trailer(&mut buf) {
                Ok(0) => panic!("the trailer was accepted"),
                Ok(_) => {}
                Err(err) => break err,
            }
        };
        assert!(matches!(err.kind(), ErrorKind::TrailingBytes { .. }));
        assert_eq!(
            err.position().offset,
            Some(BLOCK as u64 * (2 + MAX_END_ZERO_BLOCKS))
        );
    }

    #[test]
    fn pax_record_length_counts_itself() {
        assert_eq!(pax_record(b"size", b"5"), b"9 size=5\n");
        let long = pax_record(b"path", &[b'a'; 95]);
        assert_eq!(long.len(), 105);
        assert!(long.starts_with(b"105 path=aaa"));
        for value_len in 0..2000 {
            let record = pax_record(b"path", &vec![b'a'; value_len]);
            let space = record.iter().position(|&b| b == b' ').unwrap();
            let stated: usize = std::str::from_utf8(&record[..space])
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(stated, record.len(), "value of {value_len} bytes");
        }
    }
}
