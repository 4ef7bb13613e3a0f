//! Writes the XML fixtures: three fictional sources (Riverton 957: a namespaced, attribute-heavy case-management
//! export; Halden 958: a flat element-per-field form, one file in windows-1252 and one in UTF-16LE; a CTF-shaped
//! pupil file mapped by 959), the records expected from them (`fixtures/expected/xml.json`, computed here from
//! the values written), and hostile samples (`fixtures/hostile/`).
//!
//! Run from the repository root: `cargo run --example gen_xml_fixtures`. Output is deterministic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

use std::path::Path;

use harmonise::template::{Statutory, Template};
use harmonise::validate;
use serde_json::{Map, Value, json};

/// What a field should come out as.
enum Exp {
    Ok(Value),
    Empty,
    Invalid(String),
}

/// One item: where it is and what it should be.
struct Item {
    source: String,
    exp: Exp,
}

enum Out {
    Single(Item),
    Group(Vec<Item>),
}

fn item(source: impl Into<String>, exp: Exp) -> Item {
    Item {
        source: source.into(),
        exp,
    }
}

fn item_json(i: &Item) -> Value {
    let mut m = Map::new();
    match &i.exp {
        Exp::Ok(v) => {
            m.insert("status".into(), json!("ok"));
            m.insert("value".into(), v.clone());
        }
        Exp::Empty => {
            m.insert("status".into(), json!("empty"));
        }
        Exp::Invalid(given) => {
            m.insert("status".into(), json!("invalid"));
            m.insert("value".into(), json!(given));
        }
    }
    m.insert("source".into(), json!(i.source));
    Value::Object(m)
}

fn status_of(i: &Item) -> &'static str {
    match i.exp {
        Exp::Ok(_) => "ok",
        Exp::Empty => "empty",
        Exp::Invalid(_) => "invalid",
    }
}

fn out_json(o: &Out) -> Value {
    match o {
        Out::Single(i) => item_json(i),
        Out::Group(items) => {
            let status = if items.iter().any(|i| status_of(i) == "invalid") {
                "invalid"
            } else if items.iter().any(|i| status_of(i) == "ok") {
                "ok"
            } else {
                "empty"
            };
            json!({"status": status, "items": items.iter().map(item_json).collect::<Vec<_>>()})
        }
    }
}

// ---- expected values from what was written ----

fn text(v: &str) -> Exp {
    if v.trim().is_empty() {
        Exp::Empty
    } else {
        Exp::Ok(json!(v.trim()))
    }
}

fn boolean(v: &str) -> Exp {
    match v.trim().to_lowercase().as_str() {
        "" => Exp::Empty,
        "true" | "yes" => Exp::Ok(json!(true)),
        "false" | "no" => Exp::Ok(json!(false)),
        other => panic!("fixture bool {other}"),
    }
}

/// A date written in some format; `ymd` says which date it is meant to be (None when blank).
fn date(written: &str, ymd: Option<(i16, i8, i8)>) -> Exp {
    match ymd {
        None => Exp::Empty,
        Some((y, m, d)) => match jiff::civil::Date::new(y, m, d) {
            Ok(date) => Exp::Ok(json!(date.to_string())),
            Err(_) => Exp::Invalid(written.to_string()),
        },
    }
}

fn id(v: &str, check: fn(&str) -> Result<String, validate::Invalid>) -> Exp {
    if v.trim().is_empty() {
        return Exp::Empty;
    }
    match check(v) {
        Ok(n) => Exp::Ok(json!(n)),
        Err(_) => Exp::Invalid(v.trim().to_string()),
    }
}

fn canonical(v: &str, canon: &str) -> Exp {
    if v.trim().is_empty() {
        Exp::Empty
    } else {
        Exp::Ok(json!(canon))
    }
}

// ---- identifiers ----

fn upn(la: &str, estab: &str, serial: u32) -> String {
    let body = format!("{la}{estab}25{serial:03}");
    let check = validate::upn_check_letter(&body).expect("a UPN body");
    format!("{check}{body}")
}

/// NHS numbers in the never-issued 999 range, with the modulus 11 check digit.
fn nhs(seed: u32) -> String {
    let mut n = 0;
    loop {
        let body = format!("999{:06}", seed * 37 + n);
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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

// ---- the people ----

#[derive(Clone, Default)]
struct Parent {
    name: &'static str,
    relationship: &'static str,
    address: &'static str,
    responsibility: bool,
}

#[derive(Clone, Default)]
struct Kid {
    request: Option<(i16, i8, i8)>,
    role: &'static str,
    requester: &'static str,
    agreed: Option<bool>,
    forename: &'static str,
    surname: &'static str,
    dob: Option<(i16, i8, i8)>,
    /// male / female / "".
    gender: &'static str,
    address: &'static str,
    postcode: &'static str,
    upn: String,
    nhs: String,
    setting: &'static str,
    setting_urn: &'static str,
    head: &'static str,
    area: &'static str,
    need_type: &'static str,
    description: &'static str,
    parents: Vec<Parent>,
    professionals: Vec<(&'static str, &'static str)>,
    consent: Option<bool>,
    /// Riverton: photograph attached, SDQ score. Halden: Boxall profile, exclusions.
    extra1: &'static str,
    extra2: &'static str,
}

fn yes_no(b: Option<bool>, yes: &str, no: &str) -> String {
    match b {
        Some(true) => yes.into(),
        Some(false) => no.into(),
        None => String::new(),
    }
}

fn iso(d: Option<(i16, i8, i8)>) -> String {
    d.map_or(String::new(), |(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

fn dmy(d: Option<(i16, i8, i8)>) -> String {
    d.map_or(String::new(), |(y, m, d)| format!("{d:02}/{m:02}/{y:04}"))
}

/// Five or six filled requests with known values, each LA's serials and one problem per file from 03 on.
fn kids(la: &str, estab: &str) -> Vec<Kid> {
    let base = Kid {
        request: Some((2025, 3, 14)),
        role: "school",
        requester: "Mrs Jane Patel",
        agreed: Some(true),
        forename: "Amelia",
        surname: "Hart",
        dob: Some((2016, 6, 2)),
        gender: "female",
        address: "12 Mill Lane, Riverton",
        postcode: "RV1 2AB",
        upn: upn(la, estab, 101),
        nhs: nhs(1),
        setting: "Millbrook Primary School",
        setting_urn: "100001",
        head: "Mr Tom Reed",
        area: "communication_interaction",
        need_type: "SLCN",
        description: "Amelia has significant difficulty understanding spoken language & following instructions.",
        parents: vec![Parent {
            name: "Laura Hart",
            relationship: "Mother",
            address: "12 Mill Lane, Riverton",
            responsibility: true,
        }],
        professionals: vec![("Dr Sam Okafor", "Speech and language therapy")],
        consent: Some(true),
        extra1: "true",
        extra2: "17",
    };
    let mut out = vec![base.clone()];
    out.push(Kid {
        request: Some((2025, 4, 1)),
        forename: "Oliver",
        surname: "O'Neil",
        dob: Some((2013, 11, 30)),
        gender: "male",
        address: "Flat 3, 7 Quay Street, Riverton",
        postcode: "RV12 9XY",
        upn: upn(la, estab, 102),
        nhs: nhs(2),
        area: "semh",
        need_type: "SEMH",
        description: "Oliver finds transitions hard; <3 calm days a week> by teacher log.",
        parents: vec![
            Parent {
                name: "Grace O'Neil",
                relationship: "Mother",
                address: "Flat 3, 7 Quay Street, Riverton",
                responsibility: true,
            },
            Parent {
                name: "Peter O'Neil",
                relationship: "Father",
                address: "22 Station Road, Riverton",
                responsibility: false,
            },
        ],
        professionals: vec![
            ("Ms Ada Lin", "Educational psychology"),
            ("Dr Ben Cole", "CAMHS"),
        ],
        extra1: "false",
        extra2: "24",
        ..base.clone()
    });
    out.push(Kid {
        forename: "Noah",
        surname: "",
        dob: Some((2017, 1, 9)),
        gender: "male",
        upn: upn(la, estab, 103),
        nhs: nhs(3),
        area: "cognition_learning",
        need_type: "SPLD",
        description: "Noah's reading age is three years below his chronological age.",
        parents: vec![Parent {
            name: "Ella Brook",
            relationship: "Mother",
            address: "12 Mill Lane, Riverton",
            responsibility: true,
        }],
        ..base.clone()
    });
    out.push(Kid {
        forename: "Isla",
        surname: "Reid",
        dob: Some((2014, 8, 21)),
        upn: upn(la, estab, 104),
        nhs: nhs(4),
        area: "sensory_physical",
        need_type: "HI",
        description: "Isla has a moderate bilateral hearing loss.",
        ..base.clone()
    });
    out.push(Kid {
        forename: "Yusuf",
        surname: "Khan",
        dob: Some((2015, 2, 30)),
        gender: "male",
        upn: upn(la, estab, 105),
        nhs: nhs(5),
        need_type: "ASD",
        description: "Yusuf has a diagnosis of autism.",
        ..base.clone()
    });
    out.push(Kid {
        forename: "Maya",
        surname: "Singh",
        dob: Some((2012, 5, 5)),
        postcode: "QA1 1AA",
        upn: upn(la, estab, 106),
        nhs: nhs(6),
        need_type: "MLD",
        description: "Maya needs adult support in most lessons.",
        ..base.clone()
    });
    // The 04 UPN must really be wrong: force a check letter that differs from the right one.
    let right = out[3].upn.clone();
    let wrong = if right.starts_with('B') { 'C' } else { 'B' };
    out[3].upn = format!("{wrong}{}", &right[1..]);
    assert!(validate::upn(&out[3].upn).is_err());
    out
}

fn blank() -> Kid {
    Kid {
        parents: vec![Parent::default()],
        professionals: vec![("", "")],
        ..Kid::default()
    }
}

struct Doc {
    rel: String,
    bytes: Vec<u8>,
    mapping: &'static str,
    fields: Vec<(&'static str, Out)>,
    extras: Vec<(&'static str, Out)>,
}

// ---- Riverton 957 ----

const RIV_NS: &str = "urn:riverton:ehc:2024";
const RIV_COMMON: &str = "urn:riverton:common";

fn riverton(rel: String, k: &Kid) -> Doc {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(
        "<!-- Riverton City Council case-management export: EHC needs assessment request -->\n",
    );
    x.push_str(&format!(
        "<Request xmlns=\"{RIV_NS}\" xmlns:rc=\"{RIV_COMMON}\" formVersion=\"2024-09\" received=\"{}\">\n",
        iso(k.request)
    ));
    let agreed = yes_no(k.agreed, "true", "false");
    x.push_str(&format!(
        "  <Requester role=\"{}\" name=\"{}\" agreed=\"{agreed}\"/>\n",
        esc(k.role),
        esc(k.requester)
    ));
    x.push_str(&format!(
        "  <Child upn=\"{}\" nhs=\"{}\" dob=\"{}\" gender=\"{}\">\n    <rc:Name forename=\"{}\" surname=\"{}\"/>\n    <rc:Address postcode=\"{}\">{}</rc:Address>\n  </Child>\n",
        k.upn,
        k.nhs,
        iso(k.dob),
        k.gender,
        esc(k.forename),
        esc(k.surname),
        k.postcode,
        esc(k.address)
    ));
    x.push_str(&format!(
        "  <Setting urn=\"{}\" name=\"{}\"/>\n",
        k.setting_urn,
        esc(k.setting)
    ));
    x.push_str(&format!(
        "  <Needs area=\"{}\">\n    <Description><![CDATA[{}]]></Description>\n  </Needs>\n",
        k.area, k.description
    ));
    x.push_str("  <Parents>\n");
    for p in &k.parents {
        let pr = if p.name.is_empty() {
            ""
        } else if p.responsibility {
            "true"
        } else {
            "false"
        };
        x.push_str(&format!(
            "    <Parent relationship=\"{}\" responsibility=\"{pr}\">\n      <rc:Name>{}</rc:Name>\n      <rc:Address>{}</rc:Address>\n    </Parent>\n",
            esc(p.relationship),
            esc(p.name),
            esc(p.address)
        ));
    }
    x.push_str("  </Parents>\n  <Professionals>\n");
    for (name, service) in &k.professionals {
        x.push_str(&format!(
            "    <Professional name=\"{}\" service=\"{}\"/>\n",
            esc(name),
            esc(service)
        ));
    }
    x.push_str("  </Professionals>\n");
    x.push_str(&format!(
        "  <Consent agreed=\"{}\"/>\n",
        yes_no(k.consent, "true", "false")
    ));
    x.push_str(&format!(
        "  <Extras>\n    <Photograph attached=\"{}\"/>\n    <SDQ score=\"{}\"/>\n  </Extras>\n</Request>\n",
        k.extra1, k.extra2
    ));

    let s = |p: &str, e: Exp| Out::Single(item(p, e));
    let idx = |base: &str, i: usize| {
        if i == 0 {
            base.to_string()
        } else {
            format!("{base}[{}]", i + 1)
        }
    };
    let parent = |i: usize| idx("/Request/Parents/Parent", i);
    let prof = |i: usize| idx("/Request/Professionals/Professional", i);
    let fields = vec![
        (
            "request.date",
            s("/Request/@received", date(&iso(k.request), k.request)),
        ),
        (
            "request.requester_role",
            s("/Request/Requester/@role", canonical(k.role, k.role)),
        ),
        (
            "request.requester_name",
            s("/Request/Requester/@name", text(k.requester)),
        ),
        (
            "request.parent_agreement",
            s("/Request/Requester/@agreed", boolean(&agreed)),
        ),
        (
            "child.forename",
            s("/Request/Child/rc:Name/@forename", text(k.forename)),
        ),
        (
            "child.surname",
            s("/Request/Child/rc:Name/@surname", text(k.surname)),
        ),
        (
            "child.date_of_birth",
            s("/Request/Child/@dob", date(&iso(k.dob), k.dob)),
        ),
        (
            "child.gender",
            s("/Request/Child/@gender", canonical(k.gender, k.gender)),
        ),
        (
            "child.address",
            s("/Request/Child/rc:Address", text(k.address)),
        ),
        (
            "child.postcode",
            s(
                "/Request/Child/rc:Address/@postcode",
                id(k.postcode, validate::postcode),
            ),
        ),
        (
            "child.upn",
            s("/Request/Child/@upn", id(&k.upn, validate::upn)),
        ),
        (
            "child.nhs_number",
            s("/Request/Child/@nhs", id(&k.nhs, validate::nhs_number)),
        ),
        (
            "parents.name",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, p)| item(format!("{}/rc:Name", parent(i)), text(p.name)))
                    .collect(),
            ),
        ),
        (
            "parents.relationship",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        item(format!("{}/@relationship", parent(i)), text(p.relationship))
                    })
                    .collect(),
            ),
        ),
        (
            "parents.address",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, p)| item(format!("{}/rc:Address", parent(i)), text(p.address)))
                    .collect(),
            ),
        ),
        (
            "parents.parental_responsibility",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let v = if p.name.is_empty() {
                            ""
                        } else if p.responsibility {
                            "true"
                        } else {
                            "false"
                        };
                        item(format!("{}/@responsibility", parent(i)), boolean(v))
                    })
                    .collect(),
            ),
        ),
        ("setting.name", s("/Request/Setting/@name", text(k.setting))),
        (
            "setting.urn",
            s("/Request/Setting/@urn", id(k.setting_urn, validate::urn)),
        ),
        (
            "needs.primary_area",
            s("/Request/Needs/@area", canonical(k.area, k.area)),
        ),
        (
            "needs.description",
            s("/Request/Needs/Description", text(k.description)),
        ),
        (
            "professionals.name",
            Out::Group(
                k.professionals
                    .iter()
                    .enumerate()
                    .map(|(i, (n, _))| item(format!("{}/@name", prof(i)), text(n)))
                    .collect(),
            ),
        ),
        (
            "professionals.service",
            Out::Group(
                k.professionals
                    .iter()
                    .enumerate()
                    .map(|(i, (_, sv))| item(format!("{}/@service", prof(i)), text(sv)))
                    .collect(),
            ),
        ),
        (
            "consent.information_sharing",
            s(
                "/Request/Consent/@agreed",
                boolean(&yes_no(k.consent, "true", "false")),
            ),
        ),
    ];
    let extras = vec![
        (
            "photograph",
            s("/Request/Extras/Photograph/@attached", text(k.extra1)),
        ),
        ("sdq_score", s("/Request/Extras/SDQ/@score", text(k.extra2))),
    ];
    Doc {
        rel,
        bytes: x.into_bytes(),
        mapping: "957-riverton",
        fields,
        extras,
    }
}

// ---- Halden 958 ----

#[derive(Clone, Copy)]
enum Enc {
    Utf8,
    Windows1252,
    Utf16Le,
}

fn halden(rel: String, k: &Kid, enc: Enc) -> Doc {
    let decl = match enc {
        Enc::Utf8 => "UTF-8",
        Enc::Windows1252 => "windows-1252",
        Enc::Utf16Le => "UTF-16",
    };
    let role = match k.role {
        "school" => "School",
        "" => "",
        other => other,
    };
    let sex = match k.gender {
        "male" => "M",
        "female" => "F",
        _ => "",
    };
    let agreed = yes_no(k.agreed, "Yes", "No");
    let nhs_spaced = if k.nhs.len() == 10 {
        format!("{} {} {}", &k.nhs[..3], &k.nhs[3..6], &k.nhs[6..])
    } else {
        k.nhs.clone()
    };
    let address = k.address.replace("Riverton", "Halden");
    let mut x = format!("<?xml version=\"1.0\" encoding=\"{decl}\"?>\n<HaldenEHCRequest>\n");
    let mut el = |name: &str, v: &str| x.push_str(&format!("  <{name}>{}</{name}>\n", esc(v)));
    el("LocalAuthority", "Halden Borough Council");
    el("FormVersion", "2023-01");
    el("DateOfRequest", &dmy(k.request));
    el("RequestedBy", role);
    el("RequesterName", k.requester);
    el("ParentsAgree", &agreed);
    el("ChildFirstName", k.forename);
    el("ChildLastName", k.surname);
    el("ChildDateOfBirth", &dmy(k.dob));
    el("ChildSex", sex);
    el("HomeAddress", &address);
    el("HomePostcode", k.postcode);
    el("UPN", &k.upn);
    el("NHSNumber", &nhs_spaced);
    el("CurrentSchool", k.setting);
    el("Headteacher", k.head);
    el("NatureOfNeeds", k.description);
    el("BoxallProfileCompleted", &boxall(k.extra1));
    el("NumberOfExclusions", &exclusions(k.extra2));
    for p in &k.parents {
        x.push_str(&format!(
            "  <ParentCarer>\n    <Name>{}</Name>\n    <Relationship>{}</Relationship>\n    <Address>{}</Address>\n  </ParentCarer>\n",
            esc(p.name),
            esc(p.relationship),
            esc(&p.address.replace("Riverton", "Halden"))
        ));
    }
    x.push_str("</HaldenEHCRequest>\n");
    let bytes = match enc {
        Enc::Utf8 => x.into_bytes(),
        Enc::Windows1252 => {
            let (b, _, bad) = encoding_rs::WINDOWS_1252.encode(&x);
            assert!(!bad);
            b.into_owned()
        }
        Enc::Utf16Le => [0xFF, 0xFE]
            .into_iter()
            .chain(x.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
    };
    let s = |p: &str, e: Exp| Out::Single(item(format!("/HaldenEHCRequest/{p}"), e));
    let pc = |i: usize, leaf: &str| {
        if i == 0 {
            format!("/HaldenEHCRequest/ParentCarer/{leaf}")
        } else {
            format!("/HaldenEHCRequest/ParentCarer[{}]/{leaf}", i + 1)
        }
    };
    let dob_written = dmy(k.dob);
    let fields = vec![
        (
            "request.date",
            s("DateOfRequest", date(&dmy(k.request), k.request)),
        ),
        (
            "request.requester_role",
            s("RequestedBy", canonical(role, k.role)),
        ),
        (
            "request.requester_name",
            s("RequesterName", text(k.requester)),
        ),
        (
            "request.parent_agreement",
            s("ParentsAgree", boolean(&agreed)),
        ),
        ("child.forename", s("ChildFirstName", text(k.forename))),
        ("child.surname", s("ChildLastName", text(k.surname))),
        (
            "child.date_of_birth",
            s("ChildDateOfBirth", date(&dob_written, k.dob)),
        ),
        ("child.gender", s("ChildSex", canonical(sex, k.gender))),
        ("child.address", s("HomeAddress", text(&address))),
        (
            "child.postcode",
            s("HomePostcode", id(k.postcode, validate::postcode)),
        ),
        ("child.upn", s("UPN", id(&k.upn, validate::upn))),
        (
            "child.nhs_number",
            s("NHSNumber", id(&nhs_spaced, validate::nhs_number)),
        ),
        (
            "parents.name",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, p)| item(pc(i, "Name"), text(p.name)))
                    .collect(),
            ),
        ),
        (
            "parents.relationship",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, p)| item(pc(i, "Relationship"), text(p.relationship)))
                    .collect(),
            ),
        ),
        (
            "parents.address",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        item(
                            pc(i, "Address"),
                            text(&p.address.replace("Riverton", "Halden")),
                        )
                    })
                    .collect(),
            ),
        ),
        ("setting.name", s("CurrentSchool", text(k.setting))),
        ("setting.headteacher_name", s("Headteacher", text(k.head))),
        ("needs.description", s("NatureOfNeeds", text(k.description))),
    ];
    let extras = vec![
        (
            "boxall_profile",
            s("BoxallProfileCompleted", text(&boxall(k.extra1))),
        ),
        (
            "exclusions",
            s("NumberOfExclusions", text(&exclusions(k.extra2))),
        ),
    ];
    Doc {
        rel,
        bytes,
        mapping: "958-halden",
        fields,
        extras,
    }
}

fn boxall(flag: &str) -> String {
    match flag {
        "true" => "Yes".into(),
        "false" => "No".into(),
        _ => String::new(),
    }
}

fn exclusions(sdq: &str) -> String {
    sdq.parse::<u32>()
        .map_or(String::new(), |n| (n % 4).to_string())
}

// ---- CTF (959) ----

fn ctf(rel: String, k: &Kid) -> Doc {
    let sex = match k.gender {
        "male" => "M",
        "female" => "F",
        _ => "",
    };
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CTfile>\n  <Header>\n");
    x.push_str("    <DocumentName>Common Transfer File</DocumentName>\n    <CTFversion>23.0</CTFversion>\n");
    x.push_str(&format!(
        "    <DateTime>{}T09:30:00</DateTime>\n    <DocumentQualifier>partial</DocumentQualifier>\n",
        if k.request.is_some() { iso(k.request) } else { "2025-01-01".into() }
    ));
    x.push_str(&format!(
        "    <SourceSchool>\n      <LEA>958</LEA>\n      <Estab>2001</Estab>\n      <SchoolName>{}</SchoolName>\n      <AcademicYear>2024</AcademicYear>\n    </SourceSchool>\n",
        esc(k.setting)
    ));
    x.push_str("    <DestSchool>\n      <LEA>959</LEA>\n      <Estab>MMM</Estab>\n    </DestSchool>\n  </Header>\n");
    x.push_str("  <CTFpupilData>\n    <Pupil>\n");
    for (n, v) in [
        ("UPN", k.upn.as_str()),
        ("Surname", k.surname),
        ("Forename", k.forename),
        ("DOB", &iso(k.dob)),
        ("Gender", sex),
    ] {
        x.push_str(&format!("      <{n}>{}</{n}>\n", esc(v)));
    }
    x.push_str("      <SENhistory>\n        <SENneeds>\n");
    // A secondary need first, so that the rank predicate (not document order) picks the primary one.
    let needs: Vec<(&str, &str)> = if k.need_type.is_empty() {
        vec![("", "1")]
    } else {
        vec![("OTH", "2"), (k.need_type, "1")]
    };
    for (t, rank) in &needs {
        x.push_str(&format!(
            "          <SENneed>\n            <SENtype>{t}</SENtype>\n            <SENtypeRank>{rank}</SENtypeRank>\n          </SENneed>\n"
        ));
    }
    x.push_str(
        "        </SENneeds>\n      </SENhistory>\n    </Pupil>\n  </CTFpupilData>\n</CTfile>\n",
    );
    let p = "/CTfile/CTFpupilData/Pupil";
    let s = |path: String, e: Exp| Out::Single(item(path, e));
    let need = s(
        if k.need_type.is_empty() {
            format!("{p}/SENhistory/SENneeds/SENneed/SENtype")
        } else {
            format!("{p}/SENhistory/SENneeds/SENneed[2]/SENtype")
        },
        canonical(k.need_type, k.need_type),
    );
    let fields = vec![
        (
            "child.upn",
            s(format!("{p}/UPN"), id(&k.upn, validate::upn)),
        ),
        ("child.surname", s(format!("{p}/Surname"), text(k.surname))),
        (
            "child.forename",
            s(format!("{p}/Forename"), text(k.forename)),
        ),
        (
            "child.date_of_birth",
            s(format!("{p}/DOB"), date(&iso(k.dob), k.dob)),
        ),
        (
            "child.gender",
            s(format!("{p}/Gender"), canonical(sex, k.gender)),
        ),
        (
            "setting.name",
            s(
                "/CTfile/Header/SourceSchool/SchoolName".into(),
                text(k.setting),
            ),
        ),
        ("needs.primary_need_type", need),
    ];
    Doc {
        rel,
        bytes: x.into_bytes(),
        mapping: "959-ctf",
        fields,
        extras: vec![],
    }
}

// ---- hostile samples ----

fn hostile(dir: &Path) {
    let mut lol =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n  <!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        lol.push_str(&format!(
            "  <!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    lol.push_str("]>\n<lolz>&lol9;</lolz>\n");
    write(&dir.join("billion-laughs.xml"), lol.as_bytes());
    write(
        &dir.join("xxe-local-file.xml"),
        b"<?xml version=\"1.0\"?>\n<!DOCTYPE Request [\n  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n<Request><Child><Forename>&xxe;</Forename></Child></Request>\n",
    );
    let deep = format!(
        "<?xml version=\"1.0\"?>\n{}{}\n",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    write(&dir.join("deep-nesting.xml"), deep.as_bytes());
    let sample = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<Sample><Name>Zoë Brontë</Name><Town>Malmö</Town></Sample>\n";
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(sample.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    write(&dir.join("utf16le-bom.xml"), &utf16);
    let cp = "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<Sample><Name>Renée Façade</Name><Price>€5</Price></Sample>\n";
    let (b, _, bad) = encoding_rs::WINDOWS_1252.encode(cp);
    assert!(!bad);
    write(&dir.join("windows-1252.xml"), &b);
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
}

/// For `examples/gen_bench_corpus.rs`, which includes this file as a module: the document of source `family` (of
/// [`N_FAMILIES`]: Riverton, Halden, CTF) for seed `i`: one of the fixtures' children (or the blank form) with a
/// fresh name, UPN and NHS number, the need description replaced by `long` when given; a Halden file now and then
/// in windows-1252 or UTF-16. Returns the fixture folder name and the bytes.
#[allow(dead_code)] // unused by this example itself
pub(crate) fn bench_document(
    family: usize,
    i: usize,
    long: Option<&'static str>,
) -> (&'static str, Vec<u8>) {
    const FORENAMES: &[&str] = &[
        "Amelia", "Oliver", "Isla", "Noah", "Freya", "Leo", "Maya", "Arlo", "Poppy", "Theo", "Zoë",
    ];
    const SURNAMES: &[&str] = &[
        "Hart", "O'Neil", "Reid", "Khan", "Singh", "Brook", "Okafor", "Nowak", "Adeyemi", "Brontë",
    ];
    let (dir, la, estab) = match family % N_FAMILIES {
        0 => ("riverton", "957", "4001"),
        1 => ("halden", "958", "2001"),
        _ => ("ctf", "958", "2001"),
    };
    let all = kids(la, estab);
    let case = i % (all.len() + 1);
    let mut k = match all.get(case) {
        Some(k) => k.clone(),
        None => blank(),
    };
    if case < all.len() {
        k.forename = FORENAMES[i % FORENAMES.len()];
        if !k.surname.is_empty() {
            k.surname = SURNAMES[(i / 7) % SURNAMES.len()];
        }
        if case != 3 {
            // 04 keeps its planted wrong check letter.
            k.upn = upn(la, estab, (i % 1000) as u32);
        }
        k.nhs = nhs((i % 5_000) as u32);
        if let Some(long) = long {
            k.description = long;
        }
    }
    let rel = String::new();
    let doc = match family % N_FAMILIES {
        0 => riverton(rel, &k),
        1 => {
            let enc = match i % 50 {
                1 => Enc::Windows1252,
                2 => Enc::Utf16Le,
                _ => Enc::Utf8,
            };
            halden(rel, &k, enc)
        }
        _ => ctf(rel, &k),
    };
    (dir, doc.bytes)
}

/// How many sources [`bench_document`] draws from.
#[allow(dead_code)]
pub(crate) const N_FAMILIES: usize = 3;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template = Template::load(&root.join("mappings/national-template.toml")).expect("template");
    let must = |id: &str| template.get(id).map(|d| d.statutory) == Some(Statutory::Must);

    let mut docs = Vec::new();
    docs.push(riverton("riverton/blank.xml".into(), &blank()));
    for (i, k) in kids("957", "4001").iter().enumerate() {
        docs.push(riverton(format!("riverton/filled-{:02}.xml", i + 1), k));
    }
    docs.push(halden("halden/blank.xml".into(), &blank(), Enc::Utf8));
    for (i, k) in kids("958", "2001").iter().enumerate() {
        let mut k = k.clone();
        let enc = match i {
            1 => {
                k.forename = "Zoë";
                k.surname = "Brontë";
                Enc::Windows1252
            }
            2 => Enc::Utf16Le,
            _ => Enc::Utf8,
        };
        docs.push(halden(format!("halden/filled-{:02}.xml", i + 1), &k, enc));
    }
    docs.push(ctf("ctf/blank.xml".into(), &blank()));
    for (i, k) in kids("958", "2001").iter().enumerate() {
        docs.push(ctf(format!("ctf/filled-{:02}.xml", i + 1), k));
    }

    let forms = root.join("fixtures/forms");
    let mut expected = Map::new();
    for d in &docs {
        write(&forms.join(&d.rel), &d.bytes);
        let answered = |o: &Out| match o {
            Out::Single(i) => !matches!(i.exp, Exp::Empty),
            Out::Group(items) => items.iter().any(|i| !matches!(i.exp, Exp::Empty)),
        };
        let is_blank = !d.fields.iter().chain(&d.extras).any(|(_, o)| answered(o));
        let partial = d.fields.iter().any(|(id, o)| {
            let st = out_json(o)["status"].as_str().unwrap_or("").to_string();
            st == "invalid" || (st == "empty" && must(id))
        });
        let status = if is_blank {
            "blank"
        } else if partial {
            "partial"
        } else {
            "ok"
        };
        let mut fields = Map::new();
        for (id, o) in &d.fields {
            fields.insert((*id).to_string(), out_json(o));
        }
        let mut extras = Map::new();
        for (id, o) in &d.extras {
            extras.insert((*id).to_string(), out_json(o));
        }
        expected.insert(
            d.rel.clone(),
            json!({"mapping": d.mapping, "status": status, "fields": fields, "extras": extras}),
        );
    }
    let text = serde_json::to_string_pretty(&Value::Object(expected)).expect("json");
    write(
        &root.join("fixtures/expected/xml.json"),
        format!("{text}\n").as_bytes(),
    );
    hostile(&root.join("fixtures/hostile"));
    eprintln!(
        "wrote {} XML forms, fixtures/expected/xml.json and fixtures/hostile/",
        docs.len()
    );
}
