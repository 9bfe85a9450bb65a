//! Votes: electorates, ballots (open or secret), paper entries, proxies and the tally.
