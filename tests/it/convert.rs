//! doc, rtf and odt documents, read converted to docx by LibreOffice (`src/read/convert.rs`), through the real
//! binary: the committed fixtures (`fixtures/converted/`, from `examples/gen_word_formats.rs`) against their docx
//! originals with the real soffice, which these tests need (they fail, never skip, without it: `.ci/run` installs
//! `libreoffice-writer-nogui`); and fake converters (shell scripts named by `HARMONISE_SOFFICE`) for the paths a
//! real one takes rarely: missing, hanging, crashing, failing, writing too much.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::util::{code, harmonise_env, manifest_rows, records, root, stderr};

/// The fixtures and the docx each was converted from (`fixtures/forms/fenwick/`).
const FIXTURES: [(&str, &str); 3] = [
    ("fenwick-filled-01.doc", "filled-01.docx"),
    ("fenwick-filled-02.rtf", "filled-02.docx"),
    ("fenwick-filled-03.odt", "filled-03.docx"),
];

/// The real converter: `HARMONISE_SOFFICE`, else `soffice` on PATH. Missing is a failure, never a skip.
fn soffice() -> PathBuf {
    let named = std::env::var_os("HARMONISE_SOFFICE").filter(|v| !v.is_empty());
    let found = match named {
        Some(v) if Path::new(&v).components().count() > 1 => Some(PathBuf::from(v)),
        name => {
            let name = name.unwrap_or_else(|| "soffice".into());
            std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(&name))
                    .find(|c| c.is_file())
            })
        }
    };
    found.filter(|p| p.is_file()).expect(
        "soffice is missing: install libreoffice-writer-nogui (.ci/run does) or set HARMONISE_SOFFICE; \
         these tests must not be skipped",
    )
}

/// A test folder: `in/` (the documents), `out/`, and `tmp/`, the run's TMPDIR, where every conversion's private
/// directory is made (and must be gone after the run).
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().expect("temp dir");
        for d in ["in", "tmp"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        }
        Case { dir }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    /// Copies a committed fixture into `in/` under a name of the test's choosing.
    fn add(&self, fixture: &str, name: &str) {
        std::fs::copy(
            root().join("fixtures").join(fixture),
            self.path("in").join(name),
        )
        .expect("copy fixture");
    }
    /// `harmonise run` over `in/` with the bundled mappings, TMPDIR in `tmp/`, plus `env` and `extra`.
    fn run(&self, extra: &[&str], env: &[(&str, &str)]) -> Output {
        let (input, out, tmp) = (self.path("in"), self.path("out"), self.path("tmp"));
        let mut args = vec![
            "run",
            "--quiet",
            "--input",
            input.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--today",
            "2026-11-28",
        ];
        args.extend_from_slice(extra);
        let mut all = vec![("TMPDIR", tmp.to_str().expect("utf-8"))];
        all.extend_from_slice(env);
        harmonise_env(&args, &all)
    }
    /// The names left in `tmp/` (nothing, once every conversion's directory is removed).
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.path("tmp"))
            .expect("tmp")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    }
    /// Writes an executable shell script into the folder (a fake converter) and returns its path.
    fn script(&self, name: &str, body: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        path.to_str().expect("utf-8").to_string()
    }
}

/// Shell lines that set `$out` to the `--outdir` argument and `$in` to the last (the input).
const ARGS: &str = r#"out=""; prev=""; for a in "$@"; do [ "$prev" = "--outdir" ] && out="$a"; prev="$a"; in="$a"; done"#;

/// The fields the check-box form fields fill, which LibreOffice 7.4 loses: its docx export writes every legacy
/// FORMCHECKBOX with an empty name (`ff:#1`), so `formfield = "ParentsAgree"` finds nothing. Its RTF import
/// also drops the FORMTEXT field's name (`ff:Bookmark`).
fn known_losses(format: &str) -> Vec<&'static str> {
    let mut lost = vec!["request.parent_agreement", "consent.information_sharing"];
    if format == "rtf" {
        lost.push("setting.name");
    }
    lost
}

/// Each converted fixture's record against its docx original's: every field the same (status, value and
/// provenance) but the known losses, which are `not_found`.
fn assert_as_docx(out: &Path, names: &[(&str, &str, &str)]) {
    let recs = records(out);
    let rows = manifest_rows(out);
    for (name, original, format) in names {
        let row = &rows[*name];
        assert_eq!(row["format"], *format, "{name}: {row}");
        assert_eq!(row["mapping"], "961-fenwick", "{name}: {row}");
        assert_eq!(rows[*original]["format"], "docx");
        let (got, want) = (&recs[*name], &recs[*original]);
        let fields = |r: &Value| r["fields"].as_object().expect("fields").clone();
        let (got_f, want_f) = (fields(got), fields(want));
        assert_eq!(got_f.len(), want_f.len());
        let mut lost = known_losses(format);
        lost.sort_unstable();
        let mut differ: Vec<&str> = Vec::new();
        for (id, want) in &want_f {
            if got_f[id] != *want {
                differ.push(id);
            }
        }
        differ.sort_unstable();
        assert_eq!(
            differ, lost,
            "{name}: the fields that differ from {original}"
        );
        for id in &lost {
            assert_eq!(got_f[*id]["status"], "not_found", "{name} {id}");
            assert_ne!(want_f[*id]["status"], "not_found", "{original} {id}");
        }
        // The table answers, with their provenance, as from the docx.
        for id in [
            "child.forename",
            "child.surname",
            "child.date_of_birth",
            "child.upn",
        ] {
            assert_eq!(got_f[id], want_f[id], "{name} {id}");
            assert!(got_f[id]["source"].as_str().is_some(), "{name} {id}");
        }
        assert_eq!(got["extras"], want["extras"], "{name}");
    }
}

#[test]
fn doc_rtf_and_odt_come_out_as_their_docx_originals() {
    soffice();
    let case = Case::new();
    // Named so that the name says nothing true: the formats are sniffed from the bytes.
    let names = [
        ("renamed-01.docx", "filled-01.docx", "doc"),
        ("renamed-02.txt", "filled-02.docx", "rtf"),
        ("renamed-03.zip", "filled-03.docx", "odt"),
    ];
    for ((fixture, original), (name, _, _)) in FIXTURES.iter().zip(&names) {
        case.add(&format!("converted/{fixture}"), name);
        case.add(&format!("forms/fenwick/{original}"), original);
    }
    let out = case.run(&["--jobs", "2"], &[]);
    assert!(matches!(code(&out), 0 | 3), "{}", stderr(&out));
    assert_as_docx(&case.path("out"), &names);
    let rows = manifest_rows(&case.path("out"));
    assert_eq!(rows.len(), 6);
    assert!(
        rows.values().all(|r| r["reason"]
            .as_str()
            .is_none_or(|r| !r.contains("Marchbank"))),
        "no reason quotes a document"
    );
    assert_eq!(
        case.leftovers(),
        Vec::<String>::new(),
        "temporary directories removed"
    );
}

#[test]
fn with_isolate_the_worker_converts() {
    soffice();
    let case = Case::new();
    let names = [
        ("fenwick-filled-01.doc", "filled-01.docx", "doc"),
        ("fenwick-filled-03.odt", "filled-03.docx", "odt"),
    ];
    for (name, original, _) in names {
        case.add(&format!("converted/{name}"), name);
        case.add(&format!("forms/fenwick/{original}"), original);
    }
    let out = case.run(&["--isolate", "--jobs", "2"], &[]);
    assert!(matches!(code(&out), 0 | 3), "{}", stderr(&out));
    assert_as_docx(&case.path("out"), &names);
    assert_eq!(case.leftovers(), Vec::<String>::new());
}

#[test]
fn without_the_converter_they_are_unsupported_with_the_package_and_docx_named() {
    for extra in [&[][..], &["--isolate"][..]] {
        let case = Case::new();
        for (fixture, _) in FIXTURES {
            case.add(&format!("converted/{fixture}"), fixture);
        }
        case.add("forms/fenwick/filled-01.docx", "filled-01.docx");
        let out = case.run(extra, &[("HARMONISE_SOFFICE", "/no/such/soffice")]);
        assert_eq!(code(&out), 3, "{extra:?}: {}", stderr(&out));
        let rows = manifest_rows(&case.path("out"));
        for (fixture, format) in FIXTURES.iter().map(|(f, _)| (*f, &f[f.len() - 3..])) {
            let row = &rows[fixture];
            assert_eq!(row["status"], "unsupported_format", "{extra:?} {row}");
            assert_eq!(row["format"], format, "{row}");
            let reason = row["reason"].as_str().expect("a reason");
            for part in [
                "apt install libreoffice-writer-nogui",
                "save the document as docx",
                "HARMONISE_SOFFICE names /no/such/soffice",
            ] {
                assert!(
                    reason.contains(part),
                    "{extra:?}: {part:?} not in {reason:?}"
                );
            }
        }
        // The batch goes on: the docx is harmonised.
        assert_eq!(rows["filled-01.docx"]["status"], "ok");
        assert!(records(&case.path("out")).contains_key("filled-01.docx"));
    }
}

/// True while a process exists and is not a zombie.
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|s| !s.trim_start().starts_with('Z'))
    })
}

#[test]
fn a_hanging_converter_is_killed_with_what_it_started_and_the_batch_goes_on() {
    for extra in [&[][..], &["--isolate"][..]] {
        let case = Case::new();
        case.add("converted/fenwick-filled-01.doc", "a.doc");
        case.add("converted/fenwick-filled-02.rtf", "b.rtf");
        case.add("forms/fenwick/filled-01.docx", "c.docx");
        let pids = case.path("pids");
        // It starts a child of its own (in its process group), records both, and waits forever.
        let hang = case.script(
            "hang",
            "sleep 300 &\necho $$ >> \"$PIDS\"\necho $! >> \"$PIDS\"\nwait",
        );
        let started = std::time::Instant::now();
        let out = case.run(
            &[&["--timeout-secs", "2", "--jobs", "2"][..], extra].concat(),
            &[
                ("HARMONISE_SOFFICE", &hang),
                ("PIDS", pids.to_str().expect("utf-8")),
            ],
        );
        assert_eq!(code(&out), 3, "{}", stderr(&out));
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        let rows = manifest_rows(&case.path("out"));
        for name in ["a.doc", "b.rtf"] {
            let row = &rows[name];
            assert_eq!(row["status"], "timeout", "{extra:?} {row}");
            let reason = row["reason"].as_str().expect("reason");
            assert!(
                reason.contains("the converter was killed"),
                "{extra:?} {reason}"
            );
        }
        assert_eq!(rows["c.docx"]["status"], "ok");
        let recorded = std::fs::read_to_string(&pids).expect("the fake converter ran");
        let recorded: Vec<&str> = recorded.split_whitespace().collect();
        assert_eq!(recorded.len(), 4, "two conversions, two processes each");
        for pid in recorded {
            assert!(
                !alive(pid),
                "{extra:?}: process {pid} survived its conversion"
            );
        }
        assert_eq!(case.leftovers(), Vec::<String>::new());
    }
}

#[test]
fn a_crashing_failing_or_silent_converter_costs_one_row_and_quotes_nothing() {
    let case = Case::new();
    case.add("converted/fenwick-filled-02.rtf", "b.rtf");
    case.add("forms/fenwick/filled-01.docx", "c.docx");
    // Each prints the document (as a converter's messages can) before it fails its way.
    let cases = [
        ("kill -SEGV $$", "corrupt", "it was killed by signal 11"),
        ("exit 77", "corrupt", "it exited with status 77"),
        (
            "exit 0",
            "corrupt",
            "it exited with status 0 and wrote nothing",
        ),
    ];
    for (i, (end, status, says)) in cases.iter().enumerate() {
        let fake = case.script(
            &format!("fake{i}"),
            &format!("{ARGS}\ncat \"$in\"\ncat \"$in\" >&2\n{end}"),
        );
        let out = case.run(&["--full"], &[("HARMONISE_SOFFICE", &fake)]);
        assert_eq!(code(&out), 3, "{}", stderr(&out));
        let rows = manifest_rows(&case.path("out"));
        let row = &rows["b.rtf"];
        assert_eq!(row["status"], *status, "{end}: {row}");
        let reason = row["reason"].as_str().expect("reason");
        assert!(reason.contains(says), "{end}: {reason}");
        assert!(
            !reason.contains("Fenwick") && !reason.contains("rtf1"),
            "{reason}"
        );
        assert!(
            !stderr(&out).contains("Fenwick"),
            "the converter's output is never passed on"
        );
        assert_eq!(rows["c.docx"]["status"], "ok");
        assert_eq!(case.leftovers(), Vec::<String>::new());
    }
}

#[test]
fn a_converter_writing_past_the_file_limit_is_too_large() {
    let case = Case::new();
    case.add("converted/fenwick-filled-03.odt", "c.odt");
    // 3 MiB of output against --max-file-mib 1: stopped by RLIMIT_FSIZE, or refused when measured.
    let fake = case.script(
        "big",
        &format!("{ARGS}\nhead -c 3145728 /dev/zero > \"$out/input.docx\"\nexit 0"),
    );
    let out = case.run(&["--max-file-mib", "1"], &[("HARMONISE_SOFFICE", &fake)]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let row = &manifest_rows(&case.path("out"))["c.odt"];
    assert_eq!(row["status"], "too_large", "{row}");
    assert!(
        row["reason"]
            .as_str()
            .expect("reason")
            .contains("max_file_bytes"),
        "{row}"
    );
    assert_eq!(case.leftovers(), Vec::<String>::new());
}

#[test]
fn each_conversion_has_its_own_profile_and_a_converted_docx_is_read() {
    let case = Case::new();
    case.add("converted/fenwick-filled-01.doc", "a.doc");
    case.add("converted/fenwick-filled-02.rtf", "b.rtf");
    case.add("converted/fenwick-filled-03.odt", "c.odt");
    let docx = root().join("fixtures/forms/fenwick/filled-02.docx");
    let args = case.path("args");
    // "Converts" by copying a docx, after recording its arguments (one line per conversion).
    let fake = case.script(
        "copy",
        &format!(
            "{ARGS}\necho \"$@\" >> \"$ARGS_LOG\"\ncp '{}' \"$out/input.docx\"",
            docx.display()
        ),
    );
    let out = case.run(
        &["--jobs", "2"],
        &[
            ("HARMONISE_SOFFICE", &fake),
            ("ARGS_LOG", args.to_str().expect("utf-8")),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let recs = records(&case.path("out"));
    for name in ["a.doc", "b.rtf", "c.odt"] {
        assert_eq!(
            recs[name]["fields"]["child.forename"]["value"], "Rafferty",
            "{name}"
        );
    }
    let log = std::fs::read_to_string(&args).expect("args log");
    let profiles: BTreeMap<String, Vec<String>> = log
        .lines()
        .map(|l| {
            let words: Vec<String> = l.split(' ').map(str::to_string).collect();
            let profile = words
                .iter()
                .find_map(|w| w.strip_prefix("-env:UserInstallation=file:///"))
                .expect("a private profile")
                .to_string();
            (profile, words)
        })
        .collect();
    assert_eq!(
        profiles.len(),
        3,
        "three conversions, three profiles: {log}"
    );
    for words in profiles.values() {
        for flag in ["--headless", "--convert-to", "docx", "--outdir"] {
            assert!(words.iter().any(|w| w == flag), "{flag} in {words:?}");
        }
        let input = words.last().expect("input");
        assert!(
            [".doc", ".rtf", ".odt"]
                .iter()
                .any(|e| input.ends_with(&format!("input{e}"))),
            "the input is never the document's own name: {input}"
        );
    }
    assert_eq!(case.leftovers(), Vec::<String>::new());
}
