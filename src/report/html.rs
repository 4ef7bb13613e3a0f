//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, no external assets) that opens offline,
//! reads on a laptop screen and prints (`@media print`). Every string from a mapping or the template goes
//! through [`escape`]; the report holds no value from a record.

use std::fmt::Write as _;
use std::io::Write;

use super::{MAX_CHARS, ReportWriter, clip};
use crate::audit::gaps::Completeness;
use crate::audit::{AuditReport, DemandKind, FormReport};
use crate::template::Statutory;

/// Writes `report.html`.
pub struct HtmlReport;

impl ReportWriter for HtmlReport {
    fn file_name(&self) -> &'static str {
        "report.html"
    }

    fn write(&self, report: &AuditReport, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(render(report).as_bytes())
    }
}

/// Escapes text for HTML element content and quoted attribute values, clipped to [`MAX_CHARS`] first: every
/// string the page shows passes through here.
pub fn escape(s: &str) -> String {
    let s = clip(s, MAX_CHARS);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink:#1f2937; --muted:#6b7280; --rule:#d1d5db; --band:#f3f4f6; --must:#7f1d1d; --should:#92400e; --no:#374151; }
* { box-sizing: border-box; }
body { font: 15px/1.45 "DejaVu Sans", system-ui, sans-serif; color: var(--ink); margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1240px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p.lead, p.note { color: var(--muted); margin: .25rem 0 .75rem; }
nav { margin: .75rem 0 1rem; font-size: .9rem; }
nav a { margin-right: 1rem; color: #1d4ed8; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .88rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: .6rem; margin: .75rem 0; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: .5rem .7rem; }
.card b { display: block; font-size: 1.4rem; }
.card span { color: var(--muted); font-size: .85rem; }
.lvl { display: inline-block; min-width: 3.6em; padding: 0 .35em; border-radius: 3px; color: #fff; font-size: .78rem; text-align: center; }
.lvl-must { background: var(--must); } .lvl-should { background: var(--should); } .lvl-no { background: var(--no); }
.warn { color: #b45309; font-weight: 600; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .85em; background: var(--band); padding: 0 .2em; border-radius: 3px; }
ul.gaps { margin: .2rem 0 .6rem; padding-left: 1.2rem; columns: 2; }
.heatmap { overflow-x: auto; }
.heatmap svg { max-width: 100%; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; font-size: .85rem; margin: .3rem 0; }
.legend i { display: inline-block; width: 14px; height: 14px; vertical-align: -2px; margin-right: .3rem; border: 1px solid #9ca3af; }
.form { break-inside: avoid-page; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  tr, .card { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .heatmap { overflow: visible; }
  @page { size: A4 landscape; margin: 12mm; }
}
"#;

fn level(s: Statutory) -> String {
    format!("<span class=\"lvl lvl-{0}\">{0}</span>", escape(s.as_str()))
}

fn pct(share: Option<f64>) -> String {
    share.map_or_else(|| "–".into(), |s| format!("{:.0}%", s * 100.0))
}

/// The full page.
pub fn render(r: &AuditReport) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let s = &r.summary;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>harmonise audit report</title><style>{CSS}</style></head><body>\n\
<header><h1>Requests for EHC needs assessment: audit of LA forms</h1>\
<p class=\"lead\">Run {} · national template v{} · {} LA form(s) · {} recognised document(s), {} filled, {} blank. \
Counts, field names and file paths only: no value from any form.</p>\
<nav><a href=\"#heatmap\">Heatmap</a><a href=\"#burden\">Burden</a><a href=\"#gaps\">Coverage gaps</a>\
<a href=\"#completeness\">Completeness</a><a href=\"#demands\">Non-statutory demands</a>\
<a href=\"#duplicates\">Duplicates</a><a href=\"#drift\">Drift</a></nav></header>\n",
        escape(&r.run_id),
        escape(&r.template_version),
        s.forms,
        s.documents,
        s.filled_documents,
        s.blank_documents
    );
    summary(&mut h, r);
    heatmap(&mut h, r);
    burden(&mut h, r);
    gaps(&mut h, r);
    completeness(&mut h, r);
    demands(&mut h, r);
    duplicates(&mut h, r);
    drift(&mut h, r);
    let _ = write!(
        h,
        "<footer><p class=\"note\">Thresholds: labels mean the same when their token-set Jaccard index ≥ {} or \
normalised Levenshtein similarity ≥ {}; up to {} example documents per drift finding. See the README, \
“Reading the report”.</p></footer>\n</body></html>\n",
        r.thresholds.jaccard_min, r.thresholds.levenshtein_min, r.thresholds.max_examples
    );
    h
}

fn summary(h: &mut String, r: &AuditReport) {
    let s = &r.summary;
    h.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    let cards: [(String, &str); 8] = [
        (s.forms.to_string(), "LA forms audited"),
        (s.documents.to_string(), "recognised documents"),
        (s.must_gaps.to_string(), "missing must fields (all forms)"),
        (
            s.should_gaps.to_string(),
            "missing should fields (all forms)",
        ),
        (s.non_statutory_demands.to_string(), "non-statutory demands"),
        (s.duplicates.to_string(), "fields asked twice in a form"),
        (
            s.recurring_clusters.to_string(),
            "extras demanded by 2+ LAs",
        ),
        (s.drift_warnings.to_string(), "drift warnings"),
    ];
    for (n, what) in cards {
        let _ = write!(
            h,
            "<div class=\"card\"><b>{}</b><span>{}</span></div>",
            escape(&n),
            escape(what)
        );
    }
    h.push_str("</div>");
    if !s.unconsumed_checked {
        h.push_str("<p class=\"note\">Rebuilt from records.jsonl: unconsumed source fields (one kind of drift) are only checked during a run.</p>");
    }
    for (mapping, n) in &s.records_without_mapping {
        let _ = write!(
            h,
            "<p class=\"warn\">{n} record(s) name mapping <code>{}</code>, which is not in the mapping set.</p>",
            escape(mapping)
        );
    }
    h.push_str("</section>\n");
}

/// Heatmap cell colour for an ok share: red (0) through amber (0.5) to green (1).
pub fn share_colour(share: f64) -> String {
    let s = share.clamp(0.0, 1.0);
    let (a, b, t) = if s < 0.5 {
        ((185.0, 28.0, 28.0), (245.0, 158.0, 11.0), s * 2.0)
    } else {
        ((245.0, 158.0, 11.0), (21.0, 128.0, 61.0), (s - 0.5) * 2.0)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

const NOT_ASKED: &str = "#e5e7eb";
const NO_DATA: &str = "#ffffff";

fn heatmap(h: &mut String, r: &AuditReport) {
    const CW: usize = 18;
    const CH: usize = 24;
    const GAP: usize = 8;
    const LEFT: usize = 300;
    const TOP: usize = 170;
    const RIGHT: usize = 130;
    // Column x positions, with a gap between the must, should and no groups.
    let mut xs = Vec::with_capacity(r.fields.len());
    let mut x = LEFT;
    let mut prev: Option<Statutory> = None;
    for f in &r.fields {
        if prev.is_some_and(|p| p != f.statutory) {
            x += GAP;
        }
        xs.push(x);
        x += CW;
        prev = Some(f.statutory);
    }
    let width = x + RIGHT;
    let height = TOP + r.forms.len() * CH + 10;
    h.push_str(
        "<section id=\"heatmap\"><h2>Coverage and completeness by LA and national field</h2>",
    );
    h.push_str("<p class=\"lead\">One row per LA form, one column per national field: statutory <i>must</i> fields first, then <i>should</i>, then <i>no</i> (the coloured band above the columns). Grey: the form does not ask for the field (a coverage gap). Coloured: the form asks for it, and the colour is the share of its filled documents where the answer came back valid. White: asked, but no filled documents yet. Hover a cell for its counts.</p>");
    h.push_str("<div class=\"legend\">");
    let _ = write!(
        h,
        "<span><i style=\"background:{NOT_ASKED}\"></i>not asked (gap)</span>"
    );
    let _ = write!(
        h,
        "<span><i style=\"background:{NO_DATA}\"></i>asked, no filled documents</span>"
    );
    for (label, s) in [("0% valid", 0.0), ("50% valid", 0.5), ("100% valid", 1.0)] {
        let _ = write!(
            h,
            "<span><i style=\"background:{}\"></i>{label}</span>",
            share_colour(s)
        );
    }
    h.push_str("<span><i style=\"background:#7f1d1d\"></i>must</span><span><i style=\"background:#92400e\"></i>should</span><span><i style=\"background:#374151\"></i>no (non-statutory)</span></div>");
    let _ = write!(
        h,
        "<div class=\"heatmap\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Heatmap of LA forms by national field coverage and completeness\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"11\">"
    );
    for (f, &x) in r.fields.iter().zip(&xs) {
        let band = match f.statutory {
            Statutory::Must => "#7f1d1d",
            Statutory::Should => "#92400e",
            Statutory::No => "#374151",
        };
        let _ = write!(
            h,
            "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"7\" fill=\"{band}\"><title>{} ({})</title></rect>",
            TOP - 9,
            CW - 1,
            escape(&f.field),
            escape(f.statutory.as_str())
        );
        let tx = x + CW / 2 + 4;
        let _ = write!(
            h,
            "<text x=\"{tx}\" y=\"{}\" transform=\"rotate(-55 {tx} {})\" fill=\"#1f2937\">{}</text>",
            TOP - 13,
            TOP - 13,
            escape(&f.field)
        );
    }
    for (j, form) in r.forms.iter().enumerate() {
        let y = TOP + j * CH;
        // An LA with several forms (a fillable PDF and its print view) is told apart by the mapping id.
        let shared = r.forms.iter().filter(|f| f.la_code == form.la_code).count() > 1;
        let tag = if shared { &form.mapping } else { &form.la_code };
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{} ({})</text>",
            LEFT - 8,
            y + CH / 2 + 4,
            escape(&truncate(&form.la_name, if shared { 26 } else { 34 })),
            escape(tag)
        );
        for (f, &x) in r.fields.iter().zip(&xs) {
            let c = form.completeness.iter().find(|c| c.field.field == f.field);
            let (fill, tip) = cell(c, form);
            let _ = write!(
                h,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"#9ca3af\" stroke-width=\"0.5\"><title>{} · {}: {}</title></rect>",
                CW - 1,
                CH - 2,
                escape(&form.la_name),
                escape(&f.field),
                escape(&tip)
            );
        }
    }
    h.push_str("</svg></div></section>\n");
}

fn cell(c: Option<&Completeness>, form: &FormReport) -> (String, String) {
    match c {
        None => (NOT_ASKED.into(), "not asked (coverage gap)".into()),
        Some(c) if c.filled == 0 => (
            NO_DATA.into(),
            format!(
                "asked; no filled documents ({} blank)",
                form.documents.blank
            ),
        ),
        Some(c) => (
            share_colour(c.ok_share.unwrap_or(0.0)),
            format!(
                "asked; valid in {} of {} filled ({}), empty {}, invalid {}, not found {}",
                c.ok,
                c.filled,
                pct(c.ok_share),
                c.empty,
                c.invalid,
                c.not_found
            ),
        ),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn burden(h: &mut String, r: &AuditReport) {
    h.push_str("<section id=\"burden\"><h2>Burden: what each form asks, worst first</h2>");
    h.push_str(
        "<p class=\"lead\">Ranked by non-statutory + duplicated fields, then by fields asked.</p>",
    );
    let timed = r.senco_time.is_some();
    h.push_str("<table><thead><tr><th class=\"n\">Rank</th><th>LA</th><th>Form (mapping)</th><th class=\"n\">Fields asked</th><th class=\"n\">Statutory (must / should)</th><th class=\"n\">Non-statutory</th><th class=\"n\">Duplicated</th>");
    if timed {
        h.push_str("<th class=\"n\">Est. SENCo minutes: statutory</th><th class=\"n\">Est. non-statutory</th><th class=\"n\">Est. duplicated</th><th class=\"n\">Est. total</th>");
    }
    h.push_str("</tr></thead><tbody>");
    for b in &r.burden {
        let _ = write!(
            h,
            "<tr><td class=\"n\">{}</td><td>{} ({})</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{} ({} / {})</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            b.rank,
            escape(&b.la_name),
            escape(&b.la_code),
            escape(&b.mapping),
            b.fields_asked,
            b.statutory,
            b.must,
            b.should,
            b.non_statutory,
            b.duplicated
        );
        if let (true, Some(m)) = (timed, &b.minutes) {
            let _ = write!(
                h,
                "<td class=\"n\">{:.1}</td><td class=\"n\">{:.1}</td><td class=\"n\">{:.1}</td><td class=\"n\">{:.1}</td>",
                m.statutory, m.non_statutory, m.duplicated, m.total
            );
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    senco_time(h, r);
    h.push_str("</section>\n");
}

/// The SENCo-time model under the burden table, always called an estimate, and the national hours a year.
fn senco_time(h: &mut String, r: &AuditReport) {
    let Some(t) = &r.senco_time else { return };
    let _ = write!(
        h,
        "<h3 id=\"senco-time\">Estimated SENCo time (an estimate, not a measurement)</h3>\
<p class=\"lead\">Minutes per request from the SENCo-time model v{} (<code>senco-time.toml</code>): each question \
of a form priced by its kind, group questions once per member ({} when the form does not fix how many). \
The national template as a form: {:.1} minutes.</p><table><thead><tr><th>Question kind</th>\
<th class=\"n\">Minutes each</th><th>Source or assumption</th></tr></thead><tbody>",
        escape(&t.model_version),
        t.group_members,
        t.template_minutes
    );
    for c in &t.coefficients {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            c.kind.as_str(),
            c.minutes,
            escape(&clip(&c.source, MAX_CHARS))
        );
    }
    h.push_str("</tbody></table>");
    match &t.national {
        Some(n) => {
            let _ = write!(
                h,
                "<p>Estimated national SENCo time, {} request(s) a year in {} LA(s) (<code>{}</code>): \
<b>{:.0} hours a year on non-statutory questions</b> and <b>{:.0} on duplicated ones</b> ({:.0} hours in all): \
<b>{:.0} hours a year saved</b> if every LA used the national template, which asks neither. Asking the statutory \
questions the forms leave out would take {:.0} hours a year more (the template: {:.0} hours for these requests).{}{}</p>",
                n.requests,
                n.las,
                escape(&clip(&n.volumes_file, MAX_CHARS)),
                n.hours_non_statutory,
                n.hours_duplicated,
                n.hours_total,
                n.hours_saved,
                n.hours_for_gaps,
                n.hours_on_template,
                if n.forms_without_volume.is_empty() {
                    String::new()
                } else {
                    format!(
                        " Not counted, no volume given: {}.",
                        escape(&n.forms_without_volume.join(", "))
                    )
                },
                if n.volumes_without_form.is_empty() {
                    String::new()
                } else {
                    format!(
                        " Not counted, no form mapped: {}.",
                        escape(&n.volumes_without_form.join(", "))
                    )
                }
            );
        }
        None => h.push_str(
            "<p class=\"note\">Give <code>--volumes</code> (a CSV of <code>la_code</code>, <code>requests</code> a \
year) for national SENCo hours a year.</p>",
        ),
    }
}

fn gaps(h: &mut String, r: &AuditReport) {
    h.push_str(
        "<section id=\"gaps\"><h2>Coverage gaps: national fields a form never asks for</h2>",
    );
    h.push_str("<p class=\"lead\">A missing <i>must</i> field is an error-level gap (the LA cannot meet a duty without it); a missing <i>should</i> field a warning; a missing <i>no</i> field is not a problem.</p>");
    for f in &r.forms {
        let _ = write!(
            h,
            "<div class=\"form\"><h3>{} ({}) <code>{}</code></h3>",
            escape(&f.la_name),
            escape(&f.la_code),
            escape(&f.mapping)
        );
        for lvl in [Statutory::Must, Statutory::Should, Statutory::No] {
            let items: Vec<String> = f
                .gaps
                .iter()
                .filter(|g| g.statutory == lvl)
                .map(|g| {
                    format!(
                        "<li><code>{}</code> {}</li>",
                        escape(&g.field),
                        escape(&g.label)
                    )
                })
                .collect();
            let _ = write!(h, "<p>{} {} missing</p>", level(lvl), items.len());
            if !items.is_empty() && lvl != Statutory::No {
                let _ = write!(h, "<ul class=\"gaps\">{}</ul>", items.join(""));
            }
        }
        h.push_str("</div>");
    }
    h.push_str("</section>\n");
}

fn completeness(h: &mut String, r: &AuditReport) {
    h.push_str(
        "<section id=\"completeness\"><h2>Completeness and validity over filled documents</h2>",
    );
    h.push_str("<p class=\"lead\">For each field a form asks for: in how many of its filled documents (status ok or partial; blank forms excluded) the answer was valid, empty, invalid or not found, with the commonest reasons for invalid answers.</p>");
    for f in &r.forms {
        let _ = write!(
            h,
            "<div class=\"form\"><h3>{} ({}): {} filled document(s)</h3>",
            escape(&f.la_name),
            escape(&f.la_code),
            f.documents.filled
        );
        if f.documents.filled == 0 {
            h.push_str("<p class=\"note\">No filled documents for this form yet.</p></div>");
            continue;
        }
        h.push_str("<table><thead><tr><th>Field</th><th>Level</th><th class=\"n\">Valid</th><th class=\"n\">Empty</th><th class=\"n\">Invalid</th><th class=\"n\">Not found</th><th>Commonest invalid reasons</th></tr></thead><tbody>");
        for c in &f.completeness {
            let reasons: Vec<String> = c
                .invalid_reasons
                .iter()
                .map(|r| format!("{} ({})", escape(&r.reason), r.count))
                .collect();
            let _ = write!(
                h,
                "<tr><td><code>{}</code> {}</td><td>{}</td><td class=\"n\">{} ({})</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                escape(&c.field.field),
                escape(&c.field.label),
                level(c.field.statutory),
                c.ok,
                pct(c.ok_share),
                c.empty,
                c.invalid,
                c.not_found,
                reasons.join("; ")
            );
        }
        h.push_str("</tbody></table></div>");
    }
    h.push_str("</section>\n");
}

fn demands(h: &mut String, r: &AuditReport) {
    h.push_str("<section id=\"demands\"><h2>Non-statutory demands</h2>");
    h.push_str("<p class=\"lead\">Every extra question a form asks beyond the national template, and every national field it asks whose statutory level is <i>no</i>.</p>");
    h.push_str("<table><thead><tr><th>LA</th><th>Kind</th><th>Field or extra</th><th>As printed</th><th>Duplicates</th></tr></thead><tbody>");
    for f in &r.forms {
        for d in &f.non_statutory {
            let kind = match d.kind {
                DemandKind::Field => "national field (no)",
                DemandKind::Extra => "extra",
            };
            let _ = write!(
                h,
                "<tr><td>{} ({})</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&f.la_name),
                escape(&f.la_code),
                kind,
                escape(&d.id),
                escape(d.printed.as_deref().unwrap_or(&d.label)),
                d.duplicates
                    .as_deref()
                    .map(|x| format!("<code>{}</code>", escape(x)))
                    .unwrap_or_default()
            );
        }
    }
    h.push_str("</tbody></table></section>\n");
}

fn duplicates(h: &mut String, r: &AuditReport) {
    h.push_str(
        "<section id=\"duplicates\"><h2>Duplicates</h2><h3>Asked twice within one form</h3>",
    );
    h.push_str("<p class=\"lead\">An extra question whose printed label means the same as a national field the form already asks for.</p>");
    h.push_str("<table><thead><tr><th>LA</th><th>Extra</th><th>As printed</th><th>Duplicates national field</th><th>Matched wording</th></tr></thead><tbody>");
    let mut any = false;
    for f in &r.forms {
        for d in &f.duplicates {
            any = true;
            let _ = write!(
                h,
                "<tr><td>{} ({})</td><td><code>{}</code></td><td>{}</td><td><code>{}</code> {}</td><td>{}</td></tr>",
                escape(&f.la_name),
                escape(&f.la_code),
                escape(&d.extra),
                escape(&d.printed),
                escape(&d.field),
                escape(&d.field_label),
                escape(&d.matched)
            );
        }
    }
    if !any {
        h.push_str("<tr><td colspan=\"5\">None found.</td></tr>");
    }
    h.push_str("</tbody></table>");
    h.push_str("<h3>The same extra demanded by several LAs</h3>");
    h.push_str("<p class=\"lead\">Extra questions clustered by meaning across forms (normalised labels, synonyms, token similarity), most LAs first.</p>");
    h.push_str("<table><thead><tr><th>Demand</th><th class=\"n\">LAs</th><th>Members (LA: printed label)</th></tr></thead><tbody>");
    for c in &r.clusters {
        let members: Vec<String> = c
            .members
            .iter()
            .map(|m| {
                format!(
                    "{}: “{}” <code>{}</code>",
                    escape(&m.la_name),
                    escape(&m.printed),
                    escape(&m.extra)
                )
            })
            .collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&c.canonical),
            c.las,
            members.join("<br>")
        );
    }
    if r.clusters.is_empty() {
        h.push_str("<tr><td colspan=\"3\">No extra questions in any form.</td></tr>");
    }
    h.push_str("</tbody></table></section>\n");
}

fn drift(h: &mut String, r: &AuditReport) {
    h.push_str("<section id=\"drift\"><h2>Drift warnings</h2>");
    h.push_str("<p class=\"lead\">A mapping's locator that found nothing in documents it recognised (the form changed: a label moved, a sheet was renamed), and source fields holding answers that no rule reads.</p>");
    h.push_str("<table><thead><tr><th>LA</th><th>Kind</th><th>Field</th><th>Locator or source field</th><th class=\"n\">Documents</th><th>Examples</th></tr></thead><tbody>");
    let mut any = false;
    for f in &r.forms {
        for d in &f.drift.not_found {
            any = true;
            let _ = write!(
                h,
                "<tr><td>{} ({})</td><td class=\"warn\">locator found nothing</td><td><code>{}</code></td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
                escape(&f.la_name),
                escape(&f.la_code),
                escape(&d.field),
                escape(&d.locator),
                d.documents,
                examples(&d.examples)
            );
        }
        for u in &f.drift.unconsumed {
            any = true;
            let _ = write!(
                h,
                "<tr><td>{} ({})</td><td class=\"warn\">answer no rule reads</td><td></td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
                escape(&f.la_name),
                escape(&f.la_code),
                escape(&u.key),
                u.documents,
                examples(&u.examples)
            );
        }
    }
    if !any {
        h.push_str("<tr><td colspan=\"6\">No drift found.</td></tr>");
    }
    h.push_str("</tbody></table></section>\n");
}

fn examples(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| format!("<code>{}</code>", escape(p)))
        .collect::<Vec<_>>()
        .join("<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<b a='1'>"x" & y</b>"#),
            "&lt;b a=&#39;1&#39;&gt;&quot;x&quot; &amp; y&lt;/b&gt;"
        );
    }

    #[test]
    fn colours_run_from_red_to_green() {
        assert_eq!(share_colour(0.0), "#b91c1c");
        assert_eq!(share_colour(0.5), "#f59e0b");
        assert_eq!(share_colour(1.0), "#15803d");
    }
}
