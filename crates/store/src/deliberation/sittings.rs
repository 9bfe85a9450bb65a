//! Sittings: agenda, attendance and quorum, motions, the speaking queue, minutes.
