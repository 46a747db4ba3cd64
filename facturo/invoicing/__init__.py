"""Invoices and credit notes: drafting from charges, approval, issuing, credit, write-off."""
