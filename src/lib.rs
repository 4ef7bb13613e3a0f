//! harmonise: maps English local authorities' EHC needs assessment request forms onto one national template.
//!
//! The pipeline (see [`pipeline`]): **read** a document into a [`read::SourceDoc`], **identify** the LA form's
//! [`mapping::Mapping`], **harmonise** it into a [`record::Record`] of the national [`template::Template`], and
//! write records and a [`manifest::Manifest`] that accounts for every input.
//!
//! Reading and harmonising one document with the bundled mappings:
//!
//! ```
//! use std::path::Path;
//! use harmonise::{harmonise::{harmonise, identify}, mapping::MappingSet, read};
//!
//! let set = MappingSet::load(Path::new("mappings")).expect("the bundled mappings are valid");
//! let bytes = std::fs::read("fixtures/forms/northmoor/filled-01.xlsx").expect("a fixture");
//! let format = read::sniff(&bytes);
//! let doc = read::read(&bytes, format, &read::Limits::default()).expect("a readable workbook");
//! let mapping = identify(&doc, format, &set.mappings).expect("Northmoor's form");
//! let today = jiff::civil::date(2026, 11, 28);
//! let record = harmonise(&doc, mapping, &set.template, "northmoor/filled-01.xlsx", today);
//! assert_eq!(record.mapping, "951-northmoor");
//! assert_eq!(record.fields["child.upn"].source.as_deref(), Some("Request!C8"));
//! ```
#![warn(missing_docs)]

pub mod audit;
pub mod check;
pub mod choice;
pub mod diag;
pub mod harmonise;
pub mod label;
pub mod locate;
pub mod manifest;
pub mod mapping;
pub mod output;
pub mod pipeline;
pub mod read;
pub mod record;
pub mod reference;
pub mod report;
pub mod senco;
pub mod state;
pub mod suggest;
pub mod tables;
pub mod template;
pub mod validate;
pub mod xpath;
