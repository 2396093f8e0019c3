//! A moderator's reply to a reporter who asked for answers with a codename: written to
//! her report's mailbox, signed with the moderator's alert key and sealed to her and
//! to every moderator of the bundle.

use anyhow::{bail, Result};
use jasmine_client::bundle::VerifiedBundle;
use jasmine_client::mailbox::{self, Reply, MESSAGE_FORMAT};
use jasmine_client::report::{FollowUp, Report};
use jasmine_client::Day;

use crate::keyfiles::OfflineKeys;

/// Seals and signs a reply to the reporter of `report`: (mailbox id, ciphertext).
pub fn seal_for(
    id: &str,
    report: &Report,
    text: &str,
    keys: &OfflineKeys,
    bundle: &VerifiedBundle,
) -> Result<(String, Vec<u8>)> {
    let FollowUp::Codename {
        recipient, mailbox, ..
    } = &report.follow_up
    else {
        bail!(
            "report {id} did not ask for answers with a codename; there is no mailbox to reply to"
        );
    };
    let sealed = mailbox::seal_reply(
        &Reply {
            format: MESSAGE_FORMAT,
            mailbox: mailbox.clone(),
            written_on: Day::today_utc(),
            text: text.to_string(),
            signed_by: keys.id.clone(),
        },
        recipient,
        &keys.alert_key,
        bundle,
    )?;
    Ok((mailbox.clone(), sealed))
}
