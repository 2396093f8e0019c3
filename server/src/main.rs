//! `jasmine-server`: starts the Jasmine server on loopback (and as an onion service);
//! `jasmine-server backup` and `restore` save and put back what it keeps.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args as ClapArgs, Parser, Subcommand};
use jasmine_server::Config;

/// The Jasmine server: stores encrypted reports and serves the key bundle and alerts.
#[derive(Parser, Debug)]
#[command(name = "jasmine-server", version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// TOML configuration file (see server/jasmine-server.example.toml).
    #[arg(long, env = "JASMINE_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Address of the plain-HTTP listener (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Data directory (default ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// The organisation's root public key, base64.
    #[arg(long, global = true)]
    root_key: Option<String>,
    /// File holding the organisation's root public key.
    #[arg(long, global = true)]
    root_key_file: Option<PathBuf>,
    /// Signed key bundle to import if newer than the stored one.
    #[arg(long)]
    bundle_file: Option<PathBuf>,
    /// Do not serve plain HTTP (onion service only).
    #[arg(long)]
    no_http: bool,
    /// Publish the onion service.
    #[arg(long)]
    onion: bool,
    /// Folder for Tor's state (the onion service key) and cache (default <data-dir>/tor).
    #[arg(long, global = true)]
    tor_dir: Option<PathBuf>,
    /// An arti configuration file for a private Tor network (tests).
    #[arg(long, global = true)]
    tor_network_config: Option<PathBuf>,
    /// Print the public half of the check key (created in the data folder if there
    /// is none yet), for `jasmine-keys bundle sign --check-key`, and exit.
    #[arg(long)]
    print_check_key: bool,
}

/// What else the server binary does.
#[derive(Subcommand, Debug)]
enum Command {
    /// Write a backup (the database as a consistent snapshot, the check key, the onion
    /// service's key and address, the configuration) encrypted with age to the keys
    /// you name. The server may keep running.
    Backup(BackupArgs),
    /// Put a backup back into a fresh data folder (and Tor folder), after checking it
    /// whole; then start the server on it.
    Restore(RestoreArgs),
    /// Fetch this server's own onion address (<data-dir>/onion-address) through Tor,
    /// with a Tor client of its own, and say how long it took; exit 1 if unreachable.
    CheckOnion(CheckOnionArgs),
}

#[derive(ClapArgs, Debug)]
struct CheckOnionArgs {
    /// Give up after this many seconds (Tor's start included).
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
}

#[derive(ClapArgs, Debug)]
struct BackupArgs {
    /// Where to write the backup (an age file; it must not exist yet).
    #[arg(long)]
    out: PathBuf,
    /// An age recipient (age1…) the backup is encrypted to; repeat for several.
    #[arg(long = "to")]
    to: Vec<String>,
    /// A file of age recipients, one per line (as `age -R` reads them).
    #[arg(long = "to-file")]
    to_file: Vec<PathBuf>,
}

#[derive(ClapArgs, Debug)]
struct RestoreArgs {
    /// The backup to restore.
    #[arg(long)]
    from: PathBuf,
    /// An age identity file (AGE-SECRET-KEY-1…) of one of the keys it is encrypted to.
    #[arg(long)]
    identity: PathBuf,
    /// Where to write the configuration the backup holds (not written without it).
    #[arg(long)]
    config_out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // `--print-check-key` prints the key only, for scripts.
    if !args.print_check_key {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("JASMINE_LOG")
                    .unwrap_or_else(|_| "warn,jasmine_server=info".into()),
            )
            .without_time()
            .with_target(false)
            // Colours only on a terminal: journald and log files get plain text.
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init();
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("jasmine-server: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let mut config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if let Some(v) = args.listen {
        config.listen = v;
    }
    if let Some(v) = args.data_dir {
        config.data_dir = v;
    }
    if let Some(v) = args.root_key {
        config.root_key = Some(v);
    }
    if let Some(v) = args.root_key_file {
        config.root_key_file = Some(v);
    }
    if let Some(v) = args.bundle_file {
        config.bundle_file = Some(v);
    }
    if args.no_http {
        config.http = false;
    }
    if args.onion {
        config.onion.enabled = true;
    }
    if let Some(v) = args.tor_dir {
        config.onion.tor_dir = Some(v);
    }
    if let Some(v) = args.tor_network_config {
        config.onion.tor_network_config = Some(v);
    }
    use jasmine_server::ownership::refuse_root_in_foreign_folder;
    if args.print_check_key {
        refuse_root_in_foreign_folder(&config.data_dir, "print the check key")?;
        println!("{}", jasmine_server::check_public_key(&config)?);
        return Ok(());
    }
    match &args.command {
        Some(Command::Backup(backup)) => {
            return run_backup(&config, args.config.as_deref(), backup)
        }
        Some(Command::Restore(restore)) => return run_restore(&config, restore),
        Some(Command::CheckOnion(check)) => {
            refuse_root_in_foreign_folder(&config.data_dir, "check the onion service")?;
            return run_check_onion(&config, check);
        }
        None => refuse_root_in_foreign_folder(&config.data_dir, "start the server")?,
    }
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let state = jasmine_server::open_state(&config).await?;
        match state.current_bundle() {
            Some(c) => tracing::info!("serving key bundle version {}", c.bundle.version),
            None => tracing::warn!(
                "no key bundle yet: reports are refused until one is uploaded (PUT /v1/keys)"
            ),
        }
        jasmine_server::spawn_retention(state.clone());
        let router = jasmine_server::app(state.clone());
        if config.onion.enabled {
            let address = jasmine_server::onion::spawn(
                &config.onion,
                &config.data_dir,
                router.clone(),
                &config.connections,
                state.clone(),
            )?;
            // Moderator requests are signed for this address.
            state.set_onion_address(&address);
        }
        if !config.http {
            jasmine_server::shutdown_signal().await;
            return Ok(());
        }
        // The operator's metrics and the onion's state, on the loopback listener only
        // (never on the onion).
        let router = router
            .merge(jasmine_server::routes::operator::router(state.clone()))
            .layer(axum::Extension(jasmine_server::routes::operator::Loopback));
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!("listening on http://{local}");
        jasmine_server::serve::serve_tcp(
            listener,
            router,
            &config.connections,
            jasmine_server::shutdown_signal(),
        )
        .await
        .map_err(|e| e.to_string())
    })
}

/// Where this configuration keeps the data and Tor's folder.
fn places(config: &Config) -> jasmine_server::backup::Places {
    jasmine_server::backup::Places {
        data_dir: config.data_dir.clone(),
        tor_dir: config
            .onion
            .tor_dir
            .clone()
            .unwrap_or_else(|| config.data_dir.join("tor")),
    }
}

/// The root key this configuration pins, as base64, when it names one.
fn pinned_root(config: &Config) -> Option<String> {
    config.pinned_root().ok().map(|key| key.to_base64())
}

fn run_backup(
    config: &Config,
    config_file: Option<&std::path::Path>,
    args: &BackupArgs,
) -> Result<(), String> {
    let recipients = jasmine_server::backup::recipients(&args.to, &args.to_file)?;
    let summary = jasmine_server::backup::backup(
        &places(config),
        config_file,
        pinned_root(config),
        &recipients,
        &args.out,
    )?;
    let bytes: u64 = summary.manifest.files.iter().map(|f| f.size).sum();
    println!(
        "Backup written to {} ({} files, {bytes} bytes before encryption), encrypted to {} key(s).",
        args.out.display(),
        summary.manifest.files.len(),
        recipients.len()
    );
    println!(
        "It holds the database{}{}{}.",
        if summary
            .manifest
            .files
            .iter()
            .any(|f| f.path == "data/check.key")
        {
            ", the check key"
        } else {
            ""
        },
        if summary.has_onion_key() {
            ", the onion service's key"
        } else {
            " (no onion service key: the onion service never ran here)"
        },
        if summary.has_config() {
            " and the configuration"
        } else {
            ""
        },
    );
    println!("Keep it off this machine; restore with: jasmine-server restore --from {} --identity KEY-FILE --data-dir NEW-FOLDER", args.out.display());
    Ok(())
}

fn run_restore(config: &Config, args: &RestoreArgs) -> Result<(), String> {
    let identities = jasmine_server::backup::identities(&args.identity)?;
    let places = places(config);
    let root = pinned_root(config);
    let summary = jasmine_server::backup::restore(
        &args.from,
        &identities,
        &places,
        args.config_out.as_deref(),
        root.as_deref(),
    )?;
    // Run as root (to read the operator's backup key): what it put back belongs to the
    // service's user, who owns the data folder.
    jasmine_server::ownership::give_to_folder_owner(&places.data_dir, &places.data_dir)?;
    if places.tor_dir.exists() {
        jasmine_server::ownership::give_to_folder_owner(&places.data_dir, &places.tor_dir)?;
    }
    println!(
        "Restored {} files from the backup of {} into {}{}.",
        summary.manifest.files.len(),
        summary.manifest.created_on,
        places.data_dir.display(),
        if summary.has_onion_key() {
            format!(
                " (the onion service's key into {})",
                places.tor_dir.display()
            )
        } else {
            String::new()
        }
    );
    if summary.has_config() {
        match &args.config_out {
            Some(path) => println!("The configuration is in {}.", path.display()),
            None => println!(
                "The backup also holds a configuration: give --config-out FILE to write it."
            ),
        }
    }
    println!("Start the server on it as before (same --data-dir); its onion address comes back with its key.");
    Ok(())
}

fn run_check_onion(config: &Config, args: &CheckOnionArgs) -> Result<(), String> {
    let file = config.data_dir.join(jasmine_server::ONION_ADDRESS_FILE);
    let address = std::fs::read_to_string(&file)
        .map_err(|e| {
            format!(
                "cannot read {} ({e}): has the onion service ever started with this data folder?",
                file.display()
            )
        })?
        .trim()
        .to_string();
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let patience = std::time::Duration::from_secs(args.timeout_secs);
    // A Tor client of its own, beside the server's (`<tor_dir>/check-onion`).
    let dir = places(config).tor_dir.join("check-onion");
    let checked = runtime.block_on(jasmine_server::onion::check_reachable(
        &address,
        config.onion.tor_network_config.clone(),
        &dir,
        patience,
    ));
    match checked {
        Ok((bootstrapped, fetched)) => {
            println!(
                "{address} is reachable: GET /v1/status answered through Tor in {:.1} s (after {:.1} s to start Tor).",
                fetched.as_secs_f64(),
                bootstrapped.as_secs_f64()
            );
            Ok(())
        }
        Err(why) => Err(format!("unreachable: {why}")),
    }
}
