//! The images of a report or of her answer, on the moderator's machine
//! (`docs/PROTOCOL.md` §4.12): the attachments file decrypted with whichever of the
//! moderator's identities it was sealed to, split by the sizes the report (or the
//! signed answer) lists, each checked against its SHA-256, and each decoded again with
//! the scrubber's limits before it is handed out: a reporter's file is a stranger's
//! file to this machine too.

use anyhow::{bail, Context, Result};
use jasmine_client::attachment::{self, Attachment, Image};
use jasmine_client::report::Report;

use crate::keyfiles::OfflineKeys;
use crate::source::Source;

/// Whose images: a report's or an answer's, by id.
#[derive(Clone, Copy)]
pub enum Owner<'a> {
    /// A report.
    Report(&'a str),
    /// A mailbox message (her answer).
    Message(&'a str),
}

impl std::fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::Report(id) => write!(f, "report {id}"),
            Owner::Message(id) => write!(f, "message {id}"),
        }
    }
}

/// The images of report `id`, checked.
pub fn open(source: &Source, id: &str, report: &Report, keys: &OfflineKeys) -> Result<Vec<Image>> {
    open_listed(source, Owner::Report(id), &report.attachments, keys)
}

/// The images `entries` (a report's or a signed answer's `attachments`) list, out of
/// `owner`'s attachments file, checked.
pub fn open_listed(
    source: &Source,
    owner: Owner,
    entries: &[Attachment],
    keys: &OfflineKeys,
) -> Result<Vec<Image>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let file = match owner {
        Owner::Report(id) => source.attachments_file(id)?,
        Owner::Message(id) => source.message_attachments_file(id)?,
    };
    let Some(file) = file else {
        bail!(
            "{owner} lists {} image(s), but its attachments file is not here: pull it again (the server keeps it until every moderator has acknowledged it)",
            entries.len()
        );
    };
    let images = keys
        .try_each(|identity| attachment::open(&file, identity, entries))
        .with_context(|| format!("the images of {owner}"))?;
    for (n, image) in images.iter().enumerate() {
        jasmine_client::scrub::declared(&image.bytes).with_context(|| {
            format!(
                "image {} of {owner} is not a safe image to open ({})",
                n + 1,
                image.media_type.as_str()
            )
        })?;
    }
    Ok(images)
}

/// Image `n` (from 1) of the `entries` of `owner`.
pub fn one(
    source: &Source,
    owner: Owner,
    n: usize,
    entries: &[Attachment],
    keys: &OfflineKeys,
) -> Result<Image> {
    let count = entries.len();
    if count == 0 {
        bail!("{owner} has no image");
    }
    if n == 0 || n > count {
        bail!("{owner} has {count} image(s): give a number from 1 to {count}");
    }
    Ok(open_listed(source, owner, entries, keys)?.swap_remove(n - 1))
}
