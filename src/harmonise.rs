//! The two stages between reading and writing: **identify** (which mapping's `[form.match]` fits a document) and
//! **harmonise** (apply that mapping: locate -> transform -> validate, for every national field, in template order).

use indexmap::IndexMap;
use jiff::civil;

use crate::locate::{DocIndex, Hit};
use crate::mapping::{Mapping, Rule};
use crate::read::docx::is_control;
use crate::read::{Format, SourceDoc};
use crate::record::{FieldOutcome, FieldStatus, Item, Record, RecordStatus, SourceKey, Value};
use crate::template::{FieldDef, FieldType, Statutory, Template};
use crate::validate;

/// Why no mapping was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrecognised {
    /// No mapping of this format matches.
    NoMatch,
    /// Several equally specific mappings match.
    Ambiguous(Vec<String>),
}

impl Unrecognised {
    /// The manifest reason.
    pub fn reason(&self, format: Format) -> String {
        match self {
            Unrecognised::NoMatch => {
                let read_by = format.mapping_format();
                if read_by == format {
                    format!("no {format} mapping's [form.match] fits this document")
                } else {
                    format!("no {read_by} mapping's [form.match] fits this {format} document")
                }
            }
            Unrecognised::Ambiguous(ids) => {
                format!("matches several mappings equally well: {}", ids.join(", "))
            }
        }
    }
}

/// Chooses the mapping for a document: all its match conditions hold, and it is the most specific.
pub fn identify<'m>(
    doc: &SourceDoc,
    format: Format,
    mappings: &'m [Mapping],
) -> Result<&'m Mapping, Unrecognised> {
    let fits: Vec<&Mapping> = mappings
        .iter()
        .filter(|m| reads(m.format, format) && matches(doc, m))
        .collect();
    let best = fits
        .iter()
        .map(|m| m.matcher.specificity())
        .max()
        .ok_or(Unrecognised::NoMatch)?;
    let top: Vec<&Mapping> = fits
        .into_iter()
        .filter(|m| m.matcher.specificity() == best)
        .collect();
    match top.as_slice() {
        [one] => Ok(one),
        many => Err(Unrecognised::Ambiguous(
            many.iter().map(|m| m.id.clone()).collect(),
        )),
    }
}

/// A mapping reads documents of its own format; an xlsx mapping also reads the same form saved as ODS (the
/// readers give both the same sheets and cells), and a docx mapping the same form saved as doc, rtf or odt (read
/// converted to docx: [`Format::mapping_format`]).
fn reads(mapping: Format, document: Format) -> bool {
    mapping == document || mapping == document.mapping_format()
}

/// The `contains` test runs last: it reads all of the document's text, while the others reject most documents
/// of another form after a few comparisons.
fn matches(doc: &SourceDoc, m: &Mapping) -> bool {
    let mt = &m.matcher;
    mt.sheet
        .as_ref()
        .is_none_or(|s| doc.sheets.iter().any(|d| d.eq_ignore_ascii_case(s)))
        && mt
            .field
            .as_ref()
            .is_none_or(|g| doc.fields.iter().any(|f| g.matches(&f.key)))
        && mt
            .root
            .as_ref()
            .is_none_or(|r| doc.root.as_deref() == Some(r.as_str()))
        && mt
            .namespace
            .as_ref()
            .is_none_or(|n| doc.namespace.as_deref() == Some(n.as_str()))
        && mt
            .control
            .as_ref()
            .is_none_or(|c| doc.fields.iter().any(|f| is_control(f, c)))
        && mt.contains.as_ref().is_none_or(|p| doc.contains_text(p))
}

/// Applies a mapping to a document. `file` is the document's path relative to the input folder; `today` is the
/// reference date for a date of birth when the record has no request date.
pub fn harmonise(
    doc: &SourceDoc,
    mapping: &Mapping,
    template: &Template,
    file: &str,
    today: civil::Date,
) -> Record {
    let index = DocIndex::new(doc);
    // Which source fields some rule read, for the drift check.
    let mut consumed = vec![false; doc.fields.len()];
    let mut fields = IndexMap::with_capacity(template.fields.len());
    for def in &template.fields {
        let outcome = match mapping.fields.iter().find(|r| r.target == def.id) {
            Some(rule) => apply(&index, rule, &def.ty, def.group.is_some(), &mut consumed),
            None => FieldOutcome::not_collected(),
        };
        fields.insert(def.id.clone(), outcome);
    }
    check_dates_of_birth(template, &mut fields, today);
    let extras: IndexMap<String, FieldOutcome> = mapping
        .extras
        .iter()
        .filter(|r| r.locator.is_some())
        .map(|r| {
            let outcome = apply(&index, r, &FieldType::Text, false, &mut consumed);
            (r.target.clone(), outcome)
        })
        .collect();
    let status = record_status(template, &fields, &extras);
    let unconsumed = unconsumed(doc, mapping, &consumed);
    Record {
        file: file.to_string(),
        mapping: mapping.id.clone(),
        la_code: mapping.la_code.clone(),
        status,
        fields,
        extras,
        unconsumed,
    }
}

/// The drift hook: keys of the document's non-empty source fields that no rule read (`consumed`, by index into
/// the document's fields, from the hits' own record of what they read) and that are not a cell matched by one of
/// the mapping's label regexes. Printed furniture (titles, question text) is among them; the audit tells it from
/// answers by comparing digests across documents.
pub fn unconsumed(doc: &SourceDoc, mapping: &Mapping, consumed: &[bool]) -> Vec<SourceKey> {
    use std::hash::{Hash, Hasher};
    let mut labels = Vec::new();
    for rule in mapping.fields.iter().chain(&mapping.extras) {
        if let Some(crate::mapping::Locator::Label { pattern, .. }) = &rule.locator {
            match pattern {
                crate::mapping::LabelPattern::One(re) => labels.push(re),
                crate::mapping::LabelPattern::Numbered(res) => labels.extend(res),
            }
        }
    }
    doc.fields
        .iter()
        .zip(consumed)
        .filter(|(f, read)| !**read && !f.value.is_empty())
        .map(|(f, _)| f)
        .filter(|f| match &f.value {
            crate::read::RawValue::Text(t) => !labels.iter().any(|re| re.is_match(t.trim())),
            _ => true,
        })
        .map(|f| {
            let mut h = std::hash::DefaultHasher::new();
            f.value.to_text().trim().to_lowercase().hash(&mut h);
            SourceKey {
                key: f.key.clone(),
                digest: h.finish(),
            }
        })
        .collect()
}

/// One rule: locate, then transform each hit.
fn apply(
    index: &DocIndex,
    rule: &Rule,
    ty: &FieldType,
    group: bool,
    consumed: &mut [bool],
) -> FieldOutcome {
    let Some(locator) = &rule.locator else {
        return FieldOutcome::not_collected();
    };
    let Some(hits) = index.locate(locator) else {
        return FieldOutcome::not_found(locator.describe());
    };
    for i in hits.iter().flat_map(|h| &h.read) {
        if let Some(read) = consumed.get_mut(*i) {
            *read = true;
        }
    }
    if group {
        let items = hits
            .iter()
            .flat_map(|h| {
                rule.transforms
                    .items(&h.value)
                    .into_iter()
                    .map(move |v| Hit {
                        value: v,
                        ..h.clone()
                    })
            })
            .map(|h| item(rule, &h, ty))
            .collect();
        return FieldOutcome::group(items);
    }
    match hits.first() {
        Some(h) => FieldOutcome::single(item(rule, h, ty)),
        None => FieldOutcome::single(Item {
            status: FieldStatus::Empty,
            value: None,
            reason: None,
            source: Some(locator.describe()),
        }),
    }
}

fn item(rule: &Rule, hit: &Hit, ty: &FieldType) -> Item {
    let source = Some(hit.source.clone());
    if let Some(problem) = &hit.problem {
        return Item {
            status: FieldStatus::Invalid,
            value: Some(Value::Text(hit.value.to_text())),
            reason: Some(problem.clone()),
            source,
        };
    }
    match rule.transforms.convert(&hit.value, ty) {
        Ok(Some(value)) => Item {
            status: FieldStatus::Ok,
            value: Some(value),
            reason: None,
            source,
        },
        Ok(None) => Item {
            status: FieldStatus::Empty,
            value: None,
            reason: None,
            source,
        },
        Err(rejected) => Item {
            status: FieldStatus::Invalid,
            value: Some(Value::Text(rejected.given)),
            reason: Some(rejected.reason),
            source,
        },
    }
}

/// Fields with `check = "date_of_birth"`: not in the future, age 0-25 at the request date (or today).
fn check_dates_of_birth(
    template: &Template,
    fields: &mut IndexMap<String, FieldOutcome>,
    today: civil::Date,
) {
    let request_date = fields
        .get("request.date")
        .filter(|f| f.status == FieldStatus::Ok)
        .and_then(|f| match &f.value {
            Some(Value::Text(t)) => t.parse::<civil::Date>().ok(),
            _ => None,
        })
        .unwrap_or(today);
    for def in template
        .fields
        .iter()
        .filter(|d| d.check.as_deref() == Some("date_of_birth"))
    {
        let Some(f) = fields.get_mut(&def.id) else {
            continue;
        };
        if f.status != FieldStatus::Ok {
            continue;
        }
        let dob = match &f.value {
            Some(Value::Text(t)) => t.parse::<civil::Date>().ok(),
            _ => None,
        };
        if let Some(Err(e)) = dob.map(|d| validate::date_of_birth(d, request_date)) {
            f.status = FieldStatus::Invalid;
            f.reason = Some(e.0);
        }
    }
}

fn record_status(
    template: &Template,
    fields: &IndexMap<String, FieldOutcome>,
    extras: &IndexMap<String, FieldOutcome>,
) -> RecordStatus {
    // An unticked box is what a blank form holds too (Word check boxes have no "never set" state), so it does
    // not make a form filled in; a ticked box, any other value, or an invalid answer does.
    let filled = |status: FieldStatus, value: Option<&Value>| match status {
        FieldStatus::Invalid => true,
        FieldStatus::Ok => value != Some(&Value::Bool(false)),
        _ => false,
    };
    let answered = |f: &FieldOutcome| match &f.items {
        Some(items) => items.iter().any(|i| filled(i.status, i.value.as_ref())),
        None => filled(f.status, f.value.as_ref()),
    };
    if !fields.values().chain(extras.values()).any(answered) {
        return RecordStatus::Blank;
    }
    let must = |id: &str| template.get(id).map(|d: &FieldDef| d.statutory) == Some(Statutory::Must);
    let incomplete = fields.iter().any(|(id, f)| match f.status {
        FieldStatus::Invalid | FieldStatus::NotFound => true,
        FieldStatus::Empty => must(id),
        _ => false,
    });
    if incomplete {
        RecordStatus::Partial
    } else {
        RecordStatus::Ok
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::mapping::MappingSet;
    use crate::read::{GridPos, RawValue, SourceField};

    /// A mapping of the five cells every test form has, matched by `matcher` (TOML lines under `[form.match]`).
    fn mapping(code: &str, matcher: &str) -> String {
        format!(
            r#"[form]
la_code = "{code}"
la_name = "Council {code}"
form = "Request for EHC needs assessment"
version = "2025-01"
format = "xlsx"
[form.match]
{matcher}
[fields."child.forename"]
cell = "Request!B2"
[fields."child.surname"]
cell = "Request!B3"
[fields."child.date_of_birth"]
cell = "Request!B4"
[fields."child.postcode"]
cell = "Request!B5"
"#
        )
    }

    /// The bundled national template with these mappings, by file stem.
    fn set(mappings: &[(&str, String)]) -> MappingSet {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            Path::new("mappings/national-template.toml"),
            dir.path().join("national-template.toml"),
        )
        .unwrap();
        for (stem, text) in mappings {
            std::fs::write(dir.path().join(format!("{stem}.toml")), text).unwrap();
        }
        MappingSet::load(dir.path()).unwrap()
    }

    /// A one-sheet workbook: a title in A1, then these values in B2, B3, ...
    fn doc(title: &str, values: &[RawValue]) -> SourceDoc {
        let cell = |row: u32, col: u32, value: RawValue| SourceField {
            key: crate::read::cell_key("Request", row, col),
            label: None,
            value,
            pos: Some(GridPos { sheet: 0, row, col }),
        };
        let mut fields = vec![cell(0, 0, RawValue::Text(title.into()))];
        fields.extend((1u32..).zip(values).map(|(row, v)| cell(row, 1, v.clone())));
        SourceDoc {
            fields,
            sheets: vec!["Request".into()],
            ..SourceDoc::default()
        }
    }

    fn text(s: &str) -> RawValue {
        RawValue::Text(s.into())
    }

    const TODAY: civil::Date = civil::date(2026, 11, 28);

    #[test]
    fn identify_picks_the_most_specific_mapping_that_fits() {
        let set = set(&[
            ("990-any-request", mapping("990", r#"sheet = "Request""#)),
            (
                "991-testshire",
                mapping("991", "sheet = \"Request\"\ncontains = \"Testshire\""),
            ),
            ("992-elsewhere", mapping("992", r#"sheet = "Elsewhere""#)),
        ]);
        let ids =
            |title: &str| identify(&doc(title, &[]), Format::Xlsx, &set.mappings).map(|m| &m.id);
        // Both Request mappings fit; the one that also names the council is more specific.
        assert_eq!(
            ids("Testshire Council: request form"),
            Ok(&"991-testshire".to_string())
        );
        // Without the council's name only the general one fits.
        assert_eq!(
            ids("Otherford request form"),
            Ok(&"990-any-request".to_string())
        );
        // An xlsx mapping reads the same form saved as ODS, not as a PDF.
        let request = doc("Testshire", &[]);
        assert!(identify(&request, Format::Ods, &set.mappings).is_ok());
        assert_eq!(
            identify(&request, Format::Pdf, &set.mappings).map(|m| &m.id),
            Err(Unrecognised::NoMatch)
        );
        let mut elsewhere = doc("Testshire", &[]);
        elsewhere.sheets = vec!["Summary".into()];
        assert_eq!(
            identify(&elsewhere, Format::Xlsx, &set.mappings).map(|m| &m.id),
            Err(Unrecognised::NoMatch)
        );
    }

    #[test]
    fn identify_refuses_to_choose_between_equally_specific_mappings() {
        let set = set(&[
            ("990-one", mapping("990", r#"sheet = "Request""#)),
            ("991-two", mapping("991", r#"sheet = "Request""#)),
        ]);
        let result = identify(&doc("a form", &[]), Format::Xlsx, &set.mappings);
        assert_eq!(
            result.map(|m| &m.id),
            Err(Unrecognised::Ambiguous(vec![
                "990-one".into(),
                "991-two".into()
            ]))
        );
    }

    #[test]
    fn harmonise_gives_each_field_and_the_record_its_status() {
        let set = set(&[("990-testshire", mapping("990", r#"sheet = "Request""#))]);
        let m = &set.mappings[0];
        let run = |values: &[RawValue]| {
            harmonise(&doc("Testshire", values), m, &set.template, "a.xlsx", TODAY)
        };
        let status = |r: &Record, id: &str| r.fields[id].status;

        let full = run(&[
            text("Ada"),
            text("Lovelace"),
            RawValue::Date(civil::date(2015, 3, 14)),
            text("SW1A 1AA"),
        ]);
        assert_eq!(full.status, RecordStatus::Ok);
        assert_eq!(full.file, "a.xlsx");
        assert_eq!(full.mapping, "990-testshire");
        assert_eq!(full.la_code, "990");
        assert_eq!(status(&full, "child.forename"), FieldStatus::Ok);
        assert_eq!(
            full.fields["child.forename"].source.as_deref(),
            Some("Request!B2")
        );
        assert_eq!(
            full.fields["child.postcode"].value,
            Some(Value::Text("SW1A 1AA".into()))
        );
        // Every template field has an outcome, in template order; the unmapped ones are not collected.
        let ids: Vec<&String> = full.fields.keys().collect();
        let template: Vec<&String> = set.template.fields.iter().map(|d| &d.id).collect();
        assert_eq!(ids, template);
        assert_eq!(status(&full, "child.upn"), FieldStatus::NotCollected);
        // The title is the only non-empty cell no rule consumed.
        assert_eq!(full.unconsumed.len(), 1);
        assert_eq!(full.unconsumed[0].key, "Request!A1");

        // An invalid postcode and a date of birth that gives an age over 25: kept with reasons, the record partial.
        let bad = run(&[
            text("Ada"),
            text("Lovelace"),
            RawValue::Date(civil::date(1990, 1, 1)),
            text("not a postcode"),
        ]);
        assert_eq!(bad.status, RecordStatus::Partial);
        assert_eq!(status(&bad, "child.postcode"), FieldStatus::Invalid);
        assert_eq!(status(&bad, "child.date_of_birth"), FieldStatus::Invalid);
        assert!(bad.fields["child.postcode"].reason.is_some());

        // Nothing filled in: blank, whatever the printed title says.
        let blank = run(&[text(""), text(" "), RawValue::Empty, RawValue::Empty]);
        assert_eq!(blank.status, RecordStatus::Blank);
        assert_eq!(status(&blank, "child.forename"), FieldStatus::Empty);
    }
}
