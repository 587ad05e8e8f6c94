"""Mechanism 2 (continued): ratings. The CQC inspects trusts on a staggered cycle and rates them on quality and
leadership; NHS England rates CCGs each July on the year's assessed scores, relative to the year's CCGs under the
improvement and assessment framework. Both read the four assessed domains of ``abm.mechanisms.oversight``; the
ratings feed back into the reviews, leaders' stress and turnover, and trusts' spending on quality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms import trust
from abm.mechanisms.oversight import LEADERSHIP, PROVIDERS, QUALITY, domains, rebase, scores

if TYPE_CHECKING:
    from abm.protocol import ModelState


def inspect(m: ModelState) -> dict:
    """The CQC inspects the trusts due this month and rates them on quality and leadership (not the A&E figure); an
    inspection may find that a trust's reported performance is above its true performance: the trust is sanctioned
    (stress, trust in its regulators) and reports true figures for a while. Returns the trusts caught, per run.

    Evidence: seed 004 L153, the CQC wants providers “to deliver the right quality of care and guarantee the right
    levels of staffing in every setting”; seed 004 L140, NHS Improvement wants providers to “maximise their CQC
    rating”; Bevan and Hood 2006 (inspection as a check on gamed targets; audits found misreported figures).
    """
    o, b = m.orgs, m.beh
    due = m.mask(*PROVIDERS) & (o.inspect_slot == m.t % m.each(b.inspection_interval))
    _rate_trusts(m, due)
    caught = np.flatnonzero(due & (o.perf_reported > o.perf_true + 1e-9)
                            & (m.draw("assessment", len(o.kind)) < m.each(b.gaming_detection)))
    if len(caught):
        felt = m.each(b.gaming_sanction, "orgs", caught) * m.each(m.reg.severity, "orgs", caught)
        o.sanctioned[caught] = np.maximum(o.sanctioned[caught], felt)
        o.gaming_block[caught] = m.each(b.deterrence_months, "orgs", caught)
        o.perf_reported[caught] = o.perf_true[caught]
        trust.sanctioned(m, caught, felt)
    return {"gaming_caught": m.counts(caught)}


def _rate_trusts(m: ModelState, due: np.ndarray) -> None:
    """The CQC's overall rating of the trusts ``due``: the overall assessment with the inspection's noise, against
    ``cqc_rating_cuts``."""
    o, b = m.orgs, m.beh
    noise = m.normal("assessment", b.indicator_noise, len(o.kind))
    o.rating = np.where(due, np.digitize(cqc_overall(m, domains(m)) + noise, b.cqc_rating_cuts), o.rating)


def cqc_overall(m: ModelState, d: np.ndarray) -> np.ndarray:
    """The CQC's overall assessment of every organisation, before the inspection's noise: its five key questions
    weighed equally, the quality domain standing for four of them (safe, effective, caring, responsive) and the
    leadership domain for the fifth (well-led), so well-led weighs ``cqc_well_led_weight`` (1 / 5).

    Evidence: the CQC's rating principles for NHS trusts (CQC, "Ratings principles: NHS trusts", 2022): "The five key
    questions are all equally important and should be weighted equally when aggregating" (cited in words, not a seed
    quote: the principles are not in the seeds). Until 0.2.2 the two domains weighed half each, which let leaders'
    stress alone carry a trust to inadequate.
    """
    w = m.each(m.beh.cqc_well_led_weight)
    return (1.0 - w) * d[:, QUALITY] + w * d[:, LEADERSHIP]


def publish_ratings(m: ModelState) -> None:
    """Annual CCG ratings (July): NHS England rates CCGs on the year's assessed scores.

    Under the improvement and assessment framework (``regime.relative_ccg_ratings``, from the policy timeline's
    2016-07 event) a CCG is rated by its standing among this year's CCGs (:func:`relative_scores`), so a decline of
    the whole system does not by itself move CCGs down the ratings, nor a rise up them.

    Evidence: seed 000 L194-196, high-performing CCGs vs leaders “who had received less favourable ratings”; seed 000
    L166, the annual “Improvement and Assessment Framework”.
    """
    o, b = m.orgs, m.beh
    year = np.where(o.year_n > 0, o.year_scores / np.maximum(o.year_n, 1), o.score)
    read = relative_scores(m, year)
    o.rating = np.where(m.mask("ccg"), np.digitize(read, b.ccg_rating_cuts), o.rating)
    o.year_scores[:] = 0.0
    o.year_n[:] = 0.0


def relative_scores(m: ModelState, year: np.ndarray) -> np.ndarray:
    """CCGs' year scores as the rating reads them. Where ratings are relative, the first rating keeps the scores and
    records them as its run's reference (``m.rating_reference``); every later one gives each CCG the reference year's
    score at its own rank among this year's CCGs, so the fixed cut-offs keep the reference year's meaning and only a
    CCG's standing among the others decides its rating. Elsewhere (before the framework) the scores are read as they
    are.

    Evidence: seed 000 L166, the framework (“revised in 2016/17”) assesses each CCG on 60 indicators; NHS England
    (2017), CCG IAF 2016/17 clinical priority overviews, which tell CCGs the assessment is relative (a CCG may improve
    on every indicator and still be rated lower, if others improved more); policy timeline 2016-07.
    """
    read = year.copy()
    ccg = m.mask("ccg")
    relative = np.broadcast_to(m.each(m.regime.relative_ccg_ratings, "runs"), (m.R,))
    for r, block in enumerate(m.org_runs):
        own = block.start + np.flatnonzero(ccg[block])
        if not relative[r] or len(own) == 0:
            continue
        reference = m.rating_reference[r]
        if reference is None:
            m.rating_reference[r] = np.sort(year[own])
            continue
        # the lowest CCG reads the reference's lowest score and the highest its highest; with as many CCGs as the
        # reference year each reads exactly the score at its own rank (fewer after mergers: evenly between them)
        rank = np.argsort(np.argsort(year[own], kind="stable"), kind="stable")
        place = rank / (len(own) - 1) if len(own) > 1 else np.full(1, 0.5)
        read[own] = np.quantile(reference, place)
    return read


def initial_ratings(m: ModelState) -> None:
    """Assess and rate everyone once at the start so that month 0 has scores and a rating distribution."""
    from abm.mechanisms.money import ccg_performance
    o = m.orgs
    ccg_performance(m)
    m.benchmark = rebase(m)
    d = domains(m)
    bodies = m.mask("ccg", *PROVIDERS)
    o.domains = np.where(bodies[:, None], d, o.domains)
    o.score = np.where(bodies, scores(m, d), o.score)
    _rate_trusts(m, m.mask(*PROVIDERS))
    publish_ratings(m)
    # The initial assessment stands for the three quarters before the start, so a first July rating does not rest
    # on a single review.
    o.year_scores = np.where(bodies, 3.0 * o.score, 0.0)
    o.year_n = np.where(bodies, 3.0, 0.0)
