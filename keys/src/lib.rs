//! The moderators' domain, without the network: the files that cross the air gap, the
//! desk and its case list, opening reports and messages, key files, passphrases, what
//! a report shows and what an alert keeps, repeat aggressors and statistics.
//!
//! The `jasmine-keys` CLI (its `cmd_*` modules, and the online commands that move
//! ciphertext and signed files) is a thin layer over these modules. They need no Tor
//! and no server: the fuzz targets link them as they are.
#![forbid(unsafe_code)]

pub mod airgap;
pub mod check_list;
pub mod desk;
pub mod display;
pub mod evaluations;
pub mod files;
pub mod inbox;
pub mod keyfiles;
pub mod matching;
pub mod opening;
pub mod passphrase;
pub mod pii;
pub mod reply;
pub mod sanitize;
pub mod signing;
pub mod stats;
