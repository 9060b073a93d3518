from shequ.areas.paths import ancestors, codes


def test_ancestors_are_every_path_above_and_the_path_itself_top_first():
    assert ancestors("/5001/500111/500111003/") == ["/5001/", "/5001/500111/", "/5001/500111/500111003/"]
    assert ancestors("/5001/") == ["/5001/"]
    assert ancestors("") == []
    assert [codes(p)[-1] for p in ancestors("/1/2/3/")] == ["1", "2", "3"]
