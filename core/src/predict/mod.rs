//! Probabilistic customer-base model: BG/NBD and Gamma-Gamma (SPEC §2). Filled in by issue 3.
