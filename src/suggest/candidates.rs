//! Candidate source fields of an unseen document: each a printed label, a locator that finds its answer, and the
//! answer (when the document is filled). Grids (xlsx) pair each label cell with the cell to its right, or below
//! when the right is empty and the cell below holds a long answer; numbered labels ("Parent/carer 1 name") become
//! one `{n}` candidate; a header row over a table becomes one `range` candidate per column; a run of tick boxes
//! becomes one `tick` candidate. PDFs offer their AcroForm fields (tooltip or name as label), or, when they have
//! none (printed and flattened forms), their `Label: answer` lines and headings with a paragraph below; XML its
//! element paths.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub use super::folder::Take;
use crate::locate::DocIndex;
use crate::read::{FieldKey, GridPos, RawValue, SourceDoc, column_letters};

/// Where a candidate's answer is found.
#[derive(Debug, Clone, PartialEq)]
pub enum Where {
    /// The cell right of, below or inside a label; `numbered` when the label carries a member number.
    Label {
        /// The label's text; for numbered labels, with `{n}` in place of the number.
        text: String,
        /// Where the answer sits against the label.
        take: Take,
        /// The answer cell (of member 1 for numbered labels), `Sheet!C5`.
        cell: String,
        /// Group members in stacked blocks: the printed heading of each block (empty when not in blocks).
        block: Vec<String>,
    },
    /// The answer typed into the label's own cell after printed options' question: `take = "inside"`.
    Inside {
        /// The question as printed (the options follow it).
        text: String,
        /// The cell.
        cell: String,
    },
    /// One cell per group member (a label printed once per member, side by side).
    Cells(Vec<String>),
    /// Several labels whose answers are joined (Title / First name / Surname), maybe within blocks or numbered.
    Labels {
        /// The labels as printed (with `{n}` for numbered ones).
        texts: Vec<String>,
        /// Where the answers sit.
        take: Take,
        /// Block headings, as for [`Where::Label`].
        block: Vec<String>,
    },
    /// Table columns joined row by row (Title | Forename | Surname columns).
    Join(Vec<String>),
    /// A fixed cell (labels that are ambiguous, i.e. printed more than once).
    Cell(String),
    /// A table column, `Sheet!A3:A7`.
    Range(String),
    /// Tick-box options: (answer cell, option text).
    Tick(Vec<(String, String)>),
    /// A PDF form field.
    Field(String),
    /// A Word content control (tag or title).
    Control(String),
    /// A Word legacy form field.
    FormField(String),
    /// An XML element path.
    Path(String),
    /// Flat page text: the rest of a `Label: answer` line, or the paragraph below a heading up to `stop`.
    Text {
        /// The label (without its colon) or the heading, as printed.
        text: String,
        /// True for a heading with its paragraph below.
        below: bool,
        /// Where the answer ends: the next label on the line, or the line where the paragraph ends (its label,
        /// or the whole line), for `stop`.
        stop: Option<String>,
        /// The label stands after other printed text on its line ("... Boy/Girl"): found anywhere in the line.
        mid_line: bool,
        /// `stop` is the next label on the same line: found anywhere in it, not only at a line's start.
        stop_mid_line: bool,
    },
}

/// One source field a mapping could use.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The question as printed.
    pub label: String,
    /// How its answer is found.
    pub at: Where,
    /// Answers seen (several for groups; none on a blank form).
    pub values: Vec<RawValue>,
    /// True when the candidate yields several members (numbered labels, table columns).
    pub group: bool,
    /// Other labels of the same table row (to decide which group a table belongs to).
    pub siblings: Vec<String>,
    /// Words of the enclosing element (XML), tried with the label: `Setting` + `name`.
    pub context: Option<String>,
    /// Another name for the same question, tried instead of the label (a PDF field's name beside its tooltip).
    pub alt_label: Option<String>,
    /// Options printed for the person to mark (`choice`), as printed.
    pub options: Vec<String>,
    /// The printed heading of the section the label is in.
    pub section: Option<String>,
    /// Where the answers were, for the draft's comment (printed text and cell names only).
    pub evidence: String,
    /// A table column whose rows are printed (a profession per row): `preprinted = true`.
    pub preprinted: bool,
    /// Found by comparing several documents: its label and options are printed alike in every document (or in
    /// each of several), so options need not read as form words ("Yes", "M") to be quoted.
    pub consensus: bool,
    /// A table column of tick boxes ("☒ Yes" / "☐ Yes" on each row): read as a yes/no by its box.
    pub tick_column: bool,
    /// The options are printed in the label and the answer is typed (one of them) elsewhere: a `map`, not a
    /// `choice`.
    pub options_typed: bool,
}

const TICK_MARKS: &[&str] = &["x", "✓", "✔", "☑", "☒"];

fn is_tick(v: &RawValue) -> bool {
    match v {
        RawValue::Text(t) => TICK_MARKS.contains(&t.trim().to_lowercase().as_str()),
        RawValue::Bool(b) => *b,
        _ => false,
    }
}

fn text_of(v: &RawValue) -> Option<&str> {
    match v {
        RawValue::Text(t) if !t.trim().is_empty() => Some(t.trim()),
        _ => None,
    }
}

/// Does a text look like a printed question rather than an answer or a heading?
pub fn label_like(t: &str) -> bool {
    let lower = t.to_lowercase();
    // A note in brackets ("(please detail the pupil's levels and those expected for their age)") is no answer.
    let words = crate::label::strip_parens(t).split_whitespace().count();
    !t.is_empty()
        && t.chars().count() <= 200
        && words <= 16
        && !lower.starts_with("section ")
        && !lower.starts_with("part ")
        && t.chars().any(char::is_alphabetic)
}

/// Splits "Parent/carer 2 name" into ("Parent/carer ", 2, " name").
pub fn numbered(t: &str) -> Option<(String, u32, String)> {
    static NUMBERED: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^(.*?\D)?(\d)(\D.*)?$").ok());
    let c = NUMBERED.as_ref()?.captures(t)?;
    let n: u32 = c.get(2)?.as_str().parse().ok()?;
    let pre = c.get(1).map_or("", |m| m.as_str()).to_string();
    let post = c.get(3).map_or("", |m| m.as_str()).to_string();
    (pre.chars().any(char::is_alphabetic) && (1..=9).contains(&n)).then_some((pre, n, post))
}

/// Every candidate of a document, in document order.
/// `group_header` says whether a row of labels heads a group's table; `group_label` whether a label with `{n}` in
/// place of its number names a group field.
pub fn candidates(
    doc: &SourceDoc,
    group_header: &dyn Fn(&[String]) -> bool,
    group_label: &dyn Fn(&str) -> bool,
) -> Vec<Candidate> {
    if let Some(tree) = &doc.xml {
        return xml_candidates(doc, tree, group_label);
    }
    let mut out = if doc.sheets.is_empty() {
        Vec::new()
    } else {
        grid_candidates(doc, group_header, group_label)
    };
    if doc.sheets.is_empty() && doc.fields.is_empty() {
        return text_candidates(doc, group_label);
    }
    // Named fields: PDF AcroForm fields, Word content controls (`sdt:`) and legacy form fields (`ff:`). A number
    // in the name of a group's field ("Parent1Name") becomes `{n}`.
    let mut numbered_at: HashMap<String, usize> = HashMap::new();
    for f in doc.fields.iter().filter(|f| f.pos.is_none()) {
        let text = f.key.text();
        let (name_key, make): (&str, fn(String) -> Where) = match &f.key {
            FieldKey::Control(tag) => (tag, Where::Control),
            FieldKey::FormField(name) => (name, Where::FormField),
            _ => (&text, Where::Field),
        };
        let name = pdf_field_words(name_key);
        if let Some((pre, n, post)) = numbered(&name) {
            let digit = n.to_string();
            let pattern = format!("{pre}{{n}}{post}");
            // The number is in the last segment of a qualified name (`form1[0].Parent1Name[0]`).
            let cut = name_key.rfind('.').map_or(0, |i| i.saturating_add(1));
            let (head, last) = name_key.split_at(cut.min(name_key.len()));
            if last.matches(digit.as_str()).count() == 1 && group_label(&pattern) {
                let key = format!("{head}{}", last.replacen(digit.as_str(), "{n}", 1));
                if let Some(&i) = numbered_at.get(&key) {
                    if let Some(c) = out.get_mut(i) {
                        c.values.push(f.value.clone());
                    }
                } else {
                    numbered_at.insert(key.clone(), out.len());
                    out.push(Candidate {
                        label: pattern,
                        at: make(key),
                        values: vec![f.value.clone()],
                        group: true,
                        siblings: Vec::new(),
                        context: None,
                        alt_label: None,
                        options: Vec::new(),
                        section: None,
                        evidence: String::new(),
                        preprinted: false,
                        consensus: false,
                        tick_column: false,
                        options_typed: false,
                    });
                }
                continue;
            }
        }
        let tooltip = f.label.clone().filter(|l| !l.trim().is_empty());
        let alt_label = tooltip.as_ref().map(|_| name.clone());
        out.push(Candidate {
            label: tooltip.unwrap_or(name),
            at: make(name_key.to_string()),
            values: vec![f.value.clone()],
            group: false,
            siblings: Vec::new(),
            context: None,
            alt_label,
            options: Vec::new(),
            section: None,
            evidence: String::new(),
            preprinted: false,
            consensus: false,
            tick_column: false,
            options_typed: false,
        });
    }
    out
}

/// Every candidate of several documents of one form. One document is read as [`candidates`] reads it. Several
/// grids (xlsx, docx tables) are compared cell by cell ([`super::folder`]); their named fields (content controls,
/// form fields) and other formats' candidates are found in each document and merged by locator, and a candidate
/// whose label is document text is kept only when every document prints that label.
pub fn candidates_many(
    docs: &[&SourceDoc],
    group_header: &dyn Fn(&[String]) -> bool,
    group_label: &dyn Fn(&str) -> bool,
) -> Vec<Candidate> {
    match docs {
        [] => return Vec::new(),
        [one] => return candidates(one, group_header, group_label),
        _ => {}
    }
    let grids = docs.iter().all(|d| !d.sheets.is_empty() && d.xml.is_none());
    let mut merged: Vec<Candidate> = Vec::new();
    let mut seen_in: Vec<usize> = Vec::new();
    for d in docs {
        // A check box that a table cell shows (`☒ Female`) is read through the cell, with its neighbours.
        let twins: HashSet<&FieldKey> = d
            .twins
            .iter()
            .filter_map(|(b, _)| d.fields.get(*b))
            .map(|f| &f.key)
            .collect();
        for c in candidates(d, group_header, group_label) {
            let named = matches!(
                c.at,
                Where::Field(_) | Where::Control(_) | Where::FormField(_) | Where::Path(_)
            );
            if grids && !named {
                continue; // the grid's cells are compared across documents below
            }
            let key = match &c.at {
                Where::Control(k) => Some(FieldKey::Control(k.clone())),
                Where::FormField(k) => Some(FieldKey::FormField(k.clone())),
                Where::Field(k) => Some(FieldKey::parse(k)),
                _ => None,
            };
            if grids && key.is_some_and(|k| twins.contains(&k)) {
                continue;
            }
            match merged
                .iter()
                .position(|m| m.at == c.at && (named || m.label == c.label))
            {
                Some(i) => {
                    if let (Some(m), Some(n)) = (merged.get_mut(i), seen_in.get_mut(i)) {
                        m.values.extend(c.values);
                        *n += 1;
                    }
                }
                None => {
                    merged.push(c);
                    seen_in.push(1);
                }
            }
        }
    }
    let mut out: Vec<Candidate> = merged
        .into_iter()
        .zip(seen_in)
        .filter(|(c, n)| {
            *n == docs.len()
                || matches!(
                    c.at,
                    Where::Field(_) | Where::Control(_) | Where::FormField(_) | Where::Path(_)
                )
        })
        .map(|(mut c, _)| {
            c.consensus = true;
            c
        })
        .collect();
    if grids {
        let mut cells = super::folder::grid_candidates(docs, group_header, group_label);
        cells.append(&mut out);
        return cells;
    }
    // Paragraphs alone (a Word form without tables): compared line by line. A PDF's page text is runs placed on
    // the page, not whole lines, and keeps the per-document `Label: answer` reading.
    let paragraphs = |d: &SourceDoc| {
        d.sheets.is_empty()
            && d.fields.is_empty()
            && d.xml.is_none()
            && d.lines
                .iter()
                .all(|l| l.x == crate::read::docx::PARAGRAPH_X)
    };
    if docs.iter().all(|d| paragraphs(d)) {
        return super::lines::line_candidates(docs);
    }
    out
}

/// A `Label: answer` line: the label (no colon) and the answer (maybe empty).
fn labelled(line: &str) -> Option<(&str, &str)> {
    let (label, answer) = line.split_once(':')?;
    let label = label.trim();
    (label.chars().count() >= 2 && label.chars().count() <= 80 && label_like(label))
        .then_some((label, answer.trim()))
}

/// Candidates of flat page text. A heading is a line without a colon followed by paragraph lines; its paragraph
/// ends at the first line that is a `Label: answer` line or that heads one (the next section's heading), which
/// becomes the `stop`. A heading without a paragraph (a title, or a blank form's empty box) is no candidate.
fn text_candidates(doc: &SourceDoc, group_label: &dyn Fn(&str) -> bool) -> Vec<Candidate> {
    let lines: Vec<&str> = doc.lines.iter().map(|l| l.text.trim()).collect();
    let heads_section = |j: usize| {
        lines
            .get(j.saturating_add(1))
            .is_some_and(|n| labelled(n).is_some())
    };
    let candidate = |label: String, at: Where, values: Vec<RawValue>, group: bool| Candidate {
        label,
        at,
        values,
        group,
        siblings: Vec::new(),
        context: None,
        alt_label: None,
        options: Vec::new(),
        section: None,
        evidence: String::new(),
        preprinted: false,
        consensus: false,
        tick_column: false,
        options_typed: false,
    };
    let answer = |a: &str| {
        if a.is_empty() {
            RawValue::Empty
        } else {
            RawValue::Text(a.to_string())
        }
    };
    let mut out: Vec<Candidate> = Vec::new();
    let mut numbered_at: HashMap<String, usize> = HashMap::new();
    let mut paragraph_until = 0;
    for (i, line) in lines.iter().enumerate() {
        if i < paragraph_until {
            continue; // a line of the paragraph below a heading
        }
        if let Some((label, ans)) = labelled(line) {
            if let Some((pre, _, post)) = numbered(label) {
                let pattern = format!("{pre}{{n}}{post}");
                if group_label(&pattern) {
                    match numbered_at.get(&pattern).and_then(|&k| out.get_mut(k)) {
                        Some(c) => c.values.push(answer(ans)),
                        None => {
                            numbered_at.insert(pattern.clone(), out.len());
                            let at = Where::Text {
                                text: pattern.clone(),
                                below: false,
                                stop: None,
                                mid_line: false,
                                stop_mid_line: false,
                            };
                            out.push(candidate(pattern, at, vec![answer(ans)], true));
                        }
                    }
                    continue;
                }
            }
            let at = Where::Text {
                text: label.to_string(),
                below: false,
                stop: None,
                mid_line: false,
                stop_mid_line: false,
            };
            out.push(candidate(label.to_string(), at, vec![answer(ans)], false));
        } else if label_like(line) && !heads_section(i) {
            let end = (i.saturating_add(1)..lines.len())
                .find(|&j| lines.get(j).is_some_and(|l| labelled(l).is_some()) || heads_section(j));
            let body = lines
                .get(i.saturating_add(1)..end.unwrap_or(lines.len()))
                .unwrap_or_default();
            if body.is_empty() {
                continue;
            }
            paragraph_until = end.unwrap_or(lines.len());
            let stop = end
                .and_then(|j| lines.get(j))
                .map(|l| labelled(l).map_or(*l, |(label, _)| label).to_string());
            let at = Where::Text {
                text: line.to_string(),
                below: true,
                stop,
                mid_line: false,
                stop_mid_line: false,
            };
            out.push(candidate(
                line.to_string(),
                at,
                vec![RawValue::Text(body.join("\n"))],
                false,
            ));
        }
    }
    out
}

/// A PDF field's name in words, without widget words: "Given Name Text Box" -> "Given Name".
fn pdf_field_words(key: &str) -> String {
    let words = words_of_key(key);
    let mut w: Vec<&str> = words.split_whitespace().collect();
    for suffix in [
        ["Text", "Box"],
        ["List", "Box"],
        ["Check", "Box"],
        ["Combo", "Box"],
        ["Formatted", "Field"],
    ] {
        if w.len() > 2 && w.ends_with(&suffix) {
            w.truncate(w.len().saturating_sub(2));
        }
    }
    w.join(" ")
}

/// The prefix a draft declares for a namespace URI index: `n1`, `n2`, ...
pub fn ns_prefix(ns: u32) -> String {
    format!("n{}", u64::from(ns) + 1)
}

/// One path step: `n1:Parent` (positional indexes dropped: a path without one finds every member).
fn step(ns: Option<u32>, local: &str) -> String {
    match ns {
        Some(i) => format!("{}:{local}", ns_prefix(i)),
        None => local.to_string(),
    }
}

/// XML: one candidate per distinct element-text or attribute path, with the draft's own namespace prefixes.
fn xml_candidates(
    doc: &SourceDoc,
    tree: &crate::read::xml::XmlTree,
    group_label: &dyn Fn(&str) -> bool,
) -> Vec<Candidate> {
    let elements = &tree.elements;
    let path_of = |i: usize| -> (String, Vec<String>) {
        let mut steps = Vec::new();
        let mut locals = Vec::new();
        let mut cur = Some(i);
        let mut guard = 0usize;
        while let Some(k) = cur {
            guard += 1;
            let Some(el) = elements.get(k) else { break };
            if guard > elements.len() {
                break;
            }
            steps.push(step(el.ns, &el.local));
            locals.push(el.local.clone());
            cur = el.parent.map(|p| p as usize);
        }
        steps.reverse();
        locals.reverse();
        (format!("/{}", steps.join("/")), locals)
    };
    let mut out: Vec<Candidate> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, el) in elements.iter().enumerate() {
        let (path, locals) = path_of(i);
        let mut items: Vec<(String, String, usize)> = Vec::new();
        if let Some(t) = el.text {
            items.push((path.clone(), el.local.clone(), t));
        }
        for a in &el.attrs {
            items.push((
                format!("{path}/@{}", step(a.ns, &a.local)),
                a.local.clone(),
                a.field,
            ));
        }
        let parent = locals.last().cloned();
        for (p, local, field) in items {
            let value = doc.fields.get(field).map(|f| f.value.clone());
            if let Some(&k) = seen.get(&p) {
                if let (Some(c), Some(v)) = (out.get_mut(k), value) {
                    c.values.push(v);
                }
                continue;
            }
            // A member of a repeating group when an enclosing element names the group (Parent, Professional).
            // (For element text the element itself is the field: `ParentsAgree` is no group member.)
            let owners = if p.contains("/@") {
                locals.as_slice()
            } else {
                locals.split_last().map_or(&[][..], |(_, rest)| rest)
            };
            let group = owners.iter().any(|l| group_label(&words_of_key(l)));
            let label = words_of_key(&local);
            // The enclosing element's words: `Setting` for `Setting/@name`; for element text, its parent's.
            let context = if p.contains("/@") {
                parent.clone()
            } else {
                locals.iter().rev().nth(1).cloned()
            }
            .map(|c| words_of_key(&c));
            seen.insert(p.clone(), out.len());
            out.push(Candidate {
                label,
                at: Where::Path(p),
                values: value.into_iter().collect(),
                group,
                siblings: Vec::new(),
                context,
                alt_label: None,
                options: Vec::new(),
                section: None,
                evidence: String::new(),
                preprinted: false,
                consensus: false,
                tick_column: false,
                options_typed: false,
            });
        }
    }
    out
}

/// "Child.DateOfBirth[0]" -> "Date Of Birth"; "/request/child/dob" -> "dob": the last step, in words.
pub fn words_of_key(key: &str) -> String {
    let last = key
        .trim_end_matches(']')
        .rsplit(['.', '/', ':'])
        .find(|s| !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit() || c == '['))
        .unwrap_or(key);
    let last = last
        .split('[')
        .next()
        .unwrap_or(last)
        .trim_start_matches('@');
    let mut out = String::new();
    let mut prev_lower = false;
    for c in last.chars() {
        if c == '_' || c == '-' {
            out.push(' ');
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out.trim().to_string()
}

fn grid_candidates(
    doc: &SourceDoc,
    group_header: &dyn Fn(&[String]) -> bool,
    group_label: &dyn Fn(&str) -> bool,
) -> Vec<Candidate> {
    let grid = DocIndex::new(doc);
    let mut positions: Vec<GridPos> = grid.grid_positions().collect();
    positions.sort();
    let mut used: BTreeSet<GridPos> = BTreeSet::new();
    let mut out = Vec::new();

    // 1. Table header rows: >= 2 adjacent label cells the matcher recognises as a group's columns.
    let nonempty_rows: BTreeSet<(u32, u32)> = positions
        .iter()
        .filter(|p| grid.filled(p.sheet, p.row, p.col).is_some())
        .map(|p| (p.sheet, p.row))
        .collect();
    let mut rows: BTreeMap<(u32, u32), Vec<(u32, &str)>> = BTreeMap::new();
    for p in &positions {
        if let Some(t) = grid.filled(p.sheet, p.row, p.col).and_then(text_of) {
            rows.entry((p.sheet, p.row)).or_default().push((p.col, t));
        }
    }
    for (&(sheet, row), cells) in &rows {
        if cells.len() < 2 || !cells.iter().all(|(_, t)| label_like(t)) {
            continue;
        }
        let labels: Vec<String> = cells.iter().map(|(_, t)| (*t).to_string()).collect();
        if !group_header(&labels) {
            continue;
        }
        let first = row.saturating_add(1);
        // The table runs down to the row before content that follows a blank row (or 10 rows).
        let mut last = first.saturating_add(9);
        let mut prev_blank = false;
        for r in first..=first.saturating_add(9) {
            let filled = nonempty_rows.contains(&(sheet, r));
            if filled && prev_blank {
                last = r.saturating_sub(1);
                break;
            }
            prev_blank = !filled;
        }
        for (col, text) in cells {
            used.insert(GridPos {
                sheet,
                row,
                col: *col,
            });
            let mut values = Vec::new();
            for r in first..=last {
                used.insert(GridPos {
                    sheet,
                    row: r,
                    col: *col,
                });
                if let Some(v) = grid.filled(sheet, r, *col) {
                    values.push(v.clone());
                }
            }
            let top = grid.cell_name(sheet, first, *col);
            let bottom = format!("{}{}", column_letters(*col), u64::from(last) + 1);
            out.push(Candidate {
                label: (*text).to_string(),
                at: Where::Range(format!("{top}:{bottom}")),
                values,
                group: true,
                siblings: labels.clone(),
                context: None,
                alt_label: None,
                options: Vec::new(),
                section: None,
                evidence: String::new(),
                preprinted: false,
                consensus: false,
                tick_column: false,
                options_typed: false,
            });
        }
    }

    // 2. Label cells and their answers; tick-box runs.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for p in &positions {
        if let Some(t) = grid.filled(p.sheet, p.row, p.col).and_then(text_of) {
            *counts.entry(t.to_lowercase()).or_default() += 1;
        }
    }
    let mut numbered_seen: BTreeMap<String, usize> = BTreeMap::new();
    let used_cols: BTreeSet<(u32, u32)> = positions
        .iter()
        .filter(|p| grid.filled(p.sheet, p.row, p.col).is_some())
        .map(|p| (p.sheet, p.col))
        .collect();
    let mut last_col: BTreeMap<u32, u32> = BTreeMap::new();
    for (sheet, col) in &used_cols {
        let e = last_col.entry(*sheet).or_insert(0);
        *e = (*e).max(*col);
    }
    let mut i = 0;
    while let Some(p) = positions.get(i).copied() {
        i += 1;
        if used.contains(&p) {
            continue;
        }
        let Some(text) = grid.filled(p.sheet, p.row, p.col).and_then(text_of) else {
            continue;
        };
        if !label_like(text) {
            continue;
        }
        // The column just past the label's merged extent, past spacer columns (no text in any row, unmerged).
        let Some(mut rc) = grid.extent(p).1.checked_add(1) else {
            continue;
        };
        let last = last_col.get(&p.sheet).copied().unwrap_or(rc);
        while rc < last
            && !used_cols.contains(&(p.sheet, rc))
            && !grid
                .doc()
                .merges
                .iter()
                .any(|m| m.contains(p.sheet, p.row, rc))
        {
            rc += 1;
        }
        let right = grid.filled(p.sheet, p.row, rc);
        // A tick-box run: this and the following rows' labels in the same column, answers tick marks or blank,
        // at least one ticked; the question is the text just above.
        if right.is_some_and(is_tick) || (right.is_none() && tick_run_below(&grid, p, rc)) {
            let mut opts = Vec::new();
            let mut r = p.row;
            while let Some(t) = grid.filled(p.sheet, r, p.col).and_then(text_of) {
                let ans = grid.filled(p.sheet, r, rc);
                if ans.is_some_and(|v| !is_tick(v)) {
                    break;
                }
                opts.push((grid.cell_name(p.sheet, r, rc), t.to_string()));
                used.insert(GridPos {
                    sheet: p.sheet,
                    row: r,
                    col: p.col,
                });
                r = r.saturating_add(1);
            }
            if opts.len() >= 2 {
                let question = p
                    .row
                    .checked_sub(1)
                    .and_then(|up| grid.filled(p.sheet, up, p.col))
                    .and_then(text_of)
                    .unwrap_or(text)
                    .to_string();
                let values = opts
                    .iter()
                    .filter(|(c, _)| {
                        grid.doc().fields.iter().any(|f| {
                            matches!(&f.key, FieldKey::Cell(k) if k == c) && is_tick(&f.value)
                        })
                    })
                    .map(|(_, o)| RawValue::Text(o.clone()))
                    .collect();
                out.push(Candidate {
                    label: strip_heading(&question),
                    at: Where::Tick(opts),
                    values,
                    group: false,
                    siblings: Vec::new(),
                    context: None,
                    alt_label: None,
                    options: Vec::new(),
                    section: None,
                    evidence: String::new(),
                    preprinted: false,
                    consensus: false,
                    tick_column: false,
                    options_typed: false,
                });
                continue;
            }
        }
        let (cell_pos, below) = match right {
            Some(_) => (GridPos { col: rc, ..p }, false),
            None => {
                let down = p.row.saturating_add(1);
                let below_val = grid.filled(p.sheet, down, p.col).and_then(text_of);
                // A paragraph answer below its question: the cell below has nothing beside it and is no heading.
                let below_is_answer = below_val.is_some_and(|b| {
                    let l = b.to_lowercase();
                    !l.starts_with("section ")
                        && !l.starts_with("part ")
                        && !b.ends_with('?')
                        && !b.ends_with(':')
                }) && grid.filled(p.sheet, down, rc).is_none()
                    && grid
                        .extent(GridPos { row: down, ..p })
                        .1
                        .checked_add(1)
                        .is_none_or(|c| grid.filled(p.sheet, down, c).is_none());
                if below_is_answer {
                    (GridPos { row: down, ..p }, true)
                } else {
                    (GridPos { col: rc, ..p }, false)
                }
            }
        };
        used.insert(cell_pos);
        let value = grid
            .filled(cell_pos.sheet, cell_pos.row, cell_pos.col)
            .cloned();
        // A label with nothing beside it that is followed by numbered labels is a block heading ("Parent/Carer 1").
        if value.is_none() && numbered(text).is_some_and(|(_, _, post)| post.trim().is_empty()) {
            continue;
        }
        let cell = grid.cell_name(cell_pos.sheet, cell_pos.row, cell_pos.col);
        if let Some((pre, n, post)) = numbered(text) {
            let key = format!("{}{{n}}{}", pre, post).to_lowercase();
            let others = positions.iter().any(|q| {
                grid.filled(q.sheet, q.row, q.col)
                    .and_then(text_of)
                    .and_then(numbered)
                    .is_some_and(|(a, m, b)| m != n && format!("{a}{{n}}{b}").to_lowercase() == key)
            });
            if others && group_label(&format!("{pre}{{n}}{post}")) {
                let seen = numbered_seen.entry(key.clone()).or_insert(usize::MAX);
                if *seen == usize::MAX {
                    *seen = out.len();
                    out.push(Candidate {
                        label: format!("{pre}{{n}}{post}"),
                        at: Where::Label {
                            text: format!("{pre}{{n}}{post}"),
                            take: Take::of_below(below),
                            cell,
                            block: Vec::new(),
                        },
                        values: value.into_iter().collect(),
                        group: true,
                        siblings: Vec::new(),
                        context: None,
                        alt_label: None,
                        options: Vec::new(),
                        section: None,
                        evidence: String::new(),
                        preprinted: false,
                        consensus: false,
                        tick_column: false,
                        options_typed: false,
                    });
                } else if let (Some(c), Some(v)) = (out.get_mut(*seen), value) {
                    c.values.push(v);
                }
                continue;
            }
        }
        let unique = counts.get(&text.to_lowercase()).copied().unwrap_or(0) <= 1;
        out.push(Candidate {
            label: text.to_string(),
            at: if unique {
                Where::Label {
                    text: text.to_string(),
                    take: Take::of_below(below),
                    cell,
                    block: Vec::new(),
                }
            } else {
                Where::Cell(cell)
            },
            values: value.into_iter().collect(),
            group: false,
            siblings: Vec::new(),
            context: None,
            alt_label: None,
            options: Vec::new(),
            section: None,
            evidence: String::new(),
            preprinted: false,
            consensus: false,
            tick_column: false,
            options_typed: false,
        });
    }
    out
}

/// True when the rows below `p` continue a run of labels whose answers include a tick mark.
fn tick_run_below(grid: &DocIndex, p: GridPos, rc: u32) -> bool {
    let mut r = p.row.saturating_add(1);
    for _ in 0..6 {
        if grid.filled(p.sheet, r, p.col).and_then(text_of).is_none() {
            return false;
        }
        match grid.filled(p.sheet, r, rc) {
            Some(v) if is_tick(v) => return true,
            Some(_) => return false,
            None => {}
        }
        r = r.saturating_add(1);
    }
    false
}

/// "Section B: Who is making this request? Put an X in one box" -> "Who is making this request?".
pub fn strip_heading(q: &str) -> String {
    let q = q.split_once(':').map_or(q, |(_, rest)| rest).trim();
    let q = q
        .split_once('?')
        .map_or(q.to_string(), |(a, _)| format!("{a}?"));
    q.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_text_gives_label_lines_numbered_groups_and_paragraphs() {
        use crate::read::TextLine;
        let lines = [
            "Northshire County Council",
            "Child's surname: Hart",
            "Parent/carer 1 name: Laura Hart",
            "Parent/carer 2 name:",
            "Description of needs",
            "She finds spoken language hard.",
            "peers.",
            "Professionals involved",
            "Professional 1 name: Dr Okafor",
        ];
        let doc = SourceDoc {
            lines: (0u16..)
                .zip(lines)
                .map(|(i, t)| TextLine {
                    page: 1,
                    x: 50.0,
                    y: f32::from(i) * 16.0,
                    text: t.into(),
                })
                .collect(),
            ..SourceDoc::default()
        };
        let found = candidates(&doc, &|_| false, &|_| true);
        let at: Vec<(&str, &Where)> = found.iter().map(|c| (c.label.as_str(), &c.at)).collect();
        assert_eq!(at.len(), 4, "{at:?}");
        assert!(matches!(
            at[0],
            ("Child's surname", Where::Text { below: false, .. })
        ));
        assert_eq!(found[1].label, "Parent/carer {n} name");
        assert_eq!(found[1].values.len(), 2, "both members, the second blank");
        let Where::Text { below, stop, .. } = &found[2].at else {
            panic!("{:?}", found[2].at)
        };
        assert!(*below);
        assert_eq!(
            stop.as_deref(),
            Some("Professionals involved"),
            "the next section's heading ends it"
        );
        assert_eq!(
            found[2].values,
            [RawValue::Text(
                "She finds spoken language hard.\npeers.".into()
            )]
        );
        assert_eq!(found[3].label, "Professional {n} name");
    }

    #[test]
    fn numbers_and_words() {
        assert_eq!(
            numbered("Parent/carer 2 name"),
            Some(("Parent/carer ".into(), 2, " name".into()))
        );
        assert_eq!(numbered("Year 3"), Some(("Year ".into(), 3, "".into())));
        assert_eq!(numbered("12 things"), None);
        assert_eq!(words_of_key("Child.DateOfBirth[0]"), "Date Of Birth");
        assert_eq!(words_of_key("/request/child/nhs_number"), "nhs number");
        assert_eq!(
            strip_heading("Section B: Who is making this request? Put an X in one box"),
            "Who is making this request?"
        );
    }
}
