//! Issues (议题): their statuses and the moves between them, raised → on agenda → decided → in action → done, or declined.
