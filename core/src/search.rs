//! Type-ahead customer search (SPEC §2 Search). Filled in by issue 3.
