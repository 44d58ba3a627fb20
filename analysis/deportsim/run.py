"""Reading deportsim run files (``format = "deportsim-run"``, docs/output-format.md).

:func:`open_run` returns a :class:`Run`: a context manager over an open ``h5py.File`` that
checks the file type and major format version, reads data only when asked, and labels it.
Every accessor returns plain numpy arrays; when xarray is importable, :meth:`Run.da`,
:meth:`Run.stocks_da`, :meth:`Run.flows_da` and :meth:`Run.to_xarray` return labelled
DataArrays and Datasets with dates on the time axis and names on every other axis.

    >>> from deportsim import open_run
    >>> with open_run("out/baseline.h5") as run:
    ...     detained = run.stocks(status="detained")        # (time, country, group)
    ...     by_status = run.totals("stocks", keep=("time", "status"))
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import h5py
import numpy as np

from .versions import PERSONS_MAJOR as PERSONS_SUPPORTED_MAJOR
from .versions import RUN_FORMAT as FORMAT
from .versions import RUN_MAJOR as SUPPORTED_MAJOR
from .versions import RUN_PARAMETERS_MINOR

STATUSES = (
    "in_transit",
    "at_large",
    "detained",
    "imprisoned",
    "sheltered",
    "returned",
    "settled",
    "dead_or_missing",
)

# Dimensions of every documented variable, used when a file lacks attached dimension scales
# (the writer attaches them; this keeps the reader useful on a file produced by other tools).
DOCUMENTED_DIMS: dict[str, tuple[str, ...]] = {
    "time": ("time",),
    "country": ("country",),
    "country_name": ("country",),
    "country_on_map": ("country",),
    "status": ("status",),
    "group": ("group",),
    "group_nationality": ("group",),
    "group_profile": ("group",),
    "destination": ("destination",),
    "programme": ("programme",),
    "agreement": ("agreement",),
    "facility": ("facility",),
    "facility_country": ("facility",),
    "facility_kind": ("facility",),
    "facility_capacity": ("facility",),
    "stocks": ("time", "country", "status", "group"),
    "removals_by_destination": ("time", "country", "destination"),
    "deterrence_factor": ("time",),
    "programme_flights": ("time", "programme"),
    "programme_passengers": ("time", "programme"),
    "programme_cost": ("time", "programme"),
    "programme_budget_left": ("time", "programme"),
    "agreement_transfers": ("time", "agreement"),
    "agreement_held": ("time", "agreement"),
    "agreement_fees": ("time", "agreement"),
    "agreement_quota_used": ("time", "agreement"),
    "facility_occupancy": ("time", "facility"),
    "facility_cost": ("time", "facility"),
}
FLOW_DIMS = ("time", "country", "group")
# The flows in the order docs/output-format.md lists them (the order the engine defines them).
FLOWS = (
    "departures",
    "remigrations",
    "deaths",
    "interdictions",
    "apprehensions",
    "arrests",
    "detention_intake",
    "overflow_releases",
    "max_detention_releases",
    "removals",
    "returns_received",
    "transfers_received",
    "onward_returns",
    "prison_releases",
    "settlements",
    "absconded",
    "arrivals",
    "permit_releases",
)

# The dimensions a run file may have; each has a coordinate variable of the same name.
DIMENSIONS = (
    "time", "country", "status", "group", "destination", "programme", "agreement", "facility",
)

# Elements read at once when summing a large variable block by block along time.
_BLOCK_ELEMENTS = 1 << 22


class FormatError(ValueError):
    """The file is not a deportsim run file, or one of a format version this reader refuses."""


def _text(value) -> str:
    """An HDF5 string (variable- or fixed-length, bytes or str, scalar or 1-element) as str."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise TypeError(f"expected one string, got an array of shape {value.shape}")
        value = value.reshape(())[()]
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    return str(value)


def _attr_value(value):
    """An attribute as a plain Python value: str, int, float, or a list of those."""
    if isinstance(value, (bytes, np.bytes_, str)):
        return _text(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SOU":
            items = [_text(v) for v in value.ravel()]
            return items[0] if value.ndim == 0 else items
        if value.ndim == 0:
            return value[()].item()
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _labels(dataset: h5py.Dataset) -> np.ndarray:
    """A 1-D dataset of strings (any HDF5 string flavour) as a numpy unicode array."""
    if dataset.dtype.kind in "SO" or h5py.check_string_dtype(dataset.dtype) is not None:
        values = dataset.asstr()[()]
    else:
        values = dataset[()]
    return np.array([_text(v) for v in np.asarray(values).ravel()], dtype=str)


class Run:
    """An open run file. Use :func:`open_run` to make one; close it or use ``with``.

    Labels (numpy arrays): :attr:`countries`, :attr:`statuses`, :attr:`groups` (with
    :attr:`group_nationality` and :attr:`group_profile`), :attr:`destinations`,
    :attr:`programmes`, :attr:`agreements`, :attr:`facilities` (with
    :attr:`facility_country`, :attr:`facility_kind`, :attr:`facility_capacity`).
    Time: :attr:`times` (days since :attr:`start_date`), :attr:`dates` (datetime64[D]),
    :attr:`datetimes` (datetime64[s], exact for steps shorter than a day).
    Data: :meth:`read` (any variable, optionally selected by label), :meth:`stocks`,
    :meth:`flow`, :meth:`totals`; lazily, :meth:`variable` gives the h5py dataset itself.
    Agents-mode runs: :attr:`has_persons`, :meth:`persons` and :meth:`persons_variable` read
    the group ``/persons``.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            partial = Path(str(self.path) + ".partial")
            if partial.exists():
                raise FileNotFoundError(
                    f"{self.path}: no such file ({partial.name} exists: the run has not "
                    "completed, or it failed)"
                )
            raise FileNotFoundError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise FormatError(f"{self.path}: is a directory, not a deportsim run file")
        try:
            self._file = h5py.File(self.path, "r")
        except OSError as error:
            raise FormatError(
                f"{self.path}: not an HDF5 file, so not a deportsim run file ({error})"
            ) from None
        try:
            self._check_format()
        except BaseException:
            self._file.close()
            raise

    def _check_format(self) -> None:
        attrs = self._file.attrs
        if "format" not in attrs:
            raise FormatError(
                f"{self.path}: not a deportsim run file (no 'format' attribute at the root; "
                f"expected format = {FORMAT!r})"
            )
        kind = _text(attrs["format"])
        if kind != FORMAT:
            raise FormatError(
                f"{self.path}: not a deportsim run file (format = {kind!r}, expected {FORMAT!r})"
            )
        if "format_version" not in attrs:
            raise FormatError(f"{self.path}: run file has no 'format_version' attribute")
        version = np.asarray(attrs["format_version"]).ravel()
        if version.size < 1 or version.dtype.kind not in "iu":
            raise FormatError(
                f"{self.path}: format_version must be two integers [major, minor], "
                f"got {version.tolist()!r}"
            )
        major = int(version[0])
        minor = int(version[1]) if version.size > 1 else 0
        if major != SUPPORTED_MAJOR:
            raise FormatError(
                f"{self.path}: run file format version {major}.{minor} is not supported; this "
                f"reader reads major version {SUPPORTED_MAJOR} (deportsim analysis "
                "package and engine versions differ)"
            )
        self.format_version = (major, minor)

    # -- context manager ---------------------------------------------------------------

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._file.id.valid:
            self._file.close()

    def __repr__(self) -> str:
        state = "open" if self._file.id.valid else "closed"
        return (
            f"<deportsim.Run {str(self.path)!r} ({state}): scenario {self.scenario_name!r}, "
            f"mode {self.attrs.get('mode')}, {len(self.times)} records from {self.start_date}>"
        )

    # -- metadata ----------------------------------------------------------------------

    @functools.cached_property
    def attrs(self) -> dict:
        """Root attributes as plain Python values (strings decoded, arrays as lists)."""
        return {key: _attr_value(value) for key, value in self._file.attrs.items()}

    @property
    def scenario_name(self) -> str:
        return str(self.attrs.get("scenario_name", ""))

    @property
    def scenario_sha256(self) -> str:
        return str(self.attrs.get("scenario_sha256", ""))

    @property
    def scenario_yaml(self) -> str:
        """The scenario text the run used (to show or keep; every parameter the package needs
        is a variable of the group ``parameters``: :meth:`parameter`)."""
        return str(self.attrs.get("scenario_yaml", ""))

    @property
    def scenario_description(self) -> str | None:
        """The scenario's ``description`` (root attribute since format 1.1; None in an older
        file)."""
        value = self.attrs.get("scenario_description")
        return None if value is None else str(value)

    @property
    def mode(self) -> str:
        return str(self.attrs.get("mode", ""))

    @property
    def seed(self) -> int | None:
        seed = self.attrs.get("seed")
        return None if seed is None else int(seed)

    @property
    def dt_days(self) -> float:
        if "dt_days" in self.attrs:
            return float(self.attrs["dt_days"])
        times = self.times
        return float(times[1] - times[0]) if len(times) > 1 else 1.0

    @functools.cached_property
    def start_date(self) -> np.datetime64:
        """The date of time 0 (root attribute ``start_date``, else the time units)."""
        start = self.attrs.get("start_date")
        if not start:
            units = _text(self._file["time"].attrs.get("units", ""))
            if "since" not in units:
                raise FormatError(f"{self.path}: no start_date attribute and no time units")
            start = units.split("since", 1)[1].strip()
        try:
            return np.datetime64(str(start)[:10], "D")
        except ValueError:
            raise FormatError(f"{self.path}: start_date {start!r} is not an ISO date") from None

    def source_line(self) -> str:
        """One line naming the run, for figure captions and reports."""
        sha = self.scenario_sha256[:12] or "unknown"
        parts = [f"scenario \u201c{self.scenario_name}\u201d (sha256 {sha})"]
        if self.mode:
            parts.append(f"{self.mode} mode")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        engine = self.attrs.get("engine_version")
        if engine:
            parts.append(f"engine {engine}")
        return "Source: deportsim run, " + ", ".join(parts)

    # -- coordinates -------------------------------------------------------------------

    def has(self, name: str) -> bool:
        """Whether the file holds variable ``name`` (e.g. ``"programme_cost"``, ``"flows/deaths"``)."""
        return name in self._file and isinstance(self._file[name], h5py.Dataset)

    def _labels_or_empty(self, name: str) -> np.ndarray:
        return _labels(self._file[name]) if self.has(name) else np.array([], dtype=str)

    @functools.cached_property
    def times(self) -> np.ndarray:
        """Time of each record in days since :attr:`start_date` (0 is the initial state)."""
        return np.asarray(self._file["time"][()], dtype=float)

    @functools.cached_property
    def datetimes(self) -> np.ndarray:
        """Exact time of each record as datetime64[s]."""
        seconds = np.round(self.times * 86400.0).astype("int64").astype("timedelta64[s]")
        return self.start_date.astype("datetime64[s]") + seconds

    @functools.cached_property
    def dates(self) -> np.ndarray:
        """Date of each record as datetime64[D] (``start_date + time``, rounded down to a day)."""
        return self.datetimes.astype("datetime64[D]")

    @functools.cached_property
    def countries(self) -> np.ndarray:
        """ISO alpha-3 codes of the country axis."""
        return _labels(self._file["country"])

    @functools.cached_property
    def country_names(self) -> np.ndarray:
        if self.has("country_name"):
            return _labels(self._file["country_name"])
        return self.countries.copy()

    @functools.cached_property
    def country_on_map(self) -> np.ndarray:
        if self.has("country_on_map"):
            return np.asarray(self._file["country_on_map"][()]).astype(bool)
        return np.ones(len(self.countries), dtype=bool)

    @functools.cached_property
    def statuses(self) -> np.ndarray:
        return self._labels_or_empty("status") if self.has("status") else np.array(STATUSES)

    @functools.cached_property
    def groups(self) -> np.ndarray:
        """Group ids ``NAT/profile``; see :attr:`group_nationality` and :attr:`group_profile`."""
        return _labels(self._file["group"])

    @functools.cached_property
    def group_nationality(self) -> np.ndarray:
        if self.has("group_nationality"):
            return _labels(self._file["group_nationality"])
        return np.array([g.split("/", 1)[0] for g in self.groups], dtype=str)

    @functools.cached_property
    def group_profile(self) -> np.ndarray:
        if self.has("group_profile"):
            return _labels(self._file["group_profile"])
        return np.array([g.split("/", 1)[-1] for g in self.groups], dtype=str)

    @functools.cached_property
    def destinations(self) -> np.ndarray:
        return self._labels_or_empty("destination") if self.has("destination") else self.countries

    @functools.cached_property
    def programmes(self) -> np.ndarray:
        """Flight programme ids (empty when the scenario has none)."""
        return self._labels_or_empty("programme")

    @functools.cached_property
    def agreements(self) -> np.ndarray:
        """Agreement ids (empty when the scenario has none)."""
        return self._labels_or_empty("agreement")

    @functools.cached_property
    def facilities(self) -> np.ndarray:
        """Facility ids (empty when the scenario has none)."""
        return self._labels_or_empty("facility")

    @functools.cached_property
    def facility_country(self) -> np.ndarray:
        return self._labels_or_empty("facility_country")

    @functools.cached_property
    def facility_kind(self) -> np.ndarray:
        return self._labels_or_empty("facility_kind")

    @functools.cached_property
    def facility_capacity(self) -> np.ndarray:
        if self.has("facility_capacity"):
            return np.asarray(self._file["facility_capacity"][()], dtype=float)
        return np.zeros(len(self.facilities))

    # -- parameters in force (format 1.1) ----------------------------------------------

    @property
    def has_parameters(self) -> bool:
        """Whether the file has the group ``parameters``: the parameters in force at each
        record (run-file format 1.1 on; docs/output-format.md)."""
        return "parameters" in self._file and isinstance(self._file["parameters"], h5py.Group)

    def _require_parameters(self) -> None:
        if not self.has_parameters:
            major, minor = self.format_version
            raise FormatError(
                f"{self.path}: run file format {major}.{minor} has no group 'parameters' (the "
                f"parameters in force, from format {major}.{RUN_PARAMETERS_MINOR} on); run the "
                "scenario again with the current engine"
            )

    def parameter_names(self) -> list[str]:
        """The time-indexed variables of ``parameters``, in file order (empty without it)."""
        if not self.has_parameters:
            return []
        return [name for name, obj in self._file["parameters"].items()
                if isinstance(obj, h5py.Dataset) and obj.ndim >= 1 and len(obj.dims[0])
                and obj.dims[0][0].name.rsplit("/", 1)[-1] == "time"]

    def parameter(self, name: str, **selection) -> np.ndarray:
        """The parameter ``name`` in force at each record, (time, ...), selected by label as
        :meth:`read`: ``run.parameter("facility_capacity", facility="cecot")``. Raises
        FormatError for a file older than format 1.1, KeyError for an unknown name."""
        self._require_parameters()
        if name not in self.parameter_names():
            raise KeyError(f"{self.path}: no parameter {name!r}; parameters: "
                           f"{', '.join(self.parameter_names())}")
        return self.read(f"parameters/{name}", **selection)

    def parameter_labels(self, name: str) -> np.ndarray:
        """A fixed description in ``parameters`` (``agreement_facility``,
        ``programme_destinations``, ``route_from``, ...) as strings or numbers."""
        self._require_parameters()
        return self.read(f"parameters/{name}")

    @functools.cached_property
    def profiles(self) -> np.ndarray:
        """Profile names (``parameters/profile``; from the groups in an older file)."""
        if self.has("parameters/profile"):
            return _labels(self._file["parameters/profile"])
        return np.array(list(dict.fromkeys(self.group_profile)), dtype=str)

    @functools.cached_property
    def routes(self) -> np.ndarray:
        """Route ids ``FROM->TO`` (``parameters/route``; empty in an older file)."""
        return self._labels_or_empty("parameters/route")

    def labels(self, dim: str) -> np.ndarray:
        """The labels of dimension ``dim`` (``time`` gives :attr:`dates`)."""
        table = {
            "time": self.dates,
            "country": self.countries,
            "status": self.statuses,
            "group": self.groups,
            "destination": self.destinations,
            "programme": self.programmes,
            "agreement": self.agreements,
            "facility": self.facilities,
            "profile": self.profiles,
            "route": self.routes,
            "flow": np.array(self.flow_names, dtype=str),
        }
        if dim not in table:
            raise KeyError(f"unknown dimension {dim!r}; dimensions: {', '.join(table)}")
        return table[dim]

    def index(self, dim: str, label) -> int:
        """Position of ``label`` on dimension ``dim``; a KeyError lists the labels there."""
        if dim == "time":
            if isinstance(label, (int, np.integer)):
                return int(label)
            where = np.nonzero(self.dates == np.datetime64(label, "D"))[0]
        else:
            where = np.nonzero(self.labels(dim) == str(label))[0]
        if len(where) == 0:
            known = ", ".join(map(str, self.labels(dim)[:30]))
            raise KeyError(f"{label!r} is not on the {dim} axis (labels: {known})")
        return int(where[0])

    # -- data --------------------------------------------------------------------------

    @property
    def flow_names(self) -> list[str]:
        """Names of the variables in group ``flows``: documented flows in their documented
        order, then any others in file order."""
        if "flows" not in self._file:
            return []
        present = [
            name for name, obj in self._file["flows"].items() if isinstance(obj, h5py.Dataset)
        ]
        known = [name for name in FLOWS if name in present]
        return known + [name for name in present if name not in FLOWS]

    def variable(self, name: str) -> h5py.Dataset:
        """The h5py dataset of a variable, for lazy slicing (``run.variable("stocks")[-1]``)."""
        if not self.has(name):
            present = self.variable_names()
            raise KeyError(f"{self.path}: no variable {name!r}; variables: {', '.join(present)}")
        return self._file[name]

    @functools.cached_property
    def _auxiliary(self) -> dict[str, str]:
        """Auxiliary coordinates: 1-D root variables along a dimension other than time
        (``country_name``, ``facility_kind``, ``programme_sender``, ...) -> that dimension."""
        found = {}
        for name, obj in self._file.items():
            if not isinstance(obj, h5py.Dataset) or obj.ndim != 1 or name in DIMENSIONS:
                continue
            (dim,) = self.dims(name)
            if dim != "time" and dim != name:
                found[name] = dim
        return found

    def coordinate_names(self, dim: str | None = None) -> list[str]:
        """Auxiliary coordinates (of dimension ``dim``, or all), in file order."""
        return [name for name, along in self._auxiliary.items() if dim is None or along == dim]

    def coordinate(self, name: str) -> np.ndarray:
        """An auxiliary coordinate as a numpy array (strings decoded), e.g. ``"programme_sender"``."""
        if name not in self._auxiliary:
            known = ", ".join(self._auxiliary)
            raise KeyError(f"{self.path}: no auxiliary coordinate {name!r}; coordinates: {known}")
        return self.read(name)

    def variable_names(self) -> list[str]:
        """Every data variable (not dimensions or their coordinates), flows as ``flows/<name>``."""
        names = [
            name
            for name, obj in self._file.items()
            if isinstance(obj, h5py.Dataset) and name not in DIMENSIONS and name not in self._auxiliary
        ]
        return names + [f"flows/{name}" for name in self.flow_names]

    def dims(self, name: str) -> tuple[str, ...]:
        """Dimension names of a variable, from its attached dimension scales."""
        dataset = self.variable(name)
        base = name.rsplit("/", 1)[-1]
        documented = FLOW_DIMS if name.startswith("flows/") else DOCUMENTED_DIMS.get(base)
        result = []
        for axis in range(dataset.ndim):
            dim = dataset.dims[axis]
            if len(dim) > 0:
                result.append(dim[0].name.rsplit("/", 1)[-1])
            elif dataset.ndim == 1 and h5py.h5ds.is_scale(dataset.id):
                result.append(base)
            elif documented is not None and len(documented) == dataset.ndim:
                result.append(documented[axis])
            elif dataset.ndim == 1 and base.split("_", 1)[0] in DIMENSIONS:
                result.append(base.split("_", 1)[0])  # country_name, programme_sender, ...
            elif dim.label:
                result.append(dim.label)
            else:
                raise FormatError(f"{self.path}: variable {name!r} axis {axis} has no dimension")
        return tuple(result)

    def units(self, name: str) -> str:
        return _text(self.variable(name).attrs.get("units", ""))

    def long_name(self, name: str) -> str:
        return _text(self.variable(name).attrs.get("long_name", name))

    def _selection(self, name: str, selection: Mapping[str, object]):
        """(h5py index, dims kept, [(axis, positions)] to take afterwards) for a selection."""
        dims = self.dims(name)
        unknown = set(selection) - set(dims)
        if unknown:
            raise KeyError(f"{name} has dimensions {dims}; cannot select on {sorted(unknown)}")
        index: list[object] = []
        kept: list[str] = []
        takes: list[tuple[int, list[int]]] = []
        for dim in dims:
            if dim not in selection or selection[dim] is None:
                index.append(slice(None))
                kept.append(dim)
                continue
            chosen = selection[dim]
            if isinstance(chosen, slice):
                index.append(chosen)
                kept.append(dim)
            elif isinstance(chosen, (str, np.str_, np.datetime64)) or np.isscalar(chosen):
                index.append(self.index(dim, chosen))
            else:
                index.append(slice(None))
                takes.append((len(kept), [self.index(dim, c) for c in chosen]))
                kept.append(dim)
        return tuple(index), tuple(kept), takes

    def read(self, name: str, **selection) -> np.ndarray:
        """A variable as a numpy array, optionally selected by label on any dimension.

        A single label drops that axis, a list of labels keeps it in the given order, a slice
        applies to positions: ``run.read("stocks", status="detained", country=["USA", "MEX"])``.
        """
        index, _, takes = self._selection(name, selection)
        dataset = self.variable(name)
        if h5py.check_string_dtype(dataset.dtype) is not None:
            data = np.vectorize(_text, otypes=[str])(np.asarray(dataset.asstr()[index]))
        else:
            data = np.asarray(dataset[index])
        for axis, positions in takes:
            data = np.take(data, positions, axis=axis)
        return data

    def read_dims(self, name: str, **selection) -> tuple[str, ...]:
        """The dimensions of ``read(name, **selection)``."""
        return self._selection(name, selection)[1]

    def stocks(self, **selection) -> np.ndarray:
        """Persons by (time, country, status, group), or the axes a selection leaves."""
        return self.read("stocks", **selection)

    def flow(self, name: str, **selection) -> np.ndarray:
        """Flow ``name`` (e.g. ``"removals"``) in persons per step, (time, country, group)."""
        return self.read(f"flows/{name}", **selection)

    def removals_by_destination(self, **selection) -> np.ndarray:
        """Persons removed in each step, (time, sender country, destination)."""
        return self.read("removals_by_destination", **selection)

    def totals(self, name: str, keep: Sequence[str] = ("time",), **selection) -> np.ndarray:
        """Sum of a variable over every dimension not in ``keep`` (result axes in file order).

        Reads large variables in blocks along time, so a long run need not fit in memory.
        """
        index, kept, takes = self._selection(name, selection)
        unknown = set(keep) - set(kept)
        if unknown:
            raise KeyError(f"{name} (after selection) has dimensions {kept}; cannot keep {sorted(unknown)}")
        sum_axes = tuple(i for i, dim in enumerate(kept) if dim not in keep)
        dataset = self.variable(name)

        def reduce(block: np.ndarray) -> np.ndarray:
            for axis, positions in takes:
                block = np.take(block, positions, axis=axis)
            return block.sum(axis=sum_axes)

        time_free = dataset.ndim > 1 and kept and kept[0] == "time" and index[0] == slice(None)
        per_step = math.prod(dataset.shape[1:]) if dataset.ndim > 1 else 1
        if not time_free or dataset.shape[0] * per_step <= _BLOCK_ELEMENTS:
            return reduce(np.asarray(dataset[index], dtype=float))
        step = max(1, _BLOCK_ELEMENTS // max(per_step, 1))
        if dataset.chunks:
            step = max(dataset.chunks[0], step - step % dataset.chunks[0])
        parts = []
        for start in range(0, dataset.shape[0], step):
            block_index = (slice(start, start + step),) + index[1:]
            parts.append(reduce(np.asarray(dataset[block_index], dtype=float)))
        if "time" in keep:
            return np.concatenate(parts, axis=0)
        return np.sum(parts, axis=0)

    # -- persons (agents mode) ---------------------------------------------------------

    @property
    def has_persons(self) -> bool:
        """Whether the file has the group ``/persons`` (written by ``--mode agents``:
        docs/agents.md)."""
        return "persons" in self._file and isinstance(self._file["persons"], h5py.Group)

    def persons_names(self) -> list[str]:
        """The variables of ``/persons`` in file order (empty when the file has no such group)."""
        if not self.has_persons:
            return []
        group = self._file["persons"]
        return [name for name, obj in group.items() if isinstance(obj, h5py.Dataset)]

    def persons_variable(self, name: str) -> h5py.Dataset:
        """The h5py dataset ``/persons/<name>``, for lazy slicing of the per-person arrays
        (``run.persons_variable("group")[indices]``, indices increasing)."""
        if not self.has_persons:
            raise KeyError(f"{self.path}: no /persons group (not an agents-mode run file)")
        self._check_persons_version()
        if name not in self.persons_names():
            raise KeyError(f"{self.path}: /persons has no variable {name!r}; variables: "
                           f"{', '.join(self.persons_names())}")
        return self._file["persons"][name]

    def _check_persons_version(self) -> None:
        if getattr(self, "_persons_version_checked", False):
            return
        version = np.asarray(self._file["persons"].attrs.get("format_version", [])).ravel()
        if version.size < 1 or version.dtype.kind not in "iu":
            raise FormatError(f"{self.path}: /persons has no format_version [major, minor]")
        if int(version[0]) != PERSONS_SUPPORTED_MAJOR:
            minor = int(version[1]) if version.size > 1 else 0
            raise FormatError(
                f"{self.path}: /persons format version {int(version[0])}.{minor} is not "
                f"supported; this reader reads major version {PERSONS_SUPPORTED_MAJOR}"
            )
        self._persons_version_checked = True

    def persons(self, name: str) -> np.ndarray:
        """``/persons/<name>`` as a numpy array (``"persons_by_times_removed"``, ``"delay"``,
        ``"trace_status"``, ...); a KeyError lists the variables there."""
        return np.asarray(self.persons_variable(name)[()])

    # -- xarray ------------------------------------------------------------------------

    def _coords(self, dims: Iterable[str]) -> dict:
        coords: dict[str, object] = {}
        for dim in dims:
            if dim == "time":
                coords["time"] = ("time", self.datetimes.astype("datetime64[ns]"))
                coords["days"] = ("time", self.times)
                continue
            coords[dim] = (dim, self.labels(dim))
            for name in self.coordinate_names(dim):
                values = self.coordinate(name)
                coords[name] = (dim, values.astype(bool) if name == "country_on_map" else values)
        return coords

    def da(self, name: str, **selection):
        """Variable ``name`` as an xarray DataArray with labelled coordinates."""
        xr = _xarray()
        data = self.read(name, **selection)
        dims = self.read_dims(name, **selection)
        coords = self._coords(dims)
        for dim, chosen in selection.items():
            if chosen is None or dim not in dims:
                continue
            if isinstance(chosen, slice):
                positions = range(len(self.labels(dim)))[chosen]
            else:
                positions = [self.index(dim, c) for c in chosen]
            for coord, (coord_dim, values) in list(coords.items()):
                if coord_dim == dim:
                    coords[coord] = (dim, np.asarray(values)[list(positions)])
        attrs = {"units": self.units(name), "long_name": self.long_name(name)}
        return xr.DataArray(data, dims=dims, coords=coords, name=name.rsplit("/", 1)[-1], attrs=attrs)

    def stocks_da(self, **selection):
        """Stocks as a DataArray (time, country, status, group) in persons."""
        return self.da("stocks", **selection)

    def flows_da(self):
        """Every flow as one DataArray (time, flow, country, group) in persons per step."""
        xr = _xarray()
        names = self.flow_names
        data = np.stack([self.flow(name) for name in names], axis=1)
        coords = self._coords(FLOW_DIMS)
        coords["flow"] = ("flow", np.array(names, dtype=str))
        return xr.DataArray(
            data,
            dims=("time", "flow", "country", "group"),
            coords=coords,
            name="flows",
            attrs={"units": "persons", "long_name": "persons per step, by process"},
        )

    def to_xarray(self):
        """Every variable in one xarray Dataset; the flows as ``flows`` with a ``flow`` axis."""
        xr = _xarray()
        variables = {}
        for name in self.variable_names():
            if name.startswith("flows/"):
                continue
            variables[name] = self.da(name)
        if self.flow_names:
            variables["flows"] = self.flows_da()
        return xr.Dataset(variables, attrs=self.attrs)


def _xarray():
    try:
        import xarray
    except ImportError:
        raise ImportError(
            "this needs xarray (apt-get install python3-xarray); the numpy accessors "
            "(Run.read, Run.stocks, Run.flow, Run.totals) work without it"
        ) from None
    return xarray


def open_run(path: str | os.PathLike) -> Run:
    """Open a run file; raises FileNotFoundError, or FormatError when it is not a run file."""
    return Run(path)
