"""The "did you mean" hint of config-name errors."""
import difflib
from typing import Sequence


def did_you_mean(word: str, options: Sequence[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``options``, or ''."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f' (did you mean {close[0]!r}?)' if close else ''
