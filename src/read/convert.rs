//! Word-processing formats without a reader of their own, legacy Word binary (`.doc`), RTF and OpenDocument text
//! (`.odt`), read by converting them to docx with LibreOffice's converter (`soffice --headless --convert-to docx`)
//! and handing the result to the [docx reader](super::docx). A reader step like any other: it sees bytes and
//! limits, never a mapping.
//!
//! **Finding the converter.** [`soffice`] looks once per process: the program named by `HARMONISE_SOFFICE`
//! ([`SOFFICE_ENV`]: a path, or a name looked up on `PATH`; empty turns conversion off), else `soffice` (then
//! `libreoffice`) on `PATH`. Without one, these documents are `unsupported_format` with a reason naming the Debian
//! package ([`PACKAGE`]) and the alternative, saving the document as docx. `--isolate` workers inherit the
//! program the run found (see `pipeline::isolate`).
//!
//! **One conversion** ([`read_with`]): a private temporary directory holds the input (written as `input.doc`,
//! `input.rtf` or `input.odt`: never the document's own name), the output folder, a temporary folder (`TMPDIR`)
//! and the converter's own user profile (`-env:UserInstallation=file:///...`), so that two conversions at once do
//! not share a profile and block each other. The converter runs with no stdin, its stdout and stderr discarded
//! (they can quote the document), in its own process group, with `RLIMIT_FSIZE` set so no file it writes can
//! grow past `max_file_bytes`. When the document's [`Deadline`] runs out the whole process group is killed
//! (`timeout`); it is killed too when the converter exits (nothing it left behind survives) and on any early
//! return. The docx it wrote is measured against `max_file_bytes` before it is read, then read by the docx
//! reader under the same limits and the rest of the same deadline. The directory is always removed.
//!
//! **Before converting**, what the converter would mishandle is refused here: a `.doc` whose FIB says it is
//! encrypted (`encrypted`), an `.odt` whose manifest lists `encryption-data` (`encrypted`) or whose zip directory
//! breaks the zip limits (`too_large`, the check the docx reader makes).
//!
//! Failures name the converter's exit status or signal, never its output or the document's text.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::{Deadline, FailureKind, Format, Limits, ReadFailure, SourceDoc};

/// Environment variable naming the converter: a path, or a program name looked up on `PATH`; empty turns
/// conversion off.
pub const SOFFICE_ENV: &str = "HARMONISE_SOFFICE";
/// The Debian package that provides the converter.
pub const PACKAGE: &str = "libreoffice-writer-nogui";
/// Program names looked up on `PATH` when [`SOFFICE_ENV`] is not set.
const NAMES: [&str; 2] = ["soffice", "libreoffice"];

/// The converter, as found (or not) once per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soffice {
    program: Option<PathBuf>,
    /// Why there is none, as a clause: "soffice is not on PATH".
    missing: String,
}

impl Soffice {
    /// Finds the converter from an override (the value of [`SOFFICE_ENV`]) and a `PATH` value.
    pub fn locate(override_: Option<&OsStr>, path: Option<&OsStr>) -> Soffice {
        let on_path = |name: &OsStr| {
            path.and_then(|p| {
                std::env::split_paths(p)
                    .filter(|dir| dir.is_absolute())
                    .map(|dir| dir.join(name))
                    .find(|c| executable(c))
            })
        };
        match override_ {
            Some(v) if v.is_empty() => {
                Soffice::none(format!("conversion is turned off ({SOFFICE_ENV} is empty)"))
            }
            Some(v) if Path::new(v).components().count() > 1 => {
                if executable(Path::new(v)) {
                    Soffice::at(PathBuf::from(v))
                } else {
                    Soffice::none(format!(
                        "{SOFFICE_ENV} names {}, which is not an executable program",
                        Path::new(v).display()
                    ))
                }
            }
            Some(v) => match on_path(v) {
                Some(p) => Soffice::at(p),
                None => Soffice::none(format!(
                    "{SOFFICE_ENV} names {}, which is not on PATH",
                    v.to_string_lossy()
                )),
            },
            None => NAMES
                .iter()
                .find_map(|n| on_path(OsStr::new(n)))
                .map_or_else(
                    || Soffice::none("LibreOffice's soffice is not on PATH".into()),
                    Soffice::at,
                ),
        }
    }

    /// A converter at this path (not checked).
    pub fn at(program: PathBuf) -> Soffice {
        Soffice {
            program: Some(program),
            missing: String::new(),
        }
    }

    /// No converter, for this reason (a clause: "soffice is not on PATH").
    pub fn none(why: String) -> Soffice {
        Soffice {
            program: None,
            missing: why,
        }
    }

    /// The program, when there is one.
    pub fn program(&self) -> Option<&Path> {
        self.program.as_deref()
    }
}

/// The converter of this process: found on first use from [`SOFFICE_ENV`] and `PATH`, then kept.
pub fn soffice() -> &'static Soffice {
    static FOUND: OnceLock<Soffice> = OnceLock::new();
    FOUND.get_or_init(|| {
        let found = Soffice::locate(
            std::env::var_os(SOFFICE_ENV).as_deref(),
            std::env::var_os("PATH").as_deref(),
        );
        match found.program() {
            Some(p) => tracing::info!(program = %p.display(), "doc, rtf and odt documents are converted to docx"),
            None => tracing::info!(why = %found.missing, "no converter: doc, rtf and odt documents are unsupported_format"),
        }
        found
    })
}

/// True for a regular file with an execute bit (any file, off unix).
fn executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The document kind, for reasons.
fn what(format: Format) -> &'static str {
    match format {
        Format::Doc => "a legacy Word document (doc)",
        Format::Rtf => "an RTF document",
        _ => "an OpenDocument text (odt)",
    }
}

/// Reads a doc, rtf or odt document through the process's converter ([`soffice`]).
pub fn read(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    deadline: &Deadline,
) -> Result<SourceDoc, ReadFailure> {
    read_with(bytes, format, limits, deadline, soffice())
}

/// Reads a doc, rtf or odt document through a given converter: refused before converting when encrypted or over
/// the zip limits, then converted to docx and read by the docx reader (see the module docs).
pub fn read_with(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    deadline: &Deadline,
    soffice: &Soffice,
) -> Result<SourceDoc, ReadFailure> {
    match format {
        Format::Doc => refuse_encrypted_doc(bytes)?,
        Format::Odt => {
            super::xlsx::check_zip(bytes, limits)?;
            super::ods::refuse_encrypted(
                bytes,
                "encrypted: password-protected OpenDocument text (odt)",
            )?;
        }
        _ => {}
    }
    let Some(program) = soffice.program() else {
        return Err(ReadFailure::new(
            FailureKind::UnsupportedFormat,
            format!(
                "{} is read converted to docx by LibreOffice, and {}: install it (apt install {PACKAGE}) or save the document as docx",
                what(format),
                soffice.missing
            ),
        ));
    };
    let docx = to_docx(program, bytes, format, limits, deadline)?;
    let mut doc = super::docx::read(&docx, limits, deadline)?;
    doc.notes.insert(
        0,
        format!("converted from {format} to docx by LibreOffice before reading"),
    );
    Ok(doc)
}

/// Converts a document to docx in a private temporary directory (always removed) and returns the docx's bytes.
fn to_docx(
    program: &Path,
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Vec<u8>, ReadFailure> {
    let env_failure = |what: &str, e: std::io::Error| {
        ReadFailure::new(
            FailureKind::UnsupportedFormat,
            format!("cannot convert {}: {what}: {}", format.as_str(), e.kind()),
        )
    };
    let dir = tempfile::Builder::new()
        .prefix("harmonise-convert-")
        .tempdir()
        .map_err(|e| env_failure("cannot create a temporary directory", e))?;
    let result = convert_in(dir.path(), program, bytes, format, limits, deadline)
        .map_err(|f| f.map_io(env_failure));
    if let Err(e) = dir.close() {
        tracing::warn!(error = %e.kind(), "could not remove a conversion's temporary directory");
    }
    result
}

/// A failure of one conversion: the document's, or the machine's (an I/O error setting it up).
enum Failed {
    Doc(ReadFailure),
    Io(&'static str, std::io::Error),
}

impl Failed {
    fn map_io(self, f: impl Fn(&str, std::io::Error) -> ReadFailure) -> ReadFailure {
        match self {
            Failed::Doc(r) => r,
            Failed::Io(what, e) => f(what, e),
        }
    }
}

impl From<ReadFailure> for Failed {
    fn from(r: ReadFailure) -> Failed {
        Failed::Doc(r)
    }
}

fn convert_in(
    dir: &Path,
    program: &Path,
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    deadline: &Deadline,
) -> Result<Vec<u8>, Failed> {
    let ext = format.as_str();
    let (input, out, tmp, profile) = (
        dir.join(format!("input.{ext}")),
        dir.join("out"),
        dir.join("tmp"),
        dir.join("profile"),
    );
    for d in [&out, &tmp, &profile] {
        std::fs::create_dir(d).map_err(|e| Failed::Io("cannot create a folder", e))?;
    }
    std::fs::write(&input, bytes).map_err(|e| Failed::Io("cannot write the input", e))?;
    let mut command = Command::new(program);
    command
        .arg(format!("-env:UserInstallation={}", file_url(&profile)))
        .args(["--headless", "--invisible", "--nologo", "--nodefault"])
        .args([
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "docx",
            "--outdir",
        ])
        .arg(&out)
        .arg(&input)
        .current_dir(dir)
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    confine(&mut command, limits.max_file_bytes);
    let child = command
        .spawn()
        .map_err(|e| Failed::Io("cannot start the converter", e))?;
    let mut running = Running { child };
    let status = running.wait(deadline).map_err(|f| match f {
        Failed::Doc(timeout) => Failed::Doc(ReadFailure::new(
            timeout.kind,
            format!(
                "{} (converting {ext} to docx; the converter was killed)",
                timeout.reason
            ),
        )),
        io => io,
    })?;
    drop(running); // kills whatever the converter left running
    if !status.success() {
        return Err(Failed::Doc(exit_failure(status, ext, limits)));
    }
    let output = out.join("input.docx");
    let size = match std::fs::metadata(&output) {
        Ok(m) => m.len(),
        Err(_) => {
            return Err(Failed::Doc(ReadFailure::corrupt(format!(
                "the converter could not convert this {ext} to docx: it exited with status 0 and wrote nothing"
            ))));
        }
    };
    let too_large = |n: u64| {
        ReadFailure::too_large(format!(
            "converted to docx, it is {}, over the {} limit (max_file_bytes)",
            super::size(n),
            super::size(limits.max_file_bytes)
        ))
    };
    if size > limits.max_file_bytes {
        return Err(Failed::Doc(too_large(size)));
    }
    let mut docx = Vec::new();
    std::fs::File::open(&output)
        .and_then(|f| {
            f.take(limits.max_file_bytes.saturating_add(1))
                .read_to_end(&mut docx)
        })
        .map_err(|e| Failed::Io("cannot read the converted document", e))?;
    if docx.len() as u64 > limits.max_file_bytes {
        return Err(Failed::Doc(too_large(docx.len() as u64)));
    }
    Ok(docx)
}

/// Why the converter's exit is a failure: its exit status or signal, never its output.
fn exit_failure(status: ExitStatus, ext: &str, limits: &Limits) -> ReadFailure {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(libc::SIGXFSZ) {
            return ReadFailure::too_large(format!(
                "converting {ext} to docx: the converter wrote a file over the {} limit (max_file_bytes) and was stopped",
                super::size(limits.max_file_bytes)
            ));
        }
        if let Some(sig) = status.signal() {
            return ReadFailure::corrupt(format!(
                "the converter could not convert this {ext} to docx: it was killed by signal {sig}"
            ));
        }
    }
    let _ = limits;
    match status.code() {
        Some(code) => ReadFailure::corrupt(format!(
            "the converter could not convert this {ext} to docx: it exited with status {code}"
        )),
        None => ReadFailure::corrupt(format!(
            "the converter could not convert this {ext} to docx: it ended abnormally"
        )),
    }
}

/// Puts the converter in a process group of its own (so it can be killed with everything it started) and caps
/// the size of any file it writes.
fn confine(command: &mut Command, max_file_bytes: u64) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        let cap = max_file_bytes.saturating_add(1);
        // SAFETY: runs in the forked child before exec; setrlimit is async-signal-safe and nothing is allocated.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: cap as libc::rlim_t,
                    rlim_max: cap as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (command, max_file_bytes);
    }
}

/// A running converter: its whole process group is killed when this is dropped (after it exited too, for what it
/// left behind).
struct Running {
    child: Child,
}

impl Running {
    /// Waits for the converter to exit, or for the deadline (a `timeout` failure).
    fn wait(&mut self, deadline: &Deadline) -> Result<ExitStatus, Failed> {
        let mut step = Duration::from_millis(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) => {}
                Err(e) => return Err(Failed::Io("cannot wait for the converter", e)),
            }
            let left = deadline.remaining();
            if left.is_zero() {
                self.kill();
                deadline.check()?;
                return Err(Failed::Doc(ReadFailure::new(
                    FailureKind::Timeout,
                    "took longer than the per-document limit",
                )));
            }
            std::thread::sleep(step.min(left));
            step = (step * 2).min(Duration::from_millis(50));
        }
    }

    /// Kills the process group (the converter and whatever it started), then reaps the converter.
    fn kill(&mut self) {
        #[cfg(unix)]
        if let Ok(pgid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) takes plain integers; a group that is gone is ESRCH, which is ignored.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `file://` URL of an absolute path, bytes outside the unreserved set percent-encoded.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for &b in path_bytes(path).iter() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

fn path_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().replace('\\', "/").into_bytes()
    }
}

/// True when an OLE2 compound file has a `WordDocument` stream: a directory entry (128 bytes, aligned to 128 in
/// the file, as every sector is) named `WordDocument` with the name length 26 and the stream type.
pub(crate) fn is_word_binary(bytes: &[u8]) -> bool {
    word_document_entry(bytes).is_some()
}

/// The `WordDocument` directory entry's start sector and size.
fn word_document_entry(bytes: &[u8]) -> Option<(u32, u32)> {
    let name: Vec<u8> = "WordDocument\0".bytes().flat_map(|b| [b, 0]).collect();
    bytes.chunks_exact(128).find_map(|entry| {
        let named = entry.get(..name.len()) == Some(name.as_slice());
        let sized = entry.get(64..67) == Some(&[26, 0, 2]);
        if !(named && sized) {
            return None;
        }
        Some((le32(entry, 116)?, le32(entry, 120)?))
    })
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// A `.doc` whose File Information Block says it is encrypted (`fEncrypted`, bit 8 of the flags at offset 10)
/// needs a password the converter cannot be given. Only a stream in the regular sectors (4096 bytes or more: a
/// real document's) is looked at; anything else is left to the converter.
fn refuse_encrypted_doc(bytes: &[u8]) -> Result<(), ReadFailure> {
    let shift = match bytes.get(30..32) {
        Some([9, 0]) => 9u32,
        Some([12, 0]) => 12,
        _ => return Ok(()),
    };
    let Some((start, size)) = word_document_entry(bytes) else {
        return Ok(());
    };
    if size < 4096 {
        return Ok(());
    }
    let fib = u64::from(start)
        .checked_add(1)
        .and_then(|s| s.checked_mul(1 << shift))
        .and_then(|o| usize::try_from(o).ok())
        .and_then(|o| bytes.get(o..o.checked_add(12)?));
    let Some(fib) = fib else { return Ok(()) };
    let ident = fib.get(..2) == Some(&[0xEC, 0xA5]);
    let encrypted = fib.get(11).is_some_and(|flags_high| flags_high & 0x01 != 0);
    if ident && encrypted {
        return Err(ReadFailure::new(
            FailureKind::Encrypted,
            "encrypted: password-protected Word document (doc)",
        ));
    }
    Ok(())
}

/// The OpenDocument text mimetypes (a document and a template).
pub(crate) fn is_odf_text(mimetype: &[u8]) -> bool {
    let m = mimetype.trim_ascii();
    m == b"application/vnd.oasis.opendocument.text"
        || m == b"application/vnd.oasis.opendocument.text-template"
}

/// RTF starts `{\rtf` (after a UTF-8 BOM or white space, which some writers leave).
pub(crate) fn is_rtf(head: &[u8]) -> bool {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    body.trim_ascii_start().starts_with(b"{\\rtf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_wins_and_a_missing_one_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let prog = dir.path().join("soffice");
        std::fs::write(&prog, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = std::env::join_paths([dir.path()]).unwrap();
        assert_eq!(
            Soffice::locate(None, Some(&path)).program(),
            Some(prog.as_path())
        );
        assert_eq!(
            Soffice::locate(Some(OsStr::new("soffice")), Some(&path)).program(),
            Some(prog.as_path())
        );
        assert_eq!(
            Soffice::locate(Some(prog.as_os_str()), None).program(),
            Some(prog.as_path())
        );
        let missing = Soffice::locate(Some(OsStr::new("/no/such/soffice")), Some(&path));
        assert_eq!(missing.program(), None);
        assert!(
            missing.missing.contains("/no/such/soffice"),
            "{}",
            missing.missing
        );
        let off = Soffice::locate(Some(OsStr::new("")), Some(&path));
        assert_eq!(off.program(), None);
        assert!(off.missing.contains("turned off"));
        assert_eq!(Soffice::locate(None, Some(OsStr::new(""))).program(), None);
        // A relative PATH entry is never searched (it would depend on the working folder).
        assert_eq!(Soffice::locate(None, Some(OsStr::new("."))).program(), None);
    }

    #[test]
    fn without_a_converter_the_reason_names_the_package_and_docx() {
        let none = Soffice::none("soffice is not on PATH".into());
        let deadline = Deadline::after(Duration::from_secs(5));
        let f = read_with(
            b"{\\rtf1 x}",
            Format::Rtf,
            &Limits::default(),
            &deadline,
            &none,
        )
        .unwrap_err();
        assert_eq!(f.kind, FailureKind::UnsupportedFormat);
        assert!(
            f.reason.contains("apt install libreoffice-writer-nogui"),
            "{}",
            f.reason
        );
        assert!(
            f.reason.contains("save the document as docx"),
            "{}",
            f.reason
        );
        assert!(f.reason.starts_with("an RTF document"), "{}", f.reason);
    }

    #[test]
    fn urls_escape_what_is_not_plain() {
        assert_eq!(file_url(Path::new("/tmp/a b/p%")), "file:///tmp/a%20b/p%25");
    }

    /// A minimal OLE2 file: a 512-byte header, then a directory sector whose second entry is `WordDocument`
    /// starting at sector 1 with `size` bytes, then that stream, whose FIB has the given flags.
    fn ole_with_word(size: u32, flags: u16) -> Vec<u8> {
        let mut b = vec![0u8; 512 * 3];
        b[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        b[30] = 9;
        let entry = 512 + 128;
        for (i, u) in "WordDocument".encode_utf16().enumerate() {
            b[entry + 2 * i..entry + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        b[entry + 64] = 26;
        b[entry + 66] = 2;
        b[entry + 116..entry + 120].copy_from_slice(&1u32.to_le_bytes());
        b[entry + 120..entry + 124].copy_from_slice(&size.to_le_bytes());
        b[1024..1026].copy_from_slice(&[0xEC, 0xA5]);
        b[1024 + 10..1024 + 12].copy_from_slice(&flags.to_le_bytes());
        b
    }

    #[test]
    fn a_word_binary_is_told_from_other_ole_files_and_its_encryption_seen() {
        let plain = ole_with_word(4096, 0);
        assert!(is_word_binary(&plain));
        assert_eq!(super::super::sniff(&plain), Format::Doc);
        assert!(refuse_encrypted_doc(&plain).is_ok());
        let locked = ole_with_word(4096, 0x0100);
        assert_eq!(
            refuse_encrypted_doc(&locked).unwrap_err().kind,
            FailureKind::Encrypted
        );
        // In the mini stream (under 4096 bytes): not looked at.
        assert!(refuse_encrypted_doc(&ole_with_word(100, 0x0100)).is_ok());
        // The name not at an entry's start, or with the wrong length: not a Word document.
        let mut shifted = vec![0u8; 2];
        shifted.extend_from_slice(&plain);
        assert!(!is_word_binary(&shifted));
        let mut wrong_len = plain.clone();
        wrong_len[512 + 128 + 64] = 24;
        assert!(!is_word_binary(&wrong_len));
        assert_eq!(super::super::sniff(&wrong_len), Format::Ole);
    }

    #[test]
    fn rtf_and_odf_text_are_recognised() {
        assert!(is_rtf(b"{\\rtf1\\ansi x}"));
        assert!(is_rtf(b"\xEF\xBB\xBF\r\n{\\rtf1"));
        assert!(!is_rtf(b"{\\rt"));
        assert!(!is_rtf(b"rtf"));
        assert!(is_odf_text(b"application/vnd.oasis.opendocument.text"));
        assert!(!is_odf_text(
            b"application/vnd.oasis.opendocument.spreadsheet"
        ));
    }

    /// A zip of (name, body) entries, `mimetype` stored.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, body) in entries {
            let method = if *name == "mimetype" {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let opts = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(*name, opts).unwrap();
            zip.write_all(body).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn an_odf_package_is_text_or_spreadsheet_by_its_mimetype() {
        let odf = |mimetype: &[u8]| zip_of(&[("mimetype", mimetype), ("content.xml", b"<x/>")]);
        let sniff = super::super::sniff;
        assert_eq!(
            sniff(&odf(b"application/vnd.oasis.opendocument.text")),
            Format::Odt
        );
        assert_eq!(
            sniff(&odf(b"application/vnd.oasis.opendocument.spreadsheet")),
            Format::Ods
        );
        // Without content.xml it is no ODF document at all, whatever its mimetype says.
        assert_eq!(
            sniff(&zip_of(&[(
                "mimetype",
                b"application/vnd.oasis.opendocument.text"
            )])),
            Format::Zip
        );
        // A docx that also carries a mimetype entry is still a docx.
        assert_eq!(
            sniff(&zip_of(&[
                ("mimetype", b"application/vnd.oasis.opendocument.text"),
                ("content.xml", b"<x/>"),
                ("word/document.xml", b"<w/>"),
            ])),
            Format::Docx
        );
    }

    #[test]
    fn the_committed_fixtures_sniff_as_what_they_are() {
        for (file, format) in [
            ("fenwick-filled-01.doc", Format::Doc),
            ("fenwick-filled-02.rtf", Format::Rtf),
            ("fenwick-filled-03.odt", Format::Odt),
        ] {
            let bytes = std::fs::read(Path::new("fixtures/converted").join(file)).unwrap();
            assert_eq!(super::super::sniff(&bytes), format, "{file}");
            assert_eq!(format.mapping_format(), Format::Docx);
        }
        assert!(
            refuse_encrypted_doc(
                &std::fs::read("fixtures/converted/fenwick-filled-01.doc").unwrap()
            )
            .is_ok()
        );
    }

    #[test]
    fn an_encrypted_or_bombed_odt_is_refused_before_any_converter_runs() {
        // A converter that would fail the test if it ran: it is never reached.
        let never = Soffice::at(PathBuf::from("/no/such/converter"));
        let deadline = Deadline::after(Duration::from_secs(5));
        let text = b"application/vnd.oasis.opendocument.text".as_slice();
        let locked = zip_of(&[
            ("mimetype", text),
            ("content.xml", b"ciphertext"),
            ("META-INF/manifest.xml", b"<manifest:encryption-data/>"),
        ]);
        let f = read_with(&locked, Format::Odt, &Limits::default(), &deadline, &never).unwrap_err();
        assert_eq!(f.kind, FailureKind::Encrypted, "{}", f.reason);
        let zeros = vec![0u8; 2 << 20];
        let bomb = zip_of(&[("mimetype", text), ("content.xml", &zeros)]);
        let small = Limits {
            max_unzipped_bytes: 1 << 20,
            ..Limits::default()
        };
        let f = read_with(&bomb, Format::Odt, &small, &deadline, &never).unwrap_err();
        assert_eq!(f.kind, FailureKind::TooLarge, "{}", f.reason);
        let f = read_with(
            &ole_with_word(4096, 0x0100),
            Format::Doc,
            &Limits::default(),
            &deadline,
            &never,
        )
        .unwrap_err();
        assert_eq!(f.kind, FailureKind::Encrypted, "{}", f.reason);
    }
}
