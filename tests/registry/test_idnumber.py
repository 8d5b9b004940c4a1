import datetime as dt

import pytest

from jkfp.errors import DomainError, ErrorCode
from jkfp.registry import idnumber


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014",
                                    "120223198902021249"])
def test_domain_vectors_are_valid(number):
    assert idnumber.parse(number).number == number


def test_domain_invalid_vector_names_the_right_check():
    with pytest.raises(DomainError) as exc:
        idnumber.parse("130402198207290622")
    assert exc.value.code == ErrorCode.ID_CHECKSUM
    assert "4" in exc.value.message and exc.value.field == "id_number"
    assert idnumber.check_char("13040219820729062") == "4"


def test_birth_date_and_sex_derived():
    info = idnumber.parse("11010519491231002X")
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "F"  # 17th digit 2 is even
    assert idnumber.parse("440524188001010014").sex == "M"


def test_lowercase_x_fullwidth_and_spaces_are_normalised():
    assert idnumber.normalize("11010519491231002x") == "11010519491231002X"
    assert idnumber.normalize("１１０１０５ １９４９１２３１００２Ｘ") == "11010519491231002X"
    assert idnumber.parse(" 110105 19491231 002x ").number == "11010519491231002X"


def test_legacy_15_digit_is_converted():
    # 15-digit: address + YYMMDD + sequence; 18-digit adds "19" and the check character
    converted = idnumber.normalize("110105491231002")
    assert converted == "11010519491231002X"


def test_disability_card_numbers_reduce_to_the_id():
    assert idnumber.normalize("11010519491231002X41") == "11010519491231002X"
    assert idnumber.normalize("11010519491231002X4121") == "11010519491231002X"


@pytest.mark.parametrize("bad,code", [
    ("1234", ErrorCode.ID_FORMAT),
    ("11010519491231002Y", ErrorCode.ID_FORMAT),
    ("110105194913310021", ErrorCode.ID_BIRTH_DATE),
    ("110105199902300020", ErrorCode.ID_BIRTH_DATE),
])
def test_bad_numbers_are_refused_with_a_code(bad, code):
    with pytest.raises(DomainError) as exc:
        idnumber.parse(bad, field="members[0].id_number")
    assert exc.value.code == code
    assert exc.value.field == "members[0].id_number"


def test_make_builds_valid_numbers_with_old_address_codes():
    n = idnumber.make("140421", dt.date(1960, 2, 29), 17)  # 长治县, before the 2018 reform
    assert idnumber.is_valid(n) and n.startswith("140421") and idnumber.parse(n).sex == "M"


def test_masking():
    assert idnumber.mask("64032319900101123X") == "640323**********3X"
    assert idnumber.birth_shown(dt.date(1990, 1, 1)) == "1990年"
    assert idnumber.is_full_number("６４０３２３１９９００１０１１２３ｘ")
    assert not idnumber.is_full_number("64032310020100001")  # a 17-digit household number
    assert idnumber.mask_phone("13912345678") == "139****5678"
