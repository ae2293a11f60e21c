"""Markdown of image descriptions: safe HTML for the image page, plain text for lists.

Descriptions are written by any user, so raw HTML in them is escaped, links
get `rel="nofollow noopener"`, and links whose scheme markdown-it rejects
(`javascript:`, `vbscript:`, `file:` and most `data:` URLs) stay plain text.
"""

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

LINK_REL = "nofollow noopener"

_parser = MarkdownIt("commonmark", {"html": False})


def _render_link_open(self: Any, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    tokens[index].attrSet("rel", LINK_REL)
    return self.renderToken(tokens, index, options, env)  # type: ignore[no-any-return]


_parser.add_render_rule("link_open", _render_link_open)


def render_markdown(text: str) -> Markup:
    """Return `text` rendered as HTML that is safe to insert into a page."""
    return Markup(_parser.render(text))


def plain_excerpt(text: str, max_length: int = 200) -> str:
    """Return the first lines of `text` as plain text without Markdown syntax.

    Blocks (paragraphs, headings, list items) are taken until 40 characters
    are reached, so a first paragraph of a sentence or more is shown alone.
    The text is cut at a word boundary and ends with an ellipsis when it is
    longer than `max_length` characters.
    """
    words: list[str] = []
    for block in _parser.parse(text):
        if block.type != "inline" or not block.children:
            continue
        for token in block.children:
            if token.type in ("text", "code_inline"):
                words.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                words.append(" ")
        words.append(" ")
        if sum(len(word) for word in words) >= 40:
            break
    excerpt = " ".join("".join(words).split())
    if len(excerpt) <= max_length:
        return excerpt
    cut = excerpt[:max_length].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"
