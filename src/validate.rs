//! Identifier and value validators.
//!
//! Each validator normalises its input (trimming, removing separators, upper-casing as the
//! identifier requires), checks it against the exact rule in `domain.md` ("Identifiers: exact check
//! algorithms") and returns the normalised value, or an [`Invalid`] explaining which rule was broken.
//!
//! The values checked here are a child's personal data, so error messages describe the rule and
//! NEVER repeat the value (or any part of it). Lengths, positions and computed ages are fine to show.
//!
//! No validator panics on any input, including empty and non-ASCII strings.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

/// Why a value failed validation. Messages describe the rule broken and NEVER echo the value (it is a child's personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    fn new(msg: impl Into<String>) -> Self {
        Invalid(msg.into())
    }
}

/// The 23-letter UPN alphabet (no I, O or S): check letters and the final letter of a temporary UPN.
const UPN_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// Value of one UPN body character: a digit counts as itself, a letter as its index in [`UPN_ALPHABET`].
fn upn_value(c: u8) -> Option<u32> {
    if c.is_ascii_digit() {
        Some(u32::from(c.wrapping_sub(b'0')))
    } else {
        UPN_ALPHABET
            .iter()
            .position(|&x| x == c)
            .and_then(|i| u32::try_from(i).ok())
    }
}

/// Removes every whitespace character and upper-cases ASCII letters (non-ASCII is kept as is, so it fails later checks).
fn compact_upper(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Weighted sum of ASCII digits with weights 10, 9, ..., 2 on the first nine (ULN and NHS number).
/// Returns `None` unless `digits` has at least nine bytes, all ASCII digits.
fn weighted_sum_10_to_2(digits: &[u8]) -> Option<u32> {
    let first9 = digits.get(..9)?;
    first9
        .iter()
        .zip((2..=10u32).rev())
        .try_fold(0u32, |acc, (&c, w)| {
            if !c.is_ascii_digit() {
                return None;
            }
            let v = u32::from(c.checked_sub(b'0')?);
            acc.checked_add(v.checked_mul(w)?)
        })
}

/// Value of an ASCII digit byte.
fn digit_value(c: u8) -> Option<u32> {
    if c.is_ascii_digit() {
        c.checked_sub(b'0').map(u32::from)
    } else {
        None
    }
}

/// Computes the UPN check letter for the 12 characters that follow it.
///
/// `body12` must be exactly 12 characters: 11 ASCII digits then a digit or a letter of the UPN
/// alphabet `ABCDEFGHJKLMNPQRTUVWXYZ` (upper case; the letter form is a temporary UPN). Returns
/// `None` for anything else. Weights 2..=13 apply to the 12 characters; the letter is the alphabet's
/// entry at `sum mod 23`. Handy for generating valid fixture UPNs.
pub fn upn_check_letter(body12: &str) -> Option<char> {
    let b = body12.as_bytes();
    if b.len() != 12 {
        return None;
    }
    let (digits, last) = b.split_at_checked(11)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let last = *last.first()?;
    if !(last.is_ascii_digit() || UPN_ALPHABET.contains(&last)) {
        return None;
    }
    let sum = b.iter().zip(2u32..).try_fold(0u32, |acc, (&c, w)| {
        acc.checked_add(upn_value(c)?.checked_mul(w)?)
    })?;
    let idx = usize::try_from(sum.checked_rem(23)?).ok()?;
    UPN_ALPHABET.get(idx).map(|&c| char::from(c))
}

/// Validates a Unique Pupil Number (UPN).
///
/// Normalises by trimming, removing spaces and upper-casing, then requires 13 characters: a check
/// letter, 11 digits, and a final digit (permanent UPN) or UPN-alphabet letter (temporary UPN), with
/// the check letter computed as in [`upn_check_letter`]. Returns the normalised UPN.
pub fn upn(s: &str) -> Result<String, Invalid> {
    let n = compact_upper(s);
    if n.is_empty() {
        return Err(Invalid::new("UPN is empty"));
    }
    let len = n.chars().count();
    if len != 13 {
        return Err(Invalid(format!("UPN must be 13 characters, found {len}")));
    }
    // 13 chars and 13 bytes means all ASCII.
    if !n.is_ascii() || n.len() != 13 {
        return Err(Invalid::new("UPN must contain only letters and digits"));
    }
    let (first, body) = n
        .split_at_checked(1)
        .ok_or_else(|| Invalid::new("UPN must contain only letters and digits"))?;
    let check = first.bytes().next().unwrap_or(b'?');
    if !UPN_ALPHABET.contains(&check) {
        return Err(Invalid::new(
            "UPN must start with a check letter from ABCDEFGHJKLMNPQRTUVWXYZ",
        ));
    }
    let body_bytes = body.as_bytes();
    if let Some(pos) = body_bytes
        .get(..11)
        .and_then(|d| d.iter().position(|c| !c.is_ascii_digit()))
    {
        let p = pos.saturating_add(2);
        return Err(Invalid(format!("UPN character {p} must be a digit")));
    }
    match body_bytes.get(11) {
        Some(c) if c.is_ascii_digit() || UPN_ALPHABET.contains(c) => {}
        _ => {
            return Err(Invalid::new(
                "UPN character 13 must be a digit or a letter from ABCDEFGHJKLMNPQRTUVWXYZ",
            ));
        }
    }
    match upn_check_letter(body) {
        Some(expected) if expected == char::from(check) => Ok(n),
        Some(_) => Err(Invalid::new("UPN check letter is wrong")),
        None => Err(Invalid::new("UPN check letter could not be computed")),
    }
}

/// Validates a Unique Learner Number (ULN).
///
/// Removes spaces, then requires 10 digits. Weights 10..=2 apply to the first nine digits;
/// `r = sum mod 11`; `r == 0` is invalid; otherwise the check digit `10 - r` must equal the tenth
/// digit. The temporary ULN `9999999999` is valid. Returns the 10 digits.
pub fn uln(s: &str) -> Result<String, Invalid> {
    let n = compact_upper(s);
    if n.is_empty() {
        return Err(Invalid::new("ULN is empty"));
    }
    if !n.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::new("ULN must contain only digits"));
    }
    let len = n.len();
    if len != 10 {
        return Err(Invalid(format!("ULN must be 10 digits, found {len}")));
    }
    if n == "9999999999" {
        return Ok(n);
    }
    let b = n.as_bytes();
    let sum =
        weighted_sum_10_to_2(b).ok_or_else(|| Invalid::new("ULN must contain only digits"))?;
    let r = sum % 11;
    if r == 0 {
        return Err(Invalid::new(
            "ULN check digit is wrong (no check digit is possible)",
        ));
    }
    let expected = 10u32.checked_sub(r);
    let actual = b.get(9).copied().and_then(digit_value);
    match (expected, actual) {
        (Some(e), Some(a)) if e == a => Ok(n),
        _ => Err(Invalid::new("ULN check digit is wrong")),
    }
}

/// Validates an NHS number (England, Wales, Isle of Man).
///
/// Removes spaces and hyphens, then requires 10 digits. Weights 10..=2 apply to the first nine
/// digits; `c = 11 - (sum mod 11)`; 11 becomes 0; 10 means the number is invalid; `c` must equal the
/// tenth digit. Returns the 10 digits with no separators.
pub fn nhs_number(s: &str) -> Result<String, Invalid> {
    let n: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if n.is_empty() {
        return Err(Invalid::new("NHS number is empty"));
    }
    if !n.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::new("NHS number must contain only digits"));
    }
    let len = n.len();
    if len != 10 {
        return Err(Invalid(format!(
            "NHS number must be 10 digits, found {len}"
        )));
    }
    let b = n.as_bytes();
    let sum = weighted_sum_10_to_2(b)
        .ok_or_else(|| Invalid::new("NHS number must contain only digits"))?;
    let check = match 11u32.checked_sub(sum % 11) {
        Some(11) => 0,
        Some(10) | None => {
            return Err(Invalid::new(
                "NHS number check digit is wrong (no check digit is possible)",
            ));
        }
        Some(c) => c,
    };
    match b.get(9).copied().and_then(digit_value) {
        Some(a) if a == check => Ok(n),
        _ => Err(Invalid::new("NHS number check digit is wrong")),
    }
}

/// The strict UK postcode pattern from `domain.md` (applied after upper-casing and collapsing spaces).
///
/// `None` only if the literal failed to compile, which the tests rule out; every postcode is then rejected.
static POSTCODE_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|([A-HK-Y][0-9]([0-9ABEHMNPRV-Y])?)|[0-9][A-HJKPS-UW]) ?[0-9][ABD-HJLNP-UW-Z]{2})$",
    )
    .ok()
});

/// Validates a UK postcode.
///
/// Upper-cases, trims and collapses runs of whitespace to one space, then applies the strict
/// positional pattern from `domain.md`. Returns the postcode with exactly one space before the
/// 3-character inward code, e.g. `"SW1A 1AA"`. A pattern match does not prove the postcode exists.
pub fn postcode(s: &str) -> Result<String, Invalid> {
    let collapsed = s
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>()
        .join(" ");
    if collapsed.is_empty() {
        return Err(Invalid::new("postcode is empty"));
    }
    let matches = POSTCODE_RE
        .as_ref()
        .is_some_and(|re| re.is_match(&collapsed));
    if !matches {
        return Err(Invalid::new("postcode is not a valid UK postcode"));
    }
    let compact: String = collapsed.chars().filter(|c| *c != ' ').collect();
    let split = compact.len().checked_sub(3);
    match split.and_then(|at| compact.split_at_checked(at)) {
        Some((outward, inward)) if !outward.is_empty() => Ok(format!("{outward} {inward}")),
        _ => Err(Invalid::new("postcode is not a valid UK postcode")),
    }
}

/// Validates a school or setting Unique Reference Number (URN).
///
/// Removes spaces and upper-cases, then requires 6 digits, or `EY` followed by 6 digits (Ofsted
/// early-years registrations). Returns the normalised URN.
pub fn urn(s: &str) -> Result<String, Invalid> {
    let n = compact_upper(s);
    if n.is_empty() {
        return Err(Invalid::new("URN is empty"));
    }
    let digits = n.strip_prefix("EY").unwrap_or(&n);
    if digits.len() == 6 && digits.bytes().all(|c| c.is_ascii_digit()) {
        Ok(n)
    } else {
        Err(Invalid::new(
            "URN must be 6 digits, or EY followed by 6 digits",
        ))
    }
}

/// A validator function: checks and normalises one value (the type [`by_name`] returns).
pub type Validator = fn(&str) -> Result<String, Invalid>;

/// Looks up a validator by name: `"upn"`, `"uln"`, `"nhs"`, `"postcode"` or `"urn"`.
///
/// Returns `None` for any other name.
pub fn by_name(name: &str) -> Option<Validator> {
    match name {
        "upn" => Some(upn),
        "uln" => Some(uln),
        "nhs" => Some(nhs_number),
        "postcode" => Some(postcode),
        "urn" => Some(urn),
        _ => None,
    }
}

/// Checks a date of birth against the date of the request.
///
/// The date of birth must not be after `on`, and the age at `on` in whole years (birthdays count
/// from the day itself; a 29 February birthday is reached on 1 March in non-leap years) must be
/// within 0..=25. The error message may show the age but never the date.
pub fn date_of_birth(dob: Date, on: Date) -> Result<(), Invalid> {
    if dob > on {
        return Err(Invalid::new("date of birth is after the request date"));
    }
    let before_birthday = (on.month(), on.day()) < (dob.month(), dob.day());
    let age = i32::from(on.year())
        .checked_sub(i32::from(dob.year()))
        .and_then(|y| y.checked_sub(i32::from(before_birthday)))
        .ok_or_else(|| Invalid::new("age at the request date could not be computed"))?;
    if (0..=25).contains(&age) {
        Ok(())
    } else {
        Err(Invalid(format!(
            "age {age} at the request date is outside 0-25"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Every validator, by name, for the table-driven tests.
    fn all() -> [(&'static str, Validator); 5] {
        [
            ("upn", upn),
            ("uln", uln),
            ("nhs", nhs_number),
            ("postcode", postcode),
            ("urn", urn),
        ]
    }

    #[test]
    fn upn_valid() {
        let cases = [
            ("B801200005001", "B801200005001"),
            ("Q926200124123", "Q926200124123"),
            ("Y92620012412A", "Y92620012412A"),
            ("P207000016049", "P207000016049"),
            ("  b801200005001 ", "B801200005001"),
            ("B801 2000 05001", "B801200005001"),
            ("y92620012412a", "Y92620012412A"),
        ];
        for (input, want) in cases {
            assert_eq!(upn(input).as_deref(), Ok(want), "input {input:?}");
        }
    }

    #[test]
    fn upn_invalid() {
        let cases = [
            ("A801200005001", "UPN check letter is wrong"),
            ("Q207000016049", "UPN check letter is wrong"),
            ("B207000016049", "UPN check letter is wrong"),
            ("B80120000500", "UPN must be 13 characters, found 12"),
            ("B8012000050011", "UPN must be 13 characters, found 14"),
            ("", "UPN is empty"),
            ("   ", "UPN is empty"),
            ("B80120000X001", "UPN character 10 must be a digit"),
            (
                "I801200005001",
                "UPN must start with a check letter from ABCDEFGHJKLMNPQRTUVWXYZ",
            ),
            (
                "1801200005001",
                "UPN must start with a check letter from ABCDEFGHJKLMNPQRTUVWXYZ",
            ),
            (
                "B80120000500I",
                "UPN character 13 must be a digit or a letter from ABCDEFGHJKLMNPQRTUVWXYZ",
            ),
            ("B80120000500é", "UPN must contain only letters and digits"),
            ("é801200005001", "UPN must contain only letters and digits"),
        ];
        for (input, want) in cases {
            assert_eq!(upn(input), Err(Invalid(want.into())), "input {input:?}");
        }
    }

    #[test]
    fn upn_check_letter_cases() {
        let cases = [
            ("801200005001", Some('B')),
            ("926200124123", Some('Q')),
            ("92620012412A", Some('Y')),
            ("207000016049", Some('P')),
            ("20700001604", None),
            ("2070000160499", None),
            ("20700001604I", None),
            ("2070000X6049", None),
            ("", None),
            ("ééééééééééé1", None),
        ];
        for (input, want) in cases {
            assert_eq!(upn_check_letter(input), want, "input {input:?}");
        }
    }

    #[test]
    fn upn_check_letter_round_trips() {
        for body in [
            "999000000001",
            "960123424999",
            "95000000001Z",
            "000000000000",
        ] {
            let letter = upn_check_letter(body).expect("valid body");
            let full = format!("{letter}{body}");
            assert_eq!(upn(&full).as_deref(), Ok(full.as_str()));
        }
    }

    #[test]
    fn uln_cases() {
        let cases: [(&str, Result<&str, &str>); 11] = [
            ("1234567899", Ok("1234567899")),
            ("9999999999", Ok("9999999999")),
            (" 12345 67899 ", Ok("1234567899")),
            ("1234567890", Err("ULN check digit is wrong")),
            ("1000000042", Err("ULN check digit is wrong")),
            ("123456789", Err("ULN must be 10 digits, found 9")),
            ("12345678999", Err("ULN must be 10 digits, found 11")),
            ("12345678X9", Err("ULN must contain only digits")),
            ("", Err("ULN is empty")),
            ("١٢٣٤٥٦٧٨٩٩", Err("ULN must contain only digits")),
            // sum 0 -> r == 0: no check digit is possible.
            (
                "0000000000",
                Err("ULN check digit is wrong (no check digit is possible)"),
            ),
        ];
        for (input, want) in cases {
            let got = uln(input);
            match want {
                Ok(v) => assert_eq!(got.as_deref(), Ok(v), "input {input:?}"),
                Err(m) => assert_eq!(got, Err(Invalid(m.into())), "input {input:?}"),
            }
        }
    }

    #[test]
    fn nhs_cases() {
        let cases: [(&str, Result<&str, &str>); 13] = [
            ("9434765919", Ok("9434765919")),
            ("4010232137", Ok("4010232137")),
            ("943 476 5919", Ok("9434765919")),
            ("943-476-5919", Ok("9434765919")),
            (" 401 023 2137 ", Ok("4010232137")),
            ("9990000018", Ok("9990000018")),
            ("9876544321", Err("NHS number check digit is wrong")),
            // sum 0 -> c = 11 -> 0, so the check digit is 0.
            ("0000000000", Ok("0000000000")),
            // sum 6 x 2 = 12 -> r 1 -> c 10: never issued.
            (
                "0000000060",
                Err("NHS number check digit is wrong (no check digit is possible)"),
            ),
            ("943476591", Err("NHS number must be 10 digits, found 9")),
            ("94347659190", Err("NHS number must be 10 digits, found 11")),
            ("943476591A", Err("NHS number must contain only digits")),
            ("", Err("NHS number is empty")),
        ];
        for (input, want) in cases {
            let got = nhs_number(input);
            match want {
                Ok(v) => assert_eq!(got.as_deref(), Ok(v), "input {input:?}"),
                Err(m) => assert_eq!(got, Err(Invalid(m.into())), "input {input:?}"),
            }
        }
    }

    #[test]
    fn postcode_valid() {
        let cases = [
            ("SW1A 1AA", "SW1A 1AA"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("W1A 0AX", "W1A 0AX"),
            ("GIR 0AA", "GIR 0AA"),
            ("NR1 2DH", "NR1 2DH"),
            ("sw1a 1aa", "SW1A 1AA"),
            ("SW1A1AA", "SW1A 1AA"),
            ("sw1a1aa", "SW1A 1AA"),
            ("  dn55   1pt ", "DN55 1PT"),
            ("m11ae", "M1 1AE"),
            ("gir0aa", "GIR 0AA"),
            ("EC1A\t1BB", "EC1A 1BB"),
        ];
        for (input, want) in cases {
            assert_eq!(postcode(input).as_deref(), Ok(want), "input {input:?}");
        }
    }

    #[test]
    fn postcode_invalid() {
        let cases = [
            ("QA1 1AA", "postcode is not a valid UK postcode"),
            ("AB1 1CI", "postcode is not a valid UK postcode"),
            ("NR1 2CD", "postcode is not a valid UK postcode"),
            ("S W1A 1AA", "postcode is not a valid UK postcode"),
            ("SW1A 1A", "postcode is not a valid UK postcode"),
            ("SW1A 1AAA", "postcode is not a valid UK postcode"),
            ("12345", "postcode is not a valid UK postcode"),
            ("SW1A 1ÀA", "postcode is not a valid UK postcode"),
            ("ſw1a 1aa", "postcode is not a valid UK postcode"),
            ("", "postcode is empty"),
            ("   ", "postcode is empty"),
        ];
        for (input, want) in cases {
            assert_eq!(
                postcode(input),
                Err(Invalid(want.into())),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn urn_cases() {
        let cases: [(&str, Result<&str, &str>); 10] = [
            ("123456", Ok("123456")),
            ("EY123456", Ok("EY123456")),
            ("ey123456", Ok("EY123456")),
            (" 123 456 ", Ok("123456")),
            (
                "12345",
                Err("URN must be 6 digits, or EY followed by 6 digits"),
            ),
            (
                "1234567",
                Err("URN must be 6 digits, or EY followed by 6 digits"),
            ),
            (
                "EY12345",
                Err("URN must be 6 digits, or EY followed by 6 digits"),
            ),
            (
                "AB123456",
                Err("URN must be 6 digits, or EY followed by 6 digits"),
            ),
            (
                "١٢٣٤٥٦",
                Err("URN must be 6 digits, or EY followed by 6 digits"),
            ),
            ("", Err("URN is empty")),
        ];
        for (input, want) in cases {
            let got = urn(input);
            match want {
                Ok(v) => assert_eq!(got.as_deref(), Ok(v), "input {input:?}"),
                Err(m) => assert_eq!(got, Err(Invalid(m.into())), "input {input:?}"),
            }
        }
    }

    #[test]
    fn postcode_regex_compiles() {
        assert!(POSTCODE_RE.is_some());
    }

    #[test]
    fn by_name_cases() {
        let cases = [
            ("upn", "B801200005001", true),
            ("uln", "1234567899", true),
            ("nhs", "9434765919", true),
            ("postcode", "SW1A 1AA", true),
            ("urn", "123456", true),
        ];
        for (name, value, ok) in cases {
            let f = by_name(name).expect("known validator");
            assert_eq!(f(value).is_ok(), ok, "{name} {value:?}");
        }
        for name in ["", "UPN", "nhs_number", "email"] {
            assert!(by_name(name).is_none(), "{name:?}");
        }
    }

    #[test]
    fn unicode_and_odd_input_never_panics() {
        let inputs = [
            "",
            " ",
            "é",
            "😀😀😀😀😀😀😀😀😀😀😀😀😀",
            "B80120000500😀",
            "ß801200005001",
            "\u{0}",
            "\u{200B}B801200005001",
            "9434765919\u{FEFF}",
            "١٢٣٤٥٦٧٨٩٩",
            "ＳＷ１Ａ １ＡＡ",
            "EY😀",
            "---",
            &"9".repeat(10_000),
        ];
        for (name, f) in all() {
            for input in inputs {
                let _ = f(input);
                let _ = f(&input.to_uppercase());
            }
            // Full-width digits and emoji are never accepted.
            assert!(f("😀😀😀😀😀😀😀😀😀😀😀😀😀").is_err(), "{name}");
        }
        for i in 0..=60u8 {
            let _ = upn_check_letter(&"é".repeat(usize::from(i)));
            let _ = upn_check_letter(&"9".repeat(usize::from(i)));
        }
    }

    #[test]
    fn error_messages_never_echo_the_input() {
        let inputs = [
            "A801200005001",
            "Q207000016049",
            "B207000016049",
            "B80120000500",
            "B80120000X001",
            "1234567890",
            "1000000042",
            "12345678X9",
            "9876544321",
            "987 654 4321",
            "943476591",
            "QA1 1AA",
            "AB1 1CI",
            "NR1 2CD",
            "nr1 2cd",
            "EY12345",
            "Jane Smith",
            "2015-03-14",
        ];
        for (name, f) in all() {
            for input in inputs {
                if let Err(Invalid(msg)) = f(input) {
                    let compact: String = input
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect();
                    for needle in [input.to_string(), input.to_uppercase(), compact] {
                        assert!(
                            !msg.contains(&needle),
                            "{name} message {msg:?} echoes {needle:?}"
                        );
                    }
                }
            }
        }
        let err = date_of_birth(date(2030, 1, 2), date(2024, 9, 1)).unwrap_err();
        assert!(!err.0.contains("2030"));
        let err = date_of_birth(date(1990, 1, 2), date(2024, 9, 1)).unwrap_err();
        assert!(!err.0.contains("1990") && !err.0.contains("01-02"));
    }

    #[test]
    fn date_of_birth_cases() {
        let on = date(2024, 9, 1);
        let cases: [(Date, Result<(), &str>); 10] = [
            (
                date(2024, 9, 2),
                Err("date of birth is after the request date"),
            ),
            (
                date(2030, 1, 1),
                Err("date of birth is after the request date"),
            ),
            (on, Ok(())),               // born today: age 0
            (date(2024, 1, 1), Ok(())), // age 0
            (date(1999, 9, 1), Ok(())), // exactly 25 today
            (date(1998, 9, 2), Ok(())), // 25, turns 26 tomorrow
            (
                date(1998, 9, 1),
                Err("age 26 at the request date is outside 0-25"),
            ),
            (
                date(1998, 1, 1),
                Err("age 26 at the request date is outside 0-25"),
            ),
            (
                date(1950, 5, 5),
                Err("age 74 at the request date is outside 0-25"),
            ),
            (date(2014, 3, 14), Ok(())), // age 10
        ];
        for (dob, want) in cases {
            let got = date_of_birth(dob, on);
            match want {
                Ok(()) => assert_eq!(got, Ok(()), "dob {dob}"),
                Err(m) => assert_eq!(got, Err(Invalid(m.into())), "dob {dob}"),
            }
        }
        // 29 February birthday: 25 on 1 March of a non-leap year, not on 28 February.
        assert_eq!(date_of_birth(date(2000, 2, 29), date(2026, 2, 28)), Ok(()));
        assert_eq!(
            date_of_birth(date(2000, 2, 29), date(2026, 3, 1)),
            Err(Invalid("age 26 at the request date is outside 0-25".into()))
        );
        // Extreme dates do not panic.
        let _ = date_of_birth(Date::MIN, Date::MAX);
        let _ = date_of_birth(Date::MAX, Date::MIN);
    }
}
