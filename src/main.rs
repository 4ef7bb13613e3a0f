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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{ArgAction, Parser, Subcommand, ValueEnum};
use harmonise::diag::{Diagnostic, Diagnostics};
use harmonise::mapping::MappingSet;
use harmonise::output::LockError;
use harmonise::pipeline::{self, Progress, RunError, RunOptions};
use harmonise::read::{self, Limits};
use harmonise::worker::{IsolateOptions, WorkerConfig};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const EXIT_CODES: &str = "Exit codes:
  0  every document was harmonised (ok, partial or blank; skipped_unchanged ones by what they were before)
  3  the run finished, but some documents failed or were unrecognised (see manifest.json)
  2  the run could not start: bad arguments, invalid mapping files, a missing input folder, another run
     holds the output folder's lock, or the run would drop more of the previous run's documents than
     --max-drop allows
  1  internal error: outputs could not be written, or the manifest would not account for every input";

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
    /// Check the national template and every mapping file, then run the mappings' [[test]] cases.
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
        #[arg(long, default_value = "mappings")]
        mappings: PathBuf,
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
    /// A filled (better) or blank document of the new form.
    file: PathBuf,
    /// The LA's name (default: found in the document).
    #[arg(long)]
    la_name: Option<String>,
    /// The LA's DfE 3-digit code (default: 000, to be replaced).
    #[arg(long)]
    la_code: Option<String>,
    /// Write the draft here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The folder holding national-template.toml and suggest-synonyms.toml.
    #[arg(long, default_value = "mappings")]
    mappings: PathBuf,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The mappings folder.
    #[arg(default_value = "mappings")]
    mappings: PathBuf,
    /// Fail (exit 2) on warnings too, not only on errors and failed tests.
    #[arg(long)]
    deny_warnings: bool,
    /// Check the files only; do not run the [[test]] cases.
    #[arg(long)]
    no_tests: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The folder of documents.
    #[arg(long, default_value = "fixtures/forms")]
    input: PathBuf,
    /// The folder holding national-template.toml and the mapping files.
    #[arg(long, default_value = "mappings")]
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
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
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
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
    /// Reference date (YYYY-MM-DD) for ages when a form has no request date (default: today).
    #[arg(long)]
    today: Option<jiff::civil::Date>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = LogOptions {
        quiet: cli.quiet,
        verbose: cli.verbose,
        format: cli.log_format,
    };
    let result = match cli.command {
        Command::Run(args) => run(args, &log),
        Command::Check(args) => {
            log.init(ProgressBar::hidden());
            check(&args, cli.quiet)
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
        Command::Report { out, mappings } => {
            log.init(ProgressBar::hidden());
            report(&out, &mappings, cli.quiet)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn load_mappings(dir: &Path, quiet: bool) -> Result<MappingSet, ExitCode> {
    match MappingSet::load(dir) {
        Ok(set) => {
            if !quiet {
                render(&set.warnings);
            }
            Ok(set)
        }
        Err(diags) => {
            render(&diags);
            let n = diags.errors().count();
            eprintln!("error: {n} problem(s) in the mapping files; nothing was read");
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
    let isolate = if args.isolate {
        Some(IsolateOptions {
            exe: std::env::current_exe()
                .context("finding the harmonise executable for --isolate")?,
            mappings: args.mappings.clone(),
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
        full: args.full,
        shareable: args.shareable,
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
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e).context("the run stopped"),
    };
    if !quiet {
        eprintln!("{}", summary.describe());
    }
    Ok(if summary.all_harmonised() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
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
        full: false,
        shareable: false,
        isolate: None,
        max_drop: pipeline::DEFAULT_MAX_DROP,
    };
    harmonise::worker::serve(
        &set,
        &opts,
        std::io::stdin().lock(),
        std::io::stdout().lock(),
    )
    .context("serving documents")?;
    Ok(ExitCode::SUCCESS)
}

fn check(args: &CheckArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = match load_mappings(&args.mappings, quiet) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let results = if args.no_tests {
        Vec::new()
    } else {
        harmonise::check::run_tests(&set, &Limits::default(), jiff::ZonedDateTime::now().date())
    };
    for r in &results {
        if let Some(d) = r.diagnostic() {
            render(&d.into());
            eprint!("{r}");
        }
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    let warnings = set.warnings.warnings().count();
    if !quiet || failed > 0 {
        eprintln!(
            "harmonise: template ({} fields) and {} mapping(s) checked; {warnings} warning(s), {} note(s); {} test(s): {} passed, {failed} failed",
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
    use harmonise::suggest::{self, SuggestOptions, Synonyms};
    let template = match harmonise::template::Template::load(
        &harmonise::template::Template::path_in(&args.mappings),
    ) {
        Ok(t) => t,
        Err(diags) => {
            render(&diags);
            return Ok(ExitCode::from(2));
        }
    };
    let synonyms = match Synonyms::load(&args.mappings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let format = read::sniff(&bytes);
    let doc = match read::read(&bytes, format, &Limits::default()) {
        Ok(doc) => doc,
        Err(f) => {
            eprintln!("error: cannot read {}: {}", args.file.display(), f.reason);
            return Ok(ExitCode::from(2));
        }
    };
    let opts = SuggestOptions {
        la_name: args.la_name.clone(),
        la_code: args.la_code.clone(),
        source_name: args
            .file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
    };
    let s = suggest::suggest(&doc, format, &template, &synonyms, &opts);
    let text = suggest::write::render(&s, &template);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    eprintln!(
        "harmonise: {} field(s) matched, {} statutory field(s) to do, {} extra(s)",
        s.fields.len(),
        s.todo.len(),
        s.extras.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn report(out: &Path, mappings: &Path, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = match load_mappings(mappings, true) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    match harmonise::report::rebuild(out, &set) {
        Ok(harmonise::report::Rebuilt { report, .. }) => {
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
            e @ (harmonise::report::RebuildError::NoRecords(_)
            | harmonise::report::RebuildError::Lock(LockError::Busy { .. })),
        ) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e).context("rebuilding the reports"),
    }
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

fn inspect(file: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
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
    for note in &doc.notes {
        writeln!(out, "# note: {note}")?;
    }
    for f in &doc.fields {
        let label = f
            .label
            .as_deref()
            .map(|l| format!("  [{l}]"))
            .unwrap_or_default();
        writeln!(
            out,
            "{}\t{}\t{}{label}",
            f.key,
            value_kind(&f.value),
            f.value.to_text().replace('\n', "\\n")
        )?;
    }
    for l in &doc.lines {
        writeln!(out, "p{} y={:.0} x={:.0}\t{}", l.page, l.y, l.x, l.text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Renders diagnostics: the grep-friendly `file:line:col: error: ...` line, then a snippet.
fn render(diags: &Diagnostics) {
    for d in &diags.items {
        eprintln!("{d}");
        if d.severity == harmonise::diag::Severity::Note {
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
        eprintln!(
            "harmonise: {done}/{total} documents ({}%), {:.0}/s",
            done.saturating_mul(100) / total,
            done as f64 / secs
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
