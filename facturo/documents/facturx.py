"""Factur-X: a PDF/A-3b whose embedded factur-x.xml (the CII invoice) is declared in the XMP
metadata with the Factur-X extension schema, so readers find the structured invoice.

Typst writes the PDF/A-3b with the XML attached as an associated file ("Alternative");
here the XMP gets the fx: properties and their PDF/A extension schema description."""

import io

from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

FX_NS = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFA_EXT = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
FILE_NAME = "factur-x.xml"
CONFORMANCE = "EN 16931"

_PROPERTIES = (
    ("DocumentFileName", "The name of the embedded XML document"),
    ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
    ("Version", "The actual version of the standard applying to the embedded XML document"),
    ("ConformanceLevel", "The conformance level of the embedded XML document"),
)


def _extension_xml() -> bytes:
    props = "".join(
        f"<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name>"
        f"<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        f"<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{text}</pdfaProperty:description></rdf:li>"
        for name, text in _PROPERTIES
    )
    return (
        f'<rdf:Description xmlns:rdf="{RDF}" xmlns:pdfaExtension="{PDFA_EXT}" xmlns:pdfaSchema="{PDFA_SCHEMA}" '
        f'xmlns:pdfaProperty="{PDFA_PROPERTY}" rdf:about="">'
        "<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">"
        "<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{FX_NS}</pdfaSchema:namespaceURI>"
        "<pdfaSchema:prefix>fx</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{props}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
    ).encode()


def _fx_xml(document_type: str) -> bytes:
    return (
        f'<rdf:Description xmlns:rdf="{RDF}" xmlns:fx="{FX_NS}" rdf:about="">'
        f"<fx:DocumentType>{document_type}</fx:DocumentType>"
        f"<fx:DocumentFileName>{FILE_NAME}</fx:DocumentFileName>"
        "<fx:Version>1.0</fx:Version>"
        f"<fx:ConformanceLevel>{CONFORMANCE}</fx:ConformanceLevel>"
        "</rdf:Description>"
    ).encode()


def add_facturx_metadata(pdf: bytes, document_type: str = "INVOICE") -> bytes:
    """The same PDF with the Factur-X properties added to its XMP packet."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    root = writer._root_object
    metadata = root["/Metadata"].get_object()
    xmp = etree.fromstring(metadata.get_data())
    rdf = xmp if etree.QName(xmp).localname == "RDF" else xmp.find(f".//{{{RDF}}}RDF")
    if rdf is None:
        raise ValueError("the PDF has no RDF metadata to extend")
    rdf.append(etree.fromstring(_extension_xml()))
    rdf.append(etree.fromstring(_fx_xml(document_type)))
    body = etree.tostring(xmp, encoding="utf-8")
    packet = b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>' + body + b'<?xpacket end="w"?>'
    stream = StreamObject()
    stream.set_data(packet)
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    root[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
