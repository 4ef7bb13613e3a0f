//! Mapping unit tests: the `[[test]]` cases a mapping file may carry, like vector's config unit tests. Each names
//! a sample document (relative to the mapping file) and the values expected from it:
//!
//! ```toml
//! [[test]]
//! document = "../fixtures/forms/951/filled-01.xlsx"
//! expect = { "child.forename" = "Amelia",                      # a bare value: status ok with that value
//!            "child.upn" = { status = "invalid" },              # a table: status and/or value
//!            "parents.name" = ["Jo Smith", "Sam Smith"] }       # an array: a group's items, in order
//! ```
//!
//! This module checks the cases' shape when the mapping is compiled (unknown field ids, malformed expectations)
//! and holds them as [`TestCase`]s; [`crate::check`] runs them. A missing document is not a compile error: the
//! nightly run must not depend on sample files, so it surfaces only when `harmonise check` runs the test.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::raw::RawTest;
use crate::diag::{Diagnostic, Diagnostics, Lint};
use crate::record::{FieldStatus, Value};
use crate::template::Template;

/// One `[[test]]` case, checked.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// 1-based position among the file's tests.
    pub number: usize,
    /// The document, resolved against the mapping file's folder.
    pub document: PathBuf,
    /// The document as written in the mapping file.
    pub document_as_written: String,
    /// Span of the test's `document` in the mapping file.
    pub span: Range<usize>,
    /// Expectations, in file order.
    pub expect: Vec<Expectation>,
}

/// What one field should come out as.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// A template field id, or one of the mapping's extra ids.
    pub field: String,
    /// The expected outcome.
    pub want: Expected,
}

/// A single field's outcome, or a group's items.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// A single field (or extra).
    One(ExpectedItem),
    /// A group field's items, in order.
    Group(Vec<ExpectedItem>),
}

/// A status and/or a value; a bare value means status `ok` with that value.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedItem {
    /// The status, when given.
    pub status: Option<FieldStatus>,
    /// The value, when given.
    pub value: Option<Value>,
}

impl ExpectedItem {
    /// Human rendering for diffs: `"Amelia"`, `invalid`, `invalid "12AB"`.
    pub fn describe(&self) -> String {
        match (&self.status, &self.value) {
            (Some(FieldStatus::Ok) | None, Some(v)) => format!("{:?}", v.to_text()),
            (Some(s), Some(v)) => format!("{} {:?}", s.as_str(), v.to_text()),
            (Some(s), None) => s.as_str().to_string(),
            (None, None) => "anything".into(),
        }
    }
}

const STATUSES: &[(&str, FieldStatus)] = &[
    ("ok", FieldStatus::Ok),
    ("empty", FieldStatus::Empty),
    ("invalid", FieldStatus::Invalid),
    ("not_found", FieldStatus::NotFound),
    ("not_collected", FieldStatus::NotCollected),
];

/// Checks the `[[test]]` cases of a mapping file. `extras` are the file's extra ids, `repeated` those of them
/// with `repeat = true` (expected as arrays, like group fields).
pub fn compile_tests(
    path: &Path,
    text: &str,
    tests: &[Spanned<RawTest>],
    template: &Template,
    extras: &[String],
    repeated: &[String],
) -> (Vec<TestCase>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut out = Vec::new();
    let base = path.parent().unwrap_or(Path::new(""));
    for (i, t) in tests.iter().enumerate() {
        let raw = t.get_ref();
        let mut err = |span: Range<usize>, msg: String, help: Option<String>| {
            let mut d = Diagnostic::lint(Lint::BadTest, path, text, span, msg);
            d.help = help;
            diags.push(d);
        };
        if raw.document.get_ref().trim().is_empty() {
            err(
                raw.document.span(),
                "`document` is empty".into(),
                Some("expected a path relative to the mapping file".into()),
            );
        }
        if raw.expect.is_empty() {
            err(
                t.span(),
                "the test expects nothing".into(),
                Some("add e.g. expect = { \"child.forename\" = \"Amelia\" }".into()),
            );
        }
        let mut expect = Vec::new();
        for (key, value) in &raw.expect {
            let id = key.get_ref();
            let group = match template.get(id) {
                Some(def) => def.group.is_some(),
                None if extras.iter().any(|e| e == id) => repeated.iter().any(|e| e == id),
                None => {
                    let help = template
                        .closest(id)
                        .or_else(|| {
                            extras
                                .iter()
                                .find(|e| strsim::jaro_winkler(e, id) > 0.85)
                                .map(String::as_str)
                        })
                        .map(|near| format!("did you mean `{near}`?"));
                    err(
                        key.span(),
                        format!(
                            "`{id}` is neither a national template field nor an extra of this mapping"
                        ),
                        help,
                    );
                    continue;
                }
            };
            match expected(value, group) {
                Ok(want) => expect.push(Expectation {
                    field: id.clone(),
                    want,
                }),
                Err(msg) => err(
                    key.span(),
                    format!("bad expectation for `{id}`: {msg}"),
                    Some(EXPECT_HELP.into()),
                ),
            }
        }
        out.push(TestCase {
            number: i.saturating_add(1),
            document: base.join(raw.document.get_ref()),
            document_as_written: raw.document.get_ref().clone(),
            span: raw.document.span(),
            expect,
        });
    }
    (out, diags)
}

const EXPECT_HELP: &str = "expected a value (status ok with that value), a table `{ status = \"invalid\", value = \"...\" }`, or for a group field an array of those";

fn expected(v: &toml::Value, group: bool) -> Result<Expected, String> {
    match (v, group) {
        (toml::Value::Array(items), true) => items
            .iter()
            .map(item)
            .collect::<Result<Vec<_>, _>>()
            .map(Expected::Group),
        (toml::Value::Array(_), false) => {
            Err("an array, but the field is not a group field".into())
        }
        // A group's overall status (e.g. `{ status = "not_collected" }`) is allowed without items.
        (toml::Value::Table(t), true) if !t.contains_key("value") => item(v).map(Expected::One),
        (_, true) => Err("a group field expects an array of its items".into()),
        (_, false) => item(v).map(Expected::One),
    }
}

fn item(v: &toml::Value) -> Result<ExpectedItem, String> {
    match v {
        toml::Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| *k != "status" && *k != "value") {
                return Err(format!(
                    "unknown key `{k}` (expected `status` and/or `value`)"
                ));
            }
            let status = match t.get("status") {
                None => None,
                Some(toml::Value::String(s)) => Some(
                    STATUSES
                        .iter()
                        .find(|(name, _)| name == s)
                        .map(|(_, st)| *st)
                        .ok_or_else(|| {
                            format!(
                                "unknown status `{s}` (expected one of {})",
                                STATUSES
                                    .iter()
                                    .map(|(n, _)| *n)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        })?,
                ),
                Some(_) => return Err("`status` must be a string".into()),
            };
            let value = t.get("value").map(scalar).transpose()?;
            if status.is_none() && value.is_none() {
                return Err("an empty table".into());
            }
            Ok(ExpectedItem { status, value })
        }
        other => Ok(ExpectedItem {
            status: Some(FieldStatus::Ok),
            value: Some(scalar(other)?),
        }),
    }
}

fn scalar(v: &toml::Value) -> Result<Value, String> {
    match v {
        toml::Value::String(s) => Ok(Value::Text(s.clone())),
        toml::Value::Integer(i) => Ok(Value::Number(*i as f64)),
        toml::Value::Float(f) => Ok(Value::Number(*f)),
        toml::Value::Boolean(b) => Ok(Value::Bool(*b)),
        toml::Value::Datetime(d) => Ok(Value::Text(d.to_string())),
        toml::Value::Array(_) | toml::Value::Table(_) => {
            Err("a value must be a string, number, boolean or date".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(expect: &str) -> (Vec<TestCase>, Diagnostics) {
        #[derive(serde::Deserialize)]
        struct Doc {
            test: Vec<Spanned<RawTest>>,
        }
        let text = format!("[[test]]\ndocument = \"forms/a.xlsx\"\nexpect = {expect}\n");
        let doc: Doc = toml::from_str(&text).unwrap();
        let template = Template::load(Path::new("mappings/national-template.toml")).unwrap();
        compile_tests(
            Path::new("mappings/951.toml"),
            &text,
            &doc.test,
            &template,
            &["costed_map".to_string(), "sdq_scores".to_string()],
            &["sdq_scores".to_string()],
        )
    }

    #[test]
    fn the_three_expect_forms() {
        let (cases, diags) = parse(
            r#"{ "child.forename" = "Amelia", "child.upn" = { status = "invalid" }, "parents.name" = ["Jo Smith", { status = "empty" }], costed_map = true, "request.date" = 2026-09-01 }"#,
        );
        assert!(!diags.has_errors(), "{diags}");
        let c = &cases[0];
        assert_eq!(c.document, Path::new("mappings/forms/a.xlsx"));
        assert_eq!(
            c.expect[0].want,
            Expected::One(ExpectedItem {
                status: Some(FieldStatus::Ok),
                value: Some(Value::Text("Amelia".into()))
            })
        );
        assert_eq!(
            c.expect[1].want,
            Expected::One(ExpectedItem {
                status: Some(FieldStatus::Invalid),
                value: None
            })
        );
        assert!(matches!(&c.expect[2].want, Expected::Group(items) if items.len() == 2));
        assert_eq!(
            c.expect[4].want,
            Expected::One(ExpectedItem {
                status: Some(FieldStatus::Ok),
                value: Some(Value::Text("2026-09-01".into()))
            })
        );
    }

    #[test]
    fn bad_expectations_are_bad_test_errors() {
        let (_, diags) = parse(
            r#"{ "child.dob" = "x", "child.upn" = { status = "wrong" }, "parents.name" = "Jo", "child.forename" = ["a"] }"#,
        );
        let msgs: Vec<String> = diags.errors().map(|d| d.to_string()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:#?}");
        assert!(msgs[0].contains("error[bad-test]: `child.dob` is neither"));
        assert!(msgs[0].contains("did you mean `child.date_of_birth`?"));
        assert!(msgs[1].contains("unknown status `wrong`"));
        assert!(msgs[2].contains("expects an array"));
        assert!(msgs[3].contains("not a group field"));
    }
}
