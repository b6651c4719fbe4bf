//! The command line (clap derive): `cargo xtask <command> [options]`.

use clap::{Args, Parser, Subcommand};

/// Huike's project commands.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Huike's project commands: set-up, builds, the local app and worker, tests and measurements.",
    after_help = "Every command installs what is missing first (pinned tools, Debian and npm packages)."
)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub(crate) enum Command {
    /// Set up, build, then serve the app and run the worker (KV kept in .huike/kv) until Ctrl-C.
    Dev(DevOptions),
    /// Set up and build: the app into dist/ (finalised for the default worker URL,
    /// precompressed) and the worker into worker/build/.
    Build,
    /// Set up, build, then run every test (native, wasm in headless Chromium, the system tests
    /// against a fresh worker and app on free ports); non-zero exit if any failed.
    Test,
    /// Check formatting, lints (native and wasm32, warnings as errors), that
    /// docs/ARCHITECTURE.md names every source file and that document references resolve.
    Tidy,
    /// Load a synthetic shop into a running worker as its three devices would, and print an
    /// owner invite code for trying it.
    SeedDemo(SeedOptions),
    /// Measure the app in headless Chromium against a fresh worker loaded by seed-demo: first
    /// sync, cold start, search keystroke, tab switches, long tasks, storage, memory.
    Bench(BenchOptions),
    /// Sizes of the app's download (wasm, JS, CSS): raw, gzip and brotli, from dist/.
    Size,
    /// Lighthouse 12 (mobile preset) on the app as `cargo xtask dev` serves it.
    Lighthouse(LighthouseOptions),
}

/// Ports for `cargo xtask dev`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Args)]
pub(crate) struct DevOptions {
    /// Where the static server serves the app (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub app_port: u16,
    /// Where `wrangler dev` serves the worker (0: any free port).
    #[arg(long, default_value_t = 8787)]
    pub worker_port: u16,
}

impl Default for DevOptions {
    fn default() -> Self {
        DevOptions {
            app_port: 8080,
            worker_port: 8787,
        }
    }
}

/// The synthetic shop and where to load it.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct SeedOptions {
    /// Number of customers.
    #[arg(long, default_value_t = 20_000)]
    pub customers: usize,
    /// Number of sales.
    #[arg(long, default_value_t = 200_000)]
    pub purchases: usize,
    /// The generator's seed (the same seed and sizes give the same shop).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The worker's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    pub server: String,
    /// Sent as `X-Huike-Signup-Secret` when creating the shop (for a deployment without open
    /// sign-up).
    #[arg(long, env = "HUIKE_SIGNUP_SECRET", hide_env_values = true)]
    pub signup_secret: Option<String>,
}

/// What `cargo xtask bench` measures.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct BenchOptions {
    /// Customers in the synthetic shop.
    #[arg(long, default_value_t = 20_000)]
    pub customers: usize,
    /// Sales in the synthetic shop.
    #[arg(long, default_value_t = 200_000)]
    pub purchases: usize,
    /// How many times each browser measurement is repeated (the figures are medians).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also run Lighthouse on a first visit.
    #[arg(long)]
    pub lighthouse: bool,
    /// Instead: as the owner of a fresh shop, import the synthetic shop's customers and
    /// purchases CSV files through Settings → Import (check and write times, long tasks).
    #[arg(long)]
    pub import: bool,
    /// With --import: the purchases file in GBK too, as Chinese Excel saves a CSV (the
    /// customers file always is).
    #[arg(long, requires = "import")]
    pub gbk: bool,
}

/// Where Lighthouse looks.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(crate) struct LighthouseOptions {
    /// An app already running (e.g. `cargo xtask dev`'s http://127.0.0.1:8080); without it the
    /// app and a fresh worker are started on free ports.
    #[arg(long)]
    pub url: Option<String>,
    /// How many Lighthouse runs; the one with the median performance score is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Command, String> {
        Cli::try_parse_from(["cargo xtask"].into_iter().chain(line.split_whitespace()))
            .map(|cli| cli.command)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn dev_defaults_to_8080_and_8787() {
        assert_eq!(parse("dev"), Ok(Command::Dev(DevOptions::default())));
    }

    #[test]
    fn dev_ports_are_overridable_in_both_spellings_and_0_means_free() {
        assert_eq!(
            parse("dev --app-port 3000 --worker-port=0"),
            Ok(Command::Dev(DevOptions {
                app_port: 3000,
                worker_port: 0
            }))
        );
        for line in [
            "dev --app-port",
            "dev --worker-port 70000",
            "dev --app-port x",
        ] {
            let error = parse(line).unwrap_err();
            assert!(error.contains("port"), "{line}: {error}");
        }
    }

    #[test]
    fn seed_demo_has_the_demo_sizes_by_default() {
        let Ok(Command::SeedDemo(options)) = parse("seed-demo --server http://x:1") else {
            panic!("seed-demo parses");
        };
        assert_eq!(
            (options.customers, options.purchases, options.seed),
            (20_000, 200_000, 7)
        );
        assert_eq!(options.server, "http://x:1");
    }

    #[test]
    fn other_commands_take_no_stray_options() {
        assert_eq!(parse("test"), Ok(Command::Test));
        assert_eq!(parse("build"), Ok(Command::Build));
        assert!(parse("test --fast").is_err());
        assert!(parse("deploy").unwrap_err().contains("deploy"));
        assert!(parse("").is_err());
    }
}
