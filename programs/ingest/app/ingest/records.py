"""CSV parsing and row validation.

The file is UTF-8 (a byte-order mark is allowed) with a header row. Header names are
matched case-insensitively and may come in any order; unknown columns are ignored.

| column          | required | rule                                               |
|-----------------|----------|----------------------------------------------------|
| id              | yes      | integer 1 .. 18446744073709551615 (BIGINT UNSIGNED)|
| email           | yes      | ``local@domain.tld``, at most 254 characters       |
| first_name      | yes      | at most 100 characters                             |
| last_name       | no       | at most 100 characters                             |
| country         | no       | ISO 3166-1 alpha-2 code (two letters)              |
| signup_date     | no       | ``YYYY-MM-DD``                                     |
| lifetime_value  | no       | non-negative decimal, at most 10 digits + 2 decimals|

Empty cells of optional columns become NULL. A row that breaks a rule is rejected
with every reason found; the rest of the file is still loaded.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Iterator, List, Optional, Tuple, Union

REQUIRED_COLUMNS = ("id", "email", "first_name")
OPTIONAL_COLUMNS = ("last_name", "country", "signup_date", "lifetime_value")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_ID = 2**64 - 1
MAX_NAME = 100
MAX_EMAIL = 254

_INT = re.compile(r"^\d+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONEY = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


class CsvFormatError(Exception):
    """The file as a whole cannot be read (bad header, encoding, CSV syntax)."""


@dataclass(frozen=True)
class Record:
    """One valid row, with values converted to their column types."""

    line: int
    id: int
    email: str
    first_name: str
    last_name: Optional[str] = None
    country: Optional[str] = None
    signup_date: Optional[_dt.date] = None
    lifetime_value: Optional[Decimal] = None

    def values(self) -> Tuple[object, ...]:
        """Column values in ``KNOWN_COLUMNS`` order."""
        return (
            self.id,
            self.email,
            self.first_name,
            self.last_name,
            self.country,
            self.signup_date,
            self.lifetime_value,
        )


@dataclass(frozen=True)
class Rejection:
    """A row that was skipped, with the reasons why."""

    line: int
    id: Optional[str]
    reasons: List[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"line": self.line, "id": self.id, "reasons": list(self.reasons)}


Row = Union[Record, Rejection]


def iter_text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decode UTF-8 byte chunks (optional BOM) into lines that keep their ``\\n``.

    Splitting only on ``\\n`` is what the csv module expects (like ``newline=''``), so
    quoted fields may contain line breaks and ``\\r\\n`` endings work.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    pending = ""
    offset = 0
    for chunk in chunks:
        try:
            pending += decoder.decode(chunk)
        except UnicodeDecodeError as err:
            raise CsvFormatError(
                f"file is not valid UTF-8 (byte offset {offset + err.start})"
            ) from None
        offset += len(chunk)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise CsvFormatError(f"file is not valid UTF-8 (truncated at byte {offset})") from None
    if pending:
        yield pending


def _header_index(header: List[str]) -> Tuple[dict, List[str]]:
    names = [h.strip().lower() for h in header]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CsvFormatError(f"header repeats column(s): {', '.join(duplicates)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise CsvFormatError(
            f"header lacks required column(s): {', '.join(missing)} "
            f"(found: {', '.join(n or '<empty>' for n in names)})"
        )
    index = {name: names.index(name) for name in KNOWN_COLUMNS if name in names}
    unknown = [n for n in names if n not in KNOWN_COLUMNS]
    return index, unknown


def _text(value: str, column: str, limit: int, required: bool, reasons: List[str]) -> Optional[str]:
    value = value.strip()
    if not value:
        if required:
            reasons.append(f"{column} is missing")
        return None
    if len(value) > limit:
        reasons.append(f"{column} is longer than {limit} characters")
        return None
    return value


def validate_row(line: int, cells: dict) -> Row:
    """Validate one row given as ``{column: raw text}`` (known columns only)."""
    reasons: List[str] = []
    raw_id = cells.get("id", "").strip()
    record_id: Optional[int] = None
    if not raw_id:
        reasons.append("id is missing")
    elif not _INT.match(raw_id):
        reasons.append(f"id {raw_id!r} is not a positive integer")
    else:
        record_id = int(raw_id)
        if not 1 <= record_id <= MAX_ID:
            reasons.append(f"id {raw_id} is out of range 1..{MAX_ID}")

    email = _text(cells.get("email", ""), "email", MAX_EMAIL, True, reasons)
    if email is not None and not _EMAIL.match(email):
        reasons.append(f"email {email!r} is not an email address")
    first_name = _text(cells.get("first_name", ""), "first_name", MAX_NAME, True, reasons)
    last_name = _text(cells.get("last_name", ""), "last_name", MAX_NAME, False, reasons)

    country = cells.get("country", "").strip() or None
    if country is not None:
        if _COUNTRY.match(country):
            country = country.upper()
        else:
            reasons.append(f"country {country!r} is not a two-letter ISO code")

    signup: Optional[_dt.date] = None
    raw_date = cells.get("signup_date", "").strip()
    if raw_date:
        try:
            if not _DATE.match(raw_date):
                raise ValueError
            signup = _dt.date.fromisoformat(raw_date)
        except ValueError:
            reasons.append(f"signup_date {raw_date!r} is not a date (YYYY-MM-DD)")

    value: Optional[Decimal] = None
    raw_value = cells.get("lifetime_value", "").strip()
    if raw_value:
        if raw_value.startswith("-") and _MONEY.match(raw_value[1:]):
            reasons.append("lifetime_value must not be negative")
        elif not _MONEY.match(raw_value):
            reasons.append(
                f"lifetime_value {raw_value!r} is not a decimal with at most 10 digits "
                "and 2 decimals"
            )
        else:
            value = Decimal(raw_value)

    if reasons or record_id is None or email is None or first_name is None:
        return Rejection(line=line, id=raw_id or None, reasons=reasons)
    return Record(
        line=line,
        id=record_id,
        email=email.lower(),
        first_name=first_name,
        last_name=last_name,
        country=country,
        signup_date=signup,
        lifetime_value=value,
    )


class CsvRows:
    """Iterate the validated rows of a CSV text stream.

    ``unknown_columns`` lists ignored header names once the header has been read.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self._reader = csv.reader(lines, strict=True)
        self.unknown_columns: List[str] = []

    def __iter__(self) -> Iterator[Row]:
        try:
            header = next(self._reader, None)
            if header is None:
                return  # an empty file has no rows
            index, self.unknown_columns = _header_index(header)
            width = len(header)
            for cells in self._reader:
                line = self._reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # blank line
                if len(cells) != width:
                    raw_id = cells[index["id"]].strip() if len(cells) > index["id"] else None
                    yield Rejection(
                        line=line,
                        id=raw_id or None,
                        reasons=[f"row has {len(cells)} fields, the header has {width}"],
                    )
                    continue
                yield validate_row(line, {name: cells[i] for name, i in index.items()})
        except csv.Error as err:
            raise CsvFormatError(
                f"CSV syntax error at line {self._reader.line_num}: {err}"
            ) from None
