//! Jasmine protocol v1 and the client side of it.
//!
//! This crate is what every other part of Jasmine links: the formats (key bundle,
//! report, alert), the age envelope with its size padding, the domain-separated
//! signatures, the moderator API request signatures, and the transports that carry
//! them. The format modules do no I/O: they take bytes (and, where needed, the current
//! day) and return bytes or typed values. `docs/PROTOCOL.md` is their specification.
//!
//! A round trip, from the organisation's root key to a report a moderator can read:
//!
//! ```
//! use jasmine_client::{bundle, envelope, report, Day};
//! # fn main() -> Result<(), jasmine_client::Error> {
//! let mut rng = rand::rngs::OsRng;
//! let today = Day::parse("2026-11-28")?;
//! let root = ed25519_dalek::SigningKey::generate(&mut rng);
//! let moderator = bundle::ModeratorSecrets::generate("alice", &mut rng);
//! let draft = bundle::KeyBundle {
//!     organisation: "Demo".into(),
//!     version: 1,
//!     issued: today,
//!     expires: today.add_days(90),
//!     onion: String::new(),
//!     check_key: None,
//!     moderators: vec![moderator.public_entry("Alice")],
//!     former: Vec::new(),
//!     limits: bundle::ServerLimits::default(),
//! };
//! let signed = bundle::sign_bundle(&draft, &root)?;
//! let pinned = jasmine_client::keys::PublicKey::from(&root);
//! let verified = bundle::verify_bundle(&signed, &pinned, today, None)?;
//!
//! let report = report::Report::example(today);
//! let ciphertext = envelope::seal_report(&report, &verified)?;
//! let opened = envelope::open_report(&ciphertext, moderator.age_identity())?;
//! assert_eq!(opened, report);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod age_shape;
pub mod alert;
pub mod api_auth;
pub mod attachment;
pub mod bundle;
pub mod canonical;
pub mod checklist;
pub mod client;
pub mod codename;
mod day;
pub mod envelope;
mod error;
pub mod identifier;
pub mod keys;
pub mod mailbox;
pub mod multipart;
pub mod oprf;
pub mod padding;
pub mod puzzle;
pub mod report;
pub mod scrub;
pub mod terminal;
pub mod transport;
pub mod wire;

pub use day::{Day, Month};
pub use error::Error;
