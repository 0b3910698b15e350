"""Model cards are written by anyone who may register a version: whatever they write, the card page shows
text, links to web pages and nothing that runs, loads or restyles the page."""

from __future__ import annotations

import pytest
from tests.support.markup_inspection import ParsedMarkup, parse_markup, scheme_of

from modelyard_server.ui.markdown import MAX_LINK_URL_CHARS, MAX_LINKS, MAX_NESTING, MAX_SOURCE_CHARS, render_markdown

ALLOWED_ELEMENTS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "code", "pre", "ul", "ol", "li",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "span",
}  # fmt: skip
ALLOWED_CLASSES = {"external", "md-link-host", "md-image", "md-align-left", "md-align-center", "md-align-right",
                   "md-truncated"}  # fmt: skip
ALLOWED_ATTRIBUTES = {"href", "title", "rel", "class", "start"}  # start: an ordered list's first number
ALLOWED_SCHEMES = {None, "http", "https", "mailto"}

HOSTILE = {
    "script tag": "<script>alert(1)</script>",
    "script block": "<script>\nalert(1)\n</script>\n\ntext",
    "img onerror": '<img src=x onerror="alert(1)">',
    "svg onload": "<svg onload=alert(1)><circle r=1 /></svg>",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "html comment": "<!-- <script>alert(1)</script> -->",
    "style tag": "<style>body{display:none}</style>",
    "style attribute": '<p style="position:fixed">x</p>',
    "inline link": "[click](javascript:alert(1))",
    "uppercase scheme": "[click](JavaScript:alert(1))",
    "entity encoded scheme": "[click](jav&#x61;script:alert(1))",
    "decimal entity scheme": "[click](&#106;avascript:alert(1))",
    "percent encoded scheme": "[click](%6Aavascript:alert(1))",
    "angle destination": "[click](<javascript:alert(1)>)",
    "reference link": "[click][r]\n\n[r]: javascript:alert(1)",
    "collapsed reference": "[r][]\n\n[r]: javascript:alert(1)",
    "shortcut reference": "[r]\n\n[r]: vbscript:msgbox(1)",
    "autolink": "<javascript:alert(1)>",
    "autolink vbscript": "<vbscript:msgbox(1)>",
    "data link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "file link": "[x](file:///etc/passwd)",
    "protocol relative": "[x](//evil.example/)",
    "backslash relative": "[x](/\\evil.example/)",
    "image javascript": "![x](javascript:alert(1))",
    "image data": "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "image onerror title": '![x](https://evil.example/a.png "a\\" onerror=\\"alert(1)")',
    "title breakout": '[x](https://ok.example/ "t\\" onmouseover=\\"alert(1)")',
    "title single quotes": "[x](https://ok.example/ 't\\' onmouseover=alert(1)')",
    "href quote breakout": '[x](https://ok.example/"onmouseover="alert(1))',
    "fence class breakout": '```x" onclick="alert(1)\ncode\n```',
    "raw anchor": '<a href="javascript:alert(1)">x</a>',
    "raw anchor inline": 'text <a href="javascript:alert(1)">x</a> more',
    "form": '<form action="https://evil.example/"><input name=q></form>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "object": '<object data="https://evil.example/x.swf"></object>',
    "math": "<math><mtext><script>alert(1)</script></mtext></math>",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "processing instruction": "<?php echo 1; ?>",
    "link in table": "| a |\n|---|\n| [x](javascript:alert(1)) |",
    "nested in emphasis": "*[x](javascript:alert(1))*",
    "control char scheme": "[x](\x01javascript:alert(1))",
}


def _assert_inert(parsed: ParsedMarkup) -> None:
    assert parsed.tags() <= ALLOWED_ELEMENTS, parsed.tags() - ALLOWED_ELEMENTS
    assert parsed.comments == []
    for element in parsed.elements:
        assert set(element.attrs) <= ALLOWED_ATTRIBUTES, element
        if "class" in element.attrs:
            assert set((element.attrs["class"] or "").split()) <= ALLOWED_CLASSES, element
        if "start" in element.attrs:
            assert element.tag == "ol"
            assert (element.attrs["start"] or "").isdigit()
    for href in parsed.hrefs():
        assert scheme_of(href) in ALLOWED_SCHEMES, href
        assert not href.startswith(("//", "/\\", "\\")), href


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_is_inert(source: str) -> None:
    _assert_inert(parse_markup(render_markdown(source)))


@pytest.mark.parametrize(
    "source",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<iframe src=x></iframe>"],
)
def test_raw_html_is_shown_as_the_text_written(source: str) -> None:
    assert source in parse_markup(render_markdown(source)).text


@pytest.mark.parametrize(
    "source",
    [HOSTILE["inline link"], HOSTILE["entity encoded scheme"], HOSTILE["reference link"], HOSTILE["autolink"]],
)
def test_a_refused_link_leaves_its_text_and_no_link(source: str) -> None:
    parsed = parse_markup(render_markdown(source))
    assert parsed.with_tag("a") == []
    assert "alert(1)" in parsed.text  # the reader sees what was written, as text


@pytest.mark.parametrize(
    ("source", "href", "external"),
    [
        ("[docs](https://docs.example/card)", "https://docs.example/card", True),
        ("[docs](http://docs.example/)", "http://docs.example/", True),
        ("<https://docs.example/a>", "https://docs.example/a", True),
        ("[mail](mailto:ml@team.example)", "mailto:ml@team.example", False),
        ("<ml@team.example>", "mailto:ml@team.example", False),
        ("[next](#evaluation)", "#evaluation", False),
        ("[sibling](../fraud/versions/3)", "../fraud/versions/3", False),
        ("[ref][d]\n\n[d]: https://docs.example/ref", "https://docs.example/ref", True),
    ],
)
def test_allowed_links_survive_with_rel_and_external_marked(source: str, href: str, external: bool) -> None:
    (anchor,) = parse_markup(render_markdown(source)).with_tag("a")
    assert anchor.attrs["href"] == href
    assert set((anchor.attrs["rel"] or "").split()) == {"nofollow", "noopener", "noreferrer"}
    assert ("external" in (anchor.attrs.get("class") or "")) is external


def test_an_external_link_shows_the_host_it_really_leads_to() -> None:
    parsed = parse_markup(render_markdown("[github.com/our-org](https://evil.example/phish)"))
    assert "(evil.example)" in parsed.text
    # an autolink already shows its URL: no second copy of the host
    assert parse_markup(render_markdown("<https://docs.example/>")).text.count("docs.example") == 1


def test_a_link_title_stays_a_title() -> None:
    (anchor,) = parse_markup(render_markdown(HOSTILE["title breakout"])).with_tag("a")
    assert set(anchor.attrs) == {"href", "title", "rel", "class"}
    assert anchor.attrs["title"] == 't" onmouseover="alert(1)'


def test_images_never_load_but_show_their_alt_text_and_a_link() -> None:
    parsed = parse_markup(render_markdown("![ROC *curve*](https://cdn.example/roc.png)"))
    assert "img" not in parsed.tags()
    assert all("src" not in element.attrs for element in parsed.elements)
    (marker,) = [span for span in parsed.with_tag("span") if span.attrs.get("class") == "md-image"]
    assert "ROC curve" in parsed.text
    assert parsed.hrefs() == ["https://cdn.example/roc.png"]
    assert marker is not None


def test_an_image_with_a_url_that_is_no_web_page_shows_only_its_alt_text() -> None:
    parsed = parse_markup(render_markdown("![chart](s3://bucket/roc.png)"))
    assert parsed.hrefs() == []
    assert "chart" in parsed.text


def test_an_image_inside_a_link_does_not_nest_links() -> None:
    parsed = parse_markup(render_markdown("[![logo](https://cdn.example/l.png)](https://team.example/)"))
    assert parsed.hrefs() == ["https://team.example/"]
    assert "logo" in parsed.text


def test_tables_align_by_class_not_style() -> None:
    parsed = parse_markup(render_markdown("| metric | value |\n|:---|---:|\n| auc | 0.93 |"))
    classes = [cell.attrs.get("class") for cell in parsed.with_tag("th") + parsed.with_tag("td")]
    assert classes == ["md-align-left", "md-align-right", "md-align-left", "md-align-right"]
    _assert_inert(parsed)


def test_card_markup_is_rendered() -> None:
    source = "# Fraud model\n\nSome **bold**, *em*, ~~old~~ and `code`.\n\n> quoted\n\n- a\n- b\n\n3. c\n\n---\n"
    parsed = parse_markup(render_markdown(source))
    assert {"h2", "strong", "em", "del", "code", "blockquote", "ul", "ol", "li", "hr"} <= parsed.tags()
    assert parsed.with_tag("ol")[0].attrs == {"start": "3"}
    _assert_inert(parsed)


def test_headings_sit_under_the_page_title_and_carry_no_ids() -> None:
    parsed = parse_markup(render_markdown("# One\n## Two\n###### Six"))
    assert [element.tag for element in parsed.elements] == ["h2", "h3", "h6"]
    assert all(element.attrs == {} for element in parsed.elements)


def test_headings_go_as_far_down_as_the_page_asks_and_no_further_than_h6() -> None:
    parsed = parse_markup(render_markdown("# One\n## Two\n##### Five", heading_offset=2))
    assert [element.tag for element in parsed.elements] == ["h3", "h4", "h6"]
    assert [element.tag for element in parse_markup(render_markdown("# One")).elements] == ["h2"]  # not kept


def test_fenced_code_keeps_its_text_and_drops_the_language_class() -> None:
    parsed = parse_markup(render_markdown("```python\nprint('<b>')\n```"))
    assert [element.attrs for element in parsed.with_tag("code")] == [{}]
    assert "print('<b>')" in parsed.text


def test_oversized_input_is_cut_with_a_note() -> None:
    source = "word " * (MAX_SOURCE_CHARS // 5 * 3)
    parsed = parse_markup(render_markdown(source))
    assert len(parsed.text) < MAX_SOURCE_CHARS + 1000
    assert "Shortened" in parsed.text
    assert "Shortened" not in render_markdown("word " * 10)


NESTED = {
    "quotes": ">" * 10_000 + " deep",
    "brackets": "[" * 10_000,
    "balanced brackets": "[" * 10_000 + "x" + "]" * 10_000 + "(https://a.example/)",
    "open links": "[a](" * 5_000,
    "stars": "*" * 10_000 + "a",
    "emphasis": "*a " * 5_000 + "b",
    "lists": "".join("  " * level + "- item\n" for level in range(3_000)),
    "angles": "<" * 10_000,
    "backticks": "`" * 10_000,
    "images": "![" * 5_000,
}


@pytest.mark.parametrize("source", NESTED.values(), ids=NESTED.keys())
def test_deeply_nested_input_renders_bounded(source: str) -> None:
    html = render_markdown(source)
    parsed = parse_markup(html)
    assert parsed.max_depth <= MAX_NESTING + 2
    assert len(html) < 10 * len(source) + 1000
    _assert_inert(parsed)


def test_one_reference_used_thousands_of_times_makes_a_bounded_number_of_links() -> None:
    source = "[a]: https://docs.example/\n\n" + "[a] " * 5_000
    html = render_markdown(source)
    parsed = parse_markup(html)
    assert len(parsed.hrefs()) == MAX_LINKS
    assert parsed.text.count("[a]") == 0  # the rest still read as their text
    assert parsed.text.count("a") >= 5_000
    assert f"Links beyond the first {MAX_LINKS} are shown as text." in parsed.text
    assert len(html) < 15 * len(source)


def test_long_urls_reused_spend_the_url_budget() -> None:
    url = "https://docs.example/" + "p" * 5_000
    html = render_markdown(f"[a]: {url}\n\n" + "[a] ![i][a] " * 200)
    parsed = parse_markup(html)
    assert sum(len(href) for href in parsed.hrefs()) <= MAX_LINK_URL_CHARS
    assert len(html) < 3 * MAX_LINK_URL_CHARS
    assert "shown as text" in parsed.text


def test_a_card_with_few_links_has_no_link_note() -> None:
    assert "shown as text" not in render_markdown("[a](https://a.example/) " * 50)


def test_a_card_shown_again_is_not_rendered_again() -> None:
    from modelyard_server.ui.markdown import _rendered

    card = "# Churn\n\nscored **monthly**, shown twice"
    first = render_markdown(card)
    hits = _rendered.cache_info().hits

    assert render_markdown(card) == first
    assert _rendered.cache_info().hits == hits + 1
