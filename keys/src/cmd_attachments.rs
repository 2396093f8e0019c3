//! `jasmine-keys attachment save`: one image of a report or of her answer, decrypted
//! into a file only its owner can read, for viewing on the offline machine.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use crate::images::Owner;
use crate::PassphraseArg;

/// `attachment save`.
#[derive(Args)]
pub struct SaveArgs {
    /// Report id (as `cases` or `list` shows it), or the id of her answer (as `show`
    /// lists it under the conversation).
    id: String,
    /// Which image, from 1 (as `show` lists them).
    n: usize,
    /// Where to write it (created 0600; keep it on the offline machine). Without an
    /// extension, the image's own (.jpg or .png) is added.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    source: crate::source::SourceArgs,
    /// Your offline key file (<id>.offline.age).
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn save(args: SaveArgs) -> Result<()> {
    let keys = args.passphrase.offline_keys(&args.key)?;
    let source = args.source.open(&keys)?;
    let is_report = source.reports()?.iter().any(|(id, _)| *id == args.id);
    let (owner, image) = if is_report {
        let report = source.open_report(&args.id, &keys)?;
        let owner = Owner::Report(&args.id);
        let image = crate::images::one(&source, owner, args.n, &report.attachments, &keys)?;
        (owner, image)
    } else {
        let Some(message) = source
            .conversations(&keys)?
            .into_values()
            .flatten()
            .find(|m| m.id == args.id)
        else {
            bail!(
                "no report and no readable answer {} here (`jasmine-keys list` or `cases` lists the reports; `show <report id>` lists a conversation's messages)",
                args.id
            );
        };
        let owner = Owner::Message(&args.id);
        let image = crate::images::one(&source, owner, args.n, &message.attachments, &keys)?;
        (owner, image)
    };
    let out = if args.out.extension().is_none() {
        args.out.with_extension(image.media_type.extension())
    } else {
        args.out.clone()
    };
    crate::files::write_file(&out, &image.bytes, 0o600, false)?;
    let signed = match owner {
        Owner::Report(_) => "the report",
        Owner::Message(_) => "her signed answer",
    };
    println!(
        "Image {} of {owner} written to {} ({}, {} bytes; its SHA-256 matches {signed}). Delete it when you are done.",
        args.n,
        out.display(),
        image.media_type.as_str(),
        image.bytes.len()
    );
    Ok(())
}
