"""Reports: text, Markdown, LaTeX and JSON renderings of bounds and verdicts."""
# the LaTeX renderer registers itself in tables.RENDERERS (tables never imports it back)
from prooftools.reporting import latex_tables as latex_tables
