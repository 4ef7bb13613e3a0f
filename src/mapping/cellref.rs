//! Spreadsheet cell references as mappings write them: `Request!C5`, `'Child details'!B3`, ranges `Prof!A3:A20`.
//! calamine has no public A1 parser, so this small one lives here.

use std::fmt;

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
    /// Parses `Sheet!C5` (sheet names with spaces may be quoted: `'My sheet'!C5`).
    pub fn parse(s: &str) -> Result<CellRef, String> {
        let (sheet, a1) = split_sheet(s)?;
        let (row, col) = parse_a1(a1)?;
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
    pub fn parse_column(s: &str) -> Result<CellRange, String> {
        let (sheet, a1) = split_sheet(s)?;
        let (from, to) = a1
            .split_once(':')
            .ok_or_else(|| format!("expected a range like `Sheet!A3:A20`, found `{s}`"))?;
        let first = parse_a1(from)?;
        let last = parse_a1(to)?;
        if first.1 != last.1 {
            return Err("a range must lie in one column: each row is one item of the group".into());
        }
        if first.0 > last.0 {
            return Err("a range must go down: the first row is above the last".into());
        }
        Ok(CellRange { sheet, first, last })
    }
}

fn split_sheet(s: &str) -> Result<(String, &str), String> {
    let (sheet, a1) = s.rsplit_once('!').ok_or_else(|| {
        format!("expected a cell like `Sheet!C5` (sheet name, `!`, cell), found `{s}`")
    })?;
    let sheet = sheet
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .unwrap_or(sheet);
    if sheet.is_empty() {
        return Err(format!("the sheet name is missing in `{s}`"));
    }
    Ok((sheet.to_string(), a1))
}

/// `C5` -> (4, 2), zero-based. Rejects row 0, columns beyond XFD and rows beyond 1,048,576.
pub fn parse_a1(a1: &str) -> Result<(u32, u32), String> {
    let a1 = a1.trim().replace('$', "");
    let split = a1
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| format!("`{a1}` has no row number"))?;
    let (letters, digits) = a1.split_at(split);
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_alphabetic()) || letters.len() > 3
    {
        return Err(format!("`{a1}` is not a cell reference like `C5`"));
    }
    let col = letters.bytes().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let row: u32 = digits
        .parse()
        .map_err(|_| format!("`{a1}` is not a cell reference like `C5`"))?;
    if row == 0 || row > 1_048_576 || col > 16_384 {
        return Err(format!("`{a1}` is outside a worksheet (A1:XFD1048576)"));
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
    fn parses_column_ranges() {
        let r = CellRange::parse_column("Prof!A3:A20").unwrap();
        assert_eq!((r.first, r.last), ((2, 0), (19, 0)));
        assert!(CellRange::parse_column("Prof!A3:B20").is_err());
        assert!(CellRange::parse_column("Prof!A20:A3").is_err());
    }
}
