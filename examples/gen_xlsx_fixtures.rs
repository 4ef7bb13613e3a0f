//! Writes the deterministic xlsx fixtures of three fictional local authorities, the known expected record of each
//! document, and a folder of bad inputs. Run from the repository root (see `scripts/gen-fixtures.sh`):
//!
//! ```text
//! cargo run --example gen_xlsx_fixtures
//! ```
//!
//! - `fixtures/forms/northmoor/`: LA 951, a fixed-cell form (labels in B, answers in C, one sheet `Request`).
//! - `fixtures/forms/eastbridge/`: LA 952, label-anchored (labels in A, answers merged B:D, free text below its
//!   heading, numbered Parent/Carer blocks, dates and yes/no answers as words).
//! - `fixtures/forms/westvale/`: LA 953, multi-sheet (`Child`, `Family`, `School`, `Professionals`) with tables,
//!   a date of birth as a bare Excel serial, and the address in three cells joined by the mapping.
//! - `fixtures/bad/`: a truncated workbook, an empty file, plain text, a workbook whose used range is the whole
//!   sheet, and a valid workbook that no mapping recognises.
//! - `fixtures/expected/xlsx.json`: for every document under `fixtures/forms`, the record harmonise must produce,
//!   computed here from the values written (the truth of each fictional child plus the defects planted), never by
//!   running harmonise.
//!
//! Every name, number and address is fictional: NHS numbers come from the never-issued 999 range (with valid
//! modulus-11 check digits), UPNs carry the fictional LA numbers 951-953, postcodes use the unassigned areas NM, EB
//! and WQ. Document properties carry a fixed creation date, so two runs write byte-identical files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use harmonise::validate::upn_check_letter;
use jiff::civil::{Date, date};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
use serde_json::{Map, Value, json};

const FORMS: &str = "fixtures/forms";
const BAD: &str = "fixtures/bad";
const EXPECTED: &str = "fixtures/expected/xlsx.json";
const TEMPLATE: &str = "mappings/national-template.toml";

/// The 23-letter UPN alphabet (no I, O, S), to plant a wrong check letter.
const UPN_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

// ---------------------------------------------------------------------------------------------------------------
// The truth: one fictional child and request, independent of any LA's form.
// ---------------------------------------------------------------------------------------------------------------

/// A parent or carer.
#[derive(Clone)]
struct Parent {
    name: String,
    /// As a parent writes it on a fixed-cell form ("Mum").
    rel_word: &'static str,
    /// As the record holds it ("Mother").
    rel: &'static str,
    phone: String,
}

/// A primary need: SEN2 code, broad area as printed, canonical area, descriptions.
struct Need {
    code_written: &'static str,
    code: &'static str,
    area_written: &'static str,
    area: &'static str,
    description: &'static str,
    health: &'static str,
}

const NEEDS: &[Need] = &[
    Need {
        code_written: "ASD",
        code: "ASD",
        area_written: "Communication and interaction",
        area: "communication_interaction",
        description: "Autistic. Finds transitions and unstructured times very hard; limited functional \
                      communication in class; frequent distress at lunchtime despite a visual timetable.",
        health: "Diagnosed autism (community paediatrics). Restricted diet; poor sleep.",
    },
    Need {
        code_written: "SpLD",
        code: "SPLD",
        area_written: "Cognition and learning",
        area: "cognition_learning",
        description: "Severe and persistent difficulties with reading and spelling; reading age four years \
                      below chronological age after two years of daily phonics intervention.",
        health: "No known health needs. Wears glasses.",
    },
    Need {
        code_written: "SEMH",
        code: "SEMH",
        area_written: "Social, emotional and mental health",
        area: "semh",
        description: "Significant anxiety and emotionally based school avoidance; dysregulated several \
                      times a week; relationships with peers have broken down.",
        health: "Under CAMHS for anxiety.",
    },
    Need {
        code_written: "SLCN",
        code: "SLCN",
        area_written: "Communication and interaction",
        area: "communication_interaction",
        description: "Developmental language disorder: understands short instructions only with visual \
                      support; expressive language at a 4-year level.",
        health: "Glue ear as an infant; grommets fitted.",
    },
    Need {
        code_written: "HI",
        code: "HI",
        area_written: "Sensory and/or physical",
        area: "sensory_physical",
        description: "Moderate bilateral hearing loss; needs a radio aid and a specialist teacher's advice \
                      to access the curriculum.",
        health: "Bilateral hearing aids; audiology reviews every six months.",
    },
    Need {
        code_written: "mld",
        code: "MLD",
        area_written: "Cognition and learning",
        area: "cognition_learning",
        description: "Attainment well below age-related expectations in all subjects; slow progress despite \
                      small-group teaching and a personalised curriculum.",
        health: "Epilepsy, controlled by medication.",
    },
];

/// Everything one request says, as the real answers.
struct Child {
    forename: &'static str,
    middle: Option<&'static str>,
    surname: &'static str,
    preferred: Option<&'static str>,
    dob: Date,
    /// `male` or `female`.
    gender: &'static str,
    line1: String,
    line2: Option<&'static str>,
    town: &'static str,
    postcode: String,
    upn: String,
    nhs: String,
    year_group: String,
    looked_after: bool,
    pupil_premium: bool,
    first_language: &'static str,
    /// `parent`, `school` or `young_person`.
    requester: &'static str,
    requester_name: String,
    parents: Vec<Parent>,
    parent_agreement: bool,
    setting: &'static str,
    /// (as written, canonical).
    setting_type: (&'static str, &'static str),
    urn: u32,
    head: String,
    senco: String,
    senco_email: String,
    need: &'static Need,
    views_child: &'static str,
    views_parent: &'static str,
    request_date: Date,
    apdr: u32,
    costed_map: bool,
    ep_report: bool,
    attendance: f64,
    consent: bool,
    /// (name, service); an empty service is a row left half-filled.
    professionals: Vec<(&'static str, &'static str)>,
    photo: bool,
    boxall: bool,
    sdq: u32,
    exclusions: u32,
}

impl Child {
    fn full_name(&self) -> String {
        match self.middle {
            Some(m) => format!("{} {m} {}", self.forename, self.surname),
            None => format!("{} {}", self.forename, self.surname),
        }
    }

    fn address(&self) -> String {
        let mut parts = vec![self.line1.clone()];
        parts.extend(self.line2.map(str::to_string));
        parts.push(self.town.to_string());
        parts.join(", ")
    }
}

/// One fictional local authority.
struct La {
    code: &'static str,
    dir: &'static str,
    mapping: &'static str,
    /// Postcode area (unassigned in the real UK).
    area: &'static str,
    town: &'static str,
    schools: [(&'static str, (&'static str, &'static str)); 3],
    write: fn(&Child, &Plant) -> Result<(Workbook, Expect)>,
}

const FORENAMES: &[&str] = &[
    "Amelia", "Oliver", "Isla", "Noah", "Freya", "Leo", "Maya", "Arlo", "Poppy", "Theo", "Ruby",
    "Finley", "Evie", "Kai", "Hana", "Reuben", "Zara", "Ezra",
];
const SURNAMES: &[&str] = &[
    "Hartley",
    "Okafor",
    "Pritchard",
    "Nowak",
    "Lindqvist",
    "Bramwell",
    "Kaur",
    "Fennimore",
    "O'Malley",
    "Whitlock",
    "Abara",
    "Mistry",
    "Calloway",
    "Szabo",
    "Greaves",
    "Tanaka",
    "Ashworth-Kemp",
    "Doyle",
];
const MIDDLES: &[&str] = &["James", "Rose", "Ayodele", "Marie", "Thomas", "Grace"];
const PARENT_NAMES: &[&str] = &[
    "Claire",
    "Daniel",
    "Agnieszka",
    "Marcus",
    "Sunita",
    "Gareth",
    "Funmi",
    "Lee",
    "Joanne",
    "Tomasz",
    "Rachel",
    "Imran",
];
const STREETS: &[&str] = &[
    "Larch Road",
    "Kestrel Close",
    "Mill Lane",
    "Beacon View",
    "Station Terrace",
    "Orchard Way",
];
const LINE2: &[&str] = &["Hillside", "Upper Moor", "Riverside"];
const LANGUAGES: &[&str] = &["English", "Polish", "Urdu", "English", "Yoruba", "English"];
const PROFESSIONALS: &[(&str, &str)] = &[
    ("Dr Priya Raman", "Educational Psychology Service"),
    ("Tom Ellery", "Speech and Language Therapy"),
    ("Grace Adebayo", "CAMHS"),
    ("Hannah Voss", "Occupational Therapy"),
    ("Sam Whitfield", "Specialist Teacher, Autism Outreach"),
];
const CHILD_VIEWS: &[&str] = &[
    "I like Lego and drawing. I don't like the noise in the hall. I want a quiet place to go.",
    "Reading makes my head hurt. I am good at football.",
    "I want to come to school but I get scared in the mornings.",
    "I like it when Miss shows me pictures.",
];
const PARENT_VIEWS: &[&str] = &[
    "We feel school has tried everything it can and he needs more help than they can give.",
    "She is falling further behind every year and is losing confidence.",
    "We want a plan that follows him to secondary school.",
];
/// Letters allowed in the inward code of a postcode (no C, I, K, M, O, V).
const INWARD: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

fn pick<T: Copy>(list: &[T], i: usize) -> T {
    list[i % list.len()]
}

/// A valid NHS number in the never-issued 999 range: the first candidate from `seed` whose modulus-11 check
/// digit exists.
fn nhs_number(seed: usize) -> String {
    let mut n = seed * 7919 + 1000;
    loop {
        let first9 = format!("999{:06}", n % 1_000_000);
        let sum: u32 = first9
            .bytes()
            .zip((2..=10u32).rev())
            .map(|(c, w)| u32::from(c - b'0') * w)
            .sum();
        match 11 - sum % 11 {
            10 => n += 1,
            11 => return format!("{first9}0"),
            c => return format!("{first9}{c}"),
        }
    }
}

/// A valid UPN: check letter, LA number, establishment, year of allocation, serial.
fn upn(la: &str, estab: u32, year: i16, serial: usize) -> Result<String> {
    let body = format!("{la}{estab:04}{:02}{:03}", year % 100, serial % 1000);
    let letter = upn_check_letter(&body).ok_or_else(|| anyhow!("no check letter for {body}"))?;
    Ok(format!("{letter}{body}"))
}

/// The same UPN with a wrong check letter (the next letter of the alphabet).
fn wrong_check_letter(upn: &str) -> String {
    let first = upn.as_bytes()[0];
    let i = UPN_ALPHABET.iter().position(|&c| c == first).unwrap_or(0);
    let wrong = UPN_ALPHABET[(i + 1) % UPN_ALPHABET.len()];
    format!("{}{}", char::from(wrong), &upn[1..])
}

fn year_group(dob: Date, request: Date) -> String {
    // Academic year starts 1 September; Year 1 is the year a child turns 6.
    let start = if request.month() >= 9 {
        request.year()
    } else {
        request.year() - 1
    };
    let turns_5 = if dob.month() >= 9 {
        dob.year() + 6
    } else {
        dob.year() + 5
    };
    match start - turns_5 {
        n if n < 0 => "Nursery".into(),
        0 => "Reception".into(),
        n => format!("Year {n}"),
    }
}

/// The `k`-th child (0..6) of an LA. `k` also decides the requester and how many parents and professionals.
fn child(la: &La, la_index: usize, k: usize) -> Result<Child> {
    child_at(la, la_index * 6 + k, k)
}

/// The child of case `k` (0..6) whose values are drawn from seed `i` (the fixtures use `i = la_index * 6 + k`).
fn child_at(la: &La, i: usize, k: usize) -> Result<Child> {
    let request_date = date(2025, 9 + (i % 3) as i8, 1 + ((i * 5) % 27) as i8);
    let dob = if k == 5 {
        // Old enough to make the request as a young person.
        date(2008, 2 + (i % 10) as i8, 3 + (i % 20) as i8)
    } else {
        date(
            2011 + (i % 9) as i16,
            1 + ((i * 7) % 12) as i8,
            1 + ((i * 11) % 28) as i8,
        )
    };
    let surname = pick(SURNAMES, i * 7 + 3);
    let forename = pick(FORENAMES, i);
    let gender = if i.is_multiple_of(2) {
        "female"
    } else {
        "male"
    };
    let n_parents = if k == 1 || k == 2 { 1 } else { 2 };
    let rels = [("Mum", "Mother"), ("Dad", "Father"), ("Nan", "Grandmother")];
    let parents: Vec<Parent> = (0..n_parents)
        .map(|p| {
            let (rel_word, rel) = if k == 4 && p == 1 { rels[2] } else { rels[p] };
            Parent {
                name: format!("{} {surname}", pick(PARENT_NAMES, i * 2 + p)),
                rel_word,
                rel,
                phone: format!("07700 900{:03}", (i * 37 + p * 11) % 1000),
            }
        })
        .collect();
    let (setting, setting_type) = la.schools[i % 3];
    let senco = format!(
        "{} {}",
        pick(&["Mrs", "Mr", "Ms"], i),
        pick(SURNAMES, i + 5)
    );
    let requester = match k {
        1 | 3 => "school",
        5 => "young_person",
        _ => "parent",
    };
    // The second child of each LA has a middle name (the fixed-cell form's regex must skip it).
    let middle = (k == 1).then(|| pick(MIDDLES, i));
    let full = match middle {
        Some(m) => format!("{forename} {m} {surname}"),
        None => format!("{forename} {surname}"),
    };
    let requester_name = match requester {
        "school" => senco.clone(),
        "young_person" => full,
        _ => parents[0].name.clone(),
    };
    let n_prof = [2, 0, 3, 1, 2, 4][k];
    let mut professionals: Vec<(&str, &str)> =
        (0..n_prof).map(|p| pick(PROFESSIONALS, i + p)).collect();
    if k == 2 {
        // A table row left half-filled: a name without its service.
        professionals[1].1 = "";
    }
    Ok(Child {
        forename,
        middle,
        surname,
        preferred: i
            .is_multiple_of(3)
            .then(|| pick(&["Millie", "Ollie", "Izzy", "Bear"], i)),
        dob,
        gender,
        line1: format!("{} {}", 3 + (i * 17) % 140, pick(STREETS, i)),
        line2: (i % 2 == 1).then(|| pick(LINE2, i)),
        town: la.town,
        postcode: format!(
            "{}{} {}{}{}",
            la.area,
            1 + (i * 3) % 19,
            i % 10,
            char::from(pick(INWARD, i * 3)),
            char::from(pick(INWARD, i * 7 + 1))
        ),
        upn: upn(
            la.code,
            2000 + ((i * 37) % 800) as u32,
            dob.year() + 4,
            i * 13 + 1,
        )?,
        nhs: nhs_number(i),
        year_group: year_group(dob, request_date),
        looked_after: i % 5 == 2,
        pupil_premium: i % 3 == 1,
        first_language: pick(LANGUAGES, i),
        requester,
        requester_name,
        parents,
        parent_agreement: k != 4,
        setting,
        setting_type,
        urn: 110_000 + ((i * 7331) % 90_000) as u32,
        head: format!(
            "{} {}",
            pick(&["Mr", "Dr", "Mrs"], i),
            pick(SURNAMES, i + 9)
        ),
        senco: senco.clone(),
        senco_email: format!(
            "senco{}@{}.example.org.uk",
            i,
            setting.split(' ').next().unwrap_or("school").to_lowercase()
        ),
        need: &NEEDS[i % NEEDS.len()],
        views_child: pick(CHILD_VIEWS, i),
        views_parent: pick(PARENT_VIEWS, i),
        request_date,
        apdr: 1 + (i % 4) as u32,
        costed_map: i % 4 != 3,
        ep_report: i.is_multiple_of(2),
        attendance: [96.5, 88.0, 71.25, 93.1, 100.0, 64.0][k],
        consent: k != 4,
        professionals,
        photo: i % 3 != 2,
        boxall: i % 2 == 1,
        sdq: 12 + ((i * 5) % 25) as u32,
        exclusions: (i % 4) as u32,
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Planted defects, and the expected record built alongside the workbook.
// ---------------------------------------------------------------------------------------------------------------

/// What is wrong with a filled form on purpose.
#[derive(Default)]
struct Plant {
    /// Nothing is filled in: a blank form.
    blank: bool,
    /// Field ids (`extra.<id>` for extras) left unanswered.
    empty: &'static [&'static str],
    /// The UPN carries a wrong check letter.
    bad_upn: bool,
    /// The date of birth is impossible (text dates) or makes the child 30 at the request date (date cells).
    bad_dob: bool,
    /// The postcode fails the strict pattern.
    bad_postcode: Option<&'static str>,
}

impl Plant {
    fn empty(&self, id: &str) -> bool {
        self.blank || self.empty.contains(&id)
    }
}

/// What a field's harmonised value should be when answered.
enum Out {
    /// Valid: the harmonised value.
    Good(Value),
    /// Invalid: the answer as given (after the mapping's text transforms).
    Bad(String),
}

fn good(v: impl Into<Value>) -> Out {
    Out::Good(v.into())
}

/// A number as records.jsonl writes it: integers without `.0`.
fn num(n: f64) -> Value {
    if n.fract() == 0.0 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

fn ok(v: Value, src: &str) -> Value {
    json!({"status": "ok", "value": v, "source": src})
}

fn empty(src: &str) -> Value {
    json!({"status": "empty", "source": src})
}

fn invalid(given: &str, src: &str) -> Value {
    json!({"status": "invalid", "value": given, "source": src})
}

fn outcome(out: Out, src: &str) -> Value {
    match out {
        Out::Good(v) => ok(v, src),
        Out::Bad(given) => invalid(&given, src),
    }
}

/// A group field: invalid if any item is, ok if any is ok, else empty.
fn group(items: Vec<Value>) -> Value {
    let any = |s: &str| items.iter().any(|i| i["status"] == s);
    let status = if any("invalid") {
        "invalid"
    } else if any("ok") {
        "ok"
    } else {
        "empty"
    };
    json!({"status": status, "items": items})
}

/// The expected record of one document, filled in as the workbook is written.
#[derive(Default)]
struct Expect {
    fields: Map<String, Value>,
    extras: Map<String, Value>,
}

impl Expect {
    fn field(&mut self, id: &str, v: Value) {
        self.fields.insert(id.to_string(), v);
    }

    fn finish(self, mapping: &str, must: &[String]) -> Value {
        let answered = |v: &Value| {
            v["status"] == "ok"
                || v["status"] == "invalid"
                || v["items"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i["status"] != "empty"))
        };
        let status = if !self
            .fields
            .values()
            .chain(self.extras.values())
            .any(answered)
        {
            "blank"
        } else if self.fields.iter().any(|(id, v)| {
            v["status"] == "invalid"
                || v["status"] == "not_found"
                || (v["status"] == "empty" && must.contains(id))
        }) {
            "partial"
        } else {
            "ok"
        };
        json!({"mapping": mapping, "status": status, "fields": self.fields, "extras": self.extras})
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Writing cells.
// ---------------------------------------------------------------------------------------------------------------

/// A value written to a cell.
enum Cell {
    Text(String),
    Num(f64),
    /// A real Excel date (a serial with a date number format).
    Date(Date),
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

/// `C5` -> (row 4, col 2).
fn a1(cell: &str) -> (u32, u16) {
    let split = cell
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(cell.len());
    let (letters, digits) = cell.split_at(split);
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1));
    let row: u32 = digits.parse().unwrap_or(1);
    (row - 1, (col - 1) as u16)
}

/// One worksheet being written, with the formats of the form.
struct Grid {
    ws: Worksheet,
    sheet: &'static str,
    title: Format,
    heading: Format,
    label: Format,
    answer: Format,
    date: Format,
}

impl Grid {
    fn new(sheet: &'static str) -> Result<Grid> {
        let mut ws = Worksheet::new();
        ws.set_name(sheet)?;
        let answer = Format::new()
            .set_border(rust_xlsxwriter::FormatBorder::Thin)
            .set_text_wrap();
        Ok(Grid {
            ws,
            sheet,
            title: Format::new().set_bold().set_font_size(14),
            heading: Format::new()
                .set_bold()
                .set_background_color(rust_xlsxwriter::Color::RGB(0xD9E1F2)),
            label: Format::new().set_text_wrap(),
            date: answer.clone().set_num_format("dd/mm/yyyy"),
            answer,
        })
    }

    fn src(&self, cell: &str) -> String {
        format!("{}!{cell}", self.sheet)
    }

    fn title(&mut self, cell: &str, s: &str) -> Result<()> {
        let (r, c) = a1(cell);
        self.ws.write_string_with_format(r, c, s, &self.title)?;
        Ok(())
    }

    fn heading(&mut self, cell: &str, s: &str) -> Result<()> {
        let (r, c) = a1(cell);
        self.ws.write_string_with_format(r, c, s, &self.heading)?;
        Ok(())
    }

    fn label(&mut self, cell: &str, s: &str) -> Result<()> {
        let (r, c) = a1(cell);
        self.ws.write_string_with_format(r, c, s, &self.label)?;
        Ok(())
    }

    /// Merges a block (the answer box of a label-anchored form); its value, if any, is put in the first cell.
    fn merge(&mut self, first: &str, last: &str) -> Result<()> {
        let ((r1, c1), (r2, c2)) = (a1(first), a1(last));
        self.ws.merge_range(r1, c1, r2, c2, "", &self.answer)?;
        Ok(())
    }

    fn put(&mut self, cell: &str, v: &Cell) -> Result<()> {
        let (r, c) = a1(cell);
        match v {
            Cell::Text(s) => {
                self.ws.write_string_with_format(r, c, s, &self.answer)?;
            }
            Cell::Num(n) => {
                // General format: a bare number, as a person types it.
                self.ws.write_number(r, c, *n)?;
            }
            Cell::Date(d) => {
                let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                self.ws.write_datetime_with_format(r, c, &dt, &self.date)?;
            }
        }
        Ok(())
    }
}

/// Writes answers and records their expected outcomes, honouring the planted empties.
struct Form<'p> {
    plant: &'p Plant,
    expect: Expect,
}

impl Form<'_> {
    /// A single field answered in `cell` (for label-anchored forms, the answer cell the label points at).
    fn single(&mut self, g: &mut Grid, id: &str, cell: &str, v: Cell, out: Out) -> Result<()> {
        let src = g.src(cell);
        if self.plant.empty(id) {
            self.expect.field(id, empty(&src));
        } else {
            g.put(cell, &v)?;
            self.expect.field(id, outcome(out, &src));
        }
        Ok(())
    }

    /// An extra (non-statutory) question: captured as text.
    fn extra(&mut self, g: &mut Grid, id: &str, cell: &str, v: Cell, as_text: &str) -> Result<()> {
        let src = g.src(cell);
        let value = if self.plant.empty(&format!("extra.{id}")) {
            empty(&src)
        } else {
            g.put(cell, &v)?;
            ok(json!(as_text), &src)
        };
        self.expect.extras.insert(id.to_string(), value);
        Ok(())
    }

    /// One item of a group field: the cell is written when `v` is given and the field is not planted empty.
    fn item(&self, g: &mut Grid, id: &str, cell: &str, v: Option<(Cell, Value)>) -> Result<Value> {
        let src = g.src(cell);
        match v {
            Some((cell_value, out)) if !self.plant.empty(id) => {
                g.put(cell, &cell_value)?;
                Ok(ok(out, &src))
            }
            _ => Ok(empty(&src)),
        }
    }

    /// A group from a table column (`range`): one item per row down to the last non-empty row.
    fn column(
        &mut self,
        g: &mut Grid,
        id: &str,
        col: &str,
        rows: std::ops::RangeInclusive<u32>,
        values: Vec<Option<(Cell, Value)>>,
    ) -> Result<()> {
        let mut items = Vec::new();
        let mut last_filled = 0;
        for (n, row) in rows.enumerate() {
            let v = values
                .get(n)
                .and_then(|v| v.as_ref())
                .filter(|_| !self.plant.empty(id));
            let cell = format!("{col}{row}");
            let item = match v {
                Some((Cell::Text(s), _)) if s.is_empty() => empty(&g.src(&cell)),
                Some((cv, out)) => {
                    g.put(&cell, cv)?;
                    last_filled = n + 1;
                    ok(out.clone(), &g.src(&cell))
                }
                None => empty(&g.src(&cell)),
            };
            items.push(item);
        }
        // Empty rows below the last answer are not items.
        items.truncate(last_filled);
        self.expect.field(id, group(items));
        Ok(())
    }
}

/// The written UPN (case and spacing vary) and its expected outcome.
fn upn_answer(c: &Child, p: &Plant, style: usize) -> (String, Out) {
    let canonical = if p.bad_upn {
        wrong_check_letter(&c.upn)
    } else {
        c.upn.clone()
    };
    let written = match style % 3 {
        0 => canonical.clone(),
        1 => canonical.to_lowercase(),
        _ => format!(
            "{} {} {}",
            &canonical[..4],
            &canonical[4..8],
            &canonical[8..]
        ),
    };
    let out = if p.bad_upn {
        Out::Bad(written.clone())
    } else {
        good(canonical)
    };
    (written, out)
}

/// The written postcode (case and spacing vary) and its expected outcome.
fn postcode_answer(c: &Child, p: &Plant, style: usize) -> (String, Out) {
    if let Some(bad) = p.bad_postcode {
        return (bad.to_string(), Out::Bad(bad.to_string()));
    }
    let written = match style % 3 {
        0 => c.postcode.clone(),
        1 => c.postcode.to_lowercase(),
        _ => c.postcode.replace(' ', ""),
    };
    (written, good(c.postcode.clone()))
}

/// The date of birth written (possibly planted as making the child 30) and its expected outcome.
fn dob_cell(c: &Child, p: &Plant) -> (Date, Out) {
    if p.bad_dob {
        let thirty = date(c.request_date.year() - 30, 1, 10);
        (thirty, Out::Bad(thirty.to_string()))
    } else {
        (c.dob, good(c.dob.to_string()))
    }
}

fn iso(d: Date) -> Value {
    json!(d.to_string())
}

fn dmy(d: Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
}

// ---------------------------------------------------------------------------------------------------------------
// LA 951 Northmoor: fixed cells on one sheet.
// ---------------------------------------------------------------------------------------------------------------

fn northmoor(c: &Child, p: &Plant) -> Result<(Workbook, Expect)> {
    let mut g = Grid::new("Request")?;
    let mut f = Form {
        plant: p,
        expect: Expect::default(),
    };
    g.ws.set_column_width(0, 2)?;
    g.ws.set_column_width(1, 58)?;
    g.ws.set_column_width(2, 48)?;
    g.title("B1", "Northmoor Borough Council")?;
    g.label(
        "B2",
        "Request for an Education, Health and Care needs assessment (form NBC/EHC1, September 2024)",
    )?;

    g.heading("B4", "Section A: About the child or young person")?;
    g.label("B5", "Child's full name")?;
    let src = g.src("C5");
    if p.empty("child.forename") {
        f.expect.field("child.forename", empty(&src));
        f.expect.field("child.surname", empty(&src));
    } else {
        g.put("C5", &text(c.full_name()))?;
        f.expect
            .field("child.forename", ok(json!(c.forename), &src));
        f.expect.field("child.surname", ok(json!(c.surname), &src));
    }
    g.label("B6", "Date of birth")?;
    let (dob, out) = dob_cell(c, p);
    f.single(&mut g, "child.date_of_birth", "C6", Cell::Date(dob), out)?;
    g.label("B7", "Gender (Boy / Girl)")?;
    let word = if c.gender == "male" { "Boy" } else { "Girl" };
    f.single(&mut g, "child.gender", "C7", text(word), good(c.gender))?;
    g.label("B8", "Unique Pupil Number (UPN)")?;
    let (written, out) = upn_answer(c, p, 0);
    f.single(&mut g, "child.upn", "C8", text(written), out)?;
    g.label("B9", "NHS number")?;
    let nhs = format!("{} {} {}", &c.nhs[..3], &c.nhs[3..6], &c.nhs[6..]);
    f.single(
        &mut g,
        "child.nhs_number",
        "C9",
        text(nhs),
        good(c.nhs.clone()),
    )?;
    g.label("B10", "Home address")?;
    f.single(
        &mut g,
        "child.address",
        "C10",
        text(c.address()),
        good(c.address()),
    )?;
    g.label("B11", "Postcode")?;
    let (written, out) = postcode_answer(c, p, 1);
    f.single(&mut g, "child.postcode", "C11", text(written), out)?;

    g.heading(
        "B13",
        "Section B: Who is making this request? Put an X in one box",
    )?;
    let options = [
        ("C14", "parent"),
        ("C15", "young_person"),
        ("C16", "school"),
    ];
    g.label("B14", "Parent / carer")?;
    g.label("B15", "Young person (over 16)")?;
    g.label("B16", "School or setting")?;
    if p.empty("request.requester_role") {
        let all: Vec<String> = options.iter().map(|(cell, _)| g.src(cell)).collect();
        f.expect
            .field("request.requester_role", empty(&all.join(", ")));
    } else {
        let (cell, value) = options
            .iter()
            .find(|(_, v)| *v == c.requester)
            .ok_or_else(|| anyhow!("no tick box for {}", c.requester))?;
        g.put(cell, &text("X"))?;
        f.expect
            .field("request.requester_role", ok(json!(value), &g.src(cell)));
    }
    g.label("B17", "Name of person making the request")?;
    let name = c.requester_name.clone();
    f.single(
        &mut g,
        "request.requester_name",
        "C17",
        text(name.clone()),
        good(name),
    )?;

    g.heading("B19", "Section C: Parents and carers")?;
    let mut names = Vec::new();
    let mut rels = Vec::new();
    for (n, (name_cell, rel_cell)) in [("C20", "C21"), ("C22", "C23")].into_iter().enumerate() {
        let row = a1(name_cell).0 + 1;
        g.label(&format!("B{row}"), &format!("Parent/carer {} name", n + 1))?;
        g.label(
            &format!("B{}", row + 1),
            &format!("Parent/carer {} relationship to child", n + 1),
        )?;
        let parent = c.parents.get(n);
        names.push(f.item(
            &mut g,
            "parents.name",
            name_cell,
            parent.map(|pa| (text(pa.name.clone()), json!(pa.name))),
        )?);
        // Written as people write it ("Mum"); the mapping's `map` gives the record's word ("Mother").
        rels.push(f.item(
            &mut g,
            "parents.relationship",
            rel_cell,
            parent.map(|pa| (text(pa.rel_word), json!(pa.rel))),
        )?);
    }
    f.expect.field("parents.name", group(names));
    f.expect.field("parents.relationship", group(rels));

    g.heading("B26", "Section D: Education")?;
    g.label("B27", "Name of school or setting")?;
    f.single(
        &mut g,
        "setting.name",
        "C27",
        text(c.setting),
        good(c.setting),
    )?;
    g.label("B28", "Headteacher")?;
    let head = c.head.clone();
    f.single(
        &mut g,
        "setting.headteacher_name",
        "C28",
        text(head.clone()),
        good(head),
    )?;

    g.heading("B30", "Section E: Special educational needs and evidence")?;
    g.label(
        "B31",
        "Description of the child's special educational needs",
    )?;
    let d = c.need.description;
    f.single(&mut g, "needs.description", "C31", text(d), good(d))?;
    g.label(
        "B32",
        "Number of assess-plan-do-review cycles completed (minimum 2)",
    )?;
    let apdr = f64::from(c.apdr);
    f.single(
        &mut g,
        "evidence.apdr_cycles",
        "C32",
        Cell::Num(apdr),
        Out::Good(num(apdr)),
    )?;
    g.label("B33", "Costed provision map attached? (Yes/No)")?;
    let cpm = c.costed_map;
    f.single(
        &mut g,
        "evidence.costed_provision_map",
        "C33",
        text(yes_no(cpm)),
        good(cpm),
    )?;

    g.heading("B35", "Section F: Views")?;
    g.label("B36", "The child's views")?;
    f.single(
        &mut g,
        "views.child",
        "C36",
        text(c.views_child),
        good(c.views_child),
    )?;
    g.label("B37", "The parents' views")?;
    f.single(
        &mut g,
        "views.parent",
        "C37",
        text(c.views_parent),
        good(c.views_parent),
    )?;

    g.heading("B39", "Section G: Additional information")?;
    // The date of birth asked a second time: written as the first answer was.
    g.label("B40", "Child's date of birth")?;
    f.extra(
        &mut g,
        "dob_again",
        "C40",
        Cell::Date(dob),
        &dob.to_string(),
    )?;
    g.label("B41", "Recent photograph of the child attached?")?;
    let photo = yes_no(c.photo);
    f.extra(&mut g, "photograph", "C41", text(photo), photo)?;
    g.label("B42", "Boxall Profile completed?")?;
    let boxall = yes_no(c.boxall);
    f.extra(&mut g, "boxall_profile", "C42", text(boxall), boxall)?;

    g.heading("B44", "Section H: Declaration")?;
    g.label("B45", "Date of request")?;
    let rd = c.request_date;
    f.single(
        &mut g,
        "request.date",
        "C45",
        Cell::Date(rd),
        Out::Good(iso(rd)),
    )?;

    let mut wb = workbook()?;
    wb.push_worksheet(g.ws);
    Ok((wb, f.expect))
}

// ---------------------------------------------------------------------------------------------------------------
// LA 952 Eastbridge: labels in A, answers merged B:D, text answers, numbered parent blocks.
// ---------------------------------------------------------------------------------------------------------------

fn eastbridge(c: &Child, p: &Plant) -> Result<(Workbook, Expect)> {
    let mut g = Grid::new("Assessment request")?;
    let mut f = Form {
        plant: p,
        expect: Expect::default(),
    };
    g.ws.set_column_width(0, 46)?;
    for col in 1..=3 {
        g.ws.set_column_width(col, 22)?;
    }
    g.title("A1", "Eastbridge City Council")?;
    g.label(
        "A2",
        "Request for Education, Health and Care Needs Assessment",
    )?;

    // A label in A, its answer box merged across B:D.
    let row = |g: &mut Grid, r: u32, label: &str| -> Result<String> {
        g.label(&format!("A{r}"), label)?;
        g.merge(&format!("B{r}"), &format!("D{r}"))?;
        Ok(format!("B{r}"))
    };

    g.heading("A3", "Section 1 - Pupil details")?;
    let cell = row(&mut g, 4, "Pupil's surname")?;
    f.single(
        &mut g,
        "child.surname",
        &cell,
        text(c.surname),
        good(c.surname),
    )?;
    let cell = row(&mut g, 5, "Pupil's first name")?;
    f.single(
        &mut g,
        "child.forename",
        &cell,
        text(c.forename),
        good(c.forename),
    )?;
    let cell = row(&mut g, 6, "Known as")?;
    match c.preferred {
        Some(pn) => f.single(&mut g, "child.preferred_name", &cell, text(pn), good(pn))?,
        None => f.expect.field("child.preferred_name", empty(&g.src(&cell))),
    }
    let cell = row(&mut g, 7, "D.O.B.")?;
    let (written, out) = if p.bad_dob {
        // 31 February: a date that does not exist.
        let bad = format!("31/02/{}", c.dob.year());
        (bad.clone(), Out::Bad(bad))
    } else {
        (dmy(c.dob), Out::Good(iso(c.dob)))
    };
    f.single(&mut g, "child.date_of_birth", &cell, text(written), out)?;
    let cell = row(&mut g, 8, "Gender (M/F)")?;
    let mf = if c.gender == "male" { "M" } else { "F" };
    f.single(&mut g, "child.gender", &cell, text(mf), good(c.gender))?;
    let cell = row(&mut g, 9, "UPN")?;
    let (written, out) = upn_answer(c, p, 2);
    f.single(&mut g, "child.upn", &cell, text(written), out)?;
    let cell = row(&mut g, 10, "Home address")?;
    f.single(
        &mut g,
        "child.address",
        &cell,
        text(c.address()),
        good(c.address()),
    )?;
    let cell = row(&mut g, 11, "Home post code")?;
    let (written, out) = postcode_answer(c, p, 2);
    f.single(&mut g, "child.postcode", &cell, text(written), out)?;
    let cell = row(&mut g, 12, "Year group")?;
    let yg = c.year_group.clone();
    f.single(
        &mut g,
        "child.year_group",
        &cell,
        text(yg.clone()),
        good(yg),
    )?;
    let cell = row(&mut g, 13, "Looked after child?")?;
    let la = c.looked_after;
    f.single(
        &mut g,
        "child.looked_after",
        &cell,
        text(yes_no(la)),
        good(la),
    )?;

    g.heading("A14", "Section 2 - Parents / carers")?;
    let mut names = Vec::new();
    let mut rels = Vec::new();
    let mut addrs = Vec::new();
    for n in 0..2usize {
        let base = 15 + 4 * n as u32;
        g.heading(&format!("A{base}"), &format!("Parent/Carer {}", n + 1))?;
        let name_cell = row(&mut g, base + 1, &format!("Parent/Carer {} name", n + 1))?;
        let rel_cell = row(
            &mut g,
            base + 2,
            &format!("Parent/Carer {} relationship", n + 1),
        )?;
        let addr_cell = row(&mut g, base + 3, &format!("Parent/Carer {} address", n + 1))?;
        let parent = c.parents.get(n);
        names.push(f.item(
            &mut g,
            "parents.name",
            &name_cell,
            parent.map(|pa| (text(pa.name.clone()), json!(pa.name))),
        )?);
        rels.push(f.item(
            &mut g,
            "parents.relationship",
            &rel_cell,
            parent.map(|pa| (text(pa.rel), json!(pa.rel))),
        )?);
        addrs.push(f.item(
            &mut g,
            "parents.address",
            &addr_cell,
            parent.map(|_| (text(c.address()), json!(c.address()))),
        )?);
    }
    f.expect.field("parents.name", group(names));
    f.expect.field("parents.relationship", group(rels));
    f.expect.field("parents.address", group(addrs));
    let cell = row(&mut g, 23, "Does the parent/carer agree with this request?")?;
    let pa = c.parent_agreement;
    f.single(
        &mut g,
        "request.parent_agreement",
        &cell,
        text(yes_no(pa)),
        good(pa),
    )?;

    g.heading("A24", "Section 3 - School")?;
    let cell = row(&mut g, 25, "Current school")?;
    f.single(
        &mut g,
        "setting.name",
        &cell,
        text(c.setting),
        good(c.setting),
    )?;
    let cell = row(&mut g, 26, "SENCo")?;
    let senco = c.senco.clone();
    f.single(
        &mut g,
        "setting.senco_name",
        &cell,
        text(senco.clone()),
        good(senco),
    )?;

    g.heading("A27", "Section 4 - Needs and evidence")?;
    // Free text below its heading: the heading and the answer box each span A:D.
    g.ws.merge_range(27, 0, 27, 3, "", &g.label)?;
    g.label("A28", "Describe the pupil's special educational needs")?;
    g.merge("A29", "D29")?;
    g.ws.set_row_height(28, 60)?;
    let d = c.need.description;
    f.single(&mut g, "needs.description", "A29", text(d), good(d))?;
    g.ws.merge_range(29, 0, 29, 3, "", &g.label)?;
    g.label("A30", "Health needs")?;
    g.merge("A31", "D31")?;
    g.ws.set_row_height(30, 45)?;
    let h = c.need.health;
    f.single(&mut g, "needs.health", "A31", text(h), good(h))?;
    let cell = row(&mut g, 32, "Pupil's views")?;
    f.single(
        &mut g,
        "views.child",
        &cell,
        text(c.views_child),
        good(c.views_child),
    )?;
    let cell = row(&mut g, 33, "Educational psychologist report attached?")?;
    let ep = c.ep_report;
    f.single(
        &mut g,
        "evidence.ep_report",
        &cell,
        text(yes_no(ep)),
        good(ep),
    )?;
    let cell = row(&mut g, 34, "Photograph of child")?;
    let photo = if c.photo { "Attached" } else { "Not attached" };
    f.extra(&mut g, "photograph", &cell, text(photo), photo)?;
    let cell = row(&mut g, 35, "SDQ score")?;
    let sdq = c.sdq.to_string();
    f.extra(
        &mut g,
        "sdq_score",
        &cell,
        Cell::Num(f64::from(c.sdq)),
        &sdq,
    )?;
    let cell = row(&mut g, 36, "Number of fixed-term exclusions")?;
    let ex = c.exclusions.to_string();
    f.extra(
        &mut g,
        "fixed_term_exclusions",
        &cell,
        Cell::Num(f64::from(c.exclusions)),
        &ex,
    )?;

    g.heading("A37", "Section 5 - About this request")?;
    let cell = row(
        &mut g,
        38,
        "Request made by (Parent / Young person / School)",
    )?;
    let by = match c.requester {
        "parent" => "Parent",
        "young_person" => "Young person",
        _ => "School",
    };
    f.single(
        &mut g,
        "request.requester_role",
        &cell,
        text(by),
        good(c.requester),
    )?;
    let cell = row(&mut g, 39, "Name of person making the request")?;
    let name = c.requester_name.clone();
    f.single(
        &mut g,
        "request.requester_name",
        &cell,
        text(name.clone()),
        good(name),
    )?;
    let cell = row(&mut g, 40, "Date of request")?;
    let rd = c.request_date;
    f.single(
        &mut g,
        "request.date",
        &cell,
        text(dmy(rd)),
        Out::Good(iso(rd)),
    )?;

    let mut wb = workbook()?;
    wb.push_worksheet(g.ws);
    Ok((wb, f.expect))
}

// ---------------------------------------------------------------------------------------------------------------
// LA 953 Westvale: four sheets, tables, bare serial dates, an address in three cells.
// ---------------------------------------------------------------------------------------------------------------

fn westvale(c: &Child, p: &Plant) -> Result<(Workbook, Expect)> {
    let mut f = Form {
        plant: p,
        expect: Expect::default(),
    };

    // --- Child ---
    let mut g = Grid::new("Child")?;
    g.ws.set_column_width(0, 44)?;
    g.ws.set_column_width(1, 60)?;
    g.title(
        "A1",
        "Westvale County Council: request for an EHC needs assessment",
    )?;
    g.heading("A2", "Part 1: the child")?;
    let labels = [
        (3, "Legal forename"),
        (4, "Legal surname"),
        (5, "Date of birth"),
        (6, "UPN"),
        (7, "NHS number"),
        (8, "Address line 1"),
        (9, "Address line 2"),
        (10, "Town"),
        (11, "Postcode"),
        (12, "First language"),
        (13, "Eligible for pupil premium? (Y/N)"),
        (14, "Name of setting"),
        (15, "Primary need (SEN type code)"),
        (16, "Primary area of need"),
        (17, "Description of needs"),
        (18, "Child's views"),
    ];
    for (r, l) in labels {
        g.label(&format!("A{r}"), l)?;
    }
    f.single(
        &mut g,
        "child.forename",
        "B3",
        text(c.forename),
        good(c.forename),
    )?;
    f.single(
        &mut g,
        "child.surname",
        "B4",
        text(c.surname),
        good(c.surname),
    )?;
    // The date of birth as a bare serial number in a General cell (no date format).
    let (dob, out) = dob_cell(c, p);
    let serial = date(1899, 12, 30).until(dob)?.get_days();
    f.single(
        &mut g,
        "child.date_of_birth",
        "B5",
        Cell::Num(f64::from(serial)),
        out,
    )?;
    let (written, out) = upn_answer(c, p, 1);
    f.single(&mut g, "child.upn", "B6", text(written), out)?;
    // The NHS number typed as a number.
    let nhs: f64 = c.nhs.parse()?;
    f.single(
        &mut g,
        "child.nhs_number",
        "B7",
        Cell::Num(nhs),
        good(c.nhs.clone()),
    )?;
    let src = ["B8", "B9", "B10"].map(|cell| g.src(cell)).join(" + ");
    if p.empty("child.address") {
        f.expect.field("child.address", empty(&src));
    } else {
        g.put("B8", &text(c.line1.clone()))?;
        if let Some(l2) = c.line2 {
            g.put("B9", &text(l2))?;
        }
        g.put("B10", &text(c.town))?;
        f.expect
            .field("child.address", ok(json!(c.address()), &src));
    }
    let (written, out) = postcode_answer(c, p, 0);
    f.single(&mut g, "child.postcode", "B11", text(written), out)?;
    let lang = c.first_language;
    f.single(
        &mut g,
        "child.first_language",
        "B12",
        text(lang),
        good(lang),
    )?;
    let pp = c.pupil_premium;
    f.single(
        &mut g,
        "child.pupil_premium",
        "B13",
        text(if pp { "Y" } else { "N" }),
        good(pp),
    )?;
    // Asked again on the School sheet as "Current school".
    f.extra(&mut g, "name_of_setting", "B14", text(c.setting), c.setting)?;
    let need = c.need;
    f.single(
        &mut g,
        "needs.primary_need_type",
        "B15",
        text(need.code_written),
        good(need.code),
    )?;
    f.single(
        &mut g,
        "needs.primary_area",
        "B16",
        text(need.area_written),
        good(need.area),
    )?;
    f.single(
        &mut g,
        "needs.description",
        "B17",
        text(need.description),
        good(need.description),
    )?;
    f.single(
        &mut g,
        "views.child",
        "B18",
        text(c.views_child),
        good(c.views_child),
    )?;
    let child_sheet = g.ws;

    // --- Family ---
    let mut g = Grid::new("Family")?;
    for (col, w) in [(0, 30), (1, 24), (2, 50), (3, 18)] {
        g.ws.set_column_width(col, w)?;
    }
    g.title("A1", "Parents and carers")?;
    for (cell, h) in [
        ("A2", "Name"),
        ("B2", "Relationship to child"),
        ("C2", "Address"),
        ("D2", "Telephone"),
    ] {
        g.heading(cell, h)?;
    }
    let col = |field: fn(&Parent, &Child) -> (Cell, Value)| -> Vec<Option<(Cell, Value)>> {
        c.parents.iter().map(|pa| Some(field(pa, c))).collect()
    };
    let names = col(|pa, _| (text(pa.name.clone()), json!(pa.name)));
    f.column(&mut g, "parents.name", "A", 3..=6, names)?;
    let rels = col(|pa, _| (text(pa.rel), json!(pa.rel)));
    f.column(&mut g, "parents.relationship", "B", 3..=6, rels)?;
    let addrs = col(|_, c| (text(c.address()), json!(c.address())));
    f.column(&mut g, "parents.address", "C", 3..=6, addrs)?;
    let phones = col(|pa, _| (text(pa.phone.clone()), json!(pa.phone)));
    f.column(&mut g, "parents.phone", "D", 3..=6, phones)?;
    g.label(
        "A8",
        "Parent/carer consents to information being shared with health and social care (Y/N)",
    )?;
    let consent = c.consent;
    let yn = if consent { "Y" } else { "N" };
    f.single(
        &mut g,
        "consent.information_sharing",
        "B8",
        text(yn),
        good(consent),
    )?;
    let family_sheet = g.ws;

    // --- School ---
    let mut g = Grid::new("School")?;
    g.ws.set_column_width(0, 58)?;
    g.ws.set_column_width(1, 44)?;
    g.title("A1", "School or setting")?;
    let labels = [
        (3, "Current school"),
        (4, "School URN"),
        (5, "Type of setting"),
        (6, "Headteacher"),
        (7, "SENCo name"),
        (8, "SENCo email"),
        (9, "Year group"),
        (10, "Attendance this year (%)"),
        (11, "Exclusions this year"),
        (12, "Boxall profile attached"),
        (
            13,
            "Strengths and Difficulties Questionnaire (SDQ) total score",
        ),
        (15, "Request made by"),
        (16, "Name of person making the request"),
        (17, "Date of request"),
    ];
    for (r, l) in labels {
        g.label(&format!("A{r}"), l)?;
    }
    f.single(
        &mut g,
        "setting.name",
        "B3",
        text(c.setting),
        good(c.setting),
    )?;
    let urn = f64::from(c.urn);
    f.single(
        &mut g,
        "setting.urn",
        "B4",
        Cell::Num(urn),
        good(c.urn.to_string()),
    )?;
    let (st_written, st) = c.setting_type;
    f.single(&mut g, "setting.type", "B5", text(st_written), good(st))?;
    let head = c.head.clone();
    f.single(
        &mut g,
        "setting.headteacher_name",
        "B6",
        text(head.clone()),
        good(head),
    )?;
    let senco = c.senco.clone();
    f.single(
        &mut g,
        "setting.senco_name",
        "B7",
        text(senco.clone()),
        good(senco),
    )?;
    let mail = c.senco_email.clone();
    f.single(
        &mut g,
        "setting.senco_contact",
        "B8",
        text(mail.clone()),
        good(mail),
    )?;
    let yg = c.year_group.clone();
    f.single(&mut g, "child.year_group", "B9", text(yg.clone()), good(yg))?;
    let att = c.attendance;
    f.single(
        &mut g,
        "evidence.attendance_percent",
        "B10",
        Cell::Num(att),
        Out::Good(num(att)),
    )?;
    let ex = c.exclusions;
    f.extra(
        &mut g,
        "exclusions",
        "B11",
        Cell::Num(f64::from(ex)),
        &ex.to_string(),
    )?;
    let boxall = yes_no(c.boxall);
    f.extra(&mut g, "boxall_profile", "B12", text(boxall), boxall)?;
    let sdq = c.sdq;
    f.extra(
        &mut g,
        "sdq_total",
        "B13",
        Cell::Num(f64::from(sdq)),
        &sdq.to_string(),
    )?;
    let by = match c.requester {
        "parent" => "Parent/carer",
        "young_person" => "Young person",
        _ => "SENCo",
    };
    f.single(
        &mut g,
        "request.requester_role",
        "B15",
        text(by),
        good(c.requester),
    )?;
    let name = c.requester_name.clone();
    f.single(
        &mut g,
        "request.requester_name",
        "B16",
        text(name.clone()),
        good(name),
    )?;
    let rd = c.request_date;
    f.single(
        &mut g,
        "request.date",
        "B17",
        Cell::Date(rd),
        Out::Good(iso(rd)),
    )?;
    let school_sheet = g.ws;

    // --- Professionals ---
    let mut g = Grid::new("Professionals")?;
    g.ws.set_column_width(0, 30)?;
    g.ws.set_column_width(1, 44)?;
    g.title(
        "A1",
        "Professionals involved (list everyone currently working with the child)",
    )?;
    g.heading("A2", "Name")?;
    g.heading("B2", "Service / role")?;
    let names = c
        .professionals
        .iter()
        .map(|(n, _)| Some((text(*n), json!(n))))
        .collect();
    f.column(&mut g, "professionals.name", "A", 3..=12, names)?;
    let services = c
        .professionals
        .iter()
        .map(|(_, s)| Some((text(*s), json!(s))))
        .collect();
    f.column(&mut g, "professionals.service", "B", 3..=12, services)?;
    let prof_sheet = g.ws;

    let mut wb = workbook()?;
    wb.push_worksheet(child_sheet);
    wb.push_worksheet(family_sheet);
    wb.push_worksheet(school_sheet);
    wb.push_worksheet(prof_sheet);
    Ok((wb, f.expect))
}

// ---------------------------------------------------------------------------------------------------------------
// Main.
// ---------------------------------------------------------------------------------------------------------------

/// A workbook with fixed document properties, so that its bytes do not depend on the time of the run.
fn workbook() -> Result<Workbook> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 9, 1)?.and_hms(9, 0, 0)?;
    wb.set_properties(
        &DocProperties::new()
            .set_author("harmonise fixtures")
            .set_creation_datetime(&created),
    );
    Ok(wb)
}

/// The template's `must` fields (a mapped `must` field left empty makes a record partial).
fn must_fields() -> Result<Vec<String>> {
    let text = fs::read_to_string(TEMPLATE).with_context(|| format!("reading {TEMPLATE}"))?;
    let doc: toml::Table = toml::from_str(&text)?;
    let fields = doc
        .get("field")
        .and_then(|f| f.as_array())
        .ok_or_else(|| anyhow!("{TEMPLATE} has no [[field]]"))?;
    Ok(fields
        .iter()
        .filter(|f| f.get("statutory").and_then(|s| s.as_str()) == Some("must"))
        .filter_map(|f| f.get("id").and_then(|s| s.as_str()).map(str::to_string))
        .collect())
}

/// The six filled forms of an LA: two clean, then the planted cases.
fn plants(la: &str) -> [Plant; 6] {
    let (empties, bad_postcode): (&'static [&'static str], &'static str) = match la {
        // The full name (both child.forename and child.surname come from it), the tick row, and others.
        "951" => (
            &[
                "child.forename",
                "child.surname",
                "child.nhs_number",
                "views.child",
                "request.requester_role",
                "extra.photograph",
            ],
            "NM14 7CD",
        ),
        "952" => (
            &[
                "child.surname",
                "child.date_of_birth",
                "needs.description",
                "needs.health",
                "request.parent_agreement",
                "extra.sdq_score",
            ],
            "EB3 2Q",
        ),
        _ => (
            &[
                "child.surname",
                "child.address",
                "consent.information_sharing",
                "extra.boxall_profile",
            ],
            "WQ7",
        ),
    };
    [
        Plant::default(),
        Plant::default(),
        Plant {
            empty: empties,
            ..Plant::default()
        },
        Plant {
            bad_upn: true,
            ..Plant::default()
        },
        Plant {
            bad_dob: true,
            ..Plant::default()
        },
        Plant {
            bad_postcode: Some(bad_postcode),
            ..Plant::default()
        },
    ]
}

fn las() -> [La; 3] {
    [
        La {
            code: "951",
            dir: "northmoor",
            mapping: "951-northmoor",
            area: "NM",
            town: "Northmoor",
            schools: [
                (
                    "Northmoor Park Primary School",
                    ("Maintained school", "maintained_school"),
                ),
                ("St Aidan's CE Academy", ("Academy", "academy")),
                (
                    "Moorside High School",
                    ("Maintained school", "maintained_school"),
                ),
            ],
            write: northmoor,
        },
        La {
            code: "952",
            dir: "eastbridge",
            mapping: "952-eastbridge",
            area: "EB",
            town: "Eastbridge",
            schools: [
                ("Eastbridge Riverside Academy", ("Academy", "academy")),
                (
                    "Quayside Primary School",
                    ("Maintained school", "maintained_school"),
                ),
                ("Bridgegate School", ("Independent", "independent")),
            ],
            write: eastbridge,
        },
        La {
            code: "953",
            dir: "westvale",
            mapping: "953-westvale",
            area: "WQ",
            town: "Westvale",
            schools: [
                (
                    "Westvale Hill Primary School",
                    ("Maintained school", "maintained_school"),
                ),
                ("Harrowfield Academy", ("Academy", "academy")),
                ("Little Oaks Nursery", ("Early years", "early_years")),
            ],
            write: westvale,
        },
    ]
}

fn save(path: &str, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = Path::new(path).parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, bytes).with_context(|| format!("writing {path}"))
}

/// For `examples/gen_bench_corpus.rs`, which includes this file as a module: the workbook of LA `la_index` (of
/// [`N_LAS`]) for seed `i`, planted case `i % 7` (0-5 as the filled fixtures, 6 blank), both free-text answers
/// replaced by `long` when given. Returns the LA's fixture folder name and the bytes.
#[allow(dead_code)] // unused by this example itself
pub(crate) fn bench_document(
    la_index: usize,
    i: usize,
    long: Option<&'static str>,
) -> Result<(&'static str, Vec<u8>)> {
    let las = las();
    let la = &las[la_index % N_LAS];
    let case = i % 7;
    let k = case % 6;
    let mut c = child_at(la, la_index * 6 + k + i * 19, k)?;
    if let Some(long) = long {
        c.views_child = long;
        c.views_parent = long;
    }
    let plant = match case {
        6 => Plant {
            blank: true,
            ..Plant::default()
        },
        _ => plants(la.code).into_iter().nth(k).unwrap_or_default(),
    };
    let (mut wb, _) = (la.write)(&c, &plant)?;
    Ok((la.dir, wb.save_to_buffer()?))
}

/// How many LAs [`bench_document`] draws from.
#[allow(dead_code)]
pub(crate) const N_LAS: usize = 3;

fn main() -> Result<()> {
    let must = must_fields()?;
    let mut expected = Map::new();
    for (li, la) in las().iter().enumerate() {
        let dir = format!("{FORMS}/{}", la.dir);
        if Path::new(&dir).exists() {
            fs::remove_dir_all(&dir)?;
        }
        let blank = Plant {
            blank: true,
            ..Plant::default()
        };
        let docs = std::iter::once(("blank.xlsx".to_string(), 0, blank)).chain(
            plants(la.code)
                .into_iter()
                .enumerate()
                .map(|(k, p)| (format!("filled-{:02}.xlsx", k + 1), k, p)),
        );
        for (name, k, plant) in docs {
            let c = child(la, li, k)?;
            let (mut wb, exp) = (la.write)(&c, &plant)?;
            save(&format!("{dir}/{name}"), &wb.save_to_buffer()?)?;
            expected.insert(format!("{}/{name}", la.dir), exp.finish(la.mapping, &must));
        }
    }
    bad()?;
    let mut json = serde_json::to_string_pretty(&Value::Object(expected))?;
    json.push('\n');
    save(EXPECTED, json.as_bytes())?;
    eprintln!(
        "gen_xlsx_fixtures: wrote {FORMS}/{{northmoor,eastbridge,westvale}}, {BAD}, {EXPECTED}"
    );
    Ok(())
}

/// Inputs that must each become one manifest row with a precise reason, never a crash.
fn bad() -> Result<()> {
    // A valid workbook cut to half its bytes: the zip's central directory is gone.
    let (mut wb, _) = northmoor(&child(&las()[0], 0, 0)?, &Plant::default())?;
    let whole = wb.save_to_buffer()?;
    save(&format!("{BAD}/corrupt.xlsx"), &whole[..whole.len() / 2])?;
    save(&format!("{BAD}/empty.xlsx"), b"")?;
    save(
        &format!("{BAD}/notes.txt"),
        b"Notes from the SEND panel, 12 September 2025.\nThree requests deferred pending EP advice.\n",
    )?;

    // Two cells at opposite corners: the used range A1:XFD1048576 spans the whole sheet.
    let mut wb = workbook()?;
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "first cell")?;
    ws.write_string(1_048_575, 16_383, "last cell")?;
    save(&format!("{BAD}/huge-range.xlsx"), &wb.save_to_buffer()?)?;

    // A real form, but of an LA no mapping knows.
    let mut wb = workbook()?;
    let ws = wb.add_worksheet();
    ws.set_name("Referral")?;
    ws.write_string(0, 0, "Riverford District Council")?;
    ws.write_string(1, 0, "Early help referral form")?;
    ws.write_string(3, 0, "Child's name")?;
    ws.write_string(3, 1, "Alex Example")?;
    save(&format!("{BAD}/unrecognised.xlsx"), &wb.save_to_buffer()?)?;
    Ok(())
}
