import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shequ.access.masking import mask_id_number, mask_name, mask_phone
from shequ.people import phones


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812341234", "13812341234"),
        ("+86 138 1234 1234", "13812341234"),
        ("１３８１２３４１２３４", "13812341234"),
        ("0470-6821234", "0470-6821234"),
        ("010 12345678", "010-12345678"),
    ],
)
def test_valid_mobiles_and_landlines_are_normalised(raw, normal):
    assert phones.normalize(raw) == normal


@pytest.mark.parametrize("raw", ["12345", "1381234123", "23812341234", "abc"])
def test_invalid_numbers_are_refused_in_chinese(raw):
    with pytest.raises(phones.PhoneError, match="不是"):
        phones.normalize(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("13800000001/13900000002", "联系电话只能填一个号码，这里填了 2 个"),
        ("13800000001 13900000002", "联系电话只能填一个号码，这里填了 2 个"),
        ("0537-2345678、13800000001，13900000002", "联系电话只能填一个号码，这里填了 3 个"),
        ("2345678", "固定电话要带区号，请在号码前加上区号（如 0537）"),
        ("8234 5678", "固定电话要带区号，请在号码前加上区号（如 0537）"),
    ],
)
def test_two_numbers_or_a_landline_without_its_area_code_are_named(raw, reason):
    """Registers put a mobile and a home number in one cell, or a county's local number
    without its area code: the import's report said “138****************0002”不是电话号码
    and “*******”不是有效的…, the value masked past recognition and the reason unsaid."""
    with pytest.raises(phones.PhoneError) as refused:
        phones.normalize(raw)
    assert str(refused.value) == reason


def test_masks_follow_the_design():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0470-6821234") == "0470-***1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**"


@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
@settings(max_examples=400, deadline=None)
def test_the_mobile_fast_path_agrees_with_a_full_parse(number):
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, "CN")
        full = phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in phones._MOBILE
    except phonenumbers.NumberParseException:
        full = False
    try:
        fast = phones.normalize(number) == number
    except phones.PhoneError:
        fast = False
    assert fast == full


@pytest.mark.parametrize("number", ["11000002100", "11000002200"])
def test_numbers_that_do_not_parse_are_refused_with_a_chinese_reason(number):
    with pytest.raises(phones.PhoneError, match=f"“{number}”不是"):
        phones.normalize(number)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("电话18271818316", "电话182****8316"),
        ("电话１３８１２３４５６７８。", "电话138****5678。"),
        ("+86 138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("座机0571-87654321；", "座机0571-****4321；"),
        ("(010)87654321", "010-****4321"),
        # A landline with a space or a dot after its area code, as on a shop sign.
        ("座机 0531 86123456", "座机 0531-****3456"),
        ("电话：010.12345678", "电话：010-****5678"),
        ("座机０５３１　８６１２３４５６", "座机0531-****3456"),
        ("身份证11010519491231002x", "身份证110***********002x"),
        ("旧证110105491231002", "旧证110********1002"),
        # Typed in groups, as it is read out or printed.
        ("身份证 110101 19900307 8515，电话 139 1234 5678", "身份证 110***********8515，电话 139****5678"),
        ("110101-19900307-851X", "110***********851X"),
        ("1101 0119 9003 0785 15", "110***********8515"),
        ("139.1234.5678", "139****5678"),
        ("13912345678 13812345678", "139****5678 138****5678"),
        # Grouped 4-3-4, as some people write a mobile; dashes from a Chinese input method.
        ("电话1391 234 5678", "电话139****5678"),
        ("电话139—1234—5678", "电话139****5678"),
        ("座机0571—87654321", "座机0571-****4321"),
        # Right after a Latin prefix: a WeChat or a tel. label typed without a colon.
        ("加vx13812345678", "加vx138****5678"),
        ("Tel13812345678。", "Tel138****5678。"),
        ("wx 13812345678", "wx 138****5678"),
        # Not a number of a person: an order number, a sum, a date, a door number.
        ("工单GD2026112300001", "工单GD2026112300001"),
        ("快递SF1381234567890", "快递SF1381234567890"),
        ("金额12345678901234567890", "金额12345678901234567890"),
        ("2026年11月22日 3单元12号", "2026年11月22日 3单元12号"),
    ],
)
def test_numbers_typed_into_free_text_are_masked(typed, shown):
    from shequ.access.masking import mask_free_text

    assert mask_free_text(typed) == shown


def test_a_masked_text_edited_around_its_numbers_gets_them_back():
    from types import SimpleNamespace

    from shequ.access.masking import kept_if_echoed

    reader = SimpleNamespace(pk=7)
    stored = "联系王师傅13800138000或李工１３９ ００１３ ９０００，钥匙在门卫"
    shown = "联系王师傅138****8000或李工139****9000，钥匙在门卫"
    # Unchanged, or edited around the hidden numbers: they are put back as stored.
    assert kept_if_echoed(shown, stored, reader, writer_id=8) == stored
    edited = "周五前完成。联系王师傅138****8000，钥匙在门卫"
    assert (
        kept_if_echoed(edited, stored, reader, writer_id=8) == "周五前完成。联系王师傅13800138000，钥匙在门卫"
    )
    # A number typed anew is saved as typed; the writer saw it whole, so theirs is as sent.
    assert kept_if_echoed("改找13700137000", stored, reader, writer_id=8) == "改找13700137000"
    assert kept_if_echoed("138****8000", stored, reader, writer_id=7) == "138****8000"
    # Two numbers that mask alike: which one was meant cannot be told, so neither is guessed.
    twins = "甲13800138000，乙13811118000"
    assert kept_if_echoed("甲138****8000", twins, reader, writer_id=8) == "甲138****8000"
