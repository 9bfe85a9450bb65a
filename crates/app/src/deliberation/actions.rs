//! Decisions become action items with an owner, a due date and progress notes (议而有行).
