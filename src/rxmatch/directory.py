"""The Directory: a validated, read-only table of community resources.

Load from a pandas DataFrame, CSV, JSON or JSON Lines. Every row that cannot be used is
reported (row number, id, field, reason) in :attr:`Directory.report`, never silently
dropped; ``strict=True`` raises :class:`DirectoryValidationError` at the first problem
instead. Column reference: ``docs/schema.md``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as _field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._stack import user_stacklevel
from .exceptions import (
    DirectoryValidationError,
    EmptyDirectoryError,
    GeocodingError,
    ScheduleParseError,
    SkippedRowsWarning,
    TextTruncatedWarning,
)
from .features.geo import check_lat_lon, geocode_zip
from .features.schedule import Session, format_sessions, parse_schedule_notes
from .features.text import MAX_TEXT_CHARS, clean_text
from .taxonomy import match_category

if TYPE_CHECKING:  # pandas loads when a table is first read or built, not at import
    import pandas as pd

__all__ = ["Directory", "LoadReport", "RowProblem", "normalize_language", "ACCESSIBILITY_CODES"]

REQUIRED = ("id", "name", "description")
ACCESSIBILITY_CODES = (
    "wheelchair",
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "sign_language",
    "large_print",
    "quiet_space",
    "seated_options",
    "elevator",
    "ramp",
    "disabled_parking",
    "braille",
    "tty",
)
_ACCESS_ALIASES = {
    "wheelchair accessible": "wheelchair",
    "wheelchair_accessible": "wheelchair",
    "step free": "step_free",
    "step-free": "step_free",
    "level access": "step_free",
    "accessible toilet": "accessible_toilet",
    "restroom": "accessible_toilet",
    "accessible restroom": "accessible_toilet",
    "hearing loop": "hearing_loop",
    "loop": "hearing_loop",
    "asl": "sign_language",
    "bsl": "sign_language",
    "deaf_interpreter": "sign_language",
    "sign language": "sign_language",
    "large print": "large_print",
    "tape_braille": "braille",
    "quiet space": "quiet_space",
    "seated options": "seated_options",
    "seated": "seated_options",
    "disabled parking": "disabled_parking",
    "wheelchair_van": "wheelchair_transport",
}
_LANG_ALIASES = {
    "en": "english",
    "eng": "english",
    "inglés": "english",
    "ingles": "english",
    "es": "spanish",
    "spa": "spanish",
    "español": "spanish",
    "espanol": "spanish",
    "castellano": "spanish",
    "zh": "chinese",
    "mandarin": "chinese",
    "cantonese": "chinese",
    "chinese (mandarin)": "chinese",
    "chinese (cantonese)": "chinese",
    "中文": "chinese",
    "tl": "tagalog",
    "filipino": "tagalog",
    "filipino (tagalog)": "tagalog",
    "vi": "vietnamese",
    "tiếng việt": "vietnamese",
    "fr": "french",
    "ru": "russian",
    "ar": "arabic",
    "pl": "polish",
    "ko": "korean",
    "pt": "portuguese",
    "hi": "hindi",
    "asl": "american sign language",
}
_TRUE = {"true", "t", "yes", "y", "1", "si", "sí", "x"}
_FALSE = {"false", "f", "no", "n", "0", ""}


def normalize_language(name: str) -> str:
    """Canonical lower-case English name of a language (``"es"``, ``"Español"`` → ``"spanish"``)."""
    key = str(name).strip().lower()
    return _LANG_ALIASES.get(key, key)


@dataclass(frozen=True)
class RowProblem:
    """A problem with one row: the row number (0-based, in input order), the record id
    (if it has one), the field and the reason; for a CSV file, ``line`` is the file line
    the record starts on (1-based, the header is line 1; ``None`` elsewhere)."""

    row: int
    record_id: str | None
    field: str
    reason: str
    line: int | None = _field(default=None, compare=False)

    def __str__(self) -> str:
        if self.record_id is not None:
            rid = self.record_id if self.line is None else f"{self.record_id} (line {self.line})"
        else:
            rid = f"row {self.row}" if self.line is None else f"line {self.line}"
        return f"{rid}: {self.field}: {self.reason}"


@dataclass(frozen=True)
class LoadReport:
    """What happened while loading a directory.

    ``skipped`` rows were not loaded; ``issues`` are fields that were ignored on rows that
    were loaded (for example an unreadable schedule). ``source`` names where rows came from.
    """

    source: str
    n_input: int
    n_loaded: int
    skipped: tuple[RowProblem, ...] = ()
    issues: tuple[RowProblem, ...] = ()

    @property
    def n_skipped(self) -> int:
        return len(self.skipped)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        rows = [
            {
                "kind": kind,
                "row": p.row,
                "id": p.record_id,
                "field": p.field,
                "reason": p.reason,
                "line": p.line,
            }
            for kind, probs in (("skipped", self.skipped), ("issue", self.issues))
            for p in probs
        ]
        return pd.DataFrame(rows, columns=["kind", "row", "id", "field", "reason", "line"])

    def summary(self) -> str:
        lines = [
            f"{self.source}: {self.n_loaded} of {self.n_input} rows loaded, "
            f"{self.n_skipped} skipped, {len(self.issues)} field issues"
        ]
        if self.skipped:
            reasons = Counter(f"{p.field}: {p.reason.split(' (')[0]}" for p in self.skipped)
            for reason, count in reasons.most_common():
                lines.append(f"  skipped {count} x {reason}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str) and not v.strip():
        return True
    if isinstance(v, (list, tuple, dict, np.ndarray)):
        return False
    pd = sys.modules.get("pandas")  # a pandas NA/NaT exists only once pandas is imported
    if pd is None:
        return isinstance(v, np.floating) and bool(np.isnan(v))
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _as_list(v: Any) -> list[str]:
    if _is_missing(v):
        return []
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return [str(x).strip() for x in v if not _is_missing(x) and str(x).strip()]
    text = str(v)
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return [str(x).strip() for x in parsed if str(x).strip()]
        except json.JSONDecodeError:
            pass
    sep = ";" if ";" in text else ("|" if "|" in text else ",")
    return [p.strip() for p in text.split(sep) if p.strip()]


def _as_bool(v: Any) -> bool | None:
    if _is_missing(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        if v in (0, 1):
            return bool(v)
        raise ValueError("is not a boolean (use true/false)")
    s = str(v)[:20].strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError("is not a boolean (use true/false)")


def _as_float(v: Any) -> float | None:
    """A number, or ``ValueError`` saying what is wrong without echoing the value (a
    10**400 or a 5,000-digit integer must not end in a raw ``OverflowError``, nor in a
    message thousands of characters long)."""
    if _is_missing(v):
        return None
    if isinstance(v, bool):
        raise ValueError("is not a number")
    if isinstance(v, str) and len(v) > 100:
        raise ValueError("is not a number (over 100 characters)")
    try:
        x = float(str(v).strip().rstrip("+")) if isinstance(v, str) else float(v)
    except OverflowError:
        raise ValueError("is not a finite number (too large)") from None
    except (TypeError, ValueError):
        raise ValueError("is not a number") from None
    if not math.isfinite(x):
        raise ValueError("is not a finite number")
    return x


def _as_date(v: Any) -> date | None:
    if _is_missing(v):
        return None
    if isinstance(v, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise ValueError("is not a date (use YYYY-MM-DD)")
    import pandas as pd

    try:
        ts = pd.Timestamp(str(v)[:100] if isinstance(v, str) else v)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("is not a date (use YYYY-MM-DD)") from None
    if pd.isna(ts):
        raise ValueError("is not a date (use YYYY-MM-DD)")
    return ts.date()


_COLUMNS = [
    "id",
    "name",
    "description",
    "category",
    "category_source",
    "tags",
    "address",
    "city",
    "postal_code",
    "lat",
    "lon",
    "online",
    "location_source",
    "phone",
    "url",
    "schedule",
    "sessions",
    "free",
    "cost",
    "min_age",
    "max_age",
    "languages",
    "accessibility",
    "service_radius_km",
    "capacity",
    "last_verified",
    "source",
]


class Directory:
    """A validated, read-only directory of community resources.

    Build it with :meth:`from_frame`, :meth:`from_records`, :meth:`from_csv`,
    :meth:`from_json`, :meth:`from_jsonl` or :meth:`load` (by file extension).

    Examples
    --------
    >>> d = Directory.from_records([
    ...     {"id": "a", "name": "Art club", "description": "Painting for all", "lat": 37.56, "lon": -122.32},
    ...     {"id": "b", "name": "Bad", "description": "", "lat": 37.5, "lon": -122.3},
    ... ])
    >>> len(d), d.report.n_skipped
    (1, 1)
    """

    def __init__(self, frame: pd.DataFrame, report: LoadReport):
        self._frame = frame.reset_index(drop=True)
        self._frame.flags.allows_duplicate_labels = False
        self.report = report
        self._pos = {rid: i for i, rid in enumerate(self._frame["id"])}

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        strict: bool = False,
        source: str = "DataFrame",
        geocode_postal_codes: bool = True,
        extra_problems: Iterable[RowProblem] = (),
        row_numbers: Sequence[int] | None = None,
        extra_issues: Iterable[RowProblem] = (),
    ) -> Directory:
        """Validate a DataFrame in the rxmatch schema (see ``docs/schema.md``).

        ``extra_problems`` lets importers add rows they skipped before this step (for
        example records of another format that could not be mapped), so that one report
        holds every skip; ``extra_issues`` likewise adds notes on rows that were loaded (for
        example text that was not UTF-8). ``row_numbers`` gives the input row number of each frame row
        (default ``0..n-1``), so that those reports and the frame's own agree.
        """
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise TypeError("Directory.from_frame expects a pandas DataFrame")
        df = frame.copy()
        df.columns = [str(c).strip().lstrip("\ufeff").lower() for c in df.columns]
        dup_cols = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
        if dup_cols:
            raise DirectoryValidationError(
                f"the directory has more than one {dup_cols[0]!r} column "
                "(column names are compared without case and surrounding spaces)",
                field=dup_cols[0],
            )
        if "latitude" in df.columns and "lat" not in df.columns:
            df = df.rename(columns={"latitude": "lat"})
        for alt in ("longitude", "lng", "long"):
            if alt in df.columns and "lon" not in df.columns:
                df = df.rename(columns={alt: "lon"})
        if "zip" in df.columns and "postal_code" not in df.columns:
            df = df.rename(columns={"zip": "postal_code"})
        missing = [c for c in REQUIRED if c not in df.columns]
        extra_problems = list(extra_problems)
        if missing and len(df) == 0 and not extra_problems:
            raise EmptyDirectoryError(f"no records in {source}", field="*")
        if missing and len(df) == 0:  # every row was skipped before: say why, not "no 'id'"
            detail = "; ".join(str(p) for p in extra_problems[:5])
            raise EmptyDirectoryError(
                f"no usable records in {source} ({len(extra_problems)} rows read; "
                f"first problems: {detail})",
                field="*",
            )
        if missing:
            raise DirectoryValidationError(
                f"the directory has no {', '.join(repr(c) for c in missing)} column "
                f"(columns found: {', '.join(map(str, df.columns[:20]))})",
                field=missing[0],
            )
        skipped: list[RowProblem] = list(extra_problems)
        n_extra = len(skipped)
        if strict and skipped:
            p = skipped[0]
            raise DirectoryValidationError(
                p.reason, record_id=p.record_id or f"row {p.row}", field=p.field
            )
        issues: list[RowProblem] = []
        notes = {p.row: p for p in extra_issues}
        out: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        records = df.to_dict("records")
        if row_numbers is not None and len(row_numbers) != len(records):
            raise ValueError("row_numbers must give one number per frame row")
        for pos, rec in enumerate(records):
            i = int(row_numbers[pos]) if row_numbers is not None else pos
            row, problem, row_issues = _validate_row(i, rec, source, geocode_postal_codes)
            if problem is None and row is not None and row["id"] in seen:
                problem = RowProblem(
                    i, row["id"], "id", f"duplicate id (first seen at row {seen[row['id']]})"
                )
            if strict and (problem or row_issues):
                p = problem or row_issues[0]
                raise DirectoryValidationError(
                    p.reason, record_id=p.record_id or f"row {p.row}", field=p.field
                )
            if i in notes:
                row_issues.insert(0, RowProblem(i, row["id"] if row else None, notes[i].field,
                                                notes[i].reason))  # fmt: skip
            issues.extend(row_issues)
            if problem is not None:
                skipped.append(problem)
                continue
            assert row is not None
            seen[row["id"]] = i
            out.append(row)
        n_input = len(records) + n_extra  # rows an importer skipped were input rows too
        report = LoadReport(source, n_input, len(out), tuple(skipped), tuple(issues))
        if not out:
            detail = "; ".join(str(p) for p in skipped[:5])
            raise EmptyDirectoryError(
                f"no usable records in {source} ({n_input} rows read"
                + (f"; first problems: {detail})" if detail else ")"),
                field="*",
            )
        if skipped:
            warnings.warn(
                f"{len(skipped)} of {n_input} rows skipped while loading {source}; "
                "see Directory.report",
                SkippedRowsWarning,
                stacklevel=user_stacklevel(),  # the caller's line, not rxmatch's
            )
        result = pd.DataFrame(out, columns=_COLUMNS, dtype=object)
        for col in ("lat", "lon", "min_age", "max_age", "service_radius_km", "capacity"):
            result[col] = pd.to_numeric(result[col], errors="coerce").astype("float64")
        return cls(result, report)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], **kwargs: Any) -> Directory:
        """From an iterable of dicts (for example parsed JSON)."""
        kwargs.setdefault("source", "records")
        return cls.from_frame(_frame_of(list(records)), **kwargs)

    @classmethod
    def from_csv(cls, path: str | Path, *, strict: bool = False, **kwargs: Any) -> Directory:
        """From a CSV file. Handles a UTF-8 BOM, ``;``/tab/``|`` separators (sniffed),
        Windows line endings and multi-line quoted fields."""
        import pandas as pd

        path = Path(path)
        raw = path.read_bytes()
        text, encoding = _decode(raw)
        try:
            sep = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
        _raise_csv_field_limit()
        try:
            rows: list[list[str]] = []
            starts: list[int] = []  # the file line each record starts on (1-based)
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
            while True:
                start = reader.line_num + 1
                r = next(reader, None)
                if r is None:
                    break
                if r:  # blank lines are not records
                    rows.append(r)
                    starts.append(start)
        except csv.Error as exc:
            raise DirectoryValidationError(
                f"{path.name} is not a readable CSV: {exc}", field="*"
            ) from None
        if not rows:
            raise EmptyDirectoryError(f"{path.name} is empty (no header row)", field="*")
        header, body = rows[0], rows[1:]
        seen_cols: dict[str, int] = {}
        for j, col in enumerate(header):  # as pandas: blank names get one, repeats a suffix
            name = col.strip() or f"unnamed: {j}"
            n = seen_cols.get(name, 0)
            seen_cols[name] = n + 1
            header[j] = f"{name}.{n}" if n else name
        good: list[list[str]] = []
        numbers: list[int] = []
        bad: list[RowProblem] = []
        for i, r in enumerate(body):
            if len(r) <= len(header):  # short rows: missing trailing fields are empty (as pandas)
                good.append(r + [""] * (len(header) - len(r)))
                numbers.append(i)
                continue
            rid = r[header.index("id")] if "id" in header and header.index("id") < len(r) else None
            reason = f"has {len(r)} fields, the header has {len(header)}"
            if strict:
                raise DirectoryValidationError(reason, record_id=rid or f"row {i}", field="*")
            bad.append(RowProblem(i, rid, "*", reason))
        frame = pd.DataFrame(good, columns=header, dtype=str)
        kwargs.setdefault("source", path.name)
        notes: list[RowProblem] = []
        if encoding != "utf-8":  # name the rows whose text was not UTF-8
            id_col = header.index("id") if "id" in header else None
            for r, i in zip(good, numbers):
                if any(not _is_utf8(cell, encoding) for cell in r):
                    rid = r[id_col].strip() if id_col is not None else None
                    notes.append(RowProblem(i, rid, "*", _NOT_UTF8.format(encoding=encoding)))
        directory = cls.from_frame(
            frame,
            strict=strict,
            extra_problems=bad,
            row_numbers=numbers,
            extra_issues=notes,
            **kwargs,
        )
        rep = directory.report
        if rep.skipped or rep.issues:  # name the file line of each problem too

            def at_line(p: RowProblem) -> RowProblem:
                ok = 0 <= p.row < len(starts) - 1
                return replace(p, line=starts[p.row + 1]) if ok else p

            directory.report = replace(
                rep,
                skipped=tuple(map(at_line, rep.skipped)),
                issues=tuple(map(at_line, rep.issues)),
            )
        return directory

    @classmethod
    def from_json(cls, path: str | Path, *, strict: bool = False, **kwargs: Any) -> Directory:
        """From a JSON file: a list of records, or an object with a ``resources`` (or
        ``data``/``items``/``records``) list."""
        path = Path(path)
        try:
            data = json.loads(path.read_bytes().decode("utf-8-sig"), parse_int=_json_int)
        except _NumberTooLong:
            raise DirectoryValidationError(
                f"{path.name} holds a number too long to read (over {_MAX_INT_DIGITS} digits)",
                field="*",
            ) from None
        except UnicodeDecodeError as exc:
            raise DirectoryValidationError(
                f"{path.name} is not UTF-8 text (byte {exc.start})", field="*"
            ) from None
        except json.JSONDecodeError as exc:
            raise DirectoryValidationError(
                f"{path.name} is not valid JSON: {exc}", field="*"
            ) from exc
        except RecursionError:
            raise DirectoryValidationError(
                f"{path.name}: JSON nested too deeply", field="*"
            ) from None
        if isinstance(data, dict):
            for key in ("resources", "data", "items", "records", "contents"):
                if isinstance(data.get(key), list):
                    data = data[key]
                    break
        if not isinstance(data, list):
            raise DirectoryValidationError(
                f"{path.name} is {_json_kind(data)}, not a list of records", field="*"
            )
        bad = [
            RowProblem(i, None, "*", "not a JSON object")
            for i, r in enumerate(data)
            if not isinstance(r, dict)
        ]
        kwargs.setdefault("source", path.name)
        return cls.from_frame(
            _frame_of([r for r in data if isinstance(r, dict)]),
            strict=strict,
            extra_problems=bad,
            row_numbers=[i for i, r in enumerate(data) if isinstance(r, dict)],
            **kwargs,
        )

    @classmethod
    def from_jsonl(cls, path: str | Path, *, strict: bool = False, **kwargs: Any) -> Directory:
        """From JSON Lines: one JSON object per line; unreadable lines are reported."""
        path = Path(path)
        recs: list[dict[str, Any]] = []
        numbers: list[int] = []
        bad: list[RowProblem] = []
        raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
        for i, bline in enumerate(raw.splitlines()):
            try:
                line = bline.decode("utf-8")
            except UnicodeDecodeError:
                if strict:
                    raise DirectoryValidationError(
                        f"line {i + 1} is not UTF-8 text", field="*"
                    ) from None
                bad.append(RowProblem(i, None, "*", f"line {i + 1} is not UTF-8 text"))
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line, parse_int=_json_int)
            except _NumberTooLong:
                reason = f"line {i + 1} holds a number over {_MAX_INT_DIGITS} digits"
                if strict:
                    raise DirectoryValidationError(reason, field="*") from None
                bad.append(RowProblem(i, None, "*", reason))
                continue
            except (json.JSONDecodeError, RecursionError) as exc:
                if strict:
                    raise DirectoryValidationError(
                        f"line {i + 1} is not valid JSON: {getattr(exc, 'msg', exc)}",
                        field="*",
                    ) from exc
                bad.append(RowProblem(i, None, "*", f"line {i + 1} is not valid JSON"))
                continue
            if not isinstance(obj, dict):
                bad.append(RowProblem(i, None, "*", f"line {i + 1} is not a JSON object"))
                continue
            recs.append(obj)
            numbers.append(i)
        kwargs.setdefault("source", path.name)
        return cls.from_frame(
            _frame_of(recs), strict=strict, extra_problems=bad, row_numbers=numbers, **kwargs
        )

    @classmethod
    def load(cls, path: str | Path, **kwargs: Any) -> Directory:
        """Load by file extension: ``.csv``/``.tsv``, ``.json``, ``.jsonl``/``.ndjson``."""
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"directory file not found: {p}")
        suffix = p.suffix.lower()
        if suffix in (".csv", ".tsv", ".txt"):
            return cls.from_csv(p, **kwargs)
        if suffix in (".jsonl", ".ndjson"):
            return cls.from_jsonl(p, **kwargs)
        if suffix == ".json":
            return cls.from_json(p, **kwargs) if _is_json_doc(p) else cls.from_jsonl(p, **kwargs)
        raise DirectoryValidationError(f"unknown directory file type {suffix!r}", field="*")

    # ---- access -------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        """A copy of the validated table (one row per resource)."""
        return self._frame.copy()

    @property
    def ids(self) -> list[str]:
        return list(self._frame["id"])

    def __len__(self) -> int:
        return len(self._frame)

    def __contains__(self, rid: object) -> bool:
        return rid in self._pos

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._frame.to_dict("records"))

    def get(self, rid: str) -> dict[str, Any]:
        """One resource as a dict."""
        try:
            return self._frame.iloc[self._pos[rid]].to_dict()
        except KeyError:
            raise KeyError(f"no resource with id {rid!r}") from None

    def position(self, rid: str) -> int:
        return self._pos[rid]

    def to_frame(self) -> pd.DataFrame:
        """The table in the input schema (schedule as text, lists ``;``-joined)."""
        df = self._frame.drop(columns=["sessions"]).copy()
        for col in ("tags", "languages", "accessibility"):
            df[col] = df[col].map(lambda v: ";".join(v))
        return df

    def __repr__(self) -> str:
        return f"Directory({len(self)} resources from {self.report.source}, {self.report.n_skipped} skipped)"


def _frame_of(records: list[Any]) -> pd.DataFrame:
    """Records as a frame of plain Python objects. pandas' inferred Arrow strings would
    encode every text at construction and fail on a lone surrogate with an error holding
    the whole text; the row checks clean the text first (lone surrogates become U+FFFD).
    Any error of that kind left is an :class:`RxMatchError` without the text."""
    import pandas as pd

    try:
        return pd.DataFrame(records, dtype=object)
    except (UnicodeError, TypeError, ValueError) as exc:
        raise DirectoryValidationError(
            f"the records cannot be read as a table ({type(exc).__name__})", field="*"
        ) from None


def _is_json_doc(p: Path) -> bool:
    """Whether the file is one JSON document (a list, an object, or a bare number, string
    or null, which :meth:`Directory.from_json` names), not JSON Lines."""
    try:
        json.loads(p.read_bytes().decode("utf-8-sig"), parse_int=_json_int)
        return True
    except _NumberTooLong:
        return True  # from_json names the problem
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError too
        return False


#: Longest integer read from JSON (Python refuses to convert over 4,300 digits with a raw
#: ValueError; no directory field needs more than a few).
_MAX_INT_DIGITS = 400


class _NumberTooLong(Exception):
    pass


def _json_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS:
        raise _NumberTooLong
    return int(text)


def _json_kind(value: Any) -> str:
    if value is None:
        return "JSON null"
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, (int, float)):
        return "a JSON number"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, list):
        return "a JSON list"
    return "a JSON object without a list of records"


_NOT_UTF8 = "text is not UTF-8; read as {encoding}"
_CSV_FIELD_LIMIT = 64 * 1024 * 1024


def _raise_csv_field_limit() -> None:
    """Let a CSV field be up to 64 MB (the csv module refuses the whole file at 131,072
    characters); long texts are then truncated by the row checks and reported."""
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)


def _decode(raw: bytes) -> tuple[str, str]:
    """A file's text and its encoding: UTF-8 (a BOM is dropped) when it is valid UTF-8,
    else Windows-1252 (latin-1 for the five bytes it leaves undefined), the encoding of
    spreadsheet exports on Windows; the rows that were not UTF-8 are then reported."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _is_utf8(cell: str, encoding: str) -> bool:
    if cell.isascii():
        return True
    try:
        cell.encode("cp1252" if encoding == "Windows-1252" else "latin-1").decode("utf-8")
        return True
    except UnicodeError:
        return False


def _validate_row(
    i: int, rec: dict[str, Any], source: str, geocode: bool
) -> tuple[dict[str, Any] | None, RowProblem | None, list[RowProblem]]:
    issues: list[RowProblem] = []
    from .io._fields import (  # local: rxmatch.io imports this module
        MAX_ID_CHARS,
        MAX_SHORT_CHARS,
        clean_short_field,
        scrub_surrogates,
    )

    rid_raw = rec.get("id")
    if _is_missing(rid_raw):
        return None, RowProblem(i, None, "id", "missing id"), issues
    if isinstance(rid_raw, float) and rid_raw.is_integer():
        rid_raw = int(rid_raw)
    if isinstance(rid_raw, int) and abs(rid_raw) > 10**MAX_ID_CHARS:
        return None, RowProblem(i, None, "id", f"longer than {MAX_ID_CHARS} characters"), issues
    rid, changes = clean_short_field(rid_raw, max_chars=MAX_ID_CHARS)
    if any(c.startswith("longer") for c in changes):
        return None, RowProblem(i, None, "id", f"longer than {MAX_ID_CHARS} characters"), issues
    if not rid:
        return None, RowProblem(i, None, "id", "id is empty once cleaned"), issues

    def issue(fieldname: str, reason: str) -> None:
        issues.append(RowProblem(i, rid, fieldname, reason))

    if changes:
        issue("id", f"cleaned ({'; '.join(changes)})")

    def text(fieldname: str, max_chars: int) -> str:
        """A free-text field through the text cleaning, with truncation reported."""
        v = rec.get(fieldname)
        if isinstance(v, str):
            v = scrub_surrogates(v)
        out = clean_text(v, max_chars=max_chars + 1, what=fieldname)
        if len(out) > max_chars:  # warned (TextTruncatedWarning) and reported
            issue(fieldname, f"truncated to {max_chars} characters")
            warnings.warn(
                f"{fieldname} of a record truncated to {max_chars} characters",
                TextTruncatedWarning,
                stacklevel=4,
            )
            out = out[:max_chars]
        return out

    name = text("name", 500)
    if not name:
        return None, RowProblem(i, rid, "name", "empty name"), issues
    description = text("description", MAX_TEXT_CHARS)
    if not description:
        return None, RowProblem(i, rid, "description", "empty description"), issues

    try:
        online = bool(_as_bool(rec.get("online")))
    except ValueError as exc:
        issue("online", str(exc))
        online = False

    def short(fieldname: str, value: Any) -> tuple[str | None, list[str]]:
        """A short field through the one cleaning; too long: dropped. Reported either way."""
        out, changes = clean_short_field(value, max_chars=MAX_SHORT_CHARS[fieldname])
        if any(c.startswith("longer") for c in changes):
            issue(fieldname, f"an item {changes[-1]} was dropped")
            return None, changes
        if changes:
            issue(fieldname, f"cleaned ({'; '.join(changes)})")
        return out or None, changes

    def short_list(fieldname: str) -> list[str]:
        out = []
        for item in _as_list(rec.get(fieldname)):
            value, _ = short(fieldname, item)
            if value:
                out.append(value)
        return out

    lat = lon = None
    location_source = None
    raw_lat, raw_lon = rec.get("lat"), rec.get("lon")
    if not _is_missing(raw_lat) or not _is_missing(raw_lon):
        try:
            lat, lon = _as_float(raw_lat), _as_float(raw_lon)
        except ValueError as exc:
            fieldname = "lat" if _bad_number(raw_lat) else "lon"
            return None, RowProblem(i, rid, fieldname, str(exc)), issues
        if lat is None or lon is None:
            fieldname = "lat" if lat is None else "lon"
            return (
                None,
                RowProblem(i, rid, fieldname, "has lon without lat or lat without lon"),
                issues,
            )
        msg = check_lat_lon(lat, lon)
        if msg:
            return None, RowProblem(i, rid, "lat" if "latitude" in msg else "lon", msg), issues
        location_source = "coordinates"
    postal = rec.get("postal_code")
    postal_code = None
    if not _is_missing(postal):
        postal_code, changes = short("postal_code", postal)
        postal_code = postal_code.removesuffix(".0") if postal_code else None
    if lat is None and postal_code and geocode:
        try:
            lat, lon = geocode_zip(postal_code)
            location_source = "postal_code"
        except GeocodingError as exc:
            if not online:
                return None, RowProblem(i, rid, "postal_code", str(exc)), issues
            issue("postal_code", str(exc))
    if lat is None and not online:
        return (
            None,
            RowProblem(
                i, rid, "lat", "no place: give lat and lon, a US postal_code, or online=true"
            ),
            issues,
        )
    if lat is None:
        location_source = "online"

    category = None
    category_source = None
    raw_cat = rec.get("category")
    if not _is_missing(raw_cat):
        category = match_category(clean_short_field(raw_cat, max_chars=200)[0])
        if category is None:
            issue("category", f"unknown category {str(raw_cat)[:60]!r}; it will be inferred")
        else:
            category_source = "given"

    sessions: tuple[Session, ...] = ()
    schedule_text = None
    raw_sched = rec.get("schedule")
    if not _is_missing(raw_sched) if not isinstance(raw_sched, (list, tuple)) else raw_sched:
        try:
            sessions, notes = parse_schedule_notes(raw_sched)
            schedule_text = format_sessions(sessions)
            for note in notes:
                issue("schedule", note)
        except ScheduleParseError as exc:
            issue("schedule", str(exc))

    nums: dict[str, float | None] = {}
    for col in ("min_age", "max_age", "service_radius_km", "capacity"):
        try:
            nums[col] = _as_float(rec.get(col))
        except ValueError as exc:
            issue(col, str(exc))
            nums[col] = None
        if nums[col] is not None and nums[col] < 0:
            issue(col, "is negative")
            nums[col] = None
    if (
        nums["min_age"] is not None
        and nums["max_age"] is not None
        and nums["min_age"] > nums["max_age"]
    ):
        issue("max_age", f"min_age {nums['min_age']} is above max_age {nums['max_age']}")
        nums["min_age"] = nums["max_age"] = None

    try:
        free = _as_bool(rec.get("free"))
    except ValueError as exc:
        issue("free", str(exc))
        free = None
    cost = text("cost", 300) or None
    if (
        free is None
        and cost
        and cost.lower().strip(" .") in ("free", "none", "no fee", "no cost", "gratis", "$0")
    ):
        free = True

    try:
        last_verified = _as_date(rec.get("last_verified"))
    except ValueError as exc:
        issue("last_verified", str(exc))
        last_verified = None

    access: list[str] = []
    for a in short_list("accessibility"):
        key = a.strip().lower()
        access.append(_ACCESS_ALIASES.get(key, key.replace(" ", "_")))

    row = {
        "id": rid,
        "name": name,
        "description": description,
        "category": category,
        "category_source": category_source,
        "tags": tuple(t.lower() for t in short_list("tags")),
        "address": text("address", 500) or None,
        "city": text("city", 200) or None,
        "postal_code": postal_code,
        "lat": lat,
        "lon": lon,
        "online": online,
        "location_source": location_source,
        "phone": text("phone", 100) or None,
        "url": text("url", 500) or None,
        "schedule": schedule_text,
        "sessions": sessions,
        "free": free,
        "cost": cost,
        "min_age": nums["min_age"],
        "max_age": nums["max_age"],
        "languages": tuple(dict.fromkeys(normalize_language(x) for x in short_list("languages"))),
        "accessibility": tuple(dict.fromkeys(access)),
        "service_radius_km": nums["service_radius_km"],
        "capacity": nums["capacity"],
        "last_verified": last_verified,
        "source": text("source", 200) or source,
    }
    return row, None, issues


def _bad_number(v: Any) -> bool:
    try:
        _as_float(v)
        return False
    except ValueError:
        return True
