//! Estimated SENCo time: the [`crate::senco::Model`] applied to each form's questions, split into statutory,
//! non-statutory and duplicated minutes; the same for the national template as a form; and, with the analyst's
//! volumes, national SENCo hours a year. Every figure is an estimate and the report carries the model with it.
//!
//! A form's questions are its mapping's rules, one per printed wording: two rules reading one printed question
//! ("Child's full name" giving forename and surname) are one question. A question is statutory when its national
//! field is `must` or `should`; duplicated when it is an extra that asks again for a national field the form maps
//! ([`super::extras::duplicates`]); non-statutory otherwise (a `no` field, or any other extra). The three add up
//! to the total.

use serde::Serialize;

use super::burden::BurdenRow;
use super::extras::Duplicate;
use crate::mapping::{Mapping, Rule};
use crate::senco::{Coefficient, Kind, Model, Volumes};
use crate::template::{Statutory, Template};

/// One form's estimated minutes per request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Minutes {
    /// On questions the law requires (`must`) or guidance expects (`should`).
    pub statutory: f64,
    /// On other questions (`no` fields, extras that duplicate nothing).
    pub non_statutory: f64,
    /// On extras that ask again for a national field the form maps.
    pub duplicated: f64,
    /// The sum.
    pub total: f64,
    /// Questions counted (one per printed wording), by kind.
    pub questions: Vec<(Kind, usize)>,
}

/// The estimate for the whole report: the model, the national template as a form, and the national figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SencoTime {
    /// Always true: these figures are estimates from the model below, not measurements.
    pub estimate: bool,
    /// The model file's version.
    pub model_version: String,
    /// Minutes per question of each kind, with the source or assumption of each.
    pub coefficients: Vec<Coefficient>,
    /// Members assumed for a group question whose form does not fix how many.
    pub group_members: u32,
    /// Minutes a request would take on the national template (its `must` and `should` fields as a form).
    pub template_minutes: f64,
    /// National SENCo hours a year, when a volumes file was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national: Option<National>,
}

/// SENCo hours a year across the LAs of the volumes file that have a form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct National {
    /// The volumes file, as given.
    pub volumes_file: String,
    /// Requests a year counted (LAs with a form).
    pub requests: u64,
    /// LAs counted.
    pub las: usize,
    /// Hours a year on non-statutory questions.
    pub hours_non_statutory: f64,
    /// Hours a year on duplicated questions.
    pub hours_duplicated: f64,
    /// Hours a year all forms take.
    pub hours_total: f64,
    /// Hours a year the national template would take for the same requests.
    pub hours_on_template: f64,
    /// The saving if every LA used the national template, which asks no non-statutory or duplicated question:
    /// `hours_non_statutory + hours_duplicated`.
    pub hours_saved: f64,
    /// What the national template would add by asking the statutory questions the forms leave out (coverage
    /// gaps): `hours_on_template - (hours_total - hours_saved)`, at least 0.
    pub hours_for_gaps: f64,
    /// LA codes of the volumes file with no form in the mapping set (not counted).
    pub volumes_without_form: Vec<String>,
    /// LA codes with a form but no volume (not counted).
    pub forms_without_volume: Vec<String>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Which part of the total a question counts in.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Statutory,
    NonStatutory,
    Duplicated,
}

/// A form's minutes per request.
pub fn form_minutes(
    mapping: &Mapping,
    template: &Template,
    model: &Model,
    duplicates: &[Duplicate],
) -> Minutes {
    let mut seen: Vec<&str> = Vec::new();
    let mut parts = [0.0_f64; 3];
    let mut counts: Vec<(Kind, usize)> = Kind::ALL.iter().map(|k| (*k, 0)).collect();
    let questions = mapping
        .fields
        .iter()
        .map(|r| (r, false))
        .chain(mapping.extras.iter().map(|r| (r, true)));
    for (rule, is_extra) in questions {
        if let Some(printed) = rule.printed.as_deref() {
            let key = printed.trim();
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
        }
        let def = (!is_extra).then(|| template.get(&rule.target)).flatten();
        let part = match def {
            Some(d) if d.statutory.is_statutory() => Part::Statutory,
            Some(_) => Part::NonStatutory,
            None if duplicates.iter().any(|d| d.extra == rule.target) => Part::Duplicated,
            None => Part::NonStatutory,
        };
        let (kind, minutes) = question(model, rule, def);
        if let Some((_, n)) = counts.iter_mut().find(|(k, _)| *k == kind) {
            *n += 1;
        }
        let slot = match part {
            Part::Statutory => 0,
            Part::NonStatutory => 1,
            Part::Duplicated => 2,
        };
        if let Some(p) = parts.get_mut(slot) {
            *p += minutes;
        }
    }
    let [statutory, non_statutory, duplicated] = parts;
    Minutes {
        statutory: round2(statutory),
        non_statutory: round2(non_statutory),
        duplicated: round2(duplicated),
        total: round2(statutory + non_statutory + duplicated),
        questions: counts.into_iter().filter(|(_, n)| *n > 0).collect(),
    }
}

/// One question's kind and minutes (times its members, for a group question).
fn question(model: &Model, rule: &Rule, def: Option<&crate::template::FieldDef>) -> (Kind, f64) {
    let (ty, group) = match (def, &rule.extra) {
        (Some(d), _) => (Some(&d.ty), d.group.is_some()),
        (None, Some(k)) => (Some(&k.ty), k.repeat),
        (None, None) => (None, false),
    };
    let kind = model.classify(rule, def, ty);
    (
        kind,
        model.minutes(kind) * f64::from(model.times(rule, group)),
    )
}

/// Minutes a request would take on the national template: each `must` and `should` field once (group fields
/// for [`Model::group_members`] members), classified by its type and label.
pub fn template_minutes(template: &Template, model: &Model) -> f64 {
    let total: f64 = template
        .fields
        .iter()
        .filter(|f| f.statutory != Statutory::No)
        .map(|f| {
            let rule = Rule {
                target: f.id.clone(),
                locator: None,
                choice: None,
                transforms: Default::default(),
                printed: None,
                fallback: None,
                preprinted: false,
                statutory_override: None,
                section: None,
                extra: None,
            };
            let kind = model.classify(&rule, Some(f), Some(&f.ty));
            model.minutes(kind) * f64::from(model.times(&rule, f.group.is_some()))
        })
        .sum();
    round2(total)
}

/// The report's estimate, and the national figures when volumes are given. An LA with several forms counts the
/// mean of their minutes.
pub fn senco_time(
    model: &Model,
    template: &Template,
    burden: &[BurdenRow],
    volumes: Option<&Volumes>,
) -> SencoTime {
    let template_minutes = template_minutes(template, model);
    let national = volumes.map(|v| {
        let per_la = |la: &str| -> Option<(f64, f64, f64)> {
            let rows: Vec<&Minutes> = burden
                .iter()
                .filter(|b| b.la_code == la)
                .filter_map(|b| b.minutes.as_ref())
                .collect();
            if rows.is_empty() {
                return None;
            }
            let n = rows.len() as f64;
            let mean = |f: fn(&Minutes) -> f64| rows.iter().map(|m| f(m)).sum::<f64>() / n;
            Some((
                mean(|m| m.non_statutory),
                mean(|m| m.duplicated),
                mean(|m| m.total),
            ))
        };
        let (mut requests, mut las) = (0_u64, 0_usize);
        let (mut non, mut dup, mut total) = (0.0, 0.0, 0.0);
        let mut volumes_without_form = Vec::new();
        for (la, n) in &v.rows {
            match per_la(la) {
                Some((a, b, c)) => {
                    let k = *n as f64;
                    requests += n;
                    las += 1;
                    non += a * k;
                    dup += b * k;
                    total += c * k;
                }
                None => volumes_without_form.push(la.clone()),
            }
        }
        let mut forms_without_volume: Vec<String> = burden
            .iter()
            .filter(|b| !v.rows.iter().any(|(la, _)| *la == b.la_code))
            .map(|b| b.la_code.clone())
            .collect();
        forms_without_volume.sort();
        forms_without_volume.dedup();
        let on_template = template_minutes * requests as f64;
        National {
            volumes_file: v.path.display().to_string(),
            requests,
            las,
            hours_non_statutory: round2(non / 60.0),
            hours_duplicated: round2(dup / 60.0),
            hours_total: round2(total / 60.0),
            hours_on_template: round2(on_template / 60.0),
            hours_saved: round2((non + dup) / 60.0),
            hours_for_gaps: round2((on_template - (total - non - dup)).max(0.0) / 60.0),
            volumes_without_form,
            forms_without_volume,
        }
    });
    SencoTime {
        estimate: true,
        model_version: model.version.clone(),
        coefficients: model.coefficients.clone(),
        group_members: model.group_members,
        template_minutes,
        national,
    }
}
