"""ISO 20022 CAMT.053 (BankToCustomerStatement), versions 001.02 to 001.08 and later.

Elements are read by local name, so any camt.053 namespace version works. The XML parser
resolves no entities, loads nothing from the network and keeps libxml2's limits on
huge documents; files above a size limit are refused before parsing."""

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from .statement import (
    DEFAULT_MAX_BYTES,
    Balance,
    Statement,
    StatementFormatError,
    StatementLine,
    StreamedStatement,
    check_size,
    compact_iban,
)

_OPENING = ("OPBD", "PRCD")
_CLOSING = ("CLBD",)
_RETURN_CODES = {"RRTN", "RVSL", "UPDD", "DDRT"}  # bank transaction sub-families of returns/reversals

Element = etree._Element


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _path(el: Element) -> str:
    parts = []
    node: Element | None = el
    while node is not None:
        parts.append(str(node.tag))
        node = node.getparent()
    return "/".join(reversed(parts)) + f" (line {el.sourceline})"


_ROOT_TAG = re.compile(rb"<(?![?!])[^>]*>")
_DEFAULT_XMLNS = re.compile(rb"""\s+xmlns\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _drop_default_namespace(data: bytes) -> tuple[bytes, str]:
    """Remove the default namespace declaration from the root element's start tag, so the
    elements are read by their local names without renaming each one (a statement of 100,000
    entries has millions). Line numbers stay as they were."""
    root = _ROOT_TAG.search(data)
    if root is None:
        return data, ""
    tag = root.group()
    found = _DEFAULT_XMLNS.search(tag)
    if found is None:
        return data, ""
    namespace = (found.group(1) or found.group(2) or b"").decode("utf-8", "replace")
    kept = b"\n" * found.group().count(b"\n") or b" "
    new_tag = tag[: found.start()] + kept + tag[found.end() :]
    return data[: root.start()] + new_tag + data[root.end() :], namespace


def _strip_namespaces(root: Element) -> None:
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag[0] == "{":
            el.tag = tag.rsplit("}", 1)[1]


def _text(el: Element | None, path: str) -> str:
    if el is None:
        return ""
    return str(el.findtext(path) or "").strip()


def _required(el: Element, path: str) -> Element:
    found = el.find(path)
    if found is None:
        raise StatementFormatError(f"missing element {path}", _path(el))
    return found


def _amount(el: Element) -> Decimal:
    text = (el.text or "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise StatementFormatError(f"amount {text!r} is not a number", _path(el)) from None
    if not value.is_finite() or value < 0 or value >= 10**15 or value != value.quantize(Decimal("0.00001")):
        raise StatementFormatError(f"amount {text!r} is not a valid amount", _path(el))
    return value


def _signed(container: Element, amount_el: Element) -> Decimal:
    amount = _amount(amount_el)
    indicator = _text(container, "CdtDbtInd")
    if indicator == "CRDT":
        return amount
    if indicator == "DBIT":
        return -amount
    raise StatementFormatError(f"CdtDbtInd must be CRDT or DBIT, got {indicator!r}", _path(container))


def _date(el: Element | None, path: str) -> date | None:
    """A date from <.../Dt> or the date part of <.../DtTm>."""
    if el is None:
        return None
    for sub in (f"{path}/Dt", f"{path}/DtTm"):
        found = el.find(sub)
        if found is not None and found.text:
            text = found.text.strip()[:10]
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise StatementFormatError(f"date {found.text.strip()!r} is not an ISO date", _path(found)) from None
    return None


def _balances(stmt: Element) -> tuple[Balance, Balance]:
    opening: Balance | None = None
    closing: Balance | None = None
    for bal in stmt.findall("Bal"):
        code = _text(bal, "Tp/CdOrPrtry/Cd") or _text(bal, "Tp/CdOrPrtry/Prtry")
        amount = _signed(bal, _required(bal, "Amt"))
        balance = Balance(amount, _date(bal, "Dt"))
        if code in _OPENING and opening is None:
            opening = balance
        elif code in _CLOSING:
            closing = balance
    if opening is None:
        raise StatementFormatError("no opening balance (Bal with OPBD or PRCD)", _path(stmt))
    if closing is None:
        raise StatementFormatError("no closing balance (Bal with CLBD)", _path(stmt))
    return opening, closing


Index = dict[str, list[Element]]


def _index(el: Element, stop: str = "") -> Index:
    """The elements under `el` by their path below it ("Refs/EndToEndId"), in document order,
    without descending below the path `stop`. One walk per entry instead of a path search per field: an
    entry has some thirty fields to look up, and each search costs more than the walk."""
    found: Index = {}

    def walk(node: Element, prefix: str) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            path = prefix + tag
            if path in found:
                found[path].append(child)
            else:
                found[path] = [child]
            if len(child) and path != stop:
                walk(child, path + "/")

    walk(el, "")
    return found


def _get(index: Index, path: str) -> str:
    """The stripped text of the first element at `path` ("" when there is none)."""
    found = index.get(path)
    return (found[0].text or "").strip() if found else ""


def _first(index: Index, path: str) -> Element | None:
    found = index.get(path)
    return found[0] if found else None


def _indexed_date(index: Index, path: str) -> date | None:
    """A date from <.../Dt> or the date part of <.../DtTm>."""
    for sub in (f"{path}/Dt", f"{path}/DtTm"):
        found = _first(index, sub)
        if found is not None and found.text:
            text = found.text.strip()[:10]
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise StatementFormatError(f"date {found.text.strip()!r} is not an ISO date", _path(found)) from None
    return None


def _indexed_signed(container: Element, index: Index) -> Decimal:
    amount_el = _first(index, "Amt")
    if amount_el is None:
        raise StatementFormatError("missing element Amt", _path(container))
    amount = _amount(amount_el)
    indicator = _get(index, "CdtDbtInd")
    if indicator == "CRDT":
        return amount
    if indicator == "DBIT":
        return -amount
    raise StatementFormatError(f"CdtDbtInd must be CRDT or DBIT, got {indicator!r}", _path(container))


def _party(tx: Index, role: str) -> tuple[str, str, str]:
    """Name, IBAN and BIC of the debtor or creditor of a transaction (camt.053.001.02 to .08)."""
    name = _get(tx, f"RltdPties/{role}/Nm") or _get(tx, f"RltdPties/{role}/Pty/Nm")
    iban = compact_iban(_get(tx, f"RltdPties/{role}Acct/Id/IBAN"))
    bic = _get(tx, f"RltdAgts/{role}Agt/FinInstnId/BIC") or _get(tx, f"RltdAgts/{role}Agt/FinInstnId/BICFI")
    return name, iban, bic


def _is_return(entry: Index, tx: Index | None) -> bool:
    for node in (tx, entry):
        if node is None:
            continue
        if "RtrInf" in node:
            return True
        if _get(node, "BkTxCd/Domn/Fmly/SubFmlyCd") in _RETURN_CODES:
            return True
    return _get(entry, "RvslInd").lower() == "true"


_NO_DETAILS: Index = {}


def _line(entry: Index, tx: Index | None, amount: Decimal, booking: date, value: date | None) -> StatementLine:
    outgoing = amount < 0
    # Money in comes from the debtor; money out goes to the creditor. A return of a
    # collection is money out whose counterparty is still the debtor of the collection.
    returned = _is_return(entry, tx)
    role = "Cdtr" if outgoing and not returned else "Dbtr"
    details = tx if tx is not None else _NO_DETAILS
    name, iban, bic = _party(tx, role) if tx is not None else ("", "", "")
    remittance = [(u.text or "").strip() for u in details.get("RmtInf/Ustrd", ())]
    structured = next((ref.text.strip() for ref in details.get("RmtInf/Strd/CdtrRefInf/Ref", ()) if ref.text), "")
    info = _get(entry, "AddtlNtryInf")
    if info and not remittance:
        remittance.append(info)
    reason = _get(details, "RtrInf/Rsn/Cd") or _get(details, "RtrInf/Rsn/Prtry")
    bank_ref = _get(details, "Refs/AcctSvcrRef") or _get(entry, "AcctSvcrRef") or _get(entry, "NtryRef")
    end_to_end = _get(details, "Refs/EndToEndId")
    if end_to_end == "NOTPROVIDED":
        end_to_end = ""
    return StatementLine(
        amount=amount,
        booking_date=booking,
        value_date=value,
        counterparty_name=name,
        counterparty_iban=iban,
        counterparty_bic=bic,
        structured_reference=structured,
        remittance=" ".join(part for part in remittance if part),
        bank_reference=bank_ref,
        end_to_end_id=end_to_end,
        return_reason=reason,
        is_return=returned,
    )


def entry_lines(entry_el: Element, stmt_date: date | None) -> list[StatementLine]:
    entry = _index(entry_el, stop="NtryDtls/TxDtls")
    status = _get(entry, "Sts/Cd") or _get(entry, "Sts")
    if status and status != "BOOK":
        return []  # pending or informational entries are not part of the booked balance
    amount = _indexed_signed(entry_el, entry)
    booking = _indexed_date(entry, "BookgDt") or stmt_date
    if booking is None:
        raise StatementFormatError("entry has no booking date", _path(entry_el))
    value = _indexed_date(entry, "ValDt")
    detail_els = entry.get("NtryDtls/TxDtls", [])
    if len(detail_els) <= 1:
        return [_line(entry, _index(detail_els[0]) if detail_els else None, amount, booking, value)]
    details = [_index(tx) for tx in detail_els]
    # A batch booked as one entry: one line per transaction when they carry their amounts
    # and add up to the entry; otherwise the entry as one line with the first details.
    parts: list[Decimal] = []
    for tx in details:
        amt = _first(tx, "AmtDtls/TxAmt/Amt")
        if amt is None:
            amt = _first(tx, "Amt")
        if amt is None:
            return [_line(entry, details[0], amount, booking, value)]
        sign = -1 if (_get(tx, "CdtDbtInd") or ("DBIT" if amount < 0 else "CRDT")) == "DBIT" else 1
        parts.append(sign * _amount(amt))
    if sum(parts, Decimal(0)) != amount:
        raise StatementFormatError(
            f"transaction details add up to {sum(parts, Decimal(0))}, the entry says {amount}", _path(entry_el)
        )
    return [_line(entry, tx, part, booking, value) for tx, part in zip(details, parts, strict=True)]


def read_root(data: bytes, max_bytes: int, message: str) -> Element:
    """The safely parsed document of an ISO 20022 `message` (e.g. "camt.053"), its elements
    renamed to their local names."""
    check_size(data, max_bytes)
    data, default_namespace = _drop_default_namespace(bytes(data))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else "?"
        raise StatementFormatError(f"not well-formed XML: {exc.msg}", f"line {line}") from None
    if root is None:
        raise StatementFormatError("the document has no root element")
    if root.getroottree().docinfo.internalDTD is not None:
        raise StatementFormatError("a DOCTYPE (DTD) is not allowed in a bank file", "line 1")
    # Without a DTD no entity can be declared: an unknown &name; is a syntax error above.
    namespace = etree.QName(root).namespace or default_namespace
    if namespace and message not in namespace:
        raise StatementFormatError(f"namespace {namespace!r} is not a {message} message", "Document")
    if str(root.tag).startswith("{"):
        _strip_namespaces(root)
    return root


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Statement]:
    """Every statement (<Stmt>) in a camt.053 document."""
    return [replace(s.head, lines=tuple(s.lines)) for s in parse_streamed(data, max_bytes=max_bytes)]


def parse_streamed(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[StreamedStatement]:
    """Every statement in a camt.053 document, its header read and checked now, its lines read
    as they are consumed (an error in a line is raised then)."""
    root = read_root(data, max_bytes, "camt.053")
    container = root.find("BkToCstmrStmt")
    if root.tag != "Document" or container is None:
        raise StatementFormatError("expected Document/BkToCstmrStmt", _path(root))
    statements = []
    for stmt in container.findall("Stmt"):
        acct = _required(stmt, "Acct")
        iban = compact_iban(_text(acct, "Id/IBAN") or _text(acct, "Id/Othr/Id"))
        if not iban:
            raise StatementFormatError("the account has no IBAN or other id", _path(acct))
        opening, closing = _balances(stmt)
        currency = _text(acct, "Ccy") or (_required(stmt, "Bal/Amt").get("Ccy") or "")
        if not currency:
            raise StatementFormatError("no account currency (Acct/Ccy or Bal/Amt/@Ccy)", _path(acct))
        head = Statement(
            account_iban=iban,
            currency=currency,
            identification=_text(stmt, "Id"),
            sequence=_text(stmt, "ElctrncSeqNb") or _text(stmt, "LglSeqNb") or _text(stmt, "Id"),
            opening=opening,
            closing=closing,
            format="camt.053",
        )
        # An entry is one line, or one per transaction of a batch: counted by libxml2, not by a walk.
        most = int(stmt.xpath("count(Ntry[not(NtryDtls/TxDtls)]) + count(Ntry/NtryDtls/TxDtls)"))
        statements.append(StreamedStatement(head, _statement_lines(stmt, closing.date), most))
    if not statements:
        raise StatementFormatError("the document holds no statement (Stmt)", "Document/BkToCstmrStmt")
    return statements


def _statement_lines(stmt: Element, stmt_date: date | None) -> Iterator[StatementLine]:
    for entry in stmt.iterfind("Ntry"):
        yield from entry_lines(entry, stmt_date)


def write(statement: Statement, version: str = "08") -> bytes:
    """A camt.053 document of one statement (used for test files, the demo and the benchmark)."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})

    def sub(parent: Element, tag: str, text: str | None = None, **attrib: str) -> Element:
        el = etree.SubElement(parent, f"{{{ns}}}{tag}", attrib)
        if text is not None:
            el.text = text
        return el

    container = sub(root, "BkToCstmrStmt")
    header = sub(container, "GrpHdr")
    sub(header, "MsgId", statement.identification or statement.sequence)
    stmt = sub(container, "Stmt")
    sub(stmt, "Id", statement.identification or statement.sequence)
    sub(stmt, "ElctrncSeqNb", statement.sequence)
    acct = sub(stmt, "Acct")
    sub(sub(acct, "Id"), "IBAN", statement.account_iban)
    sub(acct, "Ccy", statement.currency)
    for code, balance in (("OPBD", statement.opening), ("CLBD", statement.closing)):
        bal = sub(stmt, "Bal")
        sub(sub(sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        sub(bal, "Amt", f"{abs(balance.amount):.2f}", Ccy=statement.currency)
        sub(bal, "CdtDbtInd", "CRDT" if balance.amount >= 0 else "DBIT")
        if balance.date:
            sub(sub(bal, "Dt"), "Dt", balance.date.isoformat())
    for line in statement.lines:
        entry = sub(stmt, "Ntry")
        sub(entry, "Amt", f"{abs(line.amount):.2f}", Ccy=statement.currency)
        sub(entry, "CdtDbtInd", "CRDT" if line.amount >= 0 else "DBIT")
        sub(sub(entry, "Sts"), "Cd", "BOOK")
        sub(sub(entry, "BookgDt"), "Dt", line.booking_date.isoformat())
        if line.value_date:
            sub(sub(entry, "ValDt"), "Dt", line.value_date.isoformat())
        if line.bank_reference:
            sub(entry, "AcctSvcrRef", line.bank_reference)
        tx = sub(sub(entry, "NtryDtls"), "TxDtls")
        if line.end_to_end_id:
            sub(sub(tx, "Refs"), "EndToEndId", line.end_to_end_id)
        role = "Cdtr" if line.amount < 0 and not line.is_return else "Dbtr"
        if line.counterparty_name or line.counterparty_iban:
            parties = sub(tx, "RltdPties")
            if line.counterparty_name:
                sub(sub(sub(parties, role), "Pty"), "Nm", line.counterparty_name)
            if line.counterparty_iban:
                sub(sub(sub(parties, f"{role}Acct"), "Id"), "IBAN", line.counterparty_iban)
        if line.counterparty_bic:
            sub(sub(sub(sub(tx, "RltdAgts"), f"{role}Agt"), "FinInstnId"), "BICFI", line.counterparty_bic)
        if line.remittance or line.structured_reference:
            rmt = sub(tx, "RmtInf")
            if line.remittance:
                sub(rmt, "Ustrd", line.remittance)
            if line.structured_reference:
                sub(sub(sub(rmt, "Strd"), "CdtrRefInf"), "Ref", line.structured_reference)
        if line.is_return:
            rtr = sub(tx, "RtrInf")
            if line.return_reason:
                sub(sub(rtr, "Rsn"), "Cd", line.return_reason)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
