//! Spreadsheet cell references as mappings write them: `Request!C5`, `'Child details'!B3`, ranges `Prof!A3:A20`.
//! calamine has no public A1 parser, so this small one lives here.

use std::fmt;

use crate::diag::ParseError;
use crate::read::column_letters;

/// One cell of a named sheet (0-based row and column).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CellRef {
    /// Sheet name, without quotes.
    pub sheet: String,
    /// 0-based row.
    pub row: u32,
    /// 0-based column.
    pub col: u32,
}

impl CellRef {
    /// Parses `Sheet!C5` (sheet names with spaces may be quoted: `'My sheet'!C5`). An error names the offending
    /// character's offset in `s` when there is one.
    pub fn parse(s: &str) -> Result<CellRef, ParseError> {
        let (sheet, a1, at) = split_sheet(s)?;
        let (row, col) = parse_a1(a1).map_err(|e| e.shifted(at))?;
        Ok(CellRef { sheet, row, col })
    }
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}!{}{}",
            self.sheet,
            column_letters(self.col),
            u64::from(self.row) + 1
        )
    }
}

impl fmt::Display for CellRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}!{}{}:{}{}",
            self.sheet,
            column_letters(self.first.1),
            u64::from(self.first.0) + 1,
            column_letters(self.last.1),
            u64::from(self.last.0) + 1
        )
    }
}

/// A rectangular block of one sheet, inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRange {
    /// Sheet name.
    pub sheet: String,
    /// Top-left (row, col).
    pub first: (u32, u32),
    /// Bottom-right (row, col).
    pub last: (u32, u32),
}

impl CellRange {
    /// Parses `Sheet!A3:A20`; a range must lie in one column (its rows are a group's items).
    pub fn parse_column(s: &str) -> Result<CellRange, ParseError> {
        let (sheet, a1, at) = split_sheet(s)?;
        let (from, to) = a1.split_once(':').ok_or_else(|| {
            ParseError::new(format!("expected a range like `Sheet!A3:A20`, found `{s}`"))
        })?;
        let to_at = at + from.len() + 1;
        let first = parse_a1(from).map_err(|e| e.shifted(at))?;
        let last = parse_a1(to).map_err(|e| e.shifted(to_at))?;
        if first.1 != last.1 {
            return Err(ParseError::at(
                to_at,
                "a range must lie in one column: each row is one item of the group",
            ));
        }
        if first.0 > last.0 {
            return Err(ParseError::at(
                to_at,
                "a range must go down: the first row is above the last",
            ));
        }
        Ok(CellRange { sheet, first, last })
    }
}

/// The sheet name, the A1 part and the A1 part's byte offset in `s`.
fn split_sheet(s: &str) -> Result<(String, &str, usize), ParseError> {
    let (sheet, a1) = s.rsplit_once('!').ok_or_else(|| {
        ParseError::new(format!(
            "expected a cell like `Sheet!C5` (sheet name, `!`, cell), found `{s}`"
        ))
    })?;
    let at = sheet.len() + 1;
    let sheet = sheet
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .unwrap_or(sheet);
    if sheet.is_empty() {
        // The `!` with nothing named before it.
        return Err(ParseError::at(
            at - 1,
            format!("the sheet name is missing in `{s}`"),
        ));
    }
    Ok((sheet.to_string(), a1, at))
}

/// `C5` -> (4, 2), zero-based. Rejects row 0, columns beyond XFD and rows beyond 1,048,576. `$` anchors and
/// surrounding spaces are ignored; an error's offset is the offending character's in `a1` as written.
pub fn parse_a1(a1: &str) -> Result<(u32, u32), ParseError> {
    let shown = a1.trim().replace('$', "");
    // (offset in `a1`, character) of what counts: not `$`, not the surrounding spaces.
    let lead = a1.len() - a1.trim_start().len();
    let chars: Vec<(usize, char)> = a1
        .trim()
        .char_indices()
        .filter(|(_, c)| *c != '$')
        .map(|(i, c)| (lead + i, c))
        .collect();
    let offset_of = |k: usize| chars.get(k).map_or(a1.len(), |(i, _)| *i);
    let not_a_cell = || format!("`{shown}` is not a cell reference like `C5`");
    let split = chars
        .iter()
        .position(|(_, c)| c.is_ascii_digit())
        .ok_or_else(|| ParseError::at(a1.len(), format!("`{shown}` has no row number")))?;
    let (letters, digits) = chars.split_at(split);
    if letters.is_empty() {
        return Err(ParseError::at(offset_of(0), not_a_cell()));
    }
    if let Some(k) = letters.iter().position(|(_, c)| !c.is_ascii_alphabetic()) {
        return Err(ParseError::at(offset_of(k), not_a_cell()));
    }
    if letters.len() > 3 {
        return Err(ParseError::at(offset_of(3), not_a_cell()));
    }
    if let Some(k) = digits.iter().position(|(_, c)| !c.is_ascii_digit()) {
        return Err(ParseError::at(offset_of(split + k), not_a_cell()));
    }
    let col = letters.iter().fold(0u32, |acc, (_, c)| {
        acc * 26 + (u32::from(c.to_ascii_uppercase()) - u32::from('A') + 1)
    });
    let outside = || format!("`{shown}` is outside a worksheet (A1:XFD1048576)");
    if col > 16_384 {
        return Err(ParseError::at(offset_of(0), outside()));
    }
    let row: u32 = digits
        .iter()
        .map(|(_, c)| c)
        .collect::<String>()
        .parse()
        .map_err(|_| ParseError::at(offset_of(split), not_a_cell()))?;
    if row == 0 || row > 1_048_576 {
        return Err(ParseError::at(offset_of(split), outside()));
    }
    Ok((row - 1, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cells() {
        let c = CellRef::parse("Request!C5").unwrap();
        assert_eq!((c.sheet.as_str(), c.row, c.col), ("Request", 4, 2));
        assert_eq!(
            CellRef::parse("'Child details'!$AB$10")
                .unwrap()
                .to_string(),
            "Child details!AB10"
        );
        for bad in [
            "C5",
            "Request!",
            "Request!5C",
            "Request!C0",
            "Request!XFE1",
            "!C5",
            "R!C1048577",
        ] {
            assert!(CellRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        let at = |s: &str| CellRef::parse(s).unwrap_err().offset;
        assert_eq!(at("Request!C0"), Some(9), "the row");
        assert_eq!(at("Request!5C"), Some(8), "no column letters");
        assert_eq!(at("Request!C5x"), Some(10));
        assert_eq!(at("Request!C-5"), Some(9));
        assert_eq!(at("Request!$ABCD$5"), Some(12), "the fourth letter");
        assert_eq!(at("Request!XFE1"), Some(8), "the column");
        assert_eq!(at("'R'!$C$0"), Some(7), "the row, past the anchors");
        assert_eq!(at("Request!"), Some(8), "no row: the end");
        assert_eq!(at("!C5"), Some(0), "the `!` with no sheet");
        assert_eq!(at("C5"), None, "no sheet at all: the whole value");
        let e = CellRange::parse_column("Prof!A3:B20").unwrap_err();
        assert_eq!(e.offset, Some(8), "the end that leaves the column");
        assert_eq!(
            CellRange::parse_column("Prof!A3:A2x").unwrap_err().offset,
            Some(10)
        );
        // The messages are the ones mappings always had.
        assert_eq!(
            CellRef::parse("Request!C0").unwrap_err().to_string(),
            "`C0` is outside a worksheet (A1:XFD1048576)"
        );
    }

    #[test]
    fn parses_column_ranges() {
        let r = CellRange::parse_column("Prof!A3:A20").unwrap();
        assert_eq!((r.first, r.last), ((2, 0), (19, 0)));
        assert!(CellRange::parse_column("Prof!A3:B20").is_err());
        assert!(CellRange::parse_column("Prof!A20:A3").is_err());
    }
}
