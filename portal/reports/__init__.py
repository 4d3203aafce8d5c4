"""Reports: compliance dashboard, drill-down, transcripts and the inspection file."""
