//! `jasmine-server`: starts the Jasmine server on loopback.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use jasmine_server::Config;

/// The Jasmine server: stores encrypted reports and serves the key bundle and alerts.
#[derive(Parser, Debug)]
#[command(name = "jasmine-server", version)]
struct Args {
    /// TOML configuration file (see server/jasmine-server.example.toml).
    #[arg(long, env = "JASMINE_CONFIG")]
    config: Option<PathBuf>,
    /// Address of the plain-HTTP listener (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Data directory (default ./data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The organisation's root public key, base64.
    #[arg(long)]
    root_key: Option<String>,
    /// File holding the organisation's root public key.
    #[arg(long)]
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
    #[arg(long)]
    tor_dir: Option<PathBuf>,
    /// An arti configuration file for a private Tor network (tests).
    #[arg(long)]
    tor_network_config: Option<PathBuf>,
    /// Print the public half of the check key (created in the data folder if there
    /// is none yet), for `jasmine-keys bundle sign --check-key`, and exit.
    #[arg(long)]
    print_check_key: bool,
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
    if args.print_check_key {
        println!("{}", jasmine_server::check_public_key(&config)?);
        return Ok(());
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
            )?;
            // Moderator requests are signed for this address.
            state.set_onion_address(&address);
        }
        if !config.http {
            jasmine_server::shutdown_signal().await;
            return Ok(());
        }
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
