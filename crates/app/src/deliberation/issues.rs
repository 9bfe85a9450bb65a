//! Issues (议题) raised by residents: support, the discussion thread and its moderation.
