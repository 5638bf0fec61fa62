"""CSV parsing and row validation (no database, no AWS)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ingest.records import CsvFormatError, CsvRows, Record, Rejection, iter_text_lines

HEADER = "id,email,first_name,last_name,country,signup_date,lifetime_value\n"


def rows(text: str):
    return list(CsvRows(iter_text_lines([text.encode("utf-8")])))


def only(text: str):
    (row,) = rows(HEADER + text)
    return row


def test_valid_row_is_converted():
    row = only("7,Ada@Example.COM, Ada ,Lovelace,gb,2024-02-29,1234.5\n")
    assert row == Record(
        line=2,
        id=7,
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        country="GB",
        signup_date=dt.date(2024, 2, 29),
        lifetime_value=Decimal("1234.5"),
    )


def test_optional_columns_may_be_empty_or_absent():
    assert only("1,a@b.io,A,,,,\n") == Record(line=2, id=1, email="a@b.io", first_name="A")
    (row,) = rows("email,id,first_name\nz@y.org,5,Zed\n")
    assert (row.id, row.email, row.last_name, row.signup_date) == (5, "z@y.org", None, None)


def test_header_is_case_insensitive_and_unknown_columns_are_reported():
    parsed = CsvRows(iter_text_lines([b"ID , Email,FIRST_NAME,favourite_colour\n3,c@d.ee,C,red\n"]))
    (row,) = list(parsed)
    assert row.id == 3
    assert parsed.unknown_columns == ["favourite_colour"]


@pytest.mark.parametrize(
    "line, reason",
    [
        (",a@b.io,A,,,,", "id is missing"),
        ("abc,a@b.io,A,,,,", "id 'abc' is not a positive integer"),
        ("-4,a@b.io,A,,,,", "id '-4' is not a positive integer"),
        ("1.5,a@b.io,A,,,,", "id '1.5' is not a positive integer"),
        ("0,a@b.io,A,,,,", "out of range"),
        ("18446744073709551616,a@b.io,A,,,,", "out of range"),
        ("1,,A,,,,", "email is missing"),
        ("1,not-an-email,A,,,,", "is not an email address"),
        ("1,a@localhost,A,,,,", "is not an email address"),
        ("1,a@b.io,,,,,", "first_name is missing"),
        ("1,a@b.io," + "x" * 101 + ",,,,", "first_name is longer than 100"),
        ("1,a@b.io,A,,GBR,,", "country 'GBR' is not a two-letter ISO code"),
        ("1,a@b.io,A,,,2023-02-30,", "signup_date '2023-02-30' is not a date"),
        ("1,a@b.io,A,,,20230101,", "signup_date '20230101' is not a date"),
        ("1,a@b.io,A,,,,12.345", "is not a decimal with at most 10 digits"),
        ("1,a@b.io,A,,,,ten", "is not a decimal"),
        ("1,a@b.io,A,,,,12345678901", "is not a decimal"),
        ("1,a@b.io,A,,,,-5", "lifetime_value must not be negative"),
    ],
)
def test_each_rule_rejects_with_a_reason(line, reason):
    row = only(line + "\n")
    assert isinstance(row, Rejection)
    assert row.line == 2
    assert any(reason in r for r in row.reasons), row.reasons


def test_all_reasons_of_a_row_are_reported():
    row = only("x,bad,,,USA,yesterday,-1\n")
    assert isinstance(row, Rejection)
    assert row.id == "x"
    assert len(row.reasons) == 6


def test_wrong_field_count_is_rejected_not_fatal():
    parsed = rows(HEADER + "1,a@b.io,A\n2,b@c.io,B,,,,,extra\n3,c@d.io,C,,,,\n")
    assert [type(r).__name__ for r in parsed] == ["Rejection", "Rejection", "Record"]
    assert parsed[0].reasons == ["row has 3 fields, the header has 7"]
    assert parsed[0].id == "1"


def test_line_numbers_follow_the_file_including_multiline_fields_and_blanks():
    text = HEADER + '1,a@b.io,"Multi\nLine",,,,\n\n,missing@id.io,B,,,,\n'
    first, second = rows(text)
    assert isinstance(first, Record) and first.first_name == "Multi\nLine"
    assert isinstance(second, Rejection) and second.line == 5


def test_crlf_bom_and_quotes():
    data = "\ufeff" + HEADER.replace("\n", "\r\n") + '9,"q@r.st","O\'Neil, Jr",,,,\r\n'
    (row,) = list(CsvRows(iter_text_lines([data.encode("utf-8")])))
    assert (row.id, row.first_name) == (9, "O'Neil, Jr")


def test_chunk_boundaries_inside_multibyte_characters_and_lines():
    data = (HEADER + "1,a@b.io,Zoë,Łukasiewicz,,,\n").encode("utf-8")
    chunks = [data[i:i + 3] for i in range(0, len(data), 3)]
    (row,) = list(CsvRows(iter_text_lines(chunks)))
    assert (row.first_name, row.last_name) == ("Zoë", "Łukasiewicz")


def test_invalid_utf8_is_a_file_error():
    with pytest.raises(CsvFormatError, match="not valid UTF-8"):
        list(CsvRows(iter_text_lines([HEADER.encode(), b"1,a@b.io,\xff\xfe,,,,\n"])))


def test_missing_required_header_column_is_a_file_error():
    with pytest.raises(CsvFormatError, match="lacks required column.*email"):
        rows("id,first_name\n1,A\n")


def test_repeated_header_column_is_a_file_error():
    with pytest.raises(CsvFormatError, match="repeats column.*id"):
        rows("id,email,first_name,id\n")


def test_unterminated_quote_is_a_file_error():
    with pytest.raises(CsvFormatError, match="CSV syntax error"):
        rows(HEADER + '1,a@b.io,"never closed,,,,\n')


def test_empty_file_and_header_only_have_no_rows():
    assert rows("") == []
    assert rows(HEADER) == []
