//! capy's integration suite: one binary, one module per topic.
