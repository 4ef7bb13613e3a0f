//! Drafting from several documents of one form (blank and filled). What is the same in every document is the
//! printed form; what differs between them is answers. So a cell whose text is the same everywhere is a label (or
//! a heading, or printed options that people mark), a cell whose text differs is an answer, and a cell whose text
//! starts the same everywhere but goes on in some documents is a label with the answer typed into its own cell.
//! From that, each label's answer is placed (right, past spacer columns; below; inside the label's cell; a table
//! column under a header row; tick cells), options printed for marking are found, and labels repeated under block
//! headings or numbered (1), (2) become group members.
//!
//! Every text a candidate quotes (labels, headings, options) is the same in every document, so it is printed text,
//! never an answer; `printed::Printed` checks it again before anything is written.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::candidates::{Candidate, Where, label_like, numbered};
use crate::locate::DocIndex;
use crate::read::{GridPos, Marks, RawValue, SourceDoc, column_letters};

/// What one grid position holds across the documents.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// The same text in every document.
    Printed(String),
    /// The same leading text in every document, with more after it in some: a label with answers typed into its
    /// own cell.
    LabelThenAnswer(String),
    /// Text that differs between documents: an answer.
    Answer,
    /// Empty in every document.
    Empty,
}

/// Marks that people use to pick an option, written before or after it.
const OPTION_MARKS: &[char] = &['☐', '☒', '☑', '✓', '✔', '√', '✗', '✘', '■', '□', '*'];

/// Words that are no option, only an instruction after the options: "(please circle)", "[please delete]".
fn strip_note(t: &str) -> &str {
    let t = t.trim_end();
    let open = match t.chars().last() {
        Some(')') => '(',
        Some(']') => '[',
        _ => return t,
    };
    match t.rfind(open) {
        Some(i) => t.get(..i).unwrap_or(t).trim_end(),
        None => t,
    }
}

/// Printed options: "Male / Female", "Yes/No (please circle)", "Y / N", "☐ Yes ☐ No*". Each option a short
/// phrase of letters; two to eight of them.
pub fn parse_options(text: &str) -> Option<Vec<String>> {
    let t = strip_note(text.trim());
    let boxes = t
        .chars()
        .filter(|c| matches!(c, '☐' | '☒' | '☑' | '□'))
        .count();
    let parts: Vec<String> = if boxes >= 2 {
        t.split(['☐', '☒', '☑', '□']).map(clean_option).collect()
    } else if t.contains('/') {
        t.split('/').map(clean_option).collect()
    } else {
        return None;
    };
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    let ok = (2..=8).contains(&parts.len())
        && parts.iter().all(|p| {
            p.split_whitespace().count() <= 3
                && p.chars().count() <= 30
                && p.chars()
                    .all(|c| c.is_alphabetic() || c == ' ' || c == '\'' || c == '-')
        });
    ok.then_some(parts)
}

fn clean_option(p: &str) -> String {
    let p = p
        .trim()
        .trim_matches(|c: char| OPTION_MARKS.contains(&c) || c.is_whitespace());
    // A typed mark before the option ("X No").
    let p = p.strip_prefix("X ").unwrap_or(p);
    p.trim().to_string()
}

/// True when every word of `answer` is one of the options' words or a mark: the answer is the printed options
/// with some marked, deleted or struck ("Yes / X No", "M /", "F").
fn answers_options(answer: &str, options: &[String]) -> bool {
    let words: BTreeSet<String> = options
        .iter()
        .flat_map(|o| o.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    answer
        .split(|c: char| c.is_whitespace() || c == '/' || OPTION_MARKS.contains(&c))
        .filter(|w| !w.is_empty())
        .all(|w| {
            let w = w.to_lowercase();
            words.contains(&w) || w == "x" || strip_note(&w).is_empty() || w.starts_with('(')
        })
}

/// True when `text` holds the option as whole words, in any case.
fn has_word(text: &str, option: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let want: Vec<String> = option.split_whitespace().map(str::to_lowercase).collect();
    !want.is_empty() && words.windows(want.len()).any(|w| w == want.as_slice())
}

/// A cell to put a mark in: empty or a tick mark in every document, marked in some.
fn is_mark_cell(f: &Folder, p: GridPos) -> bool {
    let texts = f.texts_at(p);
    let marks = ["x", "✓", "✔", "√", "☑", "☒"];
    !texts.is_empty()
        && texts.iter().any(|t| !t.is_empty())
        && texts
            .iter()
            .all(|t| t.is_empty() || marks.contains(&t.to_lowercase().as_str()))
}

/// A cell of tick boxes: "☐ Male", "☒ Female".
fn is_tick_cell(t: &str) -> bool {
    t.starts_with(['☐', '☒', '☑', '□'])
}

/// The tick cell's option: "☒ No*" -> "No".
fn tick_option(t: &str) -> String {
    clean_option(t)
}

/// The leading words every text shares (by white-space separated words), as written in the first text.
fn common_prefix(texts: &[&str]) -> String {
    let Some(first) = texts.first() else {
        return String::new();
    };
    let words: Vec<Vec<&str>> = texts
        .iter()
        .map(|t| t.split_whitespace().collect())
        .collect();
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let mut k = 0;
    while k < shortest
        && words
            .iter()
            .all(|w| w.get(k) == words.first().and_then(|f| f.get(k)))
    {
        k += 1;
    }
    if k == 0 {
        return String::new();
    }
    // The first text up to the end of its k-th word.
    let mut seen = 0;
    let mut end = 0;
    let mut in_word = false;
    for (i, c) in first.char_indices() {
        if c.is_whitespace() {
            if in_word {
                seen += 1;
                if seen == k {
                    end = i;
                    break;
                }
            }
            in_word = false;
        } else {
            in_word = true;
            end = i + c.len_utf8();
        }
    }
    first.get(..end).unwrap_or(first).trim().to_string()
}

/// One document's run marks, by field index.
type FieldMarks = HashMap<usize, Vec<(std::ops::Range<usize>, Marks)>>;

/// The documents of one form, side by side.
pub struct Folder<'d> {
    indexes: Vec<DocIndex<'d>>,
    /// Per position, each document's text there ("" when empty).
    texts: BTreeMap<GridPos, Vec<String>>,
    seen: BTreeMap<GridPos, Seen>,
    /// Positions whose run marks differ between documents (an option highlighted, struck, bold).
    marks_vary: BTreeSet<GridPos>,
    /// (sheet, column) pairs holding text in some document.
    used_cols: BTreeSet<(u32, u32)>,
    last_col: BTreeMap<u32, u32>,
}

impl<'d> Folder<'d> {
    /// Compares the documents' grids.
    pub fn new(docs: &[&'d SourceDoc]) -> Folder<'d> {
        let indexes: Vec<DocIndex<'d>> = docs.iter().map(|d| DocIndex::new(d)).collect();
        let positions: BTreeSet<GridPos> =
            indexes.iter().flat_map(|i| i.grid_positions()).collect();
        let n = docs.len();
        let mut texts = BTreeMap::new();
        let mut seen = BTreeMap::new();
        let mut marks_vary = BTreeSet::new();
        let mut used_cols = BTreeSet::new();
        let mut last_col: BTreeMap<u32, u32> = BTreeMap::new();
        // Each document's marks per field, to compare positions.
        let marks: Vec<FieldMarks> = docs
            .iter()
            .map(|d| {
                let mut m: HashMap<usize, Vec<_>> = HashMap::new();
                for s in &d.marks {
                    if let crate::read::MarkTarget::Field(i) = s.target {
                        m.entry(i).or_default().push((s.range.clone(), s.marks));
                    }
                }
                m
            })
            .collect();
        for p in positions {
            let t: Vec<String> = indexes
                .iter()
                .map(|i| {
                    i.filled(p.sheet, p.row, p.col)
                        .map(|v| v.to_text().trim().to_string())
                        .unwrap_or_default()
                })
                .collect();
            if t.iter().any(|s| !s.is_empty()) {
                used_cols.insert((p.sheet, p.col));
                let e = last_col.entry(p.sheet).or_insert(0);
                *e = (*e).max(p.col);
            }
            let sigs: Vec<Option<&Vec<_>>> = docs
                .iter()
                .zip(&marks)
                .map(|(d, m)| {
                    d.fields
                        .iter()
                        .position(|f| f.pos == Some(p))
                        .and_then(|i| m.get(&i))
                })
                .collect();
            if sigs.windows(2).any(|w| w.first() != w.get(1)) {
                marks_vary.insert(p);
            }
            let refs: Vec<&str> = t.iter().map(String::as_str).collect();
            let s = if refs.iter().all(|x| x.is_empty()) {
                Seen::Empty
            } else if refs.windows(2).all(|w| w.first() == w.get(1)) {
                Seen::Printed(t.first().cloned().unwrap_or_default())
            } else {
                let prefix = common_prefix(&refs);
                let ends_question = prefix.ends_with(':') || prefix.ends_with('?');
                let some_bare = refs.iter().any(|x| *x == prefix);
                if !prefix.is_empty()
                    && label_like(&prefix)
                    && (ends_question || (some_bare && n > 2))
                    && refs.iter().all(|x| !x.is_empty())
                {
                    Seen::LabelThenAnswer(prefix)
                } else {
                    Seen::Answer
                }
            };
            texts.insert(p, t);
            seen.insert(p, s);
        }
        Folder {
            indexes,
            texts,
            seen,
            marks_vary,
            used_cols,
            last_col,
        }
    }

    fn seen_at(&self, sheet: u32, row: u32, col: u32) -> &Seen {
        self.seen
            .get(&GridPos { sheet, row, col })
            .unwrap_or(&Seen::Empty)
    }

    fn texts_at(&self, p: GridPos) -> Vec<&str> {
        self.texts
            .get(&p)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn values_at(&self, p: GridPos) -> Vec<RawValue> {
        self.indexes
            .iter()
            .map(|i| {
                i.filled(p.sheet, p.row, p.col)
                    .cloned()
                    .unwrap_or(RawValue::Empty)
            })
            .collect()
    }

    fn first(&self) -> Option<&DocIndex<'d>> {
        self.indexes.first()
    }

    fn name(&self, p: GridPos) -> String {
        self.first()
            .map_or_else(String::new, |i| i.cell_name(p.sheet, p.row, p.col))
    }

    fn merged(&self, p: GridPos) -> bool {
        self.first().is_some_and(|i| {
            i.doc()
                .merges
                .iter()
                .any(|m| m.contains(p.sheet, p.row, p.col))
        })
    }

    /// The column just past the label's merged extent and past spacer columns (no text in any document).
    fn right_of(&self, p: GridPos) -> Option<u32> {
        let extent = self.first().map_or(p.col, |i| i.extent(p).1);
        let last = *self.last_col.get(&p.sheet)?;
        let mut c = extent.checked_add(1)?;
        while c <= last
            && !self.used_cols.contains(&(p.sheet, c))
            && !self.merged(GridPos { col: c, ..p })
        {
            c += 1;
        }
        (c <= last).then_some(c)
    }

    /// Printed options a cell holds for marking: its printed text parses as options and its marks (or its text)
    /// differ between documents; or its answers are all the same options with some left out or marked.
    fn options_at(&self, p: GridPos) -> Option<Vec<String>> {
        match self.seen.get(&p)? {
            Seen::Printed(t) => parse_options(t).filter(|_| self.marks_vary.contains(&p)),
            Seen::Answer => {
                let texts = self.texts_at(p);
                // The fullest text: the blank's, or one with nothing deleted.
                let best = texts
                    .iter()
                    .filter_map(|t| parse_options(t))
                    .max_by_key(Vec::len)?;
                // Each option is in at least two documents' texts, so none is one person's answer.
                let in_two = best
                    .iter()
                    .all(|o| texts.iter().filter(|t| has_word(t, o)).count() >= 2);
                (in_two
                    && texts
                        .iter()
                        .filter(|t| !t.is_empty())
                        .all(|t| answers_options(t, &best)))
                .then_some(best)
            }
            _ => None,
        }
    }
}

/// A candidate with the parts folder candidates do not set left empty.
pub(super) fn candidate(label: String, at: Where, values: Vec<RawValue>, group: bool) -> Candidate {
    Candidate {
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
        consensus: true,
        tick_column: false,
        options_typed: false,
    }
}

/// Which part of a name a label asks: 0 title, 1 forename, 2 surname.
pub fn name_part(label: &str) -> Option<u8> {
    let l = label.to_lowercase();
    let l = l.trim_end_matches([':', ' ']);
    let words: Vec<&str> = l
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "s" && w.parse::<u32>().is_err())
        .collect();
    match words.as_slice() {
        ["title"] => Some(0),
        ["first", "name"]
        | ["first", "names"]
        | ["forename"]
        | ["forenames"]
        | ["other", "names"]
        | ["other", "name"]
        | ["given", "name"]
        | ["given", "names"] => Some(1),
        ["surname"] | ["surnames"] | ["last", "name"] | ["family", "name"] => Some(2),
        _ => None,
    }
}

/// Every candidate of the documents' grids, in document order. `group_header` and `group_label` as for
/// [`super::candidates::candidates`].
pub fn grid_candidates(
    docs: &[&SourceDoc],
    group_header: &dyn Fn(&[String]) -> bool,
    group_label: &dyn Fn(&str) -> bool,
) -> Vec<Candidate> {
    let f = Folder::new(docs);
    let n = docs.len();
    let mut used: BTreeSet<GridPos> = BTreeSet::new();
    let mut out: Vec<(GridPos, Candidate)> = Vec::new();
    let is_label = |s: &Seen| match s {
        Seen::Printed(t) | Seen::LabelThenAnswer(t) => label_like(t),
        _ => false,
    };
    let label_text = |s: &Seen| match s {
        Seen::Printed(t) | Seen::LabelThenAnswer(t) => Some(t.clone()),
        _ => None,
    };
    let rows: BTreeSet<(u32, u32)> = f.seen.keys().map(|p| (p.sheet, p.row)).collect();
    let row_cells = |sheet: u32, row: u32| -> Vec<(GridPos, &Seen)> {
        f.seen
            .range(
                GridPos { sheet, row, col: 0 }..=GridPos {
                    sheet,
                    row,
                    col: u32::MAX,
                },
            )
            .filter(|(_, s)| **s != Seen::Empty)
            .map(|(p, s)| (*p, s))
            .collect()
    };
    let last_row: BTreeMap<u32, u32> = rows.iter().fold(BTreeMap::new(), |mut m, (s, r)| {
        let e = m.entry(*s).or_insert(0);
        *e = (*e).max(*r);
        m
    });

    // Section headings: a printed cell alone on its row with no answer beside it.
    let heading_rows: BTreeMap<(u32, u32), String> = rows
        .iter()
        .filter_map(|&(sheet, row)| {
            let cells = row_cells(sheet, row);
            match cells.as_slice() {
                [(p, Seen::Printed(t))] if f.right_of(*p).is_none() && label_like(t) => {
                    Some(((sheet, row), t.clone()))
                }
                _ => None,
            }
        })
        .collect();
    let section_of = |p: GridPos| -> Option<String> {
        heading_rows
            .range((p.sheet, 0)..(p.sheet, p.row))
            .next_back()
            .map(|(_, t)| t.clone())
    };

    // 1. Tables: a row of >= 2 printed labels and nothing else, with answers in the rows below.
    for &(sheet, row) in &rows {
        let cells = row_cells(sheet, row);
        if cells.len() < 2 || !cells.iter().all(|(_, s)| is_label(s)) {
            continue;
        }
        if cells.iter().any(|(p, _)| used.contains(p)) {
            continue;
        }
        let cols: Vec<u32> = cells.iter().map(|(p, _)| p.col).collect();
        // Data rows: from the header down; printed rows before the first answer are sub-headers; a printed
        // row after one ends the table.
        let mut data: Vec<u32> = Vec::new();
        let end = last_row.get(&sheet).copied().unwrap_or(row);
        for r in row.saturating_add(1)..=end {
            let rc = row_cells(sheet, r);
            let answers = rc
                .iter()
                .filter(|(p, s)| cols.contains(&p.col) && matches!(s, Seen::Answer))
                .count();
            let printed_only = !rc.is_empty() && rc.iter().all(|(_, s)| is_label(s));
            let other_cols = rc.iter().any(|(p, _)| !cols.contains(&p.col));
            if answers == 0 && printed_only {
                if data.is_empty() && r == row.saturating_add(1) {
                    continue; // a sub-header row ("Start | Finish")
                }
                // A printed column (a profession per row) with answers beside it is a data row too.
                let beside = rc.iter().any(|(p, _)| {
                    f.right_of(*p).is_some_and(|c| {
                        cols.contains(&c) && matches!(f.seen_at(sheet, r, c), Seen::Empty)
                    })
                });
                if !(beside && !data.is_empty() && rc.len() == 1) {
                    break;
                }
            }
            if other_cols && answers == 0 {
                break;
            }
            data.push(r);
        }
        if data.is_empty()
            || !data.iter().any(|&r| {
                cols.iter()
                    .any(|&c| matches!(f.seen_at(sheet, r, c), Seen::Answer))
            })
        {
            continue;
        }
        let labels: Vec<String> = cells.iter().filter_map(|(_, s)| label_text(s)).collect();
        let section = section_of(GridPos { sheet, row, col: 0 });
        let group = group_header(&labels) || section.as_deref().is_some_and(group_label);
        if !group {
            continue;
        }
        let (top, bottom) = (
            data.first().copied().unwrap_or(row),
            data.last().copied().unwrap_or(row),
        );
        for (p, s) in &cells {
            used.insert(*p);
            let Some(text) = label_text(s) else { continue };
            let mut values = Vec::new();
            let mut printed_rows = 0;
            for r in top..=bottom {
                let q = GridPos {
                    sheet,
                    row: r,
                    col: p.col,
                };
                used.insert(q);
                if matches!(f.seen_at(sheet, r, p.col), Seen::Printed(_)) {
                    printed_rows += 1;
                }
                values.extend(f.values_at(q).into_iter().filter(|v| !v.is_empty()));
            }
            let range = format!(
                "{}:{}{}",
                f.name(GridPos {
                    sheet,
                    row: top,
                    col: p.col
                }),
                column_letters(p.col),
                u64::from(bottom) + 1
            );
            let ticks = !values.is_empty()
                && values
                    .iter()
                    .all(|v| matches!(v, RawValue::Text(t) if is_tick_cell(t.trim())));
            let mut c = candidate(text, Where::Range(range), values, true);
            c.siblings = labels.clone();
            c.section = section.clone();
            // A box printed on every row does not make a member of an empty row.
            c.preprinted = printed_rows > 0 || ticks;
            c.tick_column = ticks;
            c.evidence = format!(
                "a table column under its header, rows {}-{}",
                u64::from(top) + 1,
                u64::from(bottom) + 1
            );
            out.push((*p, c));
        }
    }

    // 2. Labels and their answers.
    // Label texts repeated in one grid: members of stacked blocks, or side by side.
    let mut repeats: BTreeMap<(u32, String), Vec<GridPos>> = BTreeMap::new();
    for (p, s) in &f.seen {
        if let Some(t) = label_text(s).filter(|_| is_label(s) && !used.contains(p)) {
            repeats
                .entry((p.sheet, t.to_lowercase()))
                .or_default()
                .push(*p);
        }
    }
    let positions: Vec<(GridPos, Seen)> = f.seen.iter().map(|(p, s)| (*p, s.clone())).collect();
    for (p, s) in positions {
        if used.contains(&p) || !is_label(&s) {
            continue;
        }
        let Some(text) = label_text(&s) else { continue };
        let section = section_of(p);
        // Options printed after a question in its own cell: "... looked after child? Yes/No (please circle)".
        if let Seen::Printed(t) = &s
            && f.marks_vary.contains(&p)
            && let Some((question, opts)) = question_then_options(t)
        {
            used.insert(p);
            let mut c = candidate(
                question.clone(),
                Where::Inside {
                    text: question,
                    cell: f.name(p),
                },
                opts.iter().map(|o| RawValue::Text(o.clone())).collect(),
                false,
            );
            c.options = opts;
            c.section = section;
            c.evidence = "options printed after the question in its own cell, marked differently in each document".into();
            out.push((p, c));
            continue;
        }
        let right = f.right_of(p);
        let rp = right.map(|c| GridPos { col: c, ..p });
        let rseen = rp.map_or(&Seen::Empty, |q| f.seen.get(&q).unwrap_or(&Seen::Empty));
        // Tick cells beside the label: "☐ Male | ☒ Female".
        if let Some(q) = rp
            && matches!(rseen, Seen::Answer)
            && f.texts_at(q)
                .iter()
                .filter(|t| !t.is_empty())
                .all(|t| is_tick_cell(t))
        {
            let mut opts = Vec::new();
            let mut values = Vec::new();
            let mut c = q.col;
            loop {
                let cell = GridPos { col: c, ..p };
                let texts = f.texts_at(cell);
                if texts.is_empty()
                    || !texts
                        .iter()
                        .filter(|t| !t.is_empty())
                        .all(|t| is_tick_cell(t))
                {
                    break;
                }
                let Some(option) = texts.iter().find(|t| !t.is_empty()).map(|t| tick_option(t))
                else {
                    break;
                };
                used.insert(cell);
                values.extend(
                    texts
                        .iter()
                        .filter(|t| t.starts_with(['☒', '☑']))
                        .map(|_| RawValue::Text(option.clone())),
                );
                opts.push((f.name(cell), option));
                c += 1;
            }
            if opts.len() >= 2 {
                used.insert(p);
                let mut cand = candidate(text, Where::Tick(opts), values, false);
                cand.section = section;
                cand.evidence = "tick boxes in the cells beside the label".into();
                out.push((p, cand));
                continue;
            }
        }
        // A run of options down a column, each with a cell beside it to put an X in; the question above.
        if let Some(c) = right
            && is_mark_cell(&f, GridPos { col: c, ..p })
        {
            let mut opts = Vec::new();
            let mut values = Vec::new();
            let mut r = p.row;
            loop {
                let q = GridPos { row: r, ..p };
                let Some(Seen::Printed(t)) = f.seen.get(&q) else {
                    break;
                };
                let a = GridPos {
                    row: r,
                    col: c,
                    ..p
                };
                if used.contains(&q) || !is_mark_cell(&f, a) {
                    break;
                }
                opts.push((f.name(a), (*t).clone(), q, a));
                r += 1;
            }
            // One choice: no document marks two options (a checklist's rows are ticked independently).
            let marked_per_doc = (0..n).map(|d| {
                opts.iter()
                    .filter(|(_, _, _, a)| f.texts_at(*a).get(d).is_some_and(|t| !t.is_empty()))
                    .count()
            });
            let one_choice = marked_per_doc.clone().all(|k| k <= 1);
            if opts.len() >= 2 && one_choice {
                for (_, option, q, a) in &opts {
                    used.insert(*q);
                    used.insert(*a);
                    values.extend(
                        f.texts_at(*a)
                            .iter()
                            .filter(|t| !t.is_empty())
                            .map(|_| RawValue::Text(option.clone())),
                    );
                }
                let question = p
                    .row
                    .checked_sub(1)
                    .and_then(|up| match f.seen.get(&GridPos { row: up, ..p }) {
                        Some(Seen::Printed(t)) => Some(super::candidates::strip_heading(t)),
                        _ => None,
                    })
                    .unwrap_or_else(|| text.clone());
                let mut cand = candidate(
                    question,
                    Where::Tick(opts.into_iter().map(|(a, o, _, _)| (a, o)).collect()),
                    values,
                    false,
                );
                cand.section = section;
                cand.evidence = "options down a column, an X beside the one chosen".into();
                out.push((p, cand));
                continue;
            }
        }
        let below = GridPos {
            row: p.row.saturating_add(1),
            ..p
        };
        let bseen = f.seen.get(&below).unwrap_or(&Seen::Empty);
        let right_is_answer = rp.is_some() && matches!(rseen, Seen::Answer | Seen::Empty)
            || rp.is_some_and(|q| f.options_at(q).is_some());
        let (take, cell) = if right_is_answer
            && !(matches!(rseen, Seen::Empty) && matches!(s, Seen::LabelThenAnswer(_)))
            && !(matches!(rseen, Seen::Empty) && matches!(bseen, Seen::Answer) && !f.merged(below))
        {
            (Take::Right, rp)
        } else if matches!(bseen, Seen::Answer) {
            (Take::Below, Some(below))
        } else if matches!(s, Seen::LabelThenAnswer(_)) {
            (Take::Inside, Some(p))
        } else if right_is_answer {
            (Take::Right, rp)
        } else {
            continue; // a heading, or printed text with no answer
        };
        let Some(cell) = cell else { continue };
        used.insert(p);
        used.insert(cell);
        let (values, options) = match take {
            Take::Inside => {
                let rests = typed_after(&f.texts_at(p), &text);
                let best = rests
                    .iter()
                    .filter_map(|r| parse_options(r))
                    .max_by_key(Vec::len);
                let options = best
                    .filter(|o| {
                        rests
                            .iter()
                            .filter(|r| !r.is_empty())
                            .all(|r| answers_options(r, o))
                            && o.iter()
                                .all(|w| rests.iter().filter(|r| has_word(r, w)).count() >= 2)
                    })
                    .unwrap_or_default();
                let values = rests.into_iter().map(text_value).collect();
                (values, options)
            }
            _ => (f.values_at(cell), f.options_at(cell).unwrap_or_default()),
        };
        let values: Vec<RawValue> = if options.is_empty() {
            values
        } else {
            options.iter().map(|o| RawValue::Text(o.clone())).collect()
        };
        let answered = values.iter().filter(|v| !v.is_empty()).count();
        let evidence = format!(
            "answers {} the label ({}) in {answered} of {n} document(s){}",
            match take {
                Take::Right => "right of",
                Take::Below => "below",
                Take::Inside => "inside the cell of",
            },
            f.name(cell),
            if options.is_empty() {
                ""
            } else {
                ", options marked"
            }
        );
        let mk = |label: String, at: Where, values: Vec<RawValue>, group: bool| {
            let mut c = candidate(label, at, values, group);
            c.options = options.clone();
            c.section = section.clone();
            c.evidence = evidence.clone();
            c
        };
        // Numbered labels: "Surname (1):" and "Surname (2):" are two members.
        if let Some((pre, num, post)) = numbered(&text) {
            let pattern = format!("{pre}{{n}}{post}");
            let key = pattern.to_lowercase();
            let others: Vec<GridPos> = f
                .seen
                .iter()
                .filter(|(q, s)| {
                    q.sheet == p.sheet
                        && label_text(s)
                            .and_then(|t| numbered(&t))
                            .is_some_and(|(a, m, b)| {
                                m != num && format!("{a}{{n}}{b}").to_lowercase() == key
                            })
                })
                .map(|(q, _)| *q)
                .collect();
            if !others.is_empty() {
                let mut values = values.clone();
                for q in &others {
                    used.insert(*q);
                    if let Some(c) = f.right_of(*q) {
                        let a = GridPos { col: c, ..*q };
                        used.insert(a);
                        values.extend(f.values_at(a));
                    }
                }
                let at = Where::Label {
                    text: pattern.clone(),
                    take,
                    cell: f.name(cell),
                    block: Vec::new(),
                };
                out.push((p, mk(pattern, at, values, true)));
                continue;
            }
        }
        let same: Vec<GridPos> = repeats
            .get(&(p.sheet, text.to_lowercase()))
            .cloned()
            .unwrap_or_default();
        if same.len() >= 2 {
            let mut values = Vec::new();
            let mut cells = Vec::new();
            for q in &same {
                used.insert(*q);
                let a = match take {
                    Take::Right => f.right_of(*q).map(|c| GridPos { col: c, ..*q }),
                    Take::Below => Some(GridPos {
                        row: q.row.saturating_add(1),
                        ..*q
                    }),
                    Take::Inside => Some(*q),
                };
                if let Some(a) = a {
                    used.insert(a);
                    if take == Take::Inside {
                        // The answer typed after the label in its cell: the label is not part of it.
                        values.extend(
                            typed_after(&f.texts_at(a), &text)
                                .into_iter()
                                .map(text_value),
                        );
                    } else {
                        values.extend(f.values_at(a));
                    }
                    cells.push(f.name(a));
                }
            }
            // Stacked blocks: each repeat under its own heading.
            let headings: Vec<Option<String>> = same.iter().map(|q| section_of(*q)).collect();
            let distinct: BTreeSet<&Option<String>> = headings.iter().collect();
            let one_column = same.iter().all(|q| q.col == p.col);
            let stacked =
                one_column && headings.iter().all(Option::is_some) && distinct.len() == same.len();
            let leader = if one_column && !stacked {
                block_leader(&repeats, p.sheet, &same)
                    .and_then(|q| f.seen.get(&q).and_then(&label_text))
            } else {
                None
            };
            let at = if stacked {
                Where::Label {
                    text: text.clone(),
                    take,
                    cell: f.name(cell),
                    block: headings.into_iter().flatten().collect(),
                }
            } else if let Some(leader) = leader {
                // Blocks with no heading of their own, one under another: each starts at the same repeated
                // label ("Name:" then "Relationship:", "Address:", "Tel:"), which is the block's heading.
                Where::Label {
                    text: text.clone(),
                    take,
                    cell: f.name(cell),
                    block: vec![leader],
                }
            } else {
                Where::Cells(cells)
            };
            let mut c = mk(text, at, values, true);
            if stacked {
                // The block's heading says whose answer it is ("Details of parent/carer" + "Tel").
                c.context = section_of(p);
            }
            out.push((p, c));
            continue;
        }
        let at = Where::Label {
            text: text.clone(),
            take,
            cell: f.name(cell),
            block: Vec::new(),
        };
        out.push((p, mk(text, at, values, false)));
    }
    out.sort_by_key(|(p, _)| *p);
    join_name_parts(out.into_iter().map(|(_, c)| c).collect())
}

/// What each document typed after `label` in the label's own cell.
fn typed_after(texts: &[&str], label: &str) -> Vec<String> {
    texts
        .iter()
        .map(|t| t.get(label.len()..).unwrap_or("").trim().to_string())
        .collect()
}

fn text_value(t: String) -> RawValue {
    if t.is_empty() {
        RawValue::Empty
    } else {
        RawValue::Text(t)
    }
}

/// The label that starts each of the blocks `same` (one label's repeats down one column) lie in: a label repeated
/// as often down one column, whose k-th repeat is at or above `same`'s k-th and below its (k-1)-th, the top-most of those: where
/// it is first printed (its text is the blocks' heading); `None` when no label leads every block.
fn block_leader(
    repeats: &BTreeMap<(u32, String), Vec<GridPos>>,
    sheet: u32,
    same: &[GridPos],
) -> Option<GridPos> {
    let mut ours: Vec<GridPos> = same.to_vec();
    ours.sort_unstable();
    let mut best: Option<GridPos> = None;
    for ((s, _), at) in repeats {
        if *s != sheet || at.len() != ours.len() {
            continue;
        }
        let mut theirs = at.clone();
        theirs.sort_unstable();
        let col = theirs.first().map(|t| t.col);
        let leads = theirs.iter().zip(&ours).enumerate().all(|(k, (t, o))| {
            Some(t.col) == col
                && t.row <= o.row
                && k.checked_sub(1)
                    .and_then(|j| ours.get(j))
                    .is_none_or(|prev| t.row > prev.row)
        });
        if let Some(top) = theirs.first().filter(|_| leads)
            && best.is_none_or(|b| (top.row, top.col) < (b.row, b.col))
        {
            best = Some(*top);
        }
    }
    best
}

/// A group member's name asked in parts (Title / First name / Surname, in one block, numbered alike, or in one
/// table's columns) becomes one candidate whose answers are joined in that order, in place of its first part.
fn join_name_parts(cands: Vec<Candidate>) -> Vec<Candidate> {
    // The family of a group candidate: what its members share besides the label.
    let family = |c: &Candidate| -> Option<(String, u8)> {
        if !c.group {
            return None;
        }
        let part = name_part(&c.label.replace("{n}", ""))?;
        let key = match &c.at {
            Where::Label { take, block, .. } => format!(
                "label {take:?} {} {}",
                block.join("|"),
                c.label.contains("{n}")
            ),
            Where::Range(_) => format!("range {}", c.siblings.join("|")),
            _ => return None,
        };
        Some((key, part))
    };
    let mut parts: BTreeMap<String, Vec<(u8, usize)>> = BTreeMap::new();
    for (i, c) in cands.iter().enumerate() {
        if let Some((key, part)) = family(c) {
            parts.entry(key).or_default().push((part, i));
        }
    }
    let mut replace: BTreeMap<usize, Candidate> = BTreeMap::new();
    let mut drop: BTreeSet<usize> = BTreeSet::new();
    for members in parts.values_mut() {
        members.sort();
        members.dedup_by_key(|m| m.0);
        let has = |p: u8| members.iter().any(|m| m.0 == p);
        if !(has(1) && has(2)) {
            continue;
        }
        let picked: Vec<&Candidate> = members.iter().filter_map(|(_, i)| cands.get(*i)).collect();
        let Some(first) = members.iter().map(|m| m.1).min() else {
            continue;
        };
        let Some(base) = cands.get(first) else {
            continue;
        };
        let at = match &base.at {
            Where::Label { take, block, .. } => Where::Labels {
                texts: picked.iter().map(|c| c.label.clone()).collect(),
                take: *take,
                block: block.clone(),
            },
            _ => Where::Join(
                picked
                    .iter()
                    .filter_map(|c| match &c.at {
                        Where::Range(r) => Some(r.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        let mut joined = base.clone();
        joined.label = picked
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        joined.at = at;
        joined.values = picked.last().map(|c| c.values.clone()).unwrap_or_default();
        joined.evidence = format!("{}; the name's parts joined", base.evidence);
        for (_, i) in members.iter() {
            drop.insert(*i);
        }
        replace.insert(first, joined);
    }
    cands
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| match replace.remove(&i) {
            Some(j) => Some(j),
            None if drop.contains(&i) => None,
            None => Some(c),
        })
        .collect()
}

/// How an answer sits against its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// In the cell to the right.
    Right,
    /// In the cell below.
    Below,
    /// In the label's own cell, after it.
    Inside,
}

impl Take {
    /// `Below` when true, else `Right`.
    pub fn of_below(below: bool) -> Take {
        if below { Take::Below } else { Take::Right }
    }

    /// The `take` key's value, `None` for the default (`right`).
    pub fn key(self) -> Option<&'static str> {
        match self {
            Take::Right => None,
            Take::Below => Some("below"),
            Take::Inside => Some("inside"),
        }
    }
}

/// "Is the young person a looked after child? Yes/No (please circle)" -> the question and its options.
fn question_then_options(t: &str) -> Option<(String, Vec<String>)> {
    let cut = t.rfind(['?', ':'])?;
    let (q, rest) = t.split_at(cut.saturating_add(1));
    let opts = parse_options(rest)?;
    let q = q.trim();
    label_like(q).then(|| (q.to_string(), opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_parsed_from_printed_text() {
        assert_eq!(
            parse_options("Male / Female"),
            Some(vec!["Male".into(), "Female".into()])
        );
        assert_eq!(
            parse_options("Yes/No (please circle)"),
            Some(vec!["Yes".into(), "No".into()])
        );
        assert_eq!(
            parse_options("☐ Yes ☐ No*"),
            Some(vec!["Yes".into(), "No".into()])
        );
        assert_eq!(parse_options("3 Heron Row, Brackenridge"), None);
        assert_eq!(parse_options("Ruby"), None);
        assert!(answers_options("Yes / X No", &["Yes".into(), "No".into()]));
        assert!(answers_options("M /", &["M".into(), "F".into()]));
        assert!(!answers_options("Mother", &["M".into(), "F".into()]));
    }

    #[test]
    fn the_common_prefix_is_whole_words() {
        assert_eq!(
            common_prefix(&["Surname:  Osei", "Surname:", "Surname: Hart"]),
            "Surname:"
        );
        assert_eq!(common_prefix(&["Year 7", "Year 8"]), "Year");
        assert_eq!(common_prefix(&["Osei", "Hart"]), "");
        assert_eq!(name_part("First name/s:"), Some(1));
        assert_eq!(name_part("Surname (1):"), Some(2));
        assert_eq!(name_part("Title/s:"), Some(0));
        assert_eq!(name_part("Home address"), None);
    }
}
