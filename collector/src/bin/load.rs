//! `linkshelf-collector-load`: the benchmark's load generator. Sends batches of
//! storefront-like events from several concurrent keep-alive clients for a while and
//! prints the sustained rate and latency percentiles (one `key=value` line, easy to
//! parse in scripts/bench-collector.sh).

use clap::Parser;
use linkshelf_collector::load::{run, Load, Mix};
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
    let report = runtime.block_on(run(load));
    println!(
        "events={} batches={} errors={} seconds={:.2} events_per_second={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        report.acknowledged,
        report.batches,
        report.errors,
        report.elapsed.as_secs_f64(),
        report.events_per_second(),
        report.percentile_ms(0.50),
        report.percentile_ms(0.99),
        report.percentile_ms(1.0),
    );
    Ok(())
}
