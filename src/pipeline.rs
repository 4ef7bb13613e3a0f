//! `harmonise run`: discover the inputs, read + identify + harmonise each in parallel (rayon), write records in
//! input order, and account for every input in the manifest.
//!
//! Inputs are sorted by path; worker threads take them in order and the calling thread writes each result as soon as
//! it and every earlier one are done (a bounded reorder buffer, [`in_order`]), so output is identical whatever the
//! thread count and memory does not grow with the corpus.
//! Each document runs inside `catch_unwind`: a reader bug costs that document a `failed` row, not the night; with
//! `--isolate` each runs in a worker process ([`crate::worker`]), so even an abort or a hang costs one row.
//!
//! A run is incremental ([`crate::state`]): documents unchanged since the previous run are not read again and their
//! records are carried forward. It holds an OS lock on the output folder, writes every output under a temporary
//! name and renames them all at the end, the state file last ([`crate::output`]), and checks that the manifest has
//! exactly one row per input before it renames anything. It refuses (before writing anything) to drop more of the
//! previous run's documents than `max_drop` allows, so an empty or unmounted input folder cannot wipe the records.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::civil;
use serde::{Deserialize, Serialize};

use crate::diag::escape_controls;
use crate::harmonise::{harmonise, identify};
use crate::manifest::{DocStatus, ManifestRow, OutputFile, Totals};
use crate::mapping::MappingSet;
use crate::output::{
    ArrayStream, Encoded, Encoder, LockError, OutputLock, RecordWriter, SHAREABLE_CSV, Staged,
    WriteError, clean_stale_temps, commit_all, create_out_dir, new_run_id, recover,
};
use crate::read::{self, Limits};
use crate::record::Record;
use crate::report::Staging;
use crate::state::{
    self, Carrier, Described, Entry, Loaded, Prior, STATE_FILE, Stamp, StateWriter, Unconsumed,
};
use crate::template::{Statutory, Template};
use crate::worker::{IsolateOptions, WorkerPool};

/// How far the workers may run ahead of the writer (documents done but not yet written, at most).
const WINDOW: usize = 256;

/// How many consecutive inputs a worker takes at once: one hand-over to the writer per chunk rather than per
/// document, which dominated a run where most documents are unchanged (a `stat` each).
const CHUNK: usize = 16;

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
    /// Worker threads (0: one per core); with `isolate`, also the number of worker processes.
    pub jobs: usize,
    /// Per-document limits.
    pub limits: Limits,
    /// Reference date for ages when a record has no request date.
    pub today: civil::Date,
    /// Ignore the previous run's state: read and harmonise every document.
    pub full: bool,
    /// Also write `records.shareable.csv` (personal data degraded per the template's `shareable` keys).
    pub shareable: bool,
    /// Run each document in a worker process.
    pub isolate: Option<IsolateOptions>,
    /// The largest share (percent) of the previous run's documents this run may drop (find no more in the input
    /// folder) before it refuses to run: an empty or unmounted input folder must not wipe the records.
    pub max_drop: u8,
}

/// The default of [`RunOptions::max_drop`]: a run that would drop more than half of the previous run's documents
/// refuses.
pub const DEFAULT_MAX_DROP: u8 = 50;

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The totals of the manifest written (its rows are in `manifest.json`).
    pub totals: Totals,
    /// The output folder.
    pub out: PathBuf,
    /// Why every document was processed, when the run was not incremental.
    pub full_run: Option<String>,
    /// This run's id, carried by the manifest and the reports it wrote.
    pub run_id: String,
    /// The run whose interrupted commit this one completed before starting, if any.
    pub repaired: Option<String>,
    /// The reports that could not be written, each with why (the run's other outputs were): exit 1.
    pub failed_reports: Vec<String>,
}

/// A run's outputs under temporary names, in commit order, and the reports that could not be rendered.
struct Finished {
    staged: Vec<Staged>,
    failed_reports: Vec<crate::report::Failure>,
}

impl RunSummary {
    /// True when every input was harmonised, now or (skipped unchanged) before: exit 0; otherwise the run exits 3
    /// (or 1 when a report could not be written).
    pub fn all_harmonised(&self) -> bool {
        self.totals.not_harmonised == 0
    }

    /// The end-of-run paragraph for humans: documents by status (skipped ones by what they were), the most
    /// frequent failure reasons, and where the outputs are. Names statuses and reasons, never values.
    pub fn describe(&self) -> String {
        let m = &self.totals;
        let skipped_as = &m.skipped_as;
        let counts: Vec<String> = m
            .counts
            .iter()
            .map(|(status, n)| {
                let mut part = format!("{n} {}", status.as_str());
                if *status == DocStatus::SkippedUnchanged && !skipped_as.is_empty() {
                    let was: Vec<String> = skipped_as
                        .iter()
                        .map(|(s, n)| format!("{n} {}", s.as_str()))
                        .collect();
                    part.push_str(&format!(" ({})", was.join(", ")));
                }
                part
            })
            .collect();
        let mut text = format!(
            "harmonise: {} document(s): {}.",
            m.inputs,
            if counts.is_empty() {
                "none".into()
            } else {
                counts.join(", ")
            }
        );
        match &self.full_run {
            Some(why) => text.push_str(&format!(" Full run ({}).", escape_controls(why))),
            None => text.push_str(" Incremental run."),
        }
        text.push_str(&format!(" Run {}.", self.run_id));
        if let Some(run) = &self.repaired {
            text.push_str(&format!(" Repaired an interrupted commit of run {run}."));
        }
        let top = m.top_failure_reasons(3);
        if !top.is_empty() {
            let reasons: Vec<String> = top
                .iter()
                .map(|(reason, n)| format!("{n} x \"{}\"", escape_controls(reason)))
                .collect();
            text.push_str(&format!("\nTop failure reasons: {}.", reasons.join("; ")));
        }
        let mut files = vec!["records.jsonl", "records.csv", "manifest.json"];
        for optional in [SHAREABLE_CSV, "report.html"] {
            if self.out.join(optional).exists() {
                files.push(optional);
            }
        }
        text.push_str(&format!(
            "\nOutputs in {}: {}.",
            escape_controls(&self.out.display().to_string()),
            files.join(", ")
        ));
        for failed in &self.failed_reports {
            text.push_str(&format!("\nerror: {failed}"));
        }
        text
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
    /// This run would drop more of the previous run's documents than `--max-drop` allows: nothing was written.
    #[error(
        "refusing to run: {missing} of the previous run's {previous} documents are not in the input folder {} \
(more than the {max_drop}% that --max-drop allows); nothing was written. If they are really gone, run again with \
--max-drop 100",
        input.display()
    )]
    Drop {
        /// Documents of the previous run missing now.
        missing: usize,
        /// Documents of the previous run.
        previous: usize,
        /// The input folder.
        input: PathBuf,
        /// The share allowed, in percent.
        max_drop: u8,
    },
    /// Another run holds the output folder's lock, or the lock could not be taken.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// Outputs could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The thread pool could not start.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
    /// A record kept from the previous run could not be read back for the audit: the previous records.jsonl was
    /// damaged after the state described it.
    #[error(
        "cannot audit a record kept from the previous run ({reason}); run again with --full to rebuild every output"
    )]
    Kept {
        /// Why.
        reason: String,
    },
    /// The manifest would not account for every input exactly once: a bug. Nothing was renamed into place.
    #[error(
        "internal error: {inputs} inputs were discovered but the manifest has {rows} rows; the previous outputs are left as they were"
    )]
    Accounting {
        /// Inputs discovered.
        inputs: usize,
        /// Rows produced.
        rows: usize,
    },
}

/// An input found by discovery: a file to read, or an entry that could not be reached. Every input is held for
/// the whole run, so its strings are boxed (no spare capacity; 64 bytes a document plus the two paths).
#[derive(Debug, Clone)]
pub struct Input {
    /// Where to open it (see [`Input::path`]).
    location: Location,
    /// Path relative to the input folder, as shown in outputs (lossy when the name is not UTF-8).
    pub rel: Box<str>,
    /// The relative path's bytes in hex, when they are not UTF-8, so two such names never merge.
    pub path_bytes_hex: Option<Box<str>>,
    /// Set when discovery itself failed for this entry (permission denied, link loop).
    pub error: Option<Box<str>>,
}

/// Where an input lies: the input folder joined with its relative path (no copy of the path per document), or,
/// when that would not give it back exactly (a non-UTF-8 name), the path itself.
#[derive(Debug, Clone)]
enum Location {
    Under(std::sync::Arc<Path>),
    Exact(Box<Path>),
}

impl Input {
    /// An input at `path`.
    pub fn new(
        path: PathBuf,
        rel: String,
        path_bytes_hex: Option<String>,
        error: Option<String>,
    ) -> Input {
        Input {
            location: Location::Exact(path.into_boxed_path()),
            rel: rel.into_boxed_str(),
            path_bytes_hex: path_bytes_hex.map(String::into_boxed_str),
            error: error.map(String::into_boxed_str),
        }
    }

    /// The path to open.
    pub fn path(&self) -> std::borrow::Cow<'_, Path> {
        match &self.location {
            Location::Under(base) => base.join(&*self.rel).into(),
            Location::Exact(path) => std::borrow::Cow::Borrowed(path),
        }
    }

    /// An input found under `base`, sharing `base` when the path is `base` joined with `rel`.
    fn under(
        base: &std::sync::Arc<Path>,
        path: PathBuf,
        rel: String,
        path_bytes_hex: Option<String>,
        error: Option<String>,
    ) -> Input {
        let mut input = Input::new(path, rel, path_bytes_hex, error);
        if input.path_bytes_hex.is_none()
            && let Location::Exact(path) = &input.location
            && base.join(&*input.rel).as_path() == &**path
        {
            input.location = Location::Under(base.clone());
        }
        input
    }
}

/// The discovered inputs, sorted, held compactly for the whole run: the relative paths of ordinary inputs in one
/// string (about 16 bytes a document besides the name itself); an input with a non-UTF-8 name, a discovery error
/// or a path that is not the input folder joined with its relative path is kept whole. [`Inputs::get`] gives
/// each back as an [`Input`].
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    base: Option<std::sync::Arc<Path>>,
    text: String,
    items: Vec<Slot>,
}

#[derive(Debug, Clone)]
enum Slot {
    Name { start: usize, len: usize },
    Whole(Box<Input>),
}

impl Inputs {
    /// How many.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The input at `index`.
    pub fn get(&self, index: usize) -> Option<Input> {
        match self.items.get(index)? {
            Slot::Name { start, len } => {
                let rel = self.text.get(*start..start.saturating_add(*len))?;
                Some(Input {
                    location: Location::Under(self.base.clone()?),
                    rel: rel.into(),
                    path_bytes_hex: None,
                    error: None,
                })
            }
            Slot::Whole(input) => Some((**input).clone()),
        }
    }

    /// True when an input has this relative path (and hex of a non-UTF-8 name).
    pub fn contains(&self, rel: &str, path_bytes_hex: Option<&str>) -> bool {
        self.items
            .binary_search_by(|slot| self.key(slot).cmp(&(rel.as_bytes(), path_bytes_hex)))
            .is_ok()
    }

    /// Adds an ordinary input: the file `rel` under the input folder.
    fn push_name(&mut self, rel: &str) {
        let start = self.text.len();
        self.text.push_str(rel);
        self.items.push(Slot::Name {
            start,
            len: rel.len(),
        });
    }

    fn push(&mut self, input: Input) {
        match (&input.location, &input.path_bytes_hex, &input.error) {
            (Location::Under(_), None, None) => self.push_name(&input.rel),
            _ => self.items.push(Slot::Whole(Box::new(input))),
        }
    }

    /// The sort key: the relative path's bytes (ordered as the `str` is), then the hex of a non-UTF-8 name.
    fn key<'a>(&'a self, slot: &'a Slot) -> (&'a [u8], Option<&'a str>) {
        match slot {
            Slot::Name { start, len } => (
                self.text
                    .as_bytes()
                    .get(*start..start.saturating_add(*len))
                    .unwrap_or_default(),
                None,
            ),
            Slot::Whole(input) => (input.rel.as_bytes(), input.path_bytes_hex.as_deref()),
        }
    }

    fn sort(&mut self) {
        let items = std::mem::take(&mut self.items);
        // Sorted by keys computed once (not at each comparison), then the slots taken in that order. Unstable: no
        // two inputs have the same (rel, hex).
        let mut order: Vec<(&[u8], Option<&str>, usize)> = items
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let (rel, hex) = self.key(slot);
                (rel, hex, i)
            })
            .collect();
        order.sort_unstable();
        let order: Vec<usize> = order.into_iter().map(|(_, _, i)| i).collect();
        let mut slots: Vec<Option<Slot>> = items.into_iter().map(Some).collect();
        let sorted = order
            .into_iter()
            .filter_map(|i| slots.get_mut(i)?.take())
            .collect();
        self.text.shrink_to_fit();
        self.items = sorted;
    }
}

/// `Err` unless `input` is a folder.
fn input_folder(input: &Path) -> Result<(), RunError> {
    if input.is_dir() {
        Ok(())
    } else {
        Err(RunError::Input {
            path: input.to_path_buf(),
            reason: "not a folder".into(),
        })
    }
}

/// Walks the input folder (following links, detecting loops), sorted by path; skips the output folder.
pub fn discover(input: &Path, out: &Path) -> Result<Inputs, RunError> {
    input_folder(input)?;
    let out_abs = out.canonicalize().ok();
    let input_str = input.to_str().unwrap_or_default();
    let base: std::sync::Arc<Path> = input.into();
    let mut found = Inputs {
        base: Some(base.clone()),
        ..Inputs::default()
    };
    let walker = walkdir::WalkDir::new(input)
        .follow_links(true)
        // No `sort_by_file_name`: every input is sorted by its relative path below, once.
        .into_iter()
        .filter_entry(|e| {
            // Only a folder can be the output folder: files are never canonicalised (a readlink per component).
            !e.file_type().is_dir()
                || out_abs
                    .as_ref()
                    .is_none_or(|o| e.path().canonicalize().ok().as_ref() != Some(o))
        });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => match plain_relative(input_str, e.path()) {
                Some(rel) => found.push_name(rel),
                None => {
                    let (rel, hex) = (relative(input, e.path()), non_utf8_hex(input, e.path()));
                    found.push(Input::under(&base, e.into_path(), rel, hex, None));
                }
            },
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
                let (rel, hex) = (relative(input, &path), non_utf8_hex(input, &path));
                found.push(Input::under(&base, path, rel, hex, Some(reason)));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The relative path of `path` when it is `base/rel` in UTF-8 with `/` separators (how the walk joins names, so
/// nearly always): found without parsing path components, as [`relative`] does for the rest.
fn plain_relative<'a>(base: &str, path: &'a Path) -> Option<&'a str> {
    let rel = path
        .to_str()?
        .strip_prefix(base)?
        .strip_prefix('/')
        .filter(|rel| !base.is_empty() && !rel.is_empty() && !rel.contains('\\'))?;
    Some(rel)
}

fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The relative path's raw bytes in hex when they are not valid UTF-8.
fn non_utf8_hex(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).unwrap_or(path);
    if rel.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(hex(rel.as_os_str().as_bytes()))
    }
    #[cfg(not(unix))]
    {
        Some(hex(rel.to_string_lossy().as_bytes()))
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The outcome of one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocOutcome {
    /// Its manifest row.
    pub row: ManifestRow,
    /// Its record, when harmonised (or carried forward).
    pub record: Option<Record>,
    /// Its size and modification time, for the next run's "unchanged?" test.
    #[serde(default)]
    pub stamp: Option<Stamp>,
}

/// What processing one document came to: an outcome, or "unchanged since the previous run".
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // one per document, moved a handful of times: boxing buys nothing
pub enum Processed {
    /// Read (or failed): a fresh outcome.
    Done(DocOutcome),
    /// Same content as before: carry the previous outcome forward.
    Unchanged {
        /// Its current size and modification time.
        stamp: Option<Stamp>,
    },
}

/// Runs the whole pipeline.
pub fn run(
    set: &MappingSet,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    input_folder(&opts.input)?;
    create_out_dir(&opts.out)?;
    let _lock = OutputLock::acquire(&opts.out)?;
    // A commit a killed run left half done is completed first: its temporary files are whole.
    let repaired = recover(&opts.out)?;
    if let Some(run) = &repaired {
        tracing::warn!("repaired an interrupted commit of run {run}");
    }
    let stale = clean_stale_temps(&opts.out)?;
    if stale > 0 {
        tracing::info!(stale, "removed temporary files left by an interrupted run");
    }
    let run_id = new_run_id();
    let ctx = state::Context::new(set, &opts.limits);
    // The previous state (read under the lock, so no other run can replace it meanwhile) loads while the input
    // folder is walked: both are on the way of every run, however little changed. It is read even with --full,
    // for the drop check.
    let (inputs, loaded) = std::thread::scope(|scope| {
        let loading = scope.spawn(|| Loaded::read(&opts.out));
        let inputs = discover(&opts.input, &opts.out);
        (inputs, joined(loading))
    });
    let inputs = inputs?;
    tracing::info!(
        inputs = inputs.len(),
        elapsed_ms = ms(started),
        "discovered inputs"
    );
    if let Ok(previous) = &loaded {
        check_drop(previous, &inputs, opts)?;
    }
    let (prior, full_run) = match loaded {
        _ if opts.full => (None, Some("--full".to_string())),
        Ok(loaded) => match Prior::check(loaded, &opts.out, &ctx) {
            Ok(prior) => (Some(prior), None),
            Err(why) => (None, Some(why)),
        },
        Err(why) => (None, Some(why)),
    };
    if let Some(why) = &full_run {
        tracing::info!(reason = %why, "full run");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(|_| RunError::Threads(opts.jobs))?;
    let workers = opts
        .isolate
        .as_ref()
        .map(|iso| WorkerPool::new(iso, opts, pool.current_num_threads()));
    progress.start(inputs.len() as u64);
    let encoder = Encoder::new(&set.template, opts.shareable);
    let mut sink = Sink::new(set, opts, prior.as_ref(), &encoder)?;
    let process_one = |input: &Input| {
        let known = prior
            .as_ref()
            .and_then(|p| p.candidate(&input.rel, input.path_bytes_hex.as_deref()));
        let processed = match &workers {
            Some(w) => w.process(input, known),
            None => process_known(input, set, opts, known),
        };
        progress.advance();
        // Encoding happens here, on the worker threads: the writer only appends bytes.
        match (processed, known) {
            (Processed::Done(outcome), _) => Ready::Done(Fresh::new(outcome, &encoder)),
            (Processed::Unchanged { stamp }, Some(entry)) => {
                let row = state::skipped_row(entry, stamp);
                let row_json = ArrayStream::encode(&row);
                Ready::Unchanged {
                    stamp,
                    entry,
                    row,
                    row_json,
                }
            }
            (Processed::Unchanged { stamp }, None) => {
                Ready::Done(Fresh::new(unknown_unchanged(input, stamp), &encoder))
            }
        }
    };
    in_order(&pool, &inputs, process_one, |input, ready| match ready {
        Ready::Done(fresh) => sink.fresh(fresh),
        Ready::Unchanged {
            stamp,
            entry,
            row,
            row_json,
        } => {
            if !sink.unchanged(stamp, entry, row, row_json)? {
                sink.fresh(Fresh::new(process(input, set, opts), &encoder))?;
            }
            Ok(())
        }
    })?;
    drop(workers);
    let (finished, totals) = sink.finish(&ctx, inputs.len(), &run_id, repaired.as_deref())?;
    // A report that cannot be written costs the night only that report: the records, the manifest and the
    // state land with the reports that could be, and the run names the report and exits 1.
    let mut failed_reports = finished.failed_reports;
    for failed in commit_all(&opts.out, &run_id, finished.staged)? {
        match crate::report::file_of(failed.path()) {
            Some(file) => failed_reports.push(crate::report::Failure {
                file,
                error: failed,
            }),
            None => return Err(failed.into()),
        }
    }
    crate::report::settle(&opts.out, &failed_reports);
    for stale in [SHAREABLE_CSV, state::LEGACY_STATE_FILE] {
        // A shareable copy from an earlier run would no longer match the records; an old build's state is unused.
        let old = opts.out.join(stale);
        if (stale != SHAREABLE_CSV || !opts.shareable) && old.exists() {
            std::fs::remove_file(&old)
                .map_err(|source| WriteError::new("removing", &old, source))?;
        }
    }
    progress.finish();
    tracing::info!(
        inputs = totals.inputs,
        skipped = totals
            .counts
            .get(&DocStatus::SkippedUnchanged)
            .copied()
            .unwrap_or(0),
        elapsed_ms = ms(started),
        "run complete"
    );
    Ok(RunSummary {
        totals,
        out: opts.out.clone(),
        full_run,
        run_id,
        repaired,
        failed_reports: failed_reports.iter().map(ToString::to_string).collect(),
    })
}

/// `Err` when this run would drop (find no more in the input folder) more of the previous run's documents than
/// `--max-drop` allows: an empty or unmounted input folder would otherwise replace every record with none.
fn check_drop(previous: &Loaded, inputs: &Inputs, opts: &RunOptions) -> Result<(), RunError> {
    if previous.is_empty() {
        return Ok(());
    }
    let missing = previous
        .documents()
        .filter(|(rel, hex)| !inputs.contains(rel, *hex))
        .count();
    // More than max_drop percent, in integers: missing / previous > max_drop / 100.
    let over = missing.saturating_mul(100) > previous.len().saturating_mul(opts.max_drop.into());
    if over {
        return Err(RunError::Drop {
            missing,
            previous: previous.len(),
            input: opts.input.clone(),
            max_drop: opts.max_drop,
        });
    }
    Ok(())
}

/// Processes `inputs` on every thread of `pool` and hands each result to `write` in input order, on the calling
/// thread, as soon as it and all before it are done. Workers take inputs in order, [`CHUNK`] at a time, and never
/// run more than [`WINDOW`] ahead of the writer, so the reorder buffer (and memory) stays bounded; there is no
/// barrier at which fast threads wait for a slow document. The first error from `write` stops the workers and is
/// returned.
fn in_order<T: Send>(
    pool: &rayon::ThreadPool,
    inputs: &Inputs,
    process: impl Fn(&Input) -> T + Sync,
    mut write: impl FnMut(&Input, T) -> Result<(), RunError>,
) -> Result<(), RunError> {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex, mpsc};

    let next = AtomicUsize::new(0);
    // How many have been written, or usize::MAX once the writer gave up.
    let written = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<(Input, T)>)>(WINDOW / CHUNK);
    std::thread::scope(|scope| {
        let (next, written, process) = (&next, &written, &process);
        scope.spawn(move || {
            pool.broadcast(|_| {
                let tx = tx.clone();
                loop {
                    let first = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if first >= inputs.len() {
                        return;
                    }
                    {
                        let (lock, wake) = written;
                        let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                        while *done != usize::MAX && first >= *done + WINDOW {
                            done = wake.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                        if *done == usize::MAX {
                            return;
                        }
                    }
                    let chunk = (first..first.saturating_add(CHUNK))
                        .map_while(|index| inputs.get(index))
                        .map(|input| {
                            let value = process(&input);
                            (input, value)
                        })
                        .collect();
                    if tx.send((first, chunk)).is_err() {
                        return;
                    }
                }
            });
            drop(tx);
        });
        let mut pending = BTreeMap::new();
        let mut done = 0usize;
        let result = (|| {
            for (first, chunk) in &rx {
                pending.insert(first, chunk);
                let before = done;
                while let Some(chunk) = pending.remove(&done) {
                    for (input, value) in chunk {
                        write(&input, value)?;
                        done += 1;
                    }
                }
                if done != before {
                    let (lock, wake) = &written;
                    *lock.lock().unwrap_or_else(|e| e.into_inner()) = done;
                    wake.notify_all();
                }
            }
            Ok(())
        })();
        if result.is_err() {
            let (lock, wake) = &written;
            *lock.lock().unwrap_or_else(|e| e.into_inner()) = usize::MAX;
            wake.notify_all();
        }
        drop(rx);
        result
    })
}

/// A scoped thread's result; its panic, if it panicked, carries on in the caller.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Where a run's outcomes go, in input order, on the writer thread: the record files, the manifest rows, the state
/// entries, the totals and the audit.
struct Sink<'p> {
    out: &'p Path,
    prior: Option<&'p Prior>,
    encoder: &'p Encoder,
    writer: RecordWriter,
    // Manifest rows and state entries stream to temporary files: memory stays flat whatever the corpus size.
    rows: ArrayStream,
    entries: StateWriter,
    totals: Totals,
    audit: crate::audit::Audit<'p>,
    /// Records kept in place (see `RecordWriter::keep`), audited only when something turns out to have changed:
    /// if nothing did, the previous reports stand. They are the first documents, so auditing them late keeps the
    /// input order the audit's examples follow.
    kept: Vec<&'p Entry>,
    /// The previous `records.jsonl` and `records.csv`, for records carried forward once something changed.
    carrier: Carrier,
    csv_carrier: Carrier,
}

impl<'p> Sink<'p> {
    fn new(
        set: &'p MappingSet,
        opts: &'p RunOptions,
        prior: Option<&'p Prior>,
        encoder: &'p Encoder,
    ) -> Result<Sink<'p>, RunError> {
        let writer = match prior {
            Some(_) if !opts.shareable => RecordWriter::resume(&opts.out, &set.template)?,
            _ => RecordWriter::create(&opts.out, &set.template, opts.shareable)?,
        };
        Ok(Sink {
            out: &opts.out,
            prior,
            encoder,
            writer,
            rows: ArrayStream::create(&opts.out)?,
            entries: StateWriter::create(&opts.out)?,
            totals: Totals::default(),
            audit: crate::audit::Audit::new(set),
            kept: Vec::new(),
            carrier: Carrier::open(&opts.out),
            csv_carrier: Carrier::open_file(&opts.out.join("records.csv")),
        })
    }

    /// A document processed now.
    fn fresh(&mut self, fresh: Fresh) -> Result<(), RunError> {
        let Fresh {
            outcome,
            encoded,
            unconsumed,
            row_json,
        } = fresh;
        tracing::debug!(file = %outcome.row.path, status = outcome.row.status.as_str(), "document");
        let spans = match (&outcome.record, encoded) {
            (Some(record), Some(encoded)) => {
                let encoded =
                    encoded.map_err(|e| WriteError::new("encoding a record for", self.out, e))?;
                self.audit_kept()?;
                self.audit.add(record);
                Some(self.writer.append(
                    &encoded.jsonl,
                    &encoded.csv,
                    encoded.shareable.as_deref(),
                )?)
            }
            _ => None,
        };
        let row = outcome.row;
        self.entries
            .push(&state::entry(&row, outcome.stamp, spans, unconsumed))?;
        self.rows.push_encoded(
            &row_json.map_err(|e| WriteError::new("encoding a row for", self.out, e))?,
        )?;
        self.totals.add(&row);
        Ok(())
    }

    /// A document unchanged since the previous run: its record kept in place, or carried forward as its previous
    /// bytes. `false` when those cannot be read back: the caller processes it again.
    fn unchanged(
        &mut self,
        stamp: Option<Stamp>,
        entry: &'p Entry,
        row: ManifestRow,
        row_json: std::io::Result<Vec<u8>>,
    ) -> Result<bool, RunError> {
        let row_json = row_json.map_err(|e| WriteError::new("encoding a row for", self.out, e))?;
        // In place in the previous records: nothing to read or write.
        let kept_at = entry.spans().and_then(|old| self.writer.keep(old));
        let spans = match kept_at {
            Some(spans) => Some(spans),
            None => {
                self.audit_kept()?;
                match self.carried_bytes(entry) {
                    Ok(Some(b)) => Some(self.writer.append(
                        &b.jsonl,
                        &b.csv,
                        b.shareable.as_deref(),
                    )?),
                    Ok(None) => None,
                    Err(why) => {
                        tracing::warn!(file = %entry.path, reason = %why, "cannot carry the record forward; processing again");
                        return Ok(false);
                    }
                }
            }
        };
        tracing::debug!(file = %row.path, status = row.status.as_str(), "document");
        // Kept in place with the same stamp: its entry is the previous one, byte for byte.
        let same = kept_at.is_some() && stamp == entry.stamp;
        match self.prior.and_then(|p| p.encoded(entry)).filter(|_| same) {
            Some(bytes) => self.entries.push_encoded(bytes)?,
            None => {
                self.entries
                    .push(&state::entry(&row, stamp, spans, entry.unconsumed.clone()))?
            }
        }
        self.rows.push_encoded(&row_json)?;
        self.totals.add(&row);
        if kept_at.is_some() {
            self.kept.push(entry);
        }
        Ok(true)
    }

    /// An unchanged document's previous bytes, folded into the audit through a borrowed view (no `Record` is
    /// built). `Err` says why they cannot be carried.
    fn carried_bytes(&mut self, entry: &Entry) -> Result<Option<Encoded>, String> {
        let bytes = carry(
            entry,
            &mut self.carrier,
            &mut self.csv_carrier,
            self.encoder,
        )?;
        if let Some(b) = &bytes {
            audit_line(
                &mut self.audit,
                &b.jsonl,
                &entry.path,
                &entry.unconsumed,
                &self.carrier,
            )?;
        }
        Ok(bytes)
    }

    /// Audits the records kept in place so far, in input order, reading each back from the previous
    /// `records.jsonl`.
    fn audit_kept(&mut self) -> Result<(), RunError> {
        for entry in self.kept.drain(..) {
            let Some(span) = entry.record else { continue };
            self.carrier
                .bytes(span)
                .and_then(|line| {
                    audit_line(
                        &mut self.audit,
                        &line,
                        &entry.path,
                        &entry.unconsumed,
                        &self.carrier,
                    )
                })
                .map_err(|reason| RunError::Kept { reason })?;
        }
        Ok(())
    }

    /// Finishes every output under a temporary name, in commit order (the state last, or not at all when it
    /// would be the previous one byte for byte), after checking that every one of `inputs` has its row.
    fn finish(
        mut self,
        ctx: &state::Context,
        inputs: usize,
        run_id: &str,
        repaired: Option<&str>,
    ) -> Result<(Finished, Totals), RunError> {
        if self.totals.inputs != inputs {
            return Err(RunError::Accounting {
                inputs,
                rows: self.totals.inputs,
            });
        }
        let out = self.out;
        // Reports are derived from the records and the mappings: when neither changed, the previous ones stand.
        let reports_stand = match self.prior {
            Some(prior) if self.writer.keeps_previous() => prior.reusable_reports(),
            _ => None,
        };
        if reports_stand.is_none() {
            self.audit_kept()?;
        }
        let Sink {
            prior,
            writer,
            rows,
            entries,
            totals,
            audit,
            ..
        } = self;
        // A file left in place is listed as the previous state lists it (not read again); one written now is
        // hashed from its temporary file.
        let kept = |name: &str| -> Result<OutputFile, WriteError> {
            let listed = prior.and_then(|p| p.outputs().iter().find(|o| o.file == name));
            match listed {
                Some(o) => Ok(o.clone()),
                None => listed_on_disk(out, name),
            }
        };
        let manifest_path = out.join("manifest.json");
        let staged = std::thread::scope(|scope| -> Result<Finished, RunError> {
            // Each output is finished (copied into place under a temporary name, synced to disk and hashed) on its
            // own thread where it can be: tens of milliseconds each for a large corpus.
            let records = scope.spawn(move || -> Result<_, WriteError> {
                let Some(records) = writer.finish()? else {
                    return Ok(None);
                };
                let listed = records
                    .iter()
                    .map(|s| s.listing(run_id))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some((records, listed)))
            });
            let reports = match reports_stand {
                Some(_) => Staging::default(),
                None => {
                    let mut report = audit.finish();
                    report.run_id = run_id.to_string();
                    crate::report::stage_all(out, &report)
                }
            };
            let mut described = Described::default();
            let mut staged = Vec::new();
            let mut outputs = Vec::new();
            match joined(records)? {
                Some((records, listed)) => {
                    let stamp = |name: &str| {
                        records
                            .iter()
                            .find(|s| s.dest().ends_with(name))
                            .and_then(|s| s.metadata().ok())
                            .and_then(|m| Stamp::of(&m))
                    };
                    described.records = stamp("records.jsonl");
                    described.records_csv = stamp("records.csv");
                    staged.extend(records);
                    outputs.extend(listed);
                }
                None => {
                    described.records = state::stamp_of(out, "records.jsonl");
                    described.records_csv = state::stamp_of(out, "records.csv");
                    outputs.push(kept("records.jsonl")?);
                    outputs.push(kept("records.csv")?);
                }
            }
            match reports_stand {
                Some(reports) => {
                    described.reports = reports.to_vec();
                    for (name, _) in reports {
                        outputs.push(kept(name)?);
                    }
                }
                None => {
                    // A report missing from the state means the next run writes all three again.
                    if reports.failed.is_empty() {
                        described.reports = reports
                            .staged
                            .iter()
                            .filter_map(|(name, report)| {
                                Some((name.to_string(), Stamp::of(&report.metadata().ok()?)?))
                            })
                            .collect();
                    }
                    for (_, report) in &reports.staged {
                        outputs.push(report.listing(run_id)?);
                    }
                }
            }
            // The manifest lists the set it belongs with.
            let mut manifest_head = totals.head();
            manifest_head.run_id = run_id.to_string();
            manifest_head.repaired_commit = repaired.map(str::to_string);
            manifest_head.outputs = outputs.clone();
            let manifest = scope.spawn(move || rows.finish_into(&manifest_path, &manifest_head));
            described.outputs = outputs;
            // The state goes last: it describes the files renamed before it. A run that changed nothing would
            // write the very same state: the previous file stays.
            let head = ctx.head(described);
            let state = match prior {
                Some(prior) if entries.repeats(prior, &head) => None,
                _ => Some(entries.finish_into(&out.join(STATE_FILE), &head)?),
            };
            staged.push(joined(manifest)?);
            staged.extend(reports.staged.into_iter().map(|(_, report)| report));
            staged.extend(state);
            Ok(Finished {
                staged,
                failed_reports: reports.failed,
            })
        })?;
        Ok((staged, totals))
    }
}

/// How the manifest lists an output already in place that the previous state does not list (it always does,
/// unless it was damaged): hashed as it is, the run that wrote it unknown.
fn listed_on_disk(out: &Path, name: &str) -> Result<OutputFile, WriteError> {
    let path = out.join(name);
    let mut hasher = blake3::Hasher::new();
    let size = std::fs::File::open(&path)
        .and_then(|f| hasher.update_reader(f).map(|_| ()))
        .and_then(|()| std::fs::metadata(&path))
        .map_err(|e| WriteError::new("reading", &path, e))?
        .len();
    Ok(OutputFile {
        file: name.to_string(),
        size,
        blake3: hasher.finalize().to_hex().to_string(),
        run_id: String::new(),
    })
}

/// A fresh outcome made ready for the writer on the worker thread: its record's output bytes and its unconsumed
/// keys as the state stores them, so the writer only appends bytes (and folds the audit).
struct Fresh {
    outcome: DocOutcome,
    encoded: Option<std::io::Result<Encoded>>,
    unconsumed: Unconsumed,
    /// Its manifest row's JSON.
    row_json: std::io::Result<Vec<u8>>,
}

impl Fresh {
    fn new(outcome: DocOutcome, encoder: &Encoder) -> Fresh {
        let encoded = outcome.record.as_ref().map(|r| encoder.encode(r));
        let unconsumed = outcome
            .record
            .as_ref()
            .map(|r| Unconsumed::encode(&r.unconsumed))
            .unwrap_or_default();
        Fresh {
            row_json: ArrayStream::encode(&outcome.row),
            outcome,
            encoded,
            unconsumed,
        }
    }
}

/// What processing one document came to, encoded for the writer.
#[allow(clippy::large_enum_variant)] // one per document in the reorder window
enum Ready<'p> {
    /// A fresh outcome, ready for the writer.
    Done(Fresh),
    /// Unchanged since the previous run.
    Unchanged {
        stamp: Option<Stamp>,
        /// Its previous entry.
        entry: &'p Entry,
        /// Its `skipped_unchanged` manifest row, and the row's JSON.
        row: ManifestRow,
        row_json: std::io::Result<Vec<u8>>,
    },
}

/// The previous record of an unchanged document, as it was written: its JSONL line and CSV row (and a fresh
/// shareable row). `Ok(None)`: it had no record. `Err` (the bytes cannot be read back) means: process it again.
fn carry(
    entry: &Entry,
    carrier: &mut Carrier,
    csv_carrier: &mut Carrier,
    encoder: &Encoder,
) -> Result<Option<Encoded>, String> {
    match (entry.record, entry.csv) {
        (Some(span), Some(csv_span)) => {
            let jsonl = carrier.bytes(span)?;
            let csv = csv_carrier.bytes(csv_span)?;
            let shareable = if encoder.shareable() {
                let record: Record = serde_json::from_slice(&jsonl).map_err(|e| e.to_string())?;
                encoder
                    .shareable_row(&record)
                    .transpose()
                    .map_err(|e| e.to_string())?
            } else {
                None
            };
            Ok(Some(Encoded {
                jsonl,
                csv,
                shareable,
            }))
        }
        (None, None) => Ok(None),
        _ => Err("the previous state lacks the record's CSV row".into()),
    }
}

/// Folds a record line of the previous `records.jsonl` into the audit through a borrowed view (no `Record` is
/// built); `Err` when the line is not `file`'s record.
fn audit_line(
    audit: &mut crate::audit::Audit,
    line: &[u8],
    file: &str,
    unconsumed: &Unconsumed,
    carrier: &Carrier,
) -> Result<(), String> {
    let unconsumed = unconsumed.decode()?;
    let mut view: crate::audit::AuditView<'_> = serde_json::from_slice(line)
        .map_err(|e| format!("a damaged line in {}: {e}", carrier.path().display()))?;
    if *view.file != *file {
        return Err(format!(
            "{} holds another document at that offset",
            carrier.path().display()
        ));
    }
    view.unconsumed = &unconsumed;
    audit.add_view(&view);
    Ok(())
}

/// The document's stamp when it equals the previous run's: unchanged without reading a byte.
pub fn unchanged_by_stamp(input: &Input, known: Option<&Entry>) -> Option<Stamp> {
    let known = known?;
    if input.error.is_some() {
        return None;
    }
    let meta = std::fs::metadata(input.path()).ok()?;
    let stamp = Stamp::of(&meta)?;
    (meta.is_file() && known.stamp == Some(stamp)).then_some(stamp)
}

/// Processes one document unless it is unchanged since the previous run (`known`: its previous entry, when that
/// outcome could still stand): first by size and modification time, then by content hash.
pub fn process_known(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    known: Option<&Entry>,
) -> Processed {
    if let Some(stamp) = unchanged_by_stamp(input, known) {
        return Processed::Unchanged { stamp: Some(stamp) };
    }
    process_hashed(input, set, opts, known.and_then(|e| e.blake3.as_deref()))
}

/// Reads, identifies and harmonises one document; never panics, never returns an error.
pub fn process(input: &Input, set: &MappingSet, opts: &RunOptions) -> DocOutcome {
    match process_hashed(input, set, opts, None) {
        Processed::Done(outcome) => outcome,
        Processed::Unchanged { stamp } => unknown_unchanged(input, stamp),
    }
}

/// The outcome of a document found unchanged without a previous entry to carry: cannot happen (only a known
/// document can be unchanged), but it is accounted for all the same.
fn unknown_unchanged(input: &Input, stamp: Option<Stamp>) -> DocOutcome {
    DocOutcome {
        row: ManifestRow {
            status: DocStatus::Failed,
            reason: Some("internal error: unchanged without a previous entry".into()),
            ..ManifestRow::new(
                input.rel.to_string(),
                input.path_bytes_hex.as_deref().map(str::to_string),
            )
        },
        record: None,
        stamp,
    }
}

/// Like [`process`], but stops with [`Processed::Unchanged`] as soon as the content hash equals `known_blake3`.
pub fn process_hashed(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    known_blake3: Option<&str>,
) -> Processed {
    let started = Instant::now();
    let mut row = ManifestRow::new(
        input.rel.to_string(),
        input.path_bytes_hex.as_deref().map(str::to_string),
    );
    let mut stamp = None;
    let record = match catch_unwind(AssertUnwindSafe(|| {
        process_inner(input, set, opts, known_blake3, &mut row, &mut stamp)
    })) {
        Ok(Step::Unchanged) => return Processed::Unchanged { stamp },
        Ok(Step::Done(record)) => record,
        // Never the panic's message: it can quote the document (a slice error on its text, a parser's panic
        // formatting a value). Where it happened is in the log (the binary's panic hook).
        Err(_) => {
            row.status = DocStatus::Failed;
            row.reason = Some(
                "internal error (a bug in harmonise or a parser; please report): it panicked; the log says where"
                    .into(),
            );
            None
        }
    };
    row.elapsed_ms = ms(started);
    Processed::Done(DocOutcome { row, record, stamp })
}

#[allow(clippy::large_enum_variant)] // lives for one call
enum Step {
    Done(Option<Record>),
    Unchanged,
}

fn process_inner(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    known_blake3: Option<&str>,
    row: &mut ManifestRow,
    stamp: &mut Option<Stamp>,
) -> Step {
    let fail = |row: &mut ManifestRow, status: DocStatus, reason: String| {
        row.status = status;
        row.reason = Some(reason);
        Step::Done(None)
    };
    if let Some(e) = &input.error {
        return fail(row, DocStatus::Unreadable, format!("cannot open: {e}"));
    }
    let meta = match std::fs::metadata(input.path()) {
        Ok(m) => m,
        Err(e) => return fail(row, DocStatus::Unreadable, io_reason("cannot open", &e)),
    };
    *stamp = Stamp::of(&meta);
    row.size = meta.len();
    if !meta.is_file() {
        // Never open a named pipe or a device: reading one can block the night.
        return fail(
            row,
            DocStatus::Unreadable,
            format!("not a regular file ({})", kind_of(&meta)),
        );
    }
    let too_large = |row: &mut ManifestRow, size: u64| {
        fail(
            row,
            DocStatus::TooLarge,
            format!(
                "file is {}, over the {} limit (max_file_bytes)",
                read::size(size),
                read::size(opts.limits.max_file_bytes)
            ),
        )
    };
    if meta.len() > opts.limits.max_file_bytes {
        return too_large(row, meta.len());
    }
    let bytes = match read_capped(&input.path(), opts.limits.max_file_bytes) {
        Ok(b) => b,
        Err(e) => return fail(row, DocStatus::Unreadable, io_reason("cannot read", &e)),
    };
    #[cfg(debug_assertions)]
    test_panic_hook(&input.rel, &bytes);
    if bytes.len() as u64 > opts.limits.max_file_bytes {
        return too_large(row, bytes.len() as u64);
    }
    let hash = blake3::hash(&bytes).to_hex().to_string();
    if known_blake3 == Some(hash.as_str()) {
        return Step::Unchanged;
    }
    row.blake3 = Some(hash);
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
    Step::Done(Some(record))
}

/// Why a document could not be opened or read: `cannot read: permission denied`; a file listed by discovery and
/// gone since (deleted or renamed mid-run) says so rather than "entity not found".
fn io_reason(what: &str, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "vanished during the run: listed, then gone (deleted or renamed) before it was read".into()
    } else {
        format!("{what}: {}", e.kind())
    }
}

/// Debug builds only (never in a release binary): panics in the middle of a document named by
/// `HARMONISE_TEST_PANIC_ON` (its last path component), with the document's first bytes in the message, so the
/// integration tests can check that a caught panic costs one `failed` row and that its message reaches neither
/// the log nor the manifest.
#[cfg(debug_assertions)]
#[allow(clippy::panic)]
fn test_panic_hook(rel: &str, bytes: &[u8]) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if std::env::var_os("HARMONISE_TEST_PANIC_ON").is_some_and(|v| v == name) {
        let head = String::from_utf8_lossy(bytes.get(..64).unwrap_or(bytes));
        panic!("byte index 3 is not a char boundary in `{head}`");
    }
}

/// Reads at most `max + 1` bytes, so a file that grows after it was measured cannot exhaust memory.
fn read_capped(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// What kind of non-regular file this is.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    let _ = meta;
    "not a file"
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
