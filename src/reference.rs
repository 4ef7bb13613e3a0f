//! The blank form as reference: a mapping names a document of its form (`[form] reference`), and every fixed
//! position it reads (a cell, a table column, tick cells, a PDF field) is anchored by the printed text that stands
//! beside it on that document: the row's label to its left and the column's heading above it (a PDF field: its
//! widget's printed label). A document is read through an [`Alignment`] against the reference:
//!
//! - its sheets or tables are paired with the reference's by their printed text (so a renamed sheet, or a table
//!   inserted before the others, is found), then their rows by a diff of each row's printed text, and their
//!   columns by where the same printed text stands in the paired rows;
//! - a fixed position is read where its anchors now stand, and only when every anchor is there with its printed
//!   text (or a close rewording): moved, it is *re-anchored*; gone, or reworded beyond recognition, it is *lost*
//!   and the field is `not_found`. No value is ever read from a cell whose printed label is not the reference's;
//! - what differs is described as [`Change`]s in printed words (sheets renamed, rows inserted, labels reworded),
//!   which the audit groups into form versions. A change's `new` text comes from the document; the audit shows it
//!   only when every document of the version agrees on it (printed furniture), never a single document's.
//!
//! The reference is read when the mapping loads; answers on it (cells the mapping reads, a pre-filled default)
//! are not printed text.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::label::{self, AUDIT};
use crate::read::column_letters;
use crate::read::{FieldKey, Format, RawValue, SourceDoc};

/// Two labels this similar (token Jaccard, audit normalisation) are one label reworded.
const REWORDED: f64 = 0.5;
/// Check-box glyphs a Word form prints before an option.
const BOXES: &[char] = &['☐', '☒', '☑', '■', '□'];
/// More PDF fields renamed than this are reported as one change: the form renumbered.
const MAX_RENAMES_LISTED: usize = 3;
/// A PDF field without a printed label is the same field when its box is within this many points.
const RECT_SLACK: f32 = 3.0;

/// A printed text as compared: lower case, white space collapsed, a trailing `:` or `*` dropped, and a leading
/// check-box glyph too (an option printed `☐ Yes` is the same printed option when a person marks it `☒ Yes`).
pub fn printed_key(text: &str) -> String {
    // One pass and one allocation: this runs over every cell of every document read against a reference.
    let text = text
        .trim_start_matches(|c: char| BOXES.contains(&c) || c.is_whitespace())
        .trim_end_matches(|c: char| c == ':' || c == '*' || c.is_whitespace());
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The same printed label, or a close rewording of it ("Religion" -> "Religion or belief"). Numbers must agree:
/// "Parent/carer 2" is not "Parent/carer 3".
fn similar(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let numbers = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()
    };
    if numbers(a) != numbers(b) {
        return false;
    }
    let (ta, tb) = (label::tokens(a, &AUDIT), label::tokens(b, &AUDIT));
    !ta.is_empty() && label::jaccard(&ta, &tb) >= REWORDED
}

/// A position a fixed locator reads: (sheet name, 0-based row, 0-based column).
pub type Slot = (String, u32, u32);

/// One grid (sheet or table) of the reference: its printed cells.
#[derive(Debug, Clone)]
struct Grid {
    name: String,
    /// (row, col) -> printed key.
    cells: BTreeMap<(u32, u32), String>,
    /// Every printed key of the grid.
    texts: HashSet<String>,
    /// Rows and columns holding a position the mapping reads (answers).
    slot_rows: BTreeSet<u32>,
    slot_cols: BTreeSet<u32>,
    /// Merged regions: (first row, first col, last row, last col); a label merged down several rows labels each.
    merges: Vec<(u32, u32, u32, u32)>,
}

/// One PDF field of the reference.
#[derive(Debug, Clone)]
struct PdfField {
    label: Option<String>,
    rect: [f32; 4],
}

/// A mapping's reference document, read and reduced to its printed text.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The document, as the mapping names it (relative to the mapping file).
    pub written: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// blake3 of its bytes: a changed reference re-harmonises the form's documents.
    pub digest: String,
    format: Format,
    grids: Vec<Grid>,
    /// The answers the reference itself holds at a slot (a pre-filled default), by slot.
    defaults: HashMap<Slot, RawValue>,
    pdf: HashMap<String, PdfField>,
    /// PDF field names in reading order (page, top, left).
    pdf_order: Vec<String>,
    /// XML: element paths of the reference (keys with their positional indexes dropped).
    paths: BTreeSet<String>,
    /// Every printed key of the reference (grid text, field labels, text lines): never an answer.
    printed: HashSet<String>,
    /// Printed key -> the text as printed (first seen), for the changes' words.
    shown: HashMap<String, String>,
    /// Each slot's anchors, worked out once at load: (grid index, row, col) -> its row label and column heading.
    anchors: HashMap<(usize, u32, u32), Vec<Anchor>>,
}

impl Reference {
    /// Reduces a read reference document to its printed text. `slots` are the positions the mapping reads: what
    /// the reference holds there is an answer (or a default), not printed text.
    pub fn new(
        written: String,
        path: PathBuf,
        digest: String,
        format: Format,
        doc: &SourceDoc,
        slots: &[Slot],
    ) -> Reference {
        let slot_set: HashSet<(&str, u32, u32)> =
            slots.iter().map(|(s, r, c)| (s.as_str(), *r, *c)).collect();
        let mut grids: Vec<Grid> = doc
            .sheets
            .iter()
            .map(|name| Grid {
                name: name.clone(),
                cells: BTreeMap::new(),
                texts: HashSet::new(),
                slot_rows: slots
                    .iter()
                    .filter(|(s, ..)| s == name)
                    .map(|(_, r, _)| *r)
                    .collect(),
                slot_cols: slots
                    .iter()
                    .filter(|(s, ..)| s == name)
                    .map(|(.., c)| *c)
                    .collect(),
                merges: Vec::new(),
            })
            .collect();
        let mut defaults = HashMap::new();
        let mut printed = HashSet::new();
        let mut shown: HashMap<String, String> = HashMap::new();
        for f in &doc.fields {
            let Some(pos) = f.pos else { continue };
            let Some(grid) = grids.get_mut(pos.sheet as usize) else {
                continue;
            };
            if f.value.is_empty() || matches!(f.value, RawValue::Bool(_)) {
                continue;
            }
            if slot_set.contains(&(grid.name.as_str(), pos.row, pos.col)) {
                defaults.insert((grid.name.clone(), pos.row, pos.col), f.value.clone());
                continue;
            }
            let key = printed_key(&f.value.to_text());
            if key.is_empty() {
                continue;
            }
            grid.texts.insert(key.clone());
            printed.insert(key.clone());
            shown
                .entry(key.clone())
                .or_insert_with(|| f.value.to_text().trim().to_string());
            grid.cells.insert((pos.row, pos.col), key);
        }
        for m in &doc.merges {
            if let Some(grid) = grids.get_mut(m.sheet as usize) {
                grid.merges.push((m.first.0, m.first.1, m.last.0, m.last.1));
            }
        }
        // Every widget's printed label is printed text (a radio group's options too).
        for text in doc.widgets.iter().filter_map(|w| w.label.as_deref()) {
            let key = printed_key(text);
            if !key.is_empty() {
                shown
                    .entry(key.clone())
                    .or_insert_with(|| text.trim().to_string());
                printed.insert(key);
            }
        }
        let fields = pdf_fields(doc);
        let pdf: HashMap<String, PdfField> = fields
            .iter()
            .map(|f| {
                let field = PdfField {
                    label: f.label.clone(),
                    rect: f.rect,
                };
                (f.name.to_string(), field)
            })
            .collect();
        let pdf_order: Vec<String> = fields.iter().map(|f| f.name.to_string()).collect();
        for line in &doc.lines {
            let key = printed_key(&line.text);
            if !key.is_empty() {
                printed.insert(key);
            }
        }
        let paths = xml_paths(doc);
        let anchors = slots
            .iter()
            .filter_map(|(sheet, row, col)| {
                let gi = grids.iter().position(|g| g.name == *sheet)?;
                let grid = grids.get(gi)?;
                Some(((gi, *row, *col), anchors_of(grid, *row, *col)))
            })
            .collect();
        Reference {
            written,
            path,
            digest,
            format,
            grids,
            defaults,
            pdf,
            pdf_order,
            paths,
            printed,
            shown,
            anchors,
        }
    }

    /// True when the reference is a PDF form.
    pub fn is_pdf(&self) -> bool {
        self.format == Format::Pdf
    }

    /// True when this text is printed on the reference form: a label, a heading, a printed option.
    pub fn is_printed(&self, text: &str) -> bool {
        self.printed.contains(&printed_key(text))
    }

    /// What the reference holds at a slot the mapping reads (a pre-filled default), if anything.
    pub fn default_at(&self, slot: &Slot) -> Option<&RawValue> {
        self.defaults.get(slot)
    }

    /// Why a slot cannot be anchored on the reference, for `check`: its sheet is not there, or no printed text
    /// stands to its left or above it.
    pub fn unanchorable(&self, sheet: &str, row: u32, col: u32) -> Option<String> {
        let Some(grid) = self.grids.iter().find(|g| g.name == sheet) else {
            return Some(format!("the reference has no sheet or table `{sheet}`"));
        };
        let at = format!("{sheet}!{}{}", column_letters(col), u64::from(row) + 1);
        if row_label(grid, row, col).is_none() && column_heading(grid, row, col).is_none() {
            return Some(format!(
                "no printed text stands left of or above {at} on the reference, so a moved form cannot be told from \
                 this one"
            ));
        }
        None
    }

    /// Why a PDF field cannot be anchored on the reference, for `check`.
    pub fn unanchorable_field(&self, name: &str) -> Option<String> {
        if !self.pdf.contains_key(name) {
            return Some(format!("the reference has no field `{name}`"));
        }
        None
    }
}

/// A printed cell that anchors a slot: (row, col, printed key).
type Anchor = (u32, u32, String);

/// What anchors (row, col): its row label and its column heading, those it has.
fn anchors_of(grid: &Grid, row: u32, col: u32) -> Vec<Anchor> {
    [row_label(grid, row, col), column_heading(grid, row, col)]
        .into_iter()
        .flatten()
        .map(|(r, c, t)| (r, c, t.to_string()))
        .collect()
}

/// The nearest printed cell left of (row, col): the row's label; or, when the row has none there, a printed label
/// merged down over this row from above (its top-left cell is the anchor).
fn row_label(grid: &Grid, row: u32, col: u32) -> Option<(u32, u32, &str)> {
    grid.cells
        .range((row, 0)..(row, col))
        .next_back()
        .map(|(&(r, c), t)| (r, c, t.as_str()))
        .or_else(|| {
            grid.merges
                .iter()
                .filter(|&&(r0, c0, r1, c1)| r0 < row && row <= r1 && c1 < col && c0 < col)
                .max_by_key(|&&(_, c0, ..)| c0)
                .and_then(|&(r0, c0, ..)| grid.cells.get(&(r0, c0)).map(|t| (r0, c0, t.as_str())))
        })
}

/// The nearest printed cell above (row, col): the column's heading. Not when that cell's row has a printed cell
/// in the column of (row, col)'s own row label: then it is part of the question above (its printed options), not
/// a heading over this column.
fn column_heading(grid: &Grid, row: u32, col: u32) -> Option<(u32, u32, &str)> {
    let label_col = row_label(grid, row, col).map(|(_, c, _)| c);
    // A heading merged across several columns heads each of them (its top-left cell is the anchor).
    let merged_over = |r: u32| {
        grid.merges
            .iter()
            .find(|&&(r0, c0, r1, c1)| r0 <= r && r <= r1 && r1 < row && c0 < col && col <= c1)
            .and_then(|&(r0, c0, ..)| grid.cells.get(&(r0, c0)).map(|t| (r0, c0, t.as_str())))
    };
    let (r, c, t) = (0..row).rev().find_map(|r| {
        grid.cells
            .get(&(r, col))
            .map(|t| (r, col, t.as_str()))
            .or_else(|| merged_over(r))
    })?;
    let own_question = label_col.is_some_and(|lc| grid.cells.contains_key(&(r, lc)));
    (!own_question).then_some((r, c, t))
}

/// XML: the paths of every element of a document (empty ones too: a blank form's are), without indexes.
fn xml_paths(doc: &SourceDoc) -> BTreeSet<String> {
    doc.xml
        .iter()
        .flat_map(|t| t.elements.iter().map(|e| element_path(&e.path)))
        .collect()
}

/// An XML key without positional indexes: `/a/b[2]/c` -> `/a/b/c`.
fn element_path(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut depth = 0usize;
    for c in key.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// One difference between a document's printed text and its reference's, in printed words. `sheet`, `row` and
/// `column` are as an analyst finds them (1-based rows, column letters) in the document, or in the reference for
/// what is gone; `old` is the reference's text; `new` the document's, which reports show only when every document
/// of a version agrees on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// The sheet or table (the document's name; the reference's for what is gone).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sheet: Option<String>,
    /// 1-based row.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub row: Option<u32>,
    /// Column letters.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<String>,
    /// The reference's printed text (a label, a sheet name, a field name, an element path).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old: Option<String>,
    /// The document's text there.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new: Option<String>,
}

/// The kinds of [`Change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A sheet or table renamed (or renumbered by one inserted before it).
    SheetRenamed,
    /// A sheet or table the reference has not.
    SheetAdded,
    /// A sheet or table of the reference that the document has not.
    SheetRemoved,
    /// A Word table the reference has not (those after it are renumbered).
    TableAdded,
    /// A Word table of the reference that the document has not.
    TableRemoved,
    /// A row of printed text inserted.
    RowInserted,
    /// A row of the reference's printed text gone.
    RowDeleted,
    /// A column inserted.
    ColumnInserted,
    /// A column of the reference gone.
    ColumnDeleted,
    /// A label reworded, close enough to be the same question.
    LabelReworded,
    /// A label replaced by one beyond recognition, where the old one stood: its answers are lost.
    LabelReplaced,
    /// A PDF field renamed (the same printed label, another name).
    FieldRenamed,
    /// Many PDF fields renamed at once (`old`: how many): the form renumbered.
    FieldsRenumbered,
    /// A PDF field of the reference gone.
    FieldRemoved,
    /// A PDF field the reference has not.
    FieldAdded,
    /// An XML element path of the reference gone (removed, renamed or moved).
    ElementRemoved,
    /// An XML element path the reference has not.
    ElementAdded,
}

impl Change {
    fn new(kind: ChangeKind) -> Change {
        Change {
            kind,
            sheet: None,
            row: None,
            column: None,
            old: None,
            new: None,
        }
    }

    /// The change in the analyst's words; `show_new` says whether the document's text may be quoted.
    pub fn describe(&self, show_new: bool) -> String {
        let at = |s: &Option<String>| s.as_deref().map(|s| format!("'{s}'")).unwrap_or_default();
        let new = match (&self.new, show_new) {
            (Some(n), true) => format!(" (\"{n}\")"),
            _ => String::new(),
        };
        let old = self.old.as_deref().unwrap_or("");
        let row = self.row.map(|r| format!(" row {r}")).unwrap_or_default();
        let col = self
            .column
            .as_deref()
            .map(|c| format!(" column {c}"))
            .unwrap_or_default();
        let sheet = at(&self.sheet);
        match self.kind {
            ChangeKind::SheetRenamed => match (&self.new, show_new) {
                (Some(n), true) => format!("sheet '{old}' renamed '{n}'"),
                _ => format!("sheet '{old}' renamed"),
            },
            ChangeKind::SheetAdded => format!("sheet {sheet} added{new}"),
            ChangeKind::SheetRemoved => format!("sheet '{old}' removed"),
            ChangeKind::TableAdded => format!("table added at {sheet}{new}"),
            ChangeKind::TableRemoved => format!("table {old} removed"),
            ChangeKind::RowInserted => format!("row inserted at {sheet}{row}{new}"),
            ChangeKind::RowDeleted => format!("row deleted at {sheet}{row} (\"{old}\")"),
            ChangeKind::ColumnInserted => format!("column inserted at {sheet}{col}{new}"),
            ChangeKind::ColumnDeleted => format!("column deleted at {sheet}{col} (\"{old}\")"),
            ChangeKind::LabelReworded => match (&self.new, show_new) {
                (Some(n), true) => format!("label reworded at {sheet}{row}: \"{old}\" -> \"{n}\""),
                _ => format!("label reworded at {sheet}{row}: \"{old}\""),
            },
            ChangeKind::LabelReplaced => match (&self.new, show_new) {
                (Some(n), true) => format!("label replaced at {sheet}{row}: \"{old}\" -> \"{n}\""),
                _ => format!("label replaced at {sheet}{row}: \"{old}\""),
            },
            ChangeKind::FieldRenamed => match (&self.new, show_new) {
                (Some(n), true) => format!("field {old} renamed {n}"),
                _ => format!("field {old} renamed"),
            },
            ChangeKind::FieldsRenumbered => format!("{old} fields renamed (the form renumbered)"),
            ChangeKind::FieldRemoved => format!("field {old} removed"),
            ChangeKind::FieldAdded => format!("field added{new}"),
            ChangeKind::ElementRemoved => format!("element {old} removed or renamed"),
            ChangeKind::ElementAdded => format!("element added{new}"),
        }
    }
}

/// Where a fixed position is on a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    /// Where the mapping says (the same sheet, row and column).
    Same,
    /// Elsewhere: (sheet name, row, col) on the document.
    Moved(String, u32, u32),
    /// Its printed label is not on the document: the reason, in printed words.
    Lost(String),
}

/// Where a PDF field is on a document.
#[derive(Debug, Clone, PartialEq)]
pub enum PlacedField {
    /// The field the mapping names.
    Same,
    /// Another field, with the printed label the mapping's field had on the reference.
    Renamed(String),
    /// Lost: the reason.
    Lost(String),
}

/// A paired sheet: the document's sheet, and where each reference row and column went.
#[derive(Debug)]
struct SheetMap {
    doc_sheet: u32,
    rows: Vec<Option<u32>>,
    cols: Vec<Option<u32>>,
}

impl SheetMap {
    fn row(&self, r: u32) -> Option<u32> {
        map_index(&self.rows, r)
    }

    fn col(&self, c: u32) -> Option<u32> {
        map_index(&self.cols, c)
    }
}

/// Past the reference's last row or column, positions keep their distance from the last one mapped.
fn map_index(map: &[Option<u32>], i: u32) -> Option<u32> {
    if let Some(m) = map.get(i as usize) {
        return *m;
    }
    let last = map.len().checked_sub(1)?;
    let m = (*map.get(last)?)?;
    Some(m + (i - last as u32))
}

/// A document's printed grid text: (row, col) -> key, per document sheet.
type DocGrid = BTreeMap<(u32, u32), String>;

/// The grids of a document against the reference's.
struct GridAlignment {
    /// The document's printed grid text, per sheet.
    grids: Vec<DocGrid>,
    /// Per reference sheet: where it went, if anywhere.
    maps: Vec<Option<SheetMap>>,
    changes: Vec<Change>,
}

/// The PDF fields of a document against the reference's.
struct PdfAlignment {
    /// Reference field -> the document's field that has its printed label (None: lost).
    placed: HashMap<String, Option<String>>,
    changes: Vec<Change>,
}

/// A document read against its mapping's reference. Built once per document; the pairing is worked out when a
/// position is first asked for.
pub struct Alignment<'a> {
    reference: &'a Reference,
    doc: &'a SourceDoc,
    grids: OnceCell<GridAlignment>,
    pdf: OnceCell<PdfAlignment>,
}

impl<'a> Alignment<'a> {
    /// A document against a reference.
    pub fn new(reference: &'a Reference, doc: &'a SourceDoc) -> Alignment<'a> {
        Alignment {
            reference,
            doc,
            grids: OnceCell::new(),
            pdf: OnceCell::new(),
        }
    }

    /// The reference.
    pub fn reference(&self) -> &'a Reference {
        self.reference
    }

    fn grids(&self) -> &GridAlignment {
        self.grids
            .get_or_init(|| align_grids(self.reference, self.doc))
    }

    /// Where a cell the mapping reads is on this document.
    pub fn place(&self, sheet: &str, row: u32, col: u32) -> Placed {
        let reference = self.reference;
        let at = || format!("{sheet}!{}{}", column_letters(col), u64::from(row) + 1);
        let Some(ri) = reference.grids.iter().position(|g| g.name == sheet) else {
            return Placed::Lost(format!(
                "{}: the reference has no sheet or table `{sheet}`",
                at()
            ));
        };
        let Some(grid) = reference.grids.get(ri) else {
            return Placed::Lost(at());
        };
        let GridAlignment {
            grids: doc_grids,
            maps,
            ..
        } = self.grids();
        let Some(Some(map)) = maps.get(ri) else {
            return Placed::Lost(format!(
                "{}: the sheet or table `{sheet}` of the reference is not in this document",
                at()
            ));
        };
        let computed;
        let anchors = match reference.anchors.get(&(ri, row, col)) {
            Some(a) => a,
            None => {
                computed = anchors_of(grid, row, col);
                &computed
            }
        };
        if anchors.is_empty() {
            return Placed::Lost(format!(
                "{}: no printed label beside or above it on the reference, so its place cannot be checked",
                at()
            ));
        }
        let empty = DocGrid::new();
        let doc_grid = doc_grids.get(map.doc_sheet as usize).unwrap_or(&empty);
        for (r, c, text) in anchors {
            let found = map
                .row(*r)
                .zip(map.col(*c))
                .and_then(|(dr, dc)| doc_grid.get(&(dr, dc)));
            if !found.is_some_and(|t| similar(text, t)) {
                return Placed::Lost(format!(
                    "{}: its printed label \"{text}\" is not on this form (removed or reworded)",
                    at()
                ));
            }
        }
        let (Some(new_row), Some(new_col)) = (map.row(row), map.col(col)) else {
            return Placed::Lost(format!("{}: its row or column is not on this form", at()));
        };
        let name = self
            .doc
            .sheets
            .get(map.doc_sheet as usize)
            .cloned()
            .unwrap_or_default();
        if name == sheet && new_row == row && new_col == col {
            Placed::Same
        } else {
            Placed::Moved(name, new_row, new_col)
        }
    }

    fn pdf(&self) -> &PdfAlignment {
        self.pdf.get_or_init(|| align_pdf(self.reference, self.doc))
    }

    /// Where a PDF field the mapping names is on this document.
    pub fn place_field(&self, name: &str) -> PlacedField {
        if !self.reference.pdf.contains_key(name) {
            return PlacedField::Lost(format!("field {name}: the reference has no such field"));
        }
        match self.pdf().placed.get(name) {
            Some(Some(n)) if n == name => PlacedField::Same,
            Some(Some(n)) => PlacedField::Renamed(n.clone()),
            _ => {
                let label = self
                    .reference
                    .pdf
                    .get(name)
                    .and_then(|f| f.label.as_deref())
                    .map_or(String::new(), |l| format!(" (printed \"{l}\")"));
                PlacedField::Lost(format!(
                    "field {name}{label}: not on this form, or its printed label changed"
                ))
            }
        }
    }

    /// XML: where an element the mapping reads by a plain path (`/A/B/C`, no prefixes or predicates) went, when the
    /// reference has it there and the document does not: the one element path of the document that ends in the
    /// same name and that the reference does not have (moved under another parent). `None`: not moved, or not
    /// to be told.
    pub fn moved_path(&self, path: &str) -> Option<String> {
        let plain = path.starts_with('/')
            && !path.starts_with("//")
            && path.split('/').skip(1).all(|step| {
                !step.is_empty()
                    && step
                        .chars()
                        .all(|c| c.is_alphanumeric() || "_-.".contains(c))
            });
        if !plain || !self.reference.paths.contains(path) {
            return None;
        }
        let paths = xml_paths(self.doc);
        if paths.contains(path) {
            return None;
        }
        let leaf = path.rsplit('/').next()?;
        let mut moved = paths
            .iter()
            .filter(|p| p.rsplit('/').next() == Some(leaf) && !self.reference.paths.contains(*p));
        match (moved.next(), moved.next()) {
            (Some(one), None) => Some(one.clone()),
            _ => None,
        }
    }

    /// Everything that differs from the reference, in printed words (as printed, not as compared), in a stable
    /// order. Many PDF fields renamed at once (a form renumbered) are one change.
    pub fn changes(&self) -> Vec<Change> {
        let mut out = match self.reference.format {
            Format::Pdf if !self.reference.pdf.is_empty() => self.pdf().changes.clone(),
            Format::Pdf => Vec::new(),
            Format::Xml => xml_changes(self.reference, self.doc),
            _ => self.grids().changes.clone(),
        };
        let renamed = out
            .iter()
            .filter(|c| c.kind == ChangeKind::FieldRenamed)
            .count();
        if renamed > MAX_RENAMES_LISTED {
            out.retain(|c| c.kind != ChangeKind::FieldRenamed);
            let mut c = Change::new(ChangeKind::FieldsRenumbered);
            c.old = Some(renamed.to_string());
            out.push(c);
        }
        if out.is_empty() {
            return out;
        }
        let doc_shown = doc_shown(self.doc);
        for c in &mut out {
            if let Some(old) = c.old.as_mut()
                && let Some(text) = self.reference.shown.get(old.as_str())
            {
                *old = text.clone();
            }
            if let Some(new) = c.new.as_mut()
                && let Some(text) = doc_shown.get(new.as_str())
            {
                *new = text.clone();
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Printed key -> the text as the document prints it (cells and widget labels), for the changes' words.
fn doc_shown(doc: &SourceDoc) -> HashMap<String, String> {
    let mut shown = HashMap::new();
    let texts = doc
        .fields
        .iter()
        .filter(|f| f.pos.is_some())
        .filter_map(|f| match &f.value {
            RawValue::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .chain(doc.widgets.iter().filter_map(|w| w.label.as_deref()));
    for t in texts {
        shown
            .entry(printed_key(t))
            .or_insert_with(|| t.trim().to_string());
    }
    shown
}

/// The document's grid text, per sheet.
fn doc_grids(doc: &SourceDoc) -> Vec<DocGrid> {
    let mut grids: Vec<DocGrid> = vec![DocGrid::new(); doc.sheets.len()];
    for f in &doc.fields {
        let Some(pos) = f.pos else { continue };
        if f.value.is_empty() || matches!(f.value, RawValue::Bool(_)) {
            continue;
        }
        let key = printed_key(&f.value.to_text());
        if let (Some(g), false) = (grids.get_mut(pos.sheet as usize), key.is_empty()) {
            g.insert((pos.row, pos.col), key);
        }
    }
    grids
}

/// `Table3`: how the docx reader names a table.
fn is_table_number(name: &str) -> bool {
    name.strip_prefix("Table")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Pairs sheets by printed text, then rows and columns within each pair.
fn align_grids(reference: &Reference, doc: &SourceDoc) -> GridAlignment {
    let grids = doc_grids(doc);
    let mut changes = Vec::new();
    // Sheets: every (reference, document) pair scored by the share of the reference's printed text found; the
    // best pairs first, the same name breaking ties.
    let mut pairs: Vec<(usize, bool, usize, usize)> = Vec::new();
    for (ri, rg) in reference.grids.iter().enumerate() {
        if rg.texts.is_empty() {
            continue;
        }
        // The common case: the sheet of the same name holds all of this one's printed text where it stands.
        let same = doc.sheets.iter().position(|n| *n == rg.name);
        if let Some(di) = same
            && let Some(dg) = grids.get(di)
            && rg.cells.iter().all(|(pos, t)| dg.get(pos) == Some(t))
        {
            pairs.push((usize::MAX, true, ri, di));
            continue;
        }
        for (di, dg) in grids.iter().enumerate() {
            let found: HashSet<&String> = dg.values().filter(|t| rg.texts.contains(*t)).collect();
            let share = found.len() * 1000 / rg.texts.len();
            if share >= 300 {
                let same_name = doc.sheets.get(di).is_some_and(|n| *n == rg.name);
                pairs.push((share, same_name, ri, di));
            }
        }
    }
    pairs.sort_by(|a, b| {
        (b.0, b.1)
            .cmp(&(a.0, a.1))
            .then((a.2, a.3).cmp(&(b.2, b.3)))
    });
    let mut paired: Vec<Option<usize>> = vec![None; reference.grids.len()];
    let mut taken = vec![false; grids.len()];
    for (_, _, ri, di) in pairs {
        if paired.get(ri).is_some_and(Option::is_none) && taken.get(di) == Some(&false) {
            if let Some(p) = paired.get_mut(ri) {
                *p = Some(di);
            }
            if let Some(t) = taken.get_mut(di) {
                *t = true;
            }
        }
    }
    let maps = reference
        .grids
        .iter()
        .zip(&paired)
        .map(|(rg, di)| {
            let di = (*di)?;
            let dg = grids.get(di)?;
            let doc_name = doc.sheets.get(di).cloned().unwrap_or_default();
            // Word tables have no names, only numbers: one inserted renumbers those after it, which is no change
            // of theirs (the inserted table is reported as added).
            let renumbered = reference.format == Format::Docx
                && is_table_number(&doc_name)
                && is_table_number(&rg.name);
            if doc_name != rg.name && !renumbered {
                let mut c = Change::new(ChangeKind::SheetRenamed);
                c.old = Some(rg.name.clone());
                c.new = Some(doc_name.clone());
                c.sheet = Some(doc_name.clone());
                changes.push(c);
            }
            Some(align_sheet(rg, dg, di as u32, &doc_name, &mut changes))
        })
        .collect::<Vec<_>>();
    for (rg, di) in reference.grids.iter().zip(&paired) {
        if di.is_none() && !rg.texts.is_empty() {
            let mut c = Change::new(if reference.format == Format::Docx {
                ChangeKind::TableRemoved
            } else {
                ChangeKind::SheetRemoved
            });
            c.old = Some(rg.name.clone());
            changes.push(c);
        }
    }
    for (di, dg) in grids.iter().enumerate() {
        if taken.get(di) == Some(&false) && !dg.is_empty() {
            let mut c = Change::new(if reference.format == Format::Docx {
                ChangeKind::TableAdded
            } else {
                ChangeKind::SheetAdded
            });
            c.sheet = doc.sheets.get(di).cloned();
            c.new = dg.values().next().cloned();
            changes.push(c);
        }
    }
    GridAlignment {
        grids,
        maps,
        changes,
    }
}

/// Rows by a diff of their printed text; columns by where the same text stands in paired rows.
fn align_sheet(
    rg: &Grid,
    dg: &DocGrid,
    doc_sheet: u32,
    doc_name: &str,
    changes: &mut Vec<Change>,
) -> SheetMap {
    // The common case first: every printed cell where the reference prints it, so rows and columns are where
    // they were (no diff to run, no votes to count).
    let in_place = rg.cells.iter().all(|(pos, t)| dg.get(pos) == Some(t));
    let ref_printed_rows: BTreeSet<u32> = rg.cells.keys().map(|(r, _)| *r).collect();
    let mut replaced_rows: HashSet<u32> = HashSet::new();
    let matched: BTreeMap<u32, u32> = if in_place {
        ref_printed_rows.iter().map(|r| (*r, *r)).collect()
    } else {
        pair_rows(rg, dg, doc_name, changes, &mut replaced_rows)
    };
    let last_ref_row = rg
        .cells
        .keys()
        .map(|(r, _)| *r)
        .max()
        .unwrap_or(0)
        .max(matched.keys().copied().max().unwrap_or(0));
    let rows = interpolate(&matched, last_ref_row, &ref_printed_rows);
    // Document rows with text inside the paired span on which neither a printed row nor an answer row of the
    // reference lands: inserted.
    let image: HashSet<u32> = matched
        .values()
        .copied()
        .chain(rg.slot_rows.iter().filter_map(|r| map_index(&rows, *r)))
        .chain(replaced_rows.iter().copied())
        .collect();
    let span = matched
        .values()
        .min()
        .copied()
        .zip(matched.values().max().copied());
    // Past the last paired row, only a row that starts in a column where the document prints labels.
    let paired_doc_rows: HashSet<u32> = matched.values().copied().collect();
    let label_cols: HashSet<u32> = dg
        .iter()
        .filter(|((r, _), t)| paired_doc_rows.contains(r) && rg.texts.contains(*t))
        .map(|((_, c), _)| *c)
        .collect();
    if let Some((first, last)) = span {
        let mut seen = HashSet::new();
        for (&(r, c), t) in dg {
            let inside = r > first && (r < last || label_cols.contains(&c));
            if inside && !image.contains(&r) && seen.insert(r) {
                let mut c = Change::new(ChangeKind::RowInserted);
                c.sheet = Some(doc_name.to_string());
                c.row = Some(r + 1);
                c.new = Some(t.clone());
                changes.push(c);
            }
        }
    }
    let printed_cols: BTreeSet<u32> = rg.cells.keys().map(|(_, c)| *c).collect();
    let col_matched: BTreeMap<u32, u32> = if in_place {
        printed_cols.iter().map(|c| (*c, *c)).collect()
    } else {
        pair_columns(rg, dg, &matched)
    };

    for c in &printed_cols {
        if !col_matched.contains_key(c) {
            let mut ch = Change::new(ChangeKind::ColumnDeleted);
            ch.sheet = Some(rg.name.clone());
            ch.column = Some(column_letters(*c));
            ch.old = rg
                .cells
                .iter()
                .find(|((_, cc), _)| cc == c)
                .map(|(_, t)| t.clone());
            changes.push(ch);
        }
    }
    let last_col = printed_cols.iter().max().copied().unwrap_or(0);
    let cols = interpolate(&col_matched, last_col, &printed_cols);
    let col_image: HashSet<u32> = col_matched
        .values()
        .copied()
        .chain(rg.slot_cols.iter().filter_map(|c| map_index(&cols, *c)))
        .collect();
    // Document columns holding text in paired rows that no reference column lands on: inserted, with the first
    // text each holds (one pass over the grid, whatever its size).
    let mut inserted: BTreeMap<u32, &String> = BTreeMap::new();
    for (&(r, c), t) in dg {
        if paired_doc_rows.contains(&r) && !col_image.contains(&c) {
            inserted.entry(c).or_insert(t);
        }
    }
    for (dc, text) in inserted {
        let mut ch = Change::new(ChangeKind::ColumnInserted);
        ch.sheet = Some(doc_name.to_string());
        ch.column = Some(column_letters(dc));
        ch.new = Some(text.clone());
        changes.push(ch);
    }
    SheetMap {
        doc_sheet,
        rows,
        cols,
    }
}

/// Rows by a diff of their printed text; a reference row left unpaired is reworded (a close label in its gap),
/// replaced (new text where it stood, `replaced` gets that document row) or deleted.
fn pair_rows(
    rg: &Grid,
    dg: &DocGrid,
    doc_name: &str,
    changes: &mut Vec<Change>,
    replaced_rows: &mut HashSet<u32>,
) -> BTreeMap<u32, u32> {
    let ref_rows = rows_of(&rg.cells, |_| true);
    // A document row's signature is its text that the reference prints (answers left out); rows with none
    // (answers, or new printed text) are placed afterwards.
    let doc_rows = rows_of(dg, |t| rg.texts.contains(t));
    let old: Vec<&Vec<&str>> = ref_rows.iter().map(|(_, s)| s).collect();
    let new: Vec<&Vec<&str>> = doc_rows.iter().map(|(_, s)| s).collect();
    let mut matched: BTreeMap<u32, u32> = BTreeMap::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Patience, &old, &new) {
        match op {
            similar::DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    if let (Some((r, _)), Some((d, _))) =
                        (ref_rows.get(old_index + k), doc_rows.get(new_index + k))
                    {
                        matched.insert(*r, *d);
                    }
                }
            }
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                // A row whose printed text gained or lost a cell (an answer that reads like a label) is still
                // the row when its first text is the same.
                let mut next = new_index;
                for k in old_index..old_index + old_len {
                    let Some((r, sig)) = ref_rows.get(k) else {
                        continue;
                    };
                    let found = (next..new_index + new_len).find(|&j| {
                        doc_rows
                            .get(j)
                            .is_some_and(|(_, d)| !d.is_empty() && d.first() == sig.first())
                    });
                    if let Some(j) = found {
                        if let Some((d, _)) = doc_rows.get(j) {
                            matched.insert(*r, *d);
                        }
                        next = j + 1;
                    }
                }
            }
            _ => {}
        }
    }
    // Reference rows left unpaired: a row of the document in the same gap, holding text the reference does not
    // print, is the same row reworded when the first texts are close.
    let unknown_rows = rows_of(dg, |t| !rg.texts.contains(t));
    for (r, sig) in &ref_rows {
        if matched.contains_key(r) {
            continue;
        }
        let before = matched.range(..*r).next_back().map(|(a, b)| (*a, *b));
        let after = matched.range(*r..).next().map(|(a, b)| (*a, *b));
        let lo = before.map_or(0, |(_, d)| d + 1);
        let hi = after.map_or(u32::MAX, |(_, d)| d);
        let taken: HashSet<u32> = matched.values().copied().collect();
        let candidate = unknown_rows.iter().find(|(d, s)| {
            (lo..hi).contains(d)
                && !taken.contains(d)
                && s.first()
                    .zip(sig.first())
                    .is_some_and(|(a, b)| similar(b, a))
        });
        match candidate {
            Some((d, s)) => {
                matched.insert(*r, *d);
                let mut c = Change::new(ChangeKind::LabelReworded);
                c.sheet = Some(doc_name.to_string());
                c.row = Some(d + 1);
                c.old = sig.first().map(|s| s.to_string());
                c.new = s.first().map(|s| s.to_string());
                changes.push(c);
            }
            None => {
                // A row of new text where the old row would stand (the rows around it in step): the label was
                // replaced by one beyond recognition. Its answers are lost all the same.
                let expected = before.map(|(a, b)| b + (r - a));
                let replaced = expected.filter(|d| {
                    (lo..hi).contains(d)
                        && !taken.contains(d)
                        && after.is_none_or(|(a, b)| b.checked_sub(*d) == a.checked_sub(*r))
                });
                let text = replaced
                    .and_then(|d| unknown_rows.iter().find(|(u, _)| *u == d))
                    .and_then(|(_, s)| s.first());
                let mut c = match (replaced, text) {
                    (Some(d), Some(t)) => {
                        replaced_rows.insert(d);
                        let mut c = Change::new(ChangeKind::LabelReplaced);
                        c.sheet = Some(doc_name.to_string());
                        c.row = Some(d + 1);
                        c.new = Some(t.to_string());
                        c
                    }
                    _ => {
                        let mut c = Change::new(ChangeKind::RowDeleted);
                        c.sheet = Some(rg.name.clone());
                        c.row = Some(r + 1);
                        c
                    }
                };
                c.old = sig.first().map(|s| s.to_string());
                changes.push(c);
            }
        }
    }
    matched
}

/// Columns: each printed text of a paired row votes for where its column went; the most votes win.
fn pair_columns(rg: &Grid, dg: &DocGrid, matched: &BTreeMap<u32, u32>) -> BTreeMap<u32, u32> {
    let mut votes: BTreeMap<u32, BTreeMap<u32, u32>> = BTreeMap::new();
    for (r, d) in matched {
        let ref_cells: Vec<(u32, &str)> = rg
            .cells
            .range((*r, 0)..=(*r, u32::MAX))
            .map(|(&(_, c), t)| (c, t.as_str()))
            .collect();
        let doc_cells: Vec<(u32, &str)> = dg
            .range((*d, 0)..=(*d, u32::MAX))
            .map(|(&(_, c), t)| (c, t.as_str()))
            .collect();
        let mut from = 0;
        for (c, t) in ref_cells {
            let at = |same: &dyn Fn(&str) -> bool| {
                (from..doc_cells.len()).find(|&j| doc_cells.get(j).is_some_and(|(_, dt)| same(dt)))
            };
            if let Some(j) = at(&|dt| dt == t).or_else(|| at(&|dt| similar(t, dt))) {
                if let Some((dc, _)) = doc_cells.get(j) {
                    *votes.entry(c).or_default().entry(*dc).or_default() += 1;
                }
                from = j + 1;
            }
        }
    }
    votes
        .iter()
        .filter_map(|(c, v)| {
            v.iter()
                .max_by_key(|(dc, n)| (**n, std::cmp::Reverse(**dc)))
                .map(|(dc, _)| (*c, *dc))
        })
        .collect()
}

/// The rows of a grid that hold text passing `keep`, each with that text in column order.
fn rows_of(cells: &DocGrid, keep: impl Fn(&str) -> bool) -> Vec<(u32, Vec<&str>)> {
    let mut rows: Vec<(u32, Vec<&str>)> = Vec::new();
    for (&(r, _), t) in cells {
        if !keep(t) {
            continue;
        }
        match rows.last_mut() {
            Some((last, sig)) if *last == r => sig.push(t),
            _ => rows.push((r, vec![t.as_str()])),
        }
    }
    rows
}

/// A full map 0..=last from the matched indexes. An index without printed text (an answer row, a spacer) keeps
/// its distance from the matched index before it, while it stays before the next one; an index with printed text
/// that found no partner (`printed`, unmatched) is gone.
fn interpolate(
    matched: &BTreeMap<u32, u32>,
    last: u32,
    printed: &BTreeSet<u32>,
) -> Vec<Option<u32>> {
    (0..=last)
        .map(|i| {
            if let Some(m) = matched.get(&i) {
                return Some(*m);
            }
            if printed.contains(&i) {
                return None;
            }
            let before = matched.range(..i).next_back();
            let after = matched.range(i..).next();
            match (before, after) {
                (Some((b, db)), after) => {
                    let m = db + (i - b);
                    after.is_none_or(|(_, da)| m < *da).then_some(m)
                }
                (None, Some((a, da))) => da.checked_sub(a - i),
                (None, None) => Some(i),
            }
        })
        .collect()
}

/// Where a printed label stands among the fields of a document: the label, the nearest uniquely printed label
/// before it (one printed once on both documents), its rank among the fields with both, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LabelKey {
    label: String,
    after: Option<String>,
    rank: usize,
    count: usize,
}

/// The [`LabelKey`] of each field (in reading order) of one document, `other` being the other's labels.
fn label_keys(labels: &[Option<&str>], other: &[Option<&str>]) -> Vec<Option<LabelKey>> {
    // Counted once, so that a document of many thousand fields costs a pass, not a square.
    let tally = |ls: &[Option<&str>]| {
        let mut n: HashMap<String, usize> = HashMap::new();
        for l in ls.iter().flatten() {
            *n.entry((*l).to_string()).or_default() += 1;
        }
        n
    };
    let (mine, theirs) = (tally(labels), tally(other));
    let mut after: Option<String> = None;
    let mut keys: Vec<Option<LabelKey>> = Vec::with_capacity(labels.len());
    for label in labels {
        let unique = label.is_some_and(|l| mine.get(l) == Some(&1) && theirs.get(l) == Some(&1));
        keys.push(label.map(|l| LabelKey {
            label: l.to_string(),
            // A label printed once on both needs no context.
            after: if unique { None } else { after.clone() },
            rank: 0,
            count: 0,
        }));
        if unique {
            after = label.map(str::to_string);
        }
    }
    let mut totals: HashMap<(String, Option<String>), usize> = HashMap::new();
    for k in keys.iter().flatten() {
        *totals
            .entry((k.label.clone(), k.after.clone()))
            .or_default() += 1;
    }
    let mut seen: HashMap<(String, Option<String>), usize> = HashMap::new();
    for k in keys.iter_mut().flatten() {
        let group = (k.label.clone(), k.after.clone());
        let rank = seen.entry(group.clone()).or_default();
        k.rank = *rank;
        *rank += 1;
        k.count = totals.get(&group).copied().unwrap_or(0);
    }
    keys
}

/// A document's PDF field, by its first widget.
struct DocField<'d> {
    /// Reading order: page, top, left.
    order: (u32, i64, i64),
    name: &'d str,
    label: Option<String>,
    rect: [f32; 4],
}

/// A document's PDF fields by their first widget, in reading order (page, top, left), with their printed labels
/// as compared: the same for the reference (at load) and for each document.
fn pdf_fields(doc: &SourceDoc) -> Vec<DocField<'_>> {
    let mut fields: Vec<DocField> = Vec::new();
    let mut seen = HashSet::new();
    for w in &doc.widgets {
        // Widgets are drawn for AcroForm fields only.
        let Some(FieldKey::Field(name)) = doc.fields.get(w.field).map(|f| &f.key) else {
            continue;
        };
        if seen.insert(name.as_str()) {
            fields.push(DocField {
                order: (w.page, w.rect[1] as i64, w.rect[0] as i64),
                name,
                label: w
                    .label
                    .as_deref()
                    .map(printed_key)
                    .filter(|k| !k.is_empty()),
                rect: w.rect,
            });
        }
    }
    fields.sort_by_key(|f| f.order);
    fields
}

/// PDF fields by name and printed label: the reference's field -> the document's field (None: lost).
fn align_pdf(reference: &Reference, doc: &SourceDoc) -> PdfAlignment {
    let fields = pdf_fields(doc);
    let by_name: HashMap<&str, usize> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name, i))
        .collect();
    let ref_labels: Vec<Option<&str>> = reference
        .pdf_order
        .iter()
        .map(|n| reference.pdf.get(n).and_then(|f| f.label.as_deref()))
        .collect();
    let doc_labels: Vec<Option<&str>> = fields.iter().map(|f| f.label.as_deref()).collect();
    let ref_keys = label_keys(&ref_labels, &doc_labels);
    let doc_keys = label_keys(&doc_labels, &ref_labels);
    let mut placed_all: HashMap<String, Option<String>> = HashMap::new();
    let mut changes = Vec::new();
    let mut used: HashSet<String> = HashSet::new();
    for (ri, name) in reference.pdf_order.iter().enumerate() {
        let Some(rf) = reference.pdf.get(name) else {
            continue;
        };
        let ref_key = ref_keys.get(ri).and_then(Option::as_ref);
        // A label printed for several fields: the k-th field printed with it on the reference is the k-th on the
        // document when both print it as often.
        let ordinal = |labels: &[Option<&str>], i: usize, l: &str| {
            let rank = labels.iter().take(i).filter(|x| **x == Some(l)).count();
            (rank, labels.iter().filter(|x| **x == Some(l)).count())
        };
        let by_rank = rf.label.as_deref().and_then(|l| {
            let (rank, count) = ordinal(&ref_labels, ri, l);
            let doc_same: Vec<usize> = (0..fields.len())
                .filter(|&di| doc_labels.get(di) == Some(&Some(l)))
                .collect();
            (count > 1 && doc_same.len() == count)
                .then(|| doc_same.get(rank).copied())
                .flatten()
        });
        let repeated = rf
            .label
            .as_deref()
            .is_some_and(|l| ordinal(&ref_labels, 0, l).1 > 1 || ordinal(&doc_labels, 0, l).1 > 1);
        let same = by_name.get(name.as_str()).is_some_and(|&di| {
            let Some(d) = fields.get(di) else {
                return false;
            };
            match &rf.label {
                Some(_) if repeated => by_rank == Some(di),
                Some(l) => d.label.as_deref().is_some_and(|dl| similar(l, dl)),
                None => d
                    .rect
                    .iter()
                    .zip(rf.rect)
                    .all(|(a, b)| (a - b).abs() <= RECT_SLACK),
            }
        });
        let placed = if same {
            let doc_label = by_name
                .get(name.as_str())
                .and_then(|&di| fields.get(di))
                .and_then(|d| d.label.clone());
            if let (Some(old), Some(new)) = (&rf.label, doc_label)
                && *old != new
            {
                let mut c = Change::new(ChangeKind::LabelReworded);
                c.sheet = Some(name.clone());
                c.old = Some(old.clone());
                c.new = Some(new);
                changes.push(c);
            }
            Some(name.clone())
        } else {
            // Else the one document field with the same label in the same place: printed once on both, or after
            // the same uniquely printed label, at the same rank among those. Otherwise which one is meant cannot
            // be told.
            let by_key = ref_key.and_then(|k| {
                let found: Vec<usize> = (0..fields.len())
                    .filter(|&di| doc_keys.get(di).and_then(Option::as_ref) == Some(k))
                    .collect();
                match found.as_slice() {
                    [di] => Some(*di),
                    _ => None,
                }
            });
            by_rank
                .or(by_key)
                .and_then(|di| fields.get(di))
                .map(|f| f.name.to_string())
        };
        match &placed {
            Some(n) if n != name => {
                let mut c = Change::new(ChangeKind::FieldRenamed);
                c.old = Some(name.clone());
                c.new = Some(n.clone());
                changes.push(c);
            }
            None => {
                let mut c = Change::new(ChangeKind::FieldRemoved);
                c.old = Some(match rf.label.as_deref() {
                    Some(l) => {
                        let l = reference.shown.get(l).map_or(l, String::as_str);
                        format!("{name} (\"{l}\")")
                    }
                    None => name.clone(),
                });
                changes.push(c);
            }
            _ => {}
        }
        if let Some(n) = &placed {
            used.insert(n.clone());
        }
        placed_all.insert(name.clone(), placed);
    }
    for f in &fields {
        // A field no reference field landed on (a new name, or an old name that now prints another label).
        if !used.contains(f.name) {
            let mut c = Change::new(ChangeKind::FieldAdded);
            c.new = f.label.clone();
            changes.push(c);
        }
    }
    PdfAlignment {
        placed: placed_all,
        changes,
    }
}

/// XML: element paths of the reference that the document lacks, and the document's that the reference lacks.
fn xml_changes(reference: &Reference, doc: &SourceDoc) -> Vec<Change> {
    let paths = xml_paths(doc);
    let mut out = Vec::new();
    for p in reference.paths.difference(&paths) {
        let mut c = Change::new(ChangeKind::ElementRemoved);
        c.old = Some(p.clone());
        out.push(c);
    }
    for p in paths.difference(&reference.paths) {
        let mut c = Change::new(ChangeKind::ElementAdded);
        c.new = Some(p.clone());
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{GridPos, SourceField, cell_key};

    /// A document of one or more sheets, each given as rows of cells (`""` is an empty cell).
    fn grid_doc(sheets: &[(&str, &[&[&str]])]) -> SourceDoc {
        let mut doc = SourceDoc::default();
        for (s, (name, rows)) in sheets.iter().enumerate() {
            doc.sheets.push(name.to_string());
            for (r, row) in rows.iter().enumerate() {
                for (c, text) in row.iter().enumerate() {
                    if text.is_empty() {
                        continue;
                    }
                    doc.fields.push(SourceField {
                        key: crate::read::FieldKey::Cell(cell_key(name, r as u32, c as u32)),
                        label: None,
                        value: RawValue::Text(text.to_string()),
                        pos: Some(GridPos {
                            sheet: s as u32,
                            row: r as u32,
                            col: c as u32,
                        }),
                    });
                }
            }
        }
        doc
    }

    const BLANK: &[&[&str]] = &[
        &["Request for assessment"],
        &["", "Surname", ""],
        &["", "Forename", ""],
        &["", "Religion", ""],
        &["", "Looked after?", ""],
        &["", "", "Parent/carer 1", "Parent/carer 2"],
        &["", "Name", "", ""],
        &["", "Telephone", "", ""],
    ];

    fn reference(blank: &[&[&str]]) -> Reference {
        let doc = grid_doc(&[
            ("Part A", blank),
            ("Part C", &[&["Needs"], &["", "Summary", ""]]),
        ]);
        let slots: Vec<Slot> = [
            (1, 2),
            (2, 2),
            (3, 2),
            (4, 2),
            (6, 2),
            (6, 3),
            (7, 2),
            (7, 3),
        ]
        .iter()
        .map(|&(r, c)| ("Part A".to_string(), r, c))
        .chain([("Part C".to_string(), 1, 2)])
        .collect();
        Reference::new(
            "blank.xlsx".into(),
            PathBuf::from("blank.xlsx"),
            String::new(),
            Format::Xlsx,
            &doc,
            &slots,
        )
    }

    #[test]
    fn an_unchanged_form_reads_every_position_where_the_mapping_says() {
        let r = reference(BLANK);
        let filled: &[&[&str]] = &[
            &["Request for assessment"],
            &["", "Surname", "Da Silva"],
            &["", "Forename", "Leo"],
            &["", "Religion", "None"],
            &["", "Looked after?", "N"],
            &["", "", "Parent/carer 1", "Parent/carer 2"],
            &["", "Name", "Ana Da Silva", "Rui Da Silva"],
            &["", "Telephone", "07700 900123", "07700 900456"],
        ];
        let doc = grid_doc(&[
            ("Part A", filled),
            ("Part C", &[&["Needs"], &["", "Summary", "x"]]),
        ]);
        let a = Alignment::new(&r, &doc);
        for (row, col) in [(1, 2), (3, 2), (6, 3), (7, 2)] {
            assert_eq!(a.place("Part A", row, col), Placed::Same, "({row}, {col})");
        }
        assert_eq!(a.place("Part C", 1, 2), Placed::Same);
        assert!(a.changes().is_empty(), "{:?}", a.changes());
    }

    #[test]
    fn an_inserted_row_a_renamed_sheet_and_an_inserted_column_are_followed() {
        let r = reference(BLANK);
        let edited: &[&[&str]] = &[
            &["Request for assessment"],
            &["", "Surname", "Da Silva"],
            &["", "Forename", "Leo"],
            &["", "Preferred pronouns", "he/him"],
            &["", "Religion", "None"],
            &["", "Looked after?", "N"],
            &["", "", "Parent/carer 1", "Parent/carer 3", "Parent/carer 2"],
            &["", "Name", "Ana", "", "Rui"],
            &["", "Telephone", "07700 900123", "", "07700 900456"],
        ];
        let doc = grid_doc(&[
            ("Part A - Child", edited),
            ("Part C", &[&["Needs"], &["", "Summary", "x"]]),
        ]);
        let a = Alignment::new(&r, &doc);
        let moved = |row, col| Placed::Moved("Part A - Child".into(), row, col);
        assert_eq!(
            a.place("Part A", 1, 2),
            moved(1, 2),
            "surname: the sheet renamed"
        );
        assert_eq!(
            a.place("Part A", 3, 2),
            moved(4, 2),
            "religion: below the inserted row"
        );
        assert_eq!(a.place("Part A", 4, 2), moved(5, 2));
        assert_eq!(a.place("Part A", 6, 2), moved(7, 2), "parent 1's name");
        assert_eq!(
            a.place("Part A", 6, 3),
            moved(7, 4),
            "parent 2's name, past the new column"
        );
        assert_eq!(a.place("Part A", 7, 3), moved(8, 4));
        let kinds: Vec<ChangeKind> = a.changes().iter().map(|c| c.kind).collect();
        assert!(kinds.contains(&ChangeKind::SheetRenamed), "{kinds:?}");
        assert!(kinds.contains(&ChangeKind::RowInserted), "{kinds:?}");
        assert!(kinds.contains(&ChangeKind::ColumnInserted), "{kinds:?}");
        let inserted = a
            .changes()
            .into_iter()
            .find(|c| c.kind == ChangeKind::RowInserted)
            .unwrap();
        assert_eq!(inserted.row, Some(4));
        assert_eq!(
            inserted.describe(false),
            "row inserted at 'Part A - Child' row 4"
        );
    }

    #[test]
    fn a_removed_or_reworded_label_loses_its_position_and_a_close_rewording_keeps_it() {
        let r = reference(BLANK);
        let edited: &[&[&str]] = &[
            &["Request for assessment"],
            &["", "Surname", "Da Silva"],
            &["", "Forename", "Leo"],
            &["", "Religion or belief", "None"],
            &["", "Does a council look after the child?", "N"],
            &["", "", "Parent/carer 1", "Parent/carer 2"],
            &["", "Name", "Ana", "Rui"],
        ];
        let doc = grid_doc(&[
            ("Part A", edited),
            ("Part C", &[&["Needs"], &["", "Summary", "x"]]),
        ]);
        let a = Alignment::new(&r, &doc);
        assert_eq!(a.place("Part A", 3, 2), Placed::Same, "a close rewording");
        assert!(
            matches!(a.place("Part A", 4, 2), Placed::Lost(ref why) if why.contains("\"looked after?\"")),
            "{:?}",
            a.place("Part A", 4, 2)
        );
        assert!(
            matches!(a.place("Part A", 7, 2), Placed::Lost(_)),
            "the telephone row is gone"
        );
        let changes = a.changes();
        assert!(
            changes.iter().any(
                |c| c.kind == ChangeKind::LabelReworded && c.old.as_deref() == Some("Religion")
            )
        );
        assert!(
            changes
                .iter()
                .any(|c| c.kind == ChangeKind::RowDeleted && c.old.as_deref() == Some("Telephone"))
        );
    }

    #[test]
    fn a_repeated_label_is_told_apart_by_its_place_not_its_text() {
        // "Name" is printed for the child and for the parent: a row inserted between them must not send the
        // parent's position to the child's label.
        let blank: &[&[&str]] = &[&["", "Name", ""], &["", "Parent"], &["", "Name", ""]];
        let doc = grid_doc(&[("S", blank)]);
        let slots = vec![("S".to_string(), 0, 2), ("S".to_string(), 2, 2)];
        let r = Reference::new(
            "b".into(),
            "b".into(),
            String::new(),
            Format::Xlsx,
            &doc,
            &slots,
        );
        let edited: &[&[&str]] = &[
            &["", "Name", "Leo"],
            &["", "Year group", "5"],
            &["", "Parent"],
            &["", "Name", "Ana"],
        ];
        let doc = grid_doc(&[("S", edited)]);
        let a = Alignment::new(&r, &doc);
        assert_eq!(a.place("S", 0, 2), Placed::Same);
        assert_eq!(a.place("S", 2, 2), Placed::Moved("S".into(), 3, 2));
    }

    #[test]
    fn a_label_merged_down_over_several_rows_anchors_each() {
        // "Address" merged over rows 1-3 of column A, one answer line per row in B.
        let blank: &[&[&str]] = &[
            &["Name", ""],
            &["Address", ""],
            &["", ""],
            &["", ""],
            &["Postcode", ""],
        ];
        let mut doc = grid_doc(&[("S", blank)]);
        doc.merges.push(crate::read::Merge {
            sheet: 0,
            first: (1, 0),
            last: (3, 0),
        });
        let slots: Vec<Slot> = (0..5).map(|r| ("S".to_string(), r, 1)).collect();
        let r = Reference::new(
            "b".into(),
            "b".into(),
            String::new(),
            Format::Xlsx,
            &doc,
            &slots,
        );
        assert_eq!(
            r.unanchorable("S", 3, 1),
            None,
            "the third address line has its label"
        );
        let edited: &[&[&str]] = &[
            &["Name", "Leo"],
            &["Preferred name", "Lee"],
            &["Address", "1 Mill Lane"],
            &["", "Holmby"],
            &["", "Fenshire"],
            &["Postcode", "FB1 2AB"],
        ];
        let doc = grid_doc(&[("S", edited)]);
        let a = Alignment::new(&r, &doc);
        assert_eq!(a.place("S", 3, 1), Placed::Moved("S".into(), 4, 1));
        assert_eq!(a.place("S", 4, 1), Placed::Moved("S".into(), 5, 1));
    }

    #[test]
    fn a_heading_merged_across_columns_heads_each() {
        // "Parent/carer 1" merged over B:C (title, name), "Parent/carer 2" over D:E.
        let blank: &[&[&str]] = &[
            &["", "Parent/carer 1", "", "Parent/carer 2", ""],
            &["Name", "", "", "", ""],
        ];
        let mut doc = grid_doc(&[("S", blank)]);
        for first in [1, 3] {
            doc.merges.push(crate::read::Merge {
                sheet: 0,
                first: (0, first),
                last: (0, first + 1),
            });
        }
        let slots: Vec<Slot> = (1..5).map(|c| ("S".to_string(), 1, c)).collect();
        let r = Reference::new(
            "b".into(),
            "b".into(),
            String::new(),
            Format::Xlsx,
            &doc,
            &slots,
        );
        let edited: &[&[&str]] = &[
            &["", "Notes", "Parent/carer 1", "", "Parent/carer 2", ""],
            &["Name", "", "Ms", "Ana", "Mr", "Rui"],
        ];
        let doc = grid_doc(&[("S", edited)]);
        let a = Alignment::new(&r, &doc);
        assert_eq!(
            a.place("S", 1, 2),
            Placed::Moved("S".into(), 1, 3),
            "parent 1's name"
        );
        assert_eq!(
            a.place("S", 1, 4),
            Placed::Moved("S".into(), 1, 5),
            "parent 2's name"
        );
    }

    #[test]
    fn a_removed_sheet_loses_its_positions() {
        let r = reference(BLANK);
        let doc = grid_doc(&[("Part A", BLANK)]);
        let a = Alignment::new(&r, &doc);
        assert!(matches!(a.place("Part C", 1, 2), Placed::Lost(_)));
        assert!(
            a.changes()
                .iter()
                .any(|c| c.kind == ChangeKind::SheetRemoved)
        );
    }
}
