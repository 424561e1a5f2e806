"""One organization end to end: its inputs (posts and organizations from a file, the store or a live collection),
its placement (rubric, model, verdict), its trajectory over time, and the rendering of the result."""
