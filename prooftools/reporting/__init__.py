"""Reports: text, Markdown, LaTeX and JSON renderings of bounds and verdicts."""
