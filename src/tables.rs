//! The run's tables for analysts' tools, beside `records.csv`: `values.csv`, the records in long form (one row per
//! document, national field and group member, with its status, so "not asked", "left empty", "invalid" and "the
//! locator found nothing" stay apart), and `datapackage.json`, a Frictionless Data Package descriptor with a Table
//! Schema for every CSV the run writes, so DuckDB, pandas, R or `frictionless validate` read identifiers as text
//! and dates as dates.
//!
//! `values.csv` is derived from `records.jsonl` once it is complete (read back from its staged file, one record at
//! a time), so it follows the records through every incremental short-cut without state of its own: a run that
//! keeps the previous records keeps it too. Both files are staged and committed with the run's other outputs
//! ([`crate::output::commit_all`]); cells are neutralised as `records.csv`'s are.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde_json::{Value as Json, json};

use crate::output::{AtomicFile, SHAREABLE_CSV, Staged, WriteError, csv_row, neutralise};
use crate::record::{FieldOutcome, Record};
use crate::template::{FieldType, Shareable, Template};

/// The long table's file name.
pub const VALUES_CSV: &str = "values.csv";

/// The Data Package descriptor's file name.
pub const DATAPACKAGE: &str = "datapackage.json";

/// The UTF-8 byte order mark every CSV starts with unless `--no-bom`: Excel opens a double-clicked CSV as UTF-8
/// only when it sees one (without it "Zoë" shows as "ZoÃ«"); DuckDB, pandas, the `csv` crate and frictionless
/// skip it.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The columns of `values.csv`.
pub const VALUES_COLUMNS: [&str; 9] = [
    "file", "la_code", "mapping", "field", "member", "status", "value", "reason", "source",
];

/// Writes `values.csv` into `out` from a complete `records.jsonl` at `jsonl` (the staged one, or the previous one
/// kept in place), staged for [`crate::output::commit_all`].
pub fn stage_values(out: &Path, jsonl: &Path, bom: bool) -> Result<Staged, WriteError> {
    let started = std::time::Instant::now();
    let dest = out.join(VALUES_CSV);
    let file = std::fs::File::open(jsonl).map_err(|e| WriteError::new("reading", jsonl, e))?;
    let mut records = 0_u64;
    let mut staged = AtomicFile::create(&dest)?;
    let w = staged.writer();
    let header = csv_row(VALUES_COLUMNS).map_err(|e| WriteError::new("writing", &dest, e))?;
    if bom {
        w.write_all(BOM)
            .map_err(|e| WriteError::new("writing", &dest, e))?;
    }
    w.write_all(&header)
        .map_err(|e| WriteError::new("writing", &dest, e))?;
    let mut rows = Vec::with_capacity(64 << 10);
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| WriteError::new("reading", jsonl, e))?;
        if line.trim().is_empty() {
            continue;
        }
        // serde_json's message can quote the line: only its number is kept.
        let record: Record = serde_json::from_str(&line).map_err(|_| {
            WriteError::new(
                "reading",
                jsonl,
                std::io::Error::other(format!("line {} is not a harmonised record", i + 1)),
            )
        })?;
        rows.clear();
        value_rows(&record, &mut rows).map_err(|e| WriteError::new("writing", &dest, e))?;
        w.write_all(&rows)
            .map_err(|e| WriteError::new("writing", &dest, e))?;
        records += 1;
    }
    let staged = staged.finish()?;
    tracing::info!(
        records,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "values.csv written"
    );
    Ok(staged)
}

/// Appends a record's rows of `values.csv` to `buf`: one per national field, or one per member of a group field
/// (numbered from 1); a group field with no member has one row with an empty member.
pub fn value_rows(record: &Record, buf: &mut Vec<u8>) -> std::io::Result<()> {
    // One writer for the record's rows (a writer per row was most of the cost), cells neutralised as
    // `csv_row`'s are.
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(16 << 10)
        .from_writer(buf);
    for (id, field) in &record.fields {
        for row in field_rows(field) {
            let cells = [
                record.file.as_str(),
                record.la_code.as_str(),
                record.mapping.as_str(),
                id.as_str(),
                row.member.as_str(),
                row.status,
                row.value.as_str(),
                row.reason,
                row.source,
            ];
            for cell in cells {
                w.write_field(neutralise(cell).as_bytes())?;
            }
            w.write_record(None::<&[u8]>)?;
        }
    }
    w.flush()
}

/// One row of a field, before the record's columns.
struct FieldRow<'a> {
    member: String,
    status: &'static str,
    value: String,
    reason: &'a str,
    source: &'a str,
}

fn field_rows(field: &FieldOutcome) -> Vec<FieldRow<'_>> {
    let text = |v: Option<&crate::record::Value>| v.map(|v| v.to_text()).unwrap_or_default();
    match &field.items {
        Some(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(n, item)| FieldRow {
                member: (n + 1).to_string(),
                status: item.status.as_str(),
                value: text(item.value.as_ref()),
                reason: item.reason.as_deref().unwrap_or_default(),
                source: item.source.as_deref().unwrap_or_default(),
            })
            .collect(),
        _ => vec![FieldRow {
            member: String::new(),
            status: field.status.as_str(),
            value: text(field.value.as_ref()),
            reason: field.reason.as_deref().unwrap_or_default(),
            source: field.source.as_deref().unwrap_or_default(),
        }],
    }
}

/// Which optional CSVs a run wrote, for the descriptor.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    /// `records.shareable.csv`.
    pub shareable: bool,
}

/// The Data Package descriptor of a run's CSVs (Frictionless Data Package v1, "tabular-data-package"): one resource
/// per CSV with its Table Schema. Identifiers (`la_code`, NHS number, URN, UPN, postcode) are strings; dates are
/// `date`, yes/no `boolean`, numbers and money `number`; group fields, whose members `records.csv` joins with
/// ` | `, are strings.
pub fn descriptor(template: &Template, written: Written) -> Json {
    let mut resources = vec![
        resource(
            "records",
            "records.csv",
            "One row per harmonised document: the valid value of every national field (invalid ones are \
left out and named in invalid_fields; group members joined with \" | \").",
            records_fields(template, false),
        ),
        resource(
            "values",
            VALUES_CSV,
            "One row per document, national field and group member, with the field's status (ok, empty, \
invalid, not_found, not_collected), the value as given (also when invalid), why it is invalid, and where it was \
found.",
            values_fields(),
        ),
    ];
    resources.push(resource(
        "manifest",
        "manifest.csv",
        "Every input file exactly once, with what happened to it (the rows of manifest.json).",
        manifest_fields(),
    ));
    if written.shareable {
        resources.push(resource(
            "records-shareable",
            SHAREABLE_CSV,
            "records.csv for wider sharing: the document's path as a pseudonym, personal fields dropped or \
degraded as the national template's shareable keys say.",
            records_fields(template, true),
        ));
    }
    json!({
        "profile": "tabular-data-package",
        "name": "harmonise-run",
        "title": "EHC needs assessment requests harmonised to the national template",
        "version": template.version,
        "resources": resources,
    })
}

/// Writes `datapackage.json` into `out` under a temporary name, or `None` when the records stand as they were
/// (`records_kept`) and the one in place already says the same: a run that changes nothing rewrites nothing, and
/// one that writes new records writes the descriptor with them, so the manifest lists one run's set.
pub fn stage_descriptor(
    out: &Path,
    template: &Template,
    written: Written,
    records_kept: bool,
) -> Result<Option<Staged>, WriteError> {
    let dest = out.join(DATAPACKAGE);
    let mut text = serde_json::to_vec_pretty(&descriptor(template, written))
        .map_err(|e| WriteError::new("writing", &dest, e.into()))?;
    text.push(b'\n');
    if records_kept && std::fs::read(&dest).is_ok_and(|old| old == text) {
        return Ok(None);
    }
    let mut staged = AtomicFile::create(&dest)?;
    staged
        .writer()
        .write_all(&text)
        .map_err(|e| WriteError::new("writing", &dest, e))?;
    staged.finish().map(Some)
}

fn resource(name: &str, path: &str, description: &str, fields: Vec<Json>) -> Json {
    json!({
        "name": name,
        "path": path,
        "profile": "tabular-data-resource",
        "description": description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": "\"", "doubleQuote": true, "header": true},
        "schema": {"fields": fields, "missingValues": [""]},
    })
}

fn string(name: &str, description: &str) -> Json {
    json!({"name": name, "type": "string", "description": description})
}

fn manifest_fields() -> Vec<Json> {
    let int = |name: &str, description: &str| json!({"name": name, "type": "integer", "description": description, "constraints": {"minimum": 0}});
    vec![
        string("path", "The file, relative to the input folder."),
        int("size", "Its size in bytes."),
        string(
            "blake3",
            "The blake3 hash of its content (empty when it was not read).",
        ),
        string("format", "The format sniffed from its bytes."),
        string("mapping", "The mapping that read it."),
        string(
            "status",
            "What happened: ok, partial, blank, skipped_unchanged, or why it produced no record.",
        ),
        string(
            "previous_status",
            "For skipped_unchanged rows: the status it had when last read.",
        ),
        string(
            "reason",
            "Why, for anything but ok (never the document's text).",
        ),
        int("elapsed_ms", "Time taken, in milliseconds."),
        string(
            "path_bytes_hex",
            "The file name's bytes in hex, when they are not UTF-8.",
        ),
        string(
            "changed_form",
            "With a reference form: how the document's printed text differs from it.",
        ),
    ]
}

fn values_fields() -> Vec<Json> {
    vec![
        string("file", "The document, relative to the input folder."),
        string(
            "la_code",
            "The local authority's code (text: an ONS code has letters).",
        ),
        string("mapping", "The mapping that harmonised the document."),
        string("field", "The national field's id."),
        json!({"name": "member", "type": "integer", "description": "The group member (parent, professional), \
from 1; empty for a single field.", "constraints": {"minimum": 1}}),
        json!({"name": "status", "type": "string", "description": "ok: a valid value; empty: asked but left \
blank; invalid: an answer that fails its check (value kept, reason given); not_found: the mapping's locator found \
nothing in this document; not_collected: the LA's form does not ask for it.", "constraints": {"required": true,
            "enum": ["ok", "empty", "invalid", "not_found", "not_collected"]}}),
        string(
            "value",
            "The value as harmonised (text: its type depends on the field).",
        ),
        string("reason", "Why the value is invalid."),
        string(
            "source",
            "Where it came from (a cell, form field or path), or the locator that found nothing.",
        ),
    ]
}

fn records_fields(template: &Template, shareable: bool) -> Vec<Json> {
    let mut fields = vec![
        string(
            if shareable { "document" } else { "file" },
            if shareable {
                "A pseudonym of the document's path (the first 16 hex digits of its blake3)."
            } else {
                "The document, relative to the input folder."
            },
        ),
        string("mapping", "The mapping that harmonised the document."),
        string(
            "la_code",
            "The local authority's code (text: an ONS code has letters).",
        ),
        json!({"name": "status", "type": "string", "description": "ok, partial or blank.",
            "constraints": {"enum": ["ok", "partial", "blank"]}}),
        string(
            "invalid_fields",
            "The fields whose answer is invalid, space-separated (their values are in values.csv).",
        ),
    ];
    for f in &template.fields {
        let rule = if shareable {
            f.shareable
        } else {
            Shareable::Keep
        };
        if rule == Shareable::Drop {
            continue;
        }
        let ty = match (&f.ty, &f.group, rule) {
            (_, Some(_), _) => "string",
            (FieldType::Date, None, Shareable::Month) => "yearmonth",
            (FieldType::Date, None, _) => "date",
            (FieldType::Bool, None, _) => "boolean",
            (FieldType::Number | FieldType::Money, None, _) => "number",
            _ => "string",
        };
        let mut field = json!({
            "name": f.id,
            "title": f.label,
            "type": ty,
            "description": format!("Statutory: {}. {}", f.statutory.as_str(), f.basis),
        });
        if ty == "boolean"
            && let Some(obj) = field.as_object_mut()
        {
            obj.insert("trueValues".into(), json!(["true"]));
            obj.insert("falseValues".into(), json!(["false"]));
        }
        fields.push(field);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FieldStatus, Item, RecordStatus, Value};

    #[test]
    fn each_status_and_member_has_its_own_row() {
        let mut fields = indexmap::IndexMap::new();
        fields.insert("a.x".to_string(), FieldOutcome::not_collected());
        fields.insert(
            "a.y".to_string(),
            FieldOutcome::not_found("Sheet!B2".into()),
        );
        let item = |status, value: Option<&str>| Item {
            status,
            value: value.map(|v| Value::Text(v.into())),
            reason: (status == FieldStatus::Invalid).then(|| "not a UPN".to_string()),
            source: Some("Sheet!C3".into()),
        };
        fields.insert(
            "p.name".to_string(),
            FieldOutcome::group(vec![
                item(FieldStatus::Ok, Some("=A")),
                item(FieldStatus::Empty, None),
            ]),
        );
        fields.insert(
            "c.upn".to_string(),
            FieldOutcome::single(item(FieldStatus::Invalid, Some("X1"))),
        );
        let record = Record {
            file: "f.xlsx".into(),
            mapping: "m".into(),
            la_code: "951".into(),
            status: RecordStatus::Partial,
            fields,
            extras: Default::default(),
            unconsumed: Vec::new(),
            form_changes: Vec::new(),
        };
        let mut buf = Vec::new();
        value_rows(&record, &mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "f.xlsx,951,m,a.x,,not_collected,,,\n\
             f.xlsx,951,m,a.y,,not_found,,,Sheet!B2\n\
             f.xlsx,951,m,p.name,1,ok,'=A,,Sheet!C3\n\
             f.xlsx,951,m,p.name,2,empty,,,Sheet!C3\n\
             f.xlsx,951,m,c.upn,,invalid,X1,not a UPN,Sheet!C3\n"
        );
    }
}
