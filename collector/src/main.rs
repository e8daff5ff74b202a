//! `linkshelf-collector`: see `--help` and the README's "Collector" section.

use anyhow::Context;
use clap::Parser;
use linkshelf_collector::config::{AffiliateLink, Command, Config, LogFormat};
use linkshelf_collector::credential;
use linkshelf_collector::forward::{self, PostHog};
use linkshelf_collector::fresh::Fresh;
use linkshelf_collector::server::{router, AppState};
use linkshelf_collector::{ch_days, retention, ship, stats, stats_source, store};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// mimalloc rather than glibc's malloc: a report at 10^8 events builds and drops
/// hundreds of thousands of small strings (orders, picks, rollup keys), and glibc's
/// malloc and free were about a third of the collector's time in one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_decommits` (its place in `mi_option_t`, the same in
/// mimalloc 2 and 3's `mimalloc.h`; `libmimalloc-sys` names only some options).
const PURGE_DECOMMITS: libmimalloc_sys::mi_option_t = 5;

/// Memory a report freed is given back to the kernel lazily (`MADV_FREE`: it takes the
/// pages when it needs them) rather than at once (`MADV_DONTNEED`, mimalloc's default).
/// A report at 10^8 events fills and frees hundreds of megabytes; given back at once,
/// the next report faulted every page in again and the kernel zeroed each one: 12 % of
/// the collector's samples in a 30-day report, whose CPU went from 88 to 73–78 ticks
/// (30 days 1.03–1.17 s → 0.99–1.07 s, a season 3.1 s → 2.6–2.7 s) with this. The memory
/// is still the kernel's to take under pressure; only the resident figure reads higher.
fn give_memory_back_lazily() {
    // SAFETY: `mi_option_set` only stores a value in mimalloc's option table; it runs
    // first thing in `main`, and mimalloc reads the option when it purges.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DECOMMITS, 0) };
}

fn main() -> std::process::ExitCode {
    give_memory_back_lazily();
    let config = Config::parse();
    if let Some(Command::AffiliateLink(link)) = &config.command {
        return affiliate_link(config.report_secret.as_deref(), link);
    }
    init_logs(config.log_format);
    if let Err(e) = config.check() {
        eprintln!("linkshelf-collector: {e}");
        return std::process::ExitCode::from(2);
    }
    match run(config) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linkshelf-collector: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Prints the link alone on stdout (so a script can take it) and what it is on stderr.
fn affiliate_link(secret: Option<&str>, link: &AffiliateLink) -> std::process::ExitCode {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    match credential::report_link(secret, &link.handle, link.days, &link.base_url, now) {
        Ok((url, expires)) => {
            let until = jiff::Timestamp::from_second(expires)
                .map_or_else(|_| expires.to_string(), |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string());
            eprintln!("{}'s own report, valid until {until}; it shows their figures only:", link.handle);
            println!("{url}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("linkshelf-collector affiliate-link: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn init_logs(format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("LINKSHELF_COLLECTOR_LOG").unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
}

fn run(config: Config) -> anyhow::Result<()> {
    let conn = store::open(&config.db, config.durability)?;
    // With ClickHouse, the writer hands its committed events to the shipper in memory
    // (bounded by a block's rows) so that it need not read them back (`fresh`).
    let fresh = config.clickhouse().map(|_| Arc::new(Fresh::new(config.shipping().batch)));
    let (writer, writer_thread, writer_ended) = store::start_handing(conn, fresh.clone());
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {} (is another collector running?)", config.listen))?;
        let address = listener.local_addr()?;
        let stop = shutdown(writer_ended)?;
        let mut state = AppState::new(writer, config.clone());
        let shipper = config.clickhouse().map(|settings| {
            let options = config.shipping();
            let status = Arc::new(ship::Status::new(options.budget_bytes));
            state = state.clone().with_shipping(status.clone());
            tokio::spawn(ship::run(config.db.clone(), settings, options, state.writer.clone(), status, fresh))
        });
        // Only a collector that serves reports reads for them ahead of the first.
        let serves_reports = config.read_token.is_some() || config.report_secret.is_some();
        let warm = (config.clickhouse().is_some() && serves_reports && config.warm_days > 0)
            .then(|| tokio::spawn(stats_source::warm(state.source().clone(), config.window_ms(), config.warm_days)));
        if let Some(limiter) = state.limiter() {
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    limiter.retain_recent();
                }
            });
        }
        let forwarder =
            config.forward_posthog_host.clone().zip(config.forward_posthog_key.clone()).map(|(host, api_key)| {
                let target = PostHog { host, api_key, interval: Duration::from_secs(config.forward_interval_secs) };
                tokio::spawn(forward::run(config.db.clone(), target, state.writer.clone()))
            });
        // With ClickHouse, stats read every collector's events there instead.
        let roller = config.clickhouse().is_none().then(|| {
            let default_creator = config.default_creator.clone();
            tokio::spawn(stats::rollup::run(state.writer.clone(), config.window_ms(), default_creator))
        });
        // With ClickHouse, settled days go into its day rollup, whatever the retention.
        let days = config.clickhouse().map(|settings| {
            let every = Duration::from_secs(config.clickhouse_days_every_secs);
            tokio::spawn(ch_days::run(config.db.clone(), settings, every, config.window_ms()))
        });
        let retention = config.retention_days.map(|days| {
            tokio::spawn(retention::run(config.db.clone(), config.clickhouse(), state.writer.clone(), days))
        });
        // Tests and scripts read this line to learn the port.
        println!("linkshelf-collector listening on http://{address}");
        tracing::info!(%address, db = %config.db.display(), durability = ?config.durability, "listening");
        axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stop)
            .await
            .context("the server failed")?;
        // The forwarder holds a handle to the writer; what it did not mark as sent goes
        // next time (PostHog drops repeats).
        // The shipper too: a block sent but not yet marked goes again as the same block.
        for task in forwarder.into_iter().chain(shipper).chain(retention).chain(roller).chain(days).chain(warm) {
            task.abort();
            let _ = task.await;
        }
        anyhow::Ok(())
    })?;
    // Every request has been answered and every handle to the writer dropped: the
    // writer finishes what it was sent and stops.
    drop(runtime);
    writer_thread.join().map_err(|_| anyhow::anyhow!("the database writer panicked"))?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Resolves on SIGTERM (systemd, kill) or Ctrl-C: stop accepting, finish what is in
/// flight, then exit. Also when the database writer ends early (it panicked): better to
/// exit and be restarted than to answer every request with 503. The signal handlers are
/// installed before the collector says it is listening, so a SIGTERM right after start
/// is never the default (abrupt) kind.
fn shutdown(writer_ended: tokio::sync::oneshot::Receiver<()>) -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    Ok(async move {
        #[cfg(unix)]
        let term = term.recv();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("shutting down: finishing requests in flight"),
            _ = term => tracing::info!("shutting down: finishing requests in flight"),
            _ = writer_ended => tracing::error!("the database writer stopped unexpectedly; shutting down"),
        }
    })
}
