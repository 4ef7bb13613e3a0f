//! Finding a mapping locator's values in a [`SourceDoc`]. Each hit carries its provenance (`Sheet!C5`, a field
//! name, a path). `None` means the locator found nothing at all (a sheet, label or field that is not there): that
//! is drift, which the record reports as `not_found`, distinct from a blank answer.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use regex::Regex;

use crate::choice::{Choice, Picked};
use crate::mapping::transform::{NO_WORDS, YES_WORDS};
use crate::mapping::{CellRef, JoinPart, LabelPattern, Locator, MAX_GROUP_MEMBERS, Take, TickKey};
use crate::read::{
    FieldKey, GridPos, MarkTarget, Marks, RawValue, SourceDoc, TextLine, Widget, cell_key,
};
use crate::xpath::{Values, XPath};

/// One value found, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The raw value.
    pub value: RawValue,
    /// Provenance.
    pub source: String,
    /// A problem with the answer itself (e.g. two options ticked).
    pub problem: Option<String>,
    /// The document's source fields the hit read (indexes into `SourceDoc::fields`): what the drift check counts
    /// as consumed. Kept apart from `source`, which is text for people (a sheet may be named "Child, details").
    pub read: Vec<usize>,
    /// Where the value's text starts: in which field or line, at which byte (a value taken from inside a
    /// label's cell starts after the label). A `choice` reads the marks from there.
    pub at: Option<(MarkTarget, usize)>,
    /// Why an empty value is empty, when it is worth saying (e.g. no option marked).
    pub remark: Option<String>,
}

impl Hit {
    fn new(value: RawValue, source: String) -> Hit {
        Hit {
            value,
            source,
            problem: None,
            read: Vec::new(),
            at: None,
            remark: None,
        }
    }

    /// A hit on one source field of the document.
    fn field(doc: &SourceDoc, index: usize) -> Option<Hit> {
        let f = doc.fields.get(index)?;
        Some(Hit {
            read: vec![index],
            at: Some((MarkTarget::Field(index), 0)),
            ..Hit::new(f.value.clone(), f.key.to_string())
        })
    }
}

/// Lookup tables over one document, built once and shared by all of a mapping's rules.
pub struct DocIndex<'d> {
    doc: &'d SourceDoc,
    by_key: HashMap<&'d FieldKey, usize>,
    by_pos: HashMap<GridPos, usize>,
    sheets: HashMap<&'d str, u32>,
    /// Text lines in reading order (page, y, x), and each one's index in the document.
    lines: Vec<&'d TextLine>,
    line_ids: Vec<usize>,
    /// Per grid, the columns that hold some text: an empty cell of an unused column is a spacer. Built when a
    /// `label` first looks right of a cell, not for every document.
    used_columns: OnceCell<HashMap<u32, HashSet<u32>>>,
    /// The mapping's label regexes, and the grid cells they find (indexes into the fields, built when first
    /// needed): printed questions, never an answer.
    labels: Vec<&'d Regex>,
    printed: OnceCell<HashSet<usize>>,
    /// The same labels as one set, and for each label the first grid cell it matches (index into the fields),
    /// found in one pass over the cells when first needed.
    label_set: Option<&'d regex::RegexSet>,
    first_cells: OnceCell<Vec<Option<usize>>>,
}

impl<'d> DocIndex<'d> {
    /// Indexes a document.
    pub fn new(doc: &'d SourceDoc) -> DocIndex<'d> {
        let mut by_key = HashMap::with_capacity(doc.fields.len());
        let mut by_pos = HashMap::new();
        for (i, f) in doc.fields.iter().enumerate() {
            by_key.entry(&f.key).or_insert(i);
            if let Some(p) = f.pos {
                by_pos.insert(p, i);
            }
        }
        let sheets = doc
            .sheets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| u32::try_from(i).ok().map(|i| (s.as_str(), i)))
            .collect();
        let mut order: Vec<usize> = (0..doc.lines.len()).collect();
        order.sort_by(|&a, &b| match (doc.lines.get(a), doc.lines.get(b)) {
            (Some(a), Some(b)) => a
                .page
                .cmp(&b.page)
                .then(a.y.total_cmp(&b.y))
                .then(a.x.total_cmp(&b.x)),
            _ => a.cmp(&b),
        });
        let lines = order.iter().filter_map(|&i| doc.lines.get(i)).collect();
        DocIndex {
            doc,
            by_key,
            by_pos,
            sheets,
            lines,
            line_ids: order,
            used_columns: OnceCell::new(),
            labels: Vec::new(),
            printed: OnceCell::new(),
            label_set: None,
            first_cells: OnceCell::new(),
        }
    }

    /// The mapping's label regexes: the cells they find (each one's first match, as `label` finds it) are
    /// printed questions, so `label` never takes one as the answer to another.
    /// `set`, when given, holds the same patterns in the same order, so one pass over the cells finds each
    /// label's first cell.
    #[must_use]
    pub fn with_printed(
        mut self,
        labels: Vec<&'d Regex>,
        set: Option<&'d regex::RegexSet>,
    ) -> DocIndex<'d> {
        self.label_set = set.filter(|s| s.len() == labels.len());
        self.labels = labels;
        self
    }

    /// For each of the mapping's labels, the first grid cell whose trimmed text it matches: one pass over the
    /// cells with the label set. `None` without a set.
    fn first_cells(&self) -> Option<&[Option<usize>]> {
        let set = self.label_set?;
        Some(self.first_cells.get_or_init(|| {
            let mut first: Vec<Option<usize>> = vec![None; set.len()];
            let mut left = set.len();
            for (i, f) in self.doc.fields.iter().enumerate() {
                if left == 0 {
                    break;
                }
                let (Some(_), RawValue::Text(t)) = (f.pos, &f.value) else {
                    continue;
                };
                for k in set.matches(t.trim()).iter() {
                    if let Some(slot @ None) = first.get_mut(k) {
                        *slot = Some(i);
                        left -= 1;
                    }
                }
            }
            first
        }))
    }

    /// The cells the mapping's labels find.
    fn printed(&self) -> &HashSet<usize> {
        self.printed.get_or_init(|| {
            self.labels
                .iter()
                .filter_map(|re| self.label_cell(re, Scope::All).map(|(i, _, _)| i))
                .collect()
        })
    }

    /// Per grid, the columns that hold some text.
    fn used_columns(&self) -> &HashMap<u32, HashSet<u32>> {
        self.used_columns.get_or_init(|| {
            let mut used: HashMap<u32, HashSet<u32>> = HashMap::new();
            for f in &self.doc.fields {
                if let Some(p) = f.pos
                    && !f.value.is_empty()
                {
                    used.entry(p.sheet).or_default().insert(p.col);
                }
            }
            used
        })
    }

    /// The first grid cell within `scope` whose text matches a label: its index, position and text.
    fn label_cell(&self, re: &Regex, scope: Scope) -> Option<(usize, GridPos, &'d str)> {
        // One of the mapping's labels over the whole document: its first cell is known from the set's pass.
        if matches!(scope, Scope::All)
            && let Some(k) = self.labels.iter().position(|l| std::ptr::eq(*l, re))
            && let Some(first) = self.first_cells()
        {
            let i = (*first.get(k)?)?;
            let f = self.doc.fields.get(i)?;
            return match (&f.value, f.pos) {
                (RawValue::Text(t), Some(pos)) => Some((i, pos, t.as_str())),
                _ => None,
            };
        }
        self.doc.fields.iter().enumerate().find_map(|(i, f)| {
            let pos = f.pos.filter(|p| scope.holds(*p))?;
            match &f.value {
                RawValue::Text(t) if re.is_match(t.trim()) => Some((i, pos, t.as_str())),
                _ => None,
            }
        })
    }

    /// Each member's block: the grid cells matching `heading` (stacked blocks run from one heading's row to the
    /// row before the next heading of the same grid; headings side by side on one row each own the columns up
    /// to the next); else the text lines matching it (each block runs to the next heading line).
    fn blocks(&self, heading: &Regex) -> Vec<Scope> {
        let matches = |t: &RawValue| matches!(t, RawValue::Text(t) if heading.is_match(t.trim()));
        let mut cells: Vec<GridPos> = self
            .doc
            .fields
            .iter()
            .filter(|f| matches(&f.value))
            .filter_map(|f| f.pos)
            .collect();
        cells.sort();
        if cells.is_empty() {
            let starts: Vec<usize> = self
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| heading.is_match(l.text.trim()))
                .map(|(i, _)| i)
                .collect();
            let end = self.lines.len().saturating_sub(1);
            return starts
                .iter()
                .enumerate()
                .map(|(n, &first)| Scope::Lines {
                    first,
                    last: starts.get(n + 1).map_or(end, |next| next.saturating_sub(1)),
                })
                .collect();
        }
        let side_by_side = cells.len() > 1
            && cells.first().is_some_and(|first| {
                cells
                    .iter()
                    .all(|c| c.sheet == first.sheet && c.row == first.row)
            });
        cells
            .iter()
            .enumerate()
            .map(|(n, c)| {
                let next = cells.get(n + 1);
                if side_by_side {
                    Scope::Band {
                        sheet: c.sheet,
                        row: c.row,
                        first: c.col,
                        last: next.map_or(u32::MAX, |x| x.col.saturating_sub(1)),
                    }
                } else {
                    Scope::Rows {
                        sheet: c.sheet,
                        first: c.row,
                        last: next
                            .filter(|x| x.sheet == c.sheet)
                            .map_or(u32::MAX, |x| x.row.saturating_sub(1)),
                    }
                }
            })
            .collect()
    }

    /// A `label` or `labels` read within one block.
    fn in_block(&self, inner: &Locator, scope: Scope) -> Option<Hit> {
        match inner {
            Locator::Label {
                pattern: LabelPattern::One(re),
                take,
                stop,
            } => self.label(re, *take, stop.as_ref(), scope),
            Locator::Labels {
                patterns,
                take,
                separator,
            } => self.labels(patterns.first()?, *take, separator, scope),
            _ => None,
        }
    }

    /// Several labels' answers joined (a name over Title / Forename / Surname); `None` when no label is there.
    fn labels(&self, patterns: &[Regex], take: Take, sep: &str, scope: Scope) -> Option<Hit> {
        let hits: Vec<Hit> = patterns
            .iter()
            .filter_map(|re| self.label(re, take, None, scope))
            .collect();
        if hits.is_empty() {
            return None;
        }
        let hit = joined(&hits, sep);
        Some(if hit.value.is_empty() {
            Hit {
                value: RawValue::Empty,
                ..hit
            }
        } else {
            hit
        })
    }

    /// A `join` with table columns: row n of every column part (and every lone cell) makes member n; trailing
    /// rows with nothing in them are no members.
    fn join_rows(&self, parts: &[JoinPart], sep: &str) -> Option<Vec<Hit>> {
        let rows = parts
            .iter()
            .filter_map(|p| match p {
                JoinPart::Range(r) => Some(r.last.0.saturating_sub(r.first.0).saturating_add(1)),
                _ => None,
            })
            .max()?;
        let mut found = false;
        let mut hits: Vec<Hit> = (0..rows)
            .map(|n| {
                let cells: Vec<Hit> = parts
                    .iter()
                    .filter_map(|p| match p {
                        JoinPart::Range(r) => {
                            let row = r.first.0.checked_add(n).filter(|row| *row <= r.last.0)?;
                            self.cell(&CellRef {
                                sheet: r.sheet.clone(),
                                row,
                                col: r.first.1,
                            })
                        }
                        JoinPart::Cell(c) => self.cell(c),
                        _ => None,
                    })
                    .collect();
                found |= !cells.is_empty();
                joined(&cells, sep)
            })
            .collect();
        while hits.last().is_some_and(|h| h.value.is_empty()) {
            hits.pop();
        }
        found.then_some(hits)
    }

    /// The option a hit's text picks (see [`crate::choice`]): its value becomes the option's, its provenance
    /// says how it was marked; none marked is empty with a remark, two marked a problem. A text holding none of
    /// the options, or a value that is not text, is left as it is.
    pub fn choose(&self, hit: Hit, choice: &Choice) -> Hit {
        let RawValue::Text(text) = &hit.value else {
            return hit;
        };
        let marks: Vec<(std::ops::Range<usize>, Marks)> = match hit.at {
            // The document's marks are few (docx runs with a property), so they are scanned, not indexed.
            Some((target, offset)) => self
                .doc
                .marks
                .iter()
                .filter(|m| m.target == target)
                .filter_map(|m| {
                    let r = &m.range;
                    let start = r.start.saturating_sub(offset).min(text.len());
                    let end = r.end.saturating_sub(offset).min(text.len());
                    (r.end > offset && start < end).then_some((start..end, m.marks))
                })
                .collect(),
            None => Vec::new(),
        };
        match choice.pick(text, &marks) {
            Picked::One(i, how) => match choice.options.get(i) {
                Some(option) => Hit {
                    value: RawValue::Text(option.value.clone()),
                    source: format!("{} ({})", hit.source, how.as_str()),
                    ..hit
                },
                None => hit,
            },
            Picked::NoneMarked(reason) => Hit {
                value: RawValue::Empty,
                remark: Some(reason),
                ..hit
            },
            Picked::Several(reason) => Hit {
                problem: Some(reason),
                ..hit
            },
            Picked::Other => hit,
        }
    }

    /// The document indexed.
    pub fn doc(&self) -> &'d SourceDoc {
        self.doc
    }

    /// Every grid position that holds a source field (xlsx/ods cells), in no order.
    pub fn grid_positions(&self) -> impl Iterator<Item = GridPos> + '_ {
        self.by_pos.keys().copied()
    }

    /// The non-empty value stored at a grid position itself (a merged region's other cells hold none).
    pub fn filled(&self, sheet: u32, row: u32, col: u32) -> Option<&'d RawValue> {
        let i = *self.by_pos.get(&GridPos { sheet, row, col })?;
        self.doc
            .fields
            .get(i)
            .map(|f| &f.value)
            .filter(|v| !v.is_empty())
    }

    /// The last (row, column) of the merged region holding a cell; the cell itself when it is not merged.
    pub fn extent(&self, p: GridPos) -> (u32, u32) {
        self.doc
            .merges
            .iter()
            .find(|m| m.contains(p.sheet, p.row, p.col))
            .map_or((p.row, p.col), |m| m.last)
    }

    /// Every value the locator finds: one hit for a single field, one per member for groups.
    pub fn locate(&self, locator: &Locator) -> Option<Vec<Hit>> {
        match locator {
            Locator::Cell(c) => self.cell(c).map(|h| vec![h]),
            Locator::Cells(cs) => {
                let hits: Vec<Hit> = cs.iter().filter_map(|c| self.cell(c)).collect();
                (!hits.is_empty()).then_some(hits)
            }
            Locator::Range(r) => {
                let sheet = *self.sheets.get(r.sheet.as_str())?;
                let mut hits: Vec<Hit> = (r.first.0..=r.last.0)
                    .map(|row| self.grid_hit(sheet, row, r.first.1))
                    .collect();
                while hits.last().is_some_and(|h| h.value.is_empty()) {
                    hits.pop();
                }
                Some(hits)
            }
            Locator::Label {
                pattern,
                take,
                stop,
            } => match pattern {
                LabelPattern::One(re) => self
                    .label(re, *take, stop.as_ref(), Scope::All)
                    .map(|h| vec![h]),
                LabelPattern::Numbered(res) => {
                    let hits: Vec<Hit> = res
                        .iter()
                        .map_while(|re| self.label(re, *take, stop.as_ref(), Scope::All))
                        .collect();
                    (!hits.is_empty()).then_some(hits)
                }
            },
            Locator::Labels {
                patterns,
                take,
                separator,
            } => {
                let hits: Vec<Hit> = patterns
                    .iter()
                    .map_while(|member| self.labels(member, *take, separator, Scope::All))
                    .collect();
                (!hits.is_empty()).then_some(hits)
            }
            Locator::Block { heading, inner } => {
                let blocks = self.blocks(heading);
                let hits: Vec<Option<Hit>> =
                    blocks.iter().map(|b| self.in_block(inner, *b)).collect();
                if hits.iter().all(Option::is_none) {
                    return None;
                }
                // A block without the sub-label is a member with nothing there.
                Some(
                    hits.into_iter()
                        .enumerate()
                        .map(|(n, h)| {
                            h.unwrap_or_else(|| {
                                Hit::new(RawValue::Empty, format!("block {}", n + 1))
                            })
                        })
                        .collect(),
                )
            }
            Locator::Join(parts, sep) if parts.iter().any(|p| matches!(p, JoinPart::Range(_))) => {
                self.join_rows(parts, sep)
            }
            Locator::Tick(options) => self.tick(options),
            Locator::Field(pattern) if pattern.contains("{n}") => {
                let hits: Vec<Hit> = (1..=MAX_GROUP_MEMBERS)
                    .map_while(|n| {
                        self.key_glob(&FieldKey::parse(&pattern.replace("{n}", &n.to_string())))
                    })
                    .collect();
                (!hits.is_empty()).then_some(hits)
            }
            Locator::Field(pattern) => self.key_glob(&FieldKey::parse(pattern)).map(|h| vec![h]),
            Locator::Xfa(path) => self.xfa(path).map(|h| vec![h]),
            Locator::Path(path) => {
                let hits = self.xpath(path);
                (!hits.is_empty()).then_some(hits)
            }
            Locator::Join(parts, sep) => self.join(parts, sep).map(|h| vec![h]),
            Locator::Control(name) => self.numbered(name, |n| self.control(n)),
            Locator::FormField(name) => {
                self.numbered(name, |n| self.key(&FieldKey::FormField(n.to_string())))
            }
            Locator::PdfTick(options) => self.pdf_tick(options),
            Locator::Fields(names) => {
                let hits: Vec<Hit> = names
                    .iter()
                    .filter_map(|n| self.key_glob(&FieldKey::parse(n)))
                    .collect();
                (!hits.is_empty()).then_some(hits)
            }
            Locator::FieldMembers(pattern) => self.field_members(pattern),
        }
    }

    /// For a `path` locator that found nothing ([`DocIndex::locate`] gave `None`): the empty container it runs
    /// into, as an empty hit whose provenance is the container's concrete path (`/Request/Professionals`), when
    /// there is one (see [`XPath::empty_container`]). `<Professionals/>` is the answer "none", not drift. Other
    /// locators, and a path whose container is absent or holds something, give `None`.
    pub fn empty_container(&self, locator: &Locator) -> Option<Hit> {
        let Locator::Path(path) = locator else {
            return None;
        };
        let tree = self.doc.xml.as_ref()?;
        let el = tree.elements.get(path.empty_container(tree)?)?;
        Some(Hit::new(RawValue::Empty, el.path.clone()))
    }

    /// A docx locator, or with `{n}` one hit per member 1, 2, ... up to the first that is not there.
    fn numbered(&self, name: &str, find: impl Fn(&str) -> Option<Hit>) -> Option<Vec<Hit>> {
        if !name.contains("{n}") {
            return find(name).map(|h| vec![h]);
        }
        let hits: Vec<Hit> = (1..=MAX_GROUP_MEMBERS)
            .map_while(|n| find(&name.replace("{n}", &n.to_string())))
            .collect();
        (!hits.is_empty()).then_some(hits)
    }

    /// A content control by tag (its key), else by alias (its label).
    fn control(&self, name: &str) -> Option<Hit> {
        // By tag through the index; else by alias (a linear scan, as aliases are not keys).
        self.key(&FieldKey::Control(name.to_string())).or_else(|| {
            let i = self.doc.fields.iter().position(|f| f.is_control(name))?;
            Hit::field(self.doc, i)
        })
    }

    /// Every element or attribute a path selects, in document order; an element without text is an empty hit
    /// (a blank answer), and provenance is the concrete path (`/Request/Parents/Parent[2]/Name`).
    fn xpath(&self, path: &XPath) -> Vec<Hit> {
        let Some(tree) = &self.doc.xml else {
            return Vec::new();
        };
        path.select(tree, self)
            .into_iter()
            .filter_map(|s| {
                let el = tree.elements.get(s.element)?;
                match s.attr {
                    Some(a) => Hit::field(self.doc, el.attrs.get(a)?.field),
                    None => {
                        let value = el
                            .text
                            .and_then(|i| self.doc.fields.get(i))
                            .map_or(RawValue::Empty, |f| f.value.clone());
                        Some(Hit {
                            read: el.text.into_iter().collect(),
                            ..Hit::new(value, el.path.clone())
                        })
                    }
                }
            })
            .collect()
    }

    fn key(&self, key: &FieldKey) -> Option<Hit> {
        Hit::field(self.doc, *self.by_key.get(key)?)
    }

    /// An XFA data leaf, by its path below `xfa:datasets/xfa:data` (see `read::pdf`); else the field the
    /// path names as a key (`xfa:form1/Child`, or a field name).
    fn xfa(&self, path: &str) -> Option<Hit> {
        let bare = path
            .trim_start_matches("xfa:datasets/")
            .trim_start_matches("xfa:data/")
            .trim_start_matches('/');
        self.key(&FieldKey::Xfa(bare.to_string()))
            .or_else(|| self.key(&FieldKey::parse(path)))
    }

    /// A PDF's widgets in reading order: page, then top to bottom, then left to right.
    fn widgets_in_reading_order(&self) -> Vec<&'d Widget> {
        let mut ws: Vec<&Widget> = self.doc.widgets.iter().collect();
        ws.sort_by(|a, b| {
            a.page
                .cmp(&b.page)
                .then(a.rect[1].total_cmp(&b.rect[1]))
                .then(a.rect[0].total_cmp(&b.rect[0]))
        });
        ws
    }

    /// A group's `field`: the exact field as the one member, else every field the glob matches, in the reading
    /// order of their first widgets (fields without a widget after them, in document order).
    fn field_members(&self, pattern: &str) -> Option<Vec<Hit>> {
        if let Some(hit) = self.key(&FieldKey::parse(pattern)) {
            return Some(vec![hit]);
        }
        let glob = glob::Pattern::new(pattern).ok()?;
        let matches = |i: &usize| {
            self.doc
                .fields
                .get(*i)
                .is_some_and(|f| glob.matches(&f.key.text()))
        };
        let mut seen = vec![false; self.doc.fields.len()];
        let mut order = Vec::new();
        let placed = self.widgets_in_reading_order().into_iter().map(|w| w.field);
        for i in placed.chain(0..self.doc.fields.len()) {
            if let Some(s) = seen.get_mut(i)
                && !*s
            {
                *s = true;
                if matches(&i) {
                    order.push(i);
                }
            }
        }
        let hits: Vec<Hit> = order
            .into_iter()
            .filter_map(|i| Hit::field(self.doc, i))
            .collect();
        (!hits.is_empty()).then_some(hits)
    }

    /// The first widget in reading order whose printed label the regex matches: its field's value.
    fn widget_label(&self, re: &Regex) -> Option<Hit> {
        let w = self
            .widgets_in_reading_order()
            .into_iter()
            .find(|w| w.label.as_deref().is_some_and(|l| re.is_match(l.trim())))?;
        Hit::field(self.doc, w.field)
    }

    /// The first widget in reading order whose printed label is `label` (ignoring case, white space around it and
    /// a trailing colon).
    fn widget_labelled(&self, label: &str) -> Option<&'d Widget> {
        let norm = |s: &str| s.trim().trim_end_matches(':').trim().to_lowercase();
        let want = norm(label);
        self.widgets_in_reading_order()
            .into_iter()
            .find(|w| w.label.as_deref().is_some_and(|l| norm(l) == want))
    }

    /// A tick on a PDF form: each option is a field (a check box, or a one-character text box holding X or a
    /// tick), a radio group's option (`Gender=Male`), or the widget a printed label names; the option marked
    /// wins, two marked is a problem naming them, none is empty.
    fn pdf_tick(&self, options: &[(TickKey, String)]) -> Option<Vec<Hit>> {
        let mut found_any = false;
        let mut read = Vec::new();
        let mut marked: Vec<(Hit, String)> = Vec::new();
        for (key, value) in options {
            let Some((index, on)) = self.tick_option(key) else {
                continue;
            };
            found_any = true;
            read.push(index);
            let Some(f) = self.doc.fields.get(index) else {
                continue;
            };
            let is_on = match (&on, &f.value) {
                (Some(export), RawValue::Text(t)) => t.trim().eq_ignore_ascii_case(export.trim()),
                (Some(_), RawValue::Bool(b)) => *b,
                (Some(_), _) => false,
                (None, v) => is_ticked_box(v),
            };
            if is_on {
                let source = match &on {
                    Some(export) if matches!(f.value, RawValue::Text(_)) => {
                        format!("{}={export}", f.key)
                    }
                    _ => f.key.to_string(),
                };
                marked.push((
                    Hit::new(RawValue::Text(value.clone()), source),
                    key.to_string(),
                ));
            }
        }
        if !found_any {
            return None;
        }
        read.sort_unstable();
        read.dedup();
        let all = options
            .iter()
            .map(|(k, _)| k.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let hit = match marked.len() {
            0 => Hit::new(RawValue::Empty, all),
            1 => marked.swap_remove(0).0,
            n => Hit {
                value: RawValue::Text(
                    marked
                        .iter()
                        .map(|(h, _)| h.value.to_text())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                source: marked
                    .iter()
                    .map(|(h, _)| h.source.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                problem: Some(format!(
                    "{n} options ticked where one was expected: {}",
                    marked
                        .iter()
                        .map(|(_, k)| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                read: Vec::new(),
                at: None,
                remark: None,
            },
        };
        Some(vec![Hit { read, ..hit }])
    }

    /// The field a PDF tick option reads, and the export value that marks it (radio options and labelled
    /// buttons), or `None` for a box marked by its own value.
    fn tick_option(&self, key: &TickKey) -> Option<(usize, Option<String>)> {
        match key {
            TickKey::Label(label) => {
                let w = self.widget_labelled(label)?;
                Some((w.field, w.on.clone()))
            }
            TickKey::Field { name, option } => {
                if let Some(&i) = self.by_key.get(&FieldKey::parse(name)) {
                    return Some((i, None));
                }
                if let Some((group, export)) = option {
                    let i = self.glob_index(group)?;
                    return Some((i, Some(export.clone())));
                }
                Some((self.glob_index(name)?, None))
            }
        }
    }

    /// The field of an exact name, else the first a glob matches.
    fn glob_index(&self, pattern: &str) -> Option<usize> {
        if let Some(&i) = self.by_key.get(&FieldKey::parse(pattern)) {
            return Some(i);
        }
        self.glob_position(pattern)
    }

    /// The first field whose key's text form a glob matches.
    fn glob_position(&self, pattern: &str) -> Option<usize> {
        let glob = glob::Pattern::new(pattern).ok()?;
        self.doc
            .fields
            .iter()
            .position(|f| glob.matches(&f.key.text()))
    }

    /// The field of a key, else the first whose key the key's text form matches as a glob.
    fn key_glob(&self, key: &FieldKey) -> Option<Hit> {
        if let Some(hit) = self.key(key) {
            return Some(hit);
        }
        Hit::field(self.doc, self.glob_position(&key.text())?)
    }

    fn cell(&self, c: &CellRef) -> Option<Hit> {
        let sheet = *self.sheets.get(c.sheet.as_str())?;
        Some(self.grid_hit(sheet, c.row, c.col))
    }

    /// The value at a grid position; a cell inside a merged region reads the region's top-left value.
    fn grid_hit(&self, sheet: u32, row: u32, col: u32) -> Hit {
        let (r, c) = self.anchor(sheet, row, col);
        let index = self.by_pos.get(&GridPos {
            sheet,
            row: r,
            col: c,
        });
        let value = index
            .and_then(|&i| self.doc.fields.get(i))
            .map_or(RawValue::Empty, |f| f.value.clone());
        Hit {
            read: index.copied().into_iter().collect(),
            at: index.map(|&i| (MarkTarget::Field(i), 0)),
            ..Hit::new(value, self.cell_name(sheet, r, c))
        }
    }

    fn anchor(&self, sheet: u32, row: u32, col: u32) -> (u32, u32) {
        self.doc
            .merges
            .iter()
            .find(|m| m.contains(sheet, row, col))
            .map_or((row, col), |m| m.first)
    }

    /// A grid position's name, `Sheet!C5`.
    pub fn cell_name(&self, sheet: u32, row: u32, col: u32) -> String {
        let name = self
            .doc
            .sheets
            .get(sheet as usize)
            .map_or("?", String::as_str);
        cell_key(name, row, col)
    }

    /// A label's value within `scope`: in a grid if the document has one, else in the flat text lines.
    fn label(&self, re: &Regex, take: Take, stop: Option<&Regex>, scope: Scope) -> Option<Hit> {
        self.grid_label(re, take, scope)
            .or_else(|| self.text_label(re, take, stop, scope))
    }

    /// The first grid cell whose text matches the label, then the answer: the cell past its (merged) extent,
    /// past empty spacer cells (`right`: an unmerged cell of a column that is empty in every row), or the text
    /// after the label in its own cell (`inside`). A cell that is itself a label of the mapping is never an
    /// answer: the value is then empty.
    fn grid_label(&self, re: &Regex, take: Take, scope: Scope) -> Option<Hit> {
        if matches!(scope, Scope::Lines { .. }) {
            return None;
        }
        let Some((index, pos, text)) = self.label_cell(re, scope) else {
            // Blocks side by side often share one column of labels left of them: the label's row, the block's
            // column.
            let Scope::Band {
                sheet, row, first, ..
            } = scope
            else {
                return None;
            };
            let below = Scope::Rows {
                sheet,
                first: row.saturating_add(1),
                last: u32::MAX,
            };
            let (_, pos, _) = self.label_cell(re, below)?;
            return Some(self.grid_hit(sheet, pos.row, first));
        };
        let extent = self.extent(pos);
        let next = extent.1.checked_add(1)?;
        let (row, col) = match take {
            Take::Inside => return Some(self.inside(index, re, text)),
            Take::Right => (pos.row, self.past_spacers(pos.sheet, pos.row, next)),
            Take::Below => (extent.0.checked_add(1)?, pos.col),
        };
        let hit = self.grid_hit(pos.sheet, row, col);
        // Past a spacer, a cell that reads like a question (ends with `:` or `?`) is the next label.
        let question = |t: &str| col > next && t.trim_end().ends_with([':', '?']);
        let printed = hit.read.iter().any(|i| self.printed().contains(i));
        let hit = match &hit.value {
            RawValue::Text(t) if printed || question(t) => Hit {
                value: RawValue::Empty,
                read: Vec::new(),
                at: None,
                ..hit
            },
            _ => hit,
        };
        // Nothing beside or below, but something typed into the label's own cell, set apart from the label by a
        // line break or a wider gap (`Surname:  Osei`, `First names\nSarah`): that is the answer. Text that
        // follows the match after one space is more of the printed label (`Tel: Home / Mobile`), never an answer.
        if hit.value.is_empty() && typed_after(text, re) {
            return Some(self.inside(index, re, text));
        }
        Some(hit)
    }

    /// The first column from `next` on that is not a spacer: an empty, unmerged cell whose column holds no text
    /// in any row of the grid is skipped (a narrow gap column between label and answer). When only spacers
    /// follow, `next` itself.
    fn past_spacers(&self, sheet: u32, row: u32, next: u32) -> u32 {
        let Some(used) = self.used_columns().get(&sheet) else {
            return next;
        };
        let spacer = |col: u32| {
            !used.contains(&col)
                && self.extent(GridPos { sheet, row, col }) == (row, col)
                && self.filled(sheet, row, col).is_none()
        };
        let last_used = used.iter().max().copied().unwrap_or(0);
        (next..=last_used).find(|&col| !spacer(col)).unwrap_or(next)
    }

    /// The answer written into the label's own cell: the text after the label's match, a leading `:` dropped.
    fn inside(&self, index: usize, re: &Regex, text: &str) -> Hit {
        let lead = text.len() - text.trim_start().len();
        let after = re.find(text.trim()).map_or(text.len(), |m| lead + m.end());
        let rest = text.get(after..).unwrap_or("");
        let trimmed = rest.trim_start().trim_start_matches(':').trim_start();
        let start = after + (rest.len() - trimmed.len());
        let value = trimmed.trim_end();
        let key = self
            .doc
            .fields
            .get(index)
            .map_or_else(String::new, |f| f.key.to_string());
        Hit {
            read: vec![index],
            at: Some((MarkTarget::Field(index), start)),
            ..Hit::new(
                if value.is_empty() {
                    RawValue::Empty
                } else {
                    RawValue::Text(value.to_string())
                },
                key,
            )
        }
    }

    /// Flat text (PDF pages), in reading order (page, y, x): `right` takes the rest of the label's line (a leading
    /// `:` dropped) or else the next run on the same baseline; `below` takes the following lines up to `stop`
    /// (exclusive) or, without `stop`, the next line only. The provenance names the page and the label, never
    /// the value.
    fn text_label(
        &self,
        re: &Regex,
        take: Take,
        stop: Option<&Regex>,
        scope: Scope,
    ) -> Option<Hit> {
        // A fillable PDF: the widget whose printed label matches (whichever side of the box it is printed).
        if scope == Scope::All
            && let Some(hit) = self.widget_label(re)
        {
            return Some(hit);
        }
        let lines = match scope {
            Scope::All => &self.lines[..],
            Scope::Lines { last, .. } => self.lines.get(..=last).unwrap_or(&self.lines),
            _ => return None,
        };
        let skip = match scope {
            Scope::Lines { first, .. } => first,
            _ => 0,
        };
        let (at, m, line) = lines.iter().enumerate().skip(skip).find_map(|(i, l)| {
            let m = re.find(&l.text)?;
            Some((i, m, *l))
        })?;
        let source = format!("p{} \"{}\"", line.page, short_label(m.as_str()));
        let after = line.text.get(m.end()..).unwrap_or("");
        let rest = after.trim().trim_start_matches(':').trim();
        // Where `rest` starts in the line, for a `choice` reading its marks.
        let rest_at = m.end()
            + (after.len()
                - after
                    .trim_start()
                    .trim_start_matches(':')
                    .trim_start()
                    .len());
        let mark_at = self
            .line_ids
            .get(at)
            .map(|&id| (MarkTarget::Line(id), rest_at));
        let following = lines.get(at.saturating_add(1)..).unwrap_or(&[]);
        let mut problem = None;
        let value = match (take, stop) {
            (Take::Right, Some(stop)) => {
                let (value, stopped) = up_to_stop(rest, following, stop);
                if !stopped {
                    // Never `ok` and wrong: the rest of the line may hold the next question and its answer.
                    problem = Some(format!(
                        "the `stop` after \"{}\" was not found: the form may have changed",
                        short_label(m.as_str())
                    ));
                }
                value
            }
            (Take::Right | Take::Inside, _) if !rest.is_empty() => rest.to_string(),
            (Take::Inside, _) => String::new(),
            (Take::Right, None) => following
                .iter()
                .take_while(|l| l.page == line.page && (l.y - line.y).abs() < 2.0)
                .find(|l| l.x > line.x)
                .map(|l| l.text.trim().to_string())
                .unwrap_or_default(),
            (Take::Below, _) => {
                let following = following.iter();
                let taken: Vec<&str> = match stop {
                    Some(stop) => following
                        .take_while(|l| !stop.is_match(&l.text))
                        .take(MAX_BELOW_LINES)
                        .map(|l| l.text.trim())
                        .collect(),
                    None => following.take(1).map(|l| l.text.trim()).collect(),
                };
                taken.join("\n")
            }
        };
        // A `choice` reads marks from where the value starts: only when it starts where the rest of the line does.
        let at = (!value.is_empty() && rest.starts_with(value.as_str()))
            .then_some(mark_at)
            .flatten();
        let value = crate::label::without_leaders(&value);
        let value = if value.is_empty() {
            RawValue::Empty
        } else {
            RawValue::Text(value)
        };
        Some(Hit {
            at,
            problem,
            ..Hit::new(value, source)
        })
    }

    fn tick(&self, options: &[(CellRef, String)]) -> Option<Vec<Hit>> {
        let mut marked = Vec::new();
        let mut found_any = false;
        // Every option's cell is read, marked or not.
        let mut read = Vec::new();
        for (cell, value) in options {
            let Some(hit) = self.cell(cell) else { continue };
            found_any = true;
            read.extend_from_slice(&hit.read);
            if is_marked(&hit.value) {
                marked.push(Hit::new(RawValue::Text(value.clone()), hit.source));
            }
        }
        if !found_any {
            return None;
        }
        let all = options
            .iter()
            .map(|(c, _)| c.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let hit = match marked.len() {
            0 => Hit::new(RawValue::Empty, all),
            1 => marked.swap_remove(0),
            n => Hit {
                value: RawValue::Text(
                    marked
                        .iter()
                        .map(|h| h.value.to_text())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                source: marked
                    .iter()
                    .map(|h| h.source.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                problem: Some(format!("{n} options ticked where one was expected")),
                read: Vec::new(),
                at: None,
                remark: None,
            },
        };
        Some(vec![Hit { read, ..hit }])
    }

    fn join(&self, parts: &[JoinPart], sep: &str) -> Option<Hit> {
        let hits: Vec<Hit> = parts
            .iter()
            .filter_map(|part| match part {
                JoinPart::Cell(c) => self.cell(c),
                JoinPart::Path(p) => self.xpath(p).into_iter().next(),
                JoinPart::Key(k) if self.doc.sheets.is_empty() => self.key_glob(k),
                JoinPart::Key(k) => self.key(k),
                JoinPart::Range(_) => None,
            })
            .collect();
        if hits.is_empty() {
            return None;
        }
        Some(joined(&hits, sep))
    }
}

/// True when a label's cell holds more text after the label's match, set apart by a line break, a tab or two
/// spaces: an answer typed into the label's cell rather than the rest of the printed label. Text that reads as
/// printed (a note in brackets, `(please state if offset)`, or a question ending in `:` or `?`) is not one.
fn typed_after(text: &str, re: &Regex) -> bool {
    let text = text.trim();
    let Some(m) = re.find(text) else {
        return false;
    };
    let rest = text.get(m.end()..).unwrap_or("");
    let gap: String = rest.chars().take_while(|c| c.is_whitespace()).collect();
    let typed = rest.trim();
    !typed.is_empty()
        && (gap.contains(['\n', '\t']) || gap.chars().count() >= 2)
        && !typed.starts_with('(')
        && !typed.ends_with([':', '?'])
}

/// Hits' texts joined (empty ones and "N/A" left out), their provenance joined with ` + `, everything they
/// read.
fn joined(hits: &[Hit], sep: &str) -> Hit {
    let text = hits
        .iter()
        .map(|h| h.value.to_text().trim().to_string())
        .filter(|t| !t.is_empty() && !crate::mapping::transform::not_applicable(t))
        .collect::<Vec<_>>()
        .join(sep);
    let source = hits
        .iter()
        .map(|h| h.source.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    Hit {
        read: hits.iter().flat_map(|h| h.read.iter().copied()).collect(),
        ..Hit::new(RawValue::Text(text), source)
    }
}

/// Where a label is searched: the whole document, or one member's block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Everywhere.
    All,
    /// Rows `first..=last` of one grid (a stacked block).
    Rows { sheet: u32, first: u32, last: u32 },
    /// Below `row`, columns `first..=last` of one grid (blocks side by side).
    Band {
        sheet: u32,
        row: u32,
        first: u32,
        last: u32,
    },
    /// Text lines `first..=last`, in reading order.
    Lines { first: usize, last: usize },
}

impl Scope {
    /// True when a grid position lies within.
    fn holds(self, p: GridPos) -> bool {
        match self {
            Scope::All => true,
            Scope::Rows { sheet, first, last } => {
                p.sheet == sheet && (first..=last).contains(&p.row)
            }
            Scope::Band {
                sheet,
                row,
                first,
                last,
            } => p.sheet == sheet && p.row > row && (first..=last).contains(&p.col),
            Scope::Lines { .. } => false,
        }
    }
}

/// Most lines a `below` paragraph takes.
const MAX_BELOW_LINES: usize = 200;

/// `right` with a `stop`: the text after the label up to where `stop` matches, on the label's line ("Surname
/// ...... Boy/Girl ......") or on a later one (an address typed over dotted lines that run on to "Post Code"). When
/// `stop` matches nowhere within [`MAX_BELOW_LINES`], the rest of the label's line alone, and `None` in place
/// of the text: the form has changed, and what follows the label may be the next question's answer.
fn up_to_stop(rest: &str, following: &[&TextLine], stop: &Regex) -> (String, bool) {
    if let Some(m) = stop.find(rest) {
        return (
            rest.get(..m.start()).unwrap_or(rest).trim().to_string(),
            true,
        );
    }
    let mut parts = vec![rest];
    for l in following.iter().take(MAX_BELOW_LINES) {
        match stop.find(&l.text) {
            Some(m) => {
                parts.push(l.text.get(..m.start()).unwrap_or(""));
                let parts: Vec<&str> = parts
                    .iter()
                    .map(|p| p.trim())
                    .filter(|p| !p.is_empty())
                    .collect();
                return (parts.join("\n"), true);
            }
            None => parts.push(&l.text),
        }
    }
    (rest.to_string(), false)
}

/// A label as matched, trimmed and cut to 40 characters, for provenance.
fn short_label(s: &str) -> String {
    let s = s.trim().trim_end_matches(':').trim();
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A PDF tick box is marked when it is a check box that is on, or a text box holding just X, x, ✓ or ✔ (forms
/// that say "Insert an X in the box that applies").
fn is_ticked_box(v: &RawValue) -> bool {
    match v {
        RawValue::Bool(b) => *b,
        RawValue::Text(t) => matches!(t.trim(), "X" | "x" | "✓" | "✔"),
        _ => false,
    }
}

impl Values for DocIndex<'_> {
    fn text(&self, field: usize) -> Option<&str> {
        match &self.doc.fields.get(field)?.value {
            RawValue::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// A tick-box cell is marked by X, a tick, yes or TRUE; anything else (including "no") is not. A cell that
/// holds its option's wording after the box (Word forms: `☒ Parent`, `✓ School`, `X Parent`) is marked by its
/// first character: ☒ ☑ ✓ ✔, or an X followed by a space; `☐ Parent` is not.
fn is_marked(v: &RawValue) -> bool {
    match v {
        RawValue::Bool(b) => *b,
        RawValue::Text(t) => {
            let t = t.trim().to_lowercase();
            (YES_WORDS.contains(&t.as_str()) && !NO_WORDS.contains(&t.as_str()))
                || t.starts_with(['☒', '☑', '✓', '✔', '√'])
                || t.starts_with("x ")
        }
        RawValue::Number(n) => *n == 1.0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::SourceField;

    fn line(page: u32, y: f32, x: f32, text: &str) -> TextLine {
        TextLine {
            page,
            x,
            y,
            text: text.into(),
        }
    }

    fn label(re: &str, take: Take, stop: Option<&str>) -> Locator {
        Locator::Label {
            pattern: LabelPattern::One(Regex::new(re).unwrap()),
            take,
            stop: stop.map(|s| Regex::new(s).unwrap()),
        }
    }

    fn flat() -> SourceDoc {
        SourceDoc {
            // Deliberately out of reading order: the index sorts by (page, y, x).
            lines: vec![
                line(1, 140.0, 72.0, "Views of the child"),
                line(1, 100.0, 72.0, "Child's name: Amy Smith"),
                line(1, 120.0, 72.0, "Parent 1 name: Jo Smith"),
                line(1, 130.0, 72.0, "Parent 2 name:"),
                line(1, 160.0, 72.0, "Likes drawing."),
                line(2, 40.0, 72.0, "Dislikes noise."),
                line(2, 60.0, 72.0, "Section 4: Health"),
            ],
            ..SourceDoc::default()
        }
    }

    #[test]
    fn labels_on_flat_text() {
        let doc = flat();
        let index = DocIndex::new(&doc);
        let hits = index
            .locate(&label("(?i)child's name", Take::Right, None))
            .unwrap();
        assert_eq!(hits[0].value, RawValue::Text("Amy Smith".into()));
        assert_eq!(hits[0].source, "p1 \"Child's name\"");
        let below = index
            .locate(&label(
                "(?i)^views of the child",
                Take::Below,
                Some("^Section"),
            ))
            .unwrap();
        assert_eq!(
            below[0].value,
            RawValue::Text("Likes drawing.\nDislikes noise.".into())
        );
        let next = index
            .locate(&label("(?i)^views of the child", Take::Below, None))
            .unwrap();
        assert_eq!(next[0].value, RawValue::Text("Likes drawing.".into()));
        let blank = index
            .locate(&label("Parent 2 name", Take::Right, None))
            .unwrap();
        assert_eq!(blank[0].value, RawValue::Empty);
        assert!(index.locate(&label("Nowhere", Take::Right, None)).is_none());
    }

    #[test]
    fn right_with_a_stop_ends_on_the_line_or_runs_on_and_a_lost_stop_is_a_problem() {
        let doc = SourceDoc {
            lines: vec![
                line(
                    1,
                    100.0,
                    72.0,
                    "Surname of child ....Okafor...... Boy/Girl ....Girl....",
                ),
                line(
                    1,
                    114.0,
                    72.0,
                    "Address where child lives ....14 Quay Street......",
                ),
                line(1, 128.0, 72.0, "Fernley ..............................."),
                line(1, 142.0, 72.0, "Post Code ZF1 2AB"),
            ],
            ..SourceDoc::default()
        };
        let index = DocIndex::new(&doc);
        let one = |re: &str, stop: Option<&str>| {
            index
                .locate(&label(re, Take::Right, stop))
                .unwrap()
                .remove(0)
        };
        let surname = one("^Surname of child", Some("Boy/Girl"));
        assert_eq!(surname.value, RawValue::Text("Okafor".into()));
        assert!(surname.problem.is_none());
        assert_eq!(
            one(r"\bBoy/Girl", None).value,
            RawValue::Text("Girl".into())
        );
        let address = one("^Address where child lives", Some("^Post Code"));
        assert_eq!(
            address.value,
            RawValue::Text("14 Quay Street\nFernley".into())
        );
        // The form changed: the stop is printed no more, so the value is the line's rest and never `ok`.
        let lost = one("^Surname of child", Some("Gender"));
        assert_eq!(lost.value, RawValue::Text("Okafor Boy/Girl Girl".into()));
        assert!(lost.problem.unwrap().contains("was not found"));
    }

    #[test]
    fn numbered_labels_on_flat_text() {
        let doc = flat();
        let index = DocIndex::new(&doc);
        let numbered = Locator::Label {
            pattern: LabelPattern::Numbered(
                (1..=3)
                    .map(|n| Regex::new(&format!("Parent {n} name")).unwrap())
                    .collect(),
            ),
            take: Take::Right,
            stop: None,
        };
        let hits = index.locate(&numbered).unwrap();
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].value, RawValue::Text("Jo Smith".into()));
        assert_eq!(hits[1].value, RawValue::Empty);
    }

    #[test]
    fn xfa_paths_find_prefixed_leaves() {
        let doc = SourceDoc {
            fields: vec![SourceField {
                key: FieldKey::Xfa("form1/Section1/ChildName".into()),
                label: None,
                value: RawValue::Text("Amy".into()),
                pos: None,
            }],
            ..SourceDoc::default()
        };
        let index = DocIndex::new(&doc);
        for path in [
            "form1/Section1/ChildName",
            "xfa:datasets/xfa:data/form1/Section1/ChildName",
        ] {
            let hits = index.locate(&Locator::Xfa(path.into())).unwrap();
            assert_eq!(hits[0].value, RawValue::Text("Amy".into()));
            assert_eq!(hits[0].source, "xfa:form1/Section1/ChildName");
        }
    }

    #[test]
    fn keys_of_one_kind_never_answer_for_another() {
        let field = |key: FieldKey| SourceField {
            key,
            label: None,
            value: RawValue::Text("Amy".into()),
            pos: None,
        };
        // An AcroForm field whose name looks like an XFA leaf, a content control and a form field.
        let doc = SourceDoc {
            fields: vec![
                field(FieldKey::Field("xfa:form1/Child".into())),
                field(FieldKey::Field("sdt:Child".into())),
                field(FieldKey::Control("ff:Agree".into())),
            ],
            ..SourceDoc::default()
        };
        let index = DocIndex::new(&doc);
        assert!(index.locate(&Locator::Xfa("form1/Child".into())).is_none());
        assert!(index.locate(&Locator::Control("Child".into())).is_none());
        assert!(index.locate(&Locator::FormField("Agree".into())).is_none());
        let control = index.locate(&Locator::Control("ff:Agree".into())).unwrap();
        assert_eq!(control[0].source, "sdt:ff:Agree");
        assert_eq!(control[0].read, vec![2]);
        // A PDF field glob reads text forms, as before keys were typed.
        let glob = index.locate(&Locator::Field("sdt:*".into())).unwrap();
        assert_eq!(glob[0].source, "sdt:Child");
    }

    /// A fillable PDF as PDF editors leave it: generic names, the meaning only in the printed labels. The
    /// fields are in creation order, not reading order.
    fn generic_pdf() -> SourceDoc {
        let field = |key: &str, value: RawValue| SourceField {
            key: FieldKey::parse(key),
            label: None,
            value,
            pos: None,
        };
        let widget = |field: usize, top: f32, left: f32, label: &str, on: Option<&str>| Widget {
            field,
            page: 1,
            rect: [left, top, left + 10.0, top + 10.0],
            label: Some(label.into()).filter(|l: &String| !l.is_empty()),
            on: on.map(str::to_string),
        };
        SourceDoc {
            fields: vec![
                field("Text3", RawValue::Text("Jo Hart".into())),
                field("Text1", RawValue::Text("Hart".into())),
                field("Text2", RawValue::Text("Bo Hart".into())),
                field("Check Box1", RawValue::Bool(false)),
                field("Check Box2", RawValue::Bool(true)),
                field("Text7", RawValue::Text("x".into())),
                field("Text8", RawValue::Empty),
                field("Group1", RawValue::Text("Choice2".into())),
                field("Text9", RawValue::Text("Yes".into())),
                field("Check Box3", RawValue::Bool(true)),
            ],
            widgets: vec![
                widget(0, 300.0, 50.0, "Parent/carer 2 name", None),
                widget(1, 100.0, 50.0, "Surname", None),
                widget(2, 200.0, 50.0, "Parent/carer 1 name", None),
                widget(3, 150.0, 50.0, "Male", Some("Yes")),
                widget(4, 150.0, 120.0, "Female:", Some("Yes")),
                widget(5, 250.0, 50.0, "Parent", None),
                widget(6, 250.0, 120.0, "School", None),
                widget(7, 400.0, 50.0, "Yes", Some("Choice1")),
                widget(7, 400.0, 120.0, "No", Some("Choice2")),
                widget(8, 260.0, 50.0, "", None),
                widget(9, 150.0, 200.0, "Other", Some("Yes")),
            ],
            ..SourceDoc::default()
        }
    }

    fn tick(keys: &[(&str, &str)]) -> Locator {
        let key = |k: &str| match k.strip_prefix("label:") {
            Some(l) => TickKey::Label(l.into()),
            None => TickKey::Field {
                name: k.into(),
                option: k.rsplit_once('=').map(|(g, e)| (g.into(), e.into())),
            },
        };
        Locator::PdfTick(keys.iter().map(|(k, v)| (key(k), v.to_string())).collect())
    }

    #[test]
    fn labels_on_a_fillable_pdf_are_the_widgets_printed_labels_in_reading_order() {
        let doc = generic_pdf();
        let index = DocIndex::new(&doc);
        let hits = index
            .locate(&label("^Surname$", Take::Right, None))
            .unwrap();
        assert_eq!(hits[0].value, RawValue::Text("Hart".into()));
        assert_eq!(
            (hits[0].source.as_str(), hits[0].read.as_slice()),
            ("Text1", &[1][..])
        );
        // `{n}`: one member per number; the regex finds the label whatever order the fields were made in.
        let numbered = Locator::Label {
            pattern: LabelPattern::Numbered(
                (1..=3)
                    .map(|n| Regex::new(&format!("^Parent/carer {n} name$")).unwrap())
                    .collect(),
            ),
            take: Take::Right,
            stop: None,
        };
        let sources: Vec<String> = index
            .locate(&numbered)
            .unwrap()
            .into_iter()
            .map(|h| h.source)
            .collect();
        assert_eq!(sources, ["Text2", "Text3"]);
        // The first in reading order: "Parent/carer 1 name" (top 200) before "... 2 name" (top 300).
        let first = index
            .locate(&label("^Parent/carer", Take::Right, None))
            .unwrap();
        assert_eq!(first[0].source, "Text2");
        assert!(
            index
                .locate(&label("^Nowhere$", Take::Right, None))
                .is_none()
        );
    }

    #[test]
    fn a_group_glob_on_a_pdf_takes_every_match_in_reading_order() {
        let doc = generic_pdf();
        let index = DocIndex::new(&doc);
        let hits = index
            .locate(&Locator::FieldMembers("Text[123]".into()))
            .unwrap();
        let sources: Vec<&str> = hits.iter().map(|h| h.source.as_str()).collect();
        assert_eq!(
            sources,
            ["Text1", "Text2", "Text3"],
            "top to bottom, not field order"
        );
        let exact = index
            .locate(&Locator::FieldMembers("Text3".into()))
            .unwrap();
        assert_eq!(exact.len(), 1);
        assert!(
            index
                .locate(&Locator::FieldMembers("Nothing*".into()))
                .is_none()
        );
        let cells = index
            .locate(&Locator::Fields(vec![
                "Text3".into(),
                "Missing".into(),
                "Text1".into(),
            ]))
            .unwrap();
        let sources: Vec<&str> = cells.iter().map(|h| h.source.as_str()).collect();
        assert_eq!(sources, ["Text3", "Text1"]);
    }

    #[test]
    fn pdf_ticks_read_check_boxes_x_boxes_radio_options_and_printed_labels() {
        let doc = generic_pdf();
        let index = DocIndex::new(&doc);
        let one = |keys: &[(&str, &str)]| index.locate(&tick(keys)).unwrap().remove(0);
        // By printed label (a trailing colon and case ignored): Female is checked, Male is not.
        let h = one(&[("label:male", "male"), ("label:Female", "female")]);
        assert_eq!(
            (h.value, h.source, h.problem),
            (RawValue::Text("female".into()), "Check Box2".into(), None)
        );
        assert_eq!(h.read, [3, 4]);
        // One-character text boxes: a lower-case x marks; "Yes" in a text box does not.
        let h = one(&[
            ("Text7", "parent"),
            ("Text8", "school"),
            ("Text9", "young_person"),
        ]);
        assert_eq!(
            (h.value, h.source),
            (RawValue::Text("parent".into()), "Text7".into())
        );
        // A radio group's option, by `group=export` or by the button's printed label.
        let h = one(&[("Group1=Choice1", "yes"), ("Group1=choice2", "no")]);
        assert_eq!(
            (h.value, h.source),
            (RawValue::Text("no".into()), "Group1=choice2".into())
        );
        let h = one(&[("label:Yes", "yes"), ("label:No", "no")]);
        assert_eq!(h.value, RawValue::Text("no".into()));
        // None marked: empty, naming every option.
        let h = one(&[("Check Box1", "male"), ("Text8", "school")]);
        assert_eq!(
            (h.value, h.source),
            (RawValue::Empty, "Check Box1, Text8".into())
        );
        // Two marked: a problem naming the options, never the document's values.
        let h = one(&[
            ("label:Male", "male"),
            ("label:Female", "female"),
            ("label:Other", "other"),
        ]);
        assert_eq!(h.value, RawValue::Text("female; other".into()));
        assert_eq!(
            h.problem.as_deref(),
            Some("2 options ticked where one was expected: label:Female, label:Other")
        );
        // A glob key: the first match.
        let h = one(&[("Check Box[2]", "female"), ("Text8", "school")]);
        assert_eq!(h.source, "Check Box2");
        // Nothing there at all: not found (drift).
        assert!(
            index
                .locate(&tick(&[("label:Nope", "a"), ("Gone", "b")]))
                .is_none()
        );
    }

    #[test]
    fn docx_controls_form_fields_and_tick_boxes_with_wording() {
        let field = |key: &str, label: Option<&str>, value: RawValue| SourceField {
            key: FieldKey::parse(key),
            label: label.map(str::to_string),
            value,
            pos: None,
        };
        let doc = SourceDoc {
            fields: vec![
                field("sdt:Parent1Name", None, RawValue::Text("Jo".into())),
                field("sdt:Parent2Name", None, RawValue::Empty),
                field(
                    "sdt:#1",
                    Some("Child's surname"),
                    RawValue::Text("Smith".into()),
                ),
                field("ff:Agree", None, RawValue::Bool(true)),
            ],
            ..SourceDoc::default()
        };
        let index = DocIndex::new(&doc);
        let hits = index
            .locate(&Locator::Control("Parent{n}Name".into()))
            .unwrap();
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[1].source, "sdt:Parent2Name");
        let by_alias = index
            .locate(&Locator::Control("Child's surname".into()))
            .unwrap();
        assert_eq!(by_alias[0].source, "sdt:#1");
        assert!(index.locate(&Locator::Control("Nope".into())).is_none());
        let ff = index.locate(&Locator::FormField("Agree".into())).unwrap();
        assert_eq!(ff[0].value, RawValue::Bool(true));
        for marked in ["☒ Parent", "✓ School", "X Parent", "x"] {
            assert!(is_marked(&RawValue::Text(marked.into())), "{marked}");
        }
        for unmarked in ["☐ Parent", "Xavier", "Parent", "no"] {
            assert!(!is_marked(&RawValue::Text(unmarked.into())), "{unmarked}");
        }
    }
}

#[cfg(test)]
mod block_tests {
    use super::*;
    use crate::read::SourceField;

    /// A one-table document from rows of cells ("" is an empty cell).
    fn grid(rows: &[&[&str]]) -> SourceDoc {
        let mut fields = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if !text.is_empty() {
                    fields.push(SourceField {
                        key: FieldKey::Cell(cell_key("Table1", r as u32, c as u32)),
                        label: None,
                        value: RawValue::Text((*text).into()),
                        pos: Some(GridPos {
                            sheet: 0,
                            row: r as u32,
                            col: c as u32,
                        }),
                    });
                }
            }
        }
        SourceDoc {
            fields,
            sheets: vec!["Table1".into()],
            ..SourceDoc::default()
        }
    }

    fn re(s: &str) -> Regex {
        Regex::new(s).unwrap()
    }

    fn values(index: &DocIndex, locator: &Locator) -> Vec<String> {
        index
            .locate(locator)
            .unwrap()
            .iter()
            .map(|h| h.value.to_text())
            .collect()
    }

    fn block(heading: &str, inner: Locator) -> Locator {
        Locator::Block {
            heading: re(heading),
            inner: Box::new(inner),
        }
    }

    fn label(s: &str) -> Locator {
        Locator::Label {
            pattern: LabelPattern::One(re(s)),
            take: Take::Right,
            stop: None,
        }
    }

    #[test]
    fn stacked_blocks_with_unnumbered_sub_labels() {
        let doc = grid(&[
            &["Child's name", "Amy"],
            &["Telephone", "01000 000000"],
            &["Details of parent/carer", ""],
            &["Title", "Mrs"],
            &["First name", "Jo"],
            &["Surname", "Smith"],
            &["Telephone", "07700 900001"],
            &["Details of other parent/carer", ""],
            &["Title", ""],
            &["First name", "Sam"],
            &["Surname", "Smith"],
            &["Telephone", ""],
        ]);
        let index = DocIndex::new(&doc);
        let heading = "^Details of (other )?parent";
        assert_eq!(
            values(&index, &block(heading, label("^Telephone"))),
            ["07700 900001", ""],
            "each block's own Telephone, never the child's"
        );
        let name = Locator::Labels {
            patterns: vec![vec![re("^Title"), re("^First name"), re("^Surname")]],
            take: Take::Right,
            separator: " ".into(),
        };
        assert_eq!(
            values(&index, &block(heading, name)),
            ["Mrs Jo Smith", "Sam Smith"]
        );
        assert!(
            index
                .locate(&block("^Nowhere", label("^Telephone")))
                .is_none()
        );
    }

    #[test]
    fn blocks_side_by_side_in_columns() {
        // Shared labels in column A, one column per parent.
        let doc = grid(&[
            &["", "Parent/carer 1", "Parent/carer 2"],
            &["Name", "Jo Smith", "Sam Smith"],
            &["Relationship", "Mother", ""],
        ]);
        let index = DocIndex::new(&doc);
        assert_eq!(
            values(&index, &block("^Parent/carer", label("^Name"))),
            ["Jo Smith", "Sam Smith"]
        );
        assert_eq!(
            values(&index, &block("^Parent/carer", label("^Relationship"))),
            ["Mother", ""]
        );
        // Labels repeated in each parent's band.
        let doc = grid(&[
            &["Parent 1", "", "Parent 2", ""],
            &["Name:", "Jo", "Name:", "Sam"],
            &[
                "Relationship to child:",
                "Mother",
                "Relationship to child:",
                "Father",
            ],
        ]);
        let index = DocIndex::new(&doc);
        assert_eq!(
            values(&index, &block("^Parent \\d", label("^Relationship"))),
            ["Mother", "Father"]
        );
    }

    #[test]
    fn an_answer_typed_into_the_label_cell_is_read_and_printed_text_is_not() {
        let doc = grid(&[
            &["Surname:  Osei", ""],
            &["First name(s):\nInes", ""],
            &["Tel: Home / Mobile", ""],
            &["School Year Group\n(please state if offset)", ""],
            &["Name of school  Details of the setting:", ""],
        ]);
        let index = DocIndex::new(&doc);
        let read = |re: &str| values(&index, &label(re));
        assert_eq!(read("^Surname:"), ["Osei"]);
        assert_eq!(read("^First name\\(s\\):"), ["Ines"]);
        assert_eq!(read("^Tel:"), [""], "one space: more of the printed label");
        assert_eq!(
            read("^School Year Group"),
            [""],
            "a bracketed note is printed"
        );
        assert_eq!(read("^Name of school"), [""], "a question is printed");
    }

    #[test]
    fn a_join_of_table_columns_is_one_member_per_row() {
        let doc = grid(&[
            &["Title", "Forename", "Surname"],
            &["Mrs", "Jo", "Smith"],
            &["", "Sam", "Smith"],
            &["", "", ""],
        ]);
        let index = DocIndex::new(&doc);
        let col = |c: &str| JoinPart::Range(crate::mapping::CellRange::parse_column(c).unwrap());
        let join = Locator::Join(
            vec![
                col("Table1!A2:A4"),
                col("Table1!B2:B4"),
                col("Table1!C2:C4"),
            ],
            " ".into(),
        );
        assert_eq!(values(&index, &join), ["Mrs Jo Smith", "Sam Smith"]);
    }
}
