//! The OpenDocument spreadsheet reader, on calamine.
//!
//! calamine has no streaming reader for ODS: `Ods::new` parses every sheet of `content.xml` into dense grids
//! at once, expanding `number-rows-repeated` / `number-columns-repeated` runs (up to 100 million cells a sheet),
//! so a 1 KB file could ask for gigabytes. Before calamine sees the bytes, `content.xml` is scanned once by
//! [`bound_expansion`], which follows calamine's parser step for step and adds up what it would allocate over
//! the whole document: each row as read (its cells up to the last value or formula, repeated columns expanded),
//! each sheet's value grid and formula grid (the rows from the first to the last row holding one, repeated rows
//! expanded, by the columns from the leftmost to the rightmost; empty runs at a sheet's edge are not expanded),
//! and the copy of one sheet that `worksheet_range` returns. Cells are bounded by [`Limits::max_cells`] and the
//! text copied into repeated cells by [`Limits::max_text_bytes`].

use std::io::{Cursor, Read};

use calamine::{Data, Ods, OdsError, Reader};
use jiff::civil;
use quick_xml::events::{BytesStart, Event};

use super::xlsx::{check_zip, excel_datetime, text_value};
use super::{
    Deadline, FailureKind, FieldKey, GridPos, Limits, RawValue, ReadFailure, SourceDoc,
    SourceField, cell_key,
};

/// Reads every sheet's non-empty cells.
pub fn read(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<SourceDoc, ReadFailure> {
    check_zip(bytes, limits)?;
    refuse_encrypted(bytes, "encrypted: spreadsheet is password protected")?;
    bound_expansion(bytes, limits, deadline)?;
    let mut book = Ods::new(Cursor::new(bytes)).map_err(describe)?;
    let mut doc = SourceDoc::default();
    let mut text_bytes = 0usize;
    for name in book.sheet_names() {
        deadline.check()?;
        let range = book.worksheet_range(&name).map_err(describe)?;
        let index = u32::try_from(doc.sheets.len())
            .map_err(|_| ReadFailure::too_large("too many sheets"))?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        for (r, c, data) in range.used_cells() {
            let value = match data {
                Data::String(s) | Data::DurationIso(s) => text_value(s, &mut text_bytes, limits)?,
                Data::DateTimeIso(s) => iso_date(s),
                Data::Int(i) => RawValue::Number(*i as f64),
                Data::Float(f) => RawValue::Number(*f),
                Data::Bool(b) => RawValue::Bool(*b),
                Data::DateTime(dt) => excel_datetime(dt),
                Data::Error(e) => RawValue::Error(e.to_string()),
                Data::Empty => continue,
            };
            if value.is_empty() {
                continue;
            }
            let (Some(row), Some(col)) = (
                u32::try_from(r).ok().and_then(|r| r.checked_add(row0)),
                u32::try_from(c).ok().and_then(|c| c.checked_add(col0)),
            ) else {
                continue;
            };
            doc.fields.push(SourceField {
                key: FieldKey::Cell(cell_key(&name, row, col)),
                label: None,
                value,
                pos: Some(GridPos {
                    sheet: index,
                    row,
                    col,
                }),
            });
        }
        doc.sheets.push(name);
    }
    Ok(doc)
}

/// An encrypted OpenDocument package (spreadsheet or text) lists `encryption-data` in its manifest; its
/// content.xml is ciphertext. `reason` says what was refused.
pub(crate) fn refuse_encrypted(bytes: &[u8], reason: &str) -> Result<(), ReadFailure> {
    let mut archive = super::open_zip(bytes)?;
    let mut manifest = Vec::new();
    if let Ok(entry) = archive.by_name("META-INF/manifest.xml") {
        // A manifest is a few KB; a larger one is read only as far as the cap.
        let _ = entry.take(1 << 20).read_to_end(&mut manifest);
    }
    if manifest.windows(15).any(|w| w == b"encryption-data") {
        return Err(ReadFailure::new(FailureKind::Encrypted, reason));
    }
    Ok(())
}

/// ODS dates are ISO strings: a plain date, or a date and time.
fn iso_date(s: &str) -> RawValue {
    if let Ok(d) = s.parse::<civil::Date>() {
        RawValue::Date(d)
    } else if let Ok(dt) = s.parse::<civil::DateTime>() {
        RawValue::DateTime(dt)
    } else {
        RawValue::Text(s.to_string())
    }
}

/// calamine's own caps: rows per table, columns per row, and the largest dense grid it will build.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;
const CALAMINE_MAX_CELLS: u64 = 100_000_000;

/// calamine's attribute scan (`calamine::attrs::RawAttrIter`), mirrored so that the bound sees the same
/// attributes calamine does: a key up to `=`, a quoted value; a malformed attribute ends the scan.
fn raw_attrs(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        let s = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let (key, after) = s.split_once('=')?;
        let after = after.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let body = after.get(1..)?;
        let (value, tail) = body.split_once(quote).unwrap_or((body, ""));
        rest = tail;
        Some((
            key.trim_end_matches(|c: char| c.is_ascii_whitespace()),
            value,
        ))
    })
}

/// A count as calamine parses it after unescaping (`&#49;&#48;` is 10).
fn decoded_number(v: &str) -> Option<u64> {
    quick_xml::escape::unescape(v).ok()?.parse().ok()
}

/// The first attribute of that exact (prefixed) name, as calamine's `raw_attr` finds it.
fn raw_attr<'a>(e: &'a BytesStart, name: &str) -> Option<&'a str> {
    raw_attrs(e.attributes_raw()).find_map(|(k, v)| (k == name).then_some(v))
}

/// One of the dense grids calamine builds per table (values, formulas): the rows from the first to the last
/// row element holding an entry, by the columns from the leftmost to the rightmost entry.
#[derive(Default)]
struct Grid {
    /// (row element index, expanded rows before it) of the first row element with an entry.
    first: Option<(u64, u64)>,
    /// (row element index, expanded rows up to and including it) of the last.
    last: (u64, u64),
    cols: Option<(u64, u64)>,
}

impl Grid {
    fn add_row(&mut self, element: u64, rows: (u64, u64), cols: Option<(u64, u64)>) {
        let Some((lo, hi)) = cols else { return };
        self.first.get_or_insert((element, rows.0));
        self.last = (element, rows.1);
        self.cols = Some(self.cols.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
    }

    /// Cells calamine allocates for it: the expanded grid, or its up-front capacity (row elements by width,
    /// capped by calamine) when that is larger.
    fn cells(&self) -> u64 {
        let (Some((e0, r0)), Some((lo, hi))) = (self.first, self.cols) else {
            return 0;
        };
        let width = hi.saturating_sub(lo).saturating_add(1);
        let rows = self.last.1.saturating_sub(r0);
        let elements = self.last.0.saturating_sub(e0).saturating_add(1);
        let capacity = elements.saturating_mul(width).min(CALAMINE_MAX_CELLS);
        rows.saturating_mul(width).max(capacity)
    }
}

/// One table being scanned: its grids and the row element being read.
#[derive(Default)]
struct Table {
    values: Grid,
    formulas: Grid,
    /// Row elements so far, and the rows they expand to (capped at calamine's `MAX_ROWS`).
    elements: u64,
    rows: u64,
    /// The row: its repeat, the cells pushed, an empty run not yet pushed, the columns of its values and
    /// formulas, its text bytes.
    repeat: u64,
    pushed: u64,
    pending: u64,
    value_cols: Option<(u64, u64)>,
    formula_cols: Option<(u64, u64)>,
    row_text: u64,
    /// Text bytes copied into the table's row vectors and grids, and into its value grid alone.
    text: u64,
    grid_text: u64,
}

/// Where the scan is in calamine's parse: between tables, in a table, in a row, skipping a cell's content
/// (`read_to_end_into`: the same name, nested), or reading a string cell's content (its text is copied once
/// per repeated column; `in_note` while inside an `office:annotation`, which is skipped).
enum At {
    Outside,
    Table,
    Row,
    Skip {
        name: String,
        depth: u64,
    },
    Content {
        repeat: u64,
        text: u64,
        in_note: bool,
    },
}

/// What calamine would allocate for the whole document: cells of every table's grids (each kept until the end)
/// and of the vectors they are built from, plus the copy `worksheet_range` makes of one sheet; and the text
/// bytes copied into them.
#[derive(Default)]
struct Cost {
    cells: u64,
    text: u64,
    largest: (u64, u64),
}

impl Cost {
    fn check(&self, table: &Table, limits: &Limits) -> Result<(), ReadFailure> {
        let grids = table.values.cells().saturating_add(table.formulas.cells());
        let cells = self
            .cells
            .saturating_add(grids)
            .saturating_add(self.largest.0.max(table.values.cells()));
        if cells > limits.max_cells as u64 {
            return Err(ReadFailure::too_large(format!(
                "repeated rows and columns expand to {cells} cells over the whole document, over {} (limit max_cells)",
                limits.max_cells
            )));
        }
        let text = self
            .text
            .saturating_add(table.text)
            .saturating_add(self.largest.1.max(table.grid_text));
        if text > limits.max_text_bytes as u64 {
            return Err(ReadFailure::too_large(format!(
                "repeated cells would copy {} MiB of cell text, over {} MiB (limit max_text_bytes)",
                text >> 20,
                limits.max_text_bytes >> 20
            )));
        }
        Ok(())
    }

    fn finish(&mut self, table: &Table) {
        self.cells = self
            .cells
            .saturating_add(table.values.cells())
            .saturating_add(table.formulas.cells());
        self.text = self.text.saturating_add(table.text);
        self.largest = (
            self.largest.0.max(table.values.cells()),
            self.largest.1.max(table.grid_text),
        );
    }
}

/// Refuses a document whose repeat runs would make calamine allocate more than `max_cells` cells (or
/// `max_text_bytes` of text) over all its sheets, before calamine expands anything. The scan follows calamine's
/// ODS parser (`calamine-0.38/src/ods.rs`: `parse_content`, `read_table`, `read_row`, `get_datatype`,
/// `get_range`) event for event, with the same reader settings and the same caps, so that it counts what calamine
/// will build, never less.
fn bound_expansion(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<(), ReadFailure> {
    let mut archive = super::open_zip(bytes)?;
    let mut xml = Vec::new();
    archive
        .by_name("content.xml")
        .map_err(|_| ReadFailure::corrupt("no content.xml in the OpenDocument package"))?
        .take(limits.max_unzipped_bytes)
        .read_to_end(&mut xml)
        .map_err(|_| ReadFailure::corrupt("content.xml: damaged compressed data"))?;
    // calamine's reader settings, except that end tags must match: calamine would read `Amelia <Hart </text:p>`
    // as the cell `Amelia `, silently; a well-formed document gives both readers the same events.
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut cost = Cost::default();
    let mut table = Table::default();
    let mut at = At::Outside;
    let mut events = 0u64;
    loop {
        events += 1;
        if events.is_multiple_of(4096) {
            deadline.check()?;
        }
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            // calamine stops at the same damage: what it built so far has been counted.
            Err(e) => {
                return Err(ReadFailure::corrupt(format!(
                    "content.xml: {} at byte {}",
                    super::xml_damage(&e),
                    reader.error_position()
                )));
            }
        };
        at = match (at, &event) {
            // calamine skips an annotation until its end tag, and at the end of the file waits for it forever.
            (At::Content { in_note: true, .. }, Event::Eof) => {
                return Err(ReadFailure::corrupt(
                    "content.xml ends inside a cell's annotation",
                ));
            }
            (_, Event::Eof) => break,
            (At::Outside, Event::Start(e)) if e.name().as_ref() == "table:table" => {
                if raw_attr(e, "table:name").is_some() {
                    table = Table::default();
                    At::Table
                } else {
                    At::Outside
                }
            }
            (At::Table, Event::Start(e)) if e.name().as_ref() == "table:table-row" => {
                let asked = raw_attr(e, "table:number-rows-repeated")
                    .and_then(decoded_number)
                    .unwrap_or(1);
                table.repeat = asked.min(MAX_ROWS.saturating_sub(table.rows));
                (table.pushed, table.pending, table.row_text) = (0, 0, 0);
                (table.value_cols, table.formula_cols) = (None, None);
                At::Row
            }
            (At::Table, Event::End(e)) if e.name().as_ref() == "table:table" => {
                cost.finish(&table);
                At::Outside
            }
            (At::Row, Event::Start(e))
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                cell_start(e, &mut table)
            }
            (At::Row, Event::End(e)) if e.name().as_ref() == "table:table-row" => {
                let t = &mut table;
                let before = t.rows;
                t.rows = t.rows.saturating_add(t.repeat);
                t.values.add_row(t.elements, (before, t.rows), t.value_cols);
                t.formulas
                    .add_row(t.elements, (before, t.rows), t.formula_cols);
                t.elements = t.elements.saturating_add(1);
                // The row vector itself, then its copies into the grid (one per repeated row).
                cost.cells = cost.cells.saturating_add(t.pushed.saturating_mul(2));
                t.text = t
                    .text
                    .saturating_add(t.row_text.saturating_mul(t.repeat.saturating_add(1)));
                t.grid_text = t
                    .grid_text
                    .saturating_add(t.row_text.saturating_mul(t.repeat));
                cost.check(t, limits)?;
                At::Table
            }
            (At::Skip { name, depth }, Event::Start(e)) if e.name().as_ref() == name => At::Skip {
                name,
                depth: depth.saturating_add(1),
            },
            (At::Skip { name, depth }, Event::End(e)) if e.name().as_ref() == name => match depth {
                0 => At::Row,
                d => At::Skip { name, depth: d - 1 },
            },
            (
                At::Content {
                    repeat,
                    text,
                    in_note: true,
                },
                Event::End(e),
            ) if e.name().as_ref() == "office:annotation" => At::Content {
                repeat,
                text,
                in_note: false,
            },
            (
                At::Content {
                    repeat,
                    text,
                    in_note: false,
                },
                _,
            ) => content_event(&event, repeat, text, &mut table),
            (at, _) => at,
        };
        buf.clear();
    }
    Ok(())
}

/// A cell start in a row (calamine's `read_row` and `get_datatype`): the empty run before it is pushed, then
/// its own repeats (both capped at `MAX_COLUMNS`) if it has a value or a formula, else they wait.
fn cell_start(e: &BytesStart, t: &mut Table) -> At {
    let repeat = raw_attr(e, "table:number-columns-repeated")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1);
    t.pushed = t
        .pushed
        .saturating_add(t.pending.min(MAX_COLUMNS.saturating_sub(t.pushed)));
    t.pending = 0;
    let repeat = repeat.min(MAX_COLUMNS.saturating_sub(t.pushed));
    let (mut value, mut string, mut error, mut blank, mut text, mut formula) =
        (false, false, false, false, 0, 0);
    for (k, v) in raw_attrs(e.attributes_raw()) {
        match k {
            "office:value" | "office:boolean-value" if !value => value = true,
            "office:date-value" | "office:time-value" if !value => {
                (value, text) = (true, v.len() as u64);
            }
            "office:string-value" if !value => {
                (value, blank, text) = (true, v.is_empty(), v.len() as u64)
            }
            "office:value-type" if !value => string = v == "string",
            "calcext:value-type" => error = v == "error",
            "table:formula" => formula = v.len() as u64,
            _ => {}
        }
    }
    // calamine reads the content of a string cell without a value, and of an error cell with an empty one.
    let reads_content = (!value && string) || (error && blank);
    let columns = (t.pushed, t.pushed.saturating_add(repeat).saturating_sub(1));
    if repeat > 0 && (value || reads_content) {
        t.value_cols = Some(
            t.value_cols
                .map_or(columns, |(a, b)| (a.min(columns.0), b.max(columns.1))),
        );
    }
    if repeat > 0 && formula > 0 {
        t.formula_cols = Some(
            t.formula_cols
                .map_or(columns, |(a, b)| (a.min(columns.0), b.max(columns.1))),
        );
    }
    if value || reads_content || formula > 0 {
        t.pushed = t.pushed.saturating_add(repeat);
        t.row_text = t
            .row_text
            .saturating_add(text.saturating_add(formula).saturating_mul(repeat));
    } else {
        t.pending = repeat;
    }
    if reads_content {
        At::Content {
            repeat,
            text: 0,
            in_note: false,
        }
    } else {
        At::Skip {
            name: e.name().as_ref().to_string(),
            depth: 0,
        }
    }
}

/// An event inside a string cell's content (calamine's `get_datatype` loop): text, spaces, tabs and breaks
/// make up the value, which the row holds once per repeated column.
fn content_event(event: &Event, repeat: u64, text: u64, t: &mut Table) -> At {
    let add = match event {
        Event::Text(s) => s.len() as u64,
        Event::GeneralRef(_) => 4,
        Event::End(e)
            if matches!(
                e.name().as_ref(),
                "table:table-cell" | "table:covered-table-cell"
            ) =>
        {
            t.row_text = t.row_text.saturating_add(text.saturating_mul(repeat));
            return At::Row;
        }
        Event::Start(e) => match e.name().as_ref() {
            "office:annotation" => {
                return At::Content {
                    repeat,
                    text,
                    in_note: true,
                };
            }
            "text:s" => raw_attr(e, "text:c").and_then(decoded_number).unwrap_or(1),
            "text:p" | "text:tab" | "text:line-break" => 1,
            _ => 0,
        },
        _ => 0,
    };
    At::Content {
        repeat,
        text: text.saturating_add(add),
        in_note: false,
    }
}

/// calamine's errors as a manifest reason. Their messages quote sheet names and the XML events they did not
/// expect (cell text included), so only the kind of damage is named.
fn describe(e: OdsError) -> ReadFailure {
    let what = match &e {
        OdsError::Password => {
            return ReadFailure::new(
                FailureKind::Encrypted,
                "encrypted: spreadsheet is password protected",
            );
        }
        OdsError::CellLimitExceeded { requested, max } => {
            return ReadFailure::too_large(format!(
                "repeated rows and columns expand to {requested} cells, over calamine's {max}"
            ));
        }
        OdsError::Zip(z) => {
            return ReadFailure::corrupt(format!(
                "damaged zip container: {}",
                super::zip_damage(z)
            ));
        }
        OdsError::Io(_) => "damaged compressed data".to_string(),
        OdsError::Xml(x) => format!("malformed content.xml ({})", super::xml_damage(x)),
        OdsError::XmlAttr(_) | OdsError::AttrError(_) => {
            "malformed content.xml (a malformed attribute)".into()
        }
        OdsError::EncodingError(_) => "content.xml is not valid UTF-8".into(),
        OdsError::Parse(_)
        | OdsError::ParseInt(_)
        | OdsError::ParseFloat(_)
        | OdsError::ParseBool(_) => "a value or repeat count that does not parse".into(),
        OdsError::InvalidMime(_) => "the mimetype part is not an OpenDocument spreadsheet's".into(),
        OdsError::FileNotFound(part) => format!("no {part} in the package"),
        OdsError::Eof(node) => format!("content.xml ends inside a {node}"),
        OdsError::Mismatch { expected, .. } => {
            format!("content.xml has an unexpected node where a {expected} belongs")
        }
        OdsError::WorksheetNotFound(_) => "a sheet it lists is missing".into(),
    };
    ReadFailure::corrupt(format!("unreadable spreadsheet: {what}"))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0""#;

    /// An ODS package whose spreadsheet body is `tables` (`<table:table>` elements).
    fn ods(tables: &str) -> Vec<u8> {
        package(&format!(
            r#"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        ))
    }

    /// An ODS package whose `content.xml` is the document element's start tag, then `rest`.
    fn package(rest: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        zip.start_file("META-INF/manifest.xml", stored).unwrap();
        zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#)
            .unwrap();
        zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}>{rest}"#
        )
        .unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn read_with(bytes: &[u8], max_cells: usize) -> Result<SourceDoc, ReadFailure> {
        let limits = Limits {
            max_cells,
            ..Limits::default()
        };
        read(bytes, &limits, &Deadline::after(limits.max_duration))
    }

    fn value(repeat: u32) -> String {
        format!(
            r#"<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>"#
        )
    }

    #[test]
    fn the_bound_counts_what_calamine_allocates() {
        // One row element: 3 values, 5 empty cells, 2 values (10 cells pushed, into the value and formula
        // vectors), repeated 4 times: a 4 x 10 grid, plus the copy worksheet_range returns: 20 + 40 + 40.
        let row = format!(
            r#"<table:table-row table:number-rows-repeated="4">{}<table:table-cell table:number-columns-repeated="5"/>{}<table:table-cell table:number-columns-repeated="9"/></table:table-row>"#,
            value(3),
            value(2)
        );
        let doc = ods(&format!(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="7"/>{row}<table:table-row table:number-rows-repeated="1000"/></table:table>"#
        ));
        let read = read_with(&doc, 100).unwrap();
        assert_eq!(read.fields.len(), 20);
        let f = read_with(&doc, 99).unwrap_err();
        assert_eq!(f.kind, FailureKind::TooLarge);
        assert!(f.reason.contains("expand to 100 cells"), "{}", f.reason);
    }

    #[test]
    fn the_bound_is_over_the_whole_document_not_per_sheet() {
        // Ten sheets of 99 x 100 values: each under 10,000 cells, together far over.
        let sheet = |i: u32| {
            format!(
                r#"<table:table table:name="S{i}"><table:table-row table:number-rows-repeated="99">{}</table:table-row></table:table>"#,
                value(100)
            )
        };
        let one = ods(&sheet(0));
        assert!(read_with(&one, 2 * 9_900 + 2 * 100 + 1).is_ok());
        let ten = ods(&(0..10).map(sheet).collect::<String>());
        let f = read_with(&ten, 100_000).unwrap_err();
        assert_eq!(f.kind, FailureKind::TooLarge);
        assert!(f.reason.contains("over the whole document"), "{}", f.reason);
    }

    #[test]
    fn repeated_columns_in_repeated_rows_multiply() {
        let doc = ods(&format!(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="1000">{}</table:table-row></table:table>"#,
            value(1000)
        ));
        let f = read_with(&doc, 999_999).unwrap_err();
        assert!(f.reason.contains("expand to 2002000 cells"), "{}", f.reason);
    }

    #[test]
    fn formula_only_cells_and_prefixed_attributes_are_counted() {
        // A formula without a value is an empty value but a formula grid of its own.
        let formulas = ods(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="1000" table:formula="of:=1"/></table:table-row></table:table>"#,
        );
        assert_eq!(
            read_with(&formulas, 10_000).unwrap_err().kind,
            FailureKind::TooLarge
        );
        // calamine reads `table:number-rows-repeated` by its exact name, wherever another prefix's comes.
        let prefixed = ods(&format!(
            r#"<table:table table:name="S"><table:table-row x:number-rows-repeated="1" table:number-rows-repeated="100000">{}</table:table-row></table:table>"#,
            value(10)
        ));
        assert_eq!(
            read_with(&prefixed, 10_000).unwrap_err().kind,
            FailureKind::TooLarge
        );
    }

    #[test]
    fn text_copied_into_repeated_cells_is_bounded() {
        // `text:s` with a count is that many spaces in calamine's string.
        let doc = ods(
            r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="&#49;00000000"/></text:p></table:table-cell></table:table-row></table:table>"#,
        );
        let f = read_with(&doc, 1000).unwrap_err();
        assert_eq!(f.kind, FailureKind::TooLarge);
        // Refused by the bound, before calamine builds the string.
        assert!(f.reason.contains("would copy 286 MiB"), "{}", f.reason);
    }

    #[test]
    fn an_annotation_left_open_is_refused_before_calamine_waits_for_it() {
        // The file ends there: no end tag is mismatched, and calamine's annotation loop never sees its end.
        let doc = package(
            r#"<office:body><office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p>x</text:p>"#,
        );
        let f = read_with(&doc, 1000).unwrap_err();
        assert_eq!(f.kind, FailureKind::Corrupt);
        assert!(f.reason.contains("annotation"), "{}", f.reason);
    }
}
