//! Running mappings' `[[test]]` cases (`harmonise check`): read each sample document with the same readers as
//! `run`, check that the mapping set identifies it as the mapping under test (another mapping winning is a
//! failure), harmonise it, and compare the expected fields.
//!
//! Test documents are fictional fixture data written for the tests, so unlike run-time diagnostics the
//! differences name the values expected and found: that is what makes a failing test readable. Never point a
//! `[[test]]` at a real child's form.

use std::fmt;
use std::path::PathBuf;

use jiff::civil;

use crate::diag::{Diagnostic, Lint};
use crate::harmonise::{harmonise, identify};
use crate::mapping::cases::{Expected, ExpectedItem, TestCase};
use crate::mapping::{Mapping, MappingSet};
use crate::read::{self, Limits};
use crate::record::{FieldOutcome, FieldStatus, Item, Record};

/// The result of one `[[test]]`.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// The mapping's id.
    pub mapping: String,
    /// The mapping file.
    pub mapping_path: PathBuf,
    /// The case.
    pub case: TestCase,
    /// What happened.
    pub outcome: TestOutcome,
}

/// Passed, or why not.
#[derive(Debug, Clone)]
pub enum TestOutcome {
    /// Every expectation held.
    Passed,
    /// The document could not be used (unreadable, unrecognised, claimed by another mapping).
    Broken(String),
    /// Some fields differ.
    Failed(Vec<Mismatch>),
}

/// One field that came out differently.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Field id (with `[n]` for a group item).
    pub field: String,
    /// What was expected.
    pub expected: String,
    /// What came out.
    pub got: String,
    /// Where it came from (cell, field name, path), when known.
    pub source: Option<String>,
}

impl TestResult {
    /// True when the test passed.
    pub fn passed(&self) -> bool {
        matches!(self.outcome, TestOutcome::Passed)
    }

    /// A `test-failed` diagnostic at the `[[test]]` table, or None when the test passed.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        let what = match &self.outcome {
            TestOutcome::Passed => return None,
            TestOutcome::Broken(why) => why.clone(),
            TestOutcome::Failed(m) => format!("{} field(s) differ", m.len()),
        };
        let msg = format!(
            "test {} ({}): {what}",
            self.case.number, self.case.document_as_written
        );
        let (lint, path) = (Lint::TestFailed, &self.mapping_path);
        Some(match std::fs::read_to_string(path) {
            Ok(text) => Diagnostic::lint(lint, path, &text, self.case.span.clone(), msg),
            Err(_) => Diagnostic::lint_file(lint, path, msg),
        })
    }
}

/// The readable diff of a failed test: one line per field, aligned columns.
impl fmt::Display for TestResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let TestOutcome::Failed(mismatches) = &self.outcome else {
            return Ok(());
        };
        let w = |get: fn(&Mismatch) -> usize, head: &str| {
            mismatches
                .iter()
                .map(get)
                .max()
                .unwrap_or(0)
                .max(head.len())
        };
        let (wf, we, wg) = (
            w(|m| m.field.chars().count(), "field"),
            w(|m| m.expected.chars().count(), "expected"),
            w(|m| m.got.chars().count(), "got"),
        );
        writeln!(
            f,
            "    {:wf$}  {:we$}  {:wg$}  source",
            "field", "expected", "got"
        )?;
        for m in mismatches {
            writeln!(
                f,
                "    {:wf$}  {:we$}  {:wg$}  {}",
                m.field,
                m.expected,
                m.got,
                m.source.as_deref().unwrap_or("-")
            )?;
        }
        Ok(())
    }
}

/// Runs every `[[test]]` of every mapping in the set, in file order. `today` is the reference date for ages when a
/// document has no request date.
pub fn run_tests(set: &MappingSet, limits: &Limits, today: civil::Date) -> Vec<TestResult> {
    set.mappings
        .iter()
        .flat_map(|m| m.tests.iter().map(move |case| (m, case)))
        .map(|(m, case)| TestResult {
            mapping: m.id.clone(),
            mapping_path: m.path.clone(),
            case: case.clone(),
            outcome: run_one(set, m, case, limits, today),
        })
        .collect()
}

fn run_one(
    set: &MappingSet,
    mapping: &Mapping,
    case: &TestCase,
    limits: &Limits,
    today: civil::Date,
) -> TestOutcome {
    let bytes = match std::fs::read(&case.document) {
        Ok(b) => b,
        Err(e) => {
            return TestOutcome::Broken(format!(
                "cannot read the document {}: {e}",
                case.document.display()
            ));
        }
    };
    let format = read::sniff(&bytes);
    let doc = match read::read(&bytes, format, limits) {
        Ok(doc) => doc,
        Err(f) => return TestOutcome::Broken(format!("cannot read the document: {}", f.reason)),
    };
    match identify(&doc, format, &set.mappings) {
        Ok(m) if m.id == mapping.id => {}
        Ok(other) => {
            return TestOutcome::Broken(format!(
                "the document is identified as `{}`, not `{}`: make [form.match] more specific",
                other.id, mapping.id
            ));
        }
        Err(e) => return TestOutcome::Broken(format!("not identified: {}", e.reason(format))),
    }
    let file = case.document.display().to_string();
    let record = harmonise(&doc, mapping, &set.template, &file, today);
    let mismatches = compare(case, &record);
    if mismatches.is_empty() {
        TestOutcome::Passed
    } else {
        TestOutcome::Failed(mismatches)
    }
}

/// Every expectation of a case that the record does not meet.
pub fn compare(case: &TestCase, record: &Record) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for e in &case.expect {
        let got = record
            .fields
            .get(&e.field)
            .or_else(|| record.extras.get(&e.field));
        let Some(got) = got else {
            out.push(Mismatch {
                field: e.field.clone(),
                expected: describe_expected(&e.want),
                got: "not in the record".into(),
                source: None,
            });
            continue;
        };
        match &e.want {
            Expected::One(want) => {
                let item = outcome_item(got);
                if !item_matches(want, &item) {
                    out.push(mismatch(&e.field, want, &item));
                }
            }
            Expected::Group(wants) => {
                let items = got.items.clone().unwrap_or_default();
                if items.is_empty() && !wants.is_empty() {
                    out.push(Mismatch {
                        field: e.field.clone(),
                        expected: describe_expected(&e.want),
                        got: format!("{} (no items)", got.status.as_str()),
                        source: got.source.clone(),
                    });
                    continue;
                }
                for (n, pair) in itertools_longest(wants, &items).into_iter().enumerate() {
                    let field = format!("{}[{}]", e.field, n.saturating_add(1));
                    match pair {
                        (Some(w), Some(i)) if !item_matches(w, i) => {
                            out.push(mismatch(&field, w, i));
                        }
                        (Some(w), None) => out.push(Mismatch {
                            field,
                            expected: w.describe(),
                            got: "missing".into(),
                            source: None,
                        }),
                        (None, Some(i)) => out.push(Mismatch {
                            field,
                            expected: "no item".into(),
                            got: describe_item(i),
                            source: i.source.clone(),
                        }),
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

fn itertools_longest<'a>(
    a: &'a [ExpectedItem],
    b: &'a [Item],
) -> Vec<(Option<&'a ExpectedItem>, Option<&'a Item>)> {
    (0..a.len().max(b.len()))
        .map(|i| (a.get(i), b.get(i)))
        .collect()
}

fn outcome_item(o: &FieldOutcome) -> Item {
    Item {
        status: o.status,
        value: o.value.clone(),
        reason: o.reason.clone(),
        source: o.source.clone(),
    }
}

fn item_matches(want: &ExpectedItem, got: &Item) -> bool {
    want.status.is_none_or(|s| s == got.status)
        && want.value.as_ref().is_none_or(|v| {
            got.value
                .as_ref()
                .is_some_and(|g| g == v || g.to_text() == v.to_text())
        })
}

fn mismatch(field: &str, want: &ExpectedItem, got: &Item) -> Mismatch {
    Mismatch {
        field: field.to_string(),
        expected: want.describe(),
        got: describe_item(got),
        source: got.source.clone(),
    }
}

fn describe_item(i: &Item) -> String {
    let mut s = ExpectedItem {
        status: Some(i.status),
        value: i.value.clone(),
    }
    .describe();
    if i.status != FieldStatus::Ok && i.value.is_none() {
        s = i.status.as_str().to_string();
    }
    if let Some(r) = &i.reason {
        s.push_str(&format!(" ({r})"));
    }
    s
}

fn describe_expected(e: &Expected) -> String {
    match e {
        Expected::One(i) => i.describe(),
        Expected::Group(items) => format!(
            "[{}]",
            items
                .iter()
                .map(ExpectedItem::describe)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::cases::Expectation;
    use crate::record::{RecordStatus, Value};
    use indexmap::IndexMap;

    fn item(status: FieldStatus, value: Option<&str>) -> Item {
        Item {
            status,
            value: value.map(|v| Value::Text(v.into())),
            reason: None,
            source: Some("Request!C5".into()),
        }
    }

    #[test]
    fn compare_reports_each_difference() {
        let mut fields = IndexMap::new();
        fields.insert(
            "child.forename".to_string(),
            FieldOutcome::single(item(FieldStatus::Ok, Some("Amelia"))),
        );
        fields.insert(
            "child.surname".to_string(),
            FieldOutcome::single(item(FieldStatus::Ok, Some("Smith"))),
        );
        fields.insert(
            "parents.name".to_string(),
            FieldOutcome::group(vec![item(FieldStatus::Ok, Some("Jo"))]),
        );
        let record = Record {
            file: "a.xlsx".into(),
            mapping: "951".into(),
            la_code: "951".into(),
            status: RecordStatus::Ok,
            fields,
            extras: IndexMap::new(),
            unconsumed: Vec::new(),
            form_changes: Vec::new(),
        };
        let ok = |v: &str| ExpectedItem {
            status: Some(FieldStatus::Ok),
            value: Some(Value::Text(v.into())),
        };
        let case = TestCase {
            number: 1,
            document: "a.xlsx".into(),
            document_as_written: "a.xlsx".into(),
            span: 0..1,
            expect: vec![
                Expectation {
                    field: "child.forename".into(),
                    want: Expected::One(ok("Amelia")),
                },
                Expectation {
                    field: "child.surname".into(),
                    want: Expected::One(ok("Smyth")),
                },
                Expectation {
                    field: "parents.name".into(),
                    want: Expected::Group(vec![ok("Jo"), ok("Sam")]),
                },
            ],
        };
        let m = compare(&case, &record);
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!(m[0].field, "child.surname");
        assert_eq!(m[0].expected, "\"Smyth\"");
        assert_eq!(m[0].got, "\"Smith\"");
        assert_eq!(m[0].source.as_deref(), Some("Request!C5"));
        assert_eq!(m[1].field, "parents.name[2]");
        assert_eq!(m[1].got, "missing");
    }
}
