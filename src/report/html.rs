//! `report.html`: one self-contained page (inline CSS and one inline script, no external assets) that opens offline,
//! reads on a laptop screen and prints (`@media print`). Every string from a mapping or the template goes
//! through [`escape`]; the report holds no value from a record.

use std::fmt::Write as _;
use std::io::Write;

use super::{MAX_CHARS, ReportWriter, clip};
use crate::audit::findings::FindingKind;
use crate::audit::gaps::Completeness;
use crate::audit::{AuditReport, DemandKind, FormReport, failures};
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

/// The page's one script, inline (no external asset, works offline): a filter box and sortable headers on every
/// `table.data`, and every collapsed section opened before printing. Without script the plain tables remain.
/// Written by hand: a dozen lines, where a library would be an asset the page must carry.
const SCRIPT: &str = r#"
(function () {
  function key(cell) {
    var s = cell ? cell.textContent.trim() : "";
    var n = parseFloat(s.replace(/[^0-9.\-]/g, ""));
    return /^-?[0-9]/.test(s) && !isNaN(n) ? [0, n, ""] : [1, 0, s.toLowerCase()];
  }
  function compare(a, b) {
    return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
  }
  document.querySelectorAll("table.data").forEach(function (table) {
    var body = table.tBodies[0];
    if (!body || body.rows.length < 2 || !table.tHead) return;
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "filter";
    filter.placeholder = "Filter " + body.rows.length + " rows…";
    filter.setAttribute("aria-label", "Filter the rows of this table");
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase();
      Array.prototype.forEach.call(body.rows, function (row) {
        row.hidden = q !== "" && row.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
    table.parentNode.insertBefore(filter, table);
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.innerHTML = th.innerHTML;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) { return compare(key(a.cells[i]), key(b.cells[i])) * (up ? 1 : -1); });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
"#;

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
ol.findings { padding-left: 1.6rem; margin: .4rem 0 .8rem; } ol.findings li { margin: .25rem 0; }
ol.findings a { color: inherit; } ol.findings li::marker { font-weight: 700; }
:target { outline: 3px solid #1d4ed8; outline-offset: 2px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; font-size: .85rem; color: var(--muted); margin: .25rem 0 .5rem; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .85em; background: var(--band); padding: 0 .2em; border-radius: 3px; }
ul.gaps { margin: .2rem 0 .6rem; padding-left: 1.2rem; columns: 2; }
.legend { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; font-size: .85rem; margin: .3rem 0; }
.legend i { display: inline-block; min-width: 1.9em; height: 1.4em; line-height: 1.4em; text-align: center; font-style: normal; font-size: .75rem; margin-right: .3rem; border: 1px solid #9ca3af; }
.legend .ramp i { margin: 0; border-left: 0; } .legend .ramp i:first-of-type { margin-left: .4rem; border-left: 1px solid #9ca3af; }
.hm-wrap { overflow-x: auto; max-width: 100%; border: 1px solid var(--rule); }
table.hm { width: auto; border-collapse: separate; border-spacing: 0; margin: 0; font-size: .72rem; }
table.hm caption { text-align: left; font-size: .8rem; color: var(--muted); padding: .2rem .4rem; }
table.hm th, table.hm td { border: 0; border-right: 1px solid #fff; border-bottom: 1px solid #fff; padding: 0; }
table.hm td { min-width: 2.1em; height: 1.9em; text-align: center; font-variant-numeric: tabular-nums; }
table.hm td.gap { background: #e5e7eb; color: #6b7280; } table.hm td.nodata { background: #fff; color: #6b7280; border: 1px solid #e5e7eb; }
table.hm .la { position: sticky; left: 0; z-index: 2; background: #fff; text-align: left; font-weight: 600; padding: 0 .5rem; min-width: 11rem; max-width: 15rem; white-space: normal; font-size: .8rem; box-shadow: 1px 0 0 var(--rule); }
table.hm thead .la { z-index: 3; vertical-align: bottom; }
table.hm .band { color: #fff; text-align: center; padding: .15rem .3rem; font-size: .78rem; }
table.hm .sec { background: var(--band); text-align: center; padding: .1rem .2rem; font-weight: 600; border-left: 2px solid #fff; }
table.hm .band-must.band { background: var(--must); } table.hm .band-should.band { background: var(--should); } table.hm .band-no.band { background: var(--no); }
table.hm .fl { vertical-align: bottom; background: #fff; font-weight: 400; }
table.hm .fl span { display: inline-block; writing-mode: vertical-rl; transform: rotate(180deg); max-height: 12em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: .2rem 0; }
.form { break-inside: avoid-page; }
input.filter { display: block; margin: .4rem 0 .2rem; padding: .25rem .45rem; width: min(22rem, 100%); font: inherit; font-size: .85rem; border: 1px solid #9ca3af; border-radius: 4px; }
button.sort { all: unset; cursor: pointer; display: block; width: 100%; }
button.sort:focus-visible { outline: 2px solid #1d4ed8; }
th[aria-sort="ascending"] button.sort::after { content: " ▲"; font-size: .7em; }
th[aria-sort="descending"] button.sort::after { content: " ▼"; font-size: .7em; }
details.form > summary { cursor: pointer; } details.form > summary h3 { display: inline; }
details.form { margin: .3rem 0; }
@media (max-width: 640px) {
  body { padding: 1rem .7rem 2rem; font-size: 14px; }
  h1 { font-size: 1.3rem; }
  table.hm .la { min-width: 7.5rem; max-width: 9rem; font-size: .72rem; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav, input.filter { display: none; }
  #findings { break-after: page; }
  details > summary { list-style: none; }
  h2 { break-after: avoid; }
  tr, .card { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .hm-wrap { overflow: visible; border: 0; }
  table.hm td, .legend i { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table.hm .la { position: static; }
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
Counts, field names and file paths only: no value from any form.</p>{}\
<nav><a href=\"#findings\">Findings</a><a href=\"#failures\">Failures</a><a href=\"#heatmap\">Heatmap</a><a href=\"#burden\">Burden</a><a href=\"#gaps\">Coverage gaps</a>\
<a href=\"#completeness\">Completeness</a><a href=\"#demands\">Non-statutory demands</a>\
<a href=\"#duplicates\">Duplicates</a><a href=\"#drift\">Drift</a></nav></header>\n",
        escape(&r.run_id),
        escape(&r.template_version),
        s.forms,
        s.documents,
        s.filled_documents,
        s.blank_documents,
        run_meta(r)
    );
    findings(&mut h, r);
    summary(&mut h, r);
    changes(&mut h, r);
    failures(&mut h, r);
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
“Reading the report”.</p></footer>\n<script>{SCRIPT}</script>\n</body></html>\n",
        r.thresholds.jaccard_min, r.thresholds.levenshtein_min, r.thresholds.max_examples
    );
    h
}

fn summary(h: &mut String, r: &AuditReport) {
    let s = &r.summary;
    h.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    let cards: [(String, &str); 9] = [
        (s.forms.to_string(), "LA forms audited"),
        (s.documents.to_string(), "recognised documents"),
        (
            s.failed_documents.to_string(),
            "documents not harmonised (failures)",
        ),
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

/// Viridis (matplotlib's default map: perceptually uniform, readable in grey and by the common colour-vision
/// deficiencies) at nine evenly spaced stops, from 0 (dark purple) to 1 (yellow).
const VIRIDIS: [(f64, f64, f64); 9] = [
    (68.0, 1.0, 84.0),
    (71.0, 45.0, 123.0),
    (59.0, 82.0, 139.0),
    (44.0, 114.0, 142.0),
    (33.0, 145.0, 140.0),
    (40.0, 174.0, 128.0),
    (94.0, 201.0, 98.0),
    (173.0, 220.0, 48.0),
    (253.0, 231.0, 37.0),
];

/// Heatmap cell colour for a valid share: viridis, interpolated between its stops.
pub fn share_colour(share: f64) -> String {
    let s = share.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (s.floor() as usize).min(VIRIDIS.len() - 2);
    let t = s - i as f64;
    let (Some(a), Some(b)) = (VIRIDIS.get(i), VIRIDIS.get(i + 1)) else {
        return "#000000".into();
    };
    let mix = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// The text colour that reads on a share's cell: white on the dark end, black on the light.
fn ink(share: f64) -> &'static str {
    if share < 0.62 { "#fff" } else { "#000" }
}

const NOT_ASKED: &str = "#e5e7eb";
const NO_DATA: &str = "#ffffff";

/// A statutory band in words.
fn band(s: Statutory) -> &'static str {
    match s {
        Statutory::Must => "Required by law (must)",
        Statutory::Should => "Statutory guidance (should)",
        Statutory::No => "Not required by law (no)",
    }
}

/// A template section in words (`young_person` → "Young person").
fn section_title(id: &str) -> String {
    let words = id.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Runs of equal keys in `items`: (key, length), in order.
fn runs<K: PartialEq + Clone>(items: impl Iterator<Item = K>) -> Vec<(K, usize)> {
    let mut out: Vec<(K, usize)> = Vec::new();
    for k in items {
        match out.last_mut() {
            Some((last, n)) if *last == k => *n += 1,
            _ => out.push((k, 1)),
        }
    }
    out
}

fn heatmap(h: &mut String, r: &AuditReport) {
    // Columns by band, then by section (in the template's order of first appearance), then in template order.
    let mut sections: Vec<&str> = Vec::new();
    for f in &r.fields {
        if !sections.contains(&f.section.as_str()) {
            sections.push(&f.section);
        }
    }
    let mut cols: Vec<&crate::audit::gaps::FieldRef> = r.fields.iter().collect();
    cols.sort_by_key(|f| {
        (
            f.statutory,
            sections
                .iter()
                .position(|s| *s == f.section)
                .unwrap_or(usize::MAX),
        )
    });
    h.push_str(
        "<section id=\"heatmap\"><h2>Coverage and completeness by LA and national field</h2>",
    );
    h.push_str("<p class=\"lead\">One row per LA form, one column per national field, grouped by how the law treats it and by section of the form (hover a label for its field id). A grey cell with a dash: the form does not ask for the field (a coverage gap). A coloured cell: the form asks for it; the number is the share (%) of its filled documents where the answer came back valid, and the colour runs from dark purple (0%) to yellow (100%). A white cell with a dot: asked, but no filled documents yet. Hover a cell for its counts.</p>");
    h.push_str("<div class=\"legend\" aria-hidden=\"true\">");
    let _ = write!(
        h,
        "<span><i style=\"background:{NOT_ASKED}\">–</i>not asked (gap)</span><span><i style=\"background:{NO_DATA}\">·</i>asked, no filled documents</span><span class=\"ramp\">valid share"
    );
    for pct in [0u32, 25, 50, 75, 100] {
        let s = f64::from(pct) / 100.0;
        let _ = write!(
            h,
            "<i style=\"background:{};color:{}\">{pct}</i>",
            share_colour(s),
            ink(s)
        );
    }
    h.push_str("%</span></div>");
    h.push_str("<div class=\"hm-wrap\" tabindex=\"0\"><table class=\"hm\"><caption>Valid share (%) of filled documents, by LA form and national field</caption><thead><tr><th rowspan=\"3\" class=\"la\" scope=\"col\">LA form</th>");
    for (lvl, n) in runs(cols.iter().map(|f| f.statutory)) {
        let _ = write!(
            h,
            "<th colspan=\"{n}\" class=\"band band-{}\" scope=\"colgroup\">{}</th>",
            lvl.as_str(),
            escape(band(lvl))
        );
    }
    h.push_str("</tr><tr>");
    for ((lvl, sec), n) in runs(cols.iter().map(|f| (f.statutory, f.section.clone()))) {
        let _ = write!(
            h,
            "<th colspan=\"{n}\" class=\"sec band-{}\" scope=\"colgroup\" title=\"{}\">{}</th>",
            lvl.as_str(),
            escape(&sec),
            escape(&section_title(&sec))
        );
    }
    h.push_str("</tr><tr>");
    for f in &cols {
        let _ = write!(
            h,
            "<th class=\"fl\" scope=\"col\" title=\"{} ({})\"><span>{}</span></th>",
            escape(&f.field),
            escape(f.statutory.as_str()),
            escape(&f.label)
        );
    }
    h.push_str("</tr></thead><tbody>");
    for form in &r.forms {
        // An LA with several forms (a fillable PDF and its print view) is told apart by the mapping id.
        let shared = r.forms.iter().filter(|f| f.la_code == form.la_code).count() > 1;
        let tag = if shared { &form.mapping } else { &form.la_code };
        let _ = write!(
            h,
            "<tr><th class=\"la\" scope=\"row\" title=\"{}\">{} <span class=\"note\">({})</span></th>",
            escape(&form.mapping),
            escape(&form.la_name),
            escape(tag)
        );
        for f in &cols {
            let c = form.completeness.iter().find(|c| c.field.field == f.field);
            let tip = format!(
                "{} · {} ({}): {}",
                form.la_name,
                f.label,
                f.field,
                cell(c, form)
            );
            match c {
                None => {
                    let _ = write!(h, "<td class=\"gap\" title=\"{}\">–</td>", escape(&tip));
                }
                Some(c) if c.filled == 0 => {
                    let _ = write!(h, "<td class=\"nodata\" title=\"{}\">·</td>", escape(&tip));
                }
                Some(c) => {
                    let share = c.ok_share.unwrap_or(0.0);
                    let _ = write!(
                        h,
                        "<td style=\"background:{};color:{}\" title=\"{}\">{:.0}</td>",
                        share_colour(share),
                        ink(share),
                        escape(&tip),
                        share * 100.0
                    );
                }
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div></section>\n");
}

/// A heatmap cell's counts in words, for its tooltip.
fn cell(c: Option<&Completeness>, form: &FormReport) -> String {
    match c {
        None => "not asked (coverage gap)".into(),
        Some(c) if c.filled == 0 => format!(
            "asked; no filled documents ({} blank)",
            form.documents.blank
        ),
        Some(c) => format!(
            "asked; valid in {} of {} filled ({}), empty {}, invalid {}, not found {}",
            c.ok,
            c.filled,
            pct(c.ok_share),
            c.empty,
            c.invalid,
            c.not_found
        ),
    }
}

/// How many findings the page shows before "more".
const FINDINGS_SHOWN: usize = 10;

/// The findings, ranked, each linked to its detail: the first thing on the page.
fn findings(h: &mut String, r: &AuditReport) {
    h.push_str("<section id=\"findings\"><h2>Findings: what to look at first</h2>");
    if r.findings.is_empty() {
        h.push_str("<p class=\"lead\">Nothing to act on: every form asks every statutory field, no document failed, nothing is asked twice or demanded by several LAs beyond the template, and no form drifted.</p></section>\n");
        return;
    }
    h.push_str("<p class=\"lead\">Ranked by how many forms, LAs or documents each touches. Follow a finding to its detail.</p><ol class=\"findings\">");
    let item = |f: &crate::audit::findings::Finding| {
        format!(
            "<li class=\"f-{}\"><a href=\"#{}\">{}</a> <span class=\"note\">({} {})</span></li>",
            match f.kind {
                FindingKind::StatutoryGap => "gap",
                FindingKind::Failures => "fail",
                FindingKind::NonStatutoryDemand => "demand",
                FindingKind::AskedTwice => "twice",
                FindingKind::Drift => "drift",
            },
            escape(&f.anchor),
            escape(&f.text),
            f.count,
            escape(f.unit)
        )
    };
    for f in r.findings.iter().take(FINDINGS_SHOWN) {
        h.push_str(&item(f));
    }
    h.push_str("</ol>");
    if r.findings.len() > FINDINGS_SHOWN {
        let _ = write!(
            h,
            "<details><summary>{} more finding(s)</summary><ol class=\"findings\" start=\"{}\">",
            r.findings.len() - FINDINGS_SHOWN,
            FINDINGS_SHOWN + 1
        );
        for f in r.findings.iter().skip(FINDINGS_SHOWN) {
            h.push_str(&item(f));
        }
        h.push_str("</ol></details>");
    }
    h.push_str("</section>\n");
}

/// The run's metadata, one definition list under the title.
fn run_meta(r: &AuditReport) -> String {
    let m = &r.run;
    let digest: String = m.mapping_digest.chars().take(12).collect();
    let written = if m.rebuilt {
        "rebuilt by <code>harmonise report</code>"
    } else {
        "written by <code>harmonise run</code>"
    };
    format!(
        "<dl class=\"meta\"><dt>Written</dt><dd><time datetime=\"{0}\">{0}</time> (UTC), {written}</dd>\
<dt>harmonise</dt><dd>{1}</dd><dt>Input folder</dt><dd><code>{2}</code></dd><dt>Template</dt><dd>v{3}</dd>\
<dt>Mappings</dt><dd>{4}, digest <code title=\"{5}\">{6}…</code></dd></dl>",
        escape(&m.generated_at),
        escape(&m.harmonise_version),
        escape(m.input_folder.as_deref().unwrap_or("(not recorded)")),
        escape(&m.template_version),
        m.mappings,
        escape(&m.mapping_digest),
        escape(&digest),
    )
}

/// What changed since the previous run: counts, new failures, burden before and after.
fn changes(h: &mut String, r: &AuditReport) {
    h.push_str("<section id=\"changes\"><h2>Changes since the previous run</h2>");
    let Some(c) = &r.changes else {
        let why = if r.run.rebuilt {
            "Rebuilt by <code>harmonise report</code>: changes are worked out by a run only."
        } else {
            "The first run into this output folder (or the previous run left no state): nothing to compare with."
        };
        let _ = writeln!(h, "<p class=\"lead\">{why}</p></section>");
        return;
    };
    let previous = if c.previous_report.is_empty() {
        String::new()
    } else {
        format!(
            " (previous report: run <code>{}</code>{})",
            escape(&c.previous_report),
            c.previous_generated_at
                .as_deref()
                .map(|t| format!(", written {}", escape(t)))
                .unwrap_or_default()
        )
    };
    let _ = write!(
        h,
        "<p class=\"lead\">{} document(s) added, {} changed, {} removed, {} unchanged; {} new failure(s), {} \
failure(s) resolved{previous}.</p>",
        c.added, c.changed, c.removed, c.unchanged, c.new_failure_count, c.resolved_failures
    );
    if c.is_empty() {
        h.push_str("<p>Nothing changed.</p>");
    }
    if !c.new_failures.is_empty() {
        h.push_str("<h3>New failures</h3><ul>");
        for f in &c.new_failures {
            let _ = write!(
                h,
                "<li><code>{}</code>: {}</li>",
                escape(&f.path),
                escape(failures::describe(f.status))
            );
        }
        if c.new_failure_count > c.new_failures.len() as u64 {
            let _ = write!(
                h,
                "<li>… and {} more (see Failures)</li>",
                c.new_failure_count - c.new_failures.len() as u64
            );
        }
        h.push_str("</ul>");
    }
    if !c.burden.is_empty() {
        h.push_str("<h3>Burden changes</h3><table class=\"data\"><thead><tr><th>Form (mapping)</th><th class=\"n\">Fields asked</th><th class=\"n\">Non-statutory</th><th class=\"n\">Duplicated</th></tr></thead><tbody>");
        let delta = |d: &crate::audit::changes::Delta| {
            let n = |x: Option<usize>| x.map_or_else(|| "–".to_string(), |x| x.to_string());
            format!("{} → {}", n(d.before), n(d.after))
        };
        for b in &c.burden {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&b.mapping),
                delta(&b.fields_asked),
                delta(&b.non_statutory),
                delta(&b.duplicated)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>\n");
}

fn failures(h: &mut String, r: &AuditReport) {
    h.push_str("<section id=\"failures\"><h2>Failures: documents that produced no record</h2>");
    if r.failures.is_empty() {
        h.push_str("<p class=\"lead\">Every document was harmonised.</p></section>\n");
        return;
    }
    let kinds: Vec<String> = failures::by_status(&r.failures)
        .iter()
        .map(|(status, n)| format!("{n} {}", failures::describe(*status)))
        .collect();
    let _ = write!(
        h,
        "<p class=\"lead\">{} document(s) could not be harmonised: {}. Their answers are in no table below. \
Grouped by status and reason, most documents first; <code>manifest.json</code> and <code>manifest.csv</code> list \
every input.</p>",
        r.summary.failed_documents,
        escape(&kinds.join(", "))
    );
    h.push_str("<table class=\"data\"><thead><tr><th>Status</th><th>Reason</th><th class=\"n\">Documents</th><th>Files</th></tr></thead><tbody>");
    for (i, g) in r.failures.iter().enumerate() {
        let mut files: Vec<String> = g
            .files
            .iter()
            .map(|f| {
                let skipped = if f.skipped_unchanged {
                    " <span class=\"note\">(unchanged since the run that read it)</span>"
                } else {
                    ""
                };
                format!("<code>{}</code>{skipped}", escape(&f.path))
            })
            .collect();
        if g.not_listed > 0 {
            files.push(format!("… and {} more (see manifest.csv)", g.not_listed));
        }
        let _ = write!(
            h,
            "<tr id=\"failure-{}\"><td><code>{}</code> {}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            i + 1,
            escape(g.status.as_str()),
            escape(failures::describe(g.status)),
            escape(&g.reason),
            g.count,
            files.join("<br>")
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn burden(h: &mut String, r: &AuditReport) {
    h.push_str("<section id=\"burden\"><h2>Burden: what each form asks, worst first</h2>");
    h.push_str(
        "<p class=\"lead\">Ranked by non-statutory + duplicated fields, then by fields asked.</p>",
    );
    let timed = r.senco_time.is_some();
    h.push_str("<table class=\"data\"><thead><tr><th class=\"n\">Rank</th><th>LA</th><th>Form (mapping)</th><th class=\"n\">Fields asked</th><th class=\"n\">Statutory (must / should)</th><th class=\"n\">Non-statutory</th><th class=\"n\">Duplicated</th>");
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
    gaps_by_field(h, r);
    for f in &r.forms {
        let _ = write!(
            h,
            "<details class=\"form\"><summary><h3>{} ({}) <code>{}</code></h3></summary>",
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
        h.push_str("</details>");
    }
    h.push_str("</section>\n");
}

/// Each statutory field some forms never ask for, with its legal basis and those forms: the findings link here.
fn gaps_by_field(h: &mut String, r: &AuditReport) {
    h.push_str("<h3>By field</h3><table class=\"data\"><thead><tr><th>National field</th><th>Level</th><th>Legal basis</th><th class=\"n\">Forms that never ask</th><th>Which</th></tr></thead><tbody>");
    let mut any = false;
    for f in r.fields.iter().filter(|f| f.statutory != Statutory::No) {
        let missing: Vec<&FormReport> = r
            .forms
            .iter()
            .filter(|form| form.gaps.iter().any(|g| g.field == f.field))
            .collect();
        if missing.is_empty() {
            continue;
        }
        any = true;
        let basis = r
            .findings
            .iter()
            .find(|x| x.kind == FindingKind::StatutoryGap && x.field.as_deref() == Some(&f.field))
            .and_then(|x| x.basis.as_deref())
            .unwrap_or("");
        let which: Vec<String> = missing
            .iter()
            .map(|m| format!("{} ({})", escape(&m.la_name), escape(&m.la_code)))
            .collect();
        let _ = write!(
            h,
            "<tr id=\"gap-{}\"><td><code>{}</code> {}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&f.field),
            escape(&f.field),
            escape(&f.label),
            level(f.statutory),
            escape(basis),
            missing.len(),
            which.join(", ")
        );
    }
    if !any {
        h.push_str("<tr><td colspan=\"5\">Every form asks every statutory field.</td></tr>");
    }
    h.push_str("</tbody></table><h3>By form</h3>");
}

fn completeness(h: &mut String, r: &AuditReport) {
    h.push_str(
        "<section id=\"completeness\"><h2>Completeness and validity over filled documents</h2>",
    );
    h.push_str("<p class=\"lead\">For each field a form asks for: in how many of its filled documents (status ok or partial; blank forms excluded) the answer was valid, empty, invalid or not found, with the commonest reasons for invalid answers.</p>");
    for f in &r.forms {
        let _ = write!(
            h,
            "<details class=\"form\"><summary><h3>{} ({}): {} filled document(s)</h3></summary>",
            escape(&f.la_name),
            escape(&f.la_code),
            f.documents.filled
        );
        if f.documents.filled == 0 {
            h.push_str("<p class=\"note\">No filled documents for this form yet.</p></details>");
            continue;
        }
        h.push_str("<table class=\"data\"><thead><tr><th>Field</th><th>Level</th><th class=\"n\">Valid</th><th class=\"n\">Empty</th><th class=\"n\">Invalid</th><th class=\"n\">Not found</th><th>Commonest invalid reasons</th></tr></thead><tbody>");
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
        h.push_str("</tbody></table></details>");
    }
    h.push_str("</section>\n");
}

fn demands(h: &mut String, r: &AuditReport) {
    h.push_str("<section id=\"demands\"><h2>Non-statutory demands</h2>");
    h.push_str("<p class=\"lead\">Every extra question a form asks beyond the national template, and every national field it asks whose statutory level is <i>no</i>.</p>");
    h.push_str("<table class=\"data\"><thead><tr><th>LA</th><th>Kind</th><th>Field or extra</th><th>As printed</th><th>Duplicates</th></tr></thead><tbody>");
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
    h.push_str("<table class=\"data\"><thead><tr><th>LA</th><th>Extra</th><th>As printed</th><th>Duplicates national field</th><th>Matched wording</th></tr></thead><tbody>");
    let mut any = false;
    let mut anchored = std::collections::BTreeSet::new();
    for f in &r.forms {
        for d in &f.duplicates {
            any = true;
            let _ = write!(
                h,
                "<tr{}><td>{} ({})</td><td><code>{}</code></td><td>{}</td><td><code>{}</code> {}</td><td>{}</td></tr>",
                anchor(&mut anchored, "dup", &d.field),
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
    h.push_str("<table class=\"data\"><thead><tr><th>Demand</th><th class=\"n\">LAs</th><th>Members (LA: printed label)</th></tr></thead><tbody>");
    for (i, c) in r.clusters.iter().enumerate() {
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
            "<tr id=\"cluster-{}\"><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            i + 1,
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
    let versions: Vec<_> = r
        .forms
        .iter()
        .flat_map(|f| f.drift.versions.iter())
        .collect();
    if !versions.is_empty() {
        h.push_str("<h3>Changed forms</h3><p class=\"lead\">Documents whose printed text differs from their mapping's reference form, by version: fields lost first (their printed label is gone: <code>not_found</code>), then those re-anchored (read where their label moved).</p><ul class=\"versions\">");
        for v in versions {
            let _ = write!(h, "<li>{}", escape(&v.summary));
            if !v.lost.is_empty() {
                let _ = write!(h, "<br>Lost: <code>{}</code>", escape(&v.lost.join(", ")));
            }
            if !v.reanchored.is_empty() {
                let _ = write!(
                    h,
                    "<br>Re-anchored: <code>{}</code>",
                    escape(&v.reanchored.join(", "))
                );
            }
            let _ = write!(h, "<br>e.g. {}</li>", examples(&v.examples));
        }
        h.push_str("</ul>");
    }
    h.push_str("<table class=\"data\"><thead><tr><th>LA</th><th>Kind</th><th>Field</th><th>Locator or source field</th><th class=\"n\">Documents</th><th>Examples</th></tr></thead><tbody>");
    let mut any = false;
    let mut anchored = std::collections::BTreeSet::new();
    for f in &r.forms {
        for d in &f.drift.not_found {
            any = true;
            let _ = write!(
                h,
                "<tr{}><td>{} ({})</td><td class=\"warn\">locator found nothing</td><td><code>{}</code></td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
                anchor(&mut anchored, "drift", &f.mapping),
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
                "<tr{}><td>{} ({})</td><td class=\"warn\">answer no rule reads</td><td></td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
                anchor(&mut anchored, "drift", &f.mapping),
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

/// ` id="{prefix}-{key}"` the first time `key` is seen (the row a finding links to), else nothing.
fn anchor(seen: &mut std::collections::BTreeSet<String>, prefix: &str, key: &str) -> String {
    if seen.insert(key.to_string()) {
        format!(" id=\"{prefix}-{}\"", escape(key))
    } else {
        String::new()
    }
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
    fn colours_follow_viridis_from_purple_to_yellow() {
        assert_eq!(share_colour(0.0), "#440154");
        assert_eq!(share_colour(0.5), "#21918c");
        assert_eq!(share_colour(1.0), "#fde725");
        assert_eq!(share_colour(2.0), "#fde725", "clamped");
        // Between two stops: halfway from #440154 to #472d7b.
        assert_eq!(share_colour(0.0625), "#461768");
    }

    #[test]
    fn sections_and_runs_read_as_words_and_groups() {
        assert_eq!(section_title("young_person"), "Young person");
        assert_eq!(runs([1, 1, 2, 1].into_iter()), [(1, 2), (2, 1), (1, 1)]);
    }
}
