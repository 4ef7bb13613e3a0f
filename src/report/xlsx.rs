//! `report.xlsx`: one sheet per table of the report (findings, a read-me, summary, failures, burden, coverage
//! matrix and list, gaps, completeness, non-statutory demands, duplicates, clusters, drift), each with a bold header
//! row and an autofilter, the header row and first column frozen, shares as percentage formats and the coverage
//! matrix coloured by conditional formatting, for analysts who filter and pivot in Excel. Written with
//! rust_xlsxwriter into memory, then into the atomic file.
//!
//! No data can make the workbook fail: every text is clipped (to [`MAX_CHARS`], and a cell to Excel's 32,767
//! characters) and neutralised as `records.csv` is ([`neutralise`]: a string cell never runs as a formula, but
//! one saved as CSV from Excel would), and a table longer or wider than a sheet is cut with a note.

use std::io::Write;

use rust_xlsxwriter::{
    ConditionalFormat3ColorScale, ConditionalFormatType, Format, Workbook, XlsxError,
};

use super::{MAX_CHARS, ReportWriter, clip};
use crate::audit::findings::FindingKind;
use crate::audit::{AuditReport, DemandKind};
use crate::output::neutralise;

/// Excel's limits: characters in a cell, rows and columns in a sheet.
const CELL_CHARS: usize = 32_767;
const SHEET_ROWS: usize = 1_048_576;
const SHEET_COLUMNS: usize = 16_384;

/// Writes `report.xlsx`.
pub struct XlsxReport;

impl ReportWriter for XlsxReport {
    fn file_name(&self) -> &'static str {
        "report.xlsx"
    }

    fn write(&self, report: &AuditReport, out: &mut dyn Write) -> std::io::Result<()> {
        let bytes = workbook(report).map_err(std::io::Error::other)?;
        out.write_all(&bytes)
    }
}

/// A cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Num(f64),
    /// A share from 0 to 1, shown as a percentage (`0%`) and kept a number for filters and formulas.
    Share(f64),
    /// Nothing.
    Blank,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(clip(s, MAX_CHARS).into_owned())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::from(s.as_str())
    }
}
impl From<&String> for Cell {
    fn from(s: &String) -> Cell {
        Cell::from(s.as_str())
    }
}

impl Cell {
    /// Several strings in one cell, each clipped on its own (a list of example paths, of reasons).
    fn list<S: AsRef<str>>(items: &[S], separator: &str) -> Cell {
        let items: Vec<_> = items.iter().map(|s| clip(s.as_ref(), MAX_CHARS)).collect();
        Cell::Text(items.join(separator))
    }
}
impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Num(n as f64)
    }
}
impl From<usize> for Cell {
    fn from(n: usize) -> Cell {
        Cell::Num(n as f64)
    }
}
impl From<Option<f64>> for Cell {
    fn from(n: Option<f64>) -> Cell {
        n.map_or(Cell::Blank, Cell::Num)
    }
}

/// One sheet: a name, a header row and rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// Sheet name (at most 31 characters).
    pub name: &'static str,
    /// What the sheet holds, for the Read-me sheet.
    pub about: &'static str,
    /// Its columns explained, for the Read-me sheet: (header, meaning).
    pub columns: Vec<(&'static str, &'static str)>,
    /// Colour its numbers as the page's heatmap does (viridis, 0% to 100%).
    pub heatmap: bool,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(name: &'static str, header: &[&str]) -> Table {
        Table {
            name,
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            about: "",
            columns: Vec::new(),
            heatmap: false,
        }
    }

    /// The sheet explained for the Read-me sheet.
    fn about(mut self, about: &'static str, columns: &[(&'static str, &'static str)]) -> Table {
        self.about = about;
        self.columns = columns.to_vec();
        self
    }
}

/// The report's tables, in sheet order.
pub fn tables(r: &AuditReport) -> Vec<Table> {
    let s = &r.summary;
    let mut summary = Table::new("Summary", &["measure", "value"]);
    for (k, v) in [
        ("run id", Cell::from(&r.run_id)),
        ("written at (UTC)", Cell::from(&r.run.generated_at)),
        (
            "written by",
            if r.run.rebuilt {
                "harmonise report"
            } else {
                "harmonise run"
            }
            .into(),
        ),
        ("harmonise version", Cell::from(&r.run.harmonise_version)),
        (
            "input folder",
            Cell::from(r.run.input_folder.as_deref().unwrap_or("(not recorded)")),
        ),
        ("template version", Cell::from(&r.template_version)),
        ("mappings", r.run.mappings.into()),
        ("mapping digest (blake3)", Cell::from(&r.run.mapping_digest)),
        ("LA forms", s.forms.into()),
        ("recognised documents", s.documents.into()),
        ("filled documents", s.filled_documents.into()),
        ("blank documents", s.blank_documents.into()),
        (
            "documents not harmonised (see Failures)",
            s.failed_documents.into(),
        ),
        ("missing must fields (all forms)", s.must_gaps.into()),
        ("missing should fields (all forms)", s.should_gaps.into()),
        ("non-statutory demands", s.non_statutory_demands.into()),
        ("within-form duplicates", s.duplicates.into()),
        ("extras demanded by 2+ LAs", s.recurring_clusters.into()),
        ("drift warnings", s.drift_warnings.into()),
        (
            "unconsumed source fields checked",
            if s.unconsumed_checked {
                "yes"
            } else {
                "no (rebuilt from records.jsonl)"
            }
            .into(),
        ),
        ("jaccard threshold", Cell::Num(r.thresholds.jaccard_min)),
        (
            "levenshtein threshold",
            Cell::Num(r.thresholds.levenshtein_min),
        ),
    ] {
        summary.rows.push(vec![k.into(), v]);
    }
    match &r.changes {
        Some(c) => {
            for (k, v) in [
                ("changes: previous report", Cell::from(&c.previous_report)),
                ("changes: documents added", c.added.into()),
                ("changes: documents changed", c.changed.into()),
                ("changes: documents removed", c.removed.into()),
                ("changes: documents unchanged", c.unchanged.into()),
                ("changes: new failures", c.new_failure_count.into()),
                ("changes: failures resolved", c.resolved_failures.into()),
                ("changes: forms whose burden changed", c.burden.len().into()),
            ] {
                summary.rows.push(vec![k.into(), v]);
            }
        }
        None => summary.rows.push(vec![
            "changes".into(),
            "none worked out (first run, or rebuilt)".into(),
        ]),
    }

    let mut findings = Table::new(
        "Findings",
        &[
            "rank", "finding", "count", "unit", "kind", "field", "basis", "forms",
        ],
    );
    for f in &r.findings {
        findings.rows.push(vec![
            f.rank.into(),
            (&f.text).into(),
            f.count.into(),
            f.unit.into(),
            match f.kind {
                FindingKind::StatutoryGap => "statutory_gap",
                FindingKind::Failures => "failures",
                FindingKind::NonStatutoryDemand => "non_statutory_demand",
                FindingKind::AskedTwice => "asked_twice",
                FindingKind::Drift => "drift",
            }
            .into(),
            f.field.as_deref().unwrap_or("").into(),
            f.basis.as_deref().unwrap_or("").into(),
            Cell::list(&f.forms, ", "),
        ]);
    }

    let mut failed = Table::new(
        "Failures",
        &["status", "reason", "documents", "path", "skipped_unchanged"],
    );
    for g in &r.failures {
        for f in &g.files {
            failed.rows.push(vec![
                g.status.as_str().into(),
                (&g.reason).into(),
                g.count.into(),
                (&f.path).into(),
                if f.skipped_unchanged { "yes" } else { "no" }.into(),
            ]);
        }
        if g.not_listed > 0 {
            failed.rows.push(vec![
                g.status.as_str().into(),
                (&g.reason).into(),
                g.count.into(),
                format!("… {} more: see manifest.csv", g.not_listed).into(),
                Cell::Blank,
            ]);
        }
    }

    let mut burden = Table::new(
        "Burden",
        &[
            "rank",
            "mapping",
            "la_code",
            "la_name",
            "fields_asked",
            "statutory",
            "must",
            "should",
            "non_statutory",
            "duplicated",
            "est_minutes_statutory",
            "est_minutes_non_statutory",
            "est_minutes_duplicated",
            "est_minutes_total",
        ],
    );
    for b in &r.burden {
        burden.rows.push(vec![
            b.rank.into(),
            (&b.mapping).into(),
            (&b.la_code).into(),
            (&b.la_name).into(),
            b.fields_asked.into(),
            b.statutory.into(),
            b.must.into(),
            b.should.into(),
            b.non_statutory.into(),
            b.duplicated.into(),
        ]);
        if let (Some(m), Some(row)) = (&b.minutes, burden.rows.last_mut()) {
            row.extend([m.statutory, m.non_statutory, m.duplicated, m.total].map(Cell::Num));
        }
    }
    let senco = senco_time_table(r);

    // The heatmap as numbers only (a blank cell: not asked, or no filled documents); what each blank is, with the
    // counts, is in Coverage list, one row per form and field.
    let mut header = vec!["mapping", "la_name"];
    header.extend(r.fields.iter().map(|f| f.field.as_str()));
    let mut coverage = Table::new("Coverage", &header);
    coverage.heatmap = true;
    let mut listed = Table::new(
        "Coverage list",
        &[
            "mapping",
            "la_name",
            "field",
            "label",
            "statutory",
            "asked",
            "filled",
            "valid_share",
        ],
    );
    for f in &r.forms {
        let mut row = vec![Cell::from(&f.mapping), Cell::from(&f.la_name)];
        for d in &r.fields {
            let c = f.completeness.iter().find(|c| c.field.field == d.field);
            row.push(match c {
                Some(c) if c.filled > 0 => c.ok_share.map_or(Cell::Blank, Cell::Share),
                _ => Cell::Blank,
            });
            listed.rows.push(vec![
                (&f.mapping).into(),
                (&f.la_name).into(),
                (&d.field).into(),
                (&d.label).into(),
                d.statutory.as_str().into(),
                if c.is_some() { "yes" } else { "no" }.into(),
                c.map_or(Cell::Blank, |c| c.filled.into()),
                c.and_then(|c| c.ok_share).map_or(Cell::Blank, Cell::Share),
            ]);
        }
        coverage.rows.push(row);
    }

    let mut gaps = Table::new(
        "Gaps",
        &["mapping", "la_name", "statutory", "field", "label"],
    );
    let mut completeness = Table::new(
        "Completeness",
        &[
            "mapping",
            "la_name",
            "field",
            "label",
            "statutory",
            "filled",
            "ok",
            "empty",
            "invalid",
            "not_found",
            "ok_share",
            "empty_share",
            "invalid_share",
            "not_found_share",
            "invalid_reasons",
        ],
    );
    let mut demands = Table::new(
        "Non-statutory",
        &[
            "mapping",
            "la_name",
            "kind",
            "id",
            "label",
            "printed",
            "duplicates",
        ],
    );
    let mut dups = Table::new(
        "Duplicates",
        &[
            "mapping",
            "la_name",
            "extra",
            "printed",
            "field",
            "field_label",
            "matched",
        ],
    );
    let mut versions = Table::new(
        "Versions",
        &[
            "mapping",
            "la_name",
            "documents",
            "changes",
            "fields lost",
            "fields re-anchored",
            "examples",
        ],
    );
    for f in &r.forms {
        for v in &f.drift.versions {
            versions.rows.push(vec![
                (&f.mapping).into(),
                (&f.la_name).into(),
                v.documents.into(),
                Cell::list(&v.changes, "; "),
                Cell::list(&v.lost, ", "),
                Cell::list(&v.reanchored, ", "),
                Cell::list(&v.examples, ", "),
            ]);
        }
    }
    let mut drift = Table::new(
        "Drift",
        &[
            "mapping",
            "la_name",
            "kind",
            "field",
            "locator",
            "documents",
            "examples",
        ],
    );
    for f in &r.forms {
        for g in &f.gaps {
            gaps.rows.push(vec![
                (&f.mapping).into(),
                (&f.la_name).into(),
                g.statutory.as_str().into(),
                (&g.field).into(),
                (&g.label).into(),
            ]);
        }
        for c in &f.completeness {
            let reasons: Vec<String> = c
                .invalid_reasons
                .iter()
                .map(|x| format!("{} ({})", x.reason, x.count))
                .collect();
            completeness.rows.push(vec![
                (&f.mapping).into(),
                (&f.la_name).into(),
                (&c.field.field).into(),
                (&c.field.label).into(),
                c.field.statutory.as_str().into(),
                c.filled.into(),
                c.ok.into(),
                c.empty.into(),
                c.invalid.into(),
                c.not_found.into(),
                share(c.ok_share),
                share(c.empty_share),
                share(c.invalid_share),
                share(c.not_found_share),
                Cell::list(&reasons, "; "),
            ]);
        }
        for d in &f.non_statutory {
            demands.rows.push(vec![
                (&f.mapping).into(),
                (&f.la_name).into(),
                match d.kind {
                    DemandKind::Field => "field",
                    DemandKind::Extra => "extra",
                }
                .into(),
                (&d.id).into(),
                (&d.label).into(),
                d.printed.as_deref().unwrap_or("").into(),
                d.duplicates.as_deref().unwrap_or("").into(),
            ]);
        }
        for d in &f.duplicates {
            dups.rows.push(vec![
                (&f.mapping).into(),
                (&f.la_name).into(),
                (&d.extra).into(),
                (&d.printed).into(),
                (&d.field).into(),
                (&d.field_label).into(),
                (&d.matched).into(),
            ]);
        }
        for d in &f.drift.not_found {
            drift.rows.push(vec![
                (&f.mapping).into(),
                (&f.la_name).into(),
                "locator found nothing".into(),
                (&d.field).into(),
                (&d.locator).into(),
                d.documents.into(),
                Cell::list(&d.examples, ", "),
            ]);
        }
        for u in &f.drift.unconsumed {
            drift.rows.push(vec![
                (&f.mapping).into(),
                (&f.la_name).into(),
                "answer no rule reads".into(),
                Cell::Blank,
                (&u.key).into(),
                u.documents.into(),
                Cell::list(&u.examples, ", "),
            ]);
        }
    }

    let mut clusters = Table::new(
        "Clusters",
        &[
            "cluster",
            "canonical",
            "las",
            "mapping",
            "la_code",
            "la_name",
            "extra",
            "printed",
        ],
    );
    for (i, c) in r.clusters.iter().enumerate() {
        for m in &c.members {
            clusters.rows.push(vec![
                (i + 1).into(),
                (&c.canonical).into(),
                c.las.into(),
                (&m.mapping).into(),
                (&m.la_code).into(),
                (&m.la_name).into(),
                (&m.extra).into(),
                (&m.printed).into(),
            ]);
        }
    }
    let tables = vec![
        findings.about(
            "What to look at first, ranked by how many forms, LAs or documents each finding touches.",
            &[
                ("rank", "1 = look at it first"),
                ("finding", "the finding in plain words"),
                ("count", "how many forms, LAs or documents it touches (the ranking key)"),
                ("unit", "what count counts: forms, LAs or documents"),
                ("kind", "statutory_gap, failures, non_statutory_demand, asked_twice or drift"),
                ("field", "the national field it is about, if any"),
                ("basis", "that field's legal basis, from the national template"),
                ("forms", "the mapping ids of the forms it touches"),
            ],
        ),
        summary.about(
            "The run (when, which build, which input folder and mappings), totals, and the changes since the previous run.",
            &[("measure", "what is counted or said"), ("value", "its value")],
        ),
        failed.about(
            "Documents that produced no record, one row per document, grouped by status and reason.",
            &[
                ("status", "unrecognised, unsupported_format, encrypted, corrupt, too_large, timeout, needs_ocr, unreadable or failed"),
                ("reason", "why, as manifest.json says (never a document's text)"),
                ("documents", "how many documents share this status and reason"),
                ("path", "the document, relative to the input folder"),
                ("skipped_unchanged", "yes: not read again tonight; the status is what it was"),
            ],
        ),
        burden.about(
            "What each form asks of a school, worst first.",
            &[
                ("rank", "1 = the heaviest: most non-statutory + duplicated fields, then most fields asked"),
                ("mapping", "the mapping id of the form"),
                ("la_code, la_name", "the LA"),
                ("fields_asked", "mapped national fields + extra questions"),
                ("statutory, must, should", "mapped must + should fields; must; should"),
                ("non_statutory", "mapped fields no law requires + every extra question"),
                ("duplicated", "extra questions that ask again for a national field the form maps"),
            ],
        ),
        senco.about(
            "ESTIMATED SENCo time per form: the model's minutes per question kind, each form's questions in minutes (statutory, non-statutory, duplicated) and, with a volumes file, national hours a year.",
            &[
                ("item", "a coefficient, a form, or a national total"),
                ("value", "minutes (a form, a question kind) or hours a year (national)"),
                ("source or note", "the assumption or source behind the figure"),
            ],
        ),
        coverage.about(
            "The heatmap: one row per form, one column per national field (must fields first, then should, then no); each cell the share of the form's filled documents where the answer was valid, coloured from dark purple (0%) to yellow (100%). Blank: the form does not ask for the field, or has no filled documents yet (see Coverage list).",
            &[
                ("mapping, la_name", "the form"),
                ("a field id", "the valid share for that national field"),
            ],
        ),
        listed.about(
            "The heatmap as a list: one row per form and national field.",
            &[
                ("statutory", "must, should or no"),
                ("asked", "yes: the form asks for the field; no: a coverage gap"),
                ("filled", "the form's filled documents (blank: not asked)"),
                ("valid_share", "share of them with a valid answer (blank: not asked, or none filled)"),
            ],
        ),
        gaps.about(
            "Coverage gaps: national fields a form never asks for, must first.",
            &[("statutory", "must (a duty), should (guidance) or no"), ("field, label", "the national field")],
        ),
        completeness.about(
            "For each field a form asks for, over its filled documents: how many answers were valid, empty, invalid or not found.",
            &[
                ("filled", "the form's filled documents (ok or partial; blank forms left out)"),
                ("ok, empty, invalid, not_found", "counts of each outcome"),
                ("ok_share ... not_found_share", "the same as shares of filled"),
                ("invalid_reasons", "the commonest reasons for invalid answers, with counts"),
            ],
        ),
        demands.about(
            "Non-statutory demands: every extra question, and every mapped national field no law requires.",
            &[
                ("kind", "field (a national field with statutory = no) or extra"),
                ("printed", "the question as the form prints it"),
                ("duplicates", "for an extra that asks again for a mapped national field: that field"),
            ],
        ),
        dups.about(
            "Extra questions that ask again for a national field the form already maps.",
            &[
                ("extra, printed", "the extra question"),
                ("field, field_label", "the national field it duplicates"),
                ("matched", "the wording the labels matched on"),
            ],
        ),
        clusters.about(
            "The same extra question across LAs, one row per form's question; most LAs first.",
            &[
                ("cluster", "the cluster's number"),
                ("canonical", "its commonest wording"),
                ("las", "how many distinct LAs demand it"),
            ],
        ),
        versions.about(
            "Changed forms: documents whose printed text differs from their mapping's reference form, grouped by version.",
            &[
                ("documents", "documents of this version"),
                ("changes", "each change in printed words (sheets renamed, rows or columns inserted or deleted, labels reworded)"),
                ("fields lost", "fields whose printed label is gone: not_found, update the mapping"),
                ("fields re-anchored", "fields read where their printed label moved"),
                ("examples", "up to 3 example documents"),
            ],
        ),
        drift.about(
            "Forms that changed under their mapping.",
            &[
                ("kind", "locator found nothing, or answer no rule reads"),
                ("locator", "the locator as written, or the source field"),
                ("documents", "documents where it happened"),
                ("examples", "up to 3 example documents"),
            ],
        ),
    ];
    let mut readme = Table::new("Read-me", &["sheet", "column", "meaning"]);
    readme.rows.push(vec![
        "(all)".into(),
        Cell::Blank,
        "harmonise's audit of the LA forms: counts, field ids, labels and file paths only, never a value from a form. Every table has a filter on its header row; header rows and the first column stay in view. Shares are numbers shown as percentages.".into(),
    ]);
    for t in &tables {
        readme
            .rows
            .push(vec![t.name.into(), Cell::Blank, t.about.into()]);
        for (column, meaning) in &t.columns {
            readme
                .rows
                .push(vec![t.name.into(), (*column).into(), (*meaning).into()]);
        }
    }
    let mut all = Vec::with_capacity(tables.len() + 1);
    let mut tables = tables.into_iter();
    all.extend(tables.next());
    all.push(readme);
    all.extend(tables);
    all
}

/// A share as a percentage cell (blank when there is none).
fn share(s: Option<f64>) -> Cell {
    s.map_or(Cell::Blank, Cell::Share)
}

/// The SENCo-time model and the national estimate, one row per figure.
fn senco_time_table(r: &AuditReport) -> Table {
    let mut t = Table::new("SENCo time", &["item", "value", "source or note"]);
    let Some(s) = &r.senco_time else {
        t.rows.push(vec![
            "no SENCo-time model (senco-time.toml) in the mappings folder".into(),
            Cell::Blank,
            Cell::Blank,
        ]);
        return t;
    };
    t.rows.push(vec![
        "ESTIMATE: minutes per question, from the model".into(),
        (&s.model_version).into(),
        "senco-time.toml; edit the figures to local evidence".into(),
    ]);
    for c in &s.coefficients {
        t.rows.push(vec![
            format!("minutes per {} question", c.kind.as_str())
                .as_str()
                .into(),
            Cell::Num(c.minutes),
            (&c.source).into(),
        ]);
    }
    t.rows.push(vec![
        "group members assumed".into(),
        Cell::Num(f64::from(s.group_members)),
        "when a form does not fix how many".into(),
    ]);
    t.rows.push(vec![
        "minutes per request on the national template".into(),
        Cell::Num(s.template_minutes),
        "its must and should fields as a form".into(),
    ]);
    if let Some(n) = &s.national {
        for (item, value) in [
            ("requests a year counted", n.requests as f64),
            ("LAs counted", n.las as f64),
            (
                "hours a year on non-statutory questions",
                n.hours_non_statutory,
            ),
            ("hours a year on duplicated questions", n.hours_duplicated),
            ("hours a year, all forms", n.hours_total),
            ("hours a year on the national template", n.hours_on_template),
            (
                "hours a year saved by the national template (non-statutory + duplicated)",
                n.hours_saved,
            ),
            (
                "hours a year the template adds for statutory questions forms leave out",
                n.hours_for_gaps,
            ),
        ] {
            t.rows.push(vec![
                item.into(),
                Cell::Num(value),
                (&n.volumes_file).into(),
            ]);
        }
    }
    t
}

/// `t` cut to fit a sheet of `rows` rows (the header included) and `columns` columns: the last row and column
/// kept say how many were left out (all of them are in report.json).
fn fit(mut t: Table, rows: usize, columns: usize) -> Table {
    let width = t
        .rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(t.header.len());
    if width > columns {
        let keep = columns.saturating_sub(1);
        t.header.truncate(keep);
        t.header
            .push(format!("… {} more columns: see report.json", width - keep));
        for row in &mut t.rows {
            row.truncate(keep);
        }
    }
    // The header takes one row.
    if t.rows.len() > rows.saturating_sub(1) {
        let keep = rows.saturating_sub(2);
        let left = t.rows.len() - keep;
        t.rows.truncate(keep);
        t.rows.push(vec![Cell::Text(format!(
            "… {left} more rows: see report.json"
        ))]);
    }
    t
}

/// A text as the workbook holds it: neutralised, then clipped to a cell (keeping the `'` neutralising put first).
fn text(s: &str) -> String {
    clip(&neutralise(s), CELL_CHARS).into_owned()
}

fn workbook(r: &AuditReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0%");
    for t in tables(r) {
        let t = fit(t, SHEET_ROWS, SHEET_COLUMNS);
        let sheet = book.add_worksheet();
        sheet.set_name(t.name)?;
        for (c, h) in t.header.iter().enumerate() {
            sheet.write_string_with_format(0, col(c), text(h), &bold)?;
        }
        for (i, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, col(c), text(s))?;
                    }
                    Cell::Num(n) => {
                        sheet.write_number(r, col(c), *n)?;
                    }
                    Cell::Share(n) => {
                        sheet.write_number_with_format(r, col(c), *n, &percent)?;
                    }
                    Cell::Blank => {}
                }
            }
        }
        let last_row = u32::try_from(t.rows.len()).unwrap_or(u32::MAX);
        let last_col = col(t.header.len().saturating_sub(1));
        sheet.autofilter(0, 0, last_row, last_col)?;
        if t.heatmap && last_row > 0 && last_col >= 2 {
            // The page's viridis: dark purple at 0%, teal at 50%, yellow at 100%.
            let scale = ConditionalFormat3ColorScale::new()
                .set_minimum(ConditionalFormatType::Number, 0)
                .set_midpoint(ConditionalFormatType::Number, 0.5)
                .set_maximum(ConditionalFormatType::Number, 1)
                .set_minimum_color("#440154")
                .set_midpoint_color("#21918C")
                .set_maximum_color("#FDE725");
            sheet.add_conditional_format(1, 2, last_row, last_col, &scale)?;
        }
        // The header row and the first column (what each row is) stay in view.
        sheet.set_freeze_panes(1, 1)?;
        sheet.set_autofit_max_width(320);
        sheet.autofit();
    }
    book.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize, columns: usize) -> Table {
        Table {
            name: "T",
            about: "",
            columns: Vec::new(),
            heatmap: false,
            header: (0..columns).map(|c| format!("h{c}")).collect(),
            rows: (0..rows)
                .map(|r| {
                    (0..columns)
                        .map(|c| Cell::Num((r * 100 + c) as f64))
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn a_table_that_fits_is_kept_whole() {
        let t = fit(table(3, 2), 4, 2);
        assert_eq!(t.header, ["h0", "h1"]);
        assert_eq!(t.rows, table(3, 2).rows);
    }

    #[test]
    fn a_table_too_long_or_wide_for_a_sheet_is_cut_with_a_note() {
        // 4 rows of a sheet: the header, 2 data rows and the note.
        let t = fit(table(5, 3), 4, 2);
        assert_eq!(t.header, ["h0", "… 2 more columns: see report.json"]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1], [Cell::Num(100.0)]);
        assert_eq!(
            t.rows[2],
            [Cell::Text("… 3 more rows: see report.json".into())]
        );
    }

    #[test]
    fn cells_are_clipped_and_neutralised() {
        let long = "E".repeat(40_000);
        let Cell::Text(cell) = Cell::from(&long) else {
            panic!("text")
        };
        assert_eq!(cell.chars().count(), MAX_CHARS);
        assert!(cell.ends_with("… (40000 characters)"), "{cell}");
        let listed = Cell::list(&[long.clone(), long.clone()], ", ");
        let Cell::Text(listed) = listed else {
            panic!("text")
        };
        assert_eq!(listed.chars().count(), 2 * MAX_CHARS + 2);
        let cell = text(&format!("={long}"));
        assert_eq!(cell.chars().count(), CELL_CHARS);
        assert!(cell.starts_with("'=EEE") && cell.ends_with("… (40002 characters)"));
        assert_eq!(text("+44 7700 900123"), "+44 7700 900123");
    }
}
