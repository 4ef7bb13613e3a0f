//! Transforms: from a raw document value to a harmonised, typed [`Value`].
//!
//! Order: typed shortcut (a spreadsheet date into a date field) or text -> trim -> line -> collapse -> replace ->
//! regex capture -> split -> map -> case -> default -> conversion to the field's type -> validator. A failure is an invalid value with a
//! reason, never an error of the run. Reasons name the rule broken, never the value (it is personal data).

use jiff::civil;
use regex::Regex;

use crate::read::RawValue;
use crate::record::Value;
use crate::template::FieldType;
use crate::validate;

/// Words read as yes or no by `bool` fields, before a mapping's own words. Compared case-insensitively.
pub const YES_WORDS: &[&str] = &[
    "yes", "y", "true", "x", "✓", "✔", "√", "☑", "☒", "ticked", "agreed", "agree", "1",
];
/// See [`YES_WORDS`].
pub const NO_WORDS: &[&str] = &[
    "no",
    "n",
    "false",
    "☐",
    "not agreed",
    "disagree",
    "0",
    "none",
];

/// Date formats tried when a mapping gives none (ISO 8601 is always tried). A day written as an ordinal
/// (`3rd`, `22nd`) is read as its number, so `%d %B %Y` also reads `3rd April 2015` (see [`without_ordinals`]).
pub const DEFAULT_DATE_FORMATS: &[&str] = &[
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
];

/// Letter case applied to text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// UPPER.
    Upper,
    /// lower.
    Lower,
    /// Title Case.
    Title,
}

/// `split`: a separator and the 1-based part kept (`None`: every part is a group item).
#[derive(Debug, Clone)]
pub struct Split {
    /// Separator.
    pub sep: String,
    /// 1-based part.
    pub part: Option<usize>,
}

/// `replace`: every match of a regex replaced (`$1`, `${name}` in `with` name capture groups).
#[derive(Debug, Clone)]
pub struct Replace {
    /// The pattern.
    pub pattern: Regex,
    /// The replacement.
    pub with: String,
}

/// The compiled transforms of one rule.
#[derive(Debug, Clone, Default)]
pub struct Transforms {
    /// Trim white space (default on).
    pub trim: bool,
    /// Keep the n-th (1-based) non-blank line of the answer.
    pub line: Option<usize>,
    /// Turn every run of white space (line breaks included) into one space.
    pub collapse: bool,
    /// Regex replacement, applied to every match.
    pub replace: Option<Replace>,
    /// Capture regex.
    pub regex: Option<Regex>,
    /// Split.
    pub split: Option<Split>,
    /// Value map, keys lower-cased.
    pub map: Vec<(String, String)>,
    /// Case.
    pub case: Option<Case>,
    /// Date formats; empty means [`DEFAULT_DATE_FORMATS`].
    pub date_formats: Vec<String>,
    /// Extra yes words, lower-cased.
    pub yes: Vec<String>,
    /// Extra no words, lower-cased.
    pub no: Vec<String>,
    /// Default for empty answers.
    pub default: Option<String>,
}

/// The result of transforming one raw value.
pub type Converted = Result<Option<Value>, Rejected>;

/// An answer that could not become a valid value: the answer as given (kept in the record) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The answer, as text, after the text transforms.
    pub given: String,
    /// The rule broken.
    pub reason: String,
}

impl Transforms {
    /// True when the text is changed before conversion (so typed spreadsheet values must go through text).
    pub fn rewrites_text(&self) -> bool {
        self.regex.is_some()
            || self.split.is_some()
            || !self.map.is_empty()
            || self.replace.is_some()
    }

    /// Splits a raw value into a group's items when `split` has no `part`; otherwise one item.
    pub fn items(&self, raw: &RawValue) -> Vec<RawValue> {
        match (&self.split, raw) {
            (Some(Split { sep, part: None }), RawValue::Text(t)) => t
                .split(sep.as_str())
                .map(|p| RawValue::Text(p.to_string()))
                .filter(|v| !v.is_empty())
                .collect(),
            _ => vec![raw.clone()],
        }
    }

    /// The text stage; `Ok(None)` is an empty answer.
    pub fn text(&self, raw: &RawValue) -> Result<Option<String>, Rejected> {
        let mut text = raw.to_text();
        if self.trim {
            text = text.trim().to_string();
        }
        if let Some(n) = self.line {
            text = nth_line(&text, n).to_string();
            if self.trim {
                text = text.trim().to_string();
            }
        }
        if self.collapse {
            text = collapse(&text);
        }
        if let Some(Replace { pattern, with }) = &self.replace {
            text = pattern.replace_all(&text, with.as_str()).into_owned();
            if self.trim {
                text = text.trim().to_string();
            }
        }
        if let Some(re) = &self.regex {
            if text.is_empty() {
                return Ok(self.default.clone());
            }
            match re.captures(&text) {
                Some(c) => {
                    text = c
                        .get(1)
                        .or_else(|| c.get(0))
                        .map_or(String::new(), |m| m.as_str().trim().to_string())
                }
                None => {
                    return Err(Rejected {
                        given: text,
                        reason: "does not match the mapping's regex".into(),
                    });
                }
            }
        }
        if let Some(Split { sep, part: Some(n) }) = &self.split {
            text = text
                .split(sep.as_str())
                .nth(n.saturating_sub(1))
                .map_or(String::new(), |p| p.trim().to_string());
        }
        if let Some((_, to)) = self
            .map
            .iter()
            .find(|(from, _)| *from == text.to_lowercase())
        {
            text = to.clone();
        }
        text = match self.case {
            Some(Case::Upper) => text.to_uppercase(),
            Some(Case::Lower) => text.to_lowercase(),
            Some(Case::Title) => title_case(&text),
            None => text,
        };
        if text.trim().is_empty() || not_applicable(&text) {
            return Ok(self.default.clone());
        }
        Ok(Some(text))
    }

    /// Converts one raw value to a field's type: `Ok(None)` empty, `Err` invalid.
    pub fn convert(&self, raw: &RawValue, ty: &FieldType) -> Converted {
        if !self.rewrites_text() {
            match (raw, ty) {
                (RawValue::Date(d), FieldType::Date) => return Ok(Some(Value::date(*d))),
                (RawValue::DateTime(dt), FieldType::Date) => {
                    return Ok(Some(Value::date(dt.date())));
                }
                (RawValue::Number(n), FieldType::Date) => {
                    return excel_serial(*n)
                        .map(|d| Some(Value::date(d)))
                        .ok_or_else(|| Rejected {
                            given: raw.to_text(),
                            reason: "a number that is not a spreadsheet date".into(),
                        });
                }
                (RawValue::Bool(b), FieldType::Bool) => return Ok(Some(Value::Bool(*b))),
                (RawValue::Number(n), FieldType::Number | FieldType::Money) => {
                    return Ok(Some(Value::Number(round_money(*n, ty))));
                }
                (RawValue::Error(e), _) => {
                    return Err(Rejected {
                        given: e.clone(),
                        reason: format!("spreadsheet error {e}"),
                    });
                }
                _ => {}
            }
        }
        let Some(text) = self.text(raw)? else {
            return Ok(None);
        };
        self.typed(&text, ty).map(Some).map_err(|reason| Rejected {
            given: text,
            reason,
        })
    }

    fn typed(&self, text: &str, ty: &FieldType) -> Result<Value, String> {
        match ty {
            FieldType::Text => Ok(Value::Text(text.to_string())),
            FieldType::Date => self.date(text).map(Value::date),
            FieldType::Bool => self.boolean(text).map(Value::Bool),
            FieldType::Number => number(text).map(Value::Number),
            FieldType::Money => money(text).map(Value::Number),
            FieldType::Enum(allowed) => enum_value(text, allowed).map(Value::Text),
            FieldType::Id(name) => match validate::by_name(name) {
                Some(check) => check(text).map(Value::Text).map_err(|e| e.0),
                None => Err(format!("unknown validator `{name}`")),
            },
        }
    }

    fn date(&self, text: &str) -> Result<civil::Date, String> {
        if let Ok(d) = text.parse::<civil::Date>() {
            return Ok(d);
        }
        if let Ok(dt) = text.parse::<civil::DateTime>() {
            return Ok(dt.date());
        }
        let custom = self.date_formats.iter().map(String::as_str);
        let formats: Vec<&str> = if self.date_formats.is_empty() {
            DEFAULT_DATE_FORMATS.to_vec()
        } else {
            custom.collect()
        };
        for f in &formats {
            match civil::Date::strptime(f, text) {
                Ok(d) => return Ok(d),
                // A well-formed but impossible date (31/02/2015) says so, rather than "no format matched".
                Err(e)
                    if e.to_string().contains("day")
                        && text.chars().filter(char::is_ascii_digit).count() >= 6 =>
                {
                    if looks_numeric_date(text) {
                        return Err("not a real calendar date".into());
                    }
                }
                Err(_) => {}
            }
        }
        // An ordinal day (`3rd April 2015`, `April 3rd, 2015`): the same formats, with the day as a number.
        if let Some(plain) = without_ordinals(text) {
            for f in &formats {
                if let Ok(d) = civil::Date::strptime(f, &plain) {
                    return Ok(d);
                }
            }
        }
        if text.trim().chars().all(|c| c.is_ascii_digit() || c == '.')
            && let Some(d) = text.trim().parse::<f64>().ok().and_then(excel_serial)
        {
            return Ok(d);
        }
        Err(format!(
            "not a date in the expected formats ({})",
            formats.join(", ")
        ))
    }

    fn boolean(&self, text: &str) -> Result<bool, String> {
        let t = text.trim().to_lowercase();
        if self.yes.contains(&t) || YES_WORDS.contains(&t.as_str()) {
            Ok(true)
        } else if self.no.contains(&t) || NO_WORDS.contains(&t.as_str()) {
            Ok(false)
        } else {
            Err("not a yes/no answer".into())
        }
    }
}

/// The `n`-th (1-based) line of `text` that is not blank, or "" when it has fewer. Lines end at `\n`, `\r`
/// (so `\r\n` too) and the Unicode line and paragraph separators.
fn nth_line(text: &str, n: usize) -> &str {
    text.split(['\n', '\r', '\u{2028}', '\u{2029}'])
        .filter(|l| !l.trim().is_empty())
        .nth(n.saturating_sub(1))
        .unwrap_or("")
}

/// Every run of white space (spaces, tabs, line breaks, non-breaking spaces) as one space.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// `text` with each ordinal day (`1st`, `22nd`, `3rd`, `14th`, any case) written as its number: one or two digits
/// not preceded by a digit, then `st`, `nd`, `rd` or `th` not followed by a letter. None when there is none.
pub fn without_ordinals(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        out.push(c);
        i += 1;
        let starts_number = c.is_ascii_digit()
            && !i
                .checked_sub(2)
                .and_then(|p| chars.get(p))
                .is_some_and(char::is_ascii_digit);
        if !starts_number {
            continue;
        }
        if let Some(&d) = chars.get(i).filter(|d| d.is_ascii_digit()) {
            out.push(d);
            i += 1;
        }
        let suffix: String = chars
            .get(i..i + 2)
            .map(|s| s.iter().collect::<String>().to_ascii_lowercase())
            .unwrap_or_default();
        let ends = !chars.get(i + 2).is_some_and(|c| c.is_alphanumeric());
        if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") && ends {
            i += 2;
            changed = true;
        }
    }
    changed.then_some(out)
}

fn looks_numeric_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Excel's 1900 date system: serial 1 is 1900-01-01, and serial 60 is Lotus's phantom 29 February 1900.
pub fn excel_serial(n: f64) -> Option<civil::Date> {
    if n.fract() != 0.0 || !(61.0..=2_958_465.0).contains(&n) {
        return None;
    }
    let epoch = civil::date(1899, 12, 30);
    epoch.checked_add(jiff::Span::new().days(n as i64)).ok()
}

fn round_money(n: f64, ty: &FieldType) -> f64 {
    if *ty == FieldType::Money {
        (n * 100.0).round() / 100.0
    } else {
        n
    }
}

fn number(text: &str) -> Result<f64, String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '%' | ' '))
        .collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| "not a number".to_string())
}

fn money(text: &str) -> Result<f64, String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '£' | ',' | ' '))
        .collect::<String>()
        .trim_start_matches("GBP")
        .to_string();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(|n| (n * 100.0).round() / 100.0)
        .ok_or_else(|| "not an amount of money".to_string())
}

/// Enum answers match an allowed value ignoring case, spaces, hyphens and underscores.
fn enum_value(text: &str, allowed: &[String]) -> Result<String, String> {
    let key = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let wanted = key(text);
    allowed
        .iter()
        .find(|a| key(a) == wanted)
        .cloned()
        .ok_or_else(|| format!("not one of the allowed values ({})", allowed.join(", ")))
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "N/A" and its spellings: the person says the question does not apply, which is an empty answer (a `map`
/// that gives it a meaning runs first).
pub(crate) fn not_applicable(text: &str) -> bool {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '/'))
        .flat_map(char::to_lowercase)
        .collect();
    matches!(t.as_str(), "na" | "notapplicable")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Transforms {
        Transforms {
            trim: true,
            ..Transforms::default()
        }
    }

    fn text(s: &str) -> RawValue {
        RawValue::Text(s.into())
    }

    #[test]
    fn n_a_is_an_empty_answer_unless_mapped() {
        for given in ["N/A", "n/a", " N.A. ", "NA", "n / a", "Not applicable"] {
            assert_eq!(t().text(&text(given)).unwrap(), None, "{given}");
        }
        for kept in ["Nan", "None", "National", "A/N"] {
            assert!(t().text(&text(kept)).unwrap().is_some(), "{kept}");
        }
        let mapped = Transforms {
            map: vec![("n/a".into(), "none".into())],
            ..t()
        };
        assert_eq!(mapped.text(&text("N/A")).unwrap().as_deref(), Some("none"));
    }

    #[test]
    fn regex_captures_first_group() {
        let tr = Transforms {
            regex: Some(Regex::new(r"^\S+\s+(.+)$").unwrap()),
            ..t()
        };
        assert_eq!(
            tr.text(&text(" Amelia Jane Smith ")).unwrap().as_deref(),
            Some("Jane Smith")
        );
        let err = tr.text(&text("Cher")).unwrap_err();
        assert_eq!(err.given, "Cher");
    }

    #[test]
    fn dates_from_text_serials_and_cells() {
        let tr = t();
        let d = |s| tr.convert(&text(s), &FieldType::Date);
        assert_eq!(
            d("14/03/2015").unwrap(),
            Some(Value::Text("2015-03-14".into()))
        );
        assert_eq!(
            d("2015-03-14").unwrap(),
            Some(Value::Text("2015-03-14".into()))
        );
        assert_eq!(
            d("14 March 2015").unwrap(),
            Some(Value::Text("2015-03-14".into()))
        );
        assert_eq!(d("42077").unwrap(), Some(Value::Text("2015-03-14".into())));
        assert_eq!(
            d("31/02/2015").unwrap_err().reason,
            "not a real calendar date"
        );
        assert!(d("soon").unwrap_err().reason.starts_with("not a date"));
        assert_eq!(d("  ").unwrap(), None);
        let cell = tr
            .convert(&RawValue::Number(42077.0), &FieldType::Date)
            .unwrap();
        assert_eq!(cell, Some(Value::Text("2015-03-14".into())));
    }

    #[test]
    fn bools_enums_money_and_maps() {
        let tr = Transforms {
            map: vec![("mum".into(), "mother".into())],
            yes: vec!["consented".into()],
            ..t()
        };
        assert_eq!(
            tr.convert(&text("X"), &FieldType::Bool).unwrap(),
            Some(Value::Bool(true))
        );
        assert_eq!(
            tr.convert(&text("Consented"), &FieldType::Bool).unwrap(),
            Some(Value::Bool(true))
        );
        assert!(tr.convert(&text("maybe"), &FieldType::Bool).is_err());
        let e = FieldType::Enum(vec!["young_person".into(), "school".into()]);
        assert_eq!(
            tr.convert(&text("Young Person"), &e).unwrap(),
            Some(Value::Text("young_person".into()))
        );
        assert_eq!(tr.text(&text("Mum")).unwrap().as_deref(), Some("mother"));
        assert_eq!(
            tr.convert(&text("£6,000.456"), &FieldType::Money).unwrap(),
            Some(Value::Number(6000.46))
        );
        assert_eq!(
            tr.convert(&text("92%"), &FieldType::Number).unwrap(),
            Some(Value::Number(92.0))
        );
    }

    #[test]
    fn identifiers_are_validated_and_reasons_omit_values() {
        let tr = t();
        let upn = FieldType::Id("upn".into());
        assert_eq!(
            tr.convert(&text("b801200005001"), &upn).unwrap(),
            Some(Value::Text("B801200005001".into()))
        );
        let bad = tr.convert(&text("A801200005001"), &upn).unwrap_err();
        assert_eq!(bad.given, "A801200005001");
        assert!(!bad.reason.contains("A801200005001"));
    }

    #[test]
    fn split_parts_and_items() {
        let tr = Transforms {
            split: Some(Split {
                sep: ",".into(),
                part: Some(2),
            }),
            ..t()
        };
        assert_eq!(tr.text(&text("a, b ,c")).unwrap().as_deref(), Some("b"));
        let group = Transforms {
            split: Some(Split {
                sep: ";".into(),
                part: None,
            }),
            ..t()
        };
        assert_eq!(group.items(&text("EP; SALT;")).len(), 2);
    }

    #[test]
    fn collapse_turns_white_space_runs_and_line_breaks_into_one_space() {
        let tr = Transforms {
            collapse: true,
            ..t()
        };
        assert_eq!(
            tr.text(&text(" Amelia \n\t Jane\u{a0}\u{a0}Smith\r\n"))
                .unwrap()
                .as_deref(),
            Some("Amelia Jane Smith")
        );
        let kept = Transforms {
            collapse: true,
            trim: false,
            ..Transforms::default()
        };
        assert_eq!(
            kept.text(&text("  a \n b  ")).unwrap().as_deref(),
            Some(" a b ")
        );
        assert_eq!(tr.text(&text(" \n\t ")).unwrap(), None);
    }

    #[test]
    fn line_takes_the_nth_non_blank_line() {
        let answer = text("  Jo Smith \r\n\r\n 12 High Street\nTownley\r");
        let line = |n| {
            Transforms {
                line: Some(n),
                ..t()
            }
            .text(&answer)
            .unwrap()
        };
        assert_eq!(line(1).as_deref(), Some("Jo Smith"));
        assert_eq!(
            line(2).as_deref(),
            Some("12 High Street"),
            "blank lines do not count"
        );
        assert_eq!(line(3).as_deref(), Some("Townley"));
        assert_eq!(line(4), None, "past the last line is an empty answer");
        let single = Transforms {
            line: Some(1),
            ..t()
        };
        assert_eq!(
            single.text(&text("one line")).unwrap().as_deref(),
            Some("one line")
        );
        let defaulted = Transforms {
            line: Some(2),
            default: Some("none given".into()),
            ..t()
        };
        assert_eq!(
            defaulted.text(&text("only a name")).unwrap().as_deref(),
            Some("none given")
        );
    }

    #[test]
    fn replace_rewrites_every_match_with_groups() {
        let tr = |pattern: &str, with: &str| Transforms {
            replace: Some(Replace {
                pattern: Regex::new(pattern).unwrap(),
                with: with.into(),
            }),
            ..t()
        };
        assert_eq!(
            tr(r"\s*\(.*?\)", "")
                .text(&text("Jo Smith (mum) (main carer)"))
                .unwrap()
                .as_deref(),
            Some("Jo Smith")
        );
        assert_eq!(
            tr("[- ]", "")
                .text(&text("07700-900 123"))
                .unwrap()
                .as_deref(),
            Some("07700900123"),
            "all occurrences"
        );
        assert_eq!(
            tr(r"(\d+)/(\d+)", "${2}x$1")
                .text(&text("3/14"))
                .unwrap()
                .as_deref(),
            Some("14x3")
        );
        assert_eq!(
            tr("^Mr ", "").text(&text("Mr  Smith")).unwrap().as_deref(),
            Some("Smith"),
            "the result is trimmed again"
        );
        // A replaced number goes through text: the typed shortcut would skip the transform.
        assert_eq!(
            tr("^4", "5")
                .convert(&RawValue::Number(42.0), &FieldType::Number)
                .unwrap(),
            Some(Value::Number(52.0))
        );
    }

    #[test]
    fn text_transforms_run_in_the_documented_order() {
        // line, then collapse, then replace, then regex, then case.
        let tr = Transforms {
            line: Some(2),
            collapse: true,
            replace: Some(Replace {
                pattern: Regex::new("Street").unwrap(),
                with: "St".into(),
            }),
            regex: Some(Regex::new(r"^(\d+ \w+ St)").unwrap()),
            case: Some(Case::Upper),
            ..t()
        };
        assert_eq!(
            tr.text(&text("Jo Smith\n12   High\tStreet, Townley\nSW1A 1AA"))
                .unwrap()
                .as_deref(),
            Some("12 HIGH ST")
        );
    }

    #[test]
    fn ordinal_days_are_built_in() {
        let tr = t();
        let d = |s| tr.convert(&text(s), &FieldType::Date);
        let iso = |s: &str| Ok(Some(Value::Text(s.into())));
        assert_eq!(d("3rd April 2015"), iso("2015-04-03"));
        assert_eq!(d("1st March 2015"), iso("2015-03-01"));
        assert_eq!(d("22nd Feb 2015"), iso("2015-02-22"));
        assert_eq!(d("11TH June 2015"), iso("2015-06-11"));
        assert_eq!(d("April 3rd, 2015"), iso("2015-04-03"));
        assert_eq!(d("April 3, 2015"), iso("2015-04-03"));
        assert_eq!(d("Apr 21st, 2015"), iso("2015-04-21"));
        assert_eq!(d("3rd Apr 2015"), iso("2015-04-03"));
        assert_eq!(
            d("3/4/2015"),
            iso("2015-04-03"),
            "one-digit days and months"
        );
        assert_eq!(
            d("mar 14, 2015"),
            iso("2015-03-14"),
            "month names in any case"
        );
        assert!(d("31st February 2015").is_err());
        assert!(d("3rdApril 2015").is_err(), "a suffix runs into a word");
        assert_eq!(
            without_ordinals("the 1st, 2nd and 23rd; 4th."),
            Some("the 1, 2 and 23; 4.".into())
        );
        assert_eq!(without_ordinals("2015th 123rd 1stly"), None);
        assert_eq!(without_ordinals("14/03/2015"), None);
    }

    #[test]
    fn a_mappings_own_date_formats_replace_the_built_in_text_formats() {
        let own = Transforms {
            date_formats: vec!["%Y/%m/%d".into(), "%d %B %Y".into()],
            ..t()
        };
        let d = |s| own.convert(&text(s), &FieldType::Date);
        assert_eq!(d("2015/03/14"), Ok(Some(Value::Text("2015-03-14".into()))));
        assert!(
            d("14/03/2015").is_err(),
            "the built-in %d/%m/%Y is replaced"
        );
        // ISO dates, serials and ordinal days always work.
        assert_eq!(d("2015-03-14"), Ok(Some(Value::Text("2015-03-14".into()))));
        assert_eq!(d("42077"), Ok(Some(Value::Text("2015-03-14".into()))));
        assert_eq!(
            d("14th March 2015"),
            Ok(Some(Value::Text("2015-03-14".into())))
        );
        let reason = d("soon").unwrap_err().reason;
        assert_eq!(
            reason,
            "not a date in the expected formats (%Y/%m/%d, %d %B %Y)"
        );
    }

    #[test]
    fn defaults_fill_empty_answers() {
        let tr = Transforms {
            default: Some("school".into()),
            ..t()
        };
        assert_eq!(tr.text(&text(" ")).unwrap().as_deref(), Some("school"));
    }
}
