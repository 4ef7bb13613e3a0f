//! The `harmonise` command line: parses arguments, calls the library, renders diagnostics and maps outcomes to
//! exit codes. No policy lives here.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use harmonise::diag::{Diagnostic, Diagnostics};
use harmonise::mapping::MappingSet;
use harmonise::pipeline::{self, Progress, RunOptions};
use harmonise::read::{self, Limits};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const EXIT_CODES: &str = "Exit codes:
  0  every document was harmonised (ok, partial or blank)
  3  the run finished, but some documents failed or were unrecognised (see manifest.json)
  2  the run could not start: bad arguments, or invalid mapping files
  1  internal error (outputs could not be written)";

/// Harmonise local authorities' EHC needs assessment request forms onto one national template.
#[derive(Parser)]
#[command(name = "harmonise", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Harmonise every document of a folder into records, a manifest and reports.
    Run(RunArgs),
    /// Check the national template and every mapping file, without reading documents.
    Check {
        /// The mappings folder.
        #[arg(default_value = "mappings")]
        mappings: PathBuf,
    },
    /// Show what the readers see in a document: its source fields with their locators and values.
    Inspect {
        /// The document.
        file: PathBuf,
    },
    /// Rebuild report.json, report.html and report.xlsx from a finished run's records.jsonl and the mappings,
    /// without reading any document.
    Report {
        /// The output folder of a finished run (holding records.jsonl).
        out: PathBuf,
        /// The folder holding national-template.toml and the mapping files.
        #[arg(long, default_value = "mappings")]
        mappings: PathBuf,
    },
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
    /// Most seconds spent on one document.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Reference date (YYYY-MM-DD) for ages when a form has no request date (default: today).
    #[arg(long)]
    today: Option<jiff::civil::Date>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args, cli.quiet),
        Command::Check { mappings } => check(&mappings, cli.quiet),
        Command::Inspect { file } => inspect(&file),
        Command::Report { out, mappings } => report(&out, &mappings, cli.quiet),
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

fn run(args: RunArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = match load_mappings(&args.mappings, true) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let limits = Limits {
        max_file_bytes: args.max_file_mib << 20,
        max_duration: std::time::Duration::from_secs(args.timeout_secs),
        ..Limits::default()
    };
    let opts = RunOptions {
        input: args.input,
        out: args.out,
        jobs: args.jobs,
        limits,
        today: args
            .today
            .unwrap_or_else(|| jiff::ZonedDateTime::now().date()),
    };
    let bar = Bar::new(quiet);
    let summary = match pipeline::run(&set, &opts, &bar) {
        Ok(s) => s,
        Err(pipeline::RunError::Input { path, reason }) => {
            eprintln!(
                "error: cannot read the input folder {}: {reason}",
                path.display()
            );
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e).context("the run stopped"),
    };
    if !quiet {
        let counts: Vec<String> = summary
            .manifest
            .counts
            .iter()
            .map(|(status, n)| format!("{n} {}", status.as_str()))
            .collect();
        eprintln!(
            "harmonise: {} document(s): {}. Outputs in {}",
            summary.manifest.inputs,
            if counts.is_empty() {
                "none".into()
            } else {
                counts.join(", ")
            },
            summary.out.display()
        );
    }
    Ok(if summary.all_harmonised() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn check(dir: &Path, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = match load_mappings(dir, quiet) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    if !quiet {
        eprintln!(
            "harmonise: template ({} fields) and {} mapping(s) are valid; {} warning(s)",
            set.template.fields.len(),
            set.mappings.len(),
            set.warnings.items.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn report(out: &Path, mappings: &Path, quiet: bool) -> anyhow::Result<ExitCode> {
    let set = match load_mappings(mappings, true) {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    match harmonise::report::rebuild(out, &set) {
        Ok(report) => {
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
        Err(e @ harmonise::report::RebuildError::NoRecords(_)) => {
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

/// An indicatif bar on a terminal; nothing otherwise (cron, CI, pipes).
struct Bar(ProgressBar);

impl Bar {
    fn new(quiet: bool) -> Bar {
        let bar = ProgressBar::new(0);
        if quiet || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
        self.0
            .enable_steady_tick(std::time::Duration::from_millis(120));
    }
    fn advance(&self) {
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
