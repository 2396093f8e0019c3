//! Organisation and moderator keys, key bundles, and the demo set-up.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use anyhow::{bail, Context, Result};
use clap::Args;
use ed25519_dalek::SigningKey;
use jasmine_client::bundle::{self, KeyBundle, ModeratorSecrets, ServerLimits};
use jasmine_client::client::JasmineClient;
use jasmine_client::Day;
use rand::rngs::OsRng;

use crate::passphrase::{self, PassphraseSource};
use crate::{block_on, files, keyfiles, PassphraseArg, ServerArg};

/// `org init`.
#[derive(Args)]
pub struct InitArgs {
    /// Folder to write root.key.age and root.pub into.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn init(args: InitArgs) -> Result<()> {
    let passphrase = args.passphrase.source().get_new("the new root key", &[])?;
    let root = SigningKey::generate(&mut OsRng);
    keyfiles::write_root(&args.dir, &root, &passphrase)?;
    println!(
        "Root key written to {} (keep it offline, with a backup).",
        args.dir.join("root.key.age").display()
    );
    println!(
        "Public root key (pin it in clients and the server): {}",
        args.dir.join("root.pub").display()
    );
    println!("{}", jasmine_client::keys::PublicKey::from(&root));
    Ok(())
}

/// `moderator keygen`.
#[derive(Args)]
pub struct KeygenArgs {
    /// Moderator id: lowercase letters, digits and '-'.
    #[arg(long)]
    id: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// Folder for the three files.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn keygen(args: KeygenArgs) -> Result<()> {
    if !bundle::is_moderator_id(&args.id) {
        bail!(
            "'{}' is not a valid moderator id: use 1 to 32 lowercase letters, digits and '-'",
            args.id
        );
    }
    let passphrase = args
        .passphrase
        .source()
        .get_new("the moderator's offline keys", &[&args.id, &args.name])?;
    let secrets = ModeratorSecrets::generate(&args.id, &mut OsRng);
    keyfiles::write_moderator(&args.dir, &secrets, &args.name, &passphrase, &[])?;
    let id = &args.id;
    println!("Moderator '{id}' created in {}:", args.dir.display());
    println!("  {id}.offline.age  decrypts reports and signs alerts: offline machine only");
    println!("  {id}.api.key      signs API requests: online machine");
    println!("  {id}.card.json    public keys: give it to the organisation for the next bundle");
    Ok(())
}

/// `moderator rotate`.
#[derive(Args)]
pub struct RotateArgs {
    /// Your current <id>.offline.age file.
    #[arg(long)]
    key: PathBuf,
    /// Display name for the new card.
    #[arg(long)]
    name: String,
    /// Folder for the new three files (not the folder of the current ones).
    #[arg(long)]
    dir: PathBuf,
    /// File whose first line is a new passphrase for the new keys (otherwise they keep
    /// the current one, which must then be strong enough; at a terminal, a weak one is
    /// replaced by asking for a new one).
    #[arg(long)]
    new_passphrase_file: Option<PathBuf>,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

/// New keys for the same moderator id. The new offline file keeps every earlier age
/// identity, so reports encrypted to older bundles stay readable; the new card goes
/// into the next bundle, which retires the old API and alert keys.
pub fn rotate(args: RotateArgs) -> Result<()> {
    let current = args
        .passphrase
        .source()
        .get(&args.key.display().to_string())?;
    let old = keyfiles::read_offline(&args.key, &current)?;
    // The new file is protected by the current passphrase, or by a new one: either
    // way, one strong enough for a new key (a weak one set before the rule is not
    // carried over).
    let what = "the new offline keys";
    let related = [old.id.as_str(), args.name.as_str()];
    let (passphrase, kept) = match &args.new_passphrase_file {
        Some(file) => (
            PassphraseSource {
                file: Some(file.clone()),
            }
            .get_new(what, &related)?,
            false,
        ),
        None => match passphrase::weakness(current.expose_secret(), &related) {
            None => (current, true),
            Some(_) if std::io::stdin().is_terminal() => {
                eprintln!(
                    "The current passphrase is too weak to protect the new keys: choose a new one. {}.",
                    passphrase::ADVICE
                );
                let new = passphrase::prompt(what, true)?;
                passphrase::check_new(new.expose_secret(), what, &related)?;
                (new, false)
            }
            Some(why) => bail!(
                "the current passphrase of {} is too weak to protect the new keys: {why}. Give a new one with --new-passphrase-file FILE. {}. Nothing was written.",
                args.key.display(),
                passphrase::ADVICE
            ),
        },
    };
    let secrets = ModeratorSecrets::generate(&old.id, &mut OsRng);
    keyfiles::write_moderator(
        &args.dir,
        &secrets,
        &args.name,
        &passphrase,
        &old.all_identity_texts(),
    )?;
    let id = &old.id;
    println!(
        "New keys for '{id}' in {} ({} passphrase):",
        args.dir.display(),
        if kept { "same" } else { "new" }
    );
    println!(
        "  {id}.offline.age  new keys, and the earlier age identities: older reports stay readable"
    );
    println!("  {id}.api.key      the new API key: use it once the new bundle is uploaded");
    println!("  {id}.card.json    give it to the organisation for the next bundle");
    println!("Then destroy the old {id}.offline.age and {id}.api.key.");
    Ok(())
}

/// `moderator export-age-identity`.
#[derive(Args)]
pub struct ExportArgs {
    /// The moderator's <id>.offline.age file.
    #[arg(long)]
    key: PathBuf,
    /// Where to write the identity (mode 0600).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn export_age_identity(args: ExportArgs) -> Result<()> {
    let keys = args.passphrase.offline_keys(&args.key)?;
    let text = zeroize::Zeroizing::new(format!(
        "# Jasmine moderator '{}': age identity. Anyone holding this file can read every report sent to you.\n{}\n",
        keys.id,
        keys.age_identity_text()
    ));
    files::write_file(&args.out, text.as_bytes(), 0o600, false)?;
    eprintln!(
        "Wrote {} (unencrypted: keep it on the offline machine, delete it when done).",
        args.out.display()
    );
    Ok(())
}

/// `bundle sign`.
#[derive(Args)]
pub struct SignBundleArgs {
    /// The root key file (root.key.age).
    #[arg(long)]
    root_key: PathBuf,
    /// Organisation name.
    #[arg(long)]
    organisation: String,
    /// Bundle version: higher than every bundle signed before.
    #[arg(long)]
    version: u64,
    /// Moderator cards (<id>.card.json), one --card each.
    #[arg(long = "card", required = true)]
    cards: Vec<PathBuf>,
    /// Days of validity from today.
    #[arg(long, default_value_t = 90)]
    valid_days: i64,
    /// The service's onion address, if known.
    #[arg(long, default_value = "")]
    onion: String,
    /// The public half of the server's check key (what `jasmine-server
    /// --print-check-key` prints): the key every check's evaluation is verified
    /// against. Without it, the service offers no check.
    #[arg(long)]
    check_key: Option<String>,
    /// Largest report ciphertext the server accepts.
    #[arg(long, default_value_t = ServerLimits::default().max_report_bytes)]
    max_report_bytes: u64,
    /// Days a report is kept when not every moderator acknowledged it.
    #[arg(long, default_value_t = ServerLimits::default().retention_days)]
    retention_days: u32,
    /// The previous bundle: alert keys of moderators who leave or rotate are carried
    /// over as former keys (their alerts up to today keep verifying).
    #[arg(long)]
    previous: Option<PathBuf>,
    /// What the server published (written by `jasmine-keys bundle published`; repeat
    /// for several): a key that retires verifies, from this bundle on, only the alerts
    /// and retractions of these files that it signed. Needed with --previous whenever
    /// a key retires.
    #[arg(long = "published")]
    published: Vec<PathBuf>,
    /// A moderator whose keys are lost or compromised: none of their keys is carried
    /// over, so nothing they signed verifies any more (repeat for several).
    #[arg(long = "revoke")]
    revoke: Vec<String>,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

/// The former keys of the next bundle: those of `previous`, and the alert keys of
/// its moderators that the new bundle no longer lists, minus every key of `revoked`.
/// Each lists what it signed (`FormerKey::signed`), from `published`: a key retiring
/// now, and one carried over from a bundle written before that rule, get the digests
/// of the documents of `published` that verify against `previous` with that key.
fn carried_over(
    previous: &KeyBundle,
    moderators: &[bundle::ModeratorEntry],
    revoked: &[String],
    published: Option<&[serde_json::Value]>,
    today: Day,
) -> Result<Vec<bundle::FormerKey>> {
    for id in revoked {
        if previous.moderator(id).is_none() && !previous.former.iter().any(|f| &f.id == id) {
            bail!("--revoke {id}: no moderator '{id}' in the previous bundle");
        }
    }
    let mut former: Vec<bundle::FormerKey> = previous
        .former
        .iter()
        .filter(|f| !revoked.contains(&f.id))
        .cloned()
        .collect();
    for m in &previous.moderators {
        let still = moderators.iter().any(|n| n.alert_key == m.alert_key);
        if !still && !revoked.contains(&m.id) {
            former.push(bundle::FormerKey {
                id: m.id.clone(),
                name: m.name.clone(),
                alert_key: m.alert_key,
                until: today,
                signed: None,
            });
        }
    }
    for f in former.iter_mut().filter(|f| f.signed.is_none()) {
        let Some(published) = published else {
            bail!(
                "the alert key of '{}' retires: give what the server published with --published (a moderator writes it online with `jasmine-keys bundle published --api-key … --server … --out published.json`), so that the bundle lists what that key signed and it can sign nothing more",
                f.id
            );
        };
        f.signed = Some(jasmine_client::alert::digests_signed_with(
            published,
            previous,
            &f.alert_key,
        ));
    }
    Ok(former)
}

pub fn sign_bundle(args: SignBundleArgs) -> Result<()> {
    if !(1..=3650).contains(&args.valid_days) {
        bail!("--valid-days must be between 1 and 3650");
    }
    let moderators = args
        .cards
        .iter()
        .map(|p| keyfiles::read_card(p))
        .collect::<Result<Vec<_>>>()?;
    let today = Day::today_utc();
    let passphrase = args.passphrase.source().get("the root key")?;
    let root = keyfiles::read_root(&args.root_key, &passphrase)?;
    let former = match &args.previous {
        Some(path) => {
            let previous = bundle::verify_bundle_signature(
                &files::read_file(path)?,
                &jasmine_client::keys::PublicKey::from(&root),
            )
            .with_context(|| {
                format!("{} is not a bundle signed by this root key", path.display())
            })?;
            if previous.version >= args.version {
                bail!(
                    "--version {} must be higher than the previous bundle's {}",
                    args.version,
                    previous.version
                );
            }
            let published = if args.published.is_empty() {
                None
            } else {
                let mut all = Vec::new();
                for path in &args.published {
                    all.extend(crate::published::Published::read(path)?.documents());
                }
                Some(all)
            };
            carried_over(
                &previous,
                &moderators,
                &args.revoke,
                published.as_deref(),
                today,
            )?
        }
        None if !args.revoke.is_empty() => {
            bail!("--revoke needs --previous (the bundle the key is revoked from)")
        }
        None => Vec::new(),
    };
    let draft = KeyBundle {
        organisation: args.organisation,
        version: args.version,
        issued: today,
        expires: today.add_days(args.valid_days),
        onion: args.onion,
        check_key: args
            .check_key
            .as_deref()
            .map(jasmine_client::oprf::CheckPublicKey::from_base64)
            .transpose()
            .context("--check-key: give what `jasmine-server --print-check-key` prints")?,
        moderators,
        former,
        limits: ServerLimits {
            max_report_bytes: args.max_report_bytes,
            retention_days: args.retention_days,
        },
    };
    draft.validate()?;
    let signed = bundle::sign_bundle(&draft, &root)?;
    files::write_file(&args.out, &signed, 0o644, true)?;
    println!(
        "Signed bundle version {} ({} moderators, valid until {}) written to {}",
        draft.version,
        draft.moderators.len(),
        draft.expires,
        args.out.display()
    );
    for f in &draft.former {
        println!(
            "  former key of '{}': the {} alert(s) and retraction(s) it signed up to {} stay valid; it can sign nothing more",
            f.id,
            f.signed.as_ref().map_or(0, Vec::len),
            f.until
        );
    }
    for id in &args.revoke {
        println!("  '{id}' revoked: nothing signed with their keys verifies any more; retract or re-sign their alerts");
    }
    Ok(())
}

/// `bundle published`.
#[derive(Args)]
pub struct PublishedArgs {
    /// Your API key file (<id>.api.key): the list includes retracted alerts, which
    /// only moderators may fetch.
    #[arg(long)]
    api_key: PathBuf,
    #[command(flatten)]
    server: crate::ServerArg,
    /// File to write.
    #[arg(long)]
    out: PathBuf,
}

/// Writes every alert (retracted ones too) and retraction the server ever published,
/// as signed, for `bundle sign --published` on the root key's machine.
pub fn published(args: PublishedArgs) -> Result<()> {
    let credentials = keyfiles::read_api(&args.api_key)?;
    let published = crate::block_on(async {
        let client = jasmine_client::client::JasmineClient::new(args.server.transport().await?);
        crate::published::fetch_all(&client, &credentials).await
    })??;
    published.write(&args.out)?;
    println!(
        "{} alert(s) and {} retraction(s) written to {} (public data; checked when the bundle is signed)",
        published.alerts.len(),
        published.retractions.len(),
        args.out.display()
    );
    Ok(())
}

/// `bundle upload`.
#[derive(Args)]
pub struct UploadArgs {
    /// The signed bundle.
    #[arg(long)]
    bundle: PathBuf,
    /// The root public key (root.pub), to check the bundle before sending it.
    #[arg(long)]
    root_pub: PathBuf,
    #[command(flatten)]
    server: ServerArg,
}

pub fn upload_bundle(args: UploadArgs) -> Result<()> {
    let json = files::read_file(&args.bundle)?;
    let root = keyfiles::read_public_key(&args.root_pub)?;
    let verified =
        bundle::verify_bundle(&json, &root, Day::today_utc(), None).with_context(|| {
            format!(
                "{} does not verify with {}",
                args.bundle.display(),
                args.root_pub.display()
            )
        })?;
    let client = JasmineClient::new(block_on(args.server.transport())??);
    block_on(client.put_bundle(json))??;
    println!(
        "The server now serves key bundle version {}.",
        verified.version()
    );
    Ok(())
}

/// `demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Folder for the demo keys.
    #[arg(long, default_value = "data/demo")]
    dir: PathBuf,
    /// The server's check key (`jasmine-server --print-check-key`), for the bundle: a
    /// bundle that names another one is signed again.
    #[arg(long)]
    check_key: Option<String>,
}

/// The demo passphrase. Demo keys protect nothing: they are exempt from the strength
/// rule for new passphrases ([`crate::passphrase::check_new`]), so that `make run` and
/// the README's walk-through need no secret.
pub const DEMO_PASSPHRASE: &str = "demo";

pub fn demo(args: DemoArgs) -> Result<()> {
    let dir = &args.dir;
    let passphrase = SecretString::from(DEMO_PASSPHRASE.to_string());
    let root_path = dir.join("root.key.age");
    let fresh = !root_path.exists();
    if fresh {
        std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        files::write_file(
            &dir.join("PASSPHRASE"),
            format!("{DEMO_PASSPHRASE}\n").as_bytes(),
            0o600,
            true,
        )?;
        keyfiles::write_root(dir, &SigningKey::generate(&mut OsRng), &passphrase)?;
        let moderator = ModeratorSecrets::generate("demo-moderator", &mut OsRng);
        keyfiles::write_moderator(dir, &moderator, "Demo Moderator", &passphrase, &[])?;
    }
    let bundle_path = dir.join("bundle.json");
    let root_pub = keyfiles::read_public_key(&dir.join("root.pub"))?;
    let today = Day::today_utc();
    let previous = std::fs::read(&bundle_path)
        .ok()
        .and_then(|json| bundle::verify_bundle_signature(&json, &root_pub).ok());
    let check_key = args
        .check_key
        .as_deref()
        .map(jasmine_client::oprf::CheckPublicKey::from_base64)
        .transpose()
        .context("--check-key: give what `jasmine-server --print-check-key` prints")?;
    if previous
        .as_ref()
        .is_none_or(|b| b.expires < today.add_days(7) || b.check_key != check_key)
    {
        let root = keyfiles::read_root(&root_path, &passphrase)?;
        let draft = KeyBundle {
            organisation: "Jasmine demo".into(),
            version: previous.map(|b| b.version + 1).unwrap_or(1),
            issued: today,
            expires: today.add_days(365),
            onion: String::new(),
            check_key,
            moderators: vec![keyfiles::read_card(&dir.join("demo-moderator.card.json"))?],
            former: Vec::new(),
            limits: ServerLimits::default(),
        };
        files::write_file(
            &bundle_path,
            &bundle::sign_bundle(&draft, &root)?,
            0o644,
            true,
        )?;
    }
    print_demo(dir, fresh, &root_pub)
}

fn print_demo(dir: &Path, fresh: bool, root: &jasmine_client::keys::PublicKey) -> Result<()> {
    let d = dir.display();
    println!(
        "{} demo keys in {d} (passphrase: \"{DEMO_PASSPHRASE}\", also in {d}/PASSPHRASE).",
        if fresh { "Created" } else { "Using" }
    );
    println!("DEMO ONLY: these keys protect nothing (their passphrase is public, so it is exempt from the strength rule). Never use them for real reports.");
    println!("  root public key   {d}/root.pub   = {root}");
    println!("  key bundle        {d}/bundle.json");
    println!("  moderator         {d}/demo-moderator.offline.age, .api.key, .card.json");
    Ok(())
}
