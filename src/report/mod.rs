//! Report writers: `report.json`, `report.html` and `report.xlsx`, rendered from one [`AuditReport`].
//!
//! Each format is a [`ReportWriter`], an interchangeable sink (like ripgrep's printers): it renders the whole report
//! into a byte stream, and [`write_all`] writes each to a temporary file in the output folder and renames it into
//! place. Writers only render: every number and list is decided by [`crate::audit`]. Nothing here ever sees a
//! record, so no value from a document can reach a report.

pub mod html;
pub mod json;
pub mod xlsx;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::audit::{Audit, AuditReport};
use crate::manifest::Manifest;
use crate::mapping::MappingSet;
use crate::output::{
    AtomicFile, LockError, OutputLock, Staged, WriteError, clean_stale_temps, commit_all,
    new_run_id, recover, stage_json,
};
use crate::record::Record;

/// One report format.
pub trait ReportWriter: Sync {
    /// The file it writes in the output folder, e.g. `report.json`.
    fn file_name(&self) -> &'static str;
    /// Renders the report.
    fn write(&self, report: &AuditReport, out: &mut dyn Write) -> std::io::Result<()>;
}

/// Every report format, in the order they are written.
pub fn writers() -> Vec<Box<dyn ReportWriter>> {
    vec![
        Box::new(json::JsonReport),
        Box::new(html::HtmlReport),
        Box::new(xlsx::XlsxReport),
    ]
}

/// Writes every report into `out` under temporary names, to be renamed into place with a run's other outputs.
/// Each renders on its own thread: they follow the parallel part of a run, so a serial render (the workbook
/// takes longest) would leave the other cores idle.
pub fn stage_all(out: &Path, report: &AuditReport) -> Result<Vec<Staged>, WriteError> {
    let writers = writers();
    std::thread::scope(|scope| {
        let rendering: Vec<_> = writers
            .iter()
            .map(|w| {
                scope.spawn(move || {
                    let path = out.join(w.file_name());
                    let mut file = AtomicFile::create(&path)?;
                    w.write(report, file.writer())
                        .map_err(|e| WriteError::new("writing", &path, e))?;
                    file.finish()
                })
            })
            .collect();
        rendering
            .into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Why `harmonise report` could not rebuild the reports.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// The folder holds no records.jsonl (exit 2).
    #[error("{} not found: is this the output folder of a finished run?", .0.display())]
    NoRecords(PathBuf),
    /// A line of records.jsonl is not a record (exit 1). The reason never quotes the line.
    #[error("{}:{line}: not a harmonised record ({reason})", path.display())]
    BadRecord {
        /// records.jsonl.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What kind of problem (syntax, data, end of file), with the column.
        reason: String,
    },
    /// records.jsonl could not be read (exit 1).
    #[error("reading {}: {source}", path.display())]
    Read {
        /// records.jsonl.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A report could not be written (exit 1).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A run holds the folder's lock (exit 2), or the lock could not be taken (exit 1).
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// What `harmonise report` did.
#[derive(Debug)]
pub struct Rebuilt {
    /// The reports written.
    pub report: AuditReport,
    /// The run whose interrupted commit was completed first, if one was.
    pub repaired: Option<String>,
}

/// Rebuilds the three reports of a finished run from its `records.jsonl` and a mapping set, without reading any
/// document. Records stream through the audit one at a time. It holds the folder's lock, as a run does, so it
/// never reads records a run is replacing; it first completes a commit a killed run left half done, and commits
/// the reports with `manifest.json`'s listing of them, under a new run id.
pub fn rebuild(out: &Path, set: &MappingSet) -> Result<Rebuilt, RebuildError> {
    let path = out.join("records.jsonl");
    if !out.is_dir() {
        return Err(RebuildError::NoRecords(path));
    }
    let _lock = OutputLock::acquire(out)?;
    let repaired = recover(out)?;
    if let Some(run) = &repaired {
        tracing::warn!("repaired an interrupted commit of run {run}");
    }
    clean_stale_temps(out)?;
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(RebuildError::NoRecords(path));
        }
        Err(source) => return Err(RebuildError::Read { path, source }),
    };
    let mut audit = Audit::from_records(set);
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| RebuildError::Read {
            path: path.clone(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).map_err(|e| RebuildError::BadRecord {
            path: path.clone(),
            line: i + 1,
            // serde_json's message can quote the offending value: keep only its class and column.
            reason: format!("{:?} error at column {}", e.classify(), e.column()),
        })?;
        audit.add(&record);
    }
    let mut report = audit.finish();
    report.run_id = new_run_id();
    let mut staged = stage_all(out, &report)?;
    if let Some(manifest) = relisted(out, &staged, &report.run_id, repaired.clone())? {
        staged.push(manifest);
    }
    commit_all(out, &report.run_id, staged)?;
    Ok(Rebuilt { report, repaired })
}

/// `manifest.json` with its listing of the reports replaced by the new ones, staged; `None` when there is no
/// manifest that parses (it is then left as it is).
fn relisted(
    out: &Path,
    reports: &[Staged],
    run_id: &str,
    repaired: Option<String>,
) -> Result<Option<Staged>, WriteError> {
    let path = out.join("manifest.json");
    let Some(mut manifest) = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
    else {
        tracing::warn!(
            "{} is missing or does not parse: it does not list the new reports",
            path.display()
        );
        return Ok(None);
    };
    let listed: Vec<_> = reports
        .iter()
        .map(|r| r.listing(run_id))
        .collect::<Result<_, _>>()?;
    manifest
        .outputs
        .retain(|o| !listed.iter().any(|l| l.file == o.file));
    manifest.outputs.extend(listed);
    manifest.run_id = run_id.to_string();
    manifest.repaired_commit = repaired;
    stage_json(&path, &manifest).map(Some)
}
