//! One line per step: what it was, how it ended, how long it took.

use std::fmt::Display;
use std::time::{Duration, Instant};

/// A step in progress; say how it ended with [`Step::done`].
pub(crate) struct Step {
    name: String,
    started: Instant,
}

impl Step {
    /// Starts timing a step (prints nothing yet: quick checks stay one line).
    pub(crate) fn start(name: impl Into<String>) -> Step {
        Step {
            name: name.into(),
            started: Instant::now(),
        }
    }

    /// Prints a line before slow work, so the output that follows has a heading.
    pub(crate) fn say(&self, what: impl Display) {
        say(format_args!("{}: {what} ...", self.name));
    }

    /// Prints the step's one closing line and returns how long it took.
    pub(crate) fn done(self, outcome: impl Display) -> Duration {
        let took = self.started.elapsed();
        say(format_args!("{}: {outcome} ({})", self.name, seconds(took)));
        took
    }
}

/// Prints one line of xtask's own output (to stderr, like cargo's status lines).
pub(crate) fn say(line: impl Display) {
    eprintln!("[xtask] {line}");
}

/// A duration as seconds with one decimal (`12.3 s`).
pub(crate) fn seconds(took: Duration) -> String {
    format!("{:.1} s", took.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_has_one_decimal() {
        assert_eq!(seconds(Duration::from_millis(12_345)), "12.3 s");
        assert_eq!(seconds(Duration::ZERO), "0.0 s");
    }
}
