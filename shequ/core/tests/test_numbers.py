from hypothesis import given
from hypothesis import strategies as st

from shequ.core.numbers import ID_MAX, INT_MAX, whole


def test_whole_numbers_as_typed():
    assert whole("12") == 12
    assert whole(" １２ ") == 12  # full-width digits from a Chinese input method
    assert whole("-3", low=-10) == -3
    assert whole("-3") is None  # below the default low of 0
    for bad in ("", "abc", "1.5", "1e3", "١٢x", "--1", "+", "12a", "0x10"):
        assert whole(bad) is None, bad
    assert whole(str(INT_MAX)) == INT_MAX
    assert whole(str(INT_MAX + 1)) is None
    assert whole(str(ID_MAX), high=ID_MAX) == ID_MAX
    assert whole("1" * 20, high=ID_MAX) is None  # more than the database can take


@given(st.integers())
def test_whole_agrees_with_int_within_the_range(n):
    value = whole(str(n), low=-1000, high=INT_MAX)
    assert value == (n if -1000 <= n <= INT_MAX else None)


def test_the_message_says_which_is_wrong():
    from shequ.core.numbers import number_error

    assert number_error("十", "库存") == "库存必须是整数"
    # A whole number below the least allowed says so, instead of "not a whole number".
    assert number_error("-1", "库存") == "库存不能小于 0"
    assert number_error("－3", "每人限兑", low=1) == "每人限兑不能小于 1"  # full-width minus
    assert number_error("0", "所需积分", low=1) == "所需积分不能小于 1"
    assert number_error("-", "库存") == "库存必须是整数"
    assert number_error("9" * 20, "库存") == f"库存必须在 0 到 {INT_MAX} 之间"
    assert number_error("-9" + "9" * 20, "数量", low=-5) == f"数量必须在 -5 到 {INT_MAX} 之间"
