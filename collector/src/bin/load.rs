//! `linkshelf-collector-load`: the benchmark's load generator. Sends batches of
//! storefront-like events from several concurrent keep-alive clients for a while and
//! prints the sustained rate and latency percentiles (one `key=value` line, easy to
//! parse in scripts/bench-collector.sh).

use clap::Parser;
use linkshelf_collector::load::{percentile_ms, probe, run, Load, Mix, Probe};
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Load generator for linkshelf-collector's POST /v1/events")]
struct Args {
    /// The collector's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    url: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// How long to send, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// What to send: fully tagged product taps, or typical visits.
    #[arg(long, value_enum, default_value = "tagged")]
    mix: Mix,
    /// Events per request (the storefront's maximum is 50).
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// Also measure the lag from acknowledgement to visible in this ClickHouse (its HTTP
    /// address): one extra event every 100 ms, looked for every 20 ms. Prints a second
    /// line, `probe …`.
    #[arg(long)]
    probe_clickhouse: Option<String>,
    /// The collector's ClickHouse database, for --probe-clickhouse.
    #[arg(long, default_value = "linkshelf")]
    probe_database: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let prefix = format!("load-{}", std::process::id());
    let load = Load {
        url: format!("{}/v1/events", args.url.trim_end_matches('/')),
        concurrency: args.concurrency.max(1),
        duration: Duration::from_secs(args.seconds.max(1)),
        batch: args.batch.clamp(1, 50),
        prefix,
        keep_ids: false,
        mix: args.mix,
    };
    let probe_settings = args.probe_clickhouse.map(|clickhouse_url| Probe {
        url: load.url.clone(),
        clickhouse_url,
        database: args.probe_database.clone(),
        prefix: format!("{}-p", load.prefix),
        duration: load.duration,
        every: Duration::from_millis(100),
        poll: Duration::from_millis(20),
        give_up: Duration::from_secs(300),
    });
    let (report, ended_ms, probed) = runtime.block_on(async move {
        let probing = probe_settings.map(|p| tokio::spawn(probe(p)));
        let report = run(load).await;
        // When the load ended, so the script can time how long ClickHouse takes to catch up.
        let ended_ms =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let probed = match probing {
            Some(task) => task.await.ok(),
            None => None,
        };
        (report, ended_ms, probed)
    });
    println!(
        "events={} batches={} errors={} seconds={:.2} events_per_second={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} ended_ms={ended_ms}",
        report.acknowledged,
        report.batches,
        report.errors,
        report.elapsed.as_secs_f64(),
        report.events_per_second(),
        report.percentile_ms(0.50),
        report.percentile_ms(0.99),
        report.percentile_ms(1.0),
    );
    if let Some(p) = probed {
        println!(
            "probe sent={} seen={} unseen={} poll_errors={} lag_p50_ms={:.1} lag_p99_ms={:.1} lag_max_ms={:.1}",
            p.sent,
            p.lags_us.len(),
            p.unseen,
            p.poll_errors,
            percentile_ms(&p.lags_us, 0.50),
            percentile_ms(&p.lags_us, 0.99),
            percentile_ms(&p.lags_us, 1.0),
        );
    }
    Ok(())
}
