//! `harmonise run`: discover the inputs, read + identify + harmonise each in parallel (rayon), write records in
//! input order, and account for every input in the manifest.
//!
//! Inputs are sorted by path; worker threads take them in order and the calling thread writes each result as soon as
//! it and every earlier one are done (a bounded reorder buffer), so output is identical whatever the thread count
//! and memory does not grow with the corpus.
//! Each document runs inside `catch_unwind`: a reader bug costs that document a `failed` row, not the night; with
//! `--isolate` each runs in a worker process ([`isolate`]), so even an abort or a hang costs one row.
//!
//! A run is incremental ([`crate::state`]): documents unchanged since the previous run are not read again and their
//! records are carried forward. It holds an OS lock on the output folder, writes every output under a temporary
//! name and renames them all at the end, the state file last ([`crate::output`]), and checks that the manifest has
//! exactly one row per input before it renames anything. It refuses (before writing anything) to drop more of the
//! previous run's documents than `max_drop` allows, so an empty or unmounted input folder cannot wipe the records.
//!
//! The stages, one file each: [`discover`](mod@discover) (the input folder walked into [`Inputs`]), `schedule`
//! (inputs processed in parallel, results handed over in input order), [`process`](mod@process) (one document to
//! one [`Outcome`], the incremental short-cuts among its steps), `sink` (the writer side: records, manifest rows,
//! state entries, the audit) and [`reports`] (the reports staged and committed, and `harmonise report`'s rebuild).

pub mod discover;
pub mod isolate;
pub mod process;
pub mod reports;
mod schedule;
mod sink;

use std::path::PathBuf;
use std::time::Instant;

use jiff::civil;

use crate::audit::changes::{ChangeTally, PreviousReport};
use crate::diag::escape_controls;
use crate::manifest::{DocStatus, Totals};
use crate::mapping::MappingSet;
use crate::output::{
    Encoder, LockError, OutputLock, SHAREABLE_CSV, WriteError, clean_stale_temps, commit_all,
    create_out_dir, new_run_id, recover,
};
use crate::read::Limits;
use crate::state::{self, Loaded, Prior};
use isolate::{IsolateOptions, WorkerPool};

use discover::input_folder;
pub use discover::{Input, Inputs, discover, hex};
pub use process::{Known, Outcome, process};
pub use reports::{RebuildError, Rebuilt, rebuild};
use schedule::in_order;
use sink::{Ready, Sink};

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
    /// The time the reports say they were written (`SOURCE_DATE_EPOCH` fixes it for reproducible reports).
    pub now: jiff::Timestamp,
    /// Ignore the previous run's state: read and harmonise every document.
    pub full: bool,
    /// Also write `records.shareable.csv` (personal data degraded per the template's `shareable` keys).
    pub shareable: bool,
    /// Start every CSV with a UTF-8 byte order mark, so Excel opens it as UTF-8 (the default; `--no-bom` turns
    /// it off).
    pub csv_bom: bool,
    /// Requests a year per LA (`--volumes`), for the national SENCo-time figures in the reports.
    pub volumes: Option<crate::senco::Volumes>,
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
    /// Every output in the folder after the run, in commit order, each with whether this run wrote it (`false`:
    /// left in place, as nothing it is made from changed).
    pub outputs: Vec<(String, bool)>,
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
        let names = |written: bool| -> Vec<&str> {
            self.outputs
                .iter()
                .filter(|(_, w)| *w == written)
                .map(|(f, _)| f.as_str())
                .collect()
        };
        text.push_str(&format!(
            "\nOutputs in {}: {}.",
            escape_controls(&self.out.display().to_string()),
            names(true).join(", ")
        ));
        let kept = names(false);
        if !kept.is_empty() {
            text.push_str(&format!(
                " Left as they were (nothing they are made from changed): {}.",
                kept.join(", ")
            ));
        }
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
    let ctx = state::Context::new(set, &opts.limits).with_report_input(
        "(volumes)",
        opts.volumes.as_ref().map(|v| v.fingerprint.as_str()),
    );
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
    // The previous run's documents and report (read before anything is replaced), for what changed since.
    let changes = loaded
        .as_ref()
        .ok()
        .map(|previous| ChangeTally::new(previous.baseline(), previous_report(&opts.out)));
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
    let mut sink = Sink::new(set, opts, prior.as_ref(), &encoder, changes)?;
    let process_one = |input: &Input| {
        let entry = prior
            .as_ref()
            .and_then(|p| p.candidate(&input.rel, input.path_bytes_hex.as_deref()));
        let outcome = process(input, set, opts, Known::of(entry), workers.as_ref());
        progress.advance();
        // Encoding happens here, on the worker threads: the writer only appends bytes.
        Ready::new(outcome, entry, input, &encoder)
    };
    in_order(&pool, &inputs, process_one, |input, ready| {
        sink.write(input, ready)
    })?;
    drop(workers);
    let (finished, totals) = sink.finish(&ctx, inputs.len(), &run_id, repaired.as_deref())?;
    // A report that cannot be written costs the night only that report: the records, the manifest and the
    // state land with the reports that could be, and the run names the report and exits 1.
    let mut failed_reports = finished.failed_reports;
    let listed = finished.outputs;
    for failed in commit_all(&opts.out, &run_id, finished.staged)? {
        match reports::file_of(failed.path()) {
            Some(file) => failed_reports.push(reports::Failure {
                file,
                error: failed,
            }),
            None => return Err(failed.into()),
        }
    }
    reports::settle(&opts.out, &failed_reports);
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
    let outputs = written_outputs(&listed, &failed_reports, &run_id);
    Ok(RunSummary {
        totals,
        out: opts.out.clone(),
        full_run,
        run_id,
        repaired,
        outputs,
        failed_reports: failed_reports.iter().map(ToString::to_string).collect(),
    })
}

/// What the previous `report.json` says of its run and burden; empty when there is none that parses.
fn previous_report(out: &std::path::Path) -> PreviousReport {
    std::fs::read(out.join("report.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The input folder as the reports name it: absolute (a cron job's relative path says little on the page).
pub fn input_folder_name(input: &std::path::Path) -> String {
    std::path::absolute(input)
        .unwrap_or_else(|_| input.to_path_buf())
        .display()
        .to_string()
}

/// The outputs a run leaves, for its summary: those the manifest lists but the reports that failed, then the
/// manifest and its CSV (always written), each with whether this run wrote it.
fn written_outputs(
    listed: &[crate::manifest::OutputFile],
    failed: &[reports::Failure],
    run_id: &str,
) -> Vec<(String, bool)> {
    listed
        .iter()
        .filter(|o| !failed.iter().any(|f| f.file == o.file))
        .map(|o| (o.file.clone(), o.run_id == run_id))
        .chain([
            ("manifest.json".to_string(), true),
            (sink::MANIFEST_CSV.to_string(), true),
        ])
        .collect()
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

/// A scoped thread's result; its panic, if it panicked, carries on in the caller.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const FORMS: [&str; 4] = [
        "northmoor/filled-01.xlsx",
        "northmoor/filled-02.xlsx",
        "northmoor/filled-03.xlsx",
        "northmoor/blank.xlsx",
    ];

    fn options(input: &Path, out: &Path) -> RunOptions {
        RunOptions {
            input: input.to_path_buf(),
            out: out.to_path_buf(),
            jobs: 2,
            limits: Limits::default(),
            today: civil::date(2026, 11, 28),
            now: jiff::Timestamp::UNIX_EPOCH,
            full: false,
            shareable: false,
            csv_bom: true,
            volumes: None,
            isolate: None,
            max_drop: DEFAULT_MAX_DROP,
        }
    }

    #[test]
    fn a_second_run_skips_the_unchanged_and_one_that_would_drop_most_documents_refuses() {
        let tmp = tempfile::tempdir().unwrap();
        let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
        std::fs::create_dir(&input).unwrap();
        for form in FORMS {
            let name = form.replace('/', "-");
            std::fs::copy(Path::new("fixtures/forms").join(form), input.join(name)).unwrap();
        }
        let set = MappingSet::load(Path::new("mappings")).unwrap();
        let opts = options(&input, &out);
        let first = run(&set, &opts, &NoProgress).unwrap();
        assert_eq!(first.totals.inputs, FORMS.len());
        assert!(first.all_harmonised());
        assert!(first.full_run.is_some(), "no previous state");

        let second = run(&set, &opts, &NoProgress).unwrap();
        assert_eq!(second.full_run, None);
        assert_eq!(
            second.totals.counts.get(&DocStatus::SkippedUnchanged),
            Some(&FORMS.len())
        );

        // Three of the four gone (75%, over the 50% allowed): refused, and nothing written.
        let manifest = std::fs::read(out.join("manifest.json")).unwrap();
        for form in &FORMS[1..] {
            std::fs::remove_file(input.join(form.replace('/', "-"))).unwrap();
        }
        match run(&set, &opts, &NoProgress) {
            Err(RunError::Drop {
                missing: 3,
                previous: 4,
                max_drop: 50,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), manifest);
        // Allowed, the run drops them.
        let all = RunOptions {
            max_drop: 100,
            ..opts
        };
        assert_eq!(run(&set, &all, &NoProgress).unwrap().totals.inputs, 1);
    }
}
