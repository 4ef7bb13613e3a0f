//! The reports of a run on disk: rendered by [`crate::report`]'s writers into files under temporary names, each on
//! its own thread, committed with the run's other outputs; a report that fails costs only itself. And
//! `harmonise report`: the reports rebuilt from a finished run's `records.jsonl`, under the folder's lock.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::audit::failures::FailureTally;
use crate::audit::run::RunInfo;
use crate::audit::{Audit, AuditReport, RunFacts};
use crate::manifest::Manifest;
use crate::mapping::MappingSet;
use crate::output::{
    AtomicFile, LockError, OutputLock, Staged, WriteError, clean_stale_temps, commit_all,
    new_run_id, recover, stage_json,
};
use crate::record::Record;
use crate::report::writers;

/// A report that could not be written. It never costs a run its other outputs: they are committed, the report is
/// named in the log and the run's summary, and its previous copy is removed, so that no report outlives the
/// records it described.
#[derive(Debug, thiserror::Error)]
#[error("{file} not written: {error}")]
pub struct Failure {
    /// The report's file name, e.g. `report.xlsx`.
    pub file: &'static str,
    /// Why.
    pub error: WriteError,
}

/// The reports of a run, rendered under temporary names, and those that could not be.
#[derive(Default)]
pub struct Staging {
    /// Complete reports by file name, to be renamed into place with the run's other outputs.
    pub staged: Vec<(&'static str, Staged)>,
    /// Reports that failed to render.
    pub failed: Vec<Failure>,
}

/// The report file name `path` ends with, if it names one.
pub fn file_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    writers()
        .iter()
        .map(|w| w.file_name())
        .find(|file| *file == name)
}

/// After a commit: removes the previous copy of every report that could not be written (rendered, or renamed
/// into place), so that none describes other records, and logs each (at error level, which --quiet keeps).
pub fn settle(out: &Path, failed: &[Failure]) {
    for f in failed {
        let previous = out.join(f.file);
        if previous.is_file()
            && let Err(e) = std::fs::remove_file(&previous)
        {
            tracing::warn!(path = %previous.display(), error = %e, "cannot remove the previous report");
        }
        tracing::error!(report = f.file, error = %f.error, "report not written");
    }
}

/// Writes every report into `out` under temporary names, to be renamed into place with a run's other outputs.
/// Each renders on its own thread: they follow the parallel part of a run, so a serial render (the workbook
/// takes longest) would leave the other cores idle. A report that fails, even by a panic, fails alone.
pub fn stage_all(out: &Path, report: &AuditReport) -> Staging {
    let writers = writers();
    std::thread::scope(|scope| {
        let rendering: Vec<_> = writers
            .iter()
            .map(|w| {
                let path = out.join(w.file_name());
                let job = scope.spawn(move || {
                    let mut file = AtomicFile::create(&path)?;
                    w.write(report, file.writer())
                        .map_err(|e| WriteError::new("writing", &path, e))?;
                    file.finish()
                });
                (w.file_name(), out.join(w.file_name()), job)
            })
            .collect();
        let mut staging = Staging::default();
        for (file, path, job) in rendering {
            let done = job.join().unwrap_or_else(|_| {
                Err(WriteError::new(
                    "writing",
                    &path,
                    std::io::Error::other("the report writer panicked"),
                ))
            });
            match done {
                Ok(staged) => staging.staged.push((file, staged)),
                Err(error) => staging.failed.push(Failure { file, error }),
            }
        }
        staging
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
    /// Reports could not be written (exit 1); the others were.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Reports(Vec<Failure>),
    /// The outputs could not be committed (exit 1).
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
pub fn rebuild(
    out: &Path,
    set: &MappingSet,
    now: jiff::Timestamp,
    volumes: Option<crate::senco::Volumes>,
) -> Result<Rebuilt, RebuildError> {
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
    let mut audit = Audit::from_records(set).with_volumes(volumes);
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
    // The documents that produced no record are only in the manifest.
    let manifest = read_manifest(out);
    let mut failures = FailureTally::default();
    for row in manifest.iter().flat_map(|m| &m.files) {
        failures.add(row);
    }
    let input_folder = manifest.as_ref().and_then(|m| m.input_folder.clone());
    let mut report = audit.finish_with(RunFacts {
        failures,
        run: RunInfo::new(set, now, input_folder, true),
        changes: None,
    });
    report.run_id = new_run_id();
    let staging = stage_all(out, &report);
    let mut staged: Vec<Staged> = staging.staged.into_iter().map(|(_, s)| s).collect();
    if let Some(manifest) = relisted(out, manifest, &staged, &report.run_id, repaired.clone())? {
        staged.push(manifest);
    }
    let mut failed = staging.failed;
    for error in commit_all(out, &report.run_id, staged)? {
        match file_of(error.path()) {
            Some(file) => failed.push(Failure { file, error }),
            None => return Err(error.into()),
        }
    }
    settle(out, &failed);
    if !failed.is_empty() {
        return Err(RebuildError::Reports(failed));
    }
    Ok(Rebuilt { report, repaired })
}

/// The run's `manifest.json`, if there is one that parses.
fn read_manifest(out: &Path) -> Option<Manifest> {
    std::fs::read(out.join("manifest.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
}

/// `manifest.json` with its listing of the reports replaced by the new ones, staged; `None` when there is no
/// manifest that parses (it is then left as it is).
fn relisted(
    out: &Path,
    manifest: Option<Manifest>,
    reports: &[Staged],
    run_id: &str,
    repaired: Option<String>,
) -> Result<Option<Staged>, WriteError> {
    let path = out.join("manifest.json");
    let Some(mut manifest) = manifest else {
        tracing::warn!(
            "{} is missing or does not parse: it does not list the new reports, and they list no failures",
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_failed_report_loses_its_previous_copy_and_the_others_land() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::write(out.join("report.xlsx"), b"an earlier night's workbook").unwrap();
        let mut json = AtomicFile::create(&out.join("report.json")).unwrap();
        json.writer().write_all(b"{}\n").unwrap();
        let failed = vec![Failure {
            file: "report.xlsx",
            error: WriteError::new(
                "writing",
                &out.join("report.xlsx"),
                std::io::Error::other("boom"),
            ),
        }];
        assert!(
            commit_all(out, "run-1", vec![json.finish().unwrap()])
                .unwrap()
                .is_empty()
        );
        settle(out, &failed);
        assert_eq!(
            failed[0].to_string(),
            format!(
                "report.xlsx not written: writing {}: boom",
                out.join("report.xlsx").display()
            )
        );
        assert!(
            !out.join("report.xlsx").exists(),
            "no stale workbook stands"
        );
        assert_eq!(std::fs::read(out.join("report.json")).unwrap(), b"{}\n");
    }

    #[test]
    fn report_files_are_told_from_other_outputs() {
        assert_eq!(file_of(Path::new("/out/report.xlsx")), Some("report.xlsx"));
        assert_eq!(file_of(Path::new("/out/records.jsonl")), None);
    }
}
