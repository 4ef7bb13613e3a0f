//! Non-statutory demands and duplicates: within-form duplicates (an extra that asks again for a national field)
//! and clusters of extras that mean the same thing across LAs. Labels are normalised and compared by
//! [`crate::label`] (the audit's [`crate::label::AUDIT`] normalisation, the synonym table's `[terms]`, and
//! [`crate::label::same_meaning`]); clusters are the connected components of that relation (single linkage), so a
//! cluster's members are linked by a chain of similar labels.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::label::subject::{self, Subject};
use crate::label::{Normalised, Normaliser, Synonyms, same_meaning, similarity};
use crate::mapping::Mapping;
use crate::template::Template;

/// An extra that asks again for a national field the same form already maps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    /// The extra's id.
    pub extra: String,
    /// The extra's printed label.
    pub printed: String,
    /// The national field it duplicates.
    pub field: String,
    /// That field's template label.
    pub field_label: String,
    /// The wording it matched: the template label or a synonym from `synonyms.toml`.
    pub matched: String,
}

/// The national field an extra's printed label matches, if any: (field id, matched wording). Only a field whose
/// subject (whose detail it asks: [`subject`]) is compatible with the extra's `subject` can match.
pub fn matching_field(
    printed: &str,
    subject: Option<Subject>,
    template: &Template,
    synonyms: &Synonyms,
    norm: &Normaliser,
) -> Option<(String, String)> {
    let label = norm.normalise(printed);
    if label.is_empty() {
        return None;
    }
    let mut best: Option<(f64, String, String)> = None;
    for def in &template.fields {
        if !subject::compatible(subject, Some(subject::of_field(def))) {
            continue;
        }
        let wordings =
            std::iter::once(&def.label).chain(synonyms.fields.get(&def.id).into_iter().flatten());
        for w in wordings {
            let n = norm.normalise(w);
            if !same_meaning(&label, &n) {
                continue;
            }
            let (j, l) = similarity(&label, &n);
            let score = j.max(l);
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, def.id.clone(), w.clone()));
            }
        }
    }
    best.map(|(_, id, w)| (id, w))
}

/// The within-form duplicates of one mapping: extras matching a national field the mapping also maps.
pub fn duplicates(
    mapping: &Mapping,
    template: &Template,
    synonyms: &Synonyms,
    norm: &Normaliser,
) -> Vec<Duplicate> {
    mapping
        .extras
        .iter()
        .filter_map(|rule| {
            let printed = rule.printed.as_deref()?;
            let subject = subject::of_question(printed, rule.section.as_deref());
            let (field, matched) = matching_field(printed, subject, template, synonyms, norm)?;
            if !mapping.fields.iter().any(|r| r.target == field) {
                return None;
            }
            let field_label = template
                .get(&field)
                .map_or_else(String::new, |d| d.label.clone());
            Some(Duplicate {
                extra: rule.target.clone(),
                printed: printed.to_string(),
                field,
                field_label,
                matched,
            })
        })
        .collect()
}

/// One extra field of one LA form, as a cluster member.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Member {
    /// The mapping id.
    pub mapping: String,
    /// The LA's code.
    pub la_code: String,
    /// The LA's name.
    pub la_name: String,
    /// The extra's id.
    pub extra: String,
    /// The question as printed.
    pub printed: String,
}

/// Extra fields of several forms that mean the same thing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    /// A representative printed label: the member whose normalised label is commonest (ties: shortest).
    pub canonical: String,
    /// Its normalised tokens.
    pub normalised: String,
    /// How many distinct LAs (LA codes) demand it.
    pub las: usize,
    /// The members, by mapping then extra id.
    pub members: Vec<Member>,
}

/// Clusters every extra of every mapping; sorted by LAs (desc), then size (desc), then canonical label.
pub fn clusters(mappings: &[Mapping], norm: &Normaliser) -> Vec<Cluster> {
    let items: Vec<(Member, Normalised)> = mappings
        .iter()
        .flat_map(|m| {
            m.extras.iter().map(move |r| {
                let printed = r
                    .printed
                    .clone()
                    .unwrap_or_else(|| r.target.replace('_', " "));
                (
                    Member {
                        mapping: m.id.clone(),
                        la_code: m.la_code.clone(),
                        la_name: m.la_name.clone(),
                        extra: r.target.clone(),
                        printed,
                    },
                    norm.normalise(r.printed.as_deref().unwrap_or(&r.target.replace('_', " "))),
                )
            })
        })
        .collect();
    // Whose detail each asks: labels of different subjects never link.
    let subjects: Vec<Option<Subject>> = mappings
        .iter()
        .flat_map(|m| {
            m.extras.iter().map(|r| {
                subject::of_question(
                    r.printed.as_deref().unwrap_or(&r.target.replace('_', " ")),
                    r.section.as_deref(),
                )
            })
        })
        .collect();
    // Union-find over the "same meaning" relation.
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while let Some(&p) = parent.get(i) {
            if p == i {
                break;
            }
            let grand = parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = parent.get_mut(i) {
                *slot = grand;
            }
            i = p;
        }
        i
    }
    for (i, (_, a)) in items.iter().enumerate() {
        for (j, (_, b)) in items.iter().enumerate().skip(i.saturating_add(1)) {
            let (sa, sb) = (
                subjects.get(i).copied().flatten(),
                subjects.get(j).copied().flatten(),
            );
            if subject::compatible(sa, sb) && same_meaning(a, b) {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if let Some(slot) = parent.get_mut(ri.max(rj)) {
                    *slot = ri.min(rj);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..items.len() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Cluster> = groups
        .into_values()
        .map(|idx| {
            let mut members: Vec<(Member, Normalised)> =
                idx.iter().filter_map(|&i| items.get(i).cloned()).collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            let mut freq: BTreeMap<String, usize> = BTreeMap::new();
            for (_, n) in &members {
                *freq.entry(n.key()).or_default() += 1;
            }
            let (canonical, normalised) = members
                .iter()
                .min_by(|a, b| {
                    let fa = freq.get(&a.1.key()).copied().unwrap_or(0);
                    let fb = freq.get(&b.1.key()).copied().unwrap_or(0);
                    fb.cmp(&fa)
                        .then(a.0.printed.len().cmp(&b.0.printed.len()))
                        .then(a.0.printed.cmp(&b.0.printed))
                })
                .map(|(m, n)| (m.printed.clone(), n.key()))
                .unwrap_or_default();
            let las = members
                .iter()
                .map(|(m, _)| m.la_code.as_str())
                .collect::<BTreeSet<_>>()
                .len();
            Cluster {
                canonical,
                normalised,
                las,
                members: members.into_iter().map(|(m, _)| m).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.las
            .cmp(&a.las)
            .then(b.members.len().cmp(&a.members.len()))
            .then(a.canonical.cmp(&b.canonical))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::label::tests::table;

    #[test]
    fn clusters_group_across_las_and_count_distinct_las() {
        use crate::mapping::{Rule, Transforms};
        let rule = |id: &str, printed: &str| Rule {
            target: id.into(),
            locator: None,
            choice: None,
            fallback: None,
            preprinted: false,
            transforms: Transforms::default(),
            printed: Some(printed.into()),
            statutory_override: None,
            section: None,
            extra: None,
        };
        let mapping = |id: &str, code: &str, extras: Vec<Rule>| Mapping {
            id: id.into(),
            path: id.into(),
            la_code: code.into(),
            la_name: format!("LA {code}"),
            form: "f".into(),
            version: "1".into(),
            format: crate::read::Format::Xlsx,
            matcher: Default::default(),
            namespaces: vec![],
            fields: vec![],
            extras,
            fingerprint: String::new(),
            tests: Vec::new(),
            reference: None,
            gaps: Vec::new(),
            label_set: None,
        };
        let ms = vec![
            mapping(
                "a",
                "1",
                vec![rule("sdq", "SDQ scores"), rule("boxall", "Boxall profile")],
            ),
            mapping(
                "b",
                "2",
                vec![rule("sdq_q", "Strengths and difficulties questionnaire")],
            ),
            mapping("c", "3", vec![rule("photo", "Photo"), rule("sdq", "SDQ")]),
        ];
        let cs = clusters(&ms, &Normaliser::new(&table()));
        assert_eq!(cs.len(), 3);
        let first = &cs[0];
        assert_eq!(first.las, 3);
        assert_eq!(
            first
                .members
                .iter()
                .map(|m| m.mapping.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(first.canonical, "SDQ");
        assert_eq!(cs[1].las, 1);
    }
}
