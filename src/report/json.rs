//! `report.json`: the [`AuditReport`] as pretty JSON. Its structure is described in the README ("Reading the
//! report") and by `schemas/report.schema.json`.

use std::io::Write;

use super::ReportWriter;
use crate::audit::AuditReport;

/// Writes `report.json`.
pub struct JsonReport;

impl ReportWriter for JsonReport {
    fn file_name(&self) -> &'static str {
        "report.json"
    }

    fn write(&self, report: &AuditReport, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        out.write_all(b"\n")
    }
}
