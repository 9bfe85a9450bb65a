//! Ballots as voters cast them: parsing a choice for a vote method, and the stored form.
