//! Writing a run's files: `records.jsonl` and `records.csv` (and `records.shareable.csv` with `--shareable`)
//! streamed as documents finish (in input order), and `manifest.json` at the end.
//!
//! Every file is written to a temporary file (`.harmonise-tmp-*`) in the output folder. Nothing is renamed into
//! place until every output of the run is complete ([`Staged`]); then they are renamed in a fixed order
//! ([`commit_all`]), the incremental state file last, so a run killed at any moment leaves the previous run's files
//! whole and readable, and leftover temporary files are removed by the next run ([`clean_stale_temps`]). Files are
//! created user-only (0600) and the folder 0700. [`OutputLock`] keeps two runs out of one output folder.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::manifest::Manifest;
use crate::record::{FieldOutcome, FieldStatus, Record};
use crate::template::{Shareable, Template};

/// Prefix of every temporary file harmonise writes in an output folder.
pub const TEMP_PREFIX: &str = ".harmonise-tmp-";

/// The lock file in an output folder.
pub const LOCK_FILE: &str = ".harmonise.lock";

/// A failure to write outputs: it stops the run (exit 1), unlike a bad document.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct WriteError {
    action: &'static str,
    path: PathBuf,
    source: std::io::Error,
}

impl WriteError {
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
            temp: BufWriter::new(temp),
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

    /// The finished file's metadata (its size and modification time survive the rename).
    pub fn metadata(&self) -> std::io::Result<std::fs::Metadata> {
        self.temp.as_file().metadata()
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

/// Renames staged outputs into place in the order given, then syncs the folder. Put the state file last: a run
/// killed between two renames then leaves a state that no longer describes `records.jsonl`, which the next run
/// detects (it compares the size and time the state recorded) and answers with a full run.
pub fn commit_all(out: &Path, staged: Vec<Staged>) -> Result<(), WriteError> {
    for s in staged {
        s.persist()?;
    }
    #[cfg(unix)]
    {
        std::fs::File::open(out)
            .and_then(|d| d.sync_all())
            .map_err(ctx("syncing", out))?;
    }
    Ok(())
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

/// Writes records as they come, in input order.
pub struct RecordWriter {
    jsonl: AtomicFile,
    jsonl_len: u64,
    line: Vec<u8>,
    csv: csv::Writer<AtomicFileWrite>,
    shareable: Option<ShareableCsv>,
    out: PathBuf,
}

/// `records.shareable.csv`: the columns whose template field is not `drop`, values degraded.
struct ShareableCsv {
    csv: csv::Writer<AtomicFileWrite>,
    /// Per template field, in template order.
    rules: Vec<Shareable>,
}

/// Adapter so the csv crate can own an [`AtomicFile`] and hand it back.
pub struct AtomicFileWrite(AtomicFile);

impl Write for AtomicFileWrite {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.temp.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.temp.flush()
    }
}

/// The name of the shareable CSV.
pub const SHAREABLE_CSV: &str = "records.shareable.csv";

impl RecordWriter {
    /// Starts `records.jsonl` and `records.csv` in `out` (and `records.shareable.csv` when `shareable`); the CSV
    /// header is the template's field order.
    pub fn create(
        out: &Path,
        template: &Template,
        shareable: bool,
    ) -> Result<RecordWriter, WriteError> {
        let jsonl = AtomicFile::create(&out.join("records.jsonl"))?;
        let csv_path = out.join("records.csv");
        let mut csv = csv::Writer::from_writer(AtomicFileWrite(AtomicFile::create(&csv_path)?));
        let mut header = vec!["file", "mapping", "la_code", "status", "invalid_fields"];
        header.extend(template.fields.iter().map(|f| f.id.as_str()));
        csv.write_record(&header)
            .map_err(|e| ctx("writing", &csv_path)(e.into()))?;
        let shareable = if shareable {
            let path = out.join(SHAREABLE_CSV);
            let mut csv = csv::Writer::from_writer(AtomicFileWrite(AtomicFile::create(&path)?));
            let mut header = vec!["document", "mapping", "la_code", "status", "invalid_fields"];
            header.extend(
                template
                    .fields
                    .iter()
                    .filter(|f| f.shareable != Shareable::Drop)
                    .map(|f| f.id.as_str()),
            );
            csv.write_record(&header)
                .map_err(|e| ctx("writing", &path)(e.into()))?;
            Some(ShareableCsv {
                csv,
                rules: template.fields.iter().map(|f| f.shareable).collect(),
            })
        } else {
            None
        };
        Ok(RecordWriter {
            jsonl,
            jsonl_len: 0,
            line: Vec::new(),
            csv,
            shareable,
            out: out.to_path_buf(),
        })
    }

    /// Appends one record to every file; returns where its line lies in `records.jsonl`.
    pub fn write(&mut self, record: &Record) -> Result<RecordSpan, WriteError> {
        let jsonl_path = self.out.join("records.jsonl");
        self.line.clear();
        serde_json::to_writer(&mut self.line, record)
            .map_err(|e| ctx("writing", &jsonl_path)(e.into()))?;
        self.line.push(b'\n');
        self.jsonl
            .writer()
            .write_all(&self.line)
            .map_err(ctx("writing", &jsonl_path))?;
        let len = self.line.len() as u64;
        let span = RecordSpan {
            offset: self.jsonl_len,
            len: len.saturating_sub(1),
        };
        self.jsonl_len = self.jsonl_len.saturating_add(len);
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
        let csv_path = self.out.join("records.csv");
        self.csv
            .write_record(&row)
            .map_err(|e| ctx("writing", &csv_path)(e.into()))?;
        if let Some(sh) = &mut self.shareable {
            // The file name may itself name the child: the shareable copy carries a pseudonym instead.
            let mut row = vec![
                pseudonym(&record.file),
                record.mapping.clone(),
                record.la_code.clone(),
                status,
                invalid.join(" "),
            ];
            for (field, rule) in record.fields.values().zip(&sh.rules) {
                if *rule == Shareable::Drop {
                    continue;
                }
                let texts: Vec<String> = valid_texts(field)
                    .iter()
                    .filter_map(|t| rule.apply(t))
                    .collect();
                row.push(texts.join(" | "));
            }
            let path = self.out.join(SHAREABLE_CSV);
            sh.csv
                .write_record(&row)
                .map_err(|e| ctx("writing", &path)(e.into()))?;
        }
        Ok(span)
    }

    /// Completes every file, still under temporary names, in commit order.
    pub fn finish(self) -> Result<Vec<Staged>, WriteError> {
        let mut staged = vec![self.jsonl.finish()?];
        let csv_path = self.out.join("records.csv");
        let inner = self
            .csv
            .into_inner()
            .map_err(|e| ctx("writing", &csv_path)(e.into_error()))?;
        staged.push(inner.0.finish()?);
        if let Some(sh) = self.shareable {
            let path = self.out.join(SHAREABLE_CSV);
            let inner = sh
                .csv
                .into_inner()
                .map_err(|e| ctx("writing", &path)(e.into_error()))?;
            staged.push(inner.0.finish()?);
        }
        Ok(staged)
    }

    /// Completes every file and renames them into place.
    pub fn commit(self) -> Result<(), WriteError> {
        let out = self.out.clone();
        commit_all(&out, self.finish()?)
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

/// Writes `manifest.json`.
pub fn write_manifest(out: &Path, manifest: &Manifest) -> Result<(), WriteError> {
    write_json(&out.join("manifest.json"), manifest)
}

/// Writes any value as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), WriteError> {
    stage_json(path, value)?.persist()
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
    fn staged_files_appear_only_when_committed_and_stale_temps_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let a = stage_json(&dir.path().join("a.json"), &1).unwrap();
        let b = stage_json(&dir.path().join("b.json"), &2).unwrap();
        assert!(!dir.path().join("a.json").exists());
        commit_all(dir.path(), vec![a, b]).unwrap();
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
