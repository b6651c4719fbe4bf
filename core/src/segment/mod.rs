//! Segmentation: RFM scores and classes, shop classes, lifecycle stage, cadence (SPEC §2). Filled in by issue 3.
