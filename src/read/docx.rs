//! The docx reader: Word forms, on the zip crate and quick-xml's streaming reader.
//!
//! A Word form carries its answers in three ways, and all three become [`SourceField`]s:
//!
//! - **Content controls** (`w:sdt`): keyed [`FieldKey::Control`] by tag (shown `sdt:<tag>`), or by alias when
//!   the control has no tag, or `#<n>` (the n-th such control in document order) when it has neither; the alias (the title Word shows)
//!   is the field's label. Plain and rich text give their text; drop-downs and combo boxes map the displayed text
//!   to the `w:listItem` value; date pickers give `w:date/@w:fullDate` as a date; check boxes
//!   (`w14:checkbox`) give a boolean. A control still showing its placeholder (`w:showingPlcHdr`) is empty, and
//!   its placeholder text is kept out of the table cells and text lines too.
//! - **Legacy form fields** (`w:fldChar` with `w:ffData`): keyed [`FieldKey::FormField`] by name (shown
//!   `ff:<name>`; `ff:#<n>` when unnamed).
//!   FORMTEXT gives the result runs between `separate` and `end`; FORMCHECKBOX `w:checked` (else `w:default`) as a
//!   boolean, and also puts ☒ or ☐ into the surrounding text so that a cell reads `☒ Parent`; FORMDROPDOWN the
//!   `w:listEntry` that `w:result` (else `w:default`, else 0) points at.
//! - **Tables**: each table of `word/document.xml` is a grid named `Table1`, `Table2`, ... in document order (nested
//!   tables count too), so the xlsx locators work unchanged: a cell is keyed `Table2!B3`. `w:gridSpan` advances
//!   the column by the span and records a horizontal [`Merge`]; `w:vMerge` records a vertical merge anchored at
//!   the `restart` cell; `w:gridBefore` skips leading grid columns. A cell's paragraphs are joined by newlines.
//!
//! - **Marks**: runs keep what people mark an option with: highlight (`w:highlight` of any colour, or a run
//!   shading `w:shd` with a fill), bold, underline (any style but `none`), single and double strike. Only the
//!   run's own `w:rPr` counts (character styles are not resolved). They are listed in [`SourceDoc::marks`] as
//!   byte ranges of the cell's or line's text; deleted text (tracked `w:del`) is simply absent. A check box
//!   shown in a table cell (a FORMCHECKBOX's ☒/☐, a content control's glyph) is recorded with that cell in
//!   [`SourceDoc::twins`]: one answer in two appearances.
//!
//! A key that occurs twice gets `[2]`, `[3]`, ... on the later ones. Paragraphs outside tables become text lines
//! (page 1, one line per paragraph, `y` increasing) so a flat-text `label` works too; headers, footers, footnotes
//! and endnotes are read after the body for their controls, form fields and text (their tables are not grids).
//! `mc:Fallback` content (a copy of `mc:Choice`) is skipped.
//!
//! **Hostile documents.** The zip directory is checked against the xlsx limits (uncompressed size, ratio) and a
//! part-count cap before anything is inflated, and each part is inflated with a hard byte cap whatever its
//! header claims. Nothing outside the parts above is opened: relationships (external targets included) are
//! never followed. A DOCTYPE declaring entities is refused and only predefined and character references are read,
//! as in the xml reader. Nesting is capped by `max_xml_depth`, fields by `max_cells`, text by `max_text_bytes`,
//! time by the [`Deadline`]. Reasons name parts, elements and limits, never text.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use jiff::civil;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::{
    Deadline, FieldKey, GridPos, Limits, MarkTarget, MarkedSpan, Marks, Merge, RawValue,
    ReadFailure, SourceDoc, SourceField, TextLine, cell_key,
};

/// Most zip entries a docx may have (a real form has a few dozen).
pub const MAX_PARTS: usize = 10_000;
/// Vertical distance between text lines (points), so that no two paragraphs share a baseline.
const LINE_STEP: f32 = 14.0;
/// Left edge of every paragraph's text line (one inch): Word paragraphs are whole lines, not placed runs.
pub const PARAGRAPH_X: f32 = 72.0;
const BODY: &str = "word/document.xml";

/// Reads a docx document.
pub fn read(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<SourceDoc, ReadFailure> {
    super::xlsx::check_zip(bytes, limits)?;
    let mut archive = super::open_zip(bytes)?;
    if archive.len() > MAX_PARTS {
        return Err(ReadFailure::too_large(format!(
            "{} parts in the zip container; at most {MAX_PARTS} are read (zip bomb?)",
            archive.len()
        )));
    }
    let mut stories: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| is_story(n))
        .map(|n| n.into_owned())
        .collect();
    stories.sort();
    let mut walker = Walker::new(limits, deadline);
    let mut inflated = 0u64;
    let body = inflate(&mut archive, BODY, BODY, limits, &mut inflated)?;
    walker.walk(&body, BODY, true)?;
    for name in stories {
        let index = archive.index_for_name(&name).unwrap_or(0);
        let label = super::part_label(&name, index, is_plain_story);
        let xml = inflate(&mut archive, &name, &label, limits, &mut inflated)?;
        walker.walk(&xml, &label, false)?;
    }
    Ok(walker.doc)
}

/// Headers, footers, footnotes and endnotes: read for text and fields, after the body.
fn is_story(name: &str) -> bool {
    let Some(file) = name.strip_prefix("word/") else {
        return false;
    };
    !file.contains('/')
        && file.ends_with(".xml")
        && (file.starts_with("header")
            || file.starts_with("footer")
            || file == "footnotes.xml"
            || file == "endnotes.xml")
}

/// A story part named the way Word names them (`word/header2.xml`), so its name can appear in a reason.
fn is_plain_story(name: &str) -> bool {
    let Some(file) = name
        .strip_prefix("word/")
        .and_then(|f| f.strip_suffix(".xml"))
    else {
        return false;
    };
    let digits = |rest: &str| rest.bytes().all(|b| b.is_ascii_digit());
    matches!(file, "footnotes" | "endnotes")
        || file.strip_prefix("header").is_some_and(digits)
        || file.strip_prefix("footer").is_some_and(digits)
}

/// Inflates one part with a hard cap (a lying size in the directory cannot make it bigger), and decodes it.
fn inflate(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    label: &str,
    limits: &Limits,
    inflated: &mut u64,
) -> Result<String, ReadFailure> {
    let entry = archive.by_name(name).map_err(|e| {
        ReadFailure::corrupt(format!(
            "not a Word document: {label} unreadable: {}",
            super::zip_damage(&e)
        ))
    })?;
    let room = limits.max_unzipped_bytes.saturating_sub(*inflated);
    let mut bytes = Vec::new();
    entry
        .take(room.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|_| ReadFailure::corrupt(format!("{label}: damaged compressed data")))?;
    *inflated = inflated.saturating_add(bytes.len() as u64);
    if *inflated > limits.max_unzipped_bytes {
        return Err(ReadFailure::too_large(format!(
            "parts inflate past {} (limit max_unzipped_bytes; zip bomb?)",
            super::size(limits.max_unzipped_bytes)
        )));
    }
    let (text, _) = super::xml::decode(&bytes)
        .map_err(|f| ReadFailure::new(f.kind, format!("{label}: {}", f.reason)))?;
    Ok(text)
}

/// The elements whose context matters; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    P,
    R,
    RPr,
    T,
    Tbl,
    Tr,
    TrPr,
    Tc,
    TcPr,
    Sdt,
    SdtPr,
    SdtContent,
    FldChar,
    FfData,
    Other,
}

/// What kind of content control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum SdtKind {
    #[default]
    Rich,
    Plain,
    List,
    Date,
    CheckBox,
}

#[derive(Debug, Default)]
struct Sdt {
    tag: Option<String>,
    alias: Option<String>,
    kind: SdtKind,
    /// (display text, value).
    items: Vec<(String, String)>,
    full_date: Option<String>,
    checked: bool,
    placeholder: bool,
    /// `#n` for a control with neither tag nor alias, given when its properties end (document order).
    ordinal: Option<u32>,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum FfKind {
    #[default]
    Text,
    CheckBox,
    DropDown,
}

#[derive(Debug, Default)]
struct FormField {
    name: String,
    label: Option<String>,
    kind: FfKind,
    checked: Option<bool>,
    default_checked: bool,
    entries: Vec<String>,
    result: Option<usize>,
    default_index: Option<usize>,
}

/// One complex field between its `begin` and `end` (form field or not: fields nest).
#[derive(Debug, Default)]
struct Fld {
    ff: Option<FormField>,
    /// Past `separate`: text is the field's result.
    result: bool,
    text: String,
}

struct Table {
    sheet: u32,
    row: Option<u32>,
    col: u32,
    /// Column -> index into `doc.merges` of the vertical merge running down it.
    vmerge: HashMap<u32, usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VMerge {
    Restart,
    Continue,
}

struct Cell {
    row: u32,
    col: u32,
    span: u32,
    vmerge: Option<VMerge>,
    text: String,
    /// Marked runs of `text` (byte ranges).
    marks: Vec<Span>,
    /// Check boxes (indexes into the document's fields) shown in this cell as ☒/☐.
    boxes: Vec<usize>,
}

/// A marked run of a paragraph's or cell's text.
type Span = (std::ops::Range<usize>, Marks);

/// Streams the parts of one document into a [`SourceDoc`]; counters run across parts.
struct Walker<'a> {
    limits: &'a Limits,
    deadline: &'a Deadline,
    doc: SourceDoc,
    fields: usize,
    text_bytes: usize,
    y: f32,
    unnamed_controls: u32,
    unnamed_formfields: u32,
    seen_keys: HashMap<FieldKey, u32>,
    /// The marks of the run being read (`w:rPr`).
    run_marks: Marks,
    /// Marked runs of each open paragraph, parallel to the paragraph stack.
    para_marks: Vec<Vec<Span>>,
}

impl<'a> Walker<'a> {
    fn new(limits: &'a Limits, deadline: &'a Deadline) -> Walker<'a> {
        Walker {
            limits,
            deadline,
            doc: SourceDoc::default(),
            fields: 0,
            text_bytes: 0,
            y: 0.0,
            unnamed_controls: 0,
            unnamed_formfields: 0,
            seen_keys: HashMap::new(),
            run_marks: Marks::NONE,
            para_marks: Vec::new(),
        }
    }

    /// One part. `grids`: tables become grids (the body only).
    fn walk(&mut self, xml: &str, part: &str, grids: bool) -> Result<(), ReadFailure> {
        let mut reader = Reader::from_str(xml);
        reader.config_mut().expand_empty_elements = true;
        let mut stack: Vec<Tag> = Vec::new();
        let mut paras: Vec<String> = Vec::new();
        let mut tables: Vec<Table> = Vec::new();
        let mut cells: Vec<Cell> = Vec::new();
        let mut sdts: Vec<Sdt> = Vec::new();
        let mut flds: Vec<Fld> = Vec::new();
        // Depth at which an `mc:Fallback` started: everything inside is skipped.
        let mut skip: Option<usize> = None;
        let mut events: u32 = 0;
        loop {
            events = events.wrapping_add(1);
            if events.is_multiple_of(1024) {
                self.deadline.check()?;
            }
            let event = reader.read_event().map_err(|e| {
                ReadFailure::corrupt(format!(
                    "{part}: malformed XML at byte {}: {}",
                    reader.error_position(),
                    super::xml_damage(&e)
                ))
            })?;
            match event {
                Event::Start(e) => {
                    if stack.len() >= self.limits.max_xml_depth {
                        return Err(ReadFailure::too_large(format!(
                            "{part}: elements nested deeper than {} levels (limit max_xml_depth)",
                            self.limits.max_xml_depth
                        )));
                    }
                    if skip.is_some() {
                        stack.push(Tag::Other);
                        continue;
                    }
                    let qname = e.name().as_ref().to_string();
                    let local = e.local_name().as_ref().to_string();
                    if qname == "mc:Fallback" || local == "Fallback" && qname.contains(':') {
                        skip = Some(stack.len());
                        stack.push(Tag::Other);
                        continue;
                    }
                    let parent = stack.last().copied();
                    let tag = match local.as_str() {
                        "p" => {
                            paras.push(String::new());
                            self.para_marks.push(Vec::new());
                            Tag::P
                        }
                        "r" => {
                            self.run_marks = Marks::NONE;
                            Tag::R
                        }
                        "rPr" if parent == Some(Tag::R) => Tag::RPr,
                        "t" if !paras.is_empty() => Tag::T,
                        "tbl" if grids => {
                            let sheet = u32::try_from(self.doc.sheets.len())
                                .map_err(|_| ReadFailure::too_large("too many tables"))?;
                            self.doc
                                .sheets
                                .push(format!("Table{}", u64::from(sheet).saturating_add(1)));
                            tables.push(Table {
                                sheet,
                                row: None,
                                col: 0,
                                vmerge: HashMap::new(),
                            });
                            Tag::Tbl
                        }
                        "tr" if grids && parent == Some(Tag::Tbl) => {
                            if let Some(t) = tables.last_mut() {
                                t.row = Some(t.row.map_or(0, |r| r.saturating_add(1)));
                                t.col = 0;
                            }
                            Tag::Tr
                        }
                        "tc" if grids && !tables.is_empty() => {
                            let (row, col) = tables
                                .last()
                                .map_or((0, 0), |t| (t.row.unwrap_or(0), t.col));
                            cells.push(Cell {
                                row,
                                col,
                                span: 1,
                                vmerge: None,
                                text: String::new(),
                                marks: Vec::new(),
                                boxes: Vec::new(),
                            });
                            Tag::Tc
                        }
                        "tcPr" if parent == Some(Tag::Tc) => Tag::TcPr,
                        "gridSpan" if parent == Some(Tag::TcPr) => {
                            if let (Some(c), Some(n)) = (cells.last_mut(), number(&e)?) {
                                c.span = u32::try_from(n).unwrap_or(1).clamp(1, 1024);
                            }
                            Tag::Other
                        }
                        "vMerge" if parent == Some(Tag::TcPr) => {
                            if let Some(c) = cells.last_mut() {
                                c.vmerge = Some(match attr(&e, "val")?.as_deref() {
                                    Some("restart") => VMerge::Restart,
                                    _ => VMerge::Continue,
                                });
                            }
                            Tag::Other
                        }
                        "trPr" if parent == Some(Tag::Tr) => Tag::TrPr,
                        "gridBefore" if parent == Some(Tag::TrPr) => {
                            if let (Some(t), Some(n)) = (tables.last_mut(), number(&e)?) {
                                t.col = t
                                    .col
                                    .saturating_add(u32::try_from(n).unwrap_or(0).min(1024));
                            }
                            Tag::Other
                        }
                        "sdt" => {
                            sdts.push(Sdt::default());
                            Tag::Sdt
                        }
                        "sdtPr" if parent == Some(Tag::Sdt) => Tag::SdtPr,
                        "sdtContent" if parent == Some(Tag::Sdt) => Tag::SdtContent,
                        "fldChar" => {
                            match attr(&e, "fldCharType")?.as_deref() {
                                Some("begin") => flds.push(Fld::default()),
                                Some("separate") => {
                                    if let Some(f) = flds.last_mut() {
                                        f.result = true;
                                    }
                                }
                                Some("end") => {
                                    if let Some(f) = flds.pop() {
                                        let check_box =
                                            f.ff.as_ref()
                                                .is_some_and(|ff| ff.kind == FfKind::CheckBox);
                                        self.end_field(f, &mut paras)?;
                                        if check_box && let Some(cell) = cells.last_mut() {
                                            cell.boxes
                                                .push(self.doc.fields.len().saturating_sub(1));
                                        }
                                    }
                                }
                                _ => {}
                            }
                            Tag::FldChar
                        }
                        "ffData" if parent == Some(Tag::FldChar) => {
                            if let Some(f) = flds.last_mut() {
                                f.ff = Some(FormField::default());
                            }
                            Tag::FfData
                        }
                        _ if parent == Some(Tag::RPr) => {
                            self.run_marks = self.run_marks.with(run_property(&local, &e)?);
                            Tag::Other
                        }
                        _ => {
                            if stack.contains(&Tag::SdtPr) {
                                if let Some(s) = sdts.last_mut() {
                                    sdt_property(s, &local, &e)?;
                                }
                            } else if stack.contains(&Tag::FfData)
                                && let Some(ff) = flds.last_mut().and_then(|f| f.ff.as_mut())
                            {
                                ff_property(ff, &local, &e)?;
                            }
                            match local.as_str() {
                                "tab" if parent == Some(Tag::R) => {
                                    self.push_text(&mut paras, &mut sdts, &mut flds, &stack, "\t")?
                                }
                                "br" | "cr" if parent == Some(Tag::R) => {
                                    self.push_text(&mut paras, &mut sdts, &mut flds, &stack, "\n")?
                                }
                                "noBreakHyphen" => {
                                    self.push_text(&mut paras, &mut sdts, &mut flds, &stack, "-")?
                                }
                                _ => {}
                            }
                            Tag::Other
                        }
                    };
                    stack.push(tag);
                }
                Event::End(_) => {
                    let Some(tag) = stack.pop() else {
                        return Err(ReadFailure::corrupt(format!(
                            "{part}: malformed XML: unexpected end tag"
                        )));
                    };
                    if let Some(depth) = skip {
                        if stack.len() == depth {
                            skip = None;
                        }
                        continue;
                    }
                    match tag {
                        Tag::P => {
                            let text = paras.pop().unwrap_or_default();
                            let marks = self.para_marks.pop().unwrap_or_default();
                            for s in sdts.iter_mut() {
                                s.text.push('\n');
                            }
                            if let Some(outer) = paras.last_mut() {
                                // A text box inside a paragraph: its text joins the paragraph.
                                if !text.trim().is_empty() {
                                    if !outer.is_empty() && !outer.ends_with(' ') {
                                        outer.push(' ');
                                    }
                                    outer.push_str(text.trim());
                                    outer.push(' ');
                                }
                            } else if let Some(cell) = cells.last_mut() {
                                if !cell.text.is_empty() {
                                    cell.text.push('\n');
                                }
                                let kept = text.trim_end();
                                cell.marks
                                    .extend(shift(&marks, 0, kept.len(), cell.text.len()));
                                cell.text.push_str(kept);
                            } else if !text.trim().is_empty() {
                                let kept = text.trim();
                                let lead = text.len() - text.trim_start().len();
                                let line = self.doc.lines.len();
                                self.doc
                                    .marks
                                    .extend(shift(&marks, lead, kept.len(), 0).map(
                                        |(range, marks)| MarkedSpan {
                                            target: MarkTarget::Line(line),
                                            range,
                                            marks,
                                        },
                                    ));
                                self.doc.lines.push(TextLine {
                                    page: 1,
                                    x: PARAGRAPH_X,
                                    y: self.y,
                                    text: kept.to_string(),
                                });
                                self.y += LINE_STEP;
                            }
                        }
                        Tag::Tc => {
                            if let Some(cell) = cells.pop() {
                                self.end_cell(cell, &mut tables)?;
                            }
                        }
                        Tag::Tbl => {
                            tables.pop();
                        }
                        Tag::SdtPr => {
                            if let Some(s) = sdts.last_mut()
                                && s.tag.as_deref().is_none_or(str::is_empty)
                                && s.alias.as_deref().is_none_or(str::is_empty)
                            {
                                self.unnamed_controls = self.unnamed_controls.saturating_add(1);
                                s.ordinal = Some(self.unnamed_controls);
                            }
                        }
                        Tag::Sdt => {
                            if let Some(s) = sdts.pop() {
                                let check_box = s.kind == SdtKind::CheckBox;
                                self.end_control(s)?;
                                if check_box && let Some(cell) = cells.last_mut() {
                                    cell.boxes.push(self.doc.fields.len().saturating_sub(1));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Event::Text(t) => {
                    if skip.is_none() && stack.last() == Some(&Tag::T) {
                        let t = t.xml10_content();
                        self.push_text(&mut paras, &mut sdts, &mut flds, &stack, &t)?;
                    }
                }
                Event::CData(t) => {
                    if skip.is_none() && stack.last() == Some(&Tag::T) {
                        let t = t.xml10_content();
                        self.push_text(&mut paras, &mut sdts, &mut flds, &stack, &t)?;
                    }
                }
                Event::GeneralRef(g) => {
                    let resolved = match g.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => match resolve_predefined_entity(&g) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(ReadFailure::corrupt(format!(
                                    "{part}: refused: an entity reference at byte {}: only &lt; &gt; &amp; &apos; &quot; and character references are read",
                                    reader.buffer_position()
                                )));
                            }
                        },
                        Err(_) => {
                            return Err(ReadFailure::corrupt(format!(
                                "{part}: malformed XML: an invalid character reference near byte {}",
                                reader.buffer_position()
                            )));
                        }
                    };
                    if skip.is_none() && stack.last() == Some(&Tag::T) {
                        self.push_text(&mut paras, &mut sdts, &mut flds, &stack, &resolved)?;
                    }
                }
                Event::DocType(d) => super::xml::check_doctype(&d)
                    .map_err(|f| ReadFailure::new(f.kind, format!("{part}: {}", f.reason)))?,
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::Empty(_) => {}
            }
        }
        if !stack.is_empty() {
            return Err(ReadFailure::corrupt(format!(
                "{part}: truncated XML: {} element(s) never closed",
                stack.len()
            )));
        }
        Ok(())
    }

    /// Text of a run: into the open paragraph (unless a placeholder is showing), every open control, and the
    /// result of the innermost field.
    fn push_text(
        &mut self,
        paras: &mut [String],
        sdts: &mut [Sdt],
        flds: &mut [Fld],
        stack: &[Tag],
        text: &str,
    ) -> Result<(), ReadFailure> {
        if !stack.contains(&Tag::P) {
            return Ok(());
        }
        self.text_bytes = self.text_bytes.saturating_add(text.len());
        if self.text_bytes > self.limits.max_text_bytes {
            return Err(ReadFailure::too_large(format!(
                "text exceeds {} bytes (limit max_text_bytes)",
                self.limits.max_text_bytes
            )));
        }
        if sdts.iter().any(|s| s.placeholder) {
            return Ok(());
        }
        if let Some(p) = paras.last_mut() {
            let start = p.len();
            p.push_str(text);
            if !self.run_marks.is_none()
                && stack.last() == Some(&Tag::T)
                && let Some(spans) = self.para_marks.last_mut()
            {
                match spans.last_mut() {
                    Some((r, m)) if r.end == start && *m == self.run_marks => r.end = p.len(),
                    _ => spans.push((start..p.len(), self.run_marks)),
                }
            }
        }
        for s in sdts.iter_mut() {
            s.text.push_str(text);
        }
        if let Some(f) = flds.last_mut()
            && f.result
        {
            f.text.push_str(text);
        }
        Ok(())
    }

    fn push_field(
        &mut self,
        key: FieldKey,
        label: Option<String>,
        value: RawValue,
        pos: Option<GridPos>,
    ) -> Result<(), ReadFailure> {
        self.fields = self.fields.saturating_add(1);
        if self.fields > self.limits.max_cells {
            return Err(ReadFailure::too_large(format!(
                "more than {} fields and table cells (limit max_cells)",
                self.limits.max_cells
            )));
        }
        let n = self.seen_keys.entry(key.clone()).or_insert(0);
        *n = n.saturating_add(1);
        let key = if *n > 1 {
            key.renamed(format!("{}[{n}]", key.name()))
        } else {
            key
        };
        self.doc.fields.push(SourceField {
            key,
            label,
            value,
            pos,
        });
        Ok(())
    }

    fn end_cell(&mut self, cell: Cell, tables: &mut [Table]) -> Result<(), ReadFailure> {
        let Some(table) = tables.last_mut() else {
            return Ok(());
        };
        table.col = cell.col.saturating_add(cell.span);
        let last_col = cell.col.saturating_add(cell.span.saturating_sub(1));
        if cell.vmerge == Some(VMerge::Continue)
            && let Some(&m) = table.vmerge.get(&cell.col)
            && let Some(merge) = self.doc.merges.get_mut(m)
        {
            merge.last.0 = cell.row;
            return Ok(());
        }
        table
            .vmerge
            .retain(|c, _| !(cell.col..=last_col).contains(c));
        if cell.vmerge.is_some() || cell.span > 1 {
            self.doc.merges.push(Merge {
                sheet: table.sheet,
                first: (cell.row, cell.col),
                last: (cell.row, last_col),
            });
            if cell.vmerge.is_some() {
                table
                    .vmerge
                    .insert(cell.col, self.doc.merges.len().saturating_sub(1));
            }
        }
        let text = cell.text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let lead = cell.text.len() - cell.text.trim_start().len();
        let index = self.doc.fields.len();
        self.doc.marks.extend(
            shift(&cell.marks, lead, text.len(), 0).map(|(range, marks)| MarkedSpan {
                target: MarkTarget::Field(index),
                range,
                marks,
            }),
        );
        self.doc
            .twins
            .extend(cell.boxes.iter().map(|&b| (b, index)));
        let name = self
            .doc
            .sheets
            .get(table.sheet as usize)
            .cloned()
            .unwrap_or_default();
        let key = FieldKey::Cell(cell_key(&name, cell.row, cell.col));
        let pos = GridPos {
            sheet: table.sheet,
            row: cell.row,
            col: cell.col,
        };
        self.push_field(key, None, RawValue::Text(text.to_string()), Some(pos))
    }

    fn end_control(&mut self, s: Sdt) -> Result<(), ReadFailure> {
        // Paragraphs (and table cells) inside a block control: one line each, blank ones dropped.
        let joined = s
            .text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let text = joined.trim();
        let value = match s.kind {
            SdtKind::CheckBox => RawValue::Bool(s.checked),
            _ if s.placeholder || text.is_empty() => RawValue::Empty,
            SdtKind::Date => match s.full_date.as_deref().and_then(parse_date) {
                Some(d) => RawValue::Date(d),
                None => RawValue::Text(text.to_string()),
            },
            SdtKind::List => RawValue::Text(
                s.items
                    .iter()
                    .find(|(display, value)| display == text || display.is_empty() && value == text)
                    .map_or(text, |(_, value)| value.as_str())
                    .to_string(),
            ),
            SdtKind::Plain | SdtKind::Rich => RawValue::Text(text.to_string()),
        };
        let key = match (s.tag.as_deref(), s.alias.as_deref()) {
            (Some(tag), _) if !tag.is_empty() => FieldKey::Control(tag.to_string()),
            (_, Some(alias)) if !alias.is_empty() => FieldKey::Control(alias.to_string()),
            _ => FieldKey::Control(format!("#{}", s.ordinal.unwrap_or(0))),
        };
        let label = s.alias.filter(|a| !a.is_empty());
        self.push_field(key, label, value, None)
    }

    fn end_field(&mut self, f: Fld, paras: &mut [String]) -> Result<(), ReadFailure> {
        let Some(ff) = f.ff else {
            return Ok(());
        };
        let value = match ff.kind {
            FfKind::CheckBox => {
                let on = ff.checked.unwrap_or(ff.default_checked);
                if let Some(p) = paras.last_mut() {
                    p.push(if on { '☒' } else { '☐' });
                }
                RawValue::Bool(on)
            }
            FfKind::DropDown => ff
                .entries
                .get(ff.result.or(ff.default_index).unwrap_or(0))
                .filter(|e| !e.trim().is_empty())
                .map_or(RawValue::Empty, |e| RawValue::Text(e.clone())),
            FfKind::Text => {
                let t = f.text.trim();
                if t.is_empty() {
                    RawValue::Empty
                } else {
                    RawValue::Text(t.to_string())
                }
            }
        };
        let key = if ff.name.is_empty() {
            self.unnamed_formfields = self.unnamed_formfields.saturating_add(1);
            FieldKey::FormField(format!("#{}", self.unnamed_formfields))
        } else {
            FieldKey::FormField(ff.name)
        };
        self.push_field(key, ff.label, value, None)
    }
}

/// A property inside `w:sdtPr`.
fn sdt_property(s: &mut Sdt, local: &str, e: &BytesStart) -> Result<(), ReadFailure> {
    match local {
        "tag" => s.tag = attr(e, "val")?,
        "alias" => s.alias = attr(e, "val")?,
        "showingPlcHdr" => s.placeholder = on_off(attr(e, "val")?.as_deref(), true),
        "text" => s.kind = SdtKind::Plain,
        "dropDownList" | "comboBox" => s.kind = SdtKind::List,
        "listItem" => {
            let display = attr(e, "displayText")?.unwrap_or_default();
            let value = attr(e, "value")?.unwrap_or_default();
            s.items.push((display, value));
        }
        "date" => {
            s.kind = SdtKind::Date;
            s.full_date = attr(e, "fullDate")?;
        }
        "checkbox" => s.kind = SdtKind::CheckBox,
        "checked" => s.checked = on_off(attr(e, "val")?.as_deref(), true),
        _ => {}
    }
    Ok(())
}

/// What one run property marks: highlight (any colour but none), shading with a fill (how some Word versions
/// and LibreOffice highlight), bold, underline (any style but none), single or double strike.
fn run_property(local: &str, e: &BytesStart) -> Result<Marks, ReadFailure> {
    let val = || attr(e, "val");
    Ok(match local {
        "highlight" if val()?.is_some_and(|v| v != "none") => Marks::HIGHLIGHT,
        "shd"
            if attr(e, "fill")?.is_some_and(|f| {
                !matches!(f.to_ascii_lowercase().as_str(), "auto" | "ffffff" | "none")
            }) =>
        {
            Marks::HIGHLIGHT
        }
        "b" if on_off(val()?.as_deref(), true) => Marks::BOLD,
        "u" if val()?.is_none_or(|v| v != "none") => Marks::UNDERLINE,
        "strike" | "dstrike" if on_off(val()?.as_deref(), true) => Marks::STRIKE,
        _ => Marks::NONE,
    })
}

/// Marked runs moved from a text that loses `lead` leading bytes and keeps `len` bytes, to start at `offset`
/// of the text they join; runs cut away by the trimming are dropped.
fn shift(
    spans: &[Span],
    lead: usize,
    len: usize,
    offset: usize,
) -> impl Iterator<Item = Span> + '_ {
    spans.iter().filter_map(move |(r, m)| {
        let start = r.start.saturating_sub(lead).min(len);
        let end = r.end.saturating_sub(lead).min(len);
        (start < end).then(|| (start + offset..end + offset, *m))
    })
}

/// A property inside `w:ffData`.
fn ff_property(ff: &mut FormField, local: &str, e: &BytesStart) -> Result<(), ReadFailure> {
    match local {
        "name" => ff.name = attr(e, "val")?.unwrap_or_default(),
        "statusText" | "helpText" if ff.label.is_none() => {
            ff.label = attr(e, "val")?.filter(|v| !v.trim().is_empty());
        }
        "checkBox" => ff.kind = FfKind::CheckBox,
        "ddList" => ff.kind = FfKind::DropDown,
        "textInput" => ff.kind = FfKind::Text,
        "checked" => ff.checked = Some(on_off(attr(e, "val")?.as_deref(), true)),
        "default" => match ff.kind {
            FfKind::CheckBox => ff.default_checked = on_off(attr(e, "val")?.as_deref(), false),
            FfKind::DropDown => ff.default_index = number(e)?,
            FfKind::Text => {}
        },
        "result" => ff.result = number(e)?,
        "listEntry" => ff.entries.push(attr(e, "val")?.unwrap_or_default()),
        _ => {}
    }
    Ok(())
}

/// OOXML on/off values: absent means `absent`; "0", "false", "off" are off.
fn on_off(v: Option<&str>, absent: bool) -> bool {
    match v {
        None => absent,
        Some(v) => !matches!(v.trim(), "0" | "false" | "off"),
    }
}

/// `w:val` as a non-negative number.
fn number(e: &BytesStart) -> Result<Option<usize>, ReadFailure> {
    Ok(attr(e, "val")?.and_then(|v| v.trim().parse().ok()))
}

/// An attribute by local name (`w:val` -> `val`), with entities refused.
fn attr(e: &BytesStart, local: &str) -> Result<Option<String>, ReadFailure> {
    for a in e.attributes() {
        let a = a.map_err(|_| ReadFailure::corrupt("malformed XML: a malformed attribute"))?;
        if a.key.local_name().as_ref() == local {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| {
                    ReadFailure::corrupt(format!(
                        "refused: a bad attribute value ({}; entities are not read)",
                        super::xml_damage(&err)
                    ))
                })?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// `2013-04-16T00:00:00Z` -> 2013-04-16.
fn parse_date(s: &str) -> Option<civil::Date> {
    s.get(..10)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::read::{FailureKind, Format, sniff};

    const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn docx_with(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        for (name, body) in parts {
            zip.start_file(*name, opts).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn docx(body: &str) -> Vec<u8> {
        docx_with(&[(
            "word/document.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><w:document {NS}><w:body>{body}</w:body></w:document>"#
            ),
        )])
    }

    fn read_ok(body: &str) -> SourceDoc {
        let bytes = docx(body);
        assert_eq!(sniff(&bytes), Format::Docx);
        read(
            &bytes,
            &Limits::default(),
            &Deadline::after(Limits::default().max_duration),
        )
        .unwrap()
    }

    fn read_err(bytes: &[u8], limits: &Limits) -> ReadFailure {
        read(bytes, limits, &Deadline::after(limits.max_duration)).unwrap_err()
    }

    fn value<'d>(doc: &'d SourceDoc, key: &str) -> &'d RawValue {
        &doc.fields
            .iter()
            .find(|f| f.key.to_string() == key)
            .unwrap_or_else(|| panic!("no {key} in {:?}", doc.fields))
            .value
    }

    fn text(s: &str) -> RawValue {
        RawValue::Text(s.into())
    }

    #[test]
    fn content_controls_of_every_kind() {
        let doc = read_ok(concat!(
            r#"<w:p><w:r><w:t>Child's name: </w:t></w:r><w:sdt><w:sdtPr><w:alias w:val="Child name"/><w:tag w:val="ChildName"/><w:text/></w:sdtPr><w:sdtContent><w:r><w:t>Amy </w:t></w:r><w:r><w:t>O&apos;Neil &amp; co</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
            r#"<w:sdt><w:sdtPr><w:alias w:val="Views"/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Likes trains.</w:t></w:r></w:p><w:p><w:r><w:t>Dislikes noise.</w:t></w:r></w:p></w:sdtContent></w:sdt>"#,
            r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="Gender"/><w:dropDownList><w:listItem w:displayText="Choose" w:value=""/><w:listItem w:displayText="Girl" w:value="female"/><w:listItem w:displayText="Boy" w:value="male"/></w:dropDownList></w:sdtPr><w:sdtContent><w:r><w:t>Girl</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
            r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="Combo"/><w:comboBox><w:listItem w:displayText="Apple" w:value="A"/></w:comboBox></w:sdtPr><w:sdtContent><w:r><w:t>Typed in</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
            r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="DOB"/><w:date w:fullDate="2016-03-14T00:00:00Z"><w:dateFormat w:val="dd/MM/yyyy"/></w:date></w:sdtPr><w:sdtContent><w:r><w:t>14/03/2016</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
            r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="LAC"/><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>☒</w:t></w:r></w:sdtContent></w:sdt><w:r><w:t xml:space="preserve"> Looked after</w:t></w:r></w:p>"#,
            r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="PP"/><w14:checkbox><w14:checked w14:val="0"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>☐</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
            r#"<w:p><w:sdt><w:sdtPr><w:id w:val="5"/></w:sdtPr><w:sdtContent><w:r><w:t>untagged</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
        ));
        assert_eq!(value(&doc, "sdt:ChildName"), &text("Amy O'Neil & co"));
        let child = doc
            .fields
            .iter()
            .find(|f| f.key.to_string() == "sdt:ChildName")
            .unwrap();
        assert_eq!(child.label.as_deref(), Some("Child name"));
        assert_eq!(
            value(&doc, "sdt:Views"),
            &text("Likes trains.\nDislikes noise.")
        );
        assert_eq!(value(&doc, "sdt:Gender"), &text("female"));
        assert_eq!(value(&doc, "sdt:Combo"), &text("Typed in"));
        assert_eq!(
            value(&doc, "sdt:DOB"),
            &RawValue::Date(civil::date(2016, 3, 14))
        );
        assert_eq!(value(&doc, "sdt:LAC"), &RawValue::Bool(true));
        assert_eq!(value(&doc, "sdt:PP"), &RawValue::Bool(false));
        assert_eq!(value(&doc, "sdt:#1"), &text("untagged"));
        let lines: Vec<&str> = doc.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines[0], "Child's name: Amy O'Neil & co");
        assert!(lines.contains(&"☒ Looked after"));
        assert!(doc.lines.windows(2).all(|w| w[1].y > w[0].y));
    }

    #[test]
    fn placeholders_are_empty_and_kept_out_of_text() {
        let doc = read_ok(concat!(
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Name</w:t></w:r></w:p></w:tc><w:tc><w:sdt><w:sdtPr><w:tag w:val="Name"/><w:showingPlcHdr/><w:text/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Click or tap here to enter text.</w:t></w:r></w:p></w:sdtContent></w:sdt></w:tc></w:tr></w:tbl>"#,
            r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="DOB"/><w:showingPlcHdr/><w:date/></w:sdtPr><w:sdtContent><w:r><w:t>Enter a date.</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
        ));
        assert_eq!(value(&doc, "sdt:Name"), &RawValue::Empty);
        assert_eq!(value(&doc, "sdt:DOB"), &RawValue::Empty);
        assert!(
            doc.fields.iter().all(|f| f.key.to_string() != "Table1!B1"),
            "{:?}",
            doc.fields
        );
        assert!(doc.lines.is_empty(), "{:?}", doc.lines);
    }

    #[test]
    fn legacy_form_fields() {
        let fld = |name: &str, data: &str, instr: &str, result: &str| {
            format!(
                r#"<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="{name}"/><w:enabled/>{data}</w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>{result}<w:r><w:fldChar w:fldCharType="end"/></w:r>"#
            )
        };
        let body = format!(
            "<w:p><w:r><w:t>Surname: </w:t></w:r>{}</w:p><w:p>{}<w:r><w:t xml:space=\"preserve\"> Parent</w:t></w:r></w:p><w:p>{}</w:p><w:p>{}</w:p><w:p>{}</w:p><w:p>{}</w:p>",
            fld(
                "Surname",
                "<w:textInput/>",
                "FORMTEXT",
                "<w:r><w:t>Smith</w:t></w:r><w:r><w:t>-Jones</w:t></w:r>"
            ),
            fld(
                "Check1",
                "<w:checkBox><w:sizeAuto/><w:default w:val=\"0\"/><w:checked/></w:checkBox>",
                "FORMCHECKBOX",
                ""
            ),
            fld(
                "Check2",
                "<w:checkBox><w:default w:val=\"1\"/></w:checkBox>",
                "FORMCHECKBOX",
                ""
            ),
            fld(
                "Area",
                "<w:ddList><w:result w:val=\"2\"/><w:listEntry w:val=\"C&amp;I\"/><w:listEntry w:val=\"C&amp;L\"/><w:listEntry w:val=\"SEMH\"/></w:ddList>",
                "FORMDROPDOWN",
                ""
            ),
            fld(
                "Blank",
                "<w:textInput/>",
                "FORMTEXT",
                "<w:r><w:t>\u{2002}\u{2002}\u{2002}\u{2002}\u{2002}</w:t></w:r>"
            ),
            fld(
                "Blank",
                "<w:textInput/>",
                "FORMTEXT",
                "<w:r><w:t>second</w:t></w:r>"
            ),
        );
        let doc = read_ok(&body);
        assert_eq!(value(&doc, "ff:Surname"), &text("Smith-Jones"));
        assert_eq!(value(&doc, "ff:Check1"), &RawValue::Bool(true));
        assert_eq!(value(&doc, "ff:Check2"), &RawValue::Bool(true));
        assert_eq!(value(&doc, "ff:Area"), &text("SEMH"));
        assert_eq!(value(&doc, "ff:Blank"), &RawValue::Empty);
        assert_eq!(value(&doc, "ff:Blank[2]"), &text("second"));
        let lines: Vec<&str> = doc.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines[0], "Surname: Smith-Jones");
        assert_eq!(lines[1], "☒ Parent");
    }

    /// The text each marked span of a target covers, with its marks' names.
    fn marked(doc: &SourceDoc, target: MarkTarget) -> Vec<(String, String)> {
        let text = match target {
            MarkTarget::Field(i) => doc.fields[i].value.to_text(),
            MarkTarget::Line(i) => doc.lines[i].text.clone(),
        };
        doc.marks
            .iter()
            .filter(|m| m.target == target)
            .map(|m| (text[m.range.clone()].to_string(), m.marks.names()))
            .collect()
    }

    #[test]
    fn runs_keep_highlight_bold_underline_and_strike() {
        let run = |pr: &str, t: &str| {
            format!("<w:r><w:rPr>{pr}</w:rPr><w:t xml:space=\"preserve\">{t}</w:t></w:r>")
        };
        let cell = format!(
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Sex</w:t></w:r></w:p></w:tc><w:tc><w:p><w:pPr><w:rPr><w:b/></w:rPr></w:pPr>{}{}{}{}{}</w:p><w:p>{}{}</w:p></w:tc></w:tr></w:tbl>",
            run("", "  "),
            run("<w:highlight w:val=\"yellow\"/>", "Male"),
            run("<w:highlight w:val=\"none\"/>", " / "),
            run("<w:strike/>", "Fem"),
            run("<w:dstrike w:val=\"true\"/>", "ale"),
            run(
                "<w:shd w:val=\"clear\" w:fill=\"00FF00\"/><w:u w:val=\"single\"/>",
                "Yes"
            ),
            run(
                "<w:shd w:fill=\"auto\"/><w:u w:val=\"none\"/><w:b w:val=\"0\"/>",
                " No"
            ),
        );
        let body = format!(
            "{cell}<w:p>{}{}{}</w:p>",
            run("", "   Looked after? "),
            run("<w:b/>", "Y"),
            run("", " / N")
        );
        let doc = read_ok(&body);
        let i = doc
            .fields
            .iter()
            .position(|f| f.key.to_string() == "Table1!B1")
            .unwrap();
        assert_eq!(doc.fields[i].value, text("Male / Female\nYes No"));
        assert_eq!(
            marked(&doc, MarkTarget::Field(i)),
            [
                ("Male".into(), "highlight".into()),
                ("Female".into(), "strike".into()),
                ("Yes".into(), "highlight+underline".into()),
            ]
        );
        assert_eq!(doc.lines[0].text, "Looked after? Y / N");
        assert_eq!(
            marked(&doc, MarkTarget::Line(0)),
            [("Y".into(), "bold".into())]
        );
    }

    #[test]
    fn a_check_box_and_the_cell_that_shows_it_are_twins() {
        let body = r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Parent"/><w:checkBox><w:checked/></w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> Parent</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#;
        let doc = read_ok(body);
        let ff = doc
            .fields
            .iter()
            .position(|f| f.key.to_string() == "ff:Parent")
            .unwrap();
        let cell = doc
            .fields
            .iter()
            .position(|f| f.key.to_string() == "Table1!A1")
            .unwrap();
        assert_eq!(doc.fields[cell].value, text("☒ Parent"));
        assert_eq!(doc.twins, vec![(ff, cell)]);
    }

    #[test]
    fn tables_are_grids_with_spans_and_vertical_merges() {
        let tc = |pr: &str, t: &str| {
            format!("<w:tc><w:tcPr>{pr}</w:tcPr><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>")
        };
        let body = format!(
            "<w:p><w:r><w:t>Before</w:t></w:r></w:p><w:tbl><w:tblGrid/><w:tr>{}{}</w:tr><w:tr>{}{}{}</w:tr><w:tr>{}{}{}</w:tr><w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>{}</w:tr></w:tbl><w:p><w:r><w:t>After</w:t></w:r></w:p>",
            tc("", "Name"),
            tc("<w:gridSpan w:val=\"3\"/>", "Amy Smith"),
            tc("<w:vMerge w:val=\"restart\"/>", "Section B"),
            tc("", "Role"),
            tc("<w:gridSpan w:val=\"2\"/>", "☒ Parent"),
            tc("<w:vMerge/>", ""),
            tc("", "DOB"),
            tc("<w:gridSpan w:val=\"2\"/>", "14/03/2016"),
            tc("", "B4 text"),
        );
        let doc = read_ok(&body);
        assert_eq!(doc.sheets, vec!["Table1"]);
        assert_eq!(value(&doc, "Table1!A1"), &text("Name"));
        assert_eq!(value(&doc, "Table1!B1"), &text("Amy Smith"));
        assert_eq!(value(&doc, "Table1!A2"), &text("Section B"));
        assert_eq!(value(&doc, "Table1!C2"), &text("☒ Parent"));
        assert_eq!(value(&doc, "Table1!C3"), &text("14/03/2016"));
        assert_eq!(value(&doc, "Table1!B4"), &text("B4 text"));
        let pos = doc
            .fields
            .iter()
            .find(|f| f.key.to_string() == "Table1!C3")
            .unwrap()
            .pos
            .unwrap();
        assert_eq!((pos.sheet, pos.row, pos.col), (0, 2, 2));
        assert!(doc.merges.contains(&Merge {
            sheet: 0,
            first: (0, 1),
            last: (0, 3)
        }));
        assert!(
            doc.merges.contains(&Merge {
                sheet: 0,
                first: (1, 0),
                last: (2, 0)
            }),
            "{:?}",
            doc.merges
        );
        assert!(doc.merges.contains(&Merge {
            sheet: 0,
            first: (1, 2),
            last: (1, 3)
        }));
        let lines: Vec<&str> = doc.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines, vec!["Before", "After"]);
    }

    #[test]
    fn nested_tables_and_headers() {
        let bytes = docx_with(&[
            (
                "word/document.xml",
                &format!(
                    "<w:document {NS}><w:body><w:tbl><w:tr><w:tc><w:p><w:r><w:t>Outer</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>Inner</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p><w:r><w:t>more</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"
                ),
            ),
            (
                "word/header1.xml",
                &format!(
                    "<w:hdr {NS}><w:p><w:r><w:t>Ashcombe Borough Council</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>in a header table</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:hdr>"
                ),
            ),
            (
                "word/footnotes.xml",
                &format!(
                    r#"<w:footnotes {NS}><w:footnote><w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Note1"/><w:textInput/></w:ffData></w:fldChar></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>fn text</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:footnote></w:footnotes>"#
                ),
            ),
        ]);
        let doc = read(
            &bytes,
            &Limits::default(),
            &Deadline::after(Limits::default().max_duration),
        )
        .unwrap();
        assert_eq!(doc.sheets, vec!["Table1", "Table2"]);
        assert_eq!(value(&doc, "Table1!A1"), &text("Outer\nmore"));
        assert_eq!(value(&doc, "Table1!B1"), &text("B"));
        assert_eq!(value(&doc, "Table2!A1"), &text("Inner"));
        assert_eq!(value(&doc, "ff:Note1"), &text("fn text"));
        assert!(doc.contains_text("ashcombe borough"));
        assert!(doc.lines.iter().any(|l| l.text == "in a header table"));
    }

    #[test]
    fn fallback_content_is_read_once() {
        let doc = read_ok(
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent><w:p><w:r><w:t>Box</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>Box</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>tail</w:t></w:r></w:p>"#,
        );
        let lines: Vec<&str> = doc.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines, vec!["Box tail"]);
    }

    #[test]
    fn hostile_documents_are_refused() {
        // Entities declared in a DOCTYPE (XXE, billion laughs): refused, never expanded or fetched.
        let xxe = docx_with(&[(
            "word/document.xml",
            &format!(
                "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"http://example.org/\">]><w:document {NS}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
            ),
        )]);
        let f = read_err(&xxe, &Limits::default());
        assert_eq!(f.kind, FailureKind::Corrupt);
        assert!(f.reason.contains("entit"), "{}", f.reason);
        // An undeclared entity reference.
        let f = read_err(
            &docx("<w:p><w:r><w:t>&lol;</w:t></w:r></w:p>"),
            &Limits::default(),
        );
        assert!(f.reason.contains("refused"), "{}", f.reason);
        // Depth.
        let deep = format!("{}{}", "<w:p>".repeat(300), "</w:p>".repeat(300));
        let f = read_err(&docx(&deep), &Limits::default());
        assert!(f.reason.contains("max_xml_depth"), "{}", f.reason);
        // Cells and text.
        let many = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>y</w:t></w:r></w:p></w:tc></w:tr></w:tbl>".repeat(3);
        let limits = Limits {
            max_cells: 5,
            ..Limits::default()
        };
        assert!(read_err(&docx(&many), &limits).reason.contains("max_cells"));
        let limits = Limits {
            max_text_bytes: 3,
            ..Limits::default()
        };
        assert!(
            read_err(&docx(&many), &limits)
                .reason
                .contains("max_text_bytes")
        );
        // Zip bomb by size.
        let big = format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", "a".repeat(3 << 20));
        let limits = Limits {
            max_unzipped_bytes: 1 << 20,
            ..Limits::default()
        };
        assert_eq!(read_err(&docx(&big), &limits).kind, FailureKind::TooLarge);
        // Truncated and malformed.
        let bytes = docx("<w:p><w:r><w:t>x</w:t></w:r></w:p>");
        let cut = &bytes[..bytes.len() / 2];
        assert!(
            read(
                cut,
                &Limits::default(),
                &Deadline::after(Limits::default().max_duration)
            )
            .is_err()
        );
        let f = read_err(&docx("<w:p><w:r></w:p>"), &Limits::default());
        assert_eq!(f.kind, FailureKind::Corrupt);
        // A zip with word/document.xml missing never reaches here (sniffed as zip), but a directory lie must not
        // panic either.
        let mut parts: Vec<(String, &str)> =
            (0..=MAX_PARTS).map(|i| (format!("p{i}"), "")).collect();
        parts.push(("word/document.xml".into(), "<w:document/>"));
        let refs: Vec<(&str, &str)> = parts.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        let f = read_err(&docx_with(&refs), &Limits::default());
        assert_eq!(f.kind, FailureKind::TooLarge);
        assert!(f.reason.contains("parts"), "{}", f.reason);
        let no_body = docx_with(&[("word/styles.xml", "<x/>")]);
        assert_eq!(
            read_err(&no_body, &Limits::default()).kind,
            FailureKind::Corrupt
        );
    }

    #[test]
    fn time_is_bounded() {
        let body = "<w:p><w:r><w:t>x</w:t></w:r></w:p>".repeat(5000);
        let bytes = docx(&body);
        let f = read(
            &bytes,
            &Limits::default(),
            &Deadline::after(std::time::Duration::ZERO),
        )
        .unwrap_err();
        assert_eq!(f.kind, FailureKind::Timeout);
    }
}
