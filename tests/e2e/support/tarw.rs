//! A raw tar writer: every header byte is chosen here, nothing is normalised.
//!
//! `tar::Header` fills the fields; the bytes are appended by hand so that pax
//! records, GNU long names, old-style sparse members and end padding are exactly
//! what a test asks for.

use tar::{EntryType, Header};

/// The mtime of every fixture member (2023-11-14T22:13:20Z).
pub const MTIME: u64 = 1_700_000_000;
const BLOCK: usize = 512;

/// Which header layout a member uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// POSIX ustar (`ustar\0` `00`).
    Ustar,
    /// GNU (`ustar ` ` \0`).
    Gnu,
}

/// What follows the end-of-archive marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndPadding {
    /// Exactly two zero blocks (what `tar::Builder::finish` writes).
    TwoBlocks,
    /// Two zero blocks, then zeros up to a multiple of 10240 bytes (GNU tar, Python).
    Record,
}

/// Appends tar members to an in-memory buffer.
#[derive(Default)]
pub struct TarWriter {
    buf: Vec<u8>,
}

impl TarWriter {
    /// An empty archive.
    pub fn new() -> Self {
        Self::default()
    }

    /// Byte offset at which the next header will start.
    pub fn offset(&self) -> usize {
        self.buf.len()
    }

    /// A regular file with a ustar header.
    pub fn file(&mut self, path: &str, data: &[u8]) -> &mut Self {
        self.entry(
            Flavor::Ustar,
            path.as_bytes(),
            EntryType::Regular,
            data,
            b"",
        )
    }

    /// A regular file with a GNU header.
    pub fn gnu_file(&mut self, path: &str, data: &[u8]) -> &mut Self {
        self.entry(Flavor::Gnu, path.as_bytes(), EntryType::Regular, data, b"")
    }

    /// A directory (`path` should end in `/`).
    pub fn dir(&mut self, path: &str) -> &mut Self {
        self.entry(
            Flavor::Ustar,
            path.as_bytes(),
            EntryType::Directory,
            b"",
            b"",
        )
    }

    /// One directory member per entry of `paths`, in order.
    pub fn dirs(&mut self, paths: &[&str]) -> &mut Self {
        for p in paths {
            self.dir(p);
        }
        self
    }

    /// A symbolic link.
    pub fn symlink(&mut self, path: &str, target: &str) -> &mut Self {
        self.entry(
            Flavor::Ustar,
            path.as_bytes(),
            EntryType::Symlink,
            b"",
            target.as_bytes(),
        )
    }

    /// A hard link to an earlier member.
    pub fn hardlink(&mut self, path: &str, target: &str) -> &mut Self {
        self.entry(
            Flavor::Ustar,
            path.as_bytes(),
            EntryType::Link,
            b"",
            target.as_bytes(),
        )
    }

    /// A ustar file whose path (<= 255 bytes) is split between `prefix` and `name`.
    pub fn ustar_prefixed_file(&mut self, path: &str, data: &[u8]) -> &mut Self {
        let mut h = header(
            Flavor::Ustar,
            b"",
            EntryType::Regular,
            data.len() as u64,
            b"",
        );
        h.set_path(path).expect("path fits ustar prefix+name");
        h.set_cksum();
        self.push(&h, data)
    }

    /// A pax `x` extended header with `records`, then a ustar file member.
    /// The ustar name is `path` cut to 100 bytes, as pax writers do.
    pub fn pax_file(&mut self, path: &str, data: &[u8], records: &[(&str, &[u8])]) -> &mut Self {
        let body: Vec<u8> = records.iter().flat_map(|(k, v)| pax_record(k, v)).collect();
        let base = path.rsplit('/').next().unwrap_or(path);
        let xname = format!("PaxHeaders.0/{base}");
        self.entry(
            Flavor::Ustar,
            cut(xname.as_bytes()),
            EntryType::XHeader,
            &body,
            b"",
        );
        self.entry(
            Flavor::Ustar,
            cut(path.as_bytes()),
            EntryType::Regular,
            data,
            b"",
        )
    }

    /// A GNU `L` long-name member, then a GNU file with the name cut to 100 bytes.
    pub fn gnu_long_name_file(&mut self, path: &str, data: &[u8]) -> &mut Self {
        self.long_link_member(EntryType::GNULongName, path.as_bytes());
        self.entry(
            Flavor::Gnu,
            cut(path.as_bytes()),
            EntryType::Regular,
            data,
            b"",
        )
    }

    /// A GNU `K` long-link member, then a GNU symlink with the target cut to 100 bytes.
    pub fn gnu_long_link_symlink(&mut self, path: &str, target: &str) -> &mut Self {
        self.long_link_member(EntryType::GNULongLink, target.as_bytes());
        self.entry(
            Flavor::Gnu,
            path.as_bytes(),
            EntryType::Symlink,
            b"",
            cut(target.as_bytes()),
        )
    }

    /// A GNU old-style sparse member (type `S`) with up to four data `chunks`
    /// `(offset, bytes)` of a file of `real_size` bytes; only the chunks are stored.
    pub fn gnu_sparse_file(
        &mut self,
        path: &str,
        chunks: &[(u64, &[u8])],
        real_size: u64,
    ) -> &mut Self {
        assert!(
            chunks.len() <= 4,
            "old GNU sparse header holds 4 entries without extension"
        );
        let stored: Vec<u8> = chunks.iter().flat_map(|(_, d)| d.iter().copied()).collect();
        let mut h = header(
            Flavor::Gnu,
            path.as_bytes(),
            EntryType::GNUSparse,
            stored.len() as u64,
            b"",
        );
        let gnu = h.as_gnu_mut().expect("GNU header");
        for (slot, (off, data)) in gnu.sparse.iter_mut().zip(chunks) {
            octal(&mut slot.offset, *off);
            octal(&mut slot.numbytes, data.len() as u64);
        }
        gnu.isextended = [0];
        octal(&mut gnu.realsize, real_size);
        h.set_cksum();
        self.push(&h, &stored)
    }

    /// A ustar file whose padding (after `data`, up to the block boundary)
    /// is `padding` followed by zeros, not all zeros.
    pub fn file_with_padding(&mut self, path: &str, data: &[u8], padding: &[u8]) -> &mut Self {
        let h = header(
            Flavor::Ustar,
            path.as_bytes(),
            EntryType::Regular,
            data.len() as u64,
            b"",
        );
        assert!(
            data.len() % BLOCK + padding.len() <= BLOCK,
            "the padding fits the last block"
        );
        self.buf.extend_from_slice(h.as_bytes());
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(padding);
        self.buf.resize(self.buf.len().next_multiple_of(BLOCK), 0);
        self
    }

    /// A ustar file with `header_bytes` written over its header block at
    /// `at` (the checksum recomputed afterwards).
    pub fn file_with_header_bytes(
        &mut self,
        path: &str,
        data: &[u8],
        at: usize,
        header_bytes: &[u8],
    ) -> &mut Self {
        let mut h = header(
            Flavor::Ustar,
            path.as_bytes(),
            EntryType::Regular,
            data.len() as u64,
            b"",
        );
        h.as_mut_bytes()[at..at + header_bytes.len()].copy_from_slice(header_bytes);
        h.set_cksum();
        self.push(&h, data)
    }

    /// Arbitrary bytes (for corrupt archives).
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// The archive with its end-of-archive marker and `padding`.
    pub fn finish(&self, padding: EndPadding) -> Vec<u8> {
        let mut out = self.buf.clone();
        out.resize(out.len() + 2 * BLOCK, 0);
        if padding == EndPadding::Record {
            out.resize(out.len().div_ceil(10240) * 10240, 0);
        }
        out
    }

    fn long_link_member(&mut self, kind: EntryType, long: &[u8]) {
        let mut data = long.to_vec();
        data.push(0);
        self.entry(Flavor::Gnu, b"././@LongLink", kind, &data, b"");
    }

    fn entry(
        &mut self,
        flavor: Flavor,
        name: &[u8],
        kind: EntryType,
        data: &[u8],
        link: &[u8],
    ) -> &mut Self {
        let h = header(flavor, name, kind, data.len() as u64, link);
        self.push(&h, data)
    }

    fn push(&mut self, h: &Header, data: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(h.as_bytes());
        self.buf.extend_from_slice(data);
        self.buf.resize(self.buf.len().next_multiple_of(BLOCK), 0);
        self
    }
}

/// One header with fixed metadata; `name` and `link` are stored raw (cut to 100 bytes).
pub fn header(flavor: Flavor, name: &[u8], kind: EntryType, size: u64, link: &[u8]) -> Header {
    let mut h = match flavor {
        Flavor::Ustar => Header::new_ustar(),
        Flavor::Gnu => Header::new_gnu(),
    };
    put(&mut h.as_old_mut().name, name);
    put(&mut h.as_old_mut().linkname, link);
    h.set_mode(if kind == EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_uid(1000);
    h.set_gid(1000);
    h.set_mtime(MTIME);
    h.set_size(size);
    h.set_entry_type(kind);
    h.set_username("mail").expect("short uname");
    h.set_groupname("mail").expect("short gname");
    h.set_cksum();
    h
}

/// One pax record: `"<len> <key>=<value>\n"`, where `<len>` counts itself.
pub fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let rest = key.len() + value.len() + 3;
    let mut len = rest + 1;
    while len != rest + len.to_string().len() {
        len = rest + len.to_string().len();
    }
    let mut r = format!("{len} {key}=").into_bytes();
    r.extend_from_slice(value);
    r.push(b'\n');
    assert_eq!(r.len(), len);
    r
}

fn cut(b: &[u8]) -> &[u8] {
    &b[..b.len().min(100)]
}

fn put(field: &mut [u8], value: &[u8]) {
    field.fill(0);
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

fn octal(field: &mut [u8], value: u64) {
    let s = format!("{value:0w$o}", w = field.len() - 1);
    field[..s.len()].copy_from_slice(s.as_bytes());
    field[s.len()..].fill(0);
}

/// Paths longer than 100 bytes used by [`header_zoo`].
pub const LONG_DIR: &str =
    "home/alice/Maildir/.Archive.2019.Projects.a-rather-long-folder-name-that-keeps-going/cur/";

/// Every header form the reader must preserve, each around a mail message:
/// directories, pax `x` (path, fractional mtime, uname), GNU `L`/`K`, a ustar
/// prefix path, symlink, hard link, and an old GNU sparse member.
/// Returns the archive and the member paths `tar::Archive` should list, in order.
pub fn header_zoo(padding: EndPadding) -> (Vec<u8>, Vec<String>) {
    use super::mail::{maildir_name, message};
    let msg = |s: &str| {
        message(
            "alice@example.com",
            "bob@example.org",
            s,
            "Body line.\nFrom a body line.\n",
        )
    };
    let (m1, m2, m3, m4) = (msg("pax"), msg("gnu long"), msg("prefix"), msg("sparse"));
    let long = format!("{LONG_DIR}{}", maildir_name(1, m2.len(), Some("RS")));
    let prefixed = format!(
        "home/alice/Maildir/.Lists.mailscrub-dev.announcements/cur/{}",
        maildir_name(2, m3.len(), Some("S"))
    );
    let pax_path = format!(
        "home/alice/Maildir/cur/{}",
        maildir_name(3, m1.len(), Some("S"))
    );
    let mut tw = TarWriter::new();
    tw.dir("home/")
        .dir("home/alice/")
        .dir("home/alice/Maildir/")
        .dir("home/alice/Maildir/cur/");
    tw.pax_file(
        &pax_path,
        &m1,
        &[
            ("path", pax_path.as_bytes()),
            ("mtime", b"1700000000.123456789"),
            ("uname", b"alice.example"),
        ],
    );
    tw.gnu_long_name_file(&long, &m2);
    tw.ustar_prefixed_file(&prefixed, &m3);
    tw.symlink("home/alice/inbox-link", "Maildir/cur");
    let far = format!("../{LONG_DIR}target");
    tw.gnu_long_link_symlink("home/alice/far-link", &far);
    tw.hardlink("home/alice/hard-copy", &pax_path);
    let head = [b"# sparse head\n".as_slice(), &[b'#'; 497], b"\n"].concat();
    let hole = 4096u64;
    tw.gnu_sparse_file(
        "home/alice/sparse.img",
        &[(0, &head), (hole, &m4)],
        hole + m4.len() as u64,
    );
    tw.gnu_file(
        "home/alice/after-sparse.txt",
        b"Member after the sparse one.\n",
    );
    let paths = [
        "home/",
        "home/alice/",
        "home/alice/Maildir/",
        "home/alice/Maildir/cur/",
        &pax_path,
        &long,
        &prefixed,
        "home/alice/inbox-link",
        "home/alice/far-link",
        "home/alice/hard-copy",
        "home/alice/sparse.img",
        "home/alice/after-sparse.txt",
    ];
    (
        tw.finish(padding),
        paths.iter().map(|s| s.to_string()).collect(),
    )
}

#[test]
fn fixture_header_zoo_lists_with_tar_crate() {
    let (tar, expected) = header_zoo(EndPadding::Record);
    let listing = super::check::tar_listing(&tar);
    assert_eq!(super::check::paths(&listing), expected);
    assert_eq!(tar.len() % 10240, 0);
    let pax = &listing[4].pax;
    assert!(
        pax.iter().any(|r| r == "mtime=1700000000.123456789"),
        "{pax:?}"
    );
    assert_eq!(
        listing[8].link.as_deref(),
        Some(format!("../{LONG_DIR}target").as_str())
    );
    assert_eq!(listing[10].kind, b'S');
}

#[test]
fn fixture_pax_record_length_counts_itself() {
    assert_eq!(pax_record("path", b"a"), b"9 path=a\n");
    assert!(pax_record("k", &[b'v'; 93]).starts_with(b"99 k="));
    assert!(pax_record("k", &[b'v'; 94]).starts_with(b"101 k="));
}

#[test]
#[ignore = "manual: dumps fixtures to $MAILSCRUB_DUMP for inspection with GNU tar"]
fn fixture_dump_for_manual_inspection() {
    let Some(dir) = std::env::var_os("MAILSCRUB_DUMP") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::write(dir.join("zoo.tar"), header_zoo(EndPadding::Record).0).unwrap();
    let mixed = super::mail::tar_of(&super::mail::mixed_fixture(), EndPadding::TwoBlocks);
    std::fs::write(dir.join("mixed.tar"), mixed).unwrap();
    for v in super::mail::MboxVariant::ALL {
        std::fs::write(dir.join(format!("{}.mbox", v.name())), v.build().0).unwrap();
    }
}
