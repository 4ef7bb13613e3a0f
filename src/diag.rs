//! Diagnostics about configuration files (the template and the mappings): a position (`file:line:column`), what
//! was wrong, what was expected, and a hint. They are data; the CLI renders them (with a snippet) at the edge.
//!
//! Diagnostics never carry document values: they speak of mapping files, which hold no personal data.
//!
//! [`escape_controls`] makes any text safe to print on a terminal or in a log line.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `text` with its control characters escaped as Rust does (`\n`, `\t`, `\u{1b}`), other characters (accents,
/// other scripts) kept readable: a file name holding a newline cannot forge a log line, nor an ANSI escape reach
/// the terminal.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A configuration string that does not parse (a cell reference, an XML path, a glob): what is wrong and, when
/// one character is to blame, its byte offset in the string, so the diagnostic can point at it ([`char_span`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong; the diagnostic's message.
    pub message: String,
    /// Byte offset in the parsed string of the character to blame (the string's length for "at the end").
    pub offset: Option<usize>,
}

impl ParseError {
    /// An error about the string as a whole.
    pub fn new(message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            offset: None,
        }
    }

    /// An error at byte `offset` of the string.
    pub fn at(offset: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            offset: Some(offset),
        }
    }

    /// The same error in a string that starts `by` bytes further on (for a part parsed on its own).
    pub fn shifted(self, by: usize) -> ParseError {
        ParseError {
            offset: self.offset.map(|o| o + by),
            ..self
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// The byte span in the file `text` of the character at byte `offset` of the TOML string written at `value`
/// (its span, quotes included), or None when it cannot be placed exactly and the whole value should be shown.
/// Only single-line strings qualify: a literal `'...'` is its value verbatim, and a basic `"..."` is too up to
/// its first escape (`\t` is two characters in the file, one in the value), so an offset past one is refused.
/// An offset at the end of the value points at the closing quote.
pub fn char_span(text: &str, value: &Range<usize>, offset: usize) -> Option<Range<usize>> {
    let raw = text.get(value.clone())?;
    let quote = raw.chars().next().filter(|q| matches!(q, '\'' | '"'))?;
    if raw.len() < 2 || raw.starts_with("'''") || raw.starts_with("\"\"\"") || !raw.ends_with(quote)
    {
        return None;
    }
    let inner = raw.get(1..raw.len() - 1)?;
    let before = inner.get(..offset)?;
    if quote == '"' && before.contains('\\') {
        return None;
    }
    let start = value.start + 1 + offset;
    let len = inner
        .get(offset..)?
        .chars()
        .next()
        .map_or(1, char::len_utf8);
    Some(start..start + len)
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The file cannot be used; `run` and `check` exit 2.
    Error,
    /// The file works but something deserves a look; `check --deny-warnings` fails on it.
    Warning,
    /// Lower-priority information (e.g. an unmapped `should` field); never fails a check.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`, as diagnostics and the README write it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One problem in a configuration file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// The lint it comes from (its name is shown as `error[bad-regex]`), when it comes from one.
    pub lint: Option<Lint>,
    /// The file.
    pub path: PathBuf,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column (in characters), 0 when unknown.
    pub column: usize,
    /// Byte span in `source`, when known.
    pub span: Option<Range<usize>>,
    /// The file's text, for snippets.
    pub source: Option<Arc<str>>,
    /// What is wrong.
    pub message: String,
    /// A hint, e.g. "did you mean `child.date_of_birth`?".
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a byte span of `text` that no lint names (the template, the synonym table); a mapping's
    /// problems are raised with [`Diagnostic::lint`].
    pub fn error(
        path: &Path,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = line_column(text, span.start);
        Diagnostic {
            severity: Severity::Error,
            lint: None,
            path: path.to_path_buf(),
            line,
            column,
            span: Some(span),
            source: Some(Arc::from(text)),
            message: message.into(),
            help: None,
        }
    }

    /// A diagnostic of `lint` at a byte span of `text`, with the lint's severity.
    pub fn lint(
        lint: Lint,
        path: &Path,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: lint.severity(),
            lint: Some(lint),
            ..Diagnostic::error(path, text, span, message)
        }
    }

    /// A diagnostic of `lint` about a file as a whole (no position), with the lint's severity.
    pub fn lint_file(lint: Lint, path: &Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: lint.severity(),
            lint: Some(lint),
            ..Diagnostic::io(path, message)
        }
    }

    /// An error about a file as a whole (it could not be read).
    pub fn io(path: &Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            lint: None,
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            span: None,
            source: None,
            message: message.into(),
            help: None,
        }
    }

    /// A TOML syntax or shape error (unknown key, missing key, wrong type), positioned where the toml crate says.
    /// An unknown key gets the nearest valid key as its hint.
    pub fn toml(path: &Path, text: &str, err: &toml::de::Error) -> Diagnostic {
        let message = err.message().trim().to_string();
        let (lint, help) = if message.starts_with("unknown field") {
            (Lint::UnknownKey, unknown_key_help(&message))
        } else if message.starts_with("missing field") {
            (Lint::MissingKey, None)
        } else {
            (Lint::TomlSyntax, None)
        };
        let d = match err.span() {
            Some(span) => Diagnostic::lint(lint, path, text, span, message),
            None => Diagnostic::lint_file(lint, path, message),
        };
        Diagnostic { help, ..d }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Turns toml's "unknown field `cel`, expected one of `cell`, `cells`, ..." into "did you mean `cell`?", or lists
/// the valid keys when none is close.
fn unknown_key_help(message: &str) -> Option<String> {
    let mut ticked = message.split('`').skip(1).step_by(2);
    let given = ticked.next()?;
    let valid: Vec<&str> = ticked.collect();
    let best = valid
        .iter()
        .map(|k| (strsim::normalized_damerau_levenshtein(given, k), *k))
        .filter(|(score, k)| *score >= 0.5 || k.starts_with(given) || given.starts_with(k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => Some(format!("did you mean `{k}`?")),
        None if !valid.is_empty() => Some(format!("valid keys here: {}", valid.join(", "))),
        None => None,
    }
}

/// `path:line:column: error[lint]: message`, the grep-friendly first line of every rendering.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = self.severity;
        let kind = match self.lint {
            Some(lint) => format!("{severity}[{}]", lint.name()),
            None => severity.to_string(),
        };
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {kind}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )?;
        } else {
            write!(f, "{}: {kind}: {}", self.path.display(), self.message)?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Every diagnostic found in one pass over the configuration.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// In the order found, files in name order.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Adds all of another set.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when at least one is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// The warnings only (not notes).
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// The notes only.
    pub fn notes(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Note)
    }

    /// Every diagnostic, errors first, then warnings, then notes (each in the order found): the order a person
    /// reads them in, so one error is not lost among routine notes.
    pub fn by_severity(&self) -> Vec<&Diagnostic> {
        let mut sorted: Vec<&Diagnostic> = self.items.iter().collect();
        sorted.sort_by_key(|d| d.severity);
        sorted
    }

    /// The notes summed per file, in the order found: the file, how many, and what they are about (each kind
    /// once, in plain words, e.g. "coverage gaps").
    pub fn notes_by_file(&self) -> Vec<(&Path, usize, Vec<&'static str>)> {
        let mut files: Vec<(&Path, usize, Vec<&'static str>)> = Vec::new();
        for d in self.notes() {
            let kind = d.lint.map_or("notes", Lint::gist);
            match files
                .iter_mut()
                .find(|(path, _, _)| *path == d.path.as_path())
            {
                Some((_, n, kinds)) => {
                    *n += 1;
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
                None => files.push((d.path.as_path(), 1, vec![kind])),
            }
        }
        files
    }

    /// `Ok(value)` unless there are errors (warnings are dropped: use the fields directly to keep them).
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(value)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics { items: vec![d] }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Defines [`Lint`] from one table, so that [`Lint::ALL`] cannot miss a variant nor a variant its severity.
macro_rules! lints {
    ($($variant:ident = $name:literal, $severity:ident, $summary:literal;)*) => {
        /// Every named lint of `harmonise check`, each documented in the README ("Checking mappings") under a
        /// heading `` #### `name` (severity) ``. A lint fixes its own severity: raising one ([`Diagnostic::lint`])
        /// takes the variant, so an error can never go out under a warning's name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Lint {
            $(
                #[doc = concat!("`", $name, "`: ", $summary, ".")]
                $variant,
            )*
        }

        impl Lint {
            /// Every lint, in the README's order: errors, then warnings, then notes.
            pub const ALL: &[Lint] = &[$(Lint::$variant),*];

            /// The stable name shown as `error[name]`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Lint::$variant => $name,)*
                }
            }

            /// The severity every diagnostic of this lint has.
            pub fn severity(self) -> Severity {
                match self {
                    $(Lint::$variant => Severity::$severity,)*
                }
            }

            /// What it checks, in one line.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Lint::$variant => $summary,)*
                }
            }
        }
    };
}

lints! {
    TomlSyntax = "toml-syntax", Error, "not valid TOML, or a value of the wrong TOML type";
    UnknownKey = "unknown-key", Error, "a key the mapping language does not have";
    MissingKey = "missing-key", Error, "a required key is absent";
    UnknownField = "unknown-field", Error, "a field id that is not in the national template";
    BadForm = "bad-form", Error, "an unknown format or a malformed LA code";
    BadMatch = "bad-match", Error, "a [form.match] that cannot recognise documents";
    LocatorFormat = "locator-format", Error, "a locator that does not apply to the form's format";
    LocatorCount = "locator-count", Error, "a field with no locator, or several";
    BadCell = "bad-cell", Error, "a malformed cell reference or range";
    BadRegex = "bad-regex", Error, "a regex that does not compile";
    BadGlob = "bad-glob", Error, "a field-name glob that does not compile";
    BadTickKey = "bad-tick-key", Error, "a pdf `tick` key that names no field, radio option or printed label";
    BadPath = "bad-path", Error, "an xml path outside the supported XPath subset";
    GroupMismatch = "group-mismatch", Error, "several values for a single field, or `{n}` on a non-group field";
    TypeMismatch = "type-mismatch", Error, "a transform or value that cannot yield the field's type";
    BadOption = "bad-option", Error, "a malformed locator or transform option";
    BadExtra = "bad-extra", Error, "a malformed [extra] entry";
    ExtraOnly = "extra-only", Error, "`type` or `repeat` on a template field, whose type and shape the template decides";
    BadTest = "bad-test", Error, "a malformed [[test]]";
    TestFailed = "test-failed", Error, "a [[test]] document that does not harmonise as expected";
    BadReference = "bad-reference", Error, "a `[form] reference` that cannot be read, or is not a document of the form's format";
    BadGap = "bad-gap", Error, "a [gaps] entry for a field the mapping maps, or without a reason";
    RegexCaptures = "regex-captures", Warning, "a regex with several capture groups";
    NoReference = "no-reference", Warning, "fixed positions (cells, ranges, tick cells, PDF field names) with no reference form to check them against";
    Unanchored = "unanchored", Warning, "a fixed position with no printed text beside or above it on the reference form";
    UnmappedStatutory = "unmapped-statutory", Warning, "a `must` national field the form never asks for";
    UnmappedShould = "unmapped-should", Note, "a `should` national field the form never asks for";
}

impl Lint {
    /// What its diagnostics are about, in a few plain words, for a line that sums them up.
    pub fn gist(self) -> &'static str {
        match self {
            Lint::UnmappedStatutory | Lint::UnmappedShould => "coverage gaps",
            other => other.name(),
        }
    }

    /// The README heading that documents it, `` #### `name` (severity) ``.
    pub fn readme_heading(self) -> String {
        format!("#### `{}` ({})", self.name(), self.severity())
    }

    /// The README anchor of that heading (`bad-cell-error`), as GitHub derives it: lower case, punctuation dropped,
    /// spaces to hyphens.
    pub fn doc_anchor(self) -> String {
        format!("{}-{}", self.name(), self.severity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_unicode_kept() {
        assert_eq!(escape_controls("Zoë Ørsted.xlsx"), "Zoë Ørsted.xlsx");
        assert_eq!(
            escape_controls("a\nERROR forged\u{1b}[31m\t\u{9b}.pdf"),
            "a\\nERROR forged\\u{1b}[31m\\t\\u{9b}.pdf"
        );
    }

    #[test]
    fn unknown_keys_get_the_nearest_valid_key() {
        let msg = "unknown field `cel`, expected one of `cell`, `cells`, `range`, `label`";
        assert_eq!(
            unknown_key_help(msg).as_deref(),
            Some("did you mean `cell`?")
        );
        let msg = "unknown field `zzzzzz`, expected `sep` or `part`";
        assert_eq!(
            unknown_key_help(msg).as_deref(),
            Some("valid keys here: sep, part")
        );
    }

    #[test]
    fn char_span_points_inside_plain_strings_only() {
        let text = "a = 'R!C0'\nb = \"R!C0\"\nc = \"\\tR!C0\"\nd = \"R\\t!C0\"\ne = '''R!C0'''\n";
        let span = |key: &str| {
            let start = text.find(&format!("{key} = ")).unwrap() + 4;
            start..start + text[start..].find('\n').unwrap()
        };
        let at = |key: &str, offset| char_span(text, &span(key), offset).map(|r| &text[r]);
        assert_eq!(at("a", 3), Some("0"));
        assert_eq!(at("b", 3), Some("0"));
        assert_eq!(
            at("b", 4),
            Some("\""),
            "the end of the value is the closing quote"
        );
        assert_eq!(at("c", 4), None, "an escape before the offset");
        assert_eq!(at("d", 0), Some("R"), "an escape after it does not matter");
        assert_eq!(at("e", 3), None, "multi-line strings are shown whole");
        assert_eq!(at("a", 9), None, "beyond the value");
    }

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (2, 9));
    }

    #[test]
    fn display_is_path_line_column() {
        let d = Diagnostic::error(Path::new("m.toml"), "a\nbc", 3..4, "bad").with_help("try d");
        assert_eq!(d.to_string(), "m.toml:2:2: error: bad\n  help: try d");
        let d = Diagnostic::lint(Lint::BadRegex, Path::new("m.toml"), "a\nbc", 3..4, "bad")
            .with_help("try d");
        assert_eq!(
            d.to_string(),
            "m.toml:2:2: error[bad-regex]: bad\n  help: try d"
        );
        let d = Diagnostic::lint(Lint::UnmappedShould, Path::new("m.toml"), "a", 0..1, "m");
        assert_eq!(d.to_string(), "m.toml:1:1: note[unmapped-should]: m");
    }

    #[test]
    fn a_lint_fixes_its_severity_and_its_readme_heading() {
        for lint in Lint::ALL {
            let d = Diagnostic::lint(*lint, Path::new("m.toml"), "a", 0..1, "m");
            assert_eq!(d.severity, lint.severity());
            assert_eq!(
                lint.readme_heading(),
                format!("#### `{}` ({})", lint.name(), lint.severity())
            );
        }
        assert_eq!(Lint::BadCell.doc_anchor(), "bad-cell-error");
        assert_eq!(Lint::RegexCaptures.severity(), Severity::Warning);
        let names: std::collections::HashSet<_> = Lint::ALL.iter().map(|l| l.name()).collect();
        assert_eq!(names.len(), Lint::ALL.len(), "names are unique");
    }
}
