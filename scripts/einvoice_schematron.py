"""Run official Schematron rule sets (compiled to XSLT, e.g. the CEN EN16931-UBL-validation.xslt
or a PEPPOL .sch compiled with SchXslt) over e-invoice files and list every failed assertion.

    .venv/bin/python scripts/einvoice_schematron.py --xslt CEN.xslt --xslt PEPPOL.xslt out/*.xml

Needs saxonche (the test extra). Exit status 1 when a fatal assertion fails."""

import argparse
import sys

from lxml import etree
from saxonche import PySaxonProcessor

SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xslt", action="append", required=True, help="a compiled Schematron (XSLT 2/3)")
    parser.add_argument("--warnings", action="store_true", help="list warnings too")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    executables = [compiler.compile_stylesheet(stylesheet_file=path) for path in args.xslt]
    fatal = 0
    for name in args.files:
        for executable in executables:
            report = etree.fromstring(executable.transform_to_string(source_file=name).encode())
            for failed in report.iter(f"{SVRL}failed-assert"):
                flag = failed.get("flag") or "fatal"
                if flag != "warning" or args.warnings:
                    text = " ".join((failed.findtext(f"{SVRL}text") or "").split())
                    print(f"{name}: {flag}: {failed.get('id')}: {text}  @ {failed.get('location')}")
                fatal += flag != "warning"
    return 1 if fatal else 0


if __name__ == "__main__":
    sys.exit(main())
