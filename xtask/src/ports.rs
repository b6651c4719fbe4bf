//! Ports on 127.0.0.1: free ones for runs that must not collide with anything (tests, bench,
//! wrangler's inspector), and a clear error when a port asked for is taken.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, TcpListener};

use anyhow::{Context, Result, bail};

/// A port on 127.0.0.1 that is free right now.
pub(crate) fn free() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `requested`, checked to be free, or any free port when it is 0. `option` names the command
/// line option that sets it, for the error message.
pub(crate) fn resolve(requested: u16, option: &str, what: &str) -> Result<u16> {
    if requested == 0 {
        return free();
    }
    match TcpListener::bind((Ipv4Addr::LOCALHOST, requested)) {
        Ok(_) => Ok(requested),
        Err(error) if error.kind() == ErrorKind::AddrInUse => bail!(
            "port {requested} for {what} is already in use (another `cargo xtask dev`?): \
             choose another with `{option} N`, or `{option} 0` for any free port"
        ),
        Err(error) => Err(error).with_context(|| format!("cannot use port {requested} for {what}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_port_can_be_bound() {
        let port = free().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
    }

    #[test]
    fn zero_picks_a_free_port_and_a_busy_one_names_the_option() {
        assert_ne!(resolve(0, "--app-port", "the app").unwrap(), 0);
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let error = resolve(port, "--worker-port", "the worker")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&port.to_string()) && error.contains("--worker-port 0"),
            "{error}"
        );
        drop(taken);
        assert_eq!(resolve(port, "--worker-port", "the worker").unwrap(), port);
    }
}
