//! The PDF reader, on lopdf.
//!
//! Three views of a PDF end up in one [`SourceDoc`]:
//! - **AcroForm fields**: `/AcroForm /Fields` walked with `/Kids` hierarchies, `/FT`, `/Ff`, `/V` and `/Opt`
//!   inherited, a cycle guard (object ids seen) and a depth limit. The fully qualified name (partial `/T` names
//!   joined with `.`) is the [`SourceField::key`] ([`FieldKey::Field`]), the `/TU` tooltip its label. Widgets
//!   found in pages' `/Annots` but missing from `/Fields` (broken producers) are recovered by climbing `/Parent`
//!   to their root field.
//! - **XFA data**: when the AcroForm carries `/XFA`, each leaf of the `datasets` packet's `xfa:data` element
//!   becomes a field keyed [`FieldKey::Xfa`] by its data path (shown `xfa:form1/Section1/ChildName`; the 2nd,
//!   3rd... sibling of a name gets `[2]`, `[3]`). The key's kind keeps XFA leaves apart from AcroForm names;
//!   mappings write the bare path (`Locator::Xfa`). Entities are never expanded (quick-xml does not read DTDs).
//! - **Flat text**: every page's content stream (for a PDF with form fields, page 1's only: answers are mapped
//!   by field, and page 1 carries the heading `contains` phrases identify) and the form XObjects it draws are
//!   interpreted just enough to place text: `cm`/`q`/`Q`, `Tm`/`Td`/`TD`/`T*`/`TL`/`Tf`/`Tc`/`Tw`/`Tz` and the show operators. Strings
//!   are decoded with the font's encoding through lopdf (`/Encoding`, `/Differences`, `/ToUnicode`); runs on one
//!   baseline are joined into a [`TextLine`] in x order, with a space where the gap is wide. Page 1 of a fillable
//!   PDF is remembered per thread under a digest of everything its walk reads ([`first_page`]): the copies of
//!   one blank form share it, so it is walked once, not once a document.
//!
//! Weak spots of the text (not of the fields): glyph widths come from `/Widths` when the font has them, else
//! are guessed (0.5 em), so word gaps between separately shown runs are approximate; a simple font with both
//! `/Encoding` and `/ToUnicode` is decoded through `/Encoding` (lopdf's precedence); CID fonts without
//! `/ToUnicode` and TrueType `cmap`-only fonts decode to garbage; page `/Rotate` and rotated text are ignored;
//! right-to-left scripts come out in visual (drawing) order.
//!
//! Failures: a password-protected file is `Encrypted` ("encrypted: password required"; an empty user password
//! opens transparently); a file lopdf cannot load, or with no page tree, is `Corrupt`; pages that only draw
//! images are `NeedsOcr`; a stream inflating past [`Limits::max_pdf_stream_bytes`] is `TooLarge`.

use std::collections::{BTreeMap, HashMap, HashSet};

mod first_page;

use lopdf::content::Content;
use lopdf::{
    DecompressError, Dictionary, Document, Encoding, LoadOptions, Object, ObjectId, Stream,
    decode_text_string,
};
use quick_xml::events::Event;

use super::{
    Deadline, FailureKind, FieldKey, Limits, RawValue, ReadFailure, SourceDoc, SourceField,
    TextLine, Widget,
};

/// The note added when a PDF has no form fields.
pub const NO_FIELDS_NOTE: &str = "no AcroForm fields: flattened or printed form?";

const MAX_FIELD_DEPTH: usize = 32;
const MAX_FIELDS: usize = 100_000;
const MAX_XOBJECT_DEPTH: usize = 8;
const MAX_GSTATE_DEPTH: usize = 64;
const MAX_XML_DEPTH: usize = 256;
const MAX_PARENT_CLIMB: usize = 64;

/// `/Ff` bits (PDF 32000-1, tables 226 and 230).
const FF_RADIO: i64 = 1 << 15;
const FF_PUSHBUTTON: i64 = 1 << 16;
const FF_MULTISELECT: i64 = 1 << 21;

/// Reads a PDF's form fields, XFA data and page text.
pub fn read(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<SourceDoc, ReadFailure> {
    let doc = load(bytes, limits)?;
    deadline.check()?;
    let mut out = SourceDoc::default();
    if doc.xref_recovery.is_some() {
        out.notes
            .push("cross-reference data damaged: rebuilt by scanning the file".into());
    }
    if doc.was_encrypted() {
        out.notes
            .push("encrypted with an empty user password: opened without one".into());
    }
    let pages = doc.get_pages();
    let mut budget = TextBudget {
        used: 0,
        max: limits.max_text_bytes,
    };
    let acro = doc
        .catalog()
        .ok()
        .and_then(|c| c.get_deref(b"AcroForm", &doc).ok())
        .and_then(|a| a.as_dict().ok());
    let mut walker = FieldWalker {
        doc: &doc,
        seen: HashSet::new(),
        fields: Vec::new(),
        notes: Vec::new(),
        deadline,
        budget: &mut budget,
        recovered: 0,
        placement: Placement::new(&doc, &pages),
        widgets: Vec::new(),
    };
    if let Some(acro) = acro {
        walker.acroform(acro)?;
    }
    walker.recover_annots(&pages)?;
    let FieldWalker {
        fields,
        notes,
        recovered,
        widgets,
        ..
    } = walker;
    out.fields = fields;
    out.widgets = widgets;
    out.notes.extend(notes);
    if recovered > 0 {
        out.notes.push(format!(
            "{recovered} field(s) recovered from page /Annots (missing from /AcroForm /Fields)"
        ));
    }
    if let Some(acro) = acro {
        read_xfa(&doc, acro, limits, &mut out, &mut budget)?;
    }
    // A fillable form's answers are its fields: only page 1's text (what `contains` phrases match, the form's
    // heading) and the text of the pages that show widgets (their printed labels) are read, each page remembered
    // for the next copy of the same form; a PDF without fields is read on every page.
    let text = if out.fields.is_empty() {
        page_text(&doc, &pages, limits, deadline, &mut budget, false)?
    } else {
        let shown: HashSet<u32> = out.widgets.iter().map(|w| w.page).collect();
        let wanted: BTreeMap<u32, ObjectId> = pages
            .iter()
            .enumerate()
            .filter(|(i, (n, _))| *i == 0 || shown.contains(n))
            .map(|(_, (&n, &id))| (n, id))
            .collect();
        if wanted.len() < pages.len() {
            out.notes.push(format!(
                "fillable PDF: text read on {} of {} pages (page 1 and the pages with fields; map answers by field)",
                wanted.len(),
                pages.len()
            ));
        }
        let text = first_page::text(&doc, &wanted, limits, deadline, &mut budget)?;
        label_widgets(&mut out.widgets, &text.phrases, deadline)?;
        text
    };
    out.lines = text.lines;
    out.notes.extend(text.notes);
    if pages.is_empty() {
        // Even a form has a page to show its widgets on: what lopdf salvaged here is debris.
        return Err(ReadFailure::corrupt(
            "damaged PDF: no pages (page tree missing or unreadable)",
        ));
    }
    if out.fields.is_empty() {
        if out.lines.is_empty() && text.image_pages > 0 {
            return Err(ReadFailure::new(
                FailureKind::NeedsOcr,
                format!(
                    "image-only PDF: {} page(s), {} with images, no text layer and no form fields; needs OCR",
                    pages.len(),
                    text.image_pages
                ),
            ));
        }
        out.notes.push(NO_FIELDS_NOTE.into());
        if out.lines.is_empty() {
            out.notes.push("no text on any page".into());
        }
    }
    Ok(out)
}

/// Loads with the decompression limit; maps lopdf's errors onto failure kinds.
fn load(bytes: &[u8], limits: &Limits) -> Result<Document, ReadFailure> {
    let opts = LoadOptions {
        max_decompressed_size: Some(limits.max_pdf_stream_bytes),
        ..LoadOptions::default()
    };
    match Document::load_mem_with_options(bytes, opts.clone()) {
        // lopdf loads a file it cannot decrypt without error, leaving /Encrypt in place and no objects.
        Ok(doc) if doc.is_encrypted() && !doc.was_encrypted() => without_id(doc, bytes, opts),
        Ok(doc) => Ok(doc),
        Err(lopdf::Error::InvalidPassword) => Err(password_required()),
        Err(lopdf::Error::Decryption(e)) => Err(ReadFailure::new(
            FailureKind::Encrypted,
            format!("encrypted: cannot decrypt ({})", decryption_damage(&e)),
        )),
        Err(e) => Err(lopdf_failure(&e, limits)),
    }
}

/// A file encrypted without a trailer `/ID` derives its key from an empty ID (what Acrobat and pypdf do), but
/// lopdf refuses it ("missing the file /ID elements") and, unable to decrypt, loads no objects at all. For a
/// classic trailer, write an empty `/ID` into the last `trailer` dictionary (after every xref offset, so none
/// moves) and load again.
fn without_id(doc: Document, bytes: &[u8], opts: LoadOptions) -> Result<Document, ReadFailure> {
    if doc.trailer.has(b"ID") {
        return Err(password_required());
    }
    let patched = bytes
        .windows(7)
        .rposition(|w| w == b"trailer")
        .and_then(|t| {
            let after = bytes.get(t..)?;
            let open = after.windows(2).position(|w| w == b"<<")?;
            let at = t.checked_add(open)?.checked_add(2)?;
            let mut out = Vec::with_capacity(bytes.len().saturating_add(16));
            out.extend_from_slice(bytes.get(..at)?);
            out.extend_from_slice(b"/ID[<><>]");
            out.extend_from_slice(bytes.get(at..)?);
            Some(out)
        });
    let Some(patched) = patched else {
        return Err(password_required());
    };
    match Document::load_mem_with_options(&patched, opts) {
        Ok(doc) if doc.was_encrypted() && !doc.is_encrypted() => Ok(doc),
        _ => Err(password_required()),
    }
}

/// lopdf's decryption messages are fixed text, except a wrapped error, which may quote the file.
fn decryption_damage(e: &lopdf::encryption::DecryptionError) -> String {
    match e {
        lopdf::encryption::DecryptionError::StringPrep(_) => {
            "a password that does not prepare".into()
        }
        other => other.to_string(),
    }
}

fn password_required() -> ReadFailure {
    ReadFailure::new(FailureKind::Encrypted, "encrypted: password required")
}

fn lopdf_failure(e: &lopdf::Error, limits: &Limits) -> ReadFailure {
    match e {
        lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. }) => {
            ReadFailure::too_large(format!(
                "a PDF stream decompresses to more than {} bytes (limit max_pdf_stream_bytes)",
                limits.max_pdf_stream_bytes
            ))
        }
        other => ReadFailure::corrupt(format!("damaged PDF: {}", pdf_damage(other))),
    }
}

/// lopdf's message, except for the errors whose message quotes the file (dictionary keys, tokens, glyph
/// names, stream details): those name only the kind of damage.
fn pdf_damage(e: &lopdf::Error) -> String {
    use lopdf::Error as E;
    match e {
        E::DictKey(_) => "a required dictionary key is missing".into(),
        E::InvalidInlineImage(_) => "an invalid inline image".into(),
        E::InvalidOutline(_) => "an invalid document outline".into(),
        E::InvalidStream(_) => "an invalid stream".into(),
        E::InvalidObjectStream(_) => "an invalid object stream".into(),
        E::NumericCast(_) => "a number out of range".into(),
        E::Syntax(_) => "a syntax error in a content stream".into(),
        E::InvalidEncodingDifferenceGlyph { .. } => {
            "an invalid glyph name in a font encoding".into()
        }
        E::Decryption(_) => "decryption error".into(),
        other => other.to_string(),
    }
}

fn is_size_limit(e: &lopdf::Error) -> bool {
    matches!(
        e,
        lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. })
    )
}

/// Caps the text taken from one document.
struct TextBudget {
    used: usize,
    max: usize,
}

impl TextBudget {
    fn take(&mut self, n: usize) -> Result<(), ReadFailure> {
        self.used = self.used.saturating_add(n);
        if self.used > self.max {
            Err(ReadFailure::too_large(format!(
                "more than {} bytes of text (limit max_text_bytes)",
                self.max
            )))
        } else {
            Ok(())
        }
    }
}

/// A PDF text string (PDFDocEncoding or UTF-16BE with BOM) as Rust text; names as UTF-8 (lossy).
fn text_of(o: &Object) -> Option<String> {
    match o {
        Object::String(bytes, _) => Some(
            decode_text_string(o).unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()),
        ),
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

/// Line breaks in field values are `\r` in PDF; make them `\n`.
fn normalise_breaks(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Values inherited down the field tree.
#[derive(Clone, Default)]
struct Inherited<'a> {
    ft: Option<&'a [u8]>,
    ff: i64,
    v: Option<&'a Object>,
    opt: Option<&'a Object>,
}

struct FieldWalker<'a, 'b> {
    doc: &'a Document,
    seen: HashSet<ObjectId>,
    fields: Vec<SourceField>,
    notes: Vec<String>,
    deadline: &'b Deadline,
    budget: &'b mut TextBudget,
    recovered: usize,
    placement: Placement,
    widgets: Vec<Widget>,
}

impl<'a> FieldWalker<'a, '_> {
    fn acroform(&mut self, acro: &'a Dictionary) -> Result<(), ReadFailure> {
        let Some(roots) = acro
            .get_deref(b"Fields", self.doc)
            .ok()
            .and_then(|f| f.as_array().ok())
        else {
            return Ok(());
        };
        for root in roots {
            self.walk(root, "", &Inherited::default(), 0)?;
        }
        Ok(())
    }

    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) && self.notes.len() < 20 {
            self.notes.push(note);
        }
    }

    fn walk(
        &mut self,
        obj: &'a Object,
        prefix: &str,
        inh: &Inherited<'a>,
        depth: usize,
    ) -> Result<(), ReadFailure> {
        if depth > MAX_FIELD_DEPTH {
            self.note(format!(
                "field tree deeper than {MAX_FIELD_DEPTH} levels: the rest is skipped"
            ));
            return Ok(());
        }
        if let Object::Reference(id) = obj
            && !self.seen.insert(*id)
        {
            return Ok(());
        }
        if self.fields.len() >= MAX_FIELDS {
            return Err(ReadFailure::too_large(format!(
                "more than {MAX_FIELDS} form fields"
            )));
        }
        if self.fields.len().is_multiple_of(256) {
            self.deadline.check()?;
        }
        let Some(d) = self
            .doc
            .dereference(obj)
            .ok()
            .and_then(|(_, o)| o.as_dict().ok())
        else {
            self.note("a form field object is missing or not a dictionary: skipped".into());
            return Ok(());
        };
        let own = d.get(b"T").ok().and_then(text_of);
        let name = match (&own, prefix.is_empty()) {
            (Some(t), true) => t.clone(),
            (Some(t), false) => format!("{prefix}.{t}"),
            (None, _) => prefix.to_string(),
        };
        let inh = Inherited {
            ft: d.get(b"FT").ok().and_then(|f| f.as_name().ok()).or(inh.ft),
            ff: d.get(b"Ff").and_then(Object::as_i64).unwrap_or(inh.ff),
            v: d.get(b"V").ok().or(inh.v),
            opt: d.get(b"Opt").ok().or(inh.opt),
        };
        let kids: &[Object] = d
            .get_deref(b"Kids", self.doc)
            .ok()
            .and_then(|k| k.as_array().ok())
            .map_or(&[], Vec::as_slice);
        let mut children = Vec::new();
        let mut widgets = vec![d];
        // The object ids of `widgets`, to find the page each is drawn on.
        let mut widget_ids = vec![obj.as_reference().ok()];
        for kid in kids {
            let Some(kd) = self
                .doc
                .dereference(kid)
                .ok()
                .and_then(|(_, o)| o.as_dict().ok())
            else {
                continue;
            };
            if kd.has(b"T") {
                children.push(kid);
            } else {
                if let Object::Reference(id) = kid {
                    self.seen.insert(*id);
                }
                widgets.push(kd);
                widget_ids.push(kid.as_reference().ok());
            }
        }
        if !children.is_empty() {
            for kid in children {
                self.walk(kid, &name, &inh, depth.saturating_add(1))?;
            }
            return Ok(());
        }
        if name.is_empty() {
            return Ok(());
        }
        let Some(value) = self.leaf_value(&inh, &widgets)? else {
            return Ok(());
        };
        self.fields.push(SourceField {
            key: FieldKey::Field(name),
            label: d
                .get(b"TU")
                .ok()
                .and_then(text_of)
                .map(|t| normalise_breaks(t.trim()))
                .filter(|t| !t.is_empty()),
            value,
            pos: None,
        });
        let field = self.fields.len().saturating_sub(1);
        for (w, id) in widgets.iter().zip(&widget_ids) {
            self.place(field, &inh, w, *id, &widgets);
        }
        Ok(())
    }

    /// Records where a widget of field `field` is drawn: its page (by the page `/Annots` that list it, else its
    /// `/P`) and its `/Rect` in top-down page coordinates. A widget with neither is not placed.
    fn place(
        &mut self,
        field: usize,
        inh: &Inherited<'a>,
        w: &'a Dictionary,
        id: Option<ObjectId>,
        widgets: &[&'a Dictionary],
    ) {
        if self.widgets.len() >= MAX_FIELDS {
            return;
        }
        let Some(rect) = w
            .get_deref(b"Rect", self.doc)
            .ok()
            .and_then(|r| r.as_array().ok())
        else {
            return;
        };
        let v: Vec<f32> = rect
            .iter()
            .take(4)
            .filter_map(|o| o.as_float().ok())
            .filter(|v| v.is_finite())
            .collect();
        let (Some(&x1), Some(&y1), Some(&x2), Some(&y2)) =
            (v.first(), v.get(1), v.get(2), v.get(3))
        else {
            return;
        };
        let page = id
            .and_then(|id| self.placement.annots.get(&id).copied())
            .or_else(|| {
                let p = w.get(b"P").ok()?.as_reference().ok()?;
                self.placement.page_numbers.get(&p).copied()
            });
        let Some(page) = page else {
            return;
        };
        let (top, left) = self
            .placement
            .boxes
            .get(&page)
            .copied()
            .unwrap_or((792.0, 0.0));
        let on = if inh.ft == Some(b"Btn".as_slice()) {
            on_state(self.doc, w).map(|name| self.export_value(inh, name, widgets))
        } else {
            None
        };
        self.widgets.push(Widget {
            field,
            page,
            rect: [
                x1.min(x2) - left,
                top - y1.max(y2),
                x1.max(x2) - left,
                top - y1.min(y2),
            ],
            label: None,
            on,
        });
    }

    /// A terminal field's value; `None` for fields that hold no data (push buttons).
    fn leaf_value(
        &mut self,
        inh: &Inherited<'a>,
        widgets: &[&'a Dictionary],
    ) -> Result<Option<RawValue>, ReadFailure> {
        let v = inh
            .v
            .and_then(|v| self.doc.dereference(v).ok())
            .map(|(_, o)| o);
        let value = match inh.ft.unwrap_or(b"") {
            b"Btn" if inh.ff & FF_PUSHBUTTON != 0 => return Ok(None),
            b"Btn" => self.button(inh, v, widgets),
            b"Ch" => self.choice(inh, v),
            b"Sig" => match v {
                Some(_) => RawValue::Text("signed".into()),
                None => RawValue::Empty,
            },
            _ => match v {
                Some(Object::Stream(s)) => {
                    RawValue::Text(String::from_utf8_lossy(&s.content).into())
                }
                Some(o) => {
                    text_of(o).map_or(RawValue::Empty, |t| RawValue::Text(normalise_breaks(&t)))
                }
                None => RawValue::Empty,
            },
        };
        let len = match &value {
            RawValue::Text(t) => t.len(),
            RawValue::List(l) => l.iter().map(String::len).sum(),
            _ => 0,
        };
        self.budget.take(len)?;
        Ok(Some(match value {
            RawValue::Text(t) if t.is_empty() => RawValue::Empty,
            other => other,
        }))
    }

    /// Check boxes (on, off, or empty when never set) and radio groups (the export value of the kid that is on).
    fn button(
        &self,
        inh: &Inherited<'a>,
        v: Option<&Object>,
        widgets: &[&'a Dictionary],
    ) -> RawValue {
        fn state(d: &Dictionary) -> Option<&[u8]> {
            d.get(b"AS").ok().and_then(|a| a.as_name().ok())
        }
        let on_states: Vec<&[u8]> = widgets
            .iter()
            .filter_map(|w| on_state(self.doc, w))
            .collect();
        let distinct: HashSet<&[u8]> = on_states.iter().copied().collect();
        let radio = inh.ff & FF_RADIO != 0 || distinct.len() > 1;
        let v_name = v.and_then(|v| v.as_name().ok());
        let on = v_name.filter(|n| *n != b"Off").or_else(|| {
            widgets
                .iter()
                .filter_map(|w| state(w))
                .find(|s| *s != b"Off")
        });
        if radio {
            return match on {
                Some(name) => RawValue::Text(self.export_value(inh, name, widgets)),
                None => RawValue::Empty,
            };
        }
        // A check box whose field was never set (no `/V`, only the widget's `/AS /Off` appearance) is
        // unanswered, like a radio group with nothing chosen: otherwise no blank form with a check box
        // could ever be `blank`. `/V /Off` (set, then cleared) is a no.
        match on {
            Some(_) => RawValue::Bool(true),
            None if v_name.is_some() => RawValue::Bool(false),
            None => RawValue::Empty,
        }
    }

    /// A radio state name as its export value: `/Opt` maps index-named states (`/0`, `/1`) to texts.
    fn export_value(&self, inh: &Inherited<'a>, name: &[u8], widgets: &[&'a Dictionary]) -> String {
        let plain = String::from_utf8_lossy(name).into_owned();
        let Some(opt) = inh
            .opt
            .and_then(|o| self.doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_array().ok())
        else {
            return plain;
        };
        let index = plain.parse::<usize>().ok().or_else(|| {
            widgets
                .iter()
                .skip(1)
                .position(|w| w.get(b"AS").ok().and_then(|a| a.as_name().ok()) == Some(name))
        });
        index
            .and_then(|i| opt.get(i))
            .and_then(|o| self.doc.dereference(o).ok())
            .and_then(|(_, o)| text_of(o))
            .unwrap_or(plain)
    }

    /// Combo and list boxes: the selected export value(s).
    fn choice(&self, inh: &Inherited<'a>, v: Option<&Object>) -> RawValue {
        let multi = inh.ff & FF_MULTISELECT != 0;
        let item = |o: &Object| -> Option<String> {
            let (_, o) = self.doc.dereference(o).ok()?;
            match o {
                // An `/Opt` pair [export display]: the export value.
                Object::Array(pair) => pair.first().and_then(text_of),
                other => text_of(other),
            }
        };
        let chosen: Vec<String> = match v {
            Some(Object::Array(items)) => items.iter().filter_map(item).collect(),
            Some(o) => item(o).into_iter().collect(),
            None => Vec::new(),
        };
        let chosen: Vec<String> = chosen
            .into_iter()
            .map(|s| normalise_breaks(&s))
            .filter(|s| !s.is_empty())
            .collect();
        match (chosen.len(), multi) {
            (0, _) => RawValue::Empty,
            (1, false) => chosen
                .into_iter()
                .next()
                .map_or(RawValue::Empty, RawValue::Text),
            _ => RawValue::List(chosen),
        }
    }

    /// Widgets in pages' `/Annots` whose field is not reachable from `/Fields`.
    fn recover_annots(&mut self, pages: &BTreeMap<u32, ObjectId>) -> Result<(), ReadFailure> {
        for page_id in pages.values() {
            self.deadline.check()?;
            let Some(annots) = self
                .doc
                .get_dictionary(*page_id)
                .ok()
                .and_then(|p| p.get_deref(b"Annots", self.doc).ok())
                .and_then(|a| a.as_array().ok())
            else {
                continue;
            };
            for entry in annots {
                let Object::Reference(id) = entry else {
                    continue;
                };
                if self.seen.contains(id) {
                    continue;
                }
                let Ok(d) = self.doc.get_dictionary(*id) else {
                    continue;
                };
                if d.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Widget".as_slice())
                    || !(d.has(b"T") || d.has(b"Parent"))
                {
                    continue;
                }
                let root = self.root_of(*id);
                if !self.seen.insert(root) {
                    continue;
                }
                let Some(obj) = self.doc.objects.get(&root) else {
                    continue;
                };
                let before = self.fields.len();
                self.walk(obj, "", &Inherited::default(), 0)?;
                self.recovered = self
                    .recovered
                    .saturating_add(self.fields.len().saturating_sub(before));
            }
        }
        Ok(())
    }

    /// The topmost field above a widget, following `/Parent` with a cycle guard.
    fn root_of(&self, id: ObjectId) -> ObjectId {
        let mut current = id;
        let mut chain = HashSet::new();
        for _ in 0..MAX_PARENT_CLIMB {
            if !chain.insert(current) {
                break;
            }
            match self
                .doc
                .get_dictionary(current)
                .ok()
                .and_then(|d| d.get(b"Parent").ok())
                .and_then(|p| p.as_reference().ok())
            {
                Some(parent) if self.doc.get_dictionary(parent).is_ok() => current = parent,
                _ => break,
            }
        }
        current
    }
}

/// A button widget's on-state: the name of its normal appearance that is not `Off`.
fn on_state<'a>(doc: &'a Document, w: &'a Dictionary) -> Option<&'a [u8]> {
    let n = w
        .get_deref(b"AP", doc)
        .ok()?
        .as_dict()
        .ok()?
        .get_deref(b"N", doc)
        .ok()?
        .as_dict()
        .ok()?;
    n.iter().map(|(k, _)| k.as_slice()).find(|k| *k != b"Off")
}

/// Where widgets are drawn: each annotation's page (from the pages' `/Annots`), each page object's number, and
/// each page's top and left (its MediaBox).
#[derive(Default)]
struct Placement {
    annots: HashMap<ObjectId, u32>,
    page_numbers: HashMap<ObjectId, u32>,
    boxes: HashMap<u32, (f32, f32)>,
}

impl Placement {
    /// Reads every page's `/Annots` references once (bounded by the objects the file holds).
    fn new(doc: &Document, pages: &BTreeMap<u32, ObjectId>) -> Placement {
        let mut p = Placement::default();
        for (&number, &page_id) in pages {
            p.page_numbers.insert(page_id, number);
            p.boxes.insert(number, page_box(doc, page_id));
            let Some(annots) = doc
                .get_dictionary(page_id)
                .ok()
                .and_then(|d| d.get_deref(b"Annots", doc).ok())
                .and_then(|a| a.as_array().ok())
            else {
                continue;
            };
            for a in annots {
                if p.annots.len() >= MAX_FIELDS {
                    return p;
                }
                if let Object::Reference(id) = a {
                    p.annots.entry(*id).or_insert(number);
                }
            }
        }
        p
    }
}

/// Reads the `datasets` packet of an XFA form into `xfa:`-prefixed fields.
fn read_xfa(
    doc: &Document,
    acro: &Dictionary,
    limits: &Limits,
    out: &mut SourceDoc,
    budget: &mut TextBudget,
) -> Result<(), ReadFailure> {
    let Ok(xfa) = acro.get_deref(b"XFA", doc) else {
        return Ok(());
    };
    let stream: Option<&Stream> = match xfa {
        Object::Stream(s) => Some(s),
        Object::Array(items) => items
            .chunks(2)
            .find(|pair| pair.first().and_then(text_of).as_deref() == Some("datasets"))
            .and_then(|pair| pair.get(1))
            .and_then(|s| doc.dereference(s).ok())
            .and_then(|(_, o)| o.as_stream().ok()),
        _ => None,
    };
    let Some(stream) = stream else {
        out.notes
            .push("XFA form without a datasets packet: no XFA data".into());
        return Ok(());
    };
    let xml = match stream.get_plain_content_with_limit(limits.max_pdf_stream_bytes) {
        Ok(b) => b,
        Err(e) if is_size_limit(&e) => return Err(lopdf_failure(&e, limits)),
        Err(e) => {
            out.notes.push(format!(
                "XFA datasets packet unreadable: {}",
                pdf_damage(&e)
            ));
            return Ok(());
        }
    };
    let text =
        String::from_utf8_lossy(xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&xml)).into_owned();
    match xfa_fields(&text, budget)? {
        Ok(fields) => {
            out.notes
                .push(format!("XFA form: {} data value(s)", fields.len()));
            out.fields.extend(fields);
        }
        Err(reason) => out.notes.push(format!("XFA datasets packet: {reason}")),
    }
    Ok(())
}

/// One open element inside `xfa:data`.
struct XmlFrame {
    segment: String,
    counts: HashMap<String, u32>,
    has_child: bool,
    text: String,
}

/// The data leaves of an XFA datasets packet. The outer error is a limit; the inner one bad XML (a note).
fn xfa_fields(
    xml: &str,
    budget: &mut TextBudget,
) -> Result<Result<Vec<SourceField>, String>, ReadFailure> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut names: Vec<String> = Vec::new();
    // Frames below `xfa:data`; `None` until it opens.
    let mut frames: Option<Vec<XmlFrame>> = None;
    let mut data_depth = 0usize;
    let mut fields = Vec::new();
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                return Ok(Err(format!(
                    "bad XML at byte {}: {}",
                    reader.error_position(),
                    super::xml_damage(&e)
                )));
            }
        };
        match event {
            Event::Start(_) | Event::Empty(_) if names.len() >= MAX_XML_DEPTH => {
                return Ok(Err(format!("nested deeper than {MAX_XML_DEPTH} elements")));
            }
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_string();
                open(&mut frames, &local);
                if frames.is_none()
                    && local == "data"
                    && names.last().is_some_and(|p| p == "datasets")
                {
                    // A root frame numbers repeated top-level siblings; its segment is empty.
                    frames = Some(vec![XmlFrame {
                        segment: String::new(),
                        counts: HashMap::new(),
                        has_child: true,
                        text: String::new(),
                    }]);
                    data_depth = names.len().saturating_add(1);
                }
                names.push(local);
            }
            Event::Empty(e) => {
                let local = e.local_name().as_ref().to_string();
                if open(&mut frames, &local) {
                    close(&mut frames, &mut fields, budget)?;
                }
            }
            Event::End(_) => {
                if frames.is_some() && names.len() == data_depth {
                    break;
                }
                names.pop();
                close(&mut frames, &mut fields, budget)?;
            }
            Event::Text(t) => push_text(&mut frames, &t.xml10_content()),
            Event::CData(t) => push_text(&mut frames, &t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string),
                };
                if let Some(s) = resolved {
                    push_text(&mut frames, &s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Ok(fields))
}

/// Opens an element under `xfa:data`; true when it was opened (we are inside the data).
fn open(frames: &mut Option<Vec<XmlFrame>>, local: &str) -> bool {
    let Some(stack) = frames else {
        return false;
    };
    let segment = match stack.last_mut() {
        Some(parent) => {
            parent.has_child = true;
            let n = parent.counts.entry(local.to_string()).or_insert(0);
            *n = n.saturating_add(1);
            if *n > 1 {
                format!("{local}[{n}]")
            } else {
                local.to_string()
            }
        }
        None => local.to_string(),
    };
    stack.push(XmlFrame {
        segment,
        counts: HashMap::new(),
        has_child: false,
        text: String::new(),
    });
    true
}

fn close(
    frames: &mut Option<Vec<XmlFrame>>,
    fields: &mut Vec<SourceField>,
    budget: &mut TextBudget,
) -> Result<(), ReadFailure> {
    let Some(stack) = frames else {
        return Ok(());
    };
    let Some(frame) = stack.pop() else {
        return Ok(());
    };
    if frame.has_child {
        return Ok(());
    }
    if fields.len() >= MAX_FIELDS {
        return Err(ReadFailure::too_large(format!(
            "more than {MAX_FIELDS} XFA data values"
        )));
    }
    let path: Vec<&str> = stack
        .iter()
        .map(|f| f.segment.as_str())
        .chain(std::iter::once(frame.segment.as_str()))
        .filter(|s| !s.is_empty())
        .collect();
    budget.take(frame.text.len())?;
    let text = frame.text.trim();
    fields.push(SourceField {
        key: FieldKey::Xfa(path.join("/")),
        label: None,
        value: if text.is_empty() {
            RawValue::Empty
        } else {
            RawValue::Text(normalise_breaks(text))
        },
        pos: None,
    });
    Ok(())
}

fn push_text(frames: &mut Option<Vec<XmlFrame>>, s: &str) {
    if let Some(frame) = frames.as_mut().and_then(|f| f.last_mut()) {
        frame.text.push_str(s);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Flat text
// ---------------------------------------------------------------------------------------------------------------

/// A 2-D affine matrix `[a b c d e f]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Matrix([f32; 6]);

impl Matrix {
    const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    fn translate(tx: f32, ty: f32) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, tx, ty])
    }

    /// `self × other` (apply self first, then other).
    fn then(&self, o: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [oa, ob, oc, od, oe, of] = o.0;
        Matrix([
            a * oa + b * oc,
            a * ob + b * od,
            c * oa + d * oc,
            c * ob + d * od,
            e * oa + f * oc + oe,
            e * ob + f * od + of,
        ])
    }

    fn from_operands(ops: &[Object]) -> Option<Matrix> {
        let mut m = [0.0f32; 6];
        for (slot, o) in m.iter_mut().zip(ops.iter()) {
            *slot = o.as_float().ok()?;
        }
        (ops.len() >= 6 && m.iter().all(|v| v.is_finite())).then_some(Matrix(m))
    }

    fn from_object(o: Option<&Object>) -> Matrix {
        o.and_then(|o| o.as_array().ok())
            .and_then(|a| Matrix::from_operands(a))
            .unwrap_or(Matrix::IDENTITY)
    }
}

/// What a font needs for text placement and decoding.
struct FontInfo<'a> {
    encoding: Option<Encoding<'a>>,
    /// `/FirstChar` and `/Widths` (glyph space, 1/1000 em).
    widths: Option<(i64, Vec<f32>)>,
    /// Type0 (CID) fonts use two-byte codes.
    two_byte: bool,
}

impl FontInfo<'_> {
    fn width(&self, code: u32) -> f32 {
        self.widths
            .as_ref()
            .and_then(|(first, w)| {
                let i = i64::from(code).checked_sub(*first)?;
                w.get(usize::try_from(i).ok()?).copied()
            })
            .filter(|w| *w > 0.0)
            .unwrap_or(if self.two_byte { 1000.0 } else { 500.0 })
    }
}

fn font_info<'a>(
    doc: &'a Document,
    font: &'a Dictionary,
    limit: usize,
) -> Result<FontInfo<'a>, ReadFailure> {
    let encoding = match font.get_font_encoding_with_limit(doc, limit) {
        Ok(e) => Some(e),
        Err(e) if is_size_limit(&e) => {
            return Err(ReadFailure::too_large(format!(
                "a font's /ToUnicode stream decompresses to more than {limit} bytes (limit max_pdf_stream_bytes)"
            )));
        }
        Err(_) => None,
    };
    let two_byte = font.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0".as_slice());
    let widths = font
        .get_deref(b"Widths", doc)
        .ok()
        .and_then(|w| w.as_array().ok())
        .map(|w| {
            let first = font.get(b"FirstChar").and_then(Object::as_i64).unwrap_or(0);
            (
                first,
                w.iter()
                    .take(65_536)
                    .map(|o| {
                        doc.dereference(o)
                            .ok()
                            .and_then(|(_, o)| o.as_float().ok())
                            .unwrap_or(0.0)
                    })
                    .collect(),
            )
        });
    Ok(FontInfo {
        encoding,
        widths,
        two_byte,
    })
}

fn fonts_of_resources<'a>(
    doc: &'a Document,
    resources: &[&'a Dictionary],
    limit: usize,
) -> Result<HashMap<Vec<u8>, FontInfo<'a>>, ReadFailure> {
    let mut out = HashMap::new();
    for res in resources {
        let Some(fonts) = res
            .get_deref(b"Font", doc)
            .ok()
            .and_then(|f| f.as_dict().ok())
        else {
            continue;
        };
        for (name, f) in fonts.iter() {
            if out.contains_key(name) {
                continue;
            }
            if let Some(fd) = doc.dereference(f).ok().and_then(|(_, o)| o.as_dict().ok()) {
                out.insert(name.clone(), font_info(doc, fd, limit)?);
            }
        }
    }
    Ok(out)
}

/// A piece of text shown in one go, in page coordinates.
#[derive(Debug, Clone)]
struct Run {
    x: f32,
    /// Baseline from the page's top.
    y: f32,
    end: f32,
    size: f32,
    text: String,
}

#[derive(Clone, Copy)]
struct TextState {
    tm: Matrix,
    tlm: Matrix,
    size: f32,
    leading: f32,
    char_spacing: f32,
    word_spacing: f32,
    hscale: f32,
}

impl Default for TextState {
    fn default() -> Self {
        TextState {
            tm: Matrix::IDENTITY,
            tlm: Matrix::IDENTITY,
            size: 0.0,
            leading: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            hscale: 1.0,
        }
    }
}

struct PageWalk<'a, 'd> {
    doc: &'a Document,
    limit: usize,
    deadline: &'d Deadline,
    budget: &'d mut TextBudget,
    /// The page's top in user space (MediaBox ury) and left (llx).
    top: f32,
    left: f32,
    runs: Vec<Run>,
    images: bool,
    ops: usize,
    xobjects_seen: Vec<ObjectId>,
}

/// One page's content (or a form XObject's) with the resources it draws from.
struct Scope<'a> {
    fonts: HashMap<Vec<u8>, FontInfo<'a>>,
    resources: Vec<&'a Dictionary>,
}

impl<'a> PageWalk<'a, '_> {
    fn run(
        &mut self,
        content: &[u8],
        scope: &Scope<'a>,
        base: Matrix,
        depth: usize,
    ) -> Result<(), String> {
        let content = Content::decode(content)
            .map_err(|e| format!("content stream unreadable: {}", pdf_damage(&e)))?;
        let mut ctm = base;
        let mut stack: Vec<Matrix> = Vec::new();
        let mut ts = TextState::default();
        let mut font: Option<&FontInfo<'a>> = None;
        for op in &content.operations {
            self.ops = self.ops.saturating_add(1);
            if self.ops.is_multiple_of(4096) {
                self.deadline.check().map_err(|f| f.reason)?;
            }
            let args = op.operands.as_slice();
            let num = |i: usize| {
                args.get(i)
                    .and_then(|o| o.as_float().ok())
                    .filter(|v| v.is_finite())
            };
            match op.operator.as_str() {
                "q" if stack.len() < MAX_GSTATE_DEPTH => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(base),
                "cm" => {
                    if let Some(m) = Matrix::from_operands(args) {
                        ctm = m.then(&ctm);
                    }
                }
                "BT" => {
                    ts.tm = Matrix::IDENTITY;
                    ts.tlm = Matrix::IDENTITY;
                }
                "Tf" => {
                    font = args
                        .first()
                        .and_then(|n| n.as_name().ok())
                        .and_then(|n| scope.fonts.get(n));
                    ts.size = num(1).unwrap_or(ts.size);
                }
                "TL" => ts.leading = num(0).unwrap_or(ts.leading),
                "Tc" => ts.char_spacing = num(0).unwrap_or(0.0),
                "Tw" => ts.word_spacing = num(0).unwrap_or(0.0),
                "Tz" => ts.hscale = num(0).map_or(1.0, |z| z / 100.0),
                "Td" | "TD" => {
                    let (tx, ty) = (num(0).unwrap_or(0.0), num(1).unwrap_or(0.0));
                    if op.operator == "TD" {
                        ts.leading = -ty;
                    }
                    ts.tlm = Matrix::translate(tx, ty).then(&ts.tlm);
                    ts.tm = ts.tlm;
                }
                "Tm" => {
                    if let Some(m) = Matrix::from_operands(args) {
                        ts.tlm = m;
                        ts.tm = m;
                    }
                }
                "T*" => next_line(&mut ts),
                "Tj" => self.show(args, font, &mut ts, &ctm).map_err(|f| f.reason)?,
                "TJ" => self.show(args, font, &mut ts, &ctm).map_err(|f| f.reason)?,
                "'" => {
                    next_line(&mut ts);
                    self.show(args, font, &mut ts, &ctm).map_err(|f| f.reason)?;
                }
                "\"" => {
                    ts.word_spacing = num(0).unwrap_or(ts.word_spacing);
                    ts.char_spacing = num(1).unwrap_or(ts.char_spacing);
                    next_line(&mut ts);
                    self.show(args.get(2..).unwrap_or(&[]), font, &mut ts, &ctm)
                        .map_err(|f| f.reason)?;
                }
                "BI" => self.images = true,
                "Do" => {
                    if let Some(name) = args.first().and_then(|n| n.as_name().ok()) {
                        self.xobject(name, scope, &ctm, depth)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn xobject(
        &mut self,
        name: &[u8],
        scope: &Scope<'a>,
        ctm: &Matrix,
        depth: usize,
    ) -> Result<(), String> {
        let Some((id, stream)) = scope.resources.iter().find_map(|r| {
            let xo = r.get_deref(b"XObject", self.doc).ok()?.as_dict().ok()?;
            let entry = xo.get(name).ok()?;
            let id = entry.as_reference().ok();
            let s = self.doc.dereference(entry).ok()?.1.as_stream().ok()?;
            Some((id, s))
        }) else {
            return Ok(());
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name).ok() {
            Some(b"Image") => self.images = true,
            Some(b"Form") if depth < MAX_XOBJECT_DEPTH => {
                if let Some(id) = id {
                    if self.xobjects_seen.contains(&id) {
                        return Ok(());
                    }
                    self.xobjects_seen.push(id);
                }
                let content = match stream.get_plain_content_with_limit(self.limit) {
                    Ok(c) => c,
                    Err(e) if is_size_limit(&e) => return Err(format!("too large: {e}")),
                    Err(_) => return Ok(()),
                };
                let own = stream
                    .dict
                    .get_deref(b"Resources", self.doc)
                    .ok()
                    .and_then(|r| r.as_dict().ok());
                let inner = match own {
                    Some(res) => {
                        let resources = vec![res];
                        Scope {
                            fonts: fonts_of_resources(self.doc, &resources, self.limit)
                                .map_err(|f| f.reason)?,
                            resources,
                        }
                    }
                    None => Scope {
                        fonts: fonts_of_resources(self.doc, &scope.resources, self.limit)
                            .map_err(|f| f.reason)?,
                        resources: scope.resources.clone(),
                    },
                };
                let m = Matrix::from_object(stream.dict.get(b"Matrix").ok()).then(ctm);
                let result = self.run(&content, &inner, m, depth.saturating_add(1));
                if let Some(id) = id {
                    self.xobjects_seen.retain(|x| *x != id);
                }
                result?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Tj / TJ: decode, place, advance the text matrix.
    fn show(
        &mut self,
        args: &[Object],
        font: Option<&FontInfo<'a>>,
        ts: &mut TextState,
        ctm: &Matrix,
    ) -> Result<(), ReadFailure> {
        let trm = ts.tm.then(ctm);
        let scale_x = (trm.0[0].powi(2) + trm.0[1].powi(2)).sqrt();
        let scale_y = (trm.0[2].powi(2) + trm.0[3].powi(2)).sqrt();
        let (x, y) = (trm.0[4], trm.0[5]);
        let mut text = String::new();
        let mut advance = 0.0f32;
        let mut pieces: Vec<&Object> = Vec::new();
        for a in args {
            match a {
                Object::Array(items) => pieces.extend(items.iter()),
                other => pieces.push(other),
            }
        }
        for piece in pieces {
            match piece {
                Object::String(bytes, _) => {
                    let decoded = decode(font, bytes);
                    text.push_str(&decoded);
                    advance += self.advance(font, bytes, ts);
                }
                Object::Integer(_) | Object::Real(_) => {
                    let n = piece.as_float().unwrap_or(0.0);
                    if !n.is_finite() {
                        continue;
                    }
                    // A kern of more than 0.2 em to the right separates words.
                    if n < -200.0 && !text.ends_with(' ') && !text.is_empty() {
                        text.push(' ');
                    }
                    advance -= n / 1000.0 * ts.size * ts.hscale;
                }
                _ => {}
            }
        }
        ts.tm = Matrix::translate(advance, 0.0).then(&ts.tm);
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .collect();
        if text.trim().is_empty() || !x.is_finite() || !y.is_finite() {
            return Ok(());
        }
        self.budget.take(text.len())?;
        self.runs.push(Run {
            x: x - self.left,
            y: self.top - y,
            end: x - self.left + advance * scale_x,
            size: (ts.size * scale_y).abs().max(1.0),
            text,
        });
        Ok(())
    }

    /// Horizontal displacement of a string in text space.
    fn advance(&self, font: Option<&FontInfo<'a>>, bytes: &[u8], ts: &TextState) -> f32 {
        let two = font.is_some_and(|f| f.two_byte);
        let codes: Vec<u32> = if two {
            bytes
                .chunks(2)
                .map(|c| c.iter().fold(0u32, |acc, b| acc * 256 + u32::from(*b)))
                .collect()
        } else {
            bytes.iter().map(|b| u32::from(*b)).collect()
        };
        codes
            .iter()
            .map(|&code| {
                let w = font.map_or(500.0, |f| f.width(code));
                let space = if !two && code == 32 {
                    ts.word_spacing
                } else {
                    0.0
                };
                (w / 1000.0 * ts.size + ts.char_spacing + space) * ts.hscale
            })
            .sum()
    }
}

fn next_line(ts: &mut TextState) {
    ts.tlm = Matrix::translate(0.0, -ts.leading).then(&ts.tlm);
    ts.tm = ts.tlm;
}

/// Decodes a shown string with its font's encoding; without one, as WinAnsi.
fn decode(font: Option<&FontInfo<'_>>, bytes: &[u8]) -> String {
    match font.and_then(|f| f.encoding.as_ref()) {
        Some(enc) => enc
            .bytes_to_string(bytes)
            .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()),
        None => Encoding::SimpleEncoding(b"WinAnsiEncoding")
            .bytes_to_string(bytes)
            .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()),
    }
}

#[derive(Clone)]
struct PageText {
    lines: Vec<TextLine>,
    /// The runs of each line grouped into phrases (fillable PDFs only: what widgets' labels are taken from).
    phrases: Vec<Phrase>,
    notes: Vec<String>,
    image_pages: usize,
}

/// Runs on one baseline that are drawn close together (no gap wider than an em): a label, a heading, an option's
/// wording. A line can hold several ("Surname" and "Forename" either side of a box).
#[derive(Debug, Clone, PartialEq)]
struct Phrase {
    page: u32,
    /// Left edge and right end, in points from the page's left.
    x: f32,
    end: f32,
    /// Baseline, in points from the page's top.
    y: f32,
    text: String,
}

/// `phrases`: also group each line's runs into [`Phrase`]s (for widgets' labels).
fn page_text(
    doc: &Document,
    pages: &BTreeMap<u32, ObjectId>,
    limits: &Limits,
    deadline: &Deadline,
    budget: &mut TextBudget,
    phrases: bool,
) -> Result<PageText, ReadFailure> {
    let limit = limits.max_pdf_stream_bytes;
    let mut out = PageText {
        lines: Vec::new(),
        phrases: Vec::new(),
        notes: Vec::new(),
        image_pages: 0,
    };
    let mut unreadable = Vec::new();
    for (&number, &page_id) in pages {
        deadline.check()?;
        let (top, left) = page_box(doc, page_id);
        let resources: Vec<&Dictionary> = match doc.get_page_resources(page_id) {
            Ok((dict, ids)) => dict
                .into_iter()
                .chain(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()))
                .collect(),
            Err(_) => Vec::new(),
        };
        let fonts = fonts_of_resources(doc, &resources, limit)?;
        let scope = Scope { fonts, resources };
        let content = match doc.get_page_content_with_limit(page_id, limit) {
            Ok(c) => c,
            Err(e) if is_size_limit(&e) => return Err(lopdf_failure(&e, limits)),
            Err(_) => {
                unreadable.push(number);
                continue;
            }
        };
        #[cfg(test)]
        tests::WALKS.with(|w| w.set(w.get().saturating_add(1)));
        let mut walk = PageWalk {
            doc,
            limit,
            deadline,
            budget,
            top,
            left,
            runs: Vec::new(),
            images: false,
            ops: 0,
            xobjects_seen: Vec::new(),
        };
        if let Err(reason) = walk.run(&content, &scope, Matrix::IDENTITY, 0) {
            deadline.check()?;
            if reason.starts_with("too large") || reason.contains("limit max_text_bytes") {
                return Err(ReadFailure::too_large(reason));
            }
            unreadable.push(number);
        }
        if walk.images {
            out.image_pages = out.image_pages.saturating_add(1);
        }
        let runs = std::mem::take(&mut walk.runs);
        if phrases {
            out.phrases.extend(group_phrases(number, &runs));
        }
        out.lines.extend(group_lines(number, runs));
    }
    if !unreadable.is_empty() {
        let list: Vec<String> = unreadable.iter().take(10).map(u32::to_string).collect();
        out.notes.push(format!(
            "content of {} page(s) unreadable (pages {}{})",
            unreadable.len(),
            list.join(", "),
            if unreadable.len() > 10 { ", ..." } else { "" }
        ));
    }
    Ok(out)
}

/// The page's top (MediaBox ury) and left (llx), inherited through `/Parent`; US Letter by default.
fn page_box(doc: &Document, page_id: ObjectId) -> (f32, f32) {
    let mut current = doc.get_dictionary(page_id).ok();
    for _ in 0..MAX_PARENT_CLIMB {
        let Some(d) = current else { break };
        if let Some(b) = d
            .get_deref(b"MediaBox", doc)
            .ok()
            .and_then(|b| b.as_array().ok())
        {
            let v: Vec<f32> = b.iter().filter_map(|o| o.as_float().ok()).collect();
            if let (Some(llx), Some(lly), Some(urx), Some(ury)) =
                (v.first(), v.get(1), v.get(2), v.get(3))
            {
                let _ = urx;
                return (ury.max(*lly), llx.min(*urx));
            }
        }
        current = d
            .get(b"Parent")
            .ok()
            .and_then(|p| p.as_reference().ok())
            .and_then(|id| doc.get_dictionary(id).ok());
    }
    (792.0, 0.0)
}

/// Runs banded by baseline as [`group_lines`] bands them, each band split into phrases where the gap between two
/// runs is wider than an em of the smaller text.
fn group_phrases(page: u32, runs: &[Run]) -> Vec<Phrase> {
    let mut sorted: Vec<&Run> = runs.iter().collect();
    sorted.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut bands: Vec<Vec<&Run>> = Vec::new();
    for run in sorted {
        let joins = bands.last().and_then(|b| b.first()).is_some_and(|first| {
            (run.y - first.y).abs() <= (0.45 * first.size.min(run.size)).max(1.0)
        });
        match bands.last_mut() {
            Some(band) if joins => band.push(run),
            _ => bands.push(vec![run]),
        }
    }
    let mut out: Vec<Phrase> = Vec::new();
    for mut band in bands {
        band.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut current: Option<(Phrase, f32)> = None;
        for run in band {
            match current.as_mut() {
                Some((p, size)) if run.x - p.end <= size.min(run.size) => {
                    if run.x - p.end > 0.2 * size.min(run.size)
                        && !p.text.ends_with(char::is_whitespace)
                        && !run.text.starts_with(char::is_whitespace)
                    {
                        p.text.push(' ');
                    }
                    p.text.push_str(&run.text);
                    p.end = p.end.max(run.end);
                }
                _ => {
                    if let Some((p, _)) = current.take() {
                        out.push(p);
                    }
                    current = Some((
                        Phrase {
                            page,
                            x: run.x,
                            end: run.end.max(run.x),
                            y: run.y,
                            text: run.text.clone(),
                        },
                        run.size,
                    ));
                }
            }
        }
        out.extend(current.map(|(p, _)| p));
    }
    for p in &mut out {
        p.text = p.text.trim().to_string();
    }
    out.retain(|p| !p.text.is_empty());
    out
}

/// How far left of a box its label may end, and how far above the box's top edge a label's baseline may lie.
pub const LABEL_LEFT_MAX: f32 = 200.0;
/// See [`LABEL_LEFT_MAX`].
pub const LABEL_ABOVE_MAX: f32 = 24.0;
/// A box this small (points, both sides) is a check box or radio button, whose label may stand on its right.
const SMALL_BOX: f32 = 24.0;
/// The widest gap between a small box and the phrase it is labelled by on either side.
const SMALL_BOX_GAP: f32 = 30.0;
/// Most widgets on one page that get printed labels (each looks at every phrase and widget of its page).
const MAX_LABELLED_WIDGETS_PER_PAGE: usize = 4096;

/// Each widget's printed label: the phrase nearest the box to its left on the same line (a baseline between the
/// box's top and 3 points below its bottom, ending before the box and at most [`LABEL_LEFT_MAX`] points from it,
/// with no other widget in between); else the nearest phrase above it (a baseline at most [`LABEL_ABOVE_MAX`]
/// points above the box's top, overlapping the box horizontally, with no other widget in between).
fn label_widgets(
    widgets: &mut [Widget],
    phrases: &[Phrase],
    deadline: &Deadline,
) -> Result<(), ReadFailure> {
    let mut by_page: BTreeMap<u32, (Vec<usize>, Vec<&Phrase>)> = BTreeMap::new();
    for (i, w) in widgets.iter().enumerate() {
        by_page.entry(w.page).or_default().0.push(i);
    }
    for p in phrases {
        if let Some(entry) = by_page.get_mut(&p.page) {
            entry.1.push(p);
        }
    }
    for (ws, ps) in by_page.values() {
        deadline.check()?;
        if ws.len() > MAX_LABELLED_WIDGETS_PER_PAGE {
            continue;
        }
        let rects: Vec<[f32; 4]> = ws
            .iter()
            .filter_map(|&i| widgets.get(i).map(|w| w.rect))
            .collect();
        let labels: Vec<Option<String>> = rects
            .iter()
            .enumerate()
            .map(|(me, r)| printed_label(me, r, &rects, ps))
            .collect();
        for (&i, label) in ws.iter().zip(labels) {
            if let Some(w) = widgets.get_mut(i) {
                w.label = label;
            }
        }
    }
    Ok(())
}

/// The printed label of box `rects[me]` among the phrases of its page (see [`label_widgets`]).
fn printed_label(
    me: usize,
    r: &[f32; 4],
    rects: &[[f32; 4]],
    phrases: &[&Phrase],
) -> Option<String> {
    let [left, top, right, bottom] = *r;
    let others = || {
        rects
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != me)
            .map(|(_, o)| o)
    };
    let same_line = |y: f32| y >= top - 1.0 && y <= bottom + 3.0;
    let clear_between = |from: f32, to: f32| {
        !others().any(|o| same_line_box(o, top, bottom) && o[0] >= from - 2.0 && o[2] <= to + 1.0)
    };
    // A check box or radio button (a small box) is as often labelled on its right (`☐ I agree`, `◯ Male`) as on
    // its left (`Male ☐`): the phrase closer to it on its line, within a box-side gap, is its label.
    if right - left <= SMALL_BOX && bottom - top <= SMALL_BOX {
        let left_side = phrases
            .iter()
            .filter(|p| same_line(p.y) && p.end <= left + 2.0 && left - p.end <= SMALL_BOX_GAP)
            .filter(|p| clear_between(p.end, left))
            .max_by(|a, b| a.end.total_cmp(&b.end))
            .map(|p| (left - p.end, p));
        let right_side = phrases
            .iter()
            .filter(|p| same_line(p.y) && p.x >= right - 2.0 && p.x - right <= SMALL_BOX_GAP)
            .filter(|p| clear_between(right, p.x))
            .min_by(|a, b| a.x.total_cmp(&b.x))
            .map(|p| (p.x - right, p));
        let nearest = match (left_side, right_side) {
            (Some(l), Some(r)) => Some(if r.0 < l.0 { r.1 } else { l.1 }),
            (l, r) => l.or(r).map(|(_, p)| p),
        };
        if let Some(p) = nearest {
            return Some(p.text.clone());
        }
    }
    let beside = phrases
        .iter()
        .filter(|p| same_line(p.y) && p.end <= left + 2.0 && left - p.end <= LABEL_LEFT_MAX)
        .filter(|p| {
            // No other box on this line between the phrase and this one.
            !others()
                .any(|o| same_line_box(o, top, bottom) && o[0] >= p.end - 2.0 && o[2] <= left + 1.0)
        })
        .max_by(|a, b| a.end.total_cmp(&b.end));
    if let Some(p) = beside {
        return Some(p.text.clone());
    }
    let above = phrases
        .iter()
        .filter(|p| {
            p.y < top + 1.0 && top - p.y <= LABEL_ABOVE_MAX && p.x < right && p.end > left - 2.0
        })
        .filter(|p| {
            // No other box between the phrase's baseline and this box's top, overlapping it horizontally.
            !others().any(|o| o[1] >= p.y - 1.0 && o[3] <= top + 1.0 && o[0] < right && o[2] > left)
        })
        .min_by(|a, b| {
            (top - a.y)
                .total_cmp(&(top - b.y))
                .then((a.x - left).abs().total_cmp(&(b.x - left).abs()))
        });
    above.map(|p| p.text.clone())
}

/// True when box `o` lies on the line of a box from `top` to `bottom` (their vertical extents overlap by half).
fn same_line_box(o: &[f32; 4], top: f32, bottom: f32) -> bool {
    let overlap = o[3].min(bottom) - o[1].max(top);
    overlap > 0.5 * (bottom - top).min(o[3] - o[1]).max(1.0)
}

/// Runs on one baseline become one line, in x order, with a space where the gap is wide.
fn group_lines(page: u32, mut runs: Vec<Run>) -> Vec<TextLine> {
    runs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut bands: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        let joins = bands.last().and_then(|b| b.first()).is_some_and(|first| {
            (run.y - first.y).abs() <= (0.45 * first.size.min(run.size)).max(1.0)
        });
        match bands.last_mut() {
            Some(band) if joins => band.push(run),
            _ => bands.push(vec![run]),
        }
    }
    let mut lines = Vec::with_capacity(bands.len());
    for mut band in bands {
        band.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut text = String::new();
        let mut prev: Option<&Run> = None;
        for run in &band {
            if let Some(p) = prev {
                let gap = run.x - p.end;
                let wide = gap > 0.2 * p.size.min(run.size);
                if wide
                    && !text.ends_with(char::is_whitespace)
                    && !run.text.starts_with(char::is_whitespace)
                {
                    text.push(' ');
                }
            }
            text.push_str(&run.text);
            prev = Some(run);
        }
        let text = text.trim().to_string();
        let Some(first) = band.first() else { continue };
        if !text.is_empty() {
            lines.push(TextLine {
                page,
                x: first.x,
                y: first.y,
                text,
            });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Stream, dictionary, text_string};
    use std::cell::Cell;
    use std::time::Duration;

    thread_local! {
        /// Pages walked by `page_text` on this thread (each test runs on its own thread).
        pub(super) static WALKS: Cell<usize> = const { Cell::new(0) };
    }

    fn walks() -> usize {
        WALKS.with(Cell::get)
    }

    /// A one-page document with Helvetica text and optional AcroForm fields (ids of field dictionaries).
    struct Builder {
        doc: Document,
        page: ObjectId,
        fields: Vec<Object>,
    }

    impl Builder {
        fn new(content: &str) -> Builder {
            let mut doc = Document::with_version("1.7");
            let pages_id = doc.new_object_id();
            let font = doc.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
            });
            let content = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
            let page = doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => content,
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            });
            doc.objects.insert(
                pages_id,
                Object::Dictionary(
                    dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
                ),
            );
            let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
            doc.trailer.set("Root", catalog);
            Builder {
                doc,
                page,
                fields: Vec::new(),
            }
        }

        fn field(&mut self, d: Dictionary) -> ObjectId {
            let id = self.doc.add_object(d);
            self.fields.push(id.into());
            id
        }

        fn finish(mut self, acro_extra: Option<(&str, Object)>) -> Vec<u8> {
            if !self.fields.is_empty() || acro_extra.is_some() {
                let mut acro = dictionary! { "Fields" => self.fields.clone() };
                if let Some((k, v)) = acro_extra {
                    acro.set(k, v);
                }
                let acro = self.doc.add_object(acro);
                let root = self
                    .doc
                    .trailer
                    .get(b"Root")
                    .unwrap()
                    .as_reference()
                    .unwrap();
                self.doc
                    .get_dictionary_mut(root)
                    .unwrap()
                    .set("AcroForm", acro);
            }
            let mut out = Vec::new();
            self.doc.save_to(&mut out).unwrap();
            out
        }
    }

    fn read_bytes(bytes: &[u8]) -> Result<SourceDoc, ReadFailure> {
        let limits = Limits::default();
        read(bytes, &limits, &Deadline::after(Duration::from_secs(10)))
    }

    fn value<'d>(doc: &'d SourceDoc, key: &str) -> &'d RawValue {
        &doc.fields
            .iter()
            .find(|f| f.key.to_string() == key)
            .unwrap_or_else(|| panic!("no field {key}: {:?}", doc.fields))
            .value
    }

    fn ap(on: &str) -> Dictionary {
        dictionary! { "N" => dictionary! { on => Object::Null, "Off" => Object::Null } }
    }

    #[test]
    fn fields_of_every_kind_with_hierarchy_and_inheritance() {
        let mut b = Builder::new("BT /F1 12 Tf 72 800 Td (Request form) Tj ET");
        // form1[0] -> Section1[0] -> ChildName[0] (text, UTF-16BE), Notes[0] (multi-line, FT inherited)
        let name = b.doc.add_object(dictionary! {
            "T" => text_string("ChildName[0]"), "V" => text_string("Renée O'Neil"), "TU" => text_string("Child's name"),
        });
        let notes = b.doc.add_object(
            dictionary! { "T" => "Notes[0]", "V" => Object::string_literal("line 1\rline 2") },
        );
        let section = b.doc.add_object(dictionary! {
            "T" => "Section1[0]", "FT" => "Tx", "Kids" => vec![name.into(), notes.into()],
        });
        b.field(dictionary! { "T" => "form1[0]", "Kids" => vec![section.into()] });
        b.field(dictionary! { "T" => "Consent", "FT" => "Btn", "V" => "Yes", "AS" => "Yes", "AP" => ap("Yes") });
        b.field(dictionary! { "T" => "Photo", "FT" => "Btn", "V" => "Off", "AS" => "Off", "AP" => ap("Yes") });
        // Never set: the widget shows Off but the field has no /V, as in a blank form.
        b.field(dictionary! { "T" => "NeverSet", "FT" => "Btn", "AS" => "Off", "AP" => ap("Yes") });
        b.field(dictionary! { "T" => "Untouched", "FT" => "Btn" });
        // A radio group: the value is the parent /V; each kid has its own on-state.
        let r1 = b
            .doc
            .add_object(dictionary! { "Subtype" => "Widget", "AS" => "Off", "AP" => ap("Mother") });
        let r2 = b.doc.add_object(
            dictionary! { "Subtype" => "Widget", "AS" => "Father", "AP" => ap("Father") },
        );
        let radio = b.field(dictionary! {
            "T" => "Relationship", "FT" => "Btn", "Ff" => FF_RADIO, "V" => "Father", "Kids" => vec![r1.into(), r2.into()],
        });
        let _ = radio;
        let r3 = b
            .doc
            .add_object(dictionary! { "Subtype" => "Widget", "AS" => "Off", "AP" => ap("A") });
        let r4 = b
            .doc
            .add_object(dictionary! { "Subtype" => "Widget", "AS" => "Off", "AP" => ap("B") });
        b.field(dictionary! { "T" => "NoChoice", "FT" => "Btn", "Ff" => FF_RADIO, "Kids" => vec![r3.into(), r4.into()] });
        b.field(dictionary! {
            "T" => "Gender", "FT" => "Ch", "Ff" => 1 << 17, "V" => Object::string_literal("F"),
            "Opt" => vec![
                Object::Array(vec![Object::string_literal("F"), Object::string_literal("Female")]),
                Object::Array(vec![Object::string_literal("M"), Object::string_literal("Male")]),
            ],
        });
        b.field(dictionary! {
            "T" => "Needs", "FT" => "Ch", "Ff" => FF_MULTISELECT,
            "V" => vec![Object::string_literal("SEMH"), Object::string_literal("SLCN")],
        });
        b.field(dictionary! { "T" => "Empty", "FT" => "Tx" });
        b.field(dictionary! { "T" => "Submit", "FT" => "Btn", "Ff" => FF_PUSHBUTTON });
        let doc = read_bytes(&b.finish(None)).unwrap();
        assert_eq!(
            value(&doc, "form1[0].Section1[0].ChildName[0]"),
            &RawValue::Text("Renée O'Neil".into())
        );
        let label = doc
            .fields
            .iter()
            .find(|f| f.key.to_string().ends_with("ChildName[0]"))
            .unwrap();
        assert_eq!(label.label.as_deref(), Some("Child's name"));
        assert_eq!(
            value(&doc, "form1[0].Section1[0].Notes[0]"),
            &RawValue::Text("line 1\nline 2".into())
        );
        assert_eq!(value(&doc, "Consent"), &RawValue::Bool(true));
        assert_eq!(value(&doc, "Photo"), &RawValue::Bool(false));
        assert_eq!(value(&doc, "NeverSet"), &RawValue::Empty);
        assert_eq!(value(&doc, "Untouched"), &RawValue::Empty);
        assert_eq!(
            value(&doc, "Relationship"),
            &RawValue::Text("Father".into())
        );
        assert_eq!(value(&doc, "NoChoice"), &RawValue::Empty);
        assert_eq!(value(&doc, "Gender"), &RawValue::Text("F".into()));
        assert_eq!(
            value(&doc, "Needs"),
            &RawValue::List(vec!["SEMH".into(), "SLCN".into()])
        );
        assert_eq!(value(&doc, "Empty"), &RawValue::Empty);
        assert!(doc.fields.iter().all(|f| f.key.to_string() != "Submit"));
        assert_eq!(
            doc.lines.first().map(|l| l.text.as_str()),
            Some("Request form")
        );
    }

    #[test]
    fn widgets_missing_from_fields_are_recovered_and_cycles_end() {
        let mut b = Builder::new("BT /F1 12 Tf 72 800 Td (x) Tj ET");
        let listed = b.field(
            dictionary! { "T" => "Listed", "FT" => "Tx", "V" => Object::string_literal("a") },
        );
        let orphan = b.doc.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Widget", "T" => "Orphan", "FT" => "Tx", "V" => Object::string_literal("b"),
        });
        // A field whose kid is itself: the cycle guard stops it.
        let cyclic = b.doc.new_object_id();
        b.doc.objects.insert(
            cyclic,
            Object::Dictionary(dictionary! { "T" => "Loop", "Kids" => vec![cyclic.into()] }),
        );
        b.fields.push(cyclic.into());
        let page = b.page;
        b.doc
            .get_dictionary_mut(page)
            .unwrap()
            .set("Annots", vec![listed.into(), orphan.into()]);
        let doc = read_bytes(&b.finish(None)).unwrap();
        assert_eq!(value(&doc, "Listed"), &RawValue::Text("a".into()));
        assert_eq!(value(&doc, "Orphan"), &RawValue::Text("b".into()));
        assert!(doc.notes.iter().any(|n| n.contains("recovered")));
    }

    #[test]
    fn xfa_datasets_become_prefixed_paths() {
        let mut b = Builder::new("BT /F1 12 Tf 72 800 Td (Please wait...) Tj ET");
        let xml = r#"<xfa:datasets xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/"><xfa:data>
            <form1><Section1><ChildName>Amy &amp; Bo</ChildName><Parent><Name>A</Name></Parent>
            <Parent><Name>B</Name></Parent><Empty/></Section1></form1></xfa:data></xfa:datasets>"#;
        let ds = b
            .doc
            .add_object(Stream::new(dictionary! {}, xml.as_bytes().to_vec()));
        let xfa = Object::Array(vec![Object::string_literal("datasets"), ds.into()]);
        let doc = read_bytes(&b.finish(Some(("XFA", xfa)))).unwrap();
        assert_eq!(
            value(&doc, "xfa:form1/Section1/ChildName"),
            &RawValue::Text("Amy & Bo".into())
        );
        assert_eq!(
            value(&doc, "xfa:form1/Section1/Parent/Name"),
            &RawValue::Text("A".into())
        );
        assert_eq!(
            value(&doc, "xfa:form1/Section1/Parent[2]/Name"),
            &RawValue::Text("B".into())
        );
        assert_eq!(value(&doc, "xfa:form1/Section1/Empty"), &RawValue::Empty);
    }

    #[test]
    fn flat_text_groups_runs_on_a_baseline() {
        let content = "BT /F1 10 Tf 72 800 Td (Child's name:) Tj 100 0 Td (Amy Smith) Tj ET \
                       BT /F1 10 Tf 72 780 Td [(Sec)-20(ond)-900(line)] TJ ET \
                       BT /F1 10 Tf 14 TL 72 760 Td (first) Tj T* (next) Tj ET";
        let doc = read_bytes(&Builder::new(content).finish(None)).unwrap();
        let texts: Vec<&str> = doc.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts.first(), Some(&"Child's name: Amy Smith"));
        assert!(texts.contains(&"Second line"), "{texts:?}");
        assert!(
            texts.contains(&"first") && texts.contains(&"next"),
            "{texts:?}"
        );
        let first = doc.lines.first().unwrap();
        assert_eq!(
            (first.page, first.x.round(), first.y.round()),
            (1, 72.0, 42.0)
        );
        assert!(doc.notes.iter().any(|n| n == NO_FIELDS_NOTE));
    }

    /// A widget field at `rect` (PDF user space, origin bottom-left of the 595 x 842 page), on the page by `/P`.
    fn boxed(b: &mut Builder, name: &str, ft: &str, rect: [i64; 4], extra: Dictionary) -> ObjectId {
        let mut d = dictionary! {
            "T" => Object::string_literal(name), "FT" => ft, "Subtype" => "Widget", "P" => b.page,
            "Rect" => rect.iter().map(|v| Object::Integer(*v)).collect::<Vec<_>>(),
        };
        for (k, v) in extra {
            d.set(k, v);
        }
        b.field(d)
    }

    fn printed<'d>(doc: &'d SourceDoc, key: &str) -> Vec<Option<&'d str>> {
        let i = doc
            .fields
            .iter()
            .position(|f| f.key.to_string() == key)
            .unwrap();
        doc.widgets
            .iter()
            .filter(|w| w.field == i)
            .map(|w| w.label.as_deref())
            .collect()
    }

    #[test]
    fn widgets_get_the_printed_label_left_on_their_line_else_above() {
        // Baselines at 742 (y 100 from the top) and 700 (y 142); Helvetica without /Widths: 6 pt a glyph at 12 pt.
        let content = "BT /F1 12 Tf 50 742 Td (Surname) Tj ET BT /F1 12 Tf 300 742 Td (Forename) Tj ET \
                       BT /F1 12 Tf 50 700 Td (Date of birth) Tj ET \
                       BT /F1 12 Tf 50 640 Td (Male) Tj ET BT /F1 12 Tf 130 640 Td (Female) Tj ET \
                       BT /F1 12 Tf 50 560 Td (A heading far above) Tj ET";
        let mut b = Builder::new(content);
        boxed(&mut b, "Text1", "Tx", [110, 738, 280, 754], dictionary! {});
        boxed(&mut b, "Text2", "Tx", [360, 738, 540, 754], dictionary! {});
        // Nothing to its left on its line: the label above (8 pt above its top edge).
        boxed(&mut b, "Text3", "Tx", [50, 676, 200, 692], dictionary! {});
        boxed(
            &mut b,
            "Check Box1",
            "Btn",
            [85, 636, 95, 646],
            dictionary! { "V" => "Yes", "AS" => "Yes", "AP" => ap("Yes") },
        );
        boxed(
            &mut b,
            "Check Box2",
            "Btn",
            [175, 636, 185, 646],
            dictionary! { "AP" => ap("Yes") },
        );
        // A box with no text beside it and none within 24 pt above.
        boxed(&mut b, "Text4", "Tx", [300, 500, 400, 516], dictionary! {});
        // A radio group: one label per option.
        let r1 = b.doc.add_object(
            dictionary! { "Subtype" => "Widget", "P" => b.page, "AS" => "Off",
            "AP" => ap("Choice1"), "Rect" => vec![300.into(), 636.into(), 310.into(), 646.into()] },
        );
        let r2 = b.doc.add_object(
            dictionary! { "Subtype" => "Widget", "P" => b.page, "AS" => "Choice2",
            "AP" => ap("Choice2"), "Rect" => vec![400.into(), 636.into(), 410.into(), 646.into()] },
        );
        let content2 = "BT /F1 12 Tf 270 640 Td (Yes) Tj ET BT /F1 12 Tf 380 640 Td (No) Tj ET";
        let page = b.page;
        let extra = b
            .doc
            .add_object(Stream::new(dictionary! {}, content2.as_bytes().to_vec()));
        let first = b
            .doc
            .get_dictionary(page)
            .unwrap()
            .get(b"Contents")
            .unwrap()
            .clone();
        b.doc
            .get_dictionary_mut(page)
            .unwrap()
            .set("Contents", vec![first, extra.into()]);
        b.field(
            dictionary! { "T" => "Group1", "FT" => "Btn", "Ff" => FF_RADIO, "V" => "Choice2",
            "Kids" => vec![r1.into(), r2.into()] },
        );
        let doc = read_bytes(&b.finish(None)).unwrap();
        assert_eq!(printed(&doc, "Text1"), [Some("Surname")]);
        assert_eq!(
            printed(&doc, "Text2"),
            [Some("Forename")],
            "not the whole line"
        );
        assert_eq!(printed(&doc, "Text3"), [Some("Date of birth")]);
        assert_eq!(printed(&doc, "Check Box1"), [Some("Male")]);
        assert_eq!(
            printed(&doc, "Check Box2"),
            [Some("Female")],
            "not past the other box"
        );
        assert_eq!(printed(&doc, "Text4"), [None]);
        assert_eq!(printed(&doc, "Group1"), [Some("Yes"), Some("No")]);
        let radio: Vec<Option<&str>> = doc
            .widgets
            .iter()
            .filter(|w| w.label.as_deref().is_some_and(|l| l.len() < 4))
            .map(|w| w.on.as_deref())
            .collect();
        assert_eq!(radio, [Some("Choice1"), Some("Choice2")]);
        let t1 = doc
            .widgets
            .iter()
            .find(|w| doc.fields[w.field].key.to_string() == "Text1")
            .unwrap();
        assert_eq!((t1.page, t1.rect), (1, [110.0, 88.0, 280.0, 104.0]));
    }

    #[test]
    fn a_fillable_pdf_reads_the_text_of_the_pages_that_show_its_widgets() {
        // Three pages: a heading on 1, a labelled box on 3, nothing of the form on 2.
        let mut b = Builder::new("BT /F1 12 Tf 72 800 Td (Request form) Tj ET");
        let pages_id = b
            .doc
            .get_dictionary(b.page)
            .unwrap()
            .get(b"Parent")
            .unwrap()
            .as_reference()
            .unwrap();
        let add = |b: &mut Builder, text: &str| {
            let c = b
                .doc
                .add_object(Stream::new(dictionary! {}, text.as_bytes().to_vec()));
            let font = b
                .doc
                .get_dictionary(b.page)
                .unwrap()
                .get(b"Resources")
                .unwrap()
                .clone();
            b.doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => c,
                "Resources" => font, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()] })
        };
        let p2 = add(&mut b, "BT /F1 12 Tf 72 800 Td (Guidance notes) Tj ET");
        let p3 = add(&mut b, "BT /F1 12 Tf 50 700 Td (Postcode) Tj ET");
        let first = b.page;
        let pages = b.doc.get_dictionary_mut(pages_id).unwrap();
        pages.set("Kids", vec![first.into(), p2.into(), p3.into()]);
        pages.set("Count", 3);
        let w = b.field(dictionary! { "T" => "Text9", "FT" => "Tx", "Subtype" => "Widget",
            "Rect" => vec![120.into(), 696.into(), 200.into(), 712.into()], "V" => Object::string_literal("HW3 5PL") });
        b.doc
            .get_dictionary_mut(p3)
            .unwrap()
            .set("Annots", vec![w.into()]);
        let doc = read_bytes(&b.finish(None)).unwrap();
        assert_eq!(printed(&doc, "Text9"), [Some("Postcode")]);
        assert_eq!(doc.widgets[0].page, 3);
        let pages: Vec<u32> = doc.lines.iter().map(|l| l.page).collect();
        assert_eq!(pages, [1, 3], "page 2 shows no widget: not read");
        assert!(
            doc.notes
                .iter()
                .any(|n| n.contains("text read on 2 of 3 pages")),
            "{:?}",
            doc.notes
        );
    }

    fn encrypted(user: &str) -> Vec<u8> {
        let mut b = Builder::new("BT /F1 12 Tf 72 800 Td (Secret form) Tj ET");
        b.field(dictionary! { "T" => "Name", "FT" => "Tx", "V" => Object::string_literal("Amy") });
        let bytes = b.finish(None);
        let mut doc = Document::load_mem(&bytes).unwrap();
        doc.trailer.set(
            "ID",
            vec![
                Object::string_literal("0123456789abcdef"),
                Object::string_literal("0123456789abcdef"),
            ],
        );
        let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
            document: &doc,
            owner_password: "owner",
            user_password: user,
            key_length: 128,
            permissions: lopdf::Permissions::all(),
        })
        .unwrap();
        doc.encrypt(&state).unwrap();
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn empty_user_password_opens_and_a_required_one_is_refused() {
        let doc = read_bytes(&encrypted("")).unwrap();
        assert_eq!(value(&doc, "Name"), &RawValue::Text("Amy".into()));
        assert!(doc.lines.iter().any(|l| l.text == "Secret form"));
        let err = read_bytes(&encrypted("s3cret")).unwrap_err();
        assert_eq!(err.kind, FailureKind::Encrypted);
        assert_eq!(err.reason, "encrypted: password required");
    }

    #[test]
    fn image_only_pages_need_ocr() {
        let mut b = Builder::new("q 500 0 0 700 50 50 cm /Im1 Do Q");
        let img = b.doc.add_object(Stream::new(
            dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
            vec![0],
        ));
        let page = b.page;
        let res = dictionary! { "XObject" => dictionary! { "Im1" => img } };
        b.doc
            .get_dictionary_mut(page)
            .unwrap()
            .set("Resources", res);
        let err = read_bytes(&b.finish(None)).unwrap_err();
        assert_eq!(err.kind, FailureKind::NeedsOcr);
        assert!(err.reason.contains("1 page(s)"), "{}", err.reason);
    }

    #[test]
    fn garbage_and_truncation_are_corrupt_never_a_panic() {
        let good = Builder::new("BT /F1 12 Tf 72 800 Td (Hello) Tj ET").finish(None);
        for bad in [
            b"%PDF-1.7\n".to_vec(),
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF".to_vec(),
            good.get(..good.len() / 3).unwrap().to_vec(),
            [b"%PDF-1.7\n".as_slice(), &[0xAB; 500]].concat(),
        ] {
            match read_bytes(&bad) {
                Err(f) => assert!(
                    matches!(f.kind, FailureKind::Corrupt) && !f.reason.is_empty(),
                    "{f:?}"
                ),
                Ok(doc) => panic!("read garbage: {doc:?}"),
            }
        }
    }

    /// A one-page fillable form: page 1 shows `heading`, field `Name` holds `name`; `font` changes the font's
    /// widths (same content bytes, other resources).
    fn form(heading: &str, name: &str, widths: Option<i64>) -> Vec<u8> {
        let mut b = Builder::new(&format!("BT /F1 12 Tf 72 800 Td ({heading}) Tj ET"));
        b.field(dictionary! { "T" => "Name", "FT" => "Tx", "V" => Object::string_literal(name) });
        if let Some(w) = widths {
            let page = b.page;
            let font = b
                .doc
                .get_dictionary(page)
                .unwrap()
                .get(b"Resources")
                .unwrap()
                .as_dict()
                .unwrap()
                .get(b"Font")
                .unwrap()
                .as_dict()
                .unwrap()
                .get(b"F1")
                .unwrap()
                .as_reference()
                .unwrap();
            let f = b.doc.get_dictionary_mut(font).unwrap();
            f.set("FirstChar", 32);
            f.set("Widths", vec![Object::Integer(w); 96]);
        }
        b.finish(None)
    }

    fn texts(doc: &SourceDoc) -> Vec<(String, i64, i64)> {
        doc.lines
            .iter()
            .map(|l| (l.text.clone(), l.x.round() as i64, l.y.round() as i64))
            .collect()
    }

    #[test]
    fn page_one_of_a_fillable_form_is_walked_once_per_distinct_page() {
        let amy = read_bytes(&form("Request form", "Amy", None)).unwrap();
        assert_eq!(walks(), 1);
        // Another copy of the same blank form: page 1 is remembered, the fields are read afresh.
        let bo = read_bytes(&form("Request form", "Bo", None)).unwrap();
        assert_eq!(walks(), 1, "page 1 walked again for an identical page");
        assert_eq!(value(&bo, "Name"), &RawValue::Text("Bo".into()));
        assert_eq!(texts(&bo), texts(&amy));
        assert_eq!(texts(&bo), vec![("Request form".to_string(), 72, 42)]);
        // Other page content, or the same content drawn with another font: walked.
        let other = read_bytes(&form("Another form", "Amy", None)).unwrap();
        assert_eq!(walks(), 2);
        assert_eq!(
            other.lines.first().map(|l| l.text.as_str()),
            Some("Another form")
        );
        read_bytes(&form("Request form", "Amy", Some(600))).unwrap();
        assert_eq!(
            walks(),
            3,
            "a page with other fonts taken for a remembered one"
        );
        // The first page is still remembered after the others.
        read_bytes(&form("Request form", "Cy", None)).unwrap();
        assert_eq!(walks(), 3);
        // A PDF without fields is read on every page, every time.
        let flat = Builder::new("BT /F1 12 Tf 72 800 Td (Request form) Tj ET").finish(None);
        read_bytes(&flat).unwrap();
        read_bytes(&flat).unwrap();
        assert_eq!(walks(), 5);
    }

    #[test]
    fn a_remembered_page_is_charged_to_the_text_budget_again() {
        // "Request form" is 12 bytes of page text; the budget is 20: "Amy" fits with it, "Amy Longername" not.
        let limits = Limits {
            max_text_bytes: 20,
            ..Limits::default()
        };
        let read_with =
            |bytes: &[u8]| read(bytes, &limits, &Deadline::after(Duration::from_secs(10)));
        let long = form("Request form", "Amy Longername", None);
        // On a thread that has remembered nothing: the page walk fails.
        let fresh = std::thread::scope(|s| s.spawn(|| read_with(&long)).join().unwrap());
        assert!(read_with(&form("Request form", "Amy", None)).is_ok());
        assert_eq!(walks(), 1);
        let remembered = read_with(&long);
        assert_eq!(walks(), 1, "page 1 walked again");
        let (fresh, remembered) = (fresh.unwrap_err(), remembered.unwrap_err());
        assert_eq!(fresh.kind, FailureKind::TooLarge);
        assert_eq!(remembered, fresh);
        assert!(fresh.reason.contains("max_text_bytes"), "{}", fresh.reason);
    }
}
