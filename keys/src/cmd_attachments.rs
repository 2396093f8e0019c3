//! `jasmine-keys attachment save`: one image of a report, decrypted into a file only
//! its owner can read, for viewing on the offline machine.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::PassphraseArg;

/// `attachment save`.
#[derive(Args)]
pub struct SaveArgs {
    /// Report id (as `cases` or `list` shows it).
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
    let report = source.open_report(&args.id, &keys)?;
    let image = crate::images::one(&source, &args.id, args.n, &report, &keys)?;
    let out = if args.out.extension().is_none() {
        args.out.with_extension(image.media_type.extension())
    } else {
        args.out.clone()
    };
    crate::files::write_file(&out, &image.bytes, 0o600, false)?;
    println!(
        "Image {} of report {} written to {} ({}, {} bytes; its SHA-256 matches the report). Delete it when you are done.",
        args.n,
        args.id,
        out.display(),
        image.media_type.as_str(),
        image.bytes.len()
    );
    Ok(())
}
