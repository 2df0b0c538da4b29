"""README is the front door: short, with the commands CI runs; the docs
hold no commit hashes in prose (those belong in docs/benchmarks/)."""
import glob
import os.path as osp
import re

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# 7-40 hex digits with at least one digit and one letter a-f
HASH = re.compile(r'\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b')


def _read(path):
    with open(osp.join(REPO, path), encoding='utf-8') as f:
        return f.read()


def test_readme_is_short_and_names_the_two_commands():
    readme = _read('README.md')
    assert len(readme.splitlines()) <= 200
    assert 'make demo' in readme and 'make test' in readme
    # CI runs the README's test command
    assert 'make test' in _read('.ci/run').splitlines()[-1]
    for link in re.findall(r'\]\((docs/en/[^)#]+)', readme):
        assert osp.isfile(osp.join(REPO, link)), link


def test_no_commit_hashes_in_readme_and_docs():
    found = {}
    for path in ['README.md'] + sorted(
            glob.glob(osp.join(REPO, 'docs', 'en', '*.md'))):
        text = _read(path)
        hits = HASH.findall(text)
        if hits:
            found[osp.relpath(path, REPO)] = hits
    assert found == {}


def test_hash_pattern():
    assert HASH.findall('fixed in 5280022 and e9ca086') == ['e9ca086']
    assert HASH.findall('decade 1234567 deadbeef') == []
