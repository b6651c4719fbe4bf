//! Message templates and their rendering (SPEC §4). Filled in by issue 3.
