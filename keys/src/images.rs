//! A report's images on the moderator's machine (`docs/PROTOCOL.md` §4.12): its
//! attachments file decrypted with whichever of the moderator's identities it was
//! sealed to, split by the sizes the report lists, each checked against its SHA-256,
//! and each decoded again with the scrubber's limits before it is handed out: a
//! reporter's file is a stranger's file to this machine too.

use anyhow::{bail, Context, Result};
use jasmine_client::attachment::{self, Image};
use jasmine_client::report::Report;

use crate::keyfiles::OfflineKeys;
use crate::source::Source;

/// The images of report `id`, checked.
pub fn open(source: &Source, id: &str, report: &Report, keys: &OfflineKeys) -> Result<Vec<Image>> {
    if report.attachments.is_empty() {
        return Ok(Vec::new());
    }
    let Some(file) = source.attachments_file(id)? else {
        bail!(
            "report {id} lists {} image(s), but its attachments file is not here: pull it again (the server keeps it with the report until every moderator has acknowledged it)",
            report.attachments.len()
        );
    };
    let images = keys
        .try_each(|identity| attachment::open(&file, identity, &report.attachments))
        .with_context(|| format!("the images of report {id}"))?;
    for (n, image) in images.iter().enumerate() {
        jasmine_client::scrub::declared(&image.bytes).with_context(|| {
            format!(
                "image {} of report {id} is not a safe image to open ({})",
                n + 1,
                image.media_type.as_str()
            )
        })?;
    }
    Ok(images)
}

/// Image `n` (from 1) of report `id`.
pub fn one(
    source: &Source,
    id: &str,
    n: usize,
    report: &Report,
    keys: &OfflineKeys,
) -> Result<Image> {
    let count = report.attachments.len();
    if n == 0 || n > count {
        bail!("report {id} has {count} image(s): give a number from 1 to {count}");
    }
    Ok(open(source, id, report, keys)?.swap_remove(n - 1))
}
