//! harmonise: maps English local authorities' EHC needs assessment request forms onto one national template.
//!
//! The pipeline (see [`pipeline`]): **read** a document into a [`read::SourceDoc`], **identify** the LA form's
//! [`mapping::Mapping`], **harmonise** it into a [`record::Record`] of the national [`template::Template`], and
//! write records and a [`manifest::Manifest`] that accounts for every input.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod audit;
pub mod diag;
pub mod harmonise;
pub mod locate;
pub mod manifest;
pub mod mapping;
pub mod output;
pub mod pipeline;
pub mod read;
pub mod record;
pub mod report;
pub mod state;
pub mod template;
pub mod validate;
pub mod worker;
pub mod xpath;
