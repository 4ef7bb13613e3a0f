//! `harmonise run`: discover the inputs, read + identify + harmonise each in parallel (rayon), write records in
//! input order, and account for every input in the manifest.
//!
//! Inputs are sorted by path and processed in chunks: each chunk runs in parallel and is written in order before
//! the next starts, so output is identical whatever the thread count and memory does not grow with the corpus.
//! Each document runs inside `catch_unwind`: a reader bug costs that document a `failed` row, not the night.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::civil;
use rayon::prelude::*;

use crate::harmonise::{harmonise, identify};
use crate::manifest::{DocStatus, Manifest, ManifestRow};
use crate::mapping::MappingSet;
use crate::output::{RecordWriter, WriteError, create_out_dir, write_manifest};
use crate::read::{self, Limits};
use crate::record::Record;
use crate::template::{Statutory, Template};

/// Documents processed in parallel before their results are written.
const CHUNK: usize = 256;

/// Reports progress; the library never draws to a terminal itself.
pub trait Progress: Sync {
    /// The run found `total` inputs.
    fn start(&self, total: u64);
    /// One more input done.
    fn advance(&self);
    /// All done.
    fn finish(&self);
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64) {}
    fn advance(&self) {}
    fn finish(&self) {}
}

/// What `run` needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The folder of documents.
    pub input: PathBuf,
    /// The output folder.
    pub out: PathBuf,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Per-document limits.
    pub limits: Limits,
    /// Reference date for ages when a record has no request date.
    pub today: civil::Date,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The manifest written.
    pub manifest: Manifest,
    /// The output folder.
    pub out: PathBuf,
}

impl RunSummary {
    /// True when every input was harmonised (exit 0); otherwise the run exits 3.
    pub fn all_harmonised(&self) -> bool {
        self.manifest.files.iter().all(|f| f.status.is_harmonised())
    }
}

/// A reason the run could not happen at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The input folder is missing or unreadable.
    #[error("cannot read the input folder {}: {reason}", path.display())]
    Input {
        /// The folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Outputs could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The thread pool could not start.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
}

/// An input found by discovery: a file to read, or an entry that could not be reached.
#[derive(Debug, Clone)]
pub struct Input {
    /// Absolute or input-relative path to open.
    pub path: PathBuf,
    /// Path relative to the input folder, as shown in outputs.
    pub rel: String,
    /// Set when discovery itself failed for this entry (permission denied, link loop).
    pub error: Option<String>,
}

/// Walks the input folder (following links, detecting loops), sorted by path; skips the output folder.
pub fn discover(input: &Path, out: &Path) -> Result<Vec<Input>, RunError> {
    if !input.is_dir() {
        return Err(RunError::Input {
            path: input.to_path_buf(),
            reason: "not a folder".into(),
        });
    }
    let out_abs = out.canonicalize().ok();
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(input)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            out_abs
                .as_ref()
                .is_none_or(|o| e.path().canonicalize().ok().as_ref() != Some(o))
        });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => found.push(Input {
                rel: relative(input, e.path()),
                path: e.path().to_path_buf(),
                error: None,
            }),
            Err(e) => {
                let path = e
                    .path()
                    .map_or_else(|| input.to_path_buf(), Path::to_path_buf);
                let reason = if e.loop_ancestor().is_some() {
                    "symbolic link loop".to_string()
                } else {
                    e.io_error()
                        .map_or_else(|| e.to_string(), |io| io.kind().to_string())
                };
                found.push(Input {
                    rel: relative(input, &path),
                    path,
                    error: Some(reason),
                });
            }
        }
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(found)
}

fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The outcome of one document.
pub struct DocOutcome {
    /// Its manifest row.
    pub row: ManifestRow,
    /// Its record, when harmonised.
    pub record: Option<Record>,
}

/// Runs the whole pipeline.
pub fn run(
    set: &MappingSet,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, RunError> {
    let inputs = discover(&opts.input, &opts.out)?;
    create_out_dir(&opts.out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(|_| RunError::Threads(opts.jobs))?;
    progress.start(inputs.len() as u64);
    let mut writer = RecordWriter::create(&opts.out, &set.template)?;
    let mut rows = Vec::with_capacity(inputs.len());
    let mut audit = crate::audit::Audit::new(set);
    for chunk in inputs.chunks(CHUNK) {
        let outcomes: Vec<DocOutcome> = pool.install(|| {
            chunk
                .par_iter()
                .map(|input| {
                    let outcome = process(input, set, opts);
                    progress.advance();
                    outcome
                })
                .collect()
        });
        for outcome in outcomes {
            if let Some(record) = &outcome.record {
                writer.write(record)?;
                audit.add(record);
            }
            rows.push(outcome.row);
        }
    }
    writer.commit()?;
    let manifest = Manifest::new(rows);
    write_manifest(&opts.out, &manifest)?;
    crate::report::write_all(&opts.out, &audit.finish())?;
    progress.finish();
    Ok(RunSummary {
        manifest,
        out: opts.out.clone(),
    })
}

/// Reads, identifies and harmonises one document; never panics, never returns an error.
pub fn process(input: &Input, set: &MappingSet, opts: &RunOptions) -> DocOutcome {
    let started = Instant::now();
    let mut row = ManifestRow {
        path: input.rel.clone(),
        size: 0,
        blake3: None,
        format: None,
        mapping: None,
        status: DocStatus::Unreadable,
        reason: None,
        elapsed_ms: 0,
    };
    let record = match catch_unwind(AssertUnwindSafe(|| {
        process_inner(input, set, opts, &mut row)
    })) {
        Ok(record) => record,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            row.status = DocStatus::Failed;
            row.reason = Some(format!(
                "internal error (a bug in harmonise or a parser; please report): {msg}"
            ));
            None
        }
    };
    row.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    DocOutcome { row, record }
}

fn process_inner(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    row: &mut ManifestRow,
) -> Option<Record> {
    let fail = |row: &mut ManifestRow, status: DocStatus, reason: String| {
        row.status = status;
        row.reason = Some(reason);
        None
    };
    if let Some(e) = &input.error {
        return fail(row, DocStatus::Unreadable, format!("cannot open: {e}"));
    }
    let meta = match std::fs::metadata(&input.path) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                row,
                DocStatus::Unreadable,
                format!("cannot open: {}", e.kind()),
            );
        }
    };
    row.size = meta.len();
    if meta.len() > opts.limits.max_file_bytes {
        return fail(
            row,
            DocStatus::TooLarge,
            format!(
                "file is {} MiB, over the {} MiB limit (max_file_bytes)",
                meta.len() >> 20,
                opts.limits.max_file_bytes >> 20
            ),
        );
    }
    let bytes = match std::fs::read(&input.path) {
        Ok(b) => b,
        Err(e) => {
            return fail(
                row,
                DocStatus::Unreadable,
                format!("cannot read: {}", e.kind()),
            );
        }
    };
    row.blake3 = Some(blake3::hash(&bytes).to_hex().to_string());
    let format = read::sniff(&bytes);
    row.format = Some(format.as_str().to_string());
    let doc = match read::read(&bytes, format, &opts.limits) {
        Ok(doc) => doc,
        Err(failure) => return fail(row, failure.kind.into(), failure.reason),
    };
    let mapping = match identify(&doc, format, &set.mappings) {
        Ok(m) => m,
        Err(why) => return fail(row, DocStatus::Unrecognised, why.reason(format)),
    };
    row.mapping = Some(mapping.id.clone());
    let record = harmonise(&doc, mapping, &set.template, &input.rel, opts.today);
    row.status = record.status.into();
    row.reason = match row.status {
        DocStatus::Partial => Some(partial_reason(&record, &set.template)),
        DocStatus::Blank => Some("blank form: no field is filled in".into()),
        _ => None,
    };
    Some(record)
}

/// Names the fields that made a record partial (ids only, never values): invalid, not found, or empty `must`.
fn partial_reason(record: &Record, template: &Template) -> String {
    use crate::record::FieldStatus;
    let ids = |status: FieldStatus, must_only: bool| -> Vec<&str> {
        record
            .fields
            .iter()
            .filter(|(_, f)| f.status == status)
            .filter(|(id, _)| {
                !must_only
                    || template
                        .get(id)
                        .is_some_and(|d| d.statutory == Statutory::Must)
            })
            .map(|(id, _)| id.as_str())
            .collect()
    };
    let mut parts = Vec::new();
    for (status, label, must_only) in [
        (FieldStatus::Invalid, "invalid", false),
        (FieldStatus::NotFound, "not found", false),
        (FieldStatus::Empty, "empty (must)", true),
    ] {
        let found = ids(status, must_only);
        if !found.is_empty() {
            parts.push(format!("{label}: {}", found.join(", ")));
        }
    }
    parts.join("; ")
}
