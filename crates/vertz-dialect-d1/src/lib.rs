//! vertz-dialect-d1: placeholder.
