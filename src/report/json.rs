//! `report.json`: the [`AuditReport`] as pretty JSON. Its structure is described in the README ("Reading the
//! report") and by `schemas/report.schema.json`.

use std::borrow::Cow;
use std::io::Write;

use serde_json::Value;

use super::{MAX_CHARS, ReportWriter, clip};
use crate::audit::AuditReport;

/// Writes `report.json`.
pub struct JsonReport;

impl ReportWriter for JsonReport {
    fn file_name(&self) -> &'static str {
        "report.json"
    }

    fn write(&self, report: &AuditReport, out: &mut dyn Write) -> std::io::Result<()> {
        // Through a `Value` (which keeps field order), so that every string, keys included, is clipped in one walk.
        let mut value = serde_json::to_value(report)?;
        clip_strings(&mut value);
        serde_json::to_writer_pretty(&mut *out, &value)?;
        out.write_all(b"\n")
    }
}

/// Clips every string in `v`, object keys included, to [`MAX_CHARS`].
fn clip_strings(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(cut) = clip(s, MAX_CHARS) {
                *s = cut;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clip_strings),
        Value::Object(map) => {
            if map
                .keys()
                .any(|k| matches!(clip(k, MAX_CHARS), Cow::Owned(_)))
            {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (clip(&k, MAX_CHARS).into_owned(), v))
                    .collect();
            }
            map.values_mut().for_each(clip_strings);
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
