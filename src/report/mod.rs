//! Report writers: `report.json`, `report.html` and `report.xlsx`, rendered from one [`AuditReport`].
//!
//! Each format is a [`ReportWriter`], an interchangeable sink (like ripgrep's printers): it renders the whole report
//! into any [`Write`]; staging the files, committing them and `harmonise report`'s rebuild belong to the pipeline
//! ([`crate::pipeline::reports`]). Writers only render: every number and list is decided by [`crate::audit`].
//! Nothing here ever sees a record, so no value from a document can reach a report.
//!
//! Every string a report shows passes through [`clip`]: a source key, a file path or a label from a document or a
//! mapping can be any length, and one over Excel's cell limit would abort the workbook (and, before, the run).

pub mod html;
pub mod json;
pub mod xlsx;

use std::borrow::Cow;
use std::io::Write;

use crate::audit::AuditReport;

/// The most characters of one string (a key, a path, a label) any report shows: enough for any real name, small
/// enough to read.
pub const MAX_CHARS: usize = 1_000;

/// At most `max` characters of `s`: the string itself when it fits, else its start, an ellipsis and its full
/// length, so a cut is never mistaken for the whole (`EEEE… (32768 characters)`).
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    // A string of at most `max` bytes has at most `max` characters: the common case counts nothing.
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let total = s.chars().count();
    if total <= max {
        return Cow::Borrowed(s);
    }
    let tail = format!("… ({total} characters)");
    let keep = max.saturating_sub(tail.chars().count());
    let mut cut: String = s.chars().take(keep).collect();
    cut.push_str(&tail);
    Cow::Owned(cut)
}

/// One report format.
pub trait ReportWriter: Sync {
    /// The file it writes in the output folder, e.g. `report.json`.
    fn file_name(&self) -> &'static str;
    /// Renders the report.
    fn write(&self, report: &AuditReport, out: &mut dyn Write) -> std::io::Result<()>;
}

/// Every report format, in the order they are written.
pub fn writers() -> Vec<Box<dyn ReportWriter>> {
    vec![
        Box::new(json::JsonReport),
        Box::new(html::HtmlReport),
        Box::new(xlsx::XlsxReport),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_what_fits_and_cuts_the_rest_visibly() {
        assert!(matches!(clip("short", 10), Cow::Borrowed("short")));
        // Ten characters, more than ten bytes: still whole.
        assert!(matches!(clip("éééééééééé", 10), Cow::Borrowed(_)));
        let long = "E".repeat(32_768);
        let cut = clip(&long, MAX_CHARS);
        assert_eq!(cut.chars().count(), MAX_CHARS);
        assert!(cut.starts_with("EEEE"));
        assert!(cut.ends_with("… (32768 characters)"), "{cut}");
        let wide = "é".repeat(2_000);
        let cut = clip(&wide, 100);
        assert_eq!(cut.chars().count(), 100);
        assert!(cut.ends_with("é… (2000 characters)"), "{cut}");
    }
}
