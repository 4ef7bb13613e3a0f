//! The two stages between reading and writing: **identify** (which mapping's `[form.match]` fits a document) and
//! **harmonise** (apply that mapping: locate -> transform -> validate, for every national field, in template order).

use indexmap::IndexMap;
use jiff::civil;

use crate::locate::{DocIndex, Hit};
use crate::mapping::{Mapping, Rule};
use crate::read::{Format, SourceDoc};
use crate::record::{FieldOutcome, FieldStatus, Item, Record, RecordStatus, SourceKey, Value};
use crate::reference;
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
            .is_none_or(|g| doc.fields.iter().any(|f| g.matches(&f.key.text())))
        && mt
            .root
            .as_ref()
            .is_none_or(|r| doc.root.as_deref() == Some(r.as_str()))
        && mt
            .namespace
            .as_ref()
            .is_none_or(|n| doc.namespace.as_deref() == Some(n.as_str()))
        && mt.control.as_ref().is_none_or(|c| doc.has_control(c))
        && mt.values.iter().all(|v| value_holds(doc, v))
        && mt.contains.as_ref().is_none_or(|p| doc.contains_text(p))
}

/// A `[form.match] values` condition: some element or attribute its path selects holds the value (an element
/// without text holds the empty string). A document that is not XML holds no value.
fn value_holds(doc: &SourceDoc, condition: &crate::mapping::ValueMatch) -> bool {
    let Some(tree) = &doc.xml else {
        return false;
    };
    condition.path.select(tree, doc).into_iter().any(|s| {
        let text = crate::xpath::selected_text(tree, doc, s).unwrap_or("");
        condition.test.accepts(text)
    })
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
    let index =
        DocIndex::new(doc).with_printed(mapping.label_regexes(), mapping.label_set.as_ref());
    let alignment = mapping
        .reference
        .as_deref()
        .map(|r| reference::Alignment::new(r, doc));
    // Which source fields some rule read, for the drift check.
    let mut consumed = vec![false; doc.fields.len()];
    let mut fields = IndexMap::with_capacity(template.fields.len());
    for def in &template.fields {
        let outcome = match mapping.fields.iter().find(|r| r.target == def.id) {
            Some(rule) => apply_anchored(
                &index,
                alignment.as_ref(),
                rule,
                &def.ty,
                def.group.is_some(),
                &mut consumed,
            ),
            None => FieldOutcome::not_collected(),
        };
        fields.insert(def.id.clone(), outcome);
    }
    drop_empty_members(template, mapping, &mut fields);
    apply_fallbacks(mapping, &mut fields);
    check_dates_of_birth(template, &mut fields, today);
    let extras: IndexMap<String, FieldOutcome> = mapping
        .extras
        .iter()
        .filter(|r| r.locator.is_some())
        .map(|r| {
            let (ty, repeat) = r
                .extra
                .as_ref()
                .map_or((&FieldType::Text, false), |k| (&k.ty, k.repeat));
            let outcome = apply_anchored(&index, alignment.as_ref(), r, ty, repeat, &mut consumed);
            (r.target.clone(), outcome)
        })
        .collect();
    let prefilled = alignment
        .as_ref()
        .map(|a| prefilled(a.reference(), mapping, &fields, &extras))
        .unwrap_or_default();
    let status = record_status(template, &fields, &extras, &prefilled);
    consume_twins(doc, &mut consumed);
    let unconsumed = unconsumed(doc, mapping, &consumed);
    let form_changes = alignment.map(|a| a.changes()).unwrap_or_default();
    Record {
        file: file.to_string(),
        mapping: mapping.id.clone(),
        la_code: mapping.la_code.clone(),
        status,
        fields,
        extras,
        unconsumed,
        form_changes,
    }
}

/// The drift hook: keys of the document's non-empty source fields that no rule read (`consumed`, by index into
/// the document's fields, from the hits' own record of what they read) and that are not a cell matched by one of
/// the mapping's label regexes. Printed furniture (titles, question text) is among them; the audit tells it from
/// answers by comparing digests across documents.
pub fn unconsumed(doc: &SourceDoc, mapping: &Mapping, consumed: &[bool]) -> Vec<SourceKey> {
    use std::hash::{Hash, Hasher};
    let labels = mapping.label_regexes();
    let is_label = |t: &str| match &mapping.label_set {
        Some(set) => set.is_match(t),
        None => labels.iter().any(|re| re.is_match(t)),
    };
    doc.fields
        .iter()
        .zip(consumed)
        .filter(|(f, read)| !**read && !f.value.is_empty())
        .map(|(f, _)| f)
        .filter(|f| match &f.value {
            crate::read::RawValue::Text(t) => !is_label(t.trim()),
            _ => true,
        })
        // With a reference, printed text is never an answer, wherever an inserted row moved it.
        .filter(|f| {
            mapping
                .reference
                .as_ref()
                .is_none_or(|r| !r.is_printed(&f.value.to_text()))
        })
        .map(|f| {
            let mut h = std::hash::DefaultHasher::new();
            f.value.to_text().trim().to_lowercase().hash(&mut h);
            SourceKey {
                key: f.key.to_string(),
                digest: h.finish(),
            }
        })
        .collect()
}

/// Members of a table, of blocks or of a split answer that hold nothing are no members: a pre-printed professionals table with a
/// row per profession, most of them empty, has as many members as rows filled in. Member n goes when every field
/// of its group (but those marked `preprinted`) is empty there. Groups read only by the older locators (`{n}`
/// in a `label`, `field`, `control`, ...; `cells`) keep their members, as they always have.
fn drop_empty_members(
    template: &Template,
    mapping: &Mapping,
    fields: &mut IndexMap<String, FieldOutcome>,
) {
    use crate::mapping::{JoinPart, Locator};
    let tabular = |l: &Locator| match l {
        Locator::Range(_) | Locator::Block { .. } | Locator::Labels { .. } => true,
        Locator::Join(parts, _) => parts.iter().any(|p| matches!(p, JoinPart::Range(_))),
        _ => false,
    };
    let mut groups: Vec<&str> = Vec::new();
    for rule in &mapping.fields {
        if let Some(group) = template.get(&rule.target).and_then(|d| d.group.as_deref())
            && (rule.locator.as_ref().is_some_and(tabular)
                || rule
                    .transforms
                    .split
                    .as_ref()
                    .is_some_and(|s| s.part.is_none()))
            && !groups.contains(&group)
        {
            groups.push(group);
        }
    }
    for group in groups {
        let rules: Vec<&Rule> = mapping
            .fields
            .iter()
            .filter(|r| template.get(&r.target).and_then(|d| d.group.as_deref()) == Some(group))
            .collect();
        let answers: Vec<&str> = rules
            .iter()
            .filter(|r| !r.preprinted)
            .map(|r| r.target.as_str())
            .collect();
        if answers.is_empty() {
            continue;
        }
        let members = rules
            .iter()
            .filter_map(|r| fields.get(&r.target)?.items.as_ref().map(Vec::len))
            .max()
            .unwrap_or(0);
        let filled = |n: usize, fields: &IndexMap<String, FieldOutcome>| {
            answers.iter().any(|id| {
                fields
                    .get(*id)
                    .and_then(|f| f.items.as_ref()?.get(n))
                    .is_some_and(|i| !matches!(i.status, FieldStatus::Empty))
            })
        };
        let keep: Vec<bool> = (0..members).map(|n| filled(n, fields)).collect();
        for rule in &rules {
            let Some(f) = fields.get_mut(&rule.target) else {
                continue;
            };
            if let Some(mut items) = f.items.take() {
                // A member another field has is a member of this one too, blank here (a range stops at its
                // last filled row): a `fallback` can then fill it.
                let source = rule.locator.as_ref().map(Locator::describe);
                items.resize_with(members, || Item {
                    status: FieldStatus::Empty,
                    value: None,
                    reason: None,
                    source: source.clone(),
                });
                let kept = items
                    .into_iter()
                    .enumerate()
                    .filter(|(n, _)| keep.get(*n).copied().unwrap_or(false))
                    .map(|(_, i)| i)
                    .collect();
                *f = FieldOutcome::group(kept);
            }
        }
    }
}

/// `fallback`: an empty answer takes the value of another (single) field, e.g. "Address (if different from
/// the child's)" left blank is the child's address. The provenance names both.
fn apply_fallbacks(mapping: &Mapping, fields: &mut IndexMap<String, FieldOutcome>) {
    for rule in &mapping.fields {
        let Some(from) = &rule.fallback else {
            continue;
        };
        let Some(source) = fields
            .get(from)
            .filter(|f| f.status == FieldStatus::Ok && f.items.is_none())
            .cloned()
        else {
            continue;
        };
        let Some(f) = fields.get_mut(&rule.target) else {
            continue;
        };
        let fill =
            |status: &mut FieldStatus, value: &mut Option<Value>, own: &mut Option<String>| {
                if *status == FieldStatus::Empty {
                    *status = FieldStatus::Ok;
                    value.clone_from(&source.value);
                    *own = Some(format!(
                        "{} (blank, so {from}: {})",
                        own.as_deref().unwrap_or("?"),
                        source.source.as_deref().unwrap_or("?")
                    ));
                }
            };
        match &mut f.items {
            Some(items) => {
                for i in items.iter_mut() {
                    fill(&mut i.status, &mut i.value, &mut i.source);
                }
                let items = f.items.take().unwrap_or_default();
                *f = FieldOutcome::group(items);
            }
            None => {
                let FieldOutcome {
                    status,
                    value,
                    source,
                    ..
                } = f;
                fill(status, value, source);
            }
        }
    }
}

/// A check box and the cell that shows it are one answer: reading either consumes both.
fn consume_twins(doc: &SourceDoc, consumed: &mut [bool]) {
    for &(a, b) in &doc.twins {
        let read =
            consumed.get(a).copied().unwrap_or(false) || consumed.get(b).copied().unwrap_or(false);
        for i in [a, b] {
            if let Some(c) = consumed.get_mut(i) {
                *c |= read;
            }
        }
    }
}

/// One rule through its mapping's reference form, when there is one: fixed positions are read where their
/// printed labels now stand, or not at all.
fn apply_anchored(
    index: &DocIndex,
    alignment: Option<&reference::Alignment>,
    rule: &Rule,
    ty: &FieldType,
    group: bool,
    consumed: &mut [bool],
) -> FieldOutcome {
    let (Some(alignment), Some(locator)) = (alignment, &rule.locator) else {
        return apply(index, rule, ty, group, consumed);
    };
    match crate::mapping::anchors::reanchor(locator, alignment) {
        Ok(None) => apply(index, rule, ty, group, consumed),
        Ok(Some(moved)) => {
            let moved_rule = Rule {
                locator: Some(moved),
                ..rule.clone()
            };
            let mut outcome = apply(index, &moved_rule, ty, group, consumed);
            outcome.reanchored = Some(locator.describe());
            outcome
        }
        Err(why) => FieldOutcome::lost(locator.describe(), why),
    }
}

/// Fields and extras whose value is the one the reference form itself holds there (a pre-filled default): such a
/// value does not make a document filled in.
fn prefilled(
    reference: &reference::Reference,
    mapping: &Mapping,
    fields: &IndexMap<String, FieldOutcome>,
    extras: &IndexMap<String, FieldOutcome>,
) -> Vec<String> {
    let rules = mapping
        .fields
        .iter()
        .map(|r| (r, fields))
        .chain(mapping.extras.iter().map(|r| (r, extras)));
    rules
        .filter_map(|(rule, outcomes)| {
            let Some(crate::mapping::Locator::Cell(c)) = &rule.locator else {
                return None;
            };
            let default = reference.default_at(&(c.sheet.clone(), c.row, c.col))?;
            let value = outcomes.get(&rule.target)?.value.as_ref()?;
            let same = rule
                .transforms
                .convert(default, &crate::template::FieldType::Text)
                .ok()
                .flatten()
                .is_some_and(|d| d.to_text() == value.to_text())
                || default.to_text().trim() == value.to_text();
            same.then(|| rule.target.clone())
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
    let Some(mut hits) = index.locate(locator) else {
        // An xml path into an empty container (`<Professionals/>`) found the answer "none": empty, not drift.
        return match index.empty_container(locator) {
            Some(container) if group => FieldOutcome {
                source: Some(container.source),
                ..FieldOutcome::group(Vec::new())
            },
            Some(container) => FieldOutcome::single(item(rule, &container, ty)),
            None => FieldOutcome::not_found(locator.describe()),
        };
    };
    if let Some(choice) = &rule.choice {
        hits = hits.into_iter().map(|h| index.choose(h, choice)).collect();
    }
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
    // An untyped extra keeps a check box's answer as a boolean (see `ExtraKind::type_of`).
    let ty = rule
        .extra
        .as_ref()
        .map_or(ty, |k| k.type_of(&hit.value, &rule.transforms));
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
            reason: hit.remark.clone(),
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
    prefilled: &[String],
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
    let answered_here = |(id, f): (&String, &FieldOutcome)| !prefilled.contains(id) && answered(f);
    if !fields.iter().chain(extras.iter()).any(answered_here) {
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
            key: crate::read::FieldKey::Cell(crate::read::cell_key("Request", row, col)),
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

    /// An xml mapping matched by `matcher` (TOML lines under `[form.match]`), then `fields` (TOML).
    fn xml_mapping(code: &str, matcher: &str, fields: &str) -> String {
        format!(
            "[form]\nla_code = \"{code}\"\nla_name = \"Council {code}\"\nform = \"CTF\"\nversion = \"1\"\nformat = \"xml\"\n[form.match]\n{matcher}\n{fields}"
        )
    }

    fn xml(text: &str) -> SourceDoc {
        crate::read::xml::read(
            text.as_bytes(),
            &crate::read::Limits::default(),
            &crate::read::Deadline::after(std::time::Duration::from_secs(5)),
        )
        .unwrap()
    }

    /// A CTF-like document to LA `dest` whose pupil's UPN is `upn`.
    fn ctf(dest: &str, upn: &str) -> SourceDoc {
        xml(&format!(
            "<CTfile><Header><SourceSchool><LEA>958</LEA></SourceSchool><DestSchool><LEA> {dest} </LEA></DestSchool></Header>\
             <CTFpupilData><Pupil><UPN>{upn}</UPN></Pupil><Pupil><UPN>Z</UPN></Pupil></CTFpupilData></CTfile>"
        ))
    }

    #[test]
    fn value_conditions_tell_apart_documents_that_contains_confuses() {
        let lea = |code: &str| {
            xml_mapping(
                code,
                &format!(
                    "root = \"CTfile\"\nvalues = [{{ path = \"/CTfile/Header/DestSchool/LEA\", equals = \"{code}\" }}]"
                ),
                "",
            )
        };
        let set = set(&[("985-one", lea("985")), ("986-two", lea("986"))]);
        let id = |doc: &SourceDoc| identify(doc, Format::Xml, &set.mappings).map(|m| m.id.as_str());
        // Each UPN holds the other LA's number, which `contains` would find.
        let to_985 = ctf("985", "Q986200125101");
        let to_986 = ctf("986", "Q985200125101");
        assert!(to_985.contains_text("986") && to_986.contains_text("985"));
        assert_eq!(id(&to_985), Ok("985-one"));
        assert_eq!(id(&to_986), Ok("986-two"));
        assert_eq!(id(&ctf("987", "Q985")), Err(Unrecognised::NoMatch));
        assert_eq!(
            id(&ctf("9850", "Q")),
            Err(Unrecognised::NoMatch),
            "equality, not a phrase"
        );

        // Every condition must hold; any selected element may satisfy one; each counts towards specificity.
        let set = self::set(&[
            (
                "985-any-pupil",
                xml_mapping(
                    "985",
                    "values = [{ path = \"//LEA\", equals = \"985\" }]",
                    "",
                ),
            ),
            (
                "985-pupil-z",
                xml_mapping(
                    "985",
                    "values = [{ path = \"//LEA\", equals = \"985\" },\n  { path = \"/CTfile/CTFpupilData/Pupil/UPN\", regex = '^Z$' }]",
                    "",
                ),
            ),
        ]);
        let id = |doc: &SourceDoc| identify(doc, Format::Xml, &set.mappings).map(|m| m.id.as_str());
        assert_eq!(
            id(&to_985),
            Ok("985-pupil-z"),
            "the second pupil's UPN is Z"
        );
        assert_eq!(
            id(&xml(
                "<CTfile><Header><DestSchool><LEA>985</LEA></DestSchool></Header></CTfile>"
            )),
            Ok("985-any-pupil")
        );
        assert_eq!(id(&to_986), Err(Unrecognised::NoMatch));
    }

    #[test]
    fn a_path_into_an_empty_container_is_empty_not_drift() {
        let fields = concat!(
            "[fields.\"professionals.name\"]\npath = \"/Request/Professionals/Professional/Name\"\n",
            "[fields.\"professionals.service\"]\npath = \"/Request/Professionals/Professional/@service\"\n",
            "[fields.\"child.forename\"]\npath = \"/Request/Child/Forename\"\n",
            "[fields.\"child.surname\"]\npath = \"/Request/Child/Surname\"\n",
            "[fields.\"setting.name\"]\npath = \"/Request/Setting/Name\"\ndefault = \"Not in a setting\"\n",
            "[fields.\"parents.name\"]\npath = \"/Request/Parents/Parent/Name\"\n",
        );
        let set = set(&[("990-x", xml_mapping("990", "root = \"Request\"", fields))]);
        let doc = xml(
            "<Request><Child><Forename>Ann</Forename></Child><Professionals/><Setting></Setting></Request>",
        );
        let m = identify(&doc, Format::Xml, &set.mappings).unwrap();
        let r = harmonise(&doc, m, &set.template, "a.xml", TODAY);
        for group in ["professionals.name", "professionals.service"] {
            let f = &r.fields[group];
            assert_eq!(f.status, FieldStatus::Empty, "{group}");
            assert_eq!(f.items.as_deref(), Some(&[][..]), "{group}: no members");
            assert_eq!(f.source.as_deref(), Some("/Request/Professionals"));
        }
        // A single field in an empty container is an empty answer (its default applies).
        let setting = &r.fields["setting.name"];
        assert_eq!(setting.status, FieldStatus::Ok);
        assert_eq!(setting.value, Some(Value::Text("Not in a setting".into())));
        assert_eq!(setting.source.as_deref(), Some("/Request/Setting"));
        // Child holds a forename but no surname element, and there is no Parents element: drift.
        assert_eq!(r.fields["child.surname"].status, FieldStatus::NotFound);
        assert_eq!(
            r.fields["child.surname"].source.as_deref(),
            Some("path /Request/Child/Surname")
        );
        assert_eq!(r.fields["parents.name"].status, FieldStatus::NotFound);
        assert_eq!(r.fields["parents.name"].items, None);
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

    #[test]
    fn extras_are_typed_repeat_and_an_unticked_box_leaves_a_form_blank() {
        let extras = r#"[extra.scores]
printed = "SDQ scores"
range = "Request!B6:B8"
repeat = true
type = "number"
[extra.photo]
printed = "Photograph attached?"
cell = "Request!B9"
bool = { yes = ["attached"], no = ["not attached"] }
[extra.boxall]
printed = "Boxall profile completed"
cell = "Request!B10"
[extra.met]
printed = "Date last met"
cell = "Request!B11"
date = ["%d %m %Y"]
"#;
        let set = set(&[(
            "990-testshire",
            format!("{}{extras}", mapping("990", r#"sheet = "Request""#)),
        )]);
        let m = &set.mappings[0];
        let run = |values: &[RawValue]| {
            harmonise(&doc("Testshire", values), m, &set.template, "a.xlsx", TODAY)
        };
        let empty4 = [
            RawValue::Empty,
            RawValue::Empty,
            RawValue::Empty,
            RawValue::Empty,
        ];
        let mut filled = empty4.to_vec();
        filled.extend([
            text("17"),
            RawValue::Number(12.0),
            text("lots"),
            text("Attached"),
            RawValue::Bool(true),
            text("14 03 2026"),
        ]);
        let r = run(&filled);
        let scores = &r.extras["scores"];
        let items = scores.items.as_ref().expect("a repeated extra has items");
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].value, Some(Value::Number(17.0)));
        assert_eq!(items[1].value, Some(Value::Number(12.0)));
        assert_eq!(items[2].status, FieldStatus::Invalid);
        assert_eq!(items[2].reason.as_deref(), Some("not a number"));
        assert_eq!(items[1].source.as_deref(), Some("Request!B7"));
        assert_eq!(scores.status, FieldStatus::Invalid);
        assert_eq!(r.extras["photo"].value, Some(Value::Bool(true)));
        // No type, no transform: text, but a check box stays a boolean.
        assert_eq!(r.extras["boxall"].value, Some(Value::Bool(true)));
        assert_eq!(
            r.extras["met"].value,
            Some(Value::Text("2026-03-14".into()))
        );

        // A blank form whose only marks are unticked boxes (a typed and an untyped extra) stays blank.
        let mut blank = empty4.to_vec();
        blank.extend([
            RawValue::Empty,
            RawValue::Empty,
            RawValue::Empty,
            RawValue::Bool(false),
            RawValue::Bool(false),
        ]);
        let r = run(&blank);
        assert_eq!(r.extras["photo"].value, Some(Value::Bool(false)));
        assert_eq!(r.extras["boxall"].value, Some(Value::Bool(false)));
        assert_eq!(r.extras["scores"].items.as_deref(), Some(&[][..]));
        assert_eq!(r.status, RecordStatus::Blank);
        // A ticked box fills it in.
        blank[8] = RawValue::Bool(true);
        assert_ne!(run(&blank).status, RecordStatus::Blank);
    }
}
