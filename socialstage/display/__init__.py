"""What people read on a terminal: data text without control codes, small tables, counts with their nouns."""
