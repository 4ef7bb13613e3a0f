//! Finding a mapping locator's values in a [`SourceDoc`]. Each hit carries its provenance (`Sheet!C5`, a field
//! name, a path). `None` means the locator found nothing at all (a sheet, label or field that is not there): that
//! is drift, which the record reports as `not_found`, distinct from a blank answer.

use std::collections::HashMap;

use regex::Regex;

use crate::mapping::transform::{NO_WORDS, YES_WORDS};
use crate::mapping::{CellRef, JoinPart, LabelPattern, Locator, MAX_GROUP_MEMBERS, Take};
use crate::read::docx::{CONTROL_PREFIX, FORMFIELD_PREFIX, is_control};
use crate::read::pdf::XFA_PREFIX;
use crate::read::{GridPos, RawValue, SourceDoc, TextLine, cell_key};
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
}

impl Hit {
    fn new(value: RawValue, source: String) -> Hit {
        Hit {
            value,
            source,
            problem: None,
            read: Vec::new(),
        }
    }

    /// A hit on one source field of the document.
    fn field(doc: &SourceDoc, index: usize) -> Option<Hit> {
        let f = doc.fields.get(index)?;
        Some(Hit {
            read: vec![index],
            ..Hit::new(f.value.clone(), f.key.clone())
        })
    }
}

/// Lookup tables over one document, built once and shared by all of a mapping's rules.
pub struct DocIndex<'d> {
    doc: &'d SourceDoc,
    by_key: HashMap<&'d str, usize>,
    by_pos: HashMap<GridPos, usize>,
    sheets: HashMap<&'d str, u32>,
    /// Text lines in reading order (page, y, x).
    lines: Vec<&'d TextLine>,
}

impl<'d> DocIndex<'d> {
    /// Indexes a document.
    pub fn new(doc: &'d SourceDoc) -> DocIndex<'d> {
        let mut by_key = HashMap::with_capacity(doc.fields.len());
        let mut by_pos = HashMap::new();
        for (i, f) in doc.fields.iter().enumerate() {
            by_key.entry(f.key.as_str()).or_insert(i);
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
        let mut lines: Vec<&TextLine> = doc.lines.iter().collect();
        lines.sort_by(|a, b| {
            a.page
                .cmp(&b.page)
                .then(a.y.total_cmp(&b.y))
                .then(a.x.total_cmp(&b.x))
        });
        DocIndex {
            doc,
            by_key,
            by_pos,
            sheets,
            lines,
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
                LabelPattern::One(re) => self.label(re, *take, stop.as_ref()).map(|h| vec![h]),
                LabelPattern::Numbered(res) => {
                    let hits: Vec<Hit> = res
                        .iter()
                        .map_while(|re| self.label(re, *take, stop.as_ref()))
                        .collect();
                    (!hits.is_empty()).then_some(hits)
                }
            },
            Locator::Tick(options) => self.tick(options),
            Locator::Field(pattern) if pattern.contains("{n}") => {
                let hits: Vec<Hit> = (1..=MAX_GROUP_MEMBERS)
                    .map_while(|n| self.key_glob(&pattern.replace("{n}", &n.to_string())))
                    .collect();
                (!hits.is_empty()).then_some(hits)
            }
            Locator::Field(pattern) => self.key_glob(pattern).map(|h| vec![h]),
            Locator::Xfa(path) => self.xfa(path).map(|h| vec![h]),
            Locator::Path(path) => {
                let hits = self.xpath(path);
                (!hits.is_empty()).then_some(hits)
            }
            Locator::Join(parts, sep) => self.join(parts, sep).map(|h| vec![h]),
            Locator::Control(name) => self.numbered(name, |n| self.control(n)),
            Locator::FormField(name) => {
                self.numbered(name, |n| self.key(&format!("{FORMFIELD_PREFIX}{n}")))
            }
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
        self.key(&format!("{CONTROL_PREFIX}{name}")).or_else(|| {
            let i = self.doc.fields.iter().position(|f| is_control(f, name))?;
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

    fn key(&self, key: &str) -> Option<Hit> {
        Hit::field(self.doc, *self.by_key.get(key)?)
    }

    /// An XFA data leaf: stored as `xfa:` + its path below `xfa:datasets/xfa:data` (see `read::pdf`).
    fn xfa(&self, path: &str) -> Option<Hit> {
        let bare = path
            .trim_start_matches("xfa:datasets/")
            .trim_start_matches("xfa:data/")
            .trim_start_matches('/');
        self.key(&format!("{XFA_PREFIX}{bare}"))
            .or_else(|| self.key(path))
    }

    fn key_glob(&self, pattern: &str) -> Option<Hit> {
        if let Some(hit) = self.key(pattern) {
            return Some(hit);
        }
        let glob = glob::Pattern::new(pattern).ok()?;
        let i = self.doc.fields.iter().position(|f| glob.matches(&f.key))?;
        Hit::field(self.doc, i)
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

    /// A label's value: in a grid if the document has one, else in the flat text lines.
    fn label(&self, re: &Regex, take: Take, stop: Option<&Regex>) -> Option<Hit> {
        self.grid_label(re, take)
            .or_else(|| self.text_label(re, take, stop))
    }

    /// The first grid cell whose text matches the label, then the cell past its (merged) extent.
    fn grid_label(&self, re: &Regex, take: Take) -> Option<Hit> {
        let (pos, _) = self
            .doc
            .fields
            .iter()
            .filter_map(|f| Some((f.pos?, f)))
            .find(|(_, f)| matches!(&f.value, RawValue::Text(t) if re.is_match(t.trim())))?;
        let extent = self.extent(pos);
        let (row, col) = match take {
            Take::Right => (pos.row, extent.1.checked_add(1)?),
            Take::Below => (extent.0.checked_add(1)?, pos.col),
        };
        Some(self.grid_hit(pos.sheet, row, col))
    }

    /// Flat text (PDF pages), in reading order (page, y, x): `right` takes the rest of the label's line (a leading
    /// `:` dropped) or else the next run on the same baseline; `below` takes the following lines up to `stop`
    /// (exclusive) or, without `stop`, the next line only. The provenance names the page and the label, never
    /// the value.
    fn text_label(&self, re: &Regex, take: Take, stop: Option<&Regex>) -> Option<Hit> {
        let lines = &self.lines;
        let (at, m, line) = lines.iter().enumerate().find_map(|(i, l)| {
            let m = re.find(&l.text)?;
            Some((i, m, *l))
        })?;
        let source = format!("p{} \"{}\"", line.page, short_label(m.as_str()));
        let rest = line
            .text
            .get(m.end()..)
            .unwrap_or("")
            .trim()
            .trim_start_matches(':')
            .trim();
        let value = match take {
            Take::Right if !rest.is_empty() => rest.to_string(),
            Take::Right => lines
                .get(at.saturating_add(1)..)
                .unwrap_or(&[])
                .iter()
                .take_while(|l| l.page == line.page && (l.y - line.y).abs() < 2.0)
                .find(|l| l.x > line.x)
                .map(|l| l.text.trim().to_string())
                .unwrap_or_default(),
            Take::Below => {
                let following = lines.get(at.saturating_add(1)..).unwrap_or(&[]).iter();
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
        let value = if value.is_empty() {
            RawValue::Empty
        } else {
            RawValue::Text(value)
        };
        Some(Hit::new(value, source))
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
            })
            .collect();
        if hits.is_empty() {
            return None;
        }
        let text = hits
            .iter()
            .map(|h| h.value.to_text().trim().to_string())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(sep);
        let source = hits
            .iter()
            .map(|h| h.source.as_str())
            .collect::<Vec<_>>()
            .join(" + ");
        Some(Hit {
            read: hits.iter().flat_map(|h| h.read.iter().copied()).collect(),
            ..Hit::new(RawValue::Text(text), source)
        })
    }
}

/// Most lines a `below` paragraph takes.
const MAX_BELOW_LINES: usize = 200;

/// A label as matched, trimmed and cut to 40 characters, for provenance.
fn short_label(s: &str) -> String {
    let s = s.trim().trim_end_matches(':').trim();
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
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
                || t.starts_with(['☒', '☑', '✓', '✔'])
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
                key: "xfa:form1/Section1/ChildName".into(),
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
        }
    }

    #[test]
    fn docx_controls_form_fields_and_tick_boxes_with_wording() {
        let field = |key: &str, label: Option<&str>, value: RawValue| SourceField {
            key: key.into(),
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
