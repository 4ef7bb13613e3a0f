//! A choice among printed options: the question prints "Male / Female" (or "Y / N", "Section 20 / Section 31 /
//! Other") and the person answers by how they mark the text, not by writing a value. This module decides which
//! option a text picks, from the text and the marks the reader saw on its runs (see [`crate::read::Marks`]):
//!
//! 1. an option that is **highlighted**, or has a **tick or X** beside it (`☒ Male`, `Male X`, `[x] Male`), or is
//!    **bold or underlined while the other options are not**, is marked;
//! 2. with nothing marked so, the option **left** when the others are **deleted** (absent) or **struck
//!    through** is the answer;
//! 3. two options marked (or two left) is a problem, none marked is an empty answer; both name the options (the
//!    mapping's own words), never the document's text.
//!
//! Options are found as whole words, case-insensitively, first occurrence each (a longer option claims its text
//! before a shorter one inside it); "N/A" is never read as the option "N" unless "N/A" is itself an option.
//! A text that holds none of the options is handed on unchanged (the transforms judge it, e.g. a typed "F").

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::read::Marks;

/// A letter or number, as `(?i)[\p{L}\p{N}]` sees one: what may not stand right before or after a whole word.
/// Compiled once per process: a Unicode class costs some 9 M instructions to compile, and it used to be compiled
/// into every option's regex (the most of loading the mappings).
static WORD_CHAR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?i)^[\p{L}\p{N}]").ok());

/// A phrase found as a whole word, case-insensitively: the matches of
/// `(?i)(?:^|[^\p{L}\p{N}])(PHRASE)(?:$|[^\p{L}\p{N}])`, as `captures_iter` gives group 1 (each match
/// consumes the character after the phrase, so two occurrences one character apart count once), found with a
/// case-insensitive literal and the boundaries checked beside it.
#[derive(Debug, Clone)]
struct WholeWord {
    /// `(?i)PHRASE`.
    phrase: Regex,
    /// The whole-word regex itself, for an empty phrase (where the literal search would not advance).
    whole: Option<Regex>,
}

impl WholeWord {
    fn new(phrase: &str) -> Result<WholeWord, regex::Error> {
        let escaped = regex::escape(phrase);
        let whole = if phrase.is_empty() || WORD_CHAR.is_none() {
            Some(Regex::new(&format!(
                r"(?i)(?:^|[^\p{{L}}\p{{N}}])({escaped})(?:$|[^\p{{L}}\p{{N}}])"
            ))?)
        } else {
            None
        };
        Ok(WholeWord {
            phrase: Regex::new(&format!("(?i){escaped}"))?,
            whole,
        })
    }

    /// The byte ranges of the phrase's whole-word occurrences, in order.
    fn ranges(&self, text: &str) -> Vec<Range<usize>> {
        if let Some(whole) = &self.whole {
            return whole
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                .map(|m| m.range())
                .collect();
        }
        let is_word = |c: char| {
            let mut buf = [0u8; 4];
            WORD_CHAR
                .as_ref()
                .is_some_and(|re| re.is_match(c.encode_utf8(&mut buf)))
        };
        let mut found = Vec::new();
        // `done`: where the whole regex would search next (past the character a match consumed after it).
        let mut done = 0;
        let mut from = 0;
        while let Some(m) = text
            .get(from..)
            .and_then(|_| self.phrase.find_at(text, from))
        {
            let before = text.get(..m.start()).and_then(|t| t.chars().next_back());
            let starts = match before {
                None => true,
                Some(c) => m.start() - c.len_utf8() >= done && !is_word(c),
            };
            let after = text.get(m.end()..).and_then(|t| t.chars().next());
            let end = match after {
                None => Some(m.end()),
                Some(c) if !is_word(c) => Some(m.end() + c.len_utf8()),
                Some(_) => None,
            };
            match end {
                Some(end) if starts => {
                    found.push(m.range());
                    done = end;
                    from = end;
                }
                _ => {
                    let step = text
                        .get(m.start()..)
                        .and_then(|t| t.chars().next())
                        .map_or(1, char::len_utf8);
                    from = m.start() + step;
                }
            }
        }
        found
    }
}

/// One printed option and the value it stands for.
#[derive(Debug, Clone)]
pub struct ChoiceOption {
    /// The option as printed (and as the mapping wrote it).
    pub printed: String,
    /// The value it means.
    pub value: String,
    /// The option as a whole word, case-insensitive.
    word: WholeWord,
}

/// A compiled `choice`.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The options, in the mapping's order.
    pub options: Vec<ChoiceOption>,
    /// Longest option first: the order in which options claim their text.
    claim_order: Vec<usize>,
    /// "N/A" (when it is not itself an option): never an option's occurrence.
    not_applicable: Option<WholeWord>,
}

/// How the picked option was marked, for provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Highlighted or shaded.
    Highlighted,
    /// A tick, cross or X beside it, or a ticked check box.
    Ticked,
    /// Bold where the others are not.
    Bold,
    /// Underlined where the others are not.
    Underlined,
    /// The other options deleted.
    OthersDeleted,
    /// The other options struck through.
    OthersStruck,
}

impl How {
    /// The words provenance uses.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Highlighted => "highlighted",
            How::Ticked => "ticked",
            How::Bold => "bold",
            How::Underlined => "underlined",
            How::OthersDeleted => "others deleted",
            How::OthersStruck => "others struck through",
        }
    }
}

/// What a text picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    /// One option (index into [`Choice::options`]), and how it was marked.
    One(usize, How),
    /// The options are all there and none is marked: an empty answer, with the reason.
    NoneMarked(String),
    /// More than one option is picked: a problem, with the reason.
    Several(String),
    /// The text holds none of the options: it is handed on as it is.
    Other,
}

impl Choice {
    /// Compiles options (printed, value); `Err` names an option that cannot be compiled (none can, as options are
    /// escaped, but a regex size limit could be hit by a very long one).
    pub fn new(options: Vec<(String, String)>) -> Result<Choice, regex::Error> {
        let options = options
            .into_iter()
            .map(|(printed, value)| {
                let word = WholeWord::new(printed.trim())?;
                Ok(ChoiceOption {
                    printed,
                    value,
                    word,
                })
            })
            .collect::<Result<Vec<_>, regex::Error>>()?;
        let mut claim_order: Vec<usize> = (0..options.len()).collect();
        claim_order.sort_by_key(|&i| {
            std::cmp::Reverse(options.get(i).map_or(0, |o| o.printed.trim().len()))
        });
        let not_applicable = if options
            .iter()
            .any(|o| o.printed.trim().eq_ignore_ascii_case("n/a"))
        {
            None
        } else {
            Some(WholeWord::new("n/a")?)
        };
        Ok(Choice {
            options,
            claim_order,
            not_applicable,
        })
    }

    /// The options' printed words, quoted, for reasons: `'Male', 'Female'`.
    fn names(&self, which: impl Iterator<Item = usize>) -> String {
        which
            .filter_map(|i| self.options.get(i))
            .map(|o| format!("'{}'", o.printed.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Which option `text` picks, given the marked runs of `text` (byte ranges into it).
    pub fn pick(&self, text: &str, marks: &[(Range<usize>, Marks)]) -> Picked {
        let mut claimed: Vec<Range<usize>> = self
            .not_applicable
            .iter()
            .flat_map(|w| w.ranges(text))
            .collect();
        let mut found: Vec<Option<Range<usize>>> = vec![None; self.options.len()];
        for &i in &self.claim_order {
            let Some(option) = self.options.get(i) else {
                continue;
            };
            let hit = option
                .word
                .ranges(text)
                .into_iter()
                .find(|r| !claimed.iter().any(|c| c.start < r.end && r.start < c.end));
            if let Some(r) = hit {
                claimed.push(r.clone());
                if let Some(slot) = found.get_mut(i) {
                    *slot = Some(r);
                }
            }
        }
        let present: Vec<(usize, Range<usize>)> = found
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.clone()?)))
            .collect();
        if present.is_empty() {
            return Picked::Other;
        }
        let covered = |r: &Range<usize>, mark: Marks| {
            let bytes: usize = marks
                .iter()
                .filter(|(_, m)| m.has(mark))
                .map(|(s, _)| s.end.min(r.end).saturating_sub(s.start.max(r.start)))
                .sum();
            bytes * 2 >= r.len() && !r.is_empty()
        };
        let boxes_first = starts_with_box(text);
        let struck: Vec<usize> = present
            .iter()
            .filter(|(_, r)| covered(r, Marks::STRIKE))
            .map(|(i, _)| *i)
            .collect();
        let (ticks, unclear) = ticked(text, &present, boxes_first);
        if let Some((a, b)) = unclear.first() {
            return Picked::Several(format!(
                "a tick stands between options {} as near to one as to the other",
                self.names([*a, *b].into_iter())
            ));
        }
        let mut marked: Vec<(usize, How)> = Vec::new();
        for (i, r) in &present {
            if struck.contains(i) {
                continue;
            }
            if covered(r, Marks::HIGHLIGHT) {
                marked.push((*i, How::Highlighted));
            } else if ticks.contains(i) {
                marked.push((*i, How::Ticked));
            }
        }
        if marked.is_empty() {
            for (mark, how) in [
                (Marks::BOLD, How::Bold),
                (Marks::UNDERLINE, How::Underlined),
            ] {
                let with: Vec<usize> = present
                    .iter()
                    .filter(|(i, r)| !struck.contains(i) && covered(r, mark))
                    .map(|(i, _)| *i)
                    .collect();
                // The text around the options ("/", "(please circle)") tells a mark from the form's own style:
                // emphasis that covers it too is how the options are printed.
                let emphasis_marks = match background(text, &present, marks, mark) {
                    Some(printed) => !printed,
                    None => with.len() < present.len(),
                };
                if !with.is_empty() && emphasis_marks {
                    marked.extend(with.into_iter().map(|i| (i, how)));
                    break;
                }
            }
        }
        match marked.as_slice() {
            [(i, how)] => return Picked::One(*i, *how),
            [_, _, ..] => {
                return Picked::Several(format!(
                    "options {} are all marked where one was expected",
                    self.names(marked.iter().map(|(i, _)| *i))
                ));
            }
            [] => {}
        }
        let left: Vec<usize> = present
            .iter()
            .map(|(i, _)| *i)
            .filter(|i| !struck.contains(i))
            .collect();
        let all = self.options.len();
        match left.as_slice() {
            [] => Picked::Several(format!(
                "every option ({}) is struck through",
                self.names(struck.iter().copied())
            )),
            [i] if all > 1 => Picked::One(
                *i,
                if struck.is_empty() {
                    How::OthersDeleted
                } else {
                    How::OthersStruck
                },
            ),
            _ if left.len() == all => Picked::NoneMarked(format!(
                "none of the options ({}) is marked, deleted or struck through",
                self.names(0..all)
            )),
            _ => Picked::Several(format!(
                "options {} are all left where the others were deleted or struck through",
                self.names(left.iter().copied())
            )),
        }
    }
}

/// Whether the text outside the options (separators and notes, white space aside) carries `mark`: `None` when
/// there is no such text.
fn background(
    text: &str,
    present: &[(usize, Range<usize>)],
    marks: &[(Range<usize>, Marks)],
    mark: Marks,
) -> Option<bool> {
    let outside: Vec<usize> = text
        .char_indices()
        .filter(|(i, c)| !c.is_whitespace() && !present.iter().any(|(_, r)| r.contains(i)))
        .map(|(i, _)| i)
        .collect();
    if outside.is_empty() {
        return None;
    }
    Some(
        outside
            .iter()
            .any(|i| marks.iter().any(|(r, m)| m.has(mark) && r.contains(i))),
    )
}

/// Glyphs that mark an option; `☐` and `□` are unmarked boxes.
const TICKS: [&str; 11] = ["☒", "☑", "✓", "✔", "√", "✗", "✘", "■", "⊠", "✅", "x"];

/// True when the text's first token is a box or a tick (`☐ Male ☒ Female`, `X Male`): its boxes stand before
/// their options; otherwise after them (`Male ☒ / Female ☐`).
fn starts_with_box(text: &str) -> bool {
    let text = text.trim_start();
    let Some(c) = text.chars().next() else {
        return false;
    };
    matches!(c, '[' | '(' | '☐' | '□')
        || (!c.is_alphanumeric() && is_tick(&c.to_string()))
        || text
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("x"))
}

fn is_tick(token: &str) -> bool {
    TICKS.iter().any(|t| token.eq_ignore_ascii_case(t))
}

/// The options ticks or Xs mark, and the pairs of options a tick stands between unclearly. Each tick token goes
/// to the option it stands next to with only white space between (`☒ Male`, `Male ✓`, `Yes / X No`). One between
/// two options goes to the one after it when the text's boxes come first (`☐ Male ☒ Female`), else to the nearer
/// one (`Male X   Female`); at equal distance (`Male X Female`) it is unclear, never guessed. A glyph glued to an
/// option's letters (`☒Male`) marks that option.
fn ticked(
    text: &str,
    present: &[(usize, Range<usize>)],
    boxes_first: bool,
) -> (Vec<usize>, Vec<(usize, usize)>) {
    let bracket = |c: char| matches!(c, '[' | ']' | '(' | ')');
    let mut out = Vec::new();
    let mut unclear = Vec::new();
    let mut at = 0;
    for token in text.split_whitespace() {
        let Some(start) = text.get(at..).and_then(|t| t.find(token)).map(|i| i + at) else {
            continue;
        };
        let end = start + token.len();
        at = end;
        let bare = token.trim_matches(bracket);
        let glued =
            |c: Option<char>| c.is_some_and(|c| !c.is_alphanumeric() && is_tick(&c.to_string()));
        if !is_tick(bare) {
            // `☒Male` / `Male✓`: the glyph is part of an option's token.
            let inside = present
                .iter()
                .filter(|(_, r)| r.start < end && start < r.end);
            if glued(bare.chars().next()) {
                out.extend(inside.clone().min_by_key(|(_, r)| r.start).map(|(i, _)| *i));
            }
            if glued(bare.chars().next_back()) {
                out.extend(inside.max_by_key(|(_, r)| r.end).map(|(i, _)| *i));
            }
            continue;
        }
        let gap = |a: usize, b: usize| text.get(a..b).is_some_and(|g| g.trim().is_empty());
        let before = present
            .iter()
            .find(|(_, r)| r.end <= start && gap(r.end, start));
        let after = present
            .iter()
            .find(|(_, r)| r.start >= end && gap(end, r.start));
        let owner = match (before, after) {
            (Some(_), Some(a)) if boxes_first => Some(a),
            (Some(b), Some(a)) => {
                let (left, right) = (start - b.1.end, a.1.start - end);
                match left.cmp(&right) {
                    std::cmp::Ordering::Less => Some(b),
                    std::cmp::Ordering::Greater => Some(a),
                    std::cmp::Ordering::Equal => {
                        unclear.push((b.0, a.0));
                        None
                    }
                }
            }
            (b, a) => b.or(a),
        };
        out.extend(owner.map(|(i, _)| *i));
    }
    (out, unclear)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_are_found_as_the_whole_word_regex_finds_them() {
        let phrases = [
            "Yes",
            "No",
            "N",
            "n/a",
            "Male",
            "ß",
            "K",
            "Section 20",
            "a.b",
            "Y",
            "É",
        ];
        let texts = [
            "",
            "Yes",
            "yes / no",
            "No No",
            "NoNo No",
            "No  No",
            " No",
            "No ",
            "N/A",
            "n/a N",
            "Y/N",
            "Y N",
            "Yes,No;yes",
            "☒Male ☐ Female",
            "MALE female male",
            "Straße ß SS",
            "K \u{212A} k",
            "Section 20 / Section 31",
            "a.b a.bc xa.b a.b",
            "\u{0345}No\u{0345} No",
            "éÉ É é",
            "1No No1 No",
            "YY Y YY Y",
        ];
        for phrase in phrases {
            let words = WholeWord::new(phrase).unwrap();
            let whole = Regex::new(&format!(
                r"(?i)(?:^|[^\p{{L}}\p{{N}}])({})(?:$|[^\p{{L}}\p{{N}}])",
                regex::escape(phrase)
            ))
            .unwrap();
            for text in texts {
                let want: Vec<Range<usize>> = whole
                    .captures_iter(text)
                    .filter_map(|c| c.get(1))
                    .map(|m| m.range())
                    .collect();
                assert_eq!(words.ranges(text), want, "{phrase:?} in {text:?}");
            }
        }
    }

    fn choice(options: &[&str]) -> Choice {
        Choice::new(
            options
                .iter()
                .map(|o| (o.to_string(), o.to_lowercase()))
                .collect(),
        )
        .unwrap()
    }

    /// The option picked from `text` with `marked` (substring, marks) runs, as its printed word or a kind.
    fn pick(c: &Choice, text: &str, marked: &[(&str, Marks)]) -> String {
        let spans: Vec<(Range<usize>, Marks)> = marked
            .iter()
            .map(|(s, m)| {
                let at = text.find(s).unwrap();
                (at..at + s.len(), *m)
            })
            .collect();
        match c.pick(text, &spans) {
            Picked::One(i, how) => format!("{} ({})", c.options[i].printed, how.as_str()),
            Picked::NoneMarked(_) => "none".into(),
            Picked::Several(_) => "several".into(),
            Picked::Other => "other".into(),
        }
    }

    #[test]
    fn every_way_of_marking_an_option() {
        let sex = choice(&["Male", "Female"]);
        let h = Marks::HIGHLIGHT;
        assert_eq!(
            pick(&sex, "Male / Female", &[("Female", h)]),
            "Female (highlighted)"
        );
        assert_eq!(
            pick(&sex, "Male / Female", &[("Male", Marks::BOLD)]),
            "Male (bold)"
        );
        assert_eq!(
            pick(&sex, "Male / Female", &[("Female", Marks::UNDERLINE)]),
            "Female (underlined)"
        );
        assert_eq!(pick(&sex, "Male /", &[]), "Male (others deleted)");
        assert_eq!(pick(&sex, "Female", &[]), "Female (others deleted)");
        assert_eq!(
            pick(&sex, "Male / Female", &[("Male", Marks::STRIKE)]),
            "Female (others struck through)"
        );
        assert_eq!(pick(&sex, "☐ Male ☒ Female", &[]), "Female (ticked)");
        assert_eq!(pick(&sex, "☒Male ☐Female", &[]), "Male (ticked)");
        assert_eq!(pick(&sex, "Male X  Female", &[]), "Male (ticked)");
        assert_eq!(pick(&sex, "Male  X Female", &[]), "Female (ticked)");
        assert_eq!(
            pick(&sex, "Male X Female", &[]),
            "several",
            "as near one as the other"
        );
        assert_eq!(pick(&sex, "Male  Female ✓", &[]), "Female (ticked)");
        assert_eq!(pick(&sex, "[ ] Male [x] Female", &[]), "Female (ticked)");
        assert_eq!(pick(&sex, "X Male   Female", &[]), "Male (ticked)");
        assert_eq!(pick(&sex, "Male / X Female", &[]), "Female (ticked)");
        assert_eq!(pick(&sex, "Male ✓ / Female", &[]), "Male (ticked)");
        assert_eq!(pick(&sex, "Male/Female✓", &[]), "Female (ticked)");
        let mf = choice(&["M", "F"]);
        assert_eq!(
            pick(&mf, "M √ / F", &[]),
            "M (ticked)",
            "a square-root sign typed as a tick"
        );
    }

    #[test]
    fn bold_everywhere_says_nothing_and_two_marks_are_a_problem() {
        let sex = choice(&["Male", "Female"]);
        let b = Marks::BOLD;
        assert_eq!(pick(&sex, "Male / Female", &[("Male / Female", b)]), "none");
        assert_eq!(pick(&sex, "Male / Female", &[]), "none");
        assert_eq!(
            pick(
                &sex,
                "Male / Female",
                &[("Male", Marks::HIGHLIGHT), ("Female", Marks::HIGHLIGHT)]
            ),
            "several"
        );
        assert_eq!(pick(&sex, "☒ Male ☒ Female", &[]), "several");
        // Both options bold, the separator plain: both are marked.
        assert_eq!(
            pick(&sex, "Male / Female", &[("Male", b), ("Female", b)]),
            "several"
        );
        assert_eq!(
            pick(&sex, "Male / Female", &[("Male / Female", Marks::STRIKE)]),
            "several"
        );
        // A struck option is not picked by its highlight.
        assert_eq!(
            pick(
                &sex,
                "Male / Female",
                &[
                    ("Male", Marks::STRIKE.with(Marks::HIGHLIGHT)),
                    ("Female", Marks::HIGHLIGHT)
                ]
            ),
            "Female (highlighted)"
        );
        let reason = match sex.pick("Male / Female", &[]) {
            Picked::NoneMarked(r) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason,
            "none of the options ('Male', 'Female') is marked, deleted or struck through"
        );
    }

    #[test]
    fn short_options_are_whole_words_and_n_a_is_not_n() {
        let yn = choice(&["Y", "N"]);
        assert_eq!(
            pick(&yn, "Y / N", &[("N", Marks::HIGHLIGHT)]),
            "N (highlighted)"
        );
        assert_eq!(pick(&yn, "Y/", &[]), "Y (others deleted)");
        assert_eq!(pick(&yn, "N/A", &[]), "other");
        assert_eq!(pick(&yn, "Yes", &[]), "other");
        let three = choice(&["Section 20", "Section 31", "Other"]);
        assert_eq!(
            pick(
                &three,
                "Section 20 / Section 31 / Other",
                &[("Section 31", Marks::HIGHLIGHT)]
            ),
            "Section 31 (highlighted)"
        );
        assert_eq!(pick(&three, "Section 20 / Other", &[]), "several");
        let nested = choice(&["Other", "Other relative"]);
        assert_eq!(
            pick(&nested, "Other relative", &[]),
            "Other relative (others deleted)"
        );
    }
}
