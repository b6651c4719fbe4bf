//! Hybrid logical clock stamps (Kulkarni et al. 2014).
//!
//! A stamp is `(wall ms, counter, node)`. Stamps from one node strictly increase, stamps from
//! different nodes never collide (the node id breaks ties), and a node that has seen a stamp
//! always stamps later ones above it, so "later" means the same on every device even when
//! their wall clocks disagree.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One stamp. Ordered by wall time, then counter, then node.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (logical: never behind any stamp seen).
    pub ms: u64,
    /// Orders stamps made within one millisecond.
    pub c: u32,
    /// The stamping device's node id (random 64 bits, fixed per device).
    pub n: u64,
}

impl Hlc {
    /// The smallest stamp; below every real one.
    pub const ZERO: Hlc = Hlc { ms: 0, c: 0, n: 0 };
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}@{:016x}", self.ms, self.c, self.n)
    }
}

/// A device's clock: remembers the latest stamp it made or saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    last: Hlc,
}

impl Clock {
    /// A clock for node `node` that has seen nothing yet.
    pub fn new(node: u64) -> Self {
        Clock {
            last: Hlc {
                ms: 0,
                c: 0,
                n: node,
            },
        }
    }

    /// The node id.
    pub fn node(&self) -> u64 {
        self.last.n
    }

    /// A fresh stamp, above everything this clock made or saw, given the wall time now.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        let node = self.last.n;
        self.last = if now_ms > self.last.ms {
            Hlc {
                ms: now_ms,
                c: 0,
                n: node,
            }
        } else {
            Hlc {
                ms: self.last.ms,
                c: self.last.c.saturating_add(1),
                n: node,
            }
        };
        self.last
    }

    /// Takes note of a stamp from elsewhere so later ticks are above it.
    pub fn observe(&mut self, seen: Hlc) {
        if (seen.ms, seen.c) > (self.last.ms, self.last.c) {
            self.last = Hlc {
                ms: seen.ms,
                c: seen.c,
                n: self.last.n,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_strictly_increase_even_when_the_wall_clock_goes_back() {
        let mut c = Clock::new(7);
        let a = c.tick(1000);
        let b = c.tick(1000);
        let d = c.tick(500);
        let e = c.tick(2000);
        assert!(a < b && b < d && d < e);
        assert_eq!(d.ms, 1000);
        assert_eq!(
            e,
            Hlc {
                ms: 2000,
                c: 0,
                n: 7
            }
        );
    }

    #[test]
    fn observing_a_later_stamp_moves_the_clock_past_it() {
        let mut slow = Clock::new(1);
        slow.tick(100);
        let remote = Hlc {
            ms: 5000,
            c: 3,
            n: 2,
        };
        slow.observe(remote);
        let next = slow.tick(100);
        assert!(next > remote);
        assert_eq!(next.n, 1);
    }
}
