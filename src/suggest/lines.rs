//! Drafting from the text lines of several documents of one form: a Word form written as paragraphs (no tables),
//! or a flat PDF. As for grids ([`super::folder`]), what every document prints alike is the form and what differs
//! is answers, but lines do not stay in place: an answer of three lines pushes everything below it down. So the
//! blank (or the document nearest to it) gives the form's lines, each cut at its writing lines (leader dots,
//! underscores, tab stops) into printed segments ("Surname of child ...... Boy/Girl ......" is "Surname of
//! child" and "Boy/Girl"), and each other document's lines are aligned to those in order: a line matches when it
//! starts with the first segment and holds the others after it. An answer is then the text after a segment, up
//! to the next segment on the line, or running on over the lines that no printed line matched (an address over
//! two dotted lines), up to the next printed line; a printed line with nothing after it in any document but
//! lines under it is a heading with a paragraph below.
//!
//! Every text a candidate quotes is a segment of the reference that every document prints, so it is never an
//! answer; `printed::Printed` checks it again before anything is written.

use super::candidates::{Candidate, Where, label_like};
use super::folder::{candidate, parse_options};
use crate::label::{leaders, without_leaders};
use crate::read::{RawValue, SourceDoc};

/// How far past the previous match a document's line is looked for (lines of answers in between).
const MAX_GAP: usize = 80;

/// One of the reference's lines: its printed segments, and whether each is followed by a writing line.
#[derive(Debug, Clone, PartialEq)]
struct Skeleton {
    /// Printed segments, in order, trimmed.
    segments: Vec<String>,
    /// Per segment: a writing line (leaders, a tab stop) follows it on the reference line.
    slot: Vec<bool>,
    /// Per segment: the options printed after it for marking ("Looked after? Yes/No [please delete]"), which
    /// are its answer, not part of it.
    options: Vec<Option<Vec<String>>>,
}

/// Cuts a printed line at its writing lines: leader runs and tabs.
fn skeleton(line: &str) -> Skeleton {
    let mut segments = Vec::new();
    let mut slot = Vec::new();
    let mut options = Vec::new();
    let mut push = |text: &str, writes: bool| {
        let t = text.trim();
        if let Some((q, opts)) = question_with_options(t) {
            segments.push(q.to_string());
            slot.push(true);
            options.push(Some(opts));
        } else if !t.is_empty() {
            segments.push(t.to_string());
            slot.push(writes);
            options.push(None);
        } else if writes && let Some(last) = slot.last_mut() {
            *last = true;
        }
    };
    let mut rest = line;
    while !rest.is_empty() {
        let leader = leaders().and_then(|re| re.find(rest));
        let tab = rest.find('\t');
        let cut = match (leader, tab) {
            (Some(m), Some(t)) if t < m.start() => (t, t.saturating_add(1)),
            (Some(m), _) => (m.start(), m.end()),
            (None, Some(t)) => (t, t.saturating_add(1)),
            (None, None) => {
                push(rest, false);
                break;
            }
        };
        push(rest.get(..cut.0).unwrap_or(""), true);
        rest = rest.get(cut.1..).unwrap_or("");
    }
    Skeleton {
        segments,
        slot,
        options,
    }
}

/// Where each segment of `sk` sits in `line` (byte ranges), when the line starts with the first and holds the
/// others after it, in order, as whole words.
fn find_segments(sk: &Skeleton, line: &str) -> Option<Vec<(usize, usize)>> {
    let mut at = Vec::with_capacity(sk.segments.len());
    let mut from = 0;
    for (i, seg) in sk.segments.iter().enumerate() {
        let start = if i == 0 {
            line.starts_with(seg.as_str()).then_some(0)?
        } else {
            find_word(line, seg, from)?
        };
        let end = start.saturating_add(seg.len());
        at.push((start, end));
        from = end;
    }
    Some(at)
}

/// The first place at or after `from` where `needle` stands as whole words.
fn find_word(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let mut pos = from;
    while let Some(i) = hay.get(pos..).and_then(|h| h.find(needle)) {
        let start = pos.saturating_add(i);
        let end = start.saturating_add(needle.len());
        let before = hay.get(..start).and_then(|h| h.chars().next_back());
        let after = hay.get(end..).and_then(|h| h.chars().next());
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let ends_in_word = needle.chars().last().is_some_and(char::is_alphanumeric);
        if !(word(before) || word(after) && ends_in_word) {
            return Some(start);
        }
        pos = start.saturating_add(needle.chars().next().map_or(1, char::len_utf8));
    }
    None
}

/// For each reference line with printed text, the line of `doc` it matches (in order; `None` when not found).
fn align(reference: &[Skeleton], doc: &[&str]) -> Vec<Option<usize>> {
    let mut cursor: usize = 0;
    reference
        .iter()
        .map(|sk| {
            if sk.segments.is_empty() {
                return None;
            }
            let end = cursor.saturating_add(MAX_GAP).min(doc.len());
            let j = (cursor..end)
                .find(|&j| doc.get(j).is_some_and(|l| find_segments(sk, l).is_some()))?;
            cursor = j.saturating_add(1);
            Some(j)
        })
        .collect()
}

fn text_value(t: &str) -> RawValue {
    let t = without_leaders(t.trim());
    if t.trim().is_empty() {
        RawValue::Empty
    } else {
        RawValue::Text(t)
    }
}

/// True when `seg` names its line's segment uniquely: no other reference line holds it.
fn unique_in(reference: &[&str], seg: &str) -> bool {
    reference
        .iter()
        .filter(|l| find_word(l, seg, 0).is_some())
        .count()
        == 1
}

/// The document with the least written text: the blank, or the one nearest to it.
fn reference_index(docs: &[Vec<&str>]) -> usize {
    docs.iter()
        .enumerate()
        .min_by_key(|(i, lines)| {
            let written: usize = lines
                .iter()
                .map(|l| {
                    without_leaders(l)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .count()
                })
                .sum();
            (written, *i)
        })
        .map_or(0, |(i, _)| i)
}

/// One document's matched line, where each segment sits in it, and the lines under it that no printed line
/// matched.
type Written<'a> = (&'a str, Vec<(usize, usize)>, Vec<&'a str>);

/// Every candidate of the documents' text lines, in the reference's order.
pub fn line_candidates(docs: &[&SourceDoc]) -> Vec<Candidate> {
    let lines: Vec<Vec<&str>> = docs
        .iter()
        .map(|d| d.lines.iter().map(|l| l.text.trim_end()).collect())
        .collect();
    let r = reference_index(&lines);
    let Some(ref_lines) = lines.get(r) else {
        return Vec::new();
    };
    let skeletons: Vec<Skeleton> = ref_lines.iter().map(|l| skeleton(l.trim_start())).collect();
    let trimmed: Vec<Vec<&str>> = lines
        .iter()
        .map(|ls| ls.iter().map(|l| l.trim_start()).collect())
        .collect();
    let aligned: Vec<Vec<Option<usize>>> = trimmed.iter().map(|d| align(&skeletons, d)).collect();
    // A reference line counts as printed when every document has it.
    let printed: Vec<bool> = (0..skeletons.len())
        .map(|k| {
            aligned
                .iter()
                .all(|a| a.get(k).copied().flatten().is_some())
        })
        .collect();
    let next_printed = |k: usize| {
        (k.saturating_add(1)..skeletons.len()).find(|&j| printed.get(j).copied().unwrap_or(false))
    };
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    for (k, sk) in skeletons.iter().enumerate() {
        if !printed.get(k).copied().unwrap_or(false) {
            continue;
        }
        let next = next_printed(k);
        // Per document: its matched line and the lines under it that no printed line matched.
        let per_doc: Vec<Written> = trimmed
            .iter()
            .zip(&aligned)
            .filter_map(|(d, a)| {
                let j = a.get(k).copied().flatten()?;
                let line = *d.get(j)?;
                let at = find_segments(sk, line)?;
                let until = next
                    .and_then(|n| a.get(n).copied().flatten())
                    .unwrap_or(d.len());
                let under = d
                    .get(j.saturating_add(1)..until)
                    .unwrap_or_default()
                    .iter()
                    .copied()
                    .filter(|l| !without_leaders(l).trim().is_empty())
                    .collect();
                Some((line, at, under))
            })
            .collect();
        if per_doc.len() != docs.len() {
            continue;
        }
        let stop_line = next
            .and_then(|n| skeletons.get(n))
            .and_then(|s| s.segments.first())
            .cloned();
        let last = sk.segments.len().saturating_sub(1);
        let runs_on = per_doc.iter().any(|(_, _, under)| !under.is_empty());
        let mut any = false;
        for (i, seg) in sk.segments.iter().enumerate() {
            let answers: Vec<String> = per_doc
                .iter()
                .map(|(line, at, under)| {
                    let end = at.get(i).map_or(0, |a| a.1);
                    let to = at.get(i.saturating_add(1)).map_or(line.len(), |a| a.0);
                    let mut t = line
                        .get(end..to)
                        .unwrap_or("")
                        .trim()
                        .trim_start_matches(':')
                        .to_string();
                    if i == last {
                        for u in under {
                            t.push('\n');
                            t.push_str(u);
                        }
                    }
                    t
                })
                .collect();
            let written = answers
                .iter()
                .any(|a| !without_leaders(a).trim().is_empty());
            let on_line = answers.iter().any(|a| {
                !without_leaders(a.lines().next().unwrap_or(""))
                    .trim()
                    .is_empty()
            });
            let slot = sk.slot.get(i).copied().unwrap_or(false) || seg.ends_with(':');
            // A heading alone on its line with lines written under it: its paragraph below (after the loop).
            if sk.segments.len() == 1 && !slot && !on_line {
                continue;
            }
            let label = seg.trim_end_matches(':').trim().to_string();
            if !(slot || written) || !label_like(&label) {
                continue;
            }
            // A segment after the first is found anywhere in its line: only when no other line prints it.
            if i > 0 && !unique_in(ref_lines, seg) {
                continue;
            }
            let (stop, stop_in_line) = if i < last {
                (sk.segments.get(i.saturating_add(1)).cloned(), true)
            } else if runs_on {
                (stop_line.clone(), false)
            } else {
                (None, false)
            };
            let values: Vec<RawValue> = answers.iter().map(|a| text_value(a)).collect();
            let mut c = candidate(
                label.clone(),
                Where::Text {
                    text: label.clone(),
                    below: false,
                    stop,
                    mid_line: i > 0,
                    stop_mid_line: stop_in_line,
                },
                values,
                false,
            );
            if let Some(opts) = sk.options.get(i).cloned().flatten() {
                c.options = opts;
            } else if let Some(opts) = parse_options(&label) {
                // A prompt of options with the answer written after it ("Boy/Girl ......").
                c.options = opts;
                c.options_typed = true;
            }
            c.section = section.clone();
            c.evidence = format!("the text after \"{label}\" on its line");
            out.push(c);
            any = true;
        }
        if !any {
            let head = sk.segments.join(" ");
            if runs_on && label_like(&head) && sk.segments.len() == 1 {
                let values = per_doc
                    .iter()
                    .map(|(_, _, under)| text_value(&under.join("\n")))
                    .collect();
                let mut c = candidate(
                    head.clone(),
                    Where::Text {
                        text: head.clone(),
                        below: true,
                        stop: stop_line.clone(),
                        mid_line: false,
                        stop_mid_line: false,
                    },
                    values,
                    false,
                );
                c.section = section.clone();
                c.evidence = format!("the lines under \"{head}\"");
                out.push(c);
            } else if !runs_on
                && sk.segments.len() == 1
                && head.chars().count() <= 80
                && head.chars().any(char::is_alphabetic)
            {
                // A line printed alone with nothing written after or under it: a heading.
                section = Some(head);
            }
        }
    }
    out
}

/// A question with its options printed after it in one segment: "Looked after? Yes/No [please delete]" ->
/// ("Looked after?", ["Yes", "No"]).
fn question_with_options(seg: &str) -> Option<(&str, Vec<String>)> {
    let cut = seg.rfind(['?', ':'])?;
    let (q, rest) = seg.split_at(cut.saturating_add(1));
    let opts = parse_options(rest.trim())?;
    (label_like(q.trim()) && !q.trim().is_empty()).then_some((q.trim(), opts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::TextLine;

    fn doc(lines: &[&str]) -> SourceDoc {
        SourceDoc {
            lines: (0u16..)
                .zip(lines)
                .map(|(i, t)| TextLine {
                    page: 1,
                    x: 0.0,
                    y: f32::from(i) * 14.0,
                    text: (*t).to_string(),
                })
                .collect(),
            ..SourceDoc::default()
        }
    }

    #[test]
    fn a_line_is_cut_at_its_writing_lines() {
        let sk = skeleton("Surname of child ............ Boy/Girl ..........");
        assert_eq!(sk.segments, ["Surname of child", "Boy/Girl"]);
        assert_eq!(sk.slot, [true, true]);
        let sk = skeleton("Name:\tRelationship to child");
        assert_eq!(sk.segments, ["Name:", "Relationship to child"]);
        assert_eq!(sk.slot, [true, false]);
        assert!(skeleton("................").segments.is_empty());
    }

    #[test]
    fn answers_on_dotted_lines_are_placed_and_never_quoted() {
        let blank = doc(&[
            "SECTION 1 Child Details",
            "Surname of child ............ Boy/Girl ..........",
            "Address where child lives ..........................",
            "........................................................",
            "Post Code ..............",
            "Looked after? Yes/No [please delete]",
            "Reason for request",
            "Signed ............",
        ]);
        let one = doc(&[
            "SECTION 1 Child Details",
            "Surname of child ....Okafor......... Boy/Girl ....Girl.......",
            "Address where child lives ....14 Quay Street...........",
            "Fernley .................................",
            "Post Code ....ZF1 2AB.....",
            "Looked after? No",
            "Reason for request",
            "Finds reading hard.",
            "Needs help at break.",
            "Signed ............",
        ]);
        let two = doc(&[
            "SECTION 1 Child Details",
            "Surname of child Da Silva Boy/Girl Boy",
            "Address where child lives 2 Mill Lane",
            "........................................................",
            "Post Code ZF3 9QQ",
            "Looked after? Yes/No [please delete]",
            "Reason for request",
            "Speech delay.",
            "Signed ............",
        ]);
        let found = line_candidates(&[&blank, &one, &two]);
        let labels: Vec<&str> = found.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Surname of child",
                "Boy/Girl",
                "Address where child lives",
                "Post Code",
                "Looked after?",
                "Reason for request",
                "Signed"
            ]
        );
        let texts =
            |c: &Candidate| -> Vec<String> { c.values.iter().map(|v| v.to_text()).collect() };
        assert_eq!(texts(&found[0]), ["", "Okafor", "Da Silva"]);
        assert_eq!(
            found[0].at,
            Where::Text {
                text: "Surname of child".into(),
                below: false,
                stop: Some("Boy/Girl".into()),
                mid_line: false,
                stop_mid_line: true,
            }
        );
        assert_eq!(texts(&found[1]), ["", "Girl", "Boy"]);
        assert!(found[1].options_typed);
        assert_eq!(
            texts(&found[2]),
            ["", "14 Quay Street\nFernley", "2 Mill Lane"]
        );
        assert!(
            matches!(&found[2].at, Where::Text { stop: Some(s), stop_mid_line: false, .. } if s == "Post Code")
        );
        assert_eq!(found[4].options, ["Yes", "No"]);
        assert!(
            matches!(&found[5].at, Where::Text { below: true, stop: Some(s), .. } if s == "Signed")
        );
        assert_eq!(
            texts(&found[5]),
            [
                "",
                "Finds reading hard.\nNeeds help at break.",
                "Speech delay."
            ]
        );
        assert_eq!(found[0].section.as_deref(), Some("SECTION 1 Child Details"));
    }
}
