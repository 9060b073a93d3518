from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequ.people import idcard


def test_known_valid_numbers_pass():
    info = idcard.parse("11010519491231002X")
    assert info.birth_date == date(1949, 12, 31)
    assert info.gender == "F"
    assert info.warnings == ()


def test_abolished_region_is_a_warning_not_an_error():
    info = idcard.parse("440524188001010014")
    assert info.birth_date == date(1880, 1, 1)
    assert info.gender == "M"
    assert len(info.warnings) == 1
    assert "440524" in info.warnings[0]


def test_wrong_check_digit_names_the_expected_one():
    with pytest.raises(idcard.IdNumberError, match="校验位错误：最后一位应为 X"):
        idcard.parse("110105194912310021")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1101051949123100", "应为18位"),
        ("11010519491331002X", "出生日期 19491331 不存在"),
        ("A1010519491231002X", "前17位必须是数字"),
        ("99010519491231002X", "不是有效的省级代码"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(raw, reason):
    with pytest.raises(idcard.IdNumberError, match=reason):
        idcard.parse(raw)


def test_full_width_digits_and_lower_x_are_normalised():
    assert idcard.parse("１１０１０５１９４９１２３１００２ｘ").number == "11010519491231002X"


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    seq=st.integers(min_value=0, max_value=499),
    gender=st.sampled_from(["M", "F"]),
)
def test_made_numbers_round_trip(born, seq, gender):
    number = idcard.make("150784", born, seq, gender)
    info = idcard.parse(number, today=date(2026, 11, 22))
    assert (info.birth_date, info.gender, info.region) == (born, gender, "150784")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_single_wrong_check_char_is_caught(body):
    good = body + idcard.check_char(body)
    for wrong in "0123456789X":
        if wrong != good[-1]:
            try:
                idcard.parse(body + wrong)
            except idcard.IdNumberError:
                continue
            raise AssertionError(f"accepted {body + wrong}")
