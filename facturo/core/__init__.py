"""Pure-Python billing core: money, VAT, totals, references, terms and numbering."""
