//! The OpenDocument spreadsheet reader, on calamine.
//!
//! calamine has no streaming reader for ODS: it expands `number-rows-repeated` / `number-columns-repeated` runs
//! into a dense grid, up to 100 million cells, so a 1 KB file could ask for gigabytes. Before calamine sees the
//! bytes, `content.xml` is scanned once (quick-xml, no entity expansion) and the grid each table would expand to
//! is bounded against [`Limits::max_cells`]: rows from the first to the last row holding a value, by the widest
//! such row up to its last value (runs of empty rows or cells past the last value are what LibreOffice writes
//! to the sheet's edge, and calamine does not expand them).

use std::io::{Cursor, Read};

use calamine::{Data, Ods, OdsError, Reader};
use jiff::civil;
use quick_xml::events::{BytesStart, Event};

use super::xlsx::{check_zip, excel_datetime, text_value};
use super::{
    Deadline, FailureKind, GridPos, Limits, RawValue, ReadFailure, SourceDoc, SourceField, cell_key,
};

/// Reads every sheet's non-empty cells.
pub fn read(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<SourceDoc, ReadFailure> {
    check_zip(bytes, limits)?;
    refuse_encrypted(bytes)?;
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
                key: cell_key(&name, row, col),
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

/// An encrypted package lists `encryption-data` in its manifest; its content.xml is ciphertext.
fn refuse_encrypted(bytes: &[u8]) -> Result<(), ReadFailure> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadFailure::corrupt(format!("damaged zip container: {e}")))?;
    let mut manifest = Vec::new();
    if let Ok(entry) = archive.by_name("META-INF/manifest.xml") {
        // A manifest is a few KB; a larger one is read only as far as the cap.
        let _ = entry.take(1 << 20).read_to_end(&mut manifest);
    }
    if manifest.windows(15).any(|w| w == b"encryption-data") {
        return Err(ReadFailure::new(
            FailureKind::Encrypted,
            "encrypted: spreadsheet is password protected",
        ));
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

/// The repeat attributes of one row or cell element.
fn repeat(e: &BytesStart, attr: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == attr)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
}

/// Refuses a document whose repeat runs would expand past `max_cells` (see the module header).
fn bound_expansion(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<(), ReadFailure> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadFailure::corrupt(format!("damaged zip container: {e}")))?;
    let mut xml = Vec::new();
    archive
        .by_name("content.xml")
        .map_err(|_| ReadFailure::corrupt("no content.xml in the OpenDocument package"))?
        .take(limits.max_unzipped_bytes)
        .read_to_end(&mut xml)
        .map_err(|e| ReadFailure::corrupt(format!("unreadable content.xml: {e}")))?;
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    // Per table: expanded row index, first row with a value, widest row up to its last value.
    let (mut row, mut first, mut width) = (0u64, None::<u64>, 0u64);
    // Per row: its repeat, expanded column index, column just past its last value.
    let (mut row_repeat, mut col, mut row_end) = (1u64, 0u64, 0u64);
    let mut cell: Option<(u64, bool)> = None; // (columns repeated, has a value)
    let mut events = 0u64;
    let check = |first: Option<u64>, last: u64, width: u64| -> Result<(), ReadFailure> {
        let rows = first.map_or(0, |f| last.saturating_sub(f).saturating_add(1));
        let cells = rows.saturating_mul(width);
        if cells > limits.max_cells as u64 {
            return Err(ReadFailure::too_large(format!(
                "repeated rows and columns expand to {cells} cells, over {} (limit max_cells)",
                limits.max_cells
            )));
        }
        Ok(())
    };
    loop {
        events += 1;
        if events.is_multiple_of(4096) {
            deadline.check()?;
        }
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| ReadFailure::corrupt(format!("malformed content.xml: {e}")))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    "table" => (row, first, width) = (0, None, 0),
                    "table-row" => {
                        (row_repeat, col, row_end) = (repeat(e, "number-rows-repeated"), 0, 0)
                    }
                    "table-cell" | "covered-table-cell" => {
                        let valued = e
                            .attributes()
                            .flatten()
                            .any(|a| a.key.local_name().as_ref() == "value-type");
                        let n = repeat(e, "number-columns-repeated");
                        if empty {
                            if valued {
                                row_end = col.saturating_add(n);
                            }
                            col = col.saturating_add(n);
                        } else {
                            cell = Some((n, valued));
                        }
                    }
                    "p" => {
                        if let Some((n, _)) = cell {
                            cell = Some((n, true));
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "table-cell" | "covered-table-cell" => {
                    if let Some((n, valued)) = cell.take() {
                        if valued {
                            row_end = col.saturating_add(n);
                        }
                        col = col.saturating_add(n);
                    }
                }
                "table-row" => {
                    if row_end > 0 {
                        first.get_or_insert(row);
                        width = width.max(row_end);
                        let last = row.saturating_add(row_repeat).saturating_sub(1);
                        check(first, last, width)?;
                    }
                    row = row.saturating_add(row_repeat);
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// calamine's errors as a manifest reason (structure only, never cell values).
fn describe(e: OdsError) -> ReadFailure {
    match e {
        OdsError::Password => ReadFailure::new(
            FailureKind::Encrypted,
            "encrypted: spreadsheet is password protected",
        ),
        OdsError::CellLimitExceeded { requested, max } => ReadFailure::too_large(format!(
            "repeated rows and columns expand to {requested} cells, over calamine's {max}"
        )),
        OdsError::Zip(z) => ReadFailure::corrupt(format!("damaged zip container: {z}")),
        other => ReadFailure::corrupt(format!("unreadable spreadsheet: {other}")),
    }
}
