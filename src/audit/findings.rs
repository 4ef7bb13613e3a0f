//! Findings: what an analyst should look at first, in plain words, ranked by how many forms or documents each
//! touches. Each names the report section (an anchor of `report.html`) that holds its detail.
//!
//! Five kinds: a statutory (`must` or `should`) field that forms never ask for, with its legal basis from the
//! national template; an extra question several LAs demand that no law requires (a cluster of two or more LAs); a
//! national field a form asks twice; the documents that produced no record; and forms whose documents drifted from
//! their mapping. Texts carry labels, LA names and counts, never a value from a document.

use serde::Serialize;

use super::FormReport;
use super::extras::Cluster;
use super::failures::{self, FailureGroup};
use crate::template::{Statutory, Template};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A `must` or `should` field some forms never ask for.
    StatutoryGap,
    /// Documents that produced no record.
    Failures,
    /// An extra demanded by several LAs that no law requires.
    NonStatutoryDemand,
    /// A national field a form asks twice.
    AskedTwice,
    /// Locators that found nothing, answers no rule reads.
    Drift,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// 1 = look at it first.
    pub rank: usize,
    /// What it is about.
    pub kind: FindingKind,
    /// The finding in plain words.
    pub text: String,
    /// How many forms (LAs for a demand, documents for failures and drift) it touches: the ranking key.
    pub count: u64,
    /// What `count` counts: `forms`, `LAs` or `documents`.
    pub unit: &'static str,
    /// The anchor of its detail in `report.html` (without `#`).
    pub anchor: String,
    /// The national field it is about, if any.
    pub field: Option<String>,
    /// The field's legal basis, from the national template (statutory gaps).
    pub basis: Option<String>,
    /// The mapping ids of the forms it touches (empty for failures).
    pub forms: Vec<String>,
}

/// The findings of a report, ranked: most forms or documents first, then by kind (statutory gaps first), then
/// by text.
pub fn rank(
    forms: &[FormReport],
    clusters: &[Cluster],
    failed: &[FailureGroup],
    template: &Template,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let total = forms.len();
    for def in &template.fields {
        if def.statutory == Statutory::No {
            continue;
        }
        let missing: Vec<&FormReport> = forms
            .iter()
            .filter(|f| f.gaps.iter().any(|g| g.field == def.id))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let duty = match def.statutory {
            Statutory::Must => "which the law requires",
            _ => "which statutory guidance says to ask",
        };
        out.push(Finding {
            rank: 0,
            kind: FindingKind::StatutoryGap,
            text: if missing.len() == total {
                format!(
                    "None of the {total} LA forms asks for “{}”, {duty} ({})",
                    def.label, def.basis
                )
            } else if missing.len() <= 3 {
                format!(
                    "{} never ask(s) for “{}”, {duty} ({})",
                    names(&missing),
                    def.label,
                    def.basis
                )
            } else {
                format!(
                    "{} of {total} LA forms never ask for “{}”, {duty} ({})",
                    missing.len(),
                    def.label,
                    def.basis
                )
            },
            count: missing.len() as u64,
            unit: "forms",
            anchor: format!("gap-{}", def.id),
            field: Some(def.id.clone()),
            basis: Some(def.basis.clone()),
            forms: missing.iter().map(|f| f.mapping.clone()).collect(),
        });
    }
    let documents: u64 = failed.iter().map(|g| g.count).sum();
    if documents > 0 {
        let kinds: Vec<String> = failures::by_status(failed)
            .iter()
            .map(|(s, n)| format!("{n} {}", failures::describe(*s)))
            .collect();
        out.push(Finding {
            rank: 0,
            kind: FindingKind::Failures,
            text: format!(
                "{documents} document(s) could not be harmonised and are in no table: {}",
                kinds.join(", ")
            ),
            count: documents,
            unit: "documents",
            anchor: "failures".into(),
            field: None,
            basis: None,
            forms: Vec::new(),
        });
    }
    for (i, c) in clusters.iter().enumerate().filter(|(_, c)| c.las >= 2) {
        let mut mappings: Vec<String> = c.members.iter().map(|m| m.mapping.clone()).collect();
        mappings.dedup();
        out.push(Finding {
            rank: 0,
            kind: FindingKind::NonStatutoryDemand,
            text: format!(
                "“{}” is demanded by {} LAs; it is not in the national template and no law requires it",
                c.canonical, c.las
            ),
            count: c.las as u64,
            unit: "LAs",
            anchor: format!("cluster-{}", i + 1),
            field: None,
            basis: None,
            forms: mappings,
        });
    }
    for def in &template.fields {
        let twice: Vec<&FormReport> = forms
            .iter()
            .filter(|f| f.duplicates.iter().any(|d| d.field == def.id))
            .collect();
        if twice.is_empty() {
            continue;
        }
        out.push(Finding {
            rank: 0,
            kind: FindingKind::AskedTwice,
            text: format!(
                "{} ask(s) for “{}” twice: once as the national field, again as an extra question",
                names(&twice),
                def.label
            ),
            count: twice.len() as u64,
            unit: "forms",
            anchor: format!("dup-{}", def.id),
            field: Some(def.id.clone()),
            basis: None,
            forms: twice.iter().map(|f| f.mapping.clone()).collect(),
        });
    }
    for f in forms {
        let lost = f.drift.not_found.len();
        let unread = f.drift.unconsumed.len();
        let changed: u64 = f.drift.versions.iter().map(|v| v.documents).sum();
        if lost + unread == 0 && changed == 0 {
            continue;
        }
        let documents = f
            .drift
            .not_found
            .iter()
            .map(|d| d.documents)
            .chain(f.drift.unconsumed.iter().map(|u| u.documents))
            .chain([changed])
            .max()
            .unwrap_or(0);
        let mut parts = Vec::new();
        if changed > 0 {
            // With a reference form: documents of a changed version come first, they say what to update.
            let versions = f.drift.versions.len();
            parts.push(format!(
                "{changed} document(s) of {versions} changed version(s) of the form (see Changed forms)"
            ));
        }
        if lost > 0 {
            parts.push(format!("{lost} question(s) its mapping no longer finds"));
        }
        if unread > 0 {
            parts.push(format!("{unread} answer(s) no rule reads"));
        }
        out.push(Finding {
            rank: 0,
            kind: FindingKind::Drift,
            text: format!(
                "{}'s form may have changed under its mapping ({}): {}, in up to {documents} document(s)",
                f.la_name,
                f.mapping,
                parts.join(" and ")
            ),
            count: documents,
            unit: "documents",
            anchor: format!("drift-{}", f.mapping),
            field: None,
            basis: None,
            forms: vec![f.mapping.clone()],
        });
    }
    // At equal counts a legal duty (a missing `must` field) comes before guidance (`should`), then by kind.
    let severity = |f: &Finding| {
        let should = f.kind == FindingKind::StatutoryGap
            && f.field
                .as_deref()
                .and_then(|id| template.get(id))
                .is_some_and(|d| d.statutory == Statutory::Should);
        (should, f.kind)
    };
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| severity(a).cmp(&severity(b)))
            .then_with(|| a.text.cmp(&b.text))
    });
    for (i, f) in out.iter_mut().enumerate() {
        f.rank = i + 1;
    }
    out
}

/// LA names of forms, as a list in words ("Northmoor, Westvale and Halden").
fn names(forms: &[&FormReport]) -> String {
    let mut names: Vec<String> = forms.iter().map(|f| f.la_name.clone()).collect();
    if names.len() > 5 {
        let more = names.len() - 4;
        names.truncate(4);
        names.push(format!("{more} others"));
    }
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
