//! Writing a run's files: `records.jsonl` and `records.csv` streamed as documents finish (in input order), and
//! `manifest.json` at the end. Each is written to a temporary file in the output folder and renamed into place
//! only when complete, so a killed run never leaves a half-written output; files are created user-only (0600).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::manifest::Manifest;
use crate::record::{FieldStatus, Record};
use crate::template::Template;

/// A failure to write outputs: it stops the run (exit 1), unlike a bad document.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct WriteError {
    action: &'static str,
    path: PathBuf,
    source: std::io::Error,
}

impl WriteError {
    /// A failure to `action` (e.g. "writing") `path`.
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
            .prefix(".harmonise-")
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

    /// Flushes, syncs and renames into place.
    pub fn commit(self) -> Result<(), WriteError> {
        let dest = self.dest;
        let temp = self
            .temp
            .into_inner()
            .map_err(|e| ctx("writing", &dest)(e.into_error()))?;
        temp.as_file().sync_all().map_err(ctx("syncing", &dest))?;
        temp.persist(&dest)
            .map_err(|e| ctx("renaming into", &dest)(e.error))?;
        Ok(())
    }
}

/// Writes records as they come, in input order.
pub struct RecordWriter {
    jsonl: AtomicFile,
    csv: csv::Writer<AtomicFileWrite>,
    out: PathBuf,
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

impl RecordWriter {
    /// Starts `records.jsonl` and `records.csv` in `out`; the CSV header is the template's field order.
    pub fn create(out: &Path, template: &Template) -> Result<RecordWriter, WriteError> {
        let jsonl = AtomicFile::create(&out.join("records.jsonl"))?;
        let csv_path = out.join("records.csv");
        let mut csv = csv::Writer::from_writer(AtomicFileWrite(AtomicFile::create(&csv_path)?));
        let mut header = vec!["file", "mapping", "la_code", "status", "invalid_fields"];
        header.extend(template.fields.iter().map(|f| f.id.as_str()));
        csv.write_record(&header)
            .map_err(|e| ctx("writing", &csv_path)(e.into()))?;
        Ok(RecordWriter {
            jsonl,
            csv,
            out: out.to_path_buf(),
        })
    }

    /// Appends one record to both files.
    pub fn write(&mut self, record: &Record) -> Result<(), WriteError> {
        let jsonl_path = self.out.join("records.jsonl");
        serde_json::to_writer(self.jsonl.writer(), record)
            .map_err(|e| ctx("writing", &jsonl_path)(e.into()))?;
        self.jsonl
            .writer()
            .write_all(b"\n")
            .map_err(ctx("writing", &jsonl_path))?;
        let invalid: Vec<&str> = record
            .fields
            .iter()
            .filter(|(_, f)| f.status == FieldStatus::Invalid)
            .map(|(id, _)| id.as_str())
            .collect();
        let mut row = vec![
            record.file.clone(),
            record.mapping.clone(),
            record.la_code.clone(),
            format!("{:?}", record.status).to_lowercase(),
            invalid.join(" "),
        ];
        row.extend(record.fields.values().map(|f| {
            let valid: Vec<String> = match &f.items {
                Some(items) => items
                    .iter()
                    .filter(|i| i.status == FieldStatus::Ok)
                    .filter_map(|i| i.value.as_ref().map(|v| v.to_text()))
                    .collect(),
                None if f.status == FieldStatus::Ok => {
                    f.value.iter().map(|v| v.to_text()).collect()
                }
                None => Vec::new(),
            };
            valid.join(" | ")
        }));
        let csv_path = self.out.join("records.csv");
        self.csv
            .write_record(&row)
            .map_err(|e| ctx("writing", &csv_path)(e.into()))
    }

    /// Completes both files.
    pub fn commit(self) -> Result<(), WriteError> {
        let csv_path = self.out.join("records.csv");
        self.jsonl.commit()?;
        let inner = self
            .csv
            .into_inner()
            .map_err(|e| ctx("writing", &csv_path)(e.into_error()))?;
        inner.0.commit()
    }
}

/// Writes `manifest.json`.
pub fn write_manifest(out: &Path, manifest: &Manifest) -> Result<(), WriteError> {
    write_json(&out.join("manifest.json"), manifest)
}

/// Writes any value as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), WriteError> {
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(f.writer(), value).map_err(|e| ctx("writing", path)(e.into()))?;
    f.writer().write_all(b"\n").map_err(ctx("writing", path))?;
    f.commit()
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
