//! Writing a run's files: `records.jsonl` and `records.csv` (and `records.shareable.csv` with `--shareable`)
//! streamed as documents finish (in input order), and `manifest.json` at the end.
//!
//! Every file is written to a temporary file (`.harmonise-tmp-*`) in the output folder. Nothing is renamed into
//! place until every output of the run is complete and synced ([`Staged`]); then a commit journal naming every
//! rename is written (`.harmonise-commit`), the files are renamed in a fixed order ([`commit_all`]), the
//! incremental state file last, and the journal is removed. A run killed before the journal leaves the previous
//! run's files whole, and its temporary files are removed by the next run ([`clean_stale_temps`]); one killed
//! after it is rolled forward by the next run ([`recover`]), so the files of one commit appear together. Files are
//! created user-only (0600) and the folder 0700. [`OutputLock`] keeps two runs out of one output folder.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::manifest::OutputFile;
use crate::record::{FieldOutcome, FieldStatus, Record};
use crate::template::{Shareable, Template};

/// Bytes gathered before each write to an output: outputs run to tens of megabytes (the manifest and state hold
/// a few hundred bytes a document), and std's 8 KiB meant thousands of `write` calls, a fifth of an unchanged run.
const WRITE_BUFFER: usize = 256 << 10;

/// Prefix of every temporary file harmonise writes in an output folder.
pub const TEMP_PREFIX: &str = ".harmonise-tmp-";

/// The lock file in an output folder.
pub const LOCK_FILE: &str = ".harmonise.lock";

/// The commit journal in an output folder: present only while a commit's renames are under way.
pub const JOURNAL_FILE: &str = ".harmonise-commit";

/// A new run id: the UTC time and a blake3 of the process id and the clock's nanoseconds, e.g.
/// `20261201T201530Z-3f2a9c1b`. Sorts by time; two runs in one second still differ.
pub fn new_run_id() -> String {
    let now = jiff::Timestamp::now();
    let mut seed = blake3::Hasher::new();
    seed.update(&std::process::id().to_le_bytes());
    seed.update(&now.as_nanosecond().to_le_bytes());
    let tag: String = seed.finalize().to_hex().chars().take(8).collect();
    format!("{}-{tag}", now.strftime("%Y%m%dT%H%M%SZ"))
}

/// A failure to write outputs: it stops the run (exit 1), unlike a bad document.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct WriteError {
    action: &'static str,
    path: PathBuf,
    source: std::io::Error,
}

impl WriteError {
    /// The file the failure concerns.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An I/O failure while doing `action` to `path`.
    pub fn new(action: &'static str, path: &Path, source: std::io::Error) -> WriteError {
        WriteError {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

fn ctx(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> WriteError {
    let path = path.to_path_buf();
    move |source| WriteError {
        action,
        path,
        source,
    }
}

/// A file being written under a temporary name.
pub struct AtomicFile {
    temp: BufWriter<NamedTempFile>,
    dest: PathBuf,
}

impl AtomicFile {
    /// Starts writing `dest`.
    pub fn create(dest: &Path) -> Result<AtomicFile, WriteError> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(ctx("creating a temporary file in", dir))?;
        Ok(AtomicFile {
            temp: BufWriter::with_capacity(WRITE_BUFFER, temp),
            dest: dest.to_path_buf(),
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.temp
    }

    /// Flushes and syncs, but leaves the file under its temporary name: see [`commit_all`].
    pub fn finish(self) -> Result<Staged, WriteError> {
        let dest = self.dest;
        let temp = self
            .temp
            .into_inner()
            .map_err(|e| ctx("writing", &dest)(e.into_error()))?;
        temp.as_file().sync_all().map_err(ctx("syncing", &dest))?;
        Ok(Staged { temp, dest })
    }

    /// Flushes, syncs and renames into place at once.
    pub fn commit(self) -> Result<(), WriteError> {
        self.finish()?.persist()
    }
}

/// A complete output still under its temporary name, waiting to be renamed into place.
pub struct Staged {
    temp: NamedTempFile,
    dest: PathBuf,
}

impl Staged {
    /// Where it goes.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Where it is until it is committed: readable, complete.
    pub fn staged_path(&self) -> &Path {
        self.temp.path()
    }

    /// The finished file's metadata (its size and modification time survive the rename).
    pub fn metadata(&self) -> std::io::Result<std::fs::Metadata> {
        self.temp.as_file().metadata()
    }

    /// The finished file's blake3, read back from its temporary file.
    pub fn blake3(&self) -> Result<String, WriteError> {
        let mut hasher = blake3::Hasher::new();
        self.temp
            .reopen()
            .and_then(|f| hasher.update_reader(f).map(|_| ()))
            .map_err(ctx("reading back", &self.dest))?;
        Ok(hasher.finalize().to_hex().to_string())
    }

    /// How the manifest lists it, as written by run `run_id`.
    pub fn listing(&self, run_id: &str) -> Result<OutputFile, WriteError> {
        let size = self
            .metadata()
            .map_err(ctx("reading back", &self.dest))?
            .len();
        Ok(OutputFile {
            file: self
                .dest
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            size,
            blake3: self.blake3()?,
            run_id: run_id.to_string(),
        })
    }

    /// Renames it into place.
    pub fn persist(self) -> Result<(), WriteError> {
        let dest = self.dest;
        self.temp
            .persist(&dest)
            .map_err(|e| ctx("renaming into", &dest)(e.error))?;
        Ok(())
    }
}

/// What [`commit_all`] writes before its first rename: the renames still to do, by file name in the output folder.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Journal {
    run_id: String,
    renames: Vec<(String, String)>,
}

/// Renames staged outputs into place in the order given, as one commit of run `run_id`: a journal naming every
/// rename is written first (atomically, synced), so that a commit interrupted between two renames is completed by
/// [`recover`], then the renames, a sync of the folder, and the journal is removed. Put the state file last.
///
/// A rename that fails (the destination is a folder, say) costs only its file: the others still land, and the
/// failures are returned for the caller to judge (a report may fail alone; records may not). `Err` means nothing
/// was renamed.
pub fn commit_all(
    out: &Path,
    run_id: &str,
    mut staged: Vec<Staged>,
) -> Result<Vec<WriteError>, WriteError> {
    if staged.len() <= 1 {
        // One rename is atomic by itself (an unchanged night commits only the manifest): no journal, and two
        // fsyncs fewer.
        let Some(one) = staged.pop() else {
            return Ok(Vec::new());
        };
        let failed = one.persist().err().into_iter().collect();
        sync_dir(out)?;
        return Ok(failed);
    }
    let name = |path: &Path| path.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut renames = Vec::with_capacity(staged.len());
    let mut temps = Vec::with_capacity(staged.len());
    for s in staged {
        let (Some(temp), Some(dest)) = (name(s.temp.path()), name(&s.dest)) else {
            return Err(WriteError::new(
                "committing",
                &s.dest,
                std::io::Error::other("not a file name"),
            ));
        };
        renames.push((temp, dest));
        temps.push(s);
    }
    let journal_path = out.join(JOURNAL_FILE);
    stage_json(
        &journal_path,
        &Journal {
            run_id: run_id.to_string(),
            renames,
        },
    )?
    .persist()?;
    sync_dir(out)?;
    // Every temporary file kept first: if a rename fails, the rest stay for the next run to roll forward.
    let kept = temps
        .into_iter()
        .map(|s| {
            let dest = s.dest;
            match s.temp.into_temp_path().keep() {
                Ok(temp) => Ok((temp, dest)),
                Err(e) => Err(ctx("keeping", &dest)(e.error)),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut failed = Vec::new();
    for (temp, dest) in kept {
        if let Err(e) = std::fs::rename(&temp, &dest) {
            // Rolling it forward later would fail the same way: the temporary file goes.
            let _ = std::fs::remove_file(&temp);
            failed.push(ctx("renaming into", &dest)(e));
        }
        test_hook_die_after_rename();
    }
    sync_dir(out)?;
    std::fs::remove_file(&journal_path).map_err(ctx("removing", &journal_path))?;
    Ok(failed)
}

/// The first failure of a commit that must land whole, as an error.
pub fn whole(failed: Vec<WriteError>) -> Result<(), WriteError> {
    failed.into_iter().next().map_or(Ok(()), Err)
}

/// For tests only: `HARMONISE_TEST_DIE_AFTER_RENAMES=n` aborts the process after the n-th rename of a commit,
/// leaving what a kill between two renames leaves.
fn test_hook_die_after_rename() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RENAMED: AtomicUsize = AtomicUsize::new(0);
    let Some(limit) = std::env::var("HARMONISE_TEST_DIE_AFTER_RENAMES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return;
    };
    if RENAMED.fetch_add(1, Ordering::SeqCst) + 1 >= limit {
        std::process::abort();
    }
}

fn sync_dir(out: &Path) -> Result<(), WriteError> {
    #[cfg(unix)]
    {
        std::fs::File::open(out)
            .and_then(|d| d.sync_all())
            .map_err(ctx("syncing", out))?;
    }
    let _ = out;
    Ok(())
}

/// Completes a commit interrupted between two renames (a journal is present): renames the temporary files it
/// names that still exist (they were complete and synced before the journal was written), then removes the
/// journal. Returns the interrupted run's id when anything had to be renamed. Call it under the lock, before
/// [`clean_stale_temps`].
pub fn recover(out: &Path) -> Result<Option<String>, WriteError> {
    let path = out.join(JOURNAL_FILE);
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(WriteError::new("reading", &path, e)),
    };
    // Written atomically, so it is whole; anything else is not ours to act on.
    let journal: Journal = serde_json::from_slice(&text)
        .map_err(|e| WriteError::new("reading", &path, std::io::Error::other(e)))?;
    let plain = |name: &str| !name.is_empty() && !name.contains(['/', '\\']) && name != "..";
    let mut renamed = 0;
    for (temp, dest) in &journal.renames {
        if !(plain(temp) && plain(dest) && temp.starts_with(TEMP_PREFIX)) {
            continue;
        }
        let from = out.join(temp);
        if from.is_file() {
            let to = out.join(dest);
            std::fs::rename(&from, &to).map_err(ctx("renaming into", &to))?;
            renamed += 1;
        }
    }
    sync_dir(out)?;
    std::fs::remove_file(&path).map_err(ctx("removing", &path))?;
    Ok((renamed > 0).then_some(journal.run_id))
}

/// Removes temporary files left in the output folder by a run that was killed; returns how many.
pub fn clean_stale_temps(out: &Path) -> Result<usize, WriteError> {
    let mut removed = 0;
    let entries = std::fs::read_dir(out).map_err(ctx("listing", out))?;
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            && entry.file_type().is_ok_and(|t| t.is_file());
        if stale {
            std::fs::remove_file(entry.path()).map_err(ctx("removing", &entry.path()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// An exclusive OS advisory lock on `OUT/.harmonise.lock`, held while the value lives. The OS releases it when the
/// process ends, however it ends, so a killed run never leaves a stale lock.
#[derive(Debug)]
pub struct OutputLock {
    _file: std::fs::File,
}

/// Why the output folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error(
        "another harmonise run is writing to {}: it holds the lock {}; wait for it to finish",
        out.display(),
        lock.display()
    )]
    Busy {
        /// The output folder.
        out: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// The lock file could not be opened or locked.
    #[error(transparent)]
    Io(#[from] WriteError),
}

impl OutputLock {
    /// Takes the lock without waiting.
    pub fn acquire(out: &Path) -> Result<OutputLock, LockError> {
        let path = out.join(LOCK_FILE);
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(ctx("opening", &path))?;
        match file.try_lock() {
            Ok(()) => Ok(OutputLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy {
                out: out.to_path_buf(),
                lock: path,
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(ctx("locking", &path)(e).into()),
        }
    }
}

/// Where a record's line lies in `records.jsonl`, so a later run can carry it forward without parsing the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordSpan {
    /// Byte offset of the line.
    pub offset: u64,
    /// Length of the line, without its newline.
    pub len: u64,
}

/// Writes records as they come, in input order. Records arrive encoded ([`Encoder`], on the worker threads) or as
/// the raw bytes of a previous run's files (carried forward): the writer only appends bytes.
///
/// A writer started with [`RecordWriter::resume`] first *keeps* the previous run's `records.jsonl` and
/// `records.csv`: as long as each record carried forward lies exactly where the previous files have it
/// ([`RecordWriter::keep`]), nothing is written; at the first difference (a new record, a gap left by a deleted or
/// changed one, fewer records at the end) the previous files' prefix is copied into new files and writing goes on
/// from there. A run that changes no record writes no record.
pub struct RecordWriter {
    /// The files being written; `None` while the previous ones are kept.
    files: Option<RecordFiles>,
    /// The previous files, while they are kept.
    previous: Option<Previous>,
    jsonl_len: u64,
    csv_len: u64,
    csv_header: Vec<u8>,
    out: PathBuf,
}

struct RecordFiles {
    jsonl: AtomicFile,
    csv: AtomicFile,
    shareable: Option<AtomicFile>,
}

struct Previous {
    jsonl: std::fs::File,
    jsonl_total: u64,
    csv: std::fs::File,
    csv_total: u64,
}

/// One record encoded for every output file.
#[derive(Debug, Clone, Default)]
pub struct Encoded {
    /// Its `records.jsonl` line, without the newline.
    pub jsonl: Vec<u8>,
    /// Its `records.csv` row, with the terminator.
    pub csv: Vec<u8>,
    /// Its `records.shareable.csv` row, with the terminator (with `--shareable`).
    pub shareable: Option<Vec<u8>>,
}

/// Encodes records into their output bytes; cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Encoder {
    /// Per template field, in template order (with `--shareable`).
    rules: Option<Vec<Shareable>>,
}

/// One CSV row with its terminator, every cell neutralised ([`neutralise`]).
pub(crate) fn csv_row<I, T>(fields: I) -> std::io::Result<Vec<u8>>
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(4096)
        .from_writer(Vec::with_capacity(1024));
    for field in fields {
        w.write_field(neutralise(field.as_ref()).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)?;
    w.into_inner().map_err(|e| e.into_error())
}

/// A spreadsheet cell's text made inert (OWASP, "CSV Injection"): a cell starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading `'`, so Excel or LibreOffice shows it as text instead of running it as a
/// formula (`=HYPERLINK(...)`, `=cmd|...`). Left alone: a cell made only of digits, spaces and `+ - ( ) .` (a
/// phone number `+44 7700 900123`, `-3`, a lone `-`), which cannot name a function or a cell, so cannot do harm as
/// a formula. Every other cell is returned as it is.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    // The first byte decides for almost every cell: only a risky start pays for the scan.
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && !cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'));
    if risky {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

impl Encoder {
    /// An encoder for the template's columns (and the shareable copy when `shareable`).
    pub fn new(template: &Template, shareable: bool) -> Encoder {
        Encoder {
            rules: shareable.then(|| template.fields.iter().map(|f| f.shareable).collect()),
        }
    }

    /// True when the shareable copy is written.
    pub fn shareable(&self) -> bool {
        self.rules.is_some()
    }

    /// The record's bytes for every file.
    pub fn encode(&self, record: &Record) -> std::io::Result<Encoded> {
        let mut jsonl = Vec::with_capacity(4096);
        serde_json::to_writer(&mut jsonl, record)?;
        let invalid: Vec<&str> = record
            .fields
            .iter()
            .filter(|(_, f)| f.status == FieldStatus::Invalid)
            .map(|(id, _)| id.as_str())
            .collect();
        let status = format!("{:?}", record.status).to_lowercase();
        let mut row = vec![
            record.file.clone(),
            record.mapping.clone(),
            record.la_code.clone(),
            status.clone(),
            invalid.join(" "),
        ];
        row.extend(record.fields.values().map(|f| valid_texts(f).join(" | ")));
        let csv = csv_row(&row)?;
        Ok(Encoded {
            jsonl,
            csv,
            shareable: self.shareable_row(record).transpose()?,
        })
    }

    /// The record's `records.shareable.csv` row, with `--shareable`.
    pub fn shareable_row(&self, record: &Record) -> Option<std::io::Result<Vec<u8>>> {
        let rules = self.rules.as_ref()?;
        let invalid: Vec<&str> = record
            .fields
            .iter()
            .filter(|(_, f)| f.status == FieldStatus::Invalid)
            .map(|(id, _)| id.as_str())
            .collect();
        // The file name may itself name the child: the shareable copy carries a pseudonym instead.
        let mut row = vec![
            pseudonym(&record.file),
            record.mapping.clone(),
            record.la_code.clone(),
            format!("{:?}", record.status).to_lowercase(),
            invalid.join(" "),
        ];
        for (field, rule) in record.fields.values().zip(rules) {
            if *rule == Shareable::Drop {
                continue;
            }
            let texts: Vec<String> = valid_texts(field)
                .iter()
                .filter_map(|t| rule.apply(t))
                .collect();
            row.push(texts.join(" | "));
        }
        Some(csv_row(&row))
    }
}

/// The name of the shareable CSV.
pub const SHAREABLE_CSV: &str = "records.shareable.csv";

/// Where a record lies in `records.jsonl` and in `records.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spans {
    /// Its line in `records.jsonl` (without the newline).
    pub jsonl: RecordSpan,
    /// Its row in `records.csv` (with the terminator).
    pub csv: RecordSpan,
}

impl RecordWriter {
    /// Starts `records.jsonl` and `records.csv` in `out` (and `records.shareable.csv` when `shareable`); the CSV
    /// header is the template's field order, after a UTF-8 byte order mark when `bom`.
    pub fn create(
        out: &Path,
        template: &Template,
        shareable: bool,
        bom: bool,
    ) -> Result<RecordWriter, WriteError> {
        let csv_header = csv_header(out, template, bom)?;
        let mut files = RecordFiles::create(out, shareable.then_some(template), bom)?;
        let csv_path = out.join("records.csv");
        files
            .csv
            .writer()
            .write_all(&csv_header)
            .map_err(ctx("writing", &csv_path))?;
        Ok(RecordWriter {
            files: Some(files),
            previous: None,
            jsonl_len: 0,
            csv_len: csv_header.len() as u64,
            csv_header,
            out: out.to_path_buf(),
        })
    }

    /// Starts by keeping the previous `records.jsonl` and `records.csv` of `out` (see the type's documentation);
    /// when they cannot be opened or the CSV header is another template's, starts new files as
    /// [`RecordWriter::create`] does (so a change of `bom` writes them anew).
    pub fn resume(out: &Path, template: &Template, bom: bool) -> Result<RecordWriter, WriteError> {
        use std::io::Read;
        let csv_header = csv_header(out, template, bom)?;
        let open = |name: &str| -> Option<(std::fs::File, u64)> {
            let file = std::fs::File::open(out.join(name)).ok()?;
            let len = file.metadata().ok()?.len();
            Some((file, len))
        };
        let previous = match (open("records.jsonl"), open("records.csv")) {
            (Some((jsonl, jsonl_total)), Some((csv, csv_total))) => {
                let mut head = Vec::new();
                let same_header = (&csv)
                    .take(csv_header.len() as u64)
                    .read_to_end(&mut head)
                    .is_ok()
                    && head == csv_header;
                same_header.then_some(Previous {
                    jsonl,
                    jsonl_total,
                    csv,
                    csv_total,
                })
            }
            _ => None,
        };
        let Some(previous) = previous else {
            return RecordWriter::create(out, template, false, bom);
        };
        Ok(RecordWriter {
            files: None,
            previous: Some(previous),
            jsonl_len: 0,
            csv_len: csv_header.len() as u64,
            csv_header,
            out: out.to_path_buf(),
        })
    }

    /// True while the previous files are kept: nothing has been written.
    pub fn is_keeping(&self) -> bool {
        self.files.is_none()
    }

    /// Carries a record forward without touching it, when the previous files are still kept and it lies exactly
    /// where the records so far end (`previous`: its spans in the previous files). `None`: it must be appended.
    pub fn keep(&mut self, previous: Spans) -> Option<Spans> {
        let in_place = self.is_keeping()
            && previous.jsonl.offset == self.jsonl_len
            && previous.csv.offset == self.csv_len;
        if !in_place {
            return None;
        }
        self.jsonl_len = self.jsonl_len.saturating_add(previous.jsonl.len + 1);
        self.csv_len = self.csv_len.saturating_add(previous.csv.len);
        Some(previous)
    }

    /// The files being written, starting them (with the previous files' kept prefix) if need be.
    fn files(&mut self) -> Result<&mut RecordFiles, WriteError> {
        use std::io::{Read, Seek, SeekFrom};
        if self.files.is_none() {
            let mut files = RecordFiles::create(&self.out, None, false)?;
            match self.previous.take() {
                Some(previous) => {
                    for (mut from, len, to, name) in [
                        (
                            &previous.jsonl,
                            self.jsonl_len,
                            &mut files.jsonl,
                            "records.jsonl",
                        ),
                        (&previous.csv, self.csv_len, &mut files.csv, "records.csv"),
                    ] {
                        let path = self.out.join(name);
                        from.seek(SeekFrom::Start(0))
                            .map_err(ctx("reading", &path))?;
                        let copied = std::io::copy(&mut from.take(len), to.writer())
                            .map_err(ctx("copying", &path))?;
                        if copied != len {
                            return Err(WriteError::new(
                                "copying",
                                &path,
                                std::io::ErrorKind::UnexpectedEof.into(),
                            ));
                        }
                    }
                }
                None => {
                    let path = self.out.join("records.csv");
                    files
                        .csv
                        .writer()
                        .write_all(&self.csv_header)
                        .map_err(ctx("writing", &path))?;
                }
            }
            self.files = Some(files);
        }
        self.files.as_mut().ok_or_else(|| {
            WriteError::new(
                "writing",
                &self.out,
                std::io::Error::other("no record files"),
            )
        })
    }

    /// Appends one encoded record: its JSONL line (without the newline), its CSV row and shareable row (with
    /// their terminators).
    pub fn append(
        &mut self,
        jsonl: &[u8],
        csv: &[u8],
        shareable: Option<&[u8]>,
    ) -> Result<Spans, WriteError> {
        let out = self.out.clone();
        let files = self.files()?;
        let w = files.jsonl.writer();
        w.write_all(jsonl)
            .and_then(|()| w.write_all(b"\n"))
            .map_err(ctx("writing", &out.join("records.jsonl")))?;
        files
            .csv
            .writer()
            .write_all(csv)
            .map_err(ctx("writing", &out.join("records.csv")))?;
        if let (Some(file), Some(row)) = (&mut files.shareable, shareable) {
            file.writer()
                .write_all(row)
                .map_err(ctx("writing", &out.join(SHAREABLE_CSV)))?;
        }
        let spans = Spans {
            jsonl: RecordSpan {
                offset: self.jsonl_len,
                len: jsonl.len() as u64,
            },
            csv: RecordSpan {
                offset: self.csv_len,
                len: csv.len() as u64,
            },
        };
        self.jsonl_len = self.jsonl_len.saturating_add(spans.jsonl.len + 1);
        self.csv_len = self.csv_len.saturating_add(spans.csv.len);
        Ok(spans)
    }

    /// True when [`RecordWriter::finish`] would keep the previous files: every record so far is where they have
    /// it, and there is nothing after them.
    pub fn keeps_previous(&self) -> bool {
        self.is_keeping()
            && self.previous.as_ref().is_some_and(|previous| {
                previous.jsonl_total == self.jsonl_len && previous.csv_total == self.csv_len
            })
    }

    /// Completes every file, still under temporary names, in commit order; `None` when the previous files were
    /// kept whole and stand as this run's.
    pub fn finish(mut self) -> Result<Option<Vec<Staged>>, WriteError> {
        if self.keeps_previous() {
            return Ok(None);
        }
        self.files()?;
        let Some(files) = self.files else {
            return Ok(Some(Vec::new()));
        };
        let mut staged = vec![files.jsonl.finish()?, files.csv.finish()?];
        if let Some(sh) = files.shareable {
            staged.push(sh.finish()?);
        }
        Ok(Some(staged))
    }
}

impl RecordFiles {
    /// New, empty record files (and the shareable copy, with its header, given the template).
    fn create(
        out: &Path,
        shareable: Option<&Template>,
        bom: bool,
    ) -> Result<RecordFiles, WriteError> {
        let jsonl = AtomicFile::create(&out.join("records.jsonl"))?;
        let csv = AtomicFile::create(&out.join("records.csv"))?;
        let shareable = match shareable {
            Some(template) => {
                let path = out.join(SHAREABLE_CSV);
                let mut file = AtomicFile::create(&path)?;
                let mut header = vec!["document", "mapping", "la_code", "status", "invalid_fields"];
                header.extend(
                    template
                        .fields
                        .iter()
                        .filter(|f| f.shareable != Shareable::Drop)
                        .map(|f| f.id.as_str()),
                );
                let mut header = csv_row(&header).map_err(ctx("writing", &path))?;
                if bom {
                    header.splice(0..0, crate::tables::BOM.iter().copied());
                }
                file.writer()
                    .write_all(&header)
                    .map_err(ctx("writing", &path))?;
                Some(file)
            }
            None => None,
        };
        Ok(RecordFiles {
            jsonl,
            csv,
            shareable,
        })
    }
}

/// `records.csv`'s header: the template's field order, after a UTF-8 byte order mark when `bom`.
fn csv_header(out: &Path, template: &Template, bom: bool) -> Result<Vec<u8>, WriteError> {
    let mut header = vec!["file", "mapping", "la_code", "status", "invalid_fields"];
    header.extend(template.fields.iter().map(|f| f.id.as_str()));
    let row = csv_row(&header).map_err(ctx("writing", &out.join("records.csv")))?;
    Ok(if bom {
        [crate::tables::BOM, &row].concat()
    } else {
        row
    })
}

/// Bytes spilled to a temporary file in the output folder as a run goes, to become the middle of an output whose
/// beginning is only known at the end ([`Spill::finish_into`]): memory stays flat whatever the corpus size.
pub struct Spill {
    temp: BufWriter<NamedTempFile>,
    dir: PathBuf,
}

impl Spill {
    /// Starts spilling into a temporary file in `dir`.
    pub fn create(dir: &Path) -> Result<Spill, WriteError> {
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(ctx("creating a temporary file in", dir))?;
        Ok(Spill {
            temp: BufWriter::with_capacity(WRITE_BUFFER, temp),
            dir: dir.to_path_buf(),
        })
    }

    /// Appends bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        self.temp
            .write_all(bytes)
            .map_err(ctx("writing a temporary file in", &self.dir))
    }

    /// A failure to produce what is spilled.
    pub fn error(&self, source: std::io::Error) -> WriteError {
        WriteError::new("writing a temporary file in", &self.dir, source)
    }

    /// Writes `dest` as `head`, the spilled bytes, then `tail`; staged for [`commit_all`].
    pub fn finish_into(self, dest: &Path, head: &[u8], tail: &[u8]) -> Result<Staged, WriteError> {
        use std::io::{Seek, SeekFrom};
        let mut f = AtomicFile::create(dest)?;
        f.writer().write_all(head).map_err(ctx("writing", dest))?;
        let mut temp = self
            .temp
            .into_inner()
            .map_err(|e| ctx("writing a temporary file in", &self.dir)(e.into_error()))?;
        temp.as_file_mut()
            .seek(SeekFrom::Start(0))
            .map_err(ctx("reading a temporary file in", &self.dir))?;
        std::io::copy(temp.as_file_mut(), f.writer()).map_err(ctx("writing", dest))?;
        f.writer().write_all(tail).map_err(ctx("writing", dest))?;
        f.finish()
    }
}

/// A CSV file written row by row to a temporary file in the output folder (`manifest.csv`), every cell
/// [`neutralise`]d as in `records.csv`: the rows are never all in memory.
pub struct CsvStream {
    spill: Spill,
    header: Vec<u8>,
}

impl CsvStream {
    /// Starts a CSV in `dir` with its header row, after a UTF-8 byte order mark when `bom` (as every CSV of a
    /// run, for Excel).
    pub fn create(dir: &Path, header: &[&str], bom: bool) -> Result<CsvStream, WriteError> {
        let spill = Spill::create(dir)?;
        let mut header = csv_row(header).map_err(|e| spill.error(e))?;
        if bom {
            header.splice(0..0, crate::tables::BOM.iter().copied());
        }
        Ok(CsvStream { spill, header })
    }

    /// Appends one row.
    pub fn push<I, T>(&mut self, fields: I) -> Result<(), WriteError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let row = csv_row(fields).map_err(|e| self.spill.error(e))?;
        self.spill.write_all(&row)
    }

    /// Writes `dest`: the header, then the rows; staged for [`commit_all`].
    pub fn finish_into(self, dest: &Path) -> Result<Staged, WriteError> {
        self.spill.finish_into(dest, &self.header, b"")
    }
}

/// A JSON array written element by element to a temporary file in the output folder, to be spliced into its
/// document at the end ([`ArrayStream::finish_into`]): the elements are never all in memory. The layout is
/// `serde_json::to_writer_pretty`'s for the whole document (the array being a member of a top-level object).
pub struct ArrayStream {
    spill: Spill,
    count: usize,
}

impl ArrayStream {
    /// Starts a stream in `dir`.
    pub fn create(dir: &Path) -> Result<ArrayStream, WriteError> {
        Ok(ArrayStream {
            spill: Spill::create(dir)?,
            count: 0,
        })
    }

    /// Appends one element.
    pub fn push<T: serde::Serialize>(&mut self, value: &T) -> Result<(), WriteError> {
        let element = ArrayStream::encode(value).map_err(|e| self.spill.error(e))?;
        self.push_encoded(&element)
    }

    /// An element's JSON for [`ArrayStream::push_encoded`], so that it can be encoded on another thread.
    pub fn encode<T: serde::Serialize>(value: &T) -> std::io::Result<Vec<u8>> {
        let mut element = Vec::with_capacity(512);
        let mut ser = serde_json::Serializer::with_formatter(&mut element, Nested::new(2));
        value.serialize(&mut ser)?;
        Ok(element)
    }

    /// Appends one element encoded by [`ArrayStream::encode`].
    pub fn push_encoded(&mut self, element: &[u8]) -> Result<(), WriteError> {
        self.spill.write_all(if self.count == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        self.spill.write_all(element)?;
        self.count += 1;
        Ok(())
    }

    /// Writes `dest` as `head` (a JSON object whose last member is the array, empty) with the streamed elements in
    /// that array; staged for [`commit_all`].
    pub fn finish_into<T: serde::Serialize>(
        self,
        dest: &Path,
        head: &T,
    ) -> Result<Staged, WriteError> {
        let mut text =
            serde_json::to_vec_pretty(head).map_err(|e| ctx("writing", dest)(e.into()))?;
        let tail: &[u8] = b"[]\n}";
        if !text.ends_with(tail) {
            return Err(ctx("writing", dest)(std::io::Error::other(
                "internal error: the head does not end with an empty array",
            )));
        }
        text.truncate(text.len() - tail.len());
        text.push(b'[');
        let end: &[u8] = if self.count == 0 {
            b"]\n}\n"
        } else {
            b"\n  ]\n}\n"
        };
        self.spill.finish_into(dest, &text, end)
    }
}

/// serde_json's pretty layout (two-space indents) for a value that starts `depth` levels deep, so a streamed
/// element is written in place without re-indenting it. The methods mirror `serde_json::ser::PrettyFormatter`.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn new(depth: usize) -> Nested {
        Nested {
            depth,
            has_value: false,
        }
    }

    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        const SPACES: &[u8] = &[b' '; 32];
        match SPACES.get(..self.depth * 2) {
            Some(spaces) => w.write_all(spaces),
            None => (0..self.depth).try_for_each(|_| w.write_all(b"  ")),
        }
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A stable pseudonym for a document path: the first 16 hex digits of its blake3.
fn pseudonym(path: &str) -> String {
    blake3::hash(path.as_bytes())
        .to_hex()
        .chars()
        .take(16)
        .collect()
}

/// The valid values of a field as CSV text (group members separately).
fn valid_texts(f: &FieldOutcome) -> Vec<String> {
    match &f.items {
        Some(items) => items
            .iter()
            .filter(|i| i.status == FieldStatus::Ok)
            .filter_map(|i| i.value.as_ref().map(|v| v.to_text()))
            .collect(),
        None if f.status == FieldStatus::Ok => f.value.iter().map(|v| v.to_text()).collect(),
        None => Vec::new(),
    }
}

/// Writes any value as pretty JSON under a temporary name, to be renamed by [`commit_all`].
pub fn stage_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<Staged, WriteError> {
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(f.writer(), value).map_err(|e| ctx("writing", path)(e.into()))?;
    f.writer().write_all(b"\n").map_err(ctx("writing", path))?;
    f.finish()
}

/// Creates the output folder, user-only (0700) on Unix.
pub fn create_out_dir(out: &Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(out).map_err(ctx("creating the output folder", out))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o700))
            .map_err(ctx("setting permissions on", out))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised_and_nothing_else_changes() {
        for (cell, inert) in [
            (
                "=HYPERLINK(\"http://x\",\"Amelia\")",
                "'=HYPERLINK(\"http://x\",\"Amelia\")",
            ),
            ("=1+1", "'=1+1"),
            ("+SUM(A1)", "'+SUM(A1)"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("=", "'="),
        ] {
            assert_eq!(neutralise(cell), inert, "{cell:?}");
        }
        for plain in [
            "+44 7700 900123",
            "-3",
            "-",
            "+(0)20 7946 0000",
            "-1.5",
            "",
            "Amelia",
            "a=b",
            " =1",
            "'=already",
        ] {
            assert!(
                matches!(neutralise(plain), std::borrow::Cow::Borrowed(p) if p == plain),
                "{plain:?}"
            );
        }
    }

    #[test]
    fn csv_rows_neutralise_each_cell_and_keep_the_rest_byte_for_byte() {
        let row = csv_row(["a", "=1+1", "x,\"y\"", "", "-3"]).unwrap();
        assert_eq!(row, b"a,'=1+1,\"x,\"\"y\"\"\",,-3\n");
        let mut old = csv::WriterBuilder::new().from_writer(Vec::new());
        old.write_record(["a", "b c", "x,\"y\"", "", "-3"]).unwrap();
        assert_eq!(
            csv_row(["a", "b c", "x,\"y\"", "", "-3"]).unwrap(),
            old.into_inner().unwrap()
        );
    }

    #[test]
    fn staged_files_appear_only_when_committed_and_stale_temps_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let a = stage_json(&dir.path().join("a.json"), &1).unwrap();
        let b = stage_json(&dir.path().join("b.json"), &2).unwrap();
        assert!(!dir.path().join("a.json").exists());
        commit_all(dir.path(), "test", vec![a, b]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b.json")).unwrap(),
            "2\n"
        );
        std::fs::write(dir.path().join(format!("{TEMP_PREFIX}abc")), b"x").unwrap();
        assert_eq!(clean_stale_temps(dir.path()).unwrap(), 1);
        assert_eq!(clean_stale_temps(dir.path()).unwrap(), 0);
        assert!(dir.path().join("a.json").exists());
    }

    #[test]
    fn an_interrupted_commit_is_rolled_forward_from_its_journal() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        // What a kill after the first of two renames leaves: a renamed, b still under its temporary name.
        std::fs::write(out.join("a.json"), "new a").unwrap();
        std::fs::write(out.join("b.json"), "old b").unwrap();
        std::fs::write(out.join(format!("{TEMP_PREFIX}b")), "new b").unwrap();
        std::fs::write(out.join(format!("{TEMP_PREFIX}other")), "stale").unwrap();
        let journal = Journal {
            run_id: "run-1".into(),
            renames: vec![
                (format!("{TEMP_PREFIX}a"), "a.json".into()),
                (format!("{TEMP_PREFIX}b"), "b.json".into()),
                // Never followed out of the folder.
                (format!("{TEMP_PREFIX}other"), "../escaped".into()),
            ],
        };
        std::fs::write(
            out.join(JOURNAL_FILE),
            serde_json::to_vec(&journal).unwrap(),
        )
        .unwrap();
        assert_eq!(recover(out).unwrap().as_deref(), Some("run-1"));
        assert_eq!(
            std::fs::read_to_string(out.join("a.json")).unwrap(),
            "new a"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("b.json")).unwrap(),
            "new b"
        );
        assert!(!out.join(JOURNAL_FILE).exists());
        assert!(!dir.path().parent().unwrap().join("escaped").exists());
        assert_eq!(clean_stale_temps(out).unwrap(), 1, "the unrelated temp");
        assert_eq!(recover(out).unwrap(), None, "nothing to repair");

        // A journal whose renames were all done (killed before it was removed): nothing to say.
        let staged = vec![stage_json(&out.join("c.json"), &3).unwrap()];
        commit_all(out, "run-2", staged).unwrap();
        assert!(!out.join(JOURNAL_FILE).exists(), "removed after a commit");
        std::fs::write(
            out.join(JOURNAL_FILE),
            serde_json::to_vec(&journal).unwrap(),
        )
        .unwrap();
        assert_eq!(recover(out).unwrap(), None);
        assert!(!out.join(JOURNAL_FILE).exists());
    }

    #[test]
    fn streamed_arrays_match_the_whole_document_serialized_at_once() {
        use crate::manifest::{DocStatus, Manifest, ManifestRow, Totals};
        let dir = tempfile::tempdir().unwrap();
        for n in [0usize, 1, 3] {
            let rows: Vec<ManifestRow> = (0..n)
                .map(|i| ManifestRow {
                    status: if i == 1 {
                        DocStatus::Corrupt
                    } else {
                        DocStatus::Ok
                    },
                    reason: (i == 1).then(|| "bad \"zip\"\nline".to_string()),
                    ..ManifestRow::new(format!("dir/f{i}.xlsx"), None)
                })
                .collect();
            let whole = dir.path().join(format!("whole{n}.json"));
            commit_all(
                dir.path(),
                "test",
                vec![stage_json(&whole, &Manifest::new(rows.clone())).unwrap()],
            )
            .unwrap();
            let mut stream = ArrayStream::create(dir.path()).unwrap();
            let mut totals = Totals::default();
            for r in &rows {
                stream.push(r).unwrap();
                totals.add(r);
            }
            let dest = dir.path().join(format!("streamed{n}.json"));
            commit_all(
                dir.path(),
                "test",
                vec![stream.finish_into(&dest, &totals.head()).unwrap()],
            )
            .unwrap();
            let text = std::fs::read_to_string(&dest).unwrap();
            assert_eq!(text, std::fs::read_to_string(&whole).unwrap(), "{n} rows");
        }
        assert_eq!(
            clean_stale_temps(dir.path()).unwrap(),
            0,
            "temporary files removed"
        );
    }

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::acquire(dir.path()).unwrap();
        assert!(matches!(
            OutputLock::acquire(dir.path()),
            Err(LockError::Busy { .. })
        ));
        drop(first);
        OutputLock::acquire(dir.path()).unwrap();
    }
}
