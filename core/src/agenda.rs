//! Today's follow-ups (SPEC §2 agenda). Filled in by issue 3.
