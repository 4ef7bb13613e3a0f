//! The xlsx reader, on calamine.
//!
//! Cells are read with calamine's streaming cell reader, never with `worksheet_range`: a dense range allocates
//! rows x columns up front, so a 5 KB file with cells at A1 and XFD1048576 would abort the whole process (see
//! `shared/reference/crates.md`). Before calamine sees the bytes, the zip directory is checked against the
//! uncompressed-size and ratio limits (zip bombs), and while cells stream in, their count and text are capped
//! (a shared string referenced by thousands of cells would otherwise be copied thousands of times).

use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, Xlsx, XlsxError};
use jiff::civil;

use super::{
    Deadline, FailureKind, FieldKey, GridPos, Limits, Merge, RawValue, ReadFailure, SourceDoc,
    SourceField, cell_key,
};

/// Reads every worksheet's non-empty cells and merged regions.
pub fn read(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<SourceDoc, ReadFailure> {
    check_zip(bytes, limits)?;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(describe)?;
    let mut doc = SourceDoc::default();
    let sheets: Vec<(String, SheetType)> = workbook
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.typ))
        .collect();
    let mut cells = 0usize;
    let mut text_bytes = 0usize;
    for (name, typ) in sheets {
        if typ != SheetType::WorkSheet {
            doc.notes
                .push(format!("sheet '{name}' skipped: not a worksheet"));
            continue;
        }
        let index = u32::try_from(doc.sheets.len())
            .map_err(|_| ReadFailure::too_large("too many sheets"))?;
        for dims in workbook
            .merge_cells_by_sheet_name(&name)
            .map_err(describe)?
        {
            doc.merges.push(Merge {
                sheet: index,
                first: dims.start,
                last: dims.end,
            });
        }
        let mut reader = workbook.worksheet_cells_reader(&name).map_err(describe)?;
        while let Some(cell) = reader.next_cell().map_err(describe)? {
            let value = match cell.get_value() {
                DataRef::SharedString(s) => text_value(s, &mut text_bytes, limits)?,
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                    text_value(s, &mut text_bytes, limits)?
                }
                DataRef::Int(i) => RawValue::Number(*i as f64),
                DataRef::Float(f) => RawValue::Number(*f),
                DataRef::Bool(b) => RawValue::Bool(*b),
                DataRef::DateTime(dt) => excel_datetime(dt),
                DataRef::Error(e) => RawValue::Error(e.to_string()),
                DataRef::Empty => continue,
            };
            if value.is_empty() {
                continue;
            }
            cells += 1;
            if cells > limits.max_cells {
                return Err(ReadFailure::too_large(format!(
                    "more than {} non-empty cells (limit max_cells)",
                    limits.max_cells
                )));
            }
            if cells.is_multiple_of(4096) {
                deadline.check()?;
            }
            let (row, col) = cell.get_position();
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

/// Text of a cell, counted against `max_text_bytes` before it is copied.
pub(crate) fn text_value(
    s: &str,
    text_bytes: &mut usize,
    limits: &Limits,
) -> Result<RawValue, ReadFailure> {
    *text_bytes = text_bytes.saturating_add(s.len());
    if *text_bytes > limits.max_text_bytes {
        return Err(ReadFailure::too_large(format!(
            "cell text exceeds {} (limit max_text_bytes)",
            super::size(limits.max_text_bytes as u64)
        )));
    }
    Ok(RawValue::Text(s.to_string()))
}

/// Dates without a time of day become plain dates; calamine honours the 1904 epoch.
pub(crate) fn excel_datetime(dt: &calamine::ExcelDateTime) -> RawValue {
    if dt.is_duration() {
        return RawValue::Number(dt.as_f64());
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let date = i16::try_from(y)
        .ok()
        .and_then(|y| civil::Date::new(y, mo as i8, d as i8).ok());
    match date {
        Some(date) if (h, mi, s, ms) == (0, 0, 0, 0) => RawValue::Date(date),
        Some(date) => match civil::Time::new(h as i8, mi as i8, s as i8, i32::from(ms) * 1_000_000)
        {
            Ok(t) => RawValue::DateTime(date.to_datetime(t)),
            Err(_) => RawValue::Date(date),
        },
        None => RawValue::Number(dt.as_f64()),
    }
}

/// Refuses zip bombs by the sizes the directory declares, before anything is inflated.
pub(crate) fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), ReadFailure> {
    let mut archive = super::open_zip(bytes)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| {
            ReadFailure::corrupt(format!("damaged zip entry {i}: {}", super::zip_damage(&e)))
        })?;
        total = total.saturating_add(entry.size());
    }
    if total > limits.max_unzipped_bytes {
        return Err(ReadFailure::too_large(format!(
            "uncompressed size {} exceeds {} (limit max_unzipped_bytes; zip bomb?)",
            super::size(total),
            super::size(limits.max_unzipped_bytes)
        )));
    }
    let compressed = bytes.len().max(1) as u64;
    if total > 1 << 20 && total / compressed > limits.max_zip_ratio {
        return Err(ReadFailure::too_large(format!(
            "compression ratio {}:1 exceeds {}:1 (limit max_zip_ratio; zip bomb?)",
            total / compressed,
            limits.max_zip_ratio
        )));
    }
    Ok(())
}

/// Turns calamine's errors into a manifest reason. Their messages quote sheet names, part names and cell
/// types and values as the file writes them, so only the kind of damage is named.
fn describe(e: XlsxError) -> ReadFailure {
    let what = match &e {
        XlsxError::Password => {
            return ReadFailure::new(
                FailureKind::Encrypted,
                "encrypted: workbook is password protected",
            );
        }
        XlsxError::Zip(z) => {
            return ReadFailure::corrupt(format!(
                "damaged zip container: {}",
                super::zip_damage(z)
            ));
        }
        XlsxError::Io(_) => "damaged compressed data".to_string(),
        XlsxError::Xml(x) => format!("malformed XML ({})", super::xml_damage(x)),
        XlsxError::XmlAttr(_) => "malformed XML (a malformed attribute)".into(),
        XlsxError::Encoding(_) => "a part that is not valid in its encoding".into(),
        XlsxError::XmlEof(node) => format!("a part ends inside {node}"),
        XlsxError::UnexpectedNode(node) => format!("an unexpected {node} element"),
        XlsxError::Unexpected(what) => format!("unexpected XML ({what})"),
        XlsxError::Unrecognized { typ, .. } => format!("an unrecognised {typ}"),
        XlsxError::Parse(_) | XlsxError::ParseFloat(_) | XlsxError::ParseInt(_) => {
            "a number that does not parse".into()
        }
        XlsxError::FileNotFound(_) => "a part the workbook lists is missing".into(),
        XlsxError::RelationshipNotFound => "a relationship the workbook lists is missing".into(),
        XlsxError::WorksheetNotFound(_)
        | XlsxError::TableNotFound(_)
        | XlsxError::NotAWorksheet(_)
        | XlsxError::PivotTableNotFound(_) => "a sheet the workbook lists is missing".into(),
        XlsxError::CellTAttribute(_) => "an unknown cell type".into(),
        XlsxError::CellError(_) => "an unknown cell error value".into(),
        XlsxError::Vba(_) => "a damaged VBA project".into(),
        _ => "a malformed cell reference or dimension".into(),
    };
    ReadFailure::corrupt(format!("unreadable workbook: {what}"))
}
