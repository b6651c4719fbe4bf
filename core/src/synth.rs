//! Seeded synthetic shops for benchmarks, tests and demos. Filled in by issue 3.
