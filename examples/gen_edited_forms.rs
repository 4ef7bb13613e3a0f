//! Writes fixtures of **changed** LA forms for three fictional local authorities: each LA's blank form (the
//! reference a mapping can name), documents of that original form filled in, and documents of edited versions
//! of it (a row inserted, a question removed, a column added, a sheet renamed, labels reworded, a question added,
//! PDF fields renumbered or moved, and three edits at once), each filled with other invented values; and
//! `truth.json`, what a **correct** reading of every document gives, computed here from the form's model and the
//! values written, never by running harmonise. `docs/edited-forms.md` lists the edits.
//!
//! | code | LA | format | layout |
//! |---|---|---|---|
//! | 971 | Fenbury County Council | xlsx | labels in B, answers in C, parents side by side (C, D), a tick-box row, a second sheet |
//! | 972 | Marshby Borough Council | docx | six tables of label and answer cells, parents side by side, a tick-box row |
//! | 973 | Oakhurst City Council | pdf (AcroForm) | two pages of fields named `Text1`..`Text36`, each with its printed label beside it |
//!
//! Each form is **data**: sheets (or tables) of rows whose cells are printed text or answer boxes ("slots"), or
//! PDF pages of rows of labelled fields; an edit is an operation on that model (insert a row, delete a row, insert
//! a column, rename a sheet, insert a table, reword a label, move a row, renumber fields), so the edited document
//! and where every answer went follow from the same operations. The mappings beside the fixtures
//! (`fixtures/edited/mappings/`, written by hand) read the ORIGINAL form by fixed positions only.
//!
//! The truth, per document: `la_code`, `edits` (kind and where, in the edited document), `record_status` and
//! `fields`: for every national field the mappings map, `{status, value}` (`ok`, `empty`), `{status:
//! "not_found"}` when the question it was read from was removed or reworded beyond recognition, or `{status,
//! items}` for the repeating `parents.*` and `professionals.*` fields. A field whose question moved keeps its true
//! value. Values are as harmonise writes them in records.jsonl: text trimmed, "N/A" empty, dates ISO, enums
//! mapped, identifiers normalised, whole numbers as integers.
//!
//! Every name, number and address is invented: NHS numbers from the never-issued 999 range with valid modulus-11
//! check digits, UPNs with the right check letter for the fictional LA number, postcodes in unassigned areas
//! (FB, MQ, OQ), telephone numbers from Ofcom's drama ranges, e-mail addresses at example.org. Workbooks carry a
//! fixed creation date, zip entries a fixed timestamp, PDFs a fixed `/ID`: two runs write byte-identical files.
//!
//! Run from the repository root: `cargo run --example gen_edited_forms [-- --out DIR]` (default
//! `fixtures/edited`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator: a failure should stop it loudly, where the library must return an error"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use harmonise::template::{Statutory, Template};
use harmonise::validate;
use lopdf::{Document, Object, ObjectId, Stream, dictionary, text_string};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------------------------
// The truth
// ---------------------------------------------------------------------------------------------------------------

/// One value as a correct reading records it.
#[derive(Clone, Debug)]
enum V {
    Ok(Value),
    Empty,
}

impl V {
    fn json(&self) -> Value {
        match self {
            V::Ok(v) => json!({"status": "ok", "value": v}),
            V::Empty => json!({"status": "empty"}),
        }
    }
    fn status(&self) -> &'static str {
        match self {
            V::Ok(_) => "ok",
            V::Empty => "empty",
        }
    }
    /// Makes a form filled in (an unticked box, `false`, does not: see record_status in src/harmonise.rs).
    fn filled(&self) -> bool {
        matches!(self, V::Ok(v) if *v != Value::Bool(false))
    }
}

/// A national field as the form asks it: the answer boxes (slots) it is read from, and its true value.
enum Want {
    /// A single field: every slot it reads (a tick row reads one per option) and the value.
    One(Vec<&'static str>, V),
    /// A group field: one slot and value per member.
    Items(Vec<(&'static str, V)>),
}

/// What one document holds: the text (or cell) written into each slot, and the truth of every mapped field.
#[derive(Default)]
struct Filled {
    values: BTreeMap<&'static str, W>,
    want: Vec<(&'static str, Want)>,
}

/// A written answer.
#[derive(Clone, Debug)]
enum W {
    Text(String),
    /// An xlsx date cell (docx and pdf write dates as text).
    Date(Ymd),
    /// An xlsx number cell.
    Num(f64),
}

impl Filled {
    fn put(&mut self, slot: &'static str, w: W) {
        if !matches!(&w, W::Text(s) if s.is_empty()) {
            assert!(
                self.values.insert(slot, w).is_none(),
                "{slot} written twice"
            );
        }
    }
    fn put_text(&mut self, slot: &'static str, s: &str) {
        self.put(slot, W::Text(s.to_string()));
    }
    fn one(&mut self, id: &'static str, slots: &[&'static str], v: V) {
        assert!(self.want.iter().all(|(i, _)| *i != id), "{id} twice");
        self.want.push((id, Want::One(slots.to_vec(), v)));
    }
    fn items(&mut self, id: &'static str, items: Vec<(&'static str, V)>) {
        assert!(self.want.iter().all(|(i, _)| *i != id), "{id} twice");
        self.want.push((id, Want::Items(items)));
    }
    /// A text answer written into `slot` as it is; the truth is it trimmed ("N/A" and blank are empty).
    fn text(&mut self, id: &'static str, slot: &'static str, s: &str) {
        self.put_text(slot, s);
        self.one(id, &[slot], txt(s));
    }
    /// An identifier written as `s`; the truth is its normalised form (the fixtures write only valid ones).
    fn ident(
        &mut self,
        id: &'static str,
        slot: &'static str,
        s: &str,
        check: fn(&str) -> Result<String, validate::Invalid>,
    ) {
        self.put_text(slot, s);
        self.one(id, &[slot], idv(s, check));
    }
    /// A Yes / No answer.
    fn yes_no(&mut self, id: &'static str, slot: &'static str, b: Option<bool>) {
        self.put_text(slot, b.map_or("", |b| if b { "Yes" } else { "No" }));
        self.one(id, &[slot], b.map_or(V::Empty, |b| V::Ok(json!(b))));
    }
}

fn na(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.eq_ignore_ascii_case("n/a") || t.eq_ignore_ascii_case("na")
}

fn txt(s: &str) -> V {
    if na(s) {
        V::Empty
    } else {
        V::Ok(json!(s.trim()))
    }
}

fn idv(s: &str, check: fn(&str) -> Result<String, validate::Invalid>) -> V {
    if na(s) {
        return V::Empty;
    }
    V::Ok(json!(
        check(s).expect("the fixtures write valid identifiers")
    ))
}

/// A number as harmonise writes it: whole numbers as integers (`3`, not `3.0`).
fn num(n: f64) -> Value {
    if n.fract() == 0.0 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

/// The truth of one field in a document from which the slots in `lost` are gone (their question removed or
/// reworded beyond recognition): (its JSON, its status, whether it fills the form in).
fn outcome(want: &Want, lost: &BTreeSet<&str>) -> (Value, &'static str, bool) {
    match want {
        Want::One(slots, _) if slots.iter().any(|s| lost.contains(s)) => {
            (json!({"status": "not_found"}), "not_found", false)
        }
        Want::One(_, v) => (v.json(), v.status(), v.filled()),
        Want::Items(items) => {
            let gone = items.iter().filter(|(s, _)| lost.contains(s)).count();
            assert!(
                gone == 0 || gone == items.len(),
                "a group loses all its members or none"
            );
            if gone > 0 {
                return (json!({"status": "not_found"}), "not_found", false);
            }
            let status = if items.iter().any(|(_, v)| v.status() == "ok") {
                "ok"
            } else {
                "empty"
            };
            let json = json!({"status": status, "items": items.iter().map(|(_, v)| v.json()).collect::<Vec<_>>()});
            (json, status, items.iter().any(|(_, v)| v.filled()))
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Dates and identifiers
// ---------------------------------------------------------------------------------------------------------------

type Ymd = (i16, i8, i8);

#[derive(Clone, Copy)]
enum Df {
    /// 3/4/2015
    Slash,
    /// 03/04/2015
    SlashPad,
    /// 03.04.2015
    Dot,
    /// 3rd April 2015
    Ordinal,
    /// 2015-04-03
    Iso,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn fmt_date((y, m, d): Ymd, df: Df) -> String {
    match df {
        Df::Slash => format!("{d}/{m}/{y}"),
        Df::SlashPad => format!("{d:02}/{m:02}/{y:04}"),
        Df::Dot => format!("{d:02}.{m:02}.{y:04}"),
        Df::Iso => format!("{y:04}-{m:02}-{d:02}"),
        Df::Ordinal => {
            let suffix = match (d % 10, d) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{d}{suffix} {} {y}", MONTHS[(m - 1) as usize])
        }
    }
}

fn iso((y, m, d): Ymd) -> Value {
    json!(format!("{y:04}-{m:02}-{d:02}"))
}

/// A date answer written as text in `df` (blank form: nothing); the truth is the ISO date.
fn date_text(f: &mut Filled, id: &'static str, slot: &'static str, d: Option<Ymd>, df: Df) {
    f.put_text(slot, &d.map_or(String::new(), |d| fmt_date(d, df)));
    f.one(id, &[slot], d.map_or(V::Empty, |d| V::Ok(iso(d))));
}

fn upn(la: &str, estab: &str, serial: usize) -> String {
    let body = format!("{la}{estab}15{serial:03}");
    let check = validate::upn_check_letter(&body).expect("a UPN body");
    let s = format!("{check}{body}");
    assert!(validate::upn(&s).is_ok());
    s
}

/// NHS numbers in the never-issued 999 range, with the modulus 11 check digit.
fn nhs(seed: usize) -> String {
    let mut n = 0;
    loop {
        let body = format!("999{:06}", seed * 7919 % 1_000_000 + n);
        let sum: u32 = body
            .bytes()
            .zip((2..=10).rev())
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let c = (11 - sum % 11) % 11;
        if c != 10 {
            let s = format!("{body}{c}");
            assert!(validate::nhs_number(&s).is_ok());
            return s;
        }
        n += 1;
    }
}

/// 999 123 4567.
fn spaced_nhs(n: &str) -> String {
    format!("{} {} {}", &n[..3], &n[3..6], &n[6..])
}

/// The national curriculum year group in the school year 2025/26 of a child born on `dob`.
fn year_group(dob: Ymd) -> String {
    let cohort = i32::from(dob.0) - i32::from(dob.1 < 9);
    match 2025 - cohort - 5 {
        n if n <= 0 => "Reception".to_string(),
        n => format!("Year {}", n.min(14)),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The fictional children and families
// ---------------------------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Parent {
    name: String,
    rel: &'static str,
    addr: String,
    phone: String,
    email: String,
    pr: bool,
}

#[derive(Clone)]
struct Kid {
    fore: &'static str,
    sur: &'static str,
    pref: &'static str,
    pronouns: &'static str,
    dob: Ymd,
    male: bool,
    addr: String,
    pc: String,
    upn: String,
    nhs: String,
    year: String,
    gp: String,
    lang: &'static str,
    religion: &'static str,
    ethnicity: &'static str,
    lac: bool,
    social_worker: bool,
    parents: Vec<Parent>,
    /// The third carer a version with a Parent/carer 3 column asks about.
    carer3: Parent,
    school: String,
    urn: String,
    /// Index into [`SETTING_TYPES`].
    setting_type: usize,
    head: String,
    senco: String,
    school_phone: String,
    /// 0 parent, 1 young person, 2 school.
    role: usize,
    requester: String,
    requester_phone: String,
    req: Ymd,
    agree: bool,
    /// Index into [`NEEDS`].
    need: usize,
    health: &'static str,
    social: &'static str,
    action: &'static str,
    apdr: u32,
    cost: (&'static str, f64),
    attendance: (&'static str, f64),
    ep: bool,
    pros: Vec<(&'static str, &'static str)>,
    vchild: &'static str,
    vparent: &'static str,
}

impl Kid {
    fn name(&self) -> String {
        format!("{} {}", self.fore, self.sur)
    }
}

/// (forename, surname, male): surnames of several words ("Da Silva") make the split of a full name matter.
const CHILDREN: [(&str, &str, bool); 30] = [
    ("Mateus", "Da Silva", true),
    ("Aoife", "O'Neill", false),
    ("Kwabena", "Mensah", true),
    ("Lena", "Van der Merwe", false),
    ("Tomasz", "Kowalski", true),
    ("Priya", "Ramanathan", false),
    ("Ezra", "De la Cruz", true),
    ("Nia", "Ap Rhys", false),
    ("Rafael", "Di Stefano", true),
    ("Imogen", "Fairweather", false),
    ("Yusuf", "Haddad", true),
    ("Chloé", "Le Roux", false),
    ("Oisin", "Mac Giolla", true),
    ("Zainab", "Okonkwo", false),
    ("Felix", "St John", true),
    ("Maja", "Lindqvist", false),
    ("Jude", "Marsh-Holloway", true),
    ("Amira", "El Amin", false),
    ("Caspar", "Ellingham", true),
    ("Hana", "Sato", false),
    ("Idris", "Da Costa", true),
    ("Freya", "Thornley", false),
    ("Luca", "Van Dijk", true),
    ("Esme", "Achebe", false),
    ("Bilal", "Khan", true),
    ("Ottilie", "Winterbourne", false),
    ("Kai", "Nakamura", true),
    ("Rosa", "Da Silva", false),
    ("Dmitri", "Novak", true),
    ("Willow", "Abernathy-Price", false),
];
const MUMS: [&str; 10] = [
    "Ana",
    "Siobhan",
    "Akosua",
    "Marieke",
    "Agnieszka",
    "Lakshmi",
    "Maria",
    "Carys",
    "Giulia",
    "Harriet",
];
const DADS: [&str; 10] = [
    "Paulo", "Declan", "Kofi", "Johan", "Piotr", "Arun", "Diego", "Rhys", "Marco", "Edward",
];
const GRANS: [&str; 5] = ["Margaret", "Fatima", "Irene", "Olu", "Brigid"];
const PREFERRED: [&str; 5] = ["", "Teddy", "", "Lou", ""];
const PRONOUNS: [&str; 4] = ["she/her", "he/him", "they/them", "he/him"];
const STREETS: [&str; 10] = [
    "Heron Row",
    "Tanner's Yard",
    "Lantern Court",
    "Ropewalk",
    "Chapel Walk",
    "Mill Lane",
    "Quarry Close",
    "Sedge Way",
    "Orchard Rise",
    "Kiln Street",
];
/// Inward codes whose letters a UK postcode may use.
const INWARD: [&str; 10] = [
    "2LN", "7QP", "4RT", "9HB", "3WD", "6SJ", "1PX", "8EG", "5UA", "2ZF",
];
const LANGS: [&str; 5] = ["English", "Portuguese", "Twi", "Polish", "Tamil"];
const RELIGIONS: [&str; 5] = ["None", "Christian", "Muslim", "Roman Catholic", "Hindu"];
const ETHNICITIES: [&str; 5] = [
    "White British",
    "White Other",
    "Black African",
    "Mixed White and Asian",
    "Asian Indian",
];
/// (printed, template value).
const SETTING_TYPES: [(&str, &str); 4] = [
    ("Maintained school", "maintained_school"),
    ("Academy", "academy"),
    ("Independent", "independent"),
    ("Early years", "early_years"),
];
/// (broad area as printed, template value, primary need as written, SEN type code).
const NEEDS: [(&str, &str, &str, &str); 6] = [
    (
        "Communication and interaction",
        "communication_interaction",
        "ASD",
        "ASD",
    ),
    (
        "Cognition and learning",
        "cognition_learning",
        "SpLD",
        "SPLD",
    ),
    (
        "Social, emotional and mental health",
        "semh",
        "SEMH",
        "SEMH",
    ),
    ("Sensory and/or physical", "sensory_physical", "HI", "HI"),
    (
        "Communication and interaction",
        "communication_interaction",
        "slcn",
        "SLCN",
    ),
    ("Cognition and learning", "cognition_learning", "MLD", "MLD"),
];
const DESCRIPTIONS: [&str; 6] = [
    "Diagnosed autism; finds unstructured times very hard and needs a visual timetable and an adult to manage transitions.",
    "Severe and persistent difficulties with reading and spelling; reading age four years below chronological age.",
    "Frequent emotional dysregulation with withdrawal from class; anxiety about attending has grown over two terms.",
    "Moderate bilateral hearing loss (aided) with delayed language; relies on lip-reading and a radio aid.",
    "Developmental language disorder: understands short instructions only with visual support.",
    "Working well below age-related expectations in all subjects despite small-group teaching.",
];
const HEALTH: [&str; 5] = [
    "No significant health needs.",
    "Asthma, managed with an inhaler in school.",
    "Under the paediatrician for sleep difficulties.",
    "Epilepsy, with a care plan and rescue medication in school.",
    "Glue ear treated with grommets in 2023.",
];
const SOCIAL: [&str; 5] = [
    "N/A",
    "Early help plan since 2024.",
    "None known",
    "Child in need plan; allocated social worker.",
    "n/a",
];
const ACTIONS: [&str; 5] = [
    "Daily small-group language intervention and a weekly session with a trained teaching assistant.",
    "Individual visual timetable, a quiet workstation and a named adult at the start and end of each day.",
    "Precision teaching three times a week and a structured phonics programme delivered one to one.",
    "Key adult check-ins twice a day, a nurture group and a reduced timetable for six weeks.",
    "Radio aid, seating plan, pre-teaching of vocabulary and advice from the sensory support service.",
];
const COSTS: [(&str, f64); 5] = [
    ("£2,450.00", 2450.0),
    ("£1,275.50", 1275.5),
    ("3600", 3600.0),
    ("£980", 980.0),
    ("£4,125.75", 4125.75),
];
const ATTENDANCE: [(&str, f64); 5] = [
    ("94%", 94.0),
    ("87.5%", 87.5),
    ("100%", 100.0),
    ("78%", 78.0),
    ("91.2", 91.2),
];
const PROS: [(&str, &str); 6] = [
    ("Dr Helen Marsh", "Educational Psychologist"),
    ("Beth Tranter", "Speech and Language Therapist"),
    ("Colm Ferris", "Occupational Therapist"),
    ("Dr Aisha Penrose", "Paediatrician"),
    ("Jo Calloway", "Social Worker"),
    ("Ravi Dutta", "CAMHS Practitioner"),
];
const VCHILD: [&str; 5] = [
    "I like drawing and Lego. I don't like it when it is noisy.",
    "I want to have a friend to play with at lunch.",
    "Reading is hard and it makes me feel sad.",
    "I feel worried in the mornings. I like my key adult.",
    "I like football. I can't always hear the teacher.",
];
const VPARENT: [&str; 5] = [
    "We want help so that she can make herself understood.",
    "He is exhausted when he gets home; we worry about secondary school.",
    "We think she needs more help than the school can give.",
    "We support the request; mornings are very difficult at home.",
    "We would like specialist advice for his hearing and language.",
];

/// The `n`th child of LA `la` (index `a`): 30 different children over the three LAs.
fn kid(a: usize, la: &La, n: usize) -> Kid {
    let s = a * 10 + n;
    let (fore, sur, male) = CHILDREN[s];
    let town = la.town;
    let addr = format!("{} {}, {town}", 2 + s * 7 % 60, STREETS[s % 10]);
    let mum = Parent {
        name: format!("{} {sur}", MUMS[s % 10]),
        rel: "Mother",
        addr: addr.clone(),
        phone: format!("07700 900{:03}", 100 + s * 7),
        email: format!(
            "{}.{}@example.org",
            MUMS[s % 10].to_lowercase(),
            sur.to_lowercase().replace([' ', '\''], "")
        ),
        pr: true,
    };
    // Every fourth family's second parent lives elsewhere; every fourth family has one parent.
    let dad = Parent {
        name: format!("{} {sur}", DADS[(s + 3) % 10]),
        rel: if s % 5 == 4 { "Stepfather" } else { "Father" },
        addr: if s % 4 == 1 {
            format!("{} {}, {town}", 40 + s, STREETS[(s + 4) % 10])
        } else {
            addr.clone()
        },
        phone: format!("07700 900{:03}", 500 + s * 11),
        email: format!(
            "{}{}@example.org",
            DADS[(s + 3) % 10].to_lowercase(),
            s + 10
        ),
        pr: s % 5 != 4,
    };
    let carer3 = Parent {
        name: format!("{} {sur}", GRANS[s % 5]),
        rel: "Grandmother",
        addr: format!("{} Almshouse Lane, {town}", 1 + s % 9),
        phone: format!("0113 496 0{:03}", 200 + s),
        email: String::new(),
        pr: false,
    };
    let dob: Ymd = (
        2010 + (s % 9) as i16,
        ((s * 5) % 12 + 1) as i8,
        ((s * 11) % 27 + 1) as i8,
    );
    let req: Ymd = (2025, (1 + s % 11) as i8, (1 + s * 3 % 27) as i8);
    let head = [
        "Mrs Joanna Pryce",
        "Mr Samuel Otway",
        "Ms Grace Huntley",
        "Dr Nina Castell",
    ][s % 4];
    let senco = [
        "Ms Priya Anand",
        "Mr Tom Gallagher",
        "Mrs Elin Rowe",
        "Mr Kieran Boyd",
        "Ms Dana Whitlock",
    ][s % 5];
    let school_phone = format!("0117 496 0{:03}", 300 + s * 3);
    let role = match s % 7 {
        4 => 1,
        1 | 3 | 6 => 2,
        _ => 0,
    };
    let (requester, requester_phone) = match role {
        0 => (mum.name.clone(), mum.phone.clone()),
        1 => (format!("{fore} {sur}"), format!("07700 900{:03}", 900 + s)),
        _ => (senco.to_string(), school_phone.clone()),
    };
    let k = Kid {
        fore,
        sur,
        pref: PREFERRED[s % 5],
        pronouns: PRONOUNS[s % 4],
        dob,
        male,
        addr,
        pc: format!("{}{} {}", la.area, 1 + s % 9, INWARD[(s * 3) % 10]),
        upn: upn(la.code, la.estab, 101 + s),
        nhs: nhs(1000 + s),
        year: year_group(dob),
        gp: format!(
            "{} Surgery, {town}",
            [
                "Brookside",
                "Wellgate",
                "Marsh Lane",
                "Abbey View",
                "Fountain"
            ][s % 5]
        ),
        lang: LANGS[s % 5],
        religion: RELIGIONS[(s + 2) % 5],
        ethnicity: ETHNICITIES[(s + 1) % 5],
        lac: s % 6 == 5,
        social_worker: s.is_multiple_of(3),
        parents: if s % 4 == 2 {
            vec![mum]
        } else {
            vec![mum, dad]
        },
        carer3,
        school: format!(
            "{town} {}",
            [
                "St Aidan's Primary School",
                "Park Academy",
                "Longmeadow Primary School",
                "Hillside School",
                "Riverside Nursery",
            ][s % 5]
        ),
        urn: format!("{}", 140_000 + s * 37),
        setting_type: [0, 1, 0, 2, 3][s % 5],
        head: head.to_string(),
        senco: senco.to_string(),
        school_phone,
        role,
        requester,
        requester_phone,
        req,
        agree: s % 6 != 3,
        need: s % 6,
        health: HEALTH[s % 5],
        social: SOCIAL[(s + 1) % 5],
        action: ACTIONS[s % 5],
        apdr: 1 + (s % 4) as u32,
        cost: COSTS[s % 5],
        attendance: ATTENDANCE[(s + 2) % 5],
        ep: s % 3 != 1,
        pros: (0..s % 4).map(|j| PROS[(s + j) % 6]).collect(),
        vchild: VCHILD[s % 5],
        vparent: VPARENT[(s + 3) % 5],
    };
    // The truth takes every date of birth as valid: before the request, age 0 to 25 at it.
    let d = jiff::civil::date(k.dob.0, k.dob.1, k.dob.2);
    let r = jiff::civil::date(k.req.0, k.req.1, k.req.2);
    assert!(validate::date_of_birth(d, r).is_ok(), "{}", k.name());
    k
}

/// A written answer: the child's value when filled, nothing on the blank form.
fn g(k: Option<&Kid>, f: impl Fn(&Kid) -> String) -> String {
    k.map_or(String::new(), f)
}

// ---------------------------------------------------------------------------------------------------------------
// The form model of sheets and tables
// ---------------------------------------------------------------------------------------------------------------

/// One cell of a sheet or table.
#[derive(Clone, Debug)]
enum Cell {
    Empty,
    /// Printed text: a label, an option, a column header.
    Print(String),
    /// A printed heading (bold).
    Head(String),
    /// An answer box, filled from the document's value for the slot.
    Slot(&'static str),
    /// An answer the blank form already holds (a default nobody maps).
    Pre(String),
    /// docx: covered by the cell on its left, which spans it (`w:gridSpan`).
    Covered,
}

impl Cell {
    fn text(&self) -> Option<&str> {
        match self {
            Cell::Print(s) | Cell::Head(s) | Cell::Pre(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Row {
    /// Names the row across edits (never printed).
    tag: &'static str,
    cells: Vec<Cell>,
}

/// A worksheet (xlsx) or a table (docx).
#[derive(Clone, Debug)]
struct Sheet {
    /// Names the sheet across edits (never printed).
    id: &'static str,
    /// xlsx: the sheet's name; docx: a paragraph printed before the table (empty: none).
    name: String,
    /// xlsx: column widths in characters; docx: grid column widths in twips.
    widths: Vec<f64>,
    rows: Vec<Row>,
}

#[derive(Clone, Debug)]
struct Grid {
    sheets: Vec<Sheet>,
}

impl Grid {
    fn sheet(&mut self, id: &str) -> &mut Sheet {
        self.sheets.iter_mut().find(|s| s.id == id).expect("sheet")
    }
    /// (sheet index, row index) of a row, by tag.
    fn find(&self, tag: &str) -> (usize, usize) {
        for (si, s) in self.sheets.iter().enumerate() {
            if let Some(ri) = s.rows.iter().position(|r| r.tag == tag) {
                return (si, ri);
            }
        }
        panic!("no row {tag}")
    }
    fn slots_of(&self, tag: &str) -> Vec<&'static str> {
        let (si, ri) = self.find(tag);
        self.sheets[si].rows[ri]
            .cells
            .iter()
            .filter_map(|c| match c {
                Cell::Slot(s) => Some(*s),
                _ => None,
            })
            .collect()
    }
}

fn row(tag: &'static str, cells: Vec<Cell>) -> Row {
    Row { tag, cells }
}

fn print(s: &str) -> Cell {
    Cell::Print(s.to_string())
}

fn head(s: &str) -> Cell {
    Cell::Head(s.to_string())
}

/// How an edit changes a sheet or table form.
#[derive(Clone)]
enum GridEdit {
    /// A new row after the row `after` (kind `row-inserted`, or `question-added` at the end of a section).
    InsertRow {
        kind: &'static str,
        after: &'static str,
        row: Row,
    },
    /// A question removed: its row goes, the rows below move up.
    DeleteRow { tag: &'static str },
    /// A column inserted at `at` (0-based): cells for the rows named, empty (or spanned) elsewhere.
    InsertCol {
        sheet: &'static str,
        at: usize,
        width: f64,
        cells: Vec<(&'static str, Cell)>,
        label: &'static str,
    },
    /// xlsx: a sheet renamed.
    RenameSheet {
        sheet: &'static str,
        new: &'static str,
    },
    /// docx: a new table before the others (every table number after it shifts).
    InsertSheet { at: usize, sheet: Sheet },
    /// The label in column `col` (0-based) of a row reworded; not `recognisable` means beyond recognition.
    Reword {
        tag: &'static str,
        col: usize,
        new: &'static str,
        recognisable: bool,
    },
}

/// What an edit did, to be described once every edit of the document is applied (positions in the edited
/// document).
enum Done {
    Row {
        kind: &'static str,
        tag: &'static str,
        label: String,
    },
    Deleted {
        next: &'static str,
        label: String,
    },
    Col {
        sheet: &'static str,
        at: usize,
        label: &'static str,
    },
    Renamed {
        sheet: &'static str,
        old: String,
        new: &'static str,
    },
    Table {
        id: &'static str,
        label: String,
    },
    Reworded {
        tag: &'static str,
        col: usize,
        old: String,
        new: &'static str,
        recognisable: bool,
    },
}

/// Applies `edits` in order; returns the edited form, the slots whose question is gone, and the edits as
/// truth.json describes them (`xlsx`: sheets by name; else tables by number).
fn edit_grid(
    grid: &Grid,
    edits: &[GridEdit],
    xlsx: bool,
) -> (Grid, BTreeSet<&'static str>, Vec<Value>) {
    let mut g = grid.clone();
    let mut lost = BTreeSet::new();
    let mut done = Vec::new();
    for e in edits {
        match e.clone() {
            GridEdit::InsertRow { kind, after, row } => {
                let (si, ri) = g.find(after);
                let label = row.cells.iter().find_map(Cell::text).unwrap().to_string();
                let tag = row.tag;
                g.sheets[si].rows.insert(ri + 1, row);
                done.push(Done::Row { kind, tag, label });
            }
            GridEdit::DeleteRow { tag } => {
                lost.extend(g.slots_of(tag));
                let (si, ri) = g.find(tag);
                let removed = g.sheets[si].rows.remove(ri);
                let next = g.sheets[si].rows[ri].tag;
                let label = removed
                    .cells
                    .iter()
                    .find_map(Cell::text)
                    .unwrap()
                    .to_string();
                done.push(Done::Deleted { next, label });
            }
            GridEdit::InsertCol {
                sheet,
                at,
                width,
                cells,
                label,
            } => {
                let s = g.sheet(sheet);
                s.widths.insert(at.min(s.widths.len()), width);
                for r in &mut s.rows {
                    let cell = cells
                        .iter()
                        .find(|(t, _)| *t == r.tag)
                        .map(|(_, c)| c.clone());
                    if r.cells.len() < at {
                        if let Some(c) = cell {
                            r.cells.resize(at, Cell::Empty);
                            r.cells.push(c);
                        }
                        continue;
                    }
                    // A span over the new column's place (docx) widens to cover it.
                    let spanned =
                        at > 0 && at < r.cells.len() && matches!(r.cells[at], Cell::Covered);
                    let c = cell.unwrap_or(if spanned { Cell::Covered } else { Cell::Empty });
                    r.cells.insert(at, c);
                }
                done.push(Done::Col { sheet, at, label });
            }
            GridEdit::RenameSheet { sheet, new } => {
                let s = g.sheet(sheet);
                let old = std::mem::replace(&mut s.name, new.to_string());
                done.push(Done::Renamed { sheet, old, new });
            }
            GridEdit::InsertSheet { at, sheet } => {
                let label = sheet.rows[0]
                    .cells
                    .iter()
                    .find_map(Cell::text)
                    .unwrap()
                    .to_string();
                let id = sheet.id;
                g.sheets.insert(at, sheet);
                done.push(Done::Table { id, label });
            }
            GridEdit::Reword {
                tag,
                col,
                new,
                recognisable,
            } => {
                let (si, ri) = g.find(tag);
                let cell = &mut g.sheets[si].rows[ri].cells[col];
                let old = cell.text().expect("a label").to_string();
                *cell = Cell::Print(new.to_string());
                if !recognisable {
                    lost.extend(g.slots_of(tag));
                }
                done.push(Done::Reworded {
                    tag,
                    col,
                    old,
                    new,
                    recognisable,
                });
            }
        }
    }
    let place = |si: usize| -> (&'static str, Value) {
        if xlsx {
            ("sheet", json!(g.sheets[si].name))
        } else {
            ("table", json!(si + 1))
        }
    };
    let described = done
        .iter()
        .map(|d| match d {
            Done::Row { kind, tag, label } => {
                let (si, ri) = g.find(tag);
                let (k, v) = place(si);
                json!({"kind": kind, k: v, "row": ri + 1, "label": label})
            }
            Done::Deleted { next, label } => {
                let (si, ri) = g.find(next);
                let (k, v) = place(si);
                json!({"kind": "row-deleted", k: v, "row": ri + 1, "label": label})
            }
            Done::Col { sheet, at, label } => {
                let si = g.sheets.iter().position(|s| s.id == *sheet).unwrap();
                let (k, v) = place(si);
                json!({"kind": "column-added", k: v, "column": at + 1, "label": label})
            }
            Done::Renamed { sheet, old, new } => {
                let si = g.sheets.iter().position(|s| s.id == *sheet).unwrap();
                let (k, v) = place(si);
                json!({"kind": "sheet-renamed", k: v, "old": old, "new": new})
            }
            Done::Table { id, label } => {
                let si = g.sheets.iter().position(|s| s.id == *id).unwrap();
                let (k, v) = place(si);
                json!({"kind": "sheet-renamed", k: v, "label": label, "note": "a new table inserted before the others: every later table's number is one more"})
            }
            Done::Reworded {
                tag,
                col,
                old,
                new,
                recognisable,
            } => {
                let (si, ri) = g.find(tag);
                // The column as it stands after every edit: a column inserted to its left moves it.
                let c = g.sheets[si].rows[ri]
                    .cells
                    .iter()
                    .position(|c| c.text() == Some(new))
                    .unwrap_or(*col);
                let (k, v) = place(si);
                json!({"kind": "label-reworded", k: v, "row": ri + 1, "column": c + 1, "old": old, "new": new, "recognisable": recognisable})
            }
        })
        .collect();
    (g, lost, described)
}

// ---------------------------------------------------------------------------------------------------------------
// xlsx
// ---------------------------------------------------------------------------------------------------------------

/// The workbook of a sheet form filled with `values`.
fn xlsx(grid: &Grid, values: &BTreeMap<&'static str, W>) -> Vec<u8> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2025, 1, 6)
        .unwrap()
        .and_hms(9, 0, 0)
        .unwrap();
    wb.set_properties(
        &DocProperties::new()
            .set_author("harmonise fixtures")
            .set_creation_datetime(&created),
    );
    let heading = Format::new().set_bold();
    let label = Format::new().set_text_wrap();
    let answer = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let date = answer.clone().set_num_format("dd/mm/yyyy");
    for s in &grid.sheets {
        let mut ws = Worksheet::new();
        ws.set_name(&s.name).unwrap();
        for (c, w) in s.widths.iter().enumerate() {
            ws.set_column_width(c as u16, *w).unwrap();
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = r as u32;
            for (c, cell) in row.cells.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Empty | Cell::Covered => {}
                    Cell::Print(t) => {
                        ws.write_string_with_format(r, c, t, &label).unwrap();
                    }
                    Cell::Head(t) => {
                        ws.write_string_with_format(r, c, t, &heading).unwrap();
                    }
                    Cell::Pre(t) => {
                        ws.write_string_with_format(r, c, t, &answer).unwrap();
                    }
                    Cell::Slot(slot) => match values.get(slot) {
                        Some(W::Text(t)) => {
                            ws.write_string_with_format(r, c, t, &answer).unwrap();
                        }
                        Some(W::Num(n)) => {
                            ws.write_number_with_format(r, c, *n, &answer).unwrap();
                        }
                        Some(W::Date((y, m, d))) => {
                            let dt =
                                ExcelDateTime::from_ymd(*y as u16, *m as u8, *d as u8).unwrap();
                            ws.write_datetime_with_format(r, c, &dt, &date).unwrap();
                        }
                        None => {
                            ws.write_blank(r, c, &answer).unwrap();
                        }
                    },
                }
            }
        }
        wb.push_worksheet(ws);
    }
    wb.save_to_buffer().unwrap()
}

// ---------------------------------------------------------------------------------------------------------------
// docx
// ---------------------------------------------------------------------------------------------------------------

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn run(t: &str, bold: bool) -> String {
    let pr = if bold { "<w:rPr><w:b/></w:rPr>" } else { "" };
    format!(
        "<w:r>{pr}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
        esc(t)
    )
}

fn para(t: &str, bold: bool) -> String {
    if t.is_empty() {
        "<w:p/>".to_string()
    } else {
        format!("<w:p>{}</w:p>", run(t, bold))
    }
}

/// One table: each cell spans the `Covered` cells after it; every row fills the grid.
fn tbl(s: &Sheet, values: &BTreeMap<&'static str, W>) -> String {
    let mut out = String::from(
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"0\" w:type=\"auto\"/><w:tblLook w:val=\"04A0\"/></w:tblPr><w:tblGrid>",
    );
    for w in &s.widths {
        out.push_str(&format!("<w:gridCol w:w=\"{}\"/>", *w as u32));
    }
    out.push_str("</w:tblGrid>");
    for r in &s.rows {
        assert_eq!(
            r.cells.len(),
            s.widths.len(),
            "row {} must fill the grid",
            r.tag
        );
        assert!(!matches!(r.cells[0], Cell::Covered), "row {}", r.tag);
        out.push_str("<w:tr>");
        let mut c = 0;
        while c < r.cells.len() {
            let span = 1 + r.cells[c + 1..]
                .iter()
                .take_while(|x| matches!(x, Cell::Covered))
                .count();
            let width: f64 = s.widths[c..c + span].iter().sum();
            let grid_span = if span > 1 {
                format!("<w:gridSpan w:val=\"{span}\"/>")
            } else {
                String::new()
            };
            let (text, bold) = match &r.cells[c] {
                Cell::Print(t) | Cell::Pre(t) => (t.clone(), false),
                Cell::Head(t) => (t.clone(), true),
                Cell::Slot(slot) => match values.get(slot) {
                    Some(W::Text(t)) => (t.clone(), false),
                    Some(other) => panic!("docx answers are text: {slot} {other:?}"),
                    None => (String::new(), false),
                },
                Cell::Empty | Cell::Covered => (String::new(), false),
            };
            out.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{}\" w:type=\"dxa\"/>{grid_span}</w:tcPr>",
                width as u32
            ));
            for line in text.split('\n') {
                out.push_str(&para(line, bold));
            }
            out.push_str("</w:tc>");
            c += span;
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out
}

const WNS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

/// The Word document of a table form: title paragraphs, then each table (after its heading paragraph, if any,
/// and a paragraph between tables as Word writes them), then a footer paragraph.
fn docx(title: &[&str], footer: &str, grid: &Grid, values: &BTreeMap<&'static str, W>) -> Vec<u8> {
    let mut body = String::new();
    for (i, t) in title.iter().enumerate() {
        body.push_str(&para(t, i == 0));
    }
    for s in &grid.sheets {
        if !s.name.is_empty() {
            body.push_str(&para(&s.name, true));
        }
        body.push_str(&tbl(s, values));
        body.push_str("<w:p/>");
    }
    body.push_str(&para(footer, false));
    let sect = r#"<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>"#;
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {WNS}><w:body>{body}{sect}</w:body></w:document>"
    );
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let doc_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>"#;
    let parts = [
        ("[Content_Types].xml", types.to_string()),
        ("_rels/.rels", rels.to_string()),
        ("word/document.xml", document),
        ("word/_rels/document.xml.rels", doc_rels.to_string()),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, body) in parts {
        zip.start_file(name, opts).expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

// ---------------------------------------------------------------------------------------------------------------
// The form model of a fillable PDF
// ---------------------------------------------------------------------------------------------------------------

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
/// The first row's baseline, from the top of the page.
const TOP: f32 = 50.0;
/// No row below this (the footer's line).
const BOTTOM: f32 = 790.0;

/// One AcroForm text field and the label printed beside (or above) it.
#[derive(Clone, Debug)]
struct PField {
    slot: &'static str,
    /// `Text<n>`: given by reading order when the form is made (and when it is remade), see [`number`].
    name: String,
    label: String,
    /// The label's left edge, and the box's.
    lx: f32,
    bx: f32,
    w: f32,
    h: f32,
    /// The label is printed on its own line above the box.
    above: bool,
    /// A one-character box ("insert an X").
    x_box: bool,
    /// What the blank form holds already.
    pre: Option<&'static str>,
}

#[derive(Clone, Debug)]
enum PItem {
    Text { x: f32, size: f32, s: String },
    Field(PField),
}

#[derive(Clone, Debug)]
struct PRow {
    tag: &'static str,
    height: f32,
    items: Vec<PItem>,
}

#[derive(Clone, Debug)]
struct PForm {
    pages: Vec<Vec<PRow>>,
}

/// Helvetica's average advance, enough to keep a label clear of its box.
fn text_width(s: &str, size: f32) -> f32 {
    s.chars().count() as f32 * size * 0.52
}

/// A row of printed text.
fn ptext(tag: &'static str, s: &str, size: f32, height: f32) -> PRow {
    PRow {
        tag,
        height,
        items: vec![PItem::Text {
            x: 50.0,
            size,
            s: s.to_string(),
        }],
    }
}

/// A field with its label on its left on the same line, the box from x = 200 (or clear of a long label).
fn pline(slot: &'static str, label: &str) -> PField {
    let bx = (50.0 + text_width(label, 9.0) + 12.0).max(200.0);
    PField {
        slot,
        name: String::new(),
        label: label.to_string(),
        lx: 50.0,
        bx,
        w: 545.0 - bx,
        h: 14.0,
        above: false,
        x_box: false,
        pre: None,
    }
}

fn prow(tag: &'static str, fields: Vec<PField>) -> PRow {
    let height = fields
        .iter()
        .map(|f| if f.above { f.h + 24.0 } else { 20.0 })
        .fold(20.0, f32::max);
    PRow {
        tag,
        height,
        items: fields.into_iter().map(PItem::Field).collect(),
    }
}

/// Two label-box pairs on one line (`Name [ ]  Relationship [ ]`).
fn ppair(tag: &'static str, a: (&'static str, &str), b: (&'static str, &str)) -> PRow {
    let left = PField {
        w: 150.0,
        ..pline(a.0, a.1)
    };
    let right = PField {
        slot: b.0,
        name: String::new(),
        label: b.1.to_string(),
        lx: 370.0,
        bx: 370.0 + text_width(b.1, 9.0) + 10.0,
        w: 545.0 - (370.0 + text_width(b.1, 9.0) + 10.0),
        h: 14.0,
        above: false,
        x_box: false,
        pre: None,
    };
    prow(tag, vec![left, right])
}

/// A tall box with its label on the line above.
fn pabove(tag: &'static str, slot: &'static str, label: &str, h: f32) -> PRow {
    prow(
        tag,
        vec![PField {
            slot,
            name: String::new(),
            label: label.to_string(),
            lx: 50.0,
            bx: 50.0,
            w: 495.0,
            h,
            above: true,
            x_box: false,
            pre: None,
        }],
    )
}

/// A row of options, each printed left of its one-character box.
fn pticks(tag: &'static str, options: &[(&'static str, &str)]) -> PRow {
    let mut x = 70.0;
    let mut fields = Vec::new();
    for (slot, label) in options {
        let bx = x + text_width(label, 9.0) + 6.0;
        fields.push(PField {
            slot,
            name: String::new(),
            label: label.to_string(),
            lx: x,
            bx,
            w: 12.0,
            h: 12.0,
            above: false,
            x_box: true,
            pre: None,
        });
        x = bx + 60.0;
    }
    prow(tag, fields)
}

impl PForm {
    /// Every field in reading order (page, row, left to right).
    fn fields(&self) -> Vec<&PField> {
        self.pages
            .iter()
            .flatten()
            .flat_map(|r| &r.items)
            .filter_map(|i| match i {
                PItem::Field(f) => Some(f),
                PItem::Text { .. } => None,
            })
            .collect()
    }
    fn fields_mut(&mut self) -> Vec<&mut PField> {
        self.pages
            .iter_mut()
            .flatten()
            .flat_map(|r| &mut r.items)
            .filter_map(|i| match i {
                PItem::Field(f) => Some(f),
                PItem::Text { .. } => None,
            })
            .collect()
    }
    fn field(&self, slot: &str) -> &PField {
        self.fields()
            .into_iter()
            .find(|f| f.slot == slot)
            .expect("field")
    }
    /// (page index, row index) of a row.
    fn find(&self, tag: &str) -> (usize, usize) {
        for (pi, rows) in self.pages.iter().enumerate() {
            if let Some(ri) = rows.iter().position(|r| r.tag == tag) {
                return (pi, ri);
            }
        }
        panic!("no row {tag}")
    }
    /// (page index, row index) of the row holding a slot's field.
    fn row_of(&self, slot: &str) -> (usize, usize) {
        for (pi, rows) in self.pages.iter().enumerate() {
            let at = rows.iter().position(|r| {
                r.items
                    .iter()
                    .any(|i| matches!(i, PItem::Field(y) if y.slot == slot))
            });
            if let Some(ri) = at {
                return (pi, ri);
            }
        }
        panic!("no field {slot}")
    }
    /// The baseline of each row, from the top of its page.
    fn top(&self, pi: usize, ri: usize) -> f32 {
        TOP + self.pages[pi][..ri].iter().map(|r| r.height).sum::<f32>()
    }
    /// Names every field `Text1`, `Text2`, ... in reading order, as a PDF editor's field detection does when the
    /// form is made (or remade from its source document); returns the old names that changed, old -> new.
    fn number(&mut self) -> BTreeMap<String, String> {
        let mut renamed = BTreeMap::new();
        for (i, f) in self.fields_mut().into_iter().enumerate() {
            let new = format!("Text{}", i + 1);
            if !f.name.is_empty() && f.name != new {
                renamed.insert(f.name.clone(), new.clone());
            }
            f.name = new;
        }
        renamed
    }
    /// Names new (unnamed) fields with the next free numbers, as a PDF editor names a field added by hand.
    fn name_new(&mut self) {
        let mut next = self
            .fields()
            .iter()
            .filter_map(|f| f.name.strip_prefix("Text")?.parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        for f in self.fields_mut() {
            if f.name.is_empty() {
                next += 1;
                f.name = format!("Text{next}");
            }
        }
    }
    fn check_fits(&self) {
        for (pi, rows) in self.pages.iter().enumerate() {
            let end = self.top(pi, rows.len());
            assert!(end < BOTTOM, "page {} overflows: {end}", pi + 1);
        }
    }
}

/// How an edit changes a PDF form.
#[derive(Clone)]
enum PdfEdit {
    /// A new row after `after`; `renumber`: the form was remade, so every field is renamed in reading order
    /// (else the new field takes the next free number, as when added by hand).
    InsertRow {
        kind: &'static str,
        after: &'static str,
        row: PRow,
        renumber: bool,
    },
    /// A question removed; `renumber` as above.
    DeleteRow { tag: &'static str, renumber: bool },
    /// A field's label reworded.
    Reword {
        slot: &'static str,
        new: &'static str,
        recognisable: bool,
    },
    /// The same form, its fields' names shuffled.
    Shuffle,
    /// A row (a field and its label) moved down the page, after `after`; names kept.
    MoveRow {
        tag: &'static str,
        after: &'static str,
    },
}

/// Applies `edits` in order; returns the edited form, the slots whose question is gone, and the edits as
/// truth.json describes them.
fn edit_pdf(form: &PForm, edits: &[PdfEdit]) -> (PForm, BTreeSet<&'static str>, Vec<Value>) {
    let mut f = form.clone();
    let mut lost = BTreeSet::new();
    // (kind, slot the entry is about, extra keys), described with the final names at the end.
    let mut done: Vec<(&'static str, Option<&'static str>, Map<String, Value>)> = Vec::new();
    for e in edits {
        match e.clone() {
            PdfEdit::InsertRow {
                kind,
                after,
                row,
                renumber,
            } => {
                let (pi, ri) = f.find(after);
                let slot = row.items.iter().find_map(|i| match i {
                    PItem::Field(x) => Some(x.slot),
                    PItem::Text { .. } => None,
                });
                let label = match &row.items[0] {
                    PItem::Field(x) => x.label.clone(),
                    PItem::Text { s, .. } => s.clone(),
                };
                f.pages[pi].insert(ri + 1, row);
                let mut m = Map::new();
                m.insert("page".into(), json!(pi + 1));
                m.insert("label".into(), json!(label));
                if renumber {
                    m.insert("renamed".into(), json!(f.number()));
                } else {
                    f.name_new();
                }
                done.push((kind, slot, m));
            }
            PdfEdit::DeleteRow { tag, renumber } => {
                let (pi, ri) = f.find(tag);
                let removed = f.pages[pi].remove(ri);
                let mut m = Map::new();
                m.insert("page".into(), json!(pi + 1));
                for i in &removed.items {
                    if let PItem::Field(x) = i {
                        lost.insert(x.slot);
                        m.insert("field".into(), json!(x.name));
                        m.insert("label".into(), json!(x.label));
                    }
                }
                if renumber {
                    m.insert("renamed".into(), json!(f.number()));
                }
                done.push(("row-deleted", None, m));
            }
            PdfEdit::Reword {
                slot,
                new,
                recognisable,
            } => {
                let x = f.fields_mut().into_iter().find(|x| x.slot == slot).unwrap();
                let old = std::mem::replace(&mut x.label, new.to_string());
                if !recognisable {
                    lost.insert(slot);
                }
                let mut m = Map::new();
                m.insert("old".into(), json!(old));
                m.insert("new".into(), json!(new));
                m.insert("recognisable".into(), json!(recognisable));
                done.push(("label-reworded", Some(slot), m));
            }
            PdfEdit::Shuffle => {
                // A fixed permutation: the names sorted by a hash of themselves, dealt out in reading order.
                let mut names: Vec<String> = f.fields().iter().map(|x| x.name.clone()).collect();
                names.sort_by_key(|n| *blake3::hash(n.as_bytes()).as_bytes());
                let mut renamed = BTreeMap::new();
                for (x, new) in f.fields_mut().into_iter().zip(names) {
                    if x.name != new {
                        renamed.insert(x.name.clone(), new.clone());
                    }
                    x.name = new;
                }
                let mut m = Map::new();
                m.insert("renamed".into(), json!(renamed));
                done.push(("fields-renumbered", None, m));
            }
            PdfEdit::MoveRow { tag, after } => {
                let (pi, ri) = f.find(tag);
                let from = f.top(pi, ri);
                let moved = f.pages[pi].remove(ri);
                let slot = moved.items.iter().find_map(|i| match i {
                    PItem::Field(x) => Some(x.slot),
                    PItem::Text { .. } => None,
                });
                let (pj, rj) = f.find(after);
                f.pages[pj].insert(rj + 1, moved);
                assert!(f.top(pj, rj + 1) > from, "moved down the page");
                // `from_top` is where it stood before this edit; `to_top` (added below) where it stands in
                // the edited document.
                let mut m = Map::new();
                m.insert("from_top".into(), json!(from));
                done.push(("field-moved", slot, m));
            }
        }
    }
    f.check_fits();
    let described = done
        .into_iter()
        .map(|(kind, slot, mut m)| {
            if let Some(slot) = slot {
                let x = f.field(slot);
                m.insert("field".into(), json!(x.name));
                m.entry("label").or_insert(json!(x.label));
                let (pi, ri) = f.row_of(slot);
                m.insert("page".into(), json!(pi + 1));
                if kind == "field-moved" {
                    m.insert("to_top".into(), json!(f.top(pi, ri)));
                }
            }
            let mut out = Map::new();
            out.insert("kind".into(), json!(kind));
            out.extend(m);
            Value::Object(out)
        })
        .collect();
    (f, lost, described)
}

/// A PDF string literal for a content stream: WinAnsi bytes with `(`, `)` and `\` escaped.
fn pdf_literal(s: &str) -> String {
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(s);
    assert!(!bad, "not WinAnsi: {s}");
    let mut out = String::from("(");
    for &b in bytes.iter() {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            other => out.push_str(&format!("\\{other:03o}")),
        }
    }
    out.push(')');
    out
}

/// The fillable PDF of a form filled with `values`: Helvetica page text, one root text field per box (no
/// tooltips: only the printed labels say what each is), widgets listed in their pages' `/Annots`.
fn pdf(form: &PForm, footer: &str, values: &BTreeMap<&'static str, W>, file_id: &str) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let page_ids: Vec<ObjectId> = form.pages.iter().map(|_| doc.new_object_id()).collect();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let mut fields: Vec<Object> = Vec::new();
    for (pi, rows) in form.pages.iter().enumerate() {
        let page = page_ids[pi];
        let mut content = String::new();
        let mut annots: Vec<Object> = Vec::new();
        let text = |content: &mut String, x: f32, top: f32, size: f32, s: &str| {
            content.push_str(&format!(
                "BT /F1 {size} Tf 1 0 0 1 {x} {} Tm {} Tj ET\n",
                PAGE_H - top,
                pdf_literal(s)
            ));
        };
        for (ri, r) in rows.iter().enumerate() {
            let top = form.top(pi, ri);
            for item in &r.items {
                match item {
                    PItem::Text { x, size, s } => text(&mut content, *x, top, *size, s),
                    PItem::Field(f) => {
                        text(&mut content, f.lx, top, 9.0, &f.label);
                        // The box: on the label's line (its bottom 3 points below the baseline), or below it.
                        let y1 = if f.above {
                            PAGE_H - top - 9.0 - f.h
                        } else {
                            PAGE_H - top - 3.0
                        };
                        let rect = [f.bx, y1, f.bx + f.w, y1 + f.h];
                        content.push_str(&format!(
                            "0.6 G 0.5 w {} {} {} {} re S\n",
                            rect[0], rect[1], f.w, f.h
                        ));
                        let mut d = dictionary! {
                            "Type" => "Annot", "Subtype" => "Widget", "F" => 4, "P" => page,
                            "Rect" => rect.iter().map(|v| Object::Real(*v)).collect::<Vec<_>>(),
                            "FT" => "Tx", "T" => text_string(&f.name),
                            "DA" => Object::string_literal("/Helv 9 Tf 0 g"),
                        };
                        if f.x_box {
                            d.set("MaxLen", 1);
                        }
                        if f.above {
                            d.set("Ff", 1 << 12);
                        }
                        let value = match values.get(f.slot) {
                            Some(W::Text(t)) => Some(t.as_str()),
                            Some(other) => panic!("pdf answers are text: {} {other:?}", f.slot),
                            None => f.pre,
                        };
                        if let Some(v) = value {
                            d.set("V", text_string(v));
                        }
                        let id = doc.add_object(d);
                        annots.push(id.into());
                        fields.push(id.into());
                    }
                }
            }
        }
        text(
            &mut content,
            50.0,
            810.0,
            7.0,
            &format!("{footer} - page {}", pi + 1),
        );
        let content = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let mut p = dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(PAGE_W), Object::Real(PAGE_H)],
        };
        if !annots.is_empty() {
            p.set("Annots", annots);
        }
        doc.objects.insert(page, Object::Dictionary(p));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => page_ids.iter().map(|&p| Object::from(p)).collect::<Vec<_>>(),
            "Count" => page_ids.len() as i64,
        }),
    );
    let acro = doc.add_object(dictionary! {
        "Fields" => fields,
        "DA" => Object::string_literal("/Helv 9 Tf 0 g"),
        "DR" => dictionary! { "Font" => dictionary! { "Helv" => font } },
        "NeedAppearances" => true,
    });
    let catalog = doc
        .add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id, "AcroForm" => acro });
    doc.trailer.set("Root", catalog);
    let hash = blake3::hash(file_id.as_bytes());
    let id = Object::String(
        hash.as_bytes()[..16].to_vec(),
        lopdf::StringFormat::Hexadecimal,
    );
    doc.trailer.set("ID", vec![id.clone(), id]);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

// ---------------------------------------------------------------------------------------------------------------
// 971 Fenbury County Council: an xlsx form of two sheets
// ---------------------------------------------------------------------------------------------------------------

/// A question row of Fenbury's sheets: the label in B, the answer in C.
fn bc(tag: &'static str, label: &str, slot: &'static str) -> Row {
    row(tag, vec![Cell::Empty, print(label), Cell::Slot(slot)])
}

fn gap(tag: &'static str) -> Row {
    row(tag, Vec::new())
}

fn fenbury_form() -> Grid {
    let e = || Cell::Empty;
    let both =
        |tag, label: &str, a, b| row(tag, vec![e(), print(label), Cell::Slot(a), Cell::Slot(b)]);
    let request = vec![
        row("title", vec![e(), head("Fenbury County Council")]),
        row(
            "subtitle",
            vec![
                e(),
                print("Request for an Education, Health and Care (EHC) needs assessment"),
            ],
        ),
        row(
            "la",
            vec![
                e(),
                print("Local authority"),
                Cell::Pre("Fenbury County Council".into()),
            ],
        ),
        bc("req.date", "Date of request", "r.date"),
        gap("gap.a"),
        row(
            "a",
            vec![e(), head("Section A: About the child or young person")],
        ),
        bc("a.name", "Name", "c.name"),
        bc("a.pref", "Preferred name", "c.pref"),
        bc("a.dob", "Date of birth", "c.dob"),
        bc("a.gender", "Gender (Boy / Girl)", "c.gender"),
        bc("a.addr", "Home address", "c.addr"),
        bc("a.pc", "Postcode", "c.pc"),
        bc("a.upn", "UPN", "c.upn"),
        bc("a.nhs", "NHS number", "c.nhs"),
        bc("a.lang", "First language", "c.lang"),
        bc("a.religion", "Religion", "c.religion"),
        bc("a.ethnicity", "Ethnicity", "c.ethnicity"),
        bc("a.lac", "Is the child looked after? (Yes / No)", "c.lac"),
        gap("gap.b"),
        row("b", vec![e(), head("Section B: Parents and carers")]),
        row(
            "b.cols",
            vec![e(), e(), head("Parent/carer 1"), head("Parent/carer 2")],
        ),
        both("b.name", "Name", "p1.name", "p2.name"),
        both("b.rel", "Relationship to child", "p1.rel", "p2.rel"),
        both("b.addr", "Address", "p1.addr", "p2.addr"),
        both("b.phone", "Telephone", "p1.phone", "p2.phone"),
        both("b.email", "Email", "p1.email", "p2.email"),
        both(
            "b.pr",
            "Parental responsibility (Yes / No)",
            "p1.pr",
            "p2.pr",
        ),
        gap("gap.c"),
        row("c", vec![e(), head("Section C: Current school or setting")]),
        bc("c.name", "Name", "s.name"),
        bc("c.urn", "URN", "s.urn"),
        bc("c.head", "Head teacher", "s.head"),
        bc("c.senco", "SENCo", "s.senco"),
        bc("c.phone", "Telephone", "s.phone"),
        gap("gap.d"),
        row("d", vec![e(), head("Section D: The request")]),
        row(
            "d.role",
            vec![
                e(),
                print("Request made by (put X beside one)"),
                print("Parent/carer"),
                Cell::Slot("tick.parent"),
                print("Young person"),
                Cell::Slot("tick.yp"),
                print("School or setting"),
                Cell::Slot("tick.school"),
            ],
        ),
        bc("d.name", "Name", "r.name"),
        bc("d.phone", "Telephone", "r.phone"),
        bc(
            "d.agree",
            "Do the parents agree with this request? (Yes / No)",
            "r.agree",
        ),
    ];
    let mut needs = vec![
        row("e", vec![e(), head("Section E: Special educational needs")]),
        bc("e.area", "Primary area of need", "n.area"),
        bc("e.desc", "Description of needs", "n.desc"),
        bc("e.health", "Health needs", "n.health"),
        bc("e.action", "Action already taken by the school", "n.action"),
        bc(
            "e.apdr",
            "Number of assess, plan, do, review cycles",
            "n.apdr",
        ),
        bc("e.cost", "Spend on SEN support so far (£)", "n.cost"),
        gap("gap.f"),
        row("f", vec![e(), head("Section F: Professionals involved")]),
        row("f.cols", vec![e(), head("Name"), head("Service or role")]),
    ];
    for (n, tag) in ["f.1", "f.2", "f.3", "f.4", "f.5"].into_iter().enumerate() {
        needs.push(row(
            tag,
            vec![e(), Cell::Slot(PRO_SLOTS[n].0), Cell::Slot(PRO_SLOTS[n].1)],
        ));
    }
    needs.extend([
        gap("gap.g"),
        row("g", vec![e(), head("Section G: Views")]),
        bc("g.child", "Views of the child or young person", "v.child"),
        bc("g.parent", "Views of the parents or carers", "v.parent"),
    ]);
    let widths = vec![3.0, 46.0, 30.0, 30.0, 16.0, 8.0, 18.0, 8.0];
    Grid {
        sheets: vec![
            Sheet {
                id: "request",
                name: "Request".into(),
                widths: widths.clone(),
                rows: request,
            },
            Sheet {
                id: "needs",
                name: "Needs".into(),
                widths,
                rows: needs,
            },
        ],
    }
}

/// The slots of the rows of a professionals table: (name, service).
const PRO_SLOTS: [(&str, &str); 5] = [
    ("pro1.name", "pro1.service"),
    ("pro2.name", "pro2.service"),
    ("pro3.name", "pro3.service"),
    ("pro4.name", "pro4.service"),
    ("pro5.name", "pro5.service"),
];

/// The parents' slots: (name, relationship, address, phone, email, parental responsibility).
const PARENT_SLOTS: [[&str; 6]; 3] = [
    [
        "p1.name", "p1.rel", "p1.addr", "p1.phone", "p1.email", "p1.pr",
    ],
    [
        "p2.name", "p2.rel", "p2.addr", "p2.phone", "p2.email", "p2.pr",
    ],
    [
        "p3.name", "p3.rel", "p3.addr", "p3.phone", "p3.email", "p3.pr",
    ],
];

/// The answers shared by every LA's form, written as the form `i`th document's writer types them.
fn child_name(f: &mut Filled, k: Option<&Kid>) {
    f.put_text("c.name", &g(k, Kid::name));
    f.one(
        "child.forename",
        &["c.name"],
        k.map_or(V::Empty, |k| V::Ok(json!(k.fore))),
    );
    f.one(
        "child.surname",
        &["c.name"],
        k.map_or(V::Empty, |k| V::Ok(json!(k.sur))),
    );
}

/// The requester's role as a row of boxes, one holding an X.
fn role_ticks(f: &mut Filled, k: Option<&Kid>, slots: [&'static str; 3]) {
    const ROLES: [&str; 3] = ["parent", "young_person", "school"];
    if let Some(k) = k {
        f.put_text(slots[k.role], if k.role == 1 { "x" } else { "X" });
    }
    f.one(
        "request.requester_role",
        &slots,
        k.map_or(V::Empty, |k| V::Ok(json!(ROLES[k.role]))),
    );
}

/// Parents side by side: members 1 and 2 (the second empty for a one-parent family), plus the third carer's
/// slots, which only a version with a Parent/carer 3 column shows; `fields` picks which of the six to map.
fn parents(f: &mut Filled, k: Option<&Kid>, fields: &[usize], pr_words: bool) {
    const IDS: [&str; 6] = [
        "parents.name",
        "parents.relationship",
        "parents.address",
        "parents.phone",
        "parents.email",
        "parents.parental_responsibility",
    ];
    let members: Vec<Option<&Parent>> = (0..3)
        .map(|n| match (k, n) {
            (Some(k), 2) => Some(&k.carer3),
            (Some(k), n) => k.parents.get(n),
            (None, _) => None,
        })
        .collect();
    let answer = |p: &Parent, field: usize| -> (String, V) {
        match field {
            0 => (p.name.clone(), txt(&p.name)),
            1 => (p.rel.to_string(), txt(p.rel)),
            2 => (p.addr.clone(), txt(&p.addr)),
            3 => (p.phone.clone(), txt(&p.phone)),
            4 => (p.email.clone(), txt(&p.email)),
            _ => (
                (if p.pr { "Yes" } else { "No" }).to_string(),
                V::Ok(json!(p.pr)),
            ),
        }
    };
    for &field in fields {
        let mut items = Vec::new();
        for (n, p) in members.iter().enumerate() {
            let slot = PARENT_SLOTS[n][field];
            let (w, v) = p.map_or((String::new(), V::Empty), |p| answer(p, field));
            let w = if field == 5 && !pr_words && !w.is_empty() {
                w[..1].to_string()
            } else {
                w
            };
            f.put_text(slot, &w);
            if n < 2 {
                items.push((slot, v));
            }
        }
        f.items(IDS[field], items);
    }
}

/// A professionals table: one member per row filled in.
fn professionals(f: &mut Filled, k: Option<&Kid>, rows: usize) {
    let pros = k.map_or(&[][..], |k| &k.pros[..]);
    assert!(pros.len() <= rows);
    let mut names = Vec::new();
    let mut services = Vec::new();
    for (n, (name, service)) in pros.iter().enumerate() {
        f.put_text(PRO_SLOTS[n].0, name);
        f.put_text(PRO_SLOTS[n].1, service);
        names.push((PRO_SLOTS[n].0, txt(name)));
        services.push((PRO_SLOTS[n].1, txt(service)));
    }
    f.items("professionals.name", names);
    f.items("professionals.service", services);
}

/// Fenbury's answers: `i` (the document's number) varies how dates, postcodes and identifiers are typed.
fn fenbury_fill(k: Option<&Kid>, i: usize) -> Filled {
    let mut f = Filled::default();
    date_text(
        &mut f,
        "request.date",
        "r.date",
        k.map(|k| k.req),
        [Df::Ordinal, Df::SlashPad, Df::Iso][i % 3],
    );
    child_name(&mut f, k);
    f.text("child.preferred_name", "c.pref", &g(k, |k| k.pref.into()));
    f.put_text("c.pronouns", &g(k, |k| k.pronouns.into()));
    // The date of birth as an Excel date cell, or typed as text on every third document.
    match k {
        Some(k) if i % 3 != 2 => {
            f.put("c.dob", W::Date(k.dob));
            f.one("child.date_of_birth", &["c.dob"], V::Ok(iso(k.dob)));
        }
        _ => date_text(
            &mut f,
            "child.date_of_birth",
            "c.dob",
            k.map(|k| k.dob),
            Df::Slash,
        ),
    }
    f.put_text(
        "c.gender",
        &g(k, |k| (if k.male { "Boy" } else { "Girl" }).into()),
    );
    f.one(
        "child.gender",
        &["c.gender"],
        k.map_or(V::Empty, |k| {
            V::Ok(json!(if k.male { "male" } else { "female" }))
        }),
    );
    f.text("child.address", "c.addr", &g(k, |k| k.addr.clone()));
    let pc = g(k, |k| {
        if i % 2 == 1 {
            k.pc.to_lowercase().replace(' ', "")
        } else {
            k.pc.clone()
        }
    });
    f.ident("child.postcode", "c.pc", &pc, validate::postcode);
    f.ident(
        "child.upn",
        "c.upn",
        &g(k, |k| k.upn.clone()),
        validate::upn,
    );
    let nhs = g(k, |k| {
        if i.is_multiple_of(2) {
            spaced_nhs(&k.nhs)
        } else {
            k.nhs.clone()
        }
    });
    f.ident("child.nhs_number", "c.nhs", &nhs, validate::nhs_number);
    f.text("child.first_language", "c.lang", &g(k, |k| k.lang.into()));
    f.text("child.religion", "c.religion", &g(k, |k| k.religion.into()));
    f.text(
        "child.ethnicity",
        "c.ethnicity",
        &g(k, |k| k.ethnicity.into()),
    );
    f.yes_no("child.looked_after", "c.lac", k.map(|k| k.lac));
    f.put_text(
        "c.sw",
        &g(k, |k| (if k.social_worker { "Yes" } else { "No" }).into()),
    );
    parents(&mut f, k, &[0, 1, 2, 3, 4, 5], true);
    f.text("setting.name", "s.name", &g(k, |k| k.school.clone()));
    f.ident(
        "setting.urn",
        "s.urn",
        &g(k, |k| k.urn.clone()),
        validate::urn,
    );
    f.text(
        "setting.headteacher_name",
        "s.head",
        &g(k, |k| k.head.clone()),
    );
    f.text("setting.senco_name", "s.senco", &g(k, |k| k.senco.clone()));
    f.text(
        "setting.senco_contact",
        "s.phone",
        &g(k, |k| k.school_phone.clone()),
    );
    role_ticks(&mut f, k, ["tick.parent", "tick.yp", "tick.school"]);
    f.text(
        "request.requester_name",
        "r.name",
        &g(k, |k| k.requester.clone()),
    );
    f.text(
        "request.requester_contact",
        "r.phone",
        &g(k, |k| k.requester_phone.clone()),
    );
    f.yes_no("request.parent_agreement", "r.agree", k.map(|k| k.agree));
    // The Needs sheet.
    f.put_text("n.area", &g(k, |k| NEEDS[k.need].0.into()));
    f.one(
        "needs.primary_area",
        &["n.area"],
        k.map_or(V::Empty, |k| V::Ok(json!(NEEDS[k.need].1))),
    );
    f.text(
        "needs.description",
        "n.desc",
        &g(k, |k| DESCRIPTIONS[k.need].into()),
    );
    f.text("needs.health", "n.health", &g(k, |k| k.health.into()));
    f.text(
        "evidence.action_taken",
        "n.action",
        &g(k, |k| k.action.into()),
    );
    // The number of cycles as a number cell.
    if let Some(k) = k {
        f.put("n.apdr", W::Num(f64::from(k.apdr)));
    }
    f.one(
        "evidence.apdr_cycles",
        &["n.apdr"],
        k.map_or(V::Empty, |k| V::Ok(json!(k.apdr))),
    );
    f.put_text("n.cost", &g(k, |k| k.cost.0.into()));
    f.one(
        "evidence.support_cost",
        &["n.cost"],
        k.map_or(V::Empty, |k| V::Ok(num(k.cost.1))),
    );
    professionals(&mut f, k, 5);
    f.text("views.child", "v.child", &g(k, |k| k.vchild.into()));
    f.text("views.parent", "v.parent", &g(k, |k| k.vparent.into()));
    f
}

fn fenbury_edits(kind: &str) -> Vec<GridEdit> {
    let pronouns = GridEdit::InsertRow {
        kind: "row-inserted",
        after: "a.pref",
        row: bc("a.pronouns", "Preferred pronouns", "c.pronouns"),
    };
    let carer3 = GridEdit::InsertCol {
        sheet: "request",
        at: 3,
        width: 30.0,
        cells: vec![
            ("b.cols", head("Parent/carer 3")),
            ("b.name", Cell::Slot("p3.name")),
            ("b.rel", Cell::Slot("p3.rel")),
            ("b.addr", Cell::Slot("p3.addr")),
            ("b.phone", Cell::Slot("p3.phone")),
            ("b.email", Cell::Slot("p3.email")),
            ("b.pr", Cell::Slot("p3.pr")),
        ],
        label: "Parent/carer 3",
    };
    let religion = GridEdit::Reword {
        tag: "a.religion",
        col: 1,
        new: "Religion or belief",
        recognisable: true,
    };
    match kind {
        "row-inserted" => vec![pronouns],
        "row-deleted" => vec![GridEdit::DeleteRow { tag: "a.upn" }],
        "column-added" => vec![carer3],
        "sheet-renamed" => vec![GridEdit::RenameSheet {
            sheet: "request",
            new: "EHC request",
        }],
        "label-reworded" => vec![
            religion,
            GridEdit::Reword {
                tag: "a.ethnicity",
                col: 1,
                new: "How would you describe the child's family background?",
                recognisable: false,
            },
        ],
        "question-added" => vec![GridEdit::InsertRow {
            kind: "question-added",
            after: "a.lac",
            row: bc(
                "a.sw",
                "Does the child have a social worker? (Yes / No)",
                "c.sw",
            ),
        }],
        "combined" => vec![pronouns, carer3, religion],
        other => panic!("no {other} edit for Fenbury"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 972 Marshby Borough Council: a Word form of six tables
// ---------------------------------------------------------------------------------------------------------------

/// A question row of a two-column table: the label in A, the answer in B.
fn ab(tag: &'static str, label: &str, slot: &'static str) -> Row {
    row(tag, vec![print(label), Cell::Slot(slot)])
}

/// A question row of the request table: the answer spans the six columns of the tick-box row.
fn wide(tag: &'static str, label: &str, slot: &'static str) -> Row {
    let mut cells = vec![print(label), Cell::Slot(slot)];
    cells.resize(7, Cell::Covered);
    row(tag, cells)
}

/// A heading row spanning `n` columns.
fn span_head(tag: &'static str, s: &str, n: usize) -> Row {
    let mut cells = vec![head(s)];
    cells.resize(n, Cell::Covered);
    row(tag, cells)
}

fn marshby_form() -> Grid {
    let two = vec![3400.0, 6238.0];
    let child = Sheet {
        id: "child",
        name: String::new(),
        widths: two.clone(),
        rows: vec![
            span_head("c", "Section 1: About the child or young person", 2),
            ab("c.name", "Name", "c.name"),
            ab("c.dob", "Date of birth", "c.dob"),
            ab("c.gender", "Gender", "c.gender"),
            ab("c.addr", "Home address", "c.addr"),
            ab("c.pc", "Postcode", "c.pc"),
            row(
                "c.nationality",
                vec![print("Nationality"), Cell::Pre("British".into())],
            ),
            ab("c.upn", "UPN", "c.upn"),
            ab("c.nhs", "NHS number", "c.nhs"),
            ab("c.year", "Year group", "c.year"),
            ab("c.lang", "First language", "c.lang"),
            ab("c.religion", "Religion", "c.religion"),
            ab("c.gp", "GP practice", "c.gp"),
        ],
    };
    let side = |tag, label: &str, a, b| row(tag, vec![print(label), Cell::Slot(a), Cell::Slot(b)]);
    let parents = Sheet {
        id: "parents",
        name: String::new(),
        widths: vec![3000.0, 3319.0, 3319.0],
        rows: vec![
            span_head("p", "Section 2: Parents and carers", 3),
            row(
                "p.cols",
                vec![Cell::Empty, head("Parent/carer 1"), head("Parent/carer 2")],
            ),
            side("p.name", "Name", "p1.name", "p2.name"),
            side("p.rel", "Relationship to child", "p1.rel", "p2.rel"),
            side("p.addr", "Address", "p1.addr", "p2.addr"),
            side("p.phone", "Telephone", "p1.phone", "p2.phone"),
            side("p.email", "Email", "p1.email", "p2.email"),
        ],
    };
    let setting = Sheet {
        id: "setting",
        name: String::new(),
        widths: two.clone(),
        rows: vec![
            span_head("s", "Section 3: Current school or setting", 2),
            ab("s.name", "Name", "s.name"),
            ab("s.type", "Type of setting", "s.type"),
            ab("s.head", "Head teacher", "s.head"),
            ab("s.senco", "SENCo", "s.senco"),
            ab("s.phone", "Telephone", "s.phone"),
        ],
    };
    let request = Sheet {
        id: "request",
        name: String::new(),
        widths: vec![3000.0, 1500.0, 600.0, 1500.0, 600.0, 1838.0, 600.0],
        rows: vec![
            span_head("r", "Section 4: The request", 7),
            row(
                "r.role",
                vec![
                    print("Request made by (put X beside one)"),
                    print("Parent/carer"),
                    Cell::Slot("tick.parent"),
                    print("Young person"),
                    Cell::Slot("tick.yp"),
                    print("School or setting"),
                    Cell::Slot("tick.school"),
                ],
            ),
            wide("r.name", "Name", "r.name"),
            wide("r.phone", "Telephone", "r.phone"),
            wide("r.date", "Date of request", "r.date"),
            wide(
                "r.agree",
                "Do the parents agree with this request? (Yes / No)",
                "r.agree",
            ),
        ],
    };
    let needs = Sheet {
        id: "needs",
        name: String::new(),
        widths: two.clone(),
        rows: vec![
            span_head("n", "Section 5: Needs, support and views", 2),
            ab("n.desc", "Description of needs", "n.desc"),
            ab("n.health", "Health", "n.health"),
            ab("n.social", "Social care involvement", "n.social"),
            ab("n.action", "Support already in place", "n.action"),
            ab("n.att", "Attendance (%)", "n.att"),
            ab(
                "n.ep",
                "Educational psychologist report attached? (Yes / No)",
                "n.ep",
            ),
            ab("n.vchild", "Child's views", "v.child"),
            ab("n.vparent", "Parents' views", "v.parent"),
        ],
    };
    let mut pro_rows = vec![row(
        "pro",
        vec![head("Name"), head("Service"), head("Telephone")],
    )];
    for (n, tag) in ["pro.1", "pro.2", "pro.3", "pro.4"].into_iter().enumerate() {
        pro_rows.push(row(
            tag,
            vec![
                Cell::Slot(PRO_SLOTS[n].0),
                Cell::Slot(PRO_SLOTS[n].1),
                Cell::Empty,
            ],
        ));
    }
    let pros = Sheet {
        id: "pros",
        name: "Section 6: Professionals involved".into(),
        widths: vec![3400.0, 3838.0, 2400.0],
        rows: pro_rows,
    };
    Grid {
        sheets: vec![child, parents, setting, request, needs, pros],
    }
}

fn marshby_fill(k: Option<&Kid>, i: usize) -> Filled {
    let mut f = Filled::default();
    child_name(&mut f, k);
    date_text(
        &mut f,
        "child.date_of_birth",
        "c.dob",
        k.map(|k| k.dob),
        [Df::SlashPad, Df::Dot, Df::Ordinal, Df::Iso][i % 4],
    );
    // Gender typed as a word, or as M / F (the mapping maps the letters).
    f.put_text(
        "c.gender",
        &g(k, |k| {
            match (i % 3 == 2, k.male) {
                (true, true) => "M",
                (true, false) => "F",
                (false, true) => "Male",
                (false, false) => "Female",
            }
            .into()
        }),
    );
    f.one(
        "child.gender",
        &["c.gender"],
        k.map_or(V::Empty, |k| {
            V::Ok(json!(if k.male { "male" } else { "female" }))
        }),
    );
    f.put_text("c.pronouns", &g(k, |k| k.pronouns.into()));
    f.text("child.address", "c.addr", &g(k, |k| k.addr.clone()));
    f.ident(
        "child.postcode",
        "c.pc",
        &g(k, |k| {
            if i % 3 == 1 {
                k.pc.to_lowercase()
            } else {
                k.pc.clone()
            }
        }),
        validate::postcode,
    );
    f.ident(
        "child.upn",
        "c.upn",
        &g(k, |k| k.upn.clone()),
        validate::upn,
    );
    f.ident(
        "child.nhs_number",
        "c.nhs",
        &g(k, |k| spaced_nhs(&k.nhs)),
        validate::nhs_number,
    );
    f.text("child.year_group", "c.year", &g(k, |k| k.year.clone()));
    f.text("child.first_language", "c.lang", &g(k, |k| k.lang.into()));
    f.text("child.religion", "c.religion", &g(k, |k| k.religion.into()));
    f.text("child.gp_practice", "c.gp", &g(k, |k| k.gp.clone()));
    f.put_text(
        "c.sw",
        &g(k, |k| (if k.social_worker { "Yes" } else { "No" }).into()),
    );
    parents(&mut f, k, &[0, 1, 2, 3, 4], true);
    f.text("setting.name", "s.name", &g(k, |k| k.school.clone()));
    f.put_text("s.type", &g(k, |k| SETTING_TYPES[k.setting_type].0.into()));
    f.one(
        "setting.type",
        &["s.type"],
        k.map_or(V::Empty, |k| V::Ok(json!(SETTING_TYPES[k.setting_type].1))),
    );
    f.text(
        "setting.headteacher_name",
        "s.head",
        &g(k, |k| k.head.clone()),
    );
    f.text("setting.senco_name", "s.senco", &g(k, |k| k.senco.clone()));
    f.text(
        "setting.senco_contact",
        "s.phone",
        &g(k, |k| k.school_phone.clone()),
    );
    f.put_text(
        "s.joined",
        &g(k, |k| fmt_date((k.req.0 - 2, 9, 4), Df::SlashPad)),
    );
    role_ticks(&mut f, k, ["tick.parent", "tick.yp", "tick.school"]);
    f.text(
        "request.requester_name",
        "r.name",
        &g(k, |k| k.requester.clone()),
    );
    f.text(
        "request.requester_contact",
        "r.phone",
        &g(k, |k| k.requester_phone.clone()),
    );
    date_text(
        &mut f,
        "request.date",
        "r.date",
        k.map(|k| k.req),
        [Df::Ordinal, Df::Slash, Df::Dot][i % 3],
    );
    f.yes_no("request.parent_agreement", "r.agree", k.map(|k| k.agree));
    f.text(
        "needs.description",
        "n.desc",
        &g(k, |k| DESCRIPTIONS[k.need].into()),
    );
    f.text("needs.health", "n.health", &g(k, |k| k.health.into()));
    f.text("needs.social_care", "n.social", &g(k, |k| k.social.into()));
    f.text(
        "evidence.action_taken",
        "n.action",
        &g(k, |k| k.action.into()),
    );
    f.put_text("n.att", &g(k, |k| k.attendance.0.into()));
    f.one(
        "evidence.attendance_percent",
        &["n.att"],
        k.map_or(V::Empty, |k| V::Ok(num(k.attendance.1))),
    );
    f.yes_no("evidence.ep_report", "n.ep", k.map(|k| k.ep));
    f.text("views.child", "v.child", &g(k, |k| k.vchild.into()));
    f.text("views.parent", "v.parent", &g(k, |k| k.vparent.into()));
    professionals(&mut f, k, 4);
    f
}

fn marshby_edits(kind: &str) -> Vec<GridEdit> {
    let office = GridEdit::InsertSheet {
        at: 0,
        sheet: Sheet {
            id: "office",
            name: String::new(),
            widths: vec![3400.0, 6238.0],
            rows: vec![
                span_head("o", "For office use only", 2),
                ab("o.date", "Date received", "o.date"),
                ab("o.ref", "Reference", "o.ref"),
                ab("o.officer", "Case officer", "o.officer"),
            ],
        },
    };
    let nhs = GridEdit::DeleteRow { tag: "c.nhs" };
    match kind {
        "row-inserted" => vec![GridEdit::InsertRow {
            kind: "row-inserted",
            after: "c.dob",
            row: ab("c.pronouns", "Preferred pronouns", "c.pronouns"),
        }],
        "row-deleted" => vec![nhs],
        // A column of question numbers before the labels: every label and answer of the table moves right.
        "column-added" => {
            let tags = [
                "c.name",
                "c.dob",
                "c.gender",
                "c.addr",
                "c.pc",
                "c.nationality",
                "c.upn",
                "c.nhs",
                "c.year",
                "c.lang",
                "c.religion",
                "c.gp",
            ];
            let mut cells = vec![("c", print("No."))];
            const NUMBERS: [&str; 12] = [
                "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11",
                "1.12",
            ];
            cells.extend(tags.iter().zip(NUMBERS).map(|(t, n)| (*t, print(n))));
            vec![GridEdit::InsertCol {
                sheet: "child",
                at: 0,
                width: 700.0,
                cells,
                label: "No.",
            }]
        }
        "sheet-renamed" => vec![office],
        "label-reworded" => vec![
            GridEdit::Reword {
                tag: "c.religion",
                col: 0,
                new: "Religion or belief",
                recognisable: true,
            },
            GridEdit::Reword {
                tag: "c.year",
                col: 0,
                new: "Which class is the child in at present?",
                recognisable: false,
            },
        ],
        "question-added" => vec![GridEdit::InsertRow {
            kind: "question-added",
            after: "c.gp",
            row: ab(
                "c.sw",
                "Does the child have a social worker? (Yes / No)",
                "c.sw",
            ),
        }],
        "combined" => vec![
            office,
            nhs,
            GridEdit::InsertRow {
                kind: "question-added",
                after: "s.phone",
                row: ab("s.joined", "Date the child joined the setting", "s.joined"),
            },
        ],
        other => panic!("no {other} edit for Marshby"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 973 Oakhurst City Council: a fillable PDF of two pages, fields named Text1..Text36
// ---------------------------------------------------------------------------------------------------------------

fn line(tag: &'static str, slot: &'static str, label: &str) -> PRow {
    prow(tag, vec![pline(slot, label)])
}

fn oakhurst_form() -> PForm {
    let la = PField {
        pre: Some("Oakhurst City Council"),
        ..pline("la", "Local authority")
    };
    let page1 = vec![
        ptext("title", "Oakhurst City Council", 14.0, 18.0),
        ptext(
            "subtitle",
            "Request for an Education, Health and Care needs assessment",
            11.0,
            26.0,
        ),
        PRow {
            height: 28.0,
            ..prow("la", vec![la])
        },
        ptext(
            "c",
            "Section 1: About the child or young person",
            11.0,
            22.0,
        ),
        line("c.name", "c.name", "Name"),
        line("c.dob", "c.dob", "Date of birth"),
        line("c.gender", "c.gender", "Gender"),
        line("c.addr", "c.addr", "Home address"),
        line("c.pc", "c.pc", "Postcode"),
        line("c.upn", "c.upn", "UPN"),
        line("c.ethnicity", "c.ethnicity", "Ethnicity"),
        line("c.lac", "c.lac", "Looked after (Yes / No)"),
        ptext("p", "Section 2: Parents and carers", 11.0, 22.0),
        ptext("p1", "Parent/carer 1", 9.0, 16.0),
        ppair("p1.name", ("p1.name", "Name"), ("p1.rel", "Relationship")),
        line("p1.phone", "p1.phone", "Telephone"),
        ptext("p2", "Parent/carer 2", 9.0, 16.0),
        ppair("p2.name", ("p2.name", "Name"), ("p2.rel", "Relationship")),
        line("p2.phone", "p2.phone", "Telephone"),
        ptext("s", "Section 3: Current school or setting", 11.0, 22.0),
        line("s.name", "s.name", "Name"),
        line("s.senco", "s.senco", "SENCo"),
        line("s.phone", "s.phone", "Telephone"),
        line("s.urn", "s.urn", "URN"),
        ptext("r", "Section 4: The request", 11.0, 22.0),
        ptext("r.q", "Request made by (insert an X in one box)", 9.0, 18.0),
        pticks(
            "r.role",
            &[
                ("tick.parent", "Parent/carer"),
                ("tick.yp", "Young person"),
                ("tick.school", "School or setting"),
            ],
        ),
        line("r.name", "r.name", "Name"),
        line("r.phone", "r.phone", "Telephone"),
        line("r.date", "r.date", "Date of request"),
        line(
            "r.agree",
            "r.agree",
            "Do the parents agree with this request? (Yes / No)",
        ),
    ];
    let mut page2 = vec![
        ptext("n", "Section 5: The child's needs", 11.0, 22.0),
        line("n.code", "n.code", "Primary need (e.g. ASD, SLCN, SpLD)"),
        pabove("n.desc", "n.desc", "Description of needs", 48.0),
        pabove(
            "v.child",
            "v.child",
            "Views of the child or young person",
            36.0,
        ),
        pabove(
            "v.parent",
            "v.parent",
            "Views of the parents or carers",
            36.0,
        ),
        ptext("pro", "Section 6: Professionals involved", 11.0, 22.0),
    ];
    for (n, tag) in ["pro.1", "pro.2", "pro.3"].into_iter().enumerate() {
        let label = format!("Professional {}", n + 1);
        page2.push(ppair(
            tag,
            (PRO_SLOTS[n].0, &label),
            (PRO_SLOTS[n].1, "Service"),
        ));
    }
    let mut form = PForm {
        pages: vec![page1, page2],
    };
    form.number();
    form.check_fits();
    form
}

fn oakhurst_fill(k: Option<&Kid>, i: usize) -> Filled {
    let mut f = Filled::default();
    child_name(&mut f, k);
    f.put_text("c.pronouns", &g(k, |k| k.pronouns.into()));
    date_text(
        &mut f,
        "child.date_of_birth",
        "c.dob",
        k.map(|k| k.dob),
        [Df::SlashPad, Df::Ordinal, Df::Slash][i % 3],
    );
    f.put_text(
        "c.gender",
        &g(k, |k| (if k.male { "Male" } else { "Female" }).into()),
    );
    f.one(
        "child.gender",
        &["c.gender"],
        k.map_or(V::Empty, |k| {
            V::Ok(json!(if k.male { "male" } else { "female" }))
        }),
    );
    f.text("child.address", "c.addr", &g(k, |k| k.addr.clone()));
    f.ident(
        "child.postcode",
        "c.pc",
        &g(k, |k| k.pc.clone()),
        validate::postcode,
    );
    f.ident(
        "child.upn",
        "c.upn",
        &g(k, |k| {
            if i.is_multiple_of(2) {
                k.upn.clone()
            } else {
                k.upn.to_lowercase()
            }
        }),
        validate::upn,
    );
    f.text(
        "child.ethnicity",
        "c.ethnicity",
        &g(k, |k| k.ethnicity.into()),
    );
    f.yes_no("child.looked_after", "c.lac", k.map(|k| k.lac));
    f.put_text(
        "c.sw",
        &g(k, |k| (if k.social_worker { "Yes" } else { "No" }).into()),
    );
    parents(&mut f, k, &[0, 1, 3], true);
    f.text("setting.name", "s.name", &g(k, |k| k.school.clone()));
    f.text("setting.senco_name", "s.senco", &g(k, |k| k.senco.clone()));
    f.text(
        "setting.senco_contact",
        "s.phone",
        &g(k, |k| k.school_phone.clone()),
    );
    f.ident(
        "setting.urn",
        "s.urn",
        &g(k, |k| k.urn.clone()),
        validate::urn,
    );
    role_ticks(&mut f, k, ["tick.parent", "tick.yp", "tick.school"]);
    f.text(
        "request.requester_name",
        "r.name",
        &g(k, |k| k.requester.clone()),
    );
    f.text(
        "request.requester_contact",
        "r.phone",
        &g(k, |k| k.requester_phone.clone()),
    );
    date_text(
        &mut f,
        "request.date",
        "r.date",
        k.map(|k| k.req),
        [Df::SlashPad, Df::Iso, Df::Ordinal][i % 3],
    );
    f.yes_no("request.parent_agreement", "r.agree", k.map(|k| k.agree));
    f.put_text("n.code", &g(k, |k| NEEDS[k.need].2.into()));
    f.one(
        "needs.primary_need_type",
        &["n.code"],
        k.map_or(V::Empty, |k| V::Ok(json!(NEEDS[k.need].3))),
    );
    f.text(
        "needs.description",
        "n.desc",
        &g(k, |k| DESCRIPTIONS[k.need].into()),
    );
    f.text("views.child", "v.child", &g(k, |k| k.vchild.into()));
    f.text("views.parent", "v.parent", &g(k, |k| k.vparent.into()));
    // The professionals' rows are named fields: every row is a member, filled in or not.
    let pros = k.map_or(&[][..], |k| &k.pros[..]);
    let mut names = Vec::new();
    let mut services = Vec::new();
    for (n, (name_slot, service_slot)) in PRO_SLOTS.into_iter().take(3).enumerate() {
        let (name, service) = pros.get(n).copied().unwrap_or(("", ""));
        f.put_text(name_slot, name);
        f.put_text(service_slot, service);
        names.push((name_slot, txt(name)));
        services.push((service_slot, txt(service)));
    }
    f.items("professionals.name", names);
    f.items("professionals.service", services);
    f
}

fn oakhurst_edits(kind: &str) -> Vec<PdfEdit> {
    let pronouns = PdfEdit::InsertRow {
        kind: "row-inserted",
        after: "c.name",
        row: line("c.pronouns", "c.pronouns", "Preferred pronouns"),
        renumber: true,
    };
    let moved = PdfEdit::MoveRow {
        tag: "c.pc",
        after: "c.lac",
    };
    let lac = PdfEdit::Reword {
        slot: "c.lac",
        new: "Looked-after child (Yes / No)",
        recognisable: true,
    };
    match kind {
        "row-inserted" => vec![pronouns],
        "row-deleted" => vec![PdfEdit::DeleteRow {
            tag: "c.upn",
            renumber: true,
        }],
        "label-reworded" => vec![
            lac,
            PdfEdit::Reword {
                slot: "c.ethnicity",
                new: "How would you describe the child's family background?",
                recognisable: false,
            },
        ],
        "question-added" => vec![PdfEdit::InsertRow {
            kind: "question-added",
            after: "c.lac",
            row: line(
                "c.sw",
                "c.sw",
                "Does the child have a social worker? (Yes / No)",
            ),
            renumber: false,
        }],
        "fields-renumbered" => vec![PdfEdit::Shuffle],
        "field-moved" => vec![moved],
        "combined" => vec![moved, lac, pronouns],
        other => panic!("no {other} edit for Oakhurst"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

struct La {
    code: &'static str,
    slug: &'static str,
    name: &'static str,
    ext: &'static str,
    area: &'static str,
    town: &'static str,
    estab: &'static str,
    /// The edited documents, one edit kind each, then `combined`.
    kinds: &'static [&'static str],
}

const GRID_KINDS: [&str; 7] = [
    "row-inserted",
    "row-deleted",
    "column-added",
    "sheet-renamed",
    "label-reworded",
    "question-added",
    "combined",
];
const PDF_KINDS: [&str; 7] = [
    "row-inserted",
    "row-deleted",
    "label-reworded",
    "question-added",
    "fields-renumbered",
    "field-moved",
    "combined",
];

const LAS: [La; 3] = [
    La {
        code: "971",
        slug: "fenbury",
        name: "Fenbury County Council",
        ext: "xlsx",
        area: "FB",
        town: "Fenbury",
        estab: "2104",
        kinds: &GRID_KINDS,
    },
    La {
        code: "972",
        slug: "marshby",
        name: "Marshby Borough Council",
        ext: "docx",
        area: "MQ",
        town: "Marshby",
        estab: "3307",
        kinds: &GRID_KINDS,
    },
    La {
        code: "973",
        slug: "oakhurst",
        name: "Oakhurst City Council",
        ext: "pdf",
        area: "OQ",
        town: "Oakhurst",
        estab: "2011",
        kinds: &PDF_KINDS,
    },
];

/// One document: its bytes, the slots lost by its edits, the edits described, and the answers written.
fn document(
    la: &La,
    rel: &str,
    kind: Option<&str>,
    k: Option<&Kid>,
    i: usize,
) -> (Vec<u8>, BTreeSet<&'static str>, Vec<Value>, Filled) {
    let fill = match la.slug {
        "fenbury" => fenbury_fill(k, i),
        "marshby" => marshby_fill(k, i),
        _ => oakhurst_fill(k, i),
    };
    match la.slug {
        "fenbury" | "marshby" => {
            let (form, edits) = if la.slug == "fenbury" {
                (fenbury_form(), kind.map(fenbury_edits).unwrap_or_default())
            } else {
                (marshby_form(), kind.map(marshby_edits).unwrap_or_default())
            };
            let (edited, lost, described) = edit_grid(&form, &edits, la.ext == "xlsx");
            let bytes = if la.ext == "xlsx" {
                xlsx(&edited, &fill.values)
            } else {
                docx(
                    &[
                        la.name,
                        "Request for an Education, Health and Care needs assessment",
                    ],
                    "Marshby Borough Council - SEND Service - form MBC/EHC/3",
                    &edited,
                    &fill.values,
                )
            };
            (bytes, lost, described, fill)
        }
        _ => {
            let form = oakhurst_form();
            let edits = kind.map(oakhurst_edits).unwrap_or_default();
            let (edited, lost, described) = edit_pdf(&form, &edits);
            let bytes = pdf(
                &edited,
                "Oakhurst City Council - SEND - form OCC/EHC/1",
                &fill.values,
                rel,
            );
            (bytes, lost, described, fill)
        }
    }
}

/// Writes every document and `truth.json` under `out`; returns the documents' paths relative to `out/forms`.
pub fn generate(out: &Path) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template = Template::load(&root.join("mappings/national-template.toml")).expect("template");
    let must = |id: &str| template.get(id).map(|d| d.statutory) == Some(Statutory::Must);
    let mut truth = Map::new();
    let mut rels = Vec::new();
    for (a, la) in LAS.iter().enumerate() {
        let kids: Vec<Kid> = (0..10).map(|n| kid(a, la, n)).collect();
        let mut docs: Vec<(String, Option<&str>, Option<&Kid>)> =
            vec![("blank".into(), None, None)];
        for (n, k) in kids.iter().take(3).enumerate() {
            docs.push((format!("v1-filled-{:02}", n + 1), None, Some(k)));
        }
        for (n, kind) in la.kinds.iter().enumerate() {
            docs.push(((*kind).to_string(), Some(*kind), Some(&kids[3 + n])));
        }
        for (i, (name, kind, k)) in docs.into_iter().enumerate() {
            let rel = format!("{}/{name}.{}", la.slug, la.ext);
            let (bytes, lost, edits, fill) = document(la, &rel, kind, k, i);
            assert!(bytes.len() < 100_000, "{rel}: {} bytes", bytes.len());
            for (id, _) in &fill.want {
                assert!(template.get(id).is_some(), "{id} is not a template field");
            }
            let path = out.join("forms").join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).expect("mkdir");
            std::fs::write(&path, &bytes).expect("write");
            let mut fields = Map::new();
            let (mut filled, mut incomplete) = (false, false);
            for (id, want) in &fill.want {
                let (json, status, fills) = outcome(want, &lost);
                filled |= fills;
                incomplete |= status == "not_found" || (status == "empty" && must(id));
                fields.insert((*id).to_string(), json);
            }
            let status = match (filled, incomplete) {
                (false, _) => "blank",
                (true, true) => "partial",
                (true, false) => "ok",
            };
            assert_eq!(
                status == "blank",
                k.is_none(),
                "{rel}: only the blank forms are blank"
            );
            assert_eq!(edits.is_empty(), kind.is_none(), "{rel}");
            truth.insert(
                rel.clone(),
                json!({"la_code": la.code, "edits": edits, "record_status": status, "fields": fields}),
            );
            rels.push(rel);
        }
    }
    let text = serde_json::to_string_pretty(&Value::Object(truth)).expect("json");
    std::fs::create_dir_all(out).expect("mkdir");
    std::fs::write(out.join("truth.json"), format!("{text}\n")).expect("write truth");
    rels
}

/// `--out DIR` (default `fixtures/edited` of the repository).
pub fn out_dir(args: &[String]) -> PathBuf {
    match args.iter().position(|a| a == "--out") {
        Some(at) => PathBuf::from(args.get(at + 1).expect("--out needs a folder")),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/edited"),
    }
}

#[allow(
    dead_code,
    reason = "tests/it/edited_forms.rs includes this file as a module and calls generate()"
)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = out_dir(&args);
    let docs = generate(&out);
    eprintln!(
        "wrote {} documents and truth.json under {}",
        docs.len(),
        out.display()
    );
}
