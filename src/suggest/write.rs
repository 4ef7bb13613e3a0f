//! Rendering a [`Suggestion`] as a mapping file that passes `harmonise check` as written.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::candidates::{Take, Where};
use super::{Matched, Suggestion};
use crate::label::{PLAIN, phrase_similarity, tokens};
use crate::mapping::compile::snake_case;
use crate::mapping::transform::{NO_WORDS, YES_WORDS};
use crate::read::RawValue;
use crate::template::{FieldDef, FieldType, Template};

/// A TOML string literal (toml picks a quoting that needs no escapes where it can).
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `(?i)^escaped label$`, white space runs matched loosely; `{n}` kept for numbered labels.
pub fn label_regex(label: &str) -> String {
    let parts: Vec<String> = label
        .split("{n}")
        .map(|part| {
            part.split_whitespace()
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s+")
        })
        .collect();
    let mut body = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            // The space around the number, when the label had one.
            body.push_str(r"\s*{n}\s*");
        }
        body.push_str(p);
    }
    format!("(?i)^{body}$")
}

/// A label regex: anchored at the start, and at the end unless the label ends in `:` or `?` (the punctuation ends
/// the label, and an answer typed after it in the same cell is still found) or the answer is inside its cell.
fn open_label_regex(text: &str, open: bool) -> String {
    let re = label_regex(text);
    if open || text.ends_with(':') || text.ends_with('?') {
        re.strip_suffix('$').map_or(re.clone(), str::to_string)
    } else {
        re
    }
}

/// `block = '(?i)^(?:heading one|heading two)'`: each member's block heading, as printed.
fn block_regex(headings: &[String]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for h in headings {
        let re = label_regex(h);
        let body = re
            .strip_prefix("(?i)^")
            .unwrap_or(&re)
            .trim_end_matches('$')
            .to_string();
        if !seen.contains(&body) {
            seen.push(body);
        }
    }
    format!("(?i)^(?:{})", seen.join("|"))
}

fn take_line(take: Take) -> String {
    take.key()
        .map_or_else(String::new, |k| format!("\ntake = \"{k}\""))
}

fn locator_lines(at: &Where, group_ok: bool, tick_values: &dyn Fn(&str) -> String) -> String {
    let numbered = |t: &str| {
        if group_ok {
            t.to_string()
        } else {
            t.replace("{n}", "1")
        }
    };
    match at {
        Where::Label {
            text,
            take,
            cell,
            block,
        } => {
            let mut s = String::new();
            if group_ok && !block.is_empty() {
                let _ = writeln!(s, "block = {}", q(&block_regex(block)));
            }
            let _ = write!(
                s,
                "label = {}",
                q(&open_label_regex(&numbered(text), *take == Take::Inside))
            );
            s.push_str(&take_line(*take));
            let _ = write!(s, "  # answer at {cell}");
            s
        }
        Where::Inside { text, cell } => format!(
            "label = {}\ntake = \"inside\"  # answer at {cell}",
            q(&open_label_regex(text, true))
        ),
        Where::Labels { texts, take, block } => {
            let mut s = String::new();
            if group_ok && !block.is_empty() {
                let _ = writeln!(s, "block = {}", q(&block_regex(block)));
            }
            let _ = write!(
                s,
                "labels = [{}]",
                texts
                    .iter()
                    .map(|t| q(&open_label_regex(&numbered(t), *take == Take::Inside)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            s.push_str(&take_line(*take));
            s
        }
        Where::Cells(cells) if group_ok => format!(
            "cells = [{}]",
            cells.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
        ),
        Where::Cells(cells) => format!("cell = {}", q(cells.first().map_or("", String::as_str))),
        Where::Join(parts) if group_ok => format!(
            "join = [{}]",
            parts.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
        ),
        Where::Join(parts) => format!(
            "join = [{}]",
            parts
                .iter()
                .map(|c| q(c.split(':').next().unwrap_or(c)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Where::Cell(c) => format!("cell = {}", q(c)),
        Where::Range(r) if group_ok => format!("range = {}", q(r)),
        Where::Range(r) => format!("cell = {}", q(r.split(':').next().unwrap_or(r))),
        Where::Tick(opts) => format!(
            "tick = {{ {} }}",
            opts.iter()
                .map(|(c, o)| format!("{} = {}", q(c), q(&tick_values(o))))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Where::Field(f) => {
            let f = super::glob_escape(f).replace("[{]n[}]", "{n}");
            format!("field = {}", q(&numbered(&f)))
        }
        Where::Path(p) => format!("path = {}", q(p)),
        Where::Text {
            text,
            below,
            stop,
            mid_line,
            stop_mid_line,
        } => {
            let text = numbered(text);
            // Anchored at the line's start (or, for a label after others on its line, at a word's start) only:
            // `right` takes the rest of the line after the label.
            let start = |t: &str, mid: bool| {
                let re = label_regex(t);
                let re = re.trim_end_matches('$');
                if mid {
                    let word = t.chars().next().is_some_and(char::is_alphanumeric);
                    re.replacen("(?i)^", if word { r"(?i)\b" } else { "(?i)" }, 1)
                } else {
                    re.to_string()
                }
            };
            let mut s = format!("label = {}", q(&start(&text, *mid_line)));
            s.push_str(if *below {
                "\ntake = \"below\""
            } else {
                "\ntake = \"right\""
            });
            if let Some(stop) = stop {
                let _ = write!(s, "\nstop = {}", q(&start(stop, *stop_mid_line)));
            }
            s
        }
        Where::Control(c) => format!("control = {}", q(&numbered(c))),
        Where::FormField(f) => format!("formfield = {}", q(&numbered(f))),
    }
}

/// What each printed option means for the field: `yes`/`no` on a yes/no field, an allowed value on an enum (by
/// its words, or as the value's initial: "M" is `male`); `None` when some option names no value, or two name the
/// same one.
pub fn option_map(options: &[String], def: &FieldDef) -> Option<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for o in options {
        let word = o.trim().trim_end_matches('*').trim().to_lowercase();
        let value = match &def.ty {
            FieldType::Bool => {
                if YES_WORDS.contains(&word.as_str()) {
                    "yes".to_string()
                } else if NO_WORDS.contains(&word.as_str()) {
                    "no".to_string()
                } else {
                    return None;
                }
            }
            FieldType::Enum(allowed) => option_value(&word, allowed)?,
            _ => return None,
        };
        if out.iter().any(|(_, v)| *v == value) {
            return None;
        }
        out.push((o.clone(), value));
    }
    (!out.is_empty()).then_some(out)
}

/// The allowed value an option names: the same word (SEN codes), the value's initial or first letters ("M",
/// "Fem"), or the value its words name best.
fn option_value(option: &str, allowed: &[String]) -> Option<String> {
    if let Some(v) = allowed.iter().find(|v| v.eq_ignore_ascii_case(option)) {
        return Some(v.clone());
    }
    // Words forms print for a value that share no letters with it.
    const OTHER_WORDS: &[(&str, &str)] = &[
        ("boy", "male"),
        ("girl", "female"),
        ("man", "male"),
        ("woman", "female"),
    ];
    if let Some((_, v)) = OTHER_WORDS
        .iter()
        .find(|(w, v)| *w == option && allowed.iter().any(|a| a == v))
    {
        return Some((*v).to_string());
    }
    let starts: Vec<&String> = allowed
        .iter()
        .filter(|v| {
            !option.is_empty() && !option.contains(' ') && v.to_lowercase().starts_with(option)
        })
        .collect();
    if let [one] = starts.as_slice() {
        return Some((*one).clone());
    }
    let words = |s: &str| tokens(s, &PLAIN);
    let o = words(option);
    allowed
        .iter()
        .map(|v| (phrase_similarity(&o, &words(&v.replace('_', " "))), v))
        .filter(|(score, _)| *score >= 0.3)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v.clone())
}

/// The strftime formats of the dates seen in the answers, in the order first seen; ISO dates, date cells and
/// ordinal days need none. Empty when the answers show no text date (the built-in formats then apply).
pub fn date_formats(values: &[RawValue]) -> Vec<&'static str> {
    static SHAPES: std::sync::LazyLock<Vec<(regex::Regex, &'static str)>> =
        std::sync::LazyLock::new(|| {
            [
                (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
                (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y"),
                (r"^\d{1,2}-\d{1,2}-\d{4}$", "%d-%m-%Y"),
                (
                    r"(?i)^\d{1,2}(st|nd|rd|th)?\s+[a-z]{4,}\s+\d{4}$",
                    "%d %B %Y",
                ),
                (
                    r"(?i)^\d{1,2}(st|nd|rd|th)?\s+[a-z]{3}\s+\d{4}$",
                    "%d %b %Y",
                ),
            ]
            .iter()
            .filter_map(|(p, f)| regex::Regex::new(p).ok().map(|r| (r, *f)))
            .collect()
        });
    let mut out: Vec<&'static str> = Vec::new();
    for v in values {
        let RawValue::Text(t) = v else { continue };
        if let Some((_, f)) = SHAPES.iter().find(|(r, _)| r.is_match(t.trim()))
            && !out.contains(f)
        {
            out.push(f);
        }
    }
    out
}

/// The enum value an option's text names best (plain word overlap: every word counts in short options).
fn enum_value(option: &str, allowed: &[String]) -> String {
    let words = |s: &str| tokens(s, &PLAIN);
    let o = words(option);
    allowed
        .iter()
        .map(|v| (phrase_similarity(&o, &words(&v.replace('_', " "))), v))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or_else(|| option.to_string(), |(_, v)| v.clone())
}

/// The `[form]` table's keys, in order: one line more here for each key the draft sets.
fn form_keys(s: &Suggestion) -> Vec<(&'static str, String)> {
    vec![
        ("la_code", s.la_code.clone()),
        ("la_name", s.la_name.clone()),
        ("form", s.form_title.clone()),
        ("version", "draft".into()),
        ("format", s.format.mapping_format().as_str().to_string()),
    ]
    .into_iter()
    .chain(s.reference.clone().map(|r| ("reference", r)))
    .collect()
}

/// Renders the draft.
pub fn render(s: &Suggestion, template: &Template) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Drafted by `harmonise suggest` from {}.\n# Review every entry: the confidence is the matcher's guess from labels and answer shapes, not a fact.\n# Then replace la_code, check `version`, and add a [[test]] with a filled sample document.\n",
        s.source_name
    );
    let _ = writeln!(out, "[form]");
    for (key, value) in form_keys(s) {
        let _ = writeln!(out, "{key} = {}", q(&value));
    }
    out.push('\n');
    if !s.namespaces.is_empty() {
        let _ = writeln!(out, "[form.namespaces]");
        for (prefix, uri) in &s.namespaces {
            let _ = writeln!(out, "{prefix} = {}", q(uri));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "[form.match]");
    for (k, v) in &s.matcher {
        let _ = writeln!(out, "{k} = {}", q(v));
    }
    out.push('\n');

    let mapped: BTreeSet<&str> = s.fields.iter().map(|m| m.field.as_str()).collect();
    for m in &s.fields {
        write_field(&mut out, m, template, &mapped);
    }

    if !s.todo.is_empty() {
        let _ = writeln!(
            out,
            "# --- Statutory fields not found in this document: map them by hand, or leave them as coverage gaps ---"
        );
        for (id, level, label) in &s.todo {
            let _ = writeln!(out, "# TODO {id} ({}): {label}", level.as_str());
        }
        out.push('\n');
    }

    if !s.weak.is_empty() {
        let _ = writeln!(
            out,
            "# --- Weak matches, left for you to decide (each is also kept below as an extra when it has a locator) ---"
        );
        for (c, field, score) in &s.weak {
            let _ = writeln!(
                out,
                "# TODO {field}? confidence {score:.2}: printed {}",
                q(&c.label.replace('\n', " "))
            );
        }
        out.push('\n');
    }

    if s.withheld > 0 {
        let _ = writeln!(
            out,
            "# {} text(s) of the document read as answers rather than printed questions and were left out: a draft never quotes a document's values. Map what they answer by hand.\n",
            s.withheld
        );
    }
    let mut ids: BTreeSet<String> = BTreeSet::new();
    if !s.extras.is_empty() {
        let _ = writeln!(out, "# --- Questions that match no national field ---\n");
    }
    for c in &s.extras {
        let label = c.label.replace("{n}", "1");
        let base: String = snake_case(&label)
            .split('_')
            .filter(|w| !w.is_empty())
            .take(6)
            .collect::<Vec<_>>()
            .join("_");
        let base = if base.starts_with(|ch: char| ch.is_ascii_digit()) {
            format!("q_{base}")
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 2;
        while !ids.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        let _ = writeln!(out, "[extra.{id}]");
        let _ = writeln!(out, "printed = {}", q(&c.label));
        let yes_no = |o: &str| {
            let w = o.trim().trim_end_matches('*').trim().to_lowercase();
            if YES_WORDS.contains(&w.as_str()) {
                Some("yes")
            } else if NO_WORDS.contains(&w.as_str()) {
                Some("no")
            } else {
                None
            }
        };
        let _ = writeln!(out, "{}", locator_lines(&c.at, false, &|o| o.to_string()));
        if !c.options.is_empty() && !c.options_typed {
            let bool_options = c.options.iter().all(|o| yes_no(o).is_some());
            let pairs: Vec<String> = c
                .options
                .iter()
                .map(|o| {
                    let v = if bool_options {
                        yes_no(o).unwrap_or("no").to_string()
                    } else {
                        o.clone()
                    };
                    format!("{} = {}", q(o), q(&v))
                })
                .collect();
            let _ = writeln!(out, "choice = {{ {} }}", pairs.join(", "));
            if bool_options {
                let _ = writeln!(out, "type = \"bool\"");
            }
        }
        out.push('\n');
    }
    out
}

fn write_field(out: &mut String, m: &Matched, template: &Template, mapped: &BTreeSet<&str>) {
    let def = template.get(&m.field);
    let _ = writeln!(out, "[fields.{}]", q(&m.field));
    if m.candidate.evidence.is_empty() {
        let _ = writeln!(out, "# confidence {:.2}", m.confidence);
    } else {
        let _ = writeln!(
            out,
            "# confidence {:.2}; {}",
            m.confidence, m.candidate.evidence
        );
    }
    let _ = writeln!(out, "printed = {}", q(&m.candidate.label));
    let allowed: Vec<String> = match def.map(|d| &d.ty) {
        Some(FieldType::Enum(v)) => v.clone(),
        _ => Vec::new(),
    };
    let is_bool = matches!(def.map(|d| &d.ty), Some(FieldType::Bool));
    let _ = writeln!(
        out,
        "{}",
        locator_lines(
            &m.candidate.at,
            def.is_some_and(|d| d.group.is_some()),
            &|o| {
                if is_bool {
                    let w = o.trim().trim_end_matches('*').trim().to_lowercase();
                    if NO_WORDS.contains(&w.as_str()) {
                        "no".into()
                    } else {
                        "yes".into()
                    }
                } else if allowed.is_empty() {
                    o.to_string()
                } else {
                    option_value(&o.trim_end_matches('*').trim().to_lowercase(), &allowed)
                        .unwrap_or_else(|| enum_value(o, &allowed))
                }
            }
        )
    );
    if m.candidate.preprinted && def.is_some_and(|d| d.group.is_some()) {
        let _ = writeln!(out, "preprinted = true");
    }
    let choice = def.and_then(|d| option_map(&m.candidate.options, d));
    // Options printed in the label and one typed in the answer cell: a `map` of the printed words (a yes/no
    // field reads yes and no words without one).
    let typed = m.candidate.options_typed;
    if let Some(pairs) = &choice
        && !(typed && is_bool)
    {
        let _ = writeln!(
            out,
            "{} = {{ {} }}",
            if typed { "map" } else { "choice" },
            pairs
                .iter()
                .map(|(o, v)| format!("{} = {}", q(o), q(v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(re) = m.replace {
        let _ = writeln!(out, "replace = {{ pattern = {}, with = \"\" }}", q(re));
    }
    if let Some(re) = m.regex {
        let _ = writeln!(out, "regex = {}", q(re));
    }
    let group = def.is_some_and(|d| d.group.is_some());
    let texts: Vec<String> = m
        .candidate
        .values
        .iter()
        .filter(|v| !v.is_empty())
        .map(RawValue::to_text)
        .collect();
    let multi_line = texts.iter().filter(|t| t.trim().contains('\n')).count();
    let joined = matches!(m.candidate.at, Where::Labels { .. } | Where::Join(_));
    if group && !m.candidate.group {
        // One cell, a member per line.
        let _ = writeln!(out, "split = {{ sep = \"\\n\" }}");
    } else if m.field.ends_with(".name")
        && !joined
        && m.regex.is_none()
        && (multi_line * 2 > texts.len().max(1) || {
            let l = m.candidate.label.to_lowercase();
            l.contains("address") || l.contains("contact details")
        })
    {
        // "Name & address", "Name & full contact details": the name is the first line.
        let _ = writeln!(out, "line = 1");
    }
    if m.candidate.tick_column && matches!(def.map(|d| &d.ty), Some(FieldType::Bool)) {
        // "☒ Yes" / "☐ Yes" in each row: the box says it.
        let _ = writeln!(out, "regex = '^(\\S)'");
        let _ = writeln!(
            out,
            "map = {{ \"☐\" = \"no\", \"☒\" = \"yes\", \"☑\" = \"yes\" }}"
        );
    }
    // A parent's address left blank, or "As above", is the child's.
    if group && m.field.ends_with(".address") && mapped.contains("child.address") {
        let _ = writeln!(out, "map = {{ \"As above\" = \"\" }}");
        let _ = writeln!(out, "fallback = \"child.address\"");
    }
    match def.map(|d| &d.ty) {
        Some(FieldType::Date) => {
            let formats = date_formats(&m.candidate.values);
            if !formats.is_empty() {
                let _ = writeln!(
                    out,
                    "date = [{}]",
                    formats.iter().map(|f| q(f)).collect::<Vec<_>>().join(", ")
                );
            }
        }
        Some(FieldType::Enum(v))
            if !matches!(m.candidate.at, Where::Tick(_)) && choice.is_none() =>
        {
            let _ = writeln!(
                out,
                "# TODO: map the form's answers onto {} with `map = {{ \"...\" = \"...\" }}`",
                v.join(", ")
            );
        }
        _ => {}
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_regexes_are_anchored_escaped_and_numbered() {
        assert_eq!(label_regex("D.O.B."), r"(?i)^D\.O\.B\.$");
        assert_eq!(
            label_regex("Pupil's  first name"),
            r"(?i)^Pupil's\s+first\s+name$"
        );
        let re = label_regex("Parent/carer {n} name");
        assert_eq!(re, r"(?i)^Parent/carer\s*{n}\s*name$");
        assert!(
            regex::Regex::new(&re.replace("{n}", "2"))
                .unwrap()
                .is_match("parent/carer 2 name")
        );
    }

    #[test]
    fn options_name_enum_values() {
        let allowed: Vec<String> = ["parent", "young_person", "school", "other"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(enum_value("Parent / carer", &allowed), "parent");
        assert_eq!(
            enum_value("Young person (over 16)", &allowed),
            "young_person"
        );
        assert_eq!(enum_value("School or setting", &allowed), "school");
    }
}
