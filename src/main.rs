//! The `harmonise` command line: parses arguments, calls the library, renders diagnostics and maps outcomes to
//! exit codes. No policy lives here.

// mimalloc, as ruff does: records are built on worker threads and freed on the writer's, which glibc's
// allocator serialises on the owning arena's lock (a fifth of the writer thread's instructions went to `free`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{ArgAction, Parser, Subcommand, ValueEnum};
use harmonise::diag::{Diagnostic, Diagnostics, Severity, escape_controls};
use harmonise::mapping::MappingSet;
use harmonise::output::LockError;
use harmonise::pipeline::isolate::{IsolateOptions, WorkerConfig};
use harmonise::pipeline::{self, Progress, RunError, RunOptions};
use harmonise::read::{self, Limits};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const EXIT_CODES: &str = "Exit codes:
  0  every document was harmonised (ok, partial or blank; skipped_unchanged ones by what they were before)
  3  the run finished, but some documents failed or were unrecognised (see manifest.json)
  2  the run could not start: bad arguments, invalid mapping files, a missing input folder, another run
     holds the output folder's lock, or the run would drop more of the previous run's documents than
     --max-drop allows; inspect and suggest: a missing or unreadable document; suggest --out: an existing
     file without --force
  1  internal error: outputs could not be written, the manifest would not account for every input, or a bug
     (a report that could not be written costs only itself: the records, manifest and state still land)";

/// Harmonise local authorities' EHC needs assessment request forms onto one national template.
#[derive(Parser)]
#[command(name = "harmonise", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print nothing but errors: no progress, no summary.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More log lines on stderr: -v for stages and counts, -vv for every document (names and locators, never
    /// values). RUST_LOG overrides.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
    /// Log line format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Plain text lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProgressMode {
    /// A bar when stderr is a terminal; otherwise nothing until the summary.
    Auto,
    /// Always a bar (hidden anyway when stderr is not a terminal).
    Bar,
    /// A plain line every 5 s or 10 %: `harmonise: 1200/10000 documents (12%), 340/s`.
    Plain,
    /// No progress.
    None,
}

#[derive(Subcommand)]
enum Command {
    /// Harmonise every document of a folder into records, a manifest and reports.
    Run(RunArgs),
    /// Check the national template, every mapping file and the synonym tables, then run the mappings' [[test]] cases.
    Check(CheckArgs),
    /// Draft a mapping file for an unseen LA form (review it, then `check` it).
    Suggest(SuggestArgs),
    /// Show what the readers see in a document: its source fields with their locators and values.
    Inspect {
        /// The document.
        file: PathBuf,
    },
    /// Rebuild report.json, report.html and report.xlsx from a finished run's records.jsonl and the mappings,
    /// without reading any document (under the output folder's lock: exit 2 while a run holds it).
    Report {
        /// The output folder of a finished run (holding records.jsonl).
        out: PathBuf,
        /// The folder holding national-template.toml and the mapping files.
        #[arg(long, env = "HARMONISE_MAPPINGS", default_value = "mappings")]
        mappings: PathBuf,
        /// A CSV of requests a year per LA (`la_code`, `requests`) for the national SENCo-time estimate.
        #[arg(long, value_name = "CSV")]
        volumes: Option<PathBuf>,
    },
    /// Internal: serve `run --isolate` over stdin/stdout (JSON lines).
    #[command(hide = true)]
    Worker {
        /// The mappings folder.
        #[arg(long)]
        mappings: PathBuf,
        /// The worker configuration (JSON).
        #[arg(long)]
        config: String,
    },
}

#[derive(clap::Args)]
struct SuggestArgs {
    /// Documents of the new form, blank and filled (more is better: what is the same in every document is the
    /// printed form, what differs is answers), or a folder holding them; one document alone works too.
    #[arg(required = true, value_name = "FILE|DIR")]
    files: Vec<PathBuf>,
    /// The LA's name (default: found in the document).
    #[arg(long)]
    la_name: Option<String>,
    /// The LA's DfE 3-digit code (default: 000, to be replaced).
    #[arg(long)]
    la_code: Option<String>,
    /// Write the draft here instead of stdout (an existing file only with --force).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite the --out file if it exists.
    #[arg(long)]
    force: bool,
    /// The folder holding national-template.toml and suggest-synonyms.toml.
    #[arg(long, env = "HARMONISE_MAPPINGS", default_value = "mappings")]
    mappings: PathBuf,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The mappings folder, or one mapping file (checked with the template of its folder).
    #[arg(env = "HARMONISE_MAPPINGS", default_value = "mappings")]
    mappings: PathBuf,
    /// Fail (exit 2) on warnings too, not only on errors and failed tests.
    #[arg(long)]
    deny_warnings: bool,
    /// Check the files only; do not run the [[test]] cases.
    #[arg(long)]
    no_tests: bool,
    /// Reference date (YYYY-MM-DD) for ages in the [[test]] cases when a form has no request date (default:
    /// today), so that a test of an age passes on any day.
    #[arg(long, value_parser = parse_date)]
    today: Option<jiff::civil::Date>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The folder of documents.
    #[arg(long, default_value = "fixtures/forms")]
    input: PathBuf,
    /// The folder holding national-template.toml and the mapping files (a cron job, whose working directory is
    /// not the repository, sets it or HARMONISE_MAPPINGS).
    #[arg(long, env = "HARMONISE_MAPPINGS", default_value = "mappings")]
    mappings: PathBuf,
    /// The output folder.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    jobs: usize,
    /// Largest document read, in MiB.
    #[arg(long, default_value_t = 64)]
    max_file_mib: u64,
    /// Most seconds spent on one document (with --isolate, a worker that overruns it is killed).
    #[arg(long, default_value_t = 30, value_parser = parse_timeout_secs)]
    timeout_secs: u64,
    /// Largest total uncompressed size of an xlsx/docx, in MiB (zip bombs).
    #[arg(long, default_value_t = 256)]
    max_unzipped_mib: u64,
    /// Most non-empty cells read from one workbook.
    #[arg(long, default_value_t = 1_000_000)]
    max_cells: usize,
    /// Read and harmonise every document, ignoring what the previous run in --out recorded.
    #[arg(long)]
    full: bool,
    /// Refuse (exit 2, nothing written) when more than PERCENT of the previous run's documents are no longer in
    /// --input, as an empty or unmounted folder would make them; 100 allows any drop. Like rsync's --max-delete.
    #[arg(long, value_name = "PERCENT", default_value_t = pipeline::DEFAULT_MAX_DROP,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    max_drop: u8,
    /// Run each document in a worker process: a crash or hang costs that document a row, not the night.
    #[arg(long)]
    isolate: bool,
    /// Also write records.shareable.csv: names, identifiers, contact details and free text dropped, dates of
    /// birth to the month, postcodes to the outward code (the template's `shareable` keys).
    #[arg(long)]
    shareable: bool,
    /// Write the CSVs without the UTF-8 byte order mark they start with by default (Excel needs it to open a
    /// double-clicked CSV as UTF-8; DuckDB, pandas and R skip it), for a tool that reads it as part of the first
    /// column name.
    #[arg(long)]
    no_bom: bool,
    /// A CSV of requests a year per LA (`la_code`, `requests`, e.g. from the DfE's SEN2 statistics) for the
    /// national SENCo-time estimate in the reports.
    #[arg(long, value_name = "CSV")]
    volumes: Option<PathBuf>,
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
    /// Reference date (YYYY-MM-DD) for ages when a form has no request date (default: today).
    #[arg(long, value_parser = parse_date)]
    today: Option<jiff::civil::Date>,
}

/// `--today`: a date, or a message that says what is expected (jiff's own speaks of its parser).
fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|_| "expected a date as YYYY-MM-DD, e.g. 2026-11-28".to_string())
}

/// The time the reports say they were written: now, or `SOURCE_DATE_EPOCH` (seconds since 1970, the
/// reproducible-builds convention) when it is set, so that a test or an archive gets the same bytes every time.
fn clock() -> Result<jiff::Timestamp, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(_) => Ok(jiff::Timestamp::now()),
        Ok(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
            .ok_or_else(|| {
                "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, e.g. 1796083200"
                    .to_string()
            }),
    }
}

/// Longest `--timeout-secs`: a day (a longer budget says nothing a day does not, and would overflow a clock).
const MAX_TIMEOUT_SECS: u64 = 86_400;

/// `--timeout-secs`: a whole number of seconds, at least 1 and at most a day.
fn parse_timeout_secs(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if (1..=MAX_TIMEOUT_SECS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of seconds from 1 to {MAX_TIMEOUT_SECS} (one day)"
        )),
    }
}

fn main() -> ExitCode {
    let Cli {
        command,
        quiet,
        verbose,
        log_format,
    } = Cli::parse();
    let log = LogOptions {
        quiet,
        verbose,
        format: log_format,
    };
    JSON_LOG.store(matches!(log_format, LogFormat::Json), Ordering::Relaxed);
    install_panic_hook();
    // A panic that reaches here ended the command: exit 1 like any internal error, with where it happened.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match command {
        Command::Run(args) => run(args, &log),
        Command::Check(args) => {
            log.init(ProgressBar::hidden());
            check(&args, quiet, verbose > 0)
        }
        Command::Suggest(args) => {
            log.init(ProgressBar::hidden());
            suggest(&args)
        }
        Command::Inspect { file } => {
            log.init(ProgressBar::hidden());
            inspect(&file)
        }
        Command::Worker { mappings, config } => {
            log.init(ProgressBar::hidden());
            worker(&mappings, &config)
        }
        Command::Report {
            out,
            mappings,
            volumes,
        } => {
            log.init(ProgressBar::hidden());
            report(&out, &mappings, volumes.as_deref(), quiet)
        }
    }));
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => {
            error(&error_chain(&err));
            ExitCode::from(1)
        }
        Err(_) => {
            let at = PANICKED_AT
                .lock()
                .ok()
                .and_then(|at| at.clone())
                .unwrap_or_else(|| "an unknown place".into());
            error(&format!(
                "internal error: harmonise panicked at {at} (a bug: please report it)"
            ));
            ExitCode::from(1)
        }
    }
}

/// An error and its causes, `a: b: c`, with each OS message once: some errors already end with their cause's
/// text (`writing x: Permission denied (os error 13)`), which anyhow's `{:#}` would print again.
fn error_chain(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// True with `--log-format json`: harmonise's own stderr lines (errors, progress, the summary) are then JSON too.
static JSON_LOG: AtomicBool = AtomicBool::new(false);

/// Writes one of harmonise's own lines to stderr: as is, or with `--log-format json` as an object shaped like
/// the log's lines (`timestamp`, `level`, `fields.message` and `fields`), so that every stderr line parses as
/// JSON. Callers escape what they quote (file names); `text` may hold newlines of its own.
fn say(level: &str, text: &str, fields: serde_json::Value) {
    if !JSON_LOG.load(Ordering::Relaxed) {
        eprintln!("{text}");
        return;
    }
    let mut all = serde_json::Map::new();
    all.insert("message".into(), text.into());
    if let serde_json::Value::Object(more) = fields {
        all.extend(more);
    }
    let line = serde_json::json!({
        "timestamp": jiff::Timestamp::now().to_string(),
        "level": level,
        "fields": all,
    });
    eprintln!("{line}");
}

/// `error: ...` on stderr (see [`say`]), control characters escaped.
fn error(text: &str) {
    say(
        "ERROR",
        &format!("error: {}", escape_controls(text)),
        serde_json::Value::Null,
    );
}

/// Where the last panic happened, for the error line of a panic nothing caught.
static PANICKED_AT: Mutex<Option<String>> = Mutex::new(None);

/// Routes panics through the log instead of the default `thread ... panicked at ...: <message>` on stderr: it logs
/// where (the source file and line), never the message, which can quote the document being read. A panic in a
/// document is caught and costs it a `failed` row, so the line is a warning (`--quiet` hides it); one that ends
/// the command is reported as an error by `main`.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map_or_else(
            || "an unknown place".to_string(),
            |l| format!("{}:{}", short_source(l.file()), l.line()),
        );
        tracing::warn!(
            at = %at,
            "internal error: a panic (a bug in harmonise or a parser: please report it with where it happened); its message is withheld, as it may quote a document"
        );
        if let Ok(mut last) = PANICKED_AT.lock() {
            *last = Some(at);
        }
    }));
}

/// A dependency's source file without the builder's cargo home: `lopdf-0.47.0/src/parser.rs`.
fn short_source(file: &str) -> &str {
    const REGISTRY: &str = "/registry/src/";
    match file
        .find(REGISTRY)
        .and_then(|i| file.get(i + REGISTRY.len()..))
    {
        Some(rest) => rest.split_once('/').map_or(rest, |(_, path)| path),
        None => file,
    }
}

fn load_mappings(dir: &Path, quiet: bool) -> Result<MappingSet, ExitCode> {
    match MappingSet::load(dir) {
        Ok(set) => {
            if !quiet {
                render_set(&set.warnings, false, false);
            }
            Ok(set)
        }
        Err(diags) => {
            render_set(&diags, quiet, false);
            let n = diags.errors().count();
            error(&format!(
                "{n} problem(s) in the mapping files; nothing was read"
            ));
            Err(ExitCode::from(2))
        }
    }
}

fn run(args: RunArgs, log: &LogOptions) -> anyhow::Result<ExitCode> {
    let quiet = log.quiet;
    let reporter = Reporter::new(if quiet {
        ProgressMode::None
    } else {
        args.progress
    });
    log.init(reporter.bar.clone());
    let set = match load_mappings(&args.mappings, true) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let volumes = match load_volumes(args.volumes.as_deref()) {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    let isolate = if args.isolate {
        Some(IsolateOptions {
            exe: std::env::current_exe()
                .context("finding the harmonise executable for --isolate")?,
            mappings: args.mappings.clone(),
            log_args: log.args(),
        })
    } else {
        None
    };
    let opts = RunOptions {
        input: args.input,
        out: args.out,
        jobs: args.jobs,
        limits: Limits {
            max_file_bytes: args.max_file_mib << 20,
            max_unzipped_bytes: args.max_unzipped_mib << 20,
            max_cells: args.max_cells,
            max_duration: Duration::from_secs(args.timeout_secs),
            ..Limits::default()
        },
        today: args
            .today
            .unwrap_or_else(|| jiff::ZonedDateTime::now().date()),
        now: match clock() {
            Ok(now) => now,
            Err(e) => {
                error(&e);
                return Ok(ExitCode::from(2));
            }
        },
        full: args.full,
        shareable: args.shareable,
        csv_bom: !args.no_bom,
        volumes,
        isolate,
        max_drop: args.max_drop,
    };
    let summary = match pipeline::run(&set, &opts, &reporter) {
        Ok(s) => s,
        Err(
            e @ (RunError::Input { .. }
            | RunError::Lock(LockError::Busy { .. })
            | RunError::Drop { .. }),
        ) => {
            error(&e.to_string());
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e).context("the run stopped"),
    };
    if !quiet {
        say("INFO", &summary.describe(), summary_fields(&summary));
    }
    // A report that could not be written was logged (at error level, which --quiet keeps) when it was committed.
    Ok(if !summary.failed_reports.is_empty() {
        ExitCode::from(1)
    } else if summary.all_harmonised() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// The summary's numbers, for `--log-format json` (the paragraph is the message).
fn summary_fields(summary: &pipeline::RunSummary) -> serde_json::Value {
    let by_status = |counts: &std::collections::BTreeMap<harmonise::manifest::DocStatus, usize>| {
        counts
            .iter()
            .map(|(status, n)| (status.as_str().to_string(), serde_json::Value::from(*n)))
            .collect::<serde_json::Map<_, _>>()
    };
    let t = &summary.totals;
    serde_json::json!({
        "inputs": t.inputs,
        "counts": by_status(&t.counts),
        "skipped_as": by_status(&t.skipped_as),
        "not_harmonised": t.not_harmonised,
        "full_run": summary.full_run,
        "top_failure_reasons": t
            .top_failure_reasons(3)
            .into_iter()
            .map(|(reason, n)| serde_json::json!({"reason": reason, "count": n}))
            .collect::<Vec<_>>(),
        "out": summary.out.display().to_string(),
    })
}

fn worker(mappings: &Path, config: &str) -> anyhow::Result<ExitCode> {
    let set = match load_mappings(mappings, true) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let config: WorkerConfig =
        serde_json::from_str(config).context("reading the worker configuration")?;
    let opts = RunOptions {
        input: PathBuf::new(),
        out: PathBuf::new(),
        jobs: 1,
        limits: config.limits,
        today: config.today.parse().context("the worker's --today")?,
        // A worker writes no report.
        now: jiff::Timestamp::UNIX_EPOCH,
        full: false,
        shareable: false,
        csv_bom: true,
        volumes: None,
        isolate: None,
        max_drop: pipeline::DEFAULT_MAX_DROP,
    };
    harmonise::pipeline::isolate::serve(
        &set,
        &opts,
        std::io::stdin().lock(),
        std::io::stdout().lock(),
    )
    .context("serving documents")?;
    Ok(ExitCode::SUCCESS)
}

fn check(args: &CheckArgs, quiet: bool, verbose: bool) -> anyhow::Result<ExitCode> {
    // A file is checked alone, with the template of its folder.
    let one_file = args.mappings.is_file();
    let loaded = if one_file {
        MappingSet::load_file(&args.mappings)
    } else {
        MappingSet::load(&args.mappings)
    };
    let set = match loaded {
        Ok(set) => set,
        Err(diags) => {
            render_set(&diags, quiet, verbose);
            let n = diags.errors().count();
            error(&format!(
                "{n} problem(s) in the mapping files; nothing was read"
            ));
            return Ok(ExitCode::from(2));
        }
    };
    let dir = match args.mappings.parent() {
        Some(p) if one_file && !p.as_os_str().is_empty() => p.to_path_buf(),
        _ if one_file => PathBuf::from("."),
        _ => args.mappings.clone(),
    };
    // suggest's table is no part of a run, but is checked here like the audit's.
    if let Err(diags) = harmonise::suggest::load_synonyms(&dir, &set.template) {
        render(&diags);
        return Ok(ExitCode::from(2));
    }
    let results = if args.no_tests {
        Vec::new()
    } else {
        harmonise::check::run_tests(
            &set,
            &Limits::default(),
            args.today
                .unwrap_or_else(|| jiff::ZonedDateTime::now().date()),
        )
    };
    // Errors first (failed tests, each with what it got), then the warnings and a line per mapping for its notes.
    for r in &results {
        if let Some(d) = r.diagnostic() {
            render(&d.into());
            eprint!("{r}");
        }
    }
    render_set(&set.warnings, quiet, verbose);
    let failed = results.iter().filter(|r| !r.passed()).count();
    let warnings = set.warnings.warnings().count();
    let acknowledged: usize = set.mappings.iter().map(|m| m.gaps.len()).sum();
    if !quiet || failed > 0 {
        eprintln!(
            "harmonise: template ({} fields) and {} mapping(s) checked; {warnings} warning(s), {} note(s), {acknowledged} gap(s) acknowledged; {} test(s): {} passed, {failed} failed",
            set.template.fields.len(),
            set.mappings.len(),
            set.warnings.notes().count(),
            results.len(),
            results.len().saturating_sub(failed),
        );
    }
    if failed > 0 || (args.deny_warnings && warnings > 0) {
        if args.deny_warnings && warnings > 0 {
            eprintln!("error: warnings are denied (--deny-warnings)");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn suggest(args: &SuggestArgs) -> anyhow::Result<ExitCode> {
    use harmonise::suggest::{self, SuggestOptions};
    if let Some(out) = &args.out
        && !args.force
        && std::fs::symlink_metadata(out).is_ok()
    {
        error(&format!(
            "{} exists; not overwriting it (--force to replace it)",
            out.display()
        ));
        return Ok(ExitCode::from(2));
    }
    let template = match harmonise::template::Template::load(
        &harmonise::template::Template::path_in(&args.mappings),
    ) {
        Ok(t) => t,
        Err(diags) => {
            render(&diags);
            return Ok(ExitCode::from(2));
        }
    };
    let synonyms = match suggest::load_synonyms(&args.mappings, &template) {
        Ok(s) => s,
        Err(diags) => {
            render(&diags);
            return Ok(ExitCode::from(2));
        }
    };
    // A folder stands for the documents directly in it (sorted, hidden files left out).
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut from_folder = false;
    for p in &args.files {
        if p.is_dir() {
            from_folder = true;
            let mut inner: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.is_file())
                    .filter(|f| {
                        f.file_name()
                            .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
                    })
                    .collect(),
                Err(e) => {
                    error(&format!("cannot read {}: {e}", p.display()));
                    return Ok(ExitCode::from(2));
                }
            };
            inner.sort();
            paths.extend(inner);
        } else {
            paths.push(p.clone());
        }
    }
    let mut docs: Vec<(read::Format, harmonise::read::SourceDoc)> = Vec::new();
    let mut read_paths: Vec<PathBuf> = Vec::new();
    for path in &paths {
        let Some(bytes) = read_document(path) else {
            return Ok(ExitCode::from(2));
        };
        let format = read::sniff(&bytes);
        match read::read(&bytes, format, &Limits::default()) {
            Ok(doc) => {
                docs.push((format, doc));
                read_paths.push(path.clone());
            }
            // In a folder, a document that cannot be read (encrypted, corrupt) is left out, said so.
            Err(f) if from_folder => {
                eprintln!("harmonise: {} left out: {}", path.display(), f.reason);
            }
            Err(f) => {
                eprintln!("error: cannot read {}: {}", path.display(), f.reason);
                return Ok(ExitCode::from(2));
            }
        }
    }
    let Some(format) = docs.first().map(|(f, _)| *f) else {
        error("no readable document to draft from");
        return Ok(ExitCode::from(2));
    };
    if let Some((other, _)) = docs
        .iter()
        .find(|(f, _)| f.mapping_format() != format.mapping_format())
    {
        error(&format!(
            "the documents are of one form, so of one format: {format} and {other} given"
        ));
        return Ok(ExitCode::from(2));
    }
    // The other forms' documents (those the bundled mappings' [[test]]s use), which `[form.match]` must not fit.
    let others = match harmonise::mapping::MappingSet::load(&args.mappings) {
        Ok(set) => suggest::documents_of_other_forms(&set, &paths),
        Err(_) => Vec::new(),
    };
    let source_name = match args.files.as_slice() {
        [one] => one
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        many => format!("{} documents", many.len()),
    };
    let source_name = if docs.len() > 1 {
        format!("{} ({} documents)", source_name, docs.len())
    } else {
        source_name
    };
    let refs: Vec<&harmonise::read::SourceDoc> = docs.iter().map(|(_, d)| d).collect();
    // The reference: the blank (or nearest), relative to the draft's folder; printed to stdout, an absolute path.
    let reference = suggest::nearest_blank(&refs)
        .and_then(|i| read_paths.get(i))
        .and_then(|p| std::fs::canonicalize(p).ok())
        .map(|doc| {
            let base = args
                .out
                .as_ref()
                .and_then(|o| std::path::absolute(o).ok())
                .and_then(|o| o.parent().and_then(|p| std::fs::canonicalize(p).ok()));
            base.and_then(|b| pathdiff::diff_paths(&doc, b))
                .unwrap_or(doc)
                .to_string_lossy()
                .replace('\\', "/")
        });
    let opts = SuggestOptions {
        la_name: args.la_name.clone(),
        la_code: args.la_code.clone(),
        source_name,
        others,
        reference,
    };
    let s = suggest::suggest(&refs, format, &template, &synonyms, &opts);
    let text = suggest::write::render(&s, &template);
    match &args.out {
        Some(path) => {
            // create_new without --force: a file that appeared since the check above is not overwritten either.
            let mut file = std::fs::OpenOptions::new();
            file.write(true);
            if args.force {
                file.create(true).truncate(true);
            } else {
                file.create_new(true);
            }
            file.open(path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    if !s.review.is_empty() {
        eprintln!("harmonise: to review before use:");
        for line in &s.review {
            eprintln!("  {}", harmonise::diag::escape_controls(line));
        }
    }
    eprintln!(
        "harmonise: {} field(s) matched from {} document(s), {} statutory field(s) to do, {} extra(s), {} to review",
        s.fields.len(),
        s.documents,
        s.todo.len(),
        s.extras.len(),
        s.review.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn report(
    out: &Path,
    mappings: &Path,
    volumes: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let set = match load_mappings(mappings, true) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let now = match clock() {
        Ok(now) => now,
        Err(e) => {
            error(&e);
            return Ok(ExitCode::from(2));
        }
    };
    let volumes = match load_volumes(volumes) {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    match harmonise::pipeline::rebuild(out, &set, now, volumes) {
        Ok(harmonise::pipeline::Rebuilt { report, .. }) => {
            if !quiet {
                eprintln!(
                    "harmonise: reports rebuilt for {} form(s) from {} record(s) in {}",
                    report.summary.forms,
                    report.summary.documents,
                    out.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(
            e @ (harmonise::pipeline::RebuildError::NoRecords(_)
            | harmonise::pipeline::RebuildError::Lock(LockError::Busy { .. })),
        ) => {
            error(&e.to_string());
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e).context("rebuilding the reports"),
    }
}

/// `--volumes`: the file read and checked before anything else is (exit 2 when it cannot be used).
fn load_volumes(path: Option<&Path>) -> Result<Option<harmonise::senco::Volumes>, ExitCode> {
    let Some(path) = path else { return Ok(None) };
    harmonise::senco::Volumes::load(path)
        .map(Some)
        .map_err(|e| {
            error(&format!("--volumes: {e}"));
            ExitCode::from(2)
        })
}

/// The type of a raw value, for `inspect`.
fn value_kind(v: &read::RawValue) -> &'static str {
    use read::RawValue as V;
    match v {
        V::Empty => "empty",
        V::Text(_) => "text",
        V::Number(_) => "number",
        V::Bool(_) => "bool",
        V::Date(_) => "date",
        V::DateTime(_) => "datetime",
        V::List(_) => "list",
        V::Error(_) => "error",
    }
}

/// The bytes of the one document `suggest` or `inspect` reads; `None` (exit 2, like any bad argument) after
/// saying why when it is missing or unreadable.
fn read_document(file: &Path) -> Option<Vec<u8>> {
    std::fs::read(file)
        .map_err(|e| error(&format!("cannot read {}: {e}", file.display())))
        .ok()
}

fn inspect(file: &Path) -> anyhow::Result<ExitCode> {
    let Some(bytes) = read_document(file) else {
        return Ok(ExitCode::from(2));
    };
    let mut out = std::io::stdout().lock();
    match write_inspection(&mut out, file, &bytes) {
        Ok(code) => Ok(code),
        // `harmonise inspect x.pdf | head` closes the pipe early: that is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).context("writing to stdout"),
    }
}

fn write_inspection(out: &mut impl Write, file: &Path, bytes: &[u8]) -> std::io::Result<ExitCode> {
    let format = read::sniff(bytes);
    writeln!(out, "# {} ({format})", file.display())?;
    let doc = match read::read(bytes, format, &Limits::default()) {
        Ok(doc) => doc,
        Err(f) => {
            writeln!(out, "# cannot read: {} ({:?})", f.reason, f.kind)?;
            return Ok(ExitCode::from(3));
        }
    };
    if !doc.sheets.is_empty() {
        writeln!(out, "# sheets: {}", doc.sheets.join(", "))?;
    }
    if !doc.merges.is_empty() {
        // Merged regions explain where `right` lands: an answer merged over several grid columns.
        let merged: Vec<String> = doc
            .merges
            .iter()
            .map(|m| {
                let sheet = doc.sheets.get(m.sheet as usize).map_or("?", String::as_str);
                format!(
                    "{}:{}{}",
                    read::cell_key(sheet, m.first.0, m.first.1),
                    read::column_letters(m.last.1),
                    u64::from(m.last.0) + 1
                )
            })
            .collect();
        writeln!(out, "# merged: {}", merged.join(", "))?;
    }
    for note in &doc.notes {
        writeln!(out, "# note: {note}")?;
    }
    let mut widgets: std::collections::HashMap<usize, Vec<&read::Widget>> =
        std::collections::HashMap::new();
    for w in &doc.widgets {
        widgets.entry(w.field).or_default().push(w);
    }
    for (i, f) in doc.fields.iter().enumerate() {
        let label = f
            .label
            .as_deref()
            .map(|l| format!("  [{l}]"))
            .unwrap_or_default();
        let text = f.value.to_text();
        writeln!(
            out,
            "{}\t{}\t{}{label}{}",
            f.key,
            value_kind(&f.value),
            text.replace('\n', "\\n"),
            marks_of(&doc, read::MarkTarget::Field(i), &text)
        )?;
        for (b, _) in doc.twins.iter().filter(|(_, c)| *c == i) {
            let shown = doc
                .fields
                .get(*b)
                .map_or_else(|| "?".into(), |f| f.key.text());
            writeln!(out, "\t(shows the check box {shown})")?;
        }
        // A PDF field's widgets: page, box (points from the top-left corner) and the printed label beside it.
        for w in widgets.get(&i).into_iter().flatten() {
            let [left, top, right, bottom] = w.rect;
            let on =
                w.on.as_deref()
                    .map(|o| format!(" on={o}"))
                    .unwrap_or_default();
            let printed = w
                .label
                .as_deref()
                .map_or_else(|| "-".to_string(), |l| format!("{l:?}"));
            writeln!(
                out,
                "\twidget p{} x={left:.0}..{right:.0} y={top:.0}..{bottom:.0}{on}\tprinted {printed}",
                w.page
            )?;
        }
    }
    for (i, l) in doc.lines.iter().enumerate() {
        writeln!(
            out,
            "p{} y={:.0} x={:.0}\t{}{}",
            l.page,
            l.y,
            l.x,
            l.text,
            marks_of(&doc, read::MarkTarget::Line(i), &l.text)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The marked runs of a field or line, for `inspect`: `  {highlight: "Female"; strike: "Male"}`.
fn marks_of(doc: &read::SourceDoc, target: read::MarkTarget, text: &str) -> String {
    let marked: Vec<String> = doc
        .marks
        .iter()
        .filter(|m| m.target == target)
        .map(|m| {
            let run = text
                .get(m.range.clone())
                .unwrap_or("?")
                .replace('\n', "\\n");
            format!("{}: {run:?}", m.marks.names())
        })
        .collect();
    if marked.is_empty() {
        String::new()
    } else {
        format!("  {{{}}}", marked.join("; "))
    }
}

/// Renders diagnostics: the grep-friendly `file:line:col: error: ...` line, then a snippet.
/// Renders a set's diagnostics errors first; with `quiet` the errors only; notes summed in one line per file
/// unless `verbose` lists them.
fn render_set(diags: &Diagnostics, quiet: bool, verbose: bool) {
    let shown = diags
        .by_severity()
        .into_iter()
        .filter(|d| d.is_error() || (!quiet && (verbose || d.severity != Severity::Note)))
        .cloned()
        .collect();
    render(&Diagnostics { items: shown });
    if quiet || verbose {
        return;
    }
    for (path, n, kinds) in diags.notes_by_file() {
        say(
            "INFO",
            &format!(
                "{}: and {n} note(s): {}; `harmonise check -v` lists them",
                escape_controls(&path.display().to_string()),
                kinds.join(", ")
            ),
            serde_json::Value::Null,
        );
    }
}

fn render(diags: &Diagnostics) {
    for d in &diags.items {
        if JSON_LOG.load(Ordering::Relaxed) {
            let level = match d.severity {
                Severity::Error => "ERROR",
                Severity::Warning => "WARN",
                Severity::Note => "INFO",
            };
            say(level, &d.to_string(), serde_json::Value::Null);
            continue; // no snippet: one object per diagnostic
        }
        eprintln!("{d}");
        if d.severity == Severity::Note {
            continue; // notes are one line: they point at the whole file
        }
        if let Some(snippet) = snippet(d) {
            eprintln!("{snippet}");
        }
    }
}

fn snippet(d: &Diagnostic) -> Option<String> {
    use miette::{
        GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
    };
    let (span, source) = (d.span.clone()?, d.source.clone()?);
    let theme = if std::io::stderr().is_terminal() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let label = d.help.clone().unwrap_or_else(|| "here".into());
    let diag = MietteDiagnostic::new("").with_label(LabeledSpan::at(span, label));
    let report = miette::Report::new(diag).with_source_code(NamedSource::new(
        d.path.display().to_string(),
        source.to_string(),
    ));
    let mut out = String::new();
    GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .render_report(&mut out, report.as_ref())
        .ok()?;
    // The header repeats nothing useful (the first line already says what is wrong): keep the snippet only.
    Some(
        out.lines()
            .skip_while(|l| !l.contains('╭'))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// How log lines are filtered and shaped.
struct LogOptions {
    quiet: bool,
    verbose: u8,
    format: LogFormat,
}

impl LogOptions {
    /// The global arguments that make a `harmonise worker` log the same way.
    fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.quiet {
            args.push("--quiet".to_string());
        }
        args.extend((0..self.verbose).map(|_| "-v".to_string()));
        if matches!(self.format, LogFormat::Json) {
            args.extend(["--log-format".to_string(), "json".to_string()]);
        }
        args
    }

    /// Installs the `tracing` subscriber: stderr, through the bar so lines never tear it.
    fn init(&self, bar: ProgressBar) {
        use tracing_subscriber::filter::{LevelFilter, Targets};
        use tracing_subscriber::prelude::*;
        let level = match (self.quiet, self.verbose) {
            (true, _) => LevelFilter::ERROR,
            (false, 0) => LevelFilter::WARN,
            (false, 1) => LevelFilter::INFO,
            (false, _) => LevelFilter::DEBUG,
        };
        // RUST_LOG as `level` or `target=level,...` directives. `Targets` rather than `EnvFilter`: EnvFilter's
        // span-field matching brings in regex-automata's full-DFA builder, which then makes every mapping regex
        // compile a dense DFA (most of the cost of loading the mappings).
        let filter = std::env::var("RUST_LOG")
            .ok()
            .and_then(|directives| directives.parse::<Targets>().ok())
            .unwrap_or_else(|| Targets::new().with_default(level));
        let writer = move || BarWriter(bar.clone());
        let registry = tracing_subscriber::registry().with(filter);
        let _ = match self.format {
            LogFormat::Text => registry
                .with(
                    tracing_subscriber::fmt::layer()
                        .fmt_fields(escaped_fields())
                        .with_writer(writer)
                        .with_target(false)
                        .with_ansi(std::io::stderr().is_terminal()),
                )
                .try_init(),
            LogFormat::Json => registry
                .with(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .with_writer(writer)
                        .with_target(false),
                )
                .try_init(),
        };
    }
}

/// The text log's fields as tracing writes them (`message file=x status="ok"`, minus the terminal's italics),
/// with control characters escaped in every value: tracing escapes some in the message only, so a file name
/// holding a newline could forge a log line and one holding an ANSI escape reach the terminal.
fn escaped_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let value = format!("{value:?}");
        let value = escape_controls(&value);
        match field.name() {
            "message" => w.write_str(&value),
            name => write!(w, "{name}={value}"),
        }
    })
    .delimited(" ")
}

/// Writes log lines to stderr with the bar suspended.
struct BarWriter(ProgressBar);

impl Write for BarWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.suspend(|| std::io::stderr().write_all(buf))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Progress: an indicatif bar on a terminal, or plain periodic lines (`--progress plain`), or nothing.
struct Reporter {
    bar: ProgressBar,
    plain: Option<Plain>,
}

struct Plain {
    total: AtomicU64,
    done: AtomicU64,
    started: Instant,
    /// When the last line was printed, and at which tenth.
    last: Mutex<(Instant, u64)>,
}

impl Reporter {
    fn new(mode: ProgressMode) -> Reporter {
        let bar = ProgressBar::new(0);
        let show_bar = match mode {
            ProgressMode::Auto => std::io::stderr().is_terminal(),
            ProgressMode::Bar => true,
            ProgressMode::Plain | ProgressMode::None => false,
        };
        if !show_bar {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        let plain = (mode == ProgressMode::Plain).then(|| Plain {
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            started: Instant::now(),
            last: Mutex::new((Instant::now(), 0)),
        });
        Reporter { bar, plain }
    }
}

impl Plain {
    fn print(&self, done: u64, total: u64) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let (percent, rate) = (done.saturating_mul(100) / total, done as f64 / secs);
        // Lines in a log file are dated (JSON lines carry their own timestamp).
        let stamp = if JSON_LOG.load(Ordering::Relaxed) {
            String::new()
        } else {
            format!("{} ", jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ"))
        };
        say(
            "INFO",
            &format!("{stamp}harmonise: {done}/{total} documents ({percent}%), {rate:.0}/s"),
            serde_json::json!({"done": done, "total": total, "percent": percent, "per_second": rate.round()}),
        );
    }
}

impl Progress for Reporter {
    fn start(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.enable_steady_tick(Duration::from_millis(120));
        if let Some(p) = &self.plain {
            p.total.store(total, Ordering::Relaxed);
        }
    }
    fn advance(&self) {
        self.bar.inc(1);
        let Some(p) = &self.plain else { return };
        let done = p.done.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        let total = p.total.load(Ordering::Relaxed).max(1);
        let tenth = done.saturating_mul(10) / total;
        let Ok(mut last) = p.last.try_lock() else {
            return;
        };
        if last.0.elapsed() >= Duration::from_secs(5) || tenth > last.1 {
            *last = (Instant::now(), tenth);
            p.print(done, total);
        }
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
        // A line skipped under contention (try_lock) must not be the last one: always end on 100%.
        if let Some(p) = &self.plain
            && let Ok(last) = p.last.lock()
            && last.1 < 10
        {
            p.print(
                p.done.load(Ordering::Relaxed),
                p.total.load(Ordering::Relaxed).max(1),
            );
        }
    }
}
