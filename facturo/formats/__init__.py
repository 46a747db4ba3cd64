"""Pure converters between dataclasses and bytes (UBL, CII, KSeF, bank files)."""
