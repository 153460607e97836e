"""How the ledger stores an event's state: eventsourcing's JSON, deflated against a fixed
dictionary of the keys, topics and vocabulary codes every event repeats.

A disclosure's JSON is about 1,250 bytes, of which the random parts (seal, salt, commitment,
digest, tag) are under 300 as bytes; plain zlib saves a third, deflate with this dictionary two
thirds, because most of an event is the same keys in the same order. The stored bytes start with
a format byte; events stored before it start with ``{`` and are read as they are, so an existing
ledger keeps its events (and their digests) unchanged.

Format 2 (new events since): zstd with a trained dictionary (`state_dictionary_v2.bin`, made by
`bench/state_dictionary.py`). Deflating an event took 35-55 µs and inflating it 5-10 µs, a tenth
of recording a batch and a third of a verify's worker; zstd takes 5-10 µs and 2-3 µs, and its
events are about a tenth smaller. Events of format 1 read as before.
"""

from __future__ import annotations

import functools
import threading
import zlib
from pathlib import Path

import zstandard
from eventsourcing.persistence import Compressor

# Never edit: the events stored in this format inflate only with these exact bytes. A better
# dictionary is a new format byte beside this one.
_DICTIONARY_V1 = (
    b'"explicit_consent","employment_social_security","vital_interests","legal_claims","substantia'
    b'l_public_interest","occupational_medicine","adequacy_decision","standard_contractual_clauses'
    b'","binding_corporate_rules","derogation","consent","protection_of_others","public_interest",'
    b'"employee","zzp","contact","candidate","contract","legal_obligation","public_task","legitima'
    b'te_interests","nationaliteit","bsn","kopie_id","werkvergunning","loonheffingsverklaring","ba'
    b'nkrekening","gezinsleden","vog","vca","diploma","referenties","medisch","verzuim","beschikba'
    b'arheid","verlof","sociale_premies","salaris","personeelsdossier","beoordeling","klachten_waa'
    b'rschuwingen","kvk_uittreksel","btw_nummer","verzekeringspolis","naam","contactgegevens","geb'
    b'oortedatum","functie","pasfoto","camerabeelden","inlener","uwv","belastingdienst","arbodiens'
    b't","pensioenfonds","intermediair","opleidingsinstituut","financiele_dienstverlener","account'
    b'ant","juridisch_dienstverlener","deurwaarder","verzekeraar","certificeringsinstantie","toezi'
    b'chthouder","overheidsinstantie","opsporingsinstantie","reintegratiepartner","hulpverlener"{"'
    b'timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00.000000+00:00"},"changes":{'
    b'},"sealed":null,"reason":"","actor":"","subject_tag":"","commitment":"","salt":""}{"timestam'
    b'p":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00.000000+00:00"},"reason":"","actor"'
    b':"","subject_tag":"","commitment":"","salt":""}{"timestamp":{"_type_":"datetime_iso","_data_'
    b'":"2026-01-01T00:00:00.000000+00:00"},"originator_topic":"ledger.domain.disclosure:Disclosur'
    b'e","fields":{"controller":"","subject_kind":"employee","recipient":{"category":"","name":"",'
    b'"id":null,"country":"NL"},"data_categories":["naam","bsn","geboortedatum","salaris"],"legal_'
    b'basis":"legal_obligation","special_category_condition":null,"legal_provision":"Wet ","consen'
    b't_reference":null,"purpose":"","occurred_at":"2026-01-01T00:00:00+01:00","transfer":null,"so'
    b'urce_system":"","suppressed_until":null,"suppression_authority":null},"sealed":"","subject_t'
    b'ag":"","digest":"","actor":"","commitment":"","salt":""}'
)
FORMAT_V1 = 0x01
FORMAT_V2 = 0x02
_JSON = ord("{")
# Raw deflate (the format byte is the header). Inflating takes the largest window, which reads
# any smaller one; deflating uses an 8 KiB window and small tables: the dictionary and an event
# fit in it, and setting up zlib's default 32 KiB window and 128 KiB tables for every event cost
# four times the compression itself.
_WBITS = -15
_DEFLATE_WBITS = -13
_DEFLATE_MEMORY = 7


class StateCodecError(ValueError):
    """Stored state in no format this ledger knows."""


# The size `bench/state_dictionary.py` trains a dictionary to.
DICTIONARY_SIZE = 8192
# Never replace: the events stored in format 2 decompress only with these exact bytes. A better
# dictionary is a new format byte beside this one.
DICTIONARY_V2_FILE = Path(__file__).resolve().parent / "state_dictionary_v2.bin"
# A frame without zstd's magic number, checksum or dictionary id (the format byte says what it
# is, and the event's digest in its leaf guards its bytes), with its length in its header.
_ZSTD_FORMAT = zstandard.FORMAT_ZSTD1_MAGICLESS
_ZSTD_PARAMETERS = zstandard.ZstdCompressionParameters.from_level(
    3,
    format=_ZSTD_FORMAT,
    write_content_size=True,
    write_checksum=False,
    write_dict_id=False,
)
# No state is near this long (a disclosure's is about 1,250 bytes); a stored header that claims
# more is refused before anything is allocated for it.
MAX_STATE = 16 * 1024 * 1024


@functools.cache
def _dictionary_v2() -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(
        DICTIONARY_V2_FILE.read_bytes(), dict_type=zstandard.DICT_TYPE_FULLDICT
    )


class _Zstd:
    """A compressor and a decompressor with format 2's dictionary. zstd's contexts serve one
    thread at a time, so each thread (and process) makes its own (`_zstd()`)."""

    def __init__(self) -> None:
        dictionary = _dictionary_v2()
        self.compressor = zstandard.ZstdCompressor(
            dict_data=dictionary, compression_params=_ZSTD_PARAMETERS
        )
        self.decompressor = zstandard.ZstdDecompressor(dict_data=dictionary, format=_ZSTD_FORMAT)


_local = threading.local()


def _zstd() -> _Zstd:
    try:
        zstd: _Zstd = _local.zstd
    except AttributeError:
        zstd = _local.zstd = _Zstd()
    return zstd


def pack(state: bytes) -> bytes:
    """A stored state for new events: the format byte, then a zstd frame with the dictionary."""
    return bytes((FORMAT_V2,)) + _zstd().compressor.compress(state)


def pack_v1(state: bytes) -> bytes:
    """A stored state of format 1 (raw deflate with its dictionary), as events were stored
    before format 2: for tests that a ledger keeps reading them."""
    deflate = zlib.compressobj(
        9, zlib.DEFLATED, _DEFLATE_WBITS, _DEFLATE_MEMORY, zlib.Z_DEFAULT_STRATEGY, _DICTIONARY_V1
    )
    return bytes((FORMAT_V1,)) + deflate.compress(state) + deflate.flush()


def unpack(stored: bytes) -> bytes:
    """The JSON of a stored state, of any format this ledger has written."""
    if not stored:
        raise StateCodecError("an empty stored state")
    if stored[0] == _JSON:
        return stored
    if stored[0] == FORMAT_V2:
        frame = memoryview(stored)[1:]
        try:
            length = zstandard.get_frame_parameters(frame, format=_ZSTD_FORMAT).content_size
            if length > MAX_STATE:  # unknown (-1) is refused by `decompress`
                raise StateCodecError(f"a stored state claims {length} bytes")
            return _zstd().decompressor.decompress(frame)
        except zstandard.ZstdError as error:
            raise StateCodecError(f"a stored state does not decompress: {error}") from None
    if stored[0] == FORMAT_V1:
        inflate = zlib.decompressobj(_WBITS, zdict=_DICTIONARY_V1)
        try:
            # Without a limit on its length, `decompress` hands over everything up to the end
            # of the stream: a stream that ended leaves nothing for `flush`.
            state = inflate.decompress(memoryview(stored)[1:])
        except zlib.error as error:
            raise StateCodecError(f"a stored state does not inflate: {error}") from None
        if not inflate.eof:
            raise StateCodecError("a stored state is cut short")
        return state
    raise StateCodecError(f"unknown stored state format {stored[0]}")


class StateCompressor(Compressor):
    """eventsourcing's hook for the codec (its `COMPRESSOR_TOPIC`)."""

    def compress(self, data: bytes) -> bytes:
        return pack(data)

    def decompress(self, data: bytes) -> bytes:
        return unpack(data)
