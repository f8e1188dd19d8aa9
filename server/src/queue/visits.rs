//! Visits and ratings pushed by the workstations (filled below).
