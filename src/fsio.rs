//! The transaction of a run that writes: its output and its manifest appear
//! together, complete and synced, or neither target changes.
//!
//! Each target that is a regular file (or does not exist yet) is written to
//! a temporary file beside it, `.<target name>.<6 random>.mailscrub-tmp`,
//! mode 0600, held under an exclusive `flock` for as long as the run lives.
//! After the run the output's temporary file is synced and read back (its
//! length and blake3 must be what was written), then the manifest's; then
//! the output is renamed into place and the manifest last (should that
//! rename fail, the output's previous file, kept under a second name, is put
//! back). On any error, and
//! on [`Cancel::cancel`], every temporary file is removed. A later run
//! removes the temporary files of this scheme that nobody holds locked (left
//! by a run that was killed). A FIFO or character device (`/dev/null`) is
//! written as a stream; other special files are refused; a symbolic link is
//! followed and its final destination replaced, the link left in place.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::Cancel;
use crate::record::digest::Digest;

/// The suffix that marks this tool's temporary files.
const TEMP_SUFFIX: &str = ".mailscrub-tmp";
/// Random characters in a temporary file's name.
const TEMP_RANDOM: usize = 6;
/// Symbolic links followed at most, as the kernel does.
const MAX_LINKS: usize = 40;

/// Where one of a run's outputs goes, once symbolic links are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Standard output, written as a stream.
    Stdout,
    /// A FIFO or a character device, written as a stream, never replaced.
    Stream(PathBuf),
    /// A regular file, or a path where none exists yet: replaced atomically.
    Replace(PathBuf),
}

impl Target {
    /// Classifies the output `path` (named by `option`, for errors):
    /// follows symbolic links to their final destination and refuses
    /// directories, block devices and sockets.
    pub(crate) fn resolve(path: &Path, option: &str) -> Result<Target> {
        let mut path = path.to_path_buf();
        for _ in 0..MAX_LINKS {
            let meta = match fs::symlink_metadata(&path) {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Replace(path)),
                Err(e) => return Err(usage(format!("{option} {}: {e}", path.display()))),
            };
            let kind = meta.file_type();
            if kind.is_symlink() {
                let link = fs::read_link(&path)
                    .map_err(|e| usage(format!("{option} {}: {e}", path.display())))?;
                path = parent_dir(&path).join(link);
            } else if kind.is_file() {
                return Ok(Target::Replace(path));
            } else if kind.is_fifo() || kind.is_char_device() {
                return Ok(Target::Stream(path));
            } else {
                let what = if kind.is_dir() {
                    "a directory"
                } else if kind.is_block_device() {
                    "a block device"
                } else if kind.is_socket() {
                    "a socket"
                } else {
                    "a special file"
                };
                return Err(usage(format!(
                    "{option} {} is {what}; an output is a regular file, a FIFO or a character device",
                    path.display()
                )));
            }
        }
        Err(usage(format!(
            "{option} {}: too many levels of symbolic links",
            path.display()
        )))
    }
}

/// What a path names, for telling whether two paths name the same file:
/// its canonical path (the parent directory canonicalized, for a file that
/// does not exist yet) and, for an existing file, its device and inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    path: Option<PathBuf>,
    inode: Option<(u64, u64)>,
}

impl Identity {
    /// The identity of `path` (followed through symbolic links).
    pub(crate) fn of_path(path: &Path) -> Identity {
        let inode = fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
        let canonical = path.canonicalize().ok().or_else(|| {
            let name = path.file_name()?;
            Some(parent_dir(path).canonicalize().ok()?.join(name))
        });
        Identity {
            path: canonical,
            inode,
        }
    }

    /// The identity of an open file (standard input or output), when it is
    /// a regular file.
    pub(crate) fn of_file(file: &File) -> Option<Identity> {
        let meta = file.metadata().ok()?;
        meta.is_file().then(|| Identity {
            path: None,
            inode: Some((meta.dev(), meta.ino())),
        })
    }

    /// True when both name the same file.
    pub(crate) fn same(&self, other: &Identity) -> bool {
        let paths = self.path.is_some() && self.path == other.path;
        paths || (self.inode.is_some() && self.inode == other.inode)
    }
}

/// A temporary file beside its target: locked, mode 0600, registered with
/// a [`Cancel`] and removed when dropped unless it was renamed into place.
#[derive(Debug)]
pub(crate) struct TempFile {
    file: File,
    path: PathBuf,
    target: PathBuf,
    id: u64,
    cancel: Cancel,
}

impl TempFile {
    /// Creates the temporary file for `target` in its directory.
    pub(crate) fn create(target: &Path, cancel: &Cancel) -> Result<TempFile> {
        let dir = parent_dir(target);
        let create = || {
            let created = in_temp_scheme(target, |builder, dir| {
                builder
                    .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
                    .tempfile_in(dir)
                    .and_then(|temp| temp.keep().map_err(|e| e.error))
            });
            let (file, path) = created.map_err(|e| {
                write_error(io::Error::new(
                    e.kind(),
                    format!("cannot create a temporary file in {}: {e}", dir.display()),
                ))
            })?;
            match lock_own(&file, &path) {
                Ok(()) => Ok((file, path)),
                Err(e) => {
                    let _ = fs::remove_file(&path);
                    Err(write_error(e))
                }
            }
        };
        let (file, path, id) = cancel.register(create)?;
        Ok(TempFile {
            file,
            path,
            target: target.to_path_buf(),
            id,
            cancel: cancel.clone(),
        })
    }

    /// The open file.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// Syncs the file and reads it back: its length and blake3 must be
    /// `expected`, what was written.
    fn sync_and_check(&self, expected: &Digest) -> Result<()> {
        self.file.sync_all().map_err(write_error)?;
        let mut reader = &self.file;
        reader.seek(SeekFrom::Start(0)).map_err(write_error)?;
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut bytes = 0u64;
        loop {
            let n = reader.read(&mut buf).map_err(write_error)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            bytes += n as u64;
        }
        if bytes != expected.bytes || hasher.finalize() != expected.hash {
            return Err(write_error(io::Error::other(format!(
                "{}: the temporary file reads back differently from what was written \
                 ({bytes} bytes, {} expected)",
                self.target.display(),
                expected.bytes
            ))));
        }
        Ok(())
    }

    /// Fails unless the temporary path still names this file (nobody
    /// removed or replaced it).
    fn check_in_place(&self) -> Result<()> {
        let ours = self.file.metadata().map_err(write_error)?;
        match fs::symlink_metadata(&self.path) {
            Ok(now) if now.dev() == ours.dev() && now.ino() == ours.ino() => Ok(()),
            _ => Err(write_error(io::Error::other(format!(
                "the temporary file for {} was removed or replaced by another process",
                self.target.display()
            )))),
        }
    }

    /// What is at the target now, kept under a second name (a hard link of
    /// this scheme, removed when dropped) if there is a file.
    fn keep_previous(&self) -> Previous {
        if fs::symlink_metadata(&self.target).is_err() {
            return Previous::Absent;
        }
        in_temp_scheme(&self.target, |builder, dir| {
            builder.make_in(dir, |path| fs::hard_link(&self.target, path))
        })
        .map_or(Previous::Unkept, Previous::Kept)
    }

    fn rename(&self) -> Result<()> {
        fs::rename(&self.path, &self.target).map_err(|e| {
            write_error(io::Error::new(
                e.kind(),
                format!("cannot rename into {}: {e}", self.target.display()),
            ))
        })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.cancel.remove(self.id);
    }
}

/// Takes the exclusive lock on a new temporary file and checks that its
/// path still names it (a later run's clean-up may have taken it between
/// creation and locking).
fn lock_own(file: &File, path: &Path) -> io::Result<()> {
    file.try_lock().map_err(|e| match e {
        fs::TryLockError::Error(e) => e,
        fs::TryLockError::WouldBlock => io::Error::other("the temporary file is locked"),
    })?;
    let ours = file.metadata()?;
    let now = fs::symlink_metadata(path)?;
    if now.dev() != ours.dev() || now.ino() != ours.ino() {
        return Err(io::Error::other("the temporary file was replaced"));
    }
    Ok(())
}

/// Runs `make` with a builder of this tool's temporary file names for
/// `target` (`.<target name>.<6 random>.mailscrub-tmp`, what
/// [`is_temp_name`] and [`remove_stale`] recognise) and the target's
/// directory, where the file is to be made: the one place such names are
/// made, for the temporary file and for the previous file kept by a commit.
fn in_temp_scheme<T>(
    target: &Path,
    make: impl FnOnce(&mut tempfile::Builder, &Path) -> io::Result<T>,
) -> io::Result<T> {
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RANDOM);
    make(&mut builder, &parent_dir(target))
}

/// True when `name` is of this tool's temporary file scheme.
fn is_temp_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(TEMP_SUFFIX) else {
        return false;
    };
    match stem.rsplit_once('.') {
        Some((prefix, random)) => {
            prefix.starts_with('.')
                && prefix.len() > 1
                && random.len() == TEMP_RANDOM
                && random.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// Removes from `dir` the temporary files of this scheme that no running
/// process holds locked: what a killed run left. Best effort: a file that
/// cannot be opened, locked or removed is left alone.
pub(crate) fn remove_stale(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(is_temp_name) {
            continue;
        }
        let path = entry.path();
        let Ok(before) = fs::symlink_metadata(&path) else {
            continue;
        };
        if !before.is_file() {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        let same = |m: &fs::Metadata| m.dev() == before.dev() && m.ino() == before.ino();
        if !file.metadata().is_ok_and(|m| same(&m)) || file.try_lock().is_err() {
            continue;
        }
        if fs::symlink_metadata(&path).is_ok_and(|m| same(&m)) {
            let _ = fs::remove_file(&path);
        }
    }
}

/// Where one output's bytes go during the run.
#[derive(Debug)]
pub(crate) enum Part {
    /// Standard output.
    Stdout(io::Stdout),
    /// A FIFO or character device, opened for writing.
    Stream(File),
    /// A temporary file beside the target.
    Temp(TempFile),
}

impl Part {
    /// Opens the part for `target` (a temporary file, or the stream).
    fn open(target: &Target, cancel: &Cancel) -> Result<Part> {
        Ok(match target {
            Target::Stdout => Part::Stdout(io::stdout()),
            Target::Stream(path) => {
                let file = fs::OpenOptions::new().write(true).open(path).map_err(|e| {
                    write_error(io::Error::new(
                        e.kind(),
                        format!("cannot open {}: {e}", path.display()),
                    ))
                })?;
                Part::Stream(file)
            }
            Target::Replace(path) => Part::Temp(TempFile::create(path, cancel)?),
        })
    }

    /// A writer of the part's bytes (unbuffered).
    pub(crate) fn writer(&self) -> Box<dyn Write + '_> {
        match self {
            Part::Stdout(stdout) => Box::new(stdout.lock()),
            Part::Stream(file) => Box::new(file),
            Part::Temp(temp) => Box::new(temp.file()),
        }
    }

    /// Makes sure the bytes are where they belong: a temporary file synced
    /// and read back against `written`, a stream flushed.
    fn complete(&self, written: &Digest) -> Result<()> {
        match self {
            Part::Stdout(stdout) => stdout.lock().flush().map_err(write_error),
            Part::Stream(file) => match file.sync_all() {
                // A FIFO or a device may not support syncing.
                Err(e) if e.kind() != io::ErrorKind::InvalidInput => Err(write_error(e)),
                _ => Ok(()),
            },
            Part::Temp(temp) => temp.sync_and_check(written),
        }
    }

    fn temp(&self) -> Option<&TempFile> {
        match self {
            Part::Temp(temp) => Some(temp),
            _ => None,
        }
    }
}

/// The two outputs of a run, prepared before any input is read.
#[derive(Debug)]
pub(crate) struct Transaction {
    /// The new backup.
    pub(crate) output: Part,
    /// Its manifest.
    pub(crate) manifest: Part,
    cancel: Cancel,
}

impl Transaction {
    /// Removes stale temporary files beside the targets and opens both
    /// parts. Fails (changing nothing) when a target's directory does not
    /// exist or cannot be written.
    pub(crate) fn begin(output: &Target, manifest: &Target, cancel: &Cancel) -> Result<Self> {
        cancel.check()?;
        for target in [output, manifest] {
            if let Target::Replace(path) = target {
                remove_stale(&parent_dir(path));
            }
        }
        let output_part = Part::open(output, cancel)?;
        let manifest_part = Part::open(manifest, cancel)?;
        Ok(Transaction {
            output: output_part,
            manifest: manifest_part,
            cancel: cancel.clone(),
        })
    }

    /// Completes the output (synced and read back against `output`), then
    /// the manifest (against `manifest`), then renames the output into
    /// place and the manifest last, unless the run was cancelled. Dropping
    /// a transaction that was not committed removes its temporary files.
    pub(crate) fn commit(self, output: &Digest, manifest: &Digest) -> Result<()> {
        self.output.complete(output)?;
        self.manifest.complete(manifest)?;
        let temps: Vec<&TempFile> = [&self.output, &self.manifest]
            .into_iter()
            .filter_map(Part::temp)
            .collect();
        let ids: Vec<u64> = temps.iter().map(|t| t.id).collect();
        self.cancel.commit(&ids, || {
            for temp in &temps {
                temp.check_in_place()?;
            }
            // Each target's previous file, kept under a temporary name until
            // every rename succeeded, to be put back if a later one fails.
            let mut previous = Vec::new();
            for temp in &temps {
                let kept = temp.keep_previous();
                if let Err(e) = temp.rename() {
                    drop(kept);
                    for (temp, kept) in previous.into_iter().rev() {
                        restore(temp, kept);
                    }
                    return Err(e);
                }
                previous.push((temp, kept));
            }
            Ok(())
        })?;
        for temp in &temps {
            sync_dir(&parent_dir(&temp.target))?;
        }
        Ok(())
    }
}

/// A target's file before the commit.
enum Previous {
    /// There was none.
    Absent,
    /// It is kept under a second name until the commit ends.
    Kept(tempfile::NamedTempFile<()>),
    /// There was one, but the file system could not link it.
    Unkept,
}

/// Undoes the rename of `temp` after a later one failed: puts the target's
/// previous file back, or removes the new one when there was none.
fn restore(temp: &TempFile, previous: Previous) {
    let _ = match previous {
        Previous::Kept(kept) => kept.persist(&temp.target).map(drop).map_err(|e| e.error),
        Previous::Absent => fs::remove_file(&temp.target),
        Previous::Unkept => Ok(()),
    };
}

/// Syncs a directory, so that a rename in it reaches the disk.
fn sync_dir(dir: &Path) -> Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems cannot sync a directory.
        Err(e) if e.kind() != io::ErrorKind::InvalidInput => Err(write_error(e)),
        _ => Ok(()),
    }
}

/// The directory of `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn usage(message: String) -> Error {
    Error::new(ErrorKind::Usage(message))
}

fn write_error(e: io::Error) -> Error {
    Error::new(ErrorKind::Write(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised_strictly() {
        assert!(is_temp_name(".out.tar.zst.a1B2c3.mailscrub-tmp"));
        assert!(is_temp_name(".m.json.zzzzzz.mailscrub-tmp"));
        assert!(!is_temp_name("out.a1B2c3.mailscrub-tmp"));
        assert!(!is_temp_name("..a1B2c3.mailscrub-tmp"));
        assert!(!is_temp_name(".out.a1B2c.mailscrub-tmp"));
        assert!(!is_temp_name(".out.a1B2c3.mailscrub-tmp.keep"));
        assert!(!is_temp_name(".out.a1-2c3.mailscrub-tmp"));
    }

    #[test]
    fn the_temporary_file_and_the_kept_previous_file_are_of_the_scheme() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.tar");
        fs::write(&target, b"previous").unwrap();
        let temp = TempFile::create(&target, &Cancel::default()).unwrap();
        let Previous::Kept(kept) = temp.keep_previous() else {
            panic!("the previous file was not kept");
        };
        for path in [&temp.path, &kept.path().to_path_buf()] {
            assert_eq!(path.parent(), Some(dir.path()));
            let name = path.file_name().unwrap().to_str().unwrap();
            assert!(name.starts_with(".out.tar."), "{name}");
            assert!(is_temp_name(name), "{name}");
        }
        assert_eq!(fs::read(kept.path()).unwrap(), b"previous");
    }

    #[test]
    fn stale_files_go_locked_ones_and_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        let cancel = Cancel::default();
        let live = TempFile::create(&dir.path().join("live"), &cancel).unwrap();
        let stale = dir.path().join(".old.Ab12Cd.mailscrub-tmp");
        fs::write(&stale, b"left by a killed run").unwrap();
        let other = dir.path().join(".old.notours");
        fs::write(&other, b"x").unwrap();
        fs::create_dir(dir.path().join(".dir.Ab12Cd.mailscrub-tmp")).unwrap();
        remove_stale(dir.path());
        assert!(!stale.exists());
        assert!(other.exists() && live.path.exists());
        assert!(dir.path().join(".dir.Ab12Cd.mailscrub-tmp").is_dir());
        let mode = fs::metadata(&live.path).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let path = live.path.clone();
        drop(live);
        assert!(!path.exists());
    }

    #[test]
    fn a_temporary_file_that_reads_back_wrong_is_not_committed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let manifest = dir.path().join("m.json");
        fs::write(&out, b"old").unwrap();
        let cancel = Cancel::default();
        let written = || {
            let txn = Transaction::begin(
                &Target::Replace(out.clone()),
                &Target::Replace(manifest.clone()),
                &cancel,
            )
            .unwrap();
            txn.output.writer().write_all(b"new bytes").unwrap();
            txn.manifest.writer().write_all(b"{}").unwrap();
            txn
        };
        let right = |bytes: &[u8]| Digest {
            hash: blake3::hash(bytes),
            bytes: bytes.len() as u64,
        };
        // What the run believes it wrote differs from what is on disk.
        let err = written()
            .commit(&right(b"new bytez"), &right(b"{}"))
            .unwrap_err();
        assert!(err.to_string().contains("reads back differently"), "{err}");
        assert_eq!(fs::read(&out).unwrap(), b"old");
        assert!(!manifest.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        written()
            .commit(&right(b"new bytes"), &right(b"{}"))
            .unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"new bytes");
        assert_eq!(fs::read(&manifest).unwrap(), b"{}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_failed_manifest_rename_puts_the_previous_output_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let manifest = dir.path().join("m.json");
        let digest = |bytes: &[u8]| Digest {
            hash: blake3::hash(bytes),
            bytes: bytes.len() as u64,
        };
        for previous in [Some(b"old".as_slice()), None] {
            match previous {
                Some(bytes) => fs::write(&out, bytes).unwrap(),
                None => {
                    let _ = fs::remove_file(&out);
                }
            }
            let txn = Transaction::begin(
                &Target::Replace(out.clone()),
                &Target::Replace(manifest.clone()),
                &Cancel::default(),
            )
            .unwrap();
            txn.output.writer().write_all(b"new").unwrap();
            // Something takes the manifest's place that a rename cannot replace.
            fs::create_dir(&manifest).unwrap();
            fs::write(manifest.join("x"), b"x").unwrap();
            assert!(txn.commit(&digest(b"new"), &digest(b"")).is_err());
            assert_eq!(fs::read(&out).ok().as_deref(), previous, "{previous:?}");
            let names: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(
                names.len(),
                1 + usize::from(previous.is_some()),
                "{names:?}"
            );
            fs::remove_dir_all(&manifest).unwrap();
        }
    }

    #[test]
    fn identities_see_through_links_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(&a, b"a").unwrap();
        fs::hard_link(&a, dir.path().join("hard")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("here")).unwrap();
        let id = Identity::of_path(&a);
        assert!(id.same(&Identity::of_path(&dir.path().join("hard"))));
        assert!(id.same(&Identity::of_path(&dir.path().join("here/a"))));
        let missing = Identity::of_path(&dir.path().join("new"));
        assert!(missing.same(&Identity::of_path(&dir.path().join("here/new"))));
        assert!(!missing.same(&id));
        assert!(!Identity::of_path(Path::new("/no/such/dir/x")).same(&missing));
    }
}
