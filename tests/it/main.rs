//! The integration tests, as one test binary (one link instead of one per file): each module is what was a file of
//! its own under `tests/`, and `util` holds the helpers they share. `cargo test` runs them all; `cargo test run::`
//! (or any part of a test's path) runs some.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a test: a failure should stop it loudly, where the library must return an error"
)]

mod convert;
mod diagnostics;
mod docx_corpus;
mod duplicates;
mod edited_forms;
mod extras;
mod install;
mod mappings;
mod marked;
mod nightly;
mod pdf_corpus;
mod real_layout;
mod report;
mod run;
mod senco_time;
mod suggest;
mod suggest_folder;
mod tables;
mod util;
mod xlsx_corpus;
mod xml_corpus;
mod xml_match;
