"""A chunk's keys and facts as verify keeps them between its chunk jobs and the last step."""

import io

import numpy as np

from webapp.importing.conflicts import ChunkKeys, Touch
from webapp.importing.cross_duplicates import Facts


def _touches() -> dict[int, Touch]:
    return {
        2: Touch(
            read={"importId\x1fA-1"},
            wrote={"importId\x1fA-1", "email\x1fa@example.com"},
            outcome=(("new", 2), [("email", "a@example.com")]),
        ),
        3: Touch(read={"ref\x1f7"}, wrote=set()),
    }


def _same(kept: ChunkKeys, other: ChunkKeys) -> None:
    for name in ("lines", "keys", "wrote"):
        assert getattr(kept, name).tolist() == getattr(other, name).tolist()


def test_keys_and_facts_come_back_as_they_were_kept():
    keys = ChunkKeys.of(_touches())
    facts = Facts.of(_touches())
    data = keys.dump(**facts.arrays())
    _same(ChunkKeys.load(data), keys)
    assert len(ChunkKeys.load(data).keys) == 3  # read or written, once a row
    back = Facts.load(data, only=("o_line", "h_key"))
    assert back.o_line.tolist() == facts.o_line.tolist() == [2]
    assert back.h_key.tolist() == facts.h_key.tolist() != []
    assert back.h_ref.tolist() == []  # not asked for


def test_keys_kept_by_the_release_before_still_load():
    """A verify under way while the workers are upgraded: its chunks judged before kept
    their keys as savez_compressed wrote them."""
    keys = ChunkKeys.of(_touches())
    buffer = io.BytesIO()
    np.savez_compressed(buffer, lines=keys.lines, keys=keys.keys, wrote=keys.wrote)
    _same(ChunkKeys.load(buffer.getvalue()), keys)
