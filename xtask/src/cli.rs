//! Command-line parsing: a few subcommands and two port options, no parser crate needed.

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Set up, build, then serve the app and run the worker until Ctrl-C.
    Dev(DevOptions),
    /// Set up and build only.
    Build,
    /// Set up, build and run every test.
    Test,
    /// Print the usage text.
    Help,
}

/// Ports for `cargo xtask dev`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevOptions {
    /// Where the static server serves the app.
    pub app_port: u16,
    /// Where `wrangler dev` serves the worker.
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

/// The help text.
pub const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dev [--app-port N] [--worker-port N]
        install what is missing, build the app and the worker, then serve the app
        (default http://127.0.0.1:8080) and run the worker (default http://127.0.0.1:8787,
        KV kept in .huike/kv) until Ctrl-C
  build  install what is missing and build the app (dist/) and the worker (worker/build/)
  test   install, build, then run every test: native, wasm in headless Chromium, and the
        system tests against a fresh worker and app; non-zero exit if any failed
  help   this text";

/// Parses the arguments after `cargo xtask`.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let Some((first, rest)) = args.split_first() else {
        return Err("missing command".into());
    };
    match first.as_str() {
        "dev" => parse_dev(rest).map(Command::Dev),
        "build" => no_options("build", rest).map(|()| Command::Build),
        "test" => no_options("test", rest).map(|()| Command::Test),
        "help" | "-h" | "--help" => Ok(Command::Help),
        other => Err(format!("unknown command `{other}`")),
    }
}

fn no_options(command: &str, rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(extra) => Err(format!("`{command}` takes no options (got `{extra}`)")),
    }
}

fn parse_dev(rest: &[String]) -> Result<DevOptions, String> {
    let mut options = DevOptions::default();
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (arg.as_str(), None),
        };
        let slot = match name {
            "--app-port" => &mut options.app_port,
            "--worker-port" => &mut options.worker_port,
            _ => return Err(format!("unknown option `{arg}` for `dev`")),
        };
        let value = inline
            .or_else(|| args.next().cloned())
            .ok_or_else(|| format!("`{name}` needs a port number"))?;
        *slot = match value.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => {
                return Err(format!(
                    "`{name}`: `{value}` is not a port number (1-65535)"
                ));
            }
        };
    }
    if options.app_port == options.worker_port {
        return Err(format!(
            "the app and the worker cannot share port {}",
            options.app_port
        ));
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&args)
    }

    #[test]
    fn dev_defaults_to_8080_and_8787() {
        assert_eq!(
            parse_str("dev"),
            Ok(Command::Dev(DevOptions {
                app_port: 8080,
                worker_port: 8787
            }))
        );
    }

    #[test]
    fn dev_ports_are_overridable_in_both_spellings() {
        assert_eq!(
            parse_str("dev --app-port 3000 --worker-port=3001"),
            Ok(Command::Dev(DevOptions {
                app_port: 3000,
                worker_port: 3001
            }))
        );
    }

    #[test]
    fn bad_ports_are_refused_with_the_option_named() {
        for line in [
            "dev --app-port",
            "dev --app-port 0",
            "dev --worker-port 70000",
            "dev --app-port x",
        ] {
            let error = parse_str(line).unwrap_err();
            assert!(error.contains("port"), "{line}: {error}");
        }
        assert!(
            parse_str("dev --app-port 8787")
                .unwrap_err()
                .contains("share")
        );
    }

    #[test]
    fn other_commands_take_no_options() {
        assert_eq!(parse_str("test"), Ok(Command::Test));
        assert_eq!(parse_str("build"), Ok(Command::Build));
        assert!(parse_str("test --fast").is_err());
        assert!(parse_str("deploy").unwrap_err().contains("deploy"));
        assert!(parse_str("").is_err());
    }
}
