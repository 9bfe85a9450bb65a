//! Sittings (meetings of a body): quorum, motions under simple rules of procedure, the speaking queue.
