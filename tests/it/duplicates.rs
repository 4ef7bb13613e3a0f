//! The duplicate and cluster matching measured against a hand-labelled truth table
//! (`fixtures/duplicates-truth.toml`) over the bundled and the real-layout mappings and a set of probes:
//! precision and recall of the within-form duplicates and of the cluster pairs, each at least 95% (the figures are
//! in the README).

use std::collections::BTreeSet;

use harmonise::audit::{Audit, extras};
use harmonise::label::Normaliser;
use harmonise::mapping::MappingSet;

use crate::util::*;

#[derive(serde::Deserialize)]
struct Truth {
    duplicate: Vec<Dup>,
    cluster: Vec<Group>,
    probe: Vec<Probe>,
}

#[derive(serde::Deserialize)]
struct Dup {
    mapping: String,
    extra: String,
    field: String,
}

#[derive(serde::Deserialize)]
struct Group {
    members: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Probe {
    printed: String,
    section: Option<String>,
    maps: Vec<String>,
    duplicate: String,
}

fn truth() -> Truth {
    toml::from_str(&std::fs::read_to_string(root().join("fixtures/duplicates-truth.toml")).unwrap())
        .unwrap()
}

/// (precision, recall) of `predicted` against `truth`; an empty side counts as perfect.
fn score<T: Ord>(predicted: &BTreeSet<T>, truth: &BTreeSet<T>) -> (f64, f64) {
    let hits = predicted.intersection(truth).count() as f64;
    let ratio = |n: usize| if n == 0 { 1.0 } else { hits / n as f64 };
    (ratio(predicted.len()), ratio(truth.len()))
}

/// A one-form set holding one probe question.
fn probe_set(dir: &std::path::Path, i: usize, p: &Probe) -> MappingSet {
    let mut text = format!(
        "[form]\nla_code = \"99{i}\"\nla_name = \"Probe\"\nform = \"Probe\"\nversion = \"1\"\nformat = \"xlsx\"\n\
         [form.match]\nsheet = \"Probe\"\n"
    );
    for (row, field) in p.maps.iter().enumerate() {
        text.push_str(&format!(
            "[fields.\"{field}\"]\ncell = \"Probe!B{}\"\n",
            row + 1
        ));
    }
    text.push_str(&format!(
        "[extra.probe]\nprinted = {:?}\ncell = \"Probe!C1\"\n",
        p.printed
    ));
    if let Some(section) = &p.section {
        text.push_str(&format!("section = {section:?}\n"));
    }
    let dir = mappings_with(&dir.join(format!("p{i}")), &[("990-probe", text)]);
    std::fs::copy(
        root().join("mappings/synonyms.toml"),
        dir.join("synonyms.toml"),
    )
    .unwrap();
    MappingSet::load(&dir).unwrap()
}

#[test]
fn duplicates_and_clusters_match_the_truth_table() {
    let truth = truth();
    let sets = [
        MappingSet::load(&root().join("mappings")).unwrap(),
        MappingSet::load(&root().join("fixtures/real-layout/mappings")).unwrap(),
    ];
    // Within-form duplicates, as each set's report finds them, and the probes'.
    let mut predicted: BTreeSet<(String, String, String)> = BTreeSet::new();
    for set in &sets {
        for form in Audit::from_records(set).finish().forms {
            for d in form.duplicates {
                predicted.insert((form.mapping.clone(), d.extra, d.field));
            }
        }
    }
    let mut expected: BTreeSet<(String, String, String)> = truth
        .duplicate
        .iter()
        .map(|d| (d.mapping.clone(), d.extra.clone(), d.field.clone()))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    for (i, p) in truth.probe.iter().enumerate() {
        let mapping = format!("probe {i}: {}", p.printed);
        let set = probe_set(tmp.path(), i, p);
        for form in Audit::from_records(&set).finish().forms {
            for d in form.duplicates {
                predicted.insert((mapping.clone(), d.extra, d.field));
            }
        }
        if !p.duplicate.is_empty() {
            expected.insert((mapping.clone(), "probe".into(), p.duplicate.clone()));
        }
    }
    let (dp, dr) = score(&predicted, &expected);

    // Cluster pairs over the extras of both sets together.
    let all: Vec<_> = sets
        .iter()
        .flat_map(|s| s.mappings.iter().cloned())
        .collect();
    let norm = Normaliser::new(&sets[0].synonyms);
    let pairs = |groups: Vec<Vec<String>>| -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for g in groups {
            for (i, a) in g.iter().enumerate() {
                for b in &g[i + 1..] {
                    let (a, b) = if a < b { (a, b) } else { (b, a) };
                    out.insert((a.clone(), b.clone()));
                }
            }
        }
        out
    };
    let predicted_pairs = pairs(
        extras::clusters(&all, &norm)
            .into_iter()
            .map(|c| {
                c.members
                    .into_iter()
                    .map(|m| format!("{}/{}", m.mapping, m.extra))
                    .collect()
            })
            .collect(),
    );
    let expected_pairs = pairs(truth.cluster.into_iter().map(|g| g.members).collect());
    let every_extra: BTreeSet<String> = all
        .iter()
        .flat_map(|m| {
            m.extras
                .iter()
                .map(move |e| format!("{}/{}", m.id, e.target))
        })
        .collect();
    for (a, b) in &expected_pairs {
        assert!(
            every_extra.contains(a) && every_extra.contains(b),
            "the truth names an unknown extra: {a} {b}"
        );
    }
    let (cp, cr) = score(&predicted_pairs, &expected_pairs);
    let report = format!(
        "duplicates: precision {dp:.3}, recall {dr:.3} ({} predicted, {} true; missed {:?}; wrong {:?})\n\
         cluster pairs: precision {cp:.3}, recall {cr:.3} ({} predicted, {} true; missed {:?}; wrong {:?})",
        predicted.len(),
        expected.len(),
        expected.difference(&predicted).collect::<Vec<_>>(),
        predicted.difference(&expected).collect::<Vec<_>>(),
        predicted_pairs.len(),
        expected_pairs.len(),
        expected_pairs
            .difference(&predicted_pairs)
            .collect::<Vec<_>>(),
        predicted_pairs
            .difference(&expected_pairs)
            .collect::<Vec<_>>(),
    );
    eprintln!("{report}");
    assert!(dp >= 0.95 && dr >= 0.95, "{report}");
    assert!(cp >= 0.95 && cr >= 0.95, "{report}");
    // The known false positives of real LA forms stay out.
    for fp in ["Other schools/settings attended", "Parent's first language"] {
        assert!(
            !predicted.iter().any(|(m, _, _)| m.ends_with(fp)),
            "{fp}: {report}"
        );
    }
}
