//! Reading documents: sniff the format from the bytes, then hand them to that format's reader, which returns a
//! [`SourceDoc`]: what a mapping can address (cells, form fields, element paths), with no knowledge of mappings.
//!
//! Readers never panic on input and never allocate in proportion to what a document *claims* (dimensions,
//! counts): they check [`Limits`] and return a [`ReadFailure`] naming the limit or the damage.

pub mod convert;
pub mod docx;
pub mod ods;
pub mod pdf;
pub mod xlsx;
pub mod xml;

use std::fmt;
use std::time::{Duration, Instant};

use jiff::civil;
use serde::Serialize;

/// A document format, as sniffed from its bytes (never from its file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Office Open XML workbook.
    Xlsx,
    /// PDF.
    Pdf,
    /// XML.
    Xml,
    /// Office Open XML word-processing document.
    Docx,
    /// OpenDocument spreadsheet.
    Ods,
    /// A zip archive that is none of the above (or whose directory is unreadable).
    Zip,
    /// An OLE2 compound file other than a Word document ([`Format::Doc`]): legacy xls, or an encrypted Office
    /// document.
    Ole,
    /// Zero bytes.
    Empty,
    /// Anything else.
    Unknown,
    /// Legacy Word binary document: an OLE2 compound file with a `WordDocument` stream (read converted to docx,
    /// see [`convert`]).
    Doc,
    /// Rich Text Format (read converted to docx).
    Rtf,
    /// OpenDocument text (read converted to docx).
    Odt,
}

impl Format {
    /// The name used in mapping files and the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
            Format::Xml => "xml",
            Format::Docx => "docx",
            Format::Ods => "ods",
            Format::Zip => "zip",
            Format::Ole => "ole",
            Format::Empty => "empty",
            Format::Unknown => "unknown",
            Format::Doc => "doc",
            Format::Rtf => "rtf",
            Format::Odt => "odt",
        }
    }

    /// The format of the mappings that read documents of this one: an xlsx mapping reads the same form saved
    /// as ods, and a docx mapping the same form saved as doc, rtf or odt (converted to docx before reading).
    pub fn mapping_format(self) -> Format {
        match self {
            Format::Ods => Format::Xlsx,
            Format::Doc | Format::Rtf | Format::Odt => Format::Docx,
            other => other,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifies a format from a document's first bytes and, for zip containers, its directory.
pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.is_empty() {
        return Format::Empty;
    }
    let head = bytes.get(..bytes.len().min(1024)).unwrap_or(bytes);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if convert::is_word_binary(bytes) {
            return Format::Doc;
        }
        return Format::Ole;
    }
    if convert::is_rtf(head) {
        return Format::Rtf;
    }
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Format::Pdf;
    }
    if looks_like_xml(head) {
        return Format::Xml;
    }
    Format::Unknown
}

fn sniff_zip(bytes: &[u8]) -> Format {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Format::Zip;
    };
    let has = |name: &str| archive.index_for_name(name).is_some();
    let odf = has("content.xml") && has("mimetype");
    if has("xl/workbook.xml") {
        Format::Xlsx
    } else if has("word/document.xml") {
        Format::Docx
    } else if odf && odf_mimetype(&mut archive).is_some_and(|m| convert::is_odf_text(&m)) {
        Format::Odt
    } else if odf {
        Format::Ods
    } else {
        Format::Zip
    }
}

/// The first bytes of an OpenDocument package's `mimetype` entry (a few dozen; at most 256 are read).
fn odf_mimetype(archive: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>) -> Option<Vec<u8>> {
    use std::io::Read;
    let entry = archive.by_name("mimetype").ok()?;
    let mut text = Vec::new();
    entry.take(256).read_to_end(&mut text).ok()?;
    Some(text)
}

/// XML starts (after an optional BOM and white space) with `<`; UTF-16 with or without BOM too. EBCDIC
/// (`<?xm` is `4C 6F A7 94`) and UTF-32 count as XML so that the XML reader can name the unsupported encoding.
fn looks_like_xml(head: &[u8]) -> bool {
    let utf16 = [[0xFF, 0xFE], [0xFE, 0xFF], [b'<', 0], [0, b'<']];
    if utf16.iter().any(|p| head.starts_with(p)) {
        return true;
    }
    let other: [&[u8]; 3] = [
        &[0x4C, 0x6F, 0xA7, 0x94],
        &[0, 0, 0xFE, 0xFF],
        &[0, 0, 0, b'<'],
    ];
    if other.iter().any(|p| head.starts_with(p)) {
        return true;
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<')
        && body.iter().all(|&b| b != 0)
}

/// A value as the document holds it, before any mapping transform.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// Nothing there.
    Empty,
    /// Text.
    Text(String),
    /// A number (spreadsheet cells).
    Number(f64),
    /// A boolean (spreadsheet booleans, check boxes).
    Bool(bool),
    /// A date (spreadsheet cells formatted as dates).
    Date(civil::Date),
    /// A date and time.
    DateTime(civil::DateTime),
    /// Several selected values (multi-select lists).
    List(Vec<String>),
    /// A cell error such as `#N/A`.
    Error(String),
}

impl RawValue {
    /// True when the value holds nothing but white space.
    pub fn is_empty(&self) -> bool {
        match self {
            RawValue::Empty => true,
            RawValue::Text(s) => s.trim().is_empty(),
            RawValue::List(items) => items.iter().all(|s| s.trim().is_empty()),
            _ => false,
        }
    }

    /// The value as text, as a person would read it: integral numbers without `.0`, dates in ISO 8601.
    pub fn to_text(&self) -> String {
        match self {
            RawValue::Empty => String::new(),
            RawValue::Text(s) | RawValue::Error(s) => s.clone(),
            RawValue::Number(n) => format_number(*n),
            RawValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            RawValue::Date(d) => d.to_string(),
            RawValue::DateTime(dt) => dt.to_string(),
            RawValue::List(items) => items.join("; "),
        }
    }
}

/// Numbers as a spreadsheet shows them: `42`, not `42.0`; float noise rounded away.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        let s = format!("{n:.10}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A cell's position in a grid (0-based): spreadsheet sheets, and later word-processing tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GridPos {
    /// Index into [`SourceDoc::sheets`].
    pub sheet: u32,
    /// 0-based row.
    pub row: u32,
    /// 0-based column.
    pub col: u32,
}

/// A merged region of a grid, inclusive; its value lives in the top-left cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    /// Index into [`SourceDoc::sheets`].
    pub sheet: u32,
    /// Top-left.
    pub first: (u32, u32),
    /// Bottom-right.
    pub last: (u32, u32),
}

impl Merge {
    /// True when (row, col) lies inside.
    pub fn contains(&self, sheet: u32, row: u32, col: u32) -> bool {
        self.sheet == sheet
            && (self.first.0..=self.last.0).contains(&row)
            && (self.first.1..=self.last.1).contains(&col)
    }
}

/// What names a source field: the kind of place a reader found it and its name there. Records, `inspect` and
/// mapping drafts show its text form ([`fmt::Display`]: `Request!C5`, `Parent[0].Name[0]`, `xfa:form1/Child`,
/// `/Request/Child/Name`, `sdt:ChildName`, `ff:Agree`), which [`FieldKey::parse`] reads back from a mapping.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldKey {
    /// A grid cell (xlsx and ods sheets, docx tables), by its reference: `Request!C5`, `Table1!B2`.
    Cell(String),
    /// A PDF AcroForm field, by its fully qualified name.
    Field(String),
    /// A PDF XFA data leaf, by its path below `xfa:datasets/xfa:data` (`form1/Section1/ChildName`); shown
    /// `xfa:form1/Section1/ChildName`.
    Xfa(String),
    /// An XML element's text or an attribute, by its concrete path: `/Request/Parent[2]/Name`, `/Request/@v`.
    Path(String),
    /// A docx content control, by its tag, else its alias, else `#n` (the n-th such control); shown `sdt:Tag`.
    Control(String),
    /// A docx legacy form field, by its name, else `#n` (the n-th unnamed one); shown `ff:Name`.
    FormField(String),
}

impl FieldKey {
    /// The prefixes of the text forms that have one.
    const XFA: &'static str = "xfa:";
    const CONTROL: &'static str = "sdt:";
    const FORM_FIELD: &'static str = "ff:";

    /// A key as a mapping writes it (a `join` part, a PDF field name): `sdt:Tag` a content control, `ff:Name` a
    /// legacy form field, `xfa:path` an XFA leaf, anything else a PDF field name. The text form of the result
    /// is `text` again.
    pub fn parse(text: &str) -> FieldKey {
        if let Some(tag) = text.strip_prefix(Self::CONTROL) {
            FieldKey::Control(tag.to_string())
        } else if let Some(name) = text.strip_prefix(Self::FORM_FIELD) {
            FieldKey::FormField(name.to_string())
        } else if let Some(path) = text.strip_prefix(Self::XFA) {
            FieldKey::Xfa(path.to_string())
        } else {
            FieldKey::Field(text.to_string())
        }
    }

    /// The name within its kind, without a prefix: a tag, a field name, a path, a cell reference.
    pub fn name(&self) -> &str {
        match self {
            FieldKey::Cell(s)
            | FieldKey::Field(s)
            | FieldKey::Xfa(s)
            | FieldKey::Path(s)
            | FieldKey::Control(s)
            | FieldKey::FormField(s) => s,
        }
    }

    fn prefix(&self) -> &'static str {
        match self {
            FieldKey::Cell(_) | FieldKey::Field(_) | FieldKey::Path(_) => "",
            FieldKey::Xfa(_) => Self::XFA,
            FieldKey::Control(_) => Self::CONTROL,
            FieldKey::FormField(_) => Self::FORM_FIELD,
        }
    }

    /// The text form, borrowed when it has no prefix (cells, PDF field names, XML paths: nearly every key).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self.prefix() {
            "" => std::borrow::Cow::Borrowed(self.name()),
            prefix => std::borrow::Cow::Owned(format!("{prefix}{}", self.name())),
        }
    }

    /// The same kind of key with another name (`Name` -> `Name[2]`).
    #[must_use]
    pub fn renamed(&self, name: String) -> FieldKey {
        match self {
            FieldKey::Cell(_) => FieldKey::Cell(name),
            FieldKey::Field(_) => FieldKey::Field(name),
            FieldKey::Xfa(_) => FieldKey::Xfa(name),
            FieldKey::Path(_) => FieldKey::Path(name),
            FieldKey::Control(_) => FieldKey::Control(name),
            FieldKey::FormField(_) => FieldKey::FormField(name),
        }
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())?;
        f.write_str(self.name())
    }
}

/// One addressable piece of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceField {
    /// What names it: a mapping's locators find it by this key.
    pub key: FieldKey,
    /// A human label the document attaches to it (a PDF tooltip), if any.
    pub label: Option<String>,
    /// Its value.
    pub value: RawValue,
    /// Its grid position, for formats with grids.
    pub pos: Option<GridPos>,
}

/// A line of flat text on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// 1-based page.
    pub page: u32,
    /// Left edge, in points from the page's left.
    pub x: f32,
    /// Baseline, in points from the page's top (so reading order sorts ascending).
    pub y: f32,
    /// The text.
    pub text: String,
}

/// Everything a reader found in one document.
#[derive(Debug, Clone, Default)]
pub struct SourceDoc {
    /// Addressable fields, in document order.
    pub fields: Vec<SourceField>,
    /// Names of the grids (spreadsheet sheets), indexed by [`GridPos::sheet`].
    pub sheets: Vec<String>,
    /// Merged regions of the grids.
    pub merges: Vec<Merge>,
    /// Flat text lines with positions (PDF pages without fields), in reading order.
    pub lines: Vec<TextLine>,
    /// XML: the root element's local name.
    pub root: Option<String>,
    /// XML: the root element's namespace URI.
    pub namespace: Option<String>,
    /// XML: the element tree that `path` locators are evaluated on (keys alone cannot resolve namespaces).
    pub xml: Option<xml::XmlTree>,
    /// Reader remarks that are not failures (e.g. "sheet 'X' skipped: chart sheet").
    pub notes: Vec<String>,
    /// docx: how runs of a field's or line's text are marked (highlight, bold, underline, strike), in document
    /// order; only marked runs are listed. A `choice` reads these to tell which printed option was picked.
    pub marks: Vec<MarkedSpan>,
    /// docx: pairs (check box, cell) of a check box and the table cell that shows it as ☒/☐: one answer in two
    /// appearances, so reading either consumes both for the drift check.
    pub twins: Vec<(usize, usize)>,
    /// PDF: the widgets (the boxes drawn on a page) of the AcroForm fields, with their printed labels; a field
    /// has one widget, a radio group one per option, an XFA leaf none.
    pub widgets: Vec<Widget>,
}

/// What a run of text is marked with. Only what a person uses to pick an option is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Marks(u8);

impl Marks {
    /// No mark.
    pub const NONE: Marks = Marks(0);
    /// Highlighted or shaded (any colour).
    pub const HIGHLIGHT: Marks = Marks(1);
    /// Bold.
    pub const BOLD: Marks = Marks(2);
    /// Underlined (any style but none).
    pub const UNDERLINE: Marks = Marks(4);
    /// Struck through (single or double).
    pub const STRIKE: Marks = Marks(8);

    /// True when every mark of `other` is set here.
    pub fn has(self, other: Marks) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// True when no mark is set.
    pub fn is_none(self) -> bool {
        self.0 == 0
    }

    /// Both sets of marks.
    #[must_use]
    pub fn with(self, other: Marks) -> Marks {
        Marks(self.0 | other.0)
    }

    /// The marks' names, for `inspect`: `highlight+bold`.
    pub fn names(self) -> String {
        [
            (Marks::HIGHLIGHT, "highlight"),
            (Marks::BOLD, "bold"),
            (Marks::UNDERLINE, "underline"),
            (Marks::STRIKE, "strike"),
        ]
        .iter()
        .filter(|(m, _)| self.has(*m))
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join("+")
    }
}

/// Where a marked run is: in a source field's text or a text line's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarkTarget {
    /// Index into [`SourceDoc::fields`].
    Field(usize),
    /// Index into [`SourceDoc::lines`].
    Line(usize),
}

/// A marked run: a byte range of its target's text (as the reader returns it) and its marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedSpan {
    /// The field or line.
    pub target: MarkTarget,
    /// Byte range into the target's text.
    pub range: std::ops::Range<usize>,
    /// Its marks.
    pub marks: Marks,
}

/// Where a PDF form field is drawn, and the page text printed beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Widget {
    /// Index into [`SourceDoc::fields`] of the field it belongs to.
    pub field: usize,
    /// 1-based page.
    pub page: u32,
    /// Left, top, right, bottom, in points from the page's top-left corner (as [`TextLine`]: top < bottom).
    pub rect: [f32; 4],
    /// The printed label: the page text nearest the box (see `read::pdf`), when there is any.
    pub label: Option<String>,
    /// A check box's or radio button's on-state as its export value (a radio group's option), if any.
    pub on: Option<String>,
}

impl SourceField {
    /// True when this is the content control a mapping names: by tag (its key), or else by alias (its label).
    pub fn is_control(&self, name: &str) -> bool {
        matches!(&self.key, FieldKey::Control(tag) if tag == name || self.label.as_deref() == Some(name))
    }
}

impl SourceDoc {
    /// True when the document has the content control a mapping names (by tag or alias).
    pub fn has_control(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.is_control(name))
    }

    /// True when the document's text (cell text, field values, text lines) contains a lower-cased phrase.
    pub fn contains_text(&self, phrase_lower: &str) -> bool {
        let hit = |s: &str| contains_lowered(s, phrase_lower);
        self.fields.iter().any(|f| match &f.value {
            RawValue::Text(t) => hit(t),
            _ => false,
        } || f.label.as_deref().is_some_and(hit))
            || self.lines.iter().any(|l| hit(&l.text))
    }
}

/// True when `s`, lower-cased, contains `phrase`. ASCII text (nearly all of it) is compared in place instead of
/// lower-cased into a copy; other text is lower-cased first, as Unicode lower-casing can change its length or
/// turn a non-ASCII character into an ASCII one (the Kelvin sign into `k`).
fn contains_lowered(s: &str, phrase: &str) -> bool {
    if !s.is_ascii() {
        return s.to_lowercase().contains(phrase);
    }
    let p = phrase.as_bytes();
    p.is_empty()
        || s.as_bytes()
            .windows(p.len())
            .any(|w| w.iter().zip(p).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

/// Why a document could not be read. The kind becomes the manifest status; the reason is shown as is, so it
/// names locators and limits, never document values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFailure {
    /// The manifest status.
    pub kind: FailureKind,
    /// A precise reason for the analyst.
    pub reason: String,
}

/// Kinds of read failure, each a manifest status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No reader for this format.
    UnsupportedFormat,
    /// Password-protected.
    Encrypted,
    /// Damaged or not what it claims to be.
    Corrupt,
    /// Over a size limit.
    TooLarge,
    /// Over the time limit.
    Timeout,
    /// Image-only: no text or fields to read.
    NeedsOcr,
}

impl ReadFailure {
    /// A failure of the given kind.
    pub fn new(kind: FailureKind, reason: impl Into<String>) -> ReadFailure {
        ReadFailure {
            kind,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`FailureKind::Corrupt`].
    pub fn corrupt(reason: impl Into<String>) -> ReadFailure {
        ReadFailure::new(FailureKind::Corrupt, reason)
    }

    /// Shorthand for [`FailureKind::TooLarge`].
    pub fn too_large(reason: impl Into<String>) -> ReadFailure {
        ReadFailure::new(FailureKind::TooLarge, reason)
    }
}

/// A size for a failure reason: whole MiB as `64 MiB`, other sizes of 1 MiB or more to a tenth rounded down
/// (`64.0 MiB` is a little over 64), whole KiB as `512 KiB` and anything else in bytes, so that a limit under
/// 1 MiB never reads "0 MiB".
pub fn size(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    match bytes {
        1 => "1 byte".into(),
        b if b < KIB || (b < MIB && b % KIB != 0) => format!("{b} bytes"),
        b if b < MIB => format!("{} KiB", b / KIB),
        b if b % MIB == 0 => format!("{} MiB", b / MIB),
        b => {
            let tenths = u128::from(b) * 10 / u128::from(MIB);
            format!("{}.{} MiB", tenths / 10, tenths % 10)
        }
    }
}

/// What one document may cost. Every limit hit names itself in the failure reason. Serializable so that
/// `--isolate` can hand the limits to its worker processes; a missing field takes its default.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest input file read, in bytes.
    pub max_file_bytes: u64,
    /// Largest total uncompressed size of a zip container (xlsx, docx), in bytes.
    pub max_unzipped_bytes: u64,
    /// Largest compression ratio of a zip container.
    pub max_zip_ratio: u64,
    /// Most non-empty cells read from one workbook; for ods, the most cells calamine may allocate for the whole
    /// document (see `ods::bound_expansion`); for xml, elements and attributes.
    pub max_cells: usize,
    /// Most text (bytes) taken from one document.
    pub max_text_bytes: usize,
    /// Largest size one PDF stream (object, xref, content, font, XFA) may decompress to, in bytes.
    pub max_pdf_stream_bytes: usize,
    /// Longest time spent on one document.
    pub max_duration: Duration,
    /// Deepest element nesting read from an XML document.
    pub max_xml_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 << 20,
            max_unzipped_bytes: 256 << 20,
            max_zip_ratio: 200,
            max_cells: 1_000_000,
            max_text_bytes: 64 << 20,
            max_pdf_stream_bytes: 64 << 20,
            max_duration: Duration::from_secs(30),
            max_xml_depth: 256,
        }
    }
}

/// A per-document time budget that readers check in their loops (a thread cannot be stopped from outside).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    end: Instant,
    budget: Duration,
}

impl Deadline {
    /// Starts a budget now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline {
            end: Instant::now() + budget,
            budget,
        }
    }

    /// What is left of the budget (zero once it is spent).
    pub fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// A timeout failure once the budget is spent.
    pub fn check(&self) -> Result<(), ReadFailure> {
        if Instant::now() > self.end {
            Err(ReadFailure::new(
                FailureKind::Timeout,
                format!(
                    "took longer than the per-document limit of {:?}",
                    self.budget
                ),
            ))
        } else {
            Ok(())
        }
    }
}

/// Reads a document of a sniffed format.
pub fn read(bytes: &[u8], format: Format, limits: &Limits) -> Result<SourceDoc, ReadFailure> {
    let deadline = Deadline::after(limits.max_duration);
    match format {
        Format::Xlsx => xlsx::read(bytes, limits, &deadline),
        Format::Ods => ods::read(bytes, limits, &deadline),
        Format::Xml => xml::read(bytes, limits, &deadline),
        Format::Pdf => pdf::read(bytes, limits, &deadline),
        Format::Docx => docx::read(bytes, limits, &deadline),
        Format::Doc | Format::Rtf | Format::Odt => convert::read(bytes, format, limits, &deadline),
        Format::Empty => Err(ReadFailure::corrupt("file is empty (0 bytes)")),
        Format::Ole => Err(ole_failure(bytes)),
        Format::Zip => Err(match open_zip(bytes) {
            Err(f) => f,
            Ok(_) => ReadFailure::new(
                FailureKind::UnsupportedFormat,
                "zip archive that is not an xlsx, ods or docx document (no xl/workbook.xml, content.xml or word/document.xml)",
            ),
        }),
        Format::Unknown => Err(ReadFailure::new(
            FailureKind::UnsupportedFormat,
            "not a recognised document: expected xlsx, ods, docx, pdf or xml",
        )),
    }
}

/// Opens a zip container (xlsx, ods, docx). A directory that lists one part name twice is refused: readers look
/// parts up by name and the zip crate keeps only the last copy, so which `xl/worksheets/sheet1.xml` is the form
/// would be a silent guess.
pub(crate) fn open_zip(
    bytes: &[u8],
) -> Result<zip::ZipArchive<std::io::Cursor<&[u8]>>, ReadFailure> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ReadFailure::corrupt(format!("damaged zip container: {}", zip_damage(&e))))?;
    if archive.has_duplicate_names() {
        return Err(ReadFailure::corrupt(
            "damaged zip container: two parts have the same name (which copy is the document is ambiguous)",
        ));
    }
    Ok(archive)
}

/// The kind of damage a zip error names. Its own message can quote part names, which a hostile file fills
/// with anything, so only the crate's fixed wording is kept.
pub(crate) fn zip_damage(e: &zip::result::ZipError) -> String {
    use zip::result::ZipError;
    match e {
        ZipError::InvalidArchive(std::borrow::Cow::Borrowed(what)) => {
            format!("invalid archive ({what})")
        }
        ZipError::UnsupportedArchive(what) => format!("unsupported archive ({what})"),
        ZipError::CompressionMethodNotSupported(m) => format!("unsupported compression method {m}"),
        ZipError::FileNotFound => "a part is missing".into(),
        ZipError::InvalidPassword | ZipError::DecompressedSizeUnknown => {
            "encrypted or unsized entry".into()
        }
        ZipError::Io(_) => "damaged compressed data".into(),
        _ => "invalid archive".into(),
    }
}

/// A part's name for a reason: the names a reader asks for are form structure and printed; any other name is
/// whatever the file's author put there, so it is shown as its index in the directory.
pub(crate) fn part_label(name: &str, index: usize, expected: impl Fn(&str) -> bool) -> String {
    if expected(name) {
        name.to_string()
    } else {
        format!("part {index}")
    }
}

/// The kind of damage a quick-xml error names. Its messages quote tag, attribute and entity names, and damaged
/// text turns into tags (`Amelia <Hart </ChildFirstName>` reads as a tag `Hart`), so they are never shown.
pub(crate) fn xml_damage(e: &quick_xml::Error) -> &'static str {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    use quick_xml::escape::EscapeError;
    match e {
        quick_xml::Error::Io(_) => "unreadable bytes (a damaged or altered part)",
        quick_xml::Error::Syntax(s) => match s {
            SyntaxError::InvalidBangMarkup => "a `<!` that starts no comment, CDATA or DOCTYPE",
            SyntaxError::UnclosedPI => "an unclosed processing instruction",
            SyntaxError::UnclosedXmlDecl => "an unclosed XML declaration",
            SyntaxError::UnclosedComment => "an unclosed comment",
            SyntaxError::UnclosedDoctype => "an unclosed DOCTYPE",
            SyntaxError::UnclosedCData => "an unclosed CDATA section",
            _ => "an unclosed tag or attribute value",
        },
        quick_xml::Error::IllFormed(i) => match i {
            IllFormedError::MissingEndTag(_) => "an element that is never closed",
            IllFormedError::UnmatchedEndTag(_) => "an end tag with no start tag",
            IllFormedError::MismatchedEndTag { .. } => {
                "an end tag that does not match its start tag"
            }
            IllFormedError::DoubleHyphenInComment => "`--` inside a comment",
            IllFormedError::UnclosedReference => "an `&` without its `;`",
            _ => "a malformed XML declaration or DOCTYPE",
        },
        quick_xml::Error::InvalidAttr(_) => "a malformed attribute",
        quick_xml::Error::Encoding(_) => "bytes that are not valid in the document's encoding",
        quick_xml::Error::Escape(esc) => match esc {
            EscapeError::UnrecognizedEntity(..) => "a reference to an undeclared entity",
            EscapeError::UnterminatedEntity(_) => "an `&` without its `;`",
            EscapeError::InvalidCharRef(_) => "an invalid character reference",
            _ => "entity references nested too deep",
        },
        quick_xml::Error::Namespace(_) => "an undeclared or reserved namespace prefix",
    }
}

/// OLE2 files are legacy binary Office documents, or modern ones wrapped by encryption.
fn ole_failure(bytes: &[u8]) -> ReadFailure {
    let utf16: Vec<u8> = "EncryptedPackage".bytes().flat_map(|b| [b, 0]).collect();
    if bytes.windows(utf16.len()).any(|w| w == utf16.as_slice()) {
        ReadFailure::new(
            FailureKind::Encrypted,
            "encrypted: password-protected Office document (EncryptedPackage)",
        )
    } else {
        ReadFailure::new(
            FailureKind::UnsupportedFormat,
            "legacy binary Office document (xls/doc); save it as xlsx or docx",
        )
    }
}

/// A grid cell's locator as mappings write it and provenance shows it: `Request!C5` (0-based row and column).
/// Built in one allocation: it runs once per non-empty cell read.
pub fn cell_key(sheet: &str, row: u32, col: u32) -> String {
    use std::fmt::Write;
    let mut key = String::with_capacity(sheet.len() + 16);
    key.push_str(sheet);
    key.push('!');
    push_column_letters(&mut key, col);
    let _ = write!(key, "{}", u64::from(row) + 1);
    key
}

/// Spreadsheet column letters of a 0-based index: 0 -> A, 26 -> AA.
pub fn column_letters(col: u32) -> String {
    let mut out = String::new();
    push_column_letters(&mut out, col);
    out
}

/// Appends a column's letters, most significant first (at most 7 deep for a `u32`).
fn push_column_letters(out: &mut String, col: u32) {
    if col >= 26 {
        push_column_letters(out, col / 26 - 1);
    }
    out.push(char::from(b'A' + (col % 26) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_keys_show_as_mappings_write_them_and_parse_back() {
        let shown = [
            (FieldKey::Cell("Request!C5".into()), "Request!C5"),
            (
                FieldKey::Field("form1[0].Name[0]".into()),
                "form1[0].Name[0]",
            ),
            (
                FieldKey::Xfa("form1/Section1/ChildName".into()),
                "xfa:form1/Section1/ChildName",
            ),
            (
                FieldKey::Path("/Request/Parent[2]/@id".into()),
                "/Request/Parent[2]/@id",
            ),
            (FieldKey::Control("ChildName".into()), "sdt:ChildName"),
            (FieldKey::Control("#3".into()), "sdt:#3"),
            (FieldKey::FormField("Agree[2]".into()), "ff:Agree[2]"),
        ];
        for (key, text) in &shown {
            assert_eq!(key.to_string(), *text);
            assert_eq!(key.text(), *text);
        }
        // What a mapping names by text is the key whose text it is; only the first prefix counts.
        for (key, text) in shown
            .iter()
            .filter(|(k, _)| !matches!(k, FieldKey::Cell(_) | FieldKey::Path(_)))
        {
            assert_eq!(&FieldKey::parse(text), key);
        }
        assert_eq!(
            FieldKey::parse("sdt:ff:x"),
            FieldKey::Control("ff:x".into())
        );
        assert_eq!(FieldKey::parse("sdt:ff:x").to_string(), "sdt:ff:x");
        assert_eq!(FieldKey::parse("Text1"), FieldKey::Field("Text1".into()));
    }

    #[test]
    fn a_control_tagged_like_a_form_field_is_no_form_field() {
        let field = |key: FieldKey, label: Option<&str>| SourceField {
            key,
            label: label.map(str::to_string),
            value: RawValue::Empty,
            pos: None,
        };
        let doc = SourceDoc {
            fields: vec![
                field(FieldKey::Control("ff:x".into()), None),
                field(FieldKey::FormField("Agree".into()), Some("Child")),
                field(FieldKey::Field("sdt:Name".into()), Some("Name")),
            ],
            ..SourceDoc::default()
        };
        assert_ne!(
            FieldKey::Control("ff:x".into()),
            FieldKey::FormField("x".into())
        );
        assert!(doc.has_control("ff:x"));
        // A form field's help text and a PDF field named like a control are not content controls.
        assert!(!doc.has_control("Child"));
        assert!(!doc.has_control("Name"));
        assert!(!doc.has_control("x"));
    }

    #[test]
    fn sizes_under_a_mib_are_not_zero_mib() {
        assert_eq!(size(0), "0 bytes");
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(1000), "1000 bytes");
        assert_eq!(size(512 << 10), "512 KiB");
        assert_eq!(size((1 << 20) - 1), "1048575 bytes");
        assert_eq!(size(64 << 20), "64 MiB");
        assert_eq!(size((64 << 20) + (1 << 19)), "64.5 MiB");
        assert_eq!(size((64 << 20) + 1), "64.0 MiB");
        assert_eq!(size(u64::MAX), "17592186044415.9 MiB");
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b""), Format::Empty);
        assert_eq!(sniff(b"%PDF-1.7\n"), Format::Pdf);
        assert_eq!(
            sniff(b"\xEF\xBB\xBF  <?xml version='1.0'?><a/>"),
            Format::Xml
        );
        assert_eq!(sniff(b"\xFF\xFE<\0a\0"), Format::Xml);
        assert_eq!(sniff(b"PK\x03\x04garbage"), Format::Zip);
        assert_eq!(sniff(b"hello"), Format::Unknown);
        assert_eq!(
            sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Format::Ole
        );
    }

    #[test]
    fn contains_lowered_is_lower_casing_then_contains() {
        let cases = [
            ("Eastbridge City Council", "city council"),
            ("EASTBRIDGE", "eastbridge"),
            ("Eastbridge", "Eastbridge"),
            ("ab", "abc"),
            ("abc", ""),
            ("", ""),
            ("\u{212A}ings", "kings"),
            ("Sch\u{d6}n", "sch\u{f6}n"),
            ("plain", "\u{f6}"),
        ];
        for (s, p) in cases {
            assert_eq!(
                contains_lowered(s, p),
                s.to_lowercase().contains(p),
                "{s:?} {p:?}"
            );
        }
    }

    #[test]
    fn column_letters_round_the_alphabet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16383), "XFD");
        assert_eq!(column_letters(u32::MAX), "MWLQKWV");
        assert_eq!(cell_key("Request", 4, 2), "Request!C5");
        assert_eq!(cell_key("S", u32::MAX, 0), "S!A4294967296");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(format_number(42.0), "42");
        assert_eq!(format_number(7.000000000000001), "7");
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(-3.5), "-3.5");
    }
}
