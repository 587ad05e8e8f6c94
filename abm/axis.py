"""The run axis: what the mechanisms use to work on R runs side by side as if each were alone.

Run ``r`` holds organisations ``r*N .. r*N+N-1``, relationships ``r*E ..`` and STPs ``r*S ..`` (indices offset,
nothing shared), so every elementwise numpy pass of a mechanism serves all R runs at once. What is not elementwise
(a national count, a ranking, a quantity shared out, a random draw, a parameter whose value differs between runs)
goes through these helpers, which do it for each run over that run's block: :meth:`RunAxis.each` (a parameter's
value, per element), :meth:`RunAxis.draw` / :meth:`RunAxis.normal` (each run's own streams), :meth:`RunAxis.sums`
(per-run totals, each summed as a single run sums its own), :meth:`RunAxis.counts`, :meth:`RunAxis.runs_of` (a
sorted index split by run), :meth:`RunAxis.mask` and :meth:`RunAxis.relationships` (kept until a merger). So a run
gives the same numbers, to the last bit, batched or alone (``tests/test_batch.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from abm.params import Value, of_run
from abm.state import Edges, Orgs, STPs
from abm.vocabulary import EDGE_KINDS, KIND_ID, PROVIDER_KINDS, kind_lut


class RunAxis:
    """Helpers over the run axis; :class:`abm.engine.Engine` sets the sizes, the streams and the state."""

    orgs: Orgs
    edges: Edges
    stps: STPs
    R: int
    N: int
    E: int
    S: int
    run_streams: list[dict[str, np.random.Generator]]
    kind_id: np.ndarray
    _masks: dict[tuple, np.ndarray]
    _run_index: dict[str, np.ndarray]
    _per_run: set[int]                                            # ids of the configuration's per-run parameters
    _expanded: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]   # their per-element expansions

    # --- parameters -------------------------------------------------------------------------------------------------
    def each(self, value: Value, per: str = "orgs", idx: np.ndarray | int | None = None):
        """A parameter's value where a mechanism uses it: the number itself when every run has the same (always so
        for a single run); otherwise each element's own run's value, for every organisation (``per="orgs"``),
        relationship (``"edges"``) or STP (``"stps"``) of every run, or for the indices ``idx`` of that axis only;
        ``per="runs"``: one per run (or run ``idx``'s)."""
        if not isinstance(value, np.ndarray):
            return value
        if per == "runs":
            return value if idx is None else value[idx]
        if idx is None:
            key = (id(value), per)
            kept = self._expanded.get(key)
            if kept is not None and kept[0] is value:
                return kept[1]
            if per not in self._run_index:
                self._run_index[per] = np.repeat(np.arange(self.R), self._size(per))
            out = value[self._run_index[per]]
            if id(value) in self._per_run:        # a parameter of the configuration: expanded once, read-only
                out.flags.writeable = False
                self._expanded[key] = (value, out)
            return out
        return value[np.asarray(idx) // self._size(per)]

    def of_run(self, value: Value, run: int) -> float | int:
        """Run ``run``'s value of a parameter, as a plain number."""
        return of_run(value, run)

    # --- organisations and relationships ----------------------------------------------------------------------------
    def mask(self, *kinds: str) -> np.ndarray:
        """Alive organisations of the given kinds (``"provider"`` stands for all four provider kinds)."""
        key = kinds
        if key not in self._masks:
            names = [k for kind in kinds for k in (PROVIDER_KINDS if kind == "provider" else (kind,))]
            self._masks[key] = kind_lut(*names)[self.kind_id] & self.orgs.alive
        return self._masks[key]

    def relationships(self, kinds: int | tuple[int, ...], src: str | None = None, forward: bool = False,
                      within_stp: bool = False) -> np.ndarray:
        """Active relationships of the given kind(s) (ids of ``EDGE_KINDS``), optionally only those from organisations
        of kind ``src``, only one direction of each pair (``forward``: src < dst) and only those inside an STP (both
        ends members of the same one), as sorted indices. Kept until a merger changes the network (read-only: filter
        them into new arrays)."""
        key = ("relationships", kinds, src, forward, within_stp)
        if key not in self._masks:
            e, stp_of = self.edges, self.orgs.stp
            sel = e.active & np.isin(np.arange(len(EDGE_KINDS)), kinds)[e.kind]
            if src is not None:
                sel &= e.src_k == KIND_ID[src]
            if forward:
                sel &= e.src < e.dst
            if within_stp:
                sel &= (stp_of[e.src] == stp_of[e.dst]) & (stp_of[e.src] >= 0)
            idx = np.flatnonzero(sel)
            idx.flags.writeable = False
            self._masks[key] = idx
        return self._masks[key]

    # --- random numbers ---------------------------------------------------------------------------------------------
    def _each(self, n: int) -> int:
        for per in ("orgs", "edges", "stps"):
            if n == self.R * self._size(per):
                return self._size(per)
        raise ValueError(f"a draw of {n} numbers is not one per organisation, relationship or STP of each run")

    def draw(self, stream: str, n: int, runs: bool | np.ndarray = True) -> np.ndarray:
        """``n`` uniform numbers from the named random stream: one per organisation, relationship or STP of every run,
        each run's from its own stream. Only the ``runs`` (a flag per run) draw; the others' streams are left as they
        are and their entries are infinite (no event happens), as in a single run that draws nothing."""
        k = self._each(n)
        drawing = np.broadcast_to(np.asarray(runs, bool), (self.R,))
        out = np.empty(n) if drawing.all() else np.full(n, np.inf)
        for r, s in enumerate(self.run_streams):     # straight into the run's block (no joining copy)
            if drawing[r]:
                s[stream].random(k, out=out[r * k:(r + 1) * k])
        return out

    def normal(self, stream: str, sd: Value, n: int) -> np.ndarray:
        """Normal noise (mean 0, standard deviation ``sd``, a parameter: each run's own) from the named stream, laid
        out as :meth:`draw`."""
        k = self._each(n)
        parts = [s[stream].normal(0.0, of_run(sd, r), k) for r, s in enumerate(self.run_streams)]
        return parts[0] if self.R == 1 else np.concatenate(parts)

    def stream(self, name: str, run: int) -> np.random.Generator:
        """Run ``run``'s named stream (for draws whose size depends on what happened in that run)."""
        return self.run_streams[run][name]

    # --- per-run totals ---------------------------------------------------------------------------------------------
    def runs_of(self, idx: np.ndarray, per: str = "orgs") -> Iterator[tuple[int, slice]]:
        """Split a sorted array of organisation (or relationship, or STP) indices by run: (run, slice of ``idx``)."""
        size = self._size(per)
        if self.R == 1:
            yield 0, slice(0, len(idx))
            return
        bounds = np.searchsorted(idx, np.arange(self.R + 1) * size)
        for r in range(self.R):
            yield r, slice(int(bounds[r]), int(bounds[r + 1]))

    def sums(self, values: np.ndarray, idx: np.ndarray | None = None, per: str = "orgs") -> np.ndarray:
        """Per-run totals of ``values`` (one per organisation of every run; or aligned with the sorted indices
        ``idx``), each summed exactly as a single run sums its own (counts and whole numbers in one pass)."""
        values = np.asarray(values)
        size = self._size(per)
        if idx is None:                              # a row of the (runs, size) table: the block's own sum
            return values.reshape(self.R, size).sum(axis=1)
        if values.dtype.kind in "biu":
            return np.bincount(np.asarray(idx) // size, weights=values, minlength=self.R).round().astype(np.int64)
        return np.array([values[part].sum() for _r, part in self.runs_of(idx, per)])

    def counts(self, idx: np.ndarray, per: str = "orgs") -> np.ndarray:
        """How many of the indices ``idx`` fall in each run."""
        return np.bincount(np.asarray(idx, dtype=np.int64) // self._size(per), minlength=self.R)

    def _size(self, per: str) -> int:
        return {"orgs": self.N, "edges": self.E, "stps": self.S, "runs": 1}[per]
